"""Pure pool arithmetic (stake_pool.md §2.5, §2.6, §10): functions that mutate the given
`PoolInfo` / `UserStakeInfo` in memory and touch no storage; callers persist them.

All fixed-point steps use `runtime.fixed` and truncate exactly as the reference does.
Balance → fixed conversions are only defined below 2^64 planck; where the reference would
panic, these functions raise `BalanceOutOfRange` (an `ArithmeticOverflow`, which the
dispatcher reports as `Arithmetic.Overflow` after rolling the call back).
"""

from __future__ import annotations

from runtime.fixed import bdiv, bmul, fx_checked_div, fx_div, to_fixed
from runtime.ints import ArithmeticOverflow
from runtime.permill import permill_mul

from .types import PoolInfo, UserStakeInfo, close_to_zero, extract_dust, is_nondust

BALANCE_MAX = (1 << 128) - 1
CONVERTIBLE_LIMIT = 1 << 64

Event = tuple[str, dict[str, int | bytes]]


class BalanceOutOfRange(ArithmeticOverflow):
    """A balance ≥ 2^64 planck reached a fixed-point conversion (a panic in the reference)."""


def _guard(balance: int) -> int:
    if balance >= CONVERTIBLE_LIMIT:
        raise BalanceOutOfRange(
            f"{balance} planck is at or above 2^64 and cannot be converted to U64F64")
    return balance


def fixed_of(balance: int) -> int:
    """`to_fixed(balance)`; raises `BalanceOutOfRange` for balance ≥ 2^64."""
    return to_fixed(_guard(balance))


def mul_price(balance: int, price: int) -> int:
    """`bmul(balance, price)`; raises `BalanceOutOfRange` for balance ≥ 2^64."""
    return bmul(_guard(balance), price)


def div_price(balance: int, price: int) -> int:
    """`bdiv(balance, price)` for price > 0; raises `BalanceOutOfRange` for balance ≥ 2^64."""
    return bdiv(_guard(balance), price)


def ensure_convertible(pool: PoolInfo) -> None:
    """Raise `BalanceOutOfRange` unless the pool's totals stay convertible, so a pool can never
    reach a state where every later price computation would fail."""
    _guard(pool.total_stake)
    _guard(pool.total_shares)


# -- price and reward accumulator (§2.5, §2.6) --------------------------------------------


def share_price(pool: PoolInfo) -> int | None:
    """U64F64 bits of stake per share; None when there are no shares (or on overflow)."""
    d = fixed_of(pool.total_shares)
    if d == 0:
        return None
    return fx_checked_div(fixed_of(pool.total_stake), d)


def pending_reward(pool: PoolInfo, user: UserStakeInfo) -> int:
    """Rewards accrued since the user's last settlement (never negative: debt tracks shares)."""
    return mul_price(user.shares, pool.reward_acc) - user.reward_debt


def reset_pending(pool: PoolInfo, user: UserStakeInfo) -> None:
    """Set the debt to match the current shares."""
    user.reward_debt = mul_price(user.shares, pool.reward_acc)


def settle_pending(pool: PoolInfo, user: UserStakeInfo) -> None:
    """Move pending rewards into `available_rewards` (saturating) and reset the debt."""
    user.available_rewards = min(user.available_rewards + pending_reward(pool, user),
                                 BALANCE_MAX)
    reset_pending(pool, user)


def distribute(pool: PoolInfo, amount: int) -> None:
    """`reward_acc += to_fixed(amount) / to_fixed(total_shares)` (total_shares non-dust)."""
    pool.reward_acc += fx_div(fixed_of(amount), fixed_of(pool.total_shares))


# -- stake movements (§10.1 – §10.4) ------------------------------------------------------


def add_stake(pool: PoolInfo, user: UserStakeInfo, amount: int) -> int:
    """Mint shares for `amount` at the current price (1:1 when the pool has no price or a
    zero price); returns the shares minted. The caller settled the user's rewards."""
    price = share_price(pool)
    shares = div_price(amount, price) if price else _guard(amount)
    user.shares += shares
    user.locked += amount
    reset_pending(pool, user)
    pool.total_shares += shares
    pool.total_stake += amount
    pool.free_stake += amount
    return shares


