"""Transaction validity: every InvalidTransaction reason, tips, and an independently signed
extrinsic (substrate-interface's Keypair) applied by the executive."""

from __future__ import annotations

import pytest

from runtime.config import RuntimeConfig
from runtime.era import Era
from runtime.extrinsic import Extrinsic, SignedPart
from runtime.scale import encode_compact
from runtime.validity import InvalidTransaction, UnknownTransaction, nonce_tag
from tests.harness import ALICE, BOB, CHARLIE, SignedChain

ED = 10**10


@pytest.fixture
def sc() -> SignedChain:
    chain = SignedChain(balances=[(ALICE, 10**15), (CHARLIE, 2 * ED)],
                        config=RuntimeConfig(existential_deposit=ED, block_hash_count=4))
    chain.open_block()
    return chain


def transfer(sc: SignedChain, suri: str = "//Alice", **kw) -> bytes:
    return sc.sign(suri, "Balances", "transfer_keep_alive", dest=BOB, value=ED, **kw)


def invalid(sc: SignedChain, ext: bytes, for_pool: bool | None = None) -> str:
    """The reason, checking that a rejected extrinsic changed nothing."""
    before = dict(sc.cs.overlay.iter_prefix(b""))
    with pytest.raises(InvalidTransaction) as exc:
        if for_pool is None:
            sc.executive.apply_extrinsic(ext)
        else:
            sc.executive.validate_transaction(ext, for_pool)
    assert dict(sc.cs.overlay.iter_prefix(b"")) == before
    return exc.value.reason


def test_call_reason_for_undecodable_bytes_and_unknown_calls(sc):
    assert invalid(sc, b"\x08\x04\x63") == "Call"                 # call shorter than 2 bytes
    assert invalid(sc, b"\x0c\x04\x63\x00") == "Call"             # no pallet 99
    assert invalid(sc, b"\x0c\x04\x02\x63") == "Call"             # no Balances call 99
    assert invalid(sc, transfer(sc)[:-1]) == "Call"               # length prefix mismatch
    truncated_args = Extrinsic(b"\x00\x00\x08", SignedPart(ALICE, 1, bytes(64), Era(), 0, 0))
    assert invalid(sc, truncated_args.encode()) == "Call"  # remark of 2 bytes, none follow


def test_bad_signer_for_the_zero_account(sc):
    signed = SignedPart(bytes(32), 1, bytes(64), Era(), 0, 0)
    ext = Extrinsic(sc.rt.encode_call(sc.rt.make_call("System", "remark", remark=b"")), signed)
    assert invalid(sc, ext.encode()) == "BadSigner"
    assert invalid(sc, ext.encode(), for_pool=True) == "BadSigner"


def test_bad_proof_for_wrong_genesis_version_or_signature(sc):
    assert invalid(sc, transfer(sc, genesis_hash=b"\x11" * 32)) == "BadProof"
    assert invalid(sc, transfer(sc, spec_version=2)) == "BadProof"
    ext = bytearray(transfer(sc))
    ext[40] ^= 1  # inside the signature
    assert invalid(sc, bytes(ext)) == "BadProof"
    assert invalid(sc, bytes(ext), for_pool=True) == "BadProof"


def test_nonce_stale_and_future(sc):
    assert sc.apply(transfer(sc)).success
    assert invalid(sc, transfer(sc, nonce=0)) == "Stale"
    assert invalid(sc, transfer(sc, nonce=0), for_pool=True) == "Stale"
    future = transfer(sc, nonce=3)
    assert invalid(sc, future) == "Future"
    valid = sc.executive.validate_transaction(future, for_pool=True)
    assert valid.is_future and valid.requires == [nonce_tag(ALICE, 2)]
    assert valid.provides == [nonce_tag(ALICE, 3)]
    ready = sc.executive.validate_transaction(transfer(sc), for_pool=True)
    assert not ready.is_future and ready.priority == 0


