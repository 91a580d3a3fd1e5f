"""transactionWatch_v1 / transaction_v1 / chainSpec_v1 / archive_v1 against the spec's
documents, and the legacy and new interfaces agreeing on one connection."""

from __future__ import annotations

from typing import Any

from runtime.extrinsic import extrinsic_hash
from runtime.hashing import storage_prefix
from runtime.header import Header, header_to_json
from runtime.keys import Keypair
from tests.rpc.conftest import Server, Signer, WsClient

BOB = Keypair.from_uri("//Bob").public_key
ISSUANCE = "0x" + storage_prefix("Balances", "TotalIssuance").hex()
ACCOUNTS = "0x" + storage_prefix("System", "Account").hex()
UNKNOWN = "0x" + "ab" * 32


def nonce(server: Server, suri: str = "//Alice") -> int:
    return server.call("system_accountNextIndex",  # type: ignore[no-any-return]
                       "0x" + Keypair.from_uri(suri).public_key.hex())


def error(ws: WsClient, method: str, *params: Any) -> dict[str, Any]:
    doc = ws.answer(ws.send(method, *params))
    assert "error" in doc, doc
    return doc["error"]  # type: ignore[no-any-return]


def test_submit_and_watch_until_finalized(server: Server, signer: Signer, ws: WsClient) -> None:
    tx = signer.transfer("//Alice", BOB, 1_000, nonce(server))
    sub = ws.request("transactionWatch_v1_submitAndWatch", "0x" + tx.hex())
    head = server.call("chain_getFinalizedHead")
    body = server.call("chain_getBlock", head)["block"]["extrinsics"]
    where = {"hash": head, "index": body.index("0x" + tx.hex())}
    assert where["index"] == 1  # after the timestamp inherent
    assert [ws.notification(sub) for _ in range(3)] == [
        {"event": "validated"}, {"event": "bestChainBlockIncluded", "block": where},
        {"event": "finalized", "block": where}]
    # the same bytes again: stale nonce, an `invalid` event and no JSON-RPC error
    again = ws.request("transactionWatch_v1_submitAndWatch", "0x" + tx.hex())
    assert ws.notification(again) == {"event": "invalid",
                                      "error": "Invalid Transaction: Transaction is outdated"}
    assert error(ws, "transactionWatch_v1_submitAndWatch", "0xzz")["code"] == -32602
    assert error(ws, "transactionWatch_v1_unwatch", again)["code"] == -32602  # ended


def test_watch_in_manual_mode(server: Server, signer: Signer, ws: WsClient) -> None:
    server.call("dev_setBlockBuildMode", "Manual")
    try:
        tx = signer.transfer("//Alice", BOB, 2_000, nonce(server))
        sub = ws.request("transactionWatch_v1_submitAndWatch", "0x" + tx.hex())
        assert ws.notification(sub) == {"event": "validated"}
        unwatched = ws.request("transactionWatch_v1_submitAndWatch",
                               "0x" + signer.transfer("//Bob", BOB, 3, nonce(server, "//Bob"))
                               .hex())
        assert ws.notification(unwatched) == {"event": "validated"}
        assert ws.request("transactionWatch_v1_unwatch", unwatched) is None
        block = server.call("dev_newBlock")
        where = {"hash": block, "index": 1}
        assert [ws.notification(sub) for _ in range(2)] == [
            {"event": "bestChainBlockIncluded", "block": where},
            {"event": "finalized", "block": where}]
        # unwatched, still included (the spec keeps it in the pool)
        assert len(server.call("chain_getBlock", block)["block"]["extrinsics"]) == 3
        # removed from the pool: dropped
        tx2 = signer.transfer("//Alice", BOB, 4_000, nonce(server))
        sub2 = ws.request("transactionWatch_v1_submitAndWatch", "0x" + tx2.hex())
        assert ws.notification(sub2) == {"event": "validated"}
        server.call("author_removeExtrinsic", [{"Hash": "0x" + extrinsic_hash(tx2).hex()}])
        assert ws.notification(sub2)["event"] == "dropped"
    finally:
        server.call("dev_setBlockBuildMode", "Instant")


def test_broadcast_and_stop(server: Server, signer: Signer, ws: WsClient) -> None:
    before = nonce(server)
    op = ws.request("transaction_v1_broadcast",
                    "0x" + signer.transfer("//Alice", BOB, 5_000, before).hex())
    assert isinstance(op, str)
    bad = ws.request("transaction_v1_broadcast", "0x0102")  # invalid: silently nothing
    for _ in range(100):
        if nonce(server) == before + 1:
            break
        ws.request("system_health")
    assert nonce(server) == before + 1
    assert ws.request("transaction_v1_stop", op) is None
    assert ws.request("transaction_v1_stop", bad) is None
    assert error(ws, "transaction_v1_stop", op)["code"] == -32602
    assert error(ws, "transaction_v1_broadcast", "xyz")["code"] == -32602


def test_chain_spec(server: Server) -> None:
    assert server.call("chainSpec_v1_chainName") == server.call("system_chain")
    genesis = server.call("chain_getBlockHash", 0)
    assert genesis == "0x" + server.genesis_hash.hex()
    assert server.call("chainSpec_v1_genesisHash") == genesis
    assert server.call("archive_v1_genesisHash") == genesis
    assert server.call("chainSpec_v1_properties") == server.call("system_properties")


