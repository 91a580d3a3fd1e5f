"""dev_setStorage, dev_timeTravel, dev_setHead over the wire; the chain still replays."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.hashing import storage_prefix
from tests.rpc.conftest import WsClient, cli, start_server, stop_server

pytest.importorskip("node.dev")  # the clients piece (merged from main)

ISSUANCE = "0x" + storage_prefix("Balances", "TotalIssuance").hex()
T_2030 = 1_893_456_000_000


def test_dev_methods_notify_and_keep_the_chain_replayable(fresh_chain: Path,
                                                          tmp_path: Path) -> None:
    srv = start_server(fresh_chain)
    try:
        with WsClient(srv.url) as ws:
            heads = ws.request("chain_subscribeNewHeads")
            assert ws.notification(heads)["number"] == "0x0"
            watched = ws.request("state_subscribeStorage", [ISSUANCE])
            ws.notification(watched)
            value = "0x" + (42).to_bytes(16, "little").hex()
            h1 = srv.call("dev_setStorage", [[ISSUANCE, value]])
            assert h1 == srv.call("chain_getBlockHash", 1)
            assert srv.call("state_getStorage", ISSUANCE) == value
            assert ws.notification(heads)["number"] == "0x1"
            assert ws.notification(watched) == {"block": h1, "changes": [[ISSUANCE, value]]}
            assert srv.call("dev_setStorage", {"Balances": {"TotalIssuance": 43}}) == \
                srv.call("chain_getBlockHash", 2)
            assert srv.call("state_getStorage", ISSUANCE) == \
                "0x" + (43).to_bytes(16, "little").hex()
            assert srv.error("dev_setStorage", {"NoPallet": {}})["code"] == -32602
            assert srv.call("dev_timeTravel", T_2030) == T_2030
            srv.call("dev_newBlock", {"count": 2})
            now = "0x" + storage_prefix("Timestamp", "Now").hex()
            assert srv.call("state_getStorage", now) == \
                "0x" + (T_2030 + 12_000).to_bytes(8, "little").hex()
            for n in (2, 3, 4):
                assert ws.notification(heads)["number"] == hex(n)
            # rewind to block 1: the head notification names it, the values are block 1's
            assert srv.call("dev_setHead", 1) == h1
            assert srv.call("chain_getBlockHash") == h1
            assert ws.notification(heads)["number"] == "0x1"
            assert srv.call("state_getStorage", ISSUANCE) == value
            assert srv.call("chain_getBlockHash", 2) is None
            assert srv.error("dev_setHead", 9)["code"] == -32602
            srv.call("dev_newBlock")
            assert ws.notification(heads)["number"] == "0x2"
    finally:
        assert stop_server(srv) == 0
    head = cli(fresh_chain, "head")
    assert head["number"] == 2
    out = tmp_path / "blocks"
    cli(fresh_chain, "export-blocks", "--out", str(out))
    assert cli(fresh_chain, "replay", "--genesis", str(out / "genesis.json"), str(out)) == head
