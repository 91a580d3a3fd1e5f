"""Write the chain's blocks as files: DIR/<number zero-padded to 10>.block (SCALE-encoded
block) for blocks --from..--to (inclusive; default all, genesis included), plus
DIR/genesis.json (the chain's genesis file, byte for byte).

Example:
  phala-emu export-blocks --out blocks && phala-emu replay --genesis blocks/genesis.json blocks
"""

from __future__ import annotations

import argparse
from pathlib import Path

from node.cli.output import CliError, Output
from node.session import open_chain

NAME = "export-blocks"
HELP = "write blocks as files for replay"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument("--from", dest="start", type=int, default=0, metavar="N",
                        help="first block (default 0, the genesis block)")
    parser.add_argument("--to", dest="end", type=int, metavar="M", help="last block (default head)")


def block_file_name(number: int) -> str:
    return f"{number:010d}.block"


def run(args: argparse.Namespace, out: Output) -> int:
    with open_chain(args) as chain:
        head = chain.head().number
        end = head if args.end is None else args.end
        if args.start < 0 or end > head or args.start > end:
            raise CliError("BadInput", f"block range {args.start}..{end} is not within 0..{head}")
        target = Path(args.out)
        try:
            target.mkdir(parents=True, exist_ok=True)
            (target / "genesis.json").write_bytes(chain.genesis_text)
            for n in range(args.start, end + 1):
                h = chain.store.hash_of(n)
                assert h is not None
                (target / block_file_name(n)).write_bytes(chain.store.block_bytes(h))
        except OSError as exc:
            raise CliError("BadInput", f"cannot write to {target}: {exc.strerror}") from None
    data = {"out": str(target), "from": args.start, "to": end, "blocks": end - args.start + 1}
    out.result(data, lambda d: print(f"wrote blocks #{d['from']}..#{d['to']} to {d['out']}"))
    return 0
