"""PNG charts of a scenario's main series (matplotlib's Figure API, as node/report.py:
no pyplot global state, no GUI backend)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from node.scenario.units import PHA

CHARTS = ("network.png", "pool_stake.png", "rewards.png", "withdraw_queue.png", "apr.png")


def _series(rows: list[dict[str, Any]], key: str, by: str) -> dict[Any, tuple[list[float],
                                                                                list[float]]]:
    out: dict[Any, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for r in rows:
        if r[key] == "":
            continue
        xs, ys = out[r[by]]
        xs.append(float(r["day"]))
        ys.append(float(r[key]))
    return out


def render_charts(metrics: Any, out: Path) -> list[str]:
    from matplotlib.figure import Figure

    files = []

    def chart(name: str, title: str, ylabel: str, lines: list[tuple[str, list[float],
                                                                      list[float], str]]) -> None:
        fig = Figure(figsize=(10, 5.5), dpi=100)
        ax = fig.subplots()
        for label, xs, ys, style in lines:
            ax.step(xs, ys, where="post", label=label, linestyle=style)
        if not lines:
            ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(title)
        ax.set_xlabel("chain time (days since genesis)")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        if lines:
            ax.legend(fontsize=8, loc="best")
        fig.tight_layout()
        fig.savefig(out / name)
        files.append(str(out / name))

    net = metrics.network
    days = [float(r["day"]) for r in net]
    chart(CHARTS[0], "Workers mining and unresponsive", "workers", [
        ("online (MiningIdle)", days, [r["online_workers"] for r in net], "-"),
        ("unresponsive", days, [r["unresponsive_workers"] for r in net], "--")])
    stake_lines = []
    for key, style in (("total_stake", "-"), ("free_stake", "--"), ("releasing_stake", ":")):
        for pool, (xs, ys) in sorted(_series(metrics.pools, key, "pool").items()):
            stake_lines.append((f"{pool} {key.replace('_', ' ')}", xs, [y / PHA for y in ys],
                                style))
    chart(CHARTS[1], "Pool stake", "PHA", stake_lines)
    reward_lines = []
    for key, style in (("owner_rewards", "-"), ("delegator_rewards", "--")):
        for pool, (xs, ys) in sorted(_series(metrics.pools, key, "pool").items()):
            reward_lines.append((f"{pool} {key.replace('_', ' ')}", xs,
                                 [y / PHA for y in ys], style))
    chart(CHARTS[2], "Cumulative rewards (owner commission vs delegators)", "PHA",
          reward_lines)
    chart(CHARTS[3], "Withdraw queue (stake waiting)", "PHA", [
        (pool, xs, [y / PHA for y in ys], "-")
        for pool, (xs, ys) in sorted(_series(metrics.pools, "queue_amount", "pool").items())])
    apr_lines = []
    for key, style in (("realised_apr", "-"), ("formula_apr", "--")):
        for pool, (xs, ys) in sorted(_series(metrics.pools, key, "pool").items()):
            apr_lines.append((f"{pool} {key.replace('_', ' ')}", xs, ys, style))
    chart(CHARTS[4], "Delegators' APR: realised over each sample vs the formula", "APR",
          apr_lines)
    return files
