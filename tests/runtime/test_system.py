"""System: account encoding, genesis placeholders, ref counting, events and block bookkeeping."""

from __future__ import annotations

import pytest

from runtime.dispatch import ConsumerRemaining, NoProviders, Origin
from runtime.hashing import blake2_256
from runtime.system import ACCOUNT_INFO, EXTRINSIC_INDEX_KEY, AccountData, AccountInfo
from tests.harness import ALICE, BOB, CHARLIE, Chain


@pytest.fixture
def chain() -> Chain:
    return Chain().genesis(balances=[(ALICE, 10**15), (BOB, 10**12)], sudo=ALICE)


def test_account_info_classic_layout_matches_phala_dev_alice(vectors):
    alice = vectors["phala_dev_chain_data"]["account_info_alice"]
    info = AccountInfo(0, 0, 1, 0, AccountData(free=10**19))
    assert ACCOUNT_INFO.encode(info).hex() == alice["value"][2:]
    stash = vectors["phala_dev_chain_data"]["account_info_alice_stash"]
    decoded = ACCOUNT_INFO.decode(bytes.fromhex(stash["value"][2:]))
    assert decoded == AccountInfo(0, 3, 1, 0, AccountData(10**19, 0, 10**16, 10**16))


def test_account_storage_key_matches_vector(vectors):
    c = Chain().genesis(balances=[(ALICE, 10**19)], start=False)
    key = bytes.fromhex(vectors["phala_dev_chain_data"]["account_info_alice"]["key"][2:])
    assert c.state.get(key) == bytes.fromhex(
        vectors["phala_dev_chain_data"]["account_info_alice"]["value"][2:])


def test_genesis_placeholders_and_no_events_at_block_0(vectors):
    c = Chain().genesis(balances=[(ALICE, 10**15)], start=False)
    system = c["System"]
    placeholders = vectors["phala_dev_chain_data"]["genesis_placeholders"]
    assert system.BlockHash.get(0).hex() == placeholders["System.BlockHash(0)"][2:]
    assert system.ParentHash.get().hex() == placeholders["System.ParentHash"][2:]
    assert c.state.get(EXTRINSIC_INDEX_KEY).hex() == placeholders[":extrinsic_index"][2:]
    assert system.Events.raw() is None and system.EventCount.get() == 0
    c.next_block()
    assert system.BlockHash.get(0) == bytes(32)  # the harness's genesis-hash stand-in


def test_failed_extrinsic_record_bytes(chain):
    """substrate.md §8.4: phase, System/ExtrinsicFailed, module error, weight, class, pays."""
    out = chain.call(CHARLIE, "Balances", "transfer_allow_death", dest=BOB, value=1)
    assert (out.success, out.error, out.events) == (False, "Balances.InsufficientBalance", [])
    raw = chain["System"].Events.raw()
    # record 0 is the timestamp inherent's ExtrinsicSuccess (Mandatory)
    inherent = "00" "00000000" "0000" "0284d717" "00" "02" "00" "00"
    failed = "00" "01000000" "0001" "03" "02" "02000000" "0284d717" "00" "00" "00" "00"
    assert raw.hex() == "08" + inherent + failed
    assert chain["System"].EventCount.get() == 2
    assert chain["System"].nonce(CHARLIE) == 1  # the nonce survives the failure


def test_remark_with_event(chain):
    out = chain.call(ALICE, "System", "remark_with_event", remark=b"hello")
    assert out == (True, None, [("System", "Remarked",
                                 {"sender": ALICE, "hash": blake2_256(b"hello")})])
    assert chain.call(Origin.root(), "System", "remark_with_event", remark=b"x").error == \
        "BadOrigin"
    assert chain.call(ALICE, "System", "remark", remark=b"x") == (True, None, [])


def test_provider_and_consumer_ref_counts(chain):
    system = chain["System"]
    assert system.inc_providers(CHARLIE) is True
    assert chain.events()[-1] == ("System", "NewAccount", {"account": CHARLIE})
    assert system.inc_providers(CHARLIE) is False
    system.inc_consumers(CHARLIE)
    assert system.dec_providers(CHARLIE) is False
    with pytest.raises(ConsumerRemaining):
        system.dec_providers(CHARLIE)
    system.dec_consumers(CHARLIE)
    assert system.dec_providers(CHARLIE) is True
    assert chain.events()[-1] == ("System", "KilledAccount", {"account": CHARLIE})
    assert not system.account_exists(CHARLIE)
    with pytest.raises(NoProviders):
        system.inc_consumers(CHARLIE)


def test_block_bookkeeping_between_blocks(chain):
    system = chain["System"]
    chain.call(ALICE, "System", "remark", remark=b"a")
    assert system.extrinsic_index() == 2
    assert system.ExtrinsicData.get(1) == b"\x14\x04\x00\x00\x04a"  # len 5, 0x04, call
    assert system.AllExtrinsicsLen.get() == len(system.ExtrinsicData.get(0)) + 6
    chain.next_block()
    assert system.Number.get() == 2
    assert system.ExtrinsicData.get(1) == b""
    assert not system.ExtrinsicData.contains(1)
    assert system.ExtrinsicCount.get() is None
    assert system.ExecutionPhase.get().name == "ApplyExtrinsic"
    assert system.BlockHash.contains(1) and system.ParentHash.get() == system.BlockHash.get(1)
    # the previous block's events were cleared; only the new inherent's outcome remains
    assert [e.name for e in chain.events()] == ["ExtrinsicSuccess"]
    assert [e.name for e in chain.events(1)] == ["ExtrinsicSuccess"] * 2


def test_timestamp_must_increase(chain):
    ts = chain["Timestamp"]
    now = ts.Now.get()
    assert now == chain.now_ms
    assert chain.call(Origin.none(), "Timestamp", "set", now=now + 1).error == "Other"
    assert chain.call(ALICE, "Timestamp", "set", now=now + 1).error == "BadOrigin"
    chain.next_block(advance_ms=1)
    assert ts.Now.get() == now + 1 and ts.DidUpdate.get() is True
