"""PhalaMining declarations: events, errors and storage (mining.md §2, §7, §8), plus the
small helpers every part of the pallet uses."""

from __future__ import annotations

from typing import Any

from pallets.messages import (
    GATEKEEPER_EVENT,
    GATEKEEPER_EVENT_TOPIC,
    SYSTEM_EVENT,
    SYSTEM_EVENT_TOPIC,
    TOKENOMIC_PARAMETERS,
    origin_pallet,
    worker_event,
)
from pallets.mining.formulas import TokenomicParams
from pallets.mining.types import MINER_INFO, MiningCallbacks
from runtime.codec import ACCOUNT, PUBKEY, U32, U64, U128, Variant
from runtime.pallet import Pallet, constants, errors, events
from runtime.storage_items import StorageMap, StorageValue

BALANCE = U128


class MiningStorage(Pallet):
    """The pallet's declarations; behaviour lives in the subclasses."""

    NAME = "PhalaMining"
    CRATE = "phala_pallets::mining"
    CONSTANTS = constants(
        ("ExpectedBlockTimeSec", U32, lambda cfg: cfg.mining.expected_block_time_sec,
         "The block time the heartbeat challenge targets (seconds)."),
        ("MinInitP", U32, lambda cfg: cfg.mining.min_init_p,
         "The lowest initial benchmark score a miner may start with."),
    )
    STORAGE_VERSION = 5

    EVENTS = events(
        ("CoolDownExpirationChanged", [("period", U64)], "Cool-down period changed (seconds)."),
        ("MinerStarted", [("miner", ACCOUNT), ("init_v", U128), ("init_p", U32)],
         "A miner started mining with initial V (bits) and score."),
        ("MinerStopped", [("miner", ACCOUNT)], "A miner stopped mining and cools down."),
        ("MinerReclaimed", [("miner", ACCOUNT), ("original_stake", BALANCE),
                            ("slashed", BALANCE)], "A cooled-down miner's stake was released."),
        ("MinerBound", [("miner", ACCOUNT), ("worker", PUBKEY)], "A miner was bound."),
        ("MinerUnbound", [("miner", ACCOUNT), ("worker", PUBKEY)], "A miner was unbound."),
        ("MinerEnterUnresponsive", [("miner", ACCOUNT)], "The Gatekeeper reported it offline."),
        ("MinerExitUnresponsive", [("miner", ACCOUNT)], "The Gatekeeper reported it back."),
        ("MinerSettled", [("miner", ACCOUNT), ("v_bits", U128), ("payout_bits", U128)],
         "A settlement was applied."),
        ("InternalErrorMinerSettleFailed", [("worker", PUBKEY)], "A settlement failed."),
        ("SubsidyBudgetHalved", [], "budget_per_block was cut to 75 %."),
        ("InternalErrorWrongHalvingConfigured", [], "Halving without tokenomic parameters."),
        ("TokenomicParametersChanged", [], "New tokenomic parameters are in force."),
        ("MinerSettlementDropped", [("miner", ACCOUNT), ("v", U128), ("payout", U128)],
         "A settlement older than the miner's last V update was ignored."),
        ("BenchmarkUpdated", [("miner", ACCOUNT), ("p_instant", U32)],
         "A heartbeat updated the instant score."),
    )

    ERRORS = errors(
        ("BadSender", "Not the worker's operator, or a GK report not from the Gatekeeper."),
        ("_InvalidMessage", "Deprecated."),
        ("WorkerNotRegistered", "The worker is not in the registry."),
        ("_GatekeeperNotRegistered", "Deprecated."),
        ("DuplicateBoundMiner", "The miner is already bound to a worker."),
        ("BenchmarkMissing", "The worker has no initial score."),
        ("MinerNotFound", "No miner record (or no binding, for start_mining)."),
        ("MinerNotBound", "The miner is not bound to a worker."),
        ("MinerNotReady", "The miner is not in the Ready state."),
        ("MinerNotMining", "The miner is not mining."),
        ("WorkerNotBound", "The worker is not bound to a miner."),
        ("CoolDownNotReady", "The miner is not cooling down, or its cool-down has not ended."),
        ("InsufficientStake", "The stake is below the minimal stake for the worker's score."),
        ("TooMuchStake", "The stake's initial V exceeds v_max."),
        ("InternalErrorBadTokenomicParameters", "No tokenomic parameters are set."),
        ("DuplicateBoundWorker", "The worker is already bound to a miner."),
        ("BenchmarkTooLow", "The worker's initial score is below MinInitP."),
        ("InternalErrorCannotStartWithExistingStake", "A stake record already exists."),
    )

    TokenomicParameters = StorageValue(TOKENOMIC_PARAMETERS)
    ScheduledTokenomicUpdate = StorageValue(TOKENOMIC_PARAMETERS)
    OnlineMiners = StorageValue(U32, default=0)
    ExpectedHeartbeatCount = StorageValue(U32)
    Miners = StorageMap("Twox64Concat", ACCOUNT, MINER_INFO)
    MinerBindings = StorageMap("Twox64Concat", ACCOUNT, PUBKEY)
    WorkerBindings = StorageMap("Twox64Concat", PUBKEY, ACCOUNT)
    CoolDownPeriod = StorageValue(U64, default=0)
    NextSessionId = StorageValue(U32, default=0)
    MiningStartBlock = StorageValue(U32)
    MiningHalvingInterval = StorageValue(U32)
    Stakes = StorageMap("Twox64Concat", ACCOUNT, BALANCE)

    def __init__(self, rt: Any, index: int) -> None:
        super().__init__(rt, index)
        # The stake pool, wired by the composition root (node/composition.py).
        self.callbacks: MiningCallbacks | None = None

    # -- helpers --------------------------------------------------------------------------
    def now_sec(self) -> int:
        """The pallet's clock: the timestamp in whole seconds."""
        return int(self.rt.now_secs())

    def push_message(self, topic: bytes, payload: bytes) -> None:
        """Send a message from `MessageOrigin::Pallet("PhalaMining")`, dispatched now."""
        self.rt["PhalaMq"].push_message(origin_pallet(self.NAME), topic, payload)

    def push_worker_event(self, pubkey: bytes, name: str, value: Any = None) -> None:
        """Push `SystemEvent::WorkerEvent { pubkey, WorkerEvent::<name>(value) }`."""
        self.push_message(SYSTEM_EVENT_TOPIC,
                          SYSTEM_EVENT.encode(worker_event(pubkey, Variant(name, value))))

    def push_tokenomic_parameters_changed(self, params: TokenomicParams) -> None:
        """Push `GatekeeperEvent::TokenomicParametersChanged(params)`."""
        self.push_message(GATEKEEPER_EVENT_TOPIC, GATEKEEPER_EVENT.encode(
            Variant("TokenomicParametersChanged", params)))

    def ensure_worker_bound(self, pubkey: bytes) -> bytes:
        """The miner bound to `pubkey`; raises `WorkerNotBound`."""
        miner = self.WorkerBindings.get(pubkey)
        if miner is None:
            raise self.error("WorkerNotBound")
        return bytes(miner)

    def ensure_miner_bound(self, miner: bytes) -> bytes:
        """The worker bound to `miner`; raises `MinerNotBound`."""
        pubkey = self.MinerBindings.get(miner)
        if pubkey is None:
            raise self.error("MinerNotBound")
        return bytes(pubkey)

    def tokenomic_parameters(self) -> TokenomicParams | None:
        return self.TokenomicParameters.get()  # type: ignore[no-any-return]
