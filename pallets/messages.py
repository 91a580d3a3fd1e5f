"""Phala message-queue types and payloads (economics.md §8, mining.md §9, registry.md §1.3).

Everything here is SCALE, with the reference's variant indices. Values follow
runtime/codec.py: enums are `Variant(name, payload)`, struct-like variants carry a
`dict`, named structs are the dataclasses below, U256 is an `int` (32 bytes LE),
fixed-point numbers are their U64F64 bits (`int`).

    payload = SYSTEM_EVENT.encode(worker_event(pubkey, Variant("BenchStart", {"duration": 8})))
    rt["PhalaMq"].push_message(origin_pallet("PhalaRegistry"), SYSTEM_EVENT_TOPIC, payload)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pallets.mining.formulas import TokenomicParams
from runtime.codec import (
    BYTES,
    H256,
    PUBKEY,
    U8,
    U32,
    U64,
    U128,
    U256,
    Codec,
    Enum,
    Option,
    Struct,
    Tuple,
    Variant,
    Vec,
    with_path,
)
from runtime.scale import ScaleDecodeError

# -- topics ---------------------------------------------------------------------------
# A leading "^" marks an on-chain-only topic (never shown to workers / the Gatekeeper).
SYSTEM_EVENT_TOPIC = b"phala/system/event"
MINING_REPORT_TOPIC = b"phala/mining/report"
GATEKEEPER_EVENT_TOPIC = b"phala/gatekeeper/event"
GATEKEEPER_LAUNCH_TOPIC = b"phala/gatekeeper/launch"
GATEKEEPER_CHANGE_TOPIC = b"phala/gatekeeper/change"
PRUNTIME_MANAGEMENT_TOPIC = b"phala/pruntime/management"
MINING_UPDATE_TOPIC = b"^phala/mining/update"
REGISTRY_EVENT_TOPIC = b"^phala/registry/event"
GATEKEEPER_REGISTRY_EVENT_TOPIC = b"^phala/registry/gk_event"

_INVALID_TOPIC_FIRST_BYTES = b"~!@#$%&*_+-=|<>?,./;:'"


def topic_is_valid(topic: bytes) -> bool:
    """A topic is valid iff non-empty and its first byte is not a reserved symbol."""
    return len(topic) > 0 and topic[0] not in _INVALID_TOPIC_FIRST_BYTES


def topic_is_offchain(topic: bytes) -> bool:
    """Off-chain topics (valid, not starting with "^") are appended to OutboundMessages."""
    return topic_is_valid(topic) and topic[0] != ord("^")


# -- MessageOrigin ----------------------------------------------------------------------
MESSAGE_ORIGIN = with_path(Enum("MessageOrigin", [
    ("Pallet", BYTES, 0),
    ("Contract", H256, 1),
    ("Worker", PUBKEY, 2),
    ("AccountId", H256, 3),
    ("MultiLocation", BYTES, 4),
    ("Gatekeeper", None, 5),
    ("Cluster", H256, 6),
    ("Reserved", None, 255),
]), "phala_mq::types::MessageOrigin")

_OFFCHAIN_ORIGINS = frozenset({"Cluster", "Contract", "Worker", "Gatekeeper"})
ORIGIN_GATEKEEPER = Variant("Gatekeeper")


def origin_pallet(name: str) -> Variant:
    """`MessageOrigin::Pallet(name bytes)`: the sender of a pallet's messages."""
    return Variant("Pallet", name.encode())


def origin_worker(pubkey: bytes) -> Variant:
    """`MessageOrigin::Worker(pubkey)`; ValueError unless pubkey is 32 bytes."""
    if len(pubkey) != 32:
        raise ValueError(f"worker pubkey must be 32 bytes, got {len(pubkey)}")
    return Variant("Worker", bytes(pubkey))


def is_offchain(origin: Variant) -> bool:
    """Cluster, Contract, Worker and Gatekeeper origins sign their messages off chain."""
    return origin.name in _OFFCHAIN_ORIGINS


# -- Message / SignedMessage ------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    sender: Variant
    destination: bytes
    payload: bytes


MESSAGE = with_path(Struct("Message", [
    ("sender", MESSAGE_ORIGIN), ("destination", BYTES), ("payload", BYTES)], Message),
    "phala_mq::types::Message")


@dataclass(frozen=True)
class SignedMessage:
    message: Message
    sequence: int
    signature: bytes


SIGNED_MESSAGE = with_path(Struct("SignedMessage", [
    ("message", MESSAGE), ("sequence", U64), ("signature", BYTES)], SignedMessage),
    "phala_mq::types::SignedMessage")


def mq_signing_bytes(message: Message, sequence: int) -> bytes:
    """The bytes an off-chain sender signs: SCALE(message) ++ sequence as u64 LE.

    MQ messages carry no `0xff, type` domain prefix (economics.md §8).
    """
    return MESSAGE.encode(message) + U64.encode(sequence)


