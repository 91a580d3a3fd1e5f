"""Shared by the metadata tests: py-scalecodec loaded with our V14 metadata, and our values
rendered the way py-scalecodec renders the same bytes."""

from __future__ import annotations

from typing import Any

from scalecodec.base import RuntimeConfigurationObject, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

from runtime import codec as c
from runtime.era import EraCodec
from runtime.metadata import metadata_bytes

MULTI_ADDRESS = "sp_runtime::multiaddress::MultiAddress"


class Scale:
    """py-scalecodec with the portable registry of `rt`'s V14 metadata added."""

    def __init__(self, rt: Any) -> None:
        self.rt = rt
        self.rc = RuntimeConfigurationObject()
        self.rc.update_type_registry(load_type_registry_preset("core"))
        self.md = self.rc.create_scale_object(
            "MetadataVersioned", data=ScaleBytes(metadata_bytes(rt, 14)))
        self.md.decode()
        self.rc.add_portable_registry(self.md)
        self.v14 = self.md.value[1]["V14"]
        self.types = {t["id"]: t["type"] for t in self.v14["types"]["types"]}

    def pallet(self, name: str) -> dict[str, Any]:
        return next(p for p in self.v14["pallets"] if p["name"] == name)

    def entry(self, pallet: str, item: str) -> dict[str, Any]:
        return next(e for e in self.pallet(pallet)["storage"]["entries"] if e["name"] == item)

    def decode(self, type_id: int, data: bytes) -> Any:
        obj = self.rc.create_scale_object(f"scale_info::{type_id}", data=ScaleBytes(data),
                                          metadata=self.md)
        value = obj.decode()
        assert obj.data.offset == len(data), "scalecodec left bytes undecoded"
        return plain(value)

    def encode_call(self, value: dict[str, Any]) -> bytes:
        call = self.rc.create_scale_object("Call", metadata=self.md)
        return bytes(call.encode(value).data)

    def variants(self, type_id: int) -> list[dict[str, Any]]:
        return self.types[type_id]["def"]["variant"]["variants"]  # type: ignore[no-any-return]


def plain(v: Any) -> Any:
    """Tuples as lists, recursively (scalecodec returns both)."""
    if isinstance(v, list | tuple):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def raw_bytes(v: Any) -> bytes:
    """A `Bytes` value as scalecodec decodes it: "0x…" hex, or text when it is UTF-8."""
    if isinstance(v, bytes):
        return v
    return bytes.fromhex(v[2:]) if v.startswith("0x") else v.encode()


def rendered(codec: c.Codec, value: Any, call_codec: c.Codec | None = None,  # noqa: PLR0911
             decoded: bool = False) -> Any:
    """`value` as py-scalecodec takes it for encoding what `codec` encodes, or (`decoded`)
    as it decodes those bytes: then byte vectors that are UTF-8 come back as text."""
    def sub(k: c.Codec, v: Any) -> Any:
        return rendered(k, v, call_codec, decoded)

    while isinstance(codec, c.Lazy):
        assert codec.target is not None
        codec = codec.target
    if decoded and isinstance(codec, EraCodec):  # scalecodec's own Era reading
        return "00" if value.is_immortal else [value.period, value.phase]
    twin = getattr(codec, "metadata_twin", None)
    if twin is not None:
        t = twin()
        return sub(t, t.decode(codec.encode(value)))
    if codec is call_codec:  # an outer call as scalecodec's Call object takes it
        inner = value.value
        struct = codec.by_name[value.name][1].by_name[inner.name][1]
        return {"call_module": value.name, "call_function": inner.name,
                "call_args": sub(struct, inner.value)}
    if isinstance(codec, c.PermillCodec | c.CompactCodec | c.UInt | c.BoolCodec | c.StrCodec):
        if isinstance(codec, c.FixedPointCodec):
            return {"bits": value}
        return value if isinstance(value, bool | str) else int(value)
    if isinstance(codec, c.BytesCodec) and decoded:
        try:
            return bytes(value).decode()
        except UnicodeDecodeError:
            pass
    if isinstance(codec, c.FixedBytes | c.BytesCodec):
        return "0x" + bytes(value).hex()
    if isinstance(codec, c.OptionCodec):
        return None if value is None else sub(codec.inner, value)
    if isinstance(codec, c.VecCodec):
        return [sub(codec.inner, v) for v in value]
    if isinstance(codec, c.TupleCodec):
        items = [sub(ic, v) for ic, v in zip(codec.items, value, strict=True)]
        if codec.path is not None and len(items) == 1:  # a newtype: its one field
            return items[0]
        return {} if decoded and codec.path is not None and not items else items
    if isinstance(codec, c.StructCodec):
        get = (lambda n: value[n]) if isinstance(value, dict) else (lambda n: getattr(value, n))
        return {n: sub(fc, get(n)) for n, fc in codec.fields}
    if isinstance(codec, c.CEnum):
        return codec.cls(value).name
    if isinstance(codec, c.EnumCodec):
        if isinstance(value, bytes):  # MultiAddress given as a bare account
            value = c.Variant("Id", value)
        if decoded and codec.path == MULTI_ADDRESS and value.name in ("Id", "Index"):
            return sub(codec.by_name[value.name][1], value.value)  # scalecodec: bare
        payload = codec.by_name[value.name][1]
        if payload is None:
            return value.name
        if isinstance(payload, c.TupleCodec) and payload.path is None and not payload.items:
            return {value.name: []}
        return {value.name: sub(payload, value.value)}
    raise TypeError(f"no rendering for {codec!r}")
