"""PhalaRegistry message handlers (benchmark report, master key upload and rotation) and
the genesis build (registry.md §3.5, §6, §9; genesis.md)."""

from __future__ import annotations

from typing import Any

import pytest

from pallets.messages import (
    GATEKEEPER_CHANGE,
    GATEKEEPER_CHANGE_TOPIC,
    GATEKEEPER_LAUNCH,
    GATEKEEPER_LAUNCH_TOPIC,
    GATEKEEPER_REGISTRY_EVENT,
    GATEKEEPER_REGISTRY_EVENT_TOPIC,
    ORIGIN_GATEKEEPER,
    PROVIDER_ROOT,
    REGISTRY_EVENT,
    REGISTRY_EVENT_TOPIC,
    SYSTEM_EVENT_TOPIC,
    Message,
    bench_score,
    bench_start,
    origin_worker,
    registered,
    worker_event,
)
from pallets.registry import WorkerInfo
from pallets.registry.handlers import bench_score_of
from runtime.codec import Variant
from runtime.dispatch import ModuleError
from tests.harness import ALICE, GENESIS_TIME_MS, Chain
from tests.pallets.test_registry_support import (
    ECDH1,
    ECDH2,
    WORKER1,
    WORKER2,
    make_chain,
    outbound,
    pallet_state,
    signed,
)

PK1, PK2 = WORKER1.public_key, WORKER2.public_key
MASTER = bytes([0x4d]) * 32


def bench_report(chain: Chain, start_time: int, iterations: int, seq: int = 0) -> Any:
    payload = REGISTRY_EVENT.encode(Variant("BenchReport", {
        "start_time": start_time, "iterations": iterations}))
    return chain.call(ALICE, "PhalaMq", "sync_offchain_message",
                      signed_message=signed(WORKER1, REGISTRY_EVENT_TOPIC, payload, seq))


def registry_events(chain: Chain) -> list[Any]:
    return [e for e in chain.events() if e.pallet == "PhalaRegistry"]


def registered_chain(**kw: Any) -> Chain:
    chain = make_chain(**kw)
    assert chain.sudo("PhalaRegistry", "force_register_worker", pubkey=PK1, ecdh_pubkey=ECDH1,
                      operator=ALICE).success
    chain.next_block()
    return chain


