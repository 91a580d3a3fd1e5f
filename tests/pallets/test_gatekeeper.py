"""The in-runtime Gatekeeper (economics.md §3–§7, mining.md §11) on a minimal runtime.

Expected figures are worked by hand with `Fraction` and the floor rule (economics.md §1)
or taken from the spec — never by calling the code under test. The runtime here is a
stand-in with exactly what the Gatekeeper uses: state, config, time, the block's
OutboundMessages and the mining pallet's report handler.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from math import isqrt
from typing import Any

from pallets.messages import (
    GATEKEEPER_EVENT,
    GATEKEEPER_EVENT_TOPIC,
    MINING_REPORT_TOPIC,
    SYSTEM_EVENT,
    SYSTEM_EVENT_TOPIC,
    WORKING_REPORT_EVENT,
    HeartbeatChallenge,
    Message,
    SettleInfo,
    WorkingInfoUpdateEvent,
    origin_pallet,
    origin_worker,
    registered,
    worker_event,
)
from pallets.mining.formulas import TokenomicParams, default_params
from pallets.mining.gatekeeper import Gatekeeper
from pallets.mining.gk_replica import hashed_id
from runtime.codec import Variant
from runtime.config import MiningConfig, RuntimeConfig
from runtime.dispatch import Other
from runtime.fixed import bits_to_decimal_str
from storage.overlay import Overlay

ONE = 2**64
PARAMS = default_params()
RHO = 18446756370313412349
COST_K = 291740030655
COST_B = 621866907450610
SLASH = 61489146912365
TREASURY = 3689348814741910323
PAYOUT_RATIO = 0xCCCCCCCCCCCCCCCD  # 1 − 0.2 in FP (economics.md §2)
BUDGET = 100 * ONE
VMAX = 30000 * ONE
BLOCK_MS = 12_000
A, B, C = bytes([1]) * 32, bytes([2]) * 32, bytes([3]) * 32


# -- hand arithmetic (independent of the code) ------------------------------------------
def fmul(a: int, b: int) -> int:
    q = Fraction(a, ONE) * Fraction(b, ONE) * ONE
    return q.numerator // q.denominator


def fdiv(a: int, b: int) -> int:
    q = Fraction(a, b) * ONE
    return q.numerator // q.denominator


def hand_share(v: int, p: int, conf: int = ONE) -> int:
    x = fmul(fmul(2 * ONE, p), conf)
    return isqrt(fmul(v, v) + fmul(x, x)) * 2**32


def hand_idle(v: int, vd: int, p_bench: int, steps: int, p: int | None = None) -> tuple[int, int]:
    """`steps` idle updates with the default parameters (m = p / p_bench)."""
    for _ in range(steps):
        base = fmul(RHO - ONE, v) + fmul(COST_K, p_bench) + COST_B
        dv = base if p is None else fmul(fdiv(p, p_bench), base)
        v = min(v + dv, VMAX)
        vd += dv
    return v, vd


def hand_slash(v: int) -> int:
    return v - fmul(v, SLASH)


# -- the stand-in runtime -----------------------------------------------------------------
class FakeMq:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    def outbound_messages(self) -> list[Message]:
        return list(self.messages)


class FakeMining:
    def __init__(self, rt: FakeRuntime) -> None:
        self.rt = rt
        self.received: list[tuple[int, WorkingInfoUpdateEvent]] = []
        self.fail = False

    def on_gk_message_received(self, event: WorkingInfoUpdateEvent) -> None:
        assert isinstance(event, WorkingInfoUpdateEvent)  # decoded: sender Gatekeeper
        self.rt.state.set(b"mining-touched", b"1")
        if self.fail:
            raise Other("handler failed")
        self.received.append((self.rt.block, event))


class FakeRuntime:
    def __init__(self, mode: str = "full", state: Overlay | None = None) -> None:
        self.state = state if state is not None else Overlay()
        self.config = RuntimeConfig(mining=MiningConfig(payout_mode=mode))
        self.mq = FakeMq()
        self.mining = FakeMining(self)
        self.block = 0
        self.now = 0

    def __getitem__(self, name: str) -> Any:
        return {"PhalaMq": self.mq, "PhalaMining": self.mining}[name]

    def now_ms(self) -> int:
        return self.now



class Sim:
    """Drives blocks: report of n−1 applied at the start of n, then n's messages, then the GK."""

    def __init__(self, mode: str = "full", gk_per_block: bool = False) -> None:
        self.rt = FakeRuntime(mode)
        self.gk = Gatekeeper(self.rt)
        self.gk_per_block = gk_per_block  # a fresh Gatekeeper (empty cache) every block

    def block(self, n: int, *msgs: Message) -> WorkingInfoUpdateEvent | None:
        rt = self.rt
        if self.gk_per_block:
            self.gk = Gatekeeper(rt)
        rt.block = n
        self.gk.apply_pending_report()  # on_initialize(n): report of n − 1, time still T(n−1)
        rt.now = n * BLOCK_MS
        rt.mq.messages = list(msgs)
        self.gk.process_block(n)
        return self.gk.GkPendingReport.get()

    def run(self, first: int, last: int) -> None:
        for n in range(first, last + 1):
            self.block(n)

    def state(self) -> dict[bytes, bytes | None]:
        return self.rt.state.changes()


