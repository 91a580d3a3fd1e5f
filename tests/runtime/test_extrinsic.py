"""The v4 extrinsic envelope, signing payload and compact integers (§1.2, §5)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.era import Era
from runtime.extrinsic import (
    SIG_ECDSA,
    SIG_SR25519,
    Extrinsic,
    ExtrinsicFormatError,
    SignedPart,
    UnsupportedSignature,
    extrinsic_hash,
    message_to_sign,
    sign_extrinsic,
    signing_payload,
    verify_signature,
)
from runtime.keys import Keypair
from runtime.scale import ScaleDecodeError, decode_compact, encode_compact

GENESIS = b"\x11" * 32
ALICE = bytes.fromhex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")


def h(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


# --- compact integers (runtime.scale; the envelope's length, nonce and tip) ---

def test_compact_vectors(vectors):
    values = vectors["compact"]["values"]
    assert len(values) == 11
    for number, encoded in values.items():
        assert encode_compact(int(number)) == h(encoded), number
        assert decode_compact(h(encoded), 0) == (int(number), len(h(encoded))), number


@pytest.mark.parametrize("data", [
    b"\xfd\x00",                 # 63 in two bytes
    b"\xfe\xff\x00\x00",     # 16383 in four bytes
    b"\x03\xff\xff\xff\x3f",     # 2^30 - 1 in big mode
    b"\x07\x00\x00\x00\x00\x00",  # big mode with a zero top byte
])
def test_compact_rejects_non_canonical(data):
    with pytest.raises(ScaleDecodeError, match="non-canonical"):
        decode_compact(data, 0)


def test_compact_rejects_truncated():
    with pytest.raises(ScaleDecodeError, match="unexpected end of input"):
        decode_compact(b"\x01", 0)


@given(st.integers(0, (1 << 536) - 1))
def test_compact_roundtrip(n):
    encoded = encode_compact(n)
    assert decode_compact(encoded, 0) == (n, len(encoded))


# --- signing payload ---

def test_signing_payload_vector(vectors):
    v = vectors["signing_payload"]
    inputs = v["inputs"]
    payload = signing_payload(h("0x0700"), Era(), inputs["nonce"], inputs["tip"],
                              inputs["spec_version"], inputs["transaction_version"],
                              h(inputs["genesis_hash"]), h(inputs["genesis_hash"]))
    b = v["breakdown"]
    assert payload == h(b["call"]) + h(b["extra"]) + h(b["additional_signed"])
    assert payload == h(v["payload"])
    assert len(payload) == v["payload_length"] == 77
    assert v["hashed_before_signing"] is False
    assert message_to_sign(payload) == payload


def test_message_is_hashed_only_above_256_bytes():
    exactly = bytes(range(256))
    assert message_to_sign(exactly) == exactly
    longer = exactly + b"\x00"
    assert message_to_sign(longer) == hashlib.blake2b(longer, digest_size=32).digest()


# --- the ed25519 vector: decode, re-encode, verify, hash ---

def test_ed25519_signed_extrinsic(vectors):
    v = vectors["ed25519_signed_extrinsic"]
    raw = h(v["extrinsic"])
    ext = Extrinsic.decode(raw)
    assert ext.call == h("0x0700")
    assert ext.signed == SignedPart(h(v["signer"]["public_key"]), 0, h(v["signature"]),
                                    Era(), 5, 0)
    assert ext.encode() == raw
    assert verify_signature(ext, 1, 1, GENESIS, GENESIS) is True
    assert verify_signature(ext, 2, 1, GENESIS, GENESIS) is False  # other spec version
    assert extrinsic_hash(raw) == h(v["extrinsic_hash_blake2_256"])


# --- our signer, both schemes, mortal era ---

@pytest.mark.parametrize("crypto", ["sr25519", "ed25519"])
def test_sign_then_decode_and_verify(crypto):
    keypair = Keypair.from_uri("//Bob", crypto)
    era = Era.mortal(64, 1000)
    checkpoint = b"\x22" * 32
    ext = sign_extrinsic(keypair, b"\x07\x00" + b"\xab" * 10, nonce=70000, era=era,
                         tip=10**15, spec_version=7, tx_version=2, genesis_hash=GENESIS,
                         checkpoint_hash=checkpoint)
    decoded = Extrinsic.decode(ext.encode())
    assert decoded == ext
    assert verify_signature(decoded, 7, 2, GENESIS, checkpoint) is True
    assert verify_signature(decoded, 7, 2, GENESIS, GENESIS) is False  # wrong birth hash
    decoded.signed.nonce += 1  # type: ignore[union-attr]
    assert verify_signature(decoded, 7, 2, GENESIS, checkpoint) is False


def test_unsigned_extrinsic_roundtrip():
    ext = Extrinsic(b"\x03\x00\x0b\x00\xa0\x72\x4e\x18\x09")  # a Timestamp.set-like call
    raw = ext.encode()
    assert raw[:2] == b"\x28\x04"
    assert Extrinsic.decode(raw) == ext
    with pytest.raises(ValueError, match="bare extrinsic carries no signature"):
        verify_signature(ext, 1, 1, GENESIS, GENESIS)


# --- an independent signer: substrate-interface (test-only dependency) ---

def _assemble_v4(signer: bytes, sig_type: int, signature: bytes, extra: bytes,
                 call: bytes) -> bytes:
    body = b"\x84" + b"\x00" + signer + bytes([sig_type]) + signature + extra + call
    return encode_compact(len(body)) + body


@pytest.mark.parametrize("call", [
    b"\x07\x00",
    b"\x00\x00" + encode_compact(300) + b"\x42" * 300,  # payload > 256 bytes: signed hashed
])
def test_independent_signer_substrate_interface(call):
    from substrateinterface import Keypair as SiKeypair

    si = SiKeypair.create_from_uri("//Alice")
    assert si.public_key == ALICE
    checkpoint = b"\x33" * 32
    # era (64, 42) = 0xa502, nonce 5 = 0x14, tip 1000 = 0xa10f, laid out by hand (§5.3)
    extra = b"\xa5\x02" + b"\x14" + b"\xa1\x0f"
    payload = (call + extra + (9).to_bytes(4, "little") + (3).to_bytes(4, "little")
               + GENESIS + checkpoint)
    assert payload == signing_payload(call, Era.mortal(64, 42), 5, 1000, 9, 3, GENESIS,
                                      checkpoint)
    to_sign = payload if len(payload) <= 256 else hashlib.blake2b(payload,
                                                                  digest_size=32).digest()
    raw = _assemble_v4(ALICE, SIG_SR25519, si.sign(to_sign), extra, call)

    ext = Extrinsic.decode(raw)
    assert ext.call == call and ext.encode() == raw
    assert (ext.signed.era, ext.signed.nonce, ext.signed.tip) == (  # type: ignore[union-attr]
        Era(64, 42), 5, 1000)
    assert verify_signature(ext, 9, 3, GENESIS, checkpoint) is True
    assert verify_signature(ext, 9, 3, GENESIS, GENESIS) is False


# --- other envelope variants ---

def test_address32_is_accepted_and_reencoded_identically(vectors):
    raw = h(vectors["ed25519_signed_extrinsic"]["extrinsic"])
    as_address32 = raw[:3] + b"\x03" + raw[4:]
    ext = Extrinsic.decode(as_address32)
    assert ext.signed is not None and ext.signed.address_kind == 3
    assert ext.encode() == as_address32
    assert verify_signature(ext, 1, 1, GENESIS, GENESIS) is True


def test_ecdsa_decodes_but_is_unsupported():
    body = b"\x84\x00" + ALICE + bytes([SIG_ECDSA]) + b"\x01" * 65 + b"\x00\x00\x00\x07\x00"
    ext = Extrinsic.decode(encode_compact(len(body)) + body)
    assert ext.signed is not None and len(ext.signed.signature) == 65
    with pytest.raises(UnsupportedSignature, match="ecdsa signatures are not supported"):
        verify_signature(ext, 1, 1, GENESIS, GENESIS)


# --- malformed envelopes ---

def _reprefix(body: bytes) -> bytes:
    return encode_compact(len(body)) + body


def _vector_body(vectors) -> bytes:
    return h(vectors["ed25519_signed_extrinsic"]["extrinsic"])[2:]  # drop 0xa101


@pytest.mark.parametrize("mutate, message", [
    (lambda b: _reprefix(b)[:-70], r"length prefix says 104 bytes but 34 follow"),
    (lambda b: encode_compact(len(b) + 1) + b, "length prefix says 105 bytes but 104 follow"),
    (lambda b: encode_compact(len(b) - 1) + b, "length prefix says 103 bytes but 104 follow"),
    (lambda b: b"", "extrinsic length prefix: compact: unexpected end of input"),
    (lambda b: b"\x00", r"extrinsic body is empty \(no version byte\)"),
    (lambda b: _reprefix(b[:60]), "extrinsic truncated: ed25519 signature needs 64 bytes, 25 left"),
    (lambda b: _reprefix(b[:20]), "extrinsic truncated: signer account id needs 32 bytes, 18 left"),
    (lambda b: _reprefix(b"\x83" + b[1:]), "unsupported extrinsic version byte 0x83"),
    (lambda b: _reprefix(b"\x45" + b[1:]), "format version 5 .*only v4"),
    (lambda b: _reprefix(b"\x05" + b[1:]), "format version 5 .*only v4"),
    (lambda b: _reprefix(b[:1] + b"\x01" + b[2:]), r"MultiAddress::Index \(only Id and Address32"),
    (lambda b: _reprefix(b[:1] + b"\x02" + b[2:]), "MultiAddress::Raw"),
    (lambda b: _reprefix(b[:1] + b"\x04" + b[2:]), "MultiAddress::Address20"),
    (lambda b: _reprefix(b[:1] + b"\x05" + b[2:]), "invalid MultiAddress variant 5"),
    (lambda b: _reprefix(b[:34] + b"\x03" + b[35:]), "invalid MultiSignature variant 3"),
    (lambda b: _reprefix(b[:99] + b"\x10\x00" + b[100:]), "era: invalid mortal era 0x1000"),
    (lambda b: _reprefix(b[:100] + b"\x07\xff\xff\xff\xff\xff" + b[101:]),
     "nonce 1099511627775 exceeds its maximum 4294967295"),
    (lambda b: _reprefix(b[:100] + b"\x15\x00" + b[101:]), "nonce: compact: non-canonical"),
    (lambda b: _reprefix(b[:-1]),
     r"call needs at least 2 bytes \(pallet index, call index\), got 1"),
    (lambda b: _reprefix(b"\x04\x07"), "call needs at least 2 bytes"),
])
def test_malformed_envelopes(vectors, mutate, message):
    with pytest.raises(ExtrinsicFormatError, match=message):
        Extrinsic.decode(mutate(_vector_body(vectors)))


def test_format_error_is_a_scale_decode_error():
    assert issubclass(ExtrinsicFormatError, ScaleDecodeError)
