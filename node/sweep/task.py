"""One run of a sweep, as executed on a Ray worker: the resolved scenario text written
into a temporary directory of its own, run there with the scenario runner (no charts),
and the outcome returned — the summary and the last sample of network.csv and
pools.csv — before the directory (chain included) is removed. Nothing but the text
travels, so a run gives the same chain on any node as `scenario run` on the same file."""

from __future__ import annotations

import csv
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from node.scenario.run import run_scenario
from node.sweep.grid import write_resolved


def run_point(text: str, genesis: bytes | None) -> dict[str, Any]:
    """{"ok": True, "summary", "network", "pools", "wall_s"} or {"ok": False, "error"}."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="phala-sweep-run-") as tmp:
        try:
            f = write_resolved(Path(tmp), text, genesis)
            summary = run_scenario(f, Path(tmp) / "out", charts=False)
            network = _last_rows(Path(tmp) / "out" / "network.csv", None)
            pools = _last_rows(Path(tmp) / "out" / "pools.csv", "pid")
        except Exception as exc:  # recorded in the sweep's table; the sweep goes on
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc(),
                    "wall_s": time.perf_counter() - started}
    summary.pop("files", None)  # output paths of a temporary directory
    summary["chain"].pop("path", None)  # a temporary directory, gone now
    return {"ok": True, "summary": summary, "network": network[0] if network else {},
            "pools": pools, "wall_s": time.perf_counter() - started}


def _last_rows(path: Path, by: str | None) -> list[dict[str, str]]:
    """The rows of the last sample (one per `by` value), as written."""
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        return []
    last = rows[-1]["time_s"]
    return [r for r in rows if r["time_s"] == last] if by else [rows[-1]]