# -- message builders ----------------------------------------------------------------------
def sys_msg(pk: bytes, event: Variant) -> Message:
    return Message(origin_pallet("PhalaMining"), SYSTEM_EVENT_TOPIC,
                   SYSTEM_EVENT.encode(worker_event(pk, event)))


def reg(pk: bytes, level: int = 1) -> Message:
    return sys_msg(pk, registered(None, level))


def started(pk: bytes, session: int = 1, init_v: int = 3000 * ONE, init_p: int = 100) -> Message:
    return sys_msg(pk, Variant("Started", {"session_id": session, "init_v": init_v,
                                           "init_p": init_p}))


def stopped(pk: bytes) -> Message:
    return sys_msg(pk, Variant("Stopped"))


def challenge(pk: bytes | None) -> Message:
    """A challenge hitting exactly `pk` (XOR = 0 ≤ target 0), or everyone when None."""
    hc = (HeartbeatChallenge(0, 2**256 - 1) if pk is None
          else HeartbeatChallenge(hashed_id(pk), 0))
    return Message(origin_pallet("PhalaMining"), SYSTEM_EVENT_TOPIC,
                   SYSTEM_EVENT.encode(Variant("HeartbeatChallenge", hc)))


def heartbeat(pk: bytes, challenge_block: int, iterations: int, session: int = 1,
              n_clusters: int | None = None, challenge_time: int | None = None) -> Message:
    if challenge_time is None:
        challenge_time = challenge_block * BLOCK_MS
    fields = {"session_id": session, "challenge_block": challenge_block,
              "challenge_time": challenge_time, "iterations": iterations}
    variant = "Heartbeat"
    if n_clusters is not None:
        variant = "HeartbeatV2"
        fields.update(n_clusters=n_clusters, n_contracts=0)
    return Message(origin_worker(pk), MINING_REPORT_TOPIC,
                   WORKING_REPORT_EVENT.encode(Variant(variant, fields)))


def gk_event(name: str, value: Any = None) -> Message:
    return Message(origin_pallet("PhalaMining"), GATEKEEPER_EVENT_TOPIC,
                   GATEKEEPER_EVENT.encode(Variant(name, value)))


def params_changed(params: TokenomicParams) -> Message:
    return gk_event("TokenomicParametersChanged", params)


def started_sim(mode: str = "full") -> Sim:
    """Worker A registered (level 1) and started at block 1 (V 3000, p 100)."""
    sim = Sim(mode)
    sim.block(1, reg(A), started(A))
    return sim


