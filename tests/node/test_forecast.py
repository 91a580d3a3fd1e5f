"""`phala-emu forecast` against what actually happens when the real chain is sealed forward.

The chain: the dev genesis with two benchmarked workers, a 900 s grace period and a 600 s
cool-down; pool 0 (Alice, 20 %) mines with both workers (11,000 PHA staked of 12,000);
Eve withdraws 6,000 PHA of shares: 1,000 paid from free stake, 5,000 queued. Pool 1
(Bob) has 1,000 PHA of free stake and no workers.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from node.apr import T_Y
from node.args import build_call
from node.chain import Chain
from node.keystore import DeterministicKeypair
from node.pool import sign_call
from node.worker_sim import attach_simulator
from runtime import ss58
from runtime.keys import Keypair
from storage.leveldb import LevelDBBackend
from tests.node.inprocess import cli, ok

PHA = 10**12
REPO = Path(__file__).resolve().parents[2]
GRACE, COOL_DOWN, BLOCK_MS = 900, 600, 12_000
WORKERS = ["//Worker1", "//Worker2"]


def pubkey(suri: str) -> str:
    return "0x" + Keypair.from_uri(suri).public_key.hex()


def build_chain(base: Path) -> None:
    genesis = json.loads((REPO / "node" / "dev_genesis.json").read_text())
    genesis["registry"]["workers"] = [
        {"pubkey": "//Worker1", "operator": "//Alice", "initial_score": 1200},
        {"pubkey": "//Worker2", "operator": "//Alice", "initial_score": 1800,
         "confidence_level": 2}]
    genesis["mining"]["cool_down_period_sec"] = COOL_DOWN
    genesis["stake_pool"] = {"grace_period_sec": GRACE}
    with Chain.init(base, json.dumps(genesis).encode()) as chain:
        attach_simulator(chain)

        def tx(signer: str, call: str, *args: Any) -> None:
            built = build_call(chain.rt, "PhalaStakePool", call, [str(a) for a in args],
                               chain.ctx)
            outcome = chain.submit(sign_call(chain, DeterministicKeypair.from_uri(signer),
                                             built), seal=True)
            assert outcome["success"], outcome

        tx("//Alice", "create")
        tx("//Alice", "set_payout_pref", 0, 200_000)
        for w in WORKERS:
            tx("//Alice", "add_worker", 0, pubkey(w))
        tx("//Alice", "contribute", 0, 4_000 * PHA)
        tx("//Eve", "contribute", 0, 8_000 * PHA)
        tx("//Alice", "start_mining", 0, pubkey(WORKERS[0]), 5_000 * PHA)
        tx("//Alice", "start_mining", 0, pubkey(WORKERS[1]), 6_000 * PHA)
        tx("//Bob", "create")
        tx("//Bob", "contribute", 1, 1_000 * PHA)
        chain.seal(30)
        tx("//Eve", "withdraw", 0, 6_000 * PHA)


@pytest.fixture(scope="module")
def forecast_chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("forecast") / "chain"
    build_chain(base)
    return base


@pytest.fixture
def chain(forecast_chain: Path, tmp_path: Path) -> Iterator[Path]:
    dst = tmp_path / "chain"
    shutil.copytree(forecast_chain, dst)
    yield dst


def records(base: Path) -> dict[bytes, bytes]:
    db = LevelDBBackend(base / "db", create=False)
    try:
        return dict(db.iter_prefix(b""))
    finally:
        db.close()


def eve_events(base: Path, number: int) -> list[dict[str, Any]]:
    eve = ss58.encode(Keypair.from_uri("//Eve").public_key, 30)
    return [e["attributes"] for e in ok(base, "events", "--block", str(number))
            if (e["pallet"], e["event"]) == ("PhalaStakePool", "Withdrawal")
            and e["attributes"]["user"] == eve]


def author_as_forecast(base: Path, forecast: dict[str, Any]) -> None:
    """Seal the real chain by the forecast's schedule, sending its extrinsics."""
    for run in forecast["schedule"]:
        for x in forecast["extrinsics"]:
            if x["block"] == run["from"]:
                ok(base, "submit", "--no-seal", x["hex"])
        ok(base, "seal", "--count", str(run["count"]),
           "--advance", str(Fraction(run["advance_ms"], 1000)))


