"""node.dev: storage overrides, time travel and rewinds keep the chain verifiable."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.args import build_call
from node.chain import Chain
from node.dev import (
    parse_storage_changes,
    parse_time,
    set_head,
    set_storage_extrinsic,
    set_storage_extrinsics,
    time_travel,
)
from node.keystore import DeterministicKeypair
from node.pool import sign_call
from runtime.hashing import blake2_128, storage_prefix
from runtime.keys import Keypair
from runtime.system import ACCOUNT_INFO
from storage.trie.diff import trie_diff
from tests.node.conftest import GENESIS
from tests.node.inprocess import ok

ALICE = Keypair.from_uri("//Alice").public_key
BOB = Keypair.from_uri("//Bob").public_key
ACCOUNT = storage_prefix("System", "Account")
ISSUANCE = storage_prefix("Balances", "TotalIssuance")
T0 = 1_700_000_000_000  # genesis.json's timestamp_ms
BLOCK_MS = 12_000


def account_key(who: bytes) -> bytes:
    return ACCOUNT + blake2_128(who) + who


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("dev_template")
    Chain.init(base, GENESIS.read_bytes()).close()
    return base


@pytest.fixture
def base(template: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "chain"
    shutil.copytree(template, dst)
    return dst


@pytest.fixture
def chain(base: Path) -> Iterator[Chain]:
    with Chain.open(base) as c:
        yield c


def records(chain: Chain) -> dict[bytes, bytes]:
    return dict(chain.backend.iter_prefix(b""))


def without(recs: dict[bytes, bytes], prefixes: bytes) -> dict[bytes, bytes]:
    """The records outside the one-byte `prefixes`."""
    return {k: v for k, v in recs.items() if k[:1] not in [bytes([p]) for p in prefixes]}


def transfer(chain: Chain, amount: int, seal: bool = True, signer: str = "//Alice") -> None:
    """`signer` sends `amount` to //Bob (sealed at once, or queued in the pool)."""
    call = build_call(chain.rt, "Balances", "transfer_keep_alive", ["//Bob", str(amount)],
                      chain.ctx)
    chain.submit(sign_call(chain, DeterministicKeypair.from_uri(signer), call), seal=seal)


def replays(base: Path, tmp_path: Path) -> None:
    """export-blocks + replay of the closed chain at `base` reproduce its head."""
    out = tmp_path / "blocks"
    ok(base, "export-blocks", "--out", str(out))
    assert ok(base, "replay", "--genesis", str(out / "genesis.json"), str(out)) == \
        ok(base, "head")


# -- parse_storage_changes --------------------------------------------------------------
def test_raw_form_keeps_order_and_nulls(chain: Chain) -> None:
    assert parse_storage_changes(chain, [["0x0102", "0xff"], ["0xAB", None], ["0x", "0x"]]) == \
        [(b"\x01\x02", b"\xff"), (b"\xab", None), (b"", b"")]


