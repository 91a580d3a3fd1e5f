"""Scenario files: a network, pools, delegators and a timeline of actions (TOML; the
schema is scenarios/README.md), run on a real chain.

  run FILE [--out DIR] [--force]
      validate FILE (nothing is written when it is bad: exit 2 naming the field), build
      the chain in DIR/chain (genesis, pools, workers mining with simulated heartbeats,
      every action a signed extrinsic in a sealed block), and write DIR/network.csv,
      pools.csv, workers.csv, summary.json and PNG charts. The chain stays for
      `--base-path DIR/chain export-blocks` / `replay`; the same file gives the same
      head hash. DIR defaults to ./scenario-runs/<file name>.
  check FILE
      validate only.

Examples:
  phala-emu scenario run scenarios/seed-case2.toml --out /tmp/case2
  phala-emu --json scenario check scenarios/khala-2022-30d.toml
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from node.cli.output import CliError, Output
from node.scenario.runner import SetupFailed
from node.scenario.schema import Scenario, load_scenario
from node.scenario.units import ScenarioError

NAME = "scenario"
HELP = "run a scenario file (network, pools, delegators, timeline) on a real chain"


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="scenario_command", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="run a scenario file")
    run.add_argument("file", metavar="FILE")
    run.add_argument("--out", metavar="DIR", help="output directory "
                     "(default ./scenario-runs/<file name>)")
    run.add_argument("--force", action="store_true", help="replace a non-empty DIR")
    check = sub.add_parser("check", help="validate a scenario file")
    check.add_argument("file", metavar="FILE")


def run(args: argparse.Namespace, out: Output) -> int:
    if args.scenario_command == "check":
        try:
            sc = load_scenario(args.file)
        except ScenarioError as exc:
            raise CliError("BadScenario", str(exc)) from None
        out.result(_check_json(sc), lambda d: print(f"{d['file']}: ok ({d['workers']} "
                                                    f"workers, {d['pools']} pools, "
                                                    f"{d['actions']} actions)"))
        return 0
    from node.scenario.run import OutputExists, run_scenario

    dest = args.out or str(Path("scenario-runs") / Path(args.file).stem)
    try:
        with _progress(not out.json_mode) as bar:
            summary = run_scenario(args.file, dest, args.force, progress=bar, say=out.log)
    except ScenarioError as exc:
        raise CliError("BadScenario", str(exc)) from None
    except OutputExists as exc:
        raise CliError("OutputExists", str(exc)) from None
    except SetupFailed as exc:
        raise CliError("ScenarioFailed", f"the chain refused the set-up: {exc}", 1) from None
    out.result(summary, _print_summary)
    return 0


def _check_json(sc: Scenario) -> dict[str, Any]:
    return {"file": sc.file, "name": sc.name, "preset": sc.preset,
            "workers": sum(w.count for w in sc.workers), "pools": len(sc.pools),
            "delegators": len(sc.delegators), "actions": len(sc.timeline),
            "duration_s": sc.duration_ms // 1000}


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[Scenario], Callable[[int], None]] | None]:
    """A rich progress bar on stderr in chain days."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress("[progress.description]{task.description}", BarColumn(),
                  TextColumn("{task.completed:.2f}/{task.total:.2f} chain days"),
                  TimeRemainingColumn(), console=Console(stderr=True),
                  transient=True) as bar:
        def start(sc: Scenario) -> Callable[[int], None]:
            task = bar.add_task(sc.name, total=sc.duration_ms / 86_400_000)
            return lambda ms: bar.update(task, completed=ms / 86_400_000)

        yield start


def _print_summary(s: dict[str, Any]) -> None:
    head = s["chain"]["head"]
    print(f"{s['scenario']}: {head['number']} blocks, {head['time_s'] / 86400:.2f} chain "
          f"days in {s['wall_time_s']:.1f} s; head {head['hash']}")
    for p in s["pools"]:
        print(f"  pool {p['pid']} {p['name']}: stake {p['total_stake']} (free "
              f"{p['free_stake']}, releasing {p['releasing_stake']}), rewards owner "
              f"{p['owner_rewards']} delegators {p['delegator_rewards']} planck")
    for who, by_pool in s["accounts"].items():
        for pool, a in by_pool.items():
            print(f"  {who} in {pool}: contributed {a['contributed']}, withdrawn "
                  f"{a['withdrawn']}, claimed {a['claimed']} planck")
    failed = [a for a in s["actions"] if any(not x["success"] for x in a["extrinsics"])]
    if failed:
        print(f"  {len(failed)} action(s) failed: see summary.json")
    print(f"  files in {Path(s['files'][0]).parent}")
