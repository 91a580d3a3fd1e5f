"""The sweep's table: one row per run — its parameters, seed, status, head hash and the
scenario's final metrics, network-wide and per pool — written as CSV and Parquet.

Per pool (`<pool>.<metric>`): the last sample's stakes, rewards and APRs (pools.csv) and
two figures over the whole run: `delegator_apr`, the delegators' rewards per PHA staked
at the end, annualised over the run's duration, and `reward_share`, the pool's owner and
delegator rewards over those of every pool. Network-wide (`network.<metric>`): the last
sample of network.csv and `network.rewards`, every pool's rewards together. Amounts are
planck integers (Parquet: int64, or decimal(38,0) when a column outgrows it)."""

from __future__ import annotations

import csv
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from node.apr import T_Y
from node.sweep.grid import Point

BASE = ["key", "status", "seed", "head_number", "head_hash", "wall_s", "error"]
POOL_METRICS = ["total_stake", "free_stake", "releasing_stake", "queue_length",
                "queue_amount", "owner_rewards", "delegator_rewards", "realised_apr",
                "formula_apr", "delegator_apr", "reward_share"]


def _num(text: str) -> Any:
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def make_row(point: Point, result: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"key": point.key, "status": "ok" if result["ok"] else "failed",
                           "seed": point.seed}
    row.update(point.params)
    row.update(head_number=None, head_hash=None, wall_s=round(result.get("wall_s", 0.0), 3),
               error=None)
    if not result["ok"]:
        row["error"] = result["error"]
        return row
    s = result["summary"]
    row["head_number"] = s["chain"]["head"]["number"]
    row["head_hash"] = s["chain"]["head"]["hash"]
    for k, v in result["network"].items():
        if k not in ("time_s", "day", "block"):
            row[f"network.{k}"] = _num(v)
    earned = {p["name"]: p["owner_rewards"] + p["delegator_rewards"] for p in s["pools"]}
    total = sum(earned.values())
    row["network.rewards"] = total
    years = Fraction(int(s["chain"]["head"]["time_s"] * 1000), T_Y * 1000)
    last = {r["pool"]: r for r in result["pools"]}
    for p in s["pools"]:
        name = p["name"]
        for k in ("total_stake", "free_stake", "releasing_stake", "owner_rewards",
                  "delegator_rewards"):
            row[f"{name}.{k}"] = p[k]
        for k in ("queue_length", "queue_amount", "realised_apr", "formula_apr"):
            row[f"{name}.{k}"] = _num(last.get(name, {}).get(k, ""))
        row[f"{name}.delegator_apr"] = (float(Fraction(p["delegator_rewards"], p["total_stake"])
                                              / years)
                                        if p["total_stake"] and years else None)
        row[f"{name}.reward_share"] = float(Fraction(earned[name], total)) if total else None
    return row


def columns(rows: list[dict[str, Any]], params: list[str]) -> list[str]:
    """The base columns, the parameters, then every metric in first-seen order."""
    cols = dict.fromkeys(BASE[:3] + params + BASE[3:])  # ordered, O(1) membership
    for r in rows:
        cols.update(dict.fromkeys(r))
    return list(cols)


def write_csv(rows: list[dict[str, Any]], cols: list[str], path: Path) -> None:
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        for r in rows:
            w.writerow({c: "" if r.get(c) is None else r[c] for c in cols})


def write_parquet(rows: list[dict[str, Any]], cols: list[str], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = []
    for c in cols:
        vals = [r.get(c) for r in rows]
        present = [v for v in vals if v is not None]
        if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            if all(-2**63 <= v < 2**63 for v in present):
                arrays.append(pa.array(vals, pa.int64()))
            else:
                arrays.append(pa.array([None if v is None else Decimal(v) for v in vals],
                                       pa.decimal128(38, 0)))
        elif present and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                             for v in present):
            arrays.append(pa.array([None if v is None else float(v) for v in vals],
                                   pa.float64()))
        elif present and all(isinstance(v, bool) for v in present):
            arrays.append(pa.array(vals, pa.bool_()))
        else:
            arrays.append(pa.array([None if v is None else str(v) for v in vals],
                                   pa.string()))
    pq.write_table(pa.Table.from_arrays(arrays, names=cols), path)
