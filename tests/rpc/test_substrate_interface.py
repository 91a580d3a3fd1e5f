"""py-substrate-interface (1.8.1), unchanged, against `serve`: metadata-driven reads,
signed transfers and pool calls with exact outcomes, and the same storage as the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from substrateinterface import Keypair, SubstrateInterface
from substrateinterface.exceptions import SubstrateRequestException

from tests.rpc.conftest import REPO, cli, init_chain, start_server, stop_server

pytest.importorskip("runtime.metadata")  # the meta piece: clients need metadata V14

WORKERS = ["0x2ee8266e9dc1c854e9676438bda29a3a414111ec7747393448eaf2e483672c0c",
           "0xeec52b72035badd46e8a0275a15f99367158d1414d6c9b8424691e277637ea68"]


def same(cli_json: Any, client: Any) -> bool:
    """The CLI's JSON of a value equals the client's decoded value (fixed-point numbers
    are `{"bits", "value"}` in the CLI, the metadata's `{"bits"}` struct in the client)."""
    if isinstance(cli_json, dict) and set(cli_json) == {"bits", "value"}:
        return client == {"bits": cli_json["bits"]}
    if isinstance(cli_json, dict):
        return isinstance(client, dict) and set(cli_json) == set(client) and all(
            same(cli_json[k], client[k]) for k in cli_json)
    if isinstance(cli_json, list):
        return isinstance(client, list | tuple) and len(cli_json) == len(client) and all(
            same(a, b) for a, b in zip(cli_json, client, strict=True))
    return bool(cli_json == client)


def test_py_substrate_interface_end_to_end(tmp_path: Path) -> None:
    fresh_chain = tmp_path / "chain"
    init_chain(fresh_chain, REPO / "genesis.json")  # its genesis registers workers
    srv = start_server(fresh_chain)
    reads: list[tuple[list[str], Any, str]] = []  # (CLI query args, client value, block)
    try:
        substrate = SubstrateInterface(url=srv.url, ss58_format=30)
        substrate.init_runtime()
        assert substrate.runtime_version == srv.call("state_getRuntimeVersion")["specVersion"]
        assert substrate.chain == "Phala Emulator Dev"
        alice = Keypair.create_from_uri("//Alice", ss58_format=30)
        bob = Keypair.create_from_uri("//Bob", ss58_format=30)

        def balance(who: str) -> int:
            return int(substrate.query("System", "Account", [who]).value["data"]["free"])

        alice_before, bob_before = balance(alice.ss58_address), balance(bob.ss58_address)
        call = substrate.compose_call("Balances", "transfer_keep_alive",
                                      {"dest": bob.ss58_address, "value": 3 * 10**12})
        ext = substrate.create_signed_extrinsic(call=call, keypair=alice)
        receipt = substrate.submit_extrinsic(ext, wait_for_inclusion=True)
        assert receipt.is_success
        assert balance(bob.ss58_address) == bob_before + 3 * 10**12
        assert balance(alice.ss58_address) == alice_before - 3 * 10**12  # no fees
        events = substrate.get_events(receipt.block_hash)
        names = [(e.value["module_id"], e.value["event_id"]) for e in events]
        assert ("Balances", "Transfer") in names and ("System", "ExtrinsicSuccess") in names
        block = substrate.get_block(receipt.block_hash)
        assert block["header"]["hash"] == receipt.block_hash
        assert [x.value["call"]["call_function"] for x in block["extrinsics"]] == \
            ["set", "transfer_keep_alive"]

        # a pool with workers, so the Phala maps have entries
        for name, params in [("create", {}), ("add_worker", {"pid": 0, "pubkey": WORKERS[0]}),
                             ("add_worker", {"pid": 0, "pubkey": WORKERS[1]})]:
            c = substrate.compose_call("PhalaStakePool", name, params)
            r = substrate.submit_extrinsic(substrate.create_signed_extrinsic(c, alice),
                                           wait_for_inclusion=True)
            assert r.is_success, r.error_message
        failing = substrate.compose_call("PhalaStakePool", "add_worker",
                                         {"pid": 7, "pubkey": WORKERS[1]})
        r = substrate.submit_extrinsic(substrate.create_signed_extrinsic(failing, alice),
                                       wait_for_inclusion=True)
        assert not r.is_success
        assert r.error_message["name"] == "PoolDoesNotExist"
        assert r.error_message["type"] == "Module"

        # an already used nonce: 1010 with sp_runtime's text
        stale = substrate.create_signed_extrinsic(call, alice, nonce=0)
        with pytest.raises(SubstrateRequestException) as exc:
            substrate.submit_extrinsic(stale)
        assert exc.value.args[0] == {"code": 1010, "message": "Invalid Transaction",
                                     "data": "Transaction is outdated"}

        head = substrate.get_chain_head()
        pools = substrate.query_map("PhalaStakePool", "StakePools", block_hash=head)
        entries = [(k.value, v.value) for k, v in pools]
        assert [k for k, _ in entries] == [0]
        assert entries[0][1]["workers"] == WORKERS
        assignments = substrate.query_map("PhalaStakePool", "WorkerAssignments", block_hash=head)
        assert sorted((k.value, v.value) for k, v in assignments) == \
            sorted([(WORKERS[0], 0), (WORKERS[1], 0)])
        reads.append((["PhalaStakePool", "StakePools", "0"], entries[0][1], head))
        for k, v in assignments:
            reads.append((["PhalaStakePool", "WorkerAssignments", k.value], v.value, head))
        for k, v in substrate.query_map("PhalaRegistry", "Workers", block_hash=head):
            reads.append((["PhalaRegistry", "Workers", k.value], v.value, head))
        for who in (alice, bob):
            reads.append((["System", "Account", who.ss58_address],
                          substrate.query("System", "Account", [who.ss58_address],
                                          block_hash=head).value, head))
        reads.append((["Balances", "TotalIssuance"],
                      substrate.query("Balances", "TotalIssuance", block_hash=head).value, head))
        parent = substrate.get_block_header(head)["header"]["parentHash"]
        reads.append((["System", "Account", bob.ss58_address],
                      substrate.query("System", "Account", [bob.ss58_address],
                                      block_hash=parent).value, parent))
        substrate.close()
    finally:
        assert stop_server(srv) == 0
    assert len(reads) >= 9
    for args, value, at in reads:
        expected = cli(fresh_chain, "query", *args, "--at", at)
        assert same(expected, value), f"{args}: CLI {expected!r} != client {value!r}"
