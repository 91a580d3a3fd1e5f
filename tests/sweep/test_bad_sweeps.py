"""Bad sweeps exit 2 with one clear message before any run starts (nothing written),
and the range syntax's values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.sweep.grid import SweepError, parse_range
from tests.scenario.conftest import run_cli

TINY = Path(__file__).with_name("tiny.toml")


@pytest.mark.parametrize("sets,message", [
    (["nosuch.x=1,2"], "--set nosuch.x: nosuch is not in the scenario (there: scenario, "
                       "workers, pools, delegators)"),
    (["pools.3.commission=10%"], "--set pools.3.commission: pools.3 is not in the scenario "
                                 "(an index below 1 is allowed there)"),
    (["pools.0.workers=A"], "--set pools.0.workers: the scenario has a table or an array "
                            "there, not a single value"),
    (["workers.0.score=400,lots"], "--set workers.0.score=lots: wrong type: the scenario "
                                   "has a whole number there (400)"),
    (["pools.0.commission=10%,150%"], "at pools.0.commission=150%: pools[0].commission: "
                                      "'150%' is not a percentage like \"60%\" or "
                                      "\"12.5%\" (0% to 100%, at most 4 decimals)"),
    (["pools.0.cap=5000..1000:1000 PHA"], "range '5000..1000:1000 PHA' is empty: 1000 is "
                                          "below 5000"),
    (["pools.0.cap=1000..5000:0 PHA"], "range '1000..5000:0 PHA' is empty: the step must "
                                       "be above 0"),
    (["pools.0.cap=1,,2"], "--set 'pools.0.cap=1,,2': an empty value (the values are "
                           "separated by commas)"),
    (["scenario.seed=1,2", "--seeds", "2"], "--set scenario.seed and --seeds both choose "
                                            "the seed: give one of them"),
    (["scenario.seed"], "--set 'scenario.seed': expected PATH=V1,V2,… or PATH=A..B:STEP"),
])
def test_bad_sweep_fails_before_running(tmp_path: Path, sets: list[str], message: str) -> None:
    args = [a for s in sets for a in (["--set", s] if not s.startswith("--") and
                                      not s.isdigit() else [s])]
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("--json", "sweep", str(TINY), *args, "--out", str(out))
    assert code == 2, (stdout, stderr)
    assert json.loads(stdout) == {"error": "BadSweep", "message": message}
    assert not out.exists()


def test_bad_scenario_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(TINY.read_text().replace('preset = "dev"', 'preset = "devnet"'))
    code, stdout, _ = run_cli("--json", "sweep", str(bad), "--set", "scenario.seed=1,2")
    assert code == 2
    assert json.loads(stdout)["error"] == "BadScenario"
    assert json.loads(stdout)["message"].startswith(f"{bad}: scenario.preset: unknown preset")


def test_ranges() -> None:
    assert parse_range("0..0.5:0.1") == ["0", "0.1", "0.2", "0.3", "0.4", "0.5"]
    assert parse_range("0%..50%:25%") == ["0%", "25%", "50%"]
    assert parse_range("1000..3000:1000 PHA") == ["1000 PHA", "2000 PHA", "3000 PHA"]
    assert parse_range("1..2:0.4") == ["1", "1.4", "1.8"]
    assert parse_range("10%,20%") is None
    with pytest.raises(SweepError, match="units differ"):
        parse_range("0%..5 PHA:1%")


def test_shipped_commission_sweep_resolves() -> None:
    """The README's example: 6 commissions × 3 seeds, each a valid scenario."""
    from node.sweep.grid import build_grid

    f = Path(__file__).resolve().parents[2] / "scenarios" / "sweeps" / "commission.toml"
    points = build_grid(f, ["pools.0.commission=0%..50%:10%"], 3)
    assert [(p.params["pools.0.commission"], p.seed) for p in points] == [
        (f"{c}%", s) for c in (0, 10, 20, 30, 40, 50) for s in (7, 8, 9)]
    assert len({p.key for p in points}) == 18
