"""PNG charts of the chain's staking history and a text summary, for pool operators:
V of each worker, rewards per pool, owner vs delegator income, the withdraw queue
(files: v_per_worker.png, rewards_per_pool.png, owner_vs_delegators.png,
withdraw_queue.png, summary.txt). Long chains are sampled (--samples blocks).

Examples:
  phala-emu report --out ./charts
  phala-emu --json report --out /tmp/r --samples 400
"""

from __future__ import annotations

import argparse

from node.cli.output import CliError, Output
from node.report import render
from node.session import open_chain

NAME = "report"
HELP = "PNG charts and summary.txt of the staking history"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument("--samples", type=int, default=200, metavar="N",
                        help="blocks sampled for the state charts (default 200)")


def run(args: argparse.Namespace, out: Output) -> int:
    if args.samples < 2:
        raise CliError("BadInput", f"--samples {args.samples}: must be at least 2")
    with open_chain(args) as chain:
        try:
            data = render(chain, args.out, args.samples)
        except OSError as exc:
            raise CliError("BadInput", f"cannot write to {args.out}: {exc.strerror}") from None
    out.result(data, lambda d: print("\n".join(d["files"])))
    return 0
