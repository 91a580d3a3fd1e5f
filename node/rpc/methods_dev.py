"""dev_* (Chopsticks' names and shapes, rpc.md §6) and the emulator's phala_* methods."""

from __future__ import annotations

from typing import Any

from node import dev
from node.chain import Chain
from node.cli.output import CliError
from node.rpc.errors import invalid_params
from node.rpc.methods_chain import hexs
from node.rpc.params import Params, parse_hex, parse_number
from node.rpc.registry import Ctx, method

BUILD_MODES = {"Instant": "instant", "Batch": "instant", "Manual": "manual",
               "Interval": "interval"}


@method("dev_newBlock", unsafe=True)
async def new_block(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    opts = params.raw(0, None) or {}
    if not isinstance(opts, dict) or set(opts) - {"count", "to", "transactions",
                                                   "unsafeBlockHeight"}:
        raise invalid_params("dev_newBlock: expected {count?, to?, transactions?}")
    txs = [parse_hex(t, "dev_newBlock: transaction") for t in opts.get("transactions") or []]
    count = 1 if opts.get("count") is None else parse_number(opts["count"], "dev_newBlock: count")
    if opts.get("to") is not None:
        to = parse_number(opts["to"], "dev_newBlock: to")
        count = to - ctx.service.head.number
        if count < 1:
            raise invalid_params(f"dev_newBlock: to #{to} is not above the head "
                                 f"#{ctx.service.head.number}")
    if not 1 <= count <= 100_000:
        raise invalid_params("dev_newBlock: count must be 1..100000")
    return hexs(await ctx.service.new_blocks(count, txs))


@method("dev_setBlockBuildMode", unsafe=True)
def set_block_build_mode(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    mode = params.raw(0)
    if mode not in BUILD_MODES:
        raise invalid_params(f"dev_setBlockBuildMode: one of {sorted(BUILD_MODES)}")
    ctx.service.set_mode(BUILD_MODES[mode])
    return None


@method("dev_setStorage", unsafe=True)
async def set_storage(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(2)
    param = params.raw(0)
    if params.raw(1, None) is not None:
        raise invalid_params("dev_setStorage: only the head block can be changed")

    def build(chain: Chain) -> list[bytes]:
        try:
            changes = dev.parse_storage_changes(chain, param)
            return list(dev.set_storage_extrinsics(chain, changes))
        except ValueError as exc:
            raise invalid_params(f"dev_setStorage: {exc}") from None

    txs = await ctx.service.call(build, ctx.service.chain)
    return hexs(await ctx.service.new_blocks(1, txs))


@method("dev_timeTravel", unsafe=True)
async def time_travel(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    when = params.raw(0)

    def run(chain: Chain) -> int:
        try:
            return int(dev.time_travel(chain, when))
        except ValueError as exc:
            raise invalid_params(f"dev_timeTravel: {exc}") from None

    return await ctx.service.call(run, ctx.service.chain)


@method("dev_setHead", unsafe=True)
async def set_head(ctx: Ctx, params: Params) -> Any:
    params.ensure_at_most(1)
    target = params.raw(0)
    if isinstance(target, bool) or not isinstance(target, int | str):
        raise invalid_params("dev_setHead: expected a block hash or number")

    def run(chain: Chain) -> Any:
        try:
            dev.set_head(chain, target)
        except ValueError as exc:
            raise invalid_params(f"dev_setHead: {exc}") from None
        return chain.head()

    header = await ctx.service.call(run, ctx.service.chain)
    ctx.service.reset_head(header)
    return hexs(ctx.service.head_hash)


def _cli(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except CliError as exc:
        raise invalid_params(exc.message) from None


@method("phala_workers")
async def phala_workers(ctx: Ctx, params: Params) -> Any:
    from node.cli.cmd_worker import list_workers

    return await ctx.service.call(_cli, list_workers, ctx.service.chain)


@method("phala_apr")
async def phala_apr(ctx: Ctx, params: Params) -> Any:
    """`[pool?, "expected"|"measured"?]`: the `apr --json` document."""
    from node.apr import BLOCK_TIME_SOURCES, compute_apr

    params.ensure_at_most(2)
    pool = params.opt_int(0, "pool")
    source = params.raw(1, None) or "expected"
    if source not in BLOCK_TIME_SOURCES:
        raise invalid_params(f"phala_apr: block time source is one of {BLOCK_TIME_SOURCES}")

    def run(chain: Chain) -> Any:
        try:
            return compute_apr(chain, pool, source)
        except KeyError:
            raise invalid_params(f"phala_apr: no pool {pool}") from None

    return await ctx.service.call(run, ctx.service.chain)


async def _set_offline(ctx: Ctx, params: Params, offline: bool) -> Any:
    from node.cli.cmd_worker import set_offline

    params.ensure_at_most(1)
    pubkey = params.raw(0)
    if not isinstance(pubkey, str):
        raise invalid_params(f"{params.method}: expected the worker's 0x public key")
    return await ctx.service.call(_cli, set_offline, ctx.service.chain, pubkey, offline)


@method("phala_workerOffline", unsafe=True)
async def worker_offline(ctx: Ctx, params: Params) -> Any:
    return await _set_offline(ctx, params, True)


@method("phala_workerOnline", unsafe=True)
async def worker_online(ctx: Ctx, params: Params) -> Any:
    return await _set_offline(ctx, params, False)


@method("phala_rpcStats", unsafe=True, max_params=0)
def rpc_stats(ctx: Ctx, params: Params) -> Any:
    """Calls served so far by method name (tests check which interface a client used)."""
    return dict(sorted(ctx.service.method_counts.items()))
