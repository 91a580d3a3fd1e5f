"""U64F64 bits arithmetic, balance conversion (stake_pool.md §2.2–2.3, §16) and Permill
(§2.4). Expected values are the spec's figures or computed independently with Fraction."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.fixed import (
    BITS_MAX,
    ONE,
    U64F64,
    bdiv,
    bits_from_decimal,
    bits_to_decimal_str,
    bmul,
    from_fixed,
    fx_checked_div,
    fx_div,
    fx_mul,
    fx_sqrt,
    to_fixed,
    u32f32_div,
    u32f32_from_int,
    u32f32_mul,
    u32f32_shl,
)
from runtime.ints import ArithmeticDivisionByZero, ArithmeticOverflow, ArithmeticUnderflow
from runtime.permill import Permill, from_percent, permill_mul

PHA = 10**12
CENT = 10**10
bits128 = st.integers(min_value=0, max_value=2**128 - 1)
balances = st.integers(min_value=0, max_value=2**64 - 1)


def exact_decimal(numerator: int, denominator_pow2: int) -> str:
    """Exact decimal expansion of numerator / 2^k, written without using the code under test."""
    whole, frac = divmod(numerator, 2**denominator_pow2)
    digits = str(frac * 5**denominator_pow2).rjust(denominator_pow2, "0").rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


# -- §2.3 balance conversion -----------------------------------------------------------------


def test_round_trip_examples() -> None:
    assert from_fixed(to_fixed(CENT)) == 9_999_999_999
    assert from_fixed(to_fixed(1)) == 0
    assert to_fixed(1) == 18_446_744  # floor(2^64 / 10^12)
    for whole in (PHA, 300 * PHA, 700 * PHA, 18_000_000 * PHA):
        assert from_fixed(to_fixed(whole)) == whole
    assert from_fixed(to_fixed(5**12)) == 5**12
    assert from_fixed(to_fixed(7 * 5**12)) == 7 * 5**12
    assert from_fixed(to_fixed(5**12 + 1)) == 5**12


def test_price_one_follows_the_round_trip_rule() -> None:
    assert bdiv(700 * PHA, ONE) == 700 * PHA
    assert bmul(700 * PHA, ONE) == 700 * PHA
    assert bdiv(CENT, ONE) == 9_999_999_999
    assert bmul(CENT, ONE) == 9_999_999_999


@given(st.integers(min_value=1, max_value=2**64 - 1))
def test_round_trip_rule(x: int) -> None:
    expected = x if x % 5**12 == 0 else x - 1
    assert from_fixed(to_fixed(x)) == expected


def test_integer_payout_converts_exactly() -> None:
    for n in (1, 100, 30_000):
        assert from_fixed(n << 64) == n * PHA


def test_conversion_bounds() -> None:
    assert to_fixed(2**64 - 1) == ((2**64 - 1) << 64) // PHA
    with pytest.raises(ValueError, match="2\\^64"):
        to_fixed(2**64)
    with pytest.raises(ValueError):
        to_fixed(-1)
    assert from_fixed(BITS_MAX) == 2**64 - 1  # saturating
    assert from_fixed(2**128 // PHA) == 2**64 - 1
    assert from_fixed(0) == 0


# -- §16 Example 1 -----------------------------------------------------------------------------


def test_example_1_commission_and_reward_accumulator() -> None:
    reward = 123_456_789_012_345
    commission = permill_mul(125_000, reward)
    assert commission == 15_432_098_626_543
    to_distribute = reward - commission
    assert to_distribute == 108_024_690_385_802
    assert to_fixed(to_distribute) == 1_992_703_817_188_602_220_482
    assert to_fixed(1_000 * PHA) == 18_446_744_073_709_551_616_000
    acc = fx_div(to_fixed(to_distribute), to_fixed(1_000 * PHA))
    assert acc == 1_992_703_817_188_602_220
    assert to_fixed(300 * PHA) == 5_534_023_222_112_865_484_800
    assert fx_mul(to_fixed(300 * PHA), acc) == 597_811_145_156_580_666_000
    a = bmul(300 * PHA, acc)
    b = bmul(700 * PHA, acc)
    assert a == 32_407_407_115_740
    assert b == 75_617_283_270_061
    assert a + b == 108_024_690_385_801  # one planck lost to truncation
    assert fx_div(to_fixed(300 * PHA), to_fixed(300 * PHA)) == ONE


# -- §16 Example 2 -----------------------------------------------------------------------------


def test_example_2_fixed_point_intermediates() -> None:
    assert to_fixed(250_000_000_000_123) == 4_611_686_018_429_656_853_521
    assert bdiv(250_000_000_000_123, ONE) == 250_000_000_000_122
    stake, shares = 1_250_000_000_000_123, 1_250_000_000_000_122
    assert to_fixed(stake) == 23_058_430_092_139_208_469_521
    assert to_fixed(shares) == 23_058_430_092_139_190_022_776
    price = fx_div(to_fixed(stake), to_fixed(shares))
    assert price == ONE + 14_757 == 18_446_744_073_709_566_373

    free = 150_000_000_000_123
    assert to_fixed(free) == 2_767_011_611_058_701_691_921
    assert fx_div(to_fixed(free), price) == 2_767_011_611_058_699_478_370
    free_shares = bdiv(free, price)
    assert free_shares == 150_000_000_000_122
    assert 400 * PHA - free_shares == 249_999_999_999_878

    assert to_fixed(free_shares) == 2_767_011_611_058_683_245_176
    assert fx_mul(to_fixed(free_shares), price) == 2_767_011_611_058_685_458_726
    assert bmul(free_shares, price) == 150_000_000_000_122

    price6 = fx_div(to_fixed(1_100_000_000_000_001), to_fixed(1_100_000_000_000_000))
    assert price6 == ONE + 16_769
    assert bdiv(1_100_000_000_000_001, price6) == 1_100_000_000_000_000
    assert bmul(249_999_999_999_878, price6) == 249_999_999_999_878

    price7 = fx_div(to_fixed(850_000_000_000_123), to_fixed(850_000_000_000_122))
    assert price7 == ONE + 21_702
    assert bmul(250_000_000_000_122, price7) == 250_000_000_000_122


# -- U64F64 operations -------------------------------------------------------------------------


@given(bits128, bits128)
def test_mul_is_floor_of_exact_product(a: int, b: int) -> None:
    exact = Fraction(a, ONE) * Fraction(b, ONE) * ONE
    expected = exact.numerator // exact.denominator
    if expected >= 2**128:
        with pytest.raises(ArithmeticOverflow):
            fx_mul(a, b)
        with pytest.raises(ArithmeticOverflow):
            U64F64(a) * U64F64(b)
        assert U64F64(a).saturating_mul(U64F64(b)).bits == BITS_MAX
    else:
        assert fx_mul(a, b) == expected
        assert (U64F64(a) * U64F64(b)).bits == expected
        assert U64F64(a).saturating_mul(U64F64(b)).bits == expected


@given(bits128, bits128)
def test_div_is_floor_of_exact_quotient(a: int, b: int) -> None:
    if b == 0:
        with pytest.raises(ArithmeticDivisionByZero):
            fx_div(a, b)
        assert U64F64(a).checked_div(U64F64(b)) is None
        return
    exact = Fraction(a, b) * ONE
    expected = exact.numerator // exact.denominator
    if expected >= 2**128:
        with pytest.raises(ArithmeticOverflow):
            U64F64(a) / U64F64(b)
        assert fx_checked_div(a, b) is None
    else:
        assert fx_div(a, b) == expected
        assert (U64F64(a) / U64F64(b)).bits == expected
        checked = U64F64(a).checked_div(U64F64(b))
        assert checked is not None and checked.bits == expected


@given(bits128, bits128)
def test_add_sub_exact(a: int, b: int) -> None:
    if a + b < 2**128:
        assert (U64F64(a) + U64F64(b)).bits == a + b
    else:
        with pytest.raises(ArithmeticOverflow):
            U64F64(a) + U64F64(b)
    if a >= b:
        assert (U64F64(a) - U64F64(b)).bits == a - b
    else:
        with pytest.raises(ArithmeticUnderflow):
            U64F64(a) - U64F64(b)


def test_constructors_and_bounds() -> None:
    assert U64F64.from_int(5).bits == 5 << 64
    assert U64F64.from_int(2**64 - 1).bits == (2**64 - 1) << 64
    with pytest.raises(ArithmeticOverflow):
        U64F64.from_int(2**64)
    assert U64F64.from_bits(BITS_MAX).bits == BITS_MAX
    with pytest.raises(ArithmeticOverflow):
        U64F64.from_bits(2**128)
    with pytest.raises(ArithmeticUnderflow):
        U64F64.from_bits(-1)
    with pytest.raises(AttributeError):
        U64F64.ONE.bits = 1  # type: ignore[misc]
    assert U64F64.ONE.bits == ONE and U64F64.ZERO.bits == 0


def test_int_operand_scales_the_bits() -> None:
    x = U64F64.from_bits(1001)
    assert (x * 12).bits == 12012
    assert (12 * x).bits == 12012
    assert (x / 1000).bits == 1
    assert (x / 1000) == x / U64F64.from_int(1000)
    with pytest.raises(ArithmeticDivisionByZero):
        x / 0


def test_from_decimal_literals() -> None:
    assert U64F64.from_decimal("1.000000666600231").bits == 18446756370313412349
    assert U64F64.from_decimal("0.2").bits == 3689348814741910323
    assert U64F64.from_decimal("1.3").bits == 23980767295822417101
    assert U64F64.from_decimal("0.3").bits == 5534023222112865485
    assert bits_from_decimal("100") == 100 << 64
    assert bits_from_decimal("0.75") == 3 << 62  # exact
    with pytest.raises(ValueError):
        bits_from_decimal("-1")
    with pytest.raises(ValueError):
        bits_from_decimal("18446744073709551616")


def test_from_decimal_ties_to_even() -> None:
    half_ulp = "0." + str(5**65).rjust(65, "0")  # exactly 2^-65
    assert bits_from_decimal(half_ulp) == 0
    three_half_ulps = "0." + str(3 * 5**65).rjust(65, "0")  # 3 * 2^-65 -> 1.5 ulp
    assert bits_from_decimal(three_half_ulps) == 2
    just_above = half_ulp + "1"
    assert bits_from_decimal(just_above) == 1


def test_sqrt_matches_reference_method() -> None:
    root = U64F64.from_int(1000).sqrt()
    assert root.bits == fx_sqrt(1000 << 64)
    assert root.to_decimal_str().startswith("31.62277660146355")
    assert root.bits % (1 << 32) == 0  # only 32 fraction bits carry information
    assert U64F64.from_int(1).sqrt() == U64F64.ONE
    assert U64F64.from_int(4).sqrt().bits == 2 << 64


def test_to_int_compare_min_max() -> None:
    a, b = U64F64.from_decimal("2.9"), U64F64.from_int(3)
    assert a.to_int() == 2
    assert a < b and b > a and a <= a and b >= a and a != b
    assert a.min(b) is a and a.max(b) is b
    assert min(a, b) is a and max(a, b) is b
    assert a.clamp(U64F64.ZERO, U64F64.ONE) == U64F64.ONE
    assert hash(U64F64.from_int(3)) == hash(b)


def test_decimal_display() -> None:
    tr = U64F64.from_decimal("0.2")
    assert tr.to_decimal_str() == exact_decimal(3689348814741910323, 64)
    # truncation, not rounding: mining.md §10.1 shows this value rounded (…989158)
    assert tr.to_decimal_str(24) == "0.199999999999999999989157"
    assert U64F64.from_int(100).to_decimal_str() == "100"
    assert U64F64.from_int(100).to_decimal_str(3) == "100.000"
    assert U64F64.from_decimal("1.5").to_decimal_str(0) == "1"
    assert bits_to_decimal_str(1) == "0." + str(5**64).rjust(64, "0")
    assert repr(U64F64.from_decimal("0.75")) == "U64F64(0.75)"
    assert U64F64.from_int(3).to_json() == {"bits": 3 << 64, "value": "3"}


@given(bits128)
def test_decimal_display_is_exact(bits: int) -> None:
    assert Fraction(U64F64(bits).to_decimal_str()) == Fraction(bits, ONE)
    assert bits_from_decimal(U64F64(bits).to_decimal_str()) == bits


# -- U32F32 ---------------------------------------------------------------------------------------


def test_u32f32_ops() -> None:
    assert u32f32_from_int(3) == 3 << 32
    with pytest.raises(ArithmeticOverflow):
        u32f32_from_int(2**32)
    assert u32f32_mul(3 << 32, 1 << 31) == 3 << 31
    assert u32f32_div(40 << 32, 300 << 32) == 572_662_306  # floor(40/300 * 2^32)
    with pytest.raises(ArithmeticDivisionByZero):
        u32f32_div(1, 0)
    assert u32f32_shl(1 << 63, 1) == 0  # bits past 64 are dropped


# -- §2.4 Permill -------------------------------------------------------------------------------


def test_permill_examples() -> None:
    half = from_percent(50)
    assert permill_mul(half, 1) == 0
    assert permill_mul(half, 3) == 1
    assert permill_mul(125_000, 4) == 0
    assert permill_mul(1, 500_000) == 0
    assert permill_mul(1, 500_001) == 1
    assert permill_mul(999_999, 1) == 1
    assert permill_mul(125_000, 123_456_789_012_345) == 15_432_098_626_543
    assert Permill(125_000).mul_floor_round(123_456_789_012_345) == 15_432_098_626_543


def test_permill_range() -> None:
    assert Permill(1_000_000) == 1_000_000
    assert Permill(0) == 0
    assert from_percent(12) == 120_000
    with pytest.raises(ValueError):
        Permill(1_000_001)
    with pytest.raises(ValueError):
        Permill(-1)
    with pytest.raises(ValueError):
        from_percent(101)


@given(st.integers(min_value=0, max_value=1_000_000), st.integers(min_value=0, max_value=2**128))
def test_permill_rounds_to_nearest_ties_down(parts: int, x: int) -> None:
    exact = Fraction(parts * x, 1_000_000)
    floor = exact.numerator // exact.denominator
    expected = floor + (1 if exact - floor > Fraction(1, 2) else 0)
    assert permill_mul(parts, x) == expected
