"""A `phala-emu serve` subprocess on a fresh chain, and small clients for it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from node.composition import build_runtime
from node.genesis import parse_genesis
from runtime.era import Era
from runtime.extrinsic import sign_extrinsic
from runtime.keys import Keypair
from storage.overlay import Overlay

REPO = Path(__file__).resolve().parents[2]
DEV_GENESIS = REPO / "node" / "dev_genesis.json"


@dataclass
class Server:
    url: str
    http: str
    base_path: Path
    genesis_hash: bytes
    proc: subprocess.Popen[str]

    def call(self, method: str, *params: Any) -> Any:
        """One HTTP JSON-RPC call; the result, or AssertionError with the error object."""
        doc = post(self.http, {"jsonrpc": "2.0", "id": 1, "method": method,
                               "params": list(params)})
        assert "error" not in doc, doc
        return doc["result"]

    def error(self, method: str, *params: Any) -> dict[str, Any]:
        doc = post(self.http, {"jsonrpc": "2.0", "id": 1, "method": method,
                               "params": list(params)})
        assert "error" in doc, doc
        return doc["error"]  # type: ignore[no-any-return]


def post(url: str, doc: Any, raw: bytes | None = None) -> Any:
    data = raw if raw is not None else json.dumps(doc).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read())


def cli(base_path: Path, *args: str) -> Any:
    """`phala-emu --json ARGS` on the chain, in-process (the server must be stopped)."""
    from tests.node.inprocess import ok

    return ok(base_path, *args)


def start_server(base_path: Path, *flags: str) -> Server:
    proc = subprocess.Popen(
        [sys.executable, "-m", "node", "--base-path", str(base_path), "--json", "serve",
         "--rpc-port", "0", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(10)
        raise AssertionError(f"serve did not start: {proc.stderr.read() if proc.stderr else ''}")
    info = json.loads(line)
    return Server(info["url"], info["url"].replace("ws://", "http://"), base_path,
                  bytes.fromhex(info["genesis_hash"][2:]), proc)


def stop_server(server: Server) -> int:
    proc = server.proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    for f in (proc.stdout, proc.stderr):
        if f is not None:
            f.close()
    return proc.returncode


def init_chain(base_path: Path, genesis: Path = DEV_GENESIS) -> None:
    subprocess.run([sys.executable, "-m", "node", "--base-path", str(base_path), "init",
                    "--genesis", str(genesis)], check=True, capture_output=True, cwd=REPO)


@pytest.fixture
def fresh_chain(tmp_path: Path) -> Path:
    init_chain(tmp_path / "chain")
    return tmp_path / "chain"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per test module, instant mode, on a fresh dev chain."""
    base = tmp_path_factory.mktemp("rpc") / "chain"
    init_chain(base)
    srv = start_server(base)
    try:
        yield srv
    finally:
        stop_server(srv)


class Signer:
    """Signs extrinsics for the dev chain without opening it (the server holds it)."""

    def __init__(self, genesis_hash: bytes) -> None:
        genesis = parse_genesis(DEV_GENESIS.read_bytes())
        self.config = genesis.runtime_config()
        self.rt = build_runtime(Overlay(), self.config)
        self.genesis_hash = genesis_hash

    def call(self, pallet: str, name: str, **args: Any) -> bytes:
        return self.rt.encode_call(self.rt.make_call(pallet, name, **args))

    def sign(self, suri: str, call: bytes, nonce: int, tip: int = 0,
             genesis_hash: bytes | None = None) -> bytes:
        g = genesis_hash or self.genesis_hash
        return sign_extrinsic(Keypair.from_uri(suri), call, nonce=nonce, era=Era(), tip=tip,
                              spec_version=self.config.spec_version,
                              tx_version=self.config.transaction_version,
                              genesis_hash=g, checkpoint_hash=g).encode()

    def transfer(self, suri: str, dest: bytes, value: int, nonce: int) -> bytes:
        return self.sign(suri, self.call("Balances", "transfer_keep_alive", dest=dest,
                                         value=value), nonce)


@pytest.fixture(scope="module")
def signer(server: Server) -> Signer:
    return Signer(server.genesis_hash)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class WsClient:
    """A blocking WebSocket JSON-RPC client that keeps notifications until asked for."""

    def __init__(self, url: str, timeout: float = 30) -> None:
        import websocket

        self.ws = websocket.create_connection(url, timeout=timeout)
        self.next_id = 0
        self.notifications: list[dict[str, Any]] = []
        self.answers: dict[Any, dict[str, Any]] = {}

    def close(self) -> None:
        self.ws.close()

    def __enter__(self) -> WsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, method: str, *params: Any) -> int:
        self.next_id += 1
        self.ws.send(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                                 "params": list(params)}))
        return self.next_id

    def _read(self) -> None:
        doc = json.loads(self.ws.recv())
        if isinstance(doc, dict) and "method" in doc and "id" not in doc:
            self.notifications.append(doc)
        elif isinstance(doc, dict):
            self.answers[doc.get("id")] = doc
        else:
            for d in doc:
                self.answers[d.get("id")] = d

    def answer(self, req_id: Any) -> dict[str, Any]:
        while req_id not in self.answers:
            self._read()
        return self.answers.pop(req_id)

    def request(self, method: str, *params: Any) -> Any:
        doc = self.answer(self.send(method, *params))
        assert "error" not in doc, doc
        return doc["result"]

    def notification(self, sub_id: str) -> Any:
        """The next notification of subscription `sub_id` (its result)."""
        while True:
            for i, n in enumerate(self.notifications):
                if n["params"]["subscription"] == sub_id:
                    del self.notifications[i]
                    return n["params"]["result"]
            self._read()


@pytest.fixture
def ws(server: Server) -> Iterator[WsClient]:
    with WsClient(server.url) as client:
        yield client
