"""Verified replay of block files (cli.md `replay`): the full executor, every check.

Files are decoded first (a file that is not a block raises `UndecodableBlock`, exit 2,
before anything is built); then the genesis is built and each block is imported:
number and parent hash, then every extrinsic through the executive (signatures,
nonces, eras), extrinsics root, state root and block hash. The first mismatch raises
`ReplayMismatch` (exit 1) naming the block and what differs; for a state root, the
recomputed and committed roots and, with the author's chain at hand, the first
storage keys whose values differ, decoded to pallet/item.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from node.chain import Chain
from node.genesis import parse_genesis
from node.genesis_state import build_genesis_block
from runtime.executive import BlockVerificationError, InvalidBlock
from runtime.extrinsic import Extrinsic, ExtrinsicFormatError
from runtime.hashing import twox128
from runtime.header import Header, decode_block
from runtime.scale import ScaleDecodeError
from storage.backend import MemoryBackend
from storage.leveldb import BackendError, LevelDBBackend
from storage.state import ChainState

MAX_DIFF_KEYS = 5
WELL_KNOWN = {b":extrinsic_index": ":extrinsic_index", b":code": ":code"}


class UndecodableBlock(Exception):
    """A block file that does not decode as a block (exit 2)."""


class ReplayMismatch(Exception):
    """A well-formed block that fails a check (exit 1); the message names block and field."""


def collect_files(paths: list[str]) -> list[Path]:
    """The `.block` files named (directories expand to their `.block` files, sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.glob("*.block")))
        elif p.is_file():
            out.append(p)
        else:
            raise UndecodableBlock(f"{p}: no such file or directory")
    if not out:
        raise UndecodableBlock("no block files given")
    return out


def load_blocks(files: list[Path]) -> list[tuple[Path, Header, bytes]]:
    """(file, header, bytes) in block-number order; UndecodableBlock for a bad file."""
    blocks = []
    for f in files:
        data = f.read_bytes()
        try:
            header, extrinsics = decode_block(data)
            for i, e in enumerate(extrinsics):
                try:
                    Extrinsic.decode(e)
                except ExtrinsicFormatError as exc:
                    raise ScaleDecodeError(f"extrinsic {i}: {exc}") from None
        except ScaleDecodeError as exc:
            raise UndecodableBlock(f"{f} does not decode as a block: {exc}") from None
        blocks.append((f, header, data))
    blocks.sort(key=lambda b: b[1].number)
    numbers = [h.number for _, h, _ in blocks]
    if len(set(numbers)) != len(numbers):
        raise UndecodableBlock("two block files carry the same block number")
    return blocks


def open_target(genesis_text: bytes, into: str | None) -> Chain:
    """A fresh chain from the genesis: on disk at `into`, else in memory."""
    if into is not None:
        return Chain.init(into, genesis_text)
    backend = MemoryBackend()
    build_genesis_block(backend, parse_genesis(genesis_text), genesis_text)
    return Chain(backend, genesis_text)


def replay(chain: Chain, blocks: list[tuple[Path, Header, bytes]], against: str | None,
           progress: Callable[[int], None] = lambda i: None) -> Header:
    """Import every block into `chain`; the new head. Raises ReplayMismatch."""
    for done, (f, header, data) in enumerate(blocks, 1):
        name = f"block #{header.number} ({f.name})"
        if header.number == 0:
            if header.hash() != chain.genesis_hash:
                raise ReplayMismatch(f"{name}: genesis hash differs: the file has "
                                     f"0x{header.hash().hex()}, the genesis file gives "
                                     f"0x{chain.genesis_hash.hex()}")
            continue
        import_block(chain, name, header, data, against)
        progress(done)
    return chain.head()


def import_block(chain: Chain, name: str, header: Header, data: bytes,
                 against: str | None) -> None:
    head = chain.head()
    if header.number != head.number + 1:
        raise ReplayMismatch(f"{name}: expected block #{head.number + 1} next "
                             f"(the chain's head is #{head.number})")
    if header.parent_hash != head.hash():
        raise ReplayMismatch(f"{name}: parent hash differs: the block says "
                             f"0x{header.parent_hash.hex()}, block #{head.number} is "
                             f"0x{head.hash().hex()}")
    try:
        got = chain.executive.execute_block(data)
        if got.hash() != header.hash():
            raise ReplayMismatch(f"{name}: block hash differs: the file's header hashes to "
                                 f"0x{header.hash().hex()}, execution gives 0x{got.hash().hex()}")
    except InvalidBlock as exc:
        chain.state.discard()
        raise ReplayMismatch(f"{name}: {exc}") from None
    except BlockVerificationError as exc:
        detail = (f"{exc.field.replace('_', ' ')} differs: recomputed 0x{exc.got.hex()}, "
                  f"committed 0x{exc.expected.hex()}")
        if exc.field == "state_root" and against is not None:
            detail += "; " + diff_against(chain, against, header)
        chain.state.discard()
        raise ReplayMismatch(f"{name}: {detail}") from None
    except BaseException:
        chain.state.discard()
        raise
    _, puts = chain.store.block_records(header, decode_block(data)[1])
    chain.state.commit_block(puts)


def diff_against(chain: Chain, base_path: str, header: Header) -> str:
    """The first storage keys where the replayed state and the author's state differ."""
    try:
        backend = LevelDBBackend(Path(base_path) / "db", create=False)
    except BackendError as exc:
        return f"cannot open the author's chain: {exc}"
    try:
        author = ChainState(backend, chain.genesis.state_version).view_at(header.state_root)
        theirs = dict(author.iter_prefix(b""))
    except Exception as exc:  # noqa: BLE001 - a missing root is reported, not fatal
        return f"the author's chain at {base_path} lacks that state ({exc})"
    finally:
        backend.close()
    ours = dict(chain.state.overlay.iter_prefix(b""))
    diffs = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
    if not diffs:
        return "no storage key differs from the author's state"
    names = key_names(chain.rt)
    shown = ", ".join(f"{describe_key(names, k)} (0x{k.hex()}: replayed "
                      f"{_short(ours.get(k))}, author {_short(theirs.get(k))})"
                      for k in diffs[:MAX_DIFF_KEYS])
    return f"{len(diffs)} storage key(s) differ from the author's state, first: {shown}"


def key_names(rt: Any) -> dict[bytes, str]:
    names = {}
    for pallet in rt.pallets.values():
        for item in type(pallet).storage_items():
            names[twox128(pallet.NAME.encode()) + twox128(item.encode())] = \
                f"{pallet.NAME}.{item}"
    return names


def describe_key(names: dict[bytes, str], key: bytes) -> str:
    return names.get(key[:32]) or WELL_KNOWN.get(key) or "unknown item"


def _short(v: bytes | None) -> str:
    if v is None:
        return "absent"
    text = v.hex()
    return "0x" + (text if len(text) <= 40 else text[:40] + "…")
