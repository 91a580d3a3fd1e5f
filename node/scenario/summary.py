"""`summary.json`: the run's chain, its actions and their outcomes, and the key figures
(exact planck) per pool, per named account and per queued withdrawal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from node.scenario.genesis_doc import named_accounts
from node.scenario.runner import head_json
from node.scenario.units import fmt_time
from runtime.keys import parse_account

if TYPE_CHECKING:
    from node.scenario.runner import Runner


def build_summary(run: Runner, wall_s: float) -> dict[str, Any]:
    sc, chain, t = run.sc, run.chain, run.tally
    rt = chain.rt
    label = {parse_account(a): a for a in named_accounts(sc) + [run.sudo_uri]}
    miner_name = {}
    mining = rt["PhalaMining"]
    for w in run.workers:
        m = mining.WorkerBindings.get(run.pubkey[w.name])
        if m is not None:
            miner_name[m] = w.name

    def who(pk: bytes) -> str:
        return label.get(pk) or chain.ctx.ss58(pk)

    pools = []
    for pid, spec in enumerate(sc.pools):
        info = rt["PhalaStakePool"].StakePools.get(pid)
        if info is None:
            continue
        pools.append({
            "pid": pid, "name": spec.name, "owner": spec.owner,
            "commission_permill": info.payout_commission or 0,
            "total_stake": info.total_stake, "free_stake": info.free_stake,
            "releasing_stake": info.releasing_stake, "total_shares": info.total_shares,
            "withdraw_queue": len(info.withdraw_queue),
            "owner_rewards": t.to_owner[pid], "delegator_rewards": t.to_stakers[pid],
            "owner_reward_unclaimed": info.owner_reward})
    accounts: dict[str, dict[str, dict[str, int]]] = {}
    names = [p.name for p in sc.pools]
    for pid, pk in sorted(set(t.claimed) | set(t.withdrawn) | set(t.contributed),
                          key=lambda k: (who(k[1]), k[0])):
        accounts.setdefault(who(pk), {})[names[pid]] = {
            "contributed": t.contributed[(pid, pk)], "withdrawn": t.withdrawn[(pid, pk)],
            "claimed": t.claimed[(pid, pk)]}
    withdrawals = []
    for (pid, user), rec in sorted(t.withdrawals.items(), key=lambda kv: (kv[0][0],
                                                                          who(kv[0][1]))):
        withdrawals.append({
            "pid": pid, "who": who(user),
            "queued": [{"time_s": ms / 1000, "shares": s} for ms, s in rec["queued"]],
            "paid": [{"time_s": ms / 1000, "amount": a} for ms, a in rec["paid"]]})

    def stops(items: list[tuple[int, int, bytes]]) -> list[dict[str, Any]]:
        return [{"block": n, "time_s": ms / 1000, "at": fmt_time(ms),
                 "worker": miner_name.get(m, chain.ctx.ss58(m))} for n, ms, m in items]

    return {
        "scenario": sc.name, "file": sc.file, "seed": sc.seed, "preset": sc.preset,
        "duration": fmt_time(sc.duration_ms),
        "chain": {"genesis_hash": "0x" + chain.genesis_hash.hex(), "head": head_json(chain)},
        "wall_time_s": round(wall_s, 3),
        "workers": len(run.workers),
        "samples": len(run.metrics.network),
        "actions": run.actions_log,
        "pools": pools,
        "accounts": accounts,
        "withdrawals": withdrawals,
        "forced_stops": stops(t.forced_stops),
        "stops": stops(t.stops),
        "unresponsive": stops(t.unresponsive),
        "recovered": stops(t.recovered),
    }