def remove_stake(pool: PoolInfo, user: UserStakeInfo,
                 shares: int) -> tuple[int, int, int] | None:
    """Burn `shares` (non-dust, ≤ user.shares) from free stake; returns
    `(amount, user_dust, removed_shares)`, or None — changing nothing — when the pool has no
    price or the user holds fewer than `shares` (the reference's `checked_sub` failure).

    The paid amount is clamped by the pool's free stake and the user's locked stake. User
    share dust is burned too (counted in `removed_shares`); a remaining user lock of ≤ 1000
    is returned as `user_dust` (the caller slashes it); pool stake dust is dropped.
    """
    price = share_price(pool)
    if price is None or shares > user.shares:
        return None
    amount = min(mul_price(shares, price), pool.free_stake, user.locked)
    user_shares, share_dust = extract_dust(user.shares - shares)
    user_locked, user_dust = extract_dust(user.locked - amount)
    removed_shares = shares + share_dust
    kept_total, _ = extract_dust(pool.total_stake - amount)
    if kept_total > 0:
        pool.free_stake -= amount
        pool.total_stake -= amount
    else:
        pool.free_stake = 0
        pool.total_stake = 0
    pool.total_shares -= removed_shares
    user.shares = user_shares
    user.locked = user_locked
    reset_pending(pool, user)
    return amount, user_dust, removed_shares


def settle_slash(pool: PoolInfo, user: UserStakeInfo) -> int | None:
    """Lower `user.locked` to the value of the user's shares (dust → 0); returns the amount
    lost (possibly dust, possibly 0), or None when the pool has no price. The caller decides
    whether the loss is applied to balances (§10.3)."""
    price = share_price(pool)
    if price is None:
        return None
    old = user.locked
    new, _ = extract_dust(min(mul_price(user.shares, price), old))
    user.locked = new
    return old - new


def slash_pool(pool: PoolInfo, amount: int) -> None:
    """Pool-level slash: only `total_stake` drops (to 0 if the rest is dust)."""
    amount = min(pool.total_stake, amount)
    pool.total_stake, _ = extract_dust(pool.total_stake - amount)


# -- rewards (§10.5) -----------------------------------------------------------------------


def handle_pool_new_reward(pool: PoolInfo, rewards: int) -> list[Event]:
    """Book `rewards` planck: commission to the owner, the rest into `reward_acc`.
    Returns the events to emit, in order. No funds move."""
    out: list[Event] = []
    if rewards == 0:
        return out
    if close_to_zero(pool.total_shares):
        return [("RewardDismissedNoShare", {"pid": pool.pid, "amount": rewards})]
    commission = permill_mul(pool.payout_commission or 0, rewards)
    pool.owner_reward = min(pool.owner_reward + commission, BALANCE_MAX)
    to_distribute = rewards - commission
    distributed = False
    if is_nondust(to_distribute):
        distribute(pool, to_distribute)
        distributed = True
    elif to_distribute > 0:
        out.append(("RewardDismissedDust", {"pid": pool.pid, "amount": to_distribute}))
    if distributed or commission > 0:
        out.append(("RewardReceived", {"pid": pool.pid, "to_owner": commission,
                                       "to_stakers": to_distribute}))
    return out


# -- withdrawal expiry (§10.6) -------------------------------------------------------------


def has_expired_withdrawal(pool: PoolInfo, now: int, grace: int) -> bool:
    """True when the first queued request that free + releasing stake cannot cover has
    waited strictly longer than `grace` seconds."""
    price = share_price(pool)
    if not price:
        return False
    budget = pool.free_stake + pool.releasing_stake
    for req in pool.withdraw_queue:
        need = mul_price(req.shares, price)
        if need > budget:
            return now - req.start_time > grace
        budget -= need
    return False
