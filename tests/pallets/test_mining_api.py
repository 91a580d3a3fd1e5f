"""The mining pallet's internal API (mining.md §5) as the stake pool uses it."""

from __future__ import annotations

import pytest

from pallets.messages import SYSTEM_EVENT, WorkerEventWithKey
from pallets.mining.types import SUBSIDY_POOL_ACCOUNT, TREASURY_ACCOUNT, MinerState
from runtime.codec import Variant
from runtime.dispatch import DispatchError, ModuleError
from tests.pallets.test_mining_support import (
    MINER,
    MINER2,
    PHA,
    SUBSIDY_FUNDS,
    UNBENCHED,
    UNKNOWN,
    WORKER,
    WORKER2,
    ZERO_SCORE,
    MiningChain,
)

MAX_STAKE_P1 = 23_076_623_076_923_076  # stake_pool.md §13.4
VE_500_PHA = 11_997_577_878_099_955_275_630


def err(name: str) -> ModuleError:
    from pallets.mining import PhalaMining

    return ModuleError("PhalaMining", [e.name for e in PhalaMining.ERRORS].index(name), name)


def fails(chain: MiningChain, error: str, fn: str, *args: object) -> None:
    """The call raises exactly `error` and leaves the state unchanged."""
    before = chain.snapshot()
    with pytest.raises(DispatchError) as exc:
        chain.internal(fn, *args)
    assert exc.value == err(error)
    assert exc.value.name == error
    assert chain.snapshot() == before


@pytest.fixture
def chain() -> MiningChain:
    return MiningChain()


@pytest.fixture
def bound(chain: MiningChain) -> MiningChain:
    chain.internal("bind", MINER, WORKER)
    return chain


@pytest.fixture
def mining(bound: MiningChain) -> MiningChain:
    bound.internal("start_mining", MINER, 500 * PHA)
    return bound


def ev(name: str, **fields: object) -> Variant:
    return Variant(name, fields or None)


def worker_messages(chain: MiningChain) -> list[Variant]:
    return [SYSTEM_EVENT.decode(m.payload) for m in chain.messages()
            if m.destination == b"phala/system/event"]


# -- bind (§5.1) ------------------------------------------------------------------------------


def test_bind_creates_a_ready_miner_and_both_bindings(chain: MiningChain):
    _, events = chain.internal("bind", MINER, WORKER)
    m = chain.mining
    now = chain.now_secs()
    assert chain.mining_events(events) == [ev("MinerBound", miner=MINER, worker=WORKER)]
    assert m.MinerBindings.get(MINER) == WORKER and m.WorkerBindings.get(WORKER) == MINER
    info = m.Miners.get(MINER)
    assert (info.state, info.ve, info.v, info.v_updated_at, info.cool_down_start) == (
        MinerState.Ready, 0, 0, now, 0)
    assert (info.benchmark.p_init, info.benchmark.mining_start_time,
            info.benchmark.challenge_time_last, info.stats.total_reward) == (0, now, 0, 0)


@pytest.mark.parametrize("worker,error", [
    (UNKNOWN, "WorkerNotRegistered"), (UNBENCHED, "BenchmarkMissing")])
def test_bind_requires_a_registered_benchmarked_worker(chain: MiningChain, worker: bytes,
                                                       error: str):
    fails(chain, error, "bind", MINER, worker)


def test_bind_rejects_a_bound_miner_before_a_bound_worker(bound: MiningChain):
    fails(bound, "DuplicateBoundMiner", "bind", MINER, WORKER)
    fails(bound, "DuplicateBoundMiner", "bind", MINER, WORKER2)
    fails(bound, "DuplicateBoundWorker", "bind", MINER2, WORKER)


def test_bind_rejects_a_miner_still_cooling_down(mining: MiningChain):
    mining.internal("unbind_miner", MINER, True)  # force-stopped: MiningCoolingDown
    fails(mining, "MinerNotReady", "bind", MINER, WORKER2)


# -- start_mining (§5.3) ---------------------------------------------------------------------


def test_start_mining_records_stake_v_session_and_notifies_the_worker(bound: MiningChain):
    _, events = bound.internal("start_mining", MINER, 500 * PHA)
    m = bound.mining
    assert bound.mining_events(events) == [
        ev("MinerStarted", miner=MINER, init_v=VE_500_PHA, init_p=1)]
    info = m.Miners.get(MINER)
    assert (info.state, info.ve, info.v, info.v_updated_at, info.benchmark.p_init) == (
        MinerState.MiningIdle, VE_500_PHA, VE_500_PHA, bound.now_secs(), 1)
    assert m.Stakes.get(MINER) == 500 * PHA
    assert (m.OnlineMiners.get(), m.NextSessionId.get()) == (1, 1)
    assert worker_messages(bound)[-1] == Variant("WorkerEvent", WorkerEventWithKey(
        WORKER, Variant("Started", {"session_id": 0, "init_v": VE_500_PHA, "init_p": 1})))


