"""Bit-exact fixed point: U64F64 (the reference's `FixedU128<U64>`) and a minimal U32F32.

Two layers:

* plain-int functions on raw bits (`fx_mul`, `fx_div`, `to_fixed`, `from_fixed`, `bmul`,
  `bdiv`, `fx_sqrt`) for hot paths — a U64F64 value is its `u128` bits, value = bits / 2^64;
* the immutable `U64F64` class for readable code, tests and display.

Every multiplication and division truncates (floor), as the reference does
(stake_pool.md §2.2, economics.md §1). Results that leave `0 ≤ bits < 2^128` raise
`ArithmeticOverflow` / `ArithmeticUnderflow` instead of wrapping.
"""

from __future__ import annotations

from fractions import Fraction
from math import isqrt
from typing import ClassVar

from runtime.ints import ArithmeticDivisionByZero, ArithmeticOverflow, ArithmeticUnderflow

FRAC_BITS = 64
ONE = 1 << 64
BITS_MAX = (1 << 128) - 1
PHA = 10**12  # planck per PHA; balances are converted in PHA units
_LIMIT = 1 << 128
_BALANCE_LIMIT = 1 << 64


# -- raw-bits functions (hot path) ---------------------------------------------------------


def fx_mul(a: int, b: int) -> int:
    """`a * b` on U64F64 bits, truncated; raises `ArithmeticOverflow` if ≥ 2^128."""
    r = (a * b) >> 64
    if r >= _LIMIT:
        raise ArithmeticOverflow("U64F64 multiplication overflow")
    return r


def fx_div(a: int, b: int) -> int:
    """`a / b` on U64F64 bits, truncated; raises `ArithmeticDivisionByZero` for b = 0
    and `ArithmeticOverflow` if the quotient needs more than 128 bits."""
    if b == 0:
        raise ArithmeticDivisionByZero("U64F64 division by zero")
    r = (a << 64) // b
    if r >= _LIMIT:
        raise ArithmeticOverflow("U64F64 division overflow")
    return r


def fx_checked_div(a: int, b: int) -> int | None:
    """`a / b` on bits, or None when b = 0 or the quotient needs more than 128 bits."""
    if b == 0:
        return None
    r = (a << 64) // b
    return r if r < _LIMIT else None


def fx_saturating_mul(a: int, b: int) -> int:
    """`a * b` on bits, truncated, capped at 2^128 − 1."""
    return min((a * b) >> 64, BITS_MAX)


def fx_sqrt(a: int) -> int:
    """`sqrt(a)` on bits as the reference computes it: `isqrt(bits) << 32` (only 32 correct
    fraction bits)."""
    return isqrt(a) << 32


def to_fixed(balance: int) -> int:
    """Planck → U64F64 bits of the amount in PHA: `(balance << 64) // 10^12` (floor).

    Raises `ValueError` for a negative balance or one ≥ 2^64 planck, which is out of range
    in the reference (`from_num` would overflow); the emulator rejects it.
    """
    if not 0 <= balance < _BALANCE_LIMIT:
        raise ValueError(f"balance {balance} is outside the convertible range 0..2^64")
    return (balance << 64) // PHA


def from_fixed(bits: int) -> int:
    """U64F64 bits of a PHA amount → planck: `min(bits * 10^12, 2^128 − 1) >> 64`
    (saturating multiply, then truncation; at most 2^64 − 1)."""
    return min(bits * PHA, BITS_MAX) >> 64


def bmul(x: int, f: int) -> int:
    """Balance × fixed → balance, through PHA units (each step truncates)."""
    return from_fixed(fx_mul(to_fixed(x), f))


def bdiv(x: int, f: int) -> int:
    """Balance ÷ fixed → balance, through PHA units (each step truncates).
    Raises `ArithmeticDivisionByZero` for f = 0."""
    return from_fixed(fx_div(to_fixed(x), f))


def bits_from_decimal(text: str) -> int:
    """U64F64 bits of a decimal literal: the nearest representable value, ties to even.

    Raises `ValueError` for malformed text, negative values or values ≥ 2^64.
    """
    value = Fraction(text.strip())
    if value < 0:
        raise ValueError(f"U64F64 cannot hold the negative value {text!r}")
    bits = round(value * ONE)  # Fraction.__round__ rounds half to even
    if bits >= _LIMIT:
        raise ValueError(f"{text!r} is out of the U64F64 range")
    return bits


