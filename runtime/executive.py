"""The block executive: frame-executive's per-block sequence (substrate.md §8.1, §8.2, §5).

    initialize_block(n, parent_hash, timestamp_ms)   System.initialize, on_initialize hooks,
                                                      then the Timestamp.set inherent as ext 0
    apply_extrinsic(bytes) -> ApplyResult            checks, nonce bump + tip (permanent),
                                                      call in its own layer, outcome event
    finalize_block() -> Header                        on_finalize hooks, roots, header
    execute_block(block bytes) -> Header              all of the above, verifying the roots

No fees are charged (decision 7); a tip is burned with Balances.withdraw. The
executive never prints; failures are exceptions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from runtime.codec import Variant
from runtime.dispatch import DispatchError, Origin
from runtime.extrinsic import BARE_V4
from runtime.header import Header, decode_block
from runtime.runtime import Runtime
from runtime.scale import ScaleDecodeError, encode_compact
from runtime.system import EVENT_RECORDS, PHASE, dispatch_info
from runtime.validity import (
    InvalidTransaction,
    UnknownTransaction,
    ValidTransaction,
    check_signed,
    decode_extrinsic,
)
from storage.trie import ordered_trie_root

INHERENTS = {("Timestamp", "set")}  # Mandatory-class calls, only valid unsigned, first


class BlockVerificationError(Exception):
    """An imported block whose recomputed field differs from the one it carries."""

    def __init__(self, field: str, expected: bytes, got: bytes) -> None:
        super().__init__(f"block {field} mismatch: block says 0x{expected.hex()}, "
                         f"execution gives 0x{got.hex()}")
        self.field, self.expected, self.got = field, expected, got


class InvalidBlock(Exception):
    """A block that cannot be executed (invalid extrinsic, missing inherent, bad bytes)."""


class ApplyResult:
    """Outcome of one included extrinsic; `events` are decoded on first access."""

    __slots__ = ("index", "success", "error", "_rt", "_first", "_last", "_events")

    def __init__(self, rt: Runtime, index: int, error: DispatchError | None,
                 first: int, last: int) -> None:
        self.index, self.success, self.error = index, error is None, error
        self._rt, self._first, self._last = rt, first, last
        self._events: list[Any] | None = None

    @property
    def events(self) -> list[Variant]:
        """The RuntimeEvents this extrinsic deposited, outcome event last."""
        if self._events is None:
            records = self._rt.pallets["System"].event_records()
            self._events = [r["event"] for r in records[self._first:self._last]]
        return self._events


def _bare(call: bytes) -> bytes:
    body = bytes([BARE_V4]) + call
    return encode_compact(len(body)) + body


class Executive:
    def __init__(self, rt: Runtime, state_root: Callable[[], bytes] | None = None,
                 extrinsics_layout: int = 0) -> None:
        """`state_root` returns the root of the current state (ChainState.root when the
        state is a ChainState's overlay); without one the header carries 32 zero bytes."""
        self.rt = rt
        self.system = rt.pallets["System"]
        self.state_root = state_root or (lambda: bytes(32))
        self.extrinsics_layout = extrinsics_layout
        self._hooks = [p for _, p in sorted(rt.by_index.items())]

    # -- block start ---------------------------------------------------------------------
    def initialize_block(self, number: int, parent_hash: bytes, timestamp_ms: int | None,
                         digest: Sequence[Variant] = ()) -> ApplyResult | None:
        """System.initialize, on_initialize hooks (phase Initialization), then the
        timestamp inherent as extrinsic 0 when `timestamp_ms` is given.

        Raises InvalidTransaction::BadMandatory when the timestamp is rejected.
        """
        self.system.initialize(number, parent_hash, list(digest))
        for pallet in self._hooks:
            pallet.on_initialize(number)
        self.system._set_phase(Variant("ApplyExtrinsic", 0))
        if timestamp_ms is None:
            return None
        return self.apply_extrinsic(self.timestamp_extrinsic(timestamp_ms))

    def timestamp_extrinsic(self, timestamp_ms: int) -> bytes:
        """The bare (0x04) `Timestamp.set(now)` inherent extrinsic."""
        call = self.rt.make_call("Timestamp", "set", now=timestamp_ms)
        return _bare(self.rt.encode_call(call))

    # -- validity ------------------------------------------------------------------------
    def validate_transaction(self, ext_bytes: bytes, for_pool: bool = True) -> ValidTransaction:
        """Check an extrinsic against the current state without keeping any change.

        Raises InvalidTransaction (Call, BadSigner, AncientBirthBlock, BadProof, Stale,
        Future outside the pool, ExhaustsResources, Payment, MandatoryValidation) or
        UnknownTransaction::NoUnsignedValidator.
        """
        ext, call = decode_extrinsic(self.rt, ext_bytes)
        if (call.name, call.value.name) in INHERENTS:
            raise InvalidTransaction("MandatoryValidation")
        if ext.signed is None:
            return self._validate_unsigned(call, for_pool)
        valid = check_signed(self.rt, ext, len(ext_bytes), for_pool)
        self.rt.state.begin()
        try:
            self._charge_tip(ext.signed.signer, ext.signed.tip)
        finally:
            self.rt.state.rollback()
        return valid

    def _validate_unsigned(self, call: Variant, for_pool: bool) -> ValidTransaction:
        validator = getattr(self.rt.pallets[call.name], "validate_unsigned", None)
        if validator is None:
            raise UnknownTransaction("NoUnsignedValidator")
        return validator(call.value, for_pool)  # type: ignore[no-any-return]

    def _charge_tip(self, who: bytes, tip: int) -> None:
        """Burn the tip (keep-alive); raises InvalidTransaction::Payment when it cannot."""
        if tip == 0:
            return
        try:
            self.rt.pallets["Balances"].withdraw(who, tip, allow_death=False, reasons="All")
        except DispatchError:
            raise InvalidTransaction("Payment") from None

    # -- application ---------------------------------------------------------------------
    def apply_extrinsic(self, ext_bytes: bytes) -> ApplyResult:
        """Check and apply one extrinsic of the current block.

        Invalid extrinsics raise InvalidTransaction/UnknownTransaction and change nothing.
        Otherwise the nonce bump and tip burn are permanent, the call runs in its own
        storage layer (rolled back on error) and ExtrinsicSuccess/ExtrinsicFailed follows.
        """
        ext, call = decode_extrinsic(self.rt, ext_bytes)
        mandatory = (call.name, call.value.name) in INHERENTS
        state = self.rt.state
        first = self.system.EventCount.get()  # the tip's Withdraw belongs to this extrinsic
        state.begin()
        try:
            if ext.signed is None:
                if mandatory:
                    if self.system.extrinsic_index() != 0:
                        raise InvalidTransaction("BadMandatory", "inherent not first")
                else:
                    self._validate_unsigned(call, False)
                origin = Origin.none()
            else:
                s = ext.signed
                check_signed(self.rt, ext, len(ext_bytes), False)
                self.system.inc_account_nonce(s.signer)
                self._charge_tip(s.signer, s.tip)
                origin = Origin.signed(s.signer)
            result = self._dispatch_and_note(call, origin, ext_bytes, mandatory, first)
        except BaseException:
            state.rollback()
            raise
        state.commit()
        return result

    def apply_trusted(self, call: Variant, origin: Origin) -> ApplyResult:
        """Apply a call as an extrinsic without signature checks (test harness path).

        A signed origin gets its nonce bumped; ExtrinsicData holds the bare encoding.
        """
        first = self.system.EventCount.get()
        if origin.kind == "signed":
            self.system.inc_account_nonce(origin.who)
        return self._dispatch_and_note(call, origin, _bare(self.rt.encode_call(call)), False,
                                       first)

    def _dispatch_and_note(self, call: Variant, origin: Origin, ext_bytes: bytes,
                           mandatory: bool, first: int) -> ApplyResult:
        system = self.system
        index = system.extrinsic_index()
        system.note_extrinsic(ext_bytes)
        error: DispatchError | None = None
        try:
            self.rt.dispatch(call, origin)
        except DispatchError as exc:
            if mandatory:
                raise InvalidTransaction("BadMandatory", exc.describe()) from None
            error = exc
        system.note_applied_extrinsic(error, dispatch_info(mandatory))
        return ApplyResult(self.rt, index, error, first, system.EventCount.get())

    # -- block end -----------------------------------------------------------------------
    def finalize_block(self) -> Header:
        """on_finalize hooks (phase Finalization), extrinsics root, pruning, state root.

        Raises InvalidBlock when the timestamp inherent was not applied.
        """
        system = self.system
        if "Timestamp" in self.rt.pallets and not self.rt.pallets["Timestamp"].DidUpdate.get():
            raise InvalidBlock("the block has no Timestamp.set inherent")
        system.note_finished_extrinsics()
        number = system.Number.get()
        for pallet in self._hooks:
            pallet.on_finalize(number)
        for pallet in self._hooks:  # after every on_finalize: the outbound stream is complete
            pallet.on_post_finalize(number)
        extrinsics = system.finalize()
        ext_root = ordered_trie_root(extrinsics, self.extrinsics_layout)
        return Header(system.ParentHash.get(), number, self.state_root(), ext_root,
                      list(system.Digest.get()["logs"]))

    def execute_block(self, block: bytes) -> Header:
        """Re-execute an encoded block on the current state and verify its roots.

        Raises InvalidBlock (bad bytes, invalid extrinsic), BlockVerificationError
        (extrinsics_root or state_root differ). The caller discards the state on error.
        """
        try:
            header, extrinsics = decode_block(block)
        except ScaleDecodeError as exc:
            raise InvalidBlock(f"undecodable block: {exc}") from None
        self.initialize_block(header.number, header.parent_hash, None, header.digest)
        for i, ext in enumerate(extrinsics):
            try:
                self.apply_extrinsic(ext)
            except (InvalidTransaction, UnknownTransaction) as exc:
                raise InvalidBlock(f"extrinsic {i}: {exc}") from None
        got = self.finalize_block()
        if got.extrinsics_root != header.extrinsics_root:
            raise BlockVerificationError("extrinsics_root", header.extrinsics_root,
                                         got.extrinsics_root)
        if got.state_root != header.state_root:
            raise BlockVerificationError("state_root", header.state_root, got.state_root)
        return got


def decode_event_records(rt: Runtime, raw: bytes | None) -> list[dict[str, Any]]:
    """Decode a stored System.Events value (e.g. one saved from an earlier block)."""
    if raw is None:
        return []
    return rt.resolve(EVENT_RECORDS).decode(raw)  # type: ignore[no-any-return]


__all__ = ["PHASE", "ApplyResult", "BlockVerificationError", "Executive", "InvalidBlock",
           "decode_event_records"]
