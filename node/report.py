"""Charts and a text summary of a chain's staking history (`phala-emu report --out DIR`).

History is read from past states (`Chain.view_at`) at up to `samples` evenly spaced
blocks (every block for short chains), so a long chain stays fast:

* `v_per_worker.png`       — each mining worker's V: the Gatekeeper's V advanced to the
                             sampled block (the mining pallet's last settled V when the
                             Gatekeeper holds no record);
* `rewards_per_pool.png`   — cumulative payouts booked per pool (Σ `MinerStats.total_reward`
                             of the pool's miners);
* `owner_vs_delegators.png`— cumulative commission vs delegator income per pool, from the
                             exact `RewardReceived` events (read only in blocks that follow
                             a block with extrinsics: rewards come from heartbeats, whose
                             report is applied in the next block's on_initialize);
* `withdraw_queue.png`     — shares waiting in each pool's withdraw queue;
* `summary.txt`            — head, supply accounts, pools, workers and income totals.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from node.apr import gatekeeper_of
from node.at_block import runtime_at
from node.render import decode_events
from pallets.mining.types import SUBSIDY_POOL_ACCOUNT, TREASURY_ACCOUNT
from pallets.stake_pool.types import pool_sub_account
from runtime.hashing import storage_prefix

PHA = 10**12
ONE = 1 << 64
DAY_MS = 86_400_000
EVENTS_KEY = storage_prefix("System", "Events")
CHARTS = ("v_per_worker.png", "rewards_per_pool.png", "owner_vs_delegators.png",
          "withdraw_queue.png")


@dataclass
class History:
    days: list[float] = field(default_factory=list)
    v: dict[str, list[float | None]] = field(default_factory=lambda: defaultdict(list))
    pool_rewards: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    queue: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    income: dict[int, list[tuple[float, int, int]]] = field(
        default_factory=lambda: defaultdict(list))  # (day, cumulative owner, stakers)


def sample_numbers(head: int, samples: int) -> list[int]:
    """Up to `samples` block numbers from 0 to head, evenly spaced, head included."""
    if head + 1 <= samples:
        return list(range(head + 1))
    return sorted({round(i * head / (samples - 1)) for i in range(samples)})


def collect(chain: Any, samples: int = 200) -> History:
    """Sampled state history plus the exact reward events (see the module docstring)."""
    hist = History()
    head = chain.head()
    t0 = chain.genesis.timestamp_ms
    for number in sample_numbers(head.number, samples):
        header = chain.resolve(number)
        rt = runtime_at(chain, header)
        hist.days.append((chain.timestamp_at(header) - t0) / DAY_MS)
        gk = gatekeeper_of(rt)
        mining, sp = rt["PhalaMining"], rt["PhalaStakePool"]
        seen = set()
        for pk in gk.pubkeys():
            w = gk.worker(pk, number)
            if w is not None and (w.working_state is not None or w.tokenomic.v):
                hist.v["0x" + pk.hex()[:8]].append(w.tokenomic.v / ONE)
                seen.add("0x" + pk.hex()[:8])
        for miner, pk in mining.MinerBindings.iter():
            label = "0x" + pk.hex()[:8]
            mi = mining.Miners.get(miner)
            if label not in seen and mi is not None and mi.v:
                hist.v[label].append(mi.v / ONE)
                seen.add(label)
        for label, series in hist.v.items():
            if label not in seen:
                series.append(None)
        for pid, pool in sp.StakePools.iter():
            total = 0
            for pk in pool.workers:
                mi = mining.Miners.get(pool_sub_account(pid, pk))
                total += 0 if mi is None else mi.stats.total_reward
            hist.pool_rewards[pid].append(total)
            hist.queue[pid].append(sum(w.shares for w in pool.withdraw_queue))
    _pad(hist)
    _collect_income(chain, hist)
    return hist


def _pad(hist: History) -> None:
    """Series that started late get None for the samples before them."""
    n = len(hist.days)
    for series in list(hist.v.values()):
        series[:0] = [None] * (n - len(series))
    for d in (hist.pool_rewards, hist.queue):
        for pid in d:
            d[pid][:0] = [0] * (n - len(d[pid]))


def _collect_income(chain: Any, hist: History) -> None:
    head = chain.head().number
    t0 = chain.genesis.timestamp_ms
    owner: dict[int, int] = defaultdict(int)
    stakers: dict[int, int] = defaultdict(int)
    prev_busy = False
    for number in range(1, head + 1):
        header = chain.resolve(number)
        _, extrinsics = chain.store.block(header.hash())
        if prev_busy or len(extrinsics) > 1:
            events = decode_events(chain.rt, chain.view_at(header).get(EVENTS_KEY))
            day = (chain.timestamp_at(header) - t0) / DAY_MS
            for record in events:
                ev = record["event"] if isinstance(record, dict) else record.event
                if ev.name == "PhalaStakePool" and ev.value.name == "RewardReceived":
                    a = ev.value.value
                    owner[a["pid"]] += a["to_owner"]
                    stakers[a["pid"]] += a["to_stakers"]
                    hist.income[a["pid"]].append((day, owner[a["pid"]], stakers[a["pid"]]))
        prev_busy = len(extrinsics) > 1


def render(chain: Any, out_dir: str | os.PathLike[str], samples: int = 200) -> dict[str, Any]:
    """Write the charts and summary.txt into `out_dir` (created); their paths and totals."""
    # The object API, not pyplot: no global figure registry, no GUI backend, nothing
    # left for interpreter exit (pyplot's exit-time cleanup wrote to closed streams).
    from matplotlib.figure import Figure

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    hist = collect(chain, samples)
    files = []

    def chart(name: str, title: str, ylabel: str, draw: Any) -> None:
        fig = Figure(figsize=(10, 5.5), dpi=100)
        ax = fig.subplots()
        empty = draw(ax)
        if empty:
            ax.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(title)
        ax.set_xlabel("chain time (days since genesis)")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="best")
        fig.tight_layout()
        fig.savefig(out / name)
        files.append(str(out / name))

    def draw_v(ax: Any) -> bool:
        for label, series in sorted(hist.v.items()):
            ax.plot(hist.days, series, label=f"worker {label}…")
        return not hist.v

    def draw_rewards(ax: Any) -> bool:
        for pid, series in sorted(hist.pool_rewards.items()):
            ax.plot(hist.days, [x / PHA for x in series], label=f"pool {pid}")
        return not any(any(s) for s in hist.pool_rewards.values())

    def draw_income(ax: Any) -> bool:
        for pid, points in sorted(hist.income.items()):
            days = [p[0] for p in points]
            ax.step(days, [p[1] / PHA for p in points], where="post",
                    label=f"pool {pid} owner (commission)")
            ax.step(days, [p[2] / PHA for p in points], where="post", linestyle="--",
                    label=f"pool {pid} delegators")
        return not hist.income

    def draw_queue(ax: Any) -> bool:
        for pid, series in sorted(hist.queue.items()):
            ax.step(hist.days, [x / PHA for x in series], where="post", label=f"pool {pid}")
        return not any(any(s) for s in hist.queue.values())

    chart(CHARTS[0], "V of each worker (Gatekeeper)", "V", draw_v)
    chart(CHARTS[1], "Cumulative rewards booked per pool", "PHA", draw_rewards)
    chart(CHARTS[2], "Owner vs delegator income (cumulative)", "PHA", draw_income)
    chart(CHARTS[3], "Withdraw queue (shares waiting)", "shares (10^12 units)", draw_queue)
    summary = summary_text(chain, hist)
    (out / "summary.txt").write_text(summary)
    files.append(str(out / "summary.txt"))
    return {"files": files, "samples": len(hist.days),
            "income": {pid: {"owner": pts[-1][1], "delegators": pts[-1][2]}
                       for pid, pts in sorted(hist.income.items())}}


def summary_text(chain: Any, hist: History) -> str:
    """A short plain-text account of the head state and the income totals."""
    rt, head = chain.rt, chain.head()
    bal = rt["Balances"]
    days = (chain.timestamp_at(head) - chain.genesis.timestamp_ms) / DAY_MS
    lines = [f"{chain.genesis.name}: block #{head.number} 0x{head.hash().hex()}",
             f"chain time: {days:.3f} days since genesis", "",
             f"total issuance : {bal.total_issuance()} planck",
             f"subsidy pool   : {bal.account_data(SUBSIDY_POOL_ACCOUNT).total} planck",
             f"treasury       : {bal.account_data(TREASURY_ACCOUNT).total} planck", ""]
    for pid, pool in sorted(rt["PhalaStakePool"].StakePools.iter()):
        inc = hist.income.get(pid)
        lines += [f"pool {pid}: owner {chain.ctx.ss58(pool.owner)}, commission "
                  f"{(pool.payout_commission or 0) / 10**4:.2f} %",
                  f"  total stake {pool.total_stake}, free {pool.free_stake}, releasing "
                  f"{pool.releasing_stake}, unclaimed owner reward {pool.owner_reward}",
                  f"  withdraw queue: {len(pool.withdraw_queue)} request(s), "
                  f"{sum(w.shares for w in pool.withdraw_queue)} shares",
                  f"  income: owner {inc[-1][1] if inc else 0} planck, delegators "
                  f"{inc[-1][2] if inc else 0} planck"]
    mining = rt["PhalaMining"]
    lines.append("")
    for miner, pk in sorted(mining.MinerBindings.iter(), key=lambda kv: kv[1]):
        mi = mining.Miners.get(miner)
        if mi is not None:
            lines.append(f"worker 0x{pk.hex()}: {mi.state.name}, V {mi.v / ONE:.6f}, "
                         f"total reward {mi.stats.total_reward} planck")
    return "\n".join(lines) + "\n"
