"""SCALE primitives: compact integers and a strict byte reader.

The typed codecs (built once at start-up) live in runtime/codec.py; this module
holds only what every codec and the extrinsic envelope share.
"""

from __future__ import annotations


class ScaleDecodeError(ValueError):
    """Bytes that do not decode as the expected SCALE type."""


def encode_compact(n: int) -> bytes:
    if n < 0:
        raise ValueError(f"compact cannot encode negative {n}")
    if n < 1 << 6:
        return bytes([n << 2])
    if n < 1 << 14:
        return ((n << 2) | 1).to_bytes(2, "little")
    if n < 1 << 30:
        return ((n << 2) | 2).to_bytes(4, "little")
    length = (n.bit_length() + 7) // 8
    if length > 67:
        raise ValueError(f"compact cannot encode {n}: more than 67 bytes")
    return bytes([((length - 4) << 2) | 3]) + n.to_bytes(length, "little")


def decode_compact(data: bytes, offset: int = 0) -> tuple[int, int]:
    """Decode a canonical compact integer at offset; returns (value, new offset)."""
    if offset >= len(data):
        raise ScaleDecodeError("compact: unexpected end of input")
    b0 = data[offset]
    mode = b0 & 3
    if mode == 0:
        return b0 >> 2, offset + 1
    if mode == 1:
        if offset + 2 > len(data):
            raise ScaleDecodeError("compact: unexpected end of input")
        v = int.from_bytes(data[offset:offset + 2], "little") >> 2
        if v < 1 << 6:
            raise ScaleDecodeError("compact: non-canonical encoding")
        return v, offset + 2
    if mode == 2:
        if offset + 4 > len(data):
            raise ScaleDecodeError("compact: unexpected end of input")
        v = int.from_bytes(data[offset:offset + 4], "little") >> 2
        if v < 1 << 14:
            raise ScaleDecodeError("compact: non-canonical encoding")
        return v, offset + 4
    length = (b0 >> 2) + 4
    end = offset + 1 + length
    if end > len(data):
        raise ScaleDecodeError("compact: unexpected end of input")
    v = int.from_bytes(data[offset + 1:end], "little")
    if data[end - 1] == 0 or v < 1 << 30:
        raise ScaleDecodeError("compact: non-canonical encoding")
    return v, end