# -- idle growth ---------------------------------------------------------------------------
def test_v_after_idle_blocks_equals_explicit_steps() -> None:
    sim = started_sim()
    sim.run(2, 50)
    t = sim.gk.worker(A, 50).tokenomic
    assert (t.v, t.v_deductible) == hand_idle(3000 * ONE, 0, 100 * ONE, 50)
    # nothing but the first block's records was written: V is advanced lazily
    assert sim.gk.GkWorkers.get(A).advanced_to == 0


def test_v_after_7201_idle_blocks_is_the_spec_figure() -> None:
    sim = started_sim()
    sim.run(2, 7201)
    v = sim.gk.worker(A, 7201).tokenomic.v
    assert bits_to_decimal_str(v).startswith("3014.6899337932040476463")
    assert v == hand_idle(3000 * ONE, 0, 100 * ONE, 7201)[0]


# -- heartbeat payouts -------------------------------------------------------------------------
def _paid_heartbeat(mode: str, iterations: int) -> tuple[Sim, dict[str, int]]:
    """A challenged at block 2, answers in block 3 after 24 s of mining."""
    sim = started_sim(mode)
    sim.block(2, challenge(A))
    assert sim.gk.worker(A, 2).waiting_heartbeats == [2]
    report = sim.block(3, heartbeat(A, 2, iterations))
    v2, vd2 = hand_idle(3000 * ONE, 0, 100 * ONE, 2)  # idle in blocks 1 and 2
    sum_share = hand_share(v2, 100 * ONE)  # frozen before the heartbeat
    p = min(fdiv(iterations * ONE, fdiv(24_000 * ONE, 1000 * ONE)) * 6,
            fmul(100 * ONE, 0x13333333333333333))  # cap: p_bench × 1.2 (rounded literal)
    budget = fmul(fmul(fdiv(hand_share(v2, p), sum_share), BUDGET), 2 * ONE)  # blocks 3 − 1
    assert report is not None
    return sim, dict(v2=v2, vd2=vd2, sum_share=sum_share, p=p, budget=budget)


def test_heartbeat_full_payout() -> None:
    sim, x = _paid_heartbeat("full", 400)
    payout, treasury = fmul(x["budget"], PAYOUT_RATIO), fmul(x["budget"], TREASURY)
    v = x["v2"] - min(x["vd2"], payout)
    report = sim.gk.GkPendingReport.get()
    assert report == WorkingInfoUpdateEvent(3, 3 * BLOCK_MS, [], [],
                                            [SettleInfo(A, v, payout, treasury)])
    t = sim.gk.worker(A, 3).tokenomic
    assert (t.v, t.v_deductible, t.v_update_block, t.v_update_at) == (v, 0, 3, 3 * BLOCK_MS)
    assert (t.p_instant, t.iteration_last, t.challenge_time_last) == (x["p"], 400, 2 * BLOCK_MS)
    assert sim.gk.GkSumShare.get().sum_share == x["sum_share"]
    assert sim.gk.GkSumShare.get().block_number == 3
    # block 3 had no idle step; block 4 has one
    assert sim.gk.worker(A, 4).tokenomic.v == hand_idle(v, 0, 100 * ONE, 1, p=x["p"])[0]


def test_heartbeat_legacy_payout() -> None:
    sim, x = _paid_heartbeat("legacy", 400)
    to_payout, to_treasury = fmul(x["budget"], PAYOUT_RATIO), fmul(x["budget"], TREASURY)
    payout = min(x["vd2"], to_payout)
    treasury = fmul(fdiv(payout, to_payout), to_treasury)
    assert payout == x["vd2"]  # legacy pays the V growth only
    report = sim.gk.GkPendingReport.get()
    assert report.settle == [SettleInfo(A, x["v2"] - payout, payout, treasury)]


def test_share_over_frozen_sum_share_may_exceed_one() -> None:
    sim, x = _paid_heartbeat("full", 460)  # p_instant 115 > p_bench: the share grew
    payout = sim.gk.GkPendingReport.get().settle[0].payout
    assert payout == fmul(x["budget"], PAYOUT_RATIO)
    assert payout > fmul(fmul(BUDGET, 2 * ONE), PAYOUT_RATIO)  # more than the whole budget


