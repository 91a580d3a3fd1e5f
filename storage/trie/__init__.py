"""The Substrate state trie (sp-trie codec, layouts V0/V1): roots and persisted nodes.

* `trie_root`, `ordered_trie_root`: from-scratch roots (substrate.md §3.6, §3.8).
* `TrieUpdate`: incremental changes on top of a persisted root.
* `TrieView`: read-only view of any persisted root.
* `NodeStore`: lazily loads nodes stored under their blake2_256 hash.
"""

from storage.trie.build import build_root_encoding, ordered_trie_root, trie_root
from storage.trie.codec import (
    EMPTY_ROOT,
    DecodedNode,
    TrieCodecError,
    blake2_256,
    decode_node,
    encode_compact,
    encode_header,
    encode_partial,
)
from storage.trie.nodes import MissingNodeError, Node, NodeStore
from storage.trie.update import TrieUpdate
from storage.trie.view import TrieView

__all__ = [
    "EMPTY_ROOT", "DecodedNode", "MissingNodeError", "Node", "NodeStore", "TrieCodecError",
    "TrieUpdate", "TrieView", "blake2_256", "build_root_encoding", "decode_node",
    "encode_compact", "encode_header", "encode_partial", "ordered_trie_root", "trie_root",
]
