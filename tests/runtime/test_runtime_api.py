"""The runtime APIs' exact output bytes for a known chain (two Alice -> Bob transfers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from node.at_block import METHODS, RuntimeApiError, state_call
from node.chain import Chain
from node.keystore import DeterministicKeypair
from runtime.extrinsic import Extrinsic
from runtime.runtime_api import RUNTIME_APIS
from runtime.scale import encode_compact
from runtime.version import api_id
from tests.node.api_chain import ALICE, make_chain, transfer

VALIDATE = "TaggedTransactionQueue_validate_transaction"
EXTERNAL = b"\x02"
U64_MAX = (1 << 64) - 1


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    with make_chain(tmp_path_factory.mktemp("api")) as c:
        yield c


def call(chain: Chain, method: str, data: bytes, at: int | None = None) -> bytes:
    return state_call(chain, chain.resolve(at), method, data)


def validate(chain: Chain, ext: bytes, block_hash: bytes | None = None) -> bytes:
    head = chain.head()
    return call(chain, VALIDATE, EXTERNAL + ext + (block_hash or head.hash()))


def tag(who: bytes, nonce: int) -> bytes:
    """CheckNonce's tag SCALE((AccountId, u32)) as a Vec<u8> element (compact 36 = 0x90)."""
    return b"\x90" + who + nonce.to_bytes(4, "little")


def bare(call_bytes: bytes) -> bytes:
    return encode_compact(1 + len(call_bytes)) + b"\x04" + call_bytes


def test_declared_apis_are_the_spec_table() -> None:
    table = [(a.name, "0x" + api_id(a.name).hex(), a.version, [m.name for m in a.methods])
             for a in RUNTIME_APIS]
    assert table == [
        ("Core", "0xdf6acb689907609b", 4, ["version"]),
        ("Metadata", "0x37e397fc7c91f5e4", 2,
         ["metadata", "metadata_at_version", "metadata_versions"]),
        ("AccountNonceApi", "0xbc9d89904f5b923f", 1, ["account_nonce"]),
        ("TaggedTransactionQueue", "0xd2bc9897eed08f15", 3, ["validate_transaction"]),
        ("TransactionPaymentApi", "0x37c8bb1350a9a2a8", 4,
         ["query_info", "query_fee_details", "query_weight_to_fee", "query_length_to_fee"]),
    ]
    assert all(m.impl is not None for m in METHODS.values())


def test_typed_codecs_carry_rust_paths() -> None:
    m = METHODS
    assert [c.path for _, c in m[VALIDATE].inputs] == [
        "sp_runtime::transaction_validity::TransactionSource",
        "sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic", "primitive_types::H256"]
    out = m[VALIDATE].output
    assert out.path == "Result"
    assert [c.path for _, (_, c) in sorted(out.by_index.items())] == [
        "sp_runtime::transaction_validity::ValidTransaction",
        "sp_runtime::transaction_validity::TransactionValidityError"]
    assert m["Core_version"].output.path == "sp_version::RuntimeVersion"
    assert m["Metadata_metadata"].output.path == "sp_core::OpaqueMetadata"
    assert m["TransactionPaymentApi_query_info"].output.path == \
        "pallet_transaction_payment::types::RuntimeDispatchInfo"
    assert m["TransactionPaymentApi_query_fee_details"].output.path == \
        "pallet_transaction_payment::types::FeeDetails"


def test_core_version(chain: Chain) -> None:
    apis = "".join(i + v for i, v in [
        ("df6acb689907609b", "04000000"), ("37e397fc7c91f5e4", "02000000"),
        ("bc9d89904f5b923f", "01000000"), ("d2bc9897eed08f15", "03000000"),
        ("37c8bb1350a9a2a8", "04000000")])
    name = "24" + b"phala-emu".hex()
    assert call(chain, "Core_version", b"").hex() == (
        name + name + "01000000" + "01000000" + "00000000" + "14" + apis + "01000000" + "01")


def test_valid_transfer(chain: Chain) -> None:
    ext = transfer(chain)  # nonce 2, immortal: longevity u64::MAX - 3 (validated for block 3)
    assert validate(chain, ext) == (b"\x00" + bytes(8) + b"\x00"
                                    + b"\x04" + tag(ALICE.public_key, 2)
                                    + (U64_MAX - 3).to_bytes(8, "little") + b"\x01")


