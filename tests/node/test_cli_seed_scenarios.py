"""The staking document's scenarios (seeds/000_d4c289544dfe868e.txt) end to end through the CLI.

The pallet-level twin is tests/pallets/test_seed_scenarios.py; the figures here are the same
(hand-computed there, §2.3/§2.6 of stake_pool.md). Everything goes through `phala-emu`:
signed extrinsics (`tx --signer`), root calls (`tx --sudo`), sealed blocks and `seal --advance`
to cross the 7-day grace period and the 7-day cool-down, and reads through `query`.

Genesis (tests/node/data/seed_genesis.json): the pool owner //Alice is the operator of four
benchmarked workers, A and B with p = 400 and C and D with p = 900, so with the default
k = 100 the minimal stakes k·sqrt(p) are exactly 2000 and 3000 PHA. Every account holds
100_000 PHA, the subsidy pool 690_000_000 PHA; blocks are 12 s apart from
timestamp 1_700_000_000 s, so block n is at 1_700_000_000 + 12·n s. There is no transaction
fee, so balances move only by stake and rewards.

The CLI is driven in-process (`node.cli.main(argv)` returns the exit code, stdout carries
the one JSON document); one chain per scenario group, the scenario-2 chain built once and
copied for each exit scenario.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from runtime.keys import Keypair
from runtime.ss58 import encode as ss58_encode
from tests.node.inprocess import ok

GENESIS = Path(__file__).parent / "data" / "seed_genesis.json"

PHA = 10**12
WEEK = 604_800
DAY = 86_400
GENESIS_SECS = 1_700_000_000
INITIAL = 100_000 * PHA
SUBSIDY = 690_000_000 * PHA
SP = "PhalaStakePool"
PHALA_SP_LOCK = "0x" + b"phala/sp".hex()


def addr(uri: str) -> str:
    return Keypair.from_uri(uri).ss58(30)


OWNER = "//Alice"
DELEGATORS = ["//Bob", "//Charlie", "//Dave", "//Eve", "//Ferdie"]
RICH = "//Rich"
WORKERS = {n: Keypair.from_uri(f"//Worker{n}").public_key for n in "ABCD"}
WHEX = {n: "0x" + pk.hex() for n, pk in WORKERS.items()}
NEED = {"A": 2000 * PHA, "B": 2000 * PHA, "C": 3000 * PHA, "D": 3000 * PHA}
# frame PalletId(b"phala/pp").into_account_truncating(), written out independently
SUBSIDY_ACCOUNT = ss58_encode(b"modlphala/pp".ljust(32, b"\x00"), 30)


def miner(n: str, pid: int = 0) -> str:
    """The pool's sub-account for worker n (stake_pool.md §8), computed independently."""
    h = hashlib.blake2b(pid.to_bytes(8, "little") + WORKERS[n], digest_size=32).digest()
    return ss58_encode((b"spm/" + h)[:32], 30)


# -- the CLI, in-process -----------------------------------------------------------------




def tx(base: Path, signer: str, call: str, *args: str, sudo: bool = False) -> dict[str, Any]:
    """A signed PhalaStakePool call (`--sudo`: by //Alice, the sudo key), sealed at once."""
    flags = ["--sudo"] if sudo else []
    return ok(base, "tx", "--signer", signer, *flags, SP, call, *args)  # type: ignore[no-any-return]


