"""One aiohttp listener: HTTP `POST /` (no subscriptions) and WebSocket on `/` (everything).

JSON-RPC 2.0 framing (single and batch, ids echoed as sent), the limits of Substrate's
RPC server (request/response size, connections, subscriptions per connection; a request
over a limit gets an error answer, the server keeps serving), CORS, and the safe/unsafe
method policy.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from node.rpc.errors import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    OVERSIZED_REQUEST,
    OVERSIZED_RESPONSE,
    PARSE_ERROR,
    RpcError,
    invalid_params,
    unsafe_call,
)
from node.rpc.notify import Connection
from node.rpc.params import Params
from node.rpc.registry import Answer, Ctx, Method, Subscribed, all_methods
from node.rpc.service import Service

log = logging.getLogger("phala_emu.rpc")
MIB = 1024 * 1024
DEFAULT_CORS = ["http://localhost:*", "http://127.0.0.1:*", "https://localhost:*",
                "https://127.0.0.1:*", "https://polkadot.js.org"]
MAX_QUEUED = 100_000  # messages waiting for a client that does not read: then it is dropped


@dataclass
class Limits:
    max_request: int = 15 * MIB
    max_response: int = 15 * MIB
    max_connections: int = 100
    max_subscriptions: int = 1024


def _error(err: RpcError, req_id: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": err.json(), "id": req_id}


def _run_after(after: list[Any]) -> None:
    """What follows the answers: a subscription's first notifications, or an Answer's `then`."""
    for sub, initial in after:
        if sub is None:
            initial()
        else:
            for result_json in initial:
                sub.notify(result_json)


def _valid_id(v: Any) -> bool:
    return v is None or isinstance(v, str) or (isinstance(v, int | float)
                                               and not isinstance(v, bool))


class RpcServer:
    def __init__(self, service: Service, limits: Limits, allow_unsafe: bool,
                 cors: list[str] | None, ui: bool = False) -> None:
        self.service = service
        self.ui = ui
        self.limits = limits
        self.allow_unsafe = allow_unsafe
        self.cors = DEFAULT_CORS if cors is None else cors
        self.methods = all_methods()
        self.connections = 0
        self.sockets: set[web.WebSocketResponse] = set()
        self.debug = log.isEnabledFor(logging.DEBUG)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=2 * self.limits.max_request)
        app.router.add_route("*", "/", self.handle)
        if self.ui:
            from node.ui import add_routes

            add_routes(app)
        return app

    # -- CORS -----------------------------------------------------------------------------
    def origin_allowed(self, origin: str | None) -> bool:
        if origin is None or "all" in self.cors or "*" in self.cors:
            return True
        for pattern in self.cors:
            if pattern.endswith(":*"):
                base = pattern[:-2]
                if origin == base or (origin.startswith(base + ":")
                                      and origin[len(base) + 1:].isdigit()):
                    return True
            elif origin == pattern:
                return True
        return False

    def _own_page(self, request: web.Request) -> bool:
        """The dashboard served here, opened under any host name (e.g. --rpc-external)."""
        origin = request.headers.get("Origin")
        return self.ui and origin in (f"http://{request.host}", f"https://{request.host}")

    def _cors_headers(self, request: web.Request) -> dict[str, str]:
        origin = request.headers.get("Origin")
        if origin is None:
            return {}
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type"}

    # -- entry ----------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        if not self.origin_allowed(request.headers.get("Origin")) and not self._own_page(request):
            return web.Response(status=403, text="Origin not allowed")
        if request.method == "OPTIONS":
            return web.Response(status=200, headers=self._cors_headers(request))
        if self.connections >= self.limits.max_connections:
            return web.Response(status=429, text="Too many connections")
        self.connections += 1
        try:
            if request.headers.get("Upgrade", "").lower() == "websocket":
                return await self._websocket(request)
            if request.method in ("GET", "HEAD") and self.ui:
                from node.ui import index

                return index()
            if request.method != "POST":
                return web.Response(status=405, text="Used HTTP Method is not allowed. "
                                    "POST or OPTIONS is required")
            return await self._http(request)
        finally:
            self.connections -= 1

    async def _http(self, request: web.Request) -> web.Response:
        headers = self._cors_headers(request)
        if request.content_length is not None and \
                request.content_length > self.limits.max_request:
            return self._too_big(headers)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._too_big(headers)
        if len(body) > self.limits.max_request:
            return self._too_big(headers)
        text = await self.process(body, None)
        return web.Response(text=text or "", content_type="application/json", headers=headers)

    def _too_big(self, headers: dict[str, str]) -> web.Response:
        err = RpcError(OVERSIZED_REQUEST, "Request is too big",
                       f"Exceeded max limit of {self.limits.max_request}")
        return web.Response(status=413, text=json.dumps(_error(err, None)),
                            content_type="application/json", headers=headers)

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=2 * self.limits.max_request, compress=False)
        await ws.prepare(request)
        self.sockets.add(ws)
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        def send(text: str) -> None:
            if queue.qsize() < MAX_QUEUED:
                queue.put_nowait(text)
            elif conn.open:  # a client that stopped reading: drop it, not the server's memory
                conn.open = False
                asyncio.ensure_future(ws.close(code=1008, message=b"client too slow"))

        conn = Connection(send, self.limits.max_subscriptions)
        writer = asyncio.ensure_future(self._writer(ws, queue, conn))
        tasks: set[asyncio.Task[Any]] = set()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    data: str | bytes = msg.data
                elif msg.type == WSMsgType.BINARY:
                    data = msg.data
                else:
                    break
                if len(data) > self.limits.max_request:
                    err = RpcError(OVERSIZED_REQUEST, "Request is too big",
                                   f"Exceeded max limit of {self.limits.max_request}")
                    conn.send(json.dumps(_error(err, None)))
                    continue
                try:
                    req = json.loads(data)
                except ValueError:
                    conn.send(json.dumps(_error(RpcError(PARSE_ERROR, "Parse error"), None)))
                    continue
                fast = self._fast_single(req, conn)
                if fast is not None:
                    conn.send(fast)
                    continue
                task = asyncio.ensure_future(self._ws_message(req, conn))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                if not conn.open:
                    break
        finally:
            self.service.hub.close(conn)
            for task in tasks:
                task.cancel()
            queue.put_nowait(None)
            await asyncio.gather(writer, return_exceptions=True)
            if not ws.closed:
                await ws.close()
            self.sockets.discard(ws)
        return ws

    async def close_all(self) -> None:
        """Close every WebSocket (shutdown): clients see a normal close, not a reset."""
        for ws in list(self.sockets):
            await ws.close(code=1001, message=b"server shutting down")

    async def _writer(self, ws: web.WebSocketResponse, queue: asyncio.Queue[str | None],
                      conn: Connection) -> None:
        while True:
            text = await queue.get()
            if text is None or ws.closed:
                conn.open = False
                return
            try:
                await ws.send_str(text)
            except (ConnectionError, RuntimeError):
                conn.open = False
                return

    async def _ws_message(self, req: Any, conn: Connection) -> None:
        text = await self.process_doc(req, conn)
        if text is not None:
            conn.send(text)

    # -- JSON-RPC -------------------------------------------------------------------------
    def _fast_single(self, req: Any, conn: Connection) -> str | None:
        """The answer to a plain synchronous call, computed inline (most reads); None when
        the message needs the general path (batch, subscription, async method, error)."""
        if not isinstance(req, dict) or req.get("jsonrpc") != "2.0" or "id" not in req:
            return None
        m = self.methods.get(req.get("method"))  # type: ignore[arg-type]
        params = req.get("params", [])
        if m is None or m.is_async or m.subscription or m.unsafe or m.max_params is not None \
                or not isinstance(params, list) or not _valid_id(req["id"]):
            return None
        try:
            result = m.fn(Ctx(self.service, conn), Params(params, m.name))
        except RpcError as err:
            self.service.method_counts[m.name] += 1
            return self._encode(_error(err, req["id"]))
        except Exception:  # noqa: BLE001 - the general path reports it
            return None
        if isinstance(result, Awaitable):  # history read: finish it on the general path
            if asyncio.iscoroutine(result):
                result.close()
            return None
        self.service.method_counts[m.name] += 1
        return self._encode({"jsonrpc": "2.0", "result": result, "id": req["id"]})

    def _encode(self, doc: Any) -> str:
        text = json.dumps(doc)
        if len(text) > self.limits.max_response:
            err = RpcError(OVERSIZED_RESPONSE, "Response is too big",
                           f"Exceeded max limit of {self.limits.max_response}")
            req_id = doc.get("id") if isinstance(doc, dict) else None
            return json.dumps(_error(err, req_id))
        return text

    async def process(self, data: str | bytes, conn: Connection | None) -> str | None:
        """The answer text to one message (None: notifications only)."""
        try:
            req = json.loads(data)
        except ValueError:
            return json.dumps(_error(RpcError(PARSE_ERROR, "Parse error"), None))
        return await self.process_doc(req, conn)

    async def process_doc(self, req: Any, conn: Connection | None) -> str | None:
        """The answer text to one parsed message."""
        if isinstance(req, list):
            if not req:
                return json.dumps(_error(RpcError(INVALID_REQUEST, "Invalid request",
                                                  "empty batch"), None))
            results = await asyncio.gather(*(self.run_one(r, conn) for r in req))
            answers = [a for a, _ in results if a is not None]
            text = self._encode(answers) if answers else None
            if text is not None and conn is not None:
                conn.send(text)
                text = None
            for _, after in results:
                _run_after(after)
            return text
        answer, after = await self.run_one(req, conn)
        text = None if answer is None else self._encode(answer)
        if after:
            if text is not None and conn is not None:
                conn.send(text)
                text = None
            _run_after(after)
        return text

    async def run_one(self, req: Any, conn: Connection | None
                      ) -> tuple[dict[str, Any] | None, list[Any]]:
        """(answer or None for a notification, [(subscription, initial results)])."""
        if not isinstance(req, dict) or req.get("jsonrpc") != "2.0" or \
                not isinstance(req.get("method"), str) or not _valid_id(req.get("id")):
            rid = req.get("id") if isinstance(req, dict) and _valid_id(req.get("id")) else None
            return _error(RpcError(INVALID_REQUEST, "Invalid request"), rid), []
        notification = "id" not in req
        req_id = req.get("id")
        name = req["method"]
        if name in self.methods:
            self.service.method_counts[name] += 1
        if self.debug:
            log.debug("rpc %s %s", name, str(req.get("params"))[:200])
        try:
            m = self.methods.get(name)
            if m is None or (m.subscription and conn is None):
                raise RpcError(METHOD_NOT_FOUND, "Method not found")
            if m.unsafe and not self.allow_unsafe:
                raise unsafe_call()
            result = await self._invoke(m, req.get("params"), conn)
        except RpcError as err:
            return (None if notification else _error(err, req_id)), []
        except Exception as exc:  # noqa: BLE001 - an answer, never a dead connection
            log.exception("rpc %s failed", name)
            return (None if notification else
                    _error(RpcError(INTERNAL_ERROR, "Internal error", str(exc)), req_id)), []
        after: list[Any] = []
        if isinstance(result, Subscribed):
            after.append((result.sub, result.initial))
            result = result.sub.id
        elif isinstance(result, Answer):
            after.append((None, result.then))
            result = result.result
        if notification:
            return None, after
        return {"jsonrpc": "2.0", "result": result, "id": req_id}, after

    async def _invoke(self, m: Method, raw_params: Any, conn: Connection | None) -> Any:
        if raw_params is None:
            raw_params = []
        if isinstance(raw_params, dict):
            if raw_params:
                raise invalid_params(f"{m.name}: named parameters are not supported; "
                                     "pass them as an array")
            raw_params = []
        if not isinstance(raw_params, list):
            raise invalid_params(f"{m.name}: params must be an array")
        if m.max_params is not None and len(raw_params) > m.max_params:
            raise invalid_params(f"{m.name} takes at most {m.max_params} parameter(s), "
                                 f"got {len(raw_params)}")
        result = m.fn(Ctx(self.service, conn), Params(raw_params, m.name))
        if isinstance(result, Awaitable):
            result = await result
        return result
