"""The JSON shapes clients check strictly (rpc.md §3), subscriptions and watch statuses."""

from __future__ import annotations

import json

from node.rpc.registry import all_methods
from runtime.hashing import blake2_128, blake2_256, storage_prefix
from runtime.header import DIGEST_ITEM, Header
from runtime.keys import Keypair
from runtime.system import ACCOUNT_INFO
from tests.rpc.conftest import Server, Signer, WsClient

ALICE = Keypair.from_uri("//Alice").public_key
BOB = Keypair.from_uri("//Bob").public_key
CHARLIE = Keypair.from_uri("//Charlie").public_key


def account_key(who: bytes) -> bytes:
    return storage_prefix("System", "Account") + blake2_128(who) + who


def free_balance(raw_hex: str) -> int:
    return ACCOUNT_INFO.decode(bytes.fromhex(raw_hex[2:])).data.free  # type: ignore[no-any-return]


def header_from_json(doc: dict) -> Header:
    return Header(bytes.fromhex(doc["parentHash"][2:]), int(doc["number"], 16),
                  bytes.fromhex(doc["stateRoot"][2:]), bytes.fromhex(doc["extrinsicsRoot"][2:]),
                  [DIGEST_ITEM.decode(bytes.fromhex(x[2:]))
                   for x in doc["digest"]["logs"]])


def test_rpc_methods_lists_every_method_sorted(server: Server) -> None:
    doc = server.call("rpc_methods")
    assert doc["version"] == 1
    assert doc["methods"] == sorted(all_methods())
    for name in ("chain_getHead", "state_getStorageAt", "state_call", "chain_getFinalisedHead",
                 "subscribe_newHead", "account_nextIndex", "state_getKeysPagedAt",
                 "chain_subscribeRuntimeVersion", "author_unwatchExtrinsic",
                 "childstate_getKeysPaged", "payment_queryFeeDetails", "dev_newBlock",
                 "phala_apr"):
        assert name in doc["methods"]


def test_transfer_block_header_hash_and_history(server: Server, signer: Signer) -> None:
    key = account_key(BOB)
    before = server.call("state_getStorage", "0x" + key.hex())
    head0 = server.call("chain_getHeader")
    tx = signer.transfer("//Alice", BOB, 10**12, server.call("system_accountNextIndex",
                                                              "//Alice"))
    tx_hash = server.call("author_submitExtrinsic", "0x" + tx.hex())
    assert tx_hash == "0x" + blake2_256(tx).hex()
    head = server.call("chain_getHeader")
    assert int(head["number"], 16) == int(head0["number"], 16) + 1
    assert sorted(head) == ["digest", "extrinsicsRoot", "number", "parentHash", "stateRoot"]
    assert head["number"] == hex(int(head["number"], 16))
    block_hash = server.call("chain_getBlockHash")
    assert server.call("chain_getHead") == block_hash
    assert server.call("chain_getFinalizedHead") == block_hash
    assert server.call("chain_getFinalisedHead") == block_hash
    # the hash is blake2-256 of the SCALE header the JSON describes
    assert "0x" + header_from_json(head).hash().hex() == block_hash
    block = server.call("chain_getBlock", block_hash)
    assert block["justifications"] is None and block["block"]["header"] == head
    assert "0x" + tx.hex() in block["block"]["extrinsics"]
    assert server.call("chain_getBlockHash", [0, int(head["number"], 16), 10**6]) == \
        [server.call("chain_getBlockHash", 0), block_hash, None]
    assert server.call("chain_getBlockHash", head["number"]) == block_hash  # hex number
    after = server.call("state_getStorage", "0x" + key.hex())
    assert free_balance(after) == free_balance(before) + 10**12
    # history: at the parent, the old value; the size and hash follow the value
    assert server.call("state_getStorage", "0x" + key.hex(), head["parentHash"]) == before
    assert server.call("state_getStorageAt", "0x" + key.hex(), block_hash) == after
    assert server.call("state_getStorageSize", "0x" + key.hex()) == len(after) // 2 - 1
    assert server.call("state_getStorageHash", "0x" + key.hex()) == \
        "0x" + blake2_256(bytes.fromhex(after[2:])).hex()
    at = server.call("state_queryStorageAt", ["0x" + key.hex(), "0x" + "ab" * 16], block_hash)
    assert at == [{"block": block_hash, "changes": [["0x" + key.hex(), after],
                                                    ["0x" + "ab" * 16, None]]}]
    q = server.call("state_queryStorage", ["0x" + key.hex()], head["parentHash"], block_hash)
    assert q == [{"block": head["parentHash"], "changes": [["0x" + key.hex(), before]]},
                 {"block": block_hash, "changes": [["0x" + key.hex(), after]]}]
    unknown = "0x" + "11" * 32
    err = server.error("state_getStorage", "0x" + key.hex(), unknown)
    assert err["code"] == 4003
    assert server.call("chain_getHeader", unknown) is None
    assert server.call("chain_getBlock", unknown) is None
    assert server.error("state_getRuntimeVersion", unknown)["code"] == 4003


