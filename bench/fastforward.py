"""Fast-forward 7 days of chain time (50,400 blocks of 12 s) with 100 mining workers.

    .venv/bin/python -m bench.fastforward [--workers 100] [--blocks 50400] [--no-replay]
                                          [--profile] [--base-path DIR]

The chain is the repository's genesis.json with its workers replaced by N simulated
workers (`//BenchWorker<i>`, scores 1000..5950, operator //Alice); Alice's pool 0 holds
them all, funded and started. The timed part is `Chain.seal` over the blocks: on-disk
LevelDB, the full executive, the in-runtime Gatekeeper, and the node's worker simulator
answering every heartbeat challenge with signed `sync_offchain_message` extrinsics.
Then (unless --no-replay) every authored block is re-executed from the genesis file in
memory (`node.replay.import_block`: signatures, roots and hashes verified) and the head
must be the same. The process is pinned to one CPU. --profile prints the cumulative
time per top-level package/module of a cProfile run of the sealing.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench._workers import REPO, bench_genesis, setup
from node.chain import Chain
from node.replay import import_block, open_target
from node.worker_sim import attach_simulator


def profile_by_module(prof: cProfile.Profile, top: int = 15) -> list[tuple[str, float]]:
    """Own (tottime) seconds per repository module / external package."""
    stats = pstats.Stats(prof)
    per: dict[str, float] = defaultdict(float)
    for (path, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        p = str(path)
        key = os.path.relpath(p, REPO) if p.startswith(str(REPO)) and ".venv" not in p \
            else ("site-packages/" + p.split("site-packages/")[1].split("/")[0]
                  if "site-packages/" in p else p)
        per[key] += tottime
    return sorted(per.items(), key=lambda kv: -kv[1])[:top]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=100)
    p.add_argument("--blocks", type=int, default=50_400)
    p.add_argument("--no-replay", action="store_true")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--base-path")
    args = p.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    base = Path(args.base_path or tempfile.mkdtemp(prefix="phala-ff-"))
    shutil.rmtree(base, ignore_errors=True)
    genesis = bench_genesis(args.workers)
    with Chain.init(base, genesis) as chain:
        attach_simulator(chain)
        setup(chain, args.workers)
        start_block = chain.head().number
        heartbeats = [0]

        def seal_all() -> None:
            done = 0
            while done < args.blocks:
                step = min(1_000, args.blocks - done)
                for block in chain.seal(step):  # not rendered: nobody reads the JSON
                    heartbeats[0] += len(block.encoded_extrinsics) - 1
                done += step
                print(f"  #{chain.head().number}: {time.perf_counter() - t0:.1f} s",
                      file=sys.stderr)

        t0 = time.perf_counter()
        prof = cProfile.Profile() if args.profile else None
        if prof:
            prof.enable()
        seal_all()
        if prof:
            prof.disable()
        seal_s = time.perf_counter() - t0
        head = chain.head()
        online = chain.rt["PhalaMining"].OnlineMiners.get()
        print(f"fast-forward: {args.blocks} blocks ({args.blocks * 12 / 86400:g} days of chain "
              f"time) with {online} mining workers, {heartbeats[0]} relayed messages: "
              f"{seal_s:.1f} s ({1000 * seal_s / args.blocks:.2f} ms/block)")
        if prof:
            for key, secs in profile_by_module(prof):
                print(f"  {secs:8.1f} s  {key}")
        if not args.no_replay:
            t1 = time.perf_counter()
            target = open_target(genesis, None)
            for n in range(1, head.number + 1):
                header = chain.resolve(n)
                import_block(target, f"#{n}", header, chain.store.block_bytes(header.hash()),
                             None)
            same = target.head().hash() == head.hash()
            print(f"replay of blocks 1..{head.number} (setup from #{start_block}): "
                  f"{time.perf_counter() - t1:.1f} s, head {'identical' if same else 'DIFFERS'}"
                  f" 0x{head.hash().hex()}")
            if not same:
                return 1
    if not args.base_path:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
