"""Read a storage item of any pallet at the head (or at --at BLOCK).

A map with its key(s) prints the decoded value or null; a map without keys prints
every entry as [{"key": [...], "value": ...}] in storage-key order (with leading
keys only, the entries under them). Tuple keys take one argument per element.

Examples:
  phala-emu query System Account //Alice
  phala-emu --json query Balances TotalIssuance --at 3
  phala-emu --json query PhalaStakePool PoolStakers 0 //Bob
  phala-emu --json query PhalaRegistry Workers
"""

from __future__ import annotations

import argparse
from typing import Any

from node.args import ArgumentError, parse_arg
from node.cli.output import CliError, Output
from node.session import open_chain
from runtime.codec import Codec, TupleCodec

NAME = "query"
HELP = "read a storage item"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pallet", metavar="PALLET")
    parser.add_argument("item", metavar="ITEM")
    parser.add_argument("keys", nargs="*", metavar="KEY")
    parser.add_argument("--at", metavar="BLOCK", help="block number or 0x hash (default: head)")


def storage_item(rt: Any, pallet: str, item: str) -> Any:
    """The StorageItem declaration; CliError naming what is unknown."""
    if pallet not in rt.pallets:
        raise CliError("UnknownPallet", f"unknown pallet {pallet!r} (one of {sorted(rt.pallets)})")
    items = type(rt.pallets[pallet]).storage_items()
    if item not in items:
        raise CliError("UnknownStorageItem",
                       f"{pallet} has no storage item {item!r} (one of {sorted(items)})")
    return items[item]


def key_codecs(decl: Any) -> list[tuple[str, Any]]:
    """(name, codec) per CLI key argument: a tuple key expands to one per element."""
    if decl.kind != "map":
        return []
    if len(decl.keys) == 1 and isinstance(decl.keys[0][1], TupleCodec):
        return [(f"key[{i}]", c) for i, c in enumerate(decl.keys[0][1].items)]
    return [(f"key{i + 1}", c) for i, (_, c) in enumerate(decl.keys)]


def run(args: argparse.Namespace, out: Output) -> int:
    with open_chain(args) as chain:
        decl = storage_item(chain.rt, args.pallet, args.item)
        header = chain.resolve(args.at)
        view = chain.view_at(header)
        data = read(decl, args.pallet, args.keys, view, chain.ctx, chain.rt.resolve(decl.value))
    out.result(data)
    return 0


def read(decl: Any, pallet: str, raw_keys: list[str], view: Any, ctx: Any,
         value: Codec) -> Any:
    """The item's JSON; `value` is its value codec as the chain's runtime completes it."""
    codecs = key_codecs(decl)
    if len(raw_keys) > len(codecs):
        raise CliError("BadInput", f"{pallet}.{decl.name} takes {len(codecs)} key(s), "
                       f"got {len(raw_keys)}")
    try:
        parts = [parse_arg(c, raw, ctx, n) for (n, c), raw in zip(codecs, raw_keys, strict=False)]
    except ArgumentError as exc:
        raise CliError("BadInput", str(exc)) from None
    prefix = decl.prefix(pallet)
    tuple_key = len(decl.keys) == 1 and isinstance(decl.keys[0][1], TupleCodec) \
        if decl.kind == "map" else False
    if decl.kind != "map" or len(parts) == len(codecs):
        if decl.kind != "map":
            key = prefix
        else:
            key = prefix + decl.key_suffix([tuple(parts)] if tuple_key else parts)
        raw = view.get(key)
        if raw is None:
            default = decl.default() if decl.kind != "map" else None
            return None if default is None else value.to_json(default, ctx)
        return value.to_json(value.decode(raw), ctx)
    # entries under the given leading keys (all entries without keys)
    sub = b"" if tuple_key else b"".join(
        h.hash(c.encode(p)) for (h, c), p in zip(decl.keys, parts, strict=False))
    if tuple_key and parts:
        raise CliError("BadInput", f"{pallet}.{decl.name} hashes its tuple key as one: "
                       "give all of its elements or none")
    out = []
    for k, raw in view.iter_prefix(prefix + sub):
        try:
            key_parts = decl.decode_key(k[len(prefix):])
            key_json = [c.to_json(p, ctx) for (_, c), p in zip(decl.keys, key_parts, strict=True)]
            if tuple_key:
                key_json = key_json[0]
        except ValueError:  # a non-reversible hasher: only the hashed key is known
            key_json = ["0x" + k[len(prefix):].hex()]
        out.append({"key": key_json, "value": value.to_json(value.decode(raw), ctx)})
    return out
