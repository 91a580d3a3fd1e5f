"""The chain's committed state on a `Backend`, with incremental state roots.

Key space of the backend (one-byte prefixes; every other prefix belongs to
the node's block store, e.g. `B` blocks, `H` hash->number, `P` pending pool):

* `S` ++ storage key   -> value      flat view of the current committed state
                                      (fast reads without walking the trie)
* `N` ++ blake2_256(x) -> x          trie nodes (and, in layout 1, values of
                                      >= 33 bytes) of every root ever committed;
                                      never pruned, so `view_at` works for old roots
* `M` ++ b"state"      -> root ++ layout byte   the committed root

`commit_block` writes the flat changes, the new nodes, the meta record and the
caller's own records in one atomic backend batch, so a crash leaves the state
at either the previous or the new block, never between. Reopening reads only
the meta record: nothing is rebuilt, nodes load lazily on demand.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from storage.backend import Backend
from storage.overlay import Overlay, ReadView
from storage.trie import EMPTY_ROOT, NodeStore, TrieUpdate, TrieView
from storage.trie.build import build_root_encoding
from storage.trie.codec import blake2_256
from storage.trie.diff import trie_diff

FLAT = b"S"
NODES = b"N"
META = b"M"
META_STATE_KEY = META + b"state"
OWN_PREFIXES = (FLAT, NODES, META)


class StateError(Exception):
    """Misuse of the chain state (layout mismatch, genesis over existing state, ...)."""


class FlatView:
    """`ReadView` of the committed flat key-value state (`S` prefix).

    Point reads go through a cache of committed values, absent keys included. Why: a
    block re-reads the same few dozen keys, and on LevelDB every read of a key that is
    absent or rarely written consults a file per level, which charges LevelDB's
    seek-triggered compaction — on a long chain that background compaction cost more
    CPU than the reads themselves. The cache is write-through: `ChainState` (the only
    writer of the prefix) passes every committed change to `note_committed`. It is
    dropped whole when it outgrows `cache_keys` (bulk imports stay bounded).

    Likewise prefixes found empty are remembered until a committed change puts a key
    under them: the runtime clears some always-empty maps every block (System's
    EventTopics), and each LevelDB prefix scan, even of nothing, builds an iterator
    over every level (~4 % of a block).
    """

    def __init__(self, backend: Backend, cache_keys: int = 100_000) -> None:
        self._backend = backend
        self._cache: dict[bytes, bytes | None] = {}
        self._cache_keys = cache_keys
        self._empty_prefixes: set[bytes] = set()
        self._commits = 0  # note_committed calls, so a scan spanning one proves nothing

    def get(self, key: bytes) -> bytes | None:
        cache = self._cache
        if key in cache:
            return cache[key]
        value = self._backend.get(FLAT + key)
        if len(cache) >= self._cache_keys:
            cache.clear()
        cache[key] = value
        return value

    def note_committed(self, changes: Mapping[bytes, bytes | None]) -> None:
        """The committed values of `changes` (None = deleted), after a successful write."""
        self._commits += 1
        if self._empty_prefixes:
            added = [k for k, v in changes.items() if v is not None]
            self._empty_prefixes = {p for p in self._empty_prefixes
                                    if not any(k.startswith(p) for k in added)}
        if len(self._cache) + len(changes) > self._cache_keys:
            self._cache.clear()
        else:
            self._cache.update(changes)

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        if prefix in self._empty_prefixes:
            return
        empty, commits = True, self._commits
        for k, v in self._backend.iter_prefix(FLAT + prefix):
            empty = False
            yield k[1:], v
        if empty and commits == self._commits and len(self._empty_prefixes) < 1_000:
            self._empty_prefixes.add(prefix)


class ChainState:
    def __init__(self, backend: Backend, layout: int = 0,
                 cache_nodes: int | None = None) -> None:
        """Open the state stored in backend (an empty state if none is stored).

        Raises StateError if the stored state uses another layout, or layout is not 0/1.
        """
        if layout not in (0, 1):
            raise StateError(f"unknown trie layout {layout!r} (expected 0 or 1)")
        self.backend = backend
        self.layout = layout
        self.nodes = (NodeStore(backend, NODES) if cache_nodes is None
                      else NodeStore(backend, NODES, cache_nodes))
        self._committed = EMPTY_ROOT
        meta = backend.get(META_STATE_KEY)
        if meta is not None:
            if len(meta) != 33:
                raise StateError("corrupt state meta record")
            if meta[32] != layout:
                raise StateError(f"stored state uses layout {meta[32]}, not {layout}")
            self._committed = meta[:32]
        self.flat = FlatView(backend)
        self.overlay = Overlay(self.flat)
        self._trie = TrieUpdate(self.nodes, self._committed, layout)
        self._applied: dict[bytes, bytes | None] = {}

    @property
    def committed_root(self) -> bytes:
        return self._committed

    # -- roots --------------------------------------------------------------------------
    def _update_for(self, changes: dict[bytes, bytes | None]) -> TrieUpdate:
        """The trie with exactly `changes` applied on the committed root.

        Reuses the previous update when changes only grew since (the usual case of
        root() then commit_block()); otherwise starts again from the committed root.
        """
        applied = self._applied
        if any(k not in changes for k in applied) or \
                any(applied[k] != changes[k] for k in applied):
            self._trie = TrieUpdate(self.nodes, self._committed, self.layout)
            applied = self._applied = {}
        trie = self._trie
        for k, v in changes.items():
            if k in applied and applied[k] == v:
                continue
            if v is None:
                trie.delete(k)
            else:
                trie.set(k, v)
            applied[k] = v
        return trie

    def root(self) -> bytes:
        """Root of the committed state plus the pending block changes; writes nothing.

        Raises OverlayError while a transactional layer is open.
        """
        return self._update_for(self.overlay.changes()).root()

    # -- writing ------------------------------------------------------------------------
    def commit_block(self, extra_puts: Mapping[bytes, bytes] | None = None,
                     extra_deletes: Iterable[bytes] = ()) -> bytes:
        """Persist the pending changes plus the caller's records atomically; new root.

        Raises OverlayError with an open layer, StateError if an extra key uses a
        prefix owned by the state; on a backend error nothing changes in memory either.
        """
        changes = self.overlay.changes()
        extra_puts, deletes = _checked_extras(extra_puts, extra_deletes)
        trie = self._update_for(changes)
        new_root = trie.root()
        self._write(changes, new_root, trie.node_writes(), extra_puts, deletes)
        trie.mark_persisted()
        self._applied = {}
        self._committed = new_root
        self.overlay.reset()
        return new_root

    def reset_to(self, root: bytes, extra_puts: Mapping[bytes, bytes] | None = None,
                 extra_deletes: Iterable[bytes] = ()) -> dict[bytes, bytes | None]:
        """Make `root`, a root committed here before, the committed state again (a rewind):
        the flat view gets exactly the keys that differ, with the caller's records, in
        one batch. Trie nodes are never pruned, so every earlier root is still whole.
        Returns the flat changes made (key -> value, None = deleted).

        Raises StateError with pending changes or an extra key in a state prefix,
        MissingNodeError when `root` was never committed here (nothing is written).
        """
        if self.overlay.depth or self.overlay.changes():
            raise StateError("rewind with pending changes")
        extra_puts, deletes = _checked_extras(extra_puts, extra_deletes)
        changes = trie_diff(self.nodes, self._committed, root)
        self._write(changes, root, {}, extra_puts, deletes)
        self._committed = root
        self._trie = TrieUpdate(self.nodes, root, self.layout)
        self._applied = {}
        return changes

    def _write(self, changes: Mapping[bytes, bytes | None], root: bytes,
               puts: dict[bytes, bytes], extra_puts: dict[bytes, bytes],
               deletes: list[bytes]) -> None:
        """One batch: the flat changes, `puts` (trie nodes), the meta record of `root` and
        the caller's records; then the flat view's cache learns the changes."""
        for k, v in changes.items():
            if v is None:
                deletes.append(FLAT + k)
            else:
                puts[FLAT + k] = v
        puts[META_STATE_KEY] = root + bytes((self.layout,))
        puts.update(extra_puts)
        self.backend.write_batch(puts, deletes)
        self.flat.note_committed(changes)

    def discard(self) -> None:
        """Drop every pending change (an aborted block)."""
        self.overlay.reset()
        self._trie = TrieUpdate(self.nodes, self._committed, self.layout)
        self._applied = {}

    def build_genesis(self, items: Iterable[tuple[bytes, bytes]],
                      extra_puts: Mapping[bytes, bytes] | None = None) -> bytes:
        """Bulk-build a fresh state from items (later duplicates win) in one batch.

        Uses the closed-form builder (no incremental inserts). Raises StateError
        when state is already committed or changes are pending.
        """
        if self._committed != EMPTY_ROOT or self.backend.get(META_STATE_KEY) is not None:
            raise StateError("genesis over an existing state")
        if self.overlay.depth or self.overlay.changes():
            raise StateError("genesis with pending changes")
        merged = dict(items)
        keys = sorted(merged)
        puts: dict[bytes, bytes] = {}

        def sink(h: bytes, data: bytes) -> None:
            puts[NODES + h] = data

        root_enc = build_root_encoding([k.hex() for k in keys], [merged[k] for k in keys],
                                       self.layout, sink)
        root = blake2_256(root_enc)
        for k in keys:
            puts[FLAT + k] = merged[k]
        puts[META_STATE_KEY] = root + bytes((self.layout,))
        if extra_puts:
            puts.update(extra_puts)
        self.backend.write_batch(puts, ())
        self.flat.note_committed(merged)
        self._committed = root
        self._trie = TrieUpdate(self.nodes, root, self.layout)
        self._applied = {}
        return root

    # -- reading ------------------------------------------------------------------------
    def view_at(self, root: bytes) -> ReadView:
        """Read-only view of the state committed as root (any past root).

        Reads raise MissingNodeError if that root was never committed here.
        """
        return TrieView(self.nodes, root)


def _checked_extras(extra_puts: Mapping[bytes, bytes] | None,
                    extra_deletes: Iterable[bytes]) -> tuple[dict[bytes, bytes], list[bytes]]:
    """The caller's records as a dict and a list; StateError for a key in a state prefix."""
    puts, deletes = dict(extra_puts or {}), list(extra_deletes)
    for k in (*puts, *deletes):
        if k[:1] in OWN_PREFIXES:
            raise StateError(f"extra key 0x{k.hex()} uses a prefix owned by the state")
    return puts, deletes