def decode_leading(codec: Codec, payload: bytes) -> Any | None:
    """The value `codec` decodes from the start of `payload`, or None if it does not.

    Bytes after the value are ignored: the reference decodes every message payload with
    `Decode::decode(&mut &payload[..])` (phala-mq's `Message::decode` for the pallets'
    handlers, `TypedReceiver` in pRuntime and the Gatekeeper), which does not check for
    leftovers. Extrinsics and storage values stay strict (`Codec.decode`)."""
    try:
        return codec.decode_from(payload, 0)[0]
    except (ScaleDecodeError, ValueError):
        return None


def decode_payload(message: Message, topic: bytes, codec: Codec) -> Any | None:
    """The typed payload if `message` is on `topic` and its payload starts with a value of
    `codec` (trailing bytes ignored, see decode_leading), else None."""
    if message.destination != topic:
        return None
    return decode_leading(codec, message.payload)


# -- shared small types ----------------------------------------------------------------
# registry.md §10: Emulated (2) is the emulator's attestation provider.
ATTESTATION_PROVIDER = with_path(Enum("AttestationProvider", [("Root", None), ("Ias", None),
                                                    ("Emulated", None)]),
    "phala_types::AttestationProvider")
PROVIDER_ROOT = Variant("Root")
PROVIDER_IAS = Variant("Ias")
PROVIDER_EMULATED = Variant("Emulated")

TOKENOMIC_PARAMETERS = with_path(Struct("TokenomicParameters", [
    ("pha_rate", U128), ("rho", U128), ("budget_per_block", U128), ("v_max", U128),
    ("cost_k", U128), ("cost_b", U128), ("slash_rate", U128), ("treasury_ratio", U128),
    ("heartbeat_window", U32), ("rig_k", U128), ("rig_b", U128), ("re", U128),
    ("k", U128), ("kappa", U128),
], TokenomicParams), "phala_types::messaging::TokenomicParameters")

# -- SystemEvent (topic phala/system/event) -------------------------------------------
@dataclass(frozen=True)
class RegisteredInfo:
    """The `messaging::WorkerInfo` carried by `WorkerEvent::Registered`."""

    attestation_provider: Variant | None
    confidence_level: int


WORKER_EVENT = with_path(Enum("WorkerEvent", [
    ("Registered", Struct("WorkerInfo", [
        ("attestation_provider", Option(ATTESTATION_PROVIDER)),
        ("confidence_level", U8)], RegisteredInfo)),
    ("BenchStart", Struct("BenchStart", [("duration", U32)])),
    ("BenchScore", U32),
    ("Started", Struct("Started", [("session_id", U32), ("init_v", U128), ("init_p", U32)])),
    ("Stopped", None),
    ("EnterUnresponsive", None),
    ("ExitUnresponsive", None),
]), "phala_types::messaging::WorkerEvent")


@dataclass(frozen=True)
class WorkerEventWithKey:
    pubkey: bytes
    event: Variant


@dataclass(frozen=True)
class HeartbeatChallenge:
    seed: int
    online_target: int


SYSTEM_EVENT = with_path(Enum("SystemEvent", [
    ("WorkerEvent", Struct("WorkerEventWithKey", [
        ("pubkey", PUBKEY), ("event", WORKER_EVENT)], WorkerEventWithKey)),
    ("HeartbeatChallenge", Struct("HeartbeatChallenge", [
        ("seed", U256), ("online_target", U256)], HeartbeatChallenge)),
]), "phala_types::messaging::SystemEvent")


def worker_event(pubkey: bytes, event: Variant) -> Variant:
    """`SystemEvent::WorkerEvent { pubkey, event }` (encode with SYSTEM_EVENT)."""
    return Variant("WorkerEvent", WorkerEventWithKey(bytes(pubkey), event))


def registered(provider: Variant | None, confidence_level: int) -> Variant:
    """`WorkerEvent::Registered(WorkerInfo { attestation_provider, confidence_level })`."""
    return Variant("Registered", RegisteredInfo(provider, confidence_level))


def bench_start(duration: int) -> Variant:
    return Variant("BenchStart", {"duration": duration})


def bench_score(score: int) -> Variant:
    return Variant("BenchScore", score)


# -- GatekeeperEvent (topic phala/gatekeeper/event) -----------------------------------
@dataclass(frozen=True)
class RandomNumberEvent:
    block_number: int
    random_number: bytes
    last_random_number: bytes


