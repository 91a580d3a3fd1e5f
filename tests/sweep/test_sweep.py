"""`phala-emu sweep` on a local Ray cluster: a 2 × 2 grid × 2 seeds of a tiny scenario
(one point refused by the chain), each row equal to the resolved scenario run alone;
a second invocation runs nothing; a partly done sweep runs only what is missing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from node.scenario.run import run_scenario
from node.scenario.runner import SetupFailed
from node.sweep.grid import build_grid
from node.sweep.results import make_row
from node.sweep.task import _last_rows
from tests.scenario.conftest import run_cli

TINY = Path(__file__).with_name("tiny.toml")
SETS = ["--set", "delegators.0.contribute.p=2500 PHA,3000 PHA",
        "--set", "pools.0.cap=2800 PHA,5000 PHA", "--seeds", "2"]
GRID = [("2500 PHA", "2800 PHA"), ("2500 PHA", "5000 PHA"), ("3000 PHA", "2800 PHA"),
        ("3000 PHA", "5000 PHA")]


def sweep(out: Path, *extra: str) -> dict[str, Any]:
    code, stdout, stderr = run_cli("--json", "sweep", str(TINY), *SETS, "--out", str(out),
                                   *extra)
    assert code == 0, (stdout, stderr)
    doc: dict[str, Any] = json.loads(stdout)
    return doc


def alone(run_dir: Path, tmp: Path) -> dict[str, Any]:
    """The run's resolved scenario run by itself (`scenario run`), as a sweep row."""
    from node.sweep.grid import Point

    text = (run_dir / "scenario.toml").read_text()
    point = Point({}, 0, text, None, run_dir.name)
    try:
        summary = run_scenario(run_dir / "scenario.toml", tmp, charts=False)
    except SetupFailed as exc:
        return make_row(point, {"ok": False, "error": f"SetupFailed: {exc}"})
    summary["chain"].pop("path")
    return make_row(point, {"ok": True, "summary": summary,
                            "network": _last_rows(tmp / "network.csv", None)[0],
                            "pools": _last_rows(tmp / "pools.csv", "pid")})


@pytest.fixture(scope="module")
def swept(ray_local: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sweep") / "out"
    return out, sweep(out)


def test_grid_rows_equal_runs_alone(swept: tuple[Path, dict], tmp_path: Path) -> None:
    out, doc = swept
    rows = doc["rows"]
    assert (doc["runs"], doc["ran"], doc["skipped"], doc["failed"]) == (8, 8, 0, 2)
    assert [(r["delegators.0.contribute.p"], r["pools.0.cap"], r["seed"]) for r in rows] \
        == [(c, cap, s) for c, cap in GRID for s in (1, 2)]
    assert [r["status"] for r in rows] == ["ok"] * 4 + ["failed"] * 2 + ["ok"] * 2
    assert len({r["head_hash"] for r in rows if r["status"] == "ok"}) == 6
    for i, r in enumerate(rows):
        mine = alone(out / "runs" / r["key"], tmp_path / str(i))
        mine["wall_s"] = r["wall_s"]
        expected = {k: v for k, v in r.items()
                    if k not in ("delegators.0.contribute.p", "pools.0.cap", "seed")}
        assert {k: v for k, v in mine.items() if k != "seed"} == expected
    failed = [r for r in rows if r["status"] == "failed"]
    assert [r["error"].split(" with ")[0] for r in failed] == [
        "SetupFailed: setup: contribute to p by //Bob: PhalaStakePool.StakeExceedsCapacity; "
        "start_mining A"] * 2
    assert not (out / "runs" / failed[0]["key"] / "summary.json").exists()


def test_tables_and_files(swept: tuple[Path, dict]) -> None:
    out, doc = swept
    rows = doc["rows"]
    table = pq.read_table(out / "results.parquet").to_pylist()
    assert [r["key"] for r in table] == [r["key"] for r in rows]
    assert [r["head_hash"] for r in table] == [r["head_hash"] for r in rows]
    assert [r["p.owner_rewards"] for r in table] == [r.get("p.owner_rewards") for r in rows]
    csv_lines = (out / "results.csv").read_text().splitlines()
    assert len(csv_lines) == 9
    assert csv_lines[0].startswith("key,status,seed,delegators.0.contribute.p,pools.0.cap,"
                                   "head_number,head_hash,wall_s,error,")
    for r in rows:
        d = out / "runs" / r["key"]
        if r["status"] == "ok":
            s = json.loads((d / "summary.json").read_text())
            assert s["chain"]["head"]["hash"] == r["head_hash"]
            assert s["seed"] == r["seed"]
        else:
            assert (d / "error.txt").read_text().startswith("Traceback")
    assert sorted(p.name for p in out.glob("*.png")) == [
        "p.delegator_apr.png", "p.owner_rewards.png", "p.reward_share.png"]


def test_second_invocation_runs_nothing(swept: tuple[Path, dict]) -> None:
    out, first = swept
    again = sweep(out)
    assert (again["runs"], again["ran"], again["skipped"], again["failed"]) == (8, 0, 8, 2)
    assert again["rows"] == first["rows"]


def test_resume_runs_only_what_is_missing(swept: tuple[Path, dict], tmp_path: Path) -> None:
    out, first = swept
    part = tmp_path / "part"
    shutil.copytree(out, part)
    for r in first["rows"][:2]:  # as if killed before these two finished
        shutil.rmtree(part / "runs" / r["key"])
    again = sweep(part)
    assert (again["ran"], again["skipped"]) == (2, 6)
    assert again["rows"][2:] == first["rows"][2:]
    assert [r["head_hash"] for r in again["rows"]] == [r["head_hash"] for r in first["rows"]]


def test_keys_are_resolved_scenarios() -> None:
    points = build_grid(TINY, ["delegators.0.contribute.p=2500 PHA",
                               "pools.0.cap=2800 PHA,5000 PHA"], 2)
    assert [(p.params["pools.0.cap"], p.seed) for p in points] == [
        ("2800 PHA", 1), ("2800 PHA", 2), ("5000 PHA", 1), ("5000 PHA", 2)]
    assert len({p.key for p in points}) == 4
    assert 'cap = "2800 PHA"' in points[0].text and "seed = 2" in points[1].text
