"""Submit an already encoded and signed extrinsic (0x hex, e.g. built by another tool).

Same output and validity rules as `tx`: instant seal unless --no-seal; an invalid
transaction exits 2 and changes nothing.

Example:
  phala-emu --json submit 0x450284d43593c7…
"""

from __future__ import annotations

import argparse

from node.cli.output import CliError, Output
from node.render import print_outcome
from node.session import open_chain, warn

NAME = "submit"
HELP = "submit a signed extrinsic given as hex"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("hex", metavar="HEX", help="the full extrinsic, length prefix included")
    parser.add_argument("--no-seal", action="store_true", help="queue in the pending pool only")


def run(args: argparse.Namespace, out: Output) -> int:
    text = args.hex.strip()
    try:
        if not text.startswith("0x"):
            raise ValueError("expected 0x-prefixed hex")
        encoded = bytes.fromhex(text[2:])
    except ValueError as exc:
        raise CliError("InvalidTransaction", f"HEX is not a hex extrinsic: {exc}") from None
    with open_chain(args) as chain:
        data = chain.submit(encoded, seal=not args.no_seal, warn=warn)
    out.result(data, print_outcome)
    return 0
