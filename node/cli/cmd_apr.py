"""Staking reward rates as of the head block (economics.md §9.2): the network PHASRB,
each pool's APR and APR multiplier, delegated tokens and staking wallets, with every
input (fixed-point inputs as {"bits", "value"}, rates as {"decimal", "float"}).

T̄ (average block time) is the genesis ExpectedBlockTimeSec unless --block-time measured
(the mean of the chain's Timestamp deltas from genesis to head).

Examples:
  phala-emu apr
  phala-emu --json apr --pool 0
  phala-emu apr --block-time measured
"""

from __future__ import annotations

import argparse
from typing import Any

from node.apr import BLOCK_TIME_SOURCES, compute_apr
from node.cli.output import CliError, Output
from node.session import open_chain

NAME = "apr"
HELP = "network PHASRB and per-pool APR with their inputs"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pool", type=int, metavar="PID", help="only this pool")
    parser.add_argument("--block-time", choices=BLOCK_TIME_SOURCES, default="expected",
                        help="T̄: genesis expected block time (default) or measured mean")


def run(args: argparse.Namespace, out: Output) -> int:
    with open_chain(args) as chain:
        try:
            data = compute_apr(chain, args.pool, args.block_time)
        except KeyError:
            raise CliError("UnknownPool", f"no pool {args.pool}") from None
    out.result(data, _print)
    return 0


def _pct(rate: dict[str, Any] | None) -> str:
    return "n/a" if rate is None else f"{rate['float'] * 100:.4f} %"


def _print(d: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    c = Console()
    i = d["inputs"]
    c.print(f"as of block #{d['block']['number']} {d['block']['hash']}")
    c.print(f"budget/block {i['budget_per_block']['value']} PHA, treasury ratio "
            f"{i['treasury_ratio']['value']}, sum_share S {i['sum_share']['value']}, "
            f"T̄ {i['block_time_sec'].get('decimal', 'n/a')} s ({i['block_time_sec']['source']})"
            f", t_y {i['t_y']} s")
    c.print(f"PHASRB {_pct(d['phasrb'])}   average APR multiplier "
            f"{'n/a' if d['apr_multiplier'] is None else d['apr_multiplier']['decimal']}")
    c.print(f"delegated tokens {d['delegated_tokens'] / 10**12:,.6f} PHA   "
            f"staking wallets {d['staking_wallets']}")
    t = Table(title="pools")
    for col in ("pid", "commission", "D_p (PHA)", "S_p", "APR multiplier", "APR"):
        t.add_column(col)
    for p in d["pools"]:
        mult = p["apr_multiplier"]
        t.add_row(str(p["pid"]), f"{p['commission_permill'] / 10**4:.2f} %",
                  f"{p['total_stake'] / 10**12:,.3f}", p["s_p"]["value"][:14],
                  "n/a" if mult is None else f"{mult['float']:.8f}", _pct(p["apr"]))
    c.print(t)
