"""Forecasts on an in-memory fork of the chain at its head: the chain on disk is untouched.

The fork runs forward with the node's own runtime, signatures and worker simulator
(workers keep answering heartbeats unless --offline names them). It forecasts the chain
as this node would author it with `seal`'s block time; the JSON's `schedule` and
`extrinsics` say exactly how (`submit --no-seal HEX` then `seal --count N --advance S`
authors the same blocks).

  withdrawal  when a queued withdrawal is fully paid: block, chain time, amounts and the
              path (free stake, forced stop after the grace period, reclaim after the
              cool-down). reclaim_pool_worker is sent by the forecast in the first block
              where it can succeed (signed by the pool owner, else sudo, else the account,
              whichever key the node holds); --no-reclaim shows the outcome without it.
              Skips ahead in blocks of up to --skip seconds where nothing can happen to
              the withdrawal (--skip 12 authors every 12-second block).
              --shares N forecasts a withdrawal of N shares the account sends now.
  apr         the pool's realised APR over --days of blocks against the `apr` formula's.

Examples:
  phala-emu forecast withdrawal --pool 1 --who //Eve
  phala-emu --json forecast withdrawal --pool 1 --who //Eve --no-reclaim
  phala-emu forecast withdrawal --pool 0 --who //Bob --shares 1000000000000000
  phala-emu forecast apr --pool 0 --days 1 --offline 0xe08f…
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from node.cli.output import CliError, Output
from node.forecast import DAY_MS, ForecastError
from node.session import open_chain
from runtime.keys import InvalidAccount, parse_account

NAME = "forecast"
HELP = "forecast a queued withdrawal or a pool's APR on an in-memory fork"


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="what", metavar="WHAT", required=True)
    w = sub.add_parser("withdrawal", help="when a queued withdrawal is fully paid",
                       description="When ACCOUNT's queued withdrawal from pool PID is fully "
                       "paid (or, with --shares, a withdrawal it sends now), on a fork.")
    w.add_argument("--pool", type=int, required=True, metavar="PID")
    w.add_argument("--who", required=True, metavar="ACCOUNT", help="SS58, 0x or //Name")
    w.add_argument("--shares", type=int, metavar="N",
                   help="forecast a new withdrawal of N shares sent now (needs its key)")
    w.add_argument("--no-reclaim", action="store_true",
                   help="nobody sends reclaim_pool_worker")
    w.add_argument("--skip", type=int, default=3600, metavar="SECONDS",
                   help="longest block where nothing can happen (default 3600)")
    w.add_argument("--horizon-days", type=float, default=60, metavar="D",
                   help="give up after D chain days (default 60)")
    a = sub.add_parser("apr", help="the pool's realised APR against the formula's",
                       description="Pool PID's delegators' realised APR over --days of "
                       "blocks at seal's block time, on a fork, against the apr formula's.")
    a.add_argument("--pool", type=int, required=True, metavar="PID")
    a.add_argument("--days", type=float, default=1, metavar="N",
                   help="chain days of blocks to author (default 1)")
    for p in (w, a):
        p.add_argument("--offline", default="", metavar="PUBKEY[,…]",
                       help="simulated workers that stop answering heartbeats")


def _accounts(text: str, what: str) -> list[bytes]:
    out = []
    for part in filter(None, (t.strip() for t in text.split(","))):
        try:
            out.append(parse_account(part))
        except InvalidAccount as exc:
            raise CliError("BadInput", f"{what}: {exc}") from None
    return out


@contextmanager
def _progress(days: float | None) -> Iterator[Callable[[int, int], None]]:
    """Chain days forecast so far, on stderr (rich) when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield lambda number, ms: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("forecast", total=days)
        first: list[int] = []

        def update(number: int, ms: int) -> None:
            if not first:
                first.append(ms)
            done = (ms - first[0]) / DAY_MS
            bar.update(task, completed=done,
                       description=f"forecast: block #{number}, +{done:.2f} chain days")

        yield update


