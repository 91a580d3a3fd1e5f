"""Staking calls (stake_pool.md §12.8 – §12.13, §12.18): rewards booked by root, reward
claims, contribution, withdrawal and queue repair."""

from __future__ import annotations

from runtime.codec import ACCOUNT, U64, U128, Tuple, Vec
from runtime.dispatch import DispatchError, Origin, ensure_root, ensure_signed
from runtime.pallet import call

from .pool_calls import PoolCalls
from .pool_math import add_stake, ensure_convertible, handle_pool_new_reward, settle_pending
from .types import PoolInfo, UserStakeInfo, extract_dust, is_nondust


class StakingCalls(PoolCalls):
    @call(8, ("reward_arr", Vec(Tuple(U64, U128))))
    def force_assign_reward(self, origin: Origin, reward_arr: list[tuple[int, int]]) -> None:
        """Root: book each `(pid, reward)` as a pool reward (§10.5), in order; zero rewards are
        skipped. A missing pool fails the whole call (PoolDoesNotExist). No funds move."""
        ensure_root(origin)
        for pid, reward in reward_arr:
            pool = self.load_pool(pid)
            if reward == 0:
                continue
            self.emit_all(handle_pool_new_reward(pool, reward))
            self.StakePools.insert(pid, pool)

    def _pay_from_subsidy(self, target: bytes, amount: int) -> None:
        try:
            self.mining().withdraw_subsidy_pool(target, amount)
        except DispatchError:
            raise self.error("InternalSubsidyPoolCannotWithdraw") from None

    @call(9, ("pid", U64), ("target", ACCOUNT))
    def claim_owner_rewards(self, origin: Origin, pid: int, target: bytes) -> None:
        """Owner: pay the pool commission to `target` from the subsidy account. Errors:
        PoolDoesNotExist, UnauthorizedPoolOwner, NoRewardToClaim,
        InternalSubsidyPoolCannotWithdraw. Events: Balances.Transfer, OwnerRewardsWithdrawn."""
        who = ensure_signed(origin)
        pool = self.load_owned_pool(who, pid)
        amount = pool.owner_reward
        if amount == 0:
            raise self.error("NoRewardToClaim")
        self._pay_from_subsidy(target, amount)
        pool.owner_reward = 0
        self.StakePools.insert(pid, pool)
        self.deposit_event("OwnerRewardsWithdrawn", pid=pid, user=who, amount=amount)

    @call(10, ("pid", U64), ("target", ACCOUNT))
    def claim_staker_rewards(self, origin: Origin, pid: int, target: bytes) -> None:
        """Pay the caller's staker rewards to `target`. Errors: PoolDoesNotExist,
        NoRewardToClaim (no stake record or nothing due), InternalSubsidyPoolCannotWithdraw.
        Events: Balances.Transfer, StakerRewardsWithdrawn."""
        who = ensure_signed(origin)
        pool = self.load_pool(pid)
        user = self.get_staker(pid, who)
        if user is None:
            raise self.error("NoRewardToClaim")
        settle_pending(pool, user)
        amount = user.available_rewards
        if amount == 0:
            raise self.error("NoRewardToClaim")
        self._pay_from_subsidy(target, amount)
        user.available_rewards = 0
        self.put_staker(pid, user)
        self.deposit_event("StakerRewardsWithdrawn", pid=pid, user=who, amount=amount)

    @call(11, ("pid", U64), ("target", ACCOUNT))
    def claim_rewards(self, origin: Origin, pid: int, target: bytes) -> None:
        """Pay the caller's commission (if owner) plus staker rewards to `target`. Errors:
        PoolDoesNotExist, NoRewardToClaim, InternalSubsidyPoolCannotWithdraw.
        Events: Balances.Transfer, RewardsWithdrawn."""
        who = ensure_signed(origin)
        pool = self.load_pool(pid)
        rewards = 0
        if who == pool.owner:
            rewards += pool.owner_reward
            pool.owner_reward = 0
        user = self.get_staker(pid, who)
        if user is not None:
            settle_pending(pool, user)
            rewards += user.available_rewards
            user.available_rewards = 0
        if rewards == 0:
            raise self.error("NoRewardToClaim")
        self._pay_from_subsidy(target, rewards)
        self.StakePools.insert(pid, pool)
        if user is not None:
            self.put_staker(pid, user)
        self.deposit_event("RewardsWithdrawn", pid=pid, user=who, amount=rewards)

    @call(12, ("pid", U64), ("amount", U128))
    def contribute(self, origin: Origin, pid: int, amount: int) -> None:
        """Stake `amount` planck of the caller's free balance into the pool (locked under
        `phala/sp`), then serve the withdraw queue. Errors in order: PoolDoesNotExist,
        NotInContributeWhitelist, InsufficientContribution, InsufficientBalance, PoolBankrupt,
        then StakeExceedsCapacity (after queue service). A pool total or ledger that would
        reach 2^64 planck is refused with Arithmetic.Overflow (the reference's fixed-point
        conversion panics there). Events: [slash], [Withdrawal…], Contribution."""
        who = ensure_signed(origin)
        pool = self.load_pool(pid)
        wl = self.PoolContributionWhitelists.get(pid)
        if wl is not None and who not in wl and who != pool.owner:
            raise self.error("NotInContributeWhitelist")
        if amount < self.config.min_contribution:
            raise self.error("InsufficientContribution")
        if self.balances().free_balance(who) - self.ledger_query(who) < amount:
            raise self.error("InsufficientBalance")
        if not (pool.total_shares == 0 or pool.total_stake > 0):
            raise self.error("PoolBankrupt")
        user = self.get_staker(pid, who)
        if user is not None:
            settle_pending(pool, user)
            self.maybe_settle_slash(pool, user)
        else:
            user = UserStakeInfo(who)
        shares = self.add_stake_checked(pool, user, amount)
        self.put_staker(pid, user)
        self.ledger_accrue(who, amount)
        self.try_process_withdraw_queue(pool)
        if pool.cap is not None and pool.total_stake > pool.cap:
            raise self.error("StakeExceedsCapacity")
        self.StakePools.insert(pid, pool)
        self.deposit_event("Contribution", pid=pid, user=who, amount=amount, shares=shares)

    @staticmethod
    def add_stake_checked(pool: PoolInfo, user: UserStakeInfo, amount: int) -> int:
        """`add_stake`, refusing (BalanceOutOfRange) totals that could no longer be priced."""
        shares = add_stake(pool, user, amount)
        ensure_convertible(pool)
        return shares

    @call(13, ("pid", U64), ("shares", U128))
    def withdraw(self, origin: Origin, pid: int, shares: int) -> None:
        """Withdraw `shares` (not planck): paid now as far as free stake allows, the rest
        queued. Errors in order: PoolStakeNotFound, InvalidWithdrawalAmount (dust or more
        than held), PoolDoesNotExist. Events: [slash/dust], [Withdrawal], [WithdrawalQueued]."""
        who = ensure_signed(origin)
        user = self.get_staker(pid, who)
        if user is None:
            raise self.error("PoolStakeNotFound")
        if not (is_nondust(shares) and shares <= user.shares):
            raise self.error("InvalidWithdrawalAmount")
        pool = self.load_pool(pid)
        self.try_withdraw(pool, user, shares)
        self.StakePools.insert(pid, pool)
        self.put_staker(pid, user)

    @call(18, ("pid", U64), ("account", ACCOUNT))
    def reconcile_withdraw_queue(self, origin: Origin, pid: int, account: bytes) -> None:
        """Anyone: shrink (or delete, when nothing non-dust is left) the first queued request
        of `account` that asks for more shares than it holds. Errors: PoolDoesNotExist,
        PoolStakeNotFound. No event."""
        ensure_signed(origin)
        pool = self.load_pool(pid)
        user = self.get_staker(pid, account)
        if user is None:
            raise self.error("PoolStakeNotFound")
        available, _ = extract_dust(user.shares)
        for i, req in enumerate(pool.withdraw_queue):
            if req.user == account and req.shares > available:
                if available == 0:
                    del pool.withdraw_queue[i]
                else:
                    req.shares = available
                self.StakePools.insert(pid, pool)
                return
