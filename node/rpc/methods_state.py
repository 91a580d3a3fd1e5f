"""state_* and childstate_*: storage at any block, keys, queries, metadata, runtime calls."""

from __future__ import annotations

import json
from typing import Any

from node.at_block import RuntimeApiError
from node.at_block import state_call as call_at
from node.chain import Chain
from node.rpc.errors import STATE_INVALID_COUNT, RpcError, client_error
from node.rpc.methods_chain import header_at, hexs, unsubscribe
from node.rpc.params import Params
from node.rpc.read_proof import read_proof
from node.rpc.registry import Ctx, Subscribed, method
from node.rpc.storage_items import code_stand_in
from runtime.hashing import blake2_256
from runtime.metadata import metadata_bytes
from runtime.version import runtime_version_json

MAX_KEYS_PAGE = 1000
CODE_KEY = b":code"


def _code_stand_in(ctx: Ctx, key: bytes, value: bytes | None) -> bytes | None:
    """`:code` when the state has none. The emulator runs no wasm, but polkadot-api keys
    each runtime (and its metadata) by the hash of `:code` and stops without one; the
    stand-in names the runtime, so its hash changes exactly when the runtime does."""
    if value is None and key == CODE_KEY:
        return code_stand_in(ctx.service.chain)
    return value


def _is_head(ctx: Ctx, at: bytes | None) -> bool:
    return at is None or at == ctx.service.head_hash


async def _values_at(ctx: Ctx, keys: list[bytes], at: bytes | None) -> list[bytes | None]:
    if _is_head(ctx, at):
        return [ctx.service.read_head(k) for k in keys]

    def read(chain: Chain) -> list[bytes | None]:
        view = chain.view_at(header_at(chain, at))
        return [view.get(k) for k in keys]

    return await ctx.service.call(read, ctx.service.chain)


def _storage_fast(ctx: Ctx, params: Params, transform: Any) -> Any:
    """Head reads answered on the loop; a coroutine for history (see Service.read_head)."""
    params.ensure_at_most(2)
    key = params.hex_bytes(0, "key")
    at = params.opt_hash(1)
    if _is_head(ctx, at):
        return transform(_code_stand_in(ctx, key, ctx.service.read_head(key)))

    async def history() -> Any:
        return transform(_code_stand_in(ctx, key, (await _values_at(ctx, [key], at))[0]))
    return history()


@method("state_getStorage", "state_getStorageAt")
def get_storage(ctx: Ctx, params: Params) -> Any:
    return _storage_fast(ctx, params, lambda v: None if v is None else "0x" + v.hex())


@method("state_getStorageHash", "state_getStorageHashAt")
def get_storage_hash(ctx: Ctx, params: Params) -> Any:
    return _storage_fast(ctx, params, lambda v: None if v is None else hexs(blake2_256(v)))


@method("state_getStorageSize", "state_getStorageSizeAt")
def get_storage_size(ctx: Ctx, params: Params) -> Any:
    return _storage_fast(ctx, params, lambda v: None if v is None else len(v))


async def _scan(ctx: Ctx, prefix: bytes, at: bytes | None, start: bytes | None = None,
                limit: int | None = None, values: bool = False) -> list[Any]:
    def read(chain: Chain) -> list[Any]:
        view = chain.view_at(header_at(chain, at))
        out: list[Any] = []
        for k, v in view.iter_prefix(prefix):
            if start is not None and k <= start:
                continue
            out.append([hexs(k), hexs(v)] if values else hexs(k))
            if limit is not None and len(out) >= limit:
                break
        return out

    return await ctx.service.call(read, ctx.service.chain)


