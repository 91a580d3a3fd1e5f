"""Withdrawal machinery (stake_pool.md §11): immediate and queued withdrawals, queue service,
the end-of-block forced stop and the return of reclaimed stake."""

from __future__ import annotations

from runtime.dispatch import DispatchError
from runtime.ints import ArithmeticUnderflow

from .ledger import LedgerOps
from .pool_math import (
    BALANCE_MAX,
    BalanceOutOfRange,
    div_price,
    has_expired_withdrawal,
    remove_stake,
    reset_pending,
    settle_pending,
    share_price,
    slash_pool,
)
from .types import PoolInfo, UserStakeInfo, WithdrawInfo, extract_dust, is_nondust, pool_sub_account


class WithdrawOps(LedgerOps):
    def _remove_and_pay(self, pool: PoolInfo, user: UserStakeInfo, shares: int) -> None:
        """Settle any slash, burn `shares` from free stake, shrink the ledger and emit
        `Withdrawal`. Raises `ArithmeticUnderflow` (changing nothing) where the reference's
        `remove_stake(...).expect(..)` would panic."""
        self.maybe_settle_slash(pool, user)
        removed = remove_stake(pool, user, shares)
        if removed is None:
            raise ArithmeticUnderflow(
                f"cannot remove {shares} shares from a staker holding {user.shares}")
        amount, dust, removed_shares = removed
        self.ledger_reduce(user.user, amount, dust)
        self.deposit_event("Withdrawal", pid=pool.pid, user=user.user, amount=amount,
                           shares=removed_shares)

    def try_withdraw(self, pool: PoolInfo, user: UserStakeInfo, shares: int) -> None:
        """Withdraw what free stake can pay now; queue the rest (one request per user, replacing
        an older one). Dust parts are not withdrawn / not queued (§11.1)."""
        settle_pending(pool, user)
        price = share_price(pool)
        free_shares = div_price(pool.free_stake, price) if price else shares
        withdrawing, _ = extract_dust(min(shares, free_shares))
        queued, _ = extract_dust(shares - withdrawing)
        if withdrawing > 0:
            self._remove_and_pay(pool, user, withdrawing)
        if queued > 0:
            now = self.now()
            pool.withdraw_queue = [r for r in pool.withdraw_queue if r.user != user.user]
            pool.withdraw_queue.append(WithdrawInfo(user.user, queued, now))
            self.maybe_add_withdraw_queue(now, pool.pid)
            self.deposit_event("WithdrawalQueued", pid=pool.pid, user=user.user, shares=queued)
        reset_pending(pool, user)

    def maybe_add_withdraw_queue(self, t: int, pid: int) -> None:
        """Record that `pid` has a request queued at second `t` (for the forced stop)."""
        ts = self.WithdrawalTimestamps.get()
        if not ts or ts[-1] < t:
            ts.append(t)
        self.WithdrawalTimestamps.put(ts)
        pools = self.WithdrawalQueuedPools.get(t)
        if pools is None:
            self.WithdrawalQueuedPools.insert(t, [pid])
        elif pid not in pools:
            pools.append(pid)
            self.WithdrawalQueuedPools.insert(t, pools)

    def try_process_withdraw_queue(self, pool: PoolInfo) -> None:
        """Serve queued requests front to back from non-dust free stake, at the price of the
        moment the service starts. A partly served front request keeps its start time."""
        price = share_price(pool)
        if price is None:
            return
        while is_nondust(pool.free_stake) and pool.withdraw_queue:
            req = pool.withdraw_queue[0]
            user = self.get_staker(pool.pid, req.user)
            if user is None:
                pool.withdraw_queue.pop(0)
                continue
            settle_pending(pool, user)
            free_shares = req.shares if price == 0 else div_price(pool.free_stake, price)
            take = min(free_shares, req.shares)
            self._remove_and_pay(pool, user, take)
            rest, _ = extract_dust(req.shares - take)
            reset_pending(pool, user)
            self.put_staker(pool.pid, user)
            if rest == 0:
                pool.withdraw_queue.pop(0)
            else:
                req.shares = rest

    def handle_reclaim(self, pid: int, original_stake: int, slashed: int) -> None:
        """Return a reclaimed miner's stake to the pool (minus `slashed`, which also slashes
        the pool, `PoolSlashed`) and serve the queue. Public as the test hook of §13.3."""
        pool = self.load_pool(pid)
        returned = original_stake - slashed
        if slashed != 0:
            slash_pool(pool, slashed)
            self.deposit_event("PoolSlashed", pid=pid, amount=slashed)
        pool.free_stake = min(pool.free_stake + returned, BALANCE_MAX)
        pool.releasing_stake = max(0, pool.releasing_stake - returned)
        self.try_process_withdraw_queue(pool)
        self.StakePools.insert(pid, pool)

    def maybe_force_withdraw(self, now: int) -> None:
        """Examine each withdrawal bucket once, on the first block it is older than the grace
        period; stop every worker of a pool whose uncovered request has expired (§11.4).

        Each stop runs in its own storage layer so a failing stop leaves no partial writes;
        its error is ignored, as in the reference."""
        ts = self.WithdrawalTimestamps.get()
        if not ts:
            return
        grace = self.config.grace_period_sec
        while ts:
            t0 = ts[0]
            if now - t0 <= grace:
                break
            pids = self.WithdrawalQueuedPools.take(t0) or []
            for pid in pids:
                pool = self.StakePools.get(pid)
                if pool is not None and self._expired(pool, now, grace):
                    for worker in pool.workers:
                        self._force_stop(pool_sub_account(pid, worker))
            ts.pop(0)
        self.WithdrawalTimestamps.put(ts)

    @staticmethod
    def _expired(pool: PoolInfo, now: int, grace: int) -> bool:
        try:
            return has_expired_withdrawal(pool, now, grace)
        except BalanceOutOfRange:
            return False    # unreachable: contributions keep pool totals convertible

    def _force_stop(self, miner: bytes) -> None:
        try:
            with self.rt.transactional():
                self.mining().stop_mining(miner)
        except DispatchError:
            pass
