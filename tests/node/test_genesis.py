"""Genesis parsing (genesis.md) and the genesis state, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.blockstore import BlockStore
from node.genesis import GenesisError, pallet_account, parse_genesis
from node.genesis_state import build_genesis_block, genesis_hash_of, genesis_items
from pallets.mining.formulas import default_params
from runtime.hashing import storage_prefix
from runtime.keys import Keypair
from storage.backend import MemoryBackend

REPO = Path(__file__).resolve().parents[2]
ALICE = Keypair.from_uri("//Alice").public_key


def parse(doc: dict) -> object:
    return parse_genesis(json.dumps(doc))


def test_defaults_are_the_dev_chain_and_reference_parameters() -> None:
    g = parse_genesis("{}")
    assert (g.ss58_format, g.state_version, g.block_time_ms, g.timestamp_ms) == (30, 1, 12000, 0)
    assert g.sudo == ALICE
    assert g.mining["tokenomic"] == default_params()
    assert g.mining["tokenomic"].rho == 18446756370313412349
    assert g.mining["payout_mode"] == "full"
    assert g.stake_pool == {"min_contribution": 10_000_000_000, "grace_period_sec": 604800,
                            "max_pool_workers": 200, "mining_enabled": True}
    # the subsidy pool account (PalletId phala/pp) is funded
    assert dict(g.accounts) == {pallet_account(b"phala/pp"): 690_000_000 * 10**12}


def test_repository_genesis_spells_out_the_reference_parameters() -> None:
    g = parse_genesis((REPO / "genesis.json").read_text())
    assert g.mining["tokenomic"] == default_params()
    assert g.sudo == ALICE
    assert sum(1 for w in g.workers if w.secret_uri) == 6


@pytest.mark.parametrize(("doc", "named"), [
    ({"nmae": "x"}, "'nmae'"),
    ({"balances": {"acounts": []}}, "'balances.acounts'"),
    ({"mining": {"tokenomic": {"rhoo": "1"}}}, "'mining.tokenomic.rhoo'"),
    ({"registry": {"workers": [{"pubkey": "//W", "score": 1}]}},
     "'registry.workers[0].score'"),
    ({"mining": {"tokenomic": {"k": {"bits": 1, "value": "x"}}}}, "'mining.tokenomic.k.value'"),
])
def test_unknown_keys_are_errors_naming_the_key(doc: dict, named: str) -> None:
    with pytest.raises(GenesisError, match="unknown key " + named.replace("[", r"\[")
                       .replace("]", r"\]")):
        parse(doc)


@pytest.mark.parametrize(("doc", "field"), [
    ({"ss58_format": "30"}, "ss58_format"),
    ({"state_version": 2}, "state_version"),
    ({"block_time_ms": 0}, "block_time_ms"),
    ({"sudo": 5}, "sudo"),
    ({"sudo": "not an account"}, "sudo"),
    ({"balances": {"accounts": [["//Alice"]]}}, "balances.accounts[0]"),
    ({"balances": {"accounts": [["//Alice", -1]]}}, "balances.accounts[0][1]"),
    ({"balances": {"accounts": [["//Alice", "1e3"]]}}, "balances.accounts[0][1]"),
    ({"mining": {"tokenomic": {"rho": 1.5}}}, "mining.tokenomic.rho"),
    ({"mining": {"tokenomic": {"rho": "-1"}}}, "mining.tokenomic.rho"),
    ({"mining": {"payout_mode": "half"}}, "mining.payout_mode"),
    ({"registry": {"workers": [{"pubkey": "//W", "confidence_level": 6}]}},
     "registry.workers[0].confidence_level"),
    ({"registry": {"workers": [{"pubkey": "0x" + "11" * 32}]}}, "registry.workers[0].ecdh_pubkey"),
    ({"stake_pool": {"mining_enabled": "yes"}}, "stake_pool.mining_enabled"),
    ([], "genesis"),
])
def test_wrong_types_are_errors_naming_the_field(doc: object, field: str) -> None:
    with pytest.raises(GenesisError, match=field.replace("[", r"\[").replace("]", r"\]")):
        parse_genesis(json.dumps(doc))


def test_accounts_in_any_form_and_balances_as_text() -> None:
    ss58 = Keypair.from_uri("//Alice").ss58(42)
    for form in ("//Alice", ss58, "0x" + ALICE.hex()):
        g = parse({"balances": {"accounts": [[form, "12345678901234567890123"]]},
                   "mining": {"subsidy_pool": 0}})
        assert dict(g.accounts) == {ALICE: 12345678901234567890123}


def test_fixed_point_decimal_is_nearest_and_bits_are_exact() -> None:
    g = parse({"mining": {"tokenomic": {"treasury_ratio": "0.2", "re": {"bits": 7},
                                        "heartbeat_window": 20}}})
    t = g.mining["tokenomic"]
    assert t.treasury_ratio == 0x3333333333333333  # 0.2 rounded to nearest
    assert t.re == 7 and t.heartbeat_window == 20
    assert parse({"mining": {"tokenomic": {"k": "0.5"}}}).mining["tokenomic"].k == 1 << 63


def test_genesis_state_and_hash_are_deterministic() -> None:
    text = (REPO / "genesis.json").read_text()
    g = parse_genesis(text)
    assert genesis_hash_of(g) == genesis_hash_of(parse_genesis(text))
    v0 = parse_genesis(json.dumps({**json.loads(text), "state_version": 0}))
    assert genesis_hash_of(v0) != genesis_hash_of(g)
    items, _ = genesis_items(g)
    assert items[storage_prefix("System", "ParentHash")] == b"\x45" * 32
    assert items[b":extrinsic_index"] == b"\x00\x00\x00\x00"
    assert items[storage_prefix("Sudo", "Key")] == ALICE


def test_genesis_block_records_and_keystore() -> None:
    text = (REPO / "genesis.json").read_bytes()
    g = parse_genesis(text)
    backend = MemoryBackend()
    header = build_genesis_block(backend, g, text)
    store = BlockStore(backend)
    assert header.number == 0 and header.parent_hash == bytes(32) and header.digest == []
    assert store.head_hash() == store.hash_of(0) == header.hash() == genesis_hash_of(g)
    assert store.genesis_text() == text
    keys = dict(store.keystore())
    assert keys[Keypair.from_uri("//Worker1").public_key] == "//Worker1"
    assert len(keys) == 6


def test_balances_adding_up_past_u128_are_refused_with_the_total() -> None:
    doc = {"balances": {"accounts": [["//Alice", str(2**127)], ["//Bob", str(2**127)]]},
           "mining": {"subsidy_pool": "5"}}
    with pytest.raises(GenesisError) as exc:
        parse(doc)
    assert str(exc.value) == (
        f"balances: the total issuance {2**128 + 5} (accounts plus mining.subsidy_pool) "
        f"overflows u128 (max {2**128 - 1})")


def test_init_with_overflowing_balances_exits_2_and_leaves_the_old_chain(tmp_path: Path) -> None:
    from tests.node.inprocess import cli, ok

    doc = json.loads((REPO / "genesis.json").read_text())
    doc["balances"]["accounts"][0][1] = str(2**128 - 1)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    fresh = tmp_path / "fresh"
    code, out = cli(fresh, "init", "--genesis", str(bad))
    assert (code, out["error"]) == (2, "BadGenesis")
    assert out["message"].startswith("balances: the total issuance ")
    assert not fresh.exists()
    held = tmp_path / "held"
    ok(held, "init", "--genesis", str(REPO / "genesis.json"))
    head = ok(held, "head")
    code, out = cli(held, "init", "--force", "--genesis", str(bad))
    assert (code, out["error"]) == (2, "BadGenesis")
    assert ok(held, "head") == head
