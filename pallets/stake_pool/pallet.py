"""`PhalaStakePool`: the calls (see pool_calls, staking_calls, mining_calls) plus the mining
pallet's callbacks (stake_pool.md §13.1), the end-of-block hook, genesis and try_state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from runtime.fixed import from_fixed

from . import invariants
from .mining_calls import MiningCalls
from .pool_math import BALANCE_MAX, handle_pool_new_reward


class PhalaStakePool(MiningCalls):
    """Phala's v1 StakePool pallet, bit-exact to the reference (stake_pool.md)."""

    # -- genesis and hooks ---------------------------------------------------------------------

    def genesis_build(self, cfg: Mapping[str, Any] | None = None) -> None:
        """Write `MiningEnabled` from the genesis `stake_pool.mining_enabled` (default: the
        runtime config's `mining_enabled_by_default`)."""
        enabled = (cfg or {}).get("mining_enabled", self.config.mining_enabled_by_default)
        self.MiningEnabled.put(bool(enabled))

    def on_finalize(self, n: int) -> None:
        """Force-stop the workers of pools with withdrawals expired past the grace period."""
        self.maybe_force_withdraw(self.now())

    def try_state(self) -> None:
        """Every §14 invariant (see `invariants`); AssertionError names the broken one."""
        for check in invariants.ALL_CHECKS:
            check(self)

    # -- callbacks from the mining pallet (§13.1) ----------------------------------------------

    def on_reward(self, settle: Iterable[Any]) -> None:
        """Book each settlement's payout to its worker's pool. At the first worker not in a
        pool: `RewardDismissedNotInPool` and the rest of the list is dropped (reference quirk).
        """
        for info in settle:
            reward = from_fixed(info.payout)
            pid = self.WorkerAssignments.get(info.pubkey)
            if pid is None:
                self.deposit_event("RewardDismissedNotInPool", worker=info.pubkey,
                                   amount=reward)
                return
            pool = self.load_pool(pid)
            self.emit_all(handle_pool_new_reward(pool, reward))
            self.StakePools.insert(pid, pool)

    def on_unbound(self, worker: bytes, force: bool) -> None:
        """The worker was unbound through the mining pallet: drop it from its pool
        (`PoolWorkerRemoved`). Its stake, if any, returns on `reclaim_pool_worker`."""
        self.remove_worker_from_pool(worker)

    def on_stopped(self, worker: bytes, original_stake: int, slashed: int) -> None:
        """A miner of a pool stopped: `releasing_stake += original_stake - slashed`.
        A worker in no pool is ignored (the reference would panic). Accepts `slashed > 0`
        as the §13.3 test hook."""
        pid = self.WorkerAssignments.get(worker)
        if pid is None:
            return
        pool = self.load_pool(pid)
        returned = max(0, original_stake - slashed)
        pool.releasing_stake = min(pool.releasing_stake + returned, BALANCE_MAX)
        self.StakePools.insert(pid, pool)
