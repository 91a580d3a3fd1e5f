"""polkadot-api (untyped API, its WebSocket provider, an sr25519 signer) against `serve`."""

from __future__ import annotations

from pathlib import Path

from tests.clients.harness import phala_emu, run_js, served

AMOUNT = 777_000_000
GENESIS_FREE = 1_000_000_000_000_000_000


def test_papi_reads_and_submits_a_transfer_until_finalized(chain_dir: Path) -> None:
    issuance = str(phala_emu(chain_dir, "query", "Balances", "TotalIssuance"))
    with served(chain_dir) as info:
        out = run_js("papi.mjs", info["url"])
        assert info["head"] == info["genesis_hash"]  # a fresh chain
    assert out["ss58Prefix"] == 30
    assert out["existentialDeposit"] == "1"
    assert out["totalIssuance"] == issuance
    assert out["finalizedBefore"] == 0
    tx = out["transfer"]
    assert tx["ok"] is True
    assert tx["events"] == ["Balances.Transfer", "System.ExtrinsicSuccess"]
    assert (tx["blockNumber"], tx["index"]) == (1, 1)  # after the timestamp inherent
    assert out["alice"] == {"nonceBefore": 0, "nonceAfter": 1,
                            "freeBefore": str(GENESIS_FREE),
                            "freeAfter": str(GENESIS_FREE - AMOUNT)}  # no fees
    assert out["bob"] == {"freeBefore": str(GENESIS_FREE), "freeAfter": str(GENESIS_FREE + AMOUNT)}
    assert out["finalizedAfter"] == 1
    head = phala_emu(chain_dir, "head")
    assert (head["number"], head["hash"]) == (1, tx["blockHash"])
