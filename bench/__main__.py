"""Run every benchmark module in turn: `python -m bench` (what `make bench` runs).

Modules are discovered in this package (every `bench/<name>.py`), run as scripts with
their own defaults, in a stable order, so benchmarks added by later issues run
without editing this file.
"""

from __future__ import annotations

import pkgutil
import runpy
import sys
import time

import bench

PREFERRED = ["storage", "verify", "transfers", "node"]


def modules() -> list[str]:
    found = [m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")]
    return [m for m in PREFERRED if m in found] + sorted(m for m in found if m not in PREFERRED)


def main() -> int:
    for name in modules():
        print(f"== bench.{name}", flush=True)
        saved = sys.argv
        sys.argv = [f"bench.{name}"]  # each module's own defaults
        start = time.perf_counter()
        try:
            runpy.run_module(f"bench.{name}", run_name="__main__", alter_sys=True)
        finally:
            sys.argv = saved
        print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
