"""A small chain for the mining pallet's tests (no tests of its own).

System, Timestamp, Balances and PhalaMq are the real pallets; the registry is a fake
holding only what the mining pallet reads (`operator`, `initial_score`,
`confidence_level`), so these tests do not depend on the registry's flows. The stake pool
is replaced by `RecordingCallbacks`. Blocks run through the real Executive, 12 s apart
unless told otherwise; block 1 is at T0 + 12 s.

Figures (stake_pool.md §13.4, default parameters): k = 100, re = 1.3, v_max = 30000,
rig_k = 0.3; for p = 1 the minimal stake is 100 PHA and the largest accepted stake is
23_076_623_076_923_076 planck.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pallets.messages import MESSAGE_ORIGIN, Message
from pallets.mining import PhalaMining
from pallets.mining.formulas import TokenomicParams, default_params
from pallets.mining.types import SUBSIDY_POOL_ACCOUNT
from pallets.mq import PhalaMq
from runtime.balances import Balances
from runtime.codec import ACCOUNT, PUBKEY, U8, U32, Option, Struct, Variant
from runtime.dispatch import DispatchError, Origin
from runtime.executive import Executive
from runtime.hashing import twox128
from runtime.pallet import Pallet
from runtime.runtime import Runtime
from runtime.storage_items import StorageMap
from runtime.system import System
from runtime.timestamp import Timestamp
from storage.overlay import Overlay

PHA = 10**12
T0_MS = 1_000_000_000  # genesis time; block n is at T0 + 12 s · n
BLOCK_MS = 12_000
SUBSIDY_FUNDS = 690_000_000 * PHA

ALICE = bytes([0xA1]) * 32   # operator of the workers
BOB = bytes([0xB0]) * 32     # not an operator
MINER = bytes([0x01]) * 32
MINER2 = bytes([0x02]) * 32
WORKER = bytes([0x11]) * 32      # p = 1, level 1
WORKER2 = bytes([0x12]) * 32     # p = 1, level 1
UNBENCHED = bytes([0x13]) * 32   # registered, no initial score
ZERO_SCORE = bytes([0x14]) * 32  # initial score 0 (below MinInitP = 1)
FAST = bytes([0x15]) * 32        # p = 1000, level 1
UNKNOWN = bytes([0x19]) * 32     # not registered


@dataclass
class FakeWorker:
    operator: bytes | None
    initial_score: int | None
    confidence_level: int


FAKE_WORKER = Struct("FakeWorker", [("operator", Option(ACCOUNT)),
                                    ("initial_score", Option(U32)),
                                    ("confidence_level", U8)], FakeWorker)


class FakeRegistry(Pallet):
    NAME = "PhalaRegistry"
    Workers = StorageMap("Twox64Concat", PUBKEY, FAKE_WORKER)


@dataclass
class RecordingCallbacks:
    """Stands in for the stake pool: records every notification in order."""

    calls: list[tuple[Any, ...]] = field(default_factory=list)

    def on_reward(self, settle: list) -> None:
        self.calls.append(("on_reward", list(settle)))

    def on_unbound(self, worker: bytes, force: bool) -> None:
        self.calls.append(("on_unbound", worker, force))

    def on_stopped(self, worker: bytes, original_stake: int, slashed: int) -> None:
        self.calls.append(("on_stopped", worker, original_stake, slashed))


@dataclass
class Outcome:
    success: bool
    error: DispatchError | None
    events: list[Variant]


class MiningChain:
    """Block 1 is open after construction; `next_block()` finalizes and opens the next."""

    def __init__(self, cool_down_sec: int = 100, params: TokenomicParams | None = None,
                 halving_interval: int | None = None, subsidy: int = SUBSIDY_FUNDS) -> None:
        self.state = Overlay()
        self.rt = Runtime([(0, System), (1, Timestamp), (2, Balances), (4, PhalaMq),
                           (5, FakeRegistry), (6, PhalaMining)], self.state)
        self.mining: PhalaMining = self.rt["PhalaMining"]
        self.mq: PhalaMq = self.rt["PhalaMq"]
        self.balances: Balances = self.rt["Balances"]
        self.mq.subscribers = [self.mining.on_gk_message_received,
                               self.mining.on_mining_message_received]
        self.callbacks = RecordingCallbacks()
        self.mining.callbacks = self.callbacks
        self.rt["System"].genesis_build()
        self.rt["Timestamp"].genesis_build(T0_MS)
        self.balances.genesis_build([(SUBSIDY_POOL_ACCOUNT, subsidy),
                                     (ALICE, 1_000 * PHA)])
        workers = self.rt["PhalaRegistry"].Workers
        workers.insert(WORKER, FakeWorker(ALICE, 1, 1))
        workers.insert(WORKER2, FakeWorker(ALICE, 1, 1))
        workers.insert(UNBENCHED, FakeWorker(ALICE, None, 1))
        workers.insert(ZERO_SCORE, FakeWorker(ALICE, 0, 1))
        workers.insert(FAST, FakeWorker(ALICE, 1000, 1))
        self.mining.genesis_build({"cool_down_period_sec": cool_down_sec,
                                   "tokenomic": params or default_params(),
                                   "halving_interval": halving_interval})
        self.executive = Executive(self.rt)
        self.parent_hash = bytes(32)
        self.number = 0
        self.now_ms = T0_MS
        self.finalized = False
        self.next_block()

    # -- blocks -----------------------------------------------------------------------------
    def now_secs(self) -> int:
        return self.now_ms // 1000

    def next_block(self, advance_ms: int = BLOCK_MS) -> None:
        """Finalize the open block (if any) and open the next one `advance_ms` later."""
        if self.number > 0 and not self.finalized:
            self.finalize()
        self.finalized = False
        self.number += 1
        self.now_ms += advance_ms
        self.executive.initialize_block(self.number, self.parent_hash, self.now_ms)

    def finalize(self) -> None:
        """Run on_finalize of the open block (no new block is opened)."""
        self.parent_hash = self.executive.finalize_block().hash()
        self.finalized = True

    # -- calls --------------------------------------------------------------------------------
    def call(self, origin: Origin, call: str, **args: Any) -> Outcome:
        """Dispatch PhalaMining.<call> as an extrinsic of the open block."""
        result = self.executive.apply_trusted(self.rt.make_call("PhalaMining", call, **args),
                                              origin)
        return Outcome(result.success, result.error, result.events[:-1])

    def internal(self, fn: str, *args: Any) -> tuple[Any, list[Variant]]:
        """Call the internal API in a storage layer (rolled back if it raises);
        returns (result, events it deposited)."""
        first = len(self.events())
        with self.rt.transactional():
            result = getattr(self.mining, fn)(*args)
        return result, self.events()[first:]

    def deliver(self, sender: Variant, topic: bytes, payload: bytes) -> list[Variant]:
        """Dispatch a message through PhalaMq; returns the events it caused."""
        first = len(self.events())
        self.mq.dispatch_message(Message(sender, topic, payload))
        return self.events()[first:]

    # -- observation ----------------------------------------------------------------------------
    def events(self) -> list[Variant]:
        return [r["event"] for r in self.rt["System"].event_records()]

    def mining_events(self, events: list[Variant] | None = None) -> list[Variant]:
        """This pallet's events as Variant(name, fields) (fields a dict or None)."""
        evs = self.events() if events is None else events
        return [e.value for e in evs if e.name == "PhalaMining"]

    def messages(self) -> list[Message]:
        return self.mq.outbound_messages()

    def snapshot(self) -> dict[bytes, bytes]:
        return dict(self.state.iter_prefix(b""))

    def mining_snapshot(self) -> dict[bytes, bytes]:
        """The mining pallet's own storage (messages delivered through PhalaMq also land
        in its OutboundMessages, which is not the handler's doing)."""
        return dict(self.state.iter_prefix(twox128(b"PhalaMining")))

    def free(self, who: bytes) -> int:
        return int(self.balances.free_balance(who))


def origin_of(name: str, value: Any = None) -> Variant:
    """A MessageOrigin value (checked against the codec)."""
    v = Variant(name, value)
    MESSAGE_ORIGIN.encode(v)
    return v
