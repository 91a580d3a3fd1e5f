"""chain_* (blocks, headers, head subscriptions) and rpc_methods."""

from __future__ import annotations

import json
from typing import Any

from node.chain import Chain
from node.render import hexs
from node.rpc.errors import unknown_block
from node.rpc.params import Params, parse_number
from node.rpc.registry import Ctx, Subscribed, all_methods, method
from runtime.header import Header, header_to_json


def header_at(chain: Chain, block_hash: bytes | None) -> Header:
    """(chain thread) The header of `block_hash` (head when None); 4003 when unknown."""
    if block_hash is None:
        return chain.head()
    if chain.store.number_of(block_hash) is None:
        raise unknown_block(block_hash)
    return chain.store.header(block_hash)


@method("rpc_methods", max_params=0)
def rpc_methods(ctx: Ctx, params: Params) -> Any:
    return {"version": 1, "methods": sorted(all_methods())}


@method("chain_getBlockHash", "chain_getHead")
async def get_block_hash(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    arg = params.raw(0, None)
    if arg is None:
        return hexs(ctx.service.head_hash)
    many = isinstance(arg, list)
    numbers = [parse_number(n, "chain_getBlockHash: block number")
               for n in (arg if many else [arg])]

    def lookup(chain: Chain) -> list[str | None]:
        out = []
        for n in numbers:
            h = chain.store.hash_of(n)
            out.append(None if h is None else hexs(h))
        return out

    found = await ctx.service.call(lookup, ctx.service.chain)
    return found if many else found[0]


@method("chain_getHeader")
async def get_header(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    at = params.opt_hash(0)
    if at is None:
        return header_to_json(ctx.service.head)

    def read(chain: Chain) -> Any:
        if chain.store.number_of(at) is None:
            return None
        return header_to_json(chain.store.header(at))

    return await ctx.service.call(read, ctx.service.chain)


@method("chain_getBlock")
async def get_block(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    at = params.opt_hash(0)

    def read(chain: Chain) -> Any:
        h = chain.store.head_hash() if at is None else at
        if chain.store.number_of(h) is None:
            return None
        header, extrinsics = chain.store.block(h)
        return {"block": {"header": header_to_json(header),
                          "extrinsics": [hexs(e) for e in extrinsics]},
                "justifications": None}

    return await ctx.service.call(read, ctx.service.chain)


@method("chain_getFinalizedHead", "chain_getFinalisedHead", max_params=0)
def get_finalized_head(ctx: Ctx, params: Params) -> Any:
    return hexs(ctx.service.head_hash)


def _subscribe_heads(ctx: Ctx, kind: str, initial: bool) -> Subscribed:
    assert ctx.conn is not None
    sub = ctx.service.hub.add(ctx.conn, kind)
    head = [json.dumps(header_to_json(ctx.service.head))] if initial else []
    return Subscribed(sub, head)


@method("chain_subscribeNewHeads", "chain_subscribeNewHead", "subscribe_newHead",
        subscription=True)
def subscribe_new_heads(ctx: Ctx, params: Params) -> Any:
    return _subscribe_heads(ctx, "newHead", True)


@method("chain_subscribeFinalizedHeads", "chain_subscribeFinalisedHeads", subscription=True)
def subscribe_finalized_heads(ctx: Ctx, params: Params) -> Any:
    return _subscribe_heads(ctx, "finalizedHead", True)


@method("chain_subscribeAllHeads", subscription=True, max_params=0)
def subscribe_all_heads(ctx: Ctx, params: Params) -> Any:
    return _subscribe_heads(ctx, "allHead", False)


def unsubscribe(ctx: Ctx, params: Params, *kinds: str) -> bool:
    sub_id = params.raw(0)
    if ctx.conn is None or not isinstance(sub_id, str):
        return False
    return ctx.service.hub.remove(ctx.conn, sub_id, kinds)


@method("chain_unsubscribeNewHeads", "chain_unsubscribeNewHead", "unsubscribe_newHead",
        subscription=True)
def unsubscribe_new_heads(ctx: Ctx, params: Params) -> Any:
    return unsubscribe(ctx, params, "newHead")


@method("chain_unsubscribeFinalizedHeads", "chain_unsubscribeFinalisedHeads", subscription=True)
def unsubscribe_finalized_heads(ctx: Ctx, params: Params) -> Any:
    return unsubscribe(ctx, params, "finalizedHead")


@method("chain_unsubscribeAllHeads", subscription=True)
def unsubscribe_all_heads(ctx: Ctx, params: Params) -> Any:
    return unsubscribe(ctx, params, "allHead")
