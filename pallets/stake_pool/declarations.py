"""The pallet's declarations: events (§6), errors (§7) and storage (§5), plus the small
helpers every part of the pallet shares (pool loading, owner checks, config, time)."""

from __future__ import annotations

from typing import Any

from runtime.codec import ACCOUNT, BOOL, PUBKEY, U32, U64, Vec
from runtime.config import StakePoolConfig
from runtime.pallet import Pallet, constants, errors, events
from runtime.storage_items import StorageMap, StorageValue

from .types import (
    BALANCE,
    DESCRIPTION,
    POOL_INFO,
    POOL_STAKER_KEY,
    SUB_ACCOUNT_PREIMAGE,
    TIMESTAMPS,
    USER_STAKE_INFO,
    PoolInfo,
    UserStakeInfo,
)

_PID = ("pid", U64)
_USER = ("user", ACCOUNT)
_AMOUNT = ("amount", BALANCE)
_WORKER = ("worker", PUBKEY)


class StakePoolBase(Pallet):
    NAME = "PhalaStakePool"
    CRATE = "phala_pallets::stakepool"
    CONSTANTS = constants(
        ("MinContribution", BALANCE, lambda cfg: cfg.stake_pool.min_contribution,
         "The smallest contribution a staker may make."),
        ("GracePeriod", U64, lambda cfg: cfg.stake_pool.grace_period_sec,
         "How long (seconds) a queued withdrawal may wait before workers are stopped."),
        ("MiningEnabledByDefault", BOOL, lambda cfg: cfg.stake_pool.mining_enabled_by_default,
         "Whether mining is enabled when genesis does not say."),
        ("MaxPoolWorkers", U32, lambda cfg: cfg.stake_pool.max_pool_workers,
         "The most workers a pool may hold."),
    )

    EVENTS = events(
        ("PoolCreated", [("owner", ACCOUNT), _PID]),
        ("PoolCommissionSet", [_PID, ("commission", U32)]),
        ("PoolCapacitySet", [_PID, ("cap", BALANCE)]),
        ("PoolWorkerAdded", [_PID, _WORKER, ("miner", ACCOUNT)]),
        ("Contribution", [_PID, _USER, _AMOUNT, ("shares", BALANCE)]),
        ("Withdrawal", [_PID, _USER, _AMOUNT, ("shares", BALANCE)]),
        ("RewardsWithdrawn", [_PID, _USER, _AMOUNT]),
        ("OwnerRewardsWithdrawn", [_PID, _USER, _AMOUNT]),
        ("StakerRewardsWithdrawn", [_PID, _USER, _AMOUNT]),
        ("PoolSlashed", [_PID, _AMOUNT]),
        ("SlashSettled", [_PID, _USER, _AMOUNT]),
        ("RewardDismissedNotInPool", [_WORKER, _AMOUNT]),
        ("RewardDismissedNoShare", [_PID, _AMOUNT]),
        ("RewardDismissedDust", [_PID, _AMOUNT]),
        ("DustRemoved", [_USER, _AMOUNT]),
        ("PoolWorkerRemoved", [_PID, _WORKER]),
        ("WithdrawalQueued", [_PID, _USER, ("shares", BALANCE)]),
        ("PoolWhitelistCreated", [_PID]),
        ("PoolWhitelistDeleted", [_PID]),
        ("PoolWhitelistStakerAdded", [_PID, ("staker", ACCOUNT)]),
        ("PoolWhitelistStakerRemoved", [_PID, ("staker", ACCOUNT)]),
        ("WorkerReclaimed", [_PID, _WORKER, ("original_stake", BALANCE)]),
        ("RewardReceived", [_PID, ("to_owner", BALANCE), ("to_stakers", BALANCE)]),
        ("MiningStarted", [_PID, _WORKER, _AMOUNT]),
    )

    ERRORS = errors(
        "WorkerNotRegistered",            # 0
        "BenchmarkMissing",
        "WorkerExists",
        "WorkerDoesNotExist",
        "WorkerInAnotherPool",
        "UnauthorizedOperator",           # 5
        "UnauthorizedPoolOwner",
        "InadequateCapacity",
        "StakeExceedsCapacity",
        "PoolDoesNotExist",
        "_PoolIsBusy",                    # 10 (never raised)
        "InsufficientContribution",
        "InsufficientBalance",
        "PoolStakeNotFound",
        "InsufficientFreeStake",
        "InvalidWithdrawalAmount",        # 15
        "FailedToBindMinerAndWorker",
        "InternalSubsidyPoolCannotWithdraw",
        "PoolBankrupt",
        "NoRewardToClaim",
        "FeatureNotEnabled",              # 20
        "WorkersExceedLimit",
        "CannotRestartWithLessStake",
        "InvalidForceRewardAmount",       # never raised
        "NotInContributeWhitelist",
        "AlreadyInContributeWhitelist",   # 25
        "ExceedWhitelistMaxLen",
        "NoWhitelistCreated",
        "ExceedMaxDescriptionLen",        # never raised (the call does not decode)
        "MinerDoesNotExist",
        "WorkerIsNotReady",               # 30
    )

    StakePools = StorageMap("Twox64Concat", U64, POOL_INFO)
    PoolStakers = StorageMap("Twox64Concat", POOL_STAKER_KEY, USER_STAKE_INFO)
    PoolCount = StorageValue(U64, default=0)
    WorkerAssignments = StorageMap("Twox64Concat", PUBKEY, U64)
    SubAccountAssignments = StorageMap("Twox64Concat", ACCOUNT, U64)  # deprecated, unused
    StakeLedger = StorageMap("Twox64Concat", ACCOUNT, BALANCE)
    WithdrawalQueuedPools = StorageMap("Twox64Concat", U64, Vec(U64))
    WithdrawalTimestamps = StorageValue(TIMESTAMPS, default=list)
    # Absent until genesis writes it; read through `mining_enabled()` (config default).
    MiningEnabled = StorageValue(BOOL)
    SubAccountPreimages = StorageMap("Twox64Concat", ACCOUNT, SUB_ACCOUNT_PREIMAGE)
    PoolContributionWhitelists = StorageMap("Twox64Concat", U64, Vec(ACCOUNT))
    PoolDescriptions = StorageMap("Twox64Concat", U64, DESCRIPTION)

    # -- shared helpers ----------------------------------------------------------------------

    @property
    def config(self) -> StakePoolConfig:
        return self.rt.config.stake_pool

    def now(self) -> int:
        """Chain time in whole seconds."""
        return self.rt.now_secs()

    def mining(self) -> Any:
        return self.rt["PhalaMining"]

    def balances(self) -> Any:
        return self.rt["Balances"]

    def mining_enabled(self) -> bool:
        stored = self.MiningEnabled.get()
        return self.config.mining_enabled_by_default if stored is None else bool(stored)

    def load_pool(self, pid: int) -> PoolInfo:
        """The pool, or `PoolDoesNotExist`."""
        pool = self.StakePools.get(pid)
        if pool is None:
            raise self.error("PoolDoesNotExist")
        return pool

    def load_owned_pool(self, who: bytes, pid: int) -> PoolInfo:
        """The pool if `who` owns it; `PoolDoesNotExist` / `UnauthorizedPoolOwner`."""
        pool = self.load_pool(pid)
        if pool.owner != who:
            raise self.error("UnauthorizedPoolOwner")
        return pool

    def get_staker(self, pid: int, who: bytes) -> UserStakeInfo | None:
        return self.PoolStakers.get((pid, who))

    def put_staker(self, pid: int, user: UserStakeInfo) -> None:
        self.PoolStakers.insert((pid, user.user), user)

    def emit_all(self, evs: list[tuple[str, dict[str, Any]]]) -> None:
        for name, fields in evs:
            self.deposit_event(name, **fields)
