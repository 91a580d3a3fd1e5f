"""Inspect a secret URI or generate a new key (sr25519, Substrate-compatible derivation).

Examples:
  phala-emu key inspect //Alice
  phala-emu --json key inspect "//Alice//stash" --ss58-prefix 42
  phala-emu key inspect "bottom drive obey ... fit walk//Bob///password"
  phala-emu key generate --words 24
"""

from __future__ import annotations

import argparse
from typing import Any

from node.cli.output import CliError, Output
from runtime import ss58
from runtime.keys import InvalidSecretUri, Keypair, generate_mnemonic

NAME = "key"
HELP = "inspect a secret URI or generate a new sr25519 key"
DEFAULT_PREFIX = 30  # Phala; cli.md: output shows accounts with the chain's prefix


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    inspect = sub.add_parser("inspect", help="show the public key and address of a secret URI")
    inspect.add_argument("suri", metavar="SURI",
                         help="secret URI: //Alice, a 12/24-word phrase, 0x<seed>, "
                              "with optional //hard, /soft, ///password")
    inspect.add_argument("--ss58-prefix", type=int, default=DEFAULT_PREFIX, metavar="N",
                         help=f"SS58 address prefix (default {DEFAULT_PREFIX})")
    generate = sub.add_parser("generate", help="create a new random BIP39 phrase")
    generate.add_argument("--words", type=int, choices=(12, 24), default=12,
                          help="phrase length (default 12)")
    generate.add_argument("--ss58-prefix", type=int, default=DEFAULT_PREFIX, metavar="N",
                          help=f"SS58 address prefix (default {DEFAULT_PREFIX})")


def run(args: argparse.Namespace, out: Output) -> int:
    """Raises CliError("InvalidSecretUri" | "InvalidSs58Prefix") on bad input."""
    suri = generate_mnemonic(args.words) if args.key_command == "generate" else args.suri
    try:
        keypair = Keypair.from_uri(suri)
    except InvalidSecretUri as exc:
        raise CliError("InvalidSecretUri", str(exc)) from exc
    try:
        address = ss58.encode(keypair.public_key, args.ss58_prefix)
    except ss58.InvalidAddress as exc:
        raise CliError("InvalidSs58Prefix", str(exc)) from exc
    public = "0x" + keypair.public_key.hex()
    out.result({
        "secret_uri": suri,
        "public_key": public,
        "account_id": public,
        "ss58_address": address,
        "ss58_prefix": args.ss58_prefix,
    }, _print_table)
    return 0


_LABELS = {"secret_uri": "Secret URI", "public_key": "Public key (hex)",
           "account_id": "Account ID", "ss58_address": "SS58 address",
           "ss58_prefix": "SS58 prefix"}


def _print_table(data: dict[str, Any]) -> None:
    # plain aligned text: hex keys must never be truncated to the terminal width
    width = max(len(label) for label in _LABELS.values()) + 1
    for key, label in _LABELS.items():
        print(f"{label + ':':<{width}}  {data[key]}")
