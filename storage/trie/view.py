"""Read-only views of a persisted trie root (historic state)."""

from __future__ import annotations

from collections.abc import Iterator

from storage.trie.codec import NIBBLES
from storage.trie.nodes import Node, NodeStore


class TrieView:
    """`ReadView` (get + ascending iter_prefix) of the state committed as root_hash.

    Walks persisted nodes through the store; raises MissingNodeError on use when
    root_hash (or a node under it) was never stored.
    """

    def __init__(self, store: NodeStore, root_hash: bytes) -> None:
        self._store = store
        self.root_hash = root_hash

    def get(self, key: bytes) -> bytes | None:
        store = self._store
        path = key.hex()
        node = store.load(self.root_hash)
        pos = 0
        while node is not None:
            if not path.startswith(node.partial, pos):
                return None
            pos += len(node.partial)
            if pos == len(path):
                return store.value_of(node) if node.has_value else None
            if node.children is None:
                return None
            slot = node.children[int(path[pos], 16)]
            if slot is None:
                return None
            node = store.resolve(slot)
            pos += 1
        return None

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs under prefix in ascending key order (depth-first)."""
        store = self._store
        want = prefix.hex()
        node = store.load(self.root_hash)
        path = ""  # nibbles above node
        while node is not None:  # descend to the node whose subtree covers want
            full = path + node.partial
            if full.startswith(want):
                break
            if not want.startswith(full) or node.children is None:
                return
            slot = node.children[int(want[len(full)], 16)]
            if slot is None:
                return
            path = full + want[len(full)]
            node = store.resolve(slot)
        if node is None:
            return
        stack: list[tuple[str, Node]] = [(path, node)]
        while stack:
            above, node = stack.pop()
            full = above + node.partial
            if node.has_value:
                yield bytes.fromhex(full), store.value_of(node)
            children = node.children
            if children is not None:
                for i in range(15, -1, -1):
                    slot = children[i]
                    if slot is not None:
                        stack.append((full + NIBBLES[i], store.resolve(slot)))
