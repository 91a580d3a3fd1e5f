"""The simulated pRuntime reads system events as the reference's does (phala-mq
`TypedReceiver`: bytes after the value ignored), in step with the in-runtime Gatekeeper's
replica; a payload without a value at its start is still ignored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from node.worker_sim import WorkerSimulator, attach_simulator
from pallets.messages import SYSTEM_EVENT_TOPIC, Message, origin_pallet
from pallets.mining.gk_state import GK_WORKER
from pallets.mining.handlers import heartbeat_challenge
from tests.node.test_worker_sim import mining_chain

EXTRAS = [b"\x00", b"\x07\xff\x00\x01\x02"]  # one trailing byte, several
EVERYONE = (1 << 256) - 1  # an online target every mining worker is hit by


def observed(sim: WorkerSimulator, number: int, now_ms: int,
             payload: bytes | None) -> dict[bytes, tuple[bytes, Any]]:
    """Each worker's replica and outbox after the simulator, reloaded from its records,
    observes block `number` carrying `payload` (a challenge) or nothing."""
    sim.reload()
    messages = [] if payload is None else [
        Message(origin_pallet("PhalaMining"), SYSTEM_EVENT_TOPIC, payload)]
    sim.observe(number, now_ms, messages)
    return {pk: (GK_WORKER.encode(w.replica), list(w.outbox))
            for pk, w in sorted(sim.workers.items())}


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the simulator makes of a challenge sent exactly, with trailing bytes,
    truncated, or not at all (one chain: Worker1 mining)."""
    chain, _ = mining_chain(Path(tmp_path_factory.mktemp("sim")) / "c")
    with chain:
        sim = attach_simulator(chain)
        chain.seal(1)
        head = chain.head()
        n, now = head.number, chain.timestamp_at(head)
        payload = heartbeat_challenge(7, EVERYONE)
        return {"n": n, "exact": observed(sim, n, now, payload),
                **{repr(e): observed(sim, n, now, payload + e) for e in EXTRAS},
                "truncated": observed(sim, n, now, payload[:-1]),
                "unsent": observed(sim, n, now, None)}


@pytest.mark.parametrize("extra", EXTRAS)
def test_a_challenge_with_trailing_bytes_is_answered_as_without(
        answers: dict[str, Any], extra: bytes) -> None:
    exact, unsent = answers["exact"], answers["unsent"]
    new = [(pk, o[len(unsent[pk][1]):]) for pk, (_, o) in exact.items()]
    hit = [(pk, items) for pk, items in new if items]
    assert len(hit) == 1 and [i["challenge_block"] for i in hit[0][1]] == [answers["n"]]
    assert answers[repr(extra)] == exact


def test_a_truncated_challenge_is_still_ignored(answers: dict[str, Any]) -> None:
    assert answers["truncated"] == answers["unsent"]
