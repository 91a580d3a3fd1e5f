"""Author blocks: the first includes every pending extrinsic in submission order.

Each block's timestamp is the previous block's plus --advance seconds (default: the
genesis block_time_ms). One write batch per block, so an interrupted run keeps
every block it completed. Progress shows on stderr for long runs.

Examples:
  phala-emu seal
  phala-emu --json seal --count 100 --advance 12
  phala-emu seal --count 50400 --advance 12     # 7 days of 12 s blocks
"""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation

from node.cli.output import CliError, Output
from node.render import print_blocks
from node.session import open_chain, progress_bar, warn

NAME = "seal"
HELP = "author N blocks"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=1, metavar="N", help="blocks (default 1)")
    parser.add_argument("--advance", metavar="SECONDS",
                        help="seconds between blocks (default: the genesis block_time_ms)")


def advance_ms(text: str | None) -> int | None:
    """Milliseconds of --advance (decimals allowed, e.g. 0.001); CliError when not positive."""
    if text is None:
        return None
    try:
        ms = Decimal(text) * 1000
    except InvalidOperation:
        raise CliError("BadInput", f"--advance {text!r} is not a number of seconds") from None
    if ms != ms.to_integral_value() or ms <= 0:
        raise CliError("BadInput", f"--advance {text}: must be a positive whole number of ms")
    return int(ms)


def run(args: argparse.Namespace, out: Output) -> int:
    if args.count < 1:
        raise CliError("BadInput", f"--count {args.count}: must be at least 1")
    step = advance_ms(args.advance)
    with open_chain(args) as chain, progress_bar(args.count, "sealing") as update:
        blocks = chain.seal(args.count, step, warn=warn, progress=update)
    out.result([b.json() for b in blocks], print_blocks)
    return 0
