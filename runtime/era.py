"""Transaction mortality (substrate.md §5.5): `Era` as in sp_runtime::generic::Era."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.codec import U8, Codec, EnumCodec, with_path
from runtime.scale import ScaleDecodeError

MIN_PERIOD = 4
MAX_PERIOD = 1 << 16
U64_MAX = (1 << 64) - 1


def _quantize_factor(period: int) -> int:
    return max(period >> 12, 1)


@dataclass(frozen=True)
class Era:
    """Immortal (`period == 0`) or mortal `(period, phase)`.

    A mortal era must be representable: period a power of two in 4..=65536,
    phase < period and a multiple of the quantize factor max(period >> 12, 1).
    Construct one with `Era.mortal(period, current)`; `Era()` is immortal.
    """

    period: int = 0
    phase: int = 0

    def __post_init__(self) -> None:
        if self.period == 0:
            if self.phase != 0:
                raise ValueError("immortal era has no phase")
            return
        if not (MIN_PERIOD <= self.period <= MAX_PERIOD and self.period & (self.period - 1) == 0):
            raise ValueError(f"era period {self.period} is not a power of two in 4..=65536")
        if not (0 <= self.phase < self.period and self.phase % _quantize_factor(self.period) == 0):
            raise ValueError(f"era phase {self.phase} invalid for period {self.period}")

    @classmethod
    def immortal(cls) -> Era:
        return cls()

    @classmethod
    def mortal(cls, period: int, current: int) -> Era:
        """The era valid from `current` for about `period` blocks.

        The period is rounded up to a power of two and clamped to 4..=65536; the
        phase is `current % period`, quantized down for periods above 4096.
        """
        if period < 0 or current < 0:
            raise ValueError("era period and current block must be non-negative")
        rounded = 1 << max(period - 1, 0).bit_length()
        period = min(max(rounded, MIN_PERIOD), MAX_PERIOD)
        q = _quantize_factor(period)
        return cls(period, (current % period) // q * q)

    @property
    def is_immortal(self) -> bool:
        return self.period == 0

    def encode(self) -> bytes:
        """0x00 for immortal, else a u16 LE: low nibble log2(period)-1, high bits phase/q."""
        if self.is_immortal:
            return b"\x00"
        low = min(max((self.period & -self.period).bit_length() - 2, 1), 15)
        value = low | ((self.phase // _quantize_factor(self.period)) << 4)
        return value.to_bytes(2, "little")

    @classmethod
    def decode(cls, data: bytes, offset: int = 0) -> tuple[Era, int]:
        """Decode an era at `offset`; returns (era, new offset).

        Raises ScaleDecodeError on truncated input or an invalid period/phase.
        """
        if offset >= len(data):
            raise ScaleDecodeError("era: unexpected end of input")
        if data[offset] == 0:
            return cls(), offset + 1
        if offset + 2 > len(data):
            raise ScaleDecodeError("era: unexpected end of input (mortal era needs 2 bytes)")
        value = int.from_bytes(data[offset:offset + 2], "little")
        period = 2 << (value & 0xF)
        phase = (value >> 4) * _quantize_factor(period)
        if period < MIN_PERIOD or phase >= period:
            raise ScaleDecodeError(
                f"era: invalid mortal era 0x{data[offset:offset + 2].hex()} "
                f"(period {period}, phase {phase})"
            )
        return cls(period, phase), offset + 2

    @classmethod
    def from_bytes(cls, data: bytes) -> Era:
        """Decode exactly one era; trailing bytes raise ScaleDecodeError."""
        era, end = cls.decode(data)
        if end != len(data):
            raise ScaleDecodeError(f"era: {len(data) - end} trailing byte(s)")
        return era

    def birth(self, current: int) -> int:
        """The first block of the era's validity window containing `current` (0 if immortal)."""
        if self.is_immortal:
            return 0
        return (max(current, self.phase) - self.phase) // self.period * self.period + self.phase

    def death(self, current: int) -> int:
        """The first block at which the era is no longer valid (u64::MAX if immortal)."""
        if self.is_immortal:
            return U64_MAX
        return self.birth(current) + self.period


class EraCodec(Codec):
    """`Era` values as SCALE (the extrinsic's CheckMortality extra)."""

    type_string = "Era"

    def encode(self, value: Era) -> bytes:
        return value.encode()

    def decode_from(self, data: bytes, offset: int) -> tuple[Era, int]:
        return Era.decode(data, offset)

    def default(self) -> Era:
        return Era()

    def to_json(self, value: Era, ctx: Any) -> Any:
        return "Immortal" if value.is_immortal else {"period": value.period,
                                                     "phase": value.phase}

    def metadata_twin(self) -> Codec:
        """sp_runtime's own description, byte for byte: `Immortal` = 0x00, and a mortal
        era's two bytes read as variant `Mortal<first byte>` holding the second byte."""
        return EnumCodec("Era", [("Immortal", None, 0)]
                         + [(f"Mortal{i}", U8, i) for i in range(1, 256)])


ERA = with_path(EraCodec(), "sp_runtime::generic::era::Era")
