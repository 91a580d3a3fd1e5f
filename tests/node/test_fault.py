"""Fault injection: a simulated worker taken offline stops answering, becomes
MiningUnresponsive one block after the heartbeat window, loses V every block by the slash
rate exactly (economics.md §6 `update_v_slash`: v − floor(v · slash_rate)), earns
nothing, and recovers when back online."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from node.apr import gatekeeper_of
from node.at_block import runtime_at
from node.keystore import Keystore
from node.worker_sim import attach_simulator
from pallets.mining.types import MinerState
from pallets.stake_pool.types import pool_sub_account
from tests.node.test_worker_sim import W, mining_chain, seal_until

PUBKEY = bytes.fromhex(W["Worker1"][2:])
MINER = pool_sub_account(0, PUBKEY)


def gk_worker_at(chain: Any, number: int) -> Any:
    rt = runtime_at(chain, chain.resolve(number))
    return gatekeeper_of(rt).worker(PUBKEY, number)


def miner(chain: Any) -> Any:
    return chain.rt["PhalaMining"].Miners.get(MINER)


def test_offline_worker_is_slashed_each_block_and_recovers(tmp_path: Path) -> None:
    chain, _ = mining_chain(tmp_path / "c", ("Worker1", "Worker2"))
    with chain:
        attach_simulator(chain)
        seal_until(chain, lambda: miner(chain).stats.total_reward > 0)
        Keystore(chain).update_settings(PUBKEY, offline=True)
        offline_from = chain.head().number
        reward = miner(chain).stats.total_reward
        seal_until(chain, lambda: miner(chain).state == MinerState.MiningUnresponsive,
                   step=1)
        # the GK marked it in the previous block: the report is applied one block later
        marked = chain.head().number - 1
        before = gk_worker_at(chain, marked - 1)
        assert not before.unresponsive and gk_worker_at(chain, marked).unresponsive
        window = gatekeeper_of(chain.rt).params().params.heartbeat_window
        assert marked - before.waiting_heartbeats[0] == window + 1
        assert before.waiting_heartbeats[0] > offline_from  # an unanswered challenge

        chain.seal(40)
        slash = gatekeeper_of(chain.rt).params().params.slash_rate
        v = before.tokenomic.v
        for n in range(marked, chain.head().number + 1):
            v -= (v * slash) >> 64  # case 3 in the marking block, case 4 after it
            w = gk_worker_at(chain, n)
            assert w.tokenomic.v == v, n
            assert w.tokenomic.v_deductible == 0
        assert v < before.tokenomic.v
        assert miner(chain).stats.total_reward == reward  # earns nothing meanwhile
        assert miner(chain).state == MinerState.MiningUnresponsive

        Keystore(chain).update_settings(PUBKEY, offline=False)
        blocks = chain.seal(2)  # the missed answers go out; recovery is applied next block
        names = [e["event"] for b in blocks for e in b["events"]]
        assert "MinerExitUnresponsive" in names
        assert miner(chain).state == MinerState.MiningIdle
        assert not gk_worker_at(chain, chain.head().number).unresponsive
        seal_until(chain, lambda: miner(chain).stats.total_reward > reward)
