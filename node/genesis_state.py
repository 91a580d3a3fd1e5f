"""The genesis state and block of a parsed genesis file (genesis.md, substrate.md §4).

Every pallet's `genesis_build` runs in composition order over an empty overlay; the
resulting key/value map is bulk-built into the trie with the chain's layout and
written, together with the genesis block records, the genesis file copy and the
keystore entries of workers given as secret URIs, in one backend batch.
"""

from __future__ import annotations

from typing import Any

from node.blockstore import BlockStore
from node.genesis import Genesis
from runtime.header import Header
from storage.state import ChainState
from storage.trie import EMPTY_ROOT


def genesis_sections(g: Genesis) -> dict[str, Any]:
    """What each pallet's `genesis_build` receives (already-parsed Python values)."""
    return {
        "System": None,
        "Timestamp": g.timestamp_ms,
        "Balances": list(g.accounts),
        "Sudo": g.sudo,
        "PhalaMq": None,
        "PhalaRegistry": {**g.registry, "workers": [
            {"pubkey": w.pubkey, "ecdh_pubkey": w.ecdh_pubkey, "operator": w.operator,
             "initial_score": w.initial_score, "confidence_level": w.confidence_level}
            for w in g.workers]},
        "PhalaMining": g.mining,
        "PhalaStakePool": g.stake_pool,
    }


def genesis_items(g: Genesis) -> tuple[dict[bytes, bytes], Any]:
    """(genesis storage map, the runtime that built it) on a scratch in-memory state."""
    from node.composition import build_runtime
    from storage.backend import MemoryBackend

    state = ChainState(MemoryBackend(), g.state_version)
    rt = build_runtime(state.overlay, g.runtime_config())
    sections = genesis_sections(g)
    for pallet in rt.by_index.values():
        build = getattr(pallet, "genesis_build", None)
        if build is not None:
            build(sections.get(pallet.NAME))
    items = {k: v for k, v in state.overlay.changes().items() if v is not None}
    return items, rt


def genesis_header(state_root: bytes) -> Header:
    """Number 0, parent hash 32 zero bytes, empty-trie extrinsics root, empty digest."""
    return Header(bytes(32), 0, state_root, EMPTY_ROOT, [])


def build_genesis_block(backend: Any, g: Genesis, genesis_text: bytes) -> Header:
    """Write the genesis state, block 0 (as head), the file copy and keystore in one batch."""
    items, _ = genesis_items(g)
    state = ChainState(backend, g.state_version)
    from storage.trie.build import trie_root

    root = trie_root(items.items(), g.state_version)
    header = genesis_header(root)
    _, puts = BlockStore.block_records(header, [])
    k, v = BlockStore.genesis_record(genesis_text)
    puts[k] = v
    for w in g.workers:
        if w.secret_uri is not None:
            k, v = BlockStore.keystore_record(w.pubkey, w.secret_uri)
            puts[k] = v
    built = state.build_genesis(items.items(), puts)
    if built != root:  # the bulk builder and the closed form must agree
        raise RuntimeError("genesis root mismatch between trie builders")
    return header


def genesis_hash_of(g: Genesis) -> bytes:
    """The genesis hash a file gives (no disk access)."""
    from storage.trie.build import trie_root

    items, _ = genesis_items(g)
    return genesis_header(trie_root(items.items(), g.state_version)).hash()