def events(res: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(pallet, event, attributes) of an outcome; System events by name only (their
    attributes are dispatch info), so the whole sequence is compared exactly."""
    return [(e["pallet"], e["event"], None if e["pallet"] == "System" else e["attributes"])
            for e in res["events"]]


def succeeded(res: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """The outcome's events without the closing System.ExtrinsicSuccess (asserted)."""
    assert (res["success"], res["error"]) == (True, None), res
    evs = events(res)
    assert evs[-1] == ("System", "ExtrinsicSuccess", None)
    return evs[:-1]


def failed(res: dict[str, Any], error: str) -> None:
    """The extrinsic was included, its dispatch failed with exactly `error`, and nothing
    but the ExtrinsicFailed event was recorded."""
    assert (res["success"], res["error"]) == (False, error), res
    assert events(res) == [("System", "ExtrinsicFailed", None)]
    assert res["events"][0]["attributes"]["dispatch_error"] == error


def sp(name: str, **attrs: Any) -> tuple[str, str, Any]:
    return (SP, name, attrs)


def ev(pallet: str, name: str, **attrs: Any) -> tuple[str, str, Any]:
    return (pallet, name, attrs)


def transfer(to: str, amount: int) -> tuple[str, str, Any]:
    return ev("Balances", "Transfer", **{"from": SUBSIDY_ACCOUNT, "to": addr(to), "amount": amount})


def pool(base: Path) -> dict[str, Any]:
    return ok(base, "query", SP, "StakePools", "0")  # type: ignore[no-any-return]


def free_of(base: Path, who: str) -> int:
    return int(ok(base, "query", "System", "Account", who)["data"]["free"])


def sp_lock(base: Path, who: str) -> int:
    """The `phala/sp` lock of `who` as `query Balances Locks` shows it (0 when absent)."""
    locks = ok(base, "query", "Balances", "Locks", who) or []
    amounts = [lk["amount"] for lk in locks if lk["id"] == PHALA_SP_LOCK]
    assert len(amounts) <= 1 and all(lk["reasons"] == "All" for lk in locks)
    return amounts[0] if amounts else 0


def ledger(base: Path, who: str) -> int | None:
    return ok(base, "query", SP, "StakeLedger", who)  # type: ignore[no-any-return]


def now_secs(base: Path) -> int:
    return int(ok(base, "head")["timestamp_ms"]) // 1000


def miner_state(base: Path, n: str) -> str:
    return str(ok(base, "query", "PhalaMining", "Miners", miner(n))["state"])


def share_of_reward(shares_pha: int, total_pha: int) -> int:
    """A delegator's planck of the 4 PHA staker part, by hand (stake_pool.md §2.3/§2.6):
    acc = floor(4 PHA·2^64 / total), pending = floor(shares·acc / 2^64)."""
    acc = (4 * PHA << 64) // (total_pha * PHA)
    return (shares_pha * PHA * acc) >> 64


# -- set-up ------------------------------------------------------------------------------


def new_pool(base: Path, commission: int | None = None) -> None:
    """Genesis, pool 0 of //Alice with workers A–D, optional commission, 5 × 1400 PHA."""
    head = ok(base, "init", "--genesis", str(GENESIS))
    assert (head["number"], head["timestamp_ms"]) == (0, GENESIS_SECS * 1000)
    assert succeeded(tx(base, OWNER, "create")) == [sp("PoolCreated", owner=addr(OWNER), pid=0)]
    for n in "ABCD":
        assert succeeded(tx(base, OWNER, "add_worker", "0", WHEX[n])) == [
            ev("PhalaMining", "MinerBound", miner=miner(n), worker=WHEX[n]),
            sp("PoolWorkerAdded", pid=0, worker=WHEX[n], miner=miner(n))]
    if commission is not None:
        assert succeeded(tx(base, OWNER, "set_payout_pref", "0", str(commission))) == [
            sp("PoolCommissionSet", pid=0, commission=commission)]
    for who in DELEGATORS:
        assert succeeded(tx(base, who, "contribute", "0", str(1400 * PHA))) == [
            sp("Contribution", pid=0, user=addr(who), amount=1400 * PHA, shares=1400 * PHA)]
        assert sp_lock(base, who) == 1400 * PHA == ledger(base, who)
        assert free_of(base, who) == INITIAL  # locked, not moved
    p = pool(base)
    assert (p["total_stake"], p["free_stake"], p["total_shares"]) == (7000 * PHA,) * 3


def start(base: Path, *names: str) -> None:
    for n in names:
        evs = succeeded(tx(base, OWNER, "start_mining", "0", WHEX[n], str(NEED[n])))
        assert [e[:2] for e in evs] == [("PhalaMining", "MinerStarted"), (SP, "MiningStarted")]
        assert evs[0][2]["miner"] == miner(n)
        assert evs[0][2]["init_p"] == (400 if n in "AB" else 900)
        assert evs[1] == sp("MiningStarted", pid=0, worker=WHEX[n], amount=NEED[n])
        assert miner_state(base, n) == "MiningIdle"


# -- Case 1 and Case 2 scenario 1 ----------------------------------------------------------


def test_case1_then_case2_scenario1_sixty_percent_commission(tmp_path: Path) -> None:
    base = tmp_path / "chain"
    new_pool(base)
    # the minimal stakes are exactly 2000 and 3000 PHA
    for n in "AC":
        failed(tx(base, OWNER, "start_mining", "0", WHEX[n], str(NEED[n] - 1)),
               "PhalaMining.InsufficientStake")
    # Case 1: 7000 PHA start A, B and C (7000 PHA); D finds no free stake
    start(base, "A", "B", "C")
    assert pool(base)["free_stake"] == 0
    res = tx(base, OWNER, "start_mining", "0", WHEX["D"], str(3000 * PHA))
    failed(res, "PhalaStakePool.InsufficientFreeStake")
    assert [miner_state(base, n) for n in "ABCD"] == ["MiningIdle"] * 3 + ["Ready"]
    assert pool(base)["workers"] == [WHEX[n] for n in "ABCD"]

    # Case 2, scenario 1: commission 60 %, a 10 PHA reward
    assert succeeded(tx(base, OWNER, "set_payout_pref", "0", "600000")) == [
        sp("PoolCommissionSet", pid=0, commission=600_000)]
    res = tx(base, OWNER, "force_assign_reward", "[[0, 10000000000000]]", sudo=True)
    assert succeeded(res) == [
        sp("RewardReceived", pid=0, to_owner=6 * PHA, to_stakers=4 * PHA),
        ev("Sudo", "Sudid", sudo_result={"Ok": []})]
    p = pool(base)
    assert p["owner_reward"] == 6 * PHA
    assert p["reward_acc"]["bits"] == (4 * PHA << 64) // (7000 * PHA)
    each = share_of_reward(1400, 7000)
    assert each == 799_999_999_999                  # "0.8 PHA", one planck truncated
    for who in DELEGATORS:
        assert succeeded(tx(base, who, "claim_staker_rewards", "0", who)) == [
            transfer(who, each),
            sp("StakerRewardsWithdrawn", pid=0, user=addr(who), amount=each)]
        assert free_of(base, who) == INITIAL + 799_999_999_999
    # nothing left to claim for a delegator
    failed(tx(base, "//Bob", "claim_staker_rewards", "0", "//Bob"),
           "PhalaStakePool.NoRewardToClaim")
    assert succeeded(tx(base, OWNER, "claim_owner_rewards", "0", OWNER)) == [
        transfer(OWNER, 6 * PHA),
        sp("OwnerRewardsWithdrawn", pid=0, user=addr(OWNER), amount=6 * PHA)]
    assert free_of(base, OWNER) == INITIAL + 6 * PHA
    assert pool(base)["owner_reward"] == 0
    # 10 PHA left the subsidy pool but 5 planck (the truncations)
    assert free_of(base, SUBSIDY_ACCOUNT) == SUBSIDY - 10 * PHA + 5


# -- Case 2 scenario 2 and the exits of Figure 5 --------------------------------------------


@pytest.fixture(scope="module")
def scenario2_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Scenario 2 up to the reward: 60 % commission, 7000 PHA + Rich's 5000 PHA, all four
    workers started (10_000 PHA), 2000 PHA free."""
    base = tmp_path_factory.mktemp("scenario2") / "chain"
    new_pool(base, commission=600_000)
    assert succeeded(tx(base, RICH, "contribute", "0", str(5000 * PHA))) == [
        sp("Contribution", pid=0, user=addr(RICH), amount=5000 * PHA, shares=5000 * PHA)]
    start(base, "A", "B", "C", "D")
    p = pool(base)
    assert (p["total_stake"], p["free_stake"]) == (12_000 * PHA, 2000 * PHA)
    return base


@pytest.fixture
def scenario2(scenario2_base: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "chain"
    shutil.copytree(scenario2_base, dst)
    return dst


def test_case2_scenario2_free_delegation_shares_the_reward(scenario2: Path) -> None:
    base = scenario2
    res = tx(base, OWNER, "force_assign_reward", "[[0, 10000000000000]]", sudo=True)
    assert succeeded(res)[0] == sp("RewardReceived", pid=0, to_owner=6 * PHA,
                                   to_stakers=4 * PHA)
    normal, rich = share_of_reward(1400, 12_000), share_of_reward(5000, 12_000)
    assert (normal, rich) == (466_666_666_666, 1_666_666_666_666)  # "0.47" and "1.6" PHA
    for who in DELEGATORS:
        assert succeeded(tx(base, who, "claim_rewards", "0", who)) == [
            transfer(who, 466_666_666_666),
            sp("RewardsWithdrawn", pid=0, user=addr(who), amount=466_666_666_666)]
        assert free_of(base, who) == INITIAL + 466_666_666_666
    assert succeeded(tx(base, RICH, "claim_rewards", "0", RICH)) == [
        transfer(RICH, 1_666_666_666_666),
        sp("RewardsWithdrawn", pid=0, user=addr(RICH), amount=1_666_666_666_666)]
    assert free_of(base, RICH) == INITIAL + 1_666_666_666_666
    # the owner's claim_rewards pays the commission (the owner has no shares)
    assert succeeded(tx(base, OWNER, "claim_rewards", "0", OWNER)) == [
        transfer(OWNER, 6 * PHA),
        sp("RewardsWithdrawn", pid=0, user=addr(OWNER), amount=6 * PHA)]
    assert free_of(base, OWNER) == INITIAL + 6 * PHA
    assert free_of(base, SUBSIDY_ACCOUNT) == \
        SUBSIDY - 6 * PHA - 5 * 466_666_666_666 - 1_666_666_666_666


def test_exit1_withdrawal_within_free_delegation_is_paid_at_once(scenario2: Path) -> None:
    base = scenario2
    assert succeeded(tx(base, "//Bob", "withdraw", "0", str(1400 * PHA))) == [
        sp("Withdrawal", pid=0, user=addr("//Bob"), amount=1400 * PHA, shares=1400 * PHA)]
    assert ledger(base, "//Bob") == 0 and sp_lock(base, "//Bob") == 0
    assert ok(base, "query", SP, "PoolStakers", "0", "//Bob")["shares"] == 0
    p = pool(base)
    assert (p["total_stake"], p["free_stake"], p["withdraw_queue"]) == \
        (10_600 * PHA, 600 * PHA, [])
    assert free_of(base, "//Bob") == INITIAL
    assert ok(base, "query", SP, "WithdrawalTimestamps") == []


def rich_requests_4000(base: Path) -> int:
    """Exit scenario 2: 2000 PHA paid from the free stake now, 2000 PHA queued; the
    request's chain time (seconds)."""
    res = tx(base, RICH, "withdraw", "0", str(4000 * PHA))
    t = now_secs(base)
    assert res["block_number"] == ok(base, "head")["number"]
    assert succeeded(res) == [
        sp("Withdrawal", pid=0, user=addr(RICH), amount=2000 * PHA, shares=2000 * PHA),
        sp("WithdrawalQueued", pid=0, user=addr(RICH), shares=2000 * PHA)]
    assert ledger(base, RICH) == 3000 * PHA == sp_lock(base, RICH)
    p = pool(base)
    assert (p["total_stake"], p["free_stake"], p["releasing_stake"]) == (10_000 * PHA, 0, 0)
    assert p["withdraw_queue"] == [
        {"user": addr(RICH), "shares": 2000 * PHA, "start_time": t}]
    assert ok(base, "query", SP, "WithdrawalTimestamps") == [t]
    assert ok(base, "query", SP, "WithdrawalQueuedPools", str(t)) == [0]
    return t


def test_exit2_larger_request_is_split(scenario2: Path) -> None:
    rich_requests_4000(scenario2)
    assert ok(scenario2, "query", SP, "PoolStakers", "0", RICH)["shares"] == 3000 * PHA


def block_events(block: dict[str, Any], phase: Any) -> list[tuple[str, str, Any]]:
    return [(e["pallet"], e["event"], e["attributes"]) for e in block["events"]
            if e["phase"] == phase]


def test_exit3_no_new_delegation_forces_a_stop_and_the_exit_takes_14_days(
        scenario2: Path) -> None:
    base = scenario2
    t = rich_requests_4000(base)
    # a week in one block: the block at t + 7 days is not past the grace period
    [blk] = ok(base, "seal", "--advance", str(WEEK))
    assert blk["timestamp_ms"] == (t + WEEK) * 1000
    assert block_events(blk, "Finalization") == []
    # the first block past it (t + 7 days + 12 s) stops every worker in on_finalize
    [blk] = ok(base, "seal")
    stopped_at = t + WEEK + 12
    assert blk["timestamp_ms"] == stopped_at * 1000
    assert block_events(blk, "Finalization") == [
        ("PhalaMining", "MinerStopped", {"miner": miner(n)}) for n in "ABCD"]
    assert ok(base, "events")[-4:] == blk["events"][-4:]
    assert [miner_state(base, n) for n in "ABCD"] == ["MiningCoolingDown"] * 4
    p = pool(base)
    assert (p["free_stake"], p["releasing_stake"]) == (0, 10_000 * PHA)
    assert ledger(base, RICH) == 3000 * PHA == sp_lock(base, RICH)
    # the cool-down cannot be shortened: refused 12 s after the stop ...
    failed(tx(base, "//Charlie", "reclaim_pool_worker", "0", WHEX["A"]),
           "PhalaMining.CoolDownNotReady")
    # ... and in the last block before it ends (stopped_at + 7 days - 12 s)
    pending = ok(base, "tx", "--no-seal", "--signer", "//Charlie", SP, "reclaim_pool_worker",
                 "0", WHEX["A"])
    assert pending["pending"] is True
    [blk] = ok(base, "seal", "--advance", str(WEEK - 24))
    assert blk["timestamp_ms"] == (stopped_at + WEEK - 12) * 1000
    assert blk["extrinsics"][1]["extrinsic_hash"] == pending["extrinsic_hash"]
    failed(blk["extrinsics"][1], "PhalaMining.CoolDownNotReady")
    assert miner_state(base, "A") == "MiningCoolingDown"
    # at stopped_at + 7 days anyone reclaims, and the queue is served
    res = tx(base, "//Charlie", "reclaim_pool_worker", "0", WHEX["A"])
    assert now_secs(base) == stopped_at + WEEK
    assert succeeded(res) == [
        ev("PhalaMining", "MinerReclaimed", miner=miner("A"), original_stake=2000 * PHA,
           slashed=0),
        sp("Withdrawal", pid=0, user=addr(RICH), amount=2000 * PHA, shares=2000 * PHA),
        sp("WorkerReclaimed", pid=0, worker=WHEX["A"], original_stake=2000 * PHA)]
    # Rich's lock is released by 2000 PHA 14 days (and one 12 s block) after the request
    assert now_secs(base) - t == 2 * WEEK + 12
    assert ledger(base, RICH) == 1000 * PHA == sp_lock(base, RICH)
    assert free_of(base, RICH) == INITIAL
    assert pool(base)["withdraw_queue"] == []
    assert ok(base, "query", SP, "WithdrawalTimestamps") == []
    for n in "BCD":
        evs = succeeded(tx(base, "//Charlie", "reclaim_pool_worker", "0", WHEX[n]))
        assert evs == [
            ev("PhalaMining", "MinerReclaimed", miner=miner(n), original_stake=NEED[n],
               slashed=0),
            sp("WorkerReclaimed", pid=0, worker=WHEX[n], original_stake=NEED[n])]
        assert miner_state(base, n) == "Ready"
    p = pool(base)
    assert (p["total_stake"], p["free_stake"], p["releasing_stake"]) == (8000 * PHA,
                                                                        8000 * PHA, 0)
    assert ok(base, "query", SP, "PoolStakers", "0", RICH)["shares"] == 1000 * PHA


def test_exit4_new_delegation_within_seven_days_serves_the_queue(scenario2: Path) -> None:
    base = scenario2
    t = rich_requests_4000(base)
    ok(base, "seal", "--advance", str(3 * DAY - 12))
    res = tx(base, OWNER, "contribute", "0", str(2000 * PHA))
    assert now_secs(base) == t + 3 * DAY
    assert succeeded(res) == [
        sp("Withdrawal", pid=0, user=addr(RICH), amount=2000 * PHA, shares=2000 * PHA),
        sp("Contribution", pid=0, user=addr(OWNER), amount=2000 * PHA, shares=2000 * PHA)]
    assert ok(base, "query", SP, "PoolStakers", "0", RICH)["shares"] == 1000 * PHA
    assert ledger(base, RICH) == 1000 * PHA == sp_lock(base, RICH)
    assert pool(base)["withdraw_queue"] == []
    # nothing is stopped when the bucket expires: t + 7 days, then the block past it
    blocks = ok(base, "seal", "--advance", str(4 * DAY))
    blocks += ok(base, "seal", "--count", "2")
    assert [b["timestamp_ms"] // 1000 for b in blocks] == [t + WEEK, t + WEEK + 12,
                                                          t + WEEK + 24]
    assert [block_events(b, "Finalization") for b in blocks] == [[], [], []]
    assert ok(base, "query", SP, "WithdrawalTimestamps") == []
    assert [miner_state(base, n) for n in "ABCD"] == ["MiningIdle"] * 4


def test_exit4_a_stopped_worker_covers_the_queue_without_a_forced_stop(
        scenario2: Path) -> None:
    base = scenario2
    t = rich_requests_4000(base)
    ok(base, "seal", "--advance", str(DAY - 12))
    assert succeeded(tx(base, OWNER, "stop_mining", "0", WHEX["A"])) == [
        ev("PhalaMining", "MinerStopped", miner=miner("A"))]
    assert pool(base)["releasing_stake"] == 2000 * PHA
    # at the deadline the releasing 2000 PHA cover the request: no forced stop
    blocks = ok(base, "seal", "--advance", str(WEEK - DAY))
    blocks += ok(base, "seal", "--count", "2")
    assert [b["timestamp_ms"] // 1000 for b in blocks] == [t + WEEK, t + WEEK + 12,
                                                          t + WEEK + 24]
    assert [block_events(b, "Finalization") for b in blocks] == [[], [], []]
    assert ok(base, "query", SP, "WithdrawalTimestamps") == []
    assert [miner_state(base, n) for n in "ABCD"] == ["MiningCoolingDown"] + ["MiningIdle"] * 3
    # A's cool-down ends at t + 8 days; Rich reclaims it and the queue is served
    ok(base, "seal", "--advance", str(DAY - 36))
    res = tx(base, RICH, "reclaim_pool_worker", "0", WHEX["A"])
    assert now_secs(base) == t + WEEK + DAY
    assert succeeded(res)[1] == sp("Withdrawal", pid=0, user=addr(RICH), amount=2000 * PHA,
                                   shares=2000 * PHA)
    assert ledger(base, RICH) == 1000 * PHA == sp_lock(base, RICH)
