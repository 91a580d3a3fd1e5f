"""The Gatekeeper wired into a real chain (tests/harness.py): PhalaMining's hooks call it
through the real wiring — `apply_pending_report()` in `on_initialize(n)` and
`process_block(n)` in `on_post_finalize(n)` — over the real message queue, registry and
mining pallet. Heartbeats are pushed as `Worker(pubkey)` messages (what
`sync_offchain_message` dispatches once the signature is checked)."""

from __future__ import annotations

from pallets.messages import MINING_REPORT_TOPIC, WORKING_REPORT_EVENT, origin_worker
from pallets.mining.formulas import default_params
from pallets.mining.gatekeeper import Gatekeeper
from pallets.mining.types import SUBSIDY_POOL_ACCOUNT, MinerState
from runtime.codec import Variant
from tests.harness import ALICE, Chain, default_pallets

PHA = 10**12
WORKER = bytes([0x21]) * 32
MINER = bytes([0x31]) * 32


def chain() -> Chain:
    c = Chain(default_pallets())
    c.genesis(
        balances=[(ALICE, 1_000 * PHA), (SUBSIDY_POOL_ACCOUNT, 1_000_000 * PHA)],
        sudo=ALICE,
        PhalaRegistry={"workers": [{"pubkey": WORKER, "ecdh_pubkey": bytes(32),
                                    "operator": ALICE, "initial_score": 100,
                                    "confidence_level": 1}]},
        PhalaMining={"cool_down_period_sec": 604_800, "tokenomic": default_params(),
                     "halving_interval": None, "subsidy_pool": 1_000_000 * PHA},
    )
    mining = c["PhalaMining"]
    mining.bind(MINER, WORKER)
    mining.start_mining(MINER, 2_000 * PHA)
    return c


def wait_for_challenge(c: Chain, limit: int = 3000) -> int:
    gk = c["PhalaMining"].gatekeeper
    for _ in range(limit):
        c.next_block()
        w = gk.worker(WORKER, c.number - 1)
        if w is not None and w.waiting_heartbeats:
            return w.waiting_heartbeats[0]
    raise AssertionError("no challenge hit the worker")


def answer(c: Chain, challenge_block: int, session: int) -> None:
    hb = {"session_id": session, "challenge_block": challenge_block,
          "challenge_time": c.now_ms - c.block_ms * (c.number - challenge_block),
          "iterations": 100_000}
    c["PhalaMq"].push_message(origin_worker(WORKER), MINING_REPORT_TOPIC,
                              WORKING_REPORT_EVENT.encode(Variant("Heartbeat", hb)))


def names(c: Chain) -> list[str]:
    return [e.name for e in c.events()]


def test_a_heartbeat_is_settled_on_chain_in_the_next_block() -> None:
    c = chain()
    gk = c["PhalaMining"].gatekeeper
    c.next_block()
    w = gk.worker(WORKER, 1)
    assert w.working_state is not None and w.tokenomic.confidence_level == 1
    assert w.tokenomic.p_bench == 100 << 64
    session = w.working_state.session_id
    cb = wait_for_challenge(c)
    answer(c, cb, session)
    paid_block = c.number
    c.next_block()  # the GK processed the heartbeat; its report is applied now
    settled = [e for e in c.events() if e.name == "MinerSettled"]
    assert len(settled) == 1 and settled[0].fields["miner"] == MINER
    v = gk.worker(WORKER, paid_block).tokenomic.v
    assert settled[0].fields["v_bits"] == v and settled[0].fields["payout_bits"] > 0
    assert c["PhalaMining"].Miners.get(MINER).v == v


def test_an_unanswered_challenge_makes_the_miner_unresponsive_until_it_answers() -> None:
    c = chain()
    gk = c["PhalaMining"].gatekeeper
    c.next_block()
    session = gk.worker(WORKER, 1).working_state.session_id
    cb = wait_for_challenge(c)
    while c.number <= cb + 11:  # offline in block cb + 11, applied at cb + 12
        c.next_block()
    assert "MinerEnterUnresponsive" in names(c)
    assert c["PhalaMining"].Miners.get(MINER).state == MinerState.MiningUnresponsive
    c.next_block()
    w = gk.worker(WORKER, c.number - 1)
    assert w.unresponsive and w.working_state.state.name == "Paused"
    v_before = w.tokenomic.v
    c.next_block()
    assert gk.worker(WORKER, c.number - 1).tokenomic.v < v_before  # slashed every block
    answer(c, cb, session)
    c.next_block()
    assert "MinerExitUnresponsive" in names(c)
    assert c["PhalaMining"].Miners.get(MINER).state == MinerState.MiningIdle
    c.next_block()
    assert gk.worker(WORKER, c.number - 1).working_state.state.name == "Mining"


def test_replaying_the_blocks_in_a_fresh_runtime_gives_the_same_state() -> None:
    a, b = chain(), chain()
    for c in (a, b):
        c.next_block()
    cb = wait_for_challenge(a)
    while b.number < a.number:
        b.next_block()
    session = a["PhalaMining"].gatekeeper.worker(WORKER, 1).working_state.session_id
    for c in (a, b):
        answer(c, cb, session)
        c.next_block()
        c.next_block()
    b["PhalaMining"].gatekeeper = Gatekeeper(b.rt)  # empty cache mid-chain
    for _ in range(20):
        for c in (a, b):
            c.next_block()
    assert a.snapshot() == b.snapshot()
