"""Raw chain specifications and `state_queryStorage` change logs, as byte maps.

Used by `phala-emu state-root`: the root of a raw spec's `genesis.raw.top`,
then the roots after each block's changes, applied incrementally.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from storage.backend import MemoryBackend
from storage.state import ChainState

Changes = dict[bytes, bytes | None]


class RawSpecError(ValueError):
    """Input that is not a readable raw spec / change log; str() is the reason."""


def _read_json(path: str | Path, what: str) -> Any:
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        raise RawSpecError(f"{what} file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RawSpecError(f"cannot read {what} file {path}: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RawSpecError(f"{what} file {path} is not valid JSON: {exc}") from None


def parse_hex(text: Any, what: str) -> bytes:
    """Bytes of a `0x`-prefixed hex string; raises RawSpecError naming what it is."""
    if isinstance(text, str) and text[:2] in ("0x", "0X"):
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            pass
    shown = repr(text) if len(repr(text)) <= 80 else repr(text)[:77] + "..."
    raise RawSpecError(f"{what} is not 0x-prefixed hex: {shown}")


def load_raw_top(path: str | Path) -> dict[bytes, bytes]:
    """The `genesis.raw.top` map of a raw chain spec file."""
    spec = _read_json(path, "raw spec")
    try:
        top = spec["genesis"]["raw"]["top"]
    except (KeyError, TypeError):
        raise RawSpecError(f"raw spec {path} has no genesis.raw.top") from None
    if not isinstance(top, dict):
        raise RawSpecError(f"raw spec {path}: genesis.raw.top is not an object")
    return {parse_hex(k, "storage key"): parse_hex(v, f"value of key {k}")
            for k, v in top.items()}


def load_changes(path: str | Path) -> list[Changes]:
    """Per-block changes of a `state_queryStorage` result (value None = deleted).

    Accepts `{"result": [...]}` or the bare list; each entry carries its pairs in
    `mainStorageChanges` (or `changes`). Child-trie changes are not supported.
    """
    doc = _read_json(path, "changes")
    entries = doc.get("result") if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise RawSpecError(f"changes file {path} has no result list")
    blocks = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise RawSpecError(f"changes entry {i} is not an object")
        pairs = entry.get("mainStorageChanges", entry.get("changes"))
        if not isinstance(pairs, list):
            raise RawSpecError(f"changes entry {i} has no mainStorageChanges list")
        if entry.get("childStorageChanges"):
            raise RawSpecError(f"changes entry {i}: child storage changes are not supported")
        block: Changes = {}
        for pair in pairs:
            if not isinstance(pair, list) or len(pair) != 2:
                raise RawSpecError(f"changes entry {i}: expected [key, value|null] pairs")
            key = parse_hex(pair[0], "storage key")
            block[key] = None if pair[1] is None else parse_hex(pair[1], f"value of key {pair[0]}")
        blocks.append(block)
    return blocks


def parse_layout(text: str) -> int:
    """`v0`/`v1` (or `0`/`1`) to the layout number; raises RawSpecError."""
    layouts = {"v0": 0, "v1": 1, "0": 0, "1": 1}
    if text.lower() not in layouts:
        raise RawSpecError(f"unknown layout {text!r} (expected v0 or v1)")
    return layouts[text.lower()]


def iter_roots(top: dict[bytes, bytes], blocks: list[Changes], layout: int = 0
               ) -> Iterator[bytes]:
    """The genesis root, then the root after each block's changes, in order.

    blocks are applied as given (callers skip the genesis entry of a change log).
    """
    state = ChainState(MemoryBackend(), layout)
    yield state.build_genesis(top.items())
    for changes in blocks:
        for key, value in changes.items():
            if value is None:
                state.overlay.delete(key)
            else:
                state.overlay.set(key, value)
        yield state.commit_block()
