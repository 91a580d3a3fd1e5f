"""Mining pallet math (mining.md §5.3) and the default tokenomic parameters (§10.1).

All fixed-point values are U64F64 raw bits (plain ints); balances are planck.
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.fixed import ONE, bits_from_decimal, from_fixed, fx_div, fx_mul, fx_sqrt, to_fixed
from runtime.ints import ArithmeticUnderflow

# Confidence scores as the pallet's literals (nearest representable values).
CONF_0_8 = bits_from_decimal("0.8")
CONF_0_7 = bits_from_decimal("0.7")

_BALANCE_LIMIT = 1 << 64


@dataclass(frozen=True, slots=True)
class TokenomicParams:
    """`TokenomicParameters` (mining.md §1.5); field order = SCALE encoding order.

    Every field is U64F64 bits (u128) except `heartbeat_window`, a u32 block count.
    """

    pha_rate: int
    rho: int
    budget_per_block: int
    v_max: int
    cost_k: int
    cost_b: int
    slash_rate: int
    treasury_ratio: int
    heartbeat_window: int
    rig_k: int
    rig_b: int
    re: int
    k: int
    kappa: int


def default_params() -> TokenomicParams:
    """The default genesis parameters, derived step by step as the reference does
    (mining.md §10.1): decimal literals rounded to nearest, then "FP × int" / "FP ÷ int"
    as integer operations on the bits, left to right."""
    block_sec, hour, day, year = 12, 3600, 86400, 31_536_000
    pha_rate = ONE  # 1 PHA = 1 USD in the test runtime
    return TokenomicParams(
        pha_rate=pha_rate,
        rho=bits_from_decimal("1.000000666600231"),  # ≈ 1.0002^(1/300)
        budget_per_block=(720_000 << 64) * block_sec // day,
        v_max=30_000 << 64,
        cost_k=fx_div(bits_from_decimal("0.0415625") * block_sec // year, pha_rate),
        cost_b=fx_div(bits_from_decimal("88.59375") * block_sec // year, pha_rate),
        slash_rate=bits_from_decimal("0.001") * block_sec // hour,
        treasury_ratio=bits_from_decimal("0.2"),
        heartbeat_window=10,
        rig_k=fx_div(bits_from_decimal("0.3"), pha_rate),
        rig_b=0,
        re=bits_from_decimal("1.3"),
        k=100 << 64,
        kappa=ONE,
    )


def conf_score_pallet(level: int) -> int:
    """The pallet's confidence score as bits: levels 1–3 → 1, 4 → 0.8, 5 → 0.7, and any
    other level (0, 128, …) → 1 (unlike the Gatekeeper's table)."""
    if level == 4:
        return CONF_0_8
    if level == 5:
        return CONF_0_7
    return ONE


def minimal_stake(k_bits: int, p: int) -> int:
    """Smallest stake (planck) accepted for initial score p: `from_fixed(k * sqrt(FP(p)))`."""
    return from_fixed(fx_mul(k_bits, fx_sqrt(p << 64)))


def ve(stake: int, p: int, level: int, params: TokenomicParams) -> int:
    """Initial V (bits) of a worker started with `stake` planck, score p, confidence level:
    `((re − 1) * conf + 1) * (to_fixed(stake) + (rig_k * FP(p) + rig_b))`, each product
    truncated. Raises `ValueError` when stake ≥ 2^64 (out of the reference's range) and
    `ArithmeticUnderflow` when `re < 1` (the reference's FP subtraction would panic)."""
    if params.re < ONE:
        raise ArithmeticUnderflow("re < 1: re - 1 underflows")
    tweaked_re = fx_mul(params.re - ONE, conf_score_pallet(level)) + ONE
    rig_cost = fx_mul(params.rig_k, p << 64) + params.rig_b
    return fx_mul(tweaked_re, to_fixed(stake) + rig_cost)


def max_stake(p: int, level: int, params: TokenomicParams) -> int | None:
    """Largest stake (planck, < 2^64) whose `ve` does not exceed `v_max`, or None if even a
    zero stake exceeds it. Exact: binary search on the monotone `ve` (the closed form
    `v_max / tweaked_re − rig_cost` is off by the truncations)."""
    if ve(0, p, level, params) > params.v_max:
        return None
    lo, hi = 0, _BALANCE_LIMIT - 1
    while lo < hi:  # invariant: ve(lo) <= v_max; answer in [lo, hi]
        mid = (lo + hi + 1) // 2
        if ve(mid, p, level, params) <= params.v_max:
            lo = mid
        else:
            hi = mid - 1
    return lo
