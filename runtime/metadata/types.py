"""scale-info's portable type registry, built by walking our codec trees.

Each codec maps to one `Type {path, params, def, docs}` (runtime/metadata/layout.py) whose
SCALE description reproduces the codec's bytes exactly. Types are registered once: by codec
identity, and by structure (two codecs describing the same type share an id). Recursive
types (RuntimeCall inside Sudo.sudo) get their id reserved when the recursion is found.

Mapping rules (the codec kinds of runtime/codec.py and the custom ones):
* UInt / bool / str -> Primitive; CompactCodec -> Compact; FixedBytes -> Array of u8;
  BytesCodec -> Sequence of u8; VecCodec -> Sequence; OptionCodec -> `Option` variant.
* StructCodec -> Composite with named fields; a TupleCodec with a path -> Composite with
  unnamed fields (a Rust tuple struct), without a path -> Tuple.
* EnumCodec / CEnum -> Variant, indices as declared. A variant's payload becomes named
  fields if it is an unnamed struct, unnamed fields if an unnamed tuple, else one field.
* A leaf or unbounded vector with a path (AccountId32, H256, OpaqueMetadata) -> Composite
  wrapping its plain type.
* Bounded vectors -> `bounded_collections::bounded_vec::BoundedVec` around the Vec.
* PermillCodec -> `Permill(u32)`; FixedPointCodec -> `FixedU128 { bits: u128 }`.
* A codec with `metadata_twin()` (Era, DispatchError) is described by the twin it
  returns: an equivalent codec built from the kinds above.
* Lazy -> its target (the runtime's own codec).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from runtime.codec import (
    U8,
    U32,
    U128,
    BoolCodec,
    BytesCodec,
    CEnum,
    Codec,
    CompactCodec,
    EnumCodec,
    FixedBytes,
    FixedPointCodec,
    Lazy,
    OptionCodec,
    PermillCodec,
    StrCodec,
    StructCodec,
    TupleCodec,
    UInt,
    VecCodec,
)
from runtime.codec import Variant as V

BOUNDED_VEC = "bounded_collections::bounded_vec::BoundedVec"

Json = dict[str, Any]


def _field(name: str | None, ty: int, type_name: str | None = None) -> Json:
    return {"name": name, "ty": ty, "type_name": type_name, "docs": []}


def docs(text: str) -> list[str]:
    """A docstring as metadata's lines (indentation and surrounding blank lines dropped)."""
    return [line.strip() for line in text.strip().splitlines()] if text.strip() else []


