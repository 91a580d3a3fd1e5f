"""The v4 extrinsic envelope, signing payload and signature check (substrate.md §5).

    extrinsic = compact(len(body)) ++ body
    body      = 0x84 ++ address ++ signature ++ extra ++ call     (signed)
              | 0x04 ++ call                                      (bare)
    extra     = era ++ compact(nonce) ++ compact(tip)

Call bytes are opaque here: everything after the extra; the runtime decodes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from runtime import keys
from runtime.codec import H256, U32, U128, Codec, Compact, EnumCodec, FixedBytes, Tuple, with_path
from runtime.era import ERA, Era
from runtime.hashing import blake2_256
from runtime.scale import ScaleDecodeError, decode_compact, encode_compact

SIGNED_V4 = 0x84
BARE_V4 = 0x04

SIG_ED25519, SIG_SR25519, SIG_ECDSA = 0, 1, 2
SIGNATURE_LENGTHS = {SIG_ED25519: 64, SIG_SR25519: 64, SIG_ECDSA: 65}
SIG_NAMES = {SIG_ED25519: "ed25519", SIG_SR25519: "sr25519", SIG_ECDSA: "ecdsa"}
SIG_TYPE_OF_CRYPTO = {"ed25519": SIG_ED25519, "sr25519": SIG_SR25519}

ADDRESS_ID, ADDRESS_ADDRESS32 = 0, 3  # MultiAddress variants carrying 32 raw bytes
_UNSUPPORTED_ADDRESSES = {1: "Index", 2: "Raw", 4: "Address20"}

MAX_NONCE = (1 << 32) - 1  # Compact<u32> index
MAX_TIP = (1 << 128) - 1  # Compact<u128> balance
MAX_UNHASHED_PAYLOAD = 256



def _signature(n: int, scheme: str) -> Codec:
    return with_path(Tuple(FixedBytes(n)), f"sp_core::{scheme}::Signature")


MULTI_SIGNATURE = with_path(EnumCodec("MultiSignature", [
    ("Ed25519", _signature(64, "ed25519"), SIG_ED25519),
    ("Sr25519", _signature(64, "sr25519"), SIG_SR25519),
    ("Ecdsa", _signature(65, "ecdsa"), SIG_ECDSA),
]), "sp_runtime::MultiSignature")


@dataclass(frozen=True)
class SignedExtension:
    """One signed extension: what the extrinsic carries (`extra`) and what is only
    signed (`additional`), as metadata describes them (substrate.md §5.3)."""

    identifier: str
    extra: Codec
    additional: Codec


def _extension(identifier: str, path: str, *fields: Codec, additional: Codec) -> SignedExtension:
    return SignedExtension(identifier, with_path(Tuple(*fields), path), additional)


_NOTHING = Tuple()
_FRAME = "frame_system::extensions::"
# The emulator's extensions in order; `SignedPart` and `signing_payload` lay out exactly
# these bytes (tests check that EXTRA and ADDITIONAL encode the same).
SIGNED_EXTENSIONS = [
    _extension("CheckNonZeroSender", _FRAME + "check_non_zero_sender::CheckNonZeroSender",
               additional=_NOTHING),
    _extension("CheckSpecVersion", _FRAME + "check_spec_version::CheckSpecVersion",
               additional=U32),
    _extension("CheckTxVersion", _FRAME + "check_tx_version::CheckTxVersion", additional=U32),
    _extension("CheckGenesis", _FRAME + "check_genesis::CheckGenesis", additional=H256),
    _extension("CheckMortality", _FRAME + "check_mortality::CheckMortality", ERA,
               additional=H256),
    _extension("CheckNonce", _FRAME + "check_nonce::CheckNonce", Compact(U32),
               additional=_NOTHING),
    _extension("CheckWeight", _FRAME + "check_weight::CheckWeight", additional=_NOTHING),
    _extension("ChargeTransactionPayment",
               "pallet_transaction_payment::ChargeTransactionPayment", Compact(U128),
               additional=_NOTHING),
]
EXTRA = Tuple(*(e.extra for e in SIGNED_EXTENSIONS))
ADDITIONAL = Tuple(*(e.additional for e in SIGNED_EXTENSIONS))


class ExtrinsicFormatError(ScaleDecodeError):
    """Bytes that are not a well-formed v4 extrinsic; the message names the problem."""


class UnsupportedSignature(ExtrinsicFormatError):
    """A well-formed signature of a scheme this emulator does not verify (ecdsa)."""


@dataclass
class SignedPart:
    """The signature block: signer AccountId, MultiSignature and the extra."""

    signer: bytes
    sig_type: int
    signature: bytes
    era: Era
    nonce: int
    tip: int
    address_kind: int = ADDRESS_ID  # kept so that decode -> encode is byte-identical

    def encode(self) -> bytes:
        return (
            bytes([self.address_kind]) + self.signer
            + bytes([self.sig_type]) + self.signature
            + self.era.encode() + encode_compact(self.nonce) + encode_compact(self.tip)
        )


@dataclass
class Extrinsic:
    """A v4 extrinsic: opaque call bytes and, if signed, the signature block."""

    call: bytes
    signed: SignedPart | None = None

    def encode(self) -> bytes:
        """The full encoding, including the compact length prefix."""
        if self.signed is None:
            body = bytes([BARE_V4]) + self.call
        else:
            body = bytes([SIGNED_V4]) + self.signed.encode() + self.call
        return encode_compact(len(body)) + body

    @classmethod
    def decode(cls, data: bytes) -> Extrinsic:
        """Strictly decode one length-prefixed v4 extrinsic.

        Raises ExtrinsicFormatError when the length prefix does not match the
        remaining bytes exactly, the version is not 0x84/0x04, the address is not
        Id/Address32, the signature variant or nonce/tip is invalid, the input is
        truncated, or the call is shorter than its two index bytes.
        """
        data = bytes(data)
        try:
            length, offset = decode_compact(data, 0)
        except ScaleDecodeError as exc:
            raise ExtrinsicFormatError(f"extrinsic length prefix: {exc}") from exc
        if length != len(data) - offset:
            raise ExtrinsicFormatError(
                f"extrinsic length prefix says {length} bytes but {len(data) - offset} follow"
            )
        if offset == len(data):
            raise ExtrinsicFormatError("extrinsic body is empty (no version byte)")
        version = data[offset]
        offset += 1
        if version == BARE_V4:
            return cls(_call(data, offset), None)
        if version != SIGNED_V4:
            raise ExtrinsicFormatError(_version_message(version))
        signed, offset = _decode_signed(data, offset)
        return cls(_call(data, offset), signed)


def _version_message(version: int) -> str:
    if version & 0x3F == 5:
        return (f"extrinsic format version 5 (byte 0x{version:02x}) is not supported; "
                "only v4 (0x84 signed, 0x04 bare)")
    return (f"unsupported extrinsic version byte 0x{version:02x}; "
            "expected 0x84 (signed v4) or 0x04 (bare v4)")


def _take(data: bytes, offset: int, n: int, what: str) -> tuple[bytes, int]:
    if offset + n > len(data):
        raise ExtrinsicFormatError(
            f"extrinsic truncated: {what} needs {n} bytes, {len(data) - offset} left"
        )
    return data[offset:offset + n], offset + n


def _compact(data: bytes, offset: int, what: str, maximum: int) -> tuple[int, int]:
    try:
        value, offset = decode_compact(data, offset)
    except ScaleDecodeError as exc:
        raise ExtrinsicFormatError(f"{what}: {exc}") from exc
    if value > maximum:
        raise ExtrinsicFormatError(f"{what} {value} exceeds its maximum {maximum}")
    return value, offset


def _decode_signed(data: bytes, offset: int) -> tuple[SignedPart, int]:
    kind_byte, offset = _take(data, offset, 1, "address variant")
    kind = kind_byte[0]
    if kind in _UNSUPPORTED_ADDRESSES:
        raise ExtrinsicFormatError(
            f"unsupported signer address MultiAddress::{_UNSUPPORTED_ADDRESSES[kind]} "
            "(only Id and Address32 are accepted)"
        )
    if kind not in (ADDRESS_ID, ADDRESS_ADDRESS32):
        raise ExtrinsicFormatError(f"invalid MultiAddress variant {kind}")
    signer, offset = _take(data, offset, 32, "signer account id")
    sig_byte, offset = _take(data, offset, 1, "signature variant")
    sig_type = sig_byte[0]
    if sig_type not in SIGNATURE_LENGTHS:
        raise ExtrinsicFormatError(f"invalid MultiSignature variant {sig_type}")
    signature, offset = _take(data, offset, SIGNATURE_LENGTHS[sig_type],
                              f"{SIG_NAMES[sig_type]} signature")
    try:
        era, offset = Era.decode(data, offset)
    except ScaleDecodeError as exc:
        raise ExtrinsicFormatError(str(exc)) from exc
    nonce, offset = _compact(data, offset, "nonce", MAX_NONCE)
    tip, offset = _compact(data, offset, "tip", MAX_TIP)
    return SignedPart(signer, sig_type, signature, era, nonce, tip, kind), offset


def _call(data: bytes, offset: int) -> bytes:
    call = data[offset:]
    if len(call) < 2:
        raise ExtrinsicFormatError(
            f"call needs at least 2 bytes (pallet index, call index), got {len(call)}"
        )
    return call


def signing_payload(call: bytes, era: Era, nonce: int, tip: int, spec_version: int,
                    tx_version: int, genesis_hash: bytes, checkpoint_hash: bytes) -> bytes:
    """call ++ extra ++ additional, in the order substrate-interface uses (§5.3)."""
    return (
        call + era.encode() + encode_compact(nonce) + encode_compact(tip)
        + spec_version.to_bytes(4, "little") + tx_version.to_bytes(4, "little")
        + genesis_hash + checkpoint_hash
    )


def message_to_sign(payload: bytes) -> bytes:
    """The payload itself, or its blake2_256 when strictly longer than 256 bytes."""
    return blake2_256(payload) if len(payload) > MAX_UNHASHED_PAYLOAD else payload


class Signer(Protocol):
    """What signing needs of a key pair (keys.Keypair, or the node's deterministic one)."""

    @property
    def public_key(self) -> bytes: ...

    @property
    def crypto(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


def sign_extrinsic(keypair: Signer, call: bytes, *, nonce: int, era: Era, tip: int,
                   spec_version: int, tx_version: int, genesis_hash: bytes,
                   checkpoint_hash: bytes) -> Extrinsic:
    """A signed v4 extrinsic with `keypair` as the signer (MultiAddress::Id)."""
    payload = signing_payload(call, era, nonce, tip, spec_version, tx_version,
                              genesis_hash, checkpoint_hash)
    signature = keypair.sign(message_to_sign(payload))
    signed = SignedPart(keypair.public_key, SIG_TYPE_OF_CRYPTO[keypair.crypto], signature,
                        era, nonce, tip)
    return Extrinsic(call, signed)


def verify_signature(ext: Extrinsic, spec_version: int, tx_version: int,
                     genesis_hash: bytes, checkpoint_hash: bytes) -> bool:
    """True iff the extrinsic's signature is valid for its payload and signer.

    Raises UnsupportedSignature for ecdsa, ValueError for a bare extrinsic.
    """
    if ext.signed is None:
        raise ValueError("a bare extrinsic carries no signature to verify")
    s = ext.signed
    if s.sig_type == SIG_ECDSA:
        raise UnsupportedSignature("ecdsa signatures are not supported by this emulator")
    payload = signing_payload(ext.call, s.era, s.nonce, s.tip, spec_version, tx_version,
                              genesis_hash, checkpoint_hash)
    return keys.verify(SIG_NAMES[s.sig_type], s.signer, message_to_sign(payload), s.signature)


def extrinsic_hash(encoded: bytes) -> bytes:
    """blake2_256 of the full extrinsic, length prefix included (author_submitExtrinsic)."""
    return blake2_256(encoded)
