"""The registry's message handlers read a payload as the reference does: the typed value
at its start, bytes after it ignored (`Decode::decode(&mut &payload[..])`); a payload
without a value at its start is still ignored. Messages go through a real chain:
`PhalaMq.sync_offchain_message`, signature and sequence checks, the registry handler."""

from __future__ import annotations

from typing import Any

import pytest

from pallets.messages import (
    GATEKEEPER_REGISTRY_EVENT,
    GATEKEEPER_REGISTRY_EVENT_TOPIC,
    ORIGIN_GATEKEEPER,
    REGISTRY_EVENT,
    REGISTRY_EVENT_TOPIC,
    SYSTEM_EVENT_TOPIC,
    Message,
    SignedMessage,
    bench_score,
    mq_signing_bytes,
    origin_worker,
    worker_event,
)
from runtime.codec import Variant
from runtime.keys import Keypair
from tests.harness import ALICE, Chain
from tests.pallets.test_registry_support import (
    ECDH1,
    WORKER1,
    make_chain,
    outbound,
    pallet_state,
    signed,
)

PK1 = WORKER1.public_key
MASTER = Keypair.from_uri("//GatekeeperMaster")  # signs Gatekeeper-origin messages
NEW_MASTER = bytes([0x4e]) * 32
EXTRAS = [b"\x00", b"\x07\xff\x00\x01\x02"]  # one trailing byte, several


def registered_chain() -> Chain:
    """WORKER1 registered (operator Alice) and a gatekeeper; block 2 open."""
    chain = make_chain()
    assert chain.sudo("PhalaRegistry", "force_register_worker", pubkey=PK1, ecdh_pubkey=ECDH1,
                      operator=ALICE).success
    assert chain.sudo("PhalaRegistry", "register_gatekeeper", gatekeeper=PK1).success
    chain.next_block()
    return chain


def sync(chain: Chain, message: SignedMessage) -> Any:
    return chain.call(ALICE, "PhalaMq", "sync_offchain_message", signed_message=message)


def observed(chain: Chain, out: Any) -> tuple[Any, ...]:
    """Everything a handler can change: the call's outcome and events, both pallets'
    storage, the outbound messages."""
    return out, pallet_state(chain, "PhalaRegistry", "PhalaMq"), outbound(chain)


def ignored(chain: Chain, before: dict[bytes, bytes], out: Any, sender: Variant) -> None:
    """Ignored as before the fix: the call succeeds (sequence consumed), no event, no
    registry write, nothing sent."""
    assert out == (True, None, [])
    assert pallet_state(chain, "PhalaRegistry") == before
    assert chain["PhalaMq"].expected_sequence(sender) == 1
    assert outbound(chain) == []


def bench(chain: Chain, payload_of: Any) -> Any:
    payload = payload_of(REGISTRY_EVENT.encode(Variant("BenchReport", {
        "start_time": chain.rt.now_ms() - 12_500, "iterations": 250})))
    return sync(chain, signed(WORKER1, REGISTRY_EVENT_TOPIC, payload, 0))


@pytest.mark.parametrize("extra", EXTRAS)
def test_a_bench_report_with_trailing_bytes_is_scored_as_without(extra: bytes) -> None:
    a, b = registered_chain(), registered_chain()
    exact = observed(a, bench(a, lambda p: p))
    # score = 250 // 12 * 6 = 120
    assert exact[0] == (True, None, [("PhalaRegistry", "InitialScoreSet",
                                      {"pubkey": PK1, "init_score": 120})])
    assert exact[2] == [(SYSTEM_EVENT_TOPIC, worker_event(PK1, bench_score(120)))]
    assert observed(b, bench(b, lambda p: p + extra)) == exact


def test_a_truncated_bench_report_is_still_ignored() -> None:
    chain = registered_chain()
    before = pallet_state(chain, "PhalaRegistry")
    ignored(chain, before, bench(chain, lambda p: p[:-1]), origin_worker(PK1))


def master_pubkey(chain: Chain, extra: bytes) -> Any:
    payload = REGISTRY_EVENT.encode(Variant("MasterPubkey", {"master_pubkey": NEW_MASTER}))
    return sync(chain, signed(WORKER1, REGISTRY_EVENT_TOPIC, payload + extra, 0))


@pytest.mark.parametrize("extra", EXTRAS)
def test_a_master_pubkey_upload_with_trailing_bytes_is_stored_as_without(extra: bytes) -> None:
    a, b = registered_chain(), registered_chain()
    exact = observed(a, master_pubkey(a, b""))
    assert a["PhalaRegistry"].GatekeeperMasterPubkey.get() == NEW_MASTER
    assert observed(b, master_pubkey(b, extra)) == exact


def rotating_chain() -> Chain:
    """A rotation in progress (lock 1), the current master key MASTER's."""
    chain = registered_chain()
    chain["PhalaRegistry"].GatekeeperMasterPubkey.put(MASTER.public_key)
    assert chain.sudo("PhalaRegistry", "rotate_master_key").success
    chain.next_block()
    return chain


def rotated(chain: Chain, payload_of: Any) -> Any:
    """The Gatekeeper reports rotation 1 done with payload_of(its encoding)."""
    payload = payload_of(GATEKEEPER_REGISTRY_EVENT.encode(Variant(
        "RotatedMasterPubkey", {"rotation_id": 1, "master_pubkey": NEW_MASTER})))
    message = Message(ORIGIN_GATEKEEPER, GATEKEEPER_REGISTRY_EVENT_TOPIC, payload)
    return sync(chain, SignedMessage(message, 0, MASTER.sign(mq_signing_bytes(message, 0))))


@pytest.mark.parametrize("extra", EXTRAS)
def test_a_rotated_master_pubkey_with_trailing_bytes_completes_the_rotation(
        extra: bytes) -> None:
    a, b = rotating_chain(), rotating_chain()
    exact = observed(a, rotated(a, lambda p: p))
    assert exact[0] == (True, None, [("PhalaRegistry", "MasterKeyRotated",
                                      {"rotation_id": 1, "master_pubkey": NEW_MASTER})])
    assert a["PhalaRegistry"].GatekeeperMasterPubkey.get() == NEW_MASTER
    assert observed(b, rotated(b, lambda p: p + extra)) == exact


def test_a_truncated_rotated_master_pubkey_is_still_ignored() -> None:
    chain = rotating_chain()
    before = pallet_state(chain, "PhalaRegistry")
    ignored(chain, before, rotated(chain, lambda p: p[:-1]), ORIGIN_GATEKEEPER)
    assert chain["PhalaRegistry"].MasterKeyRotationLock.get() == 1
