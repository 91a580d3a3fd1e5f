"""Message handlers (mining.md §6.2, §6.3, §11): worker heartbeats and Gatekeeper reports."""

from __future__ import annotations

import pytest

from pallets.messages import (
    SYSTEM_EVENT,
    WORKING_INFO_UPDATE_EVENT,
    WORKING_REPORT_EVENT,
    Message,
    SettleInfo,
    WorkerEventWithKey,
    WorkingInfoUpdateEvent,
)
from pallets.mining.types import SUBSIDY_POOL_ACCOUNT, TREASURY_ACCOUNT, MinerState
from runtime.codec import Variant
from runtime.dispatch import ModuleError
from tests.pallets.test_mining_support import (
    FAST,
    MINER,
    MINER2,
    PHA,
    SUBSIDY_FUNDS,
    WORKER,
    WORKER2,
    MiningChain,
    origin_of,
)

REPORT = b"phala/mining/report"
UPDATE = b"^phala/mining/update"
GK = Variant("Gatekeeper")
V_BITS = 123 << 64
PAYOUT_BITS = 3 << 63      # 1.5 PHA
TREASURY_BITS = 3 << 61    # 0.375 PHA


def heartbeat(challenge_time_ms: int, iterations: int, v2: bool = True) -> bytes:
    fields = {"session_id": 0, "challenge_block": 1, "challenge_time": challenge_time_ms,
              "iterations": iterations}
    if v2:
        fields |= {"n_clusters": 0, "n_contracts": 0}
    return WORKING_REPORT_EVENT.encode(Variant("HeartbeatV2" if v2 else "Heartbeat", fields))


def report(timestamp_ms: int, offline=(), recovered=(), settle=()) -> WorkingInfoUpdateEvent:
    return WorkingInfoUpdateEvent(7, timestamp_ms, list(offline), list(recovered), list(settle))


def send_report(chain: MiningChain, event: WorkingInfoUpdateEvent, sender: Variant = GK):
    return chain.deliver(sender, UPDATE, WORKING_INFO_UPDATE_EVENT.encode(event))


def worker_events(chain: MiningChain) -> list[tuple[bytes, Variant]]:
    out = []
    for m in chain.messages():
        if m.destination == b"phala/system/event":
            e = SYSTEM_EVENT.decode(m.payload)
            if isinstance(e.value, WorkerEventWithKey):
                out.append((e.value.pubkey, e.value.event))
    return out


@pytest.fixture
def fast() -> MiningChain:
    """MINER mines on FAST (p_init 1000) since block 1; now in block 2."""
    chain = MiningChain()
    chain.internal("bind", MINER, FAST)
    chain.internal("start_mining", MINER, 4000 * PHA)
    chain.next_block()
    return chain


@pytest.fixture
def two() -> MiningChain:
    """MINER on WORKER and MINER2 on WORKER2, both mining since block 1; now in block 2."""
    chain = MiningChain()
    for miner, worker in ((MINER, WORKER), (MINER2, WORKER2)):
        chain.internal("bind", miner, worker)
        chain.internal("start_mining", miner, 100 * PHA)
    chain.next_block()
    return chain


# -- heartbeats (§6.2) -----------------------------------------------------------------------


def test_heartbeats_update_the_instant_score(fast: MiningChain):
    t1 = fast.now_secs()
    events = fast.deliver(origin_of("Worker", FAST), REPORT, heartbeat((t1 - 12) * 1000 + 999, 600))
    # first report: Δt = now − 0, Δiter = 600 → p = 3600 // now = 0
    assert fast.mining_events(events) == [
        Variant("BenchmarkUpdated", {"miner": MINER, "p_instant": 0})]
    b = fast.mining.Miners.get(MINER).benchmark
    assert (b.challenge_time_last, b.iterations) == (t1 - 12, 600)
    fast.next_block()
    events = fast.deliver(origin_of("Worker", FAST), REPORT,
                          heartbeat(t1 * 1000, 3000, v2=False))
    # Δt = (t1 + 12) − (t1 − 12) = 24 s, Δiter = 2400 → 2400·6 // 24 = 600 (cap 1200)
    assert fast.mining_events(events) == [
        Variant("BenchmarkUpdated", {"miner": MINER, "p_instant": 600})]
    b = fast.mining.Miners.get(MINER).benchmark
    assert (b.p_instant, b.iterations, b.challenge_time_last) == (600, 3000, t1)


