"""Check every pallet's invariants (try_state) on the head state.

Exit 1 naming the pallet and the broken invariant; prints the pallets checked.

Example:
  phala-emu --json check
"""

from __future__ import annotations

import argparse

from node.cli.output import CliError, Output
from node.session import open_chain

NAME = "check"
HELP = "run every pallet's invariant checks on the head"


def register(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, out: Output) -> int:
    with open_chain(args) as chain:
        head = chain.head()
        checked = []
        for pallet in chain.rt.by_index.values():
            try:
                pallet.try_state()
            except AssertionError as exc:
                raise CliError("InvariantBroken", f"block #{head.number}: {pallet.NAME}: {exc}",
                               exit_code=1) from None
            checked.append(pallet.NAME)
    data = {"ok": True, "block_number": head.number, "block_hash": "0x" + head.hash().hex(),
            "pallets": checked}
    out.result(data, lambda d: print(f"all invariants hold at block #{d['block_number']} "
                                     f"({', '.join(d['pallets'])})"))
    return 0
