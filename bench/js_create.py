"""polkadot.js `ApiPromise.create` to ready on a fresh server: median of 5 (target < 1.5 s).

Ready means connected, the runtime version, properties and metadata (V15 through
`Metadata_metadata_at_version`) fetched and decoded — what every polkadot.js user waits
for before the first query. Each run starts a new `serve` on a fresh chain, so nothing
is cached on either side.

  python -m bench.js_create [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from tests.clients.harness import npm_ready, phala_emu, run_js, served

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 1.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    why = npm_ready()
    if why is not None:
        print(f"skipped: {why}")
        return 0
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            base = Path(tmp) / f"chain{i}"
            phala_emu(base, "init", "--genesis", str(REPO / "genesis.json"))
            with served(base) as info:
                out = run_js("create.mjs", info["url"])
            times.append(out["createMs"] / 1000)
    median = statistics.median(times)
    print(json.dumps({"runs": [round(t, 3) for t in times], "median_s": round(median, 3),
                      "target_s": TARGET_S, "ok": median < TARGET_S}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
