"""Shared set-up of the worker benchmarks (bench.fastforward, bench.scale; not itself one:
the underscore keeps it out of `python -m bench`): the repository's
genesis.json with N simulated workers (`//BenchWorker<i>`, scores 1000..5950, operator
//Alice) in Alice's pools 0, 1, … of up to 200 workers each, funded and mining."""

from __future__ import annotations

import json
from pathlib import Path

from node.args import build_call
from node.chain import Chain
from node.keystore import DeterministicKeypair
from node.pool import sign_call
from node.staking_lifecycle import PHA, Lifecycle
from runtime.keys import Keypair

REPO = Path(__file__).resolve().parents[1]
POOL_WORKERS = 200


def bench_genesis(workers: int) -> bytes:
    doc = json.loads((REPO / "genesis.json").read_text())
    doc["registry"]["gatekeepers"] = []
    doc["registry"]["workers"] = [
        {"pubkey": f"//BenchWorker{i}", "operator": "//Alice",
         "initial_score": 1000 + (i * 50) % 5000, "confidence_level": 1 + i % 5}
        for i in range(workers)]
    for account in doc["balances"]["accounts"]:
        if account[0] == "//Alice":
            account[1] = str(max(int(account[1]), (workers * 9_000 + 1_000) * PHA))
    return json.dumps(doc).encode()


def _calls(workers: int) -> list[tuple[str, list[object]]]:
    """Pools of POOL_WORKERS workers (the genesis limit; a pool's worker list is a Vec
    that every add_worker decodes, so one pool of 10,000 would cost O(N²) to fill)."""
    out: list[tuple[str, list[object]]] = []
    for pid, first in enumerate(range(0, workers, POOL_WORKERS)):
        members = range(first, min(first + POOL_WORKERS, workers))
        out += [("create", []), ("contribute", [pid, len(members) * 9_000 * PHA])]
        for i in members:
            pubkey = "0x" + Keypair.from_uri(f"//BenchWorker{i}").public_key.hex()
            out += [("add_worker", [pid, pubkey]),
                    ("start_mining", [pid, pubkey, 8_000 * PHA])]
    return out


def setup(chain: Chain, workers: int, per_block: int = 1) -> None:
    """Alice's pool with every worker started. per_block=1 seals one extrinsic per block
    (the CLI's path, bench.fastforward's chain); more packs them into fewer blocks, so
    that setting up 10,000 workers costs ~20,000 extrinsics, not 20,000 blocks."""
    if per_block == 1:
        run = Lifecycle(chain, out=lambda m: None)
        for call, args in _calls(workers):
            run.tx("//Alice", "PhalaStakePool", call, *args)
        return
    alice = DeterministicKeypair.from_uri("//Alice")
    calls = _calls(workers)
    for start in range(0, len(calls), per_block):
        nonce = chain.next_nonce(alice.public_key)  # the simulator relays as Alice too
        with chain.building() as b:
            for call, args in calls[start:start + per_block]:
                built = build_call(chain.rt, "PhalaStakePool", call, [str(a) for a in args],
                                   chain.ctx)
                b.apply(sign_call(chain, alice, built, nonce=nonce))
                nonce += 1
            b.commit()
    online = chain.rt["PhalaMining"].OnlineMiners.get()
    if online != workers:
        raise RuntimeError(f"set-up failed: {online} of {workers} workers mining")
