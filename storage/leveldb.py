"""LevelDB-backed `Backend` (the only module that imports plyvel).

Crash guarantee: every `write_batch` call is one LevelDB write batch, and
LevelDB applies a batch atomically through its write-ahead log, so a crash or
SIGKILL leaves either the whole batch or none of it. Batches are written with
`sync=False`: a process kill loses nothing that `write_batch` returned from
(the OS holds the log), while a power loss may drop the most recent batches,
never half of one. Pass `sync=True` to trade throughput for that last bit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import plyvel


class BackendError(Exception):
    """The database cannot be opened (missing, locked by another process, corrupt)."""


class BackendLocked(BackendError):
    """Another process holds the database's lock: it is busy, not damaged."""


class LevelDBBackend:
    def __init__(self, path: str | Path, create: bool = True, sync: bool = False) -> None:
        """Open (or with create=True, create) the database at path.

        Raises BackendError when it is absent and create is False, or it is
        locked or unreadable.
        """
        try:
            # No Snappy: most of what is written is trie nodes, i.e. 32-byte hashes, which
            # do not compress, while compressing every block again at each compaction
            # was most of the background compaction CPU (the fast-forward bench: 13.6 s
            # -> 5.8 s over 25,000 blocks). Compressed blocks of older databases stay
            # readable (LevelDB flags compression per block).
            self._db = plyvel.DB(str(path), create_if_missing=create, compression=None)
        except (plyvel.Error, OSError) as exc:
            if "LOCK" in str(exc) and ("already held" in str(exc) or "unavailable" in str(exc)):
                raise BackendLocked(f"LevelDB at {path} is locked by another process") from exc
            raise BackendError(f"cannot open LevelDB at {path}: {exc}") from exc
        self._sync = sync

    def get(self, key: bytes) -> bytes | None:
        return self._db.get(key)

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Ascending pairs under prefix, read from an implicit snapshot."""
        with self._db.iterator(prefix=prefix) as it:
            yield from it

    def write_batch(self, puts: Mapping[bytes, bytes], deletes: Iterable[bytes] = ()) -> None:
        """Apply deletes then puts as one atomic LevelDB batch."""
        # transaction=True: an exception while filling the batch discards it whole.
        with self._db.write_batch(transaction=True, sync=self._sync) as batch:
            for k in deletes:
                batch.delete(k)
            for k, v in puts.items():
                batch.put(k, v)

    def snapshot(self) -> LevelDBSnapshot:
        """A read-only view of the database as it is now (later writes are not seen)."""
        return LevelDBSnapshot(self._db.snapshot())

    def close(self) -> None:
        if not self._db.closed:
            self._db.close()


class LevelDBSnapshot:
    """A read-only `Backend` over a LevelDB snapshot; `close` releases it."""

    def __init__(self, snapshot: plyvel.Snapshot) -> None:
        self._snapshot = snapshot

    def get(self, key: bytes) -> bytes | None:
        return self._snapshot.get(key)

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        with self._snapshot.iterator(prefix=prefix) as it:
            yield from it

    def write_batch(self, puts: Mapping[bytes, bytes], deletes: Iterable[bytes] = ()) -> None:
        raise BackendError("a LevelDB snapshot is read-only")

    def close(self) -> None:
        self._snapshot.release()
