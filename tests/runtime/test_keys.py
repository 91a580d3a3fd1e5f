"""Secret URIs, derivation, key pairs, account parsing and raw signatures (§6)."""

from __future__ import annotations

import hashlib

import pytest

from runtime import crypto, ss58
from runtime.hashing import blake2_256
from runtime.keys import (
    DEV_PHRASE,
    InvalidAccount,
    InvalidSecretUri,
    Junction,
    Keypair,
    SecretUri,
    generate_mnemonic,
    parse_account,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


def test_every_dev_account(vectors):
    accounts = vectors["dev_accounts"]["accounts"]
    assert set(accounts) == {"Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"}
    for name, acc in accounts.items():
        kp = Keypair.from_uri(acc["suri"], acc["crypto"])
        assert kp.public_key == h(acc["public_key"]), name
        assert kp.ss58(42) == acc["ss58_prefix_42"], name
        assert kp.ss58(30) == acc["ss58_prefix_30"], name
        assert kp.ss58() == acc["ss58_prefix_30"], name  # Phala's prefix is the default


def test_dev_phrase_without_derivation(vectors):
    entry = vectors["dev_accounts"]["dev_phrase_without_derivation"]
    assert vectors["dev_accounts"]["dev_phrase"] == DEV_PHRASE
    kp = Keypair.from_uri(entry["suri"])
    assert kp.public_key == h(entry["public_key"])
    assert kp.ss58(42) == entry["ss58_prefix_42"]


def test_mini_secret_is_pbkdf2_of_the_entropy(vectors):
    kd = vectors["key_derivation"]
    entropy = h(kd["dev_phrase_entropy"])
    # the rule of §6.1 applied to the published entropy gives the published mini secret ...
    seed = hashlib.pbkdf2_hmac("sha512", entropy, b"mnemonic", 2048)
    assert seed[:32] == h(kd["dev_phrase_mini_secret"])
    # ... and the phrase path through the bip39 binding agrees, with and without password
    assert SecretUri.parse("").mini_secret() == h(kd["dev_phrase_mini_secret"])
    assert SecretUri.parse("///password").mini_secret() == h(
        kd["dev_phrase_mini_secret_with_password_'password'"])


def test_chain_codes(vectors):
    kd = vectors["key_derivation"]
    assert Junction("Alice", True).chain_code == h(kd["chain_code_for_hard_junction_Alice"])
    assert Junction("0", True).chain_code == h(kd["chain_code_for_junction_0"])
    assert Junction("1", False).chain_code == b"\x01" + bytes(31)
    # 2^64 is not a u64: falls back to the SCALE string
    assert Junction(str(1 << 64), True).chain_code == (b"\x50" + str(1 << 64).encode()).ljust(
        32, b"\0")
    long = "x" * 40  # SCALE string of 41 bytes > 32: hashed
    assert Junction(long, True).chain_code == blake2_256(b"\xa0" + long.encode())


def test_every_derived_entry(vectors):
    derived = vectors["key_derivation"]["derived"]
    assert len(derived) == 5
    for suri, entry in derived.items():
        kp = Keypair.from_uri(suri)
        assert kp.public_key == h(entry["public_key"]), suri
        assert kp.ss58(42) == entry["ss58_42"], suri


def test_ed25519_alice(vectors):
    entry = vectors["ss58"]["ed25519_Alice"]
    kp = Keypair.from_uri(entry["suri"], entry["crypto"])
    assert kp.public_key == h(entry["public_key"])
    assert kp.ss58(42) == entry["ss58_prefix_42"]
    sig = kp.sign(b"hello")
    assert sig == kp.sign(b"hello")  # ed25519 is deterministic
    assert kp.verify(b"hello", sig) and not kp.verify(b"hellO", sig)


def test_sr25519_sign_and_verify_roundtrip():
    kp = Keypair.from_uri("//Bob")
    sig = kp.sign(b"payload")
    assert len(sig) == 64
    assert kp.verify(b"payload", sig)
    assert not kp.verify(b"payloaD", sig)
    assert not Keypair.from_uri("//Alice").verify(b"payload", sig)


def test_sr25519_verification_vector(vectors):
    v = vectors["sr25519_verification_vector"]
    pub, msg, sig = h(v["public_key"]), h(v["message"]), h(v["signature"])
    assert v["signing_context"] == "substrate"
    assert crypto.sr25519_verify(pub, msg, sig) is True
    flipped = bytearray(sig)
    flipped[10] ^= 0x01
    assert crypto.sr25519_verify(pub, msg, bytes(flipped)) is False
    flipped_msg = bytearray(msg)
    flipped_msg[0] ^= 0x80
    assert crypto.sr25519_verify(pub, bytes(flipped_msg), sig) is False


@pytest.mark.parametrize("pub, sig", [
    (bytes(31), bytes(64)), (bytes(32), bytes(63)), (b"\xff" * 32, b"\x00" * 64),
    (bytes(32), b"\xff" * 64),
])
def test_verify_never_raises_on_malformed_input(pub, sig):
    assert crypto.sr25519_verify(pub, b"m", sig) is False
    assert crypto.ed25519_verify(pub, b"m", sig) is False


def test_hex_seed_uri():
    seed = "0x" + "fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e"
    assert Keypair.from_uri(seed + "//Alice").public_key == Keypair.from_uri("//Alice").public_key


def test_from_uri_is_cached():
    assert Keypair.from_uri("//Charlie") is Keypair.from_uri("//Charlie")


@pytest.mark.parametrize("suri, message", [
    ("//Alice/", "empty derivation junction"),
    ("//Alice///", None),  # empty password is allowed
    ("bottom drive obey", r"has 3 word\(s\)"),
    ("bottom drive obey lake curtain smoke basket hold race lonely fit fit",
     "not a valid BIP39"),
    ("0x1234//Alice", "exactly 64 hex digits"),
    ("0x" + "11" * 32 + "///pw", "cannot be used with a hex seed"),
])
def test_invalid_secret_uris(suri, message):
    if message is None:
        assert Keypair.from_uri(suri).public_key == Keypair.from_uri("//Alice").public_key
        return
    with pytest.raises(InvalidSecretUri, match=message):
        Keypair.from_uri(suri)


def test_ed25519_rejects_soft_junction_and_unknown_crypto():
    with pytest.raises(InvalidSecretUri, match="soft junction /soft is not supported"):
        Keypair.from_uri("//Alice/soft", "ed25519")
    with pytest.raises(InvalidSecretUri, match="unknown crypto 'ecdsa'"):
        Keypair.from_uri("//Alice", "ecdsa")


@pytest.mark.parametrize("words", [12, 24])
def test_generate_mnemonic(words):
    phrase = generate_mnemonic(words)
    assert len(phrase.split()) == words
    assert phrase != generate_mnemonic(words)
    assert len(Keypair.from_uri(phrase + "//0").public_key) == 32


def test_generate_mnemonic_rejects_other_lengths():
    with pytest.raises(ValueError, match="12 or 24"):
        generate_mnemonic(15)


def test_parse_account_forms(vectors):
    alice = h(vectors["dev_accounts"]["accounts"]["Alice"]["public_key"])
    assert parse_account("//Alice") == alice
    assert parse_account("0x" + alice.hex()) == alice
    assert parse_account(ss58.encode(alice, 42)) == alice
    assert parse_account(ss58.encode(alice, 30)) == alice
    assert parse_account(ss58.encode(alice, 1284)) == alice
    assert parse_account(DEV_PHRASE + "//Alice") == alice
    stash = vectors["key_derivation"]["derived"]["//Alice//stash"]["public_key"]
    assert parse_account(" //Alice//stash ") == h(stash)


@pytest.mark.parametrize("text, ss58_ok, message", [
    ("0x1234", True, "0x followed by 64 hex digits"),
    ("Alice", True, "not a valid SS58 address"),
    ("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ", True, "checksum mismatch"),
    ("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", False, "neither 0x"),
    ("//Alice/", True, "not a valid secret URI: empty derivation junction"),
])
def test_parse_account_rejects(text, ss58_ok, message):
    with pytest.raises(InvalidAccount, match=message):
        parse_account(text, ss58_ok=ss58_ok)
