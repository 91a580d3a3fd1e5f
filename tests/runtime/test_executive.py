"""Executive: headers and block hashes, the per-block sequence, rollback, replay verification."""

from __future__ import annotations

import pytest

from runtime.balances import Balances
from runtime.codec import BOOL, U32, Variant
from runtime.config import RuntimeConfig
from runtime.dispatch import DispatchError, Origin, ensure_signed
from runtime.executive import BlockVerificationError, InvalidBlock
from runtime.header import DIGEST_ITEM, Header, decode_block, encode_block, header_to_json
from runtime.pallet import Pallet, call, errors, events
from runtime.scale import encode_compact
from runtime.storage_items import StorageValue
from runtime.sudo import Sudo
from runtime.system import System
from runtime.timestamp import Timestamp
from tests.harness import ALICE, BOB, SignedChain

H = bytes.fromhex


def test_header_hash_vector(vectors):
    v = vectors["block_header_hash"]
    j = v["header_json"]
    digest = [DIGEST_ITEM.decode(H(d[2:])) for d in j["digest_logs"]]
    header = Header(H(j["parentHash"][2:]), int(j["number"], 16), H(j["stateRoot"][2:]),
                    H(j["extrinsicsRoot"][2:]), digest)
    assert header.encode().hex() == v["encoded_header"][2:]
    assert header.hash().hex() == v["block_hash"][2:]
    assert Header.decode(header.encode()) == header
    assert header_to_json(header)["digest"]["logs"] == j["digest_logs"]
    assert digest[0] == Variant("PreRuntime", (b"aura", H("afe0021000000000")))  # slot u64


def test_digest_item_vectors(vectors):
    v = vectors["digest_items"]
    assert DIGEST_ITEM.encode(Variant("Other", bytes([1, 2, 3]))).hex() == v["Other([1,2,3])"][2:]
    seal = Variant("Seal", (b"test", bytes([1, 2, 3])))
    assert DIGEST_ITEM.encode(seal).hex() == v['Seal(*b"test", [1,2,3])'][2:]
    assert DIGEST_ITEM.encode(Variant("RuntimeEnvironmentUpdated")) == b"\x08"


def test_phala_dev_genesis_header(vectors):
    g = vectors["phala_dev_chain_data"]["genesis_header"]
    header = Header.decode(H(g["encoded"][2:]))
    assert header.number == 0 and header.digest == []
    assert header.state_root.hex() == vectors["phala_dev_chain_data"]["genesis_state_root"][2:]
    from storage.trie import ordered_trie_root

    assert header.extrinsics_root == ordered_trie_root([])
    assert header.hash().hex() == g["hash"][2:]


def test_block_encoding_round_trip():
    header = Header(bytes(32), 5, b"\x01" * 32, b"\x02" * 32, [])
    exts = [b"\x08\x04\x00", b"\x0c\x04\x00\x01"]
    block = encode_block(header, exts)
    assert block == header.encode() + b"\x08" + b"".join(exts)
    assert decode_block(block) == (header, exts)


class Nested(Pallet):
    """A test pallet whose call writes at several depths and then fails."""

    NAME = "Nested"
    EVENTS = events(("Touched", [("n", U32)]), ("Hook", [("n", U32)]))
    ERRORS = errors("Boom", "Second", "Third")
    Value = StorageValue(U32, default=0)

    @call(0, ("fail", BOOL))
    def touch(self, origin: Origin, fail: bool) -> None:
        who = ensure_signed(origin)
        self.Value.put(1)
        self.deposit_event("Touched", n=1)
        try:
            self.rt.dispatch(self.rt.make_call("Nested", "inner"), origin)
        except DispatchError:
            pass
        with self.rt.transactional():
            self.Value.put(2)
            self.deposit_event("Touched", n=2)
        self.rt.pallets["Balances"].transfer(who, BOB, 10**12, True)
        if fail:
            raise self.error("Third")

    @call(1)
    def inner(self, origin: Origin) -> None:
        self.Value.put(99)
        raise self.error("Boom")

    def on_initialize(self, n: int) -> None:
        self.deposit_event("Hook", n=n)

    def on_finalize(self, n: int) -> None:
        self.deposit_event("Hook", n=n)


PALLETS = [(0, System), (1, Timestamp), (2, Balances), (3, Sudo), (9, Nested)]


@pytest.fixture
def sc() -> SignedChain:
    chain = SignedChain(balances=[(ALICE, 10**15), (BOB, 10**12)], pallets=PALLETS,
                        config=RuntimeConfig(block_hash_count=3))
    chain.open_block()
    return chain


