"""The byte-level key-value store every chain component writes through.

A `Backend` knows nothing about keys' meaning: callers partition the key space
by single-byte prefixes (see `storage.state` for who owns which prefix).
`write_batch` is the only way to write and is atomic: either every put and
delete of the call is visible afterwards, or none is.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol


class Backend(Protocol):
    def get(self, key: bytes) -> bytes | None:
        """The stored value, or None when the key is absent."""
        ...

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Stored (key, value) pairs whose key starts with prefix, keys ascending."""
        ...

    def write_batch(self, puts: Mapping[bytes, bytes], deletes: Iterable[bytes] = ()) -> None:
        """Apply deletes then puts atomically (a key in both ends up put)."""
        ...

    def close(self) -> None: ...


class MemoryBackend:
    """A dict with sorted prefix iteration; nothing survives the process.

    The sorted key index is brought up to date only when a prefix is iterated: writes
    just note the keys they add and remove. Why: a chain's state only grows (trie nodes
    are never pruned), and inserting each new key into a sorted list of millions on
    every block made replaying a long chain in memory quadratic, although nothing
    iterates most of those blocks. Few pending keys are inserted by bisection, many
    (bulk genesis loads) by one sort.
    """

    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self._sorted: list[bytes] = []
        self._added: set[bytes] = set()    # in _data, not yet in _sorted
        self._removed: set[bytes] = set()  # in _sorted, no longer in _data

    def get(self, key: bytes) -> bytes | None:
        return self._data.get(key)

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Ascending pairs under prefix; materialised, so writing meanwhile is safe."""
        keys = self._sorted_keys()
        data = self._data
        out = []
        i = bisect.bisect_left(keys, prefix)
        while i < len(keys) and keys[i].startswith(prefix):
            out.append((keys[i], data[keys[i]]))
            i += 1
        return iter(out)

    def write_batch(self, puts: Mapping[bytes, bytes], deletes: Iterable[bytes] = ()) -> None:
        data = self._data
        for k in deletes:
            if k in data and k not in puts:
                del data[k]
                if k in self._added:
                    self._added.discard(k)
                else:
                    self._removed.add(k)
        for k in puts:
            if k not in data:
                if k in self._removed:
                    self._removed.discard(k)  # still in the index
                else:
                    self._added.add(k)
        data.update(puts)

    def close(self) -> None:
        pass

    def __len__(self) -> int:
        return len(self._data)

    def _sorted_keys(self) -> list[bytes]:
        keys, added, removed = self._sorted, self._added, self._removed
        if not added and not removed:
            return keys
        if removed:
            keys = [k for k in keys if k not in removed]
        if len(added) > 64 and len(added) > len(keys) // 64:
            keys.extend(added)
            keys.sort()
        else:
            for k in added:
                bisect.insort(keys, k)
        self._sorted = keys
        self._added, self._removed = set(), set()
        return keys
