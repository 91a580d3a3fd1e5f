"""PhalaMq: sync_offchain_message checks in order, sequence and signature handling,
subscriber dispatch, outbound clearing and queued dispatch at the next block."""

from __future__ import annotations

import pytest

from pallets.messages import (
    MINING_REPORT_TOPIC,
    ORIGIN_GATEKEEPER,
    REGISTRY_EVENT,
    REGISTRY_EVENT_TOPIC,
    SYSTEM_EVENT_TOPIC,
    Message,
    SignedMessage,
    mq_signing_bytes,
    origin_pallet,
    origin_worker,
)
from runtime.codec import Variant
from runtime.dispatch import ModuleError, Origin
from tests.harness import ALICE
from tests.pallets.test_registry_support import WORKER1, WORKER2, make_chain, pallet_state, signed

MASTER = WORKER2  # any key stands in for the Gatekeeper master key
PAYLOAD = b"\x01\x02\x03"


def sync(chain, message: SignedMessage):  # type: ignore[no-untyped-def]
    return chain.call(ALICE, "PhalaMq", "sync_offchain_message", signed_message=message)


def test_worker_message_is_accepted_sequenced_and_dispatched() -> None:
    # Given a chain and a subscriber recording what it sees
    chain = make_chain()
    seen: list[Message] = []
    chain["PhalaMq"].subscribers = [seen.append]
    message = signed(WORKER1, MINING_REPORT_TOPIC, PAYLOAD, 0)
    # When Alice relays the worker's message with sequence 0
    out = sync(chain, message)
    # Then it succeeds, the next sequence is 1, subscribers and the outbound list get it
    assert out == (True, None, [])
    assert chain["PhalaMq"].expected_sequence(origin_worker(WORKER1.public_key)) == 1
    assert chain["PhalaMq"].OffchainIngress.get(origin_worker(WORKER1.public_key)) == 1
    assert seen == [message.message]
    assert chain["PhalaMq"].outbound_messages() == [message.message]
    # And the next message must carry sequence 1
    assert sync(chain, signed(WORKER1, MINING_REPORT_TOPIC, PAYLOAD, 1)).success
    assert chain["PhalaMq"].expected_sequence(origin_worker(WORKER1.public_key)) == 2
    chain.try_state()


def test_on_chain_topic_is_dispatched_but_not_outbound() -> None:
    chain = make_chain()
    seen: list[Message] = []
    chain["PhalaMq"].subscribers = [seen.append]
    message = signed(WORKER1, b"^private", PAYLOAD, 0)
    assert sync(chain, message).success
    assert seen == [message.message]
    assert chain["PhalaMq"].outbound_messages() == []


def _fails(chain, message: SignedMessage, error: str) -> None:  # type: ignore[no-untyped-def]
    before = pallet_state(chain, "PhalaMq", "PhalaRegistry")
    out = sync(chain, message)
    assert out == (False, error, [])
    assert pallet_state(chain, "PhalaMq", "PhalaRegistry") == before


def test_root_and_unsigned_origins_are_bad_origin() -> None:
    chain = make_chain()
    message = signed(WORKER1, MINING_REPORT_TOPIC, PAYLOAD, 0)
    for origin in (Origin.root(), Origin.none()):
        out = chain.call(origin, "PhalaMq", "sync_offchain_message", signed_message=message)
        assert out == (False, "BadOrigin", [])


@pytest.mark.parametrize("sender", [
    origin_pallet("PhalaRegistry"), Variant("AccountId", b"\1" * 32),
    Variant("MultiLocation", b""), Variant("Reserved")])
def test_on_chain_senders_are_bad_sender(sender: Variant) -> None:
    chain = make_chain()
    # invalid topic and sequence too: BadSender is checked first
    _fails(chain, SignedMessage(Message(sender, b"", PAYLOAD), 9, b""), "PhalaMq.BadSender")


