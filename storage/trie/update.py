"""Incremental trie updates: copy-on-write changes on top of a persisted root.

`TrieUpdate(store, root_hash, layout)` applies sets and deletes by copying only
the nodes on each changed key's path (k changes cost about k x depth node
loads and re-encodings); untouched subtrees stay 32-byte hash references and
are never loaded. `root()` hashes the dirty nodes without writing anything,
`node_writes()` lists what must be stored, and `mark_persisted()` hands the new
nodes to the store's cache once the caller's write batch succeeded.
"""

from __future__ import annotations

from storage.trie.codec import EMPTY_ROOT, HASH_LEN, blake2_256
from storage.trie.nodes import Node, NodeStore


def _match_len(partial: str, path: str, pos: int) -> int:
    """How many leading nibbles of partial equal path[pos:] (C-level slices)."""
    n = len(partial)
    if path.startswith(partial, pos):
        return n
    lo, hi = 0, min(n, len(path) - pos)
    if partial[:hi] == path[pos:pos + hi]:
        return hi
    while hi - lo > 1:  # partial[:lo] matches, partial[:hi] does not
        mid = (lo + hi) // 2
        if partial[:mid] == path[pos:pos + mid]:
            lo = mid
        else:
            hi = mid
    return lo


class TrieUpdate:
    def __init__(self, store: NodeStore, root_hash: bytes, layout: int) -> None:
        """Start from the persisted root root_hash (EMPTY_ROOT for an empty trie)."""
        self._store = store
        self.layout = layout
        self.base_root = root_hash
        self._root: Node | bytes | None = None if root_hash == EMPTY_ROOT else root_hash
        self._root_hash: bytes | None = root_hash
        # (children list, index, node) of each new node, from node_writes()
        self._new_slots: list[tuple[list, int, Node]] | None = None

    # -- changes ------------------------------------------------------------------
    def _writable(self, slot: Node | bytes) -> Node:
        return self._store.resolve(slot).writable()

    def set(self, key: bytes, value: bytes) -> None:
        """Insert or replace key's value (empty values are values, not deletions)."""
        self._root_hash = self._new_slots = None
        path = key.hex()
        if self._root is None:
            self._root = Node(path, value, None)
            return
        node = self._writable(self._root)
        self._root = node
        parent: Node | None = None
        pnib = 0
        pos = 0
        while True:
            partial = node.partial
            m = _match_len(partial, path, pos)
            if m < len(partial):  # split node's partial key at m
                split = Node(partial[:m], None, [None] * 16)
                node.partial = partial[m + 1:]
                split.children[int(partial[m], 16)] = node  # type: ignore[index]
                if pos + m == len(path):
                    split.value = value
                else:
                    split.children[int(path[pos + m], 16)] = Node(  # type: ignore[index]
                        path[pos + m + 1:], value, None)
                if parent is None:
                    self._root = split
                else:
                    parent.children[pnib] = split  # type: ignore[index]
                return
            pos += m
            if pos == len(path):
                node.set_value(value)
                return
            nib = int(path[pos], 16)
            if node.children is None:  # a leaf becomes a branch keeping its value
                node.children = [None] * 16
            child = node.children[nib]
            if child is None:
                node.children[nib] = Node(path[pos + 1:], value, None)
                return
            child = self._writable(child)
            node.children[nib] = child
            parent, pnib, node = node, nib, child
            pos += 1

    def delete(self, key: bytes) -> None:
        """Remove key if present (absent keys leave the trie untouched)."""
        path = key.hex()
        store = self._store
        trail: list[tuple[Node, int]] = []
        if self._root is None:
            return
        node = store.resolve(self._root)
        pos = 0
        while True:  # read-only descent: copy nothing unless the key exists
            if not path.startswith(node.partial, pos):
                return
            pos += len(node.partial)
            if pos == len(path):
                if not node.has_value:
                    return
                break
            if node.children is None:
                return
            nib = int(path[pos], 16)
            child = node.children[nib]
            if child is None:
                return
            trail.append((node, nib))
            node = store.resolve(child)
            pos += 1
        self._root_hash = self._new_slots = None
        target = node.writable()
        target.clear_value()
        replacement = self._normalize(target) if target.children is not None else None
        for ancestor, nib in reversed(trail):
            w = ancestor.writable()
            w.children[nib] = replacement  # type: ignore[index]
            replacement = self._normalize(w)
        self._root = replacement

    def _normalize(self, node: Node) -> Node | None:
        """Restore the no-extension invariant of a dirty branch after a removal."""
        children = node.children
        assert children is not None
        present = [i for i in range(16) if children[i] is not None]
        if not present:
            if not node.has_value:
                return None
            node.children = None  # a branch with only a value is a leaf
            return node
        if len(present) == 1 and not node.has_value:
            nib = present[0]
            child = self._writable(children[nib])  # type: ignore[arg-type]
            child.partial = node.partial + "0123456789abcdef"[nib] + child.partial
            return child
        return node

    # -- hashing and persistence --------------------------------------------------
    def root(self) -> bytes:
        """Root hash of the updated trie (encodes dirty nodes only; writes nothing)."""
        if self._root_hash is None:
            root = self._root
            if root is None:
                self._root_hash = EMPTY_ROOT
            elif isinstance(root, bytes):
                self._root_hash = root
            else:
                self._root_hash = blake2_256(root.encode(self.layout))
        return self._root_hash

    def node_writes(self) -> dict[bytes, bytes]:
        """prefix++hash -> bytes for every new hashed node, V1 value blob and the root."""
        root_hash = self.root()
        writes: dict[bytes, bytes] = {}
        prefix = self._store.prefix
        root = self._root
        self._new_slots = []
        if root is None:
            writes[prefix + EMPTY_ROOT] = b"\x00"
            return writes
        if isinstance(root, bytes):
            return writes
        writes[prefix + root_hash] = root.encode(self.layout)
        # Every dirty child with its parent's slot, so mark_persisted needs no second walk.
        new_slots = self._new_slots
        stack = [root]
        while stack:
            node = stack.pop()
            if node.vhash is not None and node.value is not None:
                writes[prefix + node.vhash] = node.value
            children = node.children
            if children is None:
                continue
            for i, child in enumerate(children):
                if child is not None and child.__class__ is not bytes and child.dirty:
                    ref = child.reference(self.layout)
                    if len(ref) == HASH_LEN and len(child.enc or b"") >= HASH_LEN:
                        writes[prefix + ref] = child.enc  # type: ignore[assignment]
                    new_slots.append((children, i, child))
                    stack.append(child)
        return writes

    def mark_persisted(self) -> bytes:
        """After node_writes() was stored: freeze the new nodes, cache them, and return
        the root hash. Hashed children become hash slots, so memory stays bounded."""
        root_hash = self.root()
        root = self._root
        if isinstance(root, Node):
            if self._new_slots is None:
                self.node_writes()
            store = self._store
            root.dirty = False
            for children, i, child in self._new_slots:  # type: ignore[union-attr]
                child.dirty = False
                ref = child.ref
                if ref is not None and len(ref) == HASH_LEN:
                    children[i] = ref
                    store.remember(ref, child)
            store.remember(root_hash, root)
        self._new_slots = None
        self._root = None if root_hash == EMPTY_ROOT else root_hash
        self.base_root = root_hash
        return root_hash