def test_future_nonce_requires_the_previous(chain: Chain) -> None:
    ext = transfer(chain, nonce=5, tip=7)
    assert validate(chain, ext) == (b"\x00" + (7).to_bytes(8, "little")
                                    + b"\x04" + tag(ALICE.public_key, 4)
                                    + b"\x04" + tag(ALICE.public_key, 5)
                                    + (U64_MAX - 3).to_bytes(8, "little") + b"\x01")


def test_stale_nonce(chain: Chain) -> None:
    assert validate(chain, transfer(chain, nonce=1)).hex() == "010003"


def test_bad_proof(chain: Chain) -> None:
    ext = Extrinsic.decode(transfer(chain))
    assert ext.signed is not None
    ext.signed.signature = bytes([ext.signed.signature[0] ^ 1]) + ext.signed.signature[1:]
    assert validate(chain, ext.encode()).hex() == "010004"


def test_cannot_pay_the_tip(chain: Chain) -> None:
    nobody = DeterministicKeypair.from_uri("//Nobody")
    assert validate(chain, transfer(chain, nobody, tip=1)).hex() == "010001"


def test_mortal_era_is_checked_for_the_block_after_block_hash(chain: Chain) -> None:
    # born at the head (#2): its hash reaches BlockHash(2) only through block_hash
    ext = transfer(chain, era_period=4)
    assert validate(chain, ext) == (b"\x00" + bytes(8) + b"\x00"
                                    + b"\x04" + tag(ALICE.public_key, 2)
                                    + (6 - 3).to_bytes(8, "little") + b"\x01")
    assert validate(chain, ext, block_hash=bytes(32)).hex() == "010004"


def test_inherent_and_unsigned(chain: Chain) -> None:
    rt = chain.rt
    now = bare(rt.encode_call(rt.make_call("Timestamp", "set", now=1)))
    assert validate(chain, now).hex() == "010009"  # MandatoryValidation
    remark = bare(rt.encode_call(rt.make_call("System", "remark", remark=b"x")))
    assert validate(chain, remark).hex() == "010101"  # Unknown(NoUnsignedValidator)


def test_validate_bad_inputs(chain: Chain) -> None:
    ext, h = transfer(chain), chain.head().hash()
    with pytest.raises(RuntimeApiError) as e:
        call(chain, VALIDATE, b"\x03" + ext + h)
    assert str(e.value) == ("Bad input data provided to validate_transaction: "
                            "TransactionSource: unknown variant index 3")
    with pytest.raises(RuntimeApiError) as e:
        call(chain, VALIDATE, EXTERNAL + ext + h[:31])
    assert str(e.value) == \
        "Bad input data provided to validate_transaction: H256: unexpected end of input"
    with pytest.raises(RuntimeApiError) as e:  # a 0x05 version byte: not a v4 extrinsic
        call(chain, VALIDATE, EXTERNAL + ext[:2] + b"\x05" + ext[3:] + h)
    assert str(e.value) == ("Bad input data provided to validate_transaction: extrinsic format "
                            "version 5 (byte 0x05) is not supported; only v4 (0x84 signed, "
                            "0x04 bare)")


def test_history_sees_that_block(chain: Chain) -> None:
    ext = transfer(chain, nonce=1)  # stale at the head, the next one after block 1
    b1 = chain.resolve(1)
    out = call(chain, VALIDATE, EXTERNAL + ext + b1.hash(), at=1)
    assert out == (b"\x00" + bytes(8) + b"\x00" + b"\x04" + tag(ALICE.public_key, 1)
                   + (U64_MAX - 2).to_bytes(8, "little") + b"\x01")


def _with_len(ext: bytes) -> bytes:
    return ext + len(ext).to_bytes(4, "little")


def test_query_info(chain: Chain) -> None:
    weight = "0284d717" + "00"  # Compact(10^8) ref_time, Compact(0) proof_size
    assert call(chain, "TransactionPaymentApi_query_info", _with_len(transfer(chain))).hex() \
        == weight + "00" + "00" * 16
    rt = chain.rt
    now = bare(rt.encode_call(rt.make_call("Timestamp", "set", now=1)))
    assert call(chain, "TransactionPaymentApi_query_info", _with_len(now)).hex() == \
        weight + "02" + "00" * 16  # Mandatory