class TypeRegistry:
    """Assigns ids to codecs; `types` is the registry in id order (`PortableType`s)."""

    def __init__(self, resolve: Callable[[Codec], Codec] = lambda c: c) -> None:
        self._resolve = resolve       # completes placeholders (Runtime.resolve)
        self._types: list[Json | None] = []
        self._by_codec: dict[int, tuple[Codec, int]] = {}
        self._by_shape: dict[Any, int] = {}
        self._open: dict[int, int | None] = {}    # codecs being described -> reserved id
        self._twins: dict[int, tuple[Codec, Codec]] = {}

    @property
    def types(self) -> list[Json]:
        out = []
        for i, t in enumerate(self._types):
            assert t is not None, f"type {i} was reserved but never described"
            out.append({"id": i, "ty": t})
        return out

    def id_of(self, codec: Codec) -> int:
        codec = self._resolve(codec)
        while isinstance(codec, Lazy):
            if codec.target is None:
                raise TypeError(f"{codec.type_string}: a placeholder no runtime completed")
            codec = codec.target
        key = id(codec)
        known = self._by_codec.get(key)
        if known is not None and known[0] is codec:
            return known[1]
        if key in self._open:  # recursion: reserve the id now, fill it in when done
            reserved = self._open[key]
            if reserved is None:
                reserved = self._open[key] = len(self._types)
                self._types.append(None)
            return reserved
        self._open[key] = None
        try:
            ty = self._describe(codec)
        finally:
            reserved = self._open.pop(key)
        if reserved is not None:
            self._types[reserved] = ty
            tid = reserved
        else:
            tid = self._register_plain(ty)
        self._by_codec[key] = (codec, tid)
        return tid

    # -- descriptions ------------------------------------------------------------------------
    def _describe(self, codec: Codec) -> Json:
        twin = getattr(codec, "metadata_twin", None)
        if twin is not None:
            cached = self._twins.get(id(codec))
            if cached is None or cached[0] is not codec:
                cached = self._twins[id(codec)] = (codec, twin())
            return self._with_path(codec, self._describe(cached[1]))
        return self._with_path(codec, self._def(codec))

    def _with_path(self, codec: Codec, ty: Json) -> Json:
        if codec.path is not None:
            ty["path"] = codec.path.split("::")
        if codec.params:
            ty["params"] = [{"name": n, "ty": None if c is None else self.id_of(c)}
                            for n, c in codec.params]
        return ty

    def _def(self, codec: Codec) -> Json:  # noqa: PLR0911 - one case per codec kind
        if isinstance(codec, PermillCodec):
            return _type([], V("Composite", {"fields": [_field(None, self.id_of(U32), "u32")]}))
        if isinstance(codec, FixedPointCodec):
            return _type([], V("Composite", {"fields": [_field("bits", self.id_of(U128),
                                                                "u128")]}))
        if isinstance(codec, UInt | BoolCodec | StrCodec):
            if codec.path is not None:
                return self._wrap(codec)
            return _type([], V("Primitive", V(_primitive(codec))))
        if isinstance(codec, CompactCodec):
            return _type([], V("Compact", {"ty": self.id_of(codec.inner)}))
        if isinstance(codec, FixedBytes):
            if codec.path is not None:
                return self._wrap(codec)
            return _type([], V("Array", {"len": codec.n, "ty": self.id_of(U8)}))
        if isinstance(codec, BytesCodec):
            return self._sequence(codec, U8, codec.max_len)
        if isinstance(codec, VecCodec):
            return self._sequence(codec, codec.inner, codec.max_len)
        if isinstance(codec, OptionCodec):
            return {"path": ["Option"], "params": [{"name": "T", "ty": self.id_of(codec.inner)}],
                    "def": V("Variant", {"variants": [
                        _variant("None", [], 0),
                        _variant("Some", [_field(None, self.id_of(codec.inner),
                                                 codec.inner.type_string)], 1)]}),
                    "docs": []}
        if isinstance(codec, TupleCodec):
            if codec.path is not None:
                return _type([], V("Composite", {"fields": [
                    _field(None, self.id_of(c), c.type_string) for c in codec.items]}))
            return _type([], V("Tuple", [self.id_of(c) for c in codec.items]))
        if isinstance(codec, StructCodec):
            return _type([], V("Composite", {"fields": [
                _field(n, self.id_of(c), c.type_string) for n, c in codec.fields]}))
        if isinstance(codec, EnumCodec):
            docs = getattr(codec, "variant_docs", {})
            return _type([], V("Variant", {"variants": [
                _variant(name, self._variant_fields(payload), idx, docs.get(name, ""))
                for idx, (name, payload) in sorted(codec.by_index.items())]}))
        if isinstance(codec, CEnum):
            members = sorted(codec.cls, key=lambda m: m.value)
            return _type([], V("Variant", {"variants": [
                _variant(m.name, [], m.value) for m in members]}))
        raise TypeError(f"no metadata description for {codec!r} ({type(codec).__name__})")

    def _wrap(self, codec: Codec) -> Json:
        """A named newtype (AccountId32, H256): a composite of the plain type."""
        plain = _PLAIN.get(id(codec))
        if plain is None or plain[0] is not codec:
            inner = (FixedBytes(codec.n) if isinstance(codec, FixedBytes)
                     else _unpathed(codec))
            plain = _PLAIN[id(codec)] = (codec, inner)
        return _type([], V("Composite", {"fields": [
            _field(None, self.id_of(plain[1]), plain[1].type_string)]}))

    def _sequence(self, codec: Codec, item: Codec, bound: int | None) -> Json:
        seq = _type([], V("Sequence", {"ty": self.id_of(item)}))
        if bound is None and codec.path is None:
            return seq
        seq_id = self._register_plain(seq)
        if bound is None:  # a named newtype around a Vec (sp_core::OpaqueMetadata)
            return _type([], V("Composite", {"fields": [
                _field(None, seq_id, f"Vec<{item.type_string}>")]}))
        return {"path": BOUNDED_VEC.split("::"),
                "params": [{"name": "T", "ty": self.id_of(item)}, {"name": "S", "ty": None}],
                "def": V("Composite", {"fields": [
                    _field(None, seq_id, f"Vec<{item.type_string}>")]}),
                "docs": []}

    def _register_plain(self, ty: Json) -> int:
        """The id of a described type: an equal one already registered, or a new id."""
        shape = _shape(ty)
        found = self._by_shape.get(shape)
        if found is None:
            found = self._by_shape[shape] = len(self._types)
            self._types.append(ty)
        return found

    def _variant_fields(self, payload: Codec | None) -> list[Json]:
        if payload is None:
            return []
        if isinstance(payload, StructCodec) and payload.path is None:
            return [_field(n, self.id_of(c), c.type_string) for n, c in payload.fields]
        if isinstance(payload, TupleCodec) and payload.path is None and payload.items:
            return [_field(None, self.id_of(c), c.type_string) for c in payload.items]
        return [_field(None, self.id_of(payload), payload.type_string)]


# A named newtype's plain inner codec (AccountId32 -> [u8; 32]), one per named codec.
_PLAIN: dict[int, tuple[Codec, Codec]] = {}


def _unpathed(codec: Codec) -> Codec:
    plain = copy.copy(codec)
    plain.path, plain.params = None, ()
    return plain


def _shape(value: Any) -> Any:
    """A hashable copy of a type description: equal shapes are one registry type."""
    if isinstance(value, V):
        return (V, value.name, _shape(value.value))
    if isinstance(value, dict):
        return tuple((k, _shape(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_shape(v) for v in value)
    return value


def _type(path: list[str], definition: V) -> Json:
    return {"path": path, "params": [], "def": definition, "docs": []}


def _variant(name: str, fields: list[Json], index: int, doc: str = "") -> Json:
    return {"name": name, "fields": fields, "index": index, "docs": docs(doc)}


def _primitive(codec: Codec) -> str:
    if isinstance(codec, BoolCodec):
        return "bool"
    if isinstance(codec, StrCodec):
        return "str"
    assert isinstance(codec, UInt)
    return f"u{codec.bits}"


