"""Mining pallet types (mining.md §1), their SCALE codecs, accounts and the callback contract.

Dataclass field order is the SCALE encoding order. FP fields hold U64F64 bits; times are
seconds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol

from runtime.codec import U32, U64, U128, CEnum, Struct, with_path

_U32_MASK = (1 << 32) - 1
_U64_MASK = (1 << 64) - 1


class MinerState(enum.IntEnum):
    """Miner life cycle (§1.1); index 2 is a placeholder that is never produced."""

    Ready = 0
    MiningIdle = 1
    _Unused = 2
    MiningUnresponsive = 3
    MiningCoolingDown = 4

    def can_unbind(self) -> bool:
        return self in (MinerState.Ready, MinerState.MiningCoolingDown)

    def is_mining(self) -> bool:
        return self in (MinerState.MiningIdle, MinerState.MiningUnresponsive)


class BenchmarkTimingError(ValueError):
    """A heartbeat processed no later than the last challenge time (a reference panic)."""


@dataclass(slots=True)
class Benchmark:
    p_init: int = 0
    p_instant: int = 0
    iterations: int = 0
    mining_start_time: int = 0
    challenge_time_last: int = 0

    def update(self, now: int, iterations: int, challenge_time: int) -> None:
        """Apply a heartbeat (§1.2; all times in seconds).

        Raises `BenchmarkTimingError` without changing anything when
        `now <= challenge_time_last` (the reference panics there).
        """
        if now <= self.challenge_time_last:
            raise BenchmarkTimingError(
                f"heartbeat at {now}s is not after the last challenge {self.challenge_time_last}s")
        if iterations < self.iterations:  # the worker restarted its counter
            self.iterations = iterations
        delta_ts = now - self.challenge_time_last
        delta_iter = iterations - self.iterations
        self.challenge_time_last = challenge_time
        self.iterations = iterations
        # u64 then `as u32`, capped at 120 % of p_init in u32; wrapping as in a release build
        p = (((delta_iter * 6) & _U64_MASK) // delta_ts) & _U32_MASK
        self.p_instant = min(p, ((self.p_init * 12) & _U32_MASK) // 10)


@dataclass(slots=True)
class MinerStats:
    total_reward: int = 0  # balance units (planck), not FP bits (§1.3)


@dataclass(slots=True)
class MinerInfo:
    state: MinerState
    ve: int
    v: int
    v_updated_at: int
    benchmark: Benchmark
    cool_down_start: int
    stats: MinerStats = field(default_factory=MinerStats)


MINER_STATE = with_path(CEnum(MinerState), "phala_pallets::mining::pallet::MinerState")
BENCHMARK = with_path(Struct("Benchmark", [
    ("p_init", U32), ("p_instant", U32), ("iterations", U64),
    ("mining_start_time", U64), ("challenge_time_last", U64),
], Benchmark), "phala_pallets::mining::pallet::Benchmark")
MINER_STATS = with_path(Struct("MinerStats", [("total_reward", U128)], MinerStats),
    "phala_pallets::mining::pallet::MinerStats")
MINER_INFO = with_path(Struct("MinerInfo", [
    ("state", MINER_STATE), ("ve", U128), ("v", U128), ("v_updated_at", U64),
    ("benchmark", BENCHMARK), ("cool_down_start", U64), ("stats", MINER_STATS),
], MinerInfo), "phala_pallets::mining::pallet::MinerInfo")


def pallet_id_account(pallet_id: bytes) -> bytes:
    """`PalletId(id).into_account_truncating()` for AccountId32: b"modl" ++ id, zero-padded."""
    raw = b"modl" + pallet_id
    return raw + bytes(32 - len(raw))


# The subsidy pool (§5.6): rewards and the treasury share are paid out of it.
SUBSIDY_POOL_ACCOUNT = pallet_id_account(b"phala/pp")
# Emulator decision: the reference hands the treasury share of a settlement to
# `OnTreasurySettled` (pallet Treasury). The emulator has no Treasury pallet, so it deposits
# that share into Treasury's account (PalletId `py/trsry`); total issuance is conserved.
TREASURY_ACCOUNT = pallet_id_account(b"py/trsry")


class MiningCallbacks(Protocol):
    """Notifications the mining pallet sends to the stake pool (`OnReward`, `OnUnbound`,
    `OnStopped` in the reference)."""

    def on_reward(self, settle: list) -> None: ...

    def on_unbound(self, worker: bytes, force: bool) -> None: ...

    def on_stopped(self, worker: bytes, original_stake: int, slashed: int) -> None: ...
