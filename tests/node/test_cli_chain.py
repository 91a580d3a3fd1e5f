"""init, head, block, events, query, check: shapes and exit codes of cli.md."""

from __future__ import annotations

import json
from pathlib import Path

from runtime.keys import Keypair
from tests.node.conftest import GENESIS, cli, fails, ok, snapshot

ALICE = Keypair.from_uri("//Alice").ss58(30)
BOB = Keypair.from_uri("//Bob").ss58(30)
HEAD_KEYS = ["number", "hash", "parent_hash", "state_root", "extrinsics_root", "timestamp_ms"]


def test_init_prints_the_genesis_head_and_refuses_to_overwrite(tmp_path: Path) -> None:
    head = ok(tmp_path, "init", "--genesis", str(GENESIS))
    assert list(head) == HEAD_KEYS
    assert head["number"] == 0 and head["parent_hash"] == "0x" + "00" * 32
    assert head["extrinsics_root"] == \
        "0x03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314"
    assert head["timestamp_ms"] == 1_700_000_000_000
    assert "already exists" in fails(tmp_path, 2, "ChainExists", "init", "--genesis",
                                     str(GENESIS))
    again = ok(tmp_path, "init", "--genesis", str(GENESIS), "--force")
    assert again == head  # the same file always gives the same genesis


def test_init_with_a_bad_genesis_leaves_the_chain_as_it_was(chain_copy: Path,
                                                            tmp_path: Path) -> None:
    before = snapshot(chain_copy)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"balances": {"acounts": []}}))
    msg = fails(chain_copy, 2, "BadGenesis", "init", "--genesis", str(bad), "--force")
    assert "balances.acounts" in msg
    bad.write_text(json.dumps({"block_time_ms": "fast"}))
    assert "block_time_ms" in fails(chain_copy, 2, "BadGenesis", "init", "--genesis",
                                    str(bad), "--force")
    bad.write_text("{not json")
    assert "not valid JSON" in fails(chain_copy, 2, "BadGenesis", "init", "--genesis",
                                     str(bad), "--force")
    assert "cannot read" in fails(chain_copy, 2, "BadGenesis", "init", "--genesis",
                                  str(tmp_path / "missing.json"), "--force")
    assert snapshot(chain_copy) == before


def test_init_defaults_to_the_packaged_dev_genesis(tmp_path: Path) -> None:
    head = ok(tmp_path / "c", "init")  # cwd is the repository: its genesis.json
    assert head == ok(tmp_path / "d", "init", "--genesis", str(GENESIS))


def test_commands_on_a_missing_chain_exit_2(tmp_path: Path) -> None:
    for args in (["head"], ["seal"], ["query", "System", "Number"], ["events"], ["block"],
                 ["check"], ["tx", "System", "remark", "0x00"]):
        assert "no chain" in fails(tmp_path / "none", 2, "NoChain", *args)
    assert not (tmp_path / "none").exists()


def test_head_and_block(base_chain: Path) -> None:
    head = ok(base_chain, "head")
    assert list(head) == HEAD_KEYS and head["number"] == 3
    assert head["timestamp_ms"] == 1_700_000_000_000 + 3 * 12_000
    block = ok(base_chain, "block")
    assert {k: block[k] for k in HEAD_KEYS} == head
    assert ok(base_chain, "block", head["hash"]) == block
    b1 = ok(base_chain, "block", "1")
    assert b1["hash"] == ok(base_chain, "block", "2")["parent_hash"]
    assert [x["call"]["pallet"] + "." + x["call"]["call"] for x in b1["extrinsics"]] == \
        ["Timestamp.set", "Balances.transfer_keep_alive"]
    ts, transfer = b1["extrinsics"]
    assert ts["signer"] is None and ts["call"]["args"] == {"now": 1_700_000_012_000}
    assert transfer["signer"] == ALICE and transfer["nonce"] == 0
    assert transfer["call"]["args"] == {"dest": {"Id": BOB}, "value": 1000}
    assert ok(base_chain, "block", "0")["extrinsics"] == []
    fails(base_chain, 2, "UnknownBlock", "block", "99")
    fails(base_chain, 2, "UnknownBlock", "block", "0x" + "11" * 32)
    fails(base_chain, 2, "BadInput", "block", "latest")


def test_events_with_phases(base_chain: Path) -> None:
    events = ok(base_chain, "events", "--block", "1")
    names = [(e["pallet"], e["event"], e["phase"]) for e in events]
    assert names[0] == ("System", "ExtrinsicSuccess", {"ApplyExtrinsic": 0})
    assert ("Balances", "Transfer", {"ApplyExtrinsic": 1}) in names
    transfer = next(e for e in events if e["event"] == "Transfer")
    assert transfer["attributes"] == {"from": ALICE, "to": BOB, "amount": 1000}
    head_events = ok(base_chain, "events")
    assert [e["event"] for e in head_events] == ["ExtrinsicSuccess"]
    assert ok(base_chain, "events", "--block", "0") == []


def test_query_values_maps_and_history(base_chain: Path) -> None:
    assert ok(base_chain, "query", "System", "Number") == 3
    assert ok(base_chain, "query", "System", "Number", "--at", "1") == 1
    bob = ok(base_chain, "query", "System", "Account", BOB)
    assert bob["data"]["free"] == 10**18 + 1000 and bob["nonce"] == 0
    bob_then = ok(base_chain, "query", "System", "Account", "//Bob", "--at", "0")
    assert bob_then["data"]["free"] == 10**18
    hexkey = "0x" + Keypair.from_uri("//Bob").public_key.hex()
    assert ok(base_chain, "query", "System", "Account", hexkey) == bob
    assert ok(base_chain, "query", "System", "Account", "//Nobody") is None
    entries = ok(base_chain, "query", "System", "Account")
    assert {"key": [BOB], "value": bob} in entries
    assert len(entries) == 9  # 8 genesis accounts and the subsidy pool
    params = ok(base_chain, "query", "PhalaMining", "TokenomicParameters")
    # plain u128 fields in the reference: bits stay integers (cli.md)
    assert params["treasury_ratio"] == 3689348814741910323
    assert params["cost_k"] == 291740030655
    assert params["heartbeat_window"] == 10
    workers = ok(base_chain, "query", "PhalaRegistry", "Workers")
    assert len(workers) == 6


def test_query_errors_exit_2(base_chain: Path) -> None:
    fails(base_chain, 2, "UnknownPallet", "query", "Nope", "Account")
    fails(base_chain, 2, "UnknownStorageItem", "query", "System", "Acount")
    assert "key1" in fails(base_chain, 2, "BadInput", "query", "System", "Account", "0x12")
    fails(base_chain, 2, "BadInput", "query", "System", "Account", "//Bob", "//Alice")
    fails(base_chain, 2, "UnknownBlock", "query", "System", "Number", "--at", "42")


def test_check_passes_on_a_healthy_chain(base_chain: Path) -> None:
    res = ok(base_chain, "check")
    assert res["ok"] is True and res["block_number"] == 3
    assert res["pallets"][:4] == ["System", "Timestamp", "Balances", "Sudo"]


def test_human_output_and_help(base_chain: Path) -> None:
    r = cli(base_chain, "head", json_mode=False)
    assert r.code == 0 and "state_root:" in r.out
    for cmd in ("init", "tx", "submit", "seal", "query", "events", "head", "block",
                "export-blocks", "replay", "check"):
        r = cli(base_chain, cmd, "--help", json_mode=False)
        assert r.code == 0 and "phala-emu" in r.out.split("Example")[-1], cmd
