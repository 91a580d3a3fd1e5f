"""The Gatekeeper's replica of each worker's state machine (economics.md §4, registry.md §6).

The same machine runs in the worker (the node's simulated pRuntime); the GK's copy only
has to agree on which heartbeat challenges need an answer. As in the reference GK
(`WorkerSMTracker`), the replica's iteration counter is always 0, so `start_iter` is 0.
"""

from __future__ import annotations

import bisect
import hashlib

from pallets.mining.gk_state import BenchState, GkWorker, MiningState, WorkingState
from runtime.codec import Variant


def hashed_id(pubkey: bytes) -> int:
    """`U256::from_big_endian(blake2_256(pubkey))`, the worker's challenge identity."""
    return int.from_bytes(hashlib.blake2b(pubkey, digest_size=32).digest(), "big")


def apply_worker_event(w: GkWorker, event: Variant, block: int, now_ms: int) -> None:
    """Replay a `WorkerEvent` addressed to this worker on its replica (state machine only;
    the tokenomic side is the Gatekeeper's). Unexpected Enter/ExitUnresponsive are no-ops,
    as in the reference (which only logs them)."""
    name = event.name
    if name == "Registered":
        w.registered = True
    elif name == "BenchStart":
        w.bench_state = BenchState(block, now_ms, 0, event.value["duration"])
    elif name == "Started":
        w.working_state = WorkingState(event.value["session_id"], MiningState.Mining, now_ms, 0)
    elif name == "Stopped":
        w.working_state = None
    elif name == "EnterUnresponsive":
        ws = w.working_state
        if ws is not None and ws.state == MiningState.Mining:
            ws.state = MiningState.Paused
    elif name == "ExitUnresponsive":
        ws = w.working_state
        if ws is not None and ws.state == MiningState.Paused:
            ws.state = MiningState.Mining
    # BenchScore: nothing


def must_answer(w: GkWorker, worker_hash: int, seed: int, online_target: int) -> bool:
    """True when a `HeartbeatChallenge{seed, online_target}` hits this worker: registered,
    working and not paused, and `hashed_id XOR seed <= online_target`."""
    ws = w.working_state
    return (w.registered and ws is not None and ws.state == MiningState.Mining
            and (worker_hash ^ seed) <= online_target)


def on_block_processed(w: GkWorker, block: int) -> bool:
    """The end-of-block hook: a benchmark whose duration has elapsed ends (the worker
    would send its report; the GK only forgets it). Returns True if the replica changed."""
    bs = w.bench_state
    if bs is not None and block - bs.start_block >= bs.duration:
        w.bench_state = None
        return True
    return False


def hit_ranges(seed: int, online_target: int, bits: int = 256) -> list[tuple[int, int]]:
    """The hashes h with `h XOR seed <= online_target`, as disjoint half-open ranges
    [lo, hi): h XOR seed equals the target above some bit where the target has a 1 and
    has a 0 there (anything below), or equals the target. ≤ bits + 1 ranges, so the hit
    workers of a sorted hash list are found by bisection instead of a scan of all."""
    out = []
    for i in range(bits - 1, -1, -1):
        if (online_target >> i) & 1:
            lo = ((online_target ^ seed) >> (i + 1) << (i + 1)) | (seed & (1 << i))
            out.append((lo, lo + (1 << i)))
    if online_target < 1 << bits:
        exact = online_target ^ seed
        out.append((exact, exact + 1))
    return out


class HashIndex:
    """Public keys sorted by hashed_id, for `hits` (the challenge's candidates)."""

    def __init__(self, hashes: dict[bytes, int]) -> None:
        pairs = sorted((h, pk) for pk, h in hashes.items())
        self._hashes = [h for h, _ in pairs]
        self._keys = [pk for _, pk in pairs]

    def add(self, pk: bytes, h: int) -> None:
        i = bisect.bisect_left(self._hashes, h)
        self._hashes.insert(i, h)
        self._keys.insert(i, pk)

    def hits(self, seed: int, online_target: int) -> list[bytes]:
        """Keys whose hash satisfies `hash XOR seed <= online_target` (unordered)."""
        if online_target >= (1 << 256) - 1:
            return list(self._keys)
        out: list[bytes] = []
        hs = self._hashes
        for lo, hi in hit_ranges(seed, online_target):
            a = bisect.bisect_left(hs, lo)
            b = bisect.bisect_left(hs, hi, a)
            out += self._keys[a:b]
        return out