def test_sum_share_is_frozen_before_the_blocks_messages() -> None:
    sim = started_sim()
    sim.block(2, challenge(A))
    # B registers and starts before A's heartbeat in block 3: not in this block's sum_share
    sim.block(3, reg(B), started(B, init_v=5000 * ONE), heartbeat(A, 2, 400))
    v2 = hand_idle(3000 * ONE, 0, 100 * ONE, 2)[0]
    assert sim.gk.GkSumShare.get().sum_share == hand_share(v2, 100 * ONE)
    sim.block(4, challenge(B))
    a4 = sim.gk.worker(A, 4).tokenomic
    b4 = sim.gk.worker(B, 4).tokenomic
    assert b4.v == hand_idle(5000 * ONE, 0, 100 * ONE, 2)[0]
    sim.block(5, heartbeat(B, 4, 100))
    assert sim.gk.GkSumShare.get().sum_share == (hand_share(a4.v, a4.p_instant)
                                                 + hand_share(b4.v, 100 * ONE))


# -- the five cases of §5.3 --------------------------------------------------------------------
def test_offline_at_window_plus_one_slashed_then_recovered_once() -> None:
    sim = started_sim()
    sim.block(2, challenge(A))
    for n in range(3, 13):  # up to c + heartbeat_window = 12: still responsive (case 1)
        assert sim.block(n) is None
    v12, _ = hand_idle(3000 * ONE, 0, 100 * ONE, 12)
    assert sim.gk.worker(A, 12).tokenomic.v == v12
    # block 13 = c + window + 1: reported offline and slashed in that same block (case 3)
    assert sim.block(13) == WorkingInfoUpdateEvent(13, 13 * BLOCK_MS, [A], [], [])
    w = sim.gk.worker(A, 13)
    assert w.unresponsive and (w.tokenomic.v, w.tokenomic.v_deductible) == (hand_slash(v12), 0)
    assert sim.block(14) is None  # case 4: slashed again, not reported again
    v14 = hand_slash(hand_slash(v12))
    assert sim.gk.worker(A, 14).tokenomic.v == v14
    # a late answer recovers (case 5): no V step in this block, reported once
    assert sim.block(15, heartbeat(A, 2, 100)) == WorkingInfoUpdateEvent(
        15, 15 * BLOCK_MS, [], [A], [])
    t = sim.gk.worker(A, 15).tokenomic
    assert (t.v, t.v_deductible, t.v_update_block, t.v_update_at) == (v14, 0, 15, 15 * BLOCK_MS)
    assert sim.block(16) is None  # idle again (case 1)
    p = t.p_instant
    assert sim.gk.worker(A, 16).tokenomic.v == hand_idle(v14, 0, 100 * ONE, 1, p=p)[0]
    assert not sim.gk.worker(A, 16).unresponsive


def test_recovery_without_the_fix_keeps_the_payout_start_in_legacy_mode() -> None:
    sim = started_sim("legacy")
    sim.block(2, challenge(A))
    sim.run(3, 13)
    sim.block(14, heartbeat(A, 2, 100))
    t = sim.gk.worker(A, 14).tokenomic
    assert (t.v_update_block, t.v_deductible) == (1, 0)  # slashing zeroed it, no recover


def test_answer_at_exactly_the_window_pays_and_stays_online() -> None:
    sim = started_sim()
    sim.block(2, challenge(A))
    sim.run(3, 11)
    report = sim.block(12, heartbeat(A, 2, 100))
    assert report is not None and report.offline == [] and report.settle[0].pubkey == A
    assert sim.block(13) is None and not sim.gk.worker(A, 13).unresponsive