def test_keys_paged_and_pairs(server: Server) -> None:
    prefix = storage_prefix("System", "Account")
    keys = server.call("state_getKeys", "0x" + prefix.hex())
    assert keys == sorted(keys) and len(keys) >= 3
    assert all(k.startswith("0x" + prefix.hex()) for k in keys)
    page1 = server.call("state_getKeysPaged", "0x" + prefix.hex(), 2)
    page2 = server.call("state_getKeysPaged", "0x" + prefix.hex(), 2, page1[-1])
    assert page1 + page2 == keys[:4]
    pairs = server.call("state_getPairs", "0x" + prefix.hex())
    assert [k for k, _ in pairs] == keys
    assert all(v == server.call("state_getStorage", k) for k, v in pairs)
    err = server.error("state_getKeysPaged", "0x" + prefix.hex(), 1001)
    assert err["code"] == 4002
    assert server.error("state_getKeysPaged", "0x" + prefix.hex())["code"] == -32602
    assert server.error("state_getKeysPaged", "0x" + prefix.hex(), None)["code"] == -32602


def test_system_facts(server: Server) -> None:
    assert server.call("system_chain") == "Phala Emulator Dev"
    assert server.call("system_chainType") == "Development"
    assert server.call("system_properties") == {"ss58Format": 30, "tokenDecimals": 12,
                                                "tokenSymbol": "PHA"}
    assert server.call("system_health") == {"peers": 0, "isSyncing": False,
                                            "shouldHavePeers": False}
    assert server.call("system_peers") == []
    assert server.call("system_nodeRoles") == ["Authority"]
    assert server.call("childstate_getStorage", "0x00", "0x00") is None
    assert server.call("childstate_getKeys", "0x00", "0x") == []


def test_head_subscriptions_send_current_then_every_block(server: Server, signer: Signer,
                                                          ws: WsClient) -> None:
    new = ws.request("chain_subscribeNewHeads")
    fin = ws.request("chain_subscribeFinalizedHeads")
    allh = ws.request("chain_subscribeAllHeads")
    assert len({new, fin, allh}) == 3 and all(isinstance(s, str) for s in (new, fin, allh))
    head = server.call("chain_getHeader")
    assert ws.notification(new) == head
    assert ws.notification(fin) == head
    nonce = server.call("system_accountNextIndex", "//Bob")
    server.call("author_submitExtrinsic", "0x" + signer.transfer("//Bob", CHARLIE, 10**10,
                                                                   nonce).hex())
    block = server.call("chain_getHeader")
    assert ws.notification(new) == block
    assert ws.notification(fin) == block
    assert ws.notification(allh) == block
    assert ws.request("chain_unsubscribeNewHeads", new) is True
    assert ws.request("chain_unsubscribeNewHeads", new) is False
    assert ws.request("chain_unsubscribeFinalisedHeads", fin) is True
    assert ws.request("chain_unsubscribeAllHeads", allh) is True


