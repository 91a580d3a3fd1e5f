"""`ForkBackend`: a copy-on-write `Backend` over another one (an in-memory fork).

Reads fall through to the base; every write stays in memory and the base is never
written, so a chain opened over a fork can author blocks with the same runtime,
signatures and roots while the stored chain stays exactly as it was. Give it a
read-only snapshot of the base (e.g. `LevelDBBackend.snapshot()`) when the base may
change while the fork lives; with `close_base` the fork releases that snapshot on
`close`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from storage.backend import Backend, MemoryBackend


class ForkBackend:
    def __init__(self, base: Backend, close_base: bool = False) -> None:
        self._base = base
        self._close_base = close_base
        # One store per first key byte: a prefix scan then sorts only its own part (the
        # state's flat keys), not every trie node the fork has written.
        self._mem: dict[bytes, MemoryBackend] = {}
        self._deleted: set[bytes] = set()  # base keys deleted in the fork

    def _part(self, key: bytes) -> MemoryBackend:
        part = self._mem.get(key[:1])
        if part is None:
            part = self._mem[key[:1]] = MemoryBackend()
        return part

    def get(self, key: bytes) -> bytes | None:
        value = self._part(key).get(key)
        if value is not None:
            return value
        if key in self._deleted:
            return None
        return self._base.get(key)

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """The fork's pairs under prefix, keys ascending; materialised (writes are safe)."""
        if prefix:
            mine = list(self._part(prefix).iter_prefix(prefix))
        else:
            mine = sorted(kv for part in self._mem.values() for kv in part.iter_prefix(b""))
        if not mine and not self._deleted:
            return iter(list(self._base.iter_prefix(prefix)))
        hidden = self._deleted
        mem_keys = {k for k, _ in mine}
        base = [(k, v) for k, v in self._base.iter_prefix(prefix)
                if k not in hidden and k not in mem_keys]
        return iter(sorted(base + mine))

    def write_batch(self, puts: Mapping[bytes, bytes], deletes: Iterable[bytes] = ()) -> None:
        """Apply deletes then puts to the fork only (a key in both ends up put)."""
        deletes = [k for k in deletes if k not in puts]
        self._deleted.update(deletes)
        self._deleted.difference_update(puts)
        groups: dict[bytes, tuple[dict[bytes, bytes], list[bytes]]] = {}
        for k in deletes:
            groups.setdefault(k[:1], ({}, []))[1].append(k)
        for k, v in puts.items():
            groups.setdefault(k[:1], ({}, []))[0][k] = v
        for first, (part_puts, part_deletes) in groups.items():
            self._part(first).write_batch(part_puts, part_deletes)

    def close(self) -> None:
        """Drop the fork's writes; release the base when the fork owns it."""
        self._mem = {}
        self._deleted = set()
        if self._close_base:
            self._base.close()

    def written_keys(self) -> int:
        """How many keys the fork holds in memory (puts not since deleted)."""
        return sum(len(part) for part in self._mem.values())
