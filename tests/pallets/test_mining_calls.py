"""PhalaMining calls (mining.md §4): origins, check order, events, indices."""

from __future__ import annotations

import pytest

from pallets.messages import SYSTEM_EVENT, HeartbeatChallenge
from pallets.mining import PhalaMining
from pallets.mining.formulas import default_params
from pallets.mining.types import MinerState
from runtime.codec import Variant
from runtime.dispatch import Origin
from tests.pallets.test_mining_support import (
    ALICE,
    BOB,
    MINER,
    PHA,
    WORKER,
    MiningChain,
)

ROOT = Origin.root()


def test_call_event_and_error_indices_follow_the_spec():
    assert [(c.index, c.name) for c in PhalaMining.calls()] == [
        (0, "set_cool_down_expiration"), (1, "unbind"), (2, "force_heartbeat"),
        (3, "force_start_mining"), (4, "force_stop_mining"), (5, "update_tokenomic")]
    assert [e.name for e in PhalaMining.EVENTS] == [
        "CoolDownExpirationChanged", "MinerStarted", "MinerStopped", "MinerReclaimed",
        "MinerBound", "MinerUnbound", "MinerEnterUnresponsive", "MinerExitUnresponsive",
        "MinerSettled", "InternalErrorMinerSettleFailed", "SubsidyBudgetHalved",
        "InternalErrorWrongHalvingConfigured", "TokenomicParametersChanged",
        "MinerSettlementDropped", "BenchmarkUpdated"]
    assert [e.name for e in PhalaMining.ERRORS] == [
        "BadSender", "_InvalidMessage", "WorkerNotRegistered", "_GatekeeperNotRegistered",
        "DuplicateBoundMiner", "BenchmarkMissing", "MinerNotFound", "MinerNotBound",
        "MinerNotReady", "MinerNotMining", "WorkerNotBound", "CoolDownNotReady",
        "InsufficientStake", "TooMuchStake", "InternalErrorBadTokenomicParameters",
        "DuplicateBoundWorker", "BenchmarkTooLow", "InternalErrorCannotStartWithExistingStake"]


@pytest.fixture
def chain() -> MiningChain:
    c = MiningChain()
    c.internal("bind", MINER, WORKER)
    return c


def unchanged(chain: MiningChain, origin: Origin, call: str, error: str, **args) -> None:
    before = chain.mining_snapshot()
    out = chain.call(origin, call, **args)
    assert (out.success, out.error.describe()) == (False, error)
    assert chain.mining_events(out.events) == []
    assert chain.mining_snapshot() == before


def test_set_cool_down_expiration(chain: MiningChain):
    out = chain.call(ROOT, "set_cool_down_expiration", period=604_800)
    assert out.success
    assert chain.mining_events(out.events) == [
        Variant("CoolDownExpirationChanged", {"period": 604_800})]
    assert chain.mining.CoolDownPeriod.get() == 604_800
    unchanged(chain, Origin.signed(ALICE), "set_cool_down_expiration", "BadOrigin", period=1)


def test_unbind_by_the_operator(chain: MiningChain):
    chain.internal("start_mining", MINER, 100 * PHA)
    out = chain.call(Origin.signed(ALICE), "unbind", miner=MINER)
    assert out.success
    assert chain.mining_events(out.events) == [
        Variant("MinerStopped", {"miner": MINER}),
        Variant("MinerUnbound", {"miner": MINER, "worker": WORKER})]
    assert chain.callbacks.calls == [("on_stopped", WORKER, 100 * PHA, 0),
                                     ("on_unbound", WORKER, True)]
    assert chain.mining.Miners.get(MINER).state == MinerState.MiningCoolingDown


def test_unbind_check_order(chain: MiningChain):
    unchanged(chain, ROOT, "unbind", "BadOrigin", miner=MINER)
    unchanged(chain, Origin.signed(BOB), "unbind", "PhalaMining.MinerNotBound", miner=BOB)
    unchanged(chain, Origin.signed(BOB), "unbind", "PhalaMining.BadSender", miner=MINER)
    chain.rt["PhalaRegistry"].Workers.remove(WORKER)
    unchanged(chain, Origin.signed(BOB), "unbind", "PhalaMining.WorkerNotRegistered",
              miner=MINER)


def test_force_heartbeat_challenges_everyone_without_an_event(chain: MiningChain):
    out = chain.call(ROOT, "force_heartbeat")
    assert out.success and chain.mining_events(out.events) == []
    last = chain.messages()[-1]
    assert last.destination == b"phala/system/event"
    assert SYSTEM_EVENT.decode(last.payload) == Variant(
        "HeartbeatChallenge", HeartbeatChallenge(0, (1 << 256) - 1))
    unchanged(chain, Origin.signed(ALICE), "force_heartbeat", "BadOrigin")


def test_force_start_and_stop_mining(chain: MiningChain):
    unchanged(chain, Origin.signed(ALICE), "force_start_mining", "BadOrigin",
              miner=MINER, stake=100 * PHA)
    unchanged(chain, ROOT, "force_start_mining", "PhalaMining.InsufficientStake",
              miner=MINER, stake=100 * PHA - 1)
    out = chain.call(ROOT, "force_start_mining", miner=MINER, stake=100 * PHA)
    assert out.success and [e.name for e in chain.mining_events(out.events)] == [
        "MinerStarted"]
    unchanged(chain, Origin.signed(ALICE), "force_stop_mining", "BadOrigin", miner=MINER)
    out = chain.call(ROOT, "force_stop_mining", miner=MINER)
    assert out.success and chain.mining_events(out.events) == [
        Variant("MinerStopped", {"miner": MINER})]
    unchanged(chain, ROOT, "force_stop_mining", "PhalaMining.MinerNotMining", miner=MINER)


def test_update_tokenomic_requires_root(chain: MiningChain):
    unchanged(chain, Origin.signed(ALICE), "update_tokenomic", "BadOrigin",
              new_params=default_params())
