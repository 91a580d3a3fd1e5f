"""Shared helpers for the PhalaMq / PhalaRegistry tests, and tests of the helpers'
building blocks (statements and the emulated-attestation signer)."""

from __future__ import annotations

from typing import Any

from pallets.messages import (
    MESSAGE_ORIGIN,
    SYSTEM_EVENT,
    SYSTEM_EVENT_TOPIC,
    Message,
    SignedMessage,
    mq_signing_bytes,
    origin_pallet,
    origin_worker,
)
from pallets.mq import PhalaMq
from pallets.registry import PhalaRegistry, WorkerRegistrationInfo
from pallets.registry.attestation import (
    AUTHORITY_DOMAIN,
    WORKER_DOMAIN,
    authority_statement,
    sign_emulated_attestation,
    worker_statement,
)
from pallets.registry.types import runtime_info_hash
from runtime.config import RegistryConfig, RuntimeConfig
from runtime.crypto import sr25519_verify
from runtime.hashing import storage_prefix, twox128
from runtime.keys import Keypair
from runtime.system import System
from runtime.timestamp import Timestamp
from tests.harness import ALICE, GENESIS_TIME_MS, Chain

AUTHORITY = Keypair.from_uri("//Attestor")
WORKER1 = Keypair.from_uri("//Worker1")
WORKER2 = Keypair.from_uri("//Worker2")
ECDH1 = bytes(range(32))
ECDH2 = bytes(range(32, 64))
GENESIS_HASH = bytes([7]) * 32
REGISTRY_ORIGIN = origin_pallet("PhalaRegistry")


def make_chain(benchmark_duration: int = 3, authority: bytes | None = AUTHORITY.public_key,
               workers: list[dict[str, Any]] | None = None, gatekeepers: list[bytes] | None = None,
               **registry_config: Any) -> Chain:
    """System, Timestamp, PhalaMq and PhalaRegistry only (no mining subscribers), with
    genesis built at GENESIS_TIME_MS and block 1 open."""
    config = RuntimeConfig(registry=RegistryConfig(**registry_config))
    chain = Chain(pallets=[(0, System), (1, Timestamp), (4, PhalaMq), (5, PhalaRegistry)],
                  config=config)
    chain.genesis(Timestamp={"now": GENESIS_TIME_MS}, PhalaRegistry={
        "benchmark_duration": benchmark_duration, "attestation_authority": authority,
        "gatekeepers": gatekeepers or [], "workers": workers or []})
    return chain


def reg_info(worker: Keypair = WORKER1, operator: bytes | None = ALICE, version: int = 3,
             ecdh: bytes = ECDH1, features: list[int] | None = None) -> WorkerRegistrationInfo:
    return WorkerRegistrationInfo(
        version=version, machine_id=b"machine", pubkey=worker.public_key, ecdh_pubkey=ecdh,
        genesis_block_hash=GENESIS_HASH, features=features or [1, 4], operator=operator)


def attest(chain: Chain, info: WorkerRegistrationInfo, level: int = 1,
           age_secs: int = 0, worker: Keypair | None = None,
           authority: Keypair = AUTHORITY) -> Any:
    """An emulated attestation signed `age_secs` before the open block's time."""
    worker = worker or (WORKER1 if info.pubkey == WORKER1.public_key else WORKER2)
    return sign_emulated_attestation(authority, worker, info, level,
                                     chain.rt.now_secs() - age_secs)


def pallet_state(chain: Chain, *pallets: str) -> dict[bytes, bytes]:
    """Every storage entry of the named pallets (for "nothing changed on failure")."""
    prefixes = tuple(twox128(p.encode()) for p in pallets)
    return {k: v for k, v in chain.snapshot().items() if k.startswith(prefixes)}


def outbound(chain: Chain) -> list[tuple[bytes, Any]]:
    """The open block's outbound messages as (topic, decoded payload) for system events."""
    out = []
    for m in chain["PhalaMq"].outbound_messages():
        assert m.sender == REGISTRY_ORIGIN
        is_system = m.destination == SYSTEM_EVENT_TOPIC
        out.append((m.destination, SYSTEM_EVENT.decode(m.payload) if is_system else m.payload))
    return out


def signed(worker: Keypair, topic: bytes, payload: bytes, sequence: int) -> SignedMessage:
    message = Message(origin_worker(worker.public_key), topic, payload)
    return SignedMessage(message, sequence, worker.sign(mq_signing_bytes(message, sequence)))


# -- tests of the building blocks ------------------------------------------------------------
def test_authority_statement_layout() -> None:
    h = bytes([9]) * 32
    stmt = authority_statement(WORKER1.public_key, 4, 0x0102, h)
    assert stmt == (b"phala-emu/attest/v1" + WORKER1.public_key + b"\x04"
                    + bytes([2, 1, 0, 0, 0, 0, 0, 0]) + h)
    assert AUTHORITY_DOMAIN == b"phala-emu/attest/v1"
    assert worker_statement(h) == WORKER_DOMAIN + h == b"phala-emu/register/v1" + h


def test_sign_emulated_attestation_signs_both_statements() -> None:
    info = reg_info()
    report = sign_emulated_attestation(AUTHORITY, WORKER1, info, 2, 1_600_000_000)
    h = runtime_info_hash(info)
    assert report.name == "EmulatedAuthority"
    assert report.value["confidence_level"] == 2 and report.value["timestamp"] == 1_600_000_000
    assert sr25519_verify(AUTHORITY.public_key,
                          authority_statement(info.pubkey, 2, 1_600_000_000, h),
                          report.value["authority_signature"])
    assert sr25519_verify(WORKER1.public_key, worker_statement(h), report.value["worker_signature"])


def test_pallet_state_helper_sees_only_named_pallets() -> None:
    chain = make_chain()
    state = pallet_state(chain, "PhalaRegistry")
    assert state and all(k.startswith(twox128(b"PhalaRegistry")) for k in state)
    assert storage_prefix("PhalaRegistry", "BenchmarkDuration") in state
    assert MESSAGE_ORIGIN.encode(REGISTRY_ORIGIN) == b"\x00\x34PhalaRegistry"