def test_a_heartbeat_in_the_second_of_the_last_challenge_is_rejected_unchanged(fast):
    now = fast.now_secs()
    fast.deliver(origin_of("Worker", FAST), REPORT, heartbeat(now * 1000, 600))
    before = fast.mining_snapshot()
    events = fast.deliver(origin_of("Worker", FAST), REPORT, heartbeat(now * 1000, 900))
    assert fast.mining_events(events) == []
    assert fast.mining_snapshot() == before


@pytest.mark.parametrize("sender,topic,payload", [
    (origin_of("Worker", WORKER2), REPORT, heartbeat(0, 1)),          # unbound: WorkerNotBound
    (origin_of("Pallet", b"PhalaMining"), REPORT, heartbeat(0, 1)),   # not a worker
    (origin_of("Worker", FAST), b"phala/mining/other", heartbeat(0, 1)),
    (origin_of("Worker", FAST), REPORT, heartbeat(0, 1)[:-1]),        # does not decode
])
def test_heartbeats_that_are_not_for_this_pallet_change_nothing(fast, sender, topic, payload):
    before = fast.mining_snapshot()
    assert fast.mining_events(fast.deliver(sender, topic, payload)) == []
    assert fast.mining_snapshot() == before


def test_heartbeat_from_an_unbound_worker_is_worker_not_bound(fast: MiningChain):
    message = Message(origin_of("Worker", WORKER2), REPORT, heartbeat(0, 1))
    with pytest.raises(ModuleError) as exc:
        fast.mining.on_mining_message_received(message)
    assert exc.value.name == "WorkerNotBound"


# -- Gatekeeper reports (§6.3) ----------------------------------------------------------------


def test_offline_and_recovered_switch_responsiveness_and_tell_the_worker(two: MiningChain):
    events = send_report(two, report(two.now_ms, offline=[WORKER]))
    assert two.mining_events(events) == [Variant("MinerEnterUnresponsive", {"miner": MINER})]
    assert two.mining.Miners.get(MINER).state == MinerState.MiningUnresponsive
    events = send_report(two, report(two.now_ms, offline=[WORKER]))  # again: event again
    assert two.mining_events(events) == [Variant("MinerEnterUnresponsive", {"miner": MINER})]
    events = send_report(two, report(two.now_ms, recovered=[WORKER]))
    assert two.mining_events(events) == [Variant("MinerExitUnresponsive", {"miner": MINER})]
    assert two.mining.Miners.get(MINER).state == MinerState.MiningIdle
    assert worker_events(two)[-3:] == [(WORKER, Variant("EnterUnresponsive")),
                                       (WORKER, Variant("EnterUnresponsive")),
                                       (WORKER, Variant("ExitUnresponsive"))]
    assert [c[0] for c in two.callbacks.calls] == ["on_reward"] * 3
    two.mining.try_state()


def test_offline_skips_unbound_and_non_mining_workers(two: MiningChain):
    two.internal("stop_mining", MINER2)
    events = send_report(two, report(two.now_ms, offline=[WORKER2, FAST]))
    assert two.mining_events(events) == []
    assert two.mining.Miners.get(MINER2).state == MinerState.MiningCoolingDown


def test_settlement_updates_v_and_reward_and_moves_the_treasury_share(two: MiningChain):
    settle = [SettleInfo(WORKER, V_BITS, PAYOUT_BITS, TREASURY_BITS)]
    events = send_report(two, report(two.now_ms, settle=settle))
    assert two.mining_events(events) == [Variant("MinerSettled", {
        "miner": MINER, "v_bits": V_BITS, "payout_bits": PAYOUT_BITS})]
    info = two.mining.Miners.get(MINER)
    assert (info.v, info.v_updated_at, info.stats.total_reward) == (
        V_BITS, two.now_secs(), 1_500_000_000_000)
    assert two.free(TREASURY_ACCOUNT) == 375_000_000_000
    assert two.free(SUBSIDY_POOL_ACCOUNT) == SUBSIDY_FUNDS - 375_000_000_000
    assert two.callbacks.calls == [("on_reward", settle)]


