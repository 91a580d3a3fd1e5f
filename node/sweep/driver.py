"""Running a sweep's points as Ray tasks and keeping its directory:

  OUT/runs/<key>/scenario.toml   the resolved scenario (`scenario run` it alone: same head)
  OUT/runs/<key>/summary.json    the run's summary (failed runs: error.txt instead)
  OUT/runs/<key>/row.json        its table row, written last: the run is done
  OUT/results.csv, results.parquet, <metric>.png

A point whose row.json exists is not run again (failed ones only with `retry_failed`),
so a sweep killed halfway resumes where it stopped. Ray runs the tasks: a local
cluster started in-process (sized to the machine) unless `address` names one; an
interrupt cancels the tasks in flight and the rows done so far are kept."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from node.sweep import charts, results
from node.sweep.grid import GENESIS_NAME, Point
from node.sweep.task import run_point

OBJECT_STORE = 100 * 1024 * 1024  # rows are small; Ray's default (30 % of RAM) is not
CANCEL_WAIT_S = 10.0


class SweepCancelled(Exception):
    """Interrupted: the runs in flight were cancelled; the finished ones are kept."""


@dataclass
class SweepResult:
    rows: list[dict[str, Any]]
    ran: int  # runs executed by this invocation
    skipped: int  # runs found done in the directory
    files: list[str] = field(default_factory=list)


@contextmanager
def ray_cluster(address: str | None, num_cpus: int | None = None) -> Iterator[Any]:
    """Ray connected: to `address` (`auto`, `ray://host:10001`), or to a local cluster
    started here and shut down on leaving. A session already initialised (by the
    caller) is used as it is."""
    import logging

    import ray

    if ray.is_initialized():
        yield ray
        return
    if address:
        ray.init(address=address, logging_level=logging.WARNING)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count() or 1, object_store_memory=OBJECT_STORE,
                 include_dashboard=False, logging_level=logging.WARNING)
    try:
        yield ray
    finally:
        ray.shutdown()


def done_rows(out: Path) -> dict[str, dict[str, Any]]:
    rows = {}
    for f in (out / "runs").glob("*/row.json"):
        rows[f.parent.name] = json.loads(f.read_text())
    return rows


def run_sweep(points: list[Point], out: Path, params: list[str], metrics: list[str],
              address: str | None = None, max_parallel: int | None = None,
              retry_failed: bool = False,
              progress: Callable[[int], Callable[[], None]] = lambda n: lambda: None,
              ) -> SweepResult:
    out.mkdir(parents=True, exist_ok=True)
    have = done_rows(out)
    if retry_failed:
        have = {k: r for k, r in have.items() if r["status"] == "ok"}
    todo: dict[str, Point] = {}
    for p in points:
        if p.key not in have:
            todo.setdefault(p.key, p)
    ran = 0
    if todo:
        step = progress(len(todo))
        try:
            with ray_cluster(address) as ray:
                ran = _execute(ray, list(todo.values()), out, max_parallel, step)
        except KeyboardInterrupt:
            _finish(points, out, params, metrics, charts_too=False)
            raise SweepCancelled("interrupted: the runs in flight were cancelled; run the "
                                 "same sweep again to resume") from None
    rows, files = _finish(points, out, params, metrics, charts_too=True)
    return SweepResult(rows, ran, len({p.key for p in points}) - len(todo), files)


def _execute(ray: Any, todo: list[Point], out: Path, max_parallel: int | None,
             step: Callable[[], None]) -> int:
    task = ray.remote(num_cpus=1, max_retries=0)(run_point)
    limit = max_parallel or max(1, int(ray.cluster_resources().get("CPU", 1)))
    queue = list(reversed(todo))
    inflight: dict[Any, Point] = {}
    ran = 0
    try:
        while queue or inflight:
            while queue and len(inflight) < limit:
                p = queue.pop()
                inflight[task.remote(p.text, p.genesis)] = p
            ready, _ = ray.wait(list(inflight), num_returns=1)
            for ref in ready:
                p = inflight.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as exc:  # the task itself died (worker lost, …)
                    result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                _record(out, p, result)
                ran += 1
                step()
    except KeyboardInterrupt:
        for ref in inflight:
            ray.cancel(ref)  # KeyboardInterrupt in the task: its temporary directory goes
        if inflight:  # let them clean up before the cluster is shut down
            ray.wait(list(inflight), num_returns=len(inflight), timeout=CANCEL_WAIT_S)
        raise
    return ran


def _record(out: Path, p: Point, result: dict[str, Any]) -> None:
    d = out / "runs" / p.key
    d.mkdir(parents=True, exist_ok=True)
    (d / "scenario.toml").write_text(p.text, "utf-8")
    if p.genesis is not None:
        (d / GENESIS_NAME).write_bytes(p.genesis)
    if result["ok"]:
        (d / "summary.json").write_text(json.dumps(result["summary"], indent=1) + "\n")
    else:
        (d / "error.txt").write_text(result.get("traceback") or result["error"])
    row = results.make_row(p, result)
    tmp = d / "row.json.tmp"
    tmp.write_text(json.dumps(row) + "\n")
    tmp.replace(d / "row.json")  # last, and atomically: the run counts as done


def _finish(points: list[Point], out: Path, params: list[str], metrics: list[str],
            charts_too: bool) -> tuple[list[dict[str, Any]], list[str]]:
    have = done_rows(out)
    rows = []
    for p in points:
        if p.key in have:
            rows.append(dict(have[p.key], **p.params, seed=p.seed))
    cols = results.columns(rows, params)
    results.write_csv(rows, cols, out / "results.csv")
    results.write_parquet(rows, cols, out / "results.parquet")
    files = [str(out / "results.csv"), str(out / "results.parquet")]
    if charts_too:
        files += charts.render(rows, params, metrics, out)
    return rows, files
