"""Attestation without SGX (registry.md §4, §10).

The emulator has no enclave and no IAS. An attestation authority (an sr25519 key set at
genesis) vouches for a worker's confidence level, and the worker proves possession of
its identity key; both sign statements that commit to the registration info hash.

* authority statement: b"phala-emu/attest/v1" ++ pubkey ++ level (u8) ++ timestamp
  (u64 LE, seconds) ++ runtime_info_hash
* worker statement:    b"phala-emu/register/v1" ++ runtime_info_hash

IAS reports cannot be verified here (no Intel root certificate chain is emulated):
they fail the first IAS check, `InvalidIASSigningCert`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pallets.messages import PROVIDER_EMULATED
from pallets.registry.types import (
    NO_ATTESTATION_CONFIDENCE,
    WorkerRegistrationInfo,
    runtime_info_hash,
)
from runtime.codec import U64, Variant
from runtime.crypto import sr25519_verify
from runtime.keys import Keypair

AUTHORITY_DOMAIN = b"phala-emu/attest/v1"
WORKER_DOMAIN = b"phala-emu/register/v1"


class AttestationError(Exception):
    """A failed check; `error` is the registry error name to raise."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class AttestationPolicy:
    """What validation needs from chain state and configuration."""

    now_secs: int
    authority: bytes | None
    none_attestation_enabled: bool
    max_age_secs: int


def authority_statement(pubkey: bytes, confidence_level: int, timestamp: int,
                        info_hash: bytes) -> bytes:
    """The bytes the attestation authority signs."""
    return (AUTHORITY_DOMAIN + bytes(pubkey) + bytes([confidence_level])
            + U64.encode(timestamp) + bytes(info_hash))


def worker_statement(info_hash: bytes) -> bytes:
    """The bytes the worker's identity key signs (proof of possession)."""
    return WORKER_DOMAIN + bytes(info_hash)


def sign_emulated_attestation(authority: Keypair, worker: Keypair,
                              info: WorkerRegistrationInfo, confidence_level: int,
                              timestamp: int) -> Variant:
    """An `AttestationReport::EmulatedAuthority` for `info`, signed by both keys.

    `timestamp` is in seconds. The result passes `validate` when the authority is the
    chain's, the level is 1..=5, the timestamp is fresh and `worker` holds `info.pubkey`.
    """
    h = runtime_info_hash(info)
    return Variant("EmulatedAuthority", {
        "confidence_level": confidence_level,
        "timestamp": timestamp,
        "authority_signature": authority.sign(
            authority_statement(info.pubkey, confidence_level, timestamp, h)),
        "worker_signature": worker.sign(worker_statement(h)),
    })


def validate(report: Variant | None, info: WorkerRegistrationInfo,
             policy: AttestationPolicy) -> tuple[Variant | None, int]:
    """(attestation provider, confidence level) for a v2 attestation report.

    Raises AttestationError naming the registry error of the first failed check:
    None → NoneAttestationDisabled unless enabled; SgxIas → InvalidIASSigningCert;
    EmulatedAuthority → NoneAttestationDisabled (no authority), InvalidQuoteStatus
    (level not 1..=5), OutdatedIASReport (future or too old), InvalidIASSigningCert
    (authority signature), InvalidSignature (worker signature), in that order.
    """
    if report is None:
        if not policy.none_attestation_enabled:
            raise AttestationError("NoneAttestationDisabled")
        return None, NO_ATTESTATION_CONFIDENCE
    if report.name == "SgxIas":
        raise AttestationError("InvalidIASSigningCert")
    fields = report.value
    if policy.authority is None:
        raise AttestationError("NoneAttestationDisabled")
    level, timestamp = fields["confidence_level"], fields["timestamp"]
    if not 1 <= level <= 5:
        raise AttestationError("InvalidQuoteStatus")
    if timestamp > policy.now_secs or policy.now_secs - timestamp >= policy.max_age_secs:
        raise AttestationError("OutdatedIASReport")
    h = runtime_info_hash(info)
    if not sr25519_verify(policy.authority, authority_statement(info.pubkey, level, timestamp, h),
                          fields["authority_signature"]):
        raise AttestationError("InvalidIASSigningCert")
    if not sr25519_verify(info.pubkey, worker_statement(h), fields["worker_signature"]):
        raise AttestationError("InvalidSignature")
    return PROVIDER_EMULATED, level
