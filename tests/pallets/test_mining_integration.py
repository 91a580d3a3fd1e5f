"""PhalaMining in the full composition (tests/harness.py): real registry, stake pool wiring,
genesis sections as the node passes them."""

from __future__ import annotations

from pallets.messages import WORKING_INFO_UPDATE_EVENT, SettleInfo, WorkingInfoUpdateEvent
from pallets.mining.formulas import default_params
from pallets.mining.types import SUBSIDY_POOL_ACCOUNT, TREASURY_ACCOUNT
from runtime.codec import Variant
from tests.harness import ALICE, BOB, Chain

PHA = 10**12
WORKER = bytes([0x21]) * 32
MINER = bytes([0x31]) * 32


def chain() -> Chain:
    c = Chain()
    c.genesis(
        balances=[(ALICE, 1_000 * PHA), (SUBSIDY_POOL_ACCOUNT, 1_000_000 * PHA)],
        sudo=ALICE,
        PhalaRegistry={"workers": [{"pubkey": WORKER, "ecdh_pubkey": bytes(32),
                                    "operator": ALICE, "initial_score": 1,
                                    "confidence_level": 1}]},
        PhalaMining={"cool_down_period_sec": 604_800, "tokenomic": default_params(),
                     "halving_interval": None, "subsidy_pool": 1_000_000 * PHA},
    )
    return c


def test_bind_start_unbind_through_the_real_registry_and_stake_pool():
    c = chain()
    mining = c["PhalaMining"]
    assert mining.callbacks is c["PhalaStakePool"]
    mining.bind(MINER, WORKER)
    mining.start_mining(MINER, 500 * PHA)
    c.try_state()
    out = c.call(BOB, "PhalaMining", "unbind", miner=MINER)
    assert (out.success, out.error) == (False, "PhalaMining.BadSender")
    out = c.call(ALICE, "PhalaMining", "unbind", miner=MINER)
    assert out.success
    assert [(e.pallet, e.name) for e in out.events] == [
        ("PhalaMining", "MinerStopped"), ("PhalaMining", "MinerUnbound")]


def test_a_gk_report_for_a_worker_outside_any_pool_is_dismissed_by_the_pool():
    c = chain()
    mining = c["PhalaMining"]
    mining.bind(MINER, WORKER)
    mining.start_mining(MINER, 500 * PHA)
    c.next_block()
    report = WorkingInfoUpdateEvent(1, c.now_ms, [], [], [
        SettleInfo(WORKER, 7 << 64, 2 << 64, 1 << 64)])
    c["PhalaMq"].push_message(Variant("Gatekeeper"), b"^phala/mining/update",
                              WORKING_INFO_UPDATE_EVENT.encode(report))
    tail = [(e.pallet, e.name, e.fields) for e in c.events()][-2:]
    assert tail == [
        ("PhalaMining", "MinerSettled", {"miner": MINER, "v_bits": 7 << 64,
                                         "payout_bits": 2 << 64}),
        ("PhalaStakePool", "RewardDismissedNotInPool", {"worker": WORKER,
                                                        "amount": 2 * PHA}),
    ]
    assert c.free(TREASURY_ACCOUNT) == PHA
    c.try_state()
