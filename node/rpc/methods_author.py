"""author_*: submit (and watch) extrinsics, the pending pool."""

from __future__ import annotations

import json
from typing import Any

from node.chain import Chain
from node.rpc.errors import invalid_params
from node.rpc.methods_chain import hexs, unsubscribe
from node.rpc.params import Params, parse_hex
from node.rpc.registry import Ctx, Subscribed, method
from runtime.extrinsic import extrinsic_hash


@method("author_submitExtrinsic")
async def submit_extrinsic(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    tx = params.hex_bytes(0, "extrinsic")
    await ctx.service.submit(tx)
    return hexs(extrinsic_hash(tx))


@method("author_submitAndWatchExtrinsic", subscription=True)
async def submit_and_watch(ctx: Ctx, params: Params) -> Any:
    """An invalid extrinsic is an error answer to this call (never an "invalid" status)."""
    params.ensure_at_most(1)
    tx = params.hex_bytes(0, "extrinsic")
    assert ctx.conn is not None
    block_hash = await ctx.service.submit(tx)
    hub = ctx.service.hub
    tx_hash = extrinsic_hash(tx)
    if block_hash is None:  # waits in the pool: the block that takes it reports it
        sub = hub.add(ctx.conn, "extrinsic", tx_hash=tx_hash)
        return Subscribed(sub, [json.dumps("ready")])
    # already in a block (instant mode): every status is known, and the watch ends there
    sub = hub.add(ctx.conn, "extrinsic")
    hub.end(sub)
    block_hex = hexs(block_hash)
    statuses = ["ready", {"inBlock": block_hex}, {"finalized": block_hex}]
    return Subscribed(sub, [json.dumps(s) for s in statuses])


@method("author_unwatchExtrinsic", subscription=True)
def unwatch_extrinsic(ctx: Ctx, params: Params) -> Any:
    return unsubscribe(ctx, params, "extrinsic")


@method("author_pendingExtrinsics", max_params=0)
async def pending_extrinsics(ctx: Ctx, params: Params) -> Any:
    return await ctx.service.call(
        lambda chain: [hexs(enc) for _, enc in chain.store.pending()], ctx.service.chain)


@method("author_removeExtrinsic", unsafe=True)
async def remove_extrinsic(ctx: Ctx, params: Params) -> Any:
    """`[[{"Hash": h} | {"Extrinsic": bytes}…]]` -> the hashes removed from the pool."""
    params.ensure_at_most(1)
    items = params.raw(0)
    if not isinstance(items, list):
        raise invalid_params("author_removeExtrinsic: expected a list of {Hash}|{Extrinsic}")
    wanted: set[bytes] = set()
    for item in items:
        if isinstance(item, dict) and len(item) == 1 and "Hash" in item:
            wanted.add(parse_hex(item["Hash"], "author_removeExtrinsic: Hash"))
        elif isinstance(item, dict) and len(item) == 1 and "Extrinsic" in item:
            wanted.add(extrinsic_hash(parse_hex(item["Extrinsic"],
                                                "author_removeExtrinsic: Extrinsic")))
        else:
            raise invalid_params("author_removeExtrinsic: each item is {Hash} or {Extrinsic}")

    def remove(chain: Chain) -> list[str]:
        keys, removed = [], []
        for key, enc in chain.store.pending():
            h = extrinsic_hash(enc)
            if h in wanted:
                keys.append(key)
                removed.append(hexs(h))
        if keys:
            chain.backend.write_batch({}, keys)
        return removed

    removed = await ctx.service.call(remove, ctx.service.chain)
    for h in removed:
        ctx.service.hub.extrinsic_status(bytes.fromhex(h[2:]), "dropped")
    return removed