def test_mortal_era_and_ancient_birth_block(sc):
    for _ in range(7):
        sc.seal()
        sc.open_block()
    system = sc.rt.pallets["System"]
    assert sc.number == 7 and system.Number.get() == 8
    era = Era.mortal(8, 7)  # birth 7: the hash is present
    ok = transfer(sc, era=era, checkpoint=system.BlockHash.get(7))
    valid = sc.executive.validate_transaction(ok, for_pool=True)
    assert valid.longevity == era.death(8) - 8
    assert sc.apply(ok).success
    gone = Era(8, 2)  # at block 8 its birth is block 2, pruned when block 7 was finalized
    assert not system.BlockHash.contains(2)
    assert invalid(sc, transfer(sc, era=gone, checkpoint=b"\x00" * 32)) == "AncientBirthBlock"
    wrong_checkpoint = transfer(sc, era=era, checkpoint=system.BlockHash.get(6))
    assert invalid(sc, wrong_checkpoint) == "BadProof"


def test_exhausts_resources_for_an_oversized_extrinsic(sc):
    big = sc.sign("//Alice", "System", "remark", remark=bytes(4 * 1024 * 1024))
    assert invalid(sc, big) == "ExhaustsResources"
    assert invalid(sc, big, for_pool=True) == "ExhaustsResources"


def test_tip_is_burned_and_unpayable_tip_is_payment(sc):
    balances = sc.rt.pallets["Balances"]
    issuance = balances.total_issuance()
    result = sc.apply(transfer(sc, tip=5))
    assert result.success
    assert balances.free_balance(ALICE) == 10**15 - ED - 5
    assert balances.total_issuance() == issuance - 5
    assert [e.value.name for e in result.events] == ["Withdraw", "NewAccount", "Endowed",
                                                     "Transfer", "ExtrinsicSuccess"]
    # Charlie has 2 ED: a tip that would reap him (keep-alive) or exceed his funds
    remark = {"remark": b""}
    assert invalid(sc, sc.sign("//Charlie", "System", "remark", tip=ED + 1, **remark)) == \
        "Payment"
    assert invalid(sc, sc.sign("//Charlie", "System", "remark", tip=ED + 1, **remark),
                   for_pool=True) == "Payment"
    assert invalid(sc, sc.sign("//Dave", "System", "remark", tip=1, **remark)) == "Payment"
    assert sc.apply(sc.sign("//Charlie", "System", "remark", tip=ED, **remark)).success


def test_mandatory_inherents(sc):
    ts = sc.executive.timestamp_extrinsic(sc.now_ms + 1000)
    assert invalid(sc, ts, for_pool=True) == "MandatoryValidation"
    assert invalid(sc, ts) == "BadMandatory"  # not the first extrinsic
    chain = SignedChain(balances=[(ALICE, 10**15)])
    chain.executive.initialize_block(1, chain.genesis_hash, None)
    chain.rt.pallets["Timestamp"].Now.put(chain.now_ms)
    assert invalid(chain, chain.executive.timestamp_extrinsic(chain.now_ms - 1)) == \
        "BadMandatory"  # going backwards


def test_unsigned_call_without_validator(sc):
    call = sc.rt.encode_call(sc.rt.make_call("System", "remark", remark=b""))
    with pytest.raises(UnknownTransaction) as exc:
        sc.executive.apply_extrinsic(Extrinsic(call).encode())
    assert exc.value.reason == "NoUnsignedValidator"


def test_extrinsic_signed_by_substrate_interface_keypair(sc):
    """Independent implementation: py-substrate-interface signs our signing payload."""
    from substrateinterface import Keypair as SiKeypair

    from runtime.extrinsic import signing_payload

    alice = SiKeypair.create_from_uri("//Alice")
    assert bytes.fromhex(alice.public_key.hex()) == ALICE
    value = 123_456_789_012
    call = b"\x02\x03" + b"\x00" + BOB + encode_compact(value)  # Balances.transfer_keep_alive
    payload = signing_payload(call, Era(), 0, 0, 1, 1, sc.genesis_hash, sc.genesis_hash)
    signature = bytes(alice.sign(payload))
    body = b"\x84" + b"\x00" + ALICE + b"\x01" + signature + b"\x00" + b"\x00" + b"\x00" + call
    ext = encode_compact(len(body)) + body
    balances = sc.rt.pallets["Balances"]
    result = sc.apply(ext)
    assert result.success
    assert balances.free_balance(BOB) == value
    assert balances.free_balance(ALICE) == 10**15 - value
    assert sc.rt.pallets["System"].nonce(ALICE) == 1
