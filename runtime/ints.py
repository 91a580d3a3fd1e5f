"""Fixed-width unsigned integers that refuse to overflow silently.

`U8 … U128` are `int` subclasses. `+ - * // %` between two values of the same type, or
between a typed value and a plain `int` (either side), return the typed result and raise
an `Arithmetic` error when the exact result leaves `0..=MAX`. Mixing two different widths
raises `TypeError` (the reference would need an explicit cast). Every other operator
(`<<`, `&`, unary `-`, …) falls back to plain `int` arithmetic and returns a plain `int`.

The error classes mirror Substrate's `ArithmeticError` variants through `.kind`.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar


class Arithmetic(ArithmeticError):
    """Base of the checked-arithmetic errors; `.kind` is the Substrate variant name."""

    kind: ClassVar[str] = "Arithmetic"


class ArithmeticUnderflow(Arithmetic):
    """The exact result is below the type's minimum (0)."""

    kind = "Underflow"


class ArithmeticOverflow(Arithmetic, OverflowError):
    """The exact result is above the type's maximum."""

    kind = "Overflow"


class ArithmeticDivisionByZero(Arithmetic, ZeroDivisionError):
    """Division or remainder by zero."""

    kind = "DivisionByZero"


# Substrate-style alias for the common base.
ArithmeticError_ = Arithmetic

T = TypeVar("T", bound="UInt")

# Unbound int slots as globals: cheaper than attribute lookups on the hot path.
_int_add = int.__add__
_int_sub = int.__sub__
_int_mul = int.__mul__
_int_new = int.__new__


