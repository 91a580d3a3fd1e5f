"""Miner-driving calls (stake_pool.md §12.14 – §12.17, §12.19), the mining callbacks
(§13.1), the forced stop on finalize (§11.4) and the slash test hooks (§13.3)."""

from __future__ import annotations

from pallets.messages import SettleInfo
from pallets.mining.types import MinerState
from tests.harness import ALICE, BOB, CHARLIE, DAVE, Chain
from tests.pallets.test_stake_pool_common import (
    ONE,
    PHA,
    SP,
    WEEK,
    assert_noop,
    ev,
    new_chain,
    next_block_finalization_events,
    ok,
    pool,
    pool_with_workers,
    register,
    sp,
    staker,
    sub,
    worker,
)

RE_BITS = 23_980_767_295_822_417_101          # re = 1.3 (mining.md §10.1)
RIG_K_BITS = 5_534_023_222_112_865_485        # rig_k = 0.3


def ve_bits(stake_pha: int, p: int) -> int:
    """Ve of a level-128 worker (conf 1): re · (stake + rig_k·p), truncated (mining.md §5.3)."""
    return (RE_BITS * (stake_pha * ONE + RIG_K_BITS * p)) >> 64


def mining_pool(stake_pha: int = 1000, workers: int = 2) -> Chain:
    """Pool 0 of Alice with workers 1..n (p = 1) and Bob's `stake_pha` PHA contributed."""
    chain = new_chain()
    pool_with_workers(chain, [1] * workers)
    ok(chain.call(BOB, SP, "contribute", pid=0, amount=stake_pha * PHA))
    return chain


def test_ve_by_hand_matches_the_spec_figure() -> None:
    assert ve_bits(500, 1) == 11_997_577_878_099_955_275_630       # §13.4


def test_start_mining() -> None:
    chain = mining_pool(40_000)
    w = worker(1)
    assert_noop(chain, ALICE, "start_mining", "PhalaStakePool.PoolDoesNotExist",
                pid=9, worker=w, stake=PHA)
    assert_noop(chain, BOB, "start_mining", "PhalaStakePool.UnauthorizedPoolOwner",
                pid=0, worker=w, stake=PHA)
    assert_noop(chain, ALICE, "start_mining", "PhalaStakePool.InsufficientFreeStake",
                pid=0, worker=w, stake=40_000 * PHA + 1)
    assert_noop(chain, ALICE, "start_mining", "PhalaStakePool.WorkerDoesNotExist",
                pid=0, worker=worker(7), stake=PHA)
    assert_noop(chain, ALICE, "start_mining", "PhalaMining.InsufficientStake",
                pid=0, worker=w, stake=100 * PHA - 1)
    assert_noop(chain, ALICE, "start_mining", "PhalaMining.TooMuchStake",
                pid=0, worker=w, stake=30_000 * PHA)
    # MiningEnabled does not gate start_mining (quirk)
    ok(chain.sudo(SP, "set_mining_enable", enable=False))
    assert ok(chain.call(ALICE, SP, "start_mining", pid=0, worker=w, stake=500 * PHA)) == [
        ev("PhalaMining", "MinerStarted", miner=sub(0, 1), init_v=ve_bits(500, 1), init_p=1),
        sp("MiningStarted", pid=0, worker=w, amount=500 * PHA)]
    p = pool(chain)
    assert (p.total_stake, p.free_stake, p.releasing_stake) == (
        40_000 * PHA, 39_500 * PHA, 0)
    assert chain["PhalaMining"].Stakes.get(sub(0, 1)) == 500 * PHA
    assert_noop(chain, ALICE, "start_mining", "PhalaMining.MinerNotReady",
                pid=0, worker=w, stake=500 * PHA)
    chain.try_state()


def test_set_mining_enable_is_root_only() -> None:
    chain = new_chain()
    assert_noop(chain, ALICE, "set_mining_enable", "BadOrigin", enable=False)
    assert ok(chain.sudo(SP, "set_mining_enable", enable=False)) == []
    assert chain[SP].MiningEnabled.get() is False


