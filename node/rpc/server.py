"""Run the server: bind, announce the URL, serve until SIGINT/SIGTERM, shut down whole."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from node.chain import Chain
from node.rpc.service import Service
from node.rpc.transport import Limits, RpcServer


@dataclass
class ServeOptions:
    port: int = 9944
    external: bool = False
    rpc_methods: str = "auto"         # auto | safe | unsafe
    cors: list[str] | None = None     # None: Substrate's local defaults
    block_mode: str = "instant"
    block_interval: float | None = None
    limits: Limits | None = None
    ui: bool = True                   # the dashboard on GET / (node/ui)


def hosts(external: bool) -> list[str]:
    return ["0.0.0.0", "::"] if external else ["127.0.0.1", "::1"]


def unsafe_allowed(mode: str, bound: list[str]) -> bool:
    if mode == "auto":
        return all(ipaddress.ip_address(h).is_loopback for h in bound)
    return mode == "unsafe"


async def serve(chain: Chain, opts: ServeOptions,
                on_listening: Callable[[str], None]) -> None:
    """Serve `chain` until a signal; `on_listening(url)` once the port is bound."""
    service = Service(chain, opts.block_mode, opts.block_interval)
    await service.start()
    wanted = hosts(opts.external)
    rpc = RpcServer(service, opts.limits or Limits(), False, opts.cors, opts.ui)
    runner = web.AppRunner(rpc.app(), handle_signals=False, access_log=None)
    await runner.setup()
    bound: list[str] = []
    port = opts.port
    try:
        for host in wanted:
            site = web.TCPSite(runner, host, port, reuse_address=True)
            try:
                await site.start()
            except OSError:
                if not bound:
                    raise
                continue  # e.g. no IPv6 on this machine: the IPv4 listener is enough
            bound.append(host)
            server: Any = site._server
            port = server.sockets[0].getsockname()[1]
        rpc.allow_unsafe = unsafe_allowed(opts.rpc_methods, bound)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        host = "127.0.0.1" if bound[0] in ("0.0.0.0", "127.0.0.1") else bound[0]
        on_listening(f"ws://{host}:{port}")
        await stop.wait()
    finally:
        with contextlib.suppress(Exception):
            await rpc.close_all()
        with contextlib.suppress(Exception):
            await runner.cleanup()
        await service.stop()