def bits_to_decimal_str(bits: int, digits: int | None = None) -> str:
    """Decimal expansion of `bits / 2^64`.

    With `digits=None` the expansion is exact (bits / 2^64 always terminates within 64
    fraction digits), trailing zeros dropped. With `digits=k` it is truncated to exactly
    k fraction digits (no point when k = 0).
    """
    whole, frac = divmod(bits, ONE)
    if digits is None:
        if frac == 0:
            return str(whole)
        text = str(frac * 5**64).rjust(64, "0").rstrip("0")  # frac/2^64 = frac·5^64/10^64
        return f"{whole}.{text}"
    if digits < 0:
        raise ValueError("digits must be ≥ 0")
    if digits == 0:
        return str(whole)
    text = str((frac * 10**digits) >> 64).rjust(digits, "0")
    return f"{whole}.{text}"


# -- U64F64 value type -----------------------------------------------------------------------


class U64F64:
    """Immutable unsigned 64.64 fixed-point number holding its raw `bits` (0 ≤ bits < 2^128).

    `+ -` are exact; `* /` truncate. Operators accept another `U64F64`, or a plain `int`
    for `*` and `/`, which then scales the bits directly (`FP * n`, `FP / n` — the same
    result as with `FP(n)`). Results outside the range raise `ArithmeticOverflow` /
    `ArithmeticUnderflow`; division by zero raises `ArithmeticDivisionByZero`.
    """

    __slots__ = ("_bits",)
    _bits: int
    ZERO: ClassVar[U64F64]
    ONE: ClassVar[U64F64]

    def __init__(self, bits: int) -> None:
        if not isinstance(bits, int):
            raise TypeError(f"U64F64 bits must be an int, got {type(bits).__name__}")
        if bits < 0:
            raise ArithmeticUnderflow(f"U64F64 bits {bits} are negative")
        if bits >= _LIMIT:
            raise ArithmeticOverflow(f"U64F64 bits {bits} need more than 128 bits")
        object.__setattr__(self, "_bits", int(bits))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("U64F64 is immutable")

    @property
    def bits(self) -> int:
        """The raw u128 representation (value × 2^64)."""
        return self._bits

    # -- constructors ------------------------------------------------------------------------

    @classmethod
    def from_bits(cls, bits: int) -> U64F64:
        """The value whose raw representation is `bits` (validated to 0 ≤ bits < 2^128)."""
        return cls(bits)

    @classmethod
    def from_int(cls, n: int) -> U64F64:
        """`FP(n)`; raises `ArithmeticOverflow` unless 0 ≤ n < 2^64."""
        if not 0 <= n < _BALANCE_LIMIT:
            raise ArithmeticOverflow(f"{n} does not fit the 64 integer bits of U64F64")
        return cls(n << 64)

    @classmethod
    def from_decimal(cls, text: str) -> U64F64:
        """Nearest representable value of a decimal literal, ties to even (`fp!(…)`)."""
        return cls(bits_from_decimal(text))

    # -- arithmetic ------------------------------------------------------------------------------

    def __add__(self, other: U64F64) -> U64F64:
        if not isinstance(other, U64F64):
            return NotImplemented
        return U64F64(self._bits + other._bits)

    def __sub__(self, other: U64F64) -> U64F64:
        if not isinstance(other, U64F64):
            return NotImplemented
        return U64F64(self._bits - other._bits)

    def __mul__(self, other: U64F64 | int) -> U64F64:
        if isinstance(other, U64F64):
            return U64F64(fx_mul(self._bits, other._bits))
        if isinstance(other, int):
            return U64F64(self._bits * other)
        return NotImplemented

    def __rmul__(self, other: int) -> U64F64:
        if isinstance(other, int):
            return U64F64(self._bits * other)
        return NotImplemented

    def __truediv__(self, other: U64F64 | int) -> U64F64:
        if isinstance(other, U64F64):
            return U64F64(fx_div(self._bits, other._bits))
        if isinstance(other, int):
            if other == 0:
                raise ArithmeticDivisionByZero("U64F64 division by zero")
            return U64F64(self._bits // other)
        return NotImplemented

    def checked_div(self, other: U64F64) -> U64F64 | None:
        """`self / other`, or None when other is 0 or the quotient needs more than 128 bits."""
        r = fx_checked_div(self._bits, other._bits)
        return None if r is None else U64F64(r)

    def saturating_mul(self, other: U64F64) -> U64F64:
        """`self * other` truncated and capped at the largest value."""
        return U64F64(fx_saturating_mul(self._bits, other._bits))

    def sqrt(self) -> U64F64:
        """`isqrt(bits) << 32`, the reference's square root (32 correct fraction bits)."""
        return U64F64(fx_sqrt(self._bits))

    def to_int(self) -> int:
        """Integer part (floor)."""
        return self._bits >> 64

    def min(self, other: U64F64) -> U64F64:
        return self if self._bits <= other._bits else other

    def max(self, other: U64F64) -> U64F64:
        return self if self._bits >= other._bits else other

    def clamp(self, lo: U64F64, hi: U64F64) -> U64F64:
        """`min(max(self, lo), hi)` as Rust's `Ord::clamp` (without its lo ≤ hi assert)."""
        return self.max(lo).min(hi)

    # -- comparisons (only between U64F64 values) ------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, U64F64):
            return NotImplemented
        return self._bits == other._bits

    def __hash__(self) -> int:
        return hash(("U64F64", self._bits))

    def __lt__(self, other: U64F64) -> bool:
        if not isinstance(other, U64F64):
            return NotImplemented
        return self._bits < other._bits

    def __le__(self, other: U64F64) -> bool:
        if not isinstance(other, U64F64):
            return NotImplemented
        return self._bits <= other._bits

    def __gt__(self, other: U64F64) -> bool:
        if not isinstance(other, U64F64):
            return NotImplemented
        return self._bits > other._bits

    def __ge__(self, other: U64F64) -> bool:
        if not isinstance(other, U64F64):
            return NotImplemented
        return self._bits >= other._bits

    def __bool__(self) -> bool:
        return self._bits != 0

    # -- display --------------------------------------------------------------------------------

    def to_decimal_str(self, digits: int | None = None) -> str:
        """Exact decimal expansion, or truncated to `digits` fraction digits."""
        return bits_to_decimal_str(self._bits, digits)

    def to_json(self) -> dict[str, int | str]:
        """The CLI form `{"bits": int, "value": "<exact decimal>"}`."""
        return {"bits": self._bits, "value": bits_to_decimal_str(self._bits)}

    def __repr__(self) -> str:
        return f"U64F64({bits_to_decimal_str(self._bits)})"

    def __str__(self) -> str:
        return bits_to_decimal_str(self._bits)


U64F64.ZERO = U64F64(0)
U64F64.ONE = U64F64(ONE)


# -- U32F32 (pow_target only) ---------------------------------------------------------------

U32F32_ONE = 1 << 32
_U64_LIMIT = 1 << 64


def u32f32_from_int(n: int) -> int:
    """U32F32 bits of integer n; raises `ArithmeticOverflow` unless 0 ≤ n < 2^32."""
    if not 0 <= n < (1 << 32):
        raise ArithmeticOverflow(f"{n} does not fit the 32 integer bits of U32F32")
    return n << 32


def u32f32_mul(a: int, b: int) -> int:
    """`a * b` on U32F32 bits, truncated; raises `ArithmeticOverflow` if ≥ 2^64."""
    r = (a * b) >> 32
    if r >= _U64_LIMIT:
        raise ArithmeticOverflow("U32F32 multiplication overflow")
    return r


def u32f32_div(a: int, b: int) -> int:
    """`a / b` on U32F32 bits, truncated; raises on b = 0 or a quotient ≥ 2^64."""
    if b == 0:
        raise ArithmeticDivisionByZero("U32F32 division by zero")
    r = (a << 32) // b
    if r >= _U64_LIMIT:
        raise ArithmeticOverflow("U32F32 division overflow")
    return r


def u32f32_shl(a: int, n: int) -> int:
    """`a << n` on the u64 bits, dropping bits shifted past 64 (Rust `Shl` on fixed)."""
    return (a << n) & (_U64_LIMIT - 1)
