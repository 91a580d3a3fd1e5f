"""The mining pallet's internal API, used by the stake pool (mining.md §5).

Every function checks in the reference's order and raises the first failing check's
error before writing anything; the caller's storage layer undoes partial effects of a
later failure (e.g. an error raised by a callback).
"""

from __future__ import annotations

from pallets.mining.formulas import minimal_stake, ve
from pallets.mining.storage import MiningStorage
from pallets.mining.types import (
    SUBSIDY_POOL_ACCOUNT,
    TREASURY_ACCOUNT,
    Benchmark,
    MinerInfo,
    MinerState,
    MinerStats,
)

_U32_MASK = (1 << 32) - 1
_BALANCE_LIMIT = 1 << 64  # to_fixed is only defined below 2^64 planck


class MiningApi(MiningStorage):
    def bind(self, miner: bytes, pubkey: bytes) -> None:
        """Bind `miner` to the registered, benchmarked worker `pubkey` (§5.1); (re)creates
        the miner record in Ready. Errors, in order: WorkerNotRegistered, BenchmarkMissing,
        DuplicateBoundMiner, DuplicateBoundWorker, MinerNotReady. Event MinerBound."""
        worker = self.rt["PhalaRegistry"].Workers.get(pubkey)
        if worker is None:
            raise self.error("WorkerNotRegistered")
        if worker.initial_score is None:
            raise self.error("BenchmarkMissing")
        if self.MinerBindings.contains(miner):
            raise self.error("DuplicateBoundMiner")
        if self.WorkerBindings.contains(pubkey):
            raise self.error("DuplicateBoundWorker")
        existing = self.Miners.get(miner)
        if existing is not None and existing.state != MinerState.Ready:
            raise self.error("MinerNotReady")  # e.g. still cooling down
        now = self.now_sec()
        self.MinerBindings.insert(miner, pubkey)
        self.WorkerBindings.insert(pubkey, miner)
        self.Miners.insert(miner, MinerInfo(
            state=MinerState.Ready, ve=0, v=0, v_updated_at=now,
            benchmark=Benchmark(mining_start_time=now), cool_down_start=0,
            stats=MinerStats()))
        self.deposit_event("MinerBound", miner=miner, worker=pubkey)

    def unbind_miner(self, miner: bytes, notify: bool) -> None:
        """Remove both bindings of `miner` (§5.2), stopping it first if it is mining.
        Errors: MinerNotBound, then stop_mining's. Event MinerUnbound; with `notify`,
        `callbacks.on_unbound(worker, force)`. The miner record and stake stay."""
        worker = self.ensure_miner_bound(miner)
        info = self.Miners.get(miner)
        assert info is not None, "a bound miner always has a record"
        force = not info.state.can_unbind()
        if force:
            self.stop_mining(miner)
        self.MinerBindings.remove(miner)
        self.WorkerBindings.remove(worker)
        self.deposit_event("MinerUnbound", miner=miner, worker=worker)
        if notify and self.callbacks is not None:
            self.callbacks.on_unbound(worker, force)

    def start_mining(self, miner: bytes, stake: int) -> None:
        """Start a Ready miner with `stake` planck (already locked by the caller) (§5.3).

        Errors, in order: MinerNotFound (no binding), MinerNotReady,
        InternalErrorCannotStartWithExistingStake, BenchmarkMissing, BenchmarkTooLow,
        InternalErrorBadTokenomicParameters, InsufficientStake, TooMuchStake (also for a
        stake ≥ 2^64 planck, outside the reference's conversion range). Pushes
        WorkerEvent::Started with a fresh session id; event MinerStarted."""
        worker = self.MinerBindings.get(miner)
        if worker is None:
            raise self.error("MinerNotFound")
        info = self.Miners.get(miner)
        if info is None or info.state != MinerState.Ready:
            raise self.error("MinerNotReady")
        if self.Stakes.contains(miner):
            raise self.error("InternalErrorCannotStartWithExistingStake")
        registered = self.rt["PhalaRegistry"].Workers.get(worker)
        p = None if registered is None else registered.initial_score
        if p is None:
            raise self.error("BenchmarkMissing")
        if p < self.rt.config.mining.min_init_p:
            raise self.error("BenchmarkTooLow")
        params = self.tokenomic_parameters()
        if params is None:
            raise self.error("InternalErrorBadTokenomicParameters")
        if stake < minimal_stake(params.k, p):
            raise self.error("InsufficientStake")
        if stake >= _BALANCE_LIMIT:
            raise self.error("TooMuchStake")  # the reference's to_fixed would overflow
        init_v = ve(stake, p, registered.confidence_level, params)
        if init_v > params.v_max:
            raise self.error("TooMuchStake")

        now = self.now_sec()
        self.Stakes.insert(miner, stake)
        info.state = MinerState.MiningIdle
        info.ve = info.v = init_v
        info.v_updated_at = now
        info.benchmark.p_init = p  # the rest of the benchmark survives from the last session
        self.Miners.insert(miner, info)
        self.OnlineMiners.put(self.OnlineMiners.get() + 1)
        session_id = self.NextSessionId.get()
        self.NextSessionId.put((session_id + 1) & _U32_MASK)
        self.push_worker_event(worker, "Started", {
            "session_id": session_id, "init_v": init_v, "init_p": p})
        self.deposit_event("MinerStarted", miner=miner, init_v=init_v, init_p=p)

    def stop_mining(self, miner: bytes) -> None:
        """Move a mining miner to MiningCoolingDown (§5.4). Errors, in order: MinerNotBound,
        MinerNotFound, MinerNotMining. Calls `callbacks.on_stopped(worker, stake, 0)`,
        pushes WorkerEvent::Stopped; event MinerStopped. The stake stays until reclaim."""
        worker = self.ensure_miner_bound(miner)
        info = self.Miners.get(miner)
        if info is None:
            raise self.error("MinerNotFound")
        if info.state in (MinerState.Ready, MinerState.MiningCoolingDown):
            raise self.error("MinerNotMining")
        info.state = MinerState.MiningCoolingDown
        info.cool_down_start = self.now_sec()
        self.Miners.insert(miner, info)
        self.OnlineMiners.put(self.OnlineMiners.get() - 1)
        orig = self.Stakes.get(miner) or 0
        slashed = 0  # stake slashing is disabled in v1 (calc_final_stake)
        if self.callbacks is not None:
            self.callbacks.on_stopped(worker, orig, slashed)
        self.push_worker_event(worker, "Stopped")
        self.deposit_event("MinerStopped", miner=miner)

    def reclaim(self, miner: bytes, check_cooldown: bool) -> tuple[int, int]:
        """Return a cooled-down miner to Ready and release its stake record (§5.5).
        Errors: MinerNotFound; CoolDownNotReady when not cooling down or (if checked)
        `now − cool_down_start < CoolDownPeriod`. Event MinerReclaimed.
        Returns `(original_stake, slashed = 0)`; the miner need not be bound."""
        info = self.Miners.get(miner)
        if info is None:
            raise self.error("MinerNotFound")
        if info.state != MinerState.MiningCoolingDown or (
                check_cooldown
                and self.now_sec() - info.cool_down_start < self.CoolDownPeriod.get()):
            raise self.error("CoolDownNotReady")
        info.state = MinerState.Ready
        info.cool_down_start = 0
        self.Miners.insert(miner, info)
        orig = self.Stakes.take(miner) or 0
        slashed = 0
        self.deposit_event("MinerReclaimed", miner=miner, original_stake=orig, slashed=slashed)
        return orig, slashed

    def withdraw_subsidy_pool(self, target: bytes, amount: int) -> None:
        """Pay `amount` from the subsidy pool to `target`, keeping the pool alive (§5.6);
        errors come from Balances."""
        self.rt["Balances"].transfer(SUBSIDY_POOL_ACCOUNT, target, amount, True)

    def withdraw_imbalance_from_subsidy_pool(self, amount: int) -> None:
        """Move `amount` from the subsidy pool (allow death) to the treasury account; errors
        come from Balances. Emulator: the reference's `OnTreasurySettled` is Treasury, so
        the imbalance is deposited to Treasury's account and issuance is conserved."""
        balances = self.rt["Balances"]
        # WithdrawReasons::TRANSFER is checked against misc_frozen ("Misc")
        balances.withdraw(SUBSIDY_POOL_ACCOUNT, amount, True, "Misc")
        balances.deposit_creating(TREASURY_ACCOUNT, amount)
