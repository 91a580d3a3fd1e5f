"""phala_* read methods the dashboard (node/ui) is built on; any client may call them.

Lists answer in pages (`offset`, `limit` ≤ MAX_PAGE) with the `total`, so 10,000 workers
in 60 pools stay cheap to browse. Amounts are planck integers; V/Ve are U64F64 as
`{bits, value}`; times are chain milliseconds.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from node.apr import T_Y, compute_apr, fixed_json, rate_json
from node.at_block import runtime_at
from node.chain import Chain, ChainError
from node.render import decode_events, event_json, extrinsic_json, header_json
from node.rpc.errors import invalid_params
from node.rpc.params import Params, parse_number
from node.rpc.registry import Ctx, method
from pallets.mining.types import SUBSIDY_POOL_ACCOUNT, TREASURY_ACCOUNT
from pallets.stake_pool.pool_math import pending_reward
from runtime.keys import InvalidAccount, parse_account

MAX_PAGE = 500
POOL_SORTS = ("pid", "owner", "commission", "cap", "total_stake", "free_stake",
              "releasing_stake", "workers", "apr", "realised_apr", "queue")


def _page(params: Params, i: int, default: int = 50) -> tuple[int, int]:
    offset = params.opt_int(i, "offset") or 0
    limit = params.opt_int(i + 1, "limit")
    limit = default if limit is None else limit
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise invalid_params(f"{params.method}: offset ≥ 0 and limit 1..{MAX_PAGE}")
    return offset, limit


def _paged(items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    return {"total": len(items), "offset": offset, "items": items[offset:offset + limit]}


def _account(params: Params, i: int) -> bytes:
    text = params.raw(i, None)
    if not isinstance(text, str):
        raise invalid_params(f"{params.method}: expected an SS58 or 0x account")
    try:
        return parse_account(text)
    except InvalidAccount as exc:
        raise invalid_params(f"{params.method}: {exc}") from None


def _pool_or_error(chain: Chain, method_name: str, pid: int) -> Any:
    info = chain.rt["PhalaStakePool"].StakePools.get(pid)
    if info is None:
        raise invalid_params(f"{method_name}: no pool {pid}")
    return info


def _apr_float(entry: dict[str, Any]) -> float | None:
    return None if entry["apr"] is None else entry["apr"]["float"]


def _realised_float(row: dict[str, Any]) -> float | None:
    return None if row["realised_apr"] is None else row["realised_apr"]["float"]


_apr_memo: dict[str, Any] = {}


def head_apr(chain: Chain) -> dict[str, Any]:
    """compute_apr at the head, once per head block (it walks every worker: 10,000 workers
    cost about a second, and every open page asks again after each block)."""
    key = (id(chain), chain.head().hash())
    if _apr_memo.get("key") != key:
        _apr_memo.update(key=key, doc=compute_apr(chain))
    return _apr_memo["doc"]  # type: ignore[no-any-return]


REALISED_WINDOW_MS = 86_400_000  # realised APR: the last day of chain time


def _first_block_since(chain: Chain, since_ms: int) -> Any:
    """The earliest block whose timestamp is at or after `since_ms` (binary search)."""
    lo, hi = 0, chain.head().number
    while lo < hi:
        mid = (lo + hi) // 2
        if chain.timestamp_at(chain.resolve(mid)) >= since_ms:
            hi = mid
        else:
            lo = mid + 1
    return chain.resolve(lo)


def realised_aprs(chain: Chain) -> tuple[dict[int, Any], dict[str, int]]:
    """Each pool's delegators' realised APR over the last day (from genesis if younger):
    the growth of `reward_acc` (reward per share) times shares per staked planck,
    annualised by chain time — what a share actually earned, beside the formula's APR.
    None for a pool created inside the window (no starting point). Once per head block,
    like `head_apr`."""
    key = ("realised", id(chain), chain.head().hash())
    if _apr_memo.get("realised_key") == key:
        return _apr_memo["realised"]  # type: ignore[no-any-return]
    head = chain.head()
    start = _first_block_since(chain, chain.timestamp_at(head) - REALISED_WINDOW_MS)
    elapsed = chain.timestamp_at(head) - chain.timestamp_at(start)
    before = dict(runtime_at(chain, start)["PhalaStakePool"].StakePools.iter())
    rates: dict[int, Any] = {}
    for pid, info in chain.rt["PhalaStakePool"].StakePools.iter():
        old = before.get(pid)
        if old is None or elapsed <= 0 or info.total_stake == 0:
            rates[pid] = None
            continue
        per_share = Fraction(info.reward_acc - old.reward_acc, 1 << 64)
        rates[pid] = rate_json(per_share * Fraction(info.total_shares, info.total_stake)
                               * Fraction(T_Y * 1000, elapsed))
    window = {"from": start.number, "to": head.number, "ms": elapsed}
    _apr_memo.update(realised_key=key, realised=(rates, window))
    return rates, window


def pool_rows(chain: Chain) -> list[dict[str, Any]]:
    """One summary row per pool, in pid order (APR as `phala_apr` computes it, and the
    realised APR over the last day)."""
    apr = {p["pid"]: p for p in head_apr(chain)["pools"]}
    realised, window = realised_aprs(chain)
    rows = []
    for pid, info in sorted(chain.rt["PhalaStakePool"].StakePools.iter()):
        a = apr[pid]
        rows.append({
            "pid": pid, "owner": chain.ctx.ss58(info.owner),
            "commission_permill": info.payout_commission or 0, "cap": info.cap,
            "total_stake": info.total_stake, "free_stake": info.free_stake,
            "releasing_stake": info.releasing_stake, "total_shares": info.total_shares,
            "owner_reward": info.owner_reward, "workers": len(info.workers),
            "queue": len(info.withdraw_queue), "apr": a["apr"],
            "apr_multiplier": a["apr_multiplier"], "realised_apr": realised[pid],
            "realised_window": window})
    return rows


def _sort_key(field: str) -> Any:
    def key(row: dict[str, Any]) -> Any:
        v = _apr_float(row) if field == "apr" else \
            _realised_float(row) if field == "realised_apr" else \
            row["commission_permill"] if field == "commission" else row[field]
        return (v is None, v if v is not None else 0, row["pid"])
    return key


@method("phala_pools")
async def phala_pools(ctx: Ctx, params: Params) -> Any:
    """`[offset?, limit?, sort?, "asc"|"desc"?]`: a page of pool rows."""
    params.ensure_at_most(4)
    offset, limit = _page(params, 0)
    sort = params.raw(2, None) or "pid"
    order = params.raw(3, None) or "asc"
    if sort not in POOL_SORTS or order not in ("asc", "desc"):
        raise invalid_params(f"phala_pools: sort is one of {POOL_SORTS}, order asc|desc")

    def run(chain: Chain) -> Any:
        rows = sorted(pool_rows(chain), key=_sort_key(sort))
        if order == "desc":  # None (no APR) stays last either way
            rows = [r for r in rows if _sort_key(sort)(r)[0] is False][::-1] + \
                [r for r in rows if _sort_key(sort)(r)[0] is True]
        return _paged(rows, offset, limit)

    return await ctx.service.call(run, ctx.service.chain)


def worker_row(chain: Chain, pk: bytes) -> dict[str, Any]:
    mining = chain.rt["PhalaMining"]
    miner = mining.WorkerBindings.get(pk)
    mi = None if miner is None else mining.Miners.get(miner)
    return {
        "pubkey": "0x" + pk.hex(),
        "miner": None if miner is None else chain.ctx.ss58(miner),
        "state": None if mi is None else mi.state.name,
        "v": None if mi is None else fixed_json(mi.v),
        "ve": None if mi is None else fixed_json(mi.ve),
        "stake": None if miner is None else mining.Stakes.get(miner),
        "total_reward": None if mi is None else mi.stats.total_reward,
        "cool_down_start": None if mi is None else mi.cool_down_start,
    }


def _stakers(chain: Chain, pid: int, info: Any) -> list[dict[str, Any]]:
    out = []
    for key, u in chain.rt["PhalaStakePool"].PoolStakers.iter():
        if key[0] != pid or (u.shares == 0 and u.available_rewards == 0):
            continue
        out.append({"who": chain.ctx.ss58(u.user), "shares": u.shares, "locked": u.locked,
                    "available_rewards": u.available_rewards,
                    "pending_rewards": pending_reward(info, u)})
    out.sort(key=lambda s: (-s["shares"], s["who"]))
    return out


@method("phala_pool")
async def phala_pool(ctx: Ctx, params: Params) -> Any:
    """`[pid]`: the pool's row, description, withdraw queue (front first) and counts."""
    params.ensure_at_most(1)
    pid = params.opt_int(0, "pid")
    if pid is None:
        raise invalid_params("phala_pool: expected a pool id")

    def run(chain: Chain) -> Any:
        info = _pool_or_error(chain, "phala_pool", pid)
        row = next(r for r in pool_rows(chain) if r["pid"] == pid)
        now_ms = chain.timestamp_at(chain.head())
        queue = [{"who": chain.ctx.ss58(w.user), "shares": w.shares,
                  "start_time_sec": w.start_time,
                  "age_sec": max(now_ms // 1000 - w.start_time, 0)}
                 for w in info.withdraw_queue]
        desc = chain.rt["PhalaStakePool"].PoolDescriptions.get(pid)
        return {**row, "now_ms": now_ms, "queue_items": queue,
                "stakers": len(_stakers(chain, pid, info)),
                "description": None if desc is None else bytes(desc).decode("utf-8", "replace")}

    return await ctx.service.call(run, ctx.service.chain)


@method("phala_poolWorkers")
async def phala_pool_workers(ctx: Ctx, params: Params) -> Any:
    """`[pid, offset?, limit?]`: a page of the pool's workers in the pool's order."""
    params.ensure_at_most(3)
    pid = params.opt_int(0, "pid")
    offset, limit = _page(params, 1)

    def run(chain: Chain) -> Any:
        info = _pool_or_error(chain, "phala_poolWorkers", pid or 0)
        page = info.workers[offset:offset + limit]
        return {"total": len(info.workers), "offset": offset,
                "items": [worker_row(chain, pk) for pk in page]}

    return await ctx.service.call(run, ctx.service.chain)


@method("phala_poolStakers")
async def phala_pool_stakers(ctx: Ctx, params: Params) -> Any:
    """`[pid, offset?, limit?]`: a page of stakers, largest share first."""
    params.ensure_at_most(3)
    pid = params.opt_int(0, "pid")
    offset, limit = _page(params, 1)

    def run(chain: Chain) -> Any:
        info = _pool_or_error(chain, "phala_poolStakers", pid or 0)
        return _paged(_stakers(chain, pid or 0, info), offset, limit)

    return await ctx.service.call(run, ctx.service.chain)


_network_memo: dict[str, Any] = {}


@method("phala_network")
async def phala_network(ctx: Ctx, params: Params) -> Any:
    """The staking system at the head: budget, shares, PHASRB, funds, workers by state."""
    params.ensure_at_most(0)

    def run(chain: Chain) -> Any:
        rt, head = chain.rt, chain.head()
        key = (id(chain), head.hash())
        if _network_memo.get("key") == key:
            return _network_memo["doc"]
        apr = head_apr(chain)
        by_state: dict[str, int] = {}
        reward = 0
        for _, mi in rt["PhalaMining"].Miners.iter():
            by_state[mi.state.name] = by_state.get(mi.state.name, 0) + 1
            reward += mi.stats.total_reward
        bal = rt["Balances"]
        doc = {
            "head": header_json(head, chain.timestamp_at(head)),
            "genesis_ms": chain.genesis.timestamp_ms,
            "budget_per_block": apr["inputs"]["budget_per_block"],
            "sum_share": apr["inputs"]["sum_share"],
            "phasrb": apr["phasrb"],
            "reward_per_share_per_year": apr["reward_per_share_per_year"],
            "subsidy_pool": bal.account_data(SUBSIDY_POOL_ACCOUNT).total,
            "treasury": bal.account_data(TREASURY_ACCOUNT).total,
            "total_issuance": bal.total_issuance(),
            "pools": len(apr["pools"]),
            "workers_by_state": dict(sorted(by_state.items())),
            "total_mining_reward": reward,
            "delegated_tokens": apr["delegated_tokens"],
            "staking_wallets": apr["staking_wallets"],
        }
        _network_memo.update(key=key, doc=doc)
        return doc

    return await ctx.service.call(run, ctx.service.chain)


@method("phala_account")
async def phala_account(ctx: Ctx, params: Params) -> Any:
    """`[account]`: balance (free, reserved, locked by `phala/sp`) and pools joined."""
    params.ensure_at_most(1)
    who = _account(params, 0)

    def run(chain: Chain) -> Any:
        rt = chain.rt
        sp = rt["PhalaStakePool"]
        data = rt["Balances"].account_data(who)
        pools = []
        for key, u in sp.PoolStakers.iter():
            if u.user != who:
                continue
            info = sp.StakePools.get(key[0])
            queued = sum(w.shares for w in info.withdraw_queue if w.user == who)
            pools.append({"pid": key[0], "shares": u.shares, "locked": u.locked,
                          "available_rewards": u.available_rewards,
                          "pending_rewards": pending_reward(info, u),
                          "queued_shares": queued})
        owned = [pid for pid, info in sorted(sp.StakePools.iter()) if info.owner == who]
        return {"address": chain.ctx.ss58(who), "public_key": "0x" + who.hex(),
                "free": data.free, "reserved": data.reserved,
                "locked_stake": sp.StakeLedger.get(who) or 0,
                "nonce": chain.next_nonce(who),
                "pools": sorted(pools, key=lambda p: p["pid"]), "owned_pools": owned}

    return await ctx.service.call(run, ctx.service.chain)


def block_json(chain: Chain, number: int) -> dict[str, Any]:
    """A sealed block with its decoded extrinsics and events."""
    header = chain.resolve(number)
    _, extrinsics = chain.store.block(header.hash())
    data = header_json(header, chain.timestamp_at(header))
    data["extrinsics"] = [extrinsic_json(chain.rt, e, chain.ctx) for e in extrinsics]
    records = decode_events(chain.rt, chain.events_at(header)) if header.number else []
    data["events"] = [event_json(chain.rt, r, chain.ctx) for r in records]
    return data


@method("phala_blocks")
async def phala_blocks(ctx: Ctx, params: Params) -> Any:
    """`[from?, count?]`: up to `count` (≤ 50, default 10) blocks from `from` (default the
    head) downwards, decoded."""
    params.ensure_at_most(2)
    start = params.opt_int(0, "from")
    count = params.opt_int(1, "count")
    count = 10 if count is None else count
    if not 1 <= count <= 50:
        raise invalid_params("phala_blocks: count must be 1..50")

    def run(chain: Chain) -> Any:
        head = chain.head().number
        top = head if start is None else min(start, head)
        if top < 0:
            raise invalid_params("phala_blocks: from must be ≥ 0")
        return {"head": head, "items": [block_json(chain, n)
                                        for n in range(top, max(top - count, -1), -1)]}

    return await ctx.service.call(run, ctx.service.chain)


@method("phala_block")
async def phala_block(ctx: Ctx, params: Params) -> Any:
    """`[number | 0xhash]`: one decoded block."""
    params.ensure_at_most(1)
    ref = params.raw(0, None)
    if isinstance(ref, bool) or not isinstance(ref, int | str):
        raise invalid_params("phala_block: expected a block number or 0x hash")

    def run(chain: Chain) -> Any:
        try:
            header = chain.resolve(ref)
        except (ChainError, ValueError) as exc:
            raise invalid_params(f"phala_block: {exc}") from None
        return block_json(chain, header.number)

    return await ctx.service.call(run, ctx.service.chain)


@method("phala_forecastWithdrawal")
async def phala_forecast_withdrawal(ctx: Ctx, params: Params) -> Any:
    """`[pid, account, shares?]`: `forecast withdrawal`'s document (on a fork; the chain is
    untouched)."""
    from node.forecast import ForecastError, forecast_withdrawal

    params.ensure_at_most(3)
    pid = params.opt_int(0, "pid")
    if pid is None:
        raise invalid_params("phala_forecastWithdrawal: expected a pool id")
    who = _account(params, 1)
    raw_shares = params.raw(2, None)
    shares = None if raw_shares is None else parse_number(raw_shares, "shares")

    def run(chain: Chain) -> Any:
        try:
            return forecast_withdrawal(chain, pid, who, shares=shares)
        except ForecastError as exc:
            raise invalid_params(f"phala_forecastWithdrawal: {exc}") from None

    return await ctx.service.call(run, ctx.service.chain)


@method("phala_forecastApr")
async def phala_forecast_apr(ctx: Ctx, params: Params) -> Any:
    """`[pid, days?]`: `forecast apr`'s document (on a fork; the chain is untouched). It
    authors every block of the horizon, so it holds the chain thread for a while."""
    from node.forecast import ForecastError
    from node.forecast_apr import forecast_apr

    params.ensure_at_most(2)
    pid = params.opt_int(0, "pid")
    if pid is None:
        raise invalid_params("phala_forecastApr: expected a pool id")
    raw_days = params.raw(1, None)
    if raw_days is not None and (isinstance(raw_days, bool)
                                 or not isinstance(raw_days, int | float)):
        raise invalid_params("phala_forecastApr: days is a number")
    days = 1.0 if raw_days is None else float(raw_days)

    def run(chain: Chain) -> Any:
        try:
            return forecast_apr(chain, pid, days)
        except ForecastError as exc:
            raise invalid_params(f"phala_forecastApr: {exc}") from None

    return await ctx.service.call(run, ctx.service.chain)


def _history_point(chain: Chain, number: int, pid: int | None) -> dict[str, Any]:
    header = chain.resolve(number)
    rt = runtime_at(chain, header)
    mining = rt["PhalaMining"]
    point: dict[str, Any] = {"number": number, "timestamp_ms": chain.timestamp_at(header)}
    if pid is None:
        miners = [mi for _, mi in mining.Miners.iter()]
    else:
        info = rt["PhalaStakePool"].StakePools.get(pid)
        bound = [] if info is None else [mining.WorkerBindings.get(pk) for pk in info.workers]
        miners = [mi for mi in (mining.Miners.get(m) for m in bound if m is not None)
                  if mi is not None]
        point.update(owner_reward=0 if info is None else info.owner_reward,
                     total_stake=0 if info is None else info.total_stake,
                     queue_shares=0 if info is None else
                     sum(w.shares for w in info.withdraw_queue))
    mining_now = [mi for mi in miners if mi.state.name in ("MiningIdle", "MiningUnresponsive")]
    v_sum = sum(mi.v for mi in mining_now)
    point.update(mining_workers=len(mining_now),
                 v_mean=None if not mining_now else fixed_json(v_sum // len(mining_now)),
                 rewards=sum(mi.stats.total_reward for mi in miners))
    return point


_points: dict[tuple[Any, ...], dict[str, Any]] = {}


def history_numbers(head: int, samples: int) -> list[int]:
    """Block numbers on a power-of-two grid plus the head, at most `samples` of them: as
    the head moves the grid stays put (until it doubles), so earlier points are reused."""
    step = 1
    while step * (samples - 1) < head:
        step *= 2
    return [*range(0, head, step), head]


@method("phala_history")
async def phala_history(ctx: Ctx, params: Params) -> Any:
    """`[samples?, pid?]`: up to `samples` (2..60, default 30) blocks from genesis to the
    head (history_numbers): mining workers, their mean V and cumulative rewards (of pool
    `pid` only, with its owner reward, stake and queued shares, when given)."""
    params.ensure_at_most(2)
    samples = params.opt_int(0, "samples") or 30
    pid = params.opt_int(1, "pid")
    if not 2 <= samples <= 60:
        raise invalid_params("phala_history: samples must be 2..60")

    def run(chain: Chain) -> Any:
        if pid is not None:
            _pool_or_error(chain, "phala_history", pid)
        if len(_points) > 10_000:
            _points.clear()
        out = []
        for n in history_numbers(chain.head().number, samples):
            key = (id(chain), chain.store.hash_of(n), pid)  # a sealed block never changes
            if key not in _points:
                _points[key] = _history_point(chain, n, pid)
            out.append(_points[key])
        return out

    return await ctx.service.call(run, ctx.service.chain)