def test_storage_subscription_current_value_first(server: Server, signer: Signer,
                                                  ws: WsClient) -> None:
    key = "0x" + account_key(CHARLIE).hex()
    absent = "0x" + "cd" * 20
    sub = ws.request("state_subscribeStorage", [key, absent])
    first = ws.notification(sub)
    assert first == {"block": server.call("chain_getBlockHash"),
                     "changes": [[key, server.call("state_getStorage", key)], [absent, None]]}
    nonce = server.call("system_accountNextIndex", "//Alice")
    server.call("author_submitExtrinsic", "0x" + signer.transfer("//Alice", CHARLIE, 10**11,
                                                                   nonce).hex())
    second = ws.notification(sub)
    assert second == {"block": server.call("chain_getBlockHash"),
                      "changes": [[key, server.call("state_getStorage", key)]]}
    assert free_balance(second["changes"][0][1]) == free_balance(first["changes"][0][1]) + 10**11
    version = ws.request("state_subscribeRuntimeVersion")
    assert ws.notification(version) == server.call("state_getRuntimeVersion")
    assert ws.request("state_unsubscribeStorage", sub) is True
    assert ws.request("chain_unsubscribeRuntimeVersion", version) is True


def test_watch_statuses_in_order(server: Server, signer: Signer, ws: WsClient) -> None:
    nonce = ws.request("system_accountNextIndex", "//Alice")
    tx = signer.transfer("//Alice", BOB, 12345, nonce)
    sub = ws.request("author_submitAndWatchExtrinsic", "0x" + tx.hex())
    assert ws.notification(sub) == "ready"
    in_block = ws.notification(sub)
    block_hash = server.call("chain_getBlockHash")
    assert in_block == {"inBlock": block_hash}
    assert ws.notification(sub) == {"finalized": block_hash}
    assert "0x" + tx.hex() in server.call("chain_getBlock", block_hash)["block"]["extrinsics"]
    # the same extrinsic again: its nonce is used now
    err = ws.answer(ws.send("author_submitAndWatchExtrinsic", "0x" + tx.hex()))["error"]
    assert err == {"code": 1010, "message": "Invalid Transaction",
                   "data": "Transaction is outdated"}


def test_batch_with_string_ids(server: Server) -> None:
    from tests.rpc.conftest import post

    docs = post(server.http, [
        {"jsonrpc": "2.0", "id": "1-1", "method": "system_name", "params": []},
        {"jsonrpc": "2.0", "id": 7, "method": "system_chainType"},
        {"jsonrpc": "2.0", "method": "system_name", "params": []},  # a notification
        {"jsonrpc": "2.0", "id": "x", "method": "no_such_method", "params": []},
    ])
    assert docs == [
        {"jsonrpc": "2.0", "result": "phala-emu", "id": "1-1"},
        {"jsonrpc": "2.0", "result": "Development", "id": 7},
        {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "x"},
    ]
    assert json.dumps(docs)  # plain JSON round trip


def test_read_proof_holds_the_path_to_the_value(server: Server) -> None:
    key = "0x" + account_key(ALICE).hex()
    head = server.call("chain_getHeader")
    proof = server.call("state_getReadProof", [key])
    assert proof["at"] == server.call("chain_getBlockHash")
    nodes = [bytes.fromhex(n[2:]) for n in proof["proof"]]
    assert proof["proof"] == sorted(set(proof["proof"]))
    # the root node is in it, and every other node is referenced by hash from another one
    assert any("0x" + blake2_256(n).hex() == head["stateRoot"] for n in nodes)
    assert len(nodes) >= 2
    for n in nodes:
        h = blake2_256(n)
        if "0x" + h.hex() != head["stateRoot"]:
            assert any(h in other for other in nodes if other is not n)
    value = bytes.fromhex(server.call("state_getStorage", key)[2:])
    assert any(value in n or blake2_256(value) in n for n in nodes)
