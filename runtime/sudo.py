"""pallet-sudo: one key may dispatch any call as Root (decision 1 call indices).

The extrinsic itself succeeds whenever the signer is the key; the inner call's
outcome is reported in `Sudid`/`SudoAsDone` (`Result<(), DispatchError>`), and a
failing inner call has its writes rolled back by its own dispatch layer.
"""

from __future__ import annotations

from typing import Any

from runtime.balances import MULTI_ADDRESS, lookup
from runtime.codec import ACCOUNT, Enum, Option, Tuple, Variant, with_path
from runtime.dispatch import DispatchError, Origin, ensure_signed
from runtime.pallet import Pallet, call, errors, events
from runtime.runtime import RUNTIME_CALL
from runtime.storage_items import StorageValue
from runtime.system import DISPATCH_ERROR, WEIGHT

DISPATCH_RESULT = with_path(
    Enum("Result<(), DispatchError>", [("Ok", Tuple()), ("Err", DISPATCH_ERROR)]),
    "Result", ("T", Tuple()), ("E", DISPATCH_ERROR))


def _result(error: DispatchError | None) -> Variant:
    return Variant("Ok", ()) if error is None else Variant("Err", error)


class Sudo(Pallet):
    NAME = "Sudo"
    CRATE = "pallet_sudo"
    EVENTS = events(
        ("Sudid", [("sudo_result", DISPATCH_RESULT)], "A sudo call just took place."),
        ("KeyChanged", [("old", Option(ACCOUNT)), ("new", ACCOUNT)], "The sudo key changed."),
        ("KeyRemoved", [], "The key was permanently removed."),
        ("SudoAsDone", [("sudo_result", DISPATCH_RESULT)], "A sudo_as call took place."),
    )
    ERRORS = errors(("RequireSudo", "Sender must be the Sudo account."))

    Key = StorageValue(ACCOUNT, doc="The sudo key (absent: no key).")

    def genesis_build(self, key: bytes | None = None) -> None:
        """Set the sudo key (None: no key)."""
        if key is not None:
            self.Key.put(key)

    def _ensure_key(self, origin: Origin) -> bytes:
        """Raises BadOrigin for an unsigned origin, RequireSudo for any other signer."""
        who = ensure_signed(origin)
        if self.Key.get() != who:
            raise self.error("RequireSudo")
        return who

    def _run(self, inner: Variant, origin: Origin) -> DispatchError | None:
        try:
            self.rt.dispatch(inner, origin)
        except DispatchError as exc:
            return exc
        return None

    @call(0, ("call", RUNTIME_CALL))
    def sudo(self, origin: Origin, call: Variant) -> None:
        """Dispatch `call` as Root; emits Sudid with its result."""
        self._ensure_key(origin)
        self.deposit_event("Sudid", sudo_result=_result(self._run(call, Origin.root())))

    @call(1, ("call", RUNTIME_CALL), ("weight", WEIGHT))
    def sudo_unchecked_weight(self, origin: Origin, call: Variant, weight: Any) -> None:
        """As `sudo`; the weight is accepted and ignored (weights are not modelled)."""
        self._ensure_key(origin)
        self.deposit_event("Sudid", sudo_result=_result(self._run(call, Origin.root())))

    @call(2, ("new", MULTI_ADDRESS))
    def set_key(self, origin: Origin, new: Variant) -> None:
        """Hand the key to `new`; emits KeyChanged{old, new}."""
        old = self._ensure_key(origin)
        new_key = lookup(new)
        self.Key.put(new_key)
        self.deposit_event("KeyChanged", old=old, new=new_key)

    @call(3, ("who", MULTI_ADDRESS), ("call", RUNTIME_CALL))
    def sudo_as(self, origin: Origin, who: Variant, call: Variant) -> None:
        """Dispatch `call` signed by `who`; emits SudoAsDone with its result."""
        self._ensure_key(origin)
        target = lookup(who)
        self.deposit_event("SudoAsDone",
                           sudo_result=_result(self._run(call, Origin.signed(target))))
