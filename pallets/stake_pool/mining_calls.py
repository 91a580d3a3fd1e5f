"""Calls that drive the pool's miners (stake_pool.md §12.14 – §12.17, §12.19). Mining
pallet errors pass through unchanged."""

from __future__ import annotations

from runtime.codec import BOOL, PUBKEY, U64, U128
from runtime.dispatch import Origin, ensure_root, ensure_signed
from runtime.pallet import call

from .staking_calls import StakingCalls
from .types import pool_sub_account


class MiningCalls(StakingCalls):
    def do_start_mining(self, who: bytes, pid: int, worker: bytes, stake: int) -> None:
        pool = self.load_owned_pool(who, pid)
        if pool.free_stake < stake:
            raise self.error("InsufficientFreeStake")
        if worker not in pool.workers:
            raise self.error("WorkerDoesNotExist")
        self.mining().start_mining(pool_sub_account(pid, worker), stake)
        pool.free_stake -= stake
        self.StakePools.insert(pid, pool)
        self.deposit_event("MiningStarted", pid=pid, worker=worker, amount=stake)

    def do_stop_mining(self, who: bytes, pid: int, worker: bytes) -> None:
        if not self.mining_enabled():
            raise self.error("FeatureNotEnabled")
        pool = self.load_owned_pool(who, pid)
        if worker not in pool.workers:
            raise self.error("WorkerDoesNotExist")
        # The stake moves to releasing_stake through `on_stopped`; the pool is not rewritten.
        self.mining().stop_mining(pool_sub_account(pid, worker))

    def do_reclaim(self, pid: int, worker: bytes, check_cooldown: bool) -> int:
        orig, slashed = self.mining().reclaim(pool_sub_account(pid, worker), check_cooldown)
        self.handle_reclaim(pid, orig, slashed)
        self.deposit_event("WorkerReclaimed", pid=pid, worker=worker, original_stake=orig)
        return int(orig) - int(slashed)

    @call(14, ("pid", U64), ("worker", PUBKEY), ("stake", U128))
    def start_mining(self, origin: Origin, pid: int, worker: bytes, stake: int) -> None:
        """Owner: start `worker` mining with `stake` of the pool's free stake (MiningEnabled is
        not checked). Errors: PoolDoesNotExist, UnauthorizedPoolOwner, InsufficientFreeStake,
        WorkerDoesNotExist, then mining errors. Events: Mining.MinerStarted, MiningStarted."""
        self.do_start_mining(ensure_signed(origin), pid, worker, stake)

    @call(15, ("pid", U64), ("worker", PUBKEY))
    def stop_mining(self, origin: Origin, pid: int, worker: bytes) -> None:
        """Owner: stop `worker`; its stake becomes releasing stake. Errors: FeatureNotEnabled
        (first), PoolDoesNotExist, UnauthorizedPoolOwner, WorkerDoesNotExist, then mining
        errors. Event: Mining.MinerStopped."""
        self.do_stop_mining(ensure_signed(origin), pid, worker)

    @call(16, ("pid", U64), ("worker", PUBKEY))
    def reclaim_pool_worker(self, origin: Origin, pid: int, worker: bytes) -> None:
        """Anyone: after the cool-down, return the worker's stake to the pool and serve the
        queue (the worker need not be in the pool any more). Errors: PoolDoesNotExist,
        Mining.MinerNotFound, Mining.CoolDownNotReady. Events: Mining.MinerReclaimed,
        [PoolSlashed], [Withdrawal…], WorkerReclaimed."""
        ensure_signed(origin)
        self.load_pool(pid)
        self.do_reclaim(pid, worker, True)

    @call(17, ("enable", BOOL))
    def set_mining_enable(self, origin: Origin, enable: bool) -> None:
        """Root: switch owner-initiated stops (stop_mining / restart_mining) on or off."""
        ensure_root(origin)
        self.MiningEnabled.put(enable)

    @call(19, ("pid", U64), ("worker", PUBKEY), ("stake", U128))
    def restart_mining(self, origin: Origin, pid: int, worker: bytes, stake: int) -> None:
        """Owner: stop, immediately reclaim and restart `worker` with a larger `stake`.
        Errors: PoolDoesNotExist, InsufficientFreeStake (no free stake), the stop errors,
        Mining.MinerNotFound, CannotRestartWithLessStake (stake ≤ returned), the start errors.
        Events: MinerStopped, MinerReclaimed, [queue], WorkerReclaimed, MinerStarted,
        MiningStarted."""
        who = ensure_signed(origin)
        pool = self.load_pool(pid)
        if pool.free_stake == 0:
            raise self.error("InsufficientFreeStake")
        self.do_stop_mining(who, pid, worker)
        returned = self.do_reclaim(pid, worker, False)
        if stake <= returned:
            raise self.error("CannotRestartWithLessStake")
        self.do_start_mining(who, pid, worker, stake)
