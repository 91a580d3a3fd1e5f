"""on_finalize (mining.md §6.1): heartbeat challenge, scheduled tokenomic update, halving."""

from __future__ import annotations

import dataclasses
import hashlib

from pallets.messages import GATEKEEPER_EVENT, SYSTEM_EVENT, HeartbeatChallenge
from pallets.mining.formulas import default_params
from runtime.codec import Variant
from runtime.dispatch import Origin
from tests.pallets.test_mining_support import MINER, PHA, WORKER, MiningChain

TARGET_UNIT = ((1 << 256) - 1) >> 24


def challenges(chain: MiningChain) -> list[HeartbeatChallenge]:
    return [SYSTEM_EVENT.decode(m.payload).value for m in chain.messages()
            if m.destination == b"phala/system/event"
            and SYSTEM_EVENT.decode(m.payload).name == "HeartbeatChallenge"]


def gatekeeper_events(chain: MiningChain) -> list[Variant]:
    return [GATEKEEPER_EVENT.decode(m.payload) for m in chain.messages()
            if m.destination == b"phala/gatekeeper/event"]


def test_genesis_queues_the_parameters_for_the_gatekeeper_in_block_1():
    chain = MiningChain()
    assert gatekeeper_events(chain) == [
        Variant("TokenomicParametersChanged", default_params())]
    assert chain.mining.CoolDownPeriod.get() == 100
    assert chain.mining.MiningHalvingInterval.get() is None
    assert chain.mining.MiningStartBlock.get() is None


def test_challenge_seed_is_blake2_of_phalapow_and_parent_hash_and_target_zero_offline():
    chain = MiningChain()
    chain.finalize()
    seed = int.from_bytes(hashlib.blake2b(b"PhalaPoW" + bytes(32), digest_size=32).digest(),
                          "big")
    assert challenges(chain) == [HeartbeatChallenge(seed, 0)]


def test_challenge_target_with_one_online_miner_and_the_next_parent_hash():
    chain = MiningChain()
    chain.internal("bind", MINER, WORKER)
    chain.internal("start_mining", MINER, 100 * PHA)
    chain.next_block()
    parent = chain.rt["System"].ParentHash.get()
    chain.finalize()
    seed = int.from_bytes(hashlib.blake2b(b"PhalaPoW" + parent, digest_size=32).digest(),
                          "big")
    # W = 1, 12 s blocks: max_tx = 2/300 in U32F32 = floor(2^33 / 300) = 28633115 bits;
    # min(20, max_tx) / W << 24, integer part: 28633115 >> 8 = 111848
    assert challenges(chain) == [HeartbeatChallenge(seed, TARGET_UNIT * 111848)]


def test_expected_heartbeat_count_overrides_the_default_20():
    chain = MiningChain()
    chain.internal("bind", MINER, WORKER)
    chain.internal("start_mining", MINER, 100 * PHA)
    chain.mining.ExpectedHeartbeatCount.put(0)
    chain.finalize()
    assert challenges(chain)[-1].online_target == 0


def test_scheduled_update_applies_in_this_blocks_on_finalize():
    chain = MiningChain()
    chain.next_block()
    new = dataclasses.replace(default_params(), k=50 << 64)
    out = chain.call(Origin.root(), "update_tokenomic", new_params=new)
    assert out.success and chain.mining_events(out.events) == []
    assert chain.mining.TokenomicParameters.get() == default_params()
    first = len(chain.events())
    chain.finalize()
    assert chain.mining_events(chain.events()[first:]) == [Variant("TokenomicParametersChanged")]
    assert chain.mining.TokenomicParameters.get() == new
    assert chain.mining.ScheduledTokenomicUpdate.get() is None
    assert gatekeeper_events(chain) == [Variant("TokenomicParametersChanged", new)]


def finalize_events(chain: MiningChain) -> list[Variant]:
    first = len(chain.events())
    chain.finalize()
    events = chain.mining_events(chain.events()[first:])
    chain.next_block()
    return events


def test_halving_at_blocks_s_plus_i_minus_1_cuts_the_budget_to_75_percent():
    chain = MiningChain(halving_interval=3)  # S = 0: halvings at blocks 2, 5, 8, …
    assert chain.mining.MiningStartBlock.get() == 0
    seen = {}
    for n in range(1, 7):
        assert chain.number == n
        seen[n] = (finalize_events(chain), chain.mining.TokenomicParameters.get()
                   .budget_per_block)
    halved = [Variant("SubsidyBudgetHalved"), Variant("TokenomicParametersChanged")]
    assert [n for n, (evs, _) in seen.items() if evs] == [2, 5]
    assert seen[2][0] == halved and seen[5][0] == halved
    assert seen[1][1] == 100 << 64
    assert seen[2][1] == 75 << 64                     # 100 × 0.75
    assert seen[5][1] == 5625 * (1 << 64) // 100     # 56.25, exact in binary


def test_halving_without_parameters_reports_a_wrong_configuration():
    chain = MiningChain(halving_interval=1)  # every block: elapsed % 1 == 0
    chain.mining.TokenomicParameters.kill()
    assert finalize_events(chain) == [Variant("InternalErrorWrongHalvingConfigured")]


def test_a_zero_halving_interval_never_halves():
    chain = MiningChain(halving_interval=0)
    assert finalize_events(chain) == []
    assert chain.mining.TokenomicParameters.get().budget_per_block == 100 << 64
