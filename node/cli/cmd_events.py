"""All events of a block (default: the head), each with its phase.

Phases: "Initialization", {"ApplyExtrinsic": i}, "Finalization".

Examples:
  phala-emu events
  phala-emu --json events --block 3
"""

from __future__ import annotations

import argparse

from node.cli.output import Output
from node.render import decode_events, event_json, print_events
from node.session import open_chain

NAME = "events"
HELP = "events of a block, with their phases"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--block", metavar="N", help="block number or 0x hash (default: head)")


def run(args: argparse.Namespace, out: Output) -> int:
    with open_chain(args) as chain:
        header = chain.resolve(args.block)
        records = decode_events(chain.rt, chain.events_at(header)) if header.number else []
        data = [event_json(chain.rt, r, chain.ctx) for r in records]
    out.result(data, lambda evs: print_events(evs, f"events of block #{header.number}"))
    return 0
