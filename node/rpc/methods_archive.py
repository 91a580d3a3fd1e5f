"""archive_v1_* and chainSpec_v1_* (the new JSON-RPC interface).

The emulator keeps every block's state, so it answers as an archive node; every block is
final, so each height has exactly one hash, and results never change (until a rewind).
"""

from __future__ import annotations

import json
from typing import Any

from node.chain import Chain
from node.rpc.errors import invalid_params
from node.rpc.methods_chain import hexs
from node.rpc.methods_system import system_properties
from node.rpc.params import Params, parse_hex, parse_number
from node.rpc.registry import Answer, Ctx, method
from node.rpc.storage_items import parse_child_trie, parse_items, results


def _block_hash(params: Params, i: int) -> bytes:
    h = parse_hex(params.raw(i), f"{params.method}: hash")
    if len(h) != 32:
        raise invalid_params(f"{params.method}: a block hash is 32 bytes, got {len(h)}")
    return h


# -- chainSpec_v1 ----------------------------------------------------------------------------
@method("chainSpec_v1_chainName", max_params=0)
def chain_name(ctx: Ctx, params: Params) -> Any:
    return ctx.service.chain.genesis.name


@method("chainSpec_v1_genesisHash", "archive_v1_genesisHash", max_params=0)
def genesis_hash(ctx: Ctx, params: Params) -> Any:
    return hexs(ctx.service.chain.genesis_hash)  # fixed when the chain opened: no hop


@method("chainSpec_v1_properties", max_params=0)
def properties(ctx: Ctx, params: Params) -> Any:
    return system_properties(ctx, params)


# -- archive_v1 ------------------------------------------------------------------------------
@method("archive_v1_finalizedHeight", max_params=0)
def finalized_height(ctx: Ctx, params: Params) -> Any:
    return ctx.service.head.number


@method("archive_v1_hashByHeight")
async def hash_by_height(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    height = parse_number(params.raw(0), "archive_v1_hashByHeight: height")
    h = await ctx.service.call(lambda c: c.store.hash_of(height), ctx.service.chain)
    return [] if h is None else [hexs(h)]


@method("archive_v1_header")
async def header(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    h = _block_hash(params, 0)

    def read(chain: Chain) -> str | None:
        if chain.store.number_of(h) is None:
            return None
        return hexs(chain.store.header(h).encode())

    return await ctx.service.call(read, ctx.service.chain)


@method("archive_v1_body")
async def body(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    h = _block_hash(params, 0)

    def read(chain: Chain) -> list[str] | None:
        if chain.store.number_of(h) is None:
            return None
        return [hexs(e) for e in chain.store.block(h)[1]]

    return await ctx.service.call(read, ctx.service.chain)


@method("archive_v1_call")
async def call(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(3)
    h = _block_hash(params, 0)
    name = params.raw(1)
    if not isinstance(name, str):
        raise invalid_params("archive_v1_call: function must be a string")
    data = params.hex_bytes(2, "callParameters")
    from node.at_block import RuntimeApiError, state_call

    def run(chain: Chain) -> Any:
        if chain.store.number_of(h) is None:
            return None
        try:
            out = state_call(chain, chain.store.header(h), name, data)
        except RuntimeApiError as exc:
            return {"success": False, "error": str(exc)}
        return {"success": True, "value": hexs(out)}

    return await ctx.service.call(run, ctx.service.chain)


@method("archive_v1_storage", subscription=True)
async def storage(ctx: Ctx, params: Params) -> Any:
    """The results as `storage` events, then `storageDone` (`storageError`: unknown block)."""
    params.ensure_at_most(3)
    h = _block_hash(params, 0)
    items = parse_items(params.raw(1), "archive_v1_storage", pagination=True)
    child = parse_child_trie(params.raw(2, None), "archive_v1_storage")
    assert ctx.conn is not None

    def read(chain: Chain) -> list[dict[str, Any]] | None:
        if chain.store.number_of(h) is None:
            return None
        return [{"event": "storage", **r}
                for r in results(chain, chain.store.header(h), items, child)]

    found = await ctx.service.call(read, ctx.service.chain)
    hub = ctx.service.hub
    sub = hub.add(ctx.conn, "archiveStorage")
    events = found + [{"event": "storageDone"}] if found is not None else \
        [{"event": "storageError", "error": f"no block with hash {hexs(h)}"}]

    def send() -> None:
        for doc in events:
            sub.notify(json.dumps(doc))
        hub.end(sub)

    return Answer(sub.id, send)


@method("archive_v1_stopStorage", subscription=True)
def stop_storage(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    sub_id = params.raw(0)
    if not isinstance(sub_id, str):
        raise invalid_params("archive_v1_stopStorage: the subscription id is a string")
    assert ctx.conn is not None
    sub = ctx.conn.subs.get(sub_id)
    if sub is not None and sub.kind == "archiveStorage":
        ctx.service.hub.end(sub)
    return None
