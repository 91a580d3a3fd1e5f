"""Registry types (registry.md §1, §3.6, §10): worker records, registration info,
attestation reports and worker endpoints, with their SCALE codecs."""

from __future__ import annotations

from dataclasses import dataclass, field

from pallets.messages import ATTESTATION_PROVIDER
from runtime.codec import (
    ACCOUNT,
    BYTES,
    H256,
    PUBKEY,
    STR,
    U8,
    U32,
    U64,
    Enum,
    FixedBytes,
    Option,
    Struct,
    Variant,
    Vec,
    with_path,
)
from runtime.hashing import blake2_256

# The features the reference records for forced and genesis workers.
DEFAULT_FEATURES = (1, 4)
# Confidence level of a worker without hardware attestation (Root, genesis, None).
NO_ATTESTATION_CONFIDENCE = 128


@dataclass
class WorkerInfo:
    """A registered worker (§1.1); field order = SCALE encoding order.

    `last_updated` is seconds after (re)registration but milliseconds after a benchmark
    report (a reference inconsistency, kept).
    """

    pubkey: bytes
    ecdh_pubkey: bytes
    runtime_version: int
    last_updated: int
    operator: bytes | None
    attestation_provider: Variant | None
    confidence_level: int
    initial_score: int | None
    features: list[int] = field(default_factory=list)


WORKER_INFO = with_path(Struct("WorkerInfo", [
    ("pubkey", PUBKEY), ("ecdh_pubkey", PUBKEY), ("runtime_version", U32),
    ("last_updated", U64), ("operator", Option(ACCOUNT)),
    ("attestation_provider", Option(ATTESTATION_PROVIDER)), ("confidence_level", U8),
    ("initial_score", Option(U32)), ("features", Vec(U32)),
], WorkerInfo), "phala_pallets::registry::pallet::WorkerInfo")


@dataclass(frozen=True)
class WorkerRegistrationInfo:
    """What a worker commits to at registration (§1.2); field order = encoding order."""

    version: int
    machine_id: bytes
    pubkey: bytes
    ecdh_pubkey: bytes
    genesis_block_hash: bytes
    features: list[int]
    operator: bytes | None


WORKER_REGISTRATION_INFO = with_path(Struct("WorkerRegistrationInfo", [
    ("version", U32), ("machine_id", BYTES), ("pubkey", PUBKEY), ("ecdh_pubkey", PUBKEY),
    ("genesis_block_hash", H256), ("features", Vec(U32)), ("operator", Option(ACCOUNT)),
], WorkerRegistrationInfo), "phala_types::WorkerRegistrationInfo")


def runtime_info_hash(info: WorkerRegistrationInfo) -> bytes:
    """blake2_256 of the SCALE-encoded registration info (the attested commitment)."""
    return blake2_256(WORKER_REGISTRATION_INFO.encode(info))


SIGNATURE = FixedBytes(64, "[u8; 64]")

_SGX_IAS = with_path(Struct("SgxIas", [
    ("ra_report", BYTES), ("signature", BYTES), ("raw_signing_cert", BYTES)]),
    "phala_types::SgxIas")

# Legacy `register_worker` argument: only the IAS report exists.
ATTESTATION = with_path(Enum("Attestation", [("SgxIas", _SGX_IAS)]),
    "phala_pallets::utils::attestation::Attestation")

# `register_worker_v2` argument; EmulatedAuthority (index 1) is the emulator's (§10).
ATTESTATION_REPORT = with_path(Enum("AttestationReport", [
    ("SgxIas", _SGX_IAS),
    ("EmulatedAuthority", Struct("EmulatedAuthority", [
        ("confidence_level", U8), ("timestamp", U64),
        ("authority_signature", SIGNATURE), ("worker_signature", SIGNATURE)])),
]), "phala_types::AttestationReport")

VERSIONED_WORKER_ENDPOINTS = with_path(Enum("VersionedWorkerEndpoints", [("V1", Vec(STR))]),
    "phala_types::VersionedWorkerEndpoints")


@dataclass(frozen=True)
class WorkerEndpointPayload:
    pubkey: bytes
    versioned_endpoints: Variant
    signing_time: int


WORKER_ENDPOINT_PAYLOAD = with_path(Struct("WorkerEndpointPayload", [
    ("pubkey", PUBKEY), ("versioned_endpoints", VERSIONED_WORKER_ENDPOINTS),
    ("signing_time", U64),
], WorkerEndpointPayload), "phala_types::WorkerEndpointPayload")

# Signed-content domain prefix for endpoint payloads (`0xff, EndpointInfo = 2`).
ENDPOINT_SIGNING_PREFIX = b"\xff\x02"
ENDPOINT_SIGNATURE_VALIDITY_MS = 4 * 3600 * 1000


def endpoint_signing_bytes(payload: WorkerEndpointPayload) -> bytes:
    """What the worker signs to publish its endpoints: 0xff 0x02 ++ SCALE(payload)."""
    return ENDPOINT_SIGNING_PREFIX + WORKER_ENDPOINT_PAYLOAD.encode(payload)
