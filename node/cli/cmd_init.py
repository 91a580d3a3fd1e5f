"""Create a chain from a genesis file (schema: genesis.md) and print its head.

The genesis file defaults to ./genesis.json when present, else the dev genesis
shipped inside the package. An existing chain is only replaced with --force; a bad
genesis file (unknown key, wrong type) exits 2 and leaves any existing chain as it was.
--preset replaces the genesis file's rules (tokenomic parameters, halving, minimal
score, periods, pool limits) with a named set (spec/presets.md) and keeps its actors.

Examples:
  phala-emu init
  phala-emu init --preset khala-2022 --force
  phala-emu --base-path /tmp/chain init --genesis my_genesis.json --force
"""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path

from node.chain import Chain, ChainError
from node.cli.output import CliError, Output
from node.genesis import GenesisError
from node.presets import PRESETS, apply_preset
from node.render import header_json, print_kv
from node.session import genesis_error, read_genesis_file

NAME = "init"
HELP = "create a chain from a genesis file"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--genesis", metavar="FILE",
                        help="genesis file (default ./genesis.json, else the packaged dev genesis)")
    parser.add_argument("--force", action="store_true", help="replace an existing chain")
    parser.add_argument("--preset", choices=sorted(PRESETS), metavar="NAME",
                        help="parameter preset: " + ", ".join(sorted(PRESETS))
                        + " (Khala's real parameters at launch and after Gemini)")


def default_genesis() -> bytes:
    local = Path("genesis.json")
    if local.is_file():
        return local.read_bytes()
    return resources.files("node").joinpath("dev_genesis.json").read_bytes()


def run(args: argparse.Namespace, out: Output) -> int:
    text = read_genesis_file(args.genesis) if args.genesis else default_genesis()
    if args.preset is not None:
        text = _with_preset(text, args.preset)
    try:
        chain = Chain.init(args.base_path, text, force=args.force)
    except GenesisError as exc:
        raise genesis_error(exc) from None
    except ChainError as exc:
        raise CliError(exc.kind, exc.message) from None
    with chain:
        head = chain.head()
        data = header_json(head, chain.timestamp_at(head))
    out.result(data, print_kv)
    return 0


def _with_preset(text: bytes, name: str) -> bytes:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise CliError("BadGenesis", f"genesis file is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise CliError("BadGenesis", "genesis file: expected a JSON object")
    return json.dumps(apply_preset(doc, name), indent=1).encode()
