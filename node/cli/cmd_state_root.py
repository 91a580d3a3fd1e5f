"""Compute the Substrate state root of a raw chain spec, optionally after block changes.

Prints the root of `genesis.raw.top`; with --changes (a `state_queryStorage`
result) skips its first entry (the genesis block) and prints the root after
each further block, one `0x` root per line (a JSON list with --json).

Example:
  phala-emu state-root chain_raw.json --changes changes.json
  phala-emu --json state-root chain_raw.json --layout v1
"""

from __future__ import annotations

import argparse

from node.cli.output import CliError, Output
from storage.rawspec import RawSpecError, iter_roots, load_changes, load_raw_top, parse_layout

NAME = "state-root"
HELP = "trie root of a raw chain spec's genesis (and after recorded block changes)"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("raw_spec", metavar="RAW_SPEC", help="raw chain spec JSON file")
    parser.add_argument("--layout", default="v0",
                        help="trie layout: v0 (default, the Phala chain) or v1")
    parser.add_argument("--changes", metavar="FILE",
                        help="state_queryStorage result whose entries after the first are "
                             "applied in order")


def run(args: argparse.Namespace, out: Output) -> int:
    try:
        layout = parse_layout(args.layout)
        top = load_raw_top(args.raw_spec)
        blocks = load_changes(args.changes)[1:] if args.changes else []
        roots = ["0x" + r.hex() for r in iter_roots(top, blocks, layout)]
    except RawSpecError as exc:
        raise CliError("BadInput", str(exc)) from None
    out.result(roots, human=lambda rs: print("\n".join(rs)))
    return 0
