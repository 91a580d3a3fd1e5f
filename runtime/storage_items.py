"""FRAME storage items: values, maps, double maps and n-maps with Substrate key hashing.

Declared as class attributes of a pallet; accessed through the pallet instance,
which binds them to the runtime's state (an overlay with get/set/delete/iter_prefix):

    class StakePool(Pallet):
        NAME = "PhalaStakePool"
        PoolCount = StorageValue(U64, default=0)
        StakePools = StorageMap("Twox64Concat", U64, POOL_INFO)

    self.PoolCount.put(self.PoolCount.get() + 1)

Key layout (substrate.md §2.1): twox128(pallet) ++ twox128(item) ++ H1(k1) ++ ...
A map whose key type is a tuple hashes the whole tuple encoding as one blob; use
`StorageMap(h, Tuple(...), V)` for that and `StorageDoubleMap`/`StorageNMap` for
per-component hashing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from runtime.binding import needs_binding
from runtime.codec import Codec
from runtime.hashing import HASHERS, storage_prefix
from runtime.scale import decode_compact, encode_compact

_UNSET: Any = object()


class State(Protocol):
    def get(self, key: bytes) -> bytes | None: ...
    def set(self, key: bytes, value: bytes) -> None: ...
    def delete(self, key: bytes) -> None: ...
    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]: ...


class StorageItem:
    """Common part: name, pallet prefix, value codec and the absent-value rule."""

    kind = "value"

    def __init__(self, value: Codec, default: Any = _UNSET, doc: str = "") -> None:
        self.value = value
        # ValueQuery when a default is given (a callable is called per read: mutable defaults)
        self._default = default
        self.doc = doc
        self.name = ""
        self.pallet = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @property
    def is_option(self) -> bool:
        return self._default is _UNSET

    def default(self) -> Any:
        if self._default is _UNSET:
            return None
        return self._default() if callable(self._default) else self._default

    def prefix(self, pallet: str) -> bytes:
        return storage_prefix(pallet, self.name)

    def decode_value(self, raw: bytes | None) -> Any:
        return self.default() if raw is None else self.value.decode(raw)

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        bound = self.bind(instance.NAME, lambda: instance.rt.state)
        if needs_binding(self.value):  # e.g. System.Events: this runtime's RuntimeEvent
            codec = instance.rt.resolve(self.value)
            bound._enc, bound._dec = codec.encode, codec.decode
        instance.__dict__[self.name] = bound  # cache: later reads skip the descriptor
        return bound

    def bind(self, pallet: str, state: Callable[[], State]) -> Any:
        raise NotImplementedError


class _BoundBase:
    def __init__(self, item: Any, pallet: str, state: Callable[[], State]) -> None:
        self.item = item
        self.pallet = pallet
        self._state = state
        self.prefix = item.prefix(pallet)
        self._enc = item.value.encode
        self._dec = item.value.decode

    def _read(self, key: bytes) -> Any:
        raw = self._state().get(key)
        return self.item.default() if raw is None else self._dec(raw)


class StorageValue(StorageItem):
    kind = "value"

    def bind(self, pallet: str, state: Callable[[], State]) -> BoundValue:
        return BoundValue(self, pallet, state)


class BoundValue(_BoundBase):
    def get(self) -> Any:
        return self._read(self.prefix)

    def put(self, v: Any) -> None:
        self._state().set(self.prefix, self._enc(v))

    def kill(self) -> None:
        self._state().delete(self.prefix)

    def exists(self) -> bool:
        return self._state().get(self.prefix) is not None

    def take(self) -> Any:
        v = self.get()
        self.kill()
        return v

    def raw(self) -> bytes | None:
        return self._state().get(self.prefix)

    def append_raw(self, item_bytes: bytes) -> None:
        """Append one encoded element to a stored Vec without decoding it (System.Events)."""
        st = self._state()
        cur = st.get(self.prefix)
        if cur is None:
            st.set(self.prefix, b"\x04" + item_bytes)
            return
        n, off = decode_compact(cur, 0)
        st.set(self.prefix, encode_compact(n + 1) + cur[off:] + item_bytes)


class StorageNMap(StorageItem):
    """Map with one hashed key part per component: keys = [(hasher name, codec), ...]."""

    kind = "map"

    def __init__(self, keys: Sequence[tuple[str, Codec]], value: Codec,
                 default: Any = _UNSET, doc: str = "") -> None:
        super().__init__(value, default, doc)
        self.keys = [(HASHERS[h], c) for h, c in keys]
        self.hasher_names = [h for h, _ in keys]

    def key_suffix(self, parts: Sequence[Any]) -> bytes:
        if len(parts) != len(self.keys):
            raise TypeError(f"{self.name} takes {len(self.keys)} key part(s), got {len(parts)}")
        return b"".join(h.hash(c.encode(p)) for (h, c), p in zip(self.keys, parts, strict=True))

    def decode_key(self, suffix: bytes) -> tuple[Any, ...]:
        """Recover the key parts from a full key suffix (reversible hashers only)."""
        out, off = [], 0
        for h, c in self.keys:
            if h.prefix_len is None:
                raise ValueError(f"{self.name}: hasher is not reversible")
            off += h.prefix_len
            v, off = c.decode_from(suffix, off)
            out.append(v)
        if off != len(suffix):
            raise ValueError(f"{self.name}: trailing key bytes")
        return tuple(out)

    def bind(self, pallet: str, state: Callable[[], State]) -> BoundNMap:
        return BoundNMap(self, pallet, state)


class BoundNMap(_BoundBase):
    def _key(self, parts: Sequence[Any]) -> bytes:
        return self.prefix + self.item.key_suffix(parts)

    def get(self, *parts: Any) -> Any:
        return self._read(self._key(parts))

    def insert(self, *parts_and_value: Any) -> None:
        *parts, v = parts_and_value
        self._state().set(self._key(parts), self._enc(v))

    def remove(self, *parts: Any) -> None:
        self._state().delete(self._key(parts))

    def contains(self, *parts: Any) -> bool:
        return self._state().get(self._key(parts)) is not None

    def take(self, *parts: Any) -> Any:
        key = self._key(parts)
        v = self._read(key)
        self._state().delete(key)
        return v

    def iter(self) -> Iterator[tuple[tuple[Any, ...], Any]]:
        """(key parts, value) for every entry, in storage-key order."""
        n = len(self.prefix)
        for k, raw in self._state().iter_prefix(self.prefix):
            yield self.item.decode_key(k[n:]), self._dec(raw)

    def iter_prefix_parts(self, *first: Any) -> Iterator[tuple[tuple[Any, ...], Any]]:
        """Entries whose leading key parts equal `first` (double map iter_prefix)."""
        pre = self.prefix + b"".join(
            h.hash(c.encode(p)) for (h, c), p in zip(self.item.keys, first, strict=False))
        n = len(self.prefix)
        for k, raw in self._state().iter_prefix(pre):
            yield self.item.decode_key(k[n:]), self._dec(raw)

    def clear(self) -> int:
        keys = [k for k, _ in self._state().iter_prefix(self.prefix)]
        for k in keys:
            self._state().delete(k)
        return len(keys)


class StorageMap(StorageNMap):
    """Single-key map; key/value arguments are plain (not tuples of parts)."""

    def __init__(self, hasher: str, key: Codec, value: Codec,
                 default: Any = _UNSET, doc: str = "") -> None:
        super().__init__([(hasher, key)], value, default, doc)

    def bind(self, pallet: str, state: Callable[[], State]) -> BoundMap:
        return BoundMap(self, pallet, state)


class BoundMap(BoundNMap):
    def iter(self) -> Iterator[tuple[Any, Any]]:  # type: ignore[override]
        for parts, v in super().iter():
            yield parts[0], v

    def keys(self) -> list[Any]:
        return [k for k, _ in self.iter()]


class StorageDoubleMap(StorageNMap):
    def __init__(self, hasher1: str, key1: Codec, hasher2: str, key2: Codec, value: Codec,
                 default: Any = _UNSET, doc: str = "") -> None:
        super().__init__([(hasher1, key1), (hasher2, key2)], value, default, doc)
