"""register_worker / register_worker_v2 with the emulated attestation (registry.md §3.3,
§10): each check in its order, new and refreshed workers, None and IAS reports."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pallets.messages import (
    PROVIDER_EMULATED,
    SYSTEM_EVENT_TOPIC,
    bench_start,
    registered,
    worker_event,
)
from pallets.registry import WorkerInfo
from runtime.codec import Variant
from tests.harness import ALICE, BOB, Chain
from tests.pallets.test_registry_support import (
    AUTHORITY,
    ECDH1,
    ECDH2,
    GENESIS_HASH,
    WORKER1,
    WORKER2,
    attest,
    make_chain,
    outbound,
    pallet_state,
    reg_info,
)

PK1 = WORKER1.public_key
IAS = Variant("SgxIas", {"ra_report": b"{}", "signature": b"s", "raw_signing_cert": b"c"})


def register(chain: Chain, info: Any, attestation: Any, who: bytes = BOB) -> Any:
    return chain.call(who, "PhalaRegistry", "register_worker_v2", pruntime_info=info,
                      attestation=attestation)


def rejected(chain: Chain, info: Any, attestation: Any, error: str) -> None:
    before = pallet_state(chain, "PhalaRegistry", "PhalaMq")
    assert register(chain, info, attestation) == (False, f"PhalaRegistry.{error}", [])
    assert pallet_state(chain, "PhalaRegistry", "PhalaMq") == before


def test_new_worker_is_added_with_the_attested_level_and_benchmarked() -> None:
    # Given an authority-signed attestation of level 2
    chain = make_chain(benchmark_duration=5)
    info = reg_info()
    # When anyone relays the registration
    out = register(chain, info, attest(chain, info, level=2))
    # Then the worker is stored as attested, with the relayer not recorded
    assert out == (True, None, [("PhalaRegistry", "WorkerAdded", {
        "pubkey": PK1, "attestation_provider": PROVIDER_EMULATED, "confidence_level": 2})])
    assert chain["PhalaRegistry"].Workers.get(PK1) == WorkerInfo(
        pubkey=PK1, ecdh_pubkey=ECDH1, runtime_version=3, last_updated=chain.rt.now_secs(),
        operator=ALICE, attestation_provider=PROVIDER_EMULATED, confidence_level=2,
        initial_score=None, features=[1, 4])
    # And Registered then BenchStart{duration} are pushed to the worker
    assert outbound(chain) == [
        (SYSTEM_EVENT_TOPIC, worker_event(PK1, registered(PROVIDER_EMULATED, 2))),
        (SYSTEM_EVENT_TOPIC, worker_event(PK1, bench_start(5)))]
    chain.try_state()


def test_refresh_updates_operator_version_level_features_only() -> None:
    # Given a registered, benchmarked worker
    chain = make_chain(benchmark_duration=5)
    first = reg_info()
    assert register(chain, first, attest(chain, first, level=1)).success
    assert chain.sudo("PhalaRegistry", "force_set_benchmark", pubkey=PK1, initial_score=900).success
    chain.advance(60)
    # When it re-registers with a new operator, version, ecdh key, features and level
    again = reg_info(operator=BOB, version=4, ecdh=ECDH2, features=[2])
    out = register(chain, again, attest(chain, again, level=5))
    # Then operator/version/level/features/last_updated change; ecdh, provider, score stay
    assert out.events == [("PhalaRegistry", "WorkerUpdated", {
        "pubkey": PK1, "attestation_provider": PROVIDER_EMULATED, "confidence_level": 5})]
    assert chain["PhalaRegistry"].Workers.get(PK1) == WorkerInfo(
        pubkey=PK1, ecdh_pubkey=ECDH1, runtime_version=4, last_updated=chain.rt.now_secs(),
        operator=BOB, attestation_provider=PROVIDER_EMULATED, confidence_level=5,
        initial_score=900, features=[2])
    assert outbound(chain) == [
        (SYSTEM_EVENT_TOPIC, worker_event(PK1, registered(PROVIDER_EMULATED, 5))),
        (SYSTEM_EVENT_TOPIC, worker_event(PK1, bench_start(5)))]


def test_refresh_keeps_a_forced_workers_root_provider() -> None:
    chain = make_chain()
    assert chain.sudo("PhalaRegistry", "force_register_worker", pubkey=PK1, ecdh_pubkey=ECDH1,
                      operator=None).success
    info = reg_info(operator=BOB)
    assert register(chain, info, attest(chain, info, level=3)).success
    stored = chain["PhalaRegistry"].Workers.get(PK1)
    assert (stored.attestation_provider, stored.confidence_level, stored.operator) == (
        Variant("Root"), 3, BOB)


def test_check_1_no_authority_configured() -> None:
    chain = make_chain(authority=None)
    info = reg_info()
    rejected(chain, info, attest(chain, info, level=9, age_secs=10**6),
             "NoneAttestationDisabled")


@pytest.mark.parametrize("level", [0, 6, 128])
def test_check_2_level_out_of_range_before_freshness(level: int) -> None:
    chain = make_chain()
    info = reg_info()
    rejected(chain, info, attest(chain, info, level=level, age_secs=10**6), "InvalidQuoteStatus")


@pytest.mark.parametrize("age_secs", [-1, 7200, 7201])
def test_check_3_future_or_outdated_timestamp(age_secs: int) -> None:
    chain = make_chain()
    info = reg_info()
    report = attest(chain, info, age_secs=age_secs, authority=WORKER2)  # bad sig checked later
    rejected(chain, info, report, "OutdatedIASReport")


def test_check_3_edge_of_freshness_is_accepted() -> None:
    chain = make_chain()
    info = reg_info()
    assert register(chain, info, attest(chain, info, age_secs=7199)).success


def test_configured_max_attestation_age() -> None:
    chain = make_chain(max_attestation_age_secs=60)
    info = reg_info()
    rejected(chain, info, attest(chain, info, age_secs=60), "OutdatedIASReport")
    assert register(chain, info, attest(chain, info, age_secs=59)).success


def test_check_4_authority_signature() -> None:
    chain = make_chain()
    info = reg_info()
    # signed by another key
    rejected(chain, info, attest(chain, info, authority=WORKER2, worker=WORKER2),
             "InvalidIASSigningCert")
    # the level or timestamp altered after signing
    report = attest(chain, info, level=1)
    rejected(chain, info, Variant(report.name, {**report.value, "confidence_level": 2}),
             "InvalidIASSigningCert")
    rejected(chain, info, Variant(report.name, {**report.value,
                                                "timestamp": report.value["timestamp"] - 1}),
             "InvalidIASSigningCert")
    # the registration info altered after signing (the statement commits to its hash)
    rejected(chain, dataclasses.replace(info, operator=BOB), report, "InvalidIASSigningCert")


def test_check_5_worker_signature() -> None:
    chain = make_chain()
    info = reg_info()
    rejected(chain, info, attest(chain, info, worker=WORKER2), "InvalidSignature")


def test_check_6_relaychain_genesis_hash_when_verified() -> None:
    chain = make_chain(verify_relaychain_genesis=True)
    info = reg_info()
    report = attest(chain, info)
    rejected(chain, info, report, "GenesisBlockHashRejected")
    assert chain.sudo("PhalaRegistry", "add_relaychain_genesis_block_hash",
                      genesis_block_hash=GENESIS_HASH).success
    assert register(chain, info, report).success


def test_none_attestation_disabled_by_default() -> None:
    chain = make_chain()
    rejected(chain, reg_info(), None, "NoneAttestationDisabled")


def test_none_attestation_when_enabled_gives_no_provider_level_128() -> None:
    chain = make_chain(none_attestation_enabled=True)
    out = register(chain, reg_info(), None)
    assert out.events == [("PhalaRegistry", "WorkerAdded", {
        "pubkey": PK1, "attestation_provider": None, "confidence_level": 128})]
    stored = chain["PhalaRegistry"].Workers.get(PK1)
    assert (stored.attestation_provider, stored.confidence_level) == (None, 128)


def test_ias_reports_cannot_be_verified() -> None:
    chain = make_chain(none_attestation_enabled=True)
    rejected(chain, reg_info(), IAS, "InvalidIASSigningCert")
    before = pallet_state(chain, "PhalaRegistry", "PhalaMq")
    assert chain.call(BOB, "PhalaRegistry", "register_worker", pruntime_info=reg_info(),
                      attestation=IAS) == (False, "PhalaRegistry.InvalidIASSigningCert", [])
    assert pallet_state(chain, "PhalaRegistry", "PhalaMq") == before


def test_registration_requires_a_signed_origin() -> None:
    from runtime.dispatch import Origin

    chain = make_chain()
    info = reg_info()
    for call, att in (("register_worker_v2", attest(chain, info)), ("register_worker", IAS)):
        out = chain.call(Origin.root(), "PhalaRegistry", call, pruntime_info=info,
                         attestation=att)
        assert out == (False, "BadOrigin", [])


def test_authority_key_is_the_genesis_one() -> None:
    chain = make_chain()
    assert chain["PhalaRegistry"].AttestationAuthority.get() == AUTHORITY.public_key