@pytest.mark.parametrize("skip", ["3600", "12"])
def test_the_forecast_is_what_the_real_chain_does(chain: Path, skip: str) -> None:
    before = records(chain)
    head = ok(chain, "head")
    head_s = ok(chain, "query", "Timestamp", "Now") // 1000
    queued_at = ok(chain, "query", "PhalaStakePool", "StakePools", "0")["withdraw_queue"]
    assert queued_at[0]["start_time"] == head_s  # queued in the head block
    f = ok(chain, "forecast", "withdrawal", "--pool", "0", "--who", "//Eve", "--skip", skip)
    assert records(chain) == before, "the chain on disk changed"

    # by hand: the forced stop in the first 12 s block after `t0 + grace`, the reclaim in
    # the first one at least `cool_down` after it
    stop_s = head_s + (GRACE // 12 + 1) * 12
    paid_s = stop_s + -(-COOL_DOWN // 12) * 12
    assert f["outcome"] == "paid" and f["path"] == ["forced_stop", "reclaim"]
    assert f["request"]["shares"] == 5_000 * PHA and f["request"]["value_now"] == 5_000 * PHA
    assert f["paid"]["amount"] == 5_000 * PHA and f["paid"]["shares"] == 5_000 * PHA
    assert f["paid"]["block"]["timestamp_ms"] == paid_s * 1000
    assert f["paid"]["after_sec"] == paid_s - head_s
    stop, r1, r2 = f["steps"]
    assert stop["step"] == "forced_stop" and stop["block"]["timestamp_ms"] == stop_s * 1000
    assert stop["workers"] == [pubkey(w) for w in WORKERS]
    assert [(r["step"], r["worker"], r["original_stake"], r["sent_by_forecast"])
            for r in (r1, r2)] == [("reclaim", pubkey(WORKERS[0]), 5_000 * PHA, True),
                                   ("reclaim", pubkey(WORKERS[1]), 6_000 * PHA, True)]
    paid_at = f["paid"]["block"]["number"]
    if skip == "12":
        assert paid_at == head["number"] + (paid_s - head_s) // 12
        assert f["schedule"] == [
            {"from": head["number"] + 1, "to": paid_at - 1, "count": paid_at - 1 -
             head["number"], "advance_ms": BLOCK_MS},
            {"from": paid_at, "to": paid_at, "count": 1, "advance_ms": BLOCK_MS}]
    assert [x["block"] for x in f["reclaim"]["extrinsics"]] == [paid_at, paid_at]
    assert "with `seal`'s block time 12 s" in f["assumption"]

    author_as_forecast(chain, f)
    assert ok(chain, "head")["hash"] == f["paid"]["block"]["hash"]
    assert eve_events(chain, paid_at) == [
        {"pid": 0, "user": f["who"], "amount": 5_000 * PHA, "shares": 5_000 * PHA}]
    assert eve_events(chain, paid_at - 1) == []
    assert ok(chain, "query", "--at", str(paid_at - 1), "PhalaStakePool", "StakePools",
              "0")["withdraw_queue"] != []
    assert ok(chain, "query", "PhalaStakePool", "StakePools", "0")["withdraw_queue"] == []
    stopped = [e for e in ok(chain, "events", "--block", str(stop["block"]["number"]))
               if (e["pallet"], e["event"]) == ("PhalaMining", "MinerStopped")]
    assert len(stopped) == 2


def test_a_pending_stop_goes_into_the_first_block_and_its_reclaim_pays_before_the_grace(
        chain: Path) -> None:
    ok(chain, "tx", "--no-seal", "PhalaStakePool", "stop_mining", "0", pubkey(WORKERS[0]))
    head_s = ok(chain, "query", "Timestamp", "Now") // 1000
    f = ok(chain, "forecast", "withdrawal", "--pool", "0", "--who", "//Eve")
    stop, reclaim = f["steps"]
    assert (stop["step"], stop["worker"], stop["block"]["timestamp_ms"]) == \
        ("stop", pubkey(WORKERS[0]), (head_s + 12) * 1000)
    assert (reclaim["step"], reclaim["worker"], reclaim["original_stake"]) == \
        ("reclaim", pubkey(WORKERS[0]), 5_000 * PHA)
    paid_s = head_s + 12 + COOL_DOWN
    assert paid_s < head_s + GRACE
    assert (f["path"], f["paid"]["amount"], f["paid"]["block"]["timestamp_ms"]) == \
        (["reclaim"], 5_000 * PHA, paid_s * 1000)
    author_as_forecast(chain, f)
    assert ok(chain, "head")["hash"] == f["paid"]["block"]["hash"]
    assert eve_events(chain, f["paid"]["block"]["number"]) == [
        {"pid": 0, "user": f["who"], "amount": 5_000 * PHA, "shares": 5_000 * PHA}]


def test_no_reclaim_is_never_paid_and_says_when_the_reclaim_could_be_sent(chain: Path) -> None:
    head_s = ok(chain, "query", "Timestamp", "Now") // 1000
    f = ok(chain, "forecast", "withdrawal", "--pool", "0", "--who", "//Eve", "--no-reclaim")
    stop_s = head_s + (GRACE // 12 + 1) * 12
    assert (f["outcome"], f["paid"], f["payments"], f["path"]) == \
        ("never", None, [], ["forced_stop"])
    assert f["reclaim"]["extrinsics"] == [] and not f["reclaim"]["sent_by_forecast"]
    assert [(r["worker"], r["from_timestamp_ms"]) for r in f["reclaim"]["possible_from"]] == \
        [(pubkey(w), (stop_s + COOL_DOWN) * 1000) for w in WORKERS]
    assert f["forecast_head"]["timestamp_ms"] == stop_s * 1000


def test_a_withdrawal_free_stake_covers_is_paid_in_the_next_block(chain: Path) -> None:
    head = ok(chain, "head")
    f = ok(chain, "forecast", "withdrawal", "--pool", "1", "--who", "//Bob",
           "--shares", str(400 * PHA))
    assert (f["outcome"], f["path"], f["steps"][0]["step"]) == ("paid", ["free_stake"],
                                                                "free_stake")
    assert f["paid"]["block"]["number"] == head["number"] + 1
    assert (f["paid"]["amount"], f["paid"]["shares"], f["paid"]["after_sec"]) == \
        (400 * PHA, 400 * PHA, 12)
    author_as_forecast(chain, f)
    assert ok(chain, "head")["hash"] == f["paid"]["block"]["hash"]
    assert ok(chain, "query", "PhalaStakePool", "StakePools", "1")["free_stake"] == 600 * PHA


def test_bad_input_exits_2_with_the_exact_message(chain: Path) -> None:
    before = records(chain)
    alice = ss58.encode(Keypair.from_uri("//Alice").public_key, 30)
    assert cli(chain, "forecast", "withdrawal", "--pool", "7", "--who", "//Eve") == \
        (2, {"error": "UnknownPool", "message": "no pool 7"})
    assert cli(chain, "forecast", "withdrawal", "--pool", "0", "--who", "//Alice") == \
        (2, {"error": "NoQueuedWithdrawal", "message": f"{alice} has no queued withdrawal "
             "in pool 0 (--shares N forecasts a new one)"})
    assert cli(chain, "forecast", "apr", "--pool", "7") == \
        (2, {"error": "UnknownPool", "message": "no pool 7"})
    charlie = pubkey("//Charlie")
    assert cli(chain, "forecast", "withdrawal", "--pool", "0", "--who", "//Eve",
               "--offline", charlie) == \
        (2, {"error": "BadInput", "message": f"--offline: the node simulates no worker "
             f"{charlie}"})
    assert cli(chain, "forecast", "withdrawal", "--pool", "0", "--who", "//Eve",
               "--skip", "5") == \
        (2, {"error": "BadInput", "message": "--skip 5: must be at least the block time "
             "(12 s)"})
    assert cli(chain, "forecast", "withdrawal", "--pool", "0", "--who", "//Eve",
               "--horizon-days", "0") == \
        (2, {"error": "BadInput", "message": "--horizon-days 0: must be positive"})
    assert cli(chain, "forecast", "withdrawal", "--pool", "0", "--who", "//Eve",
               "--shares", "0") == \
        (2, {"error": "WithdrawalFails",
             "message": "the withdrawal would fail: PhalaStakePool.InvalidWithdrawalAmount"})
    assert records(chain) == before


def test_a_horizon_before_the_grace_period_ends_gives_up_unpaid(chain: Path) -> None:
    head = ok(chain, "head")
    f = ok(chain, "forecast", "withdrawal", "--pool", "0", "--who", "//Eve",
           "--horizon-days", str(GRACE / 2 / 86400))
    assert (f["outcome"], f["paid"], f["steps"], f["schedule"]) == ("horizon", None, [], [])
    assert f["forecast_head"]["number"] == head["number"]


def test_apr_forecast_books_exactly_the_rewards_the_real_chain_books(chain: Path) -> None:
    before = records(chain)
    f = ok(chain, "forecast", "apr", "--pool", "0", "--days", "0.02")
    offline = ok(chain, "forecast", "apr", "--pool", "0", "--days", "0.02",
                 "--offline", pubkey(WORKERS[1]))
    assert records(chain) == before
    formula = ok(chain, "apr", "--pool", "0")["pools"][0]["apr"]
    assert f["blocks"] == 144 and f["schedule"][0]["advance_ms"] == BLOCK_MS
    owner = stakers = 0
    with Chain.open(chain) as real:
        attach_simulator(real)
        for block in real.seal(144):
            for e in block["events"]:
                if (e["pallet"], e["event"]) == ("PhalaStakePool", "RewardReceived") \
                        and e["attributes"]["pid"] == 0:
                    owner += e["attributes"]["to_owner"]
                    stakers += e["attributes"]["to_stakers"]
        assert "0x" + real.head().hash().hex() == f["to"]["hash"]
    assert stakers > 0
    assert f["rewards"] == {"to_owner": owner, "to_stakers": stakers, "total": owner + stakers}
    realised = Fraction(stakers, 11_000 * PHA) * T_Y * 1000 / (144 * BLOCK_MS)
    assert Fraction(f["realised_apr"]["decimal"]) == round(realised * 10**18) / \
        Fraction(10**18)
    assert f["formula_apr"]["at_start"] == formula
    assert 0 < offline["rewards"]["to_stakers"] < stakers