def test_paid_heartbeat_and_offline_in_one_block_slashes_after_the_payout() -> None:
    sim = started_sim()
    sim.block(2, challenge(A))
    sim.block(3, challenge(A))
    window0 = dataclasses.replace(PARAMS, heartbeat_window=0)
    # block 4: answers challenge 2 (paid); the window then drops to 0, so challenge 3 is
    # overdue (4 − 3 > 0): case 3 after case 2, slashed in the same block
    report = sim.block(4, heartbeat(A, 2, 100), params_changed(window0))
    assert report is not None and report.offline == [A] and len(report.settle) == 1
    paid_v = report.settle[0].v
    w = sim.gk.worker(A, 4)
    assert w.unresponsive and (w.tokenomic.v, w.tokenomic.v_deductible) == (hand_slash(paid_v), 0)
    assert sim.gk.worker(A, 5).tokenomic.v == hand_slash(hand_slash(paid_v))


# -- sessions --------------------------------------------------------------------------------
def test_stopped_sends_a_final_settle_with_payout_zero() -> None:
    sim = started_sim()
    sim.run(2, 9)
    v9 = hand_idle(3000 * ONE, 0, 100 * ONE, 9)[0]
    report = sim.block(10, stopped(A))
    assert report == WorkingInfoUpdateEvent(10, 10 * BLOCK_MS, [], [], [SettleInfo(A, v9, 0, 0)])
    sim.run(11, 30)  # no working state: V frozen
    w = sim.gk.worker(A, 30)
    assert w.working_state is None and w.tokenomic.v == v9


def test_started_resets_tokenomic_but_keeps_waiting_heartbeats() -> None:
    sim = started_sim()
    sim.block(2, challenge(A))
    sim.block(3, stopped(A))
    sim.block(4, started(A, session=2, init_v=4000 * ONE, init_p=50))
    w = sim.gk.worker(A, 4)
    t = w.tokenomic
    assert w.waiting_heartbeats == [2] and w.working_state.session_id == 2
    assert (t.v_init, t.v_update_block, t.v_update_at) == (4000 * ONE, 4, 4 * BLOCK_MS)
    assert (t.p_bench, t.p_instant, t.iteration_last, t.confidence_level) == (
        50 * ONE, 50 * ONE, 0, 1)
    assert (t.v, t.v_deductible) == hand_idle(4000 * ONE, 0, 50 * ONE, 1)  # block 4 is idle
    # the answer for the old session pops the queue but pays nothing and sets no flag
    assert sim.block(5, heartbeat(A, 2, 100, session=1)) is None
    w = sim.gk.worker(A, 5)
    assert w.waiting_heartbeats == [] and w.tokenomic.v == hand_idle(4000 * ONE, 0, 50 * ONE, 2)[0]


def test_old_challenges_still_count_after_a_restart() -> None:
    sim = started_sim()
    sim.block(2, challenge(A))
    sim.block(3, stopped(A))
    sim.block(4, started(A, session=2))
    sim.run(5, 12)
    assert sim.block(13) == WorkingInfoUpdateEvent(13, 13 * BLOCK_MS, [A], [], [])


def test_registered_sets_the_confidence_level_and_unknown_workers_are_ignored() -> None:
    sim = Sim()
    assert sim.block(1, started(B), challenge(None), heartbeat(B, 1, 5)) is None
    assert sim.gk.pubkeys() == [] and sim.gk.GkIgnoredHeartbeats.get() == 0
    sim.block(2, reg(C, 4), reg(A, 5))
    assert sim.gk.pubkeys() == [A, C]  # key order
    assert sim.gk.worker(C, 2).tokenomic.confidence_level == 4
    assert sim.gk.worker(A, 2).registered and sim.gk.worker(A, 2).working_state is None


def test_system_events_from_workers_are_ignored() -> None:
    sim = Sim()
    forged = Message(origin_worker(A), SYSTEM_EVENT_TOPIC,
                     SYSTEM_EVENT.encode(worker_event(A, registered(None, 1))))
    sim.block(1, forged)
    assert sim.gk.pubkeys() == []


