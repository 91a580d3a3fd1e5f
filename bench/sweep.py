"""A sweep of 8 equal runs on a local Ray cluster of 2 CPUs against the same runs one
after another, and Ray's overhead per run.

    .venv/bin/python -m bench.sweep [--runs 8] [--duration 1d] [--cpus 2]

The runs: tests/sweep/tiny.toml (one pool, one worker, dev preset) for `--duration`,
seeds 1…N (same work, distinct runs). Timed: (1) each run in this process, one after
another (node.sweep.task.run_point, what a Ray task executes); (2) the sweep on a local
cluster of `--cpus` CPUs (runs at a time: the CPUs), not counting the cluster's start;
(3) the same through Ray one at a time: its wall time less the runs' own (measured inside
the task) over N is Ray's overhead per run — submitting, scheduling, shipping the
scenario text in and the result out. The cluster's start is reported apart.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

from node.sweep.driver import OBJECT_STORE, run_sweep
from node.sweep.grid import build_grid
from node.sweep.task import run_point

TINY = Path(__file__).resolve().parents[1] / "tests" / "sweep" / "tiny.toml"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--duration", default="1d")
    ap.add_argument("--cpus", type=int, default=2)
    args = ap.parse_args()
    points = build_grid(TINY, [f"scenario.duration={args.duration}"], args.runs)
    load = os.getloadavg()[0]

    run_point(points[0].text, points[0].genesis)  # warm: imports, caches, as Ray's workers
    t0 = time.perf_counter()
    alone = [run_point(p.text, p.genesis) for p in points]
    sequential = time.perf_counter() - t0
    assert all(r["ok"] for r in alone), [r.get("error") for r in alone]
    print(f"sequential: {args.runs} runs in {sequential:.2f} s "
          f"({sequential / args.runs:.2f} s per run)")

    import ray

    t0 = time.perf_counter()
    ray.init(num_cpus=args.cpus, object_store_memory=OBJECT_STORE, include_dashboard=False,
             logging_level=logging.WARNING)
    print(f"ray local cluster start: {time.perf_counter() - t0:.2f} s")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # warm the workers (process start, imports) as a long sweep would have them
            run_sweep(points[:args.cpus], Path(tmp) / "warm", [], [])
            t0 = time.perf_counter()
            res = run_sweep(points, Path(tmp) / "par", [], [])
            parallel = time.perf_counter() - t0
            heads = [r["head_hash"] for r in res.rows]
            assert heads == [r["summary"]["chain"]["head"]["hash"] for r in alone]
            print(f"ray, {args.cpus} CPUs: {args.runs} runs in {parallel:.2f} s; "
                  f"speed-up {sequential / parallel:.2f}x (same head hashes); a run took "
                  f"{sum(r['wall_s'] for r in res.rows) / args.runs:.2f} s inside its task "
                  f"(CPUs shared with other work stretch it; load average now "
                  f"{os.getloadavg()[0]:.1f}, {load:.1f} at the start)")
            t0 = time.perf_counter()
            one = run_sweep(points, Path(tmp) / "one", [], [], max_parallel=1)
            through = time.perf_counter() - t0
            inside = sum(r["wall_s"] for r in one.rows)
            print(f"ray one at a time: {through:.2f} s, of which in the runs {inside:.2f} s: "
                  f"overhead {(through - inside) / args.runs * 1000:.0f} ms per run")
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
