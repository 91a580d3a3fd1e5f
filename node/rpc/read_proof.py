"""state_getReadProof: the trie nodes on the paths to the given keys (sorted, unique)."""

from __future__ import annotations

from storage.trie.nodes import Node, NodeStore


def read_proof(store: NodeStore, root: bytes, keys: list[bytes]) -> list[bytes]:
    found: set[bytes] = set()
    for key in keys:
        _walk(store, root, key.hex(), found)
    return sorted(found)


def _encoding(store: NodeStore, node: Node, node_hash: bytes) -> bytes:
    enc = getattr(node, "enc", None)
    if enc is None:
        raw = store._reader.get(store.prefix + node_hash)
        assert raw is not None
        enc = raw
    return enc  # type: ignore[no-any-return]


def _walk(store: NodeStore, root: bytes, path: str, found: set[bytes]) -> None:
    node = store.load(root)
    node_hash = root
    pos = 0
    while node is not None:
        if node_hash is not None:  # inline children travel inside their parent
            found.add(_encoding(store, node, node_hash))
        if not path.startswith(node.partial, pos):
            return
        pos += len(node.partial)
        if pos == len(path):
            if node.has_value and node.value is None and node.vhash is not None:
                found.add(store.value_of(node))
            return
        if node.children is None:
            return
        slot = node.children[int(path[pos], 16)]
        if slot is None:
            return
        node_hash = slot if isinstance(slot, bytes) else None  # type: ignore[assignment]
        node = store.resolve(slot)
        pos += 1
