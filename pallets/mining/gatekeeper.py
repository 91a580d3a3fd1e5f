"""The deterministic in-runtime Gatekeeper (spec README decision 4, economics.md §2–§7).

Entry points (wired by the mining pallet):

* `process_block(n)` — from `on_post_finalize(n)`: runs economics.md §5 over block n's
  `OutboundMessages` and stores a non-empty report in `GkPendingReport`;
* `apply_pending_report()` — from `on_initialize(n + 1)`: hands that report (the decoded
  `WorkingInfoUpdateEvent` of a `MessageOrigin::Gatekeeper` message on
  `^phala/mining/update`) to `PhalaMining.on_gk_message_received` (mining.md §11). A second
  settlement of the same worker in one report is therefore dropped by the pallet
  (`v_updated_at >= emit_ts`), as in the reference.

Storage (prefix "PhalaMining", SCALE): `GkWorkers` (Identity map pubkey → `GkWorker`, so
key order = public-key order, the order of every loop), `GkParams`, `GkPendingReport`,
`GkSumShare`, `GkIgnoredHeartbeats` and `GkDigest`. sum_share is computed only in blocks
that need it (any message other than a challenge: heartbeats, sessions, parameters);
`GkSumShare` holds the last such value with its block, `sum_share_at(block)` computes it
for any block without writing.

Performance: records are written only when something other than the uniform per-block
step happens (gk_state); V is advanced lazily in memory, exactly as the per-block
iteration. The in-memory copy is trusted only while `GkDigest` — a hash chained over every
record write — equals the digest it was loaded or last written with; otherwise (another
process, a rolled-back or re-executed block, a snapshot) it is reloaded from storage.
Anything else that writes GkWorkers or GkParams (a raw storage edit) must kill GkDigest.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import hashlib
import heapq
from math import isqrt
from typing import Any

from pallets.messages import (
    GATEKEEPER_EVENT,
    GATEKEEPER_EVENT_TOPIC,
    MINING_REPORT_TOPIC,
    SYSTEM_EVENT,
    SYSTEM_EVENT_TOPIC,
    WORKING_INFO_UPDATE_EVENT,
    WORKING_REPORT_EVENT,
    SettleInfo,
    WorkingInfoUpdateEvent,
    decode_leading,
)
from pallets.mining.formulas import TokenomicParams, default_params
from pallets.mining.gk_formulas import (
    TokenomicInfo,
    share,
    start_session,
    update_p_instant,
    update_v_heartbeat,
    update_v_recover,
    update_v_slash,
)
from pallets.mining.gk_replica import (
    HashIndex,
    apply_worker_event,
    hashed_id,
    must_answer,
    on_block_processed,
)
from pallets.mining.gk_state import (
    FROZEN_SUM_SHARE,
    GK_PARAMS,
    GK_WORKER,
    NONE,
    FrozenSumShare,
    GkParameters,
    GkWorker,
    advanced,
    idle_steps,
    segment_consts,
    segment_kind,
)
from runtime.codec import H256, PUBKEY, U64, Variant
from runtime.dispatch import DispatchError
from runtime.fixed import ONE
from runtime.ints import Arithmetic
from runtime.storage_items import StorageMap, StorageValue

PAYOUT_MODES = ("full", "legacy")


@dataclasses.dataclass
class _Block:
    """What the GK tracks while processing one block (heartbeat_flag = `flagged`)."""

    number: int
    now_ms: int
    offline: list[bytes] = dataclasses.field(default_factory=list)
    recovered: list[bytes] = dataclasses.field(default_factory=list)
    settle: list[SettleInfo] = dataclasses.field(default_factory=list)
    sum_share: int | None = None
    flagged: set[bytes] = dataclasses.field(default_factory=set)
    dirty: set[bytes] = dataclasses.field(default_factory=set)
    params_dirty: bool = False


class Gatekeeper:
    """The Gatekeeper of one runtime `rt` (uses `rt.state`, `rt.config`, `rt.now_ms()`,
    `rt["PhalaMq"].outbound_messages()` and `rt["PhalaMining"].on_gk_message_received`)."""

    NAME = "PhalaMining"  # storage prefix: the items live under the mining pallet

    GkWorkers = StorageMap("Identity", PUBKEY, GK_WORKER,
                           doc="Per-worker GK state in public-key order (economics.md §3).")
    GkParams = StorageValue(GK_PARAMS, doc="Tokenomic parameters and mode flags in force.")
    GkPendingReport = StorageValue(WORKING_INFO_UPDATE_EVENT,
                                   doc="The last block's non-empty report, until applied.")
    GkSumShare = StorageValue(FROZEN_SUM_SHARE,
                              doc="The last frozen sum_share and the block it was frozen at.")
    GkIgnoredHeartbeats = StorageValue(U64, default=0,
                                       doc="Heartbeats ignored instead of a reference panic.")
    GkDigest = StorageValue(H256, doc="Hash chain over every GkWorkers/GkParams write.")

    def __init__(self, rt: Any) -> None:
        self.rt = rt
        mode = rt.config.mining.payout_mode
        if mode not in PAYOUT_MODES:
            raise ValueError(f"payout_mode must be one of {PAYOUT_MODES}, got {mode!r}")
        self.full_by_default = mode == "full"
        self._digest: bytes | None = None  # None: the in-memory copy must be reloaded
        self._params: GkParameters = self.default_params()
        self._workers: dict[bytes, GkWorker] = {}
        self._order: list[bytes] = []
        self._hash: dict[bytes, int] = {}
        # candidates of the per-block steps, so that a block costs what happens in it:
        self._index = HashIndex({})  # challenge hits by bisection
        self._benching: set[bytes] = set()  # may have a bench_state
        self._due: list[tuple[int, bytes]] = []  # heap of (oldest pending challenge, pk)
        self._overdue: set[bytes] = set()  # may be responsive and past the window
        self._consts: dict[bytes, tuple[int, int, int]] = {}  # segment_consts until _touch

    def default_params(self) -> GkParameters:
        """Parameters before any update: `test_params()` = the default genesis parameters;
        both mode flags on in full payout mode, off in legacy mode."""
        on = self.full_by_default
        return GkParameters(default_params(), phala_launched=on, unresp_fix=on)

    # -- entry points ------------------------------------------------------------------
    def process_block(self, n: int) -> None:
        """Run economics.md §5 for block n (call once per block, after every on_finalize).

        Reads the block's OutboundMessages in dispatch order; messages with a wrong sender,
        an undecodable payload (bytes after the value do not count: decode_leading), or
        for unknown workers are ignored; a heartbeat that does
        not answer the oldest pending challenge (a reference panic) or that would overflow
        the fixed-point formulas is ignored and counted in `GkIgnoredHeartbeats`. Raises
        only on misuse of the runtime (e.g. parameters whose formulas underflow)."""
        self._load()
        self._digest = None  # until this block's writes are complete
        blk = _Block(n, self.rt.now_ms())
        if not self.GkParams.exists():
            blk.params_dirty = True
        for msg in self.rt["PhalaMq"].outbound_messages():
            self._on_message(blk, msg)
        self._did_process_block(blk)
        self._write(blk)
        report = WorkingInfoUpdateEvent(n, blk.now_ms, blk.offline, blk.recovered, blk.settle)
        if not report.is_empty():
            self.GkPendingReport.put(report)

    def apply_pending_report(self) -> WorkingInfoUpdateEvent | None:
        """Deliver the pending report (if any) to the mining pallet and return it.

        A DispatchError of the handler is swallowed and its writes so far stay, as the
        message queue does for every subscriber (the reference's handlers are not
        transactional); the report is consumed either way."""
        report = self.GkPendingReport.take()
        if report is None:
            return None
        try:
            # the decoded event: sender Gatekeeper by construction, no re-encoding
            self.rt["PhalaMining"].on_gk_message_received(report)
        except DispatchError:
            pass
        return report

    # -- read-only views (apr, reports, tests) -----------------------------------------
    def params(self) -> GkParameters:
        self._load()
        return self._params

    def worker(self, pubkey: bytes, block: int) -> GkWorker | None:
        """A copy of the worker's state after block `block` (its V steps applied up to
        there; `block` must not precede the last block that wrote it), or None."""
        self._load()
        w = self._workers.get(pubkey)
        if w is None:
            return None
        out = copy.deepcopy(w)
        if block > w.advanced_to:
            out.tokenomic.v, out.tokenomic.v_deductible = advanced(w, self._params.params,
                                                                   block)
            out.advanced_to = block
        return out

    def pubkeys(self) -> list[bytes]:
        """Known workers in key order."""
        self._load()
        return list(self._order)

    def sum_share_at(self, block: int) -> int:
        """Σ share (bits) over counted workers with V as after block `block` — the value
        block `block + 1` would freeze. Writes nothing."""
        self._load()
        total = 0
        for pk in self._order:
            w = self._counted(pk)
            if w is not None:
                total += share(self.worker(pk, block).tokenomic)  # type: ignore[union-attr]
        return total

    # -- cache ----------------------------------------------------------------------------
    def forget(self) -> None:
        """Reload from storage at the next use (after raw writes the digest does not see)."""
        self._digest = None

    def _load(self) -> None:
        stored = self.GkDigest.raw() or b""
        if self._digest == stored:
            return
        params = self.GkParams.get()
        self._params = params if params is not None else self.default_params()
        self._workers = dict(self.GkWorkers.iter())
        self._order = sorted(self._workers)
        for pk in self._order:
            if pk not in self._hash:
                self._hash[pk] = hashed_id(pk)
        self._index = HashIndex({pk: self._hash[pk] for pk in self._order})
        self._benching = {pk for pk, w in self._workers.items() if w.bench_state is not None}
        self._due = [(w.waiting_heartbeats[0], pk) for pk, w in self._workers.items()
                     if w.waiting_heartbeats]
        heapq.heapify(self._due)
        self._overdue = set()
        self._consts = {}
        self._digest = stored

    def _watch(self, pk: bytes, w: GkWorker) -> None:
        """Queue the worker's oldest pending challenge for the timeout check (after it
        changed, or the worker may have become responsive or working again)."""
        if w.waiting_heartbeats:
            heapq.heappush(self._due, (w.waiting_heartbeats[0], pk))

    def _write(self, blk: _Block) -> None:
        """Store the block's changed records; chain their bytes into GkDigest."""
        prev = self.GkDigest.raw() or b""
        h = hashlib.blake2b(prev + blk.number.to_bytes(4, "little"), digest_size=32)
        wrote = False
        if blk.params_dirty:
            raw = GK_PARAMS.encode(self._params)
            self.GkParams.put(self._params)
            h.update(b"P" + raw)
            wrote = True
        state, prefix = self.rt.state, self.GkWorkers.prefix
        for pk in sorted(blk.dirty):
            raw = GK_WORKER.encode(self._workers[pk])
            state.set(prefix + pk, raw)  # Identity hasher: the key is prefix ++ pubkey
            h.update(b"W" + pk + raw)
            wrote = True
        if wrote:
            prev = h.digest()
            self.GkDigest.put(prev)
        self._digest = prev

    def _advance(self, w: GkWorker, block: int) -> None:
        """Apply the uniform steps up to `block` in memory (same state, no write needed)."""
        if block > w.advanced_to:
            if segment_kind(w) != NONE:
                w.tokenomic.v, w.tokenomic.v_deductible = advanced(w, self._params.params,
                                                                   block)
            w.advanced_to = block

    def _touch(self, blk: _Block, pk: bytes) -> GkWorker:
        """The worker, advanced to the end of the previous block and marked for writing;
        call before changing anything that selects its segment."""
        w = self._workers[pk]
        self._advance(w, blk.number - 1)
        blk.dirty.add(pk)
        self._consts.pop(pk, None)  # the caller may change p, confidence or the segment
        return w

    def _counted(self, pk: bytes) -> GkWorker | None:
        w = self._workers[pk]
        if w.unresponsive or (self._params.phala_launched and w.working_state is None):
            return None
        return w

    def _freeze_sum_share(self, blk: _Block) -> int:
        """sum_share of the state before this block's messages (economics.md §5.1).

        Computed on first need: every message that can change a share freezes it first
        (challenges cannot), so the value is that of the block's start."""
        if blk.sum_share is None:
            total = 0
            before = blk.number - 1
            params, launched = self._params.params, self._params.phala_launched
            r, vmax = params.rho - ONE, params.v_max
            workers, consts = self._workers, self._consts
            # hot, once per block over every counted worker: _counted, _advance, one
            # idle_steps step and share inlined, with each worker's constants cached
            for pk in self._order:
                w = workers[pk]
                if w.unresponsive:
                    continue
                t = w.tokenomic
                c = consts.get(pk)
                if c is None:
                    c = consts[pk] = segment_consts(t, params)
                if w.working_state is not None:  # responsive and working: an idle segment
                    if w.advanced_to < before:
                        if before - w.advanced_to == 1:
                            v = t.v
                            dv = ((r * v) >> 64) + c[0]
                            if c[1] != ONE:
                                dv = (c[1] * dv) >> 64
                            v += dv
                            t.v = v if v < vmax else vmax
                            t.v_deductible += dv
                        else:
                            t.v, t.v_deductible = idle_steps(t, params, before - w.advanced_to)
                        w.advanced_to = before
                elif launched:
                    continue
                v = t.v
                total += isqrt(((v * v) >> 64) + c[2]) << 32
            blk.sum_share = total
            self.GkSumShare.put(FrozenSumShare(blk.number, total))
        return blk.sum_share

    # -- messages (economics.md §5.2) ------------------------------------------------------
    def _on_message(self, blk: _Block, msg: Any) -> None:
        topic, sender = msg.destination, msg.sender
        if topic == SYSTEM_EVENT_TOPIC and sender.name == "Pallet":
            if (event := decode_leading(SYSTEM_EVENT, msg.payload)) is not None:
                self._on_system_event(blk, event)
        elif topic == MINING_REPORT_TOPIC and sender.name == "Worker":
            if (event := decode_leading(WORKING_REPORT_EVENT, msg.payload)) is not None:
                self._on_heartbeat(blk, sender.value, event)
        elif topic == GATEKEEPER_EVENT_TOPIC and sender.name == "Pallet":
            if (event := decode_leading(GATEKEEPER_EVENT, msg.payload)) is not None:
                self._on_gatekeeper_event(blk, event)

    def _on_system_event(self, blk: _Block, event: Variant) -> None:
        if event.name == "HeartbeatChallenge":
            seed, target = event.value.seed, event.value.online_target
            hashes = self._hash
            for pk in self._index.hits(seed, target):
                if must_answer(self._workers[pk], hashes[pk], seed, target):
                    waiting = self._touch(blk, pk).waiting_heartbeats
                    waiting.append(blk.number)
                    if len(waiting) == 1:
                        heapq.heappush(self._due, (blk.number, pk))
            return
        self._freeze_sum_share(blk)
        pk, ev = event.value.pubkey, event.value.event
        if pk not in self._workers:
            if ev.name != "Registered":
                return
            self._workers[pk] = GkWorker(advanced_to=max(blk.number - 1, 0))
            bisect.insort(self._order, pk)
            self._hash[pk] = hashed_id(pk)
            self._index.add(pk, self._hash[pk])
        w = self._touch(blk, pk)
        apply_worker_event(w, ev, blk.number, blk.now_ms)
        if w.bench_state is not None:
            self._benching.add(pk)
        if ev.name == "Registered":
            w.tokenomic.confidence_level = ev.value.confidence_level
        elif ev.name == "Started":
            start_session(w.tokenomic, ev.value["init_v"], ev.value["init_p"], blk.now_ms,
                          blk.number)
            w.unresponsive = False
        elif ev.name == "Stopped":
            blk.settle.append(SettleInfo(pk, w.tokenomic.v, 0, 0))
        self._watch(pk, w)

    def _on_gatekeeper_event(self, blk: _Block, event: Variant) -> None:
        name = event.name
        if name == "TokenomicParametersChanged":
            for pk in self._order:  # steps so far use the old parameters
                if segment_kind(self._workers[pk]) != NONE:
                    self._touch(blk, pk)
            self._set_params(blk, params=event.value)
            for pk in self._order:  # the heartbeat window may have changed
                self._watch(pk, self._workers[pk])
        elif name == "PhalaLaunched":
            self._freeze_sum_share(blk)  # the filter changes; this block keeps the old sum
            self._set_params(blk, phala_launched=True)
        elif name == "UnrespFix":
            self._set_params(blk, unresp_fix=True)
        elif name == "RepairV":
            self._freeze_sum_share(blk)
            for pk in self._order:
                w = self._workers[pk]
                if w.working_state is None:
                    continue
                self._advance(w, blk.number - 1)
                if w.tokenomic.v < w.tokenomic.v_init:
                    self._touch(blk, pk).tokenomic.v = w.tokenomic.v_init

    def _set_params(self, blk: _Block, **changes: Any) -> None:
        self._params = dataclasses.replace(self._params, **changes)
        self._consts = {}
        blk.params_dirty = True

    def _on_heartbeat(self, blk: _Block, pk: bytes, event: Variant) -> None:
        w = self._workers.get(pk)
        if w is None:
            return
        hb = event.value
        if not w.waiting_heartbeats or w.waiting_heartbeats[0] != hb["challenge_block"]:
            self._ignore_heartbeat()  # the reference panics ("state poisoned")
            return
        sum_share = self._freeze_sum_share(blk)
        was_dirty = pk in blk.dirty
        w = self._touch(blk, pk)
        saved = (dataclasses.replace(w.tokenomic), list(w.waiting_heartbeats), w.advanced_to)
        try:
            self._apply_heartbeat(blk, pk, w, hb, event.name, sum_share)
        except Arithmetic:  # self-reported figures overflowing the formulas: reject
            w.tokenomic, w.waiting_heartbeats, w.advanced_to = saved
            self._watch(pk, w)
            if not was_dirty:
                blk.dirty.discard(pk)  # as if the message had never been seen
            self._ignore_heartbeat()

    def _apply_heartbeat(self, blk: _Block, pk: bytes, w: GkWorker, hb: dict[str, int],
                         variant: str, sum_share: int) -> None:
        w.waiting_heartbeats.pop(0)
        self._watch(pk, w)
        ws = w.working_state
        if ws is None or hb["session_id"] != ws.session_id:
            return  # stopped, or an answer for an old session: only pops the queue
        t: TokenomicInfo = w.tokenomic
        update_p_instant(t, blk.now_ms, hb["iterations"],
                         variant == "HeartbeatV2" and hb["n_clusters"] > 0)
        t.challenge_time_last = hb["challenge_time"]
        t.iteration_last = hb["iterations"]
        if w.unresponsive:
            if self._params.unresp_fix:
                update_v_recover(t, blk.now_ms, blk.number)
        else:
            payout, treasury = update_v_heartbeat(t, self._params.params, sum_share,
                                                  blk.now_ms, blk.number,
                                                  self._params.phala_launched)
            blk.settle.append(SettleInfo(pk, t.v, payout, treasury))
        blk.flagged.add(pk)
        w.advanced_to = blk.number  # cases 2 and 5: no V step in this block

    def _ignore_heartbeat(self) -> None:
        self.GkIgnoredHeartbeats.put(self.GkIgnoredHeartbeats.get() + 1)

    # -- end of block (economics.md §5.3) ---------------------------------------------------
    def _did_process_block(self, blk: _Block) -> None:
        n = blk.number
        params: TokenomicParams = self._params.params
        window = params.heartbeat_window
        due, workers, overdue = self._due, self._workers, self._overdue
        while due and due[0][0] < n - window:
            first, pk = heapq.heappop(due)
            w = workers.get(pk)
            if w is not None and w.waiting_heartbeats and w.waiting_heartbeats[0] == first:
                overdue.add(pk)
        # a worker outside these sets has nothing to do in this block (the loop below
        # would skip it); the loop is the per-worker one, in key order
        for pk in sorted(blk.flagged | self._benching | overdue):
            w = self._workers[pk]
            bs = w.bench_state
            if bs is not None and n - bs.start_block >= bs.duration:
                on_block_processed(self._touch(blk, pk), n)
            if w.working_state is None:
                continue
            if w.unresponsive:
                if pk in blk.flagged:  # case 5 (V handled with the heartbeat)
                    self._touch(blk, pk).unresponsive = False
                    blk.recovered.append(pk)
                    self._watch(pk, w)
                # case 4: the segment's slash step, applied lazily
            elif w.waiting_heartbeats and n - w.waiting_heartbeats[0] > window:
                w = self._touch(blk, pk)  # case 3: idle up to n − 1, slashed in block n
                blk.offline.append(pk)
                w.unresponsive = True
                update_v_slash(w.tokenomic, params)  # even after a heartbeat in block n
                w.advanced_to = n
            # cases 1 and 2: the idle step is lazy; a heartbeat already set advanced_to = n
        self._benching = {pk for pk in self._benching if workers[pk].bench_state is not None}
        # kept while it may time out again; _watch brings a worker back when that changes
        self._overdue = {pk for pk in overdue if _may_time_out(workers[pk], n, window)}


def _may_time_out(w: GkWorker, n: int, window: int) -> bool:
    return (w.working_state is not None and not w.unresponsive
            and bool(w.waiting_heartbeats) and n - w.waiting_heartbeats[0] > window)
