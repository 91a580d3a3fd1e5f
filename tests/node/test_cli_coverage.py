"""Every call of every pallet is reachable through `phala-emu tx` (root calls with `--sudo`)
and every storage item through `phala-emu query` (issue #5, "What to build").

Calls: the runtime's calls are enumerated from the composition (`pallet_list()` and each
pallet's `calls()`); a sample argument is generated from each parameter's codec in two
flavours ("min": 0, false, empty bytes/vectors, None, the first enum variant; "some": 1,
true, one byte / one element, Some, the last enum variant; accounts //Bob), the sample is
checked to be accepted by the codec, and the CLI must build, sign, submit and include it:
exit 0 with either success or a dispatch error, never exit 2. Root calls go through
`--sudo` and must then get past the origin check; signed without `--sudo` they fail with
BadOrigin. The one exception is the `Timestamp.set` inherent, which no signed extrinsic
may carry (Substrate's InvalidTransaction::BadMandatory).

Storage: `query PALLET ITEM` exits 0 for every declared item (a map without keys lists its
entries, a value prints), and keyed reads work for each key shape the runtime declares: a
single key and a tuple key (`PoolStakers 0 //Bob`). No pallet declares a double map.

The CLI runs in-process (`node.cli.main(argv)`); every call gets a fresh copy of one
prepared chain.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from node.composition import pallet_list
from runtime.codec import (
    AccountIdCodec,
    BoolCodec,
    BytesCodec,
    CEnum,
    Codec,
    CompactCodec,
    EnumCodec,
    FixedBytes,
    JsonContext,
    Lazy,
    OptionCodec,
    StrCodec,
    StructCodec,
    TupleCodec,
    UInt,
    VecCodec,
)
from runtime.keys import Keypair, parse_account
from runtime.runtime import Runtime
from runtime.ss58 import encode as ss58_encode
from storage.overlay import Overlay
from tests.node.inprocess import cli, ok

REPO = Path(__file__).resolve().parents[2]
GENESIS = REPO / "genesis.json"
PHA = 10**12

PALLETS = {cls.NAME: cls for _, cls in pallet_list()}
# Call declarations as a runtime of this composition completes them (Sudo's RuntimeCall)
RT = Runtime(pallet_list(), Overlay())
CALLS = [(name, c.name) for name, cls in PALLETS.items() for c in cls.calls()]
ITEMS = [(name, item) for name, cls in PALLETS.items() for item in cls.storage_items()]

# Root-only calls (the pallet specs' origins); everything else is signed.
ROOT_CALLS = {
    ("System", "set_storage"), ("System", "kill_storage"), ("System", "kill_prefix"),
    ("Balances", "force_transfer"), ("Balances", "force_set_balance"),
    ("PhalaRegistry", "force_set_benchmark_duration"),
    ("PhalaRegistry", "force_register_worker"),
    ("PhalaRegistry", "force_register_topic_pubkey"),
    ("PhalaRegistry", "register_gatekeeper"), ("PhalaRegistry", "unregister_gatekeeper"),
    ("PhalaRegistry", "rotate_master_key"),
    ("PhalaRegistry", "add_pruntime"), ("PhalaRegistry", "remove_pruntime"),
    ("PhalaRegistry", "add_relaychain_genesis_block_hash"),
    ("PhalaRegistry", "remove_relaychain_genesis_block_hash"),
    ("PhalaRegistry", "retire_pruntime"), ("PhalaRegistry", "set_pruntime_consensus_version"),
    ("PhalaRegistry", "force_set_benchmark"),
    ("PhalaMining", "set_cool_down_expiration"), ("PhalaMining", "force_heartbeat"),
    ("PhalaMining", "force_start_mining"), ("PhalaMining", "force_stop_mining"),
    ("PhalaMining", "update_tokenomic"),
    ("PhalaStakePool", "force_assign_reward"), ("PhalaStakePool", "set_mining_enable"),
}
INHERENTS = {("Timestamp", "set")}
SUDO_EVENTS = {"sudo": "Sudid", "sudo_unchecked_weight": "Sudid", "set_key": "KeyChanged",
               "sudo_as": "SudoAsDone"}
# A dispatch error as the CLI names it: "BadOrigin", "Pallet.Error", "Token.FundsUnavailable"…
DISPATCH_ERROR = re.compile(r"^[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)?$")

CTX = JsonContext(lambda b: ss58_encode(b, 30), parse_account)




# -- sample arguments from codecs -------------------------------------------------------


def sample(codec: Codec, some: bool) -> Any:
    """A JSON value the codec accepts ("min" flavour, or "some" when `some`)."""
    if isinstance(codec, Lazy):  # RuntimeCall (the runtime's own)
        assert codec.target is not None, "a declared placeholder, not the runtime's codec"
        return sample(codec.target, some)
    if isinstance(codec, CompactCodec):
        return sample(codec.inner, some)
    if isinstance(codec, UInt):  # u8…u256, Permill, U64F64 bits
        return int(some)
    if isinstance(codec, BoolCodec):
        return some
    if isinstance(codec, AccountIdCodec):
        return "//Bob"
    if isinstance(codec, FixedBytes):
        return "0x" + ("01" if some else "00") * codec.n
    if isinstance(codec, BytesCodec):
        return "0x00" if some else "0x"
    if isinstance(codec, StrCodec):
        return "x" if some else ""
    if isinstance(codec, OptionCodec):
        return sample(codec.inner, some) if some else None
    if isinstance(codec, VecCodec):
        return [sample(codec.inner, some)] if some else []
    if isinstance(codec, TupleCodec):
        return [sample(c, some) for c in codec.items]
    if isinstance(codec, StructCodec):
        return {n: sample(c, some) for n, c in codec.fields}
    if isinstance(codec, EnumCodec):
        idx = max(codec.by_index) if some else min(codec.by_index)
        name, payload = codec.by_index[idx]
        return name if payload is None else {name: sample(payload, some)}
    if isinstance(codec, CEnum):
        members = sorted(codec.cls, key=lambda m: m.value)
        return (members[-1] if some else members[0]).name
    raise TypeError(f"no sample for {codec!r}")


def arg_text(value: Any) -> str:
    """The command-line form: strings as typed (//Bob, 0x…), anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def test_sample_generator_basics() -> None:
    from runtime.codec import PUBKEY, U32, Option, Vec

    assert sample(Option(U32), False) is None and sample(Option(U32), True) == 1
    assert sample(Vec(PUBKEY), True) == ["0x" + "01" * 32]
    assert arg_text([[0, 1]]) == "[[0, 1]]" and arg_text("//Bob") == "//Bob"


# -- the prepared chain -------------------------------------------------------------------

WORKER1 = "0x" + Keypair.from_uri("//Worker1").public_key.hex()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository genesis plus a pool 0 of //Alice with //Worker1 and //Bob's stake,
    so the stake-pool maps have entries."""
    base = tmp_path_factory.mktemp("coverage") / "chain"
    ok(base, "init", "--genesis", str(GENESIS))
    for args in (["PhalaStakePool", "create"],
                 ["PhalaStakePool", "add_worker", "0", WORKER1],
                 ["--signer", "//Bob", "PhalaStakePool", "contribute", "0", str(100 * PHA)]):
        res = ok(base, "tx", *args)
        assert res["success"], res
    return base


@pytest.fixture
def chain(prepared: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "chain"
    shutil.copytree(prepared, dst)
    return dst


# -- calls --------------------------------------------------------------------------------


def test_the_call_list_is_the_runtimes() -> None:
    assert len(CALLS) == len(set(CALLS)) == 58
    assert (ROOT_CALLS | INHERENTS) <= set(CALLS)
    assert {p for p, _ in CALLS} == {"System", "Timestamp", "Balances", "Sudo", "PhalaMq",
                                     "PhalaRegistry", "PhalaMining", "PhalaStakePool"}


def included(res: dict[str, Any], what: str) -> None:
    """An included extrinsic: success, or a dispatch error with ExtrinsicFailed."""
    assert set(res) >= {"extrinsic_hash", "block_number", "success", "error", "events"}, what
    if res["success"]:
        assert res["error"] is None, what
    else:
        assert isinstance(res["error"], str) and DISPATCH_ERROR.match(res["error"]), (what, res)


@pytest.mark.parametrize("flavour", ["min", "some"])
@pytest.mark.parametrize(("pallet", "call"), CALLS, ids=[f"{p}.{c}" for p, c in CALLS])
def test_every_call_is_reachable_through_tx(chain: Path, pallet: str, call: str,
                                            flavour: str) -> None:
    decl = RT.call_decl(pallet, call)
    values = [sample(codec, flavour == "some") for _, codec in decl.args]
    for (_name, codec), value in zip(decl.args, values, strict=True):
        codec.from_json(value, CTX)  # the codec accepts the sample
    args = [arg_text(v) for v in values]
    what = f"{pallet}.{call}({', '.join(args)})"

    if (pallet, call) in INHERENTS:
        code, doc = cli(chain, "tx", pallet, call, *args)
        assert (code, doc) == (2, {"error": "InvalidTransaction",
                                   "message": "InvalidTransaction::BadMandatory: BadOrigin"})
        return

    head = ok(chain, "head")["number"]
    if (pallet, call) in ROOT_CALLS:
        res = ok(chain, "tx", "--signer", "//Bob", pallet, call, *args)
        included(res, what)
        assert (res["success"], res["error"]) == (False, "BadOrigin"), what
        if (pallet, call, flavour) == ("System", "kill_prefix", "min"):
            # an empty prefix also clears what this block wrote, the timestamp inherent's
            # flag included: FRAME would panic at on_finalize; the emulator refuses
            code, doc = cli(chain, "tx", "--sudo", pallet, call, *args)
            assert (code, doc["error"]) == (2, "InvalidBlock"), doc
            assert doc["message"] == (
                f"the extrinsic would make block #{head + 2} invalid (the block has no "
                "Timestamp.set inherent); nothing was written")
            assert ok(chain, "head")["number"] == head + 1
            return
        res = ok(chain, "tx", "--sudo", pallet, call, *args)
        included(res, what)
        assert res["error"] != "BadOrigin", what  # root got past the origin check
        assert [e["event"] for e in res["events"]][-2:] == ["Sudid", "ExtrinsicSuccess"], what
        outer = ("Sudo", "sudo")
    else:
        res = ok(chain, "tx", pallet, call, *args)
        included(res, what)
        names = [e["event"] for e in res["events"]]
        if pallet == "Sudo" and names[:-1] == [SUDO_EVENTS[call]]:
            # dispatched by the sudo key: the outcome is the Sudo event's (a wrapped call
            # that fails, e.g. a signed-only call run as Root, is reported as failed)
            assert names[-1] == "ExtrinsicSuccess", what
        else:
            assert res["error"] != "BadOrigin", what  # a signed origin is the right one
            assert names[-1] == ("ExtrinsicSuccess" if res["success"] else "ExtrinsicFailed")
        outer = (pallet, call)
    assert res["block_number"] == ok(chain, "head")["number"] > head
    xt = ok(chain, "block")["extrinsics"][res["index"]]
    assert xt["hash"] == res["extrinsic_hash"]
    assert (xt["call"]["pallet"], xt["call"]["call"]) == outer
    if (pallet, call) in ROOT_CALLS:  # the wrapped RuntimeCall, as its enum JSON
        inner = xt["call"]["args"]["call"]
        assert list(inner) == [pallet] and list(inner[pallet]) == [call], inner


def test_no_seal_queues_every_kind_of_argument(chain: Path) -> None:
    """`tx --no-seal` with struct, enum, option and vector arguments: pending, then sealed."""
    hashes = []
    for pallet, call in [("PhalaRegistry", "register_worker_v2"),
                         ("PhalaMq", "sync_offchain_message"),
                         ("PhalaStakePool", "force_assign_reward")]:
        decl = RT.call_decl(pallet, call)
        args = [arg_text(sample(codec, True)) for _, codec in decl.args]
        res = ok(chain, "tx", "--no-seal", pallet, call, *args)
        assert res == {"extrinsic_hash": res["extrinsic_hash"], "pending": True}
        hashes.append(res["extrinsic_hash"])
    [blk] = ok(chain, "seal")
    assert [x["extrinsic_hash"] for x in blk["extrinsics"][1:]] == hashes


# -- storage ------------------------------------------------------------------------------


def test_the_item_list_is_the_runtimes() -> None:
    assert len(ITEMS) == len(set(ITEMS)) == 67  # 61 pallet items + 6 Gatekeeper items


@pytest.mark.parametrize(("pallet", "item"), ITEMS, ids=[f"{p}.{i}" for p, i in ITEMS])
def test_every_storage_item_is_readable_through_query(prepared: Path, pallet: str,
                                                      item: str) -> None:
    decl = PALLETS[pallet].storage_items()[item]
    doc = ok(prepared, "query", pallet, item)
    if decl.kind == "map":
        assert isinstance(doc, list), (pallet, item, doc)
        for entry in doc:
            assert set(entry) == {"key", "value"}
    # and at the genesis block
    assert isinstance(ok(prepared, "query", pallet, item, "--at", "0"),
                      list if decl.kind == "map" else object)


ALICE = Keypair.from_uri("//Alice").ss58(30)
BOB = Keypair.from_uri("//Bob").ss58(30)


def test_single_key_maps(prepared: Path) -> None:
    acct = ok(prepared, "query", "System", "Account", "//Bob")
    assert acct["data"]["free"] == 10**18 and acct["data"]["misc_frozen"] == 100 * PHA
    assert ok(prepared, "query", "Balances", "Locks", BOB) == [
        {"id": "0x" + b"phala/sp".hex(), "amount": 100 * PHA, "reasons": "All"}]
    pool = ok(prepared, "query", "PhalaStakePool", "StakePools", "0")
    assert (pool["owner"], pool["total_stake"], pool["workers"]) == (ALICE, 100 * PHA,
                                                                     [WORKER1])
    assert ok(prepared, "query", "PhalaStakePool", "StakePools", "1") is None
    assert ok(prepared, "query", "PhalaStakePool", "WorkerAssignments", WORKER1) == 0
    assert ok(prepared, "query", "PhalaStakePool", "StakeLedger", "//Bob") == 100 * PHA
    assert ok(prepared, "query", "PhalaRegistry", "Workers", WORKER1)["initial_score"] == 1200
    # all entries of a map, keys decoded
    entries = ok(prepared, "query", "PhalaStakePool", "StakePools")
    assert [e["key"] for e in entries] == [[0]]
    assert entries[0]["value"] == pool


def test_tuple_key_map(prepared: Path) -> None:
    staker = ok(prepared, "query", "PhalaStakePool", "PoolStakers", "0", "//Bob")
    assert (staker["user"], staker["shares"], staker["locked"]) == (BOB, 100 * PHA, 100 * PHA)
    assert ok(prepared, "query", "PhalaStakePool", "PoolStakers", "0", "//Charlie") is None
    entries = ok(prepared, "query", "PhalaStakePool", "PoolStakers")
    assert [e["key"] for e in entries] == [[0, BOB]]
    assert entries[0]["value"] == staker
    # the tuple is hashed as one: a leading element alone is refused (exit 2)
    code, doc = cli(prepared, "query", "PhalaStakePool", "PoolStakers", "0")
    assert code == 2 and doc["error"] == "BadInput"


def test_no_double_map_is_declared() -> None:
    """Had one been declared, it would need its own keyed-read test here."""
    assert all(len(d.keys) == 1 for cls in PALLETS.values()
               for d in cls.storage_items().values() if d.kind == "map")
