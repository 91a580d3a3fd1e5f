"""Serve the chain over Substrate's JSON-RPC (HTTP and WebSocket on one port) until
SIGINT/SIGTERM, authoring blocks as the block mode says (spec rpc.md).

Block modes: instant (default; extrinsics that arrive together share a block), manual
(only `dev_newBlock` seals), interval (a block every --block-interval seconds). Every
block simulates the node's workers, as `seal` does. While serving, the chain is held:
other commands on the same --base-path are told the server's pid and URL.

Examples:
  phala-emu serve
  phala-emu --json serve --rpc-port 0 --block-mode manual
  phala-emu serve --rpc-external --rpc-methods safe --rpc-cors all
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from node.cli.output import CliError, Output
from node.render import header_json
from node.session import open_chain

NAME = "serve"
HELP = "serve the chain over JSON-RPC (HTTP + WebSocket)"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rpc-port", type=int, default=9944, metavar="N",
                        help="port (default 9944; 0 picks a free one)")
    parser.add_argument("--rpc-external", action="store_true",
                        help="listen on all interfaces (default: 127.0.0.1 and ::1)")
    parser.add_argument("--rpc-methods", choices=("auto", "safe", "unsafe"), default="auto",
                        help="unsafe methods (dev_*, ...): auto = only on a loopback binding")
    parser.add_argument("--rpc-cors", metavar="ORIGINS",
                        help="'all' or comma-separated origins (default: localhost ones)")
    parser.add_argument("--rpc-max-request-size", type=int, default=15, metavar="MIB")
    parser.add_argument("--rpc-max-response-size", type=int, default=15, metavar="MIB")
    parser.add_argument("--rpc-max-connections", type=int, default=100, metavar="N")
    parser.add_argument("--rpc-max-subscriptions-per-connection", type=int, default=1024,
                        metavar="N")
    parser.add_argument("--block-mode", choices=("instant", "manual", "interval"),
                        default="instant")
    parser.add_argument("--block-interval", type=float, metavar="SECONDS",
                        help="interval mode: seconds between blocks (default: block time)")
    parser.add_argument("--no-ui", action="store_true",
                        help="no dashboard on GET / (JSON-RPC only)")
    parser.add_argument("--log-level", choices=("debug", "info", "warning"), default="warning",
                        help="stderr log level (requests are logged at debug)")


def run(args: argparse.Namespace, out: Output) -> int:
    from node import owner
    from node.rpc.server import ServeOptions, serve
    from node.rpc.transport import MIB, Limits

    if not 0 <= args.rpc_port < 65536:
        raise CliError("BadInput", f"--rpc-port {args.rpc_port}: must be 0..65535")
    if args.block_interval is not None and args.block_interval <= 0:
        raise CliError("BadInput", "--block-interval must be positive")
    for flag in ("rpc_max_request_size", "rpc_max_response_size", "rpc_max_connections",
                 "rpc_max_subscriptions_per_connection"):
        if getattr(args, flag) < 1:
            raise CliError("BadInput", f"--{flag.replace('_', '-')} must be at least 1")
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cors = None
    if args.rpc_cors is not None:
        cors = ["all"] if args.rpc_cors.strip() in ("all", "*") else \
            [o.strip() for o in args.rpc_cors.split(",") if o.strip()]
    opts = ServeOptions(
        port=args.rpc_port, external=args.rpc_external, rpc_methods=args.rpc_methods,
        cors=cors, block_mode=args.block_mode, block_interval=args.block_interval,
        ui=not args.no_ui,
        limits=Limits(args.rpc_max_request_size * MIB, args.rpc_max_response_size * MIB,
                      args.rpc_max_connections, args.rpc_max_subscriptions_per_connection))
    with open_chain(args) as chain:
        head = chain.head()
        genesis_hash = "0x" + chain.genesis_hash.hex()

        def listening(url: str) -> None:
            owner.claim(args.base_path, url)
            head_json = header_json(head, None)["hash"]
            dashboard = None if args.no_ui else url.replace("ws://", "http://", 1) + "/"
            out.result({"url": url, "genesis_hash": genesis_hash, "head": head_json,
                        "dashboard": dashboard}, _announce)

        try:
            asyncio.run(serve(chain, opts, listening))
        except OSError as exc:
            raise CliError("BadInput", f"cannot listen on port {args.rpc_port}: "
                           f"{exc.strerror or exc}") from None
        finally:
            owner.release(args.base_path)
    return 0


def _announce(d: dict[str, object]) -> None:
    print(f"serving {d['url']} (genesis {d['genesis_hash']}, head {d['head']})", flush=True)
    if d["dashboard"]:
        print(f"dashboard: open {d['dashboard']} in a browser", flush=True)