# -- benchmark ----------------------------------------------------------------------------------
@pytest.mark.parametrize("iterations, elapsed, score", [
    (100, 1, 600), (100, 3, 198), (999, 1, 5994), (1000, 1, 6000), (10**9, 1, 6000),
    (5, 6, 0), ((1 << 32) // 6 + 1, 1, 2), ((1 << 64) // 6 + 1, 1, 2),
])
def test_bench_score_formula_with_reference_casts(iterations: int, elapsed: int,
                                                 score: int) -> None:
    # (iterations // elapsed * 6) wraps at 2^64, is cast to u32, then capped at 6000
    assert bench_score_of(iterations, elapsed) == score


def test_bench_report_sets_the_score_in_ms_and_tells_the_worker() -> None:
    # Given a worker that started benchmarking 12.5 s before this block
    chain = registered_chain()
    now_ms = chain.rt.now_ms()
    # When its report of 250 iterations is relayed
    out = bench_report(chain, now_ms - 12_500, 250)
    # Then score = 250 // 12 * 6 = 120, last_updated is now in ms
    assert out == (True, None, [("PhalaRegistry", "InitialScoreSet",
                                 {"pubkey": PK1, "init_score": 120})])
    stored = chain["PhalaRegistry"].Workers.get(PK1)
    assert (stored.initial_score, stored.last_updated) == (120, now_ms)
    assert outbound(chain) == [(SYSTEM_EVENT_TOPIC, worker_event(PK1, bench_score(120)))]


def test_bench_report_score_is_capped() -> None:
    chain = registered_chain()
    assert bench_report(chain, chain.rt.now_ms() - 1000, 10**12).events[0].fields == {
        "pubkey": PK1, "init_score": 6000}


def test_bench_report_for_an_unknown_worker_still_scores_and_notifies() -> None:
    chain = make_chain()
    out = bench_report(chain, chain.rt.now_ms() - 2000, 10)
    assert out.events == [("PhalaRegistry", "InitialScoreSet", {"pubkey": PK1, "init_score": 30})]
    assert chain["PhalaRegistry"].Workers.get(PK1) is None
    assert outbound(chain) == [(SYSTEM_EVENT_TOPIC, worker_event(PK1, bench_score(30)))]


@pytest.mark.parametrize("age_ms", [0, -5000, 1, 999])
def test_invalid_bench_report_changes_nothing_but_the_sequence(age_ms: int) -> None:
    # now <= start_time, or less than one whole second elapsed (the reference divides by 0)
    chain = registered_chain()
    before = pallet_state(chain, "PhalaRegistry")
    out = bench_report(chain, chain.rt.now_ms() - age_ms, 100)
    assert out == (True, None, [])  # the queue swallows the handler's error
    assert pallet_state(chain, "PhalaRegistry") == before
    assert outbound(chain) == []
    assert chain["PhalaMq"].expected_sequence(origin_worker(PK1)) == 1
    with pytest.raises(ModuleError) as err:
        chain["PhalaRegistry"].on_message_received(Message(
            origin_worker(PK1), REGISTRY_EVENT_TOPIC, REGISTRY_EVENT.encode(Variant(
                "BenchReport", {"start_time": chain.rt.now_ms() - age_ms, "iterations": 1}))))
    assert err.value.describe() == "PhalaRegistry.InvalidBenchReport"


def handle(chain: Chain, sender: Variant, topic: bytes, payload: bytes) -> str | None:
    """Run the registry handler directly; the error it raises, if any."""
    try:
        chain["PhalaRegistry"].on_message_received(Message(sender, topic, payload))
    except ModuleError as exc:
        return exc.describe()
    return None


def test_bench_report_from_a_non_worker_is_invalid_sender() -> None:
    chain = registered_chain()
    payload = REGISTRY_EVENT.encode(Variant("BenchReport", {"start_time": 0, "iterations": 9}))
    assert handle(chain, ORIGIN_GATEKEEPER, REGISTRY_EVENT_TOPIC, payload) \
        == "PhalaRegistry.InvalidSender"


def test_handlers_ignore_other_topics_and_undecodable_payloads() -> None:
    chain = registered_chain()
    before = pallet_state(chain, "PhalaRegistry")
    payload = REGISTRY_EVENT.encode(Variant("BenchReport", {"start_time": 0, "iterations": 9}))
    assert handle(chain, origin_worker(PK1), SYSTEM_EVENT_TOPIC, payload) is None
    assert handle(chain, origin_worker(PK1), REGISTRY_EVENT_TOPIC, payload[:-1]) is None
    assert handle(chain, origin_worker(PK1), REGISTRY_EVENT_TOPIC, b"\x09") is None
    assert pallet_state(chain, "PhalaRegistry") == before
    assert registry_events(chain) == []


# -- master key -----------------------------------------------------------------------------
def gatekeeper_chain() -> Chain:
    chain = registered_chain()
    assert chain.sudo("PhalaRegistry", "register_gatekeeper", gatekeeper=PK1).success
    chain.next_block()
    return chain


def master_pubkey_payload(key: bytes) -> bytes:
    return REGISTRY_EVENT.encode(Variant("MasterPubkey", {"master_pubkey": key}))


def test_master_pubkey_upload() -> None:
    chain = gatekeeper_chain()
    registry = chain["PhalaRegistry"]
    assert handle(chain, origin_worker(PK2), REGISTRY_EVENT_TOPIC,
                  master_pubkey_payload(MASTER)) == "PhalaRegistry.InvalidGatekeeper"
    assert handle(chain, ORIGIN_GATEKEEPER, REGISTRY_EVENT_TOPIC,
                  master_pubkey_payload(MASTER)) == "PhalaRegistry.InvalidSender"
    assert registry.GatekeeperMasterPubkey.get() is None
    # When the gatekeeper uploads it: stored and announced
    assert handle(chain, origin_worker(PK1), REGISTRY_EVENT_TOPIC,
                  master_pubkey_payload(MASTER)) is None
    assert registry.GatekeeperMasterPubkey.get() == MASTER
    launch = (GATEKEEPER_LAUNCH_TOPIC, GATEKEEPER_LAUNCH.encode(
        Variant("MasterPubkeyOnChain", {"master_pubkey": MASTER})))
    assert outbound(chain) == [launch]
    # The same key again is a no-op; another key is a mismatch
    assert handle(chain, origin_worker(PK1), REGISTRY_EVENT_TOPIC,
                  master_pubkey_payload(MASTER)) is None
    assert handle(chain, origin_worker(PK1), REGISTRY_EVENT_TOPIC,
                  master_pubkey_payload(PK2)) == "PhalaRegistry.MasterKeyMismatch"
    assert registry.GatekeeperMasterPubkey.get() == MASTER and outbound(chain) == [launch]


def rotated(rotation_id: int, key: bytes = PK2) -> bytes:
    return GATEKEEPER_REGISTRY_EVENT.encode(Variant("RotatedMasterPubkey", {
        "rotation_id": rotation_id, "master_pubkey": key}))


def test_rotated_master_pubkey() -> None:
    chain = gatekeeper_chain()
    registry = chain["PhalaRegistry"]
    registry.GatekeeperMasterPubkey.put(MASTER)
    assert chain.sudo("PhalaRegistry", "rotate_master_key").success
    chain.next_block()
    topic = GATEKEEPER_REGISTRY_EVENT_TOPIC
    assert handle(chain, origin_worker(PK1), topic, rotated(1)) == "PhalaRegistry.InvalidSender"
    # A wrong rotation id: failure event, error, nothing else
    assert handle(chain, ORIGIN_GATEKEEPER, topic, rotated(2)) \
        == "PhalaRegistry.InvalidRotatedMasterPubkey"
    assert registry_events(chain) == [("PhalaRegistry", "MasterKeyRotationFailed", {
        "rotation_lock": 1, "gatekeeper_rotation_id": 2})]
    assert registry.GatekeeperMasterPubkey.get() == MASTER
    # The right one: key stored, lock released, event and announcement
    assert handle(chain, ORIGIN_GATEKEEPER, topic, rotated(1)) is None
    assert registry.GatekeeperMasterPubkey.get() == PK2
    assert registry.MasterKeyRotationLock.get() is None
    assert registry_events(chain)[-1] == ("PhalaRegistry", "MasterKeyRotated", {
        "rotation_id": 1, "master_pubkey": PK2})
    assert outbound(chain) == [(GATEKEEPER_LAUNCH_TOPIC, GATEKEEPER_LAUNCH.encode(
        Variant("MasterPubkeyRotated", {"master_pubkey": PK2})))]
    # No rotation in progress: the lock is None
    assert handle(chain, ORIGIN_GATEKEEPER, topic, rotated(1)) \
        == "PhalaRegistry.InvalidRotatedMasterPubkey"
    assert registry_events(chain)[-1] == ("PhalaRegistry", "MasterKeyRotationFailed", {
        "rotation_lock": None, "gatekeeper_rotation_id": 1})
    chain.try_state()


# -- genesis --------------------------------------------------------------------------------
GENESIS_WORKERS: list[dict[str, Any]] = [
    {"pubkey": PK1, "ecdh_pubkey": ECDH1, "operator": ALICE, "initial_score": 1000,
     "confidence_level": 2},
    {"pubkey": PK2, "ecdh_pubkey": ECDH2, "operator": None, "initial_score": None,
     "confidence_level": 1},
]


def test_genesis_registers_workers_and_gatekeepers_and_queues_messages() -> None:
    chain = make_chain(benchmark_duration=50, workers=GENESIS_WORKERS,
                       gatekeepers=[PK2, PK1, bytes(32)])
    registry = chain["PhalaRegistry"]
    assert registry.BenchmarkDuration.get() == 50
    assert registry.Workers.get(PK1) == WorkerInfo(
        pubkey=PK1, ecdh_pubkey=ECDH1, runtime_version=0, last_updated=GENESIS_TIME_MS // 1000,
        operator=ALICE, attestation_provider=PROVIDER_ROOT, confidence_level=2,
        initial_score=1000, features=[1, 4])
    assert registry.Workers.get(PK2).initial_score is None
    # a gatekeeper that is not a configured worker is skipped
    assert registry.Gatekeeper.get() == [PK2, PK1]
    # Block 1 is open: the queued messages were dispatched in its on_initialize
    assert outbound(chain) == [
        (SYSTEM_EVENT_TOPIC, worker_event(PK1, registered(PROVIDER_ROOT, 2))),
        (SYSTEM_EVENT_TOPIC, worker_event(PK2, registered(PROVIDER_ROOT, 1))),
        (SYSTEM_EVENT_TOPIC, worker_event(PK2, bench_start(50))),
        (GATEKEEPER_LAUNCH_TOPIC, GATEKEEPER_LAUNCH.encode(
            Variant("FirstGatekeeper", {"pubkey": PK2, "ecdh_pubkey": ECDH2}))),
        (GATEKEEPER_CHANGE_TOPIC, GATEKEEPER_CHANGE.encode(
            Variant("Registered", {"pubkey": PK1, "ecdh_pubkey": ECDH1}))),
    ]
    assert chain["PhalaMq"].queued_messages() == []
    assert registry_events(chain) == []
    chain.try_state()


@pytest.mark.parametrize("bad, match", [
    ([GENESIS_WORKERS[0], GENESIS_WORKERS[0]], "listed twice"),
    ([{**GENESIS_WORKERS[0], "confidence_level": 128}], "confidence_level 128"),
])
def test_genesis_rejects_bad_worker_lists(bad: list[dict[str, Any]], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make_chain(workers=bad)
