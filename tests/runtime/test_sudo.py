"""Sudo: the key dispatches as Root; results are reported in Sudid, not as extrinsic failure."""

from __future__ import annotations

import pytest

from runtime.codec import Variant
from runtime.dispatch import ModuleError
from tests.harness import ALICE, BOB, CHARLIE, DAVE, Chain


@pytest.fixture
def chain() -> Chain:
    return Chain().genesis(balances=[(ALICE, 10**15), (BOB, 10**12)], sudo=ALICE)


def inner(chain: Chain, **args):
    return chain.rt.make_call("Balances", "force_set_balance", **args)


def test_sudo_success_runs_the_call_as_root(chain):
    out = chain.call(ALICE, "Sudo", "sudo", call=inner(chain, who=CHARLIE, new_free=10**12))
    assert out == (True, None, [
        ("System", "NewAccount", {"account": CHARLIE}),
        ("Balances", "Endowed", {"account": CHARLIE, "free_balance": 10**12}),
        ("Balances", "BalanceSet", {"who": CHARLIE, "free": 10**12}),
        ("Sudo", "Sudid", {"sudo_result": Variant("Ok", ())}),
    ])
    assert chain.free(CHARLIE) == 10**12


def test_sudo_inner_failure_is_rolled_back_and_reported(chain):
    before = chain.free(BOB)
    call = chain.rt.make_call("Balances", "force_transfer", source=BOB, dest=CHARLIE,
                              value=10**13)
    out = chain.call(ALICE, "Sudo", "sudo", call=call)
    assert out.success and out.events == [
        ("Sudo", "Sudid", {"sudo_result": Variant("Err", ModuleError("Balances", 2,
                                                                     "InsufficientBalance"))})]
    assert chain.free(BOB) == before
    # the encoded event: Sudo (3) / Sudid (0) / Err (1) / Module(Balances 2, error 2)
    raw = chain["System"].Events.raw()
    assert bytes.fromhex("0300" "01" "03" "02" "02000000") in raw


def test_non_key_gets_require_sudo(chain):
    out = chain.call(BOB, "Sudo", "sudo", call=inner(chain, who=BOB, new_free=1))
    assert (out.success, out.error, out.events) == (False, "Sudo.RequireSudo", [])
    assert chain.free(BOB) == 10**12


def test_set_key_and_sudo_as(chain):
    out = chain.call(ALICE, "Sudo", "set_key", new=BOB)
    assert out.events == [("Sudo", "KeyChanged", {"old": ALICE, "new": BOB})]
    assert chain.call(ALICE, "Sudo", "set_key", new=ALICE).error == "Sudo.RequireSudo"
    call = chain.rt.make_call("Balances", "transfer_keep_alive", dest=CHARLIE, value=10**11)
    out = chain.call(BOB, "Sudo", "sudo_as", who=ALICE, call=call)
    assert out.events[-1] == ("Sudo", "SudoAsDone", {"sudo_result": Variant("Ok", ())})
    assert chain.free(ALICE) == 10**15 - 10**11
    out = chain.call(BOB, "Sudo", "sudo_unchecked_weight",
                     call=inner(chain, who=DAVE, new_free=10**12),
                     weight={"ref_time": 1, "proof_size": 2})
    assert out.events[-1] == ("Sudo", "Sudid", {"sudo_result": Variant("Ok", ())})

