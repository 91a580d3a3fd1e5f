"""The pallet base: calls, events, errors and hooks with stable indices.

A pallet reads top to bottom like its spec:

    class StakePool(Pallet):
        NAME = "PhalaStakePool"                     # storage prefix and runtime name
        EVENTS = events(
            ("PoolCreated", [("owner", ACCOUNT), ("pid", U64)], "A pool was created."),
        )
        ERRORS = errors(
            ("WorkerNotRegistered", "The worker is not in the registry."),
        )
        PoolCount = StorageValue(U64, default=0)

        @call(0)
        def create(self, origin: Origin) -> None:
            who = ensure_signed(origin)
            ...
            self.deposit_event("PoolCreated", owner=who, pid=pid)

        @call(1, ("pid", U64), ("pubkey", PUBKEY))
        def add_worker(self, origin, pid, pubkey): ...

Indices: events and errors by declaration position; calls by the index given.
The pallet index comes from the runtime composition (node), never from the pallet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.binding import needs_binding
from runtime.codec import Codec, EnumCodec, StructCodec, with_path
from runtime.dispatch import ModuleError

if TYPE_CHECKING:
    from runtime.config import RuntimeConfig
    from runtime.runtime import Runtime


@dataclass(frozen=True)
class EventDecl:
    name: str
    index: int
    fields: list[tuple[str, Codec]]
    doc: str


@dataclass(frozen=True)
class ErrorDecl:
    name: str
    index: int
    doc: str


@dataclass(frozen=True)
class CallDecl:
    name: str
    index: int
    args: list[tuple[str, Codec]]
    doc: str
    func: Callable[..., Any]


@dataclass(frozen=True)
class ConstantDecl:
    name: str
    codec: Codec
    value: Callable[[RuntimeConfig], Any]   # read from the runtime's config
    doc: str


def constants(*decls: tuple[str, Codec, Callable[[RuntimeConfig], Any], str]
              | tuple[str, Codec, Callable[[RuntimeConfig], Any]]) -> list[ConstantDecl]:
    """Declare a pallet's constants (its `Config` values, as metadata lists them):
    (name, codec, config -> value, doc)."""
    return [ConstantDecl(d[0], d[1], d[2], d[3] if len(d) > 3 else "")  # type: ignore[misc]
            for d in decls]


def events(*decls: tuple[str, Sequence[tuple[str, Codec]], str]
           | tuple[str, Sequence[tuple[str, Codec]]]) -> list[EventDecl]:
    """Declare a pallet's events in index order: (name, [(field, codec)...], doc)."""
    return [EventDecl(d[0], i, list(d[1]), d[2] if len(d) > 2 else "")  # type: ignore[misc]
            for i, d in enumerate(decls)]


def errors(*decls: tuple[str, str] | str) -> list[ErrorDecl]:
    """Declare a pallet's errors in index order: (name, doc) or just name."""
    out = []
    for i, d in enumerate(decls):
        name, doc = (d, "") if isinstance(d, str) else d
        out.append(ErrorDecl(name, i, doc))
    return out


CallFn = Callable[..., Any]


def call(index: int, *args: tuple[str, Codec]) -> Callable[[CallFn], CallFn]:
    """Mark a method as the dispatchable with this call index and argument codecs."""

    def mark(func: Callable[..., Any]) -> Callable[..., Any]:
        func.__call_decl__ = (index, list(args))  # type: ignore[attr-defined]
        return func

    return mark


def _enum_of(cls: type[Pallet], kind: str, codec: EnumCodec, docs: dict[str, str]) -> EnumCodec:
    """A pallet enum as metadata describes it: FRAME's path and each variant's docs."""
    if cls.CRATE:
        with_path(codec, f"{cls.CRATE}::pallet::{kind}")
    codec.variant_docs = docs  # type: ignore[attr-defined]
    return codec


