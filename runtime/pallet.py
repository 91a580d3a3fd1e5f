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

from runtime.codec import Codec, EnumCodec, StructCodec
from runtime.dispatch import ModuleError

if TYPE_CHECKING:
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


class Pallet:
    NAME: str = ""
    EVENTS: list[EventDecl] = []
    ERRORS: list[ErrorDecl] = []

    def __init__(self, rt: Runtime, index: int) -> None:
        self.rt = rt
        self.index = index
        self._events = {e.name: e for e in self.EVENTS}
        self._errors = {e.name: e for e in self.ERRORS}

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
        return EnumCodec(f"{cls.NAME}::Call", [
            (c.name, StructCodec(f"{cls.NAME}::{c.name}", c.args), c.index) for c in cls.calls()
        ])

    @classmethod
    def event_codec(cls) -> EnumCodec:
        return EnumCodec(f"{cls.NAME}::Event", [
            (e.name, StructCodec(f"{cls.NAME}::{e.name}", e.fields) if e.fields else None,
             e.index) for e in cls.EVENTS
        ])

    @classmethod
    def storage_items(cls) -> dict[str, Any]:
        from runtime.storage_items import StorageItem

        out: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            for attr, v in vars(klass).items():
                if isinstance(v, StorageItem):
                    out[attr] = v
        return out

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
        body = b"".join(c.encode(v) for (_, c), v in zip(decl.fields, values, strict=True))
        self.rt.deposit_event(bytes([self.index, decl.index]) + body)

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
