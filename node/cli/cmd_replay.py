"""Rebuild a chain from its genesis file and block files through the full block executor.

Checks, for every block: number and parent hash, every extrinsic's signature and
validity, extrinsics root, state root and block hash. Prints the head on success.
A block that fails a check exits 1 naming the block and what differs (for a state
root: recomputed vs committed and, with --against, the first differing storage
keys); a file that does not decode as a block exits 2.

Examples:
  phala-emu export-blocks --out blocks && phala-emu replay --genesis blocks/genesis.json blocks
  phala-emu --json replay --genesis genesis.json blocks --against ./.phala-emu
  phala-emu replay --genesis genesis.json blocks --into /tmp/replayed
"""

from __future__ import annotations

import argparse

from node.chain import ChainError
from node.cli.output import CliError, Output
from node.genesis import GenesisError
from node.render import header_json, print_kv
from node.replay import ReplayMismatch, UndecodableBlock, collect_files, load_blocks, open_target
from node.replay import replay as run_replay
from node.session import genesis_error, progress_bar, read_genesis_file

NAME = "replay"
HELP = "verify block files by re-executing them from genesis"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--genesis", required=True, metavar="FILE", help="the chain's genesis file")
    parser.add_argument("blocks", nargs="+", metavar="BLOCKS",
                        help="block files or directories of NNNNNNNNNN.block files")
    parser.add_argument("--into", metavar="DIR",
                        help="keep the replayed chain as a base path (default: in memory)")
    parser.add_argument("--against", metavar="DIR",
                        help="the author's base path, to name the storage keys that differ")


def run(args: argparse.Namespace, out: Output) -> int:
    text = read_genesis_file(args.genesis)
    try:
        blocks = load_blocks(collect_files(args.blocks))
        chain = open_target(text, args.into)
    except UndecodableBlock as exc:
        raise CliError("UndecodableBlock", str(exc)) from None
    except GenesisError as exc:
        raise genesis_error(exc) from None
    except ChainError as exc:
        raise CliError(exc.kind, exc.message) from None
    with chain, progress_bar(len(blocks), "replaying") as update:
        try:
            head = run_replay(chain, blocks, args.against, update)
        except ReplayMismatch as exc:
            raise CliError("ReplayMismatch", str(exc), exit_code=1) from None
        data = header_json(head, chain.timestamp_at(head))
    out.result(data, print_kv)
    return 0
