"""A scenario file that cannot run is refused whole: exit 2, one error naming the file,
the field and what is allowed, and nothing written (not even the output directory)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.scenario.schema import load_scenario
from tests.scenario.conftest import run_cli

GOOD = """
[scenario]
preset = "dev"
duration = "1d"

[[workers]]
name = "A"
score = 400

[[workers]]
name = "B"
score = 900

[[pools]]
name = "p"
owner = "//Alice"
workers = ["A", "B"]

[[delegators]]
account = "//Bob"
contribute = { p = "5000 PHA" }

[[timeline]]
at = "3h"
action = "withdraw"
who = "//Bob"
pool = "p"
share = "50%"
"""


def refused(tmp_path: Path, text: str) -> str:
    """The error message of running `text`; asserts exit 2 and nothing written."""
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("--json", "scenario", "run", str(path), "--out", str(out))
    assert code == 2, (stdout, stderr)
    doc = json.loads(stdout)
    assert doc["error"] == "BadScenario"
    assert stderr == f"error: {doc['message']}\n"
    assert not out.exists()
    prefix = f"{path}: "
    assert doc["message"].startswith(prefix)
    return str(doc["message"][len(prefix):])


def test_the_base_file_is_good(tmp_path: Path) -> None:
    path = tmp_path / "good.toml"
    path.write_text(GOOD)
    sc = load_scenario(path)
    assert [(p.name, p.workers) for p in sc.pools] == [("p", ("A", "B"))]
    assert [(a.kind, a.at_ms, a.args) for a in sc.timeline] == [
        ("withdraw", 3 * 3_600_000, {"who": "//Bob", "pool": "p", "share": 500_000})]


@pytest.mark.parametrize(("old", "new", "error"), [
    ('duration = "1d"', 'duration = "1d"\ndurration = "2d"',
     "scenario.durration: unknown field; allowed: name, preset, genesis, duration, "
     "block_time, sample_every, seed, default_balance"),
    ('score = 400', 'score = 400\nbenchmark = 400',
     "workers[0].benchmark: unknown field; allowed: name, count, score, score_spread, "
     "confidence, stake, operator, key, start, register"),
    ('share = "50%"', 'share = "50%"\nshares = 1',
     "timeline[0].shares: unknown field; allowed: at, action, who, pool, amount, share"),
    ('{ p = "5000 PHA" }', '{ p = "-5 PHA" }',
     "delegators[0].contribute.p: '-5 PHA' is negative: amounts must be 0 or more"),
    ('{ p = "5000 PHA" }', '{ p = -5 }',
     "delegators[0].contribute.p: -5 is negative: amounts must be 0 or more"),
    ('preset = "dev"', 'preset = "khala-2023"',
     "scenario.preset: unknown preset 'khala-2023'; allowed: dev, khala-2021, khala-2022"),
    ('at = "3h"', 'at = "-1h"',
     "timeline[0].at: '-1h' is negative: times count from genesis (0s or later)"),
    ('at = "3h"', 'at = "1d 1s"',
     "timeline[0].at: after the end of the scenario (duration 86400 s)"),
    ('workers = ["A", "B"]', 'workers = ["A", "B"]\n\n[[pools]]\nname = "q"\n'
     'owner = "//Charlie"\nworkers = ["B"]',
     "pools[1].workers: worker class 'B' is already in pool 'p': a worker can be in one "
     "pool only"),
    ('workers = ["A", "B"]', 'workers = ["A", "C"]',
     "pools[0].workers: no worker class 'C'; defined: A, B"),
    ('pool = "p"', 'pool = "q"', "timeline[0].pool: no pool 'q'; defined: p"),
    ('action = "withdraw"', 'action = "leave"',
     "timeline[0].action: 'leave': allowed: contribute, withdraw, claim, set_commission, "
     "set_cap, reward, offline, online, start, stop, reclaim, tokenomic, block_time"),
    ('share = "50%"', 'share = "50%"\namount = "1 PHA"',
     "timeline[0].amount: give exactly one of amount (PHA of stake) or share (a "
     "percentage of the holder's shares)"),
    ('share = "50%"', 'share = "150%"',
     "timeline[0].share: '150%' is not a percentage like \"60%\" or \"12.5%\" (0% to "
     "100%, at most 4 decimals)"),
    ('duration = "1d"', 'duration = "1 day"',
     "scenario.duration: '1 day' is not a time like \"3d\", \"12h\", \"7d 1h 12s\" "
     "(units d, h, m, s, ms)"),
    ('score = 400', 'score = 0',
     "workers[0].score: expected a whole number from 1 to 6000, got 0"),
    ('owner = "//Alice"', 'owner = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"',
     "pools[0].owner: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY' is not a secret "
     "URI like //Alice (the node signs for this account): "),
    ('duration = "1d"', 'duration = "1d"\n[tokenomic]\nbudget = "1"',
     "tokenomic.budget: unknown field; allowed: pha_rate, rho, budget_per_block, v_max, "
     "cost_k, cost_b, slash_rate, treasury_ratio, heartbeat_window, rig_k, rig_b, re, k, "
     "kappa"),
])
def test_refused(tmp_path: Path, old: str, new: str, error: str) -> None:
    assert old in GOOD
    message = refused(tmp_path, GOOD.replace(old, new, 1))
    if error.endswith(": "):  # the account parser's own reason follows
        assert message.startswith(error)
    else:
        assert message == error


def test_malformed_toml(tmp_path: Path) -> None:
    message = refused(tmp_path, GOOD.replace('name = "p"', 'name = "p'))
    assert message == "not valid TOML: Illegal character '\\n' (at line 15, column 10)"


def test_operator_must_own_the_pool(tmp_path: Path) -> None:
    text = GOOD.replace('score = 400', 'score = 400\noperator = "//Bob"')
    assert refused(tmp_path, text) == (
        "pools[0].workers: worker class 'A' has operator '//Bob', but only workers "
        "operated by the owner '//Alice' can join the pool")


def test_existing_output_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "good.toml"
    path.write_text(GOOD)
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    code, stdout, _ = run_cli("--json", "scenario", "run", str(path), "--out", str(out))
    assert (code, json.loads(stdout)["error"]) == (2, "OutputExists")
    assert [p.name for p in out.iterdir()] == ["mine.txt"]


def test_check_validates_the_10000_worker_scenario() -> None:
    code, stdout, stderr = run_cli("--json", "scenario", "check",
                                   str(Path(__file__).resolve().parents[2] / "scenarios"
                                       / "khala-2022-30d.toml"))
    assert code == 0, stderr
    doc = json.loads(stdout)
    assert {k: doc[k] for k in ("preset", "workers", "pools", "actions", "duration_s")} == {
        "preset": "khala-2022", "workers": 10_000, "pools": 60, "actions": 9,
        "duration_s": 30 * 86_400}


def test_genesis_file_scenario_keeps_its_workers(tmp_path: Path) -> None:
    seed = Path(__file__).resolve().parents[1] / "node" / "data" / "seed_genesis.json"
    text = GOOD.replace('preset = "dev"', f'genesis = "{seed}"')
    (tmp_path / "g.toml").write_text(text)
    sc = load_scenario(tmp_path / "g.toml")
    doc = json.loads(sc.genesis_text)
    assert [w["pubkey"] for w in doc["registry"]["workers"]] == \
        ["//WorkerA", "//WorkerB", "//WorkerC", "//WorkerD", "//A", "//B"]
    assert doc["block_time_ms"] == 12_000 and doc["sudo"] == "//Alice"
    # the file's accounts are kept as they are (//Alice and //Bob are among them)
    original = json.loads(seed.read_text())["balances"]["accounts"]
    assert doc["balances"]["accounts"] == original


def test_missing_genesis_file(tmp_path: Path) -> None:
    message = refused(tmp_path, GOOD.replace('preset = "dev"', 'genesis = "nope.json"'))
    assert message == f"scenario.genesis: no genesis file at {tmp_path / 'nope.json'}"


def test_preset_or_genesis(tmp_path: Path) -> None:
    message = refused(tmp_path, GOOD.replace('preset = "dev"\n', ''))
    assert message == ("scenario.preset: give exactly one of preset (dev, khala-2021, "
                       "khala-2022) or genesis (a genesis file)")