def test_stop_mining() -> None:
    chain = mining_pool()
    ok(chain.call(ALICE, SP, "start_mining", pid=0, worker=worker(1), stake=500 * PHA))
    ok(chain.sudo(SP, "set_mining_enable", enable=False))
    # the switch is checked first, even before the pool id
    assert_noop(chain, ALICE, "stop_mining", "PhalaStakePool.FeatureNotEnabled",
                pid=9, worker=worker(1))
    ok(chain.sudo(SP, "set_mining_enable", enable=True))
    assert_noop(chain, ALICE, "stop_mining", "PhalaStakePool.PoolDoesNotExist",
                pid=9, worker=worker(1))
    assert_noop(chain, BOB, "stop_mining", "PhalaStakePool.UnauthorizedPoolOwner",
                pid=0, worker=worker(1))
    assert_noop(chain, ALICE, "stop_mining", "PhalaStakePool.WorkerDoesNotExist",
                pid=0, worker=worker(7))
    assert_noop(chain, ALICE, "stop_mining", "PhalaMining.MinerNotMining",
                pid=0, worker=worker(2))
    assert ok(chain.call(ALICE, SP, "stop_mining", pid=0, worker=worker(1))) == [
        ev("PhalaMining", "MinerStopped", miner=sub(0, 1))]
    p = pool(chain)
    assert (p.total_stake, p.free_stake, p.releasing_stake) == (
        1000 * PHA, 500 * PHA, 500 * PHA)
    chain.try_state()


def test_reclaim_pool_worker() -> None:
    chain = mining_pool()
    ok(chain.call(ALICE, SP, "start_mining", pid=0, worker=worker(1), stake=500 * PHA))
    ok(chain.call(ALICE, SP, "stop_mining", pid=0, worker=worker(1)))
    assert_noop(chain, DAVE, "reclaim_pool_worker", "PhalaStakePool.PoolDoesNotExist",
                pid=9, worker=worker(1))
    assert_noop(chain, DAVE, "reclaim_pool_worker", "PhalaMining.MinerNotFound",
                pid=0, worker=worker(7))
    assert_noop(chain, DAVE, "reclaim_pool_worker", "PhalaMining.CoolDownNotReady",
                pid=0, worker=worker(1))
    chain.advance(WEEK)
    # anyone may reclaim
    assert ok(chain.call(DAVE, SP, "reclaim_pool_worker", pid=0, worker=worker(1))) == [
        ev("PhalaMining", "MinerReclaimed", miner=sub(0, 1), original_stake=500 * PHA,
           slashed=0),
        sp("WorkerReclaimed", pid=0, worker=worker(1), original_stake=500 * PHA)]
    p = pool(chain)
    assert (p.total_stake, p.free_stake, p.releasing_stake) == (1000 * PHA, 1000 * PHA, 0)
    chain.try_state()


