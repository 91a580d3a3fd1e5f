"""The shipped scenarios run end to end through `phala-emu scenario run`, and their key
figures are the staking document's (seeds/000_d4c289544dfe868e.txt), to the planck.

Case 2 (hand-computed in tests/node/test_cli_seed_scenarios.py, stake_pool.md §2.3):
a 10 PHA reward at 60 % commission gives the owner 6 PHA; the 4 PHA for delegators go
through the pool's accumulator acc = floor(4 PHA·2^64 / total shares) and a delegator
gets floor(shares·acc / 2^64): 799,999,999,999 planck for 1,400 of 7,000 shares (case
2/1); 466,666,666,666 for 1,400 and 1,666,666,666,666 for 5,000 of 12,000 (case 2/2).
Figure 5: 2,000 of Rich's 4,000 PHA are paid at once, the rest after the forced stop
(first block past request + 7 days) and the 7-day cool-down: at request + 14 days + 12 s.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from node.scenario.charts import CHARTS
from node.scenario.metrics import NETWORK_COLUMNS, POOL_COLUMNS, WORKER_COLUMNS
from tests.scenario.conftest import run_cli, run_scenario

PHA = 10**12
DAY = 86_400
DELEGATORS = ["//Bob", "//Charlie", "//Dave", "//Eve", "//Ferdie"]


def share_of_reward(shares_pha: int, total_pha: int) -> int:
    acc = (4 * PHA << 64) // (total_pha * PHA)
    return (shares_pha * PHA * acc) >> 64


def claimed(summary: dict[str, Any], who: str, pool: str) -> int:
    return int(summary["accounts"][who][pool]["claimed"])


def test_case2_figures(case2: tuple[Path, dict[str, Any]]) -> None:
    _, s = case2
    assert share_of_reward(1400, 7000) == 799_999_999_999
    assert (share_of_reward(1400, 12_000), share_of_reward(5000, 12_000)) == \
        (466_666_666_666, 1_666_666_666_666)
    assert [f"{a['action']} {a['at']}" for a in s["actions"]] == \
        ["reward 1h"] * 2 + ["claim 2h"] * 13
    assert all(x["success"] for a in s["actions"] for x in a["extrinsics"])
    # the Gatekeeper's budget is 0: the document's 10 PHA are each pool's only reward
    assert [(p["name"], p["owner_rewards"], p["delegator_rewards"]) for p in s["pools"]] \
        == [("case-2-1", 6 * PHA, 4 * PHA), ("case-2-2", 6 * PHA, 4 * PHA)]
    assert [(p["total_stake"], p["free_stake"]) for p in s["pools"]] == \
        [(7000 * PHA, 0), (12_000 * PHA, 2000 * PHA)]
    assert claimed(s, "//Alice", "case-2-1") == claimed(s, "//Alice", "case-2-2") == 6 * PHA
    for who in DELEGATORS:
        assert claimed(s, who, "case-2-1") == 799_999_999_999
        assert claimed(s, who, "case-2-2") == 466_666_666_666
    assert claimed(s, "//Rich", "case-2-2") == 1_666_666_666_666
    assert list(s["accounts"]["//Rich"]) == ["case-2-2"]


def test_case2_workers_mine_with_heartbeats(case2: tuple[Path, dict[str, Any]]) -> None:
    out, s = case2
    with (out / "workers.csv").open() as f:
        last = [r for r in csv.DictReader(f) if r["block"] == str(s["chain"]["head"]["number"])]
    states = {r["worker"]: r["state"] for r in last}
    assert states == {**{n: "MiningIdle" for n in ("A1", "B1", "C1", "A2", "B2", "C2", "D2")},
                      "D1": "Ready"}
    # V grew over 3 hours of answered heartbeats (Ve is the starting V)
    assert all(float(r["v"]) > float(r["ve"]) for r in last if r["state"] == "MiningIdle")
    assert s["forced_stops"] == [] and s["stops"] == []


def test_exit_within_14_days(exit14: tuple[Path, dict[str, Any]]) -> None:
    _, s = exit14
    t = 3600  # the request, at 1h
    [w] = s["withdrawals"]
    assert w == {"pid": 0, "who": "//Rich",
                 "queued": [{"time_s": t, "shares": 2000 * PHA}],
                 "paid": [{"time_s": t, "amount": 2000 * PHA},
                          {"time_s": t + 14 * DAY + 12, "amount": 2000 * PHA}]}
    assert [(x["worker"], x["time_s"]) for x in s["forced_stops"]] == \
        [(n, t + 7 * DAY + 12) for n in "ABCD"]
    assert s["accounts"]["//Rich"]["pool-1"] == {
        "contributed": 5000 * PHA, "withdrawn": 4000 * PHA, "claimed": 0}
    [pool] = s["pools"]
    assert (pool["total_stake"], pool["free_stake"], pool["releasing_stake"],
            pool["withdraw_queue"]) == (8000 * PHA, 8000 * PHA, 0, 0)
    reclaim = s["actions"][-1]
    assert (reclaim["action"], reclaim["time_s"]) == ("reclaim", t + 14 * DAY + 12)
    assert [x["success"] for x in reclaim["extrinsics"]] == [True] * 4


def test_exit_queue_series(exit14: tuple[Path, dict[str, Any]]) -> None:
    """pools.csv: 2,000 PHA wait from the request until the reclaim, ageing."""
    out, _ = exit14
    with (out / "pools.csv").open() as f:
        rows = list(csv.DictReader(f))
    waiting = [r for r in rows if r["queue_length"] == "1"]
    assert {r["queue_amount"] for r in waiting} == {str(2000 * PHA)}
    assert all(int(r["oldest_request_age_s"]) == int(r["time_s"]) - 3600 for r in waiting)
    # every sample between the request and the reclaim (each 6 hours, from the last
    # block at or before it: hourly blocks in the cool-down) shows it, none other
    between = [r for r in rows if 3600 <= int(r["time_s"]) < 3600 + 14 * DAY + 12]
    assert waiting == between
    assert [int(r["time_s"]) for r in rows][:3] == [12, 6 * 3600, 12 * 3600]
    assert len(waiting) == 14 * 4


def test_outputs_and_columns(case2: tuple[Path, dict[str, Any]]) -> None:
    out, s = case2
    for name, cols in (("network.csv", NETWORK_COLUMNS), ("pools.csv", POOL_COLUMNS),
                       ("workers.csv", WORKER_COLUMNS)):
        with (out / name).open() as f:
            reader = csv.DictReader(f)
            rows = list(reader)
        assert reader.fieldnames == cols
        # a sample after setup, then every 30 minutes up to 3 hours
        times = sorted({int(r["time_s"]) for r in rows})
        assert times == [12] + list(range(1800, 10_801, 1800))
    for chart in CHARTS:
        assert (out / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(s["files"]) == sorted(
        str(out / n) for n in ("network.csv", "pools.csv", "workers.csv", "summary.json",
                               *CHARTS))
    assert (s["chain"]["head"]["number"], s["chain"]["head"]["time_s"]) == (900, 10_800)


def test_same_file_same_head(case2: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    _, first = case2
    again = run_scenario("seed-case2.toml", tmp_path / "again")
    assert again["chain"]["head"] == first["chain"]["head"]
    assert again["chain"]["genesis_hash"] == first["chain"]["genesis_hash"]


def test_export_and_replay_reproduce_the_chain(exit14: tuple[Path, dict[str, Any]],
                                               tmp_path: Path) -> None:
    out, s = exit14
    chain = str(out / "chain")
    code, _, err = run_cli("--base-path", chain, "export-blocks", "--out",
                           str(tmp_path / "blocks"))
    assert code == 0, err
    code, stdout, err = run_cli("--json", "--base-path", str(tmp_path / "replayed"), "replay",
                                "--genesis", str(tmp_path / "blocks" / "genesis.json"),
                                str(tmp_path / "blocks"), "--against", chain)
    assert code == 0, (stdout, err)
    assert s["chain"]["head"]["hash"] in stdout


def test_readme_worked_example(tmp_path: Path) -> None:
    """scenarios/README.md's example runs and shows the figures it says it shows."""
    readme = (Path(__file__).resolve().parents[2] / "scenarios" / "README.md").read_text()
    [block] = [b.split("```")[0] for b in readme.split("```toml\n")[1:]]
    (tmp_path / "example.toml").write_text(block)
    code, stdout, err = run_cli("--json", "scenario", "run", str(tmp_path / "example.toml"),
                                "--out", str(tmp_path / "out"))
    assert code == 0, err
    s = json.loads(stdout)
    assert s["withdrawals"] == [{
        "pid": 0, "who": "//Rich", "queued": [{"time_s": 3600, "shares": 2000 * PHA}],
        "paid": [{"time_s": 3600, "amount": 2000 * PHA},
                 {"time_s": 1_213_212, "amount": 2000 * PHA}]}]
    assert [(x["worker"], x["time_s"]) for x in s["forced_stops"]] == \
        [("A[0]", 608_412), ("A[1]", 608_412), ("C", 608_412)]
