"""Staking calls (stake_pool.md §12.8 – §12.13, §12.18): rewards, claims, contribute,
withdraw and reconcile — success figures in planck and every error in check order."""

from __future__ import annotations

from pallets.mining.types import SUBSIDY_POOL_ACCOUNT
from pallets.stake_pool.types import WithdrawInfo
from runtime.dispatch import Origin
from tests.harness import ALICE, BOB, CHARLIE, DAVE, Chain
from tests.pallets.test_stake_pool_common import (
    CENT,
    INITIAL,
    PHA,
    SP,
    assert_noop,
    ev,
    lock_of,
    new_chain,
    ok,
    pool,
    sp,
    staker,
)

Q = 2**64


def pending_by_hand(shares_pha: int, reward_planck: int, total_pha: int) -> int:
    """A whole-PHA staker's share of a whole-PHA reward, following §2.3 / §2.6 by hand:
    acc = floor(reward·2^64 / total) (both exact in U64F64 as whole PHA), then
    floor(shares·acc·10^12 / 2^64)."""
    acc = (reward_planck * Q // PHA * Q) // (total_pha * Q)
    return shares_pha * acc * PHA // Q


def funded_pool(commission: int | None = None) -> Chain:
    chain = new_chain()
    ok(chain.call(ALICE, SP, "create"))
    if commission is not None:
        ok(chain.call(ALICE, SP, "set_payout_pref", pid=0, payout_commission=commission))
    return chain


# -- force_assign_reward ------------------------------------------------------------------


def test_force_assign_reward() -> None:
    chain = funded_pool(500_000)
    ok(chain.call(BOB, SP, "contribute", pid=0, amount=100 * PHA))
    assert_noop(chain, BOB, "force_assign_reward", "BadOrigin", reward_arr=[(0, PHA)])
    # a missing pool fails the whole call, including the earlier entry
    assert_noop(chain, Origin.root(), "force_assign_reward", "PhalaStakePool.PoolDoesNotExist",
                reward_arr=[(0, 10 * PHA), (5, 1)])
    assert ok(chain.sudo(SP, "force_assign_reward", reward_arr=[(0, 0)])) == []
    assert ok(chain.sudo(SP, "force_assign_reward", reward_arr=[(0, 10 * PHA)])) == [
        sp("RewardReceived", pid=0, to_owner=5 * PHA, to_stakers=5 * PHA)]
    assert pool(chain).owner_reward == 5 * PHA
    assert pool(chain).reward_acc == Q // 20            # 5 PHA / 100 PHA, truncated
    chain.try_state()


def test_force_assign_reward_beyond_conversion_range_is_refused() -> None:
    # 10^8 PHA ≥ 2^64 planck: the reference's to_fixed panics; the emulator refuses
    chain = funded_pool()
    ok(chain.call(BOB, SP, "contribute", pid=0, amount=100 * PHA))
    assert_noop(chain, Origin.root(), "force_assign_reward", "Arithmetic.Overflow",
                reward_arr=[(0, 10**8 * PHA)])


# -- claims ----------------------------------------------------------------------------------


def test_claim_owner_rewards() -> None:
    chain = funded_pool(500_000)
    ok(chain.call(BOB, SP, "contribute", pid=0, amount=100 * PHA))
    assert_noop(chain, ALICE, "claim_owner_rewards", "PhalaStakePool.PoolDoesNotExist",
                pid=1, target=ALICE)
    assert_noop(chain, BOB, "claim_owner_rewards", "PhalaStakePool.UnauthorizedPoolOwner",
                pid=0, target=BOB)
    assert_noop(chain, ALICE, "claim_owner_rewards", "PhalaStakePool.NoRewardToClaim",
                pid=0, target=ALICE)
    ok(chain.sudo(SP, "force_assign_reward", reward_arr=[(0, 10 * PHA)]))
    assert ok(chain.call(ALICE, SP, "claim_owner_rewards", pid=0, target=DAVE)) == [
        ev("Balances", "Transfer", **{"from": SUBSIDY_POOL_ACCOUNT, "to": DAVE,
                                      "amount": 5 * PHA}),
        sp("OwnerRewardsWithdrawn", pid=0, user=ALICE, amount=5 * PHA)]
    assert chain.free(DAVE) == INITIAL + 5 * PHA
    assert pool(chain).owner_reward == 0
    assert staker(chain, BOB).available_rewards == 0       # staker part untouched
    chain.try_state()


def test_claim_fails_when_the_subsidy_pool_cannot_pay() -> None:
    chain = funded_pool(1_000_000)                           # 100% commission
    ok(chain.call(BOB, SP, "contribute", pid=0, amount=100 * PHA))
    # 7·10^8 PHA of commission (no conversion needed) exceeds the 6.9·10^8 PHA subsidy pool
    assert ok(chain.sudo(SP, "force_assign_reward", reward_arr=[(0, 7 * 10**8 * PHA)])) == [
        sp("RewardReceived", pid=0, to_owner=7 * 10**8 * PHA, to_stakers=0)]
    assert_noop(chain, ALICE, "claim_owner_rewards",
                "PhalaStakePool.InternalSubsidyPoolCannotWithdraw", pid=0, target=ALICE)
    assert_noop(chain, ALICE, "claim_rewards",
                "PhalaStakePool.InternalSubsidyPoolCannotWithdraw", pid=0, target=ALICE)


def test_claim_staker_rewards() -> None:
    chain = funded_pool(500_000)
    ok(chain.call(BOB, SP, "contribute", pid=0, amount=100 * PHA))
    ok(chain.sudo(SP, "force_assign_reward", reward_arr=[(0, 10 * PHA)]))
    due = pending_by_hand(100, 5 * PHA, 100)
    assert due == 4_999_999_999_999                          # truncation loses a planck
    assert_noop(chain, BOB, "claim_staker_rewards", "PhalaStakePool.PoolDoesNotExist",
                pid=1, target=BOB)
    assert_noop(chain, CHARLIE, "claim_staker_rewards", "PhalaStakePool.NoRewardToClaim",
                pid=0, target=CHARLIE)
    assert ok(chain.call(BOB, SP, "claim_staker_rewards", pid=0, target=BOB)) == [
        ev("Balances", "Transfer", **{"from": SUBSIDY_POOL_ACCOUNT, "to": BOB, "amount": due}),
        sp("StakerRewardsWithdrawn", pid=0, user=BOB, amount=due)]
    assert chain.free(BOB) == INITIAL + due
    user = staker(chain, BOB)
    assert (user.available_rewards, user.reward_debt) == (0, due)
    assert pool(chain).owner_reward == 5 * PHA                # commission untouched
    assert_noop(chain, BOB, "claim_staker_rewards", "PhalaStakePool.NoRewardToClaim",
                pid=0, target=BOB)
    chain.try_state()


def test_claim_rewards_pays_commission_and_stake_rewards_together() -> None:
    chain = funded_pool(500_000)
    ok(chain.call(ALICE, SP, "contribute", pid=0, amount=100 * PHA))
    ok(chain.call(BOB, SP, "contribute", pid=0, amount=100 * PHA))
    assert_noop(chain, CHARLIE, "claim_rewards", "PhalaStakePool.PoolDoesNotExist",
                pid=3, target=CHARLIE)
    assert_noop(chain, CHARLIE, "claim_rewards", "PhalaStakePool.NoRewardToClaim",
                pid=0, target=CHARLIE)
    assert_noop(chain, ALICE, "claim_rewards", "PhalaStakePool.NoRewardToClaim",
                pid=0, target=ALICE)
    ok(chain.sudo(SP, "force_assign_reward", reward_arr=[(0, 10 * PHA)]))
    each = pending_by_hand(100, 5 * PHA, 200)
    assert each == 2_499_999_999_999
    assert ok(chain.call(ALICE, SP, "claim_rewards", pid=0, target=ALICE)) == [
        ev("Balances", "Transfer", **{"from": SUBSIDY_POOL_ACCOUNT, "to": ALICE,
                                      "amount": 5 * PHA + each}),
        sp("RewardsWithdrawn", pid=0, user=ALICE, amount=5 * PHA + each)]
    assert ok(chain.call(BOB, SP, "claim_rewards", pid=0, target=BOB))[-1] == sp(
        "RewardsWithdrawn", pid=0, user=BOB, amount=each)
    assert pool(chain).owner_reward == 0
    chain.try_state()


# -- contribute -------------------------------------------------------------------------------


def test_contribute_success_locks_and_mints() -> None:
    chain = funded_pool()
    assert ok(chain.call(BOB, SP, "contribute", pid=0, amount=100 * PHA)) == [
        sp("Contribution", pid=0, user=BOB, amount=100 * PHA, shares=100 * PHA)]
    # §15.1: at price 1.0 one CENT mints 9_999_999_999 shares
    assert ok(chain.call(CHARLIE, SP, "contribute", pid=0, amount=CENT)) == [
        sp("Contribution", pid=0, user=CHARLIE, amount=CENT, shares=CENT - 1)]
    p = pool(chain)
    assert (p.total_stake, p.free_stake, p.total_shares) == (
        100 * PHA + CENT, 100 * PHA + CENT, 100 * PHA + CENT - 1)
    user = staker(chain, CHARLIE)
    assert (user.locked, user.shares, user.available_rewards, user.reward_debt) == (
        CENT, CENT - 1, 0, 0)
    assert chain[SP].StakeLedger.get(CHARLIE) == CENT == lock_of(chain, CHARLIE)
    assert chain.free(CHARLIE) == INITIAL                      # locked, not moved
    chain.try_state()


def test_contribute_errors_in_check_order() -> None:
    chain = funded_pool()
    ok(chain.call(ALICE, SP, "add_staker_to_whitelist", pid=0, staker=BOB))
    assert_noop(chain, BOB, "contribute", "PhalaStakePool.PoolDoesNotExist", pid=1, amount=1)
    assert_noop(chain, CHARLIE, "contribute", "PhalaStakePool.NotInContributeWhitelist",
                pid=0, amount=1)
    assert_noop(chain, BOB, "contribute", "PhalaStakePool.InsufficientContribution",
                pid=0, amount=CENT - 1)
    ok(chain.call(BOB, SP, "contribute", pid=0, amount=100 * PHA))
    # the ledger counts against the free balance: 99_900 PHA remain stakeable
    assert_noop(chain, BOB, "contribute", "PhalaStakePool.InsufficientBalance",
                pid=0, amount=INITIAL - 100 * PHA + 1)
    ok(chain.call(ALICE, SP, "contribute", pid=0, amount=CENT))   # the owner is always allowed
    # slash the whole pool through the §13.3 hook: shares remain, stake is 0 → bankrupt
    chain[SP].handle_reclaim(0, 0, 100 * PHA + CENT)
    assert chain.events()[-1] == sp("PoolSlashed", pid=0, amount=100 * PHA + CENT)
    assert pool(chain).total_stake == 0
    assert_noop(chain, BOB, "contribute", "PhalaStakePool.PoolBankrupt", pid=0, amount=PHA)


def test_contribute_cap() -> None:
    chain = funded_pool()
    ok(chain.call(ALICE, SP, "set_cap", pid=0, cap=1000 * PHA))
    ok(chain.call(BOB, SP, "contribute", pid=0, amount=1000 * PHA))
    assert_noop(chain, CHARLIE, "contribute", "PhalaStakePool.StakeExceedsCapacity",
                pid=0, amount=CENT)


def test_contribute_beyond_conversion_range_is_refused() -> None:
    chain = funded_pool()
    ok(chain.sudo("Balances", "force_set_balance", who=DAVE, new_free=2**66))
    assert_noop(chain, DAVE, "contribute", "Arithmetic.Overflow", pid=0, amount=2**64)
    ok(chain.call(DAVE, SP, "contribute", pid=0, amount=2**63))
    # a second 2^63 would take the pool total to 2^64, which could never be priced again
    assert_noop(chain, DAVE, "contribute", "Arithmetic.Overflow", pid=0, amount=2**63)
    chain.try_state()


# -- withdraw -------------------------------------------------------------------------------


def test_withdraw_errors_in_check_order() -> None:
    chain = funded_pool()
    # no stake record is reported before the missing pool
    assert_noop(chain, BOB, "withdraw", "PhalaStakePool.PoolStakeNotFound", pid=7, shares=PHA)
    ok(chain.call(BOB, SP, "contribute", pid=0, amount=100 * PHA))
    assert_noop(chain, BOB, "withdraw", "PhalaStakePool.InvalidWithdrawalAmount",
                pid=0, shares=1000)
    assert_noop(chain, BOB, "withdraw", "PhalaStakePool.InvalidWithdrawalAmount",
                pid=0, shares=100 * PHA + 1)


def test_withdraw_from_free_stake_and_the_persisting_records() -> None:
    chain = funded_pool()
    ok(chain.call(BOB, SP, "contribute", pid=0, amount=100 * PHA))
    assert ok(chain.call(BOB, SP, "withdraw", pid=0, shares=40 * PHA)) == [
        sp("Withdrawal", pid=0, user=BOB, amount=40 * PHA, shares=40 * PHA)]
    assert chain[SP].StakeLedger.get(BOB) == 60 * PHA == lock_of(chain, BOB)
    assert ok(chain.call(BOB, SP, "withdraw", pid=0, shares=60 * PHA)) == [
        sp("Withdrawal", pid=0, user=BOB, amount=60 * PHA, shares=60 * PHA)]
    assert chain[SP].StakeLedger.get(BOB) == 0 and lock_of(chain, BOB) == 0
    assert chain["Balances"].locks(BOB) == []
    assert staker(chain, BOB).shares == 0                    # the record stays
    p = pool(chain)
    assert (p.total_stake, p.free_stake, p.total_shares) == (0, 0, 0)
    chain.try_state()


def test_withdraw_slashes_a_dust_lock_left_behind() -> None:
    chain = funded_pool()
    issuance = chain["Balances"].total_issuance()
    ok(chain.call(BOB, SP, "contribute", pid=0, amount=10 * PHA + 500))
    # settle_slash first: the shares (10 PHA + 500) are worth 10 PHA + 499 at price 1.0 (round
    # trip), a 1-planck "slash" that is dust: locked drops to 10 PHA + 499, the ledger keeps
    # 10 PHA + 500 (§10.3 quirk). 10 PHA − 499 shares then pay 10 PHA − 500, leaving
    # 999 locked: dust, slashed from the free balance; 999 shares: dust, burned.
    events = ok(chain.call(BOB, SP, "withdraw", pid=0, shares=10 * PHA - 499))
    assert events == [ev("Balances", "Slashed", who=BOB, amount=999),
                      sp("DustRemoved", user=BOB, amount=999),
                      sp("Withdrawal", pid=0, user=BOB, amount=10 * PHA - 500,
                         shares=10 * PHA + 500)]
    assert chain.free(BOB) == INITIAL - 999
    assert chain["Balances"].total_issuance() == issuance - 999      # burned
    # ledger: 10 PHA + 500 − (10 PHA − 500) − 999 = 1 planck stays locked
    assert chain[SP].StakeLedger.get(BOB) == 1 == lock_of(chain, BOB)
    user = staker(chain, BOB)
    assert (user.shares, user.locked) == (0, 0)
    assert (pool(chain).total_stake, pool(chain).total_shares) == (0, 0)
    chain.try_state()


# -- reconcile_withdraw_queue -----------------------------------------------------------------


def test_reconcile_withdraw_queue() -> None:
    chain = funded_pool()
    ok(chain.call(BOB, SP, "contribute", pid=0, amount=100 * PHA))
    ok(chain.call(CHARLIE, SP, "contribute", pid=0, amount=100 * PHA))
    ok(chain.call(CHARLIE, SP, "withdraw", pid=0, shares=100 * PHA))
    assert_noop(chain, DAVE, "reconcile_withdraw_queue", "PhalaStakePool.PoolDoesNotExist",
                pid=1, account=BOB)
    assert_noop(chain, DAVE, "reconcile_withdraw_queue", "PhalaStakePool.PoolStakeNotFound",
                pid=0, account=DAVE)
    # The queue of an older chain: requests asking for more than the stakers hold
    # (unreachable through this revision's calls, so written directly).
    p = pool(chain)
    p.withdraw_queue = [WithdrawInfo(BOB, 30 * PHA, 5), WithdrawInfo(BOB, 150 * PHA, 6),
                        WithdrawInfo(CHARLIE, 2 * PHA, 7)]
    chain[SP].StakePools.insert(0, p)
    assert ok(chain.call(DAVE, SP, "reconcile_withdraw_queue", pid=0, account=BOB)) == []
    assert pool(chain).withdraw_queue == [WithdrawInfo(BOB, 30 * PHA, 5),
                                          WithdrawInfo(BOB, 100 * PHA, 6),
                                          WithdrawInfo(CHARLIE, 2 * PHA, 7)]
    # Charlie holds no shares any more: his request is deleted
    ok(chain.call(DAVE, SP, "reconcile_withdraw_queue", pid=0, account=CHARLIE))
    assert pool(chain).withdraw_queue == [WithdrawInfo(BOB, 30 * PHA, 5),
                                          WithdrawInfo(BOB, 100 * PHA, 6)]
    before = pool(chain)
    ok(chain.call(DAVE, SP, "reconcile_withdraw_queue", pid=0, account=BOB))
    assert pool(chain) == before                             # nothing to repair
