"""Balances: classic Currency semantics, locks, dust reaping, root calls (exact planck figures)."""

from __future__ import annotations

import pytest

from runtime.codec import Variant
from runtime.config import RuntimeConfig
from runtime.dispatch import ModuleError, Origin
from runtime.hashing import storage_prefix
from tests.harness import ALICE, BOB, CHARLIE, DAVE, Chain

ED = 10**10
LOCK = b"phala/sp"
START_BOB = 10**12


@pytest.fixture
def chain() -> Chain:
    c = Chain(config=RuntimeConfig(existential_deposit=ED))
    return c.genesis(balances=[(ALICE, 10**15), (BOB, START_BOB)], sudo=ALICE)


def changed_keys(before: dict[bytes, bytes], after: dict[bytes, bytes]) -> set[bytes]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def system_bookkeeping_keys(chain: Chain) -> set[bytes]:
    s = chain["System"]
    return {s.Events.prefix, s.EventCount.prefix, b":extrinsic_index", s.ExecutionPhase.prefix,
            s.AllExtrinsicsLen.prefix,
            s.ExtrinsicData.prefix + s.ExtrinsicData.item.key_suffix([s.extrinsic_index() - 1])}


def transfer_event(frm: bytes, to: bytes, amount: int) -> tuple:
    return ("Balances", "Transfer", {"from": frm, "to": to, "amount": amount})


def test_genesis_endows_with_one_provider(chain):
    assert chain["Balances"].total_issuance() == 10**15 + START_BOB
    info = chain["System"].account(BOB)
    assert (info.providers, info.consumers, info.data.free) == (1, 0, START_BOB)


def test_transfer_to_new_account(chain):
    out = chain.call(ALICE, "Balances", "transfer_keep_alive", dest=CHARLIE, value=ED)
    assert out == (True, None, [
        ("System", "NewAccount", {"account": CHARLIE}),
        ("Balances", "Endowed", {"account": CHARLIE, "free_balance": ED}),
        transfer_event(ALICE, CHARLIE, ED),
    ])
    assert (chain.free(ALICE), chain.free(CHARLIE)) == (10**15 - ED, ED)
    assert chain["Balances"].total_issuance() == 10**15 + START_BOB
    chain.try_state()


def test_failed_transfer_changes_only_the_nonce(chain):
    before = chain.snapshot()
    out = chain.call(ALICE, "Balances", "transfer_keep_alive", dest=CHARLIE, value=ED - 1)
    assert (out.success, out.error, out.events) == (False, "Balances.ExistentialDeposit", [])
    account_key = chain["System"].Account.prefix + \
        chain["System"].Account.item.key_suffix([ALICE])
    assert changed_keys(before, chain.snapshot()) == system_bookkeeping_keys(chain) | {account_key}
    assert chain["System"].nonce(ALICE) == 1 and chain.free(ALICE) == 10**15


def test_insufficient_and_keep_alive(chain):
    out = chain.call(BOB, "Balances", "transfer_allow_death", dest=ALICE, value=START_BOB + 1)
    assert out.error == "Balances.InsufficientBalance"
    out = chain.call(BOB, "Balances", "transfer_keep_alive", dest=ALICE, value=START_BOB - ED + 1)
    assert out.error == "Balances.Expendability"
    out = chain.call(BOB, "Balances", "transfer_keep_alive", dest=ALICE, value=START_BOB - ED)
    assert out.success and chain.free(BOB) == ED


def test_allow_death_reaps_the_sender_with_dust(chain):
    dust = ED // 2
    out = chain.call(BOB, "Balances", "transfer_allow_death", dest=CHARLIE,
                     value=START_BOB - dust)
    assert out == (True, None, [
        ("System", "KilledAccount", {"account": BOB}),
        ("System", "NewAccount", {"account": CHARLIE}),
        ("Balances", "Endowed", {"account": CHARLIE, "free_balance": START_BOB - dust}),
        ("Balances", "DustLost", {"account": BOB, "amount": dust}),
        transfer_event(BOB, CHARLIE, START_BOB - dust),
    ])
    assert not chain["System"].account_exists(BOB)  # nonce gone with the account
    assert chain["Balances"].total_issuance() == 10**15 + START_BOB - dust
    chain.try_state()


