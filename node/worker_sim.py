"""The node plays pRuntime for every worker whose key it holds (spec README decision 5).

For each simulated worker the node keeps the worker's state machine (economics.md §4,
registry.md §6) — the same replica the in-runtime Gatekeeper keeps
(`pallets.mining.gk_replica`) — fed, after each authored block, with that block's
`PhalaMq.OutboundMessages` (in dispatch order, with the block's number and timestamp).
From it the worker:

* records a benchmark on `BenchStart` and, after the block in which it has run for its
  duration, sends `RegistryEvent::BenchReport { start_time, iterations }`;
* answers every `HeartbeatChallenge` it is hit by (registered, mining, not paused,
  `hashed_id XOR seed <= online_target`) with `WorkingReportEvent::HeartbeatV2
  { session_id, challenge_block, challenge_time, iterations, 0, 0 }`.

Messages go out in the next authored block, at its end (after the pool's extrinsics),
as `PhalaMq.sync_offchain_message` extrinsics: `SignedMessage { Message { Worker(pubkey),
topic, payload }, sequence = OffchainIngress[sender] read from the chain, signature =
worker sr25519 over mq_signing_bytes }`.

Iterations: each worker's counter is `score × (t_ms − genesis_ms) // 6000` at chain time
t (the worker's settings score, node.keystore), so a benchmark scores just under `score`
(the report is scored against the next block's time) and heartbeats report
`counter − start_iter` consistent with it.

Relayer: the worker's operator when the node holds its key (a dev chain's genesis
names it), else the genesis sudo key, else the worker key itself; every signature is
deterministic (node.det_sign), so the same chain and commands give the same blocks.

Offline workers (`phala-emu worker offline`) keep following the chain but send
nothing; their answers wait in the outbox and go out, in order, once back online — as
a restarted pRuntime answers the challenges it missed, which is what lets the
Gatekeeper's FIFO of pending challenges, and so the worker, recover.

Persistence: each worker's replica and outbox (`Q` ++ pubkey) and the block they are
as of (`q`) are written in the authored block's own batch. A simulator whose records
lag the head (blocks imported by replay, a chain authored without it) catches up by
reading the missed blocks' OutboundMessages from their states.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from node.keystore import Keystore
from node.pool import sign_call
from pallets.messages import (
    MESSAGE,
    MINING_REPORT_TOPIC,
    REGISTRY_EVENT,
    REGISTRY_EVENT_TOPIC,
    SYSTEM_EVENT,
    SYSTEM_EVENT_TOPIC,
    WORKING_REPORT_EVENT,
    Message,
    SignedMessage,
    decode_leading,
    mq_signing_bytes,
    origin_worker,
)
from pallets.mining.gk_replica import (
    HashIndex,
    apply_worker_event,
    hashed_id,
    must_answer,
    on_block_processed,
)
from pallets.mining.gk_state import GK_WORKER, GkWorker
from runtime.codec import Variant, Vec
from runtime.hashing import storage_prefix
from runtime.validity import TransactionValidityError

SIM_WORKER = b"Q"   # Q ++ pubkey -> JSON {"replica": hex SCALE GkWorker, "outbox": [...]}
SIM_AS_OF = b"q"    # -> JSON {"number", "hash"}: the block the records are as of
OUTBOUND_KEY = storage_prefix("PhalaMq", "OutboundMessages")
NOW_KEY = storage_prefix("Timestamp", "Now")
_MESSAGES = Vec(MESSAGE)


@dataclass
class SimWorker:
    """One simulated pRuntime: the state machine (GkWorker's replica fields, with this
    worker's own iteration counter in `start_iter`) and the messages it still has to
    send (dicts: `{"kind": "heartbeat"|"bench", ...}`)."""

    pubkey: bytes
    replica: GkWorker = field(default_factory=GkWorker)
    outbox: list[dict[str, int | str]] = field(default_factory=list)

    def to_json(self) -> bytes:
        return json.dumps({"replica": GK_WORKER.encode(self.replica).hex(),
                           "outbox": self.outbox}, sort_keys=True).encode()

    @classmethod
    def from_json(cls, pubkey: bytes, raw: bytes) -> SimWorker:
        doc = json.loads(raw)
        return cls(pubkey, GK_WORKER.decode(bytes.fromhex(doc["replica"])), doc["outbox"])


def iteration_counter(score: int, genesis_ms: int, now_ms: int) -> int:
    """The worker's iteration count at chain time `now_ms`: `score` iterations per 6 s."""
    return score * max(now_ms - genesis_ms, 0) // 6000


class WorkerSimulator:
    """The authoring hook of one open chain (see the module docstring)."""

    def __init__(self, chain: Any) -> None:
        self.chain = chain
        self.keystore = Keystore(chain)
        self.workers: dict[bytes, SimWorker] = {}
        self.as_of: bytes | None = None  # block hash the in-memory state is as of
        self._hash: dict[bytes, int] = {}
        self._settings: dict[bytes, dict[str, Any]] = {}
        self._dirty: set[bytes] = set()
        # indexes so that a block costs what happens in it, not one step per worker:
        self._index = HashIndex({})        # challenge hits by bisection
        self._benching: set[bytes] = set()  # may have a bench_state
        self._pending: set[bytes] = set()   # may have a non-empty outbox
        self._keys_version: int | None = None  # chain.keystore_version last checked
        self.sent: list[dict[str, Any]] = []  # messages sent in the last authored block

    # -- state -------------------------------------------------------------------------
    def reload(self) -> None:
        """Rebuild the in-memory state from the records, then catch up to the head."""
        keys = sorted(self.keystore.worker_keys())
        self.workers = {}
        self._settings = self.keystore.all_settings(keys)
        for pk in keys:
            raw = self.chain.backend.get(SIM_WORKER + pk)
            self.workers[pk] = SimWorker.from_json(pk, raw) if raw is not None \
                else SimWorker(pk)
            if pk not in self._hash:
                self._hash[pk] = hashed_id(pk)
        raw_as_of = self.chain.backend.get(SIM_AS_OF)
        start = 1
        if raw_as_of is not None:
            as_of = json.loads(raw_as_of)
            known = self.chain.store.hash_of(as_of["number"])
            if known is not None and known.hex() == as_of["hash"]:
                start = as_of["number"] + 1
            else:  # another history: start over
                self.workers = {pk: SimWorker(pk) for pk in keys}
        head = self.chain.head()
        self._dirty = set(keys)
        self._index = HashIndex({pk: self._hash[pk] for pk in keys})
        self._benching = {pk for pk, w in self.workers.items() if w.replica.bench_state}
        self._pending = {pk for pk, w in self.workers.items() if w.outbox}
        self._keys_version = self.chain.keystore_version
        for number in range(start, head.number + 1):
            header = self.chain.resolve(number)
            view = self.chain.view_at(header)
            raw_now = view.get(NOW_KEY)
            now_ms = int.from_bytes(raw_now, "little") if raw_now else 0
            self.observe(number, now_ms, _MESSAGES.decode(view.get(OUTBOUND_KEY) or b"\x00"))
        self.as_of = head.hash()

    def ensure_current(self, parent_hash: bytes) -> None:
        # keys and settings change only with chain.keystore_version: no per-worker
        # comparison in a block that changed neither
        if self._keys_version == self.chain.keystore_version and self.as_of == parent_hash:
            return
        if self.as_of != parent_hash or set(self.workers) != set(
                self.keystore.worker_keys()):
            self.reload()
        else:
            self._settings = self.keystore.all_settings(list(self.workers))
            self._keys_version = self.chain.keystore_version

    def counter(self, pubkey: bytes, now_ms: int) -> int:
        return iteration_counter(self._settings[pubkey]["score"],
                                 self.chain.genesis.timestamp_ms, now_ms)

    # -- following the chain -------------------------------------------------------------
    def observe(self, number: int, now_ms: int, messages: list[Message]) -> None:
        """Feed block `number`'s outbound messages to every simulated worker."""
        for msg in messages:
            if msg.destination != SYSTEM_EVENT_TOPIC or msg.sender.name != "Pallet":
                continue
            event = decode_leading(SYSTEM_EVENT, msg.payload)  # as pRuntime's TypedReceiver
            if event is None:
                continue
            if event.name == "HeartbeatChallenge":
                self._on_challenge(number, now_ms, event.value.seed,
                                   event.value.online_target)
                continue
            sim = self.workers.get(event.value.pubkey)
            if sim is not None:
                self._on_worker_event(sim, event.value.event, number, now_ms)
        for pk in sorted(self._benching):
            sim = self.workers[pk]
            bs = sim.replica.bench_state
            if bs is None:
                self._benching.discard(pk)
            elif on_block_processed(sim.replica, number):  # the benchmark ended: report it
                self._benching.discard(pk)
                sim.outbox.append({"kind": "bench", "start_time": bs.start_time,
                                   "iterations": self.counter(pk, now_ms) - bs.start_iter})
                self._pending.add(pk)
                self._dirty.add(pk)

    def _on_worker_event(self, sim: SimWorker, event: Variant, number: int,
                         now_ms: int) -> None:
        apply_worker_event(sim.replica, event, number, now_ms)
        if sim.replica.bench_state is not None:
            self._benching.add(sim.pubkey)
        if event.name == "BenchStart" and sim.replica.bench_state is not None:
            sim.replica.bench_state.start_iter = self.counter(sim.pubkey, now_ms)
        elif event.name == "Started" and sim.replica.working_state is not None:
            sim.replica.working_state.start_iter = self.counter(sim.pubkey, now_ms)
        self._dirty.add(sim.pubkey)

    def _on_challenge(self, number: int, now_ms: int, seed: int, target: int) -> None:
        for pk in self._index.hits(seed, target):
            sim = self.workers[pk]
            if must_answer(sim.replica, self._hash[pk], seed, target):
                ws = sim.replica.working_state
                assert ws is not None
                sim.outbox.append({
                    "kind": "heartbeat", "session_id": ws.session_id,
                    "challenge_block": number, "challenge_time": now_ms,
                    "iterations": self.counter(pk, now_ms) - ws.start_iter})
                self._pending.add(pk)
                self._dirty.add(pk)

    # -- authoring hooks (node.chain) --------------------------------------------------------
    def before_finalize(self, builder: Any) -> None:
        """Apply every online worker's outbox as sync_offchain_message extrinsics."""
        self.ensure_current(builder.parent_hash)
        self.sent = []
        for pk in sorted(self._pending):
            sim = self.workers[pk]
            if not sim.outbox:
                self._pending.discard(pk)
                continue
            if self._settings[pk]["offline"]:
                continue
            for item in sim.outbox:
                self._send(builder, pk, item)
            sim.outbox = []
            self._pending.discard(pk)
            self._dirty.add(pk)

    def block_discarded(self) -> None:
        """The block being authored was not written: outboxes drained into it are not
        sent. Rebuild from the records (as of the parent) at the next block."""
        self.as_of = None

    def after_finalize(self, builder: Any, header: Any) -> dict[bytes, bytes]:
        """Observe the finalized block; the records to write with it."""
        rt = self.chain.rt
        self.observe(header.number, rt.now_ms(), rt["PhalaMq"].outbound_messages())
        puts = {SIM_WORKER + pk: self.workers[pk].to_json() for pk in sorted(self._dirty)}
        self._dirty = set()
        block_hash = header.hash()
        puts[SIM_AS_OF] = json.dumps({"number": header.number,
                                      "hash": block_hash.hex()}).encode()
        self.as_of = block_hash
        return puts

    # -- messages ------------------------------------------------------------------------
    def _send(self, builder: Any, pubkey: bytes, item: dict[str, Any]) -> None:
        rt = self.chain.rt
        worker_key = self.keystore.signer(pubkey)
        assert worker_key is not None, "simulated workers are keystore keys"
        if item["kind"] == "heartbeat":
            topic = MINING_REPORT_TOPIC
            payload = WORKING_REPORT_EVENT.encode(Variant("HeartbeatV2", {
                "session_id": item["session_id"], "challenge_block": item["challenge_block"],
                "challenge_time": item["challenge_time"], "iterations": item["iterations"],
                "n_clusters": 0, "n_contracts": 0}))
        else:
            topic = REGISTRY_EVENT_TOPIC
            payload = REGISTRY_EVENT.encode(Variant("BenchReport", {
                "start_time": item["start_time"], "iterations": item["iterations"]}))
        origin = origin_worker(pubkey)
        message = Message(origin, topic, payload)
        sequence = rt["PhalaMq"].expected_sequence(origin)
        signed = SignedMessage(message, sequence,
                               worker_key.sign(mq_signing_bytes(message, sequence)))
        relayer = self.relayer(pubkey)
        call = rt.make_call("PhalaMq", "sync_offchain_message", signed_message=signed)
        encoded = sign_call(self.chain, relayer, call,  # type: ignore[arg-type]
                            nonce=rt["System"].account(relayer.public_key).nonce)
        try:
            builder.apply(encoded)
        except TransactionValidityError:
            return  # cannot happen for a valid relayer; the message is dropped
        self.sent.append({"worker": "0x" + pubkey.hex(), "sequence": sequence, **item})

    def relayer(self, pubkey: bytes) -> Any:
        """The account that relays `pubkey`'s messages: its operator, else sudo, else
        the worker itself (whichever key the node holds first)."""
        info = self.chain.rt["PhalaRegistry"].worker(pubkey)
        candidates = [info.operator] if info is not None and info.operator else []
        candidates += [self.chain.genesis.sudo, pubkey]
        for account in candidates:
            signer = self.keystore.signer(account)
            if signer is not None:
                return signer
        raise AssertionError("the worker's own key is always held")


def attach_simulator(chain: Any) -> WorkerSimulator:
    """The chain's simulator, attached as an authoring hook (once)."""
    for hook in chain.author_hooks:
        if isinstance(hook, WorkerSimulator):
            return hook
    sim = WorkerSimulator(chain)
    chain.author_hooks.append(sim)
    return sim
