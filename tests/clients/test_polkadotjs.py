"""polkadot.js, unmodified and with no custom types, against `phala-emu serve`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from node.chain import Chain
from runtime.runtime_api import RUNTIME_APIS
from tests.clients.harness import phala_emu, run_js, served

GENESIS_FREE = "1000000000000000000"
# The server sends ready, inBlock, finalized (checked raw in test_dev_methods); polkadot.js
# switches to the newest status while it fetches a block's events, so with instant
# finality it usually never shows InBlock.
STATUSES = (["Ready", "InBlock", "Finalized"], ["Ready", "Finalized"])


def _expected(base: Path) -> dict[str, Any]:
    """What the chain says through the CLI and the runtime, before the server starts."""
    workers = phala_emu(base, "query", "PhalaRegistry", "Workers")
    with Chain.open(base) as chain:
        pallets = [p.NAME for _, p in sorted(chain.rt.by_index.items())]
    return {
        "accounts": len(phala_emu(base, "query", "System", "Account")),
        "workers": sorted(({"pubkey": w["key"][0], "operator": w["value"]["operator"]}
                           for w in workers), key=lambda w: w["pubkey"]),
        "issuance": str(phala_emu(base, "query", "Balances", "TotalIssuance")),
        "pallets": pallets,
    }


def test_polkadotjs_reads_signs_subscribes_and_decodes_metadata(chain_dir: Path) -> None:
    want = _expected(chain_dir)
    with served(chain_dir) as info:
        out = run_js("polkadotjs.mjs", info["url"])
    assert out["chain"] == "Phala Emulator Dev"
    assert out["specName"] == "phala-emu"
    assert out["genesisHash"] == info["genesis_hash"]
    assert out["metadataVersion"] == 15  # polkadot.js took V15 through Metadata_metadata_at_version
    assert out["ss58"] == 30
    assert out["consts"]["ss58Prefix"] == 30
    assert out["consts"]["existentialDeposit"] == "1"
    assert out["consts"]["blockHashCount"] == 2400
    assert {"minContribution": "10000000000", "gracePeriod": "604800"}.items() <= \
        out["consts"]["phalaStakePool"].items(), out["consts"]["phalaStakePool"]

    assert out["alice"] == {"nonce": 0, "free": GENESIS_FREE, "providers": 1}
    assert out["totalIssuance"] == want["issuance"]
    assert out["accountCount"] == want["accounts"]
    assert out["workers"] == want["workers"]

    assert out["headBefore"] == 0
    assert out["transfer"].pop("statuses") in STATUSES
    assert out["transfer"] == {"events": ["balances.Transfer", "system.ExtrinsicSuccess"],
                               "blockNumber": 1}
    bob = out["bob"]
    assert int(bob["after"]) == int(bob["before"]) + 12345
    assert bob["atOlderBlock"] == bob["before"] == GENESIS_FREE

    assert out["create"].pop("statuses") in STATUSES
    assert out["create"] == {
        "events": ["phalaStakePool.PoolCreated", "system.ExtrinsicSuccess"],
        "pid": 0, "poolCount": 1, "owner": out["aliceAddress"]}
    assert out["failed"]["events"] == ["system.ExtrinsicFailed"]
    assert out["failed"]["error"]["section"] == "phalaStakePool"
    assert out["failed"]["error"]["name"] == "WorkerNotRegistered"

    heads = out["heads"]
    assert heads["start"] == 3  # transfer, create and the failed call: one block each
    assert heads["seen"] == [3, 4, 5, 6]
    assert heads["sealedHash"] == heads["headHash"]

    assert out["v15"] == {"versions": [14, 15], "version": 15, "pallets": want["pallets"],
                          "apis": [api.name for api in RUNTIME_APIS]}
