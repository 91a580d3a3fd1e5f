"""The block hook and the message handlers (mining.md §6).

Handlers are called by the message queue for every dispatched message; each returns
silently when the topic is not its own or the payload does not decode, and raises a
DispatchError (which the queue swallows) when the reference returns an error.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pallets.messages import (
    MINING_REPORT_TOPIC,
    MINING_UPDATE_TOPIC,
    SYSTEM_EVENT,
    SYSTEM_EVENT_TOPIC,
    WORKING_INFO_UPDATE_EVENT,
    WORKING_REPORT_EVENT,
    HeartbeatChallenge,
    SettleInfo,
    WorkingInfoUpdateEvent,
    decode_payload,
)
from pallets.mining.api import MiningApi
from pallets.mining.formulas import TokenomicParams
from pallets.mining.gk_formulas import pow_target
from pallets.mining.types import BenchmarkTimingError, MinerState
from runtime.codec import Variant
from runtime.dispatch import DispatchError, Other
from runtime.fixed import from_fixed, fx_mul
from runtime.hashing import blake2_256

RANDOMNESS_SUBJECT = b"PhalaPoW"
DEFAULT_EXPECTED_HEARTBEAT_COUNT = 20
HALVING_FACTOR = 3 << 62  # 0.75 in U64F64, exact
_U32_MASK = (1 << 32) - 1


def heartbeat_challenge(seed: int, online_target: int) -> bytes:
    """SCALE of `SystemEvent::HeartbeatChallenge { seed, online_target }`."""
    return SYSTEM_EVENT.encode(Variant("HeartbeatChallenge",
                                       HeartbeatChallenge(seed, online_target)))


class MiningHandlers(MiningApi):
    # -- on_finalize (§6.1) -----------------------------------------------------------------
    def heartbeat_seed(self) -> int:
        """Emulator randomness: `blake2_256(b"PhalaPoW" ++ parent_hash)` as a big-endian
        U256 (the reference uses collective-flip randomness)."""
        parent_hash = bytes(self.rt["System"].ParentHash.get())
        return int.from_bytes(blake2_256(RANDOMNESS_SUBJECT + parent_hash), "big")

    def on_finalize(self, n: int) -> None:
        """Every block: push the heartbeat challenge; apply a scheduled tokenomic update;
        halve the budget at blocks S+I−1, S+2I−1, … when a halving interval is set."""
        count = self.ExpectedHeartbeatCount.get()
        num_tx = DEFAULT_EXPECTED_HEARTBEAT_COUNT if count is None else count
        online_target = pow_target(num_tx, self.OnlineMiners.get(),
                                   self.rt.config.mining.expected_block_time_sec)
        self.push_message(SYSTEM_EVENT_TOPIC,
                          heartbeat_challenge(self.heartbeat_seed(), online_target))

        scheduled = self.ScheduledTokenomicUpdate.take()
        if scheduled is not None:
            self.update_tokenomic_parameters(scheduled)

        interval = self.MiningHalvingInterval.get()
        if interval is not None:
            start = self.MiningStartBlock.get() or 0
            elapsed = (n - start) & _U32_MASK  # BlockNumber arithmetic wraps (release build)
            if interval > 0 and elapsed % interval == interval - 1:
                self.trigger_subsidy_halving()

    def update_tokenomic_parameters(self, params: TokenomicParams) -> None:
        """Put the parameters in force, tell the Gatekeeper, event TokenomicParametersChanged."""
        self.TokenomicParameters.put(params)
        self.push_tokenomic_parameters_changed(params)
        self.deposit_event("TokenomicParametersChanged")

    def trigger_subsidy_halving(self) -> None:
        """`budget_per_block *= 0.75`, event SubsidyBudgetHalved, then the update; without
        parameters, event InternalErrorWrongHalvingConfigured instead."""
        params = self.tokenomic_parameters()
        if params is None:
            self.deposit_event("InternalErrorWrongHalvingConfigured")
            return
        halved = dataclasses.replace(
            params, budget_per_block=fx_mul(params.budget_per_block, HALVING_FACTOR))
        self.deposit_event("SubsidyBudgetHalved")
        self.update_tokenomic_parameters(halved)

    # -- worker heartbeats (§6.2) -----------------------------------------------------------
    def on_mining_message_received(self, message: Any) -> None:
        """Apply a Heartbeat/HeartbeatV2 from a worker to its miner's benchmark; event
        BenchmarkUpdated. Raises WorkerNotBound for an unbound worker and `Other` (nothing
        changed) when the heartbeat is processed no later than the last challenge time —
        where the reference panics."""
        report = decode_payload(message, MINING_REPORT_TOPIC, WORKING_REPORT_EVENT)
        if report is None or message.sender.name != "Worker":
            return
        miner = self.ensure_worker_bound(bytes(message.sender.value))
        info = self.Miners.get(miner)
        assert info is not None, "a bound miner always has a record"
        heartbeat = report.value
        try:
            info.benchmark.update(self.now_sec(), heartbeat["iterations"],
                                  heartbeat["challenge_time"] // 1000)
        except BenchmarkTimingError as exc:
            raise Other(f"heartbeat rejected: {exc}") from None
        self.deposit_event("BenchmarkUpdated", miner=miner, p_instant=info.benchmark.p_instant)
        self.Miners.insert(miner, info)

    # -- Gatekeeper reports (§6.3) ----------------------------------------------------------
    def on_gk_message_received(self, message: Any) -> None:
        """Apply a Gatekeeper `WorkingInfoUpdateEvent`: offline / recovered miners, then
        settlements (late ones dropped), then `callbacks.on_reward(whole settle list)`.

        `message` is a queue message (topic `^phala/mining/update`, sender Gatekeeper,
        else BadSender) or an already decoded `WorkingInfoUpdateEvent` from the in-runtime
        Gatekeeper."""
        event: WorkingInfoUpdateEvent | None
        if isinstance(message, WorkingInfoUpdateEvent):
            event = message
        else:
            event = decode_payload(message, MINING_UPDATE_TOPIC, WORKING_INFO_UPDATE_EVENT)
            if event is None:
                return
            if message.sender.name != "Gatekeeper":
                raise self.error("BadSender")
        if event.is_empty():
            return
        emit_ts = event.timestamp_ms // 1000
        now = self.now_sec()
        for worker in event.offline:
            self._set_responsiveness(worker, MinerState.MiningUnresponsive,
                                     "MinerEnterUnresponsive", "EnterUnresponsive")
        for worker in event.recovered_to_online:
            self._set_responsiveness(worker, MinerState.MiningIdle,
                                     "MinerExitUnresponsive", "ExitUnresponsive")
        for info in event.settle:
            try:
                self._try_handle_settle(info, now, emit_ts)
            except DispatchError:  # the reference logs and carries on with the next entry
                self.deposit_event("InternalErrorMinerSettleFailed", worker=info.pubkey)
        if self.callbacks is not None:
            self.callbacks.on_reward(list(event.settle))

    def _set_responsiveness(self, worker: bytes, state: MinerState, event: str,
                            message: str) -> None:
        miner = self.WorkerBindings.get(worker)
        if miner is None:
            return
        info = self.Miners.get(miner)
        if info is None or not info.state.is_mining():
            return
        info.state = state
        self.Miners.insert(miner, info)
        self.deposit_event(event, miner=miner)
        self.push_worker_event(worker, message)

    def _try_handle_settle(self, info: SettleInfo, now: int, emit_ts: int) -> None:
        miner = self.WorkerBindings.get(info.pubkey)
        if miner is None:
            return
        mi = self.Miners.get(miner)
        if mi is None:
            raise self.error("MinerNotFound")
        if mi.v_updated_at >= emit_ts:
            self.deposit_event("MinerSettlementDropped", miner=miner, v=info.v,
                               payout=info.payout)
            return
        mi.v = info.v
        mi.v_updated_at = now
        mi.stats.total_reward += from_fixed(info.payout)
        self.Miners.insert(miner, mi)  # stays even if the treasury withdrawal fails
        self.withdraw_imbalance_from_subsidy_pool(from_fixed(info.treasury))
        self.deposit_event("MinerSettled", miner=miner, v_bits=info.v,
                           payout_bits=info.payout)
