"""Metadata V14 read by py-scalecodec (an independent implementation): calls it composes equal
ours byte for byte, and our storage values decode through it to the same values."""

from __future__ import annotations

from typing import Any

import pytest
from scalecodec.base import ScaleBytes

from pallets.messages import Message, SignedMessage, origin_worker
from pallets.mining.formulas import TokenomicParams
from runtime.codec import Variant
from tests.harness import ALICE, BOB, CHARLIE, Chain
from tests.runtime.metadata_support import Scale, plain, rendered

WORKER = bytes(range(32))


@pytest.fixture(scope="module")
def chain() -> Chain:
    """A block with successes, a module error, a Sudo error result and stake-pool writes."""
    ch = Chain().genesis(balances=[(ALICE, 10**15), (BOB, 10**13)], sudo=ALICE)
    assert ch.call(ALICE, "PhalaStakePool", "create").success
    assert ch.call(ALICE, "PhalaStakePool", "set_payout_pref", pid=0,
                   payout_commission=500_000).success
    assert ch.call(BOB, "PhalaStakePool", "contribute", pid=0, amount=10**11).success
    assert ch.call(BOB, "PhalaStakePool", "set_cap", pid=0, cap=5).error == \
        "PhalaStakePool.UnauthorizedPoolOwner"
    too_much = ch.rt.make_call("Balances", "force_transfer", source=BOB, dest=CHARLIE,
                               value=10**14)
    assert ch.call(ALICE, "Sudo", "sudo", call=too_much).success
    assert ch.call(ALICE, "System", "remark_with_event", remark=b"metadata").success
    return ch


@pytest.fixture(scope="module")
def scale(chain: Chain) -> Scale:
    return Scale(chain.rt)


def calls(rt: Any) -> list[Variant]:
    """One call of every pallet, covering structs, enums, options, vectors and compacts."""
    mk = rt.make_call
    message = SignedMessage(Message(origin_worker(WORKER), b"phala/mining/report", b"\x01\x02"),
                            7, b"\x09" * 64)
    params = TokenomicParams(*range(1, 15))
    return [
        mk("System", "remark", remark=b"hello"),
        mk("Timestamp", "set", now=1_600_000_012_000),
        mk("Balances", "transfer_keep_alive", dest=Variant("Id", BOB), value=10**18),
        mk("Balances", "transfer_allow_death", dest=Variant("Address32", CHARLIE), value=3),
        mk("Sudo", "sudo", call=mk("Balances", "force_set_balance", who=Variant("Id", CHARLIE),
                                   new_free=2**100)),
        mk("Sudo", "sudo_unchecked_weight", call=mk("System", "remark", remark=b""),
           weight={"ref_time": 10**9, "proof_size": 5}),
        mk("PhalaMq", "sync_offchain_message", signed_message=message),
        mk("PhalaRegistry", "force_register_worker", pubkey=WORKER, ecdh_pubkey=bytes(32),
           operator=ALICE),
        mk("PhalaRegistry", "force_register_worker", pubkey=WORKER, ecdh_pubkey=bytes(32),
           operator=None),
        mk("PhalaMining", "update_tokenomic", new_params=params),
        mk("PhalaMining", "force_start_mining", miner=ALICE, stake=10**12),
        mk("PhalaRegistry", "retire_pruntime",
           condition=Variant("VersionLessThan", (1, 2, 3))),
        mk("PhalaStakePool", "set_payout_pref", pid=3, payout_commission=250_000),
        mk("PhalaStakePool", "claim_rewards", pid=1, target=BOB),
        mk("PhalaStakePool", "set_pool_description", pid=2, description=b"pool two"),
        mk("PhalaStakePool", "force_assign_reward", reward_arr=[(0, 5), (1, 2**80)]),
        mk("PhalaStakePool", "create"),
    ]


def test_every_pallet_has_a_call_under_test(chain: Chain) -> None:
    covered = {c.name for c in calls(chain.rt)}
    assert covered == {p.NAME for p in chain.rt.by_index.values()}


@pytest.mark.parametrize("i", range(17))
def test_scalecodec_composes_our_calls_byte_for_byte(chain: Chain, scale: Scale, i: int) -> None:
    rt = chain.rt
    call = calls(rt)[i]
    ours = rt.encode_call(call)
    theirs = scale.encode_call(rendered(rt.call_codec, call, rt.call_codec))
    assert theirs.hex() == ours.hex()


def test_scalecodec_decodes_our_calls(chain: Chain, scale: Scale) -> None:
    rt = chain.rt
    call = calls(rt)[4]  # Sudo.sudo(Balances.force_set_balance)
    data = rt.encode_call(call)
    obj = scale.rc.create_scale_object("Call", data=ScaleBytes(data), metadata=scale.md)
    obj.decode()
    inner = obj.value["call_args"][0]["value"]
    assert (obj.value["call_module"], obj.value["call_function"]) == ("Sudo", "sudo")
    assert (inner["call_module"], inner["call_function"]) == ("Balances", "force_set_balance")
    assert [(a["name"], a["value"]) for a in inner["call_args"]] == [
        ("who", "0x" + CHARLIE.hex()), ("new_free", 2**100)]  # MultiAddress::Id, bare