def test_session_ids_are_global(bound: MiningChain):
    bound.internal("bind", MINER2, WORKER2)
    bound.internal("start_mining", MINER, 100 * PHA)
    bound.internal("start_mining", MINER2, 100 * PHA)
    started = [w.value.event.value["session_id"] for w in worker_messages(bound)
               if w.name == "WorkerEvent" and w.value.event.name == "Started"]
    assert started == [0, 1]
    assert bound.mining.NextSessionId.get() == 2


def test_start_mining_minimal_and_maximal_stakes_are_accepted(bound: MiningChain):
    bound.internal("bind", MINER2, WORKER2)
    bound.internal("start_mining", MINER, 100 * PHA)          # minimal stake for p = 1
    bound.internal("start_mining", MINER2, MAX_STAKE_P1)      # ve == v_max exactly or below
    assert bound.mining.Stakes.get(MINER2) == MAX_STAKE_P1


@pytest.mark.parametrize("stake,error", [
    (100 * PHA - 1, "InsufficientStake"),
    (MAX_STAKE_P1 + 1, "TooMuchStake"),
    (30_000 * PHA, "TooMuchStake"),
    (1 << 64, "TooMuchStake"),  # outside the reference's conversion range: rejected
])
def test_start_mining_stake_bounds(bound: MiningChain, stake: int, error: str):
    fails(bound, error, "start_mining", MINER, stake)


def test_start_mining_unbound_miner_is_miner_not_found(chain: MiningChain):
    fails(chain, "MinerNotFound", "start_mining", MINER, 500 * PHA)


def test_start_mining_twice_is_miner_not_ready(mining: MiningChain):
    fails(mining, "MinerNotReady", "start_mining", MINER, 500 * PHA)


def test_start_mining_with_a_leftover_stake_record(bound: MiningChain):
    bound.mining.Stakes.insert(MINER, 1)
    fails(bound, "InternalErrorCannotStartWithExistingStake", "start_mining", MINER, 500 * PHA)


def test_start_mining_benchmark_cleared_after_binding(bound: MiningChain):
    w = bound.rt["PhalaRegistry"].Workers.get(WORKER)
    w.initial_score = None
    bound.rt["PhalaRegistry"].Workers.insert(WORKER, w)
    fails(bound, "BenchmarkMissing", "start_mining", MINER, 500 * PHA)


def test_start_mining_score_below_min_init_p(chain: MiningChain):
    chain.internal("bind", MINER, ZERO_SCORE)
    fails(chain, "BenchmarkTooLow", "start_mining", MINER, 500 * PHA)


def test_start_mining_without_tokenomic_parameters(bound: MiningChain):
    bound.mining.TokenomicParameters.kill()
    fails(bound, "InternalErrorBadTokenomicParameters", "start_mining", MINER, 500 * PHA)


# -- stop_mining (§5.4) ------------------------------------------------------------------------


def test_stop_mining_cools_down_and_notifies(mining: MiningChain):
    _, events = mining.internal("stop_mining", MINER)
    m = mining.mining
    assert mining.mining_events(events) == [ev("MinerStopped", miner=MINER)]
    info = m.Miners.get(MINER)
    assert (info.state, info.cool_down_start) == (MinerState.MiningCoolingDown,
                                                  mining.now_secs())
    assert m.OnlineMiners.get() == 0
    assert m.Stakes.get(MINER) == 500 * PHA  # released only by reclaim
    assert mining.callbacks.calls == [("on_stopped", WORKER, 500 * PHA, 0)]
    last = worker_messages(mining)[-1]
    assert (last.value.pubkey, last.value.event) == (WORKER, Variant("Stopped"))


def test_stop_mining_errors(chain: MiningChain):
    fails(chain, "MinerNotBound", "stop_mining", MINER)
    chain.internal("bind", MINER, WORKER)
    fails(chain, "MinerNotMining", "stop_mining", MINER)
    chain.mining.Miners.remove(MINER)
    fails(chain, "MinerNotFound", "stop_mining", MINER)


def test_stop_mining_twice_is_miner_not_mining(mining: MiningChain):
    mining.internal("stop_mining", MINER)
    fails(mining, "MinerNotMining", "stop_mining", MINER)


def test_an_unresponsive_miner_can_be_stopped(mining: MiningChain):
    info = mining.mining.Miners.get(MINER)
    info.state = MinerState.MiningUnresponsive
    mining.mining.Miners.insert(MINER, info)
    mining.internal("stop_mining", MINER)
    assert mining.mining.Miners.get(MINER).state == MinerState.MiningCoolingDown


# -- reclaim (§5.5): cool-down boundary ------------------------------------------------------


