"""pallet-balances: classic Currency semantics and AccountData (decision 8, substrate.md §2.6-2.7).

Accounts live in System.Account; `misc_frozen`/`fee_frozen` are recomputed from
Balances.Locks on every lock change. Call, event and error indices are current
polkadot-sdk's (decision 1). Dust (an account falling below the existential
deposit) is reaped: DustLost, and TotalIssuance drops by the dust.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runtime.codec import (
    ACCOUNT,
    BOOL,
    BYTES,
    U32,
    U128,
    Compact,
    EnumCodec,
    FixedBytes,
    JsonContext,
    Struct,
    Variant,
    Vec,
    with_path,
)
from runtime.dispatch import (
    ArithmeticError_,
    CannotLookup,
    DispatchError,
    Origin,
    ensure_root,
    ensure_signed,
)
from runtime.pallet import Pallet, call, constants, errors, events
from runtime.storage_items import StorageMap, StorageValue
from runtime.system import AccountData

REASONS = {"Fee": 0, "Misc": 1, "All": 2}
REASON_NAMES = {v: k for k, v in REASONS.items()}
REASONS_CODEC = with_path(EnumCodec("Reasons", [("Fee", None), ("Misc", None), ("All", None)]),
    "pallet_balances::types::Reasons")
BALANCE_LOCK = with_path(Struct("BalanceLock", [("id", FixedBytes(8, "LockIdentifier")),
                                      ("amount", U128), ("reasons", REASONS_CODEC)]),
    "pallet_balances::types::BalanceLock", ("Balance", U128))
BALANCE = Compact(U128)
MAX_LOCKS = 50  # the reference runtime's; only the stake pool sets a lock here (one)


class MultiAddressCodec(EnumCodec):
    """MultiAddress<AccountId32, u32>; JSON input may also be any account form (SS58, hex, URI)."""

    def __init__(self) -> None:
        super().__init__("MultiAddress", [
            ("Id", ACCOUNT), ("Index", Compact(U32)), ("Raw", BYTES),
            ("Address32", FixedBytes(32)), ("Address20", FixedBytes(20)),
        ])

    def encode(self, value: Variant | bytes | str) -> bytes:
        if isinstance(value, bytes):
            value = Variant("Id", value)
        return super().encode(value)

    def from_json(self, value: Any, ctx: JsonContext) -> Variant:
        if isinstance(value, str):
            return Variant("Id", ctx.parse_account(value))
        return super().from_json(value, ctx)


MULTI_ADDRESS = with_path(MultiAddressCodec(), "sp_runtime::multiaddress::MultiAddress",
                          ("AccountId", ACCOUNT), ("AccountIndex", U32))


def lookup(address: Variant | bytes) -> bytes:
    """AccountIdLookup: the AccountId an address names. Raises CannotLookup for Index,
    Address20 and Raw bytes that are not 32 long."""
    if isinstance(address, bytes) and len(address) == 32:
        return address
    if isinstance(address, Variant):
        if address.name in ("Id", "Address32"):
            return bytes(address.value)
        if address.name == "Raw" and len(address.value) == 32:
            return bytes(address.value)
    raise CannotLookup()


class Balances(Pallet):
    NAME = "Balances"
    CRATE = "pallet_balances"
    CONSTANTS = constants(
        ("ExistentialDeposit", U128, lambda cfg: cfg.existential_deposit,
         "The minimum amount required to keep an account open."),
        ("MaxLocks", U32, lambda cfg: MAX_LOCKS,
         "The maximum number of locks that should exist on an account."),
    )
    EVENTS = events(
        ("Endowed", [("account", ACCOUNT), ("free_balance", U128)], "An account was created."),
        ("DustLost", [("account", ACCOUNT), ("amount", U128)], "An account was reaped."),
        ("Transfer", [("from", ACCOUNT), ("to", ACCOUNT), ("amount", U128)], "Transfer."),
        ("BalanceSet", [("who", ACCOUNT), ("free", U128)], "A balance was set by root."),
        ("Reserved", [("who", ACCOUNT), ("amount", U128)]),
        ("Unreserved", [("who", ACCOUNT), ("amount", U128)]),
        ("ReserveRepatriated", [("from", ACCOUNT), ("to", ACCOUNT), ("amount", U128),
                                ("destination_status", EnumCodec("BalanceStatus", [
                                    ("Free", None), ("Reserved", None)]))]),
        ("Deposit", [("who", ACCOUNT), ("amount", U128)], "Some amount was deposited."),
        ("Withdraw", [("who", ACCOUNT), ("amount", U128)], "Some amount was withdrawn."),
        ("Slashed", [("who", ACCOUNT), ("amount", U128)], "Some amount was slashed."),
    )
    ERRORS = errors(
        "VestingBalance", "LiquidityRestrictions", "InsufficientBalance", "ExistentialDeposit",
        "Expendability", "ExistingVestingSchedule", "DeadAccount", "TooManyReserves",
        "TooManyHolds", "TooManyFreezes", "IssuanceDeactivated", "DeltaZero",
    )

    TotalIssuance = StorageValue(U128, default=0)
    Locks = StorageMap("Blake2_128Concat", ACCOUNT, Vec(BALANCE_LOCK), default=list)

    @property
    def ed(self) -> int:
        return int(self.rt.config.existential_deposit)

    @property
    def system(self) -> Any:
        return self.rt.pallets["System"]

    def genesis_build(self, accounts: list[tuple[bytes, int]] | None = None) -> None:
        """Endow each (account, amount): providers = 1, TotalIssuance = the sum.

        Raises ValueError for an amount below the existential deposit or a duplicate.
        """
        accounts = accounts or []
        seen = set()
        for who, amount in accounts:
            if amount < self.ed:
                raise ValueError(f"genesis balance {amount} is below the existential deposit")
            if who in seen:
                raise ValueError(f"duplicate genesis balance for 0x{who.hex()}")
            seen.add(who)
            info = self.system.account(who)
            info.data = AccountData(free=amount)
            info.providers += 1
            self.system.put_account(who, info)
        self.TotalIssuance.put(self.TotalIssuance.get() + sum(a for _, a in accounts))

    # -- queries ------------------------------------------------------------------------
    def account_data(self, who: bytes) -> AccountData:
        return self.system.account(who).data  # type: ignore[no-any-return]

    def free_balance(self, who: bytes) -> int:
        return self.account_data(who).free

    def reserved_balance(self, who: bytes) -> int:
        return self.account_data(who).reserved

    def usable_balance(self, who: bytes) -> int:
        """Free balance minus the largest lock (never negative)."""
        d = self.account_data(who)
        return max(d.free - max(d.misc_frozen, d.fee_frozen), 0)

    def total_issuance(self) -> int:
        return int(self.TotalIssuance.get())

    def locks(self, who: bytes) -> list[dict[str, Any]]:
        """The account's locks: [{id, amount, reasons: Variant}] in storage order."""
        return self.Locks.get(who)  # type: ignore[no-any-return]

    # -- account mutation -----------------------------------------------------------------
    def _mutate(self, who: bytes, f: Callable[[AccountData, bool], Any],
                dust_sink: list[tuple[bytes, int]] | None = None) -> Any:
        """Classic try_mutate_account: apply f(data, is_new), then create or reap the account.

        Emits NewAccount/KilledAccount (System), then Endowed and DustLost (or appends
        (who, dust) to dust_sink for the caller to emit later). Raises what f raises
        (nothing written) or ConsumerRemaining when a reap is refused.
        """
        system = self.system
        info = system.account(who)
        was_providing = not info.data.is_zero()
        data = info.data if was_providing else AccountData()
        result = f(data, not was_providing)
        dust = 0
        alive = data.total >= self.ed
        if not alive:
            dust = data.total
        if not was_providing:
            if not alive:
                return result
            system.inc_providers(who)
            info = system.account(who)
            info.data = data
            system.put_account(who, info)
            self.deposit_event("Endowed", account=who, free_balance=data.free)
            return result
        if alive:
            info.data = data
            system.put_account(who, info)
            return result
        if not system.dec_providers(who):
            info = system.account(who)
            info.data = AccountData()
            system.put_account(who, info)
        if dust:
            self.TotalIssuance.put(self.TotalIssuance.get() - dust)
            if dust_sink is None:
                self._emit_dust([(who, dust)])
            else:
                dust_sink.append((who, dust))
        return result

    def _ensure_can_withdraw(self, data: AccountData, amount: int, reasons: str,
                             new_free: int) -> None:
        """Raises LiquidityRestrictions when new_free would dip below the frozen amount."""
        if amount == 0:
            return
        if reasons == "All":
            frozen = max(data.misc_frozen, data.fee_frozen)
        else:
            frozen = data.misc_frozen if reasons == "Misc" else data.fee_frozen
        if new_free < frozen:
            raise self.error("LiquidityRestrictions")

    # -- Currency API for other pallets ---------------------------------------------------
    def transfer(self, source: bytes, dest: bytes, amount: int, keep_alive: bool) -> None:
        """Move `amount` of free balance; emits [Endowed/NewAccount for a new dest,] Transfer.

        Raises InsufficientBalance, ExistentialDeposit (dest would stay below ED),
        LiquidityRestrictions (locked), Expendability (keep_alive or consumers would
        be left without a provider), ArithmeticError Overflow.
        """
        if amount == 0 or source == dest:
            return
        src_dust: list[tuple[bytes, int]] = []  # FRAME drops the sender's DustCleaner late

        def credit(to: AccountData, _new: bool) -> None:
            def debit(frm: AccountData, _n: bool) -> None:
                if frm.free < amount:
                    raise self.error("InsufficientBalance")
                frm.free -= amount
                if to.free + amount > U128.max:
                    raise ArithmeticError_("Overflow")
                to.free += amount
                if to.total < self.ed:
                    raise self.error("ExistentialDeposit")
                self._ensure_can_withdraw(frm, amount, "Misc", frm.free)
                allow_death = not keep_alive and self.system.can_dec_provider(source)
                if not allow_death and frm.total < self.ed:
                    raise self.error("Expendability")

            self._mutate(source, debit, dust_sink=src_dust)

        self._mutate(dest, credit)
        self._emit_dust(src_dust)
        self.deposit_event("Transfer", **{"from": source, "to": dest, "amount": amount})

    def _emit_dust(self, held: list[tuple[bytes, int]]) -> None:
        for who, amount in held:
            self.deposit_event("DustLost", account=who, amount=amount)

    def set_lock(self, lock_id: bytes, who: bytes, amount: int, reasons: str = "All") -> None:
        """Create or overwrite the lock `lock_id` (no event). Amount 0 does nothing (classic)."""
        if amount == 0:
            return
        new = {"id": lock_id, "amount": amount, "reasons": Variant(reasons)}
        locks = self.locks(who)
        for i, lock in enumerate(locks):
            if lock["id"] == lock_id:
                locks[i] = new
                break
        else:
            locks.append(new)
        self._update_locks(who, locks)

    def remove_lock(self, lock_id: bytes, who: bytes) -> None:
        """Remove the lock `lock_id` if present (no event)."""
        self._update_locks(who, [lk for lk in self.locks(who) if lk["id"] != lock_id])

    def _update_locks(self, who: bytes, locks: list[dict[str, Any]]) -> None:
        existed = self.Locks.contains(who)

        def refreeze(d: AccountData, _new: bool) -> None:
            d.misc_frozen = max((lk["amount"] for lk in locks
                                 if lk["reasons"].name in ("Misc", "All")), default=0)
            d.fee_frozen = max((lk["amount"] for lk in locks
                                if lk["reasons"].name in ("Fee", "All")), default=0)

        self._mutate(who, refreeze)
        if not locks:
            self.Locks.remove(who)
            if existed:
                self.system.dec_consumers(who)
            return
        self.Locks.insert(who, locks)
        if not existed:
            try:
                self.system.inc_consumers_without_limit(who)
            except DispatchError:
                pass  # FRAME only logs: a lock on an account without providers

    def slash(self, who: bytes, amount: int) -> int:
        """Take up to `amount` from free, then reserved, ignoring locks; returns what was taken.

        Reaps the account when it drops below ED and has no consumers; otherwise
        keeps ED in it (FRAME's second attempt). Emits Slashed{who, actual}.
        """
        if amount == 0 or self.account_data(who).total == 0:
            return 0
        for attempt in (0, 1):
            def take(d: AccountData, _new: bool, attempt: int = attempt) -> int:
                best = amount if attempt == 0 else min(amount, max(d.total - self.ed, 0))
                from_free = min(d.free, best)
                d.free -= from_free
                from_reserved = min(d.reserved, best - from_free)
                d.reserved -= from_reserved
                return from_free + from_reserved

            try:
                with self.rt.transactional():
                    taken = self._mutate(who, take)
            except DispatchError:
                continue
            self.TotalIssuance.put(self.TotalIssuance.get() - taken)
            self.deposit_event("Slashed", who=who, amount=taken)
            return int(taken)
        return 0

    def deposit_creating(self, who: bytes, amount: int) -> int:
        """Mint `amount` into who (Deposit, then NewAccount/Endowed if new); returns the
        amount minted: 0 when a new account would be below ED."""
        if amount == 0:
            return 0

        def add(d: AccountData, is_new: bool) -> int:
            if is_new and amount < self.ed:
                raise self.error("ExistentialDeposit")
            d.free += amount
            self.deposit_event("Deposit", who=who, amount=amount)
            return amount

        try:
            with self.rt.transactional():
                self._mutate(who, add)
        except DispatchError:
            return 0
        self.TotalIssuance.put(self.TotalIssuance.get() + amount)
        return amount

    def withdraw(self, who: bytes, amount: int, allow_death: bool, reasons: str = "All") -> None:
        """Burn `amount` of who's free balance (Withdraw event; TotalIssuance drops).

        Raises InsufficientBalance, Expendability (would kill and not allow_death),
        LiquidityRestrictions (frozen for `reasons`: "Fee", "Misc" or "All"); then nothing
        has changed.
        """
        if amount == 0:
            return

        def sub(d: AccountData, _new: bool) -> None:
            if d.free < amount:
                raise self.error("InsufficientBalance")
            new_free = d.free - amount
            would_kill = new_free + d.reserved < self.ed <= d.total
            if not allow_death and would_kill:
                raise self.error("Expendability")
            self._ensure_can_withdraw(d, amount, reasons, new_free)
            d.free = new_free
            self.deposit_event("Withdraw", who=who, amount=amount)

        with self.rt.transactional():
            self._mutate(who, sub)
            self.TotalIssuance.put(self.TotalIssuance.get() - amount)

    def reducible_balance(self, who: bytes, keep_alive: bool) -> int:
        """What transfer_all moves: liquid balance, minus what must stay to keep alive."""
        d = self.account_data(who)
        liquid = max(d.free - max(d.fee_frozen, d.misc_frozen), 0)
        if self.system.can_dec_provider(who) and not keep_alive:
            return liquid
        must_remain = max(self.ed - (d.total - liquid), 0)
        return max(liquid - must_remain, 0)

    # -- calls ----------------------------------------------------------------------------
    @call(0, ("dest", MULTI_ADDRESS), ("value", BALANCE))
    def transfer_allow_death(self, origin: Origin, dest: Variant, value: int) -> None:
        """Transfer; the sender may be reaped."""
        self.transfer(ensure_signed(origin), lookup(dest), value, keep_alive=False)

    @call(2, ("source", MULTI_ADDRESS), ("dest", MULTI_ADDRESS), ("value", BALANCE))
    def force_transfer(self, origin: Origin, source: Variant, dest: Variant, value: int) -> None:
        """Root: transfer from any account."""
        ensure_root(origin)
        self.transfer(lookup(source), lookup(dest), value, keep_alive=False)

    @call(3, ("dest", MULTI_ADDRESS), ("value", BALANCE))
    def transfer_keep_alive(self, origin: Origin, dest: Variant, value: int) -> None:
        """Transfer; fails with Expendability if the sender would be reaped."""
        self.transfer(ensure_signed(origin), lookup(dest), value, keep_alive=True)

    @call(4, ("dest", MULTI_ADDRESS), ("keep_alive", BOOL))
    def transfer_all(self, origin: Origin, dest: Variant, keep_alive: bool) -> None:
        """Transfer everything transferable (reducible balance)."""
        who = ensure_signed(origin)
        amount = self.reducible_balance(who, keep_alive)
        self.transfer(who, lookup(dest), amount, keep_alive)

    @call(8, ("who", MULTI_ADDRESS), ("new_free", BALANCE))
    def force_set_balance(self, origin: Origin, who: Variant, new_free: int) -> None:
        """Root: set the free balance (below ED wipes it), adjusting TotalIssuance."""
        ensure_root(origin)
        account = lookup(who)
        if new_free < self.ed:
            new_free = 0
        old: list[int] = []

        def put(d: AccountData, _new: bool) -> None:
            old.append(d.free)
            d.free = new_free

        self._mutate(account, put)
        self.TotalIssuance.put(self.TotalIssuance.get() + new_free - old[0])
        self.deposit_event("BalanceSet", who=account, free=new_free)

    def try_state(self) -> None:
        total = sum(info.data.total for _, info in self.system.Account.iter())
        assert total == self.total_issuance(), (
            f"Balances: TotalIssuance {self.total_issuance()} != sum of accounts {total}")
        for who, locks in self.Locks.iter():
            d = self.account_data(who)
            assert d.misc_frozen == max((lk["amount"] for lk in locks
                                         if lk["reasons"].name != "Fee"), default=0), \
                f"Balances: misc_frozen of 0x{who.hex()} does not match its locks"
