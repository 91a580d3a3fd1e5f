"""Raw signature schemes: sr25519 (schnorrkel) and ed25519 (substrate.md §6).

The only module that imports `sr25519` and `cryptography`. Keys are plain bytes;
secret URIs and the `Keypair` type live in runtime/keys.py.
"""

from __future__ import annotations

import sr25519
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from runtime.hashing import blake2_256
from runtime.scale import encode_compact

SR25519_CONTEXT = b"substrate"  # the binding's fixed signing context

# (chain code, public key 32 bytes, secret key 64 bytes), as the binding takes them
ExtendedSr25519 = tuple[bytes, bytes, bytes]


def sr25519_from_mini_secret(mini_secret: bytes) -> tuple[bytes, bytes]:
    """(public 32, secret 64) from a 32-byte mini secret, Ed25519 expansion mode.

    Raises ValueError if the mini secret is not 32 bytes.
    """
    if len(mini_secret) != 32:
        raise ValueError(f"sr25519 mini secret must be 32 bytes, got {len(mini_secret)}")
    public, secret = sr25519.pair_from_seed(bytes(mini_secret))
    return bytes(public), bytes(secret)


def sr25519_sign(public: bytes, secret: bytes, message: bytes) -> bytes:
    """A 64-byte randomized schnorrkel signature in context b"substrate"."""
    return bytes(sr25519.sign((public, secret), message))


def sr25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """True iff `signature` is valid; False (never an exception) for malformed input."""
    if len(public) != 32 or len(signature) != 64:
        return False
    try:
        return bool(sr25519.verify(bytes(signature), bytes(message), bytes(public)))
    except ValueError:  # public key not a valid Ristretto point, bad signature marker
        return False


def sr25519_hard_derive(extended: ExtendedSr25519, chain_code: bytes) -> ExtendedSr25519:
    """Hard junction: schnorrkel hard_derive_mini_secret_key(chain_code, b"")."""
    cc, public, secret = sr25519.hard_derive_keypair((chain_code, extended[1], extended[2]), b"")
    return bytes(cc), bytes(public), bytes(secret)


def sr25519_soft_derive(extended: ExtendedSr25519, chain_code: bytes) -> ExtendedSr25519:
    """Soft junction: schnorrkel derived_key_simple(chain_code, b"")."""
    cc, public, secret = sr25519.derive_keypair((chain_code, extended[1], extended[2]), b"")
    return bytes(cc), bytes(public), bytes(secret)


def ed25519_public(seed: bytes) -> bytes:
    """The 32-byte ed25519 public key of a 32-byte seed.

    Raises ValueError if the seed is not 32 bytes.
    """
    if len(seed) != 32:
        raise ValueError(f"ed25519 seed must be 32 bytes, got {len(seed)}")
    key = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def ed25519_sign(seed: bytes, message: bytes) -> bytes:
    """A deterministic 64-byte ed25519 signature."""
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """True iff `signature` is valid; False (never an exception) for malformed input."""
    if len(public) != 32 or len(signature) != 64:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public)).verify(bytes(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def ed25519_hard_derive(seed: bytes, chain_code: bytes) -> bytes:
    """Hard junction: blake2_256(SCALE(("Ed25519HDKD", seed, chain_code)))."""
    tag = b"Ed25519HDKD"
    return blake2_256(encode_compact(len(tag)) + tag + seed + chain_code)
