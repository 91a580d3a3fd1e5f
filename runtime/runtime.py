"""Runtime composition and dispatch.

`Runtime` instantiates the pallets at the indices the composition root gives,
builds its own RuntimeCall and RuntimeEvent codecs once (runtime/binding.py), and
dispatches calls inside a storage layer so a failing call never has to undo its own
partial writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from runtime import binding
from runtime.codec import Codec, EnumCodec, Lazy, Variant, with_path
from runtime.config import RuntimeConfig
from runtime.dispatch import ARITHMETIC_ERRORS, ArithmeticError_, DispatchError, Origin
from runtime.pallet import CallDecl, Pallet

# Where metadata puts the outer enums (two segments: py-scalecodec matches on them)
OUTER_CRATE = "phala_emu_runtime"
# The RuntimeCall codec as an argument type (Sudo.sudo(call)): a placeholder that each
# Runtime resolves to its own call codec (never bound process-wide).
RUNTIME_CALL = binding.placeholder(Lazy("RuntimeCall"))


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
        self.pallet_index_of = {name: p.index for name, p in self.pallets.items()}
        self._bind_codecs()
        for p in self.by_index.values():
            for c in type(p).calls():  # argument codecs as this runtime completes them
                args = [(n, self.resolve(a)) for n, a in c.args]
                self._calls[(p.NAME, c.name)] = dataclasses.replace(c, args=args)
        self.phase: Variant = Variant("Initialization")

    def _bind_codecs(self) -> None:
        from runtime.system import DISPATCH_ERROR, RUNTIME_EVENT, DispatchErrorCodec

        outer_call, outer_event = Lazy("RuntimeCall"), Lazy("RuntimeEvent")
        self._bindings: dict[Codec, Codec] = {
            RUNTIME_CALL: outer_call, RUNTIME_EVENT: outer_event,
            DISPATCH_ERROR: DispatchErrorCodec(self)}
        self._memo: binding.Memo = {}
        pallets = list(self.by_index.values())
        self.call_codec = with_path(EnumCodec("RuntimeCall", [
            (p.NAME, self.resolve(type(p).call_codec()), p.index) for p in pallets]),
            f"{OUTER_CRATE}::RuntimeCall")
        self.event_codec = with_path(EnumCodec("RuntimeEvent", [
            (p.NAME, self.resolve(type(p).event_codec()), p.index) for p in pallets]),
            f"{OUTER_CRATE}::RuntimeEvent")
        self.error_codec = with_path(EnumCodec("RuntimeError", [
            (p.NAME, type(p).error_codec(), p.index) for p in pallets if p.ERRORS]),
            f"{OUTER_CRATE}::RuntimeError")
        outer_call.target, outer_event.target = self.call_codec, self.event_codec

    def resolve(self, codec: Codec) -> Codec:
        """A declared codec completed with this runtime's outer call, event and errors."""
        return binding.resolve(codec, self._bindings, self._memo)

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
