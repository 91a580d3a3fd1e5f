"""Fixed-width integers: exact bounds, typed results, Substrate error kinds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.ints import (
    U8,
    U16,
    U32,
    U64,
    U128,
    Arithmetic,
    ArithmeticDivisionByZero,
    ArithmeticOverflow,
    ArithmeticUnderflow,
    UInt,
    checked_add,
    checked_mul,
    checked_sub,
    saturating_add,
    saturating_mul,
    saturating_sub,
)

TYPES = [(U8, 8), (U16, 16), (U32, 32), (U64, 64), (U128, 128)]


@pytest.mark.parametrize(("cls", "bits"), TYPES)
def test_constructor_accepts_exactly_the_range(cls: type[UInt], bits: int) -> None:
    assert cls(0) == 0
    assert cls(2**bits - 1) == 2**bits - 1
    assert cls.MAX == 2**bits - 1
    with pytest.raises(ArithmeticOverflow):
        cls(2**bits)
    with pytest.raises(ArithmeticUnderflow):
        cls(-1)
    with pytest.raises(TypeError):
        cls(1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(("cls", "bits"), TYPES)
def test_add_raises_exactly_past_max(cls: type[UInt], bits: int) -> None:
    top = cls(2**bits - 2)
    r = top + 1
    assert r == 2**bits - 1 and type(r) is cls
    with pytest.raises(ArithmeticOverflow) as err:
        top + 2
    assert err.value.kind == "Overflow"


@pytest.mark.parametrize(("cls", "bits"), TYPES)
def test_sub_raises_exactly_below_zero(cls: type[UInt], bits: int) -> None:
    assert cls(5) - 5 == 0
    with pytest.raises(ArithmeticUnderflow) as err:
        cls(5) - 6
    assert err.value.kind == "Underflow"
    with pytest.raises(ArithmeticUnderflow):
        4 - cls(5)  # reflected operand
    r = 6 - cls(5)
    assert r == 1 and type(r) is cls


@pytest.mark.parametrize(("cls", "bits"), TYPES)
def test_mul_and_floordiv(cls: type[UInt], bits: int) -> None:
    half = cls(2 ** (bits - 1))
    with pytest.raises(ArithmeticOverflow):
        half * 2
    with pytest.raises(ArithmeticOverflow):
        2 * half
    r = cls(7) // 2
    assert r == 3 and type(r) is cls
    r = 7 // cls(2)
    assert r == 3 and type(r) is cls
    with pytest.raises(ArithmeticDivisionByZero) as err:
        cls(1) // 0
    assert err.value.kind == "DivisionByZero"
    with pytest.raises(ZeroDivisionError):  # also a plain ZeroDivisionError
        cls(1) % 0


def test_results_keep_the_type_with_plain_ints() -> None:
    a = U64(10)
    for r in (a + 1, 1 + a, a - 1, 11 - a, a * 3, 3 * a, a // 3, 30 // a, a % 3, 23 % a):
        assert type(r) is U64
    assert (a + 1, 1 + a, a - 1, 11 - a, a * 3, a // 3, a % 3) == (11, 11, 9, 1, 30, 3, 1)


def test_other_operators_fall_back_to_int() -> None:
    assert type(U8(1) << 10) is int and (U8(1) << 10) == 1024
    assert type(-U8(1)) is int


def test_mixing_widths_is_refused() -> None:
    with pytest.raises(TypeError):
        U32(1) + U64(1)
    with pytest.raises(TypeError):
        saturating_add(U32(1), U64(1))


def test_errors_share_a_base_and_python_categories() -> None:
    assert issubclass(ArithmeticOverflow, Arithmetic)
    assert issubclass(ArithmeticUnderflow, Arithmetic)
    assert issubclass(ArithmeticDivisionByZero, Arithmetic)
    assert issubclass(ArithmeticOverflow, OverflowError)
    assert issubclass(Arithmetic, ArithmeticError)


def test_display_and_equality() -> None:
    assert repr(U128(5)) == "U128(5)"
    assert str(U128(5)) == "5" and f"{U128(5)}" == "5"
    assert U64(3) == 3 and hash(U64(3)) == hash(3)


def test_helpers_at_the_bounds() -> None:
    m = U8.MAX
    assert checked_add(U8(m - 1), 1) == m
    assert checked_add(U8(m), 1) is None
    assert checked_sub(U8(0), 1) is None
    assert checked_sub(U8(1), 1) == 0
    assert checked_mul(U8(128), 2) is None
    assert checked_mul(U8(127), 2) == 254
    assert saturating_add(U8(250), 10) == 255
    assert saturating_sub(U8(3), 10) == 0
    assert saturating_mul(U8(16), 16) == 255
    assert type(saturating_add(U8(250), 10)) is U8
    assert type(checked_add(1, U16(2))) is U16
    assert U128(U128.MAX).saturating_add(1) == U128.MAX
    assert U128(0).saturating_sub(1) == 0
    assert U64(2**63).checked_mul(2) is None
    with pytest.raises(TypeError):
        checked_add(1, 2)


@given(st.sampled_from(TYPES), st.integers(min_value=0), st.integers(min_value=0))
def test_checked_ops_match_exact_arithmetic(t: tuple[type[UInt], int], a: int, b: int) -> None:
    cls, bits = t
    a %= 2**bits
    b %= 2**bits
    x = cls(a)
    for op, exact in ((x.__add__, a + b), (x.__sub__, a - b), (x.__mul__, a * b)):
        if exact < 0:
            with pytest.raises(ArithmeticUnderflow):
                op(b)
        elif exact > cls.MAX:
            with pytest.raises(ArithmeticOverflow):
                op(b)
        else:
            r = op(b)
            assert r == exact and type(r) is cls
    if b:
        assert x // b == a // b
    checked = x.checked_add(b)
    assert checked == (a + b if a + b <= cls.MAX else None)
    assert x.saturating_sub(b) == max(a - b, 0)
