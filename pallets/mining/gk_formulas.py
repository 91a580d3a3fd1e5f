"""Gatekeeper computing economics, per-worker formulas (economics.md §6) and the heartbeat
challenge target (mining.md §6.1, economics.md §4).

Every fixed-point quantity is U64F64 raw bits in a plain int; each product and quotient is
floored exactly as the reference. The idle/slash updates run for every worker in every
block, so they are written on local ints without helper calls or wrapper objects.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from math import isqrt

from pallets.mining.formulas import TokenomicParams
from runtime.fixed import (
    ONE,
    bits_from_decimal,
    fx_div,
    fx_mul,
    u32f32_div,
    u32f32_from_int,
    u32f32_mul,
    u32f32_shl,
)
from runtime.ints import ArithmeticDivisionByZero, ArithmeticOverflow, ArithmeticUnderflow

CONF_0_8 = bits_from_decimal("0.8")
CONF_0_7 = bits_from_decimal("0.7")
P_INSTANT_CAP = bits_from_decimal("1.2")  # p_instant ≤ p_bench × 1.2 (rounded literal)
_LIMIT = 1 << 128
_U256_LIMIT = 1 << 256
_TARGET_UNIT = ((1 << 256) - 1) >> 24  # U256::MAX >> 24


@dataclass(slots=True)
class TokenomicInfo:
    """The GK's per-worker economic state (economics.md §3). FP fields hold U64F64 bits;
    times are milliseconds; `v_update_block` is a block number."""

    v: int = 0
    v_init: int = 0
    v_deductible: int = 0
    v_update_at: int = 0
    v_update_block: int = 0
    iteration_last: int = 0
    challenge_time_last: int = 0
    p_bench: int = 0
    p_instant: int = 0
    confidence_level: int = 0
    contract_running: bool = False


def start_session(info: TokenomicInfo, init_v: int, init_p: int, now_ms: int, block: int) -> None:
    """Reset the state for a `Started{init_v, init_p}` event (economics.md §3): V = init_v
    (bits), p_bench = p_instant = FP(init_p), times = now; keeps `confidence_level`."""
    info.v = info.v_init = init_v
    info.v_deductible = 0
    info.v_update_at = info.challenge_time_last = now_ms
    info.v_update_block = block
    info.iteration_last = 0
    info.p_bench = info.p_instant = init_p << 64
    info.contract_running = False


def conf_score_gk(level: int) -> int:
    """The GK's confidence score as bits: 1, 2, 3, 128 → 1; 4 → 0.8; 5 → 0.7; else 0."""
    if level in (1, 2, 3, 128):
        return ONE
    if level == 4:
        return CONF_0_8
    if level == 5:
        return CONF_0_7
    return 0


def payout_ratio(params: TokenomicParams) -> int:
    """`1 − treasury_ratio` (bits); raises `ArithmeticUnderflow` if treasury_ratio > 1."""
    r = ONE - params.treasury_ratio
    if r < 0:
        raise ArithmeticUnderflow("treasury_ratio > 1")
    return r


def share(info: TokenomicInfo) -> int:
    """`sqrt(v*v + sq((FP(2) * p) * conf))` in bits, p = p_bench if a contract is running
    else p_instant; truncating products and the reference's sqrt (`isqrt(bits) << 32`)."""
    p = info.p_bench if info.contract_running else info.p_instant
    x = (2 * p * conf_score_gk(info.confidence_level)) >> 64  # FP(2)*p is exactly 2p
    v = info.v
    return isqrt(((v * v) >> 64) + ((x * x) >> 64)) << 32


