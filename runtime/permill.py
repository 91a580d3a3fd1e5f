"""Permill (parts per million) and Substrate's `Permill * Balance` (stake_pool.md §2.4)."""

from __future__ import annotations

PERMILL_ACCURACY = 1_000_000
_HALF = PERMILL_ACCURACY // 2


class Permill(int):
    """Parts per million, a u32 restricted to 0..=1_000_000 (SCALE: plain u32 LE).

    The constructor raises `ValueError` outside that range (decoding such a value is an
    error in the reference, so it can never reach a call).
    """

    __slots__ = ()

    def __new__(cls, parts: int = 0) -> Permill:
        if not isinstance(parts, int):
            raise TypeError(f"Permill needs an int, got {type(parts).__name__}")
        if not 0 <= parts <= PERMILL_ACCURACY:
            raise ValueError(f"Permill parts {parts} outside 0..=1_000_000")
        return int.__new__(cls, parts)

    @classmethod
    def from_percent(cls, percent: int) -> Permill:
        """`percent * 10_000` parts (percent 0..=100)."""
        return cls(percent * 10_000)

    @classmethod
    def from_parts(cls, parts: int) -> Permill:
        return cls(parts)

    @property
    def parts(self) -> int:
        return int(self)

    def mul_floor_round(self, x: int) -> int:
        """`self * x` rounded to nearest, ties down (see `permill_mul`)."""
        return permill_mul(int(self), x)

    def __repr__(self) -> str:
        return f"Permill({int.__repr__(self)})"

    __str__ = int.__repr__


def from_percent(percent: int) -> Permill:
    """`Permill(percent * 10_000)`; raises `ValueError` above 100 %."""
    return Permill.from_percent(percent)


def permill_mul(parts: int, x: int) -> int:
    """`Permill(parts) * x` for a non-negative integer x, rounded to the nearest integer with
    ties rounded down (Substrate `sp-arithmetic`). Computed without ever forming
    `x * parts`, exactly as the reference: split x by 10^6, scale the remainder."""
    q, rem = divmod(x, PERMILL_ACCURACY)
    t = rem * parts
    correction = t // PERMILL_ACCURACY + (1 if t % PERMILL_ACCURACY > _HALF else 0)
    return q * parts + correction
