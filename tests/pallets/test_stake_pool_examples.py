"""The two worked examples of stake_pool.md §16, end to end through the pallet's calls.
Every figure is the spec's."""

from __future__ import annotations

from pallets.mining.types import SUBSIDY_POOL_ACCOUNT
from tests.harness import ALICE, BOB, CHARLIE, DAVE
from tests.pallets.test_stake_pool_common import (
    PHA,
    SP,
    WEEK,
    ev,
    lock_of,
    new_chain,
    next_block_finalization_events,
    ok,
    pool,
    pool_with_workers,
    sp,
    staker,
    sub,
    worker,
)

OWNER, A, B = ALICE, BOB, CHARLIE  # the spec names them O, A and B


def transfer(to: bytes, amount: int) -> tuple:
    return ev("Balances", "Transfer", **{"from": SUBSIDY_POOL_ACCOUNT, "to": to,
                                         "amount": amount})


def test_example1_commission_split_and_the_lost_planck() -> None:
    chain = new_chain()
    ok(chain.call(OWNER, SP, "create"))
    ok(chain.call(OWNER, SP, "set_payout_pref", pid=0, payout_commission=125_000))
    assert ok(chain.call(A, SP, "contribute", pid=0, amount=300 * PHA)) == [
        sp("Contribution", pid=0, user=A, amount=300 * PHA, shares=300 * PHA)]
    assert ok(chain.call(B, SP, "contribute", pid=0, amount=700 * PHA)) == [
        sp("Contribution", pid=0, user=B, amount=700 * PHA, shares=700 * PHA)]
    assert ok(chain.sudo(SP, "force_assign_reward", reward_arr=[(0, 123_456_789_012_345)])) == [
        sp("RewardReceived", pid=0, to_owner=15_432_098_626_543,
           to_stakers=108_024_690_385_802)]
    p = pool(chain)
    assert (p.owner_reward, p.reward_acc) == (15_432_098_626_543, 1_992_703_817_188_602_220)
    assert ok(chain.call(OWNER, SP, "claim_rewards", pid=0, target=OWNER)) == [
        transfer(OWNER, 15_432_098_626_543),
        sp("RewardsWithdrawn", pid=0, user=OWNER, amount=15_432_098_626_543)]
    assert ok(chain.call(A, SP, "claim_rewards", pid=0, target=A)) == [
        transfer(A, 32_407_407_115_740),
        sp("RewardsWithdrawn", pid=0, user=A, amount=32_407_407_115_740)]
    user = staker(chain, A)
    assert (user.reward_debt, user.available_rewards) == (32_407_407_115_740, 0)
    assert ok(chain.call(B, SP, "claim_rewards", pid=0, target=B))[-1] == sp(
        "RewardsWithdrawn", pid=0, user=B, amount=75_617_283_270_061)
    # stakers got 108_024_690_385_801 of 108_024_690_385_802: one planck lost to truncation
    assert 32_407_407_115_740 + 75_617_283_270_061 == 108_024_690_385_802 - 1
    chain.try_state()


