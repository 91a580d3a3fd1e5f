"""The mining pallet's message handlers read a payload as the reference does: the typed
value at its start, bytes after it ignored; a payload without a value at its start is
still ignored. Messages are dispatched through the real PhalaMq (test_mining_support)."""

from __future__ import annotations

from typing import Any

import pytest

from pallets.messages import WORKING_INFO_UPDATE_EVENT, SettleInfo, WorkingInfoUpdateEvent
from pallets.mining.types import SUBSIDY_POOL_ACCOUNT, TREASURY_ACCOUNT
from runtime.codec import Variant
from tests.pallets.test_mining_messages import (
    GK,
    PAYOUT_BITS,
    REPORT,
    TREASURY_BITS,
    UPDATE,
    V_BITS,
    heartbeat,
)
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

EXTRAS = [b"\x00", b"\x07\xff\x00\x01\x02"]  # one trailing byte, several


def mining(pairs: tuple[tuple[bytes, bytes], ...], stake: int) -> MiningChain:
    """Each (miner, worker) bound and mining `stake` since block 1; block 2 open."""
    chain = MiningChain()
    for miner, worker in pairs:
        chain.internal("bind", miner, worker)
        chain.internal("start_mining", miner, stake)
    chain.next_block()
    return chain


def observed(chain: MiningChain, events: list[Variant]) -> tuple[Any, ...]:
    """The handler's events, the pallet's storage, balances and the pool callbacks."""
    return (chain.mining_events(events), chain.mining_snapshot(),
            chain.free(TREASURY_ACCOUNT), chain.free(SUBSIDY_POOL_ACCOUNT),
            chain.callbacks.calls)


def heartbeats(payload_of: Any) -> tuple[Any, ...]:
    """FAST reports twice (one block apart); both payloads go through payload_of."""
    chain = mining(((MINER, FAST),), 4000 * PHA)
    t1 = chain.now_secs()
    first = chain.deliver(origin_of("Worker", FAST), REPORT,
                          payload_of(heartbeat((t1 - 12) * 1000 + 999, 600)))
    chain.next_block()
    second = chain.deliver(origin_of("Worker", FAST), REPORT,
                           payload_of(heartbeat(t1 * 1000, 3000, v2=False)))
    return observed(chain, first), observed(chain, second)


@pytest.mark.parametrize("extra", EXTRAS)
def test_heartbeats_with_trailing_bytes_update_the_score_as_without(extra: bytes) -> None:
    exact = heartbeats(lambda p: p)
    # Δt = 24 s, Δiter = 2400 → p_instant = 2400·6 // 24 = 600
    assert [e[0] for e in exact] == [
        [Variant("BenchmarkUpdated", {"miner": MINER, "p_instant": 0})],
        [Variant("BenchmarkUpdated", {"miner": MINER, "p_instant": 600})]]
    assert heartbeats(lambda p: p + extra) == exact


def test_a_truncated_heartbeat_is_still_ignored() -> None:
    chain = mining(((MINER, FAST),), 4000 * PHA)
    before = chain.mining_snapshot()
    events = chain.deliver(origin_of("Worker", FAST), REPORT,
                           heartbeat(chain.now_secs() * 1000, 600)[:-1])
    assert chain.mining_events(events) == []
    assert chain.mining_snapshot() == before


SETTLE = [SettleInfo(WORKER, V_BITS, PAYOUT_BITS, TREASURY_BITS),
          SettleInfo(WORKER2, V_BITS + 1, 7, 5 << 60)]


def settle_report(payload_of: Any) -> tuple[Any, ...]:
    chain = mining(((MINER, WORKER), (MINER2, WORKER2)), 100 * PHA)
    event = WorkingInfoUpdateEvent(7, chain.now_ms, [WORKER2], [], SETTLE)
    payload = payload_of(WORKING_INFO_UPDATE_EVENT.encode(event))
    return observed(chain, chain.deliver(GK, UPDATE, payload))


@pytest.mark.parametrize("extra", EXTRAS)
def test_a_gatekeeper_report_with_trailing_bytes_settles_as_without(extra: bytes) -> None:
    exact = settle_report(lambda p: p)
    assert exact[0] == [
        Variant("MinerEnterUnresponsive", {"miner": MINER2}),
        Variant("MinerSettled", {"miner": MINER, "v_bits": V_BITS, "payout_bits": PAYOUT_BITS}),
        Variant("MinerSettled", {"miner": MINER2, "v_bits": V_BITS + 1, "payout_bits": 7})]
    # treasury 0.375 PHA + 5/16 PHA, to the planck
    assert exact[2:4] == (687_500_000_000, SUBSIDY_FUNDS - 687_500_000_000)
    assert exact[4] == [("on_reward", SETTLE)]
    assert settle_report(lambda p: p + extra) == exact


def test_a_truncated_gatekeeper_report_is_still_ignored() -> None:
    untouched = observed(mining(((MINER, WORKER), (MINER2, WORKER2)), 100 * PHA), [])
    assert settle_report(lambda p: p[:-1]) == untouched
