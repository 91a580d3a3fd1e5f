"""Mining pallet math: default parameters (mining.md §10.1), minimal stake and Ve
(mining.md §5.3, stake_pool.md §13.4). Expected values are the spec's figures or worked
by hand with Fraction and the floor rules."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

from pallets.mining.formulas import (
    TokenomicParams,
    conf_score_pallet,
    default_params,
    max_stake,
    minimal_stake,
    ve,
)
from runtime.fixed import bits_to_decimal_str

PHA = 10**12
ONE = 2**64
RE_BITS = 23_980_767_295_822_417_101
RIG_K_BITS = 5_534_023_222_112_865_485
V_MAX_BITS = 30_000 * ONE

# field, bits (decimal), bits (hex), decimal value as printed in the table
TABLE_10_1 = [
    ("pha_rate", 18446744073709551616, 0x10000000000000000, "1"),
    ("rho", 18446756370313412349, 0x100000B2F06B47EFD, "1.000000666600231000017990"),
    ("budget_per_block", 1844674407370955161600, 0x640000000000000000, "100"),
    ("v_max", 553402322211286548480000, 0x75300000000000000000, "30000"),
    ("cost_k", 291740030655, 0x43ED0F96BF, "0.000000015815258751856933056"),
    ("cost_b", 621866907450610, 0x23595AC1DBCF2, "0.000033711472602739674283"),
    ("slash_rate", 61489146912365, 0x37EC8EC25E6D, "0.0000033333333333333240063"),
    ("treasury_ratio", 3689348814741910323, 0x3333333333333333, "0.199999999999999999989158"),
    ("rig_k", 5534023222112865485, 0x4CCCCCCCCCCCCCCD, "0.300000000000000000010842"),
    ("rig_b", 0, 0x0, "0"),
    ("re", 23980767295822417101, 0x14CCCCCCCCCCCCCCD, "1.300000000000000000010842"),
    ("k", 1844674407370955161600, 0x640000000000000000, "100"),
    ("kappa", 18446744073709551616, 0x10000000000000000, "1"),
]


def floor(q: Fraction) -> int:
    return q.numerator // q.denominator


def nearest_bits(q: Fraction) -> int:
    return round(q * ONE)


@pytest.mark.parametrize(("field", "bits", "hex_bits", "shown"), TABLE_10_1)
def test_default_params_bits(field: str, bits: int, hex_bits: int, shown: str) -> None:
    value = getattr(default_params(), field)
    assert value == bits == hex_bits
    # the table's decimal column is the value rounded to the digits shown
    places = len(shown.partition(".")[2])
    assert abs(Fraction(bits, ONE) - Fraction(shown)) <= Fraction(1, 2 * 10**places)


def test_default_heartbeat_window_and_field_order() -> None:
    params = default_params()
    assert params.heartbeat_window == 10
    names = [f.name for f in dataclasses.fields(TokenomicParams)]
    assert names == [
        "pha_rate", "rho", "budget_per_block", "v_max", "cost_k", "cost_b", "slash_rate",
        "treasury_ratio", "heartbeat_window", "rig_k", "rig_b", "re", "k", "kappa",
    ]  # fmt: skip
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.k = 0  # type: ignore[misc]


def test_default_params_derivation_by_hand() -> None:
    # literal -> nearest bits, then integer steps on the bits (mining.md §10.1)
    assert nearest_bits(Fraction("0.0415625")) * 12 // 31_536_000 == 291740030655
    assert nearest_bits(Fraction("88.59375")) * 12 // 31_536_000 == 621866907450610
    assert nearest_bits(Fraction("0.001")) * 12 // 3600 == 61489146912365
    assert (720_000 * ONE) * 12 // 86400 == 100 * ONE


def test_conf_score_pallet() -> None:
    for level in (0, 1, 2, 3, 6, 128, 255):
        assert conf_score_pallet(level) == ONE
    assert conf_score_pallet(4) == nearest_bits(Fraction(8, 10)) == 14757395258967641293
    assert conf_score_pallet(5) == nearest_bits(Fraction(7, 10)) == 12912720851596686131


def test_minimal_stake() -> None:
    k = default_params().k
    assert minimal_stake(k, 1) == 100 * PHA
    assert minimal_stake(k, 4) == 200 * PHA
    # p = 2: sqrt(FP(2)) = isqrt(2^65) << 32 keeps 32 fraction bits; isqrt(2^65) = 6074000999
    assert 6_074_000_999**2 <= 2**65 < 6_074_001_000**2
    sqrt2_bits = 6_074_000_999 * 2**32
    assert minimal_stake(k, 2) == floor(Fraction(100 * sqrt2_bits * PHA, ONE))
    assert minimal_stake(k, 2) == 141_421_356_215_141  # true 100·√2 PHA is …237_309


def hand_ve(stake: int, p: int, conf_bits: int) -> int:
    """Ve worked with Fraction: each FP product floored to bits, as in mining.md §5.3."""
    tweaked = floor(Fraction((RE_BITS - ONE) * conf_bits, ONE)) + ONE
    rig = floor(Fraction(RIG_K_BITS * p * ONE, ONE))
    stake_bits = floor(Fraction(stake * ONE, PHA))
    return floor(Fraction(tweaked * (stake_bits + rig), ONE))


def test_ve_of_100_pha() -> None:
    bits = ve(100 * PHA, 1, 128, default_params())
    assert bits == hand_ve(100 * PHA, 1, ONE) == 2_405_270_959_770_988_435_230
    # 1.3 * 100.3 = 130.39; the rounded literals put it 20 ulp above
    assert bits_to_decimal_str(bits, 18) == "130.390000000000000001"
    assert abs(Fraction(bits, ONE) - Fraction("130.39")) < Fraction(1, 10**17)


def test_ve_of_500_pha() -> None:
    bits = ve(500 * PHA, 1, 128, default_params())
    assert bits == 11_997_577_878_099_955_275_630
    assert bits == hand_ve(500 * PHA, 1, ONE)


def test_ve_confidence_levels() -> None:
    params = default_params()
    conf_08 = nearest_bits(Fraction(8, 10))
    conf_07 = nearest_bits(Fraction(7, 10))
    assert ve(500 * PHA, 3, 4, params) == hand_ve(500 * PHA, 3, conf_08)
    assert ve(500 * PHA, 3, 5, params) == hand_ve(500 * PHA, 3, conf_07)
    assert ve(500 * PHA, 3, 1, params) == ve(500 * PHA, 3, 0, params) == hand_ve(500 * PHA, 3, ONE)


def test_largest_accepted_stake() -> None:
    params = default_params()
    largest = 23_076_623_076_923_076
    assert ve(largest, 1, 128, params) <= V_MAX_BITS
    assert ve(largest + 1, 1, 128, params) > V_MAX_BITS
    assert hand_ve(largest + 1, 1, ONE) > V_MAX_BITS >= hand_ve(largest, 1, ONE)
    assert max_stake(1, 128, params) == largest
    assert ve(30_000 * PHA, 1, 128, params) > V_MAX_BITS  # TooMuchStake


def test_max_stake_none_when_rig_cost_alone_exceeds_v_max() -> None:
    params = dataclasses.replace(default_params(), v_max=ONE)  # 1.0 < 1.3 * 0.3 * 4
    assert max_stake(4, 1, params) is None


def test_ve_rejects_out_of_range_stake() -> None:
    with pytest.raises(ValueError):
        ve(2**64, 1, 1, default_params())
