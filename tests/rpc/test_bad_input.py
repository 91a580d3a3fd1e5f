"""Bad input over the wire: each gets its error answer and the server keeps serving."""

from __future__ import annotations

import json
import socket

import pytest
import websocket

from runtime.keys import Keypair
from tests.rpc.conftest import Server, Signer, WsClient, post

BOB = Keypair.from_uri("//Bob").public_key


def still_serving(server: Server) -> None:
    assert server.call("system_name") == "phala-emu"
    with WsClient(server.url) as ws:
        assert ws.request("chain_getBlockHash", 0) == "0x" + server.genesis_hash.hex()


def test_malformed_json_and_invalid_requests(server: Server) -> None:
    assert post(server.http, None, raw=b'{"jsonrpc": "2.0", "id": 1, "method": ') == \
        {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}
    invalid = {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid request"},
               "id": None}
    assert post(server.http, {"id": 1, "method": "system_name"}) == {**invalid, "id": 1}
    assert post(server.http, {"jsonrpc": "2.0", "id": 2, "method": 5}) == {**invalid, "id": 2}
    assert post(server.http, {"jsonrpc": "2.0", "id": [1], "method": "system_name"}) == invalid
    assert post(server.http, "text") == invalid
    assert post(server.http, [])["error"]["code"] == -32600
    with WsClient(server.url) as ws:
        ws.ws.send("{not json")
        assert json.loads(ws.ws.recv()) == {"jsonrpc": "2.0", "error": {
            "code": -32700, "message": "Parse error"}, "id": None}
        assert ws.request("system_chainType") == "Development"
    still_serving(server)


def test_unknown_method_and_wrong_parameter_types(server: Server) -> None:
    assert server.error("no_such_method") == {"code": -32601, "message": "Method not found"}
    err = server.error("state_getStorage", 12)
    assert err["code"] == -32602 and err["message"] == "Invalid params"
    assert server.error("state_getStorage", "0xzz")["code"] == -32602
    assert server.error("state_getStorage", "0x00", "0x1234")["code"] == -32602
    assert server.error("chain_getBlockHash", "seven")["code"] == -32602
    assert server.error("chain_getBlockHash", -1)["code"] == -32602
    assert server.error("system_accountNextIndex", "not an account")["code"] == -32602
    assert server.error("system_name", 1, 2, 3)["code"] == -32602
    doc = post(server.http, {"jsonrpc": "2.0", "id": 3, "method": "state_getStorage",
                             "params": "0x00"})
    assert doc["error"]["code"] == -32602
    # subscriptions need a WebSocket
    assert server.error("chain_subscribeNewHeads")["code"] == -32601
    still_serving(server)


def test_oversized_request(server: Server) -> None:
    big = {"jsonrpc": "2.0", "id": 1, "method": "state_getStorage",
           "params": ["0x" + "00" * (8 * 1024 * 1024)]}  # 16 MiB of hex
    doc = post(server.http, big)
    assert doc["error"]["code"] == -32007 and doc["id"] is None
    with WsClient(server.url) as ws:
        ws.ws.send(json.dumps(big))
        assert json.loads(ws.ws.recv())["error"]["code"] == -32007
        assert ws.request("system_name") == "phala-emu"
    still_serving(server)


def test_truncated_and_mis_signed_extrinsics(server: Server, signer: Signer) -> None:
    nonce = server.call("system_accountNextIndex", "//Alice")
    tx = signer.transfer("//Alice", BOB, 10**12, nonce)
    err = server.error("author_submitExtrinsic", "0x" + tx[:-5].hex())
    assert err["code"] == 1001 and err["message"].startswith("Extrinsic has invalid format")
    bad_sig = bytearray(tx)
    bad_sig[40] ^= 1  # inside the signature
    assert server.error("author_submitExtrinsic", "0x" + bytes(bad_sig).hex()) == {
        "code": 1010, "message": "Invalid Transaction", "data": "Transaction has a bad signature"}
    other_chain = signer.sign("//Alice", signer.call("System", "remark", remark=b"x"), nonce,
                              genesis_hash=b"\x01" * 32)
    assert server.error("author_submitExtrinsic", "0x" + other_chain.hex())["data"] == \
        "Transaction has a bad signature"
    future = signer.transfer("//Alice", BOB, 1, nonce + 5)
    assert server.error("author_submitExtrinsic", "0x" + future.hex())["data"] == \
        "Transaction will be valid in the future"
    # an unknown call index is a verification error
    unknown_call = signer.sign("//Alice", bytes([200, 0]), nonce)
    assert server.error("author_submitExtrinsic", "0x" + unknown_call.hex())["code"] == 1002
    with WsClient(server.url) as ws:
        doc = ws.answer(ws.send("author_submitAndWatchExtrinsic", "0x" + bytes(bad_sig).hex()))
        assert doc["error"]["code"] == 1010
    # nothing was authored by any of them; the good one still goes in
    assert server.call("system_accountNextIndex", "//Alice") == nonce
    server.call("author_submitExtrinsic", "0x" + tx.hex())
    assert server.call("system_accountNextIndex", "//Alice") == nonce + 1


