"""The stake ledger and its `phala/sp` balances lock (stake_pool.md §9), and the slash
settlement that touches balances (§10.3).

Slashed funds and removed dust are taken with `Balances.slash`, which reduces total
issuance: the emulator burns them, as the reference test runtime does (`OnSlashed = ()`);
production hands them to the Treasury instead.
"""

from __future__ import annotations

from .declarations import StakePoolBase
from .pool_math import BALANCE_MAX, settle_slash
from .types import LOCK_ID, PoolInfo, UserStakeInfo, is_nondust


class LedgerOps(StakePoolBase):
    def ledger_query(self, who: bytes) -> int:
        """Total stake `who` has locked across all pools (0 when never staked)."""
        return int(self.StakeLedger.get(who) or 0)

    def ledger_accrue(self, who: bytes, amount: int) -> None:
        """Grow the ledger (saturating) and the lock with it."""
        b = min(self.ledger_query(who) + amount, BALANCE_MAX)
        self.StakeLedger.insert(who, b)
        self._update_lock(who, b)

    def ledger_reduce(self, who: bytes, amount: int, dust: int) -> None:
        """Shrink the ledger by `amount + dust` (saturating at 0; the entry stays, even at 0),
        update the lock, then slash `dust` from the free balance (`DustRemoved`)."""
        b = max(0, self.ledger_query(who) - amount - dust)
        self.StakeLedger.insert(who, b)
        self._update_lock(who, b)
        if dust != 0:
            self._remove_dust(who, dust)

    def _update_lock(self, who: bytes, amount: int) -> None:
        if amount == 0:
            self.balances().remove_lock(LOCK_ID, who)
        else:
            self.balances().set_lock(LOCK_ID, who, amount, reasons="All")

    def _remove_dust(self, who: bytes, dust: int) -> None:
        actual = self.balances().slash(who, dust)   # Balances.Slashed; burned (see module doc)
        self.deposit_event("DustRemoved", user=who, amount=actual)

    def maybe_settle_slash(self, pool: PoolInfo, user: UserStakeInfo) -> None:
        """Apply a pending pool slash to the user: a non-dust loss is slashed from the user's
        balance and ledger (`Balances.Slashed`, `SlashSettled`); a dust loss only lowers
        `user.locked` (the ledger keeps the old figure, §10.3 quirk)."""
        lost = settle_slash(pool, user)
        if lost is not None and is_nondust(lost):
            actual = self.balances().slash(user.user, lost)
            self.ledger_reduce(user.user, actual, 0)
            self.deposit_event("SlashSettled", pid=pool.pid, user=user.user, amount=actual)
