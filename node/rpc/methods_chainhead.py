"""chainHead_v1_*: follow the chain with pinning, and read pinned blocks (the new JSON-RPC
interface, paritytech/json-rpc-interface-spec).

Finality is instant, so each new block is reported as `newBlock`, `bestBlockChanged` and
`finalized` at once, and nothing is ever pruned. A rewind (`dev_setHead`) would revert
finalized blocks, which the spec has no event for: every follow subscription gets `stop`
and the client follows again from the new head.

An operation (body, call, storage) reads the block before its `started` answer goes out;
its events follow the answer (`Answer.then`). Only a storage operation paused by
`operationWaitingForContinue` outlives the call.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from node.chain import Chain
from node.rpc.errors import RpcError, invalid_params
from node.rpc.methods_chain import hexs
from node.rpc.notify import Hub, Subscription
from node.rpc.params import Params, parse_hex
from node.rpc.registry import Answer, Ctx, method
from node.rpc.service import NewBlock
from node.rpc.storage_items import (
    DESCENDANTS,
    parse_child_trie,
    parse_items,
    results,
    runtime_spec,
)
from runtime.version import runtime_version_json

# limits the spec lets a server set (it asks for at least 2 follows and 16 operations)
MAX_FOLLOWS = 2            # per connection; one more is -32800
MAX_OPERATIONS = 16        # per follow: a body or call is 1, each storage item 1
MAX_PINNED = 512           # per follow; past it the subscription stops
ITEMS_PER_EVENT = 64       # storage items in one operationStorageItems event

TOO_MANY_FOLLOWS, INVALID_BLOCK, NO_RUNTIME, INVALID_CONTINUE, DUPLICATE_HASHES = (
    -32800, -32801, -32802, -32803, -32804)
LIMIT_REACHED = {"result": "limitReached"}


@dataclass
class Operation:
    id: str
    cost: int
    pending: list[dict[str, str]] = field(default_factory=list)
    pausable: bool = False   # a descendants query: may wait for chainHead_v1_continue
    waiting: bool = False


@dataclass(eq=False)
class Follow:
    sub: Subscription
    with_runtime: bool
    initialized: bool = False
    pinned: set[bytes] = field(default_factory=set)
    ops: dict[str, Operation] = field(default_factory=dict)
    op_ids: Any = field(default_factory=itertools.count)

    def event(self, doc: dict[str, Any]) -> None:
        if self.sub.conn.subs.get(self.sub.id) is self.sub:  # nothing after stop/unfollow
            self.sub.notify(json.dumps(doc))

    def free(self) -> int:
        return MAX_OPERATIONS - sum(op.cost for op in self.ops.values())

    def new_op(self, cost: int) -> Operation:
        op = Operation(str(next(self.op_ids)), cost)
        self.ops[op.id] = op
        return op

    def pump(self, op: Operation) -> None:
        """Send the storage results of `op` up to the next pause, or to the end."""
        while op.pending:
            chunk, op.pending = op.pending[:ITEMS_PER_EVENT], op.pending[ITEMS_PER_EVENT:]
            self.event({"event": "operationStorageItems", "operationId": op.id,
                        "items": chunk})
            if op.pending and op.pausable:
                op.waiting = True
                self.event({"event": "operationWaitingForContinue", "operationId": op.id})
                return
        self.ops.pop(op.id, None)
        self.event({"event": "operationStorageDone", "operationId": op.id})


def _ensure_observer(hub: Hub) -> None:
    if not getattr(hub, "chainhead_observed", False):
        hub.chainhead_observed = True  # type: ignore[attr-defined]
        hub.block_observers.append(lambda block, rewound: _on_block(hub, block, rewound))


def _follows(hub: Hub) -> list[Follow]:
    return [s.extra["follow"] for s in list(hub.by_kind["chainHead"].values())]


def _stop(hub: Hub, f: Follow) -> None:
    f.event({"event": "stop"})
    hub.end(f.sub)
    f.ops.clear()


def _on_block(hub: Hub, block: NewBlock, rewound: bool) -> None:
    for f in _follows(hub):
        if not f.initialized:
            continue  # its `initialized` will name a head at least this new
        if rewound:
            _stop(hub, f)
            continue
        f.pinned.add(block.hash)
        if len(f.pinned) > MAX_PINNED:
            _stop(hub, f)
            continue
        h = hexs(block.hash)
        new_block: dict[str, Any] = {"event": "newBlock", "blockHash": h,
                                     "parentBlockHash": hexs(block.header.parent_hash)}
        if f.with_runtime:
            new_block["newRuntime"] = None  # the runtime never changes
        f.event(new_block)
        f.event({"event": "bestBlockChanged", "bestBlockHash": h})
        f.event({"event": "finalized", "finalizedBlockHashes": [h], "prunedBlockHashes": []})


# -- parameters ---------------------------------------------------------------------------
def _follow_of(ctx: Ctx, params: Params) -> Follow | None:
    """The live follow subscription named by parameter 0 (None: invalid or stale)."""
    sub_id = params.raw(0)
    if not isinstance(sub_id, str):
        raise invalid_params(f"{params.method}: followSubscription must be a string")
    sub = ctx.conn.subs.get(sub_id) if ctx.conn is not None else None
    if sub is None or sub.kind != "chainHead":
        return None
    return sub.extra["follow"]  # type: ignore[no-any-return]


def _hash(v: Any, where: str) -> bytes:
    h = parse_hex(v, where)
    if len(h) != 32:
        raise invalid_params(f"{where}: a block hash is 32 bytes, got {len(h)}")
    return h


def _pinned_hash(f: Follow | None, params: Params, i: int) -> bytes:
    h = _hash(params.raw(i), f"{params.method}: hash")
    if f is not None and h not in f.pinned:
        raise RpcError(INVALID_BLOCK, "Invalid block hash",
                       f"{hexs(h)} is not pinned by this subscription")
    return h


def _exactly(params: Params, n: int) -> None:
    params.ensure_at_most(n)
    if len(params.values) < n:
        raise invalid_params(f"{params.method} takes {n} parameter(s), "
                             f"got {len(params.values)}")


# -- follow ---------------------------------------------------------------------------------
@method("chainHead_v1_follow", subscription=True)
def follow(ctx: Ctx, params: Params) -> Any:
    _exactly(params, 1)
    with_runtime = params.raw(0)
    if not isinstance(with_runtime, bool):
        raise invalid_params("chainHead_v1_follow: withRuntime must be a boolean")
    assert ctx.conn is not None
    if sum(s.kind == "chainHead" for s in ctx.conn.subs.values()) >= MAX_FOLLOWS:
        raise RpcError(TOO_MANY_FOLLOWS, "Reached the limit of chainHead_v1_follow "
                       f"subscriptions ({MAX_FOLLOWS} per connection)")
    service = ctx.service
    _ensure_observer(service.hub)
    sub = service.hub.add(ctx.conn, "chainHead")
    f = Follow(sub, with_runtime)
    sub.extra["follow"] = f

    def initialized() -> None:
        head = hexs(service.head_hash)
        f.pinned.add(service.head_hash)
        doc: dict[str, Any] = {"event": "initialized", "finalizedBlockHashes": [head]}
        if with_runtime:
            doc["finalizedBlockRuntime"] = runtime_spec(
                runtime_version_json(service.chain.config))
        f.event(doc)
        f.event({"event": "bestBlockChanged", "bestBlockHash": head})
        f.initialized = True

    return Answer(sub.id, initialized)


@method("chainHead_v1_unfollow", subscription=True)
def unfollow(ctx: Ctx, params: Params) -> Any:
    _exactly(params, 1)
    f = _follow_of(ctx, params)
    if f is not None:
        ctx.service.hub.end(f.sub)
    return None


@method("chainHead_v1_unpin")
def unpin(ctx: Ctx, params: Params) -> Any:
    _exactly(params, 2)
    f = _follow_of(ctx, params)
    raw = params.raw(1)
    many = raw if isinstance(raw, list) else [raw]
    hashes = [_hash(h, "chainHead_v1_unpin: hash") for h in many]
    if f is None:
        return None
    if len(set(hashes)) != len(hashes):
        raise RpcError(DUPLICATE_HASHES, "Received duplicate hashes for the "
                       "chainHead_v1_unpin method")
    for h in hashes:
        if h not in f.pinned:
            raise RpcError(INVALID_BLOCK, "Invalid block hash",
                           f"{hexs(h)} is not pinned by this subscription")
    f.pinned.difference_update(hashes)
    return None


# -- reading pinned blocks ----------------------------------------------------------------
@method("chainHead_v1_header")
async def header(ctx: Ctx, params: Params) -> Any:
    _exactly(params, 2)
    f = _follow_of(ctx, params)
    h = _pinned_hash(f, params, 1)
    if f is None:
        return None
    raw = await ctx.service.call(lambda c: c.store.header(h).encode(), ctx.service.chain)
    return hexs(raw)


@method("chainHead_v1_body")
async def body(ctx: Ctx, params: Params) -> Any:
    _exactly(params, 2)
    f = _follow_of(ctx, params)
    h = _pinned_hash(f, params, 1)
    if f is None or f.free() < 1:
        return LIMIT_REACHED
    op = f.new_op(1)
    extrinsics = await ctx.service.call(lambda c: c.store.block(h)[1], ctx.service.chain)

    def done() -> None:
        if f.ops.pop(op.id, None) is not None:
            f.event({"event": "operationBodyDone", "operationId": op.id,
                     "value": [hexs(e) for e in extrinsics]})

    return Answer({"result": "started", "operationId": op.id}, done)


@method("chainHead_v1_call")
async def call(ctx: Ctx, params: Params) -> Any:
    _exactly(params, 4)
    f = _follow_of(ctx, params)
    h = _pinned_hash(f, params, 1)
    name = params.raw(2)
    if not isinstance(name, str):
        raise invalid_params("chainHead_v1_call: function must be a string")
    data = params.hex_bytes(3, "callParameters")
    if f is None:
        return LIMIT_REACHED
    if not f.with_runtime:
        raise RpcError(NO_RUNTIME, "The follow subscription was started with "
                       "withRuntime false")
    if f.free() < 1:
        return LIMIT_REACHED
    op = f.new_op(1)
    from node.at_block import RuntimeApiError, state_call

    def run(chain: Chain) -> dict[str, Any]:
        try:
            out = state_call(chain, chain.store.header(h), name, data)
        except RuntimeApiError as exc:
            return {"event": "operationError", "operationId": op.id, "error": str(exc)}
        return {"event": "operationCallDone", "operationId": op.id, "output": hexs(out)}

    event = await ctx.service.call(run, ctx.service.chain)

    def done() -> None:
        if f.ops.pop(op.id, None) is not None:
            f.event(event)

    return Answer({"result": "started", "operationId": op.id}, done)


@method("chainHead_v1_storage")
async def storage(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(4)
    if len(params.values) < 3:
        raise invalid_params("chainHead_v1_storage takes followSubscription, hash, items "
                             "and childTrie")
    f = _follow_of(ctx, params)
    h = _pinned_hash(f, params, 1)
    items = parse_items(params.raw(2), "chainHead_v1_storage")
    child = parse_child_trie(params.raw(3, None), "chainHead_v1_storage")
    if f is None:
        return LIMIT_REACHED
    taken = min(len(items), f.free())
    if taken < 1 and items:
        return LIMIT_REACHED
    accepted = items[:taken]
    op = f.new_op(taken)
    op.pausable = any(it.type in DESCENDANTS for it in accepted)
    op.pending = await ctx.service.call(
        lambda c: list(results(c, c.store.header(h), accepted, child)), ctx.service.chain)

    def first() -> None:
        if op.id in f.ops:
            f.pump(op)

    return Answer({"result": "started", "operationId": op.id,
                   "discardedItems": len(items) - taken}, first)


@method("chainHead_v1_continue")
async def continue_(ctx: Ctx, params: Params) -> Any:
    _exactly(params, 2)
    f = _follow_of(ctx, params)
    op_id = params.raw(1)
    if not isinstance(op_id, str):
        raise invalid_params("chainHead_v1_continue: operationId must be a string")
    op = None if f is None else f.ops.get(op_id)
    if f is None or op is None:
        return None
    if not op.waiting:
        raise RpcError(INVALID_CONTINUE, "Invalid continue",
                       f"operation {op_id} is not waiting for a continue")
    op.waiting = False
    follow_ = f
    return Answer(None, lambda: follow_.pump(op) if op.id in follow_.ops else None)


@method("chainHead_v1_stopOperation")
def stop_operation(ctx: Ctx, params: Params) -> Any:
    _exactly(params, 2)
    f = _follow_of(ctx, params)
    op_id = params.raw(1)
    if not isinstance(op_id, str):
        raise invalid_params("chainHead_v1_stopOperation: operationId must be a string")
    if f is not None:
        f.ops.pop(op_id, None)
    return None
