"""Byte-level chain storage: backends, the Substrate state trie and the committed state.

Knows only bytes (no SCALE types, no pallets):

* `storage.backend`  `Backend` protocol and `MemoryBackend`
* `storage.leveldb`  `LevelDBBackend` (the only plyvel user; import it explicitly)
* `storage.fork`     `ForkBackend`: copy-on-write over another backend (in-memory forks)
* `storage.overlay`  nested transactional change layers over a read view
* `storage.trie`     sp-trie codec, from-scratch and incremental roots, historic views
* `storage.state`    `ChainState`: flat state + persisted trie nodes + atomic block commits
* `storage.rawspec`  raw chain specs and `state_queryStorage` change logs
"""

from storage.backend import Backend, MemoryBackend
from storage.overlay import Overlay, OverlayError, ReadView
from storage.state import ChainState, StateError
from storage.trie import EMPTY_ROOT, ordered_trie_root, trie_root

__all__ = [
    "EMPTY_ROOT", "Backend", "ChainState", "MemoryBackend", "Overlay", "OverlayError",
    "ReadView", "StateError", "ordered_trie_root", "trie_root",
]
