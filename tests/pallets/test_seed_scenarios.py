"""The staking document's scenarios (seeds/000_d4c289544dfe868e.txt) on the emulated chain.

Workers A, B (p = 400) and C, D (p = 900): with k = 100 the minimal stake k·sqrt(p) is
exactly 2000 and 3000 PHA (sqrt of a perfect square is exact in U64F64). Five delegators
put in 1400 PHA each (7000 PHA); in scenario 2 Delegator-Rich adds 5000 PHA.

Reward figures are computed by hand below (§2.3/§2.6: acc = floor(4 PHA·2^64 / total),
pending = floor(shares·acc·10^12 / 2^64)); the document's decimals are roundings of them.
"""

from __future__ import annotations

from pallets.messages import SettleInfo
from pallets.mining.types import SUBSIDY_POOL_ACCOUNT, MinerState
from tests.harness import ALICE, Chain
from tests.pallets.test_stake_pool_common import (
    ONE,
    PHA,
    RICH,
    SP,
    STAKERS,
    WEEK,
    assert_noop,
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

OWNER = ALICE
A, B, C, D = (worker(n) for n in (1, 2, 3, 4))
NEED = {A: 2000 * PHA, B: 2000 * PHA, C: 3000 * PHA, D: 3000 * PHA}


def share_of_reward(shares_pha: int, total_pha: int) -> int:
    """A delegator's planck of the 4 PHA staker part, by hand (see module doc)."""
    acc = (4 * ONE) // total_pha
    return (shares_pha * acc * PHA) >> 64


def delegated_pool(rich: bool = False, commission: int | None = None) -> Chain:
    chain = new_chain()
    pool_with_workers(chain, [400, 400, 900, 900])
    if commission is not None:
        ok(chain.call(OWNER, SP, "set_payout_pref", pid=0, payout_commission=commission))
    for who in STAKERS:
        ok(chain.call(who, SP, "contribute", pid=0, amount=1400 * PHA))
    if rich:
        ok(chain.call(RICH, SP, "contribute", pid=0, amount=5000 * PHA))
    return chain


def start(chain: Chain, *workers: bytes) -> None:
    for w in workers:
        ok(chain.call(OWNER, SP, "start_mining", pid=0, worker=w, stake=NEED[w]))


def test_minimal_stakes_are_2000_and_3000_pha() -> None:
    chain = delegated_pool()
    for w in (A, C):
        assert_noop(chain, OWNER, "start_mining", "PhalaMining.InsufficientStake",
                    pid=0, worker=w, stake=NEED[w] - 1)
    start(chain, A, C)
    chain.try_state()


def test_case1_insufficient_staking_starts_only_three_workers() -> None:
    chain = delegated_pool()
    assert pool(chain).free_stake == 7000 * PHA
    start(chain, A, B, C)
    assert pool(chain).free_stake == 0
    assert_noop(chain, OWNER, "start_mining", "PhalaStakePool.InsufficientFreeStake",
                pid=0, worker=D, stake=3000 * PHA)
    miners = chain["PhalaMining"].Miners
    assert [miners.get(sub(0, n)).state for n in (1, 2, 3, 4)] == [
        MinerState.MiningIdle, MinerState.MiningIdle, MinerState.MiningIdle, MinerState.Ready]
    chain.try_state()


def test_case2_scenario1_sixty_percent_commission() -> None:
    chain = delegated_pool(commission=600_000)
    start(chain, A, B, C)
    assert ok(chain.sudo(SP, "force_assign_reward", reward_arr=[(0, 10 * PHA)])) == [
        sp("RewardReceived", pid=0, to_owner=6 * PHA, to_stakers=4 * PHA)]
    each = share_of_reward(1400, 7000)
    assert each == 799_999_999_999                  # "0.8 PHA", one planck truncated
    for who in STAKERS:
        assert ok(chain.call(who, SP, "claim_staker_rewards", pid=0, target=who))[-1] == sp(
            "StakerRewardsWithdrawn", pid=0, user=who, amount=each)
    assert ok(chain.call(OWNER, SP, "claim_owner_rewards", pid=0, target=OWNER))[-1] == sp(
        "OwnerRewardsWithdrawn", pid=0, user=OWNER, amount=6 * PHA)
    # 5 planck of the 4 PHA stay in the subsidy account
    assert 4 * PHA - 5 * each == 5
    chain.try_state()


def scenario2(chain: Chain | None = None) -> Chain:
    """Scenario 2 up to the reward: 12000 PHA, all four workers (10000 PHA), 2000 free."""
    chain = chain or delegated_pool(rich=True, commission=600_000)
    start(chain, A, B, C, D)
    assert pool(chain).free_stake == 2000 * PHA
    return chain


def test_case2_scenario2_free_delegation_shares_the_reward() -> None:
    chain = scenario2()
    n = len(chain.events())
    # the reward arrives as a settlement for worker A (10 PHA exactly)
    chain[SP].on_reward([SettleInfo(A, 0, 10 * ONE, 0)])
    assert chain.events()[n:] == [
        sp("RewardReceived", pid=0, to_owner=6 * PHA, to_stakers=4 * PHA)]
    normal, rich = share_of_reward(1400, 12000), share_of_reward(5000, 12000)
    assert (normal, rich) == (466_666_666_666, 1_666_666_666_666)  # "0.47" and "1.6" PHA
    for who in STAKERS:
        assert ok(chain.call(who, SP, "claim_rewards", pid=0, target=who))[-1] == sp(
            "RewardsWithdrawn", pid=0, user=who, amount=normal)
    assert ok(chain.call(RICH, SP, "claim_rewards", pid=0, target=RICH)) == [
        ev("Balances", "Transfer", **{"from": SUBSIDY_POOL_ACCOUNT, "to": RICH,
                                      "amount": rich}),
        sp("RewardsWithdrawn", pid=0, user=RICH, amount=rich)]
    assert ok(chain.call(OWNER, SP, "claim_rewards", pid=0, target=OWNER))[-1] == sp(
        "RewardsWithdrawn", pid=0, user=OWNER, amount=6 * PHA)
    chain.try_state()


# -- Figure 5: exit staking --------------------------------------------------------------


def test_exit1_withdrawal_within_free_delegation_is_paid_at_once() -> None:
    chain = scenario2()
    bob = STAKERS[0]
    assert ok(chain.call(bob, SP, "withdraw", pid=0, shares=1400 * PHA)) == [
        sp("Withdrawal", pid=0, user=bob, amount=1400 * PHA, shares=1400 * PHA)]
    assert chain[SP].StakeLedger.get(bob) == 0 and lock_of(chain, bob) == 0
    assert pool(chain).free_stake == 600 * PHA
    chain.try_state()


def rich_requests_4000(chain: Chain) -> int:
    """Exit scenario 2: 2000 PHA paid now, 2000 PHA queued; returns the request time."""
    t = chain.rt.now_secs()
    assert ok(chain.call(RICH, SP, "withdraw", pid=0, shares=4000 * PHA)) == [
        sp("Withdrawal", pid=0, user=RICH, amount=2000 * PHA, shares=2000 * PHA),
        sp("WithdrawalQueued", pid=0, user=RICH, shares=2000 * PHA)]
    assert chain[SP].StakeLedger.get(RICH) == 3000 * PHA == lock_of(chain, RICH)
    p = pool(chain)
    assert (p.free_stake, p.total_stake) == (0, 10_000 * PHA)
    return t


def test_exit2_larger_request_is_split() -> None:
    chain = scenario2()
    t = rich_requests_4000(chain)
    assert [(r.user, r.shares, r.start_time) for r in pool(chain).withdraw_queue] == [
        (RICH, 2000 * PHA, t)]
    chain.try_state()


def test_exit3_no_new_delegation_forces_a_stop_and_the_exit_takes_14_days() -> None:
    chain = scenario2()
    t = rich_requests_4000(chain)
    assert next_block_finalization_events(chain, advance_ms=WEEK * 1000) == []
    assert next_block_finalization_events(chain) == []           # the block at t + 7 days
    # the first block past the grace period (t + 7 days + 12 s) stops every worker
    assert next_block_finalization_events(chain) == [
        ev("PhalaMining", "MinerStopped", miner=sub(0, n)) for n in (1, 2, 3, 4)]
    stopped_at = t + WEEK + 12
    assert pool(chain).releasing_stake == 10_000 * PHA
    assert_noop(chain, STAKERS[1], "reclaim_pool_worker", "PhalaMining.CoolDownNotReady",
                pid=0, worker=A)
    chain.advance(WEEK - 12)
    assert chain.rt.now_secs() == stopped_at + WEEK
    # the cool-down cannot be shortened; then anyone reclaims and the queue is served
    assert ok(chain.call(STAKERS[1], SP, "reclaim_pool_worker", pid=0, worker=A)) == [
        ev("PhalaMining", "MinerReclaimed", miner=sub(0, 1), original_stake=2000 * PHA,
           slashed=0),
        sp("Withdrawal", pid=0, user=RICH, amount=2000 * PHA, shares=2000 * PHA),
        sp("WorkerReclaimed", pid=0, worker=A, original_stake=2000 * PHA)]
    # out after 14 days and one 12-second block
    assert chain.rt.now_secs() - t == 2 * WEEK + 12
    assert chain[SP].StakeLedger.get(RICH) == 1000 * PHA == lock_of(chain, RICH)
    assert pool(chain).withdraw_queue == []
    for w in (B, C, D):
        ok(chain.call(STAKERS[1], SP, "reclaim_pool_worker", pid=0, worker=w))
    p = pool(chain)
    assert (p.total_stake, p.free_stake, p.releasing_stake) == (8000 * PHA, 8000 * PHA, 0)
    chain.try_state()


def test_exit4_new_delegation_within_seven_days_serves_the_queue() -> None:
    chain = scenario2()
    rich_requests_4000(chain)
    chain.advance(3 * 86_400)
    assert ok(chain.call(OWNER, SP, "contribute", pid=0, amount=2000 * PHA)) == [
        sp("Withdrawal", pid=0, user=RICH, amount=2000 * PHA, shares=2000 * PHA),
        sp("Contribution", pid=0, user=OWNER, amount=2000 * PHA, shares=2000 * PHA)]
    assert staker(chain, RICH).shares == 1000 * PHA
    # nothing is stopped when the bucket expires
    assert next_block_finalization_events(chain, advance_ms=4 * 86_400 * 1000) == []
    assert next_block_finalization_events(chain) == []           # t + 7 days
    assert next_block_finalization_events(chain) == []           # t + 7 days + 12 s: examined
    assert chain[SP].WithdrawalTimestamps.get() == []
    assert chain["PhalaMining"].Miners.get(sub(0, 1)).state == MinerState.MiningIdle
    chain.try_state()


def test_exit4_a_stopped_worker_covers_the_queue_without_a_forced_stop() -> None:
    chain = scenario2()
    t = rich_requests_4000(chain)
    chain.advance(86_400)
    ok(chain.call(OWNER, SP, "stop_mining", pid=0, worker=A))
    # at the deadline, releasing stake (2000 PHA) covers the request: no forced stop
    chain.advance(WEEK - 86_400)
    assert chain.rt.now_secs() == t + WEEK
    assert next_block_finalization_events(chain) == []           # t + 7 days
    assert next_block_finalization_events(chain) == []           # t + 7 days + 12 s: examined
    assert chain[SP].WithdrawalTimestamps.get() == []
    assert chain["PhalaMining"].Miners.get(sub(0, 2)).state == MinerState.MiningIdle
    chain.advance(86_400)
    assert ok(chain.call(RICH, SP, "reclaim_pool_worker", pid=0, worker=A))[1] == sp(
        "Withdrawal", pid=0, user=RICH, amount=2000 * PHA, shares=2000 * PHA)
    assert chain[SP].StakeLedger.get(RICH) == 1000 * PHA
    chain.try_state()
