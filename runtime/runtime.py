"""Runtime composition and dispatch.

`Runtime` instantiates the pallets at the indices the composition root gives,
builds the RuntimeCall and RuntimeEvent codecs once, and dispatches calls inside a
storage layer so a failing call never has to undo its own partial writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from runtime.codec import EnumCodec, Lazy, Variant
from runtime.config import RuntimeConfig
from runtime.dispatch import ARITHMETIC_ERRORS, ArithmeticError_, DispatchError, Origin
from runtime.pallet import CallDecl, Pallet

# The RuntimeCall codec as an argument type (Sudo.sudo(call)); bound by Runtime().
RUNTIME_CALL = Lazy("RuntimeCall")


class Runtime:
    def __init__(self, pallets: Sequence[tuple[int, type[Pallet]]], state: Any,
                 config: RuntimeConfig | None = None) -> None:
        self.state = state
        self.config = config or RuntimeConfig()
        # Any: each pallet exposes its own storage items and services by name
        self.pallets: dict[str, Any] = {}
        self.by_index: dict[int, Any] = {}
        self._calls: dict[tuple[str, str], CallDecl] = {}
        for idx, cls in sorted(pallets, key=lambda p: p[0]):
            inst = cls(self, idx)
            self.pallets[cls.NAME] = inst
            self.by_index[idx] = inst
            for c in cls.calls():
                self._calls[(cls.NAME, c.name)] = c
        self.pallet_index_of = {name: p.index for name, p in self.pallets.items()}
        self.call_codec = EnumCodec("RuntimeCall", [
            (p.NAME, type(p).call_codec(), p.index) for p in self.by_index.values()])
        self.event_codec = EnumCodec("RuntimeEvent", [
            (p.NAME, type(p).event_codec(), p.index) for p in self.by_index.values()])
        RUNTIME_CALL.target = self.call_codec
        self.phase: Variant = Variant("Initialization")

    def __getitem__(self, name: str) -> Any:
        return self.pallets[name]

    # -- calls --------------------------------------------------------------------
    def call_decl(self, pallet: str, call: str) -> CallDecl:
        try:
            return self._calls[(pallet, call)]
        except KeyError:
            raise KeyError(f"unknown call {pallet}.{call}") from None

    def make_call(self, pallet: str, call: str, /, **args: Any) -> Variant:
        decl = self.call_decl(pallet, call)
        names = [n for n, _ in decl.args]
        if sorted(args) != sorted(names):
            raise TypeError(f"{pallet}.{call} takes {names}, got {sorted(args)}")
        return Variant(pallet, Variant(call, args))

    def encode_call(self, call: Variant) -> bytes:
        return self.call_codec.encode(call)

    def decode_call(self, data: bytes) -> Variant:
        return self.call_codec.decode(data)

    @contextmanager
    def transactional(self) -> Iterator[None]:
        """A storage layer: committed if the block succeeds, rolled back if it raises."""
        self.state.begin()
        try:
            yield
        except BaseException:
            self.state.rollback()
            raise
        self.state.commit()

    def dispatch(self, call: Variant, origin: Origin) -> None:
        """Run the call in its own storage layer; raises DispatchError on failure."""
        pallet = self.pallets[call.name]
        inner: Variant = call.value
        decl = self._calls[(call.name, inner.name)]
        try:
            with self.transactional():
                decl.func(pallet, origin, **inner.value)
        except DispatchError:
            raise
        except Exception as exc:  # checked integer types report Substrate's ArithmeticError
            kind = getattr(exc, "kind", None)
            if kind in ARITHMETIC_ERRORS:
                raise ArithmeticError_(kind) from exc
            raise

    def forget_cached_state(self) -> None:
        """Every pallet drops its in-memory copies of storage (after raw storage writes)."""
        for pallet in self.by_index.values():
            pallet.forget_cached_state()

    # -- events and time -----------------------------------------------------------
    def deposit_event(self, encoded_event: bytes) -> None:
        """Record a RuntimeEvent (pallet index, variant, fields) in the current phase."""
        self.pallets["System"].deposit_event_raw(encoded_event, self.phase)

    def pallet_errors(self) -> dict[int, tuple[str, list[str]]]:
        return {p.index: (p.NAME, [e.name for e in p.ERRORS]) for p in self.by_index.values()}

    def block_number(self) -> int:
        return int(self.pallets["System"].Number.get())

    def now_ms(self) -> int:
        return int(self.pallets["Timestamp"].Now.get())

    def now_secs(self) -> int:
        return self.now_ms() // 1000
