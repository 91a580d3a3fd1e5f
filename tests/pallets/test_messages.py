"""Phala message codecs: exact bytes for hand-built messages, round trips, topic rules."""

from __future__ import annotations

import pytest

from pallets.messages import (
    ATTESTATION_PROVIDER,
    GATEKEEPER_EVENT,
    MESSAGE,
    MESSAGE_ORIGIN,
    PROVIDER_EMULATED,
    PROVIDER_IAS,
    PROVIDER_ROOT,
    REGISTRY_EVENT,
    REGISTRY_EVENT_TOPIC,
    SIGNED_MESSAGE,
    SYSTEM_EVENT,
    SYSTEM_EVENT_TOPIC,
    TOKENOMIC_PARAMETERS,
    WORKER_EVENT,
    WORKING_INFO_UPDATE_EVENT,
    WORKING_REPORT_EVENT,
    HeartbeatChallenge,
    Message,
    RandomNumberEvent,
    SettleInfo,
    SignedMessage,
    WorkingInfoUpdateEvent,
    bench_start,
    decode_payload,
    is_offchain,
    mq_signing_bytes,
    origin_pallet,
    origin_worker,
    registered,
    topic_is_offchain,
    topic_is_valid,
    worker_event,
)
from pallets.mining.formulas import default_params
from runtime.codec import Variant

PK = bytes(range(1, 33))


def le(n: int, size: int) -> bytes:
    return n.to_bytes(size, "little")


@pytest.mark.parametrize("origin, encoded", [
    (origin_pallet("PhalaMq"), b"\x00\x1cPhalaMq"),
    (Variant("Contract", PK), b"\x01" + PK),
    (origin_worker(PK), b"\x02" + PK),
    (Variant("AccountId", PK), b"\x03" + PK),
    (Variant("MultiLocation", b"\x01\x02"), b"\x04\x08\x01\x02"),
    (Variant("Gatekeeper"), b"\x05"),
    (Variant("Cluster", PK), b"\x06" + PK),
    (Variant("Reserved"), b"\xff"),
])
def test_message_origin_encodings_round_trip(origin: Variant, encoded: bytes) -> None:
    assert MESSAGE_ORIGIN.encode(origin) == encoded
    assert MESSAGE_ORIGIN.decode(encoded) == origin


def test_offchain_origins_are_cluster_contract_worker_gatekeeper() -> None:
    offchain = {name for name in MESSAGE_ORIGIN.by_name
                if is_offchain(Variant(name, None))}
    assert offchain == {"Cluster", "Contract", "Worker", "Gatekeeper"}


def test_origin_worker_rejects_a_short_key() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        origin_worker(b"\x01" * 31)


def test_topic_rules() -> None:
    assert not topic_is_valid(b"")
    for first in b"~!@#$%&*_+-=|<>?,./;:'":
        assert not topic_is_valid(bytes([first]) + b"phala"), chr(first)
        assert not topic_is_offchain(bytes([first]) + b"phala")
    assert topic_is_valid(b"^phala/registry/event") and not topic_is_offchain(b"^phala/x")
    assert topic_is_valid(b"phala/system/event") and topic_is_offchain(b"phala/system/event")


def test_registered_message_exact_bytes() -> None:
    payload = SYSTEM_EVENT.encode(worker_event(PK, registered(PROVIDER_ROOT, 128)))
    assert payload == b"\x00" + PK + b"\x00" + b"\x01\x00" + b"\x80"
    message = Message(origin_pallet("PhalaRegistry"), SYSTEM_EVENT_TOPIC, payload)
    encoded = MESSAGE.encode(message)
    assert encoded == (b"\x00\x34PhalaRegistry" + b"\x48phala/system/event"
                       + b"\x94" + payload)
    assert MESSAGE.decode(encoded) == message


def test_signing_bytes_are_message_then_u64_sequence_without_prefix() -> None:
    message = Message(origin_worker(PK), REGISTRY_EVENT_TOPIC, b"\x01\x02")
    assert mq_signing_bytes(message, 258) == MESSAGE.encode(message) + le(258, 8)
    assert mq_signing_bytes(message, 0) == (b"\x02" + PK + b"\x54^phala/registry/event"
                                            + b"\x08\x01\x02" + bytes(8))


def test_signed_message_round_trip_and_layout() -> None:
    sm = SignedMessage(Message(Variant("Gatekeeper"), b"t", b""), 5, b"\xaa" * 64)
    encoded = SIGNED_MESSAGE.encode(sm)
    assert encoded == b"\x05\x04t\x00" + le(5, 8) + b"\x01\x01" + b"\xaa" * 64
    assert SIGNED_MESSAGE.decode(encoded) == sm


@pytest.mark.parametrize("event, encoded", [
    (registered(None, 128), b"\x00\x00\x80"),
    (registered(PROVIDER_EMULATED, 3), b"\x00\x01\x02\x03"),
    (bench_start(8), b"\x01" + le(8, 4)),
    (Variant("BenchScore", 1234), b"\x02" + le(1234, 4)),
    (Variant("Started", {"session_id": 1, "init_v": 2 << 64, "init_p": 3}),
     b"\x03" + le(1, 4) + le(2 << 64, 16) + le(3, 4)),
    (Variant("Stopped"), b"\x04"),
    (Variant("EnterUnresponsive"), b"\x05"),
    (Variant("ExitUnresponsive"), b"\x06"),
])
def test_worker_event_variants(event: Variant, encoded: bytes) -> None:
    assert WORKER_EVENT.encode(event) == encoded
    assert WORKER_EVENT.decode(encoded) == event


