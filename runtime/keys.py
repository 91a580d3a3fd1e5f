"""Secret URIs, key pairs and account parsing (substrate.md §6.1, §6.3).

    suri = [phrase | 0x<64 hex mini secret>] { "//" hard | "/" soft } [ "///" password ]

An empty phrase part means the dev phrase (`//Alice`). Derivation is slow-ish
and dev accounts are used constantly, so `Keypair.from_uri` is cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import bip39

from runtime import crypto, ss58
from runtime.hashing import blake2_256
from runtime.scale import encode_compact

DEV_PHRASE = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"
CRYPTOS = ("sr25519", "ed25519")
PHALA_SS58_PREFIX = 30

_HEX_SEED = re.compile(r"0x[0-9a-fA-F]{64}")
_U64_TEXT = re.compile(r"\+?[0-9]+")  # what Rust's str::parse::<u64> accepts


class InvalidSecretUri(ValueError):
    """A secret URI that cannot be turned into a key; the message says why."""


class InvalidAccount(ValueError):
    """Text that is neither an SS58 address, 0x + 32-byte hex, nor a secret URI."""


@dataclass(frozen=True)
class Junction:
    """One derivation step: `//text` (hard) or `/text` (soft)."""

    text: str
    hard: bool

    @property
    def chain_code(self) -> bytes:
        """32 bytes: SCALE u64 if decimal, else SCALE string; hashed if > 32 bytes."""
        if _U64_TEXT.fullmatch(self.text) and int(self.text) < 1 << 64:
            encoded = int(self.text).to_bytes(8, "little")
        else:
            raw = self.text.encode()
            encoded = encode_compact(len(raw)) + raw
        if len(encoded) > 32:
            return blake2_256(encoded)
        return encoded.ljust(32, b"\0")


@dataclass(frozen=True)
class SecretUri:
    """A parsed secret URI: the phrase (or hex seed), junctions and password."""

    phrase: str
    junctions: tuple[Junction, ...]
    password: str | None

    @classmethod
    def parse(cls, suri: str) -> SecretUri:
        """Raises InvalidSecretUri for an empty junction or an unusable phrase part."""
        password: str | None = None
        body = suri
        if "///" in suri:
            body, password = suri.split("///", 1)
        slash = body.find("/")
        phrase, path = (body, "") if slash < 0 else (body[:slash], body[slash:])
        phrase = " ".join(phrase.split())
        junctions = []
        for hard, text in re.findall(r"/(/?)([^/]*)", path):
            if not text:
                raise InvalidSecretUri(f"empty derivation junction in secret URI {suri!r}")
            junctions.append(Junction(text, bool(hard)))
        return cls(phrase or DEV_PHRASE, tuple(junctions), password)

    def mini_secret(self) -> bytes:
        """The 32-byte root secret before derivation.

        Raises InvalidSecretUri for an invalid mnemonic, a wrong word count, or a
        password given with a hex seed (it would be silently ignored).
        """
        if self.phrase.startswith("0x"):
            if not _HEX_SEED.fullmatch(self.phrase):
                raise InvalidSecretUri("hex seed must be 0x followed by exactly 64 hex digits")
            if self.password is not None:
                raise InvalidSecretUri("a ///password cannot be used with a hex seed")
            return bytes.fromhex(self.phrase[2:])
        return _phrase_mini_secret(self.phrase, self.password or "")


@dataclass(frozen=True)
class Keypair:
    """A signing key: sr25519 (default) or ed25519. `public_key` is the AccountId."""

    crypto: str
    public_key: bytes
    _secret: bytes = field(repr=False)  # sr25519: 64-byte secret; ed25519: 32-byte seed

    @classmethod
    def from_uri(cls, suri: str, crypto: str = "sr25519") -> Keypair:
        """The key pair of a secret URI (cached).

        Raises InvalidSecretUri naming what is wrong (including an unknown crypto
        or a soft junction on ed25519).
        """
        return _keypair_from_uri(suri, crypto)

    @classmethod
    def from_mini_secret(cls, mini_secret: bytes, crypto: str = "sr25519") -> Keypair:
        """The key pair of a 32-byte mini secret, without derivation."""
        return _derive(mini_secret, (), crypto)

    def sign(self, message: bytes) -> bytes:
        """A 64-byte signature (sr25519 signatures are randomized)."""
        if self.crypto == "sr25519":
            return crypto.sr25519_sign(self.public_key, self._secret, message)
        return crypto.ed25519_sign(self._secret, message)

    def verify(self, message: bytes, signature: bytes) -> bool:
        return verify(self.crypto, self.public_key, message, signature)

    def ss58(self, prefix: int = PHALA_SS58_PREFIX) -> str:
        return ss58.encode(self.public_key, prefix)


def verify(crypto_name: str, public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True iff `signature` is valid for the scheme; False for malformed input."""
    if crypto_name == "sr25519":
        return crypto.sr25519_verify(public_key, message, signature)
    if crypto_name == "ed25519":
        return crypto.ed25519_verify(public_key, message, signature)
    raise ValueError(f"unknown crypto {crypto_name!r}; expected one of {CRYPTOS}")