def run(args: argparse.Namespace, out: Output) -> int:
    offline = _accounts(args.offline, "--offline")
    try:
        with open_chain(args) as chain:
            if args.what == "withdrawal":
                from node.forecast import forecast_withdrawal

                try:
                    who = chain.ctx.parse_account(args.who)
                except InvalidAccount as exc:
                    raise CliError("BadInput", f"--who: {exc}") from None
                with _progress(args.horizon_days) as update:
                    data = forecast_withdrawal(
                        chain, args.pool, who, shares=args.shares,
                        reclaim=not args.no_reclaim, offline=offline, skip_sec=args.skip,
                        horizon_days=args.horizon_days, progress=update)
                out.result(data, _print_withdrawal)
            else:
                from node.forecast_apr import forecast_apr

                with _progress(args.days) as update:
                    data = forecast_apr(chain, args.pool, args.days, offline, update)
                out.result(data, _print_apr)
    except ForecastError as exc:
        raise CliError(exc.kind, exc.message) from None
    return 0


def _pha(planck: int) -> str:
    return f"{planck / 10**12:,.6f} PHA ({planck} planck)"


def _print_withdrawal(d: dict[str, Any]) -> None:
    r = d["request"]
    say = print
    say(f"pool {d['pool']}, {d['who']}: {'new' if r['new'] else 'queued'} withdrawal of "
        f"{r['shares']} shares (worth {_pha(r['value_now']) if r['value_now'] else 'n/a'} "
        f"at block #{r['block']['number']}, {r['block']['time']})")
    for step in d["steps"]:
        b = step["block"]
        if step["step"] == "forced_stop":
            say(f"  #{b['number']} {b['time']}: forced stop after the grace period: "
                f"{len(step['workers'])} worker(s) cool down")
        elif step["step"] == "reclaim":
            by = "sent by the forecast" if step["sent_by_forecast"] else "a pending extrinsic"
            say(f"  #{b['number']} {b['time']}: reclaim_pool_worker {step['worker'][:12]}… "
                f"returns {_pha(step['original_stake'])} ({by})")
        elif step["step"] == "stop":
            say(f"  #{b['number']} {b['time']}: stop_mining {step['worker'][:12]}… (a pending "
                "extrinsic)")
        else:
            say(f"  #{b['number']} {b['time']}: paid from free stake: {_pha(step['amount'])}")
    paid = d["paid"]
    if paid is not None:
        b = paid["block"]
        say(f"fully paid at block #{b['number']} ({b['time']}, {paid['after_sec'] / 86400:.3f}"
            f" days from now): {_pha(paid['amount'])} for {paid['shares']} shares; path: "
            f"{' -> '.join(d['path']) or 'n/a'}")
    else:
        say(f"not paid ({d['outcome']}) as of block #{d['forecast_head']['number']} "
            f"({d['forecast_head']['time']})")
        for rec in d["reclaim"]["possible_from"]:
            say(f"  reclaim_pool_worker {rec['worker'][:12]}… could be sent from {rec['time']}"
                f" (--no-reclaim: nobody sends it)")
    say(f"assumption: {d['assumption']}")
    say("schedule (seal --count N --advance S; the extrinsics go in with submit --no-seal):")
    sent: dict[int, list[str]] = {}
    for x in d["extrinsics"]:
        sent.setdefault(x["block"], []).append(x["call"])
    for run in d["schedule"]:
        say(f"  #{run['from']}..#{run['to']}: {run['count']} block(s) of "
            f"{run['advance_ms'] / 1000:g} s" + "".join(
                f"\n    with {c}" for c in sent.get(run["from"], [])))


def _pct(rate: dict[str, Any] | None) -> str:
    return "n/a" if rate is None else f"{rate['float'] * 100:.4f} %"


def _print_apr(d: dict[str, Any]) -> None:
    rate = d["realised_apr"]
    f = d["formula_apr"]["at_start"]
    print(f"pool {d['pool']}: {d['blocks']} blocks, #{d['from']['number']} "
          f"({d['from']['time']}) -> #{d['to']['number']} ({d['to']['time']})")
    print(f"  rewards: owner {_pha(d['rewards']['to_owner'])}, delegators "
          f"{_pha(d['rewards']['to_stakers'])}")
    print(f"  realised APR {_pct(rate)}; formula APR at the start {_pct(f)}")
    print(f"assumption: {d['assumption']}")