def test_lock_restricts_transfers_and_usable_balance(chain):
    balances = chain["Balances"]
    balances.set_lock(LOCK, BOB, 6 * 10**11)
    info = chain["System"].account(BOB)
    assert (info.consumers, info.data.misc_frozen, info.data.fee_frozen) == (1, 6 * 10**11,
                                                                              6 * 10**11)
    assert balances.usable_balance(BOB) == 4 * 10**11
    assert balances.locks(BOB) == [{"id": LOCK, "amount": 6 * 10**11, "reasons": Variant("All")}]
    before = chain.snapshot()
    out = chain.call(Origin.root(), "Balances", "force_transfer", source=BOB, dest=ALICE,
                     value=4 * 10**11 + 1)
    assert (out.success, out.error, out.events) == (False, "Balances.LiquidityRestrictions", [])
    assert changed_keys(before, chain.snapshot()) == system_bookkeeping_keys(chain)
    out = chain.call(BOB, "Balances", "transfer_allow_death", dest=ALICE, value=START_BOB)
    assert out.error == "Balances.LiquidityRestrictions"
    assert chain.call(BOB, "Balances", "transfer_keep_alive", dest=ALICE, value=4 * 10**11).success
    assert balances.usable_balance(BOB) == 0 and chain.free(BOB) == 6 * 10**11
    # overwrite (one entry), then a smaller lock frees the difference
    balances.set_lock(LOCK, BOB, 10**11)
    assert len(balances.locks(BOB)) == 1 and balances.usable_balance(BOB) == 5 * 10**11
    balances.set_lock(LOCK, BOB, 0)  # classic: amount 0 is a no-op
    assert balances.usable_balance(BOB) == 5 * 10**11
    balances.remove_lock(LOCK, BOB)
    info = chain["System"].account(BOB)
    assert (info.consumers, info.data.misc_frozen, info.data.fee_frozen) == (0, 0, 0)
    assert not balances.Locks.contains(BOB)
    chain.try_state()


def test_fee_only_lock_allows_transfers_but_not_all_withdrawals(chain):
    balances = chain["Balances"]
    balances.set_lock(b"feelock ", BOB, START_BOB, reasons="Fee")
    assert chain["System"].account(BOB).data.misc_frozen == 0
    assert chain.call(BOB, "Balances", "transfer_keep_alive", dest=ALICE, value=ED).success
    with pytest.raises(ModuleError) as exc:
        balances.withdraw(BOB, ED, allow_death=False)
    assert exc.value.describe() == "Balances.LiquidityRestrictions"


def test_slash_free_then_reserved_and_reap(chain):
    balances, system = chain["Balances"], chain["System"]
    info = system.account(BOB)
    info.data.free, info.data.reserved = START_BOB - 10**11, 10**11
    system.Account.insert(BOB, info)
    assert balances.slash(BOB, START_BOB - 5 * 10**10) == START_BOB - 5 * 10**10
    assert system.account(BOB).data.free == 0
    assert system.account(BOB).data.reserved == 5 * 10**10
    assert chain.events()[-1] == ("Balances", "Slashed", {"who": BOB,
                                                          "amount": START_BOB - 5 * 10**10})
    assert balances.slash(BOB, 10**20) == 5 * 10**10  # takes what is there, reaps
    assert chain.events()[-2:] == [("System", "KilledAccount", {"account": BOB}),
                                   ("Balances", "Slashed", {"who": BOB, "amount": 5 * 10**10})]
    assert balances.slash(BOB, 1) == 0
    assert balances.total_issuance() == 10**15


def test_slash_keeps_a_consumer_account_alive(chain):
    balances = chain["Balances"]
    balances.set_lock(LOCK, BOB, START_BOB)
    assert balances.slash(BOB, START_BOB) == START_BOB - ED  # second attempt keeps ED
    assert chain.free(BOB) == ED
    assert chain.events()[-1] == ("Balances", "Slashed", {"who": BOB, "amount": START_BOB - ED})
    chain.try_state()