GATEKEEPER_EVENT = with_path(Enum("GatekeeperEvent", [
    ("NewRandomNumber", Struct("RandomNumberEvent", [
        ("block_number", U32), ("random_number", PUBKEY), ("last_random_number", PUBKEY)],
        RandomNumberEvent)),
    ("TokenomicParametersChanged", TOKENOMIC_PARAMETERS),
    ("RepairV", None),
    ("PhalaLaunched", None),
    ("UnrespFix", None),
]), "phala_types::messaging::GatekeeperEvent")

# -- WorkingReportEvent (topic phala/mining/report) -----------------------------------
_HEARTBEAT_FIELDS = [("session_id", U32), ("challenge_block", U32),
                     ("challenge_time", U64), ("iterations", U64)]
WORKING_REPORT_EVENT = with_path(Enum("WorkingReportEvent", [
    ("Heartbeat", Struct("Heartbeat", _HEARTBEAT_FIELDS)),
    ("HeartbeatV2", Struct("HeartbeatV2", _HEARTBEAT_FIELDS + [
        ("n_clusters", U32), ("n_contracts", U32)])),
]), "phala_types::messaging::WorkingReportEvent")

# -- WorkingInfoUpdateEvent (topic ^phala/mining/update) ------------------------------
@dataclass(frozen=True)
class SettleInfo:
    """One worker's settlement; v, payout and treasury are U64F64 bits."""

    pubkey: bytes
    v: int
    payout: int
    treasury: int


SETTLE_INFO = with_path(Struct("SettleInfo", [
    ("pubkey", PUBKEY), ("v", U128), ("payout", U128), ("treasury", U128)], SettleInfo),
    "phala_types::messaging::SettleInfo")


@dataclass(frozen=True)
class WorkingInfoUpdateEvent:
    block_number: int
    timestamp_ms: int
    offline: list[bytes]
    recovered_to_online: list[bytes]
    settle: list[SettleInfo]

    def is_empty(self) -> bool:
        return not (self.offline or self.recovered_to_online or self.settle)


WORKING_INFO_UPDATE_EVENT = with_path(Struct("WorkingInfoUpdateEvent", [
    ("block_number", U32), ("timestamp_ms", U64), ("offline", Vec(PUBKEY)),
    ("recovered_to_online", Vec(PUBKEY)), ("settle", Vec(SETTLE_INFO)),
], WorkingInfoUpdateEvent), "phala_types::messaging::WorkingInfoUpdateEvent")

# -- registry topics --------------------------------------------------------------------
REGISTRY_EVENT = with_path(Enum("RegistryEvent", [
    ("BenchReport", Struct("BenchReport", [("start_time", U64), ("iterations", U64)])),
    ("MasterPubkey", Struct("MasterPubkey", [("master_pubkey", PUBKEY)])),
]), "phala_types::messaging::RegistryEvent")

GATEKEEPER_REGISTRY_EVENT = with_path(Enum("GatekeeperRegistryEvent", [
    ("RotatedMasterPubkey", Struct("RotatedMasterPubkey", [
        ("rotation_id", U64), ("master_pubkey", PUBKEY)])),
]), "phala_types::messaging::GatekeeperRegistryEvent")

_NEW_GATEKEEPER = with_path(
    Struct("NewGatekeeperEvent", [("pubkey", PUBKEY), ("ecdh_pubkey", PUBKEY)]),
    "phala_types::messaging::NewGatekeeperEvent")
_MASTER_PUBKEY_EVENT = with_path(Struct("MasterPubkeyEvent", [("master_pubkey", PUBKEY)]),
    "phala_types::messaging::MasterPubkeyEvent")
GATEKEEPER_LAUNCH = with_path(Enum("GatekeeperLaunch", [
    ("FirstGatekeeper", _NEW_GATEKEEPER),
    ("MasterPubkeyOnChain", _MASTER_PUBKEY_EVENT),
    ("RotateMasterKey", Struct("RotateMasterKeyEvent", [
        ("rotation_id", U64), ("gk_identities", Vec(_NEW_GATEKEEPER))])),
    ("MasterPubkeyRotated", _MASTER_PUBKEY_EVENT),
]), "phala_types::messaging::GatekeeperLaunch")
GATEKEEPER_CHANGE = with_path(Enum("GatekeeperChange", [
    ("Registered", _NEW_GATEKEEPER),
    ("Unregistered", Struct("RemoveGatekeeperEvent", [("pubkey", PUBKEY)])),
]), "phala_types::messaging::GatekeeperChange")

RETIRE_CONDITION = with_path(Enum("RetireCondition", [
    ("VersionLessThan", Tuple(U32, U32, U32)),
    ("VersionIs", Tuple(U32, U32, U32)),
]), "phala_types::messaging::RetireCondition")
PRUNTIME_MANAGEMENT_EVENT = with_path(Enum("PRuntimeManagementEvent", [
    ("RetirePRuntime", RETIRE_CONDITION),
    ("SetConsensusVersion", U32),
]), "phala_types::messaging::PRuntimeManagementEvent")