class UInt(int):
    """Common base of the fixed-width unsigned types; never instantiated directly."""

    __slots__ = ()
    BITS: ClassVar[int] = 0
    MAX: ClassVar[int] = 0

    def __new__(cls: type[T], value: int = 0) -> T:
        """Build a checked value; raises `TypeError` for non-integers (floats, strings)
        and `ArithmeticUnderflow` / `ArithmeticOverflow` outside `0..=MAX`."""
        if not isinstance(value, int):
            raise TypeError(f"{cls.__name__} needs an int, got {type(value).__name__}")
        if value < 0:
            raise ArithmeticUnderflow(f"{cls.__name__}({value}) is negative")
        if value > cls.MAX:
            raise ArithmeticOverflow(f"{cls.__name__}({value}) exceeds {cls.MAX}")
        return int.__new__(cls, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({int.__repr__(self)})"

    __str__ = int.__repr__

    # -- internals ---------------------------------------------------------------------

    def _other(self, other: object) -> int | None:
        """Plain-int value of `other`, None if it is not an integer at all."""
        if type(other) is int:
            return other
        if type(other) is type(self):
            return int(other)  # plain int, so the operator below does not recurse
        if isinstance(other, UInt):
            raise TypeError(f"cannot mix {type(self).__name__} with {type(other).__name__}")
        if isinstance(other, int):
            return int(other)
        return None

    def _wrap(self: T, result: int) -> T:
        if result < 0:
            raise ArithmeticUnderflow(f"{type(self).__name__} underflow: {result}")
        if result > self.MAX:
            raise ArithmeticOverflow(f"{type(self).__name__} overflow: {result}")
        return int.__new__(type(self), result)

    # -- checked operators ---------------------------------------------------------------

    # add/sub/mul are inlined (no helper calls on the common path): they are hot.

    def __add__(self: T, other: object) -> T:
        cls = type(self)
        if type(other) is not int and type(other) is not cls:
            other = self._other(other)
            if other is None:
                return NotImplemented
        r = _int_add(self, other)
        if r > cls.MAX or r < 0:
            return self._wrap(r)  # raises
        return _int_new(cls, r)

    __radd__ = __add__

    def __sub__(self: T, other: object) -> T:
        cls = type(self)
        if type(other) is not int and type(other) is not cls:
            other = self._other(other)
            if other is None:
                return NotImplemented
        r = _int_sub(self, other)
        if r < 0 or r > cls.MAX:
            return self._wrap(r)  # raises
        return _int_new(cls, r)

    def __rsub__(self: T, other: object) -> T:
        o = self._other(other)
        if o is None:
            return NotImplemented
        return self._wrap(o - int(self))

    def __mul__(self: T, other: object) -> T:
        cls = type(self)
        if type(other) is not int and type(other) is not cls:
            other = self._other(other)
            if other is None:
                return NotImplemented
        r = _int_mul(self, other)
        if r > cls.MAX or r < 0:
            return self._wrap(r)  # raises
        return _int_new(cls, r)

    __rmul__ = __mul__

    def __floordiv__(self: T, other: object) -> T:
        o = self._other(other)
        if o is None:
            return NotImplemented
        if o == 0:
            raise ArithmeticDivisionByZero(f"{type(self).__name__} division by zero")
        return self._wrap(int(self) // o)

    def __rfloordiv__(self: T, other: object) -> T:
        o = self._other(other)
        if o is None:
            return NotImplemented
        if self == 0:
            raise ArithmeticDivisionByZero(f"{type(self).__name__} division by zero")
        return self._wrap(o // int(self))

    def __mod__(self: T, other: object) -> T:
        o = self._other(other)
        if o is None:
            return NotImplemented
        if o == 0:
            raise ArithmeticDivisionByZero(f"{type(self).__name__} remainder by zero")
        return self._wrap(int(self) % o)

    def __rmod__(self: T, other: object) -> T:
        o = self._other(other)
        if o is None:
            return NotImplemented
        if self == 0:
            raise ArithmeticDivisionByZero(f"{type(self).__name__} remainder by zero")
        return self._wrap(o % int(self))

    # -- Rust-style helpers as methods -----------------------------------------------------

    def checked_add(self: T, other: int) -> T | None:
        """`self + other`, or None outside the range."""
        r = int(self) + int(other)
        return int.__new__(type(self), r) if 0 <= r <= self.MAX else None

    def checked_sub(self: T, other: int) -> T | None:
        """`self - other`, or None outside the range."""
        r = int(self) - int(other)
        return int.__new__(type(self), r) if 0 <= r <= self.MAX else None

    def checked_mul(self: T, other: int) -> T | None:
        """`self * other`, or None outside the range."""
        r = int(self) * int(other)
        return int.__new__(type(self), r) if 0 <= r <= self.MAX else None

    def saturating_add(self: T, other: int) -> T:
        """`self + other` clamped to `0..=MAX`."""
        return int.__new__(type(self), min(max(int(self) + int(other), 0), self.MAX))

    def saturating_sub(self: T, other: int) -> T:
        """`self - other` clamped to `0..=MAX`."""
        return int.__new__(type(self), min(max(int(self) - int(other), 0), self.MAX))

    def saturating_mul(self: T, other: int) -> T:
        """`self * other` clamped to `0..=MAX`."""
        return int.__new__(type(self), min(max(int(self) * int(other), 0), self.MAX))


class U8(UInt):
    __slots__ = ()
    BITS = 8
    MAX = (1 << 8) - 1


class U16(UInt):
    __slots__ = ()
    BITS = 16
    MAX = (1 << 16) - 1


class U32(UInt):
    __slots__ = ()
    BITS = 32
    MAX = (1 << 32) - 1


class U64(UInt):
    __slots__ = ()
    BITS = 64
    MAX = (1 << 64) - 1


class U128(UInt):
    __slots__ = ()
    BITS = 128
    MAX = (1 << 128) - 1


def _typed(a: int, b: int) -> type[UInt]:
    """The width shared by `a` and `b` (at least one must be typed)."""
    ta = type(a) if isinstance(a, UInt) else None
    tb = type(b) if isinstance(b, UInt) else None
    if ta is not None and tb is not None and ta is not tb:
        raise TypeError(f"cannot mix {ta.__name__} with {tb.__name__}")
    t = ta or tb
    if t is None:
        raise TypeError("one operand must be a typed integer (U8 … U128)")
    return t


def checked_add(a: int, b: int) -> UInt | None:
    """`a + b` in the operands' width, or None when out of range."""
    return _typed(a, b)(0).checked_add(int(a) + int(b))


def checked_sub(a: int, b: int) -> UInt | None:
    """`a - b` in the operands' width, or None when out of range."""
    return _typed(a, b)(0).checked_add(int(a) - int(b))


def checked_mul(a: int, b: int) -> UInt | None:
    """`a * b` in the operands' width, or None when out of range."""
    return _typed(a, b)(0).checked_add(int(a) * int(b))


def saturating_add(a: int, b: int) -> UInt:
    """`a + b` in the operands' width, clamped to `0..=MAX`."""
    return _typed(a, b)(0).saturating_add(int(a) + int(b))


def saturating_sub(a: int, b: int) -> UInt:
    """`a - b` in the operands' width, clamped to `0..=MAX`."""
    return _typed(a, b)(0).saturating_add(int(a) - int(b))


def saturating_mul(a: int, b: int) -> UInt:
    """`a * b` in the operands' width, clamped to `0..=MAX`."""
    return _typed(a, b)(0).saturating_add(int(a) * int(b))