def test_archive(server: Server, ws: WsClient) -> None:
    server.call("dev_newBlock")
    head = server.call("chain_getHeader")
    height = int(head["number"], 16)
    assert server.call("archive_v1_finalizedHeight") == height
    assert server.call("archive_v1_hashByHeight", 0) == ["0x" + server.genesis_hash.hex()]
    assert server.call("archive_v1_hashByHeight", height + 1) == []
    assert server.call("archive_v1_header", UNKNOWN) is None
    assert server.call("archive_v1_body", UNKNOWN) is None
    assert server.call("archive_v1_call", UNKNOWN, "Core_version", "0x") is None
    genesis = "0x" + server.genesis_hash.hex()
    assert server.call("archive_v1_call", genesis, "Nope_x", "0x") == {
        "success": False, "error": "Exported method Nope_x is not found"}
    sub = ws.request("archive_v1_storage", UNKNOWN, [{"key": ISSUANCE, "type": "value"}], None)
    assert ws.notification(sub) == {"event": "storageError",
                                    "error": f"no block with hash {UNKNOWN}"}
    # paging a descendants query by its start key
    keys = server.call("state_getKeys", ACCOUNTS, genesis)
    sub = ws.request("archive_v1_storage", genesis, [
        {"key": ACCOUNTS, "type": "descendantsHashes", "paginationStartKey": keys[2]}], None)
    got = [ws.notification(sub) for _ in range(len(keys) - 3 + 1)]
    assert [e["key"] for e in got[:-1]] == keys[3:]
    assert got[-1] == {"event": "storageDone"}
    assert ws.request("archive_v1_stopStorage", sub) is None  # done: no effect
    assert ws.request("archive_v1_stopStorage", "nope") is None  # unknown: no effect
    assert error(ws, "archive_v1_storage", genesis, [{"key": ISSUANCE, "type": "value",
                                                       "paginationStartKey": "0x"}], None
                 )["code"] == -32602
    assert error(ws, "archive_v1_hashByHeight", -1)["code"] == -32602


def _follow(ws: WsClient) -> tuple[str, str]:
    sub = ws.request("chainHead_v1_follow", True)
    init = ws.notification(sub)
    ws.notification(sub)
    return sub, init["finalizedBlockHashes"][0]


def _op(ws: WsClient, sub: str, method: str, *params: Any) -> list[Any]:
    op = ws.request(method, sub, *params)["operationId"]
    out = []
    while True:
        e = ws.notification(sub)
        assert e["operationId"] == op
        out.append(e)
        if e["event"] in ("operationBodyDone", "operationCallDone", "operationStorageDone",
                          "operationError"):
            return out


def test_both_interfaces_agree_on_one_connection(server: Server, signer: Signer) -> None:
    with WsClient(server.url) as ws:
        sub, _ = _follow(ws)
        block = ws.request("dev_newBlock", {"transactions": [
            "0x" + signer.transfer("//Alice", BOB, 6_000, nonce(server)).hex()]})
        for _ in range(3):
            ws.notification(sub)
        # header
        legacy = ws.request("chain_getHeader", block)
        for new in (ws.request("chainHead_v1_header", sub, block),
                    ws.request("archive_v1_header", block)):
            assert header_to_json(Header.decode(bytes.fromhex(new[2:]))) == legacy
        # body
        extrinsics = ws.request("chain_getBlock", block)["block"]["extrinsics"]
        assert len(extrinsics) == 2
        assert ws.request("archive_v1_body", block) == extrinsics
        assert _op(ws, sub, "chainHead_v1_body", block)[0]["value"] == extrinsics
        # storage: one value, and every account
        value = ws.request("state_getStorage", ISSUANCE, block)
        items = _op(ws, sub, "chainHead_v1_storage", block,
                    [{"key": ISSUANCE, "type": "value"}], None)[0]["items"]
        assert items == [{"key": ISSUANCE, "value": value}]
        pairs = ws.request("state_getPairs", ACCOUNTS, block)
        got = _op(ws, sub, "chainHead_v1_storage", block,
                  [{"key": ACCOUNTS, "type": "descendantsValues"}], None)
        assert [[i["key"], i["value"]] for i in got[0]["items"]] == pairs
        archive_sub = ws.request("archive_v1_storage", block,
                                 [{"key": ACCOUNTS, "type": "descendantsValues"}], None)
        archived = [ws.notification(archive_sub) for _ in range(len(pairs) + 1)]
        assert [[e["key"], e["value"]] for e in archived[:-1]] == pairs
        assert archived[-1] == {"event": "storageDone"}
        # a runtime call
        output = ws.request("state_call", "Core_version", "0x", block)
        assert _op(ws, sub, "chainHead_v1_call", block, "Core_version", "0x")[0]["output"] == \
            output
        assert ws.request("archive_v1_call", block, "Core_version", "0x") == \
            {"success": True, "value": output}
        # heights and hashes
        number = int(legacy["number"], 16)
        assert ws.request("archive_v1_hashByHeight", number) == \
            [ws.request("chain_getBlockHash", number)]
        assert ws.request("archive_v1_finalizedHeight") == \
            int(ws.request("chain_getHeader")["number"], 16)
