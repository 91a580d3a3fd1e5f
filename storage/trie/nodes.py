"""Persisted trie nodes: the in-memory node type and the lazily loading node store.

Nodes live in the backend under `prefix ++ blake2_256(encoding)`; in layout 1
the values stored by hash live under `prefix ++ blake2_256(value)` the same way.
Nodes are content-addressed and never overwritten or pruned, so every root
ever committed stays readable.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

from storage.trie.codec import (
    EMPTY_ROOT,
    HASH_LEN,
    DecodedNode,
    blake2_256,
    decode_node,
    encode_branch,
    encode_leaf,
    is_hashed_value,
)

DEFAULT_CACHE_NODES = 200_000


class MissingNodeError(KeyError):
    """A referenced node or value blob is not in the database (corrupt or foreign root)."""


class NodeReader(Protocol):
    def get(self, key: bytes) -> bytes | None: ...


class Node:
    """A trie node. `children` is None for a leaf, else 16 slots each holding None,
    the 32-byte hash of a persisted child, or a Node (dirty, or a small inline child).

    Clean nodes (dirty False) may be shared by the cache and several tries and are
    never mutated; writers copy them first (`writable`). `enc`/`ref` cache the
    encoding and the parent's reference; `vhash` caches blake2_256(value) in layout 1
    (and is the only value information of a loaded V1 node until the value is read).
    """

    __slots__ = ("partial", "value", "vhash", "children", "dirty", "enc", "ref")

    def __init__(self, partial: str, value: bytes | None, children: list | None,
                 vhash: bytes | None = None, dirty: bool = True) -> None:
        self.partial = partial
        self.value = value
        self.vhash = vhash
        self.children = children
        self.dirty = dirty
        self.enc: bytes | None = None
        self.ref: bytes | None = None

    @property
    def has_value(self) -> bool:
        return self.value is not None or self.vhash is not None

    def writable(self) -> Node:
        """self when already dirty, else a dirty copy (children list copied)."""
        if self.dirty:
            self.enc = self.ref = None
            return self
        children = None if self.children is None else list(self.children)
        return Node(self.partial, self.value, children, self.vhash)

    def set_value(self, value: bytes) -> None:
        self.value = value
        self.vhash = None
        self.enc = self.ref = None

    def clear_value(self) -> None:
        self.value = self.vhash = None
        self.enc = self.ref = None

    def encode(self, layout: int) -> bytes:
        """Encoding (cached); child Nodes are encoded first, hashed slots used as is."""
        if self.enc is not None:
            return self.enc
        value = self.value
        if self.vhash is None and value is not None and is_hashed_value(value, layout):
            self.vhash = blake2_256(value)
        vhash = self.vhash
        if self.children is None:
            enc = encode_leaf(self.partial, value if value is not None else b"", vhash)
        else:
            refs = [child if child is None or child.__class__ is bytes
                    else child.reference(layout) for child in self.children]
            enc = encode_branch(self.partial, value, refs, vhash)
        self.enc = enc
        return enc

    def reference(self, layout: int) -> bytes:
        """What a parent stores: the encoding if < 32 bytes, else its hash."""
        if self.ref is None:
            enc = self.encode(layout)
            self.ref = enc if len(enc) < HASH_LEN else blake2_256(enc)
        return self.ref


def node_from_decoded(d: DecodedNode) -> Node:
    children = None
    if d.children is not None:
        children = [c if c is None or isinstance(c, bytes) else node_from_decoded(c)
                    for c in d.children]
    return Node(d.partial, d.value, children, d.vhash, dirty=False)


class NodeStore:
    """Loads nodes by hash from the backend through an LRU cache of decoded nodes."""

    def __init__(self, reader: NodeReader, prefix: bytes = b"N",
                 cache_nodes: int = DEFAULT_CACHE_NODES) -> None:
        self._reader = reader
        self.prefix = prefix
        self._cache: OrderedDict[bytes, Node] = OrderedDict()
        self._cache_nodes = cache_nodes

    def load(self, node_hash: bytes) -> Node | None:
        """The node stored under node_hash (None for the empty root).

        Raises MissingNodeError when it is not stored.
        """
        cache = self._cache
        node = cache.get(node_hash)
        if node is not None:
            cache.move_to_end(node_hash)
            return node
        if node_hash == EMPTY_ROOT:
            return None
        enc = self._reader.get(self.prefix + node_hash)
        if enc is None:
            raise MissingNodeError(f"trie node 0x{node_hash.hex()} not in the database")
        decoded = decode_node(enc)
        if decoded is None:
            return None
        node = node_from_decoded(decoded)
        node.enc = enc
        node.ref = enc if len(enc) < HASH_LEN else node_hash
        self.remember(node_hash, node)
        return node

    def remember(self, node_hash: bytes, node: Node) -> None:
        """Cache a clean node known to be stored under node_hash."""
        cache = self._cache
        cache[node_hash] = node
        if len(cache) > self._cache_nodes:
            cache.popitem(last=False)

    def resolve(self, slot: bytes | Node) -> Node:
        """The node a non-empty child slot refers to."""
        if isinstance(slot, bytes):
            node = self.load(slot)
            if node is None:
                raise MissingNodeError("empty node referenced as a child")
            return node
        return slot

    def value_of(self, node: Node) -> bytes:
        """The node's value, reading a V1 value blob by its hash if needed."""
        if node.value is not None:
            return node.value
        if node.vhash is None:
            raise ValueError("node has no value")
        blob = self._reader.get(self.prefix + node.vhash)
        if blob is None:
            raise MissingNodeError(f"value 0x{node.vhash.hex()} not in the database")
        return blob