def test_heartbeat_challenge_is_two_u256_little_endian() -> None:
    challenge = Variant("HeartbeatChallenge", HeartbeatChallenge(seed=1, online_target=2**255))
    encoded = SYSTEM_EVENT.encode(challenge)
    assert encoded == b"\x01" + le(1, 32) + le(2**255, 32)
    assert SYSTEM_EVENT.decode(encoded) == challenge


def test_attestation_provider_indices() -> None:
    assert [ATTESTATION_PROVIDER.encode(p) for p in (PROVIDER_ROOT, PROVIDER_IAS,
                                                      PROVIDER_EMULATED)] == [b"\0", b"\1", b"\2"]


def test_tokenomic_parameters_are_212_bytes_with_u32_heartbeat_window_tenth() -> None:
    params = default_params()
    encoded = TOKENOMIC_PARAMETERS.encode(params)
    assert len(encoded) == 212 == 13 * 16 + 4
    assert encoded[:16] == le(params.pha_rate, 16)
    assert encoded[128:132] == le(10, 4)  # after 8 u128 fields
    assert encoded[132:148] == le(params.rig_k, 16)
    assert TOKENOMIC_PARAMETERS.decode(encoded) == params


def test_gatekeeper_event_variants() -> None:
    params = default_params()
    rnd = Variant("NewRandomNumber", RandomNumberEvent(7, b"\x01" * 32, b"\x02" * 32))
    assert GATEKEEPER_EVENT.encode(rnd) == b"\x00" + le(7, 4) + b"\x01" * 32 + b"\x02" * 32
    changed = Variant("TokenomicParametersChanged", params)
    assert GATEKEEPER_EVENT.encode(changed) == b"\x01" + TOKENOMIC_PARAMETERS.encode(params)
    for variant in (rnd, changed):
        assert GATEKEEPER_EVENT.decode(GATEKEEPER_EVENT.encode(variant)) == variant
    assert [GATEKEEPER_EVENT.encode(n) for n in ("RepairV", "PhalaLaunched", "UnrespFix")] \
        == [b"\x02", b"\x03", b"\x04"]


def test_working_report_heartbeats() -> None:
    hb = {"session_id": 1, "challenge_block": 2, "challenge_time": 3, "iterations": 4}
    base = le(1, 4) + le(2, 4) + le(3, 8) + le(4, 8)
    assert WORKING_REPORT_EVENT.encode(Variant("Heartbeat", hb)) == b"\x00" + base
    v2 = Variant("HeartbeatV2", {**hb, "n_clusters": 5, "n_contracts": 6})
    assert WORKING_REPORT_EVENT.encode(v2) == b"\x01" + base + le(5, 4) + le(6, 4)
    assert WORKING_REPORT_EVENT.decode(WORKING_REPORT_EVENT.encode(v2)) == v2


def test_working_info_update_event() -> None:
    settle = SettleInfo(PK, v=1 << 64, payout=2, treasury=3)
    event = WorkingInfoUpdateEvent(9, 12_000, [PK], [], [settle])
    encoded = WORKING_INFO_UPDATE_EVENT.encode(event)
    assert encoded == (le(9, 4) + le(12_000, 8) + b"\x04" + PK + b"\x00" + b"\x04" + PK
                       + le(1 << 64, 16) + le(2, 16) + le(3, 16))
    assert WORKING_INFO_UPDATE_EVENT.decode(encoded) == event
    assert not event.is_empty() and WorkingInfoUpdateEvent(1, 2, [], [], []).is_empty()


def test_registry_event_variants() -> None:
    report = Variant("BenchReport", {"start_time": 1000, "iterations": 60})
    assert REGISTRY_EVENT.encode(report) == b"\x00" + le(1000, 8) + le(60, 8)
    master = Variant("MasterPubkey", {"master_pubkey": PK})
    assert REGISTRY_EVENT.encode(master) == b"\x01" + PK
    assert REGISTRY_EVENT.decode(REGISTRY_EVENT.encode(master)) == master


def test_decode_payload_requires_the_topic_and_a_leading_value() -> None:
    payload = REGISTRY_EVENT.encode(Variant("MasterPubkey", {"master_pubkey": PK}))
    sender = origin_worker(PK)
    ok = Message(sender, REGISTRY_EVENT_TOPIC, payload)
    expected = Variant("MasterPubkey", {"master_pubkey": PK})
    assert decode_payload(ok, REGISTRY_EVENT_TOPIC, REGISTRY_EVENT) == expected
    assert decode_payload(Message(sender, SYSTEM_EVENT_TOPIC, payload),
                          REGISTRY_EVENT_TOPIC, REGISTRY_EVENT) is None
    # bytes after the value are ignored, as the reference's Decode::decode does
    for extra in (b"\x00", b"\xff\x01\x02\x03"):
        assert decode_payload(Message(sender, REGISTRY_EVENT_TOPIC, payload + extra),
                              REGISTRY_EVENT_TOPIC, REGISTRY_EVENT) == expected
    for bad in (b"\x07", b"", payload[:-1]):  # unknown variant, empty, truncated
        assert decode_payload(Message(sender, REGISTRY_EVENT_TOPIC, bad),
                              REGISTRY_EVENT_TOPIC, REGISTRY_EVENT) is None