def test_deposit_creating_and_withdraw(chain):
    balances = chain["Balances"]
    n = len(chain.events())
    assert balances.deposit_creating(CHARLIE, ED - 1) == 0
    assert len(chain.events()) == n and not chain["System"].account_exists(CHARLIE)
    assert balances.deposit_creating(CHARLIE, 2 * ED) == 2 * ED
    assert chain.events()[n:] == [
        ("Balances", "Deposit", {"who": CHARLIE, "amount": 2 * ED}),
        ("System", "NewAccount", {"account": CHARLIE}),
        ("Balances", "Endowed", {"account": CHARLIE, "free_balance": 2 * ED}),
    ]
    with pytest.raises(ModuleError) as exc:
        balances.withdraw(CHARLIE, ED + 1, allow_death=False)
    assert exc.value.describe() == "Balances.Expendability"
    with pytest.raises(ModuleError) as exc:
        balances.withdraw(CHARLIE, 2 * ED + 1, allow_death=True)
    assert exc.value.describe() == "Balances.InsufficientBalance"
    assert len(chain.events()) == n + 3
    balances.withdraw(CHARLIE, 2 * ED, allow_death=True)
    assert chain.events()[n + 3:] == [("Balances", "Withdraw", {"who": CHARLIE, "amount": 2 * ED}),
                                      ("System", "KilledAccount", {"account": CHARLIE})]
    assert balances.total_issuance() == 10**15 + START_BOB
    chain.try_state()


def test_transfer_all(chain):
    out = chain.call(BOB, "Balances", "transfer_all", dest=CHARLIE, keep_alive=True)
    assert out.success and chain.free(BOB) == ED and chain.free(CHARLIE) == START_BOB - ED
    out = chain.call(CHARLIE, "Balances", "transfer_all", dest=DAVE, keep_alive=False)
    assert out.events[-1] == transfer_event(CHARLIE, DAVE, START_BOB - ED)
    assert not chain["System"].account_exists(CHARLIE)
    chain["Balances"].set_lock(LOCK, DAVE, 3 * ED)
    assert chain.call(DAVE, "Balances", "transfer_all", dest=BOB, keep_alive=False).success
    assert chain.free(DAVE) == 3 * ED


def test_force_set_balance(chain):
    out = chain.call(ALICE, "Balances", "force_set_balance", who=CHARLIE, new_free=ED)
    assert out.error == "BadOrigin"
    out = chain.sudo("Balances", "force_set_balance", who=CHARLIE, new_free=5 * ED)
    assert out.events == [("System", "NewAccount", {"account": CHARLIE}),
                          ("Balances", "Endowed", {"account": CHARLIE, "free_balance": 5 * ED}),
                          ("Balances", "BalanceSet", {"who": CHARLIE, "free": 5 * ED})]
    assert chain["Balances"].total_issuance() == 10**15 + START_BOB + 5 * ED
    out = chain.sudo("Balances", "force_set_balance", who=CHARLIE, new_free=ED - 1)
    assert out.events == [("System", "KilledAccount", {"account": CHARLIE}),
                          ("Balances", "BalanceSet", {"who": CHARLIE, "free": 0})]
    assert chain["Balances"].total_issuance() == 10**15 + START_BOB
    chain.try_state()


def test_multi_address_forms(chain):
    out = chain.call(ALICE, "Balances", "transfer_keep_alive", dest=Variant("Index", 3), value=ED)
    assert out.error == "CannotLookup"
    out = chain.call(ALICE, "Balances", "transfer_keep_alive", dest=Variant("Address20",
                                                                             bytes(20)), value=ED)
    assert out.error == "CannotLookup"
    for form in ("Raw", "Address32"):
        out = chain.call(ALICE, "Balances", "transfer_keep_alive", dest=Variant(form, BOB),
                         value=ED)
        assert out.events == [transfer_event(ALICE, BOB, ED)]
    assert chain.rt.encode_call(chain.rt.make_call(
        "Balances", "transfer_keep_alive", dest=BOB, value=ED)).hex() == \
        "0203" + "00" + BOB.hex() + "0700e40b5402"


def test_storage_prefixes():
    assert storage_prefix("Balances", "TotalIssuance").hex() == \
        "c2261276cc9d1f8598ea4b6a74b15c2f57c875e4cff74148e4628f264b974c80"