@lru_cache(maxsize=64)
def _phrase_mini_secret(phrase: str, password: str) -> bytes:
    """BIP39 (PBKDF2, ~6 ms) once per phrase: keys //A, //B, … of one phrase (a bench's
    10,000 //BenchWorker<i>) share it and differ only in the cheap junction derivation."""
    words = len(phrase.split())
    if words not in (12, 15, 18, 21, 24):
        raise InvalidSecretUri(
            f"secret phrase has {words} word(s); a BIP39 mnemonic has 12, 15, 18, 21 or 24"
        )
    if not bip39.bip39_validate(phrase):
        raise InvalidSecretUri("secret phrase is not a valid BIP39 English mnemonic "
                               "(unknown word or bad checksum)")
    return bytes(bip39.bip39_to_mini_secret(phrase, password))


@lru_cache(maxsize=1024)
def _keypair_from_uri(suri: str, crypto_name: str) -> Keypair:
    if crypto_name not in CRYPTOS:
        raise InvalidSecretUri(f"unknown crypto {crypto_name!r}; expected one of {CRYPTOS}")
    uri = SecretUri.parse(suri)
    return _derive(uri.mini_secret(), uri.junctions, crypto_name)


def _derive(mini_secret: bytes, junctions: tuple[Junction, ...], crypto_name: str) -> Keypair:
    if crypto_name == "ed25519":
        seed = mini_secret
        for j in junctions:
            if not j.hard:
                raise InvalidSecretUri(f"soft junction /{j.text} is not supported for ed25519")
            seed = crypto.ed25519_hard_derive(seed, j.chain_code)
        return Keypair("ed25519", crypto.ed25519_public(seed), seed)
    public, secret = crypto.sr25519_from_mini_secret(mini_secret)
    extended = (b"\0" * 32, public, secret)
    for j in junctions:
        derive = crypto.sr25519_hard_derive if j.hard else crypto.sr25519_soft_derive
        extended = derive(extended, j.chain_code)
    return Keypair("sr25519", extended[1], extended[2])


def generate_mnemonic(words: int = 12) -> str:
    """A fresh random BIP39 English phrase. Raises ValueError unless words is 12 or 24."""
    if words not in (12, 24):
        raise ValueError(f"words must be 12 or 24, got {words}")
    return str(bip39.bip39_generate(words))


def parse_account(text: str, ss58_ok: bool = True) -> bytes:
    """The 32-byte AccountId named by `text`.

    Accepts `0x` + 64 hex digits (the account itself), an SS58 address of any
    prefix (when `ss58_ok`), or a secret URI (its sr25519 public key). Raises
    InvalidAccount with the reason otherwise.
    """
    text = text.strip()
    if _HEX_SEED.fullmatch(text):
        return bytes.fromhex(text[2:])
    if text.startswith("0x") and "/" not in text:
        raise InvalidAccount(f"{text!r}: hex account must be 0x followed by 64 hex digits")
    looks_like_suri = "/" in text or " " in text
    if not looks_like_suri:
        if not ss58_ok:
            raise InvalidAccount(f"{text!r} is neither 0x + 32-byte hex nor a secret URI")
        try:
            return ss58.decode(text)[1]
        except ss58.InvalidAddress as exc:
            raise InvalidAccount(f"{text!r} is not a valid SS58 address: {exc}") from exc
    try:
        return Keypair.from_uri(text).public_key
    except InvalidSecretUri as exc:
        raise InvalidAccount(f"{text!r} is not a valid secret URI: {exc}") from exc
