"""Every storage item, call, event, error and constant of every pallet is in the metadata
(as py-scalecodec reads it) with its declared index, hashers, modifier, default and docs."""

from __future__ import annotations

from typing import Any

import pytest

from node.composition import pallet_list
from runtime.config import RuntimeConfig, StakePoolConfig
from runtime.metadata.types import docs
from runtime.storage_items import StorageNMap
from runtime.version import runtime_version
from tests.harness import Chain
from tests.runtime.metadata_support import Scale, raw_bytes

CONFIG = RuntimeConfig(ss58_format=42, existential_deposit=7, block_hash_count=300,
                       stake_pool=StakePoolConfig(max_pool_workers=33))


@pytest.fixture(scope="module")
def scale() -> Scale:
    return Scale(Chain(pallet_list(), CONFIG).rt)


PALLETS = [cls for _, cls in pallet_list()]


def test_pallets_in_index_order(scale: Scale) -> None:
    assert [(p["name"], p["index"]) for p in scale.v14["pallets"]] == [
        (cls.NAME, i) for i, cls in pallet_list()]


@pytest.mark.parametrize("cls", PALLETS, ids=lambda c: c.NAME)
def test_storage_entries(scale: Scale, cls: Any) -> None:
    rt = scale.rt
    items = cls.storage_items()
    storage = scale.pallet(cls.NAME)["storage"]
    assert storage["prefix"] == cls.NAME
    assert [e["name"] for e in storage["entries"]] == list(items)
    for entry, (name, item) in zip(storage["entries"], items.items(), strict=True):
        value = rt.resolve(item.value)
        assert entry["modifier"] == ("Optional" if item.is_option else "Default"), name
        expected_default = b"\x00" if item.is_option else value.encode(item.default())
        assert raw_bytes(entry["default"]) == expected_default, name
        assert entry["documentation"] == docs(item.doc), name
        if isinstance(item, StorageNMap):
            m = entry["type"]["Map"]
            assert m["hashers"] == item.hasher_names, name
            key_ty = scale.types[m["key"]]
            if len(item.keys) > 1:
                assert len(key_ty["def"]["tuple"]) == len(item.keys), name
            value_ty = m["value"]
        else:
            value_ty = entry["type"]["Plain"]
        # the value type reads the encoded default back (when there is one)
        if not item.is_option:
            assert raw_bytes(rt_encode(scale, value_ty, expected_default)) == expected_default


def rt_encode(scale: Scale, type_id: int, data: bytes) -> bytes:
    """Decode with scalecodec through the type, then re-encode: the bytes must survive."""
    from scalecodec.base import ScaleBytes

    obj = scale.rc.create_scale_object(f"scale_info::{type_id}", data=ScaleBytes(data),
                                       metadata=scale.md)
    value = obj.decode()
    again = scale.rc.create_scale_object(f"scale_info::{type_id}", metadata=scale.md)
    return bytes(again.encode(value).data)


@pytest.mark.parametrize("cls", PALLETS, ids=lambda c: c.NAME)
def test_calls(scale: Scale, cls: Any) -> None:
    pallet = scale.pallet(cls.NAME)
    decls = cls.calls()
    if not decls:
        assert pallet["calls"] is None
        return
    ty = scale.types[pallet["calls"]["ty"]]
    assert ty["path"][-2:] == ["pallet", "Call"] and "::".join(ty["path"][:-2]) == cls.CRATE
    assert [(v["name"], v["index"], [f["name"] for f in v["fields"]], v["docs"])
            for v in ty["def"]["variant"]["variants"]] == [
        (c.name, c.index, [n for n, _ in c.args], docs(c.doc)) for c in decls]


@pytest.mark.parametrize("cls", PALLETS, ids=lambda c: c.NAME)
def test_events(scale: Scale, cls: Any) -> None:
    pallet = scale.pallet(cls.NAME)
    if not cls.EVENTS:
        assert pallet["event"] is None
        return
    ty = scale.types[pallet["event"]["ty"]]
    assert ty["path"] == [*cls.CRATE.split("::"), "pallet", "Event"]
    assert [(v["name"], v["index"], [f["name"] for f in v["fields"]], v["docs"])
            for v in ty["def"]["variant"]["variants"]] == [
        (e.name, e.index, [n for n, _ in e.fields], docs(e.doc)) for e in cls.EVENTS]


@pytest.mark.parametrize("cls", PALLETS, ids=lambda c: c.NAME)
def test_errors(scale: Scale, cls: Any) -> None:
    pallet = scale.pallet(cls.NAME)
    if not cls.ERRORS:
        assert pallet["error"] is None
        return
    ty = scale.types[pallet["error"]["ty"]]
    assert ty["path"] == [*cls.CRATE.split("::"), "pallet", "Error"]
    assert [(v["name"], v["index"], v["fields"], v["docs"])
            for v in ty["def"]["variant"]["variants"]] == [
        (e.name, e.index, [], docs(e.doc)) for e in cls.ERRORS]


