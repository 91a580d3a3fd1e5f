"""Storage benchmarks: incremental roots, fresh 1M-key roots, committed block throughput.

Run: .venv/bin/python -m bench.storage [--keys N] [--repeat R]

(a) root() after changing 100 keys of an N-key state persisted in LevelDB
    (target < 50 ms at N = 1,000,000);
(b) the root of a fresh N-key state from scratch, plus the full genesis build
    that also persists the flat state and every node in LevelDB (target < 60 s);
(c) committed blocks per second on LevelDB, 100 changed keys per block.
Keys are blake2_256 hashes (like FRAME map keys); values 4..40 bytes.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from storage.leveldb import LevelDBBackend
from storage.state import ChainState
from storage.trie import blake2_256, trie_root

CHANGES_PER_BLOCK = 100
T = TypeVar("T")


def _items(n: int) -> list[tuple[bytes, bytes]]:
    rng = random.Random(1)
    return [(blake2_256(i.to_bytes(8, "little")), rng.randbytes(rng.randint(4, 40)))
            for i in range(n)]


def _stage(state: ChainState, rng: random.Random, n: int) -> None:
    """100 changes: mostly updates of existing keys, some inserts and deletes."""
    for j in range(CHANGES_PER_BLOCK):
        existing = blake2_256(rng.randrange(n).to_bytes(8, "little"))
        if j % 10 == 0:
            state.overlay.set(rng.randbytes(32), rng.randbytes(16))
        elif j % 10 == 1:
            state.overlay.delete(existing)
        else:
            state.overlay.set(existing, rng.randbytes(rng.randint(4, 40)))


def _timed(fn: Callable[[], T]) -> tuple[float, T]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    n, repeat = args.keys, args.repeat
    rows: list[tuple[str, str, str]] = []

    items = _items(n)
    scratch_s, scratch_root = _timed(lambda: trie_root(items))
    rows.append((f"(b) trie_root of fresh {n:,}-key state", f"{scratch_s:.1f} s", "< 60 s"))

    tmp = Path(tempfile.mkdtemp(prefix="bench-storage-"))
    try:
        db = LevelDBBackend(tmp / "db")
        state = ChainState(db)
        genesis_s, genesis_root = _timed(lambda: state.build_genesis(items))
        assert genesis_root == scratch_root
        rows.append((f"(b) build_genesis {n:,} keys into LevelDB", f"{genesis_s:.1f} s",
                     "< 60 s"))
        items.clear()  # free the input before the block benchmarks
        db.close()

        state = ChainState(LevelDBBackend(tmp / "db", create=False))  # reopen: cold cache
        rng = random.Random(2)
        root_times = []
        for _ in range(repeat):
            _stage(state, rng, n)
            elapsed, _ = _timed(state.root)
            root_times.append(elapsed)
            state.discard()
        rows.append((f"(a) root() after {CHANGES_PER_BLOCK} changes, {n:,} keys",
                     f"{statistics.median(root_times) * 1000:.1f} ms "
                     f"(first {root_times[0] * 1000:.1f})", "< 50 ms"))

        commit_times = []
        for _ in range(repeat * 3):
            _stage(state, rng, n)
            elapsed, _ = _timed(state.commit_block)
            commit_times.append(elapsed)
        per_block = statistics.median(commit_times)
        rows.append((f"(c) commit_block, {CHANGES_PER_BLOCK} changes (LevelDB)",
                     f"{per_block * 1000:.1f} ms = {1 / per_block:.0f} blocks/s "
                     f"= {CHANGES_PER_BLOCK / per_block:,.0f} keys/s", "-"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark (median of runs)':<{width}}  {'result':<40}  target")
    for name, result, target in rows:
        print(f"{name:<{width}}  {result:<40}  {target}")


if __name__ == "__main__":
    main()