@method("state_getKeys")
async def get_keys(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(2)
    return await _scan(ctx, params.hex_bytes(0, "prefix"), params.opt_hash(1))


@method("state_getPairs")
async def get_pairs(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(2)
    return await _scan(ctx, params.hex_bytes(0, "prefix"), params.opt_hash(1), values=True)


@method("state_getKeysPaged", "state_getKeysPagedAt")
async def get_keys_paged(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(4)
    prefix_raw = params.raw(0, None)
    prefix = b"" if prefix_raw is None else params.hex_bytes(0, "prefix")
    count = params.opt_int(1, "count")
    if count is None:
        raise RpcError(-32602, "Invalid params", "state_getKeysPaged: count is required")
    if count > MAX_KEYS_PAGE:
        raise RpcError(STATE_INVALID_COUNT, "Client error: count exceeds maximum value. "
                       f"value: {count}, max: {MAX_KEYS_PAGE}")
    start = None if params.raw(2, None) is None else params.hex_bytes(2, "startKey")
    return await _scan(ctx, prefix, params.opt_hash(3), start, count)


@method("state_queryStorageAt")
async def query_storage_at(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(2)
    keys = params.keys(0)
    at = params.opt_hash(1)
    if _is_head(ctx, at):
        block = ctx.service.head_hash
        values = [ctx.service.read_head(k) for k in keys]
    else:
        assert at is not None
        block, values = at, await _values_at(ctx, keys, at)
    return [{"block": hexs(block),
             "changes": [[hexs(k), None if v is None else hexs(v)]
                         for k, v in zip(keys, values, strict=True)]}]


@method("state_queryStorage")
async def query_storage(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(3)
    keys = params.keys(0)
    from_hash = params.opt_hash(1)
    if from_hash is None:
        raise RpcError(-32602, "Invalid params", "state_queryStorage: fromBlock is required")
    to_hash = params.opt_hash(2)

    def read(chain: Chain) -> list[Any]:
        first = header_at(chain, from_hash)
        last = header_at(chain, to_hash)
        if chain.store.hash_of(last.number) != last.hash() or \
                chain.store.hash_of(first.number) != first.hash() or first.number > last.number:
            raise client_error("InvalidBlockRange: the blocks are not an ascending range "
                               "of the chain")
        out: list[Any] = []
        prev: list[bytes | None] | None = None
        for n in range(first.number, last.number + 1):
            h = chain.store.hash_of(n)
            assert h is not None
            view = chain.view_at(chain.store.header(h))
            values = [view.get(k) for k in keys]
            changes = [[hexs(k), None if v is None else hexs(v)]
                       for i, (k, v) in enumerate(zip(keys, values, strict=True))
                       if prev is None or prev[i] != v]
            if changes or prev is None:
                out.append({"block": hexs(h), "changes": changes})
            prev = values
        return out

    return await ctx.service.call(read, ctx.service.chain)


@method("state_getMetadata")
async def get_metadata(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    at = params.opt_hash(0)
    if not _is_head(ctx, at):
        await ctx.service.call(header_at, ctx.service.chain, at)
    # metadata_bytes caches per runtime composition; one composition per chain
    return hexs(await ctx.service.call(metadata_bytes, ctx.service.chain.rt, 14))


@method("state_getRuntimeVersion", "chain_getRuntimeVersion")
async def get_runtime_version(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    at = params.opt_hash(0)
    if not _is_head(ctx, at):
        await ctx.service.call(header_at, ctx.service.chain, at)
    return runtime_version_json(ctx.service.chain.config)


@method("state_call", "state_callAt")
async def state_call(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(3)
    name = params.raw(0)
    if not isinstance(name, str):
        raise RpcError(-32602, "Invalid params", "state_call: method must be a string")
    data = params.hex_bytes(1, "data")
    at = params.opt_hash(2)
    def run(chain: Chain) -> str:
        header = header_at(chain, at)
        try:
            return hexs(call_at(chain, header, name, data))
        except RuntimeApiError as exc:
            raise client_error(str(exc)) from None

    return await ctx.service.call(run, ctx.service.chain)


@method("state_getReadProof")
async def get_read_proof(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(2)
    keys = params.keys(0)
    at = params.opt_hash(1)

    def run(chain: Chain) -> Any:
        header = header_at(chain, at)
        nodes = read_proof(chain.state.nodes, header.state_root, keys)
        return {"at": hexs(header.hash()), "proof": [hexs(n) for n in nodes]}

    return await ctx.service.call(run, ctx.service.chain)


@method("state_subscribeStorage", subscription=True)
def subscribe_storage(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    raw = params.raw(0, None)
    keys = None if raw is None else params.keys(0)
    assert ctx.conn is not None
    sub = ctx.service.hub.add(ctx.conn, "storage", keys=keys)
    initial = []
    if keys is not None:
        initial.append(json.dumps({
            "block": hexs(ctx.service.head_hash),
            "changes": [[hexs(k), None if v is None else hexs(v)]
                        for k in keys for v in [ctx.service.read_head(k)]]}))
    return Subscribed(sub, initial)


@method("state_unsubscribeStorage", subscription=True)
def unsubscribe_storage(ctx: Ctx, params: Params) -> Any:
    return unsubscribe(ctx, params, "storage")


@method("state_subscribeRuntimeVersion", "chain_subscribeRuntimeVersion", subscription=True)
def subscribe_runtime_version(ctx: Ctx, params: Params) -> Any:
    assert ctx.conn is not None
    sub = ctx.service.hub.add(ctx.conn, "runtimeVersion")
    return Subscribed(sub, [json.dumps(runtime_version_json(ctx.service.chain.config))])


@method("state_unsubscribeRuntimeVersion", "chain_unsubscribeRuntimeVersion", subscription=True)
def unsubscribe_runtime_version(ctx: Ctx, params: Params) -> Any:
    return unsubscribe(ctx, params, "runtimeVersion")


@method("childstate_getStorage")
def child_get_storage(ctx: Ctx, params: Params) -> Any:
    return None  # the runtime keeps no child tries


@method("childstate_getKeys", "childstate_getKeysPaged")
def child_get_keys(ctx: Ctx, params: Params) -> Any:
    return []
