"""Origins and dispatch errors (substrate.md §8.4).

A call that fails raises a `DispatchError`; the dispatcher rolls its storage layer
back and System records `ExtrinsicFailed` with the error's SCALE encoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Origin:
    """Signed(account), Root, or None (unsigned/inherent)."""

    kind: str  # "signed" | "root" | "none"
    who: bytes | None = None

    @staticmethod
    def signed(who: bytes) -> Origin:
        return Origin("signed", who)

    @staticmethod
    def root() -> Origin:
        return Origin("root")

    @staticmethod
    def none() -> Origin:
        return Origin("none")


class DispatchError(Exception):
    """Base of every dispatch failure; `variant` is the DispatchError enum index."""

    variant: ClassVar[int] = 0
    label: ClassVar[str] = "Other"

    def encode(self, pallet_index_of: dict[str, int]) -> bytes:
        return bytes([self.variant])

    def describe(self) -> str:
        """Short name for CLI output: 'BadOrigin', 'Pallet.Error', 'Token.FundsUnavailable'."""
        return self.label

    def __str__(self) -> str:
        return self.describe()


class Other(DispatchError):
    variant, label = 0, "Other"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class CannotLookup(DispatchError):
    variant, label = 1, "CannotLookup"


class BadOrigin(DispatchError):
    variant, label = 2, "BadOrigin"


class ModuleError(DispatchError):
    variant = 3

    def __init__(self, pallet: str, index: int, name: str) -> None:
        super().__init__(f"{pallet}.{name}")
        self.pallet = pallet
        self.index = index
        self.name = name

    def encode(self, pallet_index_of: dict[str, int]) -> bytes:
        return bytes([3, pallet_index_of[self.pallet], self.index, 0, 0, 0])

    def describe(self) -> str:
        return f"{self.pallet}.{self.name}"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ModuleError) and other.pallet == self.pallet
                and other.index == self.index)

    def __hash__(self) -> int:
        return hash((self.pallet, self.index))


class ConsumerRemaining(DispatchError):
    variant, label = 4, "ConsumerRemaining"


class NoProviders(DispatchError):
    variant, label = 5, "NoProviders"


class TooManyConsumers(DispatchError):
    variant, label = 6, "TooManyConsumers"


TOKEN_ERRORS = ["FundsUnavailable", "OnlyProvider", "BelowMinimum", "CannotCreate",
                "UnknownAsset", "Frozen", "Unsupported", "CannotCreateHold", "NotExpendable"]
ARITHMETIC_ERRORS = ["Underflow", "Overflow", "DivisionByZero"]


class TokenError(DispatchError):
    variant = 7

    def __init__(self, name: str) -> None:
        if name not in TOKEN_ERRORS:
            raise ValueError(f"unknown TokenError {name}")
        super().__init__(name)
        self.name = name

    def encode(self, pallet_index_of: dict[str, int]) -> bytes:
        return bytes([7, TOKEN_ERRORS.index(self.name)])

    def describe(self) -> str:
        return f"Token.{self.name}"


class ArithmeticError_(DispatchError):  # noqa: N801 - avoid shadowing the builtin
    variant = 8

    def __init__(self, name: str) -> None:
        if name not in ARITHMETIC_ERRORS:
            raise ValueError(f"unknown ArithmeticError {name}")
        super().__init__(name)
        self.name = name

    def encode(self, pallet_index_of: dict[str, int]) -> bytes:
        return bytes([8, ARITHMETIC_ERRORS.index(self.name)])

    def describe(self) -> str:
        return f"Arithmetic.{self.name}"


SIMPLE_ERRORS: dict[int, type[DispatchError]] = {
    0: Other, 1: CannotLookup, 2: BadOrigin, 4: ConsumerRemaining, 5: NoProviders,
    6: TooManyConsumers,
}


PalletErrors = dict[int, tuple[str, list[str]]]


def decode_dispatch_error(data: bytes, offset: int,
                          pallet_errors: PalletErrors) -> tuple[DispatchError, int]:
    """Decode a DispatchError; pallet_errors maps pallet index -> (name, error names)."""
    from runtime.scale import ScaleDecodeError

    if offset >= len(data):
        raise ScaleDecodeError("DispatchError: unexpected end of input")
    v = data[offset]
    if v in SIMPLE_ERRORS:
        return SIMPLE_ERRORS[v](), offset + 1
    if v == 3:
        if offset + 6 > len(data):
            raise ScaleDecodeError("ModuleError: unexpected end of input")
        pidx, eidx = data[offset + 1], data[offset + 2]
        pname, names = pallet_errors.get(pidx, (f"Pallet{pidx}", []))
        ename = names[eidx] if eidx < len(names) else f"Error{eidx}"
        return ModuleError(pname, eidx, ename), offset + 6
    if v == 7:
        return TokenError(TOKEN_ERRORS[data[offset + 1]]), offset + 2
    if v == 8:
        return ArithmeticError_(ARITHMETIC_ERRORS[data[offset + 1]]), offset + 2
    raise ScaleDecodeError(f"DispatchError: unsupported variant {v}")


def ensure_signed(origin: Origin) -> bytes:
    """The signer's account, or BadOrigin."""
    if origin.kind != "signed" or origin.who is None:
        raise BadOrigin()
    return origin.who


def ensure_root(origin: Origin) -> None:
    if origin.kind != "root":
        raise BadOrigin()


def ensure_none(origin: Origin) -> None:
    if origin.kind != "none":
        raise BadOrigin()
