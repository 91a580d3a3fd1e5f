"""The decoded block: header fields plus its extrinsics (hash, signer, call), default head.

Examples:
  phala-emu block
  phala-emu --json block 2
  phala-emu --json block 0x8f3c…
"""

from __future__ import annotations

import argparse
from typing import Any

from node.cli.output import Output
from node.render import extrinsic_json, header_json, hexs, print_kv
from node.session import open_chain
from runtime.header import DIGEST_ITEM

NAME = "block"
HELP = "a decoded block (default: head)"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ref", nargs="?", metavar="N|HASH", help="block number or 0x hash")


def run(args: argparse.Namespace, out: Output) -> int:
    with open_chain(args) as chain:
        header = chain.resolve(args.ref)
        _, extrinsics = chain.store.block(header.hash())
        data: dict[str, Any] = header_json(header, chain.timestamp_at(header))
        data["digest"] = [hexs(DIGEST_ITEM.encode(d)) for d in header.digest]
        data["extrinsics"] = [extrinsic_json(chain.rt, e, chain.ctx) for e in extrinsics]
    out.result(data, _human)
    return 0


def _human(data: dict[str, Any]) -> None:
    print_kv(data)
    for i, x in enumerate(data["extrinsics"]):
        c = x["call"]
        print(f"  [{i}] {c['pallet']}.{c['call']} signer={x['signer']} {x['hash']}")
        print(f"      args {c['args']}")