def test_example2_partial_queue_served_on_reclaim_and_the_residual_lock() -> None:
    chain = new_chain()
    pool_with_workers(chain, [1])
    w, miner = worker(1), sub(0, 1)
    t0 = chain.rt.now_secs()
    ok(chain.call(A, SP, "contribute", pid=0, amount=1000 * PHA))
    assert ok(chain.call(B, SP, "contribute", pid=0, amount=250_000_000_000_123)) == [
        sp("Contribution", pid=0, user=B, amount=250_000_000_000_123,
           shares=250_000_000_000_122)]
    p = pool(chain)
    assert (p.total_stake, p.free_stake, p.total_shares) == (
        1_250_000_000_000_123, 1_250_000_000_000_123, 1_250_000_000_000_122)
    ok(chain.call(OWNER, SP, "start_mining", pid=0, worker=w, stake=1100 * PHA))
    assert pool(chain).free_stake == 150_000_000_000_123

    # step 4, t0 + 1000: the immediate part and the queued part
    chain.advance(1000)
    assert chain.rt.now_secs() == t0 + 1000
    assert ok(chain.call(A, SP, "withdraw", pid=0, shares=400 * PHA)) == [
        sp("Withdrawal", pid=0, user=A, amount=150_000_000_000_122,
           shares=150_000_000_000_122),
        sp("WithdrawalQueued", pid=0, user=A, shares=249_999_999_999_878)]
    user = staker(chain, A)
    assert user.shares == user.locked == 849_999_999_999_878
    p = pool(chain)
    assert (p.total_stake, p.total_shares, p.free_stake) == (
        1_100_000_000_000_001, 1_100_000_000_000_000, 1)
    assert chain[SP].StakeLedger.get(A) == 849_999_999_999_878 == lock_of(chain, A)
    assert [(r.user, r.shares, r.start_time) for r in p.withdraw_queue] == [
        (A, 249_999_999_999_878, t0 + 1000)]
    assert chain[SP].WithdrawalTimestamps.get() == [t0 + 1000]
    assert chain[SP].WithdrawalQueuedPools.get(t0 + 1000) == [0]

    # step 5: the owner stops the worker; at t0 + 605_801 the bucket is examined and the
    # releasing stake covers the request: no forced stop, the bucket is consumed
    assert ok(chain.call(OWNER, SP, "stop_mining", pid=0, worker=w)) == [
        ev("PhalaMining", "MinerStopped", miner=miner)]
    assert pool(chain).releasing_stake == 1_100_000_000_000_000
    assert next_block_finalization_events(chain, advance_ms=WEEK * 1000) == []
    assert next_block_finalization_events(chain, advance_ms=1000) == []
    assert chain.rt.now_secs() == t0 + 605_801
    assert next_block_finalization_events(chain) == []
    assert chain[SP].WithdrawalTimestamps.get() == []
    assert chain[SP].WithdrawalQueuedPools.get(t0 + 1000) is None
    chain.try_state()

    # step 6: anyone reclaims; the freed stake serves the queue
    assert ok(chain.call(DAVE, SP, "reclaim_pool_worker", pid=0, worker=w)) == [
        ev("PhalaMining", "MinerReclaimed", miner=miner, original_stake=1_100_000_000_000_000,
           slashed=0),
        sp("Withdrawal", pid=0, user=A, amount=249_999_999_999_878,
           shares=249_999_999_999_878),
        sp("WorkerReclaimed", pid=0, worker=w, original_stake=1_100_000_000_000_000)]
    user = staker(chain, A)
    assert user.shares == user.locked == 600_000_000_000_000
    p = pool(chain)
    assert (p.total_stake, p.total_shares, p.free_stake, p.releasing_stake) == (
        850_000_000_000_123, 850_000_000_000_122, 850_000_000_000_123, 0)
    assert p.withdraw_queue == []
    chain.try_state()

    # step 7: B withdraws everything; the 1-planck "slash" is dust: a 1-planck lock remains
    assert ok(chain.call(B, SP, "withdraw", pid=0, shares=250_000_000_000_122)) == [
        sp("Withdrawal", pid=0, user=B, amount=250_000_000_000_122,
           shares=250_000_000_000_122)]
    assert chain[SP].StakeLedger.get(B) == 1 == lock_of(chain, B)
    assert (staker(chain, B).shares, staker(chain, B).locked) == (0, 0)

    # step 8: A withdraws the rest; the pool's last planck is dust and dropped
    assert ok(chain.call(A, SP, "withdraw", pid=0, shares=600 * PHA)) == [
        sp("Withdrawal", pid=0, user=A, amount=600 * PHA, shares=600 * PHA)]
    p = pool(chain)
    assert (p.total_stake, p.free_stake, p.total_shares) == (0, 0, 0)
    assert chain[SP].StakeLedger.get(A) == 0 and lock_of(chain, A) == 0
    chain.try_state()
