"""Every kind of timeline action on a small chain: attestation registration, a
contribution, a worker offline for a span (unresponsive, then recovered), a commission,
a tokenomic change, a stop, a claim and a withdrawal, each at exactly its chain time."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from tests.scenario.conftest import run_cli

PHA = 10**12
SCENARIO = '''
[scenario]
preset = "dev"
duration = "5h"
sample_every = "30m"
seed = 9

[[workers]]
name = "A"
score = 1000
count = 2

[[workers]]
name = "N"
score = 1500
register = "attestation"
confidence = 2

[[pools]]
name = "p"
owner = "//Alice"
workers = ["A", "N"]
cap = "100000 PHA"

[[delegators]]
account = "//Bob"
contribute = { p = "20000 PHA" }

[[timeline]]
at = "30m"
action = "contribute"
who = "//Dave"
pool = "p"
amount = "1000 PHA"

[[timeline]]
at = "20m"
action = "offline"
workers = "A[1]"
for = "3h"

[[timeline]]
at = "1h 30m"
action = "set_commission"
pool = "p"
commission = "20%"

[[timeline]]
at = "2h"
action = "tokenomic"
set = { budget_per_block = "50" }

[[timeline]]
at = "3h"
action = "stop"
workers = "N"

[[timeline]]
at = "3h 30m"
action = "claim"
who = "//Bob"
pool = "p"

[[timeline]]
at = "3h 30m"
action = "withdraw"
who = "//Dave"
pool = "p"
amount = "500 PHA"
'''


@pytest.fixture(scope="module")
def actions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    import json

    tmp = tmp_path_factory.mktemp("actions")
    (tmp / "actions.toml").write_text(SCENARIO)
    code, stdout, stderr = run_cli("--json", "scenario", "run", str(tmp / "actions.toml"),
                                   "--out", str(tmp / "out"))
    assert code == 0, (stdout, stderr)
    return tmp / "out", json.loads(stdout)


def rows(out: Path, name: str) -> list[dict[str, str]]:
    with (out / name).open() as f:
        return list(csv.DictReader(f))


def test_each_action_lands_at_its_time(actions: tuple[Path, dict[str, Any]]) -> None:
    _, s = actions
    assert [(a["action"], a["time_s"], [x["success"] for x in a["extrinsics"]])
            for a in s["actions"]] == [
        ("offline", 1200, [True]), ("contribute", 1800, [True]),
        ("set_commission", 5400, [True]), ("tokenomic", 7200, [True]),
        ("stop", 10_800, [True]), ("claim", 12_600, [True]), ("withdraw", 12_600, [True])]
    assert s["actions"][0]["extrinsics"][0]["call"] == "offline A[1]"
    assert [(x["worker"], x["time_s"]) for x in s["stops"]] == [("N", 10_800)]
    [pool] = s["pools"]
    assert pool["commission_permill"] == 200_000
    assert s["accounts"]["//Dave"]["p"] == {"contributed": 1000 * PHA,
                                            "withdrawn": 500 * PHA, "claimed": 0}
    assert s["accounts"]["//Bob"]["p"]["claimed"] > 0


def test_attested_worker_mines_after_its_benchmark(actions: tuple[Path, dict[str, Any]]
                                                   ) -> None:
    out, _ = actions
    n = [r for r in rows(out, "workers.csv") if r["worker"] == "N"]
    # registration in block 1, the 50-block benchmark, then the set-up block
    assert (n[0]["block"], n[0]["state"]) == ("53", "MiningIdle")
    assert [r["state"] for r in n if int(r["time_s"]) >= 10_800] == ["MiningCoolingDown"] * 5


def test_offline_span(actions: tuple[Path, dict[str, Any]]) -> None:
    out, s = actions
    [down] = s["unresponsive"]
    [up] = s["recovered"]
    assert down["worker"] == up["worker"] == "A[1]"
    assert 1200 < down["time_s"] < 12_000
    # back online at 3h 20m: its answers go out in the next block, the Gatekeeper's
    # report lands in the one after
    assert up["time_s"] == 12_000 + 24
    states = {int(r["time_s"]): r["state"] for r in rows(out, "workers.csv")
              if r["worker"] == "A[1]"}
    assert states[3600] == states[10_800] == "MiningUnresponsive"
    assert states[12_600] == states[18_000] == "MiningIdle"


def test_tokenomic_change(actions: tuple[Path, dict[str, Any]]) -> None:
    out, _ = actions
    budget = [(int(r["time_s"]), r["budget_per_block"]) for r in rows(out, "network.csv")]
    assert budget == [(t, "100" if t < 7200 else "50") for t, _ in budget]
    assert len(budget) == 11


def test_a_setup_longer_than_a_block_spills_into_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for only a few extrinsics per block (the length limit made small), the
    set-up's calls go on in the following blocks, in order, and all succeed."""
    import json

    import runtime.validity

    monkeypatch.setattr(runtime.validity, "NORMAL_LENGTH", 1200)
    (tmp_path / "s.toml").write_text('''
[scenario]
preset = "dev"
duration = "10m"
sample_every = "10m"

[[workers]]
name = "A"
score = 400
count = 6

[[pools]]
name = "p"
owner = "//Alice"
workers = ["A"]

[[delegators]]
account = "//Bob"
contribute = { p = "20000 PHA" }
''')
    code, stdout, err = run_cli("--json", "scenario", "run", str(tmp_path / "s.toml"),
                                "--out", str(tmp_path / "out"))
    assert code == 0, err
    s = json.loads(stdout)
    with (tmp_path / "out" / "workers.csv").open() as f:
        first = [r for r in csv.DictReader(f)][:6]
    # 14 set-up calls (create, 6 add_worker, contribute, 6 start_mining), about 2 kB:
    # two blocks 12 s apart
    assert (first[0]["block"], first[0]["time_s"]) == ("2", "24")
    assert [r["state"] for r in first] == ["MiningIdle"] * 6
    [pool] = s["pools"]
    assert (pool["total_stake"], pool["free_stake"]) == (20_000 * PHA, 8000 * PHA)