class Pallet:
    NAME: str = ""
    EVENTS: list[EventDecl] = []
    ERRORS: list[ErrorDecl] = []
    CONSTANTS: list[ConstantDecl] = []
    # The Rust crate (and module) metadata places the pallet's enums under, e.g.
    # "pallet_balances" gives `pallet_balances::pallet::Call`.
    CRATE: str = ""
    _call_codec: EnumCodec | None = None    # per-class caches (read through cls.__dict__)
    _event_codec: EnumCodec | None = None
    _error_codec: EnumCodec | None = None

    def __init__(self, rt: Runtime, index: int) -> None:
        self.rt = rt
        self.index = index
        self._events = {e.name: e for e in self.EVENTS}
        self._errors = {e.name: e for e in self.ERRORS}
        self._resolved: dict[str, list[Codec]] = {}

    def forget_cached_state(self) -> None:
        """Drop in-memory copies of storage: raw storage writes (System.set_storage, ...)
        may have changed what they mirror. Pallets that keep such copies override this."""

    # -- declarations ---------------------------------------------------------
    @classmethod
    def calls(cls) -> list[CallDecl]:
        found: dict[int, CallDecl] = {}
        for klass in reversed(cls.__mro__):
            for attr, func in vars(klass).items():
                decl = getattr(func, "__call_decl__", None)
                if decl is None:
                    continue
                idx, args = decl
                found[idx] = CallDecl(attr, idx, args, (func.__doc__ or "").strip(), func)
        return [found[i] for i in sorted(found)]

    @classmethod
    def call_codec(cls) -> EnumCodec:
        """The pallet's Call enum as declared (built once per class; placeholders unresolved)."""
        cached = cls.__dict__.get("_call_codec")
        if cached is None:
            decls = cls.calls()
            cached = EnumCodec(f"{cls.NAME}::Call", [
                (c.name, StructCodec(f"{cls.NAME}::{c.name}", c.args), c.index) for c in decls])
            cls._call_codec = _enum_of(cls, "Call", cached, {c.name: c.doc for c in decls})
        return cached

    @classmethod
    def event_codec(cls) -> EnumCodec:
        """The pallet's Event enum as declared (built once per class)."""
        cached = cls.__dict__.get("_event_codec")
        if cached is None:
            cached = EnumCodec(f"{cls.NAME}::Event", [
                (e.name, StructCodec(f"{cls.NAME}::{e.name}", e.fields) if e.fields else None,
                 e.index) for e in cls.EVENTS])
            cls._event_codec = _enum_of(cls, "Event", cached, {e.name: e.doc for e in cls.EVENTS})
        return cached

    @classmethod
    def storage_items(cls) -> dict[str, Any]:
        from runtime.storage_items import StorageItem

        out: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            for attr, v in vars(klass).items():
                if isinstance(v, StorageItem):
                    out[attr] = v
        return out

    @classmethod
    def error_codec(cls) -> EnumCodec:
        """The pallet's Error enum (variants without fields, as FRAME's)."""
        cached = cls.__dict__.get("_error_codec")
        if cached is None:
            cached = EnumCodec(f"{cls.NAME}::Error", [(e.name, None, e.index) for e in cls.ERRORS])
            cls._error_codec = _enum_of(cls, "Error", cached, {e.name: e.doc for e in cls.ERRORS})
        return cached

    def constant(self, name: str) -> Any:
        """The value of a declared constant in this runtime's config."""
        for c in self.CONSTANTS:
            if c.name == name:
                return c.value(self.rt.config)
        raise KeyError(f"{self.NAME} declares no constant {name!r}")

    # -- runtime services ------------------------------------------------------
    def error(self, name: str) -> ModuleError:
        """The ModuleError for one of this pallet's declared errors (raise it)."""
        decl = self._errors.get(name)
        if decl is None:
            raise KeyError(f"{self.NAME} declares no error {name!r}")
        return ModuleError(self.NAME, decl.index, name)

    def deposit_event(self, name: str, *args: Any, **fields: Any) -> None:
        """Encode and record an event of this pallet (positional or keyword fields)."""
        decl = self._events.get(name)
        if decl is None:
            raise KeyError(f"{self.NAME} declares no event {name!r}")
        if args:
            if len(args) != len(decl.fields) or fields:
                raise TypeError(f"{self.NAME}.{name} takes {len(decl.fields)} fields")
            values = args
        else:
            values = tuple(fields[n] for n, _ in decl.fields)
            if len(fields) != len(decl.fields):
                raise TypeError(f"{self.NAME}.{name}: fields {sorted(fields)} != "
                                f"{[n for n, _ in decl.fields]}")
        body = b"".join(c.encode(v) for c, v in zip(self._field_codecs(decl), values, strict=True))
        self.rt.deposit_event(bytes([self.index, decl.index]) + body)

    def _field_codecs(self, decl: EventDecl) -> list[Codec]:
        """The event's field codecs, completed by this runtime where they need it."""
        found = self._resolved.get(decl.name)
        if found is None:
            found = [self.rt.resolve(c) if needs_binding(c) else c for _, c in decl.fields]
            self._resolved[decl.name] = found
        return found

    # -- hooks (override as needed) -------------------------------------------
    def on_initialize(self, n: int) -> None:
        pass

    def on_finalize(self, n: int) -> None:
        pass

    def on_post_finalize(self, n: int) -> None:
        """Runs after every pallet's on_finalize, before the state root.

        The in-runtime Gatekeeper (spec README decision 4) uses it: only then is the
        block's outbound message stream complete (the stake pool's forced stops
        happen in its own on_finalize, after the mining pallet's).
        """

    def try_state(self) -> None:
        """Check the pallet's invariants; raise AssertionError naming the broken one."""