def test_restart_mining() -> None:
    chain = mining_pool()
    w = worker(1)
    ok(chain.call(ALICE, SP, "start_mining", pid=0, worker=w, stake=500 * PHA))
    assert_noop(chain, ALICE, "restart_mining", "PhalaStakePool.PoolDoesNotExist",
                pid=9, worker=w, stake=800 * PHA)
    ok(chain.sudo(SP, "set_mining_enable", enable=False))
    assert_noop(chain, ALICE, "restart_mining", "PhalaStakePool.FeatureNotEnabled",
                pid=0, worker=w, stake=800 * PHA)
    ok(chain.sudo(SP, "set_mining_enable", enable=True))
    assert_noop(chain, BOB, "restart_mining", "PhalaStakePool.UnauthorizedPoolOwner",
                pid=0, worker=w, stake=800 * PHA)
    assert_noop(chain, ALICE, "restart_mining", "PhalaStakePool.CannotRestartWithLessStake",
                pid=0, worker=w, stake=500 * PHA)
    assert_noop(chain, ALICE, "restart_mining", "PhalaStakePool.InsufficientFreeStake",
                pid=0, worker=w, stake=1000 * PHA + 1)
    assert ok(chain.call(ALICE, SP, "restart_mining", pid=0, worker=w, stake=800 * PHA)) == [
        ev("PhalaMining", "MinerStopped", miner=sub(0, 1)),
        ev("PhalaMining", "MinerReclaimed", miner=sub(0, 1), original_stake=500 * PHA,
           slashed=0),
        sp("WorkerReclaimed", pid=0, worker=w, original_stake=500 * PHA),
        ev("PhalaMining", "MinerStarted", miner=sub(0, 1), init_v=ve_bits(800, 1), init_p=1),
        sp("MiningStarted", pid=0, worker=w, amount=800 * PHA)]
    p = pool(chain)
    assert (p.total_stake, p.free_stake, p.releasing_stake) == (1000 * PHA, 200 * PHA, 0)
    chain.try_state()


def test_restart_mining_needs_free_stake() -> None:
    chain = mining_pool(500)
    ok(chain.call(ALICE, SP, "start_mining", pid=0, worker=worker(1), stake=500 * PHA))
    assert_noop(chain, ALICE, "restart_mining", "PhalaStakePool.InsufficientFreeStake",
                pid=0, worker=worker(1), stake=600 * PHA)


# -- callbacks ----------------------------------------------------------------------------------


def test_unbind_by_operator_removes_a_mining_worker_from_its_pool() -> None:
    chain = mining_pool()
    ok(chain.call(ALICE, SP, "start_mining", pid=0, worker=worker(1), stake=500 * PHA))
    register(chain, 1, operator=DAVE, score=None)           # the worker changes operator
    events = ok(chain.call(DAVE, "PhalaMining", "unbind", miner=sub(0, 1)))
    assert events == [ev("PhalaMining", "MinerStopped", miner=sub(0, 1)),
                      ev("PhalaMining", "MinerUnbound", miner=sub(0, 1), worker=worker(1)),
                      sp("PoolWorkerRemoved", pid=0, worker=worker(1))]
    p = pool(chain)
    assert (p.workers, p.free_stake, p.releasing_stake) == ([worker(2)], 500 * PHA, 500 * PHA)
    assert chain[SP].WorkerAssignments.get(worker(1)) is None
    chain.try_state()
    chain.advance(WEEK)                                      # the stake still comes back
    ok(chain.call(CHARLIE, SP, "reclaim_pool_worker", pid=0, worker=worker(1)))
    assert (pool(chain).free_stake, pool(chain).releasing_stake) == (1000 * PHA, 0)
    chain.try_state()


def test_on_reward_stops_at_the_first_worker_without_a_pool() -> None:
    chain = mining_pool()
    register(chain, 9)                                       # registered, in no pool
    ten = SettleInfo(worker(1), 0, 10 * ONE, 0)              # 10 PHA exactly
    stray = SettleInfo(worker(9), 0, 3 * ONE, 0)
    n = len(chain.events())
    chain[SP].on_reward([ten, stray, ten])
    assert chain.events()[n:] == [
        sp("RewardReceived", pid=0, to_owner=0, to_stakers=10 * PHA),
        sp("RewardDismissedNotInPool", worker=worker(9), amount=3 * PHA)]
    assert pool(chain).reward_acc == ONE // 100              # 10 PHA over 1000 PHA of shares
    chain.try_state()