# -- report delivery ---------------------------------------------------------------------------
def test_report_applied_at_the_start_of_the_next_block_with_its_timestamp() -> None:
    sim = started_sim()
    sim.block(2, challenge(A))
    report = sim.block(3, heartbeat(A, 2, 100))
    assert sim.rt.mining.received == []
    sim.block(4)
    assert sim.rt.mining.received == [(4, report)]
    assert report.block_number == 3 and report.timestamp_ms == 3 * BLOCK_MS
    assert sim.gk.GkPendingReport.get() is None
    sim.block(5)
    assert len(sim.rt.mining.received) == 1  # empty reports are not emitted


def test_two_heartbeats_in_a_block_give_two_settle_entries() -> None:
    sim = started_sim()
    sim.block(2, challenge(A))
    sim.block(3, challenge(A))
    report = sim.block(4, heartbeat(A, 2, 100), heartbeat(A, 3, 110))
    first, second = report.settle
    # the second one finds v_deductible = 0: an entry with payout 0 (dropped by the pallet
    # as a second settlement in one block, mining.md §11)
    assert first.payout > 0 and (second.payout, second.treasury) == (0, 0)
    assert second.v == first.v


def test_a_failing_report_handler_is_swallowed_like_a_queue_subscriber() -> None:
    sim = started_sim()
    sim.block(2, stopped(A))
    sim.rt.mining.fail = True
    sim.block(3)
    assert sim.rt.state.get(b"mining-touched") == b"1"  # not transactional (mq's rule)
    assert sim.gk.GkPendingReport.get() is None  # consumed


# -- rejected instead of a reference panic ---------------------------------------------------------
def test_heartbeat_not_matching_the_oldest_challenge_is_ignored() -> None:
    sim = started_sim()
    sim.block(2, challenge(A))
    before = dict(sim.state())
    assert sim.block(3, heartbeat(A, 3, 100)) is None  # front is 2
    assert sim.gk.GkIgnoredHeartbeats.get() == 1
    w = sim.gk.worker(A, 3)
    assert w.waiting_heartbeats == [2] and w.tokenomic.v_update_block == 1
    sim.block(4, heartbeat(B, 2, 100))  # unknown worker: ignored, not counted
    assert sim.gk.GkIgnoredHeartbeats.get() == 1
    sim.block(5, heartbeat(A, 2, 100))
    assert sim.block(6, heartbeat(A, 2, 100)) is None  # queue empty now
    assert sim.gk.GkIgnoredHeartbeats.get() == 2
    assert before  # the state existed before


def test_heartbeat_overflowing_p_instant_is_ignored_and_changes_nothing() -> None:
    def run(with_overflow: bool) -> Sim:
        sim = started_sim()
        sim.block(2, challenge(A))
        sim.block(3, challenge(A))
        # a self-reported challenge time 1 ms before block 5's time ...
        sim.block(4, heartbeat(A, 2, 0, challenge_time=5 * BLOCK_MS - 1))
        # ... makes Δt 1 ms: 2^63 iterations give p ≈ 2^63 · 6000, beyond U64F64 (a panic)
        sim.block(5, *([heartbeat(A, 3, 2**63)] if with_overflow else []))
        sim.run(6, 8)
        return sim

    sim, control = run(True), run(False)
    assert sim.gk.GkIgnoredHeartbeats.get() == 1
    assert sim.gk.worker(A, 8).waiting_heartbeats == [3]
    assert sim.rt.mining.received == control.rt.mining.received
    changed = {k for k in sim.state() if sim.state()[k] != control.state().get(k)}
    # besides the counter, only the observation of block 5's sum_share (frozen to pay it)
    assert changed == {sim.gk.GkIgnoredHeartbeats.prefix, sim.gk.GkSumShare.prefix}
    assert sim.gk.GkSumShare.get().block_number == 5