def test_reclaim_exactly_at_the_cool_down_end(mining: MiningChain):
    mining.internal("stop_mining", MINER)
    start = mining.now_secs()
    mining.next_block(advance_ms=99_000)      # 99 s later: one second short of 100
    assert mining.now_secs() - start == 99
    fails(mining, "CoolDownNotReady", "reclaim", MINER, True)
    mining.next_block(advance_ms=1_000)       # exactly CoolDownPeriod = 100 s
    result, events = mining.internal("reclaim", MINER, True)
    assert result == (500 * PHA, 0)
    assert mining.mining_events(events) == [
        ev("MinerReclaimed", miner=MINER, original_stake=500 * PHA, slashed=0)]
    info = mining.mining.Miners.get(MINER)
    assert (info.state, info.cool_down_start) == (MinerState.Ready, 0)
    assert not mining.mining.Stakes.contains(MINER)


def test_reclaim_without_the_cool_down_check_is_immediate(mining: MiningChain):
    mining.internal("stop_mining", MINER)
    assert mining.internal("reclaim", MINER, False)[0] == (500 * PHA, 0)


def test_reclaim_errors(bound: MiningChain):
    fails(bound, "MinerNotFound", "reclaim", MINER2, False)
    fails(bound, "CoolDownNotReady", "reclaim", MINER, False)  # Ready, not cooling down


def test_reclaim_of_an_unbound_miner_and_restart_keeps_the_benchmark(mining: MiningChain):
    mining.internal("unbind_miner", MINER, False)
    mining.internal("reclaim", MINER, False)
    mining.internal("bind", MINER, WORKER)
    assert mining.mining.Miners.get(MINER).benchmark.p_init == 0  # re-bind overwrites


# -- unbind_miner (§5.2) -----------------------------------------------------------------------


def test_unbind_a_ready_miner_is_not_forced(bound: MiningChain):
    _, events = bound.internal("unbind_miner", MINER, True)
    assert bound.mining_events(events) == [ev("MinerUnbound", miner=MINER, worker=WORKER)]
    assert bound.callbacks.calls == [("on_unbound", WORKER, False)]
    assert not bound.mining.MinerBindings.contains(MINER)
    assert not bound.mining.WorkerBindings.contains(WORKER)
    assert bound.mining.Miners.get(MINER).state == MinerState.Ready  # record survives


def test_unbind_a_mining_miner_stops_it_first(mining: MiningChain):
    _, events = mining.internal("unbind_miner", MINER, True)
    assert mining.mining_events(events) == [
        ev("MinerStopped", miner=MINER), ev("MinerUnbound", miner=MINER, worker=WORKER)]
    assert mining.callbacks.calls == [("on_stopped", WORKER, 500 * PHA, 0),
                                      ("on_unbound", WORKER, True)]
    assert mining.mining.Stakes.get(MINER) == 500 * PHA
    assert mining.mining.Miners.get(MINER).state == MinerState.MiningCoolingDown


def test_unbind_without_notify(mining: MiningChain):
    mining.internal("unbind_miner", MINER, False)
    assert mining.callbacks.calls == [("on_stopped", WORKER, 500 * PHA, 0)]


def test_unbind_an_unbound_miner(chain: MiningChain):
    fails(chain, "MinerNotBound", "unbind_miner", MINER, True)


# -- subsidy pool (§5.6) ----------------------------------------------------------------------


def test_withdraw_subsidy_pool_transfers_keep_alive(chain: MiningChain):
    chain.internal("withdraw_subsidy_pool", MINER, 7 * PHA)
    assert chain.free(MINER) == 7 * PHA
    assert chain.free(SUBSIDY_POOL_ACCOUNT) == SUBSIDY_FUNDS - 7 * PHA
    before = chain.snapshot()
    with pytest.raises(DispatchError):  # would reap the pool
        chain.internal("withdraw_subsidy_pool", MINER, SUBSIDY_FUNDS - 7 * PHA)
    assert chain.snapshot() == before


def test_withdraw_imbalance_moves_to_the_treasury_and_conserves_issuance(chain: MiningChain):
    issuance = chain.balances.total_issuance()
    chain.internal("withdraw_imbalance_from_subsidy_pool", 3 * PHA)
    assert chain.free(TREASURY_ACCOUNT) == 3 * PHA
    assert chain.free(SUBSIDY_POOL_ACCOUNT) == SUBSIDY_FUNDS - 3 * PHA
    assert chain.balances.total_issuance() == issuance


def test_try_state_holds_through_the_life_cycle(mining: MiningChain):
    mining.mining.try_state()
    mining.internal("unbind_miner", MINER, True)
    mining.mining.try_state()
    mining.internal("reclaim", MINER, False)
    mining.mining.try_state()


def test_try_state_detects_a_stray_stake(bound: MiningChain):
    bound.mining.Stakes.insert(MINER, 1)
    with pytest.raises(AssertionError):
        bound.mining.try_state()
