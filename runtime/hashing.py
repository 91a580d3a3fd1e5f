"""Substrate hash functions and the FRAME storage hashers (substrate.md §2.2).

This is the only module that imports `xxhash`. xxh64 results are written as
8 bytes little-endian (`intdigest()`), never `digest()`, which is big-endian.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import xxhash


def blake2_128(data: bytes) -> bytes:
    """BLAKE2b with a real 16-byte digest (not a truncated 32-byte one)."""
    return hashlib.blake2b(data, digest_size=16).digest()


def blake2_256(data: bytes) -> bytes:
    """BLAKE2b with a 32-byte digest: block, extrinsic and large-payload hashes."""
    return hashlib.blake2b(data, digest_size=32).digest()


def blake2_512(data: bytes) -> bytes:
    """BLAKE2b with a 64-byte digest (used by the SS58 checksum)."""
    return hashlib.blake2b(data, digest_size=64).digest()


def _xxh64_le(data: bytes, seed: int) -> bytes:
    return xxhash.xxh64_intdigest(data, seed).to_bytes(8, "little")


def twox64(data: bytes) -> bytes:
    """xxh64 with seed 0, as 8 bytes little-endian."""
    return _xxh64_le(data, 0)


def twox128(data: bytes) -> bytes:
    """xxh64 seeds 0 and 1, each little-endian, concatenated (16 bytes)."""
    return _xxh64_le(data, 0) + _xxh64_le(data, 1)


def twox256(data: bytes) -> bytes:
    """xxh64 seeds 0..3, each little-endian, concatenated (32 bytes)."""
    return b"".join(_xxh64_le(data, seed) for seed in range(4))


@dataclass(frozen=True)
class Hasher:
    """A FRAME storage hasher.

    `hash(encoded_key)` returns the key part stored in the trie. For reversible
    hashers the SCALE key bytes follow the first `prefix_len` bytes (0, 8 or 16),
    so `hashed[prefix_len:]` recovers them; `prefix_len` is None for the others.
    """

    name: str
    metadata_index: int  # position in the metadata StorageHasher enum
    _fn: Callable[[bytes], bytes]
    prefix_len: int | None = None

    @property
    def reversible(self) -> bool:
        return self.prefix_len is not None

    def hash(self, encoded_key: bytes) -> bytes:
        return self._fn(encoded_key)

    def key_bytes(self, hashed: bytes) -> bytes:
        """The SCALE key bytes inside a reversible hasher's output.

        Raises ValueError for a hasher that cannot be reversed.
        """
        if self.prefix_len is None:
            raise ValueError(f"hasher {self.name} is not reversible")
        return hashed[self.prefix_len:]


HASHERS: dict[str, Hasher] = {
    h.name: h
    for h in (
        Hasher("Blake2_128", 0, blake2_128),
        Hasher("Blake2_256", 1, blake2_256),
        Hasher("Blake2_128Concat", 2, lambda k: blake2_128(k) + k, 16),
        Hasher("Twox128", 3, twox128),
        Hasher("Twox256", 4, twox256),
        Hasher("Twox64Concat", 5, lambda k: twox64(k) + k, 8),
        Hasher("Identity", 6, lambda k: k, 0),
    )
}


def storage_prefix(pallet: str, item: str) -> bytes:
    """The 32-byte prefix of a storage item: twox128(pallet) ++ twox128(item)."""
    return twox128(pallet.encode()) + twox128(item.encode())
