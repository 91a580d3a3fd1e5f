"""PhalaMq decodes nothing from a payload: it relays a message's payload byte for byte
(trailing bytes included) to the subscribers and the outbound list; the leniency about
trailing bytes is the subscribers' (test_*_leftovers). Extrinsics and calls stay strict,
as Substrate's: bytes after a call or an extrinsic make it invalid."""

from __future__ import annotations

import pytest

from pallets.messages import (
    MINING_REPORT_TOPIC,
    REGISTRY_EVENT,
    REGISTRY_EVENT_TOPIC,
    WORKING_REPORT_EVENT,
    Message,
    origin_worker,
)
from pallets.mq import PhalaMq
from pallets.registry import PhalaRegistry
from runtime.balances import Balances
from runtime.codec import Variant
from runtime.era import Era
from runtime.extrinsic import sign_extrinsic
from runtime.keys import Keypair
from runtime.scale import ScaleDecodeError
from runtime.sudo import Sudo
from runtime.system import System
from runtime.timestamp import Timestamp
from runtime.validity import InvalidTransaction
from tests.harness import ALICE, SignedChain
from tests.pallets.test_registry_support import WORKER1, make_chain, signed

EXTRAS = [b"\x00", b"\x07\xff\x00\x01\x02"]  # one trailing byte, several
HEARTBEAT = WORKING_REPORT_EVENT.encode(Variant("Heartbeat", {
    "session_id": 0, "challenge_block": 1, "challenge_time": 0, "iterations": 1}))


@pytest.mark.parametrize("extra", EXTRAS)
def test_a_payload_with_trailing_bytes_is_relayed_byte_for_byte(extra: bytes) -> None:
    chain = make_chain()
    seen: list[Message] = []
    mq = chain["PhalaMq"]
    mq.subscribers = [seen.append, *mq.subscribers]
    message = signed(WORKER1, MINING_REPORT_TOPIC, HEARTBEAT + extra, 0)
    out = chain.call(ALICE, "PhalaMq", "sync_offchain_message", signed_message=message)
    assert out == (True, None, [])
    assert seen == [message.message] and seen[0].payload == HEARTBEAT + extra
    assert mq.outbound_messages() == [message.message]
    assert mq.expected_sequence(origin_worker(WORKER1.public_key)) == 1


def sync_chain() -> SignedChain:
    sc = SignedChain(balances=[(ALICE, 10**15)], pallets=[
        (0, System), (1, Timestamp), (2, Balances), (3, Sudo), (4, PhalaMq),
        (5, PhalaRegistry)])
    sc.open_block()
    return sc


def sync_call(sc: SignedChain) -> bytes:
    payload = REGISTRY_EVENT.encode(Variant("BenchReport", {"start_time": 0, "iterations": 9}))
    return sc.rt.encode_call(sc.rt.make_call(
        "PhalaMq", "sync_offchain_message",
        signed_message=signed(WORKER1, REGISTRY_EVENT_TOPIC, payload, 0)))


def signed_ext(sc: SignedChain, call: bytes) -> bytes:
    """A valid signature of Alice over exactly `call` (trailing bytes included)."""
    return sign_extrinsic(
        Keypair.from_uri("//Alice"), call, nonce=0, era=Era(), tip=0,
        spec_version=sc.config.spec_version, tx_version=sc.config.transaction_version,
        genesis_hash=sc.genesis_hash, checkpoint_hash=sc.genesis_hash).encode()


def rejected(sc: SignedChain, ext: bytes) -> str:
    """The reason; a rejected extrinsic changes nothing."""
    before = dict(sc.cs.overlay.iter_prefix(b""))
    with pytest.raises(InvalidTransaction) as exc:
        sc.executive.apply_extrinsic(ext)
    assert dict(sc.cs.overlay.iter_prefix(b"")) == before
    return exc.value.reason


@pytest.mark.parametrize("extra", EXTRAS)
def test_a_call_or_extrinsic_with_trailing_bytes_is_still_rejected(extra: bytes) -> None:
    sc = sync_chain()
    call = sync_call(sc)
    with pytest.raises(ScaleDecodeError, match="trailing byte"):
        sc.rt.decode_call(call + extra)
    assert rejected(sc, signed_ext(sc, call + extra)) == "Call"   # after the call
    assert rejected(sc, signed_ext(sc, call) + extra) == "Call"   # after the extrinsic
    # the exact extrinsic is applied: the worker's sequence advances
    assert sc.executive.apply_extrinsic(signed_ext(sc, call)).success
    assert sc.rt.pallets["PhalaMq"].expected_sequence(origin_worker(WORKER1.public_key)) == 1
