"""Per-block cost against the number of mining workers (issue 13, "Scale").

    .venv/bin/python -m bench.scale [--workers 100,10000] [--blocks 600] [--per-block 500]
                                    [--profile N] [--base-path DIR]

For each N: the chain of bench._workers (N simulated workers in Alice's pools, set up with
`--per-block` extrinsics per block, untimed), then B blocks sealed one at a time on
LevelDB with the worker simulator answering every heartbeat challenge (the full runtime:
signed extrinsics, the Gatekeeper, state roots). Each block's wall time and its number of
relayed messages (heartbeats) h are recorded; the report is, per N, the mean and median
ms per block and an ordinary least-squares fit `t = fixed + per_hb × h` over the blocks
(fixed: the cost of a block without heartbeats; per_hb: the cost each heartbeat adds),
with the head hash (the exactness check: it must not change with any optimisation).
--profile N prints the top functions (cumulative and own time) of a cProfile run of that N's blocks.
The process is pinned to one CPU.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench._workers import bench_genesis, setup
from node.chain import Chain
from node.worker_sim import attach_simulator


def fit(ts: list[float], hs: list[int]) -> tuple[float, float]:
    """Least squares `t = a + b h` (b = 0 when h never varies)."""
    n = len(ts)
    mh, mt = sum(hs) / n, sum(ts) / n
    var = sum((h - mh) ** 2 for h in hs)
    b = sum((h - mh) * (t - mt) for h, t in zip(hs, ts, strict=True)) / var if var else 0.0
    return mt - b * mh, b


def run(workers: int, blocks: int, per_block: int, base: Path, profile: bool) -> dict:
    shutil.rmtree(base, ignore_errors=True)
    t0 = time.perf_counter()
    with Chain.init(base, bench_genesis(workers)) as chain:
        attach_simulator(chain)
        setup(chain, workers, per_block)
        setup_s = time.perf_counter() - t0
        ts: list[float] = []
        hs: list[int] = []
        prof = cProfile.Profile() if profile else None
        if prof:
            prof.enable()
        for _ in range(blocks):
            t = time.perf_counter()
            block = chain.seal(1)[0]
            ts.append(time.perf_counter() - t)
            hs.append(len(block.encoded_extrinsics) - 1)
        if prof:
            prof.disable()
            for order in ("cumulative", "tottime"):
                pstats.Stats(prof, stream=sys.stderr).sort_stats(order).print_stats(30)
        head = chain.head()
        online = chain.rt["PhalaMining"].OnlineMiners.get()
    a, b = fit(ts, hs)
    return {"workers": workers, "online": online, "setup_s": setup_s, "blocks": blocks,
            "total_s": sum(ts), "mean_ms": 1000 * sum(ts) / blocks,
            "median_ms": 1000 * statistics.median(ts), "hb_per_block": sum(hs) / blocks,
            "fixed_ms": 1000 * a, "per_hb_ms": 1000 * b,
            "head": f"#{head.number} 0x{head.hash().hex()}"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", default="100,10000")
    p.add_argument("--blocks", type=int, default=600)
    p.add_argument("--per-block", type=int, default=500)
    p.add_argument("--profile", type=int, default=0, metavar="N")
    p.add_argument("--base-path")
    args = p.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    root = Path(args.base_path or tempfile.mkdtemp(prefix="phala-scale-"))
    results = []
    for n in (int(x) for x in args.workers.split(",")):
        r = run(n, args.blocks, args.per_block, root / str(n), args.profile == n)
        results.append(r)
        print(f"N={r['workers']:>6} ({r['online']} online, setup {r['setup_s']:.1f} s): "
              f"{r['blocks']} blocks {r['total_s']:.1f} s, {r['mean_ms']:.2f} ms/block "
              f"(median {r['median_ms']:.2f}), {r['hb_per_block']:.2f} hb/block; "
              f"fit: fixed {r['fixed_ms']:.2f} ms/block + {r['per_hb_ms']:.2f} ms/hb; "
              f"head {r['head']}", flush=True)
    if len(results) > 1:
        lo, hi = results[0], results[-1]
        print(f"ratio N={hi['workers']} / N={lo['workers']}: fixed "
              f"{hi['fixed_ms'] / lo['fixed_ms']:.2f}x, per heartbeat "
              f"{hi['per_hb_ms'] / lo['per_hb_ms']:.2f}x" if lo['per_hb_ms'] else "")
    if not args.base_path:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
