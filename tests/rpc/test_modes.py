"""Block modes, the pool, dev_newBlock, and a SIGKILL while serve is authoring."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from runtime.hashing import blake2_256
from runtime.keys import Keypair
from tests.rpc.conftest import REPO, Signer, WsClient, cli, start_server, stop_server

BOB = Keypair.from_uri("//Bob").public_key


def test_manual_mode_pool_watch_and_new_block(fresh_chain: Path) -> None:
    srv = start_server(fresh_chain, "--block-mode", "manual")
    try:
        signer = Signer(srv.genesis_hash)
        busy = subprocess.run([sys.executable, "-m", "node", "--base-path", str(fresh_chain),
                               "--json", "head"], capture_output=True, text=True, cwd=REPO)
        assert busy.returncode == 2
        err = json.loads(busy.stdout)
        assert err["error"] == "ChainInUse"
        assert f"pid {srv.proc.pid}" in err["message"] and srv.url in err["message"]
        txs = [signer.transfer("//Alice", BOB, 10**12 + i, i) for i in range(3)]
        assert srv.call("author_submitExtrinsic", "0x" + txs[0].hex()) == \
            "0x" + blake2_256(txs[0]).hex()
        assert srv.error("author_submitExtrinsic", "0x" + txs[0].hex())["code"] == 1013
        # pool-aware nonce; the pool is in submission order
        assert srv.call("system_accountNextIndex", "//Alice") == 1
        assert srv.call("account_nextIndex", "//Alice") == 1
        with WsClient(srv.url) as ws:
            sub = ws.request("author_submitAndWatchExtrinsic", "0x" + txs[1].hex())
            assert ws.notification(sub) == "ready"
            srv.call("author_submitExtrinsic", "0x" + txs[2].hex())
            assert srv.call("author_pendingExtrinsics") == ["0x" + t.hex() for t in txs]
            assert srv.call("author_removeExtrinsic", [{"Hash": "0x" + blake2_256(txs[2])
                                                        .hex()}]) == \
                ["0x" + blake2_256(txs[2]).hex()]
            assert srv.call("chain_getHeader")["number"] == "0x0"  # nothing sealed yet
            last = srv.call("dev_newBlock", {"count": 3})
            assert srv.call("chain_getBlockHash") == last
            assert srv.call("chain_getHeader")["number"] == "0x3"
            block1 = srv.call("chain_getBlockHash", 1)
            assert ws.notification(sub) == {"inBlock": block1}
            assert ws.notification(sub) == {"finalized": block1}
            exts = srv.call("chain_getBlock", block1)["block"]["extrinsics"]
            assert exts[1:3] == ["0x" + txs[0].hex(), "0x" + txs[1].hex()]
            assert srv.call("author_pendingExtrinsics") == []
            # `to` and transactions go into the first new block
            tx = signer.transfer("//Alice", BOB, 5, 2)
            srv.call("dev_newBlock", {"to": 5, "transactions": ["0x" + tx.hex()]})
            assert srv.call("chain_getHeader")["number"] == "0x5"
            assert "0x" + tx.hex() in srv.call("chain_getBlock", srv.call(
                "chain_getBlockHash", 4))["block"]["extrinsics"]
            bad = srv.error("dev_newBlock", {"transactions": ["0x" + tx.hex()]})
            assert bad == {"code": 1010, "message": "Invalid Transaction",
                           "data": "Transaction is outdated"}
            assert srv.call("chain_getHeader")["number"] == "0x5"
            # switching to instant seals what waits, then every submission at once
            srv.call("author_submitExtrinsic",
                     "0x" + signer.transfer("//Alice", BOB, 6, 3).hex())
            assert srv.call("dev_setBlockBuildMode", "Instant") is None
            deadline = time.monotonic() + 10
            while srv.call("chain_getHeader")["number"] != "0x6" and time.monotonic() < deadline:
                time.sleep(0.02)
            assert srv.call("chain_getHeader")["number"] == "0x6"
            srv.call("author_submitExtrinsic", "0x" + signer.transfer("//Alice", BOB, 7, 4).hex())
            assert srv.call("chain_getHeader")["number"] == "0x7"
    finally:
        assert stop_server(srv) == 0
    assert not (fresh_chain / "holder.json").exists()  # serve's owner record is released
    # the chain left by a clean stop: whole, closed, blocks 12 s apart as `seal` makes them
    head = cli(fresh_chain, "head")
    assert head["number"] == 7
    t1 = cli(fresh_chain, "block", "1")["timestamp_ms"]
    assert cli(fresh_chain, "block", "2")["timestamp_ms"] - t1 == 12_000


def test_sigkill_while_authoring_leaves_a_whole_chain(fresh_chain: Path, tmp_path: Path) -> None:
    srv = start_server(fresh_chain, "--block-mode", "interval", "--block-interval", "0.02")
    try:
        deadline = time.monotonic() + 30
        while int(srv.call("chain_getHeader")["number"], 16) < 15:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait(10)
    finally:
        stop_server(srv)
    head = cli(fresh_chain, "head")
    assert head["number"] >= 15
    assert cli(fresh_chain, "block", str(head["number"]))["hash"] == head["hash"]
    assert cli(fresh_chain, "query", "System", "Number") == head["number"]
    out = tmp_path / "blocks"
    cli(fresh_chain, "export-blocks", "--out", str(out))
    assert cli(fresh_chain, "replay", "--genesis", str(out / "genesis.json"), str(out)) == head


def test_sigint_finishes_the_block_and_closes_the_chain(fresh_chain: Path) -> None:
    srv = start_server(fresh_chain, "--block-mode", "interval", "--block-interval", "0.02")
    try:
        deadline = time.monotonic() + 30
        while int(srv.call("chain_getHeader")["number"], 16) < 5:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        srv.proc.send_signal(signal.SIGINT)
        assert srv.proc.wait(30) == 0
    finally:
        stop_server(srv)
    assert not (fresh_chain / "holder.json").exists()
    head = cli(fresh_chain, "head")
    assert head["number"] >= 5
    assert cli(fresh_chain, "check")["block_number"] == head["number"]


def test_port_in_use_exits_2_and_leaves_the_chain_free(fresh_chain: Path, tmp_path: Path) -> None:
    from tests.rpc.conftest import init_chain

    srv = start_server(fresh_chain)
    other = tmp_path / "other"
    init_chain(other)
    try:
        port = srv.url.rsplit(":", 1)[1]
        busy = subprocess.run([sys.executable, "-m", "node", "--base-path", str(other), "--json",
                               "serve", "--rpc-port", port], capture_output=True, text=True,
                              cwd=REPO, timeout=60)
        assert busy.returncode == 2
        assert json.loads(busy.stdout)["error"] == "BadInput"
        assert f"cannot listen on port {port}" in json.loads(busy.stdout)["message"]
    finally:
        assert stop_server(srv) == 0
    assert cli(other, "head")["number"] == 0
