"""Print the head block: number, hash, parent hash, state and extrinsics roots, timestamp.

Example:
  phala-emu --json head
"""

from __future__ import annotations

import argparse

from node.cli.output import Output
from node.render import header_json, print_kv
from node.session import open_chain

NAME = "head"
HELP = "the head block's header fields"


def register(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, out: Output) -> int:
    with open_chain(args) as chain:
        head = chain.head()
        data = header_json(head, chain.timestamp_at(head))
    out.result(data, print_kv)
    return 0
