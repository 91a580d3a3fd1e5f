"""The in-runtime Gatekeeper's cost per block: 100 mining workers with realistic heartbeats.

Run: .venv/bin/python -m bench.gatekeeper [--blocks N] [--workers W]

Each block carries what the chain's OutboundMessages would: the mining pallet's heartbeat
challenge (target `pow_target(20, W, 12)`, ≈ 2 hits per worker-hour, seed from a hash of
the block number) and the heartbeats of the workers hit in the previous block (iterations
consistent with p = 100). Timed: `apply_pending_report()` + `process_block(n)` (the GK's
whole share of a block, with a stub report handler); the state is committed to an
in-memory ChainState after every block (untimed), so reads go through a fresh overlay as
on the chain. Reports the median and mean ms/block and the extrapolation to 7 days
(50,400 blocks).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from typing import Any

from pallets.messages import (
    MINING_REPORT_TOPIC,
    SYSTEM_EVENT,
    SYSTEM_EVENT_TOPIC,
    WORKING_REPORT_EVENT,
    HeartbeatChallenge,
    Message,
    origin_pallet,
    origin_worker,
    registered,
    worker_event,
)
from pallets.mining.gatekeeper import Gatekeeper
from pallets.mining.gk_formulas import heartbeat_hit, pow_target
from runtime.codec import Variant
from runtime.config import RuntimeConfig
from storage.backend import MemoryBackend
from storage.state import ChainState

BLOCK_MS = 12_000
SEVEN_DAYS = 50_400
P = 100  # score: iterations per 6 s
MINING = origin_pallet("PhalaMining")


class _Mq:
    messages: list[Message] = []

    def outbound_messages(self) -> list[Message]:
        return self.messages


class _Mining:
    reports = 0

    def on_gk_message_received(self, event: Any) -> None:
        self.reports += 1


class _Runtime:
    """What the Gatekeeper uses of a runtime, over a committed ChainState."""

    def __init__(self) -> None:
        self.chain = ChainState(MemoryBackend(), layout=1)
        self.state = self.chain.overlay
        self.config = RuntimeConfig()
        self.pallets: dict[str, Any] = {"PhalaMq": _Mq(), "PhalaMining": _Mining()}
        self.now = 0

    def __getitem__(self, name: str) -> Any:
        return self.pallets[name]

    def now_ms(self) -> int:
        return self.now



def _system(event: Any) -> Message:
    return Message(MINING, SYSTEM_EVENT_TOPIC, SYSTEM_EVENT.encode(event))


def run(blocks: int, workers: int) -> tuple[list[float], int, int]:
    """Per-block GK seconds, heartbeats sent and reports delivered."""
    rt = _Runtime()
    gk = Gatekeeper(rt)
    keys = sorted(hashlib.blake2b(i.to_bytes(4, "little"), digest_size=32).digest()
                  for i in range(workers))
    target = pow_target(20, workers, 12)
    genesis: list[Message] = []
    for i, pk in enumerate(keys):
        genesis.append(_system(worker_event(pk, registered(None, 1))))
        genesis.append(_system(worker_event(pk, Variant("Started", {
            "session_id": i, "init_v": 3000 << 64, "init_p": P}))))
    pending: list[tuple[bytes, int]] = []  # (worker, challenge block) answered next block
    sessions = {pk: i for i, pk in enumerate(keys)}
    times: list[float] = []
    heartbeats = 0
    for n in range(1, blocks + 1):
        rt.now = n * BLOCK_MS
        seed = int.from_bytes(hashlib.blake2b(b"seed" + n.to_bytes(4, "little"),
                                              digest_size=32).digest(), "big")
        msgs = genesis if n == 1 else []
        for pk, c in pending:
            hb = {"session_id": sessions[pk], "challenge_block": c,
                  "challenge_time": c * BLOCK_MS,
                  "iterations": (c * BLOCK_MS - BLOCK_MS) * P // 6000}
            msgs.append(Message(origin_worker(pk), MINING_REPORT_TOPIC,
                                WORKING_REPORT_EVENT.encode(Variant("Heartbeat", hb))))
        heartbeats += len(pending)
        msgs.append(_system(Variant("HeartbeatChallenge", HeartbeatChallenge(seed, target))))
        rt.pallets["PhalaMq"].messages = msgs
        start = time.perf_counter()
        gk.apply_pending_report()
        gk.process_block(n)
        times.append(time.perf_counter() - start)
        pending = [(pk, n) for pk in keys if heartbeat_hit(pk, seed, target)]
        rt.chain.commit_block()
    return times, heartbeats, rt.pallets["PhalaMining"].reports


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=100)
    args = ap.parse_args()
    times, heartbeats, reports = run(args.blocks, args.workers)
    steady = times[1:]  # block 1 registers and starts everyone
    median_ms = statistics.median(steady) * 1000
    mean_ms = statistics.fmean(steady) * 1000
    print(f"Gatekeeper, {args.workers} mining workers, {args.blocks} blocks: "
          f"{heartbeats} heartbeats, {reports} reports applied")
    print(f"  process_block + apply_pending_report: median {median_ms:.3f} ms/block, "
          f"mean {mean_ms:.3f} ms/block, max {max(steady) * 1000:.2f} ms")
    print(f"  7 days ({SEVEN_DAYS} blocks) at the mean: {mean_ms * SEVEN_DAYS / 1000:.1f} s "
          f"(one core)")


if __name__ == "__main__":
    main()
