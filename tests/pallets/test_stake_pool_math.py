"""Pure pool arithmetic (stake_pool.md §2, §4, §10) checked against the spec's figures."""

from __future__ import annotations

import pytest

from pallets.stake_pool.pool_math import (
    BalanceOutOfRange,
    add_stake,
    handle_pool_new_reward,
    has_expired_withdrawal,
    pending_reward,
    remove_stake,
    settle_pending,
    settle_slash,
    share_price,
    slash_pool,
)
from pallets.stake_pool.types import (
    POOL_INFO,
    USER_STAKE_INFO,
    WITHDRAW_INFO,
    PoolInfo,
    UserStakeInfo,
    WithdrawInfo,
    close_to_zero,
    extract_dust,
    is_nondust,
)

PHA = 10**12
ONE = 1 << 64
WEEK = 604_800
OWNER, A, B = b"\x0a" * 32, b"\x0b" * 32, b"\x0c" * 32


def test_dust_threshold_is_inclusive() -> None:
    assert (close_to_zero(1000), is_nondust(1000)) == (True, False)
    assert (close_to_zero(1001), is_nondust(1001)) == (False, True)
    assert extract_dust(1000) == (0, 1000)
    assert extract_dust(1001) == (1001, 0)


def test_fresh_pool_encoding() -> None:
    pool = PoolInfo(pid=7, owner=OWNER)
    raw = POOL_INFO.encode(pool)
    # pid, owner, None, owner_reward, None, acc, 4 balances, empty workers, empty queue
    assert raw == (7).to_bytes(8, "little") + OWNER + b"\x00" + bytes(16) + b"\x00" \
        + bytes(16 * 5) + b"\x00\x00"
    assert POOL_INFO.decode(raw) == pool


def test_full_pool_round_trip() -> None:
    pool = PoolInfo(pid=1, owner=OWNER, payout_commission=125_000, owner_reward=5, cap=10**20,
                    reward_acc=ONE + 3, total_shares=9, total_stake=8, free_stake=7,
                    releasing_stake=6, workers=[b"\x01" * 32],
                    withdraw_queue=[WithdrawInfo(A, 2000, 99)])
    raw = POOL_INFO.encode(pool)
    assert raw[40:45] == b"\x01" + (125_000).to_bytes(4, "little")
    assert POOL_INFO.decode(raw) == pool
    assert WITHDRAW_INFO.encode(WithdrawInfo(A, 2000, 99)) == \
        A + (2000).to_bytes(16, "little") + (99).to_bytes(8, "little")
    user = UserStakeInfo(A, 1, 2, 3, 4)
    assert USER_STAKE_INFO.decode(USER_STAKE_INFO.encode(user)) == user


def test_share_price() -> None:
    pool = PoolInfo(0, OWNER)
    assert share_price(pool) is None
    pool.total_shares = pool.total_stake = 300 * PHA
    assert share_price(pool) == ONE
    pool.total_stake = 0
    assert share_price(pool) == 0          # bankrupt


def test_first_stake_is_one_to_one_then_round_trip_loses_a_planck() -> None:
    pool, a, b = PoolInfo(0, OWNER), UserStakeInfo(A), UserStakeInfo(B)
    assert add_stake(pool, a, 10**10 + 1) == 10**10 + 1     # price None: exact
    # §15.1: at price 1.0 one CENT mints 9_999_999_999 shares
    pool2 = PoolInfo(0, OWNER, total_shares=PHA, total_stake=PHA, free_stake=PHA)
    assert add_stake(pool2, b, 10**10) == 9_999_999_999
    assert (pool2.total_shares, pool2.total_stake, pool2.free_stake) == (
        PHA + 9_999_999_999, PHA + 10**10, PHA + 10**10)
    assert (b.shares, b.locked, b.reward_debt) == (9_999_999_999, 10**10, 0)


def example1_pool() -> tuple[PoolInfo, UserStakeInfo, UserStakeInfo]:
    pool, a, b = PoolInfo(0, OWNER, payout_commission=125_000), UserStakeInfo(A), UserStakeInfo(B)
    assert add_stake(pool, a, 300 * PHA) == 300 * PHA
    assert add_stake(pool, b, 700 * PHA) == 700 * PHA
    return pool, a, b


def test_example1_commission_split() -> None:
    pool, a, b = example1_pool()
    events = handle_pool_new_reward(pool, 123_456_789_012_345)
    assert events == [("RewardReceived", {"pid": 0, "to_owner": 15_432_098_626_543,
                                          "to_stakers": 108_024_690_385_802})]
    assert pool.owner_reward == 15_432_098_626_543
    assert pool.reward_acc == 1_992_703_817_188_602_220
    assert pending_reward(pool, a) == 32_407_407_115_740
    assert pending_reward(pool, b) == 75_617_283_270_061
    # one planck of the distributed amount is lost to truncation
    assert 108_024_690_385_802 - 32_407_407_115_740 - 75_617_283_270_061 == 1
    settle_pending(pool, a)
    assert (a.available_rewards, a.reward_debt) == (32_407_407_115_740, 32_407_407_115_740)
    assert pending_reward(pool, a) == 0


