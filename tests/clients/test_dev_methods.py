"""dev_* methods over the wire keep the chain verifiable: export-blocks + replay after."""

from __future__ import annotations

from pathlib import Path

from tests.clients.harness import phala_emu, run_js, served

T_2030 = 1_893_456_000_000  # 2030-01-01T00:00:00Z
BLOCK_MS = 12_000


def test_dev_methods_then_the_chain_replays(chain_dir: Path, tmp_path: Path) -> None:
    with served(chain_dir) as info:
        out = run_js("dev.mjs", info["url"])
    assert out["start"] == 0
    # Alice is the sudo key: her nonce, bumped by the sudo extrinsic, is then set to the
    # value given (merged from her account as it was: nonce 0), as the override says
    assert out["afterSetStorage"] == {"number": 1, "free": "5000000000000", "nonce": 0,
                                      "totalIssuance": "42"}
    assert out["rawValue"] == "0x0102"
    assert out["rawAfterDelete"] is None
    assert out["timeTravel"] == T_2030
    assert out["nowAfterTravel"] == T_2030
    assert out["nowAfterNext"] == T_2030 + BLOCK_MS
    blocks = out["newBlocks"]
    assert blocks["from"] == 5 and blocks["to"] == 8
    assert blocks["lastHash"] == blocks["headHash"]
    assert out["setHead"] == {"hash": out["setHead"]["expected"], "expected":
                              out["setHead"]["expected"], "number": 6}
    assert out["end"]["number"] == 7
    assert out["rawStatuses"] == ["ready", "inBlock", "finalized"]
    assert out["final"]["number"] == 8

    head = phala_emu(chain_dir, "head")
    assert (head["number"], head["hash"]) == (8, out["final"]["hash"])
    blocks_dir = tmp_path / "blocks"
    phala_emu(chain_dir, "export-blocks", "--out", str(blocks_dir))
    assert phala_emu(chain_dir, "replay", "--genesis", str(blocks_dir / "genesis.json"),
                     str(blocks_dir)) == head
