"""The in-runtime Gatekeeper reads message payloads as the reference's does (phala-mq
`TypedReceiver`: `Decode::decode(&mut &payload[..])`): the typed value at the start, bytes
after it ignored; a payload without a value at its start is still ignored. Real chains
(tests/harness.py) as in test_gatekeeper_chain; each case is compared with the same chain
given the exact payload, state for state, once the Gatekeeper's report is applied."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pallets.messages import (
    GATEKEEPER_EVENT,
    GATEKEEPER_EVENT_TOPIC,
    MINING_REPORT_TOPIC,
    SYSTEM_EVENT,
    SYSTEM_EVENT_TOPIC,
    WORKING_REPORT_EVENT,
    origin_pallet,
    origin_worker,
    registered,
    worker_event,
)
from pallets.mining.formulas import default_params
from pallets.mining.handlers import heartbeat_challenge
from runtime.codec import Variant
from tests.harness import Chain
from tests.pallets.test_gatekeeper_chain import WORKER, chain, wait_for_challenge

EXTRAS = [b"\x00", b"\x07\xff\x00\x01\x02"]  # one trailing byte, several
NEW_WORKER = bytes([0x22]) * 32
EVERYONE = (1 << 256) - 1  # an online target every mining worker is hit by


def exact(payload: bytes) -> bytes:
    return payload


def truncated(payload: bytes) -> bytes:
    return payload[:-1]


def unsent(payload: bytes) -> None:
    """The message is not sent at all (the chain an ignored message must match)."""
    return None


def push(c: Chain, sender: Variant, topic: bytes, payload: bytes | None) -> None:
    if payload is not None:
        c["PhalaMq"].push_message(sender, topic, payload)


def heartbeat_run(payload_of: Any) -> tuple[Chain, int]:
    """WORKER answers its first challenge with payload_of(heartbeat); then one more block
    (the Gatekeeper's report applied). Returns the chain and the answering block."""
    c = chain()
    c.next_block()
    session = c["PhalaMining"].gatekeeper.worker(WORKER, 1).working_state.session_id
    cb = wait_for_challenge(c)
    hb = {"session_id": session, "challenge_block": cb,
          "challenge_time": c.now_ms - c.block_ms * (c.number - cb), "iterations": 100_000}
    payload = WORKING_REPORT_EVENT.encode(Variant("Heartbeat", hb))
    push(c, origin_worker(WORKER), MINING_REPORT_TOPIC, payload_of(payload))
    paid = c.number
    c.next_block()
    return c, paid


def settlement(c: Chain, paid: int) -> tuple[Any, ...]:
    """What a heartbeat decides: both blocks' events, the GK's record and ignore count."""
    gk = c["PhalaMining"].gatekeeper
    return (c.events(paid), c.events(), gk.worker(WORKER, paid),
            gk.GkIgnoredHeartbeats.get())


@pytest.mark.parametrize("extra", EXTRAS)
def test_a_heartbeat_with_trailing_bytes_is_settled_to_the_planck(extra: bytes) -> None:
    a, paid = heartbeat_run(exact)
    b, _ = heartbeat_run(lambda p: p + extra)
    settled = [e for e in a.events() if e.name == "MinerSettled"]
    v = a["PhalaMining"].gatekeeper.worker(WORKER, paid).tokenomic.v
    assert len(settled) == 1 and settled[0].fields["v_bits"] == v
    assert settled[0].fields["payout_bits"] > 0
    assert settlement(b, paid) == settlement(a, paid)
    assert b.snapshot() == a.snapshot()


def test_a_truncated_heartbeat_is_still_ignored() -> None:
    a, paid = heartbeat_run(truncated)
    silent, _ = heartbeat_run(unsent)
    assert not [e for e in a.events() if e.name == "MinerSettled"]
    assert settlement(a, paid) == settlement(silent, paid)
    assert a.snapshot() == silent.snapshot()


def pallet_messages(payload_of: Any) -> Chain:
    """Block 2: a pallet registers NEW_WORKER (level 2) and challenges every worker, with
    payload_of(each payload); then one more block."""
    c = chain()
    c.next_block()
    push(c, origin_pallet("PhalaRegistry"), SYSTEM_EVENT_TOPIC, payload_of(
        SYSTEM_EVENT.encode(worker_event(NEW_WORKER, registered(None, 2)))))
    push(c, origin_pallet("PhalaMining"), SYSTEM_EVENT_TOPIC,
         payload_of(heartbeat_challenge(7, EVERYONE)))
    c.next_block()
    return c


def waiting(c: Chain) -> list[int]:
    return list(c["PhalaMining"].gatekeeper.worker(WORKER, 2).waiting_heartbeats)


@pytest.mark.parametrize("extra", EXTRAS)
def test_system_events_with_trailing_bytes_act_as_without(extra: bytes) -> None:
    a, b = pallet_messages(exact), pallet_messages(lambda p: p + extra)
    gk = a["PhalaMining"].gatekeeper
    assert gk.worker(NEW_WORKER, 2).tokenomic.confidence_level == 2
    # the pushed challenge adds block 2 to what the mining pallet's own challenges leave
    assert gk.worker(WORKER, 2).waiting_heartbeats == waiting(pallet_messages(unsent)) + [2]
    assert b.snapshot() == a.snapshot()


def test_truncated_system_events_are_still_ignored() -> None:
    a = pallet_messages(truncated)
    assert a["PhalaMining"].gatekeeper.worker(NEW_WORKER, 2) is None
    silent = pallet_messages(unsent)
    assert waiting(a) == waiting(silent)
    assert a.snapshot() == silent.snapshot()


NEW_PARAMS = dataclasses.replace(default_params(), budget_per_block=123 << 64)


def parameters_change(payload_of: Any) -> Chain:
    """Block 2: the mining pallet tells the Gatekeeper new tokenomic parameters with
    payload_of(the payload); then one more block."""
    c = chain()
    c.next_block()
    payload = GATEKEEPER_EVENT.encode(Variant("TokenomicParametersChanged", NEW_PARAMS))
    push(c, origin_pallet("PhalaMining"), GATEKEEPER_EVENT_TOPIC, payload_of(payload))
    c.next_block()
    return c


@pytest.mark.parametrize("extra", EXTRAS)
def test_a_gatekeeper_event_with_trailing_bytes_acts_as_without(extra: bytes) -> None:
    a = parameters_change(exact)
    assert a["PhalaMining"].gatekeeper.params().params == NEW_PARAMS
    assert parameters_change(lambda p: p + extra).snapshot() == a.snapshot()


def test_a_truncated_gatekeeper_event_is_still_ignored() -> None:
    a = parameters_change(truncated)
    assert a["PhalaMining"].gatekeeper.params().params == default_params()
    assert a.snapshot() == parameters_change(unsent).snapshot()
