"""SS58 addresses for 32-byte account ids (substrate.md §6.4), with our own base58."""

from __future__ import annotations

from runtime.hashing import blake2_512

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"  # Bitcoin
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_RESERVED = (46, 47)
_CHECKSUM_PREFIX = b"SS58PRE"
MAX_PREFIX = 16383


class InvalidAddress(ValueError):
    """A string that is not a valid SS58 address of a 32-byte account."""


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, rem = divmod(n, 58)
        out.append(ALPHABET[rem])
    zeros = len(data) - len(data.lstrip(b"\0"))  # each leading zero byte is a "1"
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Raises InvalidAddress on a character outside the Bitcoin alphabet."""
    n = 0
    for ch in text:
        if ch not in _INDEX:
            raise InvalidAddress(f"invalid base58 character {ch!r}")
        n = n * 58 + _INDEX[ch]
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def _checksum(data: bytes) -> bytes:
    return blake2_512(_CHECKSUM_PREFIX + data)[:2]


def _prefix_bytes(prefix: int) -> bytes:
    if not 0 <= prefix <= MAX_PREFIX:
        raise InvalidAddress(f"SS58 prefix {prefix} out of range 0..={MAX_PREFIX}")
    if prefix in _RESERVED:
        raise InvalidAddress(f"SS58 prefix {prefix} is reserved")
    if prefix < 64:
        return bytes([prefix])
    return bytes([
        ((prefix & 0b1111_1100) >> 2) | 0b0100_0000,
        (prefix >> 8) | ((prefix & 0b11) << 6),
    ])


def encode(public_key: bytes, prefix: int = 42) -> str:
    """The SS58 address of a 32-byte account id.

    Raises InvalidAddress for a wrong key length or an out-of-range/reserved prefix.
    """
    if len(public_key) != 32:
        raise InvalidAddress(f"account id must be 32 bytes, got {len(public_key)}")
    data = _prefix_bytes(prefix) + bytes(public_key)
    return b58encode(data + _checksum(data))


def decode(address: str) -> tuple[int, bytes]:
    """(prefix, 32-byte account id) of an SS58 address with any valid prefix.

    Raises InvalidAddress naming the problem: bad base58, wrong length (only
    32-byte accounts are accepted), a reserved prefix, or a checksum mismatch.
    """
    raw = b58decode(address)
    if not raw:
        raise InvalidAddress("empty SS58 address")
    first = raw[0]
    if first < 64:
        prefix, prefix_len = first, 1
    elif first < 128:
        if len(raw) < 2:
            raise InvalidAddress("SS58 address too short")
        lower = ((first << 2) | (raw[1] >> 6)) & 0xFF
        upper = raw[1] & 0b0011_1111
        prefix, prefix_len = lower | (upper << 8), 2
    else:
        raise InvalidAddress(f"invalid SS58 prefix byte 0x{first:02x}")
    if len(raw) != prefix_len + 32 + 2:
        raise InvalidAddress(
            f"SS58 address decodes to {len(raw)} bytes; expected {prefix_len + 34} "
            "(prefix, 32-byte account, 2-byte checksum)"
        )
    if prefix in _RESERVED:
        raise InvalidAddress(f"SS58 prefix {prefix} is reserved")
    data, check = raw[:-2], raw[-2:]
    if _checksum(data) != check:
        raise InvalidAddress("SS58 checksum mismatch")
    return prefix, data[prefix_len:]
