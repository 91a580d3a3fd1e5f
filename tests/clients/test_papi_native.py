"""polkadot-api reaches the chain through the new JSON-RPC interface, not its legacy fallback:
`serve` lists chainHead_v1/transaction_v1/chainSpec_v1/archive_v1 in rpc_methods, and the
server's own count of calls by method (phala_rpcStats) shows which methods were used."""

from __future__ import annotations

from pathlib import Path

from tests.clients.harness import run_js, served
from tests.rpc.conftest import post

AMOUNT = 555_000_000
GENESIS_FREE = 1_000_000_000_000_000_000
NEW_GROUPS = ("chainHead_v1_", "transaction_v1_", "transactionWatch_v1_", "chainSpec_v1_",
              "archive_v1_")


def test_papi_reads_follows_and_submits_over_the_new_interface(chain_dir: Path) -> None:
    with served(chain_dir) as info:
        out = run_js("papi_native.mjs", info["url"])
        stats = post(info["url"].replace("ws://", "http://"),
                     {"jsonrpc": "2.0", "id": 1, "method": "phala_rpcStats", "params": []})
    assert out["chainName"] == "Phala Emulator Dev"
    assert (out["bobBefore"], out["bobAfter"]) == (str(GENESIS_FREE), str(GENESIS_FREE + AMOUNT))
    assert (out["poolCountBefore"], out["poolCountAfter"]) == ("0", "1")
    assert out["accounts"] == 9
    assert out["transfer"] == {"ok": True, "blockNumber": 1, "index": 1,
                               "events": ["Balances.Transfer", "System.ExtrinsicSuccess"]}
    assert out["create"] == {"ok": True, "blockNumber": 2, "index": 1,
                             "events": ["PhalaStakePool.PoolCreated",
                                        "System.ExtrinsicSuccess"]}
    assert out["finalizedSeen"] == [0, 1, 2]
    used = stats["result"]
    legacy = sorted(m for m in used
                    if not m.startswith(NEW_GROUPS) and m not in ("rpc_methods", "phala_rpcStats"))
    assert legacy == []  # no legacy fallback at all
    assert used["chainHead_v1_follow"] == 1
    assert used["transaction_v1_broadcast"] == 2  # the transfer and the pool
    assert used["chainHead_v1_storage"] >= 1 and used["chainHead_v1_call"] >= 1
    assert used["chainHead_v1_body"] >= 1  # how it finds its transactions in new blocks