def test_failing_call_rolls_back_nested_writes(sc):
    system = sc.rt.pallets["System"]
    events_before = system.Events.raw()
    result = sc.apply(sc.sign("//Alice", "Nested", "touch", fail=True))
    assert (result.index, result.success, result.error.describe()) == (1, False, "Nested.Third")
    assert sc.rt.pallets["Nested"].Value.raw() is None
    assert sc.rt.pallets["Balances"].free_balance(BOB) == 10**12
    assert system.nonce(ALICE) == 1
    failed = "00" "01000000" "0001" "03" "09" "02000000" "0284d717" "00" "00" "00" "00"
    raw = system.Events.raw()
    assert raw == encode_compact(3) + events_before[1:] + H(failed)
    assert [e.value.name for e in result.events] == ["ExtrinsicFailed"]


def test_successful_call_keeps_nested_writes_and_phases(sc):
    result = sc.apply(sc.sign("//Alice", "Nested", "touch", fail=False))
    assert result.success and sc.rt.pallets["Nested"].Value.get() == 2
    assert [e.value.name for e in result.events] == ["Touched", "Touched", "Transfer",
                                                     "ExtrinsicSuccess"]
    sc.seal()
    records = sc.rt.pallets["System"].event_records()
    phases = [(r["phase"], r["event"].value.name) for r in records]
    assert phases == [
        (Variant("Initialization"), "Hook"),
        (Variant("ApplyExtrinsic", 0), "ExtrinsicSuccess"),
        (Variant("ApplyExtrinsic", 1), "Touched"), (Variant("ApplyExtrinsic", 1), "Touched"),
        (Variant("ApplyExtrinsic", 1), "Transfer"),
        (Variant("ApplyExtrinsic", 1), "ExtrinsicSuccess"),
        (Variant("Finalization"), "Hook"),
    ]


def test_block_sequence_state_and_replay(sc):
    system = sc.rt.pallets["System"]
    assert system.BlockHash.get(0) == sc.genesis_hash  # the 0x45 placeholder is replaced
    sc.apply(sc.sign("//Alice", "Balances", "transfer_keep_alive", dest=BOB, value=7))
    header, block = sc.seal()
    assert header.number == 1 and header.parent_hash == sc.genesis_hash
    from storage.trie import ordered_trie_root

    assert header.extrinsics_root == ordered_trie_root(sc.extrinsics)
    state = sc.cs.overlay
    for transient in (b":extrinsic_index", system.ExtrinsicCount.prefix,
                      system.AllExtrinsicsLen.prefix, system.ExecutionPhase.prefix):
        assert state.get(transient) is None
    assert list(system.ExtrinsicData.iter()) == []
    assert system.Number.get() == 1 and system.ParentHash.get() == sc.genesis_hash

    replay = SignedChain(balances=[(ALICE, 10**15), (BOB, 10**12)], pallets=PALLETS,
                         config=RuntimeConfig(block_hash_count=3))
    assert replay.executive.execute_block(block) == header
    assert replay.cs.root() == header.state_root


def test_replay_detects_wrong_roots(sc):
    sc.apply(sc.sign("//Alice", "Balances", "transfer_keep_alive", dest=BOB, value=7))
    header, _ = sc.seal()
    for field in ("state_root", "extrinsics_root"):
        bad = Header(header.parent_hash, 1, header.state_root, header.extrinsics_root, [])
        setattr(bad, field, b"\x99" * 32)
        body = sc.extrinsics if field == "state_root" else sc.extrinsics[:1]
        replay = SignedChain(balances=[(ALICE, 10**15), (BOB, 10**12)], pallets=PALLETS,
                             config=RuntimeConfig(block_hash_count=3))
        with pytest.raises(BlockVerificationError) as exc:
            replay.executive.execute_block(encode_block(bad, body))
        assert exc.value.field == field and exc.value.expected == b"\x99" * 32


def test_block_hash_window_is_pruned_but_genesis_kept(sc):
    system = sc.rt.pallets["System"]
    for _ in range(5):
        sc.seal()
        sc.open_block()
    # block 6 open; finalizing block n removed BlockHash(n - 3 - 1): 1 at 5
    assert [n for n, _ in sorted(system.BlockHash.iter())] == [0, 2, 3, 4, 5]


def test_block_without_timestamp_is_invalid():
    chain = SignedChain(balances=[(ALICE, 10**15)])
    chain.executive.initialize_block(1, chain.genesis_hash, None)
    with pytest.raises(InvalidBlock):
        chain.executive.finalize_block()
