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

    The sorted key index is maintained incrementally for small batches and
    rebuilt lazily after a large one (bulk genesis loads), so both block-sized
    commits and million-key imports stay cheap.
    """

    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self._sorted: list[bytes] | None = []

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
        removed = [k for k in deletes if k in data and k not in puts]
        added = [k for k in puts if k not in data]
        for k in removed:
            del data[k]
        data.update(puts)
        keys = self._sorted
        if keys is None:
            return
        if len(removed) + len(added) > 64 and len(removed) + len(added) > len(keys) // 64:
            self._sorted = None  # cheaper to re-sort once on the next iteration
            return
        for k in removed:
            del keys[bisect.bisect_left(keys, k)]
        for k in added:
            bisect.insort(keys, k)

    def close(self) -> None:
        pass

    def __len__(self) -> int:
        return len(self._data)

    def _sorted_keys(self) -> list[bytes]:
        if self._sorted is None:
            self._sorted = sorted(self._data)
        return self._sorted
