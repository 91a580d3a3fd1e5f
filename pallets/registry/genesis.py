"""The registry's genesis build (genesis.md `registry`, registry.md §9).

Input is already parsed:
    {"benchmark_duration": int, "attestation_authority": bytes | None,
     "gatekeepers": [bytes], "workers": [{"pubkey": bytes, "ecdh_pubkey": bytes,
     "operator": bytes | None, "initial_score": int | None, "confidence_level": int}]}

Differences from the reference's genesis (each an emulator decision):
* workers carry the given confidence level and, when `initial_score` is given, are
  already benchmarked (`last_updated` = genesis time in seconds); provider Root.
* every worker gets a queued `Registered` (so the Gatekeeper and the simulated worker
  know it from block 1); only workers without a score also get a queued `BenchStart`.
* `BenchmarkDuration` is written whenever given, not only when workers exist.
* gatekeepers that are not configured workers are skipped, as in the reference (a
  gatekeeper needs a registered worker's ECDH key).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pallets.messages import (
    GATEKEEPER_CHANGE,
    GATEKEEPER_CHANGE_TOPIC,
    GATEKEEPER_LAUNCH,
    GATEKEEPER_LAUNCH_TOPIC,
    PROVIDER_ROOT,
    SYSTEM_EVENT,
    SYSTEM_EVENT_TOPIC,
    bench_start,
    registered,
    worker_event,
)
from pallets.registry.types import DEFAULT_FEATURES, WorkerInfo
from runtime.codec import Variant

if TYPE_CHECKING:
    from pallets.registry import PhalaRegistry

DEFAULT_BENCHMARK_DURATION = 8


def build(pallet: PhalaRegistry, cfg: dict[str, Any]) -> None:
    """Write the registry's genesis state and queue the block-1 messages.

    Raises ValueError for a worker listed twice or a confidence level outside 1..=5
    (genesis.md) — a typo must not silently change the chain.
    """
    duration = int(cfg.get("benchmark_duration", DEFAULT_BENCHMARK_DURATION))
    pallet.BenchmarkDuration.put(duration)
    if cfg.get("attestation_authority") is not None:
        pallet.AttestationAuthority.put(bytes(cfg["attestation_authority"]))
    now_secs = pallet.rt.now_secs()
    mq = pallet.rt["PhalaMq"]
    sender = pallet.message_origin()
    for w in cfg.get("workers", []):
        pubkey = bytes(w["pubkey"])
        level = int(w.get("confidence_level", 1))
        if pallet.Workers.contains(pubkey):
            raise ValueError(f"registry.workers: worker 0x{pubkey.hex()} listed twice")
        if not 1 <= level <= 5:
            raise ValueError(f"registry.workers: confidence_level {level} not in 1..=5")
        score = w.get("initial_score")
        pallet.Workers.insert(pubkey, WorkerInfo(
            pubkey=pubkey, ecdh_pubkey=bytes(w["ecdh_pubkey"]), runtime_version=0,
            last_updated=now_secs, operator=w.get("operator"),
            attestation_provider=PROVIDER_ROOT, confidence_level=level,
            initial_score=None if score is None else int(score),
            features=list(DEFAULT_FEATURES)))
        events = [registered(PROVIDER_ROOT, level)]
        if score is None:
            events.append(bench_start(duration))
        for event in events:
            mq.queue_message(sender, SYSTEM_EVENT_TOPIC,
                             SYSTEM_EVENT.encode(worker_event(pubkey, event)))
    for gk in cfg.get("gatekeepers", []):
        gk = bytes(gk)
        info = pallet.Workers.get(gk)
        gatekeepers = pallet.Gatekeeper.get()
        if info is None or gk in gatekeepers:
            continue
        identity = {"pubkey": gk, "ecdh_pubkey": info.ecdh_pubkey}
        if not gatekeepers:
            mq.queue_message(sender, GATEKEEPER_LAUNCH_TOPIC,
                             GATEKEEPER_LAUNCH.encode(Variant("FirstGatekeeper", identity)))
        else:
            mq.queue_message(sender, GATEKEEPER_CHANGE_TOPIC,
                             GATEKEEPER_CHANGE.encode(Variant("Registered", identity)))
        pallet.Gatekeeper.put(gatekeepers + [gk])
