"""Storage queries of the new JSON-RPC interface (chainHead_v1_storage, archive_v1_storage):
item parsing and the results of one block's state, shared by both."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from node.chain import Chain
from node.rpc.errors import invalid_params
from node.rpc.params import parse_hex
from runtime.hashing import blake2_256
from runtime.header import Header

ITEM_TYPES = ("value", "hash", "closestDescendantMerkleValue", "descendantsValues",
              "descendantsHashes")
DESCENDANTS = ("descendantsValues", "descendantsHashes")


@dataclass
class Item:
    key: bytes
    type: str
    start: bytes | None = None  # archive's paginationStartKey (exclusive)


def parse_items(raw: Any, where: str, pagination: bool = False) -> list[Item]:
    if not isinstance(raw, list):
        raise invalid_params(f"{where}: items must be an array of {{key, type}}")
    items = []
    for it in raw:
        allowed = {"key", "type"} | ({"paginationStartKey"} if pagination else set())
        if not isinstance(it, dict) or not {"key", "type"} <= set(it) or set(it) - allowed:
            raise invalid_params(f"{where}: each item is {{key, type}}")
        if it["type"] not in ITEM_TYPES:
            raise invalid_params(f"{where}: item type must be one of {', '.join(ITEM_TYPES)}")
        start = it.get("paginationStartKey")
        if start is not None and it["type"] not in DESCENDANTS:
            raise invalid_params(f"{where}: paginationStartKey is for descendants queries")
        items.append(Item(parse_hex(it["key"], f"{where}: key"), it["type"],
                          None if start is None else parse_hex(start, f"{where}: start key")))
    return items


def parse_child_trie(raw: Any, where: str) -> bytes | None:
    return None if raw is None else parse_hex(raw, f"{where}: childTrie")


def closest_descendant_merkle_value(chain: Chain, header: Header, key: bytes) -> bytes | None:
    """The Merkle value (hash, or encoding when inline) of the trie node closest below or
    at `key`, None when no node has `key` as a prefix of its path."""
    store, layout = chain.state.nodes, chain.state.layout
    path = key.hex()
    node = store.load(header.state_root)
    ref: bytes = header.state_root
    pos = 0
    while node is not None:
        rest = path[pos:]
        if len(rest) <= len(node.partial):
            return ref if node.partial.startswith(rest) else None
        if not rest.startswith(node.partial):
            return None
        pos += len(node.partial)
        if node.children is None:
            return None
        slot = node.children[int(path[pos], 16)]
        pos += 1
        if slot is None:
            return None
        node = store.resolve(slot)
        ref = slot if isinstance(slot, bytes) else node.reference(layout)
    return None


def results(chain: Chain, header: Header, items: list[Item],
            child_trie: bytes | None) -> Iterator[dict[str, str]]:
    """(chain thread) The result objects of `items` on the state after `header`, in order;
    no child tries exist, so a child-trie query finds nothing."""
    if child_trie is not None:
        return
    view = chain.view_at(header)
    for it in items:
        if it.type == "closestDescendantMerkleValue":
            mv = closest_descendant_merkle_value(chain, header, it.key)
            if mv is not None:
                yield {"key": "0x" + it.key.hex(), it.type: "0x" + mv.hex()}
        elif it.type in DESCENDANTS:
            field = "value" if it.type == "descendantsValues" else "hash"
            for k, v in view.iter_prefix(it.key):
                if it.start is not None and k <= it.start:
                    continue
                out = v if field == "value" else blake2_256(v)
                yield {"key": "0x" + k.hex(), field: "0x" + out.hex()}
        else:
            v = view.get(it.key)
            if v is None and it.key == b":code":
                v = code_stand_in(chain)
            if v is not None:
                out = v if it.type == "value" else blake2_256(v)
                yield {"key": "0x" + it.key.hex(), it.type: "0x" + out.hex()}


def code_stand_in(chain: Chain) -> bytes:
    """`:code` for a state without one (as state_getStorage answers: see methods_state)."""
    cfg = chain.config
    return f"phala-emu runtime {cfg.spec_name} {cfg.spec_version}".encode()


def runtime_spec(version: dict[str, Any]) -> dict[str, Any]:
    """`{"type": "valid", "spec": …}` from the legacy runtime-version JSON (apis: id -> version)."""
    return {"type": "valid", "spec": {
        "specName": version["specName"], "implName": version["implName"],
        "specVersion": version["specVersion"], "implVersion": version["implVersion"],
        "transactionVersion": version["transactionVersion"],
        "apis": {api_id: ver for api_id, ver in version["apis"]}}}
