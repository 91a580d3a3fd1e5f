"""`phala-emu forecast withdrawal` on a chain with 100 mining workers after a day of blocks.

    .venv/bin/python -m bench.forecast [--workers 100] [--blocks 7200] [--skip 3600]
                                       [--apr-days 0.25] [--base-path DIR]

The chain is bench.fastforward's (the repository's genesis.json — 7-day grace period,
7-day cool-down — with N simulated workers in Alice's pool 0, 8,000 PHA each), with Eve
contributing 60,000 PHA before the workers start, so 10,000 PHA stay free. After
`--blocks` blocks of 12 s, Eve withdraws 30,000 PHA of shares: 10,000 are paid, 20,000
wait in the queue. Timed: the CLI's `forecast withdrawal --pool 0 --who //Eve` (open the
chain, fork it, run it forward — forced stop after 7 days, cool-down, N reclaims — and
print the JSON), then `forecast apr --pool 0 --days D`. The chain on disk must be
unchanged afterwards. Pinned to one CPU.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.fastforward import bench_genesis
from node.chain import Chain
from node.cli import main as cli_main
from node.staking_lifecycle import PHA, Lifecycle
from runtime.keys import Keypair
from storage.leveldb import LevelDBBackend


def setup(chain: Chain, workers: int) -> Lifecycle:
    run = Lifecycle(chain, out=lambda m: None)
    run.tx("//Alice", "PhalaStakePool", "create")
    run.tx("//Alice", "PhalaStakePool", "contribute", 0, workers * 8_000 * PHA - 50_000 * PHA)
    run.tx("//Eve", "PhalaStakePool", "contribute", 0, 60_000 * PHA)
    for i in range(workers):
        pubkey = "0x" + Keypair.from_uri(f"//BenchWorker{i}").public_key.hex()
        run.tx("//Alice", "PhalaStakePool", "add_worker", 0, pubkey)
        run.tx("//Alice", "PhalaStakePool", "start_mining", 0, pubkey, 8_000 * PHA)
    return run


def digest(base: Path) -> bytes:
    """A digest of every LevelDB record (key and value, in key order)."""
    h = hashlib.blake2b()
    db = LevelDBBackend(base / "db", create=False)
    try:
        for k, v in db.iter_prefix(b""):
            h.update(len(k).to_bytes(4, "little") + k + len(v).to_bytes(4, "little") + v)
    finally:
        db.close()
    return h.digest()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=100)
    p.add_argument("--blocks", type=int, default=7_200)
    p.add_argument("--skip", type=int, default=3600)
    p.add_argument("--apr-days", type=float, default=0.25,
                   help="also time `forecast apr` over this many days (0: not)")
    p.add_argument("--base-path")
    args = p.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    base = Path(args.base_path or tempfile.mkdtemp(prefix="phala-forecast-"))
    shutil.rmtree(base, ignore_errors=True)
    t0 = time.perf_counter()
    with Chain.init(base, bench_genesis(args.workers)) as chain:
        run = setup(chain, args.workers)
        done = 0
        while done < args.blocks:
            step = min(1_000, args.blocks - done)
            chain.seal(step)
            done += step
        run.tx("//Eve", "PhalaStakePool", "withdraw", 0, 30_000 * PHA)
        head = chain.head().number
    print(f"chain: {args.workers} mining workers, head #{head} after {args.blocks} blocks "
          f"({time.perf_counter() - t0:.1f} s to build)", file=sys.stderr)
    before = digest(base)
    out = io.StringIO()
    t1 = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = cli_main(["--base-path", str(base), "--json", "forecast", "withdrawal",
                         "--pool", "0", "--who", "//Eve", "--skip", str(args.skip)])
    secs = time.perf_counter() - t1
    doc = json.loads(out.getvalue())
    unchanged = digest(base) == before
    if code != 0 or doc["outcome"] != "paid" or not unchanged:
        print(f"FAILED: exit {code}, {doc.get('outcome')}, disk unchanged: {unchanged}")
        return 1
    blocks = sum(r["count"] for r in doc["schedule"])
    print(f"forecast withdrawal ({args.workers} workers, --skip {args.skip}): {secs:.2f} s; "
          f"{blocks} forked blocks to #{doc['paid']['block']['number']}, paid "
          f"{doc['paid']['amount']} planck after {doc['paid']['after_sec'] / 86400:.3f} days "
          f"via {' -> '.join(doc['path'])} ({len(doc['reclaim']['extrinsics'])} reclaims); "
          "chain on disk unchanged")
    if args.apr_days > 0:
        out = io.StringIO()
        t2 = time.perf_counter()
        with contextlib.redirect_stdout(out):
            code = cli_main(["--base-path", str(base), "--json", "forecast", "apr", "--pool",
                             "0", "--days", str(args.apr_days)])
        secs = time.perf_counter() - t2
        doc = json.loads(out.getvalue())
        if code != 0 or digest(base) != before:
            print(f"FAILED: forecast apr exit {code}")
            return 1
        print(f"forecast apr ({args.apr_days:g} days, {doc['blocks']} blocks): {secs:.2f} s "
              f"({1000 * secs / doc['blocks']:.1f} ms/block); realised APR "
              f"{doc['realised_apr']['float']:.6f} vs formula "
              f"{doc['formula_apr']['at_start']['float']:.6f}")
    if not args.base_path:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
