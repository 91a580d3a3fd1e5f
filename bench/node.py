"""Empty blocks sealed per second and blocks replayed per second, on the real node path.

    .venv/bin/python -m bench.node [BLOCKS] [RUNS]

Sealing: `Chain.seal` on a LevelDB chain initialized from the repository's
genesis.json (timestamp inherent, every pallet's hooks, roots, header, one write
batch per block, the `seal` JSON of each block built as the CLI does). Replay: the
exported blocks re-imported through the full executor with every check
(`node.replay`), state in memory as `phala-emu replay` does without --into.
Reports the median over RUNS runs. Target: >= 1,000 empty blocks/s (50,400 blocks,
7 days of 12 s blocks, in under a minute).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from node.chain import Chain
from node.replay import load_blocks, open_target
from node.replay import replay as do_replay

REPO = Path(__file__).resolve().parent.parent
TARGET = 1000


def seal_rate(base: Path, blocks: int) -> float:
    with Chain.open(base) as chain:
        start = time.perf_counter()
        for block in chain.seal(blocks):
            block.json()  # rendered, as the seal command prints it
        return blocks / (time.perf_counter() - start)


def replay_rate(base: Path, out: Path) -> float:
    with Chain.open(base) as chain:
        out.mkdir()
        head = chain.head().number
        for n in range(head + 1):
            h = chain.store.hash_of(n)
            assert h is not None
            (out / f"{n:010d}.block").write_bytes(chain.store.block_bytes(h))
        text = chain.genesis_text
        expected = chain.head().hash()
    blocks = load_blocks(sorted(out.glob("*.block")))
    start = time.perf_counter()
    with open_target(text, None) as replayed:
        got = do_replay(replayed, blocks, None).hash()
    elapsed = time.perf_counter() - start
    assert got == expected, "replay did not reproduce the head"
    return head / elapsed


def main() -> None:
    blocks = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    seals, replays = [], []
    genesis = (REPO / "genesis.json").read_bytes()
    for i in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp) / "chain"
            Chain.init(base, genesis).close()
            seals.append(seal_rate(base, blocks))
            replays.append(replay_rate(base, Path(tmp) / f"blocks{i}"))
    seal, replay = statistics.median(seals), statistics.median(replays)
    print(f"node: {blocks} empty blocks per run, median of {runs} runs")
    print(f"  sealed   {seal:8,.0f} blocks/s  (target {TARGET:,}: "
          f"{'met' if seal >= TARGET else 'NOT met'}; 50,400 blocks in {50_400 / seal:.0f} s)")
    print(f"  replayed {replay:8,.0f} blocks/s  (full executor, every check)")


if __name__ == "__main__":
    main()