def test_example2_partial_withdrawal_figures() -> None:
    pool, a, b = PoolInfo(0, OWNER), UserStakeInfo(A), UserStakeInfo(B)
    add_stake(pool, a, 1000 * PHA)
    assert add_stake(pool, b, 250_000_000_000_123) == 250_000_000_000_122
    pool.free_stake -= 1100 * PHA                       # start_mining(1100 PHA)
    assert share_price(pool) == ONE + 14_757
    amount, dust, removed = remove_stake(pool, a, 150_000_000_000_122) or (0, 0, 0)
    assert (amount, dust, removed) == (150_000_000_000_122, 0, 150_000_000_000_122)
    assert a.shares == a.locked == 849_999_999_999_878
    assert (pool.total_stake, pool.total_shares, pool.free_stake) == (
        1_100_000_000_000_001, 1_100_000_000_000_000, 1)


def test_remove_stake_dust_rules() -> None:
    pool, a = PoolInfo(0, OWNER), UserStakeInfo(A)
    add_stake(pool, a, 10 * PHA)
    # 10 PHA − 999 is no multiple of 5^12: paid 10 PHA − 1000. The user keeps 999 shares and
    # 1000 locked (both dust), the pool 1000 stake (dust): all dropped.
    assert remove_stake(pool, a, 10 * PHA - 999) == (10 * PHA - 1000, 1000, 10 * PHA)
    assert (a.shares, a.locked) == (0, 0)
    assert (pool.total_shares, pool.total_stake, pool.free_stake) == (0, 0, 0)


def test_remove_stake_refuses_more_than_held_and_changes_nothing() -> None:
    pool, a = PoolInfo(0, OWNER), UserStakeInfo(A)
    add_stake(pool, a, 5000)
    before = (PoolInfo(**vars(pool)), UserStakeInfo(**vars(a)))
    assert remove_stake(pool, a, 5001) is None
    assert (pool, a) == before


def test_remove_stake_clamps_by_free_stake() -> None:
    pool, a = PoolInfo(0, OWNER), UserStakeInfo(A)
    add_stake(pool, a, 10 * PHA)
    pool.free_stake = 4 * PHA                           # 6 PHA mining
    assert remove_stake(pool, a, 5 * PHA) == (4 * PHA, 0, 5 * PHA)
    assert (a.shares, a.locked) == (5 * PHA, 6 * PHA)
    assert (pool.total_stake, pool.free_stake) == (6 * PHA, 0)


def test_settle_slash_and_pool_slash() -> None:
    pool, a = PoolInfo(0, OWNER), UserStakeInfo(A)
    add_stake(pool, a, 10 * PHA)
    slash_pool(pool, 4 * PHA)
    assert (pool.total_stake, pool.total_shares) == (6 * PHA, 10 * PHA)
    # price = floor(0.6·2^64) bits, so 10 PHA of shares are worth 6 PHA − 1 planck
    assert share_price(pool) == 11_068_046_444_225_730_969
    assert settle_slash(pool, a) == 4 * PHA + 1
    assert a.locked == 6 * PHA - 1
    slash_pool(pool, 6 * PHA - 1000)                    # the rest is dust → 0
    assert pool.total_stake == 0 and share_price(pool) == 0
    assert settle_slash(pool, a) == 6 * PHA - 1 and a.locked == 0


def test_reward_dismissed_when_no_shares() -> None:
    pool = PoolInfo(0, OWNER, total_shares=1000, total_stake=1000)
    assert handle_pool_new_reward(pool, 5 * PHA) == [
        ("RewardDismissedNoShare", {"pid": 0, "amount": 5 * PHA})]
    assert (pool.owner_reward, pool.reward_acc) == (0, 0)
    assert handle_pool_new_reward(pool, 0) == []


def test_reward_dust_staker_part_with_and_without_commission() -> None:
    pool = PoolInfo(0, OWNER, payout_commission=500_000, total_shares=PHA, total_stake=PHA)
    # 50% of 2001 = 1000.5 → 1000 (ties down); staker part 1001 is not dust
    assert handle_pool_new_reward(pool, 2001) == [
        ("RewardReceived", {"pid": 0, "to_owner": 1000, "to_stakers": 1001})]
    # 50% of 2000: 1000 each; the staker part is dust: dismissed, still reported (quirk)
    acc = pool.reward_acc
    assert handle_pool_new_reward(pool, 2000) == [
        ("RewardDismissedDust", {"pid": 0, "amount": 1000}),
        ("RewardReceived", {"pid": 0, "to_owner": 1000, "to_stakers": 1000})]
    assert pool.reward_acc == acc and pool.owner_reward == 2000
    pool.payout_commission = None
    assert handle_pool_new_reward(pool, 999) == [
        ("RewardDismissedDust", {"pid": 0, "amount": 999})]


def test_has_expired_withdrawal() -> None:
    pool = PoolInfo(0, OWNER, total_shares=10 * PHA, total_stake=10 * PHA, free_stake=0,
                    releasing_stake=3 * PHA)
    pool.withdraw_queue = [WithdrawInfo(A, 2 * PHA, 100), WithdrawInfo(B, 2 * PHA, 200)]
    # A is covered by releasing stake; B is not and decides
    assert has_expired_withdrawal(pool, 200 + WEEK, WEEK) is False
    assert has_expired_withdrawal(pool, 200 + WEEK + 1, WEEK) is True
    pool.releasing_stake = 4 * PHA
    assert has_expired_withdrawal(pool, 10**9, WEEK) is False
    pool.total_stake = 0                                 # bankrupt pools are skipped
    assert has_expired_withdrawal(pool, 10**9, WEEK) is False



def test_conversion_range_is_enforced() -> None:
    pool, a = PoolInfo(0, OWNER), UserStakeInfo(A)
    with pytest.raises(BalanceOutOfRange):
        add_stake(pool, a, 1 << 64)
    assert (pool, a) == (PoolInfo(0, OWNER), UserStakeInfo(A))