def test_on_stopped_slash_hook_and_pool_slash_on_reclaim() -> None:
    # §13.3: feed slashed > 0 the way the reference tests do (direct internal calls)
    chain = mining_pool(1000, workers=1)
    ok(chain.call(CHARLIE, SP, "contribute", pid=0, amount=1000 * PHA))
    chain[SP].on_stopped(worker(1), 500 * PHA, 100 * PHA)
    assert pool(chain).releasing_stake == 400 * PHA
    n = len(chain.events())
    chain[SP].handle_reclaim(0, 500 * PHA, 100 * PHA)
    assert chain.events()[n:] == [sp("PoolSlashed", pid=0, amount=100 * PHA)]
    p = pool(chain)
    assert (p.total_stake, p.total_shares, p.releasing_stake) == (1900 * PHA, 2000 * PHA, 0)
    # Bob's next withdrawal settles his part of the slash first: price 0.95
    events = ok(chain.call(BOB, SP, "withdraw", pid=0, shares=100 * PHA))
    price = (1900 * ONE * ONE) // (2000 * ONE)               # fx_div of two whole-PHA values
    worth = (1000 * ONE * price >> 64) * PHA >> 64          # bmul(1000 PHA of shares, price)
    paid = (100 * ONE * price >> 64) * PHA >> 64
    lost = 1000 * PHA - worth
    assert (worth, paid) == (949_999_999_999_999, 94_999_999_999_999)
    assert events == [
        ev("Balances", "Slashed", who=BOB, amount=lost),
        sp("SlashSettled", pid=0, user=BOB, amount=lost),
        sp("Withdrawal", pid=0, user=BOB, amount=paid, shares=100 * PHA)]
    assert staker(chain, BOB).locked == worth - paid
    assert chain[SP].StakeLedger.get(BOB) == 1000 * PHA - lost - paid


# -- forced withdrawal on finalize ------------------------------------------------------------


def test_expired_withdrawal_force_stops_every_worker_once() -> None:
    chain = mining_pool(1000)
    ok(chain.call(ALICE, SP, "start_mining", pid=0, worker=worker(1), stake=1000 * PHA))
    t = chain.rt.now_secs()
    assert ok(chain.call(BOB, SP, "withdraw", pid=0, shares=400 * PHA)) == [
        sp("WithdrawalQueued", pid=0, user=BOB, shares=400 * PHA)]
    assert chain[SP].WithdrawalTimestamps.get() == [t]
    assert chain[SP].WithdrawalQueuedPools.get(t) == [0]
    assert next_block_finalization_events(chain, advance_ms=WEEK * 1000) == []
    # at exactly t + grace the bucket is not yet older than the grace period
    assert next_block_finalization_events(chain, advance_ms=1000) == []
    assert chain.rt.now_secs() == t + WEEK + 1
    # worker 2 is not mining: its stop fails silently and leaves nothing behind
    assert next_block_finalization_events(chain) == [
        ev("PhalaMining", "MinerStopped", miner=sub(0, 1))]
    assert chain[SP].WithdrawalTimestamps.get() == []
    assert chain[SP].WithdrawalQueuedPools.get(t) is None
    miners = chain["PhalaMining"].Miners
    assert (miners.get(sub(0, 1)).state, miners.get(sub(0, 2)).state) == (
        MinerState.MiningCoolingDown, MinerState.Ready)
    assert pool(chain).releasing_stake == 1000 * PHA
    chain.try_state()


def test_requeue_replaces_the_request_and_opens_a_new_bucket() -> None:
    chain = mining_pool(1000)
    ok(chain.call(ALICE, SP, "start_mining", pid=0, worker=worker(1), stake=1000 * PHA))
    t1 = chain.rt.now_secs()
    ok(chain.call(BOB, SP, "withdraw", pid=0, shares=400 * PHA))
    chain.advance(60)
    t2 = chain.rt.now_secs()
    ok(chain.call(BOB, SP, "withdraw", pid=0, shares=300 * PHA))
    q = pool(chain).withdraw_queue
    assert [(r.user, r.shares, r.start_time) for r in q] == [(BOB, 300 * PHA, t2)]
    assert chain[SP].WithdrawalTimestamps.get() == [t1, t2]
    chain.try_state()