# -- modes and parameters ------------------------------------------------------------------
def test_legacy_sum_share_counts_stopped_workers_until_launched() -> None:
    sim = Sim("legacy")
    sim.block(1, reg(A), started(A), reg(B), started(B))
    sim.block(2, stopped(B), challenge(A))
    vb = hand_idle(3000 * ONE, 0, 100 * ONE, 1)[0]
    sim.block(3, heartbeat(A, 2, 100))
    va = hand_idle(3000 * ONE, 0, 100 * ONE, 2)[0]
    assert sim.gk.GkSumShare.get().sum_share == hand_share(va, 100 * ONE) + hand_share(
        vb, 100 * ONE)
    # PhalaLaunched: this block keeps the old sum; from the next one B is filtered out
    sim.block(4, gk_event("PhalaLaunched"), challenge(A))
    assert sim.gk.GkSumShare.get().block_number == 4
    assert sim.gk.params().phala_launched and not sim.gk.params().unresp_fix
    a4 = sim.gk.worker(A, 4).tokenomic
    sim.block(5, heartbeat(A, 4, 200))
    assert sim.gk.GkSumShare.get().sum_share == hand_share(a4.v, a4.p_instant)


def test_parameter_change_applies_from_its_position_in_the_block() -> None:
    sim = started_sim()
    sim.run(2, 5)
    fast = dataclasses.replace(PARAMS, rho=2 * ONE, cost_k=0, cost_b=0)
    sim.block(6, params_changed(fast))
    v5 = hand_idle(3000 * ONE, 0, 100 * ONE, 5)[0]
    # block 6 (the change's block) already grows with the new rho: v doubles per block
    assert sim.gk.worker(A, 6).tokenomic.v == 2 * v5
    assert sim.gk.worker(A, 8).tokenomic.v == min(8 * v5, VMAX)
    assert sim.gk.params().params == fast


def test_repair_v_lifts_v_to_v_init() -> None:
    sim = started_sim()
    sim.block(2, challenge(A))
    sim.run(3, 20)  # offline from block 13, slashed below v_init
    assert sim.gk.worker(A, 20).tokenomic.v < 3000 * ONE
    sim.block(21, gk_event("RepairV"))
    w = sim.gk.worker(A, 21)
    assert w.tokenomic.v == hand_slash(3000 * ONE)  # repaired, then block 21's slash step


# -- the cache never decides the state ---------------------------------------------------------
def _schedule() -> list[list[Message]]:
    blocks: list[list[Message]] = [[reg(A), started(A), reg(B, 4), started(B, init_p=80)]]
    for n in range(2, 40):
        msgs = [challenge(A if n % 3 else B)]
        if n % 3 == 1 and n > 2:
            msgs.insert(0, heartbeat(A, n - 2, 30 * n))
        if n == 20:
            msgs.append(params_changed(dataclasses.replace(PARAMS, slash_rate=SLASH * 7)))
        blocks.append(msgs)
    return blocks


def test_a_fresh_gatekeeper_every_block_gives_identical_state() -> None:
    cached, fresh = Sim(), Sim(gk_per_block=True)
    for n, msgs in enumerate(_schedule(), start=1):
        assert cached.block(n, *msgs) == fresh.block(n, *msgs)
        assert cached.state() == fresh.state()


def test_a_restored_snapshot_is_reloaded_not_trusted() -> None:
    sim = Sim()
    schedule = _schedule()
    for n, msgs in enumerate(schedule[:15], start=1):
        sim.block(n, *msgs)
    snapshot = dict(sim.state())
    for n, msgs in enumerate(schedule[15:], start=16):
        sim.block(n, *msgs)
    # rewind the state under the same Gatekeeper (stale cache) and take another branch
    sim.rt.state = Overlay()
    for k, v in snapshot.items():
        if v is not None:
            sim.rt.state.set(k, v)
    other = Sim()
    for n, msgs in enumerate(schedule[:15], start=1):
        other.block(n, *msgs)
    for n in range(16, 30):
        msgs = [challenge(B), heartbeat(B, n - 1, 10 * n)] if n % 2 else [challenge(A)]
        assert sim.block(n, *msgs) == other.block(n, *msgs)
        assert sim.state() == other.state()