def update_v_idle(info: TokenomicInfo, params: TokenomicParams) -> None:
    """Case 1 (responsive, no heartbeat): `dv = m * ((rho − 1) * v + cost_k * p_bench +
    cost_b)` with `m = p / p_bench` (1 when p_bench = 0); `v = min(v + dv, v_max)`;
    `v_deductible += dv` (the full dv, even the part cut by v_max)."""
    v = info.v
    p_bench = info.p_bench
    base = (((params.rho - ONE) * v) >> 64) + ((params.cost_k * p_bench) >> 64) + params.cost_b
    if p_bench == 0:
        dv = base  # m = 1 exactly
    else:
        p = p_bench if info.contract_running else info.p_instant
        dv = (((p << 64) // p_bench) * base) >> 64
    v += dv
    vmax = params.v_max
    info.v = v if v < vmax else vmax
    info.v_deductible += dv


def update_v_slash(info: TokenomicInfo, params: TokenomicParams) -> None:
    """Cases 3 and 4 (unresponsive): `v = v − v * slash_rate`; `v_deductible = 0`.
    Raises `ArithmeticUnderflow` if slash_rate > 1 would make V negative."""
    v = info.v
    v -= (v * params.slash_rate) >> 64
    if v < 0:
        raise ArithmeticUnderflow("slash_rate > 1: V would become negative")
    info.v = v
    info.v_deductible = 0


def update_v_recover(info: TokenomicInfo, now_ms: int, block: int) -> None:
    """Case 5 with the recover fix: forget the growth before recovery and restart payout
    counting from this block."""
    info.v_deductible = 0
    info.v_update_at = now_ms
    info.v_update_block = block


def update_p_instant(
    info: TokenomicInfo, now_ms: int, iterations: int, contract_running: bool
) -> None:
    """Record `contract_running`; if time advanced since the last challenge, set
    `p_instant = min((iterations − iteration_last) / (Δms / 1000) * 6, p_bench * 1.2)`.
    A counter that went backwards (restarted worker) first resets `iteration_last`.
    Does not update `challenge_time_last` / `iteration_last` otherwise (the caller does).
    Raises `ArithmeticOverflow` where the reference's FP ops would overflow."""
    info.contract_running = contract_running
    if now_ms <= info.challenge_time_last:
        return
    if iterations < info.iteration_last:
        info.iteration_last = iterations
    dt = ((now_ms - info.challenge_time_last) << 64) // 1000  # FP(Δms) / FP(1000)
    p = fx_div((iterations - info.iteration_last) << 64, dt) * 6
    if p >= _LIMIT:
        raise ArithmeticOverflow("p_instant overflow")
    cap = fx_mul(info.p_bench, P_INSTANT_CAP)
    info.p_instant = p if p < cap else cap


def update_v_heartbeat(
    info: TokenomicInfo,
    params: TokenomicParams,
    sum_share: int,
    now_ms: int,
    block: int,
    full_payout: bool,
) -> tuple[int, int]:
    """Case 2 (responsive, heartbeat): pay for the blocks since `v_update_block`.

    Returns `(payout_bits, treasury_bits)`; `(0, 0)` without any change when sum_share,
    v_deductible or `share` is zero, or `block <= v_update_block`. Otherwise
    `budget = share / sum_share * budget_per_block * FP(blocks)` (left to right);
    full payout: payout = budget * payout_ratio, treasury = budget * treasury_ratio,
    V drops by `min(v_deductible, payout)`; legacy: payout = min(v_deductible,
    budget * payout_ratio), treasury scaled by `payout / to_payout`, V drops by payout.
    Then v_deductible = 0 and the update time/block are set to now.
    Raises `ArithmeticDivisionByZero` in legacy mode when `to_payout` is 0 and
    `ArithmeticUnderflow` if V would go negative (both reference panics).
    """
    if sum_share == 0 or info.v_deductible == 0 or block <= info.v_update_block:
        return 0, 0
    s = share(info)
    if s == 0:
        return 0, 0
    blocks = (block - info.v_update_block) << 64
    budget = fx_mul(fx_mul(fx_div(s, sum_share), params.budget_per_block), blocks)
    to_payout = fx_mul(budget, payout_ratio(params))
    to_treasury = fx_mul(budget, params.treasury_ratio)
    deductible = info.v_deductible
    if full_payout:
        payout, treasury = to_payout, to_treasury
        v = info.v - min(deductible, payout)
    else:
        payout = min(deductible, to_payout)
        treasury = fx_mul(fx_div(payout, to_payout), to_treasury)
        v = info.v - payout
    if v < 0:
        raise ArithmeticUnderflow("V would become negative")
    info.v = v
    info.v_deductible = 0
    info.v_update_at = now_ms
    info.v_update_block = block
    return payout, treasury


# -- heartbeat challenge -------------------------------------------------------------------


def pow_target(num_tx: int, num_workers: int, secs_per_block: int) -> int:
    """The online target (a U256 as int) for the heartbeat challenge, in U32F32 arithmetic
    (mining.md §6.1): `(U256::MAX >> 24) * int((min(N, W*2/(3600//secs)) / W) << 24)`;
    0 without workers. Raises `ArithmeticDivisionByZero` when `secs_per_block` is 0 or
    above 3600, `ArithmeticOverflow` when a value leaves its type (reference panics)."""
    if num_workers == 0:
        return 0
    if secs_per_block == 0:
        raise ArithmeticDivisionByZero("secs_per_block is 0")
    w = u32f32_from_int(num_workers)
    n = u32f32_from_int(num_tx)
    max_tx = u32f32_div(u32f32_mul(w, u32f32_from_int(2)), u32f32_from_int(3600 // secs_per_block))
    t = n if n < max_tx else max_tx
    frac = u32f32_shl(u32f32_div(t, w), 24) >> 32
    target = _TARGET_UNIT * frac
    if target >= _U256_LIMIT:
        raise ArithmeticOverflow("online target exceeds U256")
    return target


def heartbeat_hit(pubkey: bytes, seed: int, online_target: int) -> bool:
    """True when the worker must answer this block's challenge:
    `U256::from_big_endian(blake2_256(pubkey)) XOR seed <= online_target`."""
    hashed = int.from_bytes(hashlib.blake2b(pubkey, digest_size=32).digest(), "big")
    return (hashed ^ seed) <= online_target