@pytest.mark.parametrize("topic", [b"", b"/phala", b"~x", b"'x"])
def test_invalid_topic_is_bad_destination_before_sequence(topic: bytes) -> None:
    chain = make_chain()
    message = SignedMessage(Message(origin_worker(WORKER1.public_key), topic, PAYLOAD), 9, b"")
    _fails(chain, message, "PhalaMq.BadDestination")


def test_wrong_sequence_is_bad_sequence_before_signature() -> None:
    chain = make_chain()
    _fails(chain, signed(WORKER1, MINING_REPORT_TOPIC, PAYLOAD, 1), "PhalaMq.BadSequence")
    bad_sig = signed(WORKER1, MINING_REPORT_TOPIC, PAYLOAD, 1)
    _fails(chain, SignedMessage(bad_sig.message, 1, b""), "PhalaMq.BadSequence")
    # a replay of an accepted sequence is rejected too
    assert sync(chain, signed(WORKER1, MINING_REPORT_TOPIC, PAYLOAD, 0)).success
    _fails(chain, signed(WORKER1, MINING_REPORT_TOPIC, PAYLOAD, 0), "PhalaMq.BadSequence")


def test_signature_of_wrong_length_then_invalid() -> None:
    chain = make_chain()
    good = signed(WORKER1, MINING_REPORT_TOPIC, PAYLOAD, 0)
    _fails(chain, SignedMessage(good.message, 0, good.signature[:63]),
           "PhalaRegistry.InvalidSignatureLength")
    _fails(chain, SignedMessage(good.message, 0, good.signature + b"\0"),
           "PhalaRegistry.InvalidSignatureLength")
    # signed by another key, over another sequence, or garbage: InvalidSignature
    other = WORKER2.sign(mq_signing_bytes(good.message, 0))
    wrong_seq = WORKER1.sign(mq_signing_bytes(good.message, 1))
    for sig in (other, wrong_seq, b"\0" * 64):
        _fails(chain, SignedMessage(good.message, 0, sig), "PhalaRegistry.InvalidSignature")


def test_an_unregistered_worker_may_send() -> None:
    chain = make_chain()
    assert chain["PhalaRegistry"].Workers.get(WORKER1.public_key) is None
    assert sync(chain, signed(WORKER1, MINING_REPORT_TOPIC, PAYLOAD, 0)).success


def _signed_as(origin: Variant, key, sequence: int = 0) -> SignedMessage:  # type: ignore[no-untyped-def]
    message = Message(origin, MINING_REPORT_TOPIC, PAYLOAD)
    return SignedMessage(message, sequence, key.sign(mq_signing_bytes(message, sequence)))


def test_cluster_contract_and_gatekeeper_keys_come_from_the_registry() -> None:
    chain = make_chain()
    cluster, contract = Variant("Cluster", b"\x0c" * 32), Variant("Contract", b"\x0d" * 32)
    _fails(chain, _signed_as(cluster, MASTER), "PhalaRegistry.UnknownCluster")
    _fails(chain, _signed_as(contract, MASTER), "PhalaRegistry.UnknownContract")
    _fails(chain, _signed_as(ORIGIN_GATEKEEPER, MASTER), "PhalaRegistry.MasterKeyUninitialized")
    # Given the keys are known
    registry = chain["PhalaRegistry"]
    registry.ClusterKeys.insert(b"\x0c" * 32, MASTER.public_key)
    registry.ContractKeys.insert(b"\x0d" * 32, MASTER.public_key)
    registry.GatekeeperMasterPubkey.put(MASTER.public_key)
    # Then messages signed by them are accepted (and by another key rejected)
    for origin in (cluster, contract, ORIGIN_GATEKEEPER):
        _fails(chain, _signed_as(origin, WORKER1), "PhalaRegistry.InvalidSignature")
        assert sync(chain, _signed_as(origin, MASTER)).success
        assert chain["PhalaMq"].expected_sequence(origin) == 1


