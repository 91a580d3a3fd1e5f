"""Pool administration calls (stake_pool.md §12.0 – §12.7): creation, workers, cap,
commission, whitelist and description. Every check raises before any write."""

from __future__ import annotations

from pallets.mining.types import MinerState
from runtime.codec import ACCOUNT, PERMILL, PUBKEY, U64, U128
from runtime.dispatch import DispatchError, Origin, ensure_signed
from runtime.pallet import call

from .types import DESCRIPTION, DESCRIPTION_MAX_LEN, WHITELIST_MAX_LEN, PoolInfo, pool_sub_account
from .withdraw import WithdrawOps


class PoolCalls(WithdrawOps):
    @call(0)
    def create(self, origin: Origin) -> None:
        """Create a pool owned by the caller, with the next pid. Event `PoolCreated`."""
        who = ensure_signed(origin)
        pid = self.PoolCount.get()
        self.StakePools.insert(pid, PoolInfo(pid=pid, owner=who))
        self.PoolCount.put(pid + 1)
        self.deposit_event("PoolCreated", owner=who, pid=pid)

    @call(1, ("pid", U64), ("pubkey", PUBKEY))
    def add_worker(self, origin: Origin, pid: int, pubkey: bytes) -> None:
        """Bind a registered, benchmarked worker operated by the caller to the caller's pool.
        Errors in order: WorkerNotRegistered, UnauthorizedOperator, BenchmarkMissing,
        PoolDoesNotExist, UnauthorizedPoolOwner, WorkerExists, WorkersExceedLimit,
        FailedToBindMinerAndWorker. Events: Mining.MinerBound, PoolWorkerAdded."""
        who = ensure_signed(origin)
        info = self.rt["PhalaRegistry"].Workers.get(pubkey)
        if info is None:
            raise self.error("WorkerNotRegistered")
        if info.operator != who:
            raise self.error("UnauthorizedOperator")
        if info.initial_score is None:
            raise self.error("BenchmarkMissing")
        pool = self.load_owned_pool(who, pid)
        if pubkey in pool.workers:
            raise self.error("WorkerExists")
        if len(pool.workers) + 1 > self.config.max_pool_workers:
            raise self.error("WorkersExceedLimit")
        miner = pool_sub_account(pid, pubkey)
        try:
            self.mining().bind(miner, pubkey)
        except DispatchError:
            raise self.error("FailedToBindMinerAndWorker") from None
        self.SubAccountPreimages.insert(miner, (pid, pubkey))
        pool.workers.append(pubkey)
        self.StakePools.insert(pid, pool)
        self.WorkerAssignments.insert(pubkey, pid)
        self.deposit_event("PoolWorkerAdded", pid=pid, worker=pubkey, miner=miner)

    @call(2, ("pid", U64), ("worker", PUBKEY))
    def remove_worker(self, origin: Origin, pid: int, worker: bytes) -> None:
        """Unbind a `Ready` worker from the caller's pool. Errors in order: PoolDoesNotExist,
        UnauthorizedPoolOwner, WorkerDoesNotExist, WorkerInAnotherPool, MinerDoesNotExist,
        WorkerIsNotReady, then mining errors. Events: Mining.MinerUnbound, PoolWorkerRemoved."""
        who = ensure_signed(origin)
        self.load_owned_pool(who, pid)
        assigned = self.WorkerAssignments.get(worker)
        if assigned is None:
            raise self.error("WorkerDoesNotExist")
        if assigned != pid:
            raise self.error("WorkerInAnotherPool")
        sub = pool_sub_account(pid, worker)
        miner = self.mining().Miners.get(sub)
        if miner is None:
            raise self.error("MinerDoesNotExist")
        if miner.state != MinerState.Ready:
            raise self.error("WorkerIsNotReady")
        self.mining().unbind_miner(sub, False)
        self.remove_worker_from_pool(worker)

    def remove_worker_from_pool(self, worker: bytes) -> None:
        """Drop the worker's assignment and its entry in the pool list; `PoolWorkerRemoved`."""
        pid = self.WorkerAssignments.take(worker)
        if pid is None:
            return
        pool = self.StakePools.get(pid)
        if pool is not None:
            pool.workers = [w for w in pool.workers if w != worker]
            self.StakePools.insert(pid, pool)
            self.deposit_event("PoolWorkerRemoved", pid=pid, worker=worker)

    @call(3, ("pid", U64), ("cap", U128))
    def set_cap(self, origin: Origin, pid: int, cap: int) -> None:
        """Set the pool's stake cap (never below the current total stake: InadequateCapacity).
        Event `PoolCapacitySet`."""
        who = ensure_signed(origin)
        pool = self.load_owned_pool(who, pid)
        if pool.total_stake > cap:
            raise self.error("InadequateCapacity")
        pool.cap = cap
        self.StakePools.insert(pid, pool)
        self.deposit_event("PoolCapacitySet", pid=pid, cap=cap)

    @call(4, ("pid", U64), ("payout_commission", PERMILL))
    def set_payout_pref(self, origin: Origin, pid: int, payout_commission: int) -> None:
        """Set the owner's commission on future rewards. Event `PoolCommissionSet`."""
        who = ensure_signed(origin)
        pool = self.load_owned_pool(who, pid)
        pool.payout_commission = payout_commission
        self.StakePools.insert(pid, pool)
        self.deposit_event("PoolCommissionSet", pid=pid, commission=payout_commission)

    @call(5, ("pid", U64), ("staker", ACCOUNT))
    def add_staker_to_whitelist(self, origin: Origin, pid: int, staker: bytes) -> None:
        """Add `staker` to the pool's contribution whitelist, creating it if needed
        (`PoolWhitelistCreated` first). Errors: AlreadyInContributeWhitelist,
        ExceedWhitelistMaxLen. Event `PoolWhitelistStakerAdded`."""
        who = ensure_signed(origin)
        self.load_owned_pool(who, pid)
        wl = self.PoolContributionWhitelists.get(pid)
        if wl is None:
            self.PoolContributionWhitelists.insert(pid, [staker])
            self.deposit_event("PoolWhitelistCreated", pid=pid)
        else:
            if staker in wl:
                raise self.error("AlreadyInContributeWhitelist")
            if len(wl) >= WHITELIST_MAX_LEN:
                raise self.error("ExceedWhitelistMaxLen")
            wl.append(staker)
            self.PoolContributionWhitelists.insert(pid, wl)
        self.deposit_event("PoolWhitelistStakerAdded", pid=pid, staker=staker)

    @call(6, ("pid", U64), ("description", DESCRIPTION))
    def set_pool_description(self, origin: Origin, pid: int, description: bytes) -> None:
        """Store the pool's description (≤ 4400 bytes; a longer one never decodes, and is
        reported as ExceedMaxDescriptionLen when passed directly). No event."""
        who = ensure_signed(origin)
        self.load_owned_pool(who, pid)
        if len(description) > DESCRIPTION_MAX_LEN:
            raise self.error("ExceedMaxDescriptionLen")
        self.PoolDescriptions.insert(pid, bytes(description))

    @call(7, ("pid", U64), ("staker", ACCOUNT))
    def remove_staker_from_whitelist(self, origin: Origin, pid: int, staker: bytes) -> None:
        """Remove `staker` from the whitelist; deleting an emptied list reopens the pool.
        Errors: NoWhitelistCreated, NotInContributeWhitelist. Events:
        `PoolWhitelistStakerRemoved` [, `PoolWhitelistDeleted`]."""
        who = ensure_signed(origin)
        self.load_owned_pool(who, pid)
        wl = self.PoolContributionWhitelists.get(pid)
        if wl is None:
            raise self.error("NoWhitelistCreated")
        if staker not in wl:
            raise self.error("NotInContributeWhitelist")
        wl.remove(staker)
        if wl:
            self.PoolContributionWhitelists.insert(pid, wl)
            self.deposit_event("PoolWhitelistStakerRemoved", pid=pid, staker=staker)
        else:
            self.PoolContributionWhitelists.remove(pid)
            self.deposit_event("PoolWhitelistStakerRemoved", pid=pid, staker=staker)
            self.deposit_event("PoolWhitelistDeleted", pid=pid)
