"""chainHead_v1_* against the spec's documents (paritytech/json-rpc-interface-spec): event
order, pinning, operations and their limits, invalid parameters, a rewind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from runtime.hashing import blake2_256, storage_prefix
from runtime.header import Header
from runtime.version import runtime_version_json
from tests.rpc.conftest import Server, WsClient

PREFIX = "0x" + b"newrpc-test".hex()
N_KEYS = 150  # more than two operationStorageItems events hold (64 each)
ISSUANCE = "0x" + storage_prefix("Balances", "TotalIssuance").hex()
UNKNOWN = "0x" + "ab" * 32


def events(ws: WsClient, sub: str, n: int) -> list[Any]:
    return [ws.notification(sub) for _ in range(n)]


def error(ws: WsClient, method: str, *params: Any) -> dict[str, Any]:
    doc = ws.answer(ws.send(method, *params))
    assert "error" in doc, doc
    return doc["error"]  # type: ignore[no-any-return]


def follow(ws: WsClient, with_runtime: bool = True) -> tuple[str, str]:
    """A follow subscription and its finalized block (after initialized, bestBlockChanged)."""
    sub = ws.request("chainHead_v1_follow", with_runtime)
    init, best = events(ws, sub, 2)
    assert init["event"] == "initialized" and len(init["finalizedBlockHashes"]) == 1
    head = init["finalizedBlockHashes"][0]
    assert best == {"event": "bestBlockChanged", "bestBlockHash": head}
    return sub, head


@pytest.fixture(scope="module")
def keyed(server: Server) -> Iterator[list[tuple[str, str]]]:
    """N_KEYS entries under PREFIX (a block of their own)."""
    pairs = [(PREFIX + f"{i:04x}", "0x" + bytes([i % 256]).hex() * 3) for i in range(N_KEYS)]
    server.call("dev_setStorage", [list(p) for p in pairs])
    yield sorted(pairs)


def test_listed_in_rpc_methods(server: Server) -> None:
    methods = set(server.call("rpc_methods")["methods"])
    assert {f"chainHead_v1_{m}" for m in ("follow", "unfollow", "unpin", "header", "body",
                                          "storage", "call", "continue", "stopOperation")} \
        <= methods
    assert {"transactionWatch_v1_submitAndWatch", "transactionWatch_v1_unwatch",
            "transaction_v1_broadcast", "transaction_v1_stop", "chainSpec_v1_chainName",
            "chainSpec_v1_genesisHash", "chainSpec_v1_properties", "archive_v1_body",
            "archive_v1_call", "archive_v1_finalizedHeight", "archive_v1_genesisHash",
            "archive_v1_hashByHeight", "archive_v1_header", "archive_v1_storage",
            "archive_v1_stopStorage"} <= methods


def test_initialized_then_each_block_in_order(server: Server, ws: WsClient) -> None:
    sub = ws.request("chainHead_v1_follow", True)
    head = server.call("chain_getFinalizedHead")
    version = server.call("state_getRuntimeVersion")
    assert ws.notification(sub) == {
        "event": "initialized", "finalizedBlockHashes": [head],
        "finalizedBlockRuntime": {"type": "valid", "spec": {
            "specName": version["specName"], "implName": version["implName"],
            "specVersion": version["specVersion"], "implVersion": version["implVersion"],
            "transactionVersion": version["transactionVersion"],
            "apis": dict(map(tuple, version["apis"]))}}}
    assert ws.notification(sub) == {"event": "bestBlockChanged", "bestBlockHash": head}
    plain = ws.request("chainHead_v1_follow", False)
    assert ws.notification(plain) == {"event": "initialized", "finalizedBlockHashes": [head]}
    ws.notification(plain)
    last = server.call("dev_newBlock", {"count": 2})
    b1 = server.call("chain_getBlockHash", int(server.call("chain_getHeader", last)["number"],
                                               16) - 1)
    b2 = last
    expected = []
    for parent, h in ((head, b1), (b1, b2)):
        expected += [{"event": "newBlock", "blockHash": h, "parentBlockHash": parent,
                      "newRuntime": None},
                     {"event": "bestBlockChanged", "bestBlockHash": h},
                     {"event": "finalized", "finalizedBlockHashes": [h],
                      "prunedBlockHashes": []}]
    assert events(ws, sub, 6) == expected
    without_runtime = [dict(e) for e in expected]
    for e in without_runtime[::3]:
        del e["newRuntime"]
    assert events(ws, plain, 6) == without_runtime
    assert error(ws, "chainHead_v1_follow", True)["code"] == -32800  # a third follow


def test_pinning_and_unpin_errors(server: Server) -> None:
    with WsClient(server.url) as ws:
        sub, head = follow(ws)
        new = server.call("dev_newBlock")
        events(ws, sub, 3)
        header = ws.request("chainHead_v1_header", sub, head)
        assert header == ws.request("archive_v1_header", head)
        assert Header.decode(bytes.fromhex(header[2:])).hash().hex() == head[2:]
        assert error(ws, "chainHead_v1_unpin", sub, [head, head])["code"] == -32804
        assert error(ws, "chainHead_v1_unpin", sub, [head, UNKNOWN])["code"] == -32801
        assert ws.request("chainHead_v1_header", sub, head) == header  # nothing unpinned
        assert ws.request("chainHead_v1_unpin", sub, head) is None
        for m in ("chainHead_v1_header", "chainHead_v1_body", "chainHead_v1_unpin"):
            assert error(ws, m, sub, head) == {"code": -32801, "message": "Invalid block hash",
                                               "data": f"{head} is not pinned by this "
                                                       "subscription"}
        assert ws.request("chainHead_v1_unpin", sub, [new]) is None
        # an unknown (or stale) subscription: null, limitReached, ignored
        assert ws.request("chainHead_v1_header", "nope", head) is None
        assert ws.request("chainHead_v1_body", "nope", head) == {"result": "limitReached"}
        assert ws.request("chainHead_v1_storage", "nope", head, [], None) == \
            {"result": "limitReached"}
        assert ws.request("chainHead_v1_unpin", "nope", head) is None
        assert ws.request("chainHead_v1_continue", "nope", "0") is None
        assert ws.request("chainHead_v1_stopOperation", "nope", "0") is None
        assert ws.request("chainHead_v1_unfollow", "nope") is None
        assert ws.request("chainHead_v1_unfollow", sub) is None
        assert ws.request("chainHead_v1_header", sub, new) is None  # stale now
        assert ws.request("chainHead_v1_unpin", sub, new) is None


def test_storage_items_and_continue(server: Server, keyed: list[tuple[str, str]]) -> None:
    with WsClient(server.url) as ws:
        sub, head = follow(ws)
        started = ws.request("chainHead_v1_storage", sub, head,
                             [{"key": PREFIX, "type": "descendantsValues"}], None)
        op = started["operationId"]
        assert started == {"result": "started", "operationId": op, "discardedItems": 0}
        got: list[Any] = []
        for size in (64, 64):
            items, waiting = events(ws, sub, 2)
            assert (items["event"], items["operationId"], len(items["items"])) == \
                ("operationStorageItems", op, size)
            assert waiting == {"event": "operationWaitingForContinue", "operationId": op}
            got += items["items"]
            assert ws.request("chainHead_v1_continue", sub, op) is None
        items, done = events(ws, sub, 2)
        assert len(items["items"]) == N_KEYS - 128
        assert done == {"event": "operationStorageDone", "operationId": op}
        got += items["items"]
        assert got == [{"key": k, "value": v} for k, v in keyed]
        assert ws.request("chainHead_v1_continue", sub, op) is None  # finished: no effect

        # value, hash, closest descendant Merkle value; a missing key yields nothing
        state_root = server.call("chain_getHeader", head)["stateRoot"]
        value = server.call("state_getStorage", ISSUANCE, head)
        started = ws.request("chainHead_v1_storage", sub, head, [
            {"key": ISSUANCE, "type": "value"}, {"key": ISSUANCE, "type": "hash"},
            {"key": "0x", "type": "closestDescendantMerkleValue"},
            {"key": UNKNOWN, "type": "value"}], None)
        op = started["operationId"]
        assert ws.notification(sub) == {"event": "operationStorageItems", "operationId": op,
                                        "items": [
            {"key": ISSUANCE, "value": value},
            {"key": ISSUANCE, "hash": server.call("state_getStorageHash", ISSUANCE, head)},
            {"key": "0x", "closestDescendantMerkleValue": state_root}]}
        assert ws.notification(sub) == {"event": "operationStorageDone", "operationId": op}
        hashes = ws.request("chainHead_v1_storage", sub, head,
                            [{"key": PREFIX + "00", "type": "descendantsHashes"}], None)
        first = ws.notification(sub)["items"]
        assert first == [{"key": k, "hash": "0x" + blake2_256(bytes.fromhex(v[2:])).hex()}
                         for k, v in keyed[:64]]
        assert ws.notification(sub)["event"] == "operationWaitingForContinue"
        # stopped while waiting: continue has no effect, nothing more comes
        assert ws.request("chainHead_v1_stopOperation", sub, hashes["operationId"]) is None
        assert ws.request("chainHead_v1_continue", sub, hashes["operationId"]) is None
        assert ws.request("chainHead_v1_body", sub, head)["result"] == "started"
        assert ws.notification(sub)["event"] == "operationBodyDone"


def test_operation_limit(server: Server, keyed: list[tuple[str, str]]) -> None:
    """16 operations per follow: each storage item counts, a paused one keeps counting."""
    with WsClient(server.url) as ws:
        sub, head = follow(ws)
        paused = []
        for _ in range(15):
            op = ws.request("chainHead_v1_storage", sub, head,
                            [{"key": PREFIX, "type": "descendantsValues"}], None)["operationId"]
            events(ws, sub, 2)
            paused.append(op)
        many = [{"key": ISSUANCE, "type": "value"}] * 3
        started = ws.request("chainHead_v1_storage", sub, head, many, None)
        assert started["discardedItems"] == 2  # one place was left
        assert len(ws.notification(sub)["items"]) == 1
        ws.notification(sub)
        op = ws.request("chainHead_v1_storage", sub, head,
                        [{"key": PREFIX, "type": "descendantsValues"}], None)["operationId"]
        events(ws, sub, 2)
        assert ws.request("chainHead_v1_body", sub, head) == {"result": "limitReached"}
        assert ws.request("chainHead_v1_storage", sub, head, many, None) == \
            {"result": "limitReached"}
        ws.request("chainHead_v1_stopOperation", sub, op)
        assert ws.request("chainHead_v1_body", sub, head)["result"] == "started"


def test_call_and_its_errors(server: Server) -> None:
    with WsClient(server.url) as ws:
        sub, head = follow(ws)
        started = ws.request("chainHead_v1_call", sub, head, "Core_version", "0x")
        op = started["operationId"]
        assert started == {"result": "started", "operationId": op}
        assert ws.notification(sub) == {"event": "operationCallDone", "operationId": op,
                                        "output": server.call("state_call", "Core_version",
                                                              "0x", head)}
        op = ws.request("chainHead_v1_call", sub, head, "Nope_nothing", "0x")["operationId"]
        assert ws.notification(sub) == {"event": "operationError", "operationId": op,
                                        "error": "Exported method Nope_nothing is not found"}
        plain, head2 = follow(ws, with_runtime=False)
        assert error(ws, "chainHead_v1_call", plain, head2, "Core_version", "0x")["code"] == \
            -32802


@pytest.mark.parametrize("method,params", [
    ("chainHead_v1_follow", []),
    ("chainHead_v1_follow", ["yes"]),
    ("chainHead_v1_header", [7, "HEAD"]),
    ("chainHead_v1_header", ["SUB", "0x1234"]),
    ("chainHead_v1_body", ["SUB"]),
    ("chainHead_v1_storage", ["SUB", "HEAD", [{"key": "0x", "type": "size"}], None]),
    ("chainHead_v1_storage", ["SUB", "HEAD", {"key": "0x"}, None]),
    ("chainHead_v1_storage", ["SUB", "HEAD", [{"key": "zz", "type": "value"}], None]),
    ("chainHead_v1_call", ["SUB", "HEAD", 5, "0x"]),
    ("chainHead_v1_unpin", ["SUB", ["0x00"]]),
    ("chainHead_v1_continue", ["SUB", 1]),
    ("chainHead_v1_stopOperation", ["SUB"]),
])
def test_invalid_parameters(server: Server, method: str, params: list[Any]) -> None:
    with WsClient(server.url) as ws:
        sub, head = follow(ws)
        filled = [sub if p == "SUB" else head if p == "HEAD" else p for p in params]
        assert error(ws, method, *filled)["code"] == -32602


def test_rewind_stops_the_subscription(server: Server) -> None:
    with WsClient(server.url) as ws:
        server.call("dev_newBlock")
        sub, head = follow(ws)
        number = server.call("chain_getHeader", head)["number"]
        parent = server.call("chain_getBlockHash", int(number, 16) - 1)
        assert server.call("dev_setHead", -1) == parent
        assert ws.notification(sub) == {"event": "stop"}
        assert ws.request("chainHead_v1_header", sub, head) is None  # stale
        again, new_head = follow(ws)
        assert new_head == parent
        rebuilt = server.call("dev_newBlock")
        assert events(ws, again, 1)[0] == {"event": "newBlock", "blockHash": rebuilt,
                                           "parentBlockHash": parent, "newRuntime": None}


def test_runtime_apis_match_the_runtime_version(server: Server) -> None:
    from node.genesis import parse_genesis
    from tests.rpc.conftest import DEV_GENESIS

    config = parse_genesis(DEV_GENESIS.read_bytes()).runtime_config()
    with WsClient(server.url) as ws:
        sub = ws.request("chainHead_v1_follow", True)
        apis = ws.notification(sub)["finalizedBlockRuntime"]["spec"]["apis"]
    assert apis == {i: v for i, v in runtime_version_json(config)["apis"]}


def test_too_many_pinned_blocks_stop_the_subscription(server: Server) -> None:
    from node.rpc.methods_chainhead import MAX_PINNED

    batch = 300
    with WsClient(server.url) as ws:
        keeps, head = follow(ws)  # never unpins
        unpins, _ = follow(ws)
        server.call("dev_newBlock", {"count": batch})
        first = [events(ws, keeps, 3)[0]["blockHash"] for _ in range(batch)]
        assert [events(ws, unpins, 3)[0]["blockHash"] for _ in range(batch)] == first
        assert ws.request("chainHead_v1_unpin", unpins, [head] + first[:-1]) is None
        server.call("dev_newBlock", {"count": batch})
        fits = MAX_PINNED - (1 + batch)  # the head and the first batch are pinned
        second = []
        for _ in range(fits):
            new_block, best, final = events(ws, keeps, 3)
            assert (best["event"], final["event"]) == ("bestBlockChanged", "finalized")
            second.append(new_block["blockHash"])
        assert ws.notification(keeps) == {"event": "stop"}
        assert ws.request("chainHead_v1_header", keeps, head) is None  # stale
        # the one that unpinned keeps following
        got = [events(ws, unpins, 3)[0]["blockHash"] for _ in range(batch)]
        assert got[:fits] == second
        assert got[-1] == server.call("chain_getFinalizedHead")
        assert ws.request("chainHead_v1_header", unpins, got[-1]) == \
            ws.request("archive_v1_header", got[-1])