def test_system_events_decode_to_the_same_events(chain: Chain, scale: Scale) -> None:
    rt = chain.rt
    raw = chain["System"].Events.raw()
    entry = scale.entry("System", "Events")
    theirs = scale.decode(entry["type"]["Plain"], raw)
    ours = chain.event_records()
    assert len(theirs) == len(ours)
    names = []
    for mine, their in zip(ours, theirs, strict=True):
        pallet, inner = mine["event"].name, mine["event"].value
        fields = rt.event_codec.by_name[pallet][1].by_name[inner.name][1]
        expected = {} if fields is None else rendered(fields, inner.value, rt.call_codec, True)
        assert (their["module_id"], their["event_id"]) == (pallet, inner.name)
        assert plain(their["attributes"] or {}) == expected
        assert their["phase"] == mine["phase"].name
        assert their["extrinsic_idx"] == mine["phase"].value
        names.append(f"{pallet}.{inner.name}")
    assert names == [
        "System.ExtrinsicSuccess",                              # timestamp inherent
        "PhalaStakePool.PoolCreated", "System.ExtrinsicSuccess",
        "PhalaStakePool.PoolCommissionSet", "System.ExtrinsicSuccess",
        "PhalaStakePool.Contribution", "System.ExtrinsicSuccess",
        "System.ExtrinsicFailed",
        "Sudo.Sudid", "System.ExtrinsicSuccess",
        "System.Remarked", "System.ExtrinsicSuccess"]
    failed = next(t for t in theirs if t["event_id"] == "ExtrinsicFailed")
    assert failed["attributes"]["dispatch_error"] == {"Module": {"index": 7,
                                                                 "error": "0x06000000"}}
    sudid = next(t for t in theirs if t["event_id"] == "Sudid")
    assert sudid["attributes"] == {"sudo_result": {"Err": {"Module": {"index": 2,
                                                                      "error": "0x02000000"}}}}


def test_account_info_decodes_as_frame_system_account_info(chain: Chain, scale: Scale) -> None:
    system = chain["System"]
    raw = chain.state.get(system._account_key(BOB))
    entry = scale.entry("System", "Account")
    value_ty = entry["type"]["Map"]["value"]
    assert scale.types[value_ty]["path"] == ["frame_system", "AccountInfo"]
    info = system.account(BOB)
    assert scale.decode(value_ty, raw) == {
        "nonce": 2, "consumers": 1, "providers": 1, "sufficients": 0,
        "data": {"free": info.data.free, "reserved": 0, "misc_frozen": 10**11,
                 "fee_frozen": 10**11}}


def test_stake_pool_value_decodes_to_the_same_fields(chain: Chain, scale: Scale) -> None:
    pools = chain["PhalaStakePool"].StakePools
    raw = chain.state.get(pools.prefix + pools.item.key_suffix([0]))
    entry = scale.entry("PhalaStakePool", "StakePools")
    value_ty = entry["type"]["Map"]["value"]
    assert scale.types[value_ty]["path"] == ["phala_pallets", "stakepool", "PoolInfo"]
    decoded = scale.decode(value_ty, raw)
    assert decoded["payout_commission"] == 500_000
    assert decoded == rendered(pools.item.value, pools.get(0), decoded=True)
    assert decoded["owner"] == "0x" + ALICE.hex() and decoded["total_stake"] == 10**11
    assert decoded["reward_acc"] == {"bits": 0}


def test_extrinsic_types_as_scalecodec_registers_them(scale: Scale) -> None:
    ext = scale.v14["extrinsic"]
    assert ext["version"] == 4
    ty = scale.types[ext["ty"]]
    assert ty["path"] == ["sp_runtime", "generic", "unchecked_extrinsic", "UncheckedExtrinsic"]
    params = {p["name"]: scale.types[p["type"]]["path"] for p in ty["params"]}
    assert list(params) == ["Address", "Call", "Signature", "Extra"]
    assert params["Address"] == ["sp_runtime", "multiaddress", "MultiAddress"]
    assert params["Call"] == ["phala_emu_runtime", "RuntimeCall"]
    assert params["Signature"] == ["sp_runtime", "MultiSignature"]
    assert [e["identifier"] for e in ext["signed_extensions"]] == [
        "CheckNonZeroSender", "CheckSpecVersion", "CheckTxVersion", "CheckGenesis",
        "CheckMortality", "CheckNonce", "CheckWeight", "ChargeTransactionPayment"]
    # scalecodec took Address, AccountId and the signature from those parameters
    signature = scale.rc.get_decoder_class("ExtrinsicSignature")
    assert signature.scale_info_type.value["path"] == ["sp_runtime", "MultiSignature"]
    account = scale.rc.get_decoder_class("AccountId")
    assert account.scale_info_type.value["path"] == ["sp_core", "crypto", "AccountId32"]