def test_query_fee_details(chain: Chain) -> None:
    assert call(chain, "TransactionPaymentApi_query_fee_details",
                _with_len(transfer(chain, tip=9))).hex() == "01" + "00" * 48 + "00" * 16
    rt = chain.rt
    remark = bare(rt.encode_call(rt.make_call("System", "remark", remark=b"")))
    assert call(chain, "TransactionPaymentApi_query_fee_details", _with_len(remark)).hex() == \
        "00" + "00" * 16


def test_weight_and_length_fees_are_zero(chain: Chain) -> None:
    assert call(chain, "TransactionPaymentApi_query_weight_to_fee",
                bytes.fromhex("0284d71700")) == bytes(16)
    assert call(chain, "TransactionPaymentApi_query_length_to_fee",
                (1000).to_bytes(4, "little")) == bytes(16)


def test_metadata(chain: Chain) -> None:
    meta = pytest.importorskip("runtime.metadata")
    assert call(chain, "Metadata_metadata_versions", b"").hex() == "08" + "0e000000" + "0f000000"
    v14 = meta.metadata_bytes(chain.rt, 14)
    v15 = meta.metadata_bytes(chain.rt, 15)
    assert v14[:5] == b"meta\x0e" and v15[:5] == b"meta\x0f"
    assert call(chain, "Metadata_metadata", b"") == encode_compact(len(v14)) + v14
    assert call(chain, "Metadata_metadata_at_version", (15).to_bytes(4, "little")) == \
        b"\x01" + encode_compact(len(v15)) + v15
    assert call(chain, "Metadata_metadata_at_version", (14).to_bytes(4, "little")) == \
        b"\x01" + encode_compact(len(v14)) + v14
    assert call(chain, "Metadata_metadata_at_version", (16).to_bytes(4, "little")) == b"\x00"


def test_v15_describes_the_apis_with_the_runtime_types(chain: Chain) -> None:
    from runtime.metadata.build import UNCHECKED_EXTRINSIC, Builder

    b = Builder(chain.rt, list(RUNTIME_APIS))
    v15 = b.v15()
    types = {t["id"]: t["ty"] for t in v15["types"]}
    apis = {a["name"]: {m["name"]: m for m in a["methods"]} for a in v15["apis"]}
    assert list(apis) == [a.name for a in RUNTIME_APIS]
    validate = apis["TaggedTransactionQueue"]["validate_transaction"]
    assert [i["name"] for i in validate["inputs"]] == ["source", "tx", "block_hash"]
    tx_ty = validate["inputs"][1]["ty"]
    assert tx_ty == b.reg.id_of(UNCHECKED_EXTRINSIC)  # the one extrinsic type
    assert apis["TransactionPaymentApi"]["query_info"]["inputs"][0]["ty"] == tx_ty
    out = types[validate["output"]]
    assert out["path"] == ["Result"] and [p["name"] for p in out["params"]] == ["T", "E"]
    ok, err = out["def"].value["variants"]
    assert (ok["name"], ok["index"], err["name"], err["index"]) == ("Ok", 0, "Err", 1)
    assert types[ok["fields"][0]["ty"]]["path"] == \
        ["sp_runtime", "transaction_validity", "ValidTransaction"]
    invalid = types[types[err["fields"][0]["ty"]]["def"].value["variants"][0]["fields"][0]["ty"]]
    assert [(v["name"], v["index"]) for v in invalid["def"].value["variants"]] == [
        ("Call", 0), ("Payment", 1), ("Future", 2), ("Stale", 3), ("BadProof", 4),
        ("AncientBirthBlock", 5), ("ExhaustsResources", 6), ("Custom", 7),
        ("BadMandatory", 8), ("MandatoryValidation", 9), ("BadSigner", 10)]
    nonce = apis["AccountNonceApi"]["account_nonce"]
    assert types[nonce["inputs"][0]["ty"]]["path"] == ["sp_core", "crypto", "AccountId32"]
    assert types[nonce["output"]]["def"].value.name == "u32"