def test_check_message_rejects_senders_without_a_key() -> None:
    chain = make_chain()
    message = SignedMessage(Message(origin_pallet("X"), MINING_REPORT_TOPIC, b""), 0, b"\0" * 64)
    with pytest.raises(ModuleError) as err:
        chain["PhalaRegistry"].check_message(message)
    assert err.value.describe() == "PhalaRegistry.CannotHandleUnknownMessage"


def test_push_message_calls_every_subscriber_and_swallows_their_errors() -> None:
    chain = make_chain()
    seen: list[tuple[str, Message]] = []

    def failing(message: Message) -> None:
        seen.append(("failing", message))
        raise chain["PhalaRegistry"].error("InvalidSender")

    chain["PhalaMq"].subscribers = [lambda m: seen.append(("first", m)), failing,
                                    lambda m: seen.append(("last", m))]
    sender = origin_pallet("PhalaRegistry")
    chain["PhalaMq"].push_message(sender, SYSTEM_EVENT_TOPIC, b"\x09")
    chain["PhalaMq"].push_message(sender, REGISTRY_EVENT_TOPIC, b"\x0a")
    first = Message(sender, SYSTEM_EVENT_TOPIC, b"\x09")
    second = Message(sender, REGISTRY_EVENT_TOPIC, b"\x0a")
    assert seen == [("first", first), ("failing", first), ("last", first),
                    ("first", second), ("failing", second), ("last", second)]
    assert chain["PhalaMq"].outbound_messages() == [first]  # only the off-chain topic


def test_outbound_messages_are_cleared_at_the_next_block() -> None:
    chain = make_chain()
    chain["PhalaMq"].push_message(origin_pallet("PhalaRegistry"), SYSTEM_EVENT_TOPIC, b"\x01")
    assert len(chain["PhalaMq"].outbound_messages()) == 1
    chain.next_block()
    assert chain["PhalaMq"].outbound_messages() == []
    assert not chain["PhalaMq"].OutboundMessages.exists()


def test_queued_messages_are_dispatched_at_the_next_block_in_order() -> None:
    chain = make_chain()
    seen: list[Message] = []
    chain["PhalaMq"].subscribers = [seen.append]
    sender = origin_pallet("PhalaMining")
    chain["PhalaMq"].queue_message(sender, SYSTEM_EVENT_TOPIC, b"\x01")
    chain["PhalaMq"].queue_message(sender, REGISTRY_EVENT_TOPIC, b"\x02")
    chain["PhalaMq"].queue_message(sender, SYSTEM_EVENT_TOPIC, b"\x03")
    # Then nothing is dispatched in this block
    assert seen == [] and chain["PhalaMq"].outbound_messages() == []
    assert [m.payload for m in chain["PhalaMq"].queued_messages()] == [b"\x01", b"\x02", b"\x03"]
    # When the next block starts
    chain.next_block()
    # Then all three reach the subscribers in order; off-chain ones are outbound
    assert [m.payload for m in seen] == [b"\x01", b"\x02", b"\x03"]
    assert [m.payload for m in chain["PhalaMq"].outbound_messages()] == [b"\x01", b"\x03"]
    assert chain["PhalaMq"].queued_messages() == []
    assert not chain["PhalaMq"].QueuedOutboundMessage.exists()
    chain.try_state()


def test_registry_handler_runs_for_relayed_worker_messages() -> None:
    # Given a worker's bench report relayed two seconds after it started
    chain = make_chain()
    start = chain.rt.now_ms() - 2000
    report = {"start_time": start, "iterations": 100}
    payload = REGISTRY_EVENT.encode(Variant("BenchReport", report))
    out = sync(chain, signed(WORKER1, REGISTRY_EVENT_TOPIC, payload, 0))
    # Then the registry scored it: 100 // 2 * 6 = 300
    assert out.success
    assert out.events == [("PhalaRegistry", "InitialScoreSet",
                           {"pubkey": WORKER1.public_key, "init_score": 300})]
