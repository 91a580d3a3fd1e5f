"""The dashboard's list methods at scale: N mining workers spread over P pools (default
10,000 in 60), served by `phala-emu serve`; the time of each page the dashboard asks for.

    .venv/bin/python -m bench.dashboard [--workers 10000] [--pools 60] [--base-path DIR]

The chain is bench.fastforward's genesis (N registered workers, no simulator: states and
stakes are what the page reads); //Alice creates the pools, funds them and adds and starts
every worker, many extrinsics per block. Each method is timed cold (first call after the
head moved) and warm, over HTTP, as the median of 3.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.fastforward import bench_genesis
from node.args import build_call
from node.chain import Chain
from node.keystore import DeterministicKeypair
from node.pool import sign_call
from runtime.keys import Keypair
from tests.rpc.conftest import post, start_server, stop_server

PHA = 10**12
PER_BLOCK = 400
STAKE = 8_000 * PHA  # per worker


def genesis(workers: int) -> bytes:
    doc = json.loads(bench_genesis(workers))
    for entry in doc["balances"]["accounts"]:
        if entry[0] == "//Alice":  # stake for every worker
            entry[1] = str(10**24)
    return json.dumps(doc).encode()


def build(base: Path, workers: int, pools: int) -> None:
    with Chain.init(base, genesis(workers)) as chain:
        alice = DeterministicKeypair.from_uri("//Alice")
        nonce = chain.next_nonce(alice.public_key)
        calls: list[tuple[str, list[Any]]] = []
        for pid in range(pools):
            calls += [("create", []), ("contribute", [pid, (workers // pools + 1) * STAKE])]
        for i in range(workers):
            pk = "0x" + Keypair.from_uri(f"//BenchWorker{i}").public_key.hex()
            calls += [("add_worker", [i % pools, pk]), ("start_mining", [i % pools, pk,
                                                                       STAKE])]
        for start in range(0, len(calls), PER_BLOCK):
            with chain.building() as b:
                for name, args in calls[start:start + PER_BLOCK]:
                    call = build_call(chain.rt, "PhalaStakePool", name,
                                      [str(a) for a in args], chain.ctx)
                    b.apply(sign_call(chain, alice, call, nonce=nonce))
                    nonce += 1
                failed = [x for x in b.commit()["extrinsics"] if x["success"] is False]
                assert not failed, failed[0]


def timed(http: str, method: str, *params: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    doc = post(http, {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    assert "error" not in doc, doc
    return time.perf_counter() - t, doc["result"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=10_000)
    ap.add_argument("--pools", type=int, default=60)
    ap.add_argument("--base-path", type=Path)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    base = args.base_path or tmp / "chain"
    t0 = time.perf_counter()
    if not (base / "db").exists():
        build(base, args.workers, args.pools)
    built = time.perf_counter() - t0
    srv = start_server(base)
    try:
        http = srv.http
        cold = {}
        for name, params in [("phala_pools", [0, 50, "apr", "desc"]), ("phala_network", []),
                             ("phala_history", [30]), ("phala_history", [30, 0])]:
            timed(http, "dev_newBlock")  # the first read of a new head computes APR/history
            label = name + (" pool 0" if name == "phala_history" and len(params) > 1 else "")
            cold[label] = timed(http, name, *params)[0]
        timed(http, "dev_newBlock")
        cold["phala_history after the next block"] = timed(http, "phala_history", 30)[0]
        pools = timed(http, "phala_pools", 0, 50, "apr", "desc")[1]
        assert pools["total"] == args.pools, pools["total"]
        rows = {}
        for name, params in [("phala_network", []), ("phala_pools", [0, 50, "apr", "desc"]),
                             ("phala_pool", [0]), ("phala_poolWorkers", [0, 0, 50]),
                             ("phala_poolStakers", [0, 0, 50]), ("phala_blocks", [None, 10]),
                             ("phala_account", ["//Alice"]), ("phala_history", [30])]:
            rows[name] = statistics.median(timed(http, name, *params)[0] for _ in range(3))
        workers = timed(http, "phala_poolWorkers", 0, 0, 50)[1]["total"]
        states = timed(http, "phala_network")[1]["workers_by_state"]
    finally:
        stop_server(srv)
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({"workers": args.workers, "pools": args.pools, "build_s": round(built, 1),
                      "workers_in_pool_0": workers, "workers_by_state": states,
                      "cold_s": {k: round(v, 3) for k, v in cold.items()},
                      "warm_median_s": {k: round(v, 3) for k, v in rows.items()}}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
