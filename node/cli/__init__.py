"""The `phala-emu` command line: global options, sub-command registry, exit codes.

Each sub-command lives in its own module `node/cli/cmd_<name>.py` exposing
`NAME`, `HELP`, `register(parser)` and `run(args, out) -> int`. This module is the
only place that turns exceptions into exit codes (cli.md: 0 ok, 1 verification
failure, 2 bad input).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from node.cli.output import CliError, Output

# Order shown in --help. A module missing here is simply not offered.
COMMANDS = [
    "init", "tx", "submit", "seal", "query", "events", "head", "block", "key",
    "export_blocks", "replay", "state_root", "apr", "forecast", "scenario", "worker", "report",
    "check", "serve", "sweep",
]


def _load_commands() -> list:
    mods = []
    for name in COMMANDS:
        try:
            mods.append(importlib.import_module(f"node.cli.cmd_{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"node.cli.cmd_{name}":
                raise
    return mods


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(
        prog="phala-emu",
        description="Emulator of Phala Network's compute staking system on a "
        "Substrate-style block executor.",
        epilog="Example: phala-emu init && phala-emu tx PhalaStakePool create",
    )
    parser.add_argument(
        "--base-path",
        default=os.environ.get("PHALA_EMU_BASE_PATH", "./.phala-emu"),
        help="chain data directory (default: $PHALA_EMU_BASE_PATH or ./.phala-emu)",
    )
    parser.add_argument("--json", action="store_true",
                        help="print exactly one JSON document on stdout")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    runners = {}
    for mod in _load_commands():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.register(p)
        runners[mod.NAME] = mod.run
    return parser, runners


def main(argv: Sequence[str] | None = None) -> int:
    parser, runners = build_parser()
    args_list = list(sys.argv[1:] if argv is None else argv)
    out = Output(json_mode="--json" in args_list[: _first_positional(args_list)])
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse already printed usage + reason on stderr
        code = int(exc.code or 0)
        if code != 0 and out.json_mode:
            out.error(CliError("BadInput", "invalid command-line arguments"), quiet=True)
        return code
    out.json_mode = args.json
    if not args.command:
        parser.print_help()
        return 2
    try:
        return int(runners[args.command](args, out) or 0)
    except CliError as err:
        out.error(err)
        return err.exit_code
    except KeyboardInterrupt:
        out.error(CliError("Interrupted", "interrupted"))
        return 130


def _first_positional(args: list[str]) -> int:
    skip = False
    for i, a in enumerate(args):
        if skip:
            skip = False
            continue
        if a == "--base-path":
            skip = True
            continue
        if not a.startswith("-"):
            return i
    return len(args)


if __name__ == "__main__":
    sys.exit(main())
