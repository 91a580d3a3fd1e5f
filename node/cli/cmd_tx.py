"""Build a call, sign it as a v4 extrinsic (sr25519) and submit it; seal a block at once.

Arguments are positional in the call's declared order; each is a JSON literal when it
is one (0, [[0, 1000]], null, "text"), otherwise a string (//Bob, 0xabcd…, 5Grw…).
--sudo wraps the call in Sudo.sudo and reports the wrapped call's outcome. With
--no-seal the extrinsic waits in the pending pool. An invalid transaction (bad
signature, stale or future nonce, unknown call, bad arguments, cannot pay) exits 2
and changes nothing.

Examples:
  phala-emu tx Balances transfer_keep_alive //Bob 1000000000000
  phala-emu --json tx --signer //Bob --tip 5 Balances transfer_allow_death //Charlie 10
  phala-emu tx --sudo Balances force_set_balance //Dave 1000000000000000
  phala-emu tx --no-seal --era 64 System remark 0x1234
"""

from __future__ import annotations

import argparse
from typing import Any

from node.args import ArgumentError, build_call, wrap_sudo
from node.cli.output import CliError, Output
from node.hints import failure_hint
from node.keystore import DeterministicKeypair
from node.pool import sign_call
from node.render import print_outcome
from node.session import open_chain, warn
from runtime.keys import InvalidSecretUri

NAME = "tx"
HELP = "sign and submit a call (instant seal unless --no-seal)"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--signer", default="//Alice", metavar="SURI",
                        help="secret URI of the signer (default //Alice)")
    parser.add_argument("--sudo", action="store_true", help="wrap the call in Sudo.sudo")
    parser.add_argument("--nonce", type=int, metavar="N",
                        help="nonce (default: the account's next, pending ones included)")
    parser.add_argument("--tip", type=int, default=0, metavar="N", help="tip in planck")
    parser.add_argument("--era", type=int, metavar="PERIOD",
                        help="mortal era of about PERIOD blocks (default immortal)")
    parser.add_argument("--no-seal", action="store_true", help="queue in the pending pool only")
    parser.add_argument("pallet", metavar="PALLET")
    parser.add_argument("call", metavar="CALL")
    parser.add_argument("call_args", nargs="*", metavar="ARG")


def run(args: argparse.Namespace, out: Output) -> int:
    try:
        # deterministic sr25519 (as the simulator): the same commands give the same chain
        keypair = DeterministicKeypair.from_uri(args.signer)
    except InvalidSecretUri as exc:
        raise CliError("InvalidSecretUri", f"--signer: {exc}") from None
    if args.nonce is not None and not 0 <= args.nonce < 1 << 32:
        raise CliError("BadInput", f"--nonce {args.nonce} is not a u32")
    if not 0 <= args.tip < 1 << 128:
        raise CliError("BadInput", f"--tip {args.tip} is not a u128")
    if args.era is not None and not 1 <= args.era <= 65536:
        raise CliError("BadInput", f"--era {args.era}: the period must be in 1..=65536")
    with open_chain(args) as chain:
        try:
            call = build_call(chain.rt, args.pallet, args.call, args.call_args, chain.ctx)
            if args.sudo:
                call = wrap_sudo(chain.rt, call)
            encoded = sign_call(chain, keypair, call, nonce=args.nonce, tip=args.tip,
                                era_period=args.era)
        except (ArgumentError, ValueError) as exc:
            raise CliError("InvalidTransaction", f"cannot build the call: {exc}") from None
        data = chain.submit(encoded, seal=not args.no_seal, warn=warn)
        hint = None if out.json_mode or data.get("success", True) else \
            failure_hint(chain, call, data["error"])

    def human(result: dict[str, Any]) -> None:
        print_outcome(result)
        if hint is not None:
            print(f"hint: {hint}")

    out.result(data, human)
    return 0
