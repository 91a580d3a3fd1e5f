"""Lazy V advancement == eager per-block iteration (economics.md §5, §9.1).

An independent eager model runs economics.md §5 literally — every worker, every block,
`update_v_idle` / `update_v_slash` from the verified formula module — over random event
schedules; the Gatekeeper must produce the same reports, the same frozen sum_share and the
same per-worker state in every block. A second Gatekeeper, rebuilt from storage in every
block, must leave byte-identical state (the cache never decides anything).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pallets.messages import SYSTEM_EVENT, WORKING_REPORT_EVENT, SettleInfo, WorkingInfoUpdateEvent
from pallets.mining.gk_formulas import (
    TokenomicInfo,
    heartbeat_hit,
    share,
    start_session,
    update_p_instant,
    update_v_heartbeat,
    update_v_idle,
    update_v_recover,
    update_v_slash,
)
from pallets.mining.gk_state import MiningState
from runtime.codec import Variant
from runtime.ints import Arithmetic
from tests.pallets.test_gatekeeper import (
    BLOCK_MS,
    ONE,
    PARAMS,
    Message,
    Sim,
    challenge,
    gk_event,
    heartbeat,
    params_changed,
    reg,
    started,
    stopped,
    sys_msg,
)

KEYS = [bytes([k]) * 32 for k in (7, 3, 9)]


@dataclass
class EagerWorker:
    registered: bool = False
    bench: tuple[int, int] | None = None  # (start_block, duration)
    session: int | None = None
    paused: bool = False
    waiting: list[int] = field(default_factory=list)
    unresponsive: bool = False
    t: TokenomicInfo = field(default_factory=TokenomicInfo)


class Eager:
    """economics.md §5, literally, for the messages the tests send."""

    def __init__(self, full: bool) -> None:
        self.params = PARAMS
        self.launched = self.fix = full
        self.workers: dict[bytes, EagerWorker] = {}
        self.ignored = 0
        self.sum_share = 0

    def block(self, n: int, now: int, msgs: list[tuple]) -> WorkingInfoUpdateEvent | None:
        ws = self.workers
        self.sum_share = sum(share(w.t) for _, w in sorted(ws.items())
                             if not w.unresponsive and (not self.launched or w.session is not None))
        offline: list[bytes] = []
        recovered: list[bytes] = []
        settle: list[SettleInfo] = []
        flags: set[bytes] = set()
        for m in msgs:
            kind, pk = m[0], m[1]
            w = ws.get(pk) if pk is not None else None
            if kind == "reg":
                w = ws.setdefault(pk, EagerWorker())
                w.registered, w.t.confidence_level = True, m[2]
            elif kind == "bench" and w:
                w.bench = (n, m[2])
            elif kind == "start" and w:
                w.session, w.paused, w.unresponsive = m[2], False, False
                start_session(w.t, m[3], m[4], now, n)
            elif kind == "stop" and w:
                w.session = None
                settle.append(SettleInfo(pk, w.t.v, 0, 0))
            elif kind == "enter" and w and w.session is not None:
                w.paused = True
            elif kind == "exit" and w and w.session is not None:
                w.paused = False
            elif kind == "challenge":
                for key, x in sorted(ws.items()):
                    if x.registered and x.session is not None and not x.paused and (
                            heartbeat_hit(key, m[2], m[3])):
                        x.waiting.append(n)
            elif kind == "hb" and w:
                self._heartbeat(n, now, pk, w, m[2], settle, flags)
            elif kind == "params":
                self.params = m[2]
            elif kind == "launch":
                self.launched = True
            elif kind == "fix":
                self.fix = True
            elif kind == "repair":
                for x in ws.values():
                    if x.session is not None and x.t.v < x.t.v_init:
                        x.t.v = x.t.v_init
        for pk, w in sorted(ws.items()):
            if w.bench is not None and n - w.bench[0] >= w.bench[1]:
                w.bench = None
            if w.session is None:
                continue
            if w.unresponsive:
                if pk in flags:
                    w.unresponsive = False
                    recovered.append(pk)
            elif w.waiting and n - w.waiting[0] > self.params.heartbeat_window:
                offline.append(pk)
                w.unresponsive = True
            if w.unresponsive:
                update_v_slash(w.t, self.params)
            elif pk not in flags:
                update_v_idle(w.t, self.params)
        report = WorkingInfoUpdateEvent(n, now, offline, recovered, settle)
        return None if report.is_empty() else report

    def _heartbeat(self, n: int, now: int, pk: bytes, w: EagerWorker, hb: Variant,
                   settle: list[SettleInfo], flags: set[bytes]) -> None:
        f = hb.value
        if not w.waiting or w.waiting[0] != f["challenge_block"]:
            self.ignored += 1
            return
        saved = (dataclasses.replace(w.t), list(w.waiting))
        try:
            w.waiting.pop(0)
            if w.session is None or f["session_id"] != w.session:
                return
            update_p_instant(w.t, now, f["iterations"],
                             hb.name == "HeartbeatV2" and f["n_clusters"] > 0)
            w.t.challenge_time_last, w.t.iteration_last = f["challenge_time"], f["iterations"]
            if w.unresponsive:
                if self.fix:
                    update_v_recover(w.t, now, n)
            else:
                payout, treasury = update_v_heartbeat(w.t, self.params, self.sum_share, now,
                                                      n, self.launched)
                settle.append(SettleInfo(pk, w.t.v, payout, treasury))
            flags.add(pk)
        except Arithmetic:
            w.t, w.waiting = saved
            self.ignored += 1


# -- random schedules ----------------------------------------------------------------------------
def _draw_block(data: st.DataObject, eager: Eager, n: int) -> list[tuple[Message, tuple]]:
    """A few (message, eager form) pairs for block n, chosen from the model's state."""
    out: list[tuple[Message, tuple]] = []
    for _ in range(data.draw(st.integers(0, 3))):
        pk = data.draw(st.sampled_from(KEYS))
        w = eager.workers.get(pk)
        kind = data.draw(st.sampled_from(
            ["reg", "start", "stop", "enter", "exit", "bench", "params", "launch", "fix",
             "repair", "challenge_all"] + ["challenge"] * 4 + ["hb"] * 8))
        if kind == "reg":
            level = data.draw(st.sampled_from([1, 4, 5, 128, 0]))
            out.append((reg(pk, level), ("reg", pk, level)))
        elif kind == "start":
            session = data.draw(st.integers(1, 3))
            v = data.draw(st.integers(0, 30000)) * ONE + data.draw(st.integers(0, ONE - 1))
            p = data.draw(st.integers(0, 500))
            out.append((started(pk, session, v, p), ("start", pk, session, v, p)))
        elif kind == "stop":
            out.append((stopped(pk), ("stop", pk)))
        elif kind in ("enter", "exit"):
            name = "EnterUnresponsive" if kind == "enter" else "ExitUnresponsive"
            out.append((sys_msg(pk, Variant(name)), (kind, pk)))
        elif kind == "bench":
            d = data.draw(st.integers(0, 5))
            out.append((sys_msg(pk, Variant("BenchStart", {"duration": d})), ("bench", pk, d)))
        elif kind in ("challenge", "challenge_all"):
            msg = challenge(pk if kind == "challenge" else None)
            hc = SYSTEM_EVENT.decode(msg.payload).value
            out.append((msg, ("challenge", None, hc.seed, hc.online_target)))
        elif kind == "hb":
            front = w.waiting[0] if w and w.waiting else n - 1
            cb = data.draw(st.sampled_from([front, front, front, front + 1]))
            session = data.draw(st.sampled_from([w.session if w and w.session else 1, 2]))
            iters = data.draw(st.integers(0, 10**6) | st.just(2**63))
            ctime = data.draw(st.sampled_from([cb * BLOCK_MS, (n + 1) * BLOCK_MS - 1]))
            v2 = data.draw(st.sampled_from([None, 0, 2]))
            msg = heartbeat(pk, cb, iters, session, v2, ctime)
            out.append((msg, ("hb", pk, WORKING_REPORT_EVENT.decode(msg.payload))))
        elif kind == "params":
            p = dataclasses.replace(
                PARAMS,
                slash_rate=data.draw(st.sampled_from([PARAMS.slash_rate, 0, ONE // 100])),
                heartbeat_window=data.draw(st.integers(0, 12)),
                rho=data.draw(st.sampled_from([PARAMS.rho, ONE, ONE + ONE // 50])),
                v_max=data.draw(st.sampled_from([PARAMS.v_max, 3100 * ONE])))
            out.append((params_changed(p), ("params", None, p)))
        else:
            name = {"launch": "PhalaLaunched", "fix": "UnrespFix", "repair": "RepairV"}[kind]
            out.append((gk_event(name), (kind, None)))
    return out


def _assert_same(sim: Sim, eager: Eager, n: int) -> None:
    gk = sim.gk
    assert gk.pubkeys() == sorted(eager.workers)
    for pk, e in eager.workers.items():
        w = gk.worker(pk, n)
        assert w is not None
        assert (w.registered, w.waiting_heartbeats, w.unresponsive) == (
            e.registered, e.waiting, e.unresponsive)
        assert (w.bench_state is not None) == (e.bench is not None)
        ws = w.working_state
        assert (None if ws is None else (ws.session_id, ws.state == MiningState.Paused)) == (
            None if e.session is None else (e.session, e.paused))
        assert w.tokenomic == e.t, (n, pk)
    assert gk.GkIgnoredHeartbeats.get() == eager.ignored
    frozen = gk.GkSumShare.get()
    if frozen is not None and frozen.block_number == n:
        assert frozen.sum_share == eager.sum_share


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), full=st.booleans())
def test_lazy_gatekeeper_equals_eager_iteration(data: st.DataObject, full: bool) -> None:
    mode = "full" if full else "legacy"
    sim, fresh, eager = Sim(mode), Sim(mode, gk_per_block=True), Eager(full)
    first = [(reg(pk, 1), ("reg", pk, 1)) for pk in KEYS] + [
        (started(pk, 1, 3000 * ONE, 100), ("start", pk, 1, 3000 * ONE, 100)) for pk in KEYS]
    assert sim.block(1, *[m for m, _ in first]) == eager.block(1, BLOCK_MS, [e for _, e in first])
    fresh.block(1, *[m for m, _ in first])
    n = 1
    for _ in range(data.draw(st.integers(5, 25))):
        n += 1
        pairs = _draw_block(data, eager, n)
        msgs = [m for m, _ in pairs]
        report = sim.block(n, *msgs)
        assert fresh.block(n, *msgs) == report
        assert report == eager.block(n, n * BLOCK_MS, [e for _, e in pairs])
        for what in ("offline", "recovered_to_online", "settle"):
            if report is not None and getattr(report, what):
                event(what)
        if report is not None and any(s.payout for s in report.settle):
            event("paid")
        _assert_same(sim, eager, n)
        assert sim.state() == fresh.state()
        for _ in range(data.draw(st.sampled_from([0, 0, 1, 7, 40]))):  # quiet stretches
            n += 1
            quiet = sim.block(n)
            assert quiet == eager.block(n, n * BLOCK_MS, [])
            if quiet is not None and quiet.offline:
                event("offline after a quiet stretch")
            fresh.block(n)
        _assert_same(sim, eager, n)
        assert sim.state() == fresh.state()