def test_connection_limit_refuses_the_101st_cleanly(server: Server) -> None:
    clients = []
    try:
        for _ in range(100):
            clients.append(websocket.create_connection(server.url, timeout=30))
        with pytest.raises(websocket.WebSocketBadStatusException) as exc:
            websocket.create_connection(server.url, timeout=30)
        assert exc.value.status_code == 429
        clients[0].send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "system_name"}))
        assert json.loads(clients[0].recv())["result"] == "phala-emu"
    finally:
        for c in clients:
            c.close()
    still_serving(server)


def test_client_disconnecting_mid_subscription(server: Server, signer: Signer) -> None:
    ws = WsClient(server.url)
    sub = ws.request("chain_subscribeNewHeads")
    ws.notification(sub)
    ws.request("state_subscribeStorage", None)
    ws.ws.sock.shutdown(socket.SHUT_RDWR)  # gone without a close frame
    ws.ws.sock.close()
    nonce = server.call("system_accountNextIndex", "//Bob")
    server.call("author_submitExtrinsic", "0x" + signer.transfer("//Bob", BOB[::-1], 10**11,
                                                                   nonce).hex())
    still_serving(server)


def test_unsafe_methods_refused_under_safe(fresh_chain) -> None:  # type: ignore[no-untyped-def]
    from tests.rpc.conftest import start_server, stop_server

    srv = start_server(fresh_chain, "--rpc-methods", "safe")
    try:
        for method, params in [("dev_newBlock", []), ("dev_setHead", [0]),
                               ("dev_setBlockBuildMode", ["Manual"]),
                               ("author_removeExtrinsic", [[]]),
                               ("phala_workerOffline", ["0x" + "00" * 32])]:
            assert srv.error(method, *params) == {
                "code": -32601, "message": "RPC call is unsafe to be called externally"}
        assert srv.call("chain_getHeader")["number"] == "0x0"
        assert srv.call("phala_workers") == []
    finally:
        assert stop_server(srv) == 0


def test_cors_origins(server: Server) -> None:
    import urllib.request

    def origin_post(origin: str) -> tuple[int, str | None]:
        req = urllib.request.Request(server.http, data=json.dumps(
            {"jsonrpc": "2.0", "id": 1, "method": "system_name"}).encode(),
            headers={"Content-Type": "application/json", "Origin": origin})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.headers.get("Access-Control-Allow-Origin")
        except urllib.error.HTTPError as exc:
            return exc.code, None

    assert origin_post("http://localhost:3000") == (200, "http://localhost:3000")
    assert origin_post("https://polkadot.js.org") == (200, "https://polkadot.js.org")
    assert origin_post("http://evil.example") == (403, None)
    with pytest.raises(websocket.WebSocketBadStatusException) as exc:
        websocket.create_connection(server.url, timeout=30, origin="http://evil.example")
    assert exc.value.status_code == 403
    still_serving(server)


def test_subscription_limit_per_connection(server: Server) -> None:
    with WsClient(server.url) as ws:
        ids = [ws.send("chain_subscribeAllHeads") for _ in range(1024)]
        subs = {ws.answer(i)["result"] for i in ids}
        assert len(subs) == 1024
        err = ws.answer(ws.send("chain_subscribeAllHeads"))["error"]
        assert err["code"] == -32006
        assert ws.request("chain_unsubscribeAllHeads", subs.pop()) is True
        assert isinstance(ws.request("chain_subscribeAllHeads"), str)
        assert ws.request("system_name") == "phala-emu"
    still_serving(server)


def test_unsigned_call_has_unknown_validity(server: Server, signer: Signer) -> None:
    from runtime.extrinsic import Extrinsic

    bare = Extrinsic(signer.call("Balances", "transfer_keep_alive", dest=BOB, value=1)).encode()
    assert server.error("author_submitExtrinsic", "0x" + bare.hex()) == {
        "code": 1011, "message": "Unknown Transaction Validity",
        "data": "Could not find an unsigned validator for the unsigned transaction"}


def test_a_call_that_would_break_its_block_is_refused(server: Server, signer: Signer) -> None:
    """A root kill_prefix of everything also clears the block's timestamp inherent record
    (FRAME would panic in on_finalize): instant mode refuses it and authors nothing."""
    nonce = server.call("system_accountNextIndex", "//Alice")
    head = server.call("chain_getHeader")
    kill_all = signer.call("Sudo", "sudo", call=signer.rt.make_call(
        "System", "kill_prefix", prefix=b"", subkeys=0))
    assert server.error("author_submitExtrinsic", "0x" + signer.sign("//Alice", kill_all,
                                                                      nonce).hex()) == {
        "code": 1010, "message": "Invalid Transaction",
        "data": "the block would be invalid with it (the block has no Timestamp.set inherent)"}
    assert server.call("chain_getHeader") == head
    assert server.call("system_accountNextIndex", "//Alice") == nonce
    server.call("author_submitExtrinsic", "0x" + signer.transfer("//Alice", BOB, 1, nonce).hex())
    assert server.call("system_accountNextIndex", "//Alice") == nonce + 1
