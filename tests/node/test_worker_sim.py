"""The node's worker simulator: deterministic signatures, the benchmark, heartbeat answers,
determinism of the blocks it authors, replay, restart, and the `worker` command.

Helpers here (`mining_chain`, `blocks_with`, …) are shared by the other simulator tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from node.chain import Chain
from node.det_sign import sign
from node.replay import import_block, open_target
from node.staking_lifecycle import PHA, Lifecycle, W
from node.worker_sim import attach_simulator
from pallets.messages import SIGNED_MESSAGE, WORKING_REPORT_EVENT, mq_signing_bytes
from runtime.crypto import sr25519_verify
from runtime.extrinsic import Extrinsic
from runtime.keys import Keypair
from tests.node.conftest import GENESIS, ok

GENESIS_MS = 1_700_000_000_000  # genesis.json timestamp_ms
BLOCK_MS = 12_000


def quiet(_: str) -> None:
    pass


def mining_chain(base: Path, workers: tuple[str, ...] = ("Worker1",),
                 commission: int = 200_000) -> tuple[Chain, Lifecycle]:
    """genesis.json; Alice's pool 0 with `workers` started (5,000 PHA each), contributions
    Alice 2,000, Charlie 10,000, Dave 6,000 PHA. The caller closes the chain."""
    chain = Chain.init(base, GENESIS.read_bytes())
    run = Lifecycle(chain, out=quiet)
    run.tx("//Alice", "PhalaStakePool", "create")
    run.tx("//Alice", "PhalaStakePool", "set_payout_pref", 0, commission)
    for name in workers:
        run.tx("//Alice", "PhalaStakePool", "add_worker", 0, W[name])
    for who, amount in (("//Alice", 2_000), ("//Charlie", 10_000), ("//Dave", 6_000)):
        run.tx(who, "PhalaStakePool", "contribute", 0, amount * PHA)
    for name in workers:
        run.tx("//Alice", "PhalaStakePool", "start_mining", 0, W[name], 5_000 * PHA)
    return chain, run


def heartbeats(chain: Chain, number: int) -> list[tuple[Any, Any]]:
    """(SignedMessage, decoded WorkingReportEvent) of every heartbeat in block `number`."""
    _, extrinsics = chain.store.block(chain.resolve(number).hash())
    out = []
    for enc in extrinsics:
        call = chain.rt.decode_call(Extrinsic.decode(enc).call)
        if call.name == "PhalaMq" and call.value.name == "sync_offchain_message":
            signed = call.value.value["signed_message"]
            if signed.message.destination == b"phala/mining/report":
                out.append((signed, WORKING_REPORT_EVENT.decode(signed.message.payload)))
    return out


def seal_until(chain: Chain, cond: Any, limit: int = 3000, step: int = 10) -> int:
    """Seal blocks until `cond()` holds (checked every `step` blocks); the head number."""
    for _ in range(0, limit, step):
        if cond():
            return chain.head().number
        chain.seal(step)
    assert cond(), "condition not reached"
    return chain.head().number


def test_deterministic_sr25519_signatures_verify_and_repeat() -> None:
    kp = Keypair.from_uri("//Worker1")
    a = sign(kp.public_key, kp._secret, b"heartbeat")
    assert a == sign(kp.public_key, kp._secret, b"heartbeat")
    assert a != sign(kp.public_key, kp._secret, b"heartbeat!")
    assert sr25519_verify(kp.public_key, b"heartbeat", a)
    assert not sr25519_verify(kp.public_key, b"other", a)
    assert len(a) == 64 and a[63] & 0x80


def test_genesis_worker_benchmark_is_reported_and_scored(tmp_path: Path) -> None:
    # Worker5 has no genesis score: BenchStart{50} is dispatched in block 1 (t = T1), the
    # benchmark ends after block 51 and the report is scored in block 52:
    # iterations = 2000 (default score) * (T51 - T1) / 6000 = 200,000; elapsed = 612 s
    with Chain.init(tmp_path / "c", GENESIS.read_bytes()) as chain:
        attach_simulator(chain)
        blocks = chain.seal(52)
    scored = [(b["number"], e["attributes"]) for b in blocks for e in b["events"]
              if e["event"] == "InitialScoreSet"]
    assert scored == [(52, {"pubkey": W["Worker5"], "init_score": (200_000 // 612) * 6})]
    assert (200_000 // 612) * 6 == 1956


def test_heartbeats_answer_challenges_with_consistent_iterations(tmp_path: Path) -> None:
    chain, _ = mining_chain(tmp_path / "c")
    with chain:
        started = chain.head()
        start_ms = chain.timestamp_at(started)
        attach_simulator(chain)
        chain.seal(600)
        found = [(n, hb) for n in range(started.number + 1, chain.head().number + 1)
                 for hb in heartbeats(chain, n)]
        assert len(found) >= 2
        pubkey = bytes.fromhex(W["Worker1"][2:])
        for i, (n, (signed, event)) in enumerate(found):
            hb = event.value
            assert event.name == "HeartbeatV2"
            assert signed.sequence == i  # Worker1's first messages ever
            assert signed.message.sender.value == pubkey
            assert sr25519_verify(pubkey, mq_signing_bytes(signed.message, signed.sequence),
                                  signed.signature)
            # answered in the block right after the challenge, with that block's time
            assert hb["challenge_block"] == n - 1
            assert hb["challenge_time"] == chain.timestamp_at(chain.resolve(n - 1))
            # Worker1 scores 1200 iterations per 6 s from the block it started in
            assert hb["iterations"] == 1200 * (hb["challenge_time"] - GENESIS_MS) // 6000 \
                - 1200 * (start_ms - GENESIS_MS) // 6000
            assert hb["session_id"] == 0
        assert SIGNED_MESSAGE.decode(SIGNED_MESSAGE.encode(found[0][1][0])) == found[0][1][0]


def _run(base: Path, restart_at: int | None = None) -> bytes:
    chain, _ = mining_chain(base, ("Worker1", "Worker2"))
    try:
        attach_simulator(chain)
        if restart_at is None:
            chain.seal(500)
        else:
            chain.seal(restart_at)
            chain.close()
            chain = Chain.open(base)
            attach_simulator(chain)
            chain.seal(500 - restart_at)
        return chain.head().hash()
    finally:
        chain.close()


def test_two_runs_and_a_restarted_run_author_the_same_head(tmp_path: Path) -> None:
    first = _run(tmp_path / "a")
    assert _run(tmp_path / "b") == first
    assert _run(tmp_path / "c", restart_at=233) == first


def test_the_simulators_blocks_replay_to_the_same_head(tmp_path: Path) -> None:
    chain, _ = mining_chain(tmp_path / "c", ("Worker1", "Worker2"))
    with chain:
        attach_simulator(chain)
        chain.seal(400)
        assert any(heartbeats(chain, n) for n in range(1, 401))
        target = open_target(GENESIS.read_bytes(), None)
        for n in range(1, chain.head().number + 1):
            header = chain.resolve(n)
            import_block(target, f"#{n}", header, chain.store.block_bytes(header.hash()), None)
        assert target.head().hash() == chain.head().hash()


def test_worker_command_registers_benchmarks_and_lists(tmp_path: Path) -> None:
    base = tmp_path / "c"
    ok(base, "init", "--genesis", str(GENESIS))
    added = ok(base, "worker", "add", "//Worker9", "--score", "3000")
    pubkey = added["pubkey"]
    assert added == {"pubkey": "0x" + Keypair.from_uri("//Worker9").public_key.hex(),
                     "score": 3000, "offline": False}
    out = ok(base, "worker", "register", pubkey, "--operator", "//Bob",
             "--confidence-level", "2")
    assert out["success"], out
    assert [e["event"] for e in out["events"] if e["pallet"] == "PhalaRegistry"] == \
        ["WorkerAdded"]
    blocks = ok(base, "seal", "--count", "52")  # benchmark duration 50 blocks
    scores = [e["attributes"]["init_score"] for b in blocks for e in b["events"]
              if e["event"] == "InitialScoreSet" and e["attributes"]["pubkey"] == pubkey]
    # BenchStart at the registration block T_r; report after T_r + 50 blocks, scored
    # one block later: (3000 * 600 s / 6 // 612 s) * 6
    assert scores[-1] == (3000 * 600 // 6 // 612) * 6
    listed = {w["pubkey"]: w for w in ok(base, "worker", "list")}
    assert listed[pubkey]["registered"] and listed[pubkey]["simulated"]
    assert listed[pubkey]["confidence_level"] == 2
    assert listed[pubkey]["initial_score"] == scores[-1]
    assert ok(base, "worker", "offline", pubkey)["offline"] is True
    assert ok(base, "worker", "online", pubkey)["offline"] is False
