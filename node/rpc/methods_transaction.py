"""transactionWatch_v1_* and transaction_v1_* (the new JSON-RPC interface).

A rejected transaction is an `invalid` event (the spec reserves JSON-RPC errors for bytes
that are not hex). Finality is instant: inclusion is `bestChainBlockIncluded` then
`finalized` in the same block, and the watch ends there. A transaction that leaves the
pool without a block (no longer valid, or removed) is `dropped`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from typing import Any

from node.chain import Chain
from node.rpc.errors import (
    BAD_FORMAT,
    POOL_INVALID_TX,
    POOL_UNKNOWN_VALIDITY,
    VERIFICATION_ERROR,
    RpcError,
    invalid_params,
)
from node.rpc.methods_chain import hexs
from node.rpc.notify import Hub, Subscription
from node.rpc.params import Params
from node.rpc.registry import Answer, Ctx, method
from node.rpc.service import NewBlock
from runtime.extrinsic import extrinsic_hash

log = logging.getLogger("phala_emu.rpc")
MAX_BROADCASTS = 64  # per connection (the spec asks for at least 4); past it: null
INVALID_CODES = (BAD_FORMAT, VERIFICATION_ERROR, POOL_INVALID_TX, POOL_UNKNOWN_VALIDITY)
_broadcast_ids = itertools.count(1)


def _event(sub: Subscription, doc: dict[str, Any]) -> None:
    sub.notify(json.dumps(doc))


def _send_all(sub: Subscription, events: list[dict[str, Any]]) -> None:
    for doc in events:
        _event(sub, doc)


def _rejection(err: RpcError) -> dict[str, Any]:
    text = err.message if err.data is None else f"{err.message}: {err.data}"
    return {"event": "invalid" if err.code in INVALID_CODES else "error", "error": text}


def _included(block_hash: bytes, index: int) -> list[dict[str, Any]]:
    where = {"hash": hexs(block_hash), "index": index}
    return [{"event": "bestChainBlockIncluded", "block": where},
            {"event": "finalized", "block": where}]


def _ensure_observers(hub: Hub) -> None:
    if getattr(hub, "txwatch_observed", False):
        return
    hub.txwatch_observed = True  # type: ignore[attr-defined]

    def watching(tx_hash: bytes) -> list[Subscription]:
        return [s for s in list(hub.by_kind["txWatch"].values())
                if s.tx_hash == tx_hash and s.extra.get("validated")]

    def on_block(block: NewBlock, rewound: bool) -> None:
        if rewound or not hub.by_kind["txWatch"]:
            return
        for index, ext in enumerate(block.extrinsics):
            for sub in watching(extrinsic_hash(ext)):
                for doc in _included(block.hash, index):
                    _event(sub, doc)
                hub.end(sub)

    def on_status(tx_hash: bytes, status: str) -> None:
        for sub in watching(tx_hash):
            _event(sub, {"event": "dropped", "error": "the transaction left the pool "
                         "without being included (no longer valid, or removed)"})
            hub.end(sub)

    hub.block_observers.append(on_block)
    hub.status_observers.append(on_status)


def _index_in(chain: Chain, block_hash: bytes, tx: bytes) -> int:
    return chain.store.block(block_hash)[1].index(tx)


@method("transactionWatch_v1_submitAndWatch", subscription=True)
async def submit_and_watch(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    tx = params.hex_bytes(0, "transaction")
    assert ctx.conn is not None
    service = ctx.service
    _ensure_observers(service.hub)
    # Hub.watchers (the legacy watch) is keyed by tx_hash only when kind == "extrinsic"
    sub = service.hub.add(ctx.conn, "txWatch", tx_hash=extrinsic_hash(tx))
    events: list[dict[str, Any]] = []
    try:
        block_hash = await service.submit(tx)
    except RpcError as err:
        events.append(_rejection(err))
        service.hub.end(sub)
        return Answer(sub.id, lambda: _send_all(sub, events))
    events.append({"event": "validated"})
    if block_hash is not None:  # instant mode: already in a block
        index = await service.call(_index_in, service.chain, block_hash, tx)
        events += _included(block_hash, index)
        service.hub.end(sub)
    else:
        sub.extra["validated"] = True  # the block that takes it reports it
    return Answer(sub.id, lambda: _send_all(sub, events))


@method("transactionWatch_v1_unwatch", subscription=True)
def unwatch(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    sub_id = params.raw(0)
    sub = ctx.conn.subs.get(sub_id) if ctx.conn is not None and isinstance(sub_id, str) \
        else None
    if sub is None or sub.kind != "txWatch":
        raise invalid_params(f"transactionWatch_v1_unwatch: no active watch {sub_id!r}"[:200])
    ctx.service.hub.end(sub)
    return None


# -- broadcast -------------------------------------------------------------------------------
@method("transaction_v1_broadcast")
async def broadcast(ctx: Ctx, params: Params) -> Any:
    """Submit in the background: the spec has the server stay silent about invalid ones.
    Over WebSocket the operation is a subscription-like entry of the connection (its
    limit and its clean-up on close), never notified."""
    params.ensure_at_most(1)
    tx = params.hex_bytes(0, "transaction")
    hub = ctx.service.hub
    if ctx.conn is None:
        op_id = f"http-{next(_broadcast_ids)}"
        hub.http_broadcasts.add(op_id)
    else:
        if sum(s.kind == "broadcast" for s in ctx.conn.subs.values()) >= MAX_BROADCASTS:
            return None
        op_id = hub.add(ctx.conn, "broadcast").id

    async def submit() -> None:
        try:
            await ctx.service.submit(tx)
        except RpcError as err:
            log.debug("broadcast %s rejected: %s", op_id, err.json())

    _tasks.add(task := asyncio.ensure_future(submit()))
    task.add_done_callback(_tasks.discard)
    return op_id


_tasks: set[asyncio.Task[None]] = set()


@method("transaction_v1_stop")
def stop(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    op_id = params.raw(0)
    if not isinstance(op_id, str):
        raise invalid_params("transaction_v1_stop: operationId must be a string")
    hub = ctx.service.hub
    if ctx.conn is None:
        if op_id in hub.http_broadcasts:
            hub.http_broadcasts.discard(op_id)
            return None
    else:
        sub = ctx.conn.subs.get(op_id)
        if sub is not None and sub.kind == "broadcast":
            hub.end(sub)
            return None
    raise invalid_params(f"transaction_v1_stop: no active broadcast {op_id!r}"[:200])
