"""StakePool data types, their SCALE codecs and fixed constants (stake_pool.md §3, §4, §8).

Every number is a plain `int`: balances and shares are u128 planck, `reward_acc` is the
raw u128 bits of a U64F64, `payout_commission` is Permill parts (0..=1_000_000).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runtime.codec import (
    ACCOUNT,
    FIXED,
    PERMILL,
    PUBKEY,
    U64,
    U128,
    BytesCodec,
    Option,
    Struct,
    Tuple,
    Vec,
    VecCodec,
    with_path,
)
from runtime.hashing import blake2_256

BALANCE = U128

DUST = 1000                      # ≤ 1000 planck (or shares) is dust
LOCK_ID = b"phala/sp"            # the balances lock mirroring StakeLedger
WHITELIST_MAX_LEN = 100
DESCRIPTION_MAX_LEN = 4400
STORAGE_VERSION = 5


# -- dust helpers (§2.1) ---------------------------------------------------------------------


def is_nondust(n: int) -> bool:
    """True when `n > 1000`."""
    return n > DUST


def close_to_zero(n: int) -> bool:
    """True when `n <= 1000`."""
    return n <= DUST


def extract_dust(n: int) -> tuple[int, int]:
    """`(kept, dust)`: `(0, n)` when n is dust, else `(n, 0)`."""
    return (0, n) if n <= DUST else (n, 0)


# -- types (§4) ------------------------------------------------------------------------------


@dataclass
class WithdrawInfo:
    """A queued withdrawal: `shares` still to withdraw, queued at `start_time` (seconds)."""

    user: bytes
    shares: int
    start_time: int


@dataclass
class UserStakeInfo:
    """One staker's position in one pool (never deleted once created)."""

    user: bytes
    locked: int = 0
    shares: int = 0
    available_rewards: int = 0
    reward_debt: int = 0


@dataclass
class PoolInfo:
    """A stake pool; `withdraw_queue` is the reference's VecDeque (front = index 0)."""

    pid: int
    owner: bytes
    payout_commission: int | None = None
    owner_reward: int = 0
    cap: int | None = None
    reward_acc: int = 0
    total_shares: int = 0
    total_stake: int = 0
    free_stake: int = 0
    releasing_stake: int = 0
    workers: list[bytes] = field(default_factory=list)
    withdraw_queue: list[WithdrawInfo] = field(default_factory=list)


WITHDRAW_INFO = with_path(Struct("WithdrawInfo", [
    ("user", ACCOUNT), ("shares", BALANCE), ("start_time", U64),
], WithdrawInfo), "phala_pallets::stakepool::WithdrawInfo")

USER_STAKE_INFO = with_path(Struct("UserStakeInfo", [
    ("user", ACCOUNT), ("locked", BALANCE), ("shares", BALANCE),
    ("available_rewards", BALANCE), ("reward_debt", BALANCE),
], UserStakeInfo), "phala_pallets::stakepool::UserStakeInfo")

POOL_INFO = with_path(Struct("PoolInfo", [
    ("pid", U64),
    ("owner", ACCOUNT),
    ("payout_commission", Option(PERMILL)),
    ("owner_reward", BALANCE),
    ("cap", Option(BALANCE)),
    ("reward_acc", FIXED),
    ("total_shares", BALANCE),
    ("total_stake", BALANCE),
    ("free_stake", BALANCE),
    ("releasing_stake", BALANCE),
    ("workers", Vec(PUBKEY)),
    ("withdraw_queue", VecCodec(WITHDRAW_INFO, name="VecDeque")),
], PoolInfo), "phala_pallets::stakepool::PoolInfo")

POOL_STAKER_KEY = Tuple(U64, ACCOUNT)
SUB_ACCOUNT_PREIMAGE = Tuple(U64, PUBKEY)
TIMESTAMPS = VecCodec(U64, name="VecDeque")
DESCRIPTION = with_path(BytesCodec(DESCRIPTION_MAX_LEN, "BoundedVec<u8, 4400>"),
    "bounded_collections::bounded_vec::BoundedVec")


# -- pool sub-account (§8) -------------------------------------------------------------------


def pool_sub_account(pid: int, pubkey: bytes) -> bytes:
    """The miner account of worker `pubkey` in pool `pid`, as a 32-byte AccountId:
    `b"spm/" + blake2_256(SCALE((pid, pubkey)))[0:28]`."""
    h = blake2_256(SUB_ACCOUNT_PREIMAGE.encode((pid, pubkey)))
    return (b"spm/" + h)[:32]