def test_a_late_settlement_is_dropped_but_still_reported_to_the_pool(two: MiningChain):
    # V was last updated at start (block 1); a report emitted in that second is late
    emitted = (two.now_secs() - 12) * 1000 + 999
    settle = [SettleInfo(WORKER, V_BITS, PAYOUT_BITS, TREASURY_BITS)]
    events = send_report(two, report(emitted, settle=settle))
    assert two.mining_events(events) == [Variant("MinerSettlementDropped", {
        "miner": MINER, "v": V_BITS, "payout": PAYOUT_BITS})]
    assert two.mining.Miners.get(MINER).v != V_BITS
    assert two.free(TREASURY_ACCOUNT) == 0
    assert two.callbacks.calls == [("on_reward", settle)]


def test_second_settlement_in_the_same_block_is_dropped(two: MiningChain):
    """mining.md §11: v_updated_at = now ≥ emit_ts for a report emitted this block."""
    send_report(two, report(two.now_ms, settle=[SettleInfo(WORKER, V_BITS, 0, 0)]))
    events = send_report(two, report(two.now_ms, settle=[SettleInfo(WORKER, 1, 2, 3)]))
    assert two.mining_events(events) == [Variant("MinerSettlementDropped", {
        "miner": MINER, "v": 1, "payout": 2})]


def test_settlements_of_unbound_workers_are_skipped_and_the_whole_list_goes_to_the_pool(two):
    settle = [SettleInfo(FAST, 1, 2, 3), SettleInfo(WORKER2, V_BITS, 0, 0)]
    events = send_report(two, report(two.now_ms, settle=settle))
    assert two.mining_events(events) == [Variant("MinerSettled", {
        "miner": MINER2, "v_bits": V_BITS, "payout_bits": 0})]
    assert two.callbacks.calls == [("on_reward", settle)]


def test_a_failed_treasury_withdrawal_keeps_the_v_update_and_reports_the_failure():
    chain = MiningChain(subsidy=10 * PHA)
    chain.internal("bind", MINER, WORKER)
    chain.internal("start_mining", MINER, 100 * PHA)
    chain.next_block()
    settle = [SettleInfo(WORKER, V_BITS, PAYOUT_BITS, 20 << 64),  # 20 PHA > the pool
              SettleInfo(WORKER2, 1, 2, 3)]
    events = send_report(chain, report(chain.now_ms, settle=settle))
    assert chain.mining_events(events) == [
        Variant("InternalErrorMinerSettleFailed", {"worker": WORKER})]
    info = chain.mining.Miners.get(MINER)
    assert (info.v, info.stats.total_reward) == (V_BITS, 1_500_000_000_000)
    assert chain.free(SUBSIDY_POOL_ACCOUNT) == 10 * PHA
    assert chain.callbacks.calls == [("on_reward", settle)]


def test_a_bound_worker_without_miner_record_fails_its_settlement(two: MiningChain):
    two.mining.Miners.remove(MINER)
    events = send_report(two, report(two.now_ms, settle=[SettleInfo(WORKER, 1, 2, 3)]))
    assert two.mining_events(events) == [
        Variant("InternalErrorMinerSettleFailed", {"worker": WORKER})]


def test_an_empty_report_does_not_reach_the_pool(two: MiningChain):
    assert send_report(two, report(two.now_ms)) == []
    assert two.callbacks.calls == []


def test_a_report_not_from_the_gatekeeper_is_bad_sender_and_changes_nothing(two):
    before = two.mining_snapshot()
    bad = report(two.now_ms, offline=[WORKER])
    assert send_report(two, bad, sender=origin_of("Worker", WORKER)) == []
    assert two.mining_snapshot() == before
    message = Message(origin_of("Worker", WORKER), UPDATE,
                      WORKING_INFO_UPDATE_EVENT.encode(bad))
    with pytest.raises(ModuleError) as exc:
        two.mining.on_gk_message_received(message)
    assert exc.value.name == "BadSender"


def test_the_in_runtime_gatekeeper_can_hand_over_a_decoded_report(two: MiningChain):
    two.mining.on_gk_message_received(report(two.now_ms, offline=[WORKER]))
    assert two.mining.Miners.get(MINER).state == MinerState.MiningUnresponsive
