"""SS58 encode/decode against ../shared vectors (§6.4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime import ss58
from runtime.hashing import blake2_512


def h(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


def test_by_prefix_both_ways(vectors):
    public = h(vectors["ss58"]["public_key"])
    by_prefix = vectors["ss58"]["by_prefix"]
    assert {"0", "42", "63", "64", "16383"} <= set(by_prefix)  # 1- and 2-byte prefixes
    for prefix, address in by_prefix.items():
        assert ss58.encode(public, int(prefix)) == address, prefix
        assert ss58.decode(address) == (int(prefix), public), prefix


def test_bad_checksum_is_rejected(vectors):
    address = vectors["ss58"]["by_prefix"]["42"]
    tampered = address[:-1] + ("Z" if address[-1] != "Z" else "Y")
    with pytest.raises(ss58.InvalidAddress, match="checksum mismatch"):
        ss58.decode(tampered)


def _raw_address(prefix_bytes: bytes, account: bytes) -> str:
    data = prefix_bytes + account
    return ss58.b58encode(data + blake2_512(b"SS58PRE" + data)[:2])


@pytest.mark.parametrize("prefix", [46, 47])
def test_reserved_prefixes_are_rejected(prefix):
    with pytest.raises(ss58.InvalidAddress, match=f"prefix {prefix} is reserved"):
        ss58.encode(bytes(32), prefix)
    with pytest.raises(ss58.InvalidAddress, match=f"prefix {prefix} is reserved"):
        ss58.decode(_raw_address(bytes([prefix]), bytes(32)))


def test_out_of_range_prefix_and_key_length():
    with pytest.raises(ss58.InvalidAddress, match="out of range"):
        ss58.encode(bytes(32), 16384)
    with pytest.raises(ss58.InvalidAddress, match="must be 32 bytes, got 20"):
        ss58.encode(bytes(20), 42)


def test_malformed_addresses():
    with pytest.raises(ss58.InvalidAddress, match="invalid base58 character '0'"):
        ss58.decode("5Grwva0F")
    with pytest.raises(ss58.InvalidAddress, match="decodes to 23 bytes; expected 35"):
        ss58.decode(_raw_address(b"\x2a", bytes(20)))  # a 20-byte (ethereum-style) payload
    with pytest.raises(ss58.InvalidAddress, match="invalid SS58 prefix byte 0x80"):
        ss58.decode(_raw_address(b"\x80", bytes(32)))
    with pytest.raises(ss58.InvalidAddress, match="empty"):
        ss58.decode("")


def test_base58_keeps_leading_zero_bytes():
    assert ss58.b58encode(b"\0\0\x01") == "112"
    assert ss58.b58decode("112") == b"\0\0\x01"


@given(st.binary(min_size=32, max_size=32),
       st.integers(0, ss58.MAX_PREFIX).filter(lambda p: p not in (46, 47)))
def test_roundtrip(account, prefix):
    assert ss58.decode(ss58.encode(account, prefix)) == (prefix, account)
