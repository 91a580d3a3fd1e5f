"""PhalaRegistry calls (registry.md §3): success and error paths, exact events, pushed
messages and state; a failing call changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from pallets.messages import (
    GATEKEEPER_CHANGE,
    GATEKEEPER_CHANGE_TOPIC,
    GATEKEEPER_LAUNCH,
    GATEKEEPER_LAUNCH_TOPIC,
    PROVIDER_ROOT,
    PRUNTIME_MANAGEMENT_EVENT,
    PRUNTIME_MANAGEMENT_TOPIC,
    SYSTEM_EVENT_TOPIC,
    registered,
    worker_event,
)
from pallets.registry import PhalaRegistry, WorkerInfo
from pallets.registry.types import WorkerEndpointPayload, endpoint_signing_bytes
from runtime.codec import Variant
from runtime.dispatch import Origin
from tests.harness import ALICE, BOB, Chain
from tests.pallets.test_registry_support import (
    ECDH1,
    ECDH2,
    WORKER1,
    WORKER2,
    make_chain,
    outbound,
    pallet_state,
)

PK1, PK2 = WORKER1.public_key, WORKER2.public_key
PK3 = bytes([3]) * 32


def fails(chain: Chain, who: Any, call: str, error: str, **args: Any) -> None:
    """The call fails with `error` and leaves PhalaRegistry and PhalaMq untouched."""
    before = pallet_state(chain, "PhalaRegistry", "PhalaMq")
    out = chain.call(who, "PhalaRegistry", call, **args)
    assert out == (False, error, [])
    assert pallet_state(chain, "PhalaRegistry", "PhalaMq") == before


def force_register(chain: Chain, pubkey: bytes, ecdh: bytes = ECDH1) -> None:
    assert chain.sudo("PhalaRegistry", "force_register_worker", pubkey=pubkey,
                      ecdh_pubkey=ecdh, operator=ALICE).success


def test_call_indices_follow_the_reference_then_the_extension() -> None:
    assert [(c.index, c.name) for c in PhalaRegistry.calls()] == list(enumerate([
        "force_set_benchmark_duration", "force_register_worker", "force_register_topic_pubkey",
        "register_gatekeeper", "unregister_gatekeeper", "rotate_master_key", "register_worker",
        "register_worker_v2", "update_worker_endpoint", "add_pruntime", "remove_pruntime",
        "add_relaychain_genesis_block_hash", "remove_relaychain_genesis_block_hash",
        "retire_pruntime", "set_pruntime_consensus_version", "force_set_benchmark"]))
    assert [e.name for e in PhalaRegistry.EVENTS][6:] == ["InitialScoreSet", "PRuntimeManagement"]
    errors = {e.name: e.index for e in PhalaRegistry.ERRORS}
    assert (errors["CannotHandleUnknownMessage"], errors["InvalidBenchReport"],
            errors["UnknownCluster"], errors["InvalidEndpointSigningTime"]) == (0, 16, 29, 34)
    assert len(errors) == 35


# -- root-only calls reject other origins ---------------------------------------------------
@pytest.mark.parametrize("call, args", [
    ("force_set_benchmark_duration", {"value": 1}),
    ("force_register_worker", {"pubkey": PK1, "ecdh_pubkey": ECDH1, "operator": None}),
    ("force_register_topic_pubkey", {"topic": b"t", "pubkey": b"k"}),
    ("register_gatekeeper", {"gatekeeper": PK1}),
    ("unregister_gatekeeper", {"gatekeeper": PK1}),
    ("rotate_master_key", {}),
    ("add_pruntime", {"pruntime_hash": b"h"}),
    ("remove_pruntime", {"pruntime_hash": b"h"}),
    ("add_relaychain_genesis_block_hash", {"genesis_block_hash": PK3}),
    ("remove_relaychain_genesis_block_hash", {"genesis_block_hash": PK3}),
    ("retire_pruntime", {"condition": Variant("VersionIs", (1, 2, 3))}),
    ("set_pruntime_consensus_version", {"version": 1}),
    ("force_set_benchmark", {"pubkey": PK1, "initial_score": 1}),
])
def test_root_calls_reject_signed_origins(call: str, args: dict[str, Any]) -> None:
    chain = make_chain()
    fails(chain, ALICE, call, "BadOrigin", **args)


def test_force_set_benchmark_duration() -> None:
    chain = make_chain(benchmark_duration=3)
    assert chain.sudo("PhalaRegistry", "force_set_benchmark_duration", value=20) == (True, None, [])
    assert chain["PhalaRegistry"].BenchmarkDuration.get() == 20


def test_force_register_worker_overwrites_with_root_level_128_and_no_score() -> None:
    # Given a worker with a score
    chain = make_chain()
    force_register(chain, PK1)
    assert chain.sudo("PhalaRegistry", "force_set_benchmark", pubkey=PK1, initial_score=500).success
    # When root registers it again with another ecdh key and operator
    out = chain.sudo("PhalaRegistry", "force_register_worker", pubkey=PK1, ecdh_pubkey=ECDH2,
                     operator=BOB)
    # Then the record is overwritten (score lost), Registered is pushed, WorkerAdded emitted
    assert out == (True, None, [("PhalaRegistry", "WorkerAdded", {
        "pubkey": PK1, "attestation_provider": PROVIDER_ROOT, "confidence_level": 128})])
    assert chain["PhalaRegistry"].Workers.get(PK1) == WorkerInfo(
        pubkey=PK1, ecdh_pubkey=ECDH2, runtime_version=0, last_updated=0, operator=BOB,
        attestation_provider=PROVIDER_ROOT, confidence_level=128, initial_score=None,
        features=[1, 4])
    registered_msg = (SYSTEM_EVENT_TOPIC, worker_event(PK1, registered(PROVIDER_ROOT, 128)))
    assert outbound(chain) == [registered_msg, registered_msg]  # no BenchStart
    chain.try_state()


def test_force_register_topic_pubkey() -> None:
    chain = make_chain()
    assert chain.sudo("PhalaRegistry", "force_register_topic_pubkey", topic=b"^t",
                      pubkey=b"key") == (True, None, [])
    assert chain["PhalaRegistry"].TopicKey.get(b"^t") == b"key"


def test_force_set_benchmark_sets_and_clears_the_score_only() -> None:
    chain = make_chain()
    fails(chain, Origin.root(), "force_set_benchmark", "PhalaRegistry.WorkerNotFound",
          pubkey=PK1, initial_score=1)
    force_register(chain, PK1)
    before = chain["PhalaRegistry"].Workers.get(PK1)
    n_messages = len(outbound(chain))
    assert chain.sudo("PhalaRegistry", "force_set_benchmark", pubkey=PK1,
                      initial_score=2400) == (True, None, [])
    before.initial_score = 2400
    assert chain["PhalaRegistry"].Workers.get(PK1) == before
    assert chain.sudo("PhalaRegistry", "force_set_benchmark", pubkey=PK1,
                      initial_score=None).success
    assert chain["PhalaRegistry"].Workers.get(PK1).initial_score is None
    assert len(outbound(chain)) == n_messages


# -- gatekeepers ------------------------------------------------------------------------------
def test_register_gatekeeper_flow() -> None:
    chain = make_chain()
    fails(chain, Origin.root(), "register_gatekeeper", "PhalaRegistry.WorkerNotFound",
          gatekeeper=PK1)
    force_register(chain, PK1, ECDH1)
    force_register(chain, PK2, ECDH2)
    chain.next_block()
    # When the first gatekeeper is registered
    out = chain.sudo("PhalaRegistry", "register_gatekeeper", gatekeeper=PK1)
    assert out == (True, None, [("PhalaRegistry", "GatekeeperAdded", {"pubkey": PK1})])
    assert chain["PhalaRegistry"].Gatekeeper.get() == [PK1]
    assert outbound(chain) == [(GATEKEEPER_LAUNCH_TOPIC, GATEKEEPER_LAUNCH.encode(
        Variant("FirstGatekeeper", {"pubkey": PK1, "ecdh_pubkey": ECDH1})))]
    # Any further registration (even of the same key) needs the master key on chain
    for gk in (PK1, PK2):
        fails(chain, Origin.root(), "register_gatekeeper",
              "PhalaRegistry.MasterKeyUninitialized", gatekeeper=gk)
    chain["PhalaRegistry"].GatekeeperMasterPubkey.put(PK3)
    # Registering it again only emits the event
    assert chain.sudo("PhalaRegistry", "register_gatekeeper", gatekeeper=PK1).events == [
        ("PhalaRegistry", "GatekeeperAdded", {"pubkey": PK1})]
    assert len(outbound(chain)) == 1
    assert chain.sudo("PhalaRegistry", "register_gatekeeper", gatekeeper=PK2).success
    assert chain["PhalaRegistry"].Gatekeeper.get() == [PK1, PK2]
    assert outbound(chain)[-1] == (GATEKEEPER_CHANGE_TOPIC, GATEKEEPER_CHANGE.encode(
        Variant("Registered", {"pubkey": PK2, "ecdh_pubkey": ECDH2})))
    chain.try_state()


def two_gatekeepers() -> Chain:
    chain = make_chain()
    force_register(chain, PK1, ECDH1)
    force_register(chain, PK2, ECDH2)
    assert chain.sudo("PhalaRegistry", "register_gatekeeper", gatekeeper=PK1).success
    chain["PhalaRegistry"].GatekeeperMasterPubkey.put(PK3)
    assert chain.sudo("PhalaRegistry", "register_gatekeeper", gatekeeper=PK2).success
    chain.next_block()
    return chain


def test_unregister_gatekeeper() -> None:
    chain = two_gatekeepers()
    fails(chain, Origin.root(), "unregister_gatekeeper", "PhalaRegistry.InvalidGatekeeper",
          gatekeeper=PK3)
    assert chain.sudo("PhalaRegistry", "unregister_gatekeeper", gatekeeper=PK1) == (True, None, [])
    assert chain["PhalaRegistry"].Gatekeeper.get() == [PK2]
    assert outbound(chain) == [(GATEKEEPER_CHANGE_TOPIC, GATEKEEPER_CHANGE.encode(
        Variant("Unregistered", {"pubkey": PK1})))]
    fails(chain, Origin.root(), "unregister_gatekeeper",
          "PhalaRegistry.CannotRemoveLastGatekeeper", gatekeeper=PK2)


def test_rotate_master_key_locks_gatekeeper_changes() -> None:
    chain = two_gatekeepers()
    assert chain.sudo("PhalaRegistry", "rotate_master_key") == (True, None, [])
    registry = chain["PhalaRegistry"]
    assert (registry.RotationCounter.get(), registry.MasterKeyRotationLock.get()) == (1, 1)
    assert outbound(chain) == [(GATEKEEPER_LAUNCH_TOPIC, GATEKEEPER_LAUNCH.encode(
        Variant("RotateMasterKey", {"rotation_id": 1, "gk_identities": [
            {"pubkey": PK1, "ecdh_pubkey": ECDH1}, {"pubkey": PK2, "ecdh_pubkey": ECDH2}]})))]
    for call, args in (("rotate_master_key", {}), ("register_gatekeeper", {"gatekeeper": PK1}),
                       ("unregister_gatekeeper", {"gatekeeper": PK1})):
        fails(chain, Origin.root(), call, "PhalaRegistry.MasterKeyInRotation", **args)
    chain.try_state()


# -- allow lists ------------------------------------------------------------------------------
def test_pruntime_allow_list() -> None:
    chain = make_chain()
    registry = chain["PhalaRegistry"]
    fails(chain, Origin.root(), "remove_pruntime", "PhalaRegistry.PRuntimeNotFound",
          pruntime_hash=b"h1")
    assert chain.sudo("PhalaRegistry", "add_pruntime", pruntime_hash=b"h1") == (True, None, [])
    chain.next_block()
    assert chain.sudo("PhalaRegistry", "add_pruntime", pruntime_hash=b"h2").success
    assert registry.PRuntimeAllowList.get() == [b"h1", b"h2"]
    assert (registry.PRuntimeAddedAt.get(b"h1"), registry.PRuntimeAddedAt.get(b"h2")) == (1, 2)
    fails(chain, Origin.root(), "add_pruntime", "PhalaRegistry.PRuntimeAlreadyExists",
          pruntime_hash=b"h1")
    assert chain.sudo("PhalaRegistry", "remove_pruntime", pruntime_hash=b"h1").success
    assert registry.PRuntimeAllowList.get() == [b"h2"]
    assert registry.PRuntimeAddedAt.get(b"h1") is None
    chain.try_state()


def test_relaychain_genesis_block_hash_allow_list() -> None:
    chain = make_chain()
    registry = chain["PhalaRegistry"]
    fails(chain, Origin.root(), "remove_relaychain_genesis_block_hash",
          "PhalaRegistry.GenesisBlockHashNotFound", genesis_block_hash=PK3)
    assert chain.sudo("PhalaRegistry", "add_relaychain_genesis_block_hash",
                      genesis_block_hash=PK3) == (True, None, [])
    assert registry.RelaychainGenesisBlockHashAllowList.get() == [PK3]
    fails(chain, Origin.root(), "add_relaychain_genesis_block_hash",
          "PhalaRegistry.GenesisBlockHashAlreadyExists", genesis_block_hash=PK3)
    assert chain.sudo("PhalaRegistry", "remove_relaychain_genesis_block_hash",
                      genesis_block_hash=PK3).success
    assert registry.RelaychainGenesisBlockHashAllowList.get() == []


@pytest.mark.parametrize("call, args, event", [
    ("retire_pruntime", {"condition": Variant("VersionLessThan", (2, 1, 0))},
     Variant("RetirePRuntime", Variant("VersionLessThan", (2, 1, 0)))),
    ("set_pruntime_consensus_version", {"version": 7}, Variant("SetConsensusVersion", 7)),
])
def test_pruntime_management(call: str, args: dict[str, Any], event: Variant) -> None:
    chain = make_chain()
    out = chain.sudo("PhalaRegistry", call, **args)
    assert out == (True, None, [("PhalaRegistry", "PRuntimeManagement", {"event": event})])
    assert outbound(chain) == [(PRUNTIME_MANAGEMENT_TOPIC, PRUNTIME_MANAGEMENT_EVENT.encode(event))]


# -- endpoints --------------------------------------------------------------------------------
def endpoint_call(chain: Chain, signing_time: int, key: Any = WORKER1,
                  pubkey: bytes = PK1) -> dict[str, Any]:
    payload = WorkerEndpointPayload(pubkey, Variant("V1", ["http://w1:8000"]), signing_time)
    return {"endpoint_payload": payload, "signature": key.sign(endpoint_signing_bytes(payload))}


def test_update_worker_endpoint_checks_in_order() -> None:
    chain = make_chain()
    now = chain.rt.now_ms()
    args = endpoint_call(chain, now - 1)
    # unknown worker is checked last
    fails(chain, ALICE, "update_worker_endpoint", "PhalaRegistry.InvalidPubKey", **args)
    force_register(chain, PK1)
    fails(chain, Origin.root(), "update_worker_endpoint", "BadOrigin", **args)
    fails(chain, ALICE, "update_worker_endpoint", "PhalaRegistry.InvalidSignatureLength",
          endpoint_payload=args["endpoint_payload"], signature=args["signature"][:32])
    fails(chain, ALICE, "update_worker_endpoint", "PhalaRegistry.InvalidSignature",
          **endpoint_call(chain, now - 1, key=WORKER2))
    for stale in (now, now + 5, now - 4 * 3600 * 1000 - 1):
        fails(chain, ALICE, "update_worker_endpoint", "PhalaRegistry.InvalidEndpointSigningTime",
              **endpoint_call(chain, stale))
    # When signed exactly 4 hours ago (the edge) it is stored
    assert chain.call(ALICE, "PhalaRegistry", "update_worker_endpoint",
                      **endpoint_call(chain, now - 4 * 3600 * 1000)) == (True, None, [])
    assert chain["PhalaRegistry"].Endpoints.get(PK1) == Variant("V1", ["http://w1:8000"])
    chain.try_state()
