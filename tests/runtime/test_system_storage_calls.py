"""System.set_storage (4), kill_storage (5), kill_prefix (6): FRAME's raw root calls."""

from __future__ import annotations

import dataclasses

import pytest

from pallets.mining.gk_state import GK_PARAMS
from runtime.dispatch import BadOrigin, Origin
from runtime.hashing import storage_prefix
from runtime.system import EXTRINSIC_INDEX_KEY
from storage.backend import MemoryBackend
from storage.overlay import Overlay
from storage.state import FlatView
from tests.harness import ALICE, BOB, Chain

P = b":test:"


@pytest.fixture
def chain() -> Chain:
    c = Chain().genesis(balances=[(ALICE, 10**15), (BOB, 10**12)], sudo=ALICE)
    for k, v in ((P + b"a", b"1"), (P + b"b", b"2"), (P + b"c", b"3"), (b":other", b"4")):
        c.state.set(k, v)
    return c


def dispatch_root(chain: Chain, call: str, **args: object) -> dict[bytes, bytes | None]:
    """Dispatch as Root outside any extrinsic; the exact state changes it made."""
    before = chain.snapshot()
    variant = chain.rt.decode_call(chain.rt.encode_call(chain.rt.make_call("System", call,
                                                                           **args)))
    chain.rt.dispatch(variant, Origin.root())
    after = chain.snapshot()
    return {k: after.get(k) for k in set(before) | set(after) if before.get(k) != after.get(k)}


def test_call_indices() -> None:
    from runtime.system import System

    assert {c.name: c.index for c in System.calls()} == {
        "remark": 0, "set_storage": 4, "kill_storage": 5, "kill_prefix": 6,
        "remark_with_event": 7}


def test_set_storage_writes_exactly_those_items(chain: Chain) -> None:
    assert dispatch_root(chain, "set_storage",
                         items=[(P + b"a", b"new"), (b":fresh", b""), (P + b"a", b"last")]) \
        == {P + b"a": b"last", b":fresh": b""}


def test_kill_storage_removes_exactly_those_keys(chain: Chain) -> None:
    assert dispatch_root(chain, "kill_storage", keys=[P + b"b", b":absent", b":other"]) == \
        {P + b"b": None, b":other": None}


def test_kill_prefix_over_pending_keys(chain: Chain) -> None:
    # the harness state has no committed layer: every key is pending, all go
    assert dispatch_root(chain, "kill_prefix", prefix=P, subkeys=0) == \
        {P + b"a": None, P + b"b": None, P + b"c": None}


def test_root_calls_deposit_no_event_and_succeed(chain: Chain) -> None:
    assert chain.sudo("System", "set_storage", items=[(P + b"z", b"9")]) == (True, None, [])
    assert chain.sudo("System", "kill_storage", keys=[P + b"z"]) == (True, None, [])
    assert chain.sudo("System", "kill_prefix", prefix=P, subkeys=5) == (True, None, [])
    assert chain.state.get(P + b"a") is None and chain.state.get(b":other") == b"4"


BOOKKEEPING = tuple(storage_prefix("System", i) for i in (
    "ExtrinsicData", "Events", "EventCount", "AllExtrinsicsLen", "ExecutionPhase"))


@pytest.mark.parametrize("call,args", [
    ("set_storage", {"items": [(P + b"a", b"x")]}),
    ("kill_storage", {"keys": [P + b"a"]}),
    ("kill_prefix", {"prefix": P, "subkeys": 10}),
])
def test_signed_origin_is_bad_origin_and_changes_only_the_nonce(chain: Chain, call: str,
                                                                args: dict) -> None:
    before = chain.snapshot()
    nonce = chain["System"].nonce(ALICE)
    assert chain.call(ALICE, "System", call, **args) == (False, "BadOrigin", [])
    after = chain.snapshot()
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)
               and k != EXTRINSIC_INDEX_KEY and not k.startswith(BOOKKEEPING)}
    assert changed == {chain["System"]._account_key(ALICE)}
    assert chain["System"].nonce(ALICE) == nonce + 1
    with pytest.raises(BadOrigin):
        chain.rt.dispatch(chain.rt.make_call("System", call, **args), Origin.none())


def test_raw_writes_reach_the_gatekeepers_in_memory_copy(chain: Chain) -> None:
    gk = chain["PhalaMining"].gatekeeper
    old = gk.params()  # loaded and cached
    new = dataclasses.replace(old, phala_launched=not old.phala_launched)
    key = storage_prefix("PhalaMining", "GkParams")
    assert chain.sudo("System", "set_storage", items=[(key, GK_PARAMS.encode(new))]).success
    assert gk.params() == new
    assert chain.sudo("System", "kill_storage", keys=[key]).success
    assert gk.params() == gk.default_params()


def overlay_over(committed: dict[bytes, bytes]) -> Overlay:
    backend = MemoryBackend()
    backend.write_batch({b"S" + k: v for k, v in committed.items()})
    return Overlay(FlatView(backend))


@pytest.mark.parametrize("limit,left", [
    (0, [P + b"2", P + b"3"]),          # only the pending keys
    (1, [P + b"2", P + b"3"]),          # p1 counts although already pending deletion
    (2, [P + b"3"]),
    (3, []),
    (100, []),
])
def test_kill_prefix_limit_counts_committed_keys_like_sp_io(limit: int, left: list) -> None:
    ov = overlay_over({P + b"1": b"a", P + b"2": b"b", P + b"3": b"c", b":q": b"d"})
    ov.set(P + b"1", b"changed")
    ov.set(P + b"4", b"new")
    ov.clear_prefix_limited(P, limit)
    assert [k for k, _ in ov.iter_prefix(P)] == left
    assert ov.get(b":q") == b"d"
