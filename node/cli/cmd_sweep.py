"""Parameter sweeps: a scenario file run over the grid product of `--set` values × seeds,
each run a Ray task on a chain in its own temporary directory.

  sweep SCENARIO --set PATH=V1,V2,… [--set …] [--seeds N] [--address ADDR]
        [--max-parallel K] [--out DIR] [--metric M …] [--retry-failed]

PATH is a dotted path into the scenario file (`pools.0.commission`,
`workers.0.count`, `scenario.duration`); values are written as in the file ("10%",
"1000 PHA", 4) or as a range A..B:STEP, end included, a unit on any of its numbers
(`0%..50%:10%`, `0..20:5`). --seeds N runs each point with seeds s, s+1, … s+N-1 (s:
the file's seed). Every point is validated before any run starts (exit 2 naming the
path, the value and what the scenario allows). Ray: a local cluster sized to the
machine unless --address (`auto`, `ray://HOST:10001`; phala-emu installed on its
nodes). DIR (default ./sweeps/<file name>) gets results.csv and results.parquet (one
row per run: parameters, seed, status, head hash, final metrics), runs/<key>/ with
each run's resolved scenario.toml and summary.json (or error.txt), and charts of the
--metric columns (default: the first pool's delegator_apr, owner_rewards and
reward_share). A failed run is recorded and the sweep goes on; the same sweep into
the same DIR skips the runs already done, so an interrupted one resumes.

Example:
  phala-emu sweep scenarios/sweeps/commission.toml --set 'pools.0.commission=0%..50%:10%' \\
      --seeds 3 --out /tmp/commission
"""

from __future__ import annotations

import argparse
import signal
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from node.cli.output import CliError, Output
from node.scenario.units import ScenarioError

NAME = "sweep"
HELP = "run a scenario over a grid of parameter values × seeds, as Ray tasks"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="a scenario file")
    parser.add_argument("--set", dest="sets", action="append", default=[],
                        metavar="PATH=V1,V2,…", help="values of one field (or A..B:STEP)")
    parser.add_argument("--seeds", type=int, metavar="N", help="seeds per point")
    parser.add_argument("--address", metavar="ADDR",
                        help="a Ray cluster (auto, ray://HOST:10001); default: a local one")
    parser.add_argument("--max-parallel", type=int, metavar="K", help="runs at a time "
                        "(default: the cluster's CPUs)")
    parser.add_argument("--out", metavar="DIR", help="output (default ./sweeps/<file name>)")
    parser.add_argument("--metric", dest="metrics", action="append", metavar="COLUMN",
                        help="a results column to chart (repeatable)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="run again the points that failed before")


def run(args: argparse.Namespace, out: Output) -> int:
    from node.sweep.driver import SweepCancelled, run_sweep
    from node.sweep.grid import SweepError, build_grid, parse_set

    if args.max_parallel is not None and args.max_parallel < 1:
        raise CliError("BadInput", f"--max-parallel {args.max_parallel}: at least 1")
    try:
        points = build_grid(args.scenario, args.sets, args.seeds)
    except ScenarioError as exc:
        raise CliError("BadScenario", str(exc)) from None
    except SweepError as exc:
        raise CliError("BadSweep", str(exc)) from None
    params = [parse_set(s)[0] for s in args.sets]
    metrics = args.metrics or _default_metrics(args.scenario)
    dest = Path(args.out or Path("sweeps") / Path(args.scenario).stem)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` cancels as Ctrl-C does
    try:
        with _progress(not out.json_mode) as bar:
            res = run_sweep(points, dest, params, metrics, args.address, args.max_parallel,
                            args.retry_failed, bar)
    except SweepCancelled as exc:
        raise CliError("Cancelled", str(exc), 130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    failed = [r for r in res.rows if r["status"] != "ok"]
    doc = {"out": str(dest), "runs": len(res.rows), "ran": res.ran, "skipped": res.skipped,
           "failed": len(failed), "files": res.files, "rows": res.rows}
    out.result(doc, _print)
    return 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _default_metrics(scenario: str) -> list[str]:
    try:
        pools = tomllib.loads(Path(scenario).read_text("utf-8")).get("pools", [])
    except (OSError, tomllib.TOMLDecodeError):
        return []
    if not pools:
        return ["network.rewards"]
    name = pools[0]["name"]
    return [f"{name}.delegator_apr", f"{name}.owner_rewards", f"{name}.reward_share"]


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int], Callable[[], None]]]:
    """A rich progress bar over runs, with the time left, on stderr."""
    if not enabled:
        yield lambda n: lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress("runs", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        def start(total: int) -> Callable[[], None]:
            task = bar.add_task("runs", total=total)
            return lambda: bar.advance(task)

        yield start


def _print(d: dict[str, Any]) -> None:
    print(f"{d['runs']} runs ({d['ran']} run now, {d['skipped']} done before, "
          f"{d['failed']} failed); results in {d['out']}")
    for r in d["rows"]:
        if r["status"] != "ok":
            print(f"  failed {r['key']}: {r['error']}")
