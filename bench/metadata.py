"""Metadata V14 + V15 build time for the node's composition (cold: the per-composition
cache cleared before each run), and the time to build a Runtime (its own outer codecs).

    .venv/bin/python -m bench.metadata [RUNS]
"""

from __future__ import annotations

import statistics
import sys
import time

from node.composition import build_runtime
from runtime import metadata
from storage.overlay import Overlay


def build_times(runs: int = 7) -> tuple[float, float, float]:
    """Median seconds: (V14 + V15 from cold, a cached read, one more Runtime())."""
    rt = build_runtime(Overlay())
    cold, cached, runtimes = [], [], []
    for _ in range(runs):
        metadata._CACHE.clear()
        start = time.perf_counter()
        metadata.metadata_bytes(rt, 14)
        metadata.metadata_bytes(rt, 15)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        metadata.metadata_bytes(rt, 15)
        cached.append(time.perf_counter() - start)
        start = time.perf_counter()
        build_runtime(Overlay())
        runtimes.append(time.perf_counter() - start)
    return statistics.median(cold), statistics.median(cached), statistics.median(runtimes)


if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    cold, cached, rt = build_times(runs)
    rt0 = build_runtime(Overlay())
    sizes = [len(metadata.metadata_bytes(rt0, v)) for v in metadata.SUPPORTED_VERSIONS]
    print(f"metadata V14 + V15 from cold: {cold * 1000:.1f} ms ({sizes[0]:,} + {sizes[1]:,} "
          f"bytes); cached read {cached * 1e6:.0f} us; Runtime() {rt * 1000:.2f} ms "
          f"(medians of {runs})")