@pytest.mark.parametrize("cls", PALLETS, ids=lambda c: c.NAME)
def test_constants(scale: Scale, cls: Any) -> None:
    consts = scale.pallet(cls.NAME)["constants"]
    assert [(c["name"], raw_bytes(c["value"]), c["documentation"]) for c in consts] == [
        (d.name, d.codec.encode(d.value(CONFIG)), docs(d.doc)) for d in cls.CONSTANTS]


def test_constants_clients_read(scale: Scale) -> None:
    def const(pallet: str, name: str) -> Any:
        c = next(c for c in scale.pallet(pallet)["constants"] if c["name"] == name)
        obj = scale.rc.create_scale_object(f"scale_info::{c['type']}",
                                           data=_bytes(raw_bytes(c["value"])))
        return obj.decode()

    assert const("System", "SS58Prefix") == 42
    assert const("System", "BlockHashCount") == 300
    version = const("System", "Version")
    assert version["spec_name"] == CONFIG.spec_name
    assert version["spec_version"] == runtime_version(CONFIG)["spec_version"]
    assert const("Balances", "ExistentialDeposit") == 7
    assert const("Timestamp", "MinimumPeriod") == 1
    assert const("PhalaStakePool", "MaxPoolWorkers") == 33
    assert const("PhalaStakePool", "MinContribution") == CONFIG.stake_pool.min_contribution
    assert const("PhalaMining", "ExpectedBlockTimeSec") == 12
    assert const("PhalaRegistry", "NoneAttestationEnabled") is False
    weights = const("System", "BlockWeights")
    assert weights["max_block"] == {"ref_time": 2 * 10**12, "proof_size": 5 * 2**20}
    assert weights["per_class"]["normal"]["max_extrinsic"] == weights["max_block"]
    assert weights["per_class"]["mandatory"]["max_total"] is None
    assert const("System", "BlockLength") == {"max": {
        "normal": 5 * 2**20, "operational": 5 * 2**20, "mandatory": 5 * 2**20}}
    assert const("System", "DbWeight") == {"read": 0, "write": 0}


def _bytes(data: bytes) -> Any:
    from scalecodec.base import ScaleBytes

    return ScaleBytes(data)


def test_paths_clients_match_on(scale: Scale) -> None:
    paths = {"::".join(t["path"]) for t in scale.types.values()}
    for path in [
        "sp_core::crypto::AccountId32", "primitive_types::H256",
        "sp_runtime::multiaddress::MultiAddress", "sp_runtime::MultiSignature",
        "sp_runtime::generic::era::Era",
        "sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic",
        "sp_runtime::generic::digest::Digest", "sp_runtime::generic::digest::DigestItem",
        "sp_runtime::DispatchError", "sp_runtime::ModuleError", "sp_weights::weight_v2::Weight",
        "frame_support::dispatch::DispatchInfo", "frame_system::AccountInfo",
        "frame_system::Phase", "frame_system::EventRecord",
        "phala_emu_runtime::RuntimeCall", "phala_emu_runtime::RuntimeEvent",
        "phala_pallets::stakepool::PoolInfo", "phala_pallets::mining::pallet::MinerInfo",
        "phala_pallets::registry::pallet::WorkerInfo", "sp_arithmetic::per_things::Permill",
        "substrate_fixed::FixedU128",
        "frame_system::extensions::check_nonce::CheckNonce",
        "pallet_transaction_payment::ChargeTransactionPayment",
    ]:
        assert path in paths, path
    by_path = {"::".join(t["path"]): t for t in scale.types.values()}
    address = by_path["sp_runtime::multiaddress::MultiAddress"]
    assert [p["name"] for p in address["params"]] == ["AccountId", "AccountIndex"]
    assert [(v["name"], v["index"]) for v in address["def"]["variant"]["variants"]] == [
        ("Id", 0), ("Index", 1), ("Raw", 2), ("Address32", 3), ("Address20", 4)]
    module = by_path["sp_runtime::ModuleError"]["def"]["composite"]["fields"]
    assert [f["name"] for f in module] == ["index", "error"]
    assert scale.types[module[0]["type"]]["def"] == {"primitive": "u8"}
    array = scale.types[module[1]["type"]]["def"]["array"]
    assert array["len"] == 4 and scale.types[array["type"]]["def"] == {"primitive": "u8"}
    era = by_path["sp_runtime::generic::era::Era"]["def"]["variant"]["variants"]
    assert [(v["name"], v["index"]) for v in era[:2]] == [("Immortal", 0), ("Mortal1", 1)]
    assert len(era) == 256
