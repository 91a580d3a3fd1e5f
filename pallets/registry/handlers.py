"""The registry's message handlers (registry.md §3.5, §6 step 4).

`handle_message` runs for every dispatched message; a handler only acts when the topic
is its type's topic and the payload decodes. Failures raise the registry's errors;
the message queue swallows them (writes made before the failure stay, as in the
reference).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pallets.messages import (
    GATEKEEPER_LAUNCH,
    GATEKEEPER_LAUNCH_TOPIC,
    GATEKEEPER_REGISTRY_EVENT,
    GATEKEEPER_REGISTRY_EVENT_TOPIC,
    REGISTRY_EVENT,
    REGISTRY_EVENT_TOPIC,
    Message,
    bench_score,
    decode_payload,
)
from runtime.codec import Variant

if TYPE_CHECKING:
    from pallets.registry import PhalaRegistry

MAX_BENCH_SCORE = 6000
_U32 = 1 << 32
_U64 = 1 << 64


def bench_score_of(iterations: int, elapsed_secs: int) -> int:
    """The reference's score: `((iterations / elapsed) * 6) as u32`, capped at 6000.

    The u64 product wraps and the `as u32` cast truncates, as in the release build.
    """
    raw = (iterations // elapsed_secs * 6) % _U64
    return min(MAX_BENCH_SCORE, raw % _U32)


def handle_message(pallet: PhalaRegistry, message: Message) -> None:
    """Route `message` to the registry handler for its topic, if any."""
    event = decode_payload(message, REGISTRY_EVENT_TOPIC, REGISTRY_EVENT)
    if event is not None:
        if event.name == "BenchReport":
            handle_bench_report(pallet, message.sender, event.value)
        else:
            handle_master_pubkey(pallet, message.sender, event.value["master_pubkey"])
        return
    gk_event = decode_payload(message, GATEKEEPER_REGISTRY_EVENT_TOPIC, GATEKEEPER_REGISTRY_EVENT)
    if gk_event is not None:
        handle_rotated_master_pubkey(pallet, message.sender, gk_event.value)


def handle_bench_report(pallet: PhalaRegistry, sender: Variant, report: dict) -> None:
    """Score a worker's benchmark report (§6 step 4).

    Raises InvalidSender (not a worker), InvalidBenchReport (report not older than the
    block time, or less than one whole second old — the reference divides by zero).
    Pushes BenchScore and emits InitialScoreSet even for an unknown worker.
    """
    if sender.name != "Worker":
        raise pallet.error("InvalidSender")
    pubkey = sender.value
    now_ms = pallet.rt.now_ms()
    if now_ms <= report["start_time"]:
        raise pallet.error("InvalidBenchReport")
    elapsed_secs = (now_ms - report["start_time"]) // 1000
    if elapsed_secs == 0:
        raise pallet.error("InvalidBenchReport")
    score = bench_score_of(report["iterations"], elapsed_secs)
    info = pallet.Workers.get(pubkey)
    if info is not None:
        info.initial_score = score
        info.last_updated = now_ms  # ms here, seconds elsewhere: reference behaviour
        pallet.Workers.insert(pubkey, info)
    pallet.push_worker_event(pubkey, bench_score(score))
    pallet.deposit_event("InitialScoreSet", pubkey=pubkey, init_score=score)


def handle_master_pubkey(pallet: PhalaRegistry, sender: Variant, master_pubkey: bytes) -> None:
    """A gatekeeper uploads the master public key.

    Raises InvalidSender (not a worker), InvalidGatekeeper (worker not a gatekeeper),
    MasterKeyMismatch (a different key is already stored).
    """
    if sender.name != "Worker":
        raise pallet.error("InvalidSender")
    if sender.value not in pallet.Gatekeeper.get():
        raise pallet.error("InvalidGatekeeper")
    stored = pallet.GatekeeperMasterPubkey.get()
    if stored is not None:
        if stored != master_pubkey:
            raise pallet.error("MasterKeyMismatch")
        return
    pallet.GatekeeperMasterPubkey.put(master_pubkey)
    pallet.push(GATEKEEPER_LAUNCH_TOPIC, GATEKEEPER_LAUNCH,
                Variant("MasterPubkeyOnChain", {"master_pubkey": master_pubkey}))


def handle_rotated_master_pubkey(pallet: PhalaRegistry, sender: Variant, event: dict) -> None:
    """The Gatekeeper reports a completed master-key rotation.

    Raises InvalidSender (not the Gatekeeper); InvalidRotatedMasterPubkey when the
    rotation lock is not Some(rotation_id), after emitting MasterKeyRotationFailed.
    """
    if sender.name != "Gatekeeper":
        raise pallet.error("InvalidSender")
    lock = pallet.MasterKeyRotationLock.get()
    if lock != event["rotation_id"]:
        pallet.deposit_event("MasterKeyRotationFailed", rotation_lock=lock,
                             gatekeeper_rotation_id=event["rotation_id"])
        raise pallet.error("InvalidRotatedMasterPubkey")
    pallet.GatekeeperMasterPubkey.put(event["master_pubkey"])
    pallet.MasterKeyRotationLock.put(None)
    pallet.deposit_event("MasterKeyRotated", rotation_id=event["rotation_id"],
                         master_pubkey=event["master_pubkey"])
    pallet.push(GATEKEEPER_LAUNCH_TOPIC, GATEKEEPER_LAUNCH,
                Variant("MasterPubkeyRotated", {"master_pubkey": event["master_pubkey"]}))
