"""Metrics time series of a scenario run, one row per sample, written as CSV.

network.csv  time, block, sum of shares, budget per block, subsidy pool, treasury,
             online (MiningIdle) and unresponsive workers
pools.csv    per pool: total / free / releasing stake, withdraw queue length and amount
             (its shares at the pool's price) and the age of its oldest request, the
             cumulative owner and delegator rewards (RewardReceived), the delegators'
             realised APR over the sample (their rewards since the previous sample per
             staked PHA, annualised) and the `apr` formula's APR (node.apr)
workers.csv  per worker: miner state, V, Ve (the mining pallet's, as decimals), and
             total reward (planck)
Amounts are planck integers, so the CSVs are exact; rates and V are decimals.
"""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from node.apr import T_Y, compute_apr
from pallets.mining.types import SUBSIDY_POOL_ACCOUNT, TREASURY_ACCOUNT
from runtime.fixed import bits_to_decimal_str


def fx(bits: int) -> str:
    """U64F64 bits as a decimal with 12 places (truncated): the CSVs' fixed-point columns."""
    return bits_to_decimal_str(bits, 12)

if TYPE_CHECKING:
    from node.scenario.runner import Runner

NETWORK_COLUMNS = ["time_s", "day", "block", "sum_share", "budget_per_block",
                   "subsidy_pool", "treasury", "online_workers", "unresponsive_workers"]
POOL_COLUMNS = ["time_s", "day", "block", "pid", "pool", "total_stake", "free_stake",
                "releasing_stake", "queue_length", "queue_amount", "oldest_request_age_s",
                "owner_rewards", "delegator_rewards", "realised_apr", "formula_apr"]
WORKER_COLUMNS = ["time_s", "day", "block", "worker", "class", "pool", "state", "v", "ve",
                  "reward"]


class Metrics:
    def __init__(self, run: Runner) -> None:
        self.run = run
        self.network: list[dict[str, Any]] = []
        self.pools: list[dict[str, Any]] = []
        self.workers: list[dict[str, Any]] = []
        self.last_block = -1
        self._prev: dict[int, tuple[int, int]] = {}  # pid -> (time_ms, delegator rewards)

    def sample(self) -> None:
        run, chain = self.run, self.run.chain
        rt, head = chain.rt, chain.head()
        now = run.now_ms()
        base = {"time_s": now // 1000, "day": f"{now / 86_400_000:.6f}", "block": head.number}
        states = self._workers(base)
        params = rt["PhalaMining"].tokenomic_parameters()
        system = rt["System"]
        apr_doc = compute_apr(chain)  # its S is the Gatekeeper's sum_share at the head
        self.network.append({
            **base, "sum_share": fx(apr_doc["inputs"]["sum_share"]["bits"]),
            "budget_per_block": "" if params is None
            else bits_to_decimal_str(params.budget_per_block),
            "subsidy_pool": system.account(SUBSIDY_POOL_ACCOUNT).data.free,
            "treasury": system.account(TREASURY_ACCOUNT).data.free,
            "online_workers": states.count("MiningIdle"),
            "unresponsive_workers": states.count("MiningUnresponsive")})
        formula = {p["pid"]: p["apr"] for p in apr_doc["pools"]}
        for pid, spec in enumerate(run.sc.pools):
            info = rt["PhalaStakePool"].StakePools.get(pid)
            if info is None:
                continue
            queued = sum(w.shares for w in info.withdraw_queue)
            amount = 0 if info.total_shares == 0 else \
                queued * info.total_stake // info.total_shares
            oldest = min((w.start_time for w in info.withdraw_queue), default=None)
            to_stakers = run.tally.to_stakers[pid]
            prev_t, prev_r = self._prev.get(pid, (now, to_stakers))
            realised = ""
            if now > prev_t and info.total_stake:
                rate = Fraction(to_stakers - prev_r, info.total_stake) \
                    * Fraction(T_Y * 1000, now - prev_t)
                realised = f"{float(rate):.9f}"
            self._prev[pid] = (now, to_stakers)
            apr = formula.get(pid)
            self.pools.append({
                **base, "pid": pid, "pool": spec.name, "total_stake": info.total_stake,
                "free_stake": info.free_stake, "releasing_stake": info.releasing_stake,
                "queue_length": len(info.withdraw_queue), "queue_amount": amount,
                "oldest_request_age_s": "" if oldest is None
                else (chain.timestamp_at(head) // 1000 - oldest),
                "owner_rewards": run.tally.to_owner[pid], "delegator_rewards": to_stakers,
                "realised_apr": realised,
                "formula_apr": "" if apr is None else f"{apr['float']:.9f}"})
        self.last_block = head.number

    def _workers(self, base: dict[str, Any]) -> list[str]:
        rt = self.run.chain.rt
        mining = rt["PhalaMining"]
        states = []
        for w in self.run.workers:
            miner = mining.WorkerBindings.get(self.run.pubkey[w.name])
            info = None if miner is None else mining.Miners.get(miner)
            state = "Unbound" if info is None else info.state.name
            states.append(state)
            self.workers.append({
                **base, "worker": w.name, "class": w.cls, "pool": w.pool or "",
                "state": state,
                "v": "" if info is None else fx(info.v),
                "ve": "" if info is None else fx(info.ve),
                "reward": 0 if info is None else info.stats.total_reward})
        return states

    def write(self, out: Path) -> list[str]:
        files = []
        for name, cols, rows in (("network.csv", NETWORK_COLUMNS, self.network),
                                 ("pools.csv", POOL_COLUMNS, self.pools),
                                 ("workers.csv", WORKER_COLUMNS, self.workers)):
            path = out / name
            with path.open("w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=cols)
                writer.writeheader()
                writer.writerows(rows)
            files.append(str(path))
        return files