@pytest.mark.parametrize(("param", "message"), [
    ([["0x01"]], "change 0: expected [key, value|null], got ['0x01']"),
    ([["0x01", "0x02"], ["01", "0x02"]], "change 1: key is not 0x hex: '01'"),
    ([["0x01", "0xzz"]], "change 0: value is not 0x hex: '0xzz'"),
    ([["0x01", 5]], "change 0: value is not 0x hex: 5"),
    ("0x01", "storage changes must be [[key, value|null], ...] or {Pallet: {Item: value}}"),
])
def test_raw_form_errors(chain: Chain, param: object, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_storage_changes(chain, param)
    assert str(exc.value) == message


def test_pallet_form_plain_map_partial_struct_and_delete(chain: Chain) -> None:
    alice = ACCOUNT_INFO.decode(chain.state.overlay.get(account_key(ALICE)))
    changes = parse_storage_changes(chain, {
        "Balances": {"TotalIssuance": "123"},
        "System": {"Account": [[["//Alice"], {"data": {"free": 5}}],
                               [["5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"], None]]},
    })
    alice.data.free = 5
    assert changes == [(ISSUANCE, (123).to_bytes(16, "little")),
                       (account_key(ALICE), ACCOUNT_INFO.encode(alice)),
                       (account_key(BOB), None)]
    assert alice.nonce == 0 and alice.providers == 1  # the other fields kept as stored


def test_pallet_form_absent_entry_merges_into_the_default(chain: Chain) -> None:
    dave = Keypair.from_uri("//Nobody").public_key
    [(key, value)] = parse_storage_changes(
        chain, {"System": {"Account": [[["//Nobody"], {"providers": 1, "data": {"free": 7}}]]}})
    assert key == account_key(dave)
    info = ACCOUNT_INFO.decode(value)
    assert (info.nonce, info.consumers, info.providers, info.sufficients) == (0, 0, 1, 0)
    assert (info.data.free, info.data.reserved) == (7, 0)


@pytest.mark.parametrize(("param", "message"), [
    ({"Sytem": {"Number": 1}}, "unknown pallet 'Sytem' (one of "),
    ({"System": {"Acount": []}}, "System has no storage item 'Acount' (one of "),
    ({"System": {"Account": {"x": 1}}},
     "System.Account is a map: expected [[[keys...], value], ...], got {'x': 1}"),
    ({"System": {"Account": [["//Alice", 1]]}},
     "System.Account entry 0: expected [[keys...], value], got ['//Alice', 1]"),
    ({"System": {"Account": [[["//Alice", "//Bob"], None]]}},
     "System.Account takes 1 key(s), got 2: ['//Alice', '//Bob']"),
    ({"System": {"Account": [[[5], None]]}},
     "System.Account key1 (AccountId): expected an account (SS58, 0x hex or secret URI), got 5"),
    ({"Balances": {"TotalIssuance": "lots"}}, "Balances.TotalIssuance value (u128): "),
    ({"System": {"Account": [[["//Alice"], {"data": {"free": -1}}]]}},
     "System.Account entry 0 value (AccountInfo): "),
    ({"System": []}, "System: expected {Item: value}, got []"),
])
def test_pallet_form_errors_name_what_is_wrong(chain: Chain, param: object, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_storage_changes(chain, param)
    assert str(exc.value).startswith(message), str(exc.value)


# -- time travel -----------------------------------------------------------------------
def test_parse_time_accepts_ms_and_iso_dates() -> None:
    assert parse_time(1_700_000_123_456) == 1_700_000_123_456
    assert parse_time(1.7e12) == 1_700_000_000_000
    assert parse_time("2030-01-01T00:00:00Z") == 1_893_456_000_000
    assert parse_time("2030-01-01") == 1_893_456_000_000  # UTC when no zone is named
    assert parse_time("2030-01-01T02:00:00.5+02:00") == 1_893_456_000_500
    for bad in ("tomorrow", True, None, -1, 1 << 64, 1.5, [1]):
        with pytest.raises(ValueError):
            parse_time(bad)


def test_time_travel_moves_the_next_block_then_the_block_time(base: Path, tmp_path: Path) -> None:
    when = T0 + 3_600_000
    with Chain.open(base) as chain:
        assert time_travel(chain, when) == when
        assert chain.timestamp_at(chain.head()) == T0  # nothing authored yet
    with Chain.open(base) as chain:  # the record survives a restart
        blocks = chain.seal(2)
        assert [b["timestamp_ms"] for b in blocks] == [when, when + BLOCK_MS]
        assert chain.timestamp_at(chain.head()) == when + BLOCK_MS
        assert chain.store.next_timestamp() is None
    replays(base, tmp_path)


def test_time_travel_takes_a_date_and_the_latest_setting_wins(chain: Chain) -> None:
    time_travel(chain, T0 + 10)
    assert time_travel(chain, "2030-01-01T00:00:00Z") == 1_893_456_000_000
    assert chain.seal()[0]["timestamp_ms"] == 1_893_456_000_000


@pytest.mark.parametrize(("when", "message"), [
    (T0, f"time travel to {T0} ms: it must be after the head's timestamp {T0} ms (block #0)"),
    ("2000-01-01", "time travel to 946684800000 ms: it must be after the head's timestamp "
                   f"{T0} ms (block #0)"),
    ("soon", "not a time in ms or an ISO 8601 date: 'soon'"),
])
def test_time_travel_errors_change_nothing(chain: Chain, when: object, message: str) -> None:
    before = records(chain)
    with pytest.raises(ValueError) as exc:
        time_travel(chain, when)  # type: ignore[arg-type]
    assert str(exc.value) == message
    assert records(chain) == before


# -- set_head --------------------------------------------------------------------------
def test_set_head_restores_the_block_state_exactly(base: Path, tmp_path: Path) -> None:
    with Chain.open(base) as chain:
        transfer(chain, 1000)
        at1 = records(chain)
        hash1 = chain.head().hash()
        transfer(chain, 2000)
        chain.seal(2)
        # waits in the pool, kept by the rewind (Charlie's nonce 0 is valid at #1 too)
        transfer(chain, 3000, seal=False, signer="//Charlie")
        pending = chain.store.pending()
        assert chain.head().number == 4
        assert set_head(chain, 1) == hash1
        after = records(chain)
        # every record is as it was at block #1, except the pool that grew since and
        # the trie nodes, which are kept for every root
        assert without(after, b"PN") == without(at1, b"PN")
        assert without(at1, b"SMBHIhPKGT").items() <= after.items()
        assert chain.store.pending() == pending
        assert chain.head().hash() == hash1
        assert chain.state.committed_root == chain.head().state_root
        free = chain.rt["System"].account(BOB).data.free
        assert free == 1_000_000_000_000_000_000 + 1000  # the in-memory view follows
        # authoring goes on from #1: the pooled transfer goes into the new #2
        blocks = chain.seal(2)
        assert [b["number"] for b in blocks] == [2, 3]
        assert chain.rt["System"].account(BOB).data.free == free + 3000
        assert chain.state.committed_root == chain.state.root()
    replays(base, tmp_path)


def test_set_head_relative_and_by_hash(chain: Chain) -> None:
    blocks = chain.seal(4)
    assert set_head(chain, -1) == bytes.fromhex(blocks[2]["hash"][2:])
    assert set_head(chain, bytes.fromhex(blocks[0]["hash"][2:])) == \
        bytes.fromhex(blocks[0]["hash"][2:])
    assert set_head(chain, blocks[0]["hash"]) == bytes.fromhex(blocks[0]["hash"][2:])
    assert set_head(chain, -1) == chain.genesis_hash
    assert chain.head().number == 0 and chain.timestamp_at(chain.head()) == T0
    assert chain.seal()[0]["timestamp_ms"] == T0 + BLOCK_MS


def test_a_rewind_is_the_same_as_never_having_authored(base: Path, template: Path,
                                                       tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    shutil.copytree(template, fresh)
    with Chain.open(fresh) as chain:
        transfer(chain, 5)
        want = records(chain)
    with Chain.open(base) as chain:
        transfer(chain, 5)
        chain.seal(3)
        set_head(chain, 1)
        assert without(records(chain), b"N") == without(want, b"N")
        assert trie_diff(chain.state.nodes, chain.state.committed_root,
                         chain.head().state_root) == {}


@pytest.mark.parametrize(("target", "message"), [
    (3, "block #3 is above the head #2"),
    (-3, "block -3 is before the genesis block (head is #2)"),
    (b"\x01" * 32, "no block with hash 0x" + "01" * 32),
    ("0x1234", "no block with hash 0x1234"),
    ("12", "block hash is not 0x hex: '12'"),
    (1.0, "not a block hash or number: 1.0"),
])
def test_set_head_errors_change_nothing(chain: Chain, target: object, message: str) -> None:
    chain.seal(2)
    before = records(chain)
    with pytest.raises(ValueError) as exc:
        set_head(chain, target)  # type: ignore[arg-type]
    assert str(exc.value) == message
    assert records(chain) == before


def test_set_head_to_the_head_changes_nothing(chain: Chain) -> None:
    chain.seal()
    before = records(chain)
    assert set_head(chain, 1) == chain.head().hash()
    assert records(chain) == before


# -- set_storage_extrinsics ------------------------------------------------------------
def _block_diff(chain: Chain, extrinsics: list[bytes]) -> dict[bytes, bytes | None]:
    """The state changes of a block with `extrinsics`, sealed on the head."""
    parent = chain.state.committed_root
    with chain.building() as b:
        for e in extrinsics:
            b.apply(e)
        block = b.commit()
    assert all(x["success"] for x in block["extrinsics"]), block["extrinsics"]
    return trie_diff(chain.state.nodes, parent, chain.state.committed_root)


def test_set_storage_changes_the_keys_and_nothing_else(base: Path, template: Path,
                                                       tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(template, other)
    with Chain.open(other) as chain:  # what any block changes (and Sudid + nonce)
        bookkeeping = _block_diff(chain, [sign_call(
            chain, DeterministicKeypair.from_uri("//Alice"),
            chain.rt.make_call("Sudo", "sudo", call=chain.rt.make_call(
                "System", "remark", remark=b"")))])
    with Chain.open(base) as chain:
        changes = parse_storage_changes(chain, {
            "Balances": {"TotalIssuance": "123"},
            "System": {"Account": [[["//Bob"], None]]}})
        changes.append((b"\x00raw", b"\x01\x02"))
        exts = set_storage_extrinsics(chain, changes)
        assert len(exts) == 2
        got = _block_diff(chain, exts)
        assert {k: got[k] for k in (ISSUANCE, account_key(BOB), b"\x00raw")} == {
            ISSUANCE: (123).to_bytes(16, "little"), account_key(BOB): None,
            b"\x00raw": b"\x01\x02"}
        assert set(got) == set(bookkeeping) | {ISSUANCE, account_key(BOB), b"\x00raw"}
        assert chain.rt["System"].account(ALICE).nonce == 2
        one = set_storage_extrinsic(chain, [(b"\x00raw", None)])
        assert _block_diff(chain, [one])[b"\x00raw"] is None
    replays(base, tmp_path)


def test_set_storage_errors(chain: Chain, tmp_path: Path) -> None:
    with pytest.raises(ValueError) as exc:
        set_storage_extrinsics(chain, [])
    assert str(exc.value) == "no storage changes given"
    with pytest.raises(ValueError) as exc:
        set_storage_extrinsic(chain, [(b"\x01", b""), (b"\x02", None)])
    assert str(exc.value) == ("changes that both set and delete keys take two extrinsics "
                              "(node.dev.set_storage_extrinsics)")


def test_set_storage_without_the_sudo_secret(tmp_path: Path) -> None:
    doc = json.loads(GENESIS.read_text())
    nobody = bytes([7]) * 32
    doc["sudo"] = "0x" + nobody.hex()
    with Chain.init(tmp_path / "c", json.dumps(doc).encode()) as chain:
        before = records(chain)
        with pytest.raises(ValueError) as exc:
            set_storage_extrinsics(chain, [(b"\x01", b"")])
        assert str(exc.value) == (
            f"the node holds no secret for the sudo key {chain.ctx.ss58(nobody)} "
            "(neither its genesis file nor its keystore gives a secret URI for it)")
        assert records(chain) == before


def test_rewind_under_the_worker_simulator_reauthors_what_a_fresh_chain_would(
        base: Path, template: Path, tmp_path: Path) -> None:
    from node.worker_sim import attach_simulator

    fresh = tmp_path / "fresh"
    shutil.copytree(template, fresh)
    with Chain.open(fresh) as chain:
        attach_simulator(chain)
        chain.seal(6)
        want = records(chain)
    with Chain.open(base) as chain:
        attach_simulator(chain)
        chain.seal(9)
        set_head(chain, 2)
        chain.seal(4)
        assert without(records(chain), b"N") == without(want, b"N")


def test_pallet_form_tuple_key_flat_or_as_one(chain: Chain) -> None:
    from pallets.stake_pool.declarations import POOL_STAKER_KEY
    from runtime.hashing import twox64

    enc = POOL_STAKER_KEY.encode((3, BOB))
    key = storage_prefix("PhalaStakePool", "PoolStakers") + twox64(enc) + enc
    flat = [[[3, "//Bob"], None]]
    whole = [[[[3, "//Bob"]], None]]
    assert parse_storage_changes(chain, {"PhalaStakePool": {"PoolStakers": flat}}) == \
        parse_storage_changes(chain, {"PhalaStakePool": {"PoolStakers": whole}}) == [(key, None)]
    with pytest.raises(ValueError) as exc:
        parse_storage_changes(chain, {"PhalaStakePool": {"PoolStakers": [[[3], None]]}})
    assert str(exc.value).startswith("PhalaStakePool.PoolStakers key1 ((u64, AccountId)): ")


def test_set_storage_after_the_sudo_key_is_killed(chain: Chain) -> None:
    [kill] = set_storage_extrinsics(chain, [(storage_prefix("Sudo", "Key"), None)])
    assert chain.submit(kill, seal=True)["success"]
    assert chain.rt["Sudo"].Key.get() is None
    before = records(chain)
    with pytest.raises(ValueError) as exc:
        set_storage_extrinsics(chain, [(b"\x01", b"")])
    assert str(exc.value) == "the chain has no sudo key (Sudo.Key is empty)"
    assert records(chain) == before


def test_a_value_holding_runtime_events_is_parsed_with_this_runtimes_codec(
        chain: Chain) -> None:
    """System.Events holds RuntimeEvent, which only a runtime completes."""
    record = {"phase": "Finalization",
              "event": {"System": {"Remarked": {"sender": "//Alice", "hash": "0x" + "11" * 32}}},
              "topics": []}
    [(key, raw)] = parse_storage_changes(chain, {"System": {"Events": [record]}})
    assert key == storage_prefix("System", "Events")
    codec = chain.rt.resolve(chain.rt["System"].storage_items()["Events"].value)
    assert raw == codec.encode(codec.from_json([record], chain.ctx))
    assert raw is not None and raw[:2] == bytes([4, 1])  # one record, phase Finalization


def test_time_travel_survives_a_block_authored_without_the_pool(base: Path) -> None:
    """The fallback block (a pooled call broke the first) still uses up the time-travel
    record, so the next block does not repeat its timestamp."""
    when = T0 + 3_600_000
    with Chain.open(base) as chain:
        time_travel(chain, when)
        kill_all = build_call(chain.rt, "Sudo", "sudo",
                              ['{"System": {"kill_prefix": {"prefix": "0x", "subkeys": 0}}}'],
                              chain.ctx)
        chain.submit(sign_call(chain, DeterministicKeypair.from_uri("//Alice"), kill_all),
                     seal=False)
        blocks = chain.seal(2)
        assert [b["timestamp_ms"] for b in blocks] == [when, when + BLOCK_MS]
        assert chain.store.next_timestamp() is None
