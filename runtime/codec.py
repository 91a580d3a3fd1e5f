"""Typed SCALE codecs, built once at start-up (never parsed from type strings per decode).

Each codec turns a Python value into bytes and back, and into the CLI's JSON
conventions (spec/cli.md) and back. Value representations:

* integers: `int`; bool: `bool`; byte arrays and vectors: `bytes`; strings: `str`
* `Option`: `None` or the value; `Vec`/`VecDeque`: `list`; tuples: `tuple`
* structs: an instance of the dataclass given to `Struct` (or a `dict` without one)
* enums: `Variant(name, value)`; a variant without data has `value=None`.
  C-like enums may instead be bound to an `IntEnum` class (`CEnum`).

`type_string` is the scalecodec/metadata spelling, used to cross-check encodings
against `scalecodec` in tests and to describe storage items to people.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar

from runtime.scale import ScaleDecodeError, decode_compact, encode_compact

C = TypeVar("C", bound="Codec")


class JsonContext:
    """How accounts are rendered and parsed at the JSON edge (the node supplies it)."""

    def __init__(self, ss58: Callable[[bytes], str], parse_account: Callable[[str], bytes]):
        self.ss58 = ss58
        self.parse_account = parse_account


class Codec:
    type_string = "?"
    # The Rust type path metadata gives this type (e.g. "sp_core::crypto::AccountId32"),
    # None for types metadata describes structurally (primitives, Vec, Option, tuples).
    path: str | None = None
    # Its generic parameters as metadata names them: (name, codec or None), e.g.
    # MultiAddress's ("AccountId", ACCOUNT), ("AccountIndex", U32).
    params: tuple[tuple[str, Codec | None], ...] = ()

    def encode(self, value: Any) -> bytes:
        raise NotImplementedError

    def decode_from(self, data: bytes, offset: int) -> tuple[Any, int]:
        raise NotImplementedError

    def decode(self, data: bytes) -> Any:
        """Decode the whole of data; leftover bytes are an error (as in the Rust decoder)."""
        value, end = self.decode_from(data, 0)
        if end != len(data):
            raise ScaleDecodeError(
                f"{self.type_string}: {len(data) - end} trailing byte(s) after the value"
            )
        return value

    def default(self) -> Any:
        raise ScaleDecodeError(f"{self.type_string} has no default value")

    def to_json(self, value: Any, ctx: JsonContext) -> Any:
        return value

    def from_json(self, value: Any, ctx: JsonContext) -> Any:
        return value

    def __repr__(self) -> str:
        return f"<codec {self.type_string}>"


def with_path(codec: C, path: str, *params: tuple[str, Codec | None]) -> C:
    """Give `codec` the Rust type path (and generic parameters) its metadata type carries;
    returns the codec."""
    codec.path = path
    codec.params = tuple(params)
    return codec


def _need(data: bytes, offset: int, n: int, what: str) -> None:
    if offset + n > len(data):
        raise ScaleDecodeError(f"{what}: unexpected end of input")


class UInt(Codec):
    def __init__(self, bits: int, name: str | None = None) -> None:
        self.bits = bits
        self.size = bits // 8
        self.max = (1 << bits) - 1
        self.type_string = name or f"u{bits}"

    def encode(self, value: int) -> bytes:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= self.max:
            raise ValueError(f"{self.type_string} out of range: {value!r}")
        return value.to_bytes(self.size, "little")

    def decode_from(self, data: bytes, offset: int) -> tuple[int, int]:
        end = offset + self.size
        _need(data, offset, self.size, self.type_string)
        return int.from_bytes(data[offset:end], "little"), end

    def default(self) -> int:
        return 0

    def from_json(self, value: Any, ctx: JsonContext) -> int:
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"expected an integer for {self.type_string}, got {value!r}")
        if not 0 <= value <= self.max:
            raise ValueError(f"{value} does not fit {self.type_string}")
        return value


U8, U16, U32, U64, U128, U256 = (UInt(b) for b in (8, 16, 32, 64, 128, 256))


class PermillCodec(UInt):
    """Permill: a u32 of parts per million; above 1_000_000 does not decode."""

    def __init__(self) -> None:
        super().__init__(32, "Permill")

    def decode_from(self, data: bytes, offset: int) -> tuple[int, int]:
        v, end = super().decode_from(data, offset)
        if v > 1_000_000:
            raise ScaleDecodeError(f"Permill out of range: {v}")
        return v, end

    def encode(self, value: int) -> bytes:
        if not 0 <= value <= 1_000_000:
            raise ValueError(f"Permill out of range: {value}")
        return super().encode(value)

    def from_json(self, value: Any, ctx: JsonContext) -> int:
        v = super().from_json(value, ctx)
        if v > 1_000_000:
            raise ValueError(f"Permill out of range: {v} (parts per million, at most 1000000)")
        return v


PERMILL = with_path(PermillCodec(), "sp_arithmetic::per_things::Permill")


class BoolCodec(Codec):
    type_string = "bool"

    def encode(self, value: bool) -> bytes:
        return b"\x01" if value else b"\x00"

    def decode_from(self, data: bytes, offset: int) -> tuple[bool, int]:
        _need(data, offset, 1, "bool")
        b = data[offset]
        if b > 1:
            raise ScaleDecodeError(f"bool: invalid byte 0x{b:02x}")
        return b == 1, offset + 1

    def default(self) -> bool:
        return False

    def from_json(self, value: Any, ctx: JsonContext) -> bool:
        if isinstance(value, bool):
            return value
        raise ValueError(f"expected true or false, got {value!r}")


BOOL = BoolCodec()


class CompactCodec(Codec):
    def __init__(self, inner: UInt) -> None:
        self.inner = inner
        self.type_string = f"Compact<{inner.type_string}>"

    def encode(self, value: int) -> bytes:
        if not 0 <= value <= self.inner.max:
            raise ValueError(f"{self.type_string} out of range: {value}")
        return encode_compact(value)

    def decode_from(self, data: bytes, offset: int) -> tuple[int, int]:
        v, end = decode_compact(data, offset)
        if v > self.inner.max:
            raise ScaleDecodeError(f"{self.type_string} out of range: {v}")
        return v, end

    def default(self) -> int:
        return 0

    def from_json(self, value: Any, ctx: JsonContext) -> int:
        return self.inner.from_json(value, ctx)


def Compact(inner: UInt) -> CompactCodec:  # noqa: N802 - reads like the SCALE type
    return CompactCodec(inner)


class BytesCodec(Codec):
    """Vec<u8> / BoundedVec<u8, N>; JSON is 0x hex (text accepted on input)."""

    def __init__(self, max_len: int | None = None, name: str = "Vec<u8>") -> None:
        self.max_len = max_len
        self.type_string = name

    def encode(self, value: bytes) -> bytes:
        if self.max_len is not None and len(value) > self.max_len:
            raise ValueError(f"{self.type_string}: {len(value)} bytes exceed {self.max_len}")
        return encode_compact(len(value)) + bytes(value)

    def decode_from(self, data: bytes, offset: int) -> tuple[bytes, int]:
        n, offset = decode_compact(data, offset)
        if self.max_len is not None and n > self.max_len:
            raise ScaleDecodeError(f"{self.type_string}: length {n} exceeds bound {self.max_len}")
        _need(data, offset, n, self.type_string)
        return bytes(data[offset:offset + n]), offset + n

    def default(self) -> bytes:
        return b""

    def to_json(self, value: bytes, ctx: JsonContext) -> str:
        return "0x" + value.hex()

    def from_json(self, value: Any, ctx: JsonContext) -> bytes:
        if not isinstance(value, str):
            raise ValueError(f"expected 0x hex or text for {self.type_string}, got {value!r}")
        out = parse_hex(value) if value.startswith("0x") else value.encode()
        if self.max_len is not None and len(out) > self.max_len:
            raise ValueError(f"{self.type_string}: {len(out)} bytes exceed {self.max_len}")
        return out


BYTES = BytesCodec()


class StrCodec(Codec):
    type_string = "String"

    def encode(self, value: str) -> bytes:
        raw = value.encode()
        return encode_compact(len(raw)) + raw

    def decode_from(self, data: bytes, offset: int) -> tuple[str, int]:
        raw, end = BYTES.decode_from(data, offset)
        try:
            return raw.decode(), end
        except UnicodeDecodeError as exc:
            raise ScaleDecodeError(f"String: invalid UTF-8 ({exc})") from None

    def default(self) -> str:
        return ""


STR = StrCodec()


def parse_hex(text: str, length: int | None = None) -> bytes:
    """0x-prefixed hex to bytes; ValueError naming the problem."""
    if not isinstance(text, str) or not text.startswith("0x"):
        raise ValueError(f"expected 0x-prefixed hex, got {text!r}")
    try:
        out = bytes.fromhex(text[2:])
    except ValueError:
        raise ValueError(f"not valid hex: {text!r}") from None
    if length is not None and len(out) != length:
        raise ValueError(f"expected {length} bytes of hex, got {len(out)}: {text!r}")
    return out


class FixedBytes(Codec):
    """[u8; N] (H256, public keys, lock ids)."""

    def __init__(self, n: int, name: str | None = None) -> None:
        self.n = n
        self.type_string = name or f"[u8; {n}]"

    def encode(self, value: bytes) -> bytes:
        if len(value) != self.n:
            raise ValueError(f"{self.type_string}: expected {self.n} bytes, got {len(value)}")
        return bytes(value)

    def decode_from(self, data: bytes, offset: int) -> tuple[bytes, int]:
        _need(data, offset, self.n, self.type_string)
        return bytes(data[offset:offset + self.n]), offset + self.n

    def default(self) -> bytes:
        return bytes(self.n)

    def to_json(self, value: bytes, ctx: JsonContext) -> str:
        return "0x" + value.hex()

    def from_json(self, value: Any, ctx: JsonContext) -> bytes:
        return parse_hex(value, self.n)


H256 = with_path(FixedBytes(32, "H256"), "primitive_types::H256")
PUBKEY = FixedBytes(32, "[u8; 32]")
U256_BE = FixedBytes(32)


class AccountIdCodec(FixedBytes):
    """AccountId32: 32 raw bytes on the wire, SS58 in JSON, any account form on input."""

    def __init__(self) -> None:
        super().__init__(32, "AccountId")

    def to_json(self, value: bytes, ctx: JsonContext) -> str:
        return ctx.ss58(value)

    def from_json(self, value: Any, ctx: JsonContext) -> bytes:
        if not isinstance(value, str):
            raise ValueError(f"expected an account (SS58, 0x hex or secret URI), got {value!r}")
        return ctx.parse_account(value)


ACCOUNT = with_path(AccountIdCodec(), "sp_core::crypto::AccountId32")


class OptionCodec(Codec):
    def __init__(self, inner: Codec) -> None:
        self.inner = inner
        self.type_string = f"Option<{inner.type_string}>"

    def encode(self, value: Any) -> bytes:
        return b"\x00" if value is None else b"\x01" + self.inner.encode(value)

    def decode_from(self, data: bytes, offset: int) -> tuple[Any, int]:
        _need(data, offset, 1, self.type_string)
        tag = data[offset]
        if tag == 0:
            return None, offset + 1
        if tag == 1:
            return self.inner.decode_from(data, offset + 1)
        raise ScaleDecodeError(f"{self.type_string}: invalid tag 0x{tag:02x}")

    def default(self) -> None:
        return None

    def to_json(self, value: Any, ctx: JsonContext) -> Any:
        return None if value is None else self.inner.to_json(value, ctx)

    def from_json(self, value: Any, ctx: JsonContext) -> Any:
        return None if value is None else self.inner.from_json(value, ctx)


def Option(inner: Codec) -> OptionCodec:  # noqa: N802
    return OptionCodec(inner)


class VecCodec(Codec):
    def __init__(self, inner: Codec, max_len: int | None = None, name: str = "Vec") -> None:
        self.inner = inner
        self.max_len = max_len
        self.type_string = f"{name}<{inner.type_string}>"

    def encode(self, value: Sequence[Any]) -> bytes:
        if self.max_len is not None and len(value) > self.max_len:
            raise ValueError(f"{self.type_string}: {len(value)} items exceed {self.max_len}")
        enc = self.inner.encode
        return encode_compact(len(value)) + b"".join(enc(v) for v in value)

    def decode_from(self, data: bytes, offset: int) -> tuple[list[Any], int]:
        n, offset = decode_compact(data, offset)
        if self.max_len is not None and n > self.max_len:
            raise ScaleDecodeError(f"{self.type_string}: length {n} exceeds bound {self.max_len}")
        if n > len(data) - offset + 1 and n > 0 and not isinstance(self.inner, TupleCodec):
            # every element takes at least one byte unless zero-sized: cheap sanity bound
            raise ScaleDecodeError(f"{self.type_string}: length {n} exceeds the input")
        out = []
        dec = self.inner.decode_from
        for _ in range(n):
            v, offset = dec(data, offset)
            out.append(v)
        return out, offset

    def default(self) -> list[Any]:
        return []

    def to_json(self, value: Sequence[Any], ctx: JsonContext) -> list[Any]:
        return [self.inner.to_json(v, ctx) for v in value]

    def from_json(self, value: Any, ctx: JsonContext) -> list[Any]:
        if not isinstance(value, list):
            raise ValueError(f"expected a JSON list for {self.type_string}, got {value!r}")
        out = [self.inner.from_json(v, ctx) for v in value]
        if self.max_len is not None and len(out) > self.max_len:
            raise ValueError(f"{self.type_string}: {len(out)} items exceed {self.max_len}")
        return out


def Vec(inner: Codec, max_len: int | None = None) -> VecCodec:  # noqa: N802
    return VecCodec(inner, max_len)


class TupleCodec(Codec):
    def __init__(self, *items: Codec) -> None:
        self.items = items
        self.type_string = "(" + ", ".join(c.type_string for c in items) + ")"

    def encode(self, value: Sequence[Any]) -> bytes:
        if len(value) != len(self.items):
            raise ValueError(f"{self.type_string}: expected {len(self.items)} items")
        return b"".join(c.encode(v) for c, v in zip(self.items, value, strict=True))

    def decode_from(self, data: bytes, offset: int) -> tuple[tuple[Any, ...], int]:
        out = []
        for c in self.items:
            v, offset = c.decode_from(data, offset)
            out.append(v)
        return tuple(out), offset

    def default(self) -> tuple[Any, ...]:
        return tuple(c.default() for c in self.items)

    def to_json(self, value: Sequence[Any], ctx: JsonContext) -> list[Any]:
        return [c.to_json(v, ctx) for c, v in zip(self.items, value, strict=True)]

    def from_json(self, value: Any, ctx: JsonContext) -> tuple[Any, ...]:
        if not isinstance(value, list) or len(value) != len(self.items):
            raise ValueError(f"expected a list of {len(self.items)} for {self.type_string}")
        return tuple(c.from_json(v, ctx) for c, v in zip(self.items, value, strict=True))


def Tuple(*items: Codec) -> TupleCodec:  # noqa: N802
    return TupleCodec(*items)


class StructCodec(Codec):
    """Fields in declaration order; values are instances of `cls` (a dataclass) or dicts."""

    def __init__(self, name: str, fields: Sequence[tuple[str, Codec]],
                 cls: type | None = None) -> None:
        self.type_string = name
        self.fields = list(fields)
        self.names = [n for n, _ in fields]
        self.cls = cls
        if cls is not None and dataclasses.is_dataclass(cls):
            declared = [f.name for f in dataclasses.fields(cls)]
            if declared != self.names:
                raise TypeError(f"{name}: dataclass fields {declared} != codec {self.names}")

    def _get(self, value: Any, name: str) -> Any:
        return value[name] if isinstance(value, dict) else getattr(value, name)

    def encode(self, value: Any) -> bytes:
        get = self._get
        return b"".join(c.encode(get(value, n)) for n, c in self.fields)

    def _make(self, kv: dict[str, Any]) -> Any:
        return self.cls(**kv) if self.cls is not None else kv

    def decode_from(self, data: bytes, offset: int) -> tuple[Any, int]:
        kv = {}
        for n, c in self.fields:
            kv[n], offset = c.decode_from(data, offset)
        return self._make(kv), offset

    def default(self) -> Any:
        return self._make({n: c.default() for n, c in self.fields})

    def to_json(self, value: Any, ctx: JsonContext) -> dict[str, Any]:
        return {n: c.to_json(self._get(value, n), ctx) for n, c in self.fields}

    def from_json(self, value: Any, ctx: JsonContext) -> Any:
        if not isinstance(value, dict):
            raise ValueError(f"expected a JSON object for {self.type_string}")
        unknown = set(value) - set(self.names)
        missing = [n for n in self.names if n not in value]
        if unknown or missing:
            raise ValueError(f"{self.type_string}: unknown fields {sorted(unknown)}, "
                             f"missing fields {missing}")
        return self._make({n: c.from_json(value[n], ctx) for n, c in self.fields})


def Struct(name: str, fields: Sequence[tuple[str, Codec]], cls: type | None = None) -> StructCodec:  # noqa: N802
    return StructCodec(name, fields, cls)


class Variant(NamedTuple):
    """An enum value: variant name and its payload (None for a variant without data)."""

    name: str
    value: Any = None


class EnumCodec(Codec):
    """Variants as (name, payload codec or None, index); index defaults to position."""

    def __init__(self, name: str,
                 variants: Sequence[tuple[str, Codec | None] | tuple[str, Codec | None, int]]):
        self.type_string = name
        self.by_name: dict[str, tuple[int, Codec | None]] = {}
        self.by_index: dict[int, tuple[str, Codec | None]] = {}
        for pos, v in enumerate(variants):
            vname, codec = v[0], v[1]
            idx = v[2] if len(v) > 2 else pos  # type: ignore[misc]
            self.by_name[vname] = (idx, codec)
            self.by_index[idx] = (vname, codec)

    def encode(self, value: Variant | str) -> bytes:
        if isinstance(value, str):
            value = Variant(value)
        try:
            idx, codec = self.by_name[value.name]
        except KeyError:
            raise ValueError(f"{self.type_string} has no variant {value.name!r}") from None
        if codec is None:
            return bytes([idx])
        return bytes([idx]) + codec.encode(value.value)

    def decode_from(self, data: bytes, offset: int) -> tuple[Variant, int]:
        _need(data, offset, 1, self.type_string)
        idx = data[offset]
        try:
            vname, codec = self.by_index[idx]
        except KeyError:
            raise ScaleDecodeError(f"{self.type_string}: unknown variant index {idx}") from None
        if codec is None:
            return Variant(vname), offset + 1
        v, end = codec.decode_from(data, offset + 1)
        return Variant(vname, v), end

    def to_json(self, value: Variant, ctx: JsonContext) -> Any:
        _, codec = self.by_name[value.name]
        if codec is None:
            return value.name
        return {value.name: codec.to_json(value.value, ctx)}

    def from_json(self, value: Any, ctx: JsonContext) -> Variant:
        if isinstance(value, str) and value in self.by_name and self.by_name[value][1] is None:
            return Variant(value)
        if isinstance(value, dict) and len(value) == 1:
            (vname, payload), = value.items()
            if vname in self.by_name:
                codec = self.by_name[vname][1]
                return Variant(vname, None if codec is None else codec.from_json(payload, ctx))
        raise ValueError(f"not a {self.type_string} variant: {value!r} "
                         f"(one of {sorted(self.by_name)})")


def Enum(name: str, variants: Sequence[Any]) -> EnumCodec:  # noqa: N802
    return EnumCodec(name, variants)


class CEnum(Codec):
    """A field-less enum bound to an IntEnum class (value = member, index = member value)."""

    def __init__(self, cls: type[enum.IntEnum]) -> None:
        self.cls = cls
        self.type_string = cls.__name__

    def encode(self, value: enum.IntEnum) -> bytes:
        return bytes([self.cls(value)])

    def decode_from(self, data: bytes, offset: int) -> tuple[enum.IntEnum, int]:
        _need(data, offset, 1, self.type_string)
        try:
            return self.cls(data[offset]), offset + 1
        except ValueError:
            raise ScaleDecodeError(
                f"{self.type_string}: unknown variant index {data[offset]}") from None

    def default(self) -> enum.IntEnum:
        return self.cls(min(m.value for m in self.cls))

    def to_json(self, value: enum.IntEnum, ctx: JsonContext) -> str:
        return self.cls(value).name

    def from_json(self, value: Any, ctx: JsonContext) -> enum.IntEnum:
        try:
            return self.cls[value]
        except (KeyError, TypeError):
            raise ValueError(f"not a {self.type_string}: {value!r} "
                             f"(one of {[m.name for m in self.cls]})") from None


class FixedPointCodec(UInt):
    """U64F64 stored as its u128 bits; JSON `{"bits": int, "value": "<decimal>"}`."""

    def __init__(self) -> None:
        super().__init__(128, "U64F64")

    def to_json(self, value: int, ctx: JsonContext) -> dict[str, Any]:
        return {"bits": value, "value": fixed_decimal(value)}

    def from_json(self, value: Any, ctx: JsonContext) -> int:
        if isinstance(value, dict) and set(value) <= {"bits", "value"} and "bits" in value:
            return super().from_json(value["bits"], ctx)
        return super().from_json(value, ctx)


FIXED = with_path(FixedPointCodec(), "substrate_fixed::FixedU128")


def fixed_decimal(bits: int, digits: int = 20) -> str:
    """Exact-then-truncated decimal rendering of U64F64 bits (for display only)."""
    whole = bits >> 64
    frac = bits & ((1 << 64) - 1)
    scaled = (frac * 10**digits) >> 64
    text = f"{whole}.{scaled:0{digits}d}".rstrip("0")
    return text + "0" if text.endswith(".") else text


class Lazy(Codec):
    """A codec filled in later: each Runtime's own RuntimeCall / RuntimeEvent (recursive
    through Sudo.sudo); the declared placeholders are never bound (runtime/binding.py)."""

    def __init__(self, type_string: str) -> None:
        self.type_string = type_string
        self.target: Codec | None = None

    def _t(self) -> Codec:
        if self.target is None:
            raise RuntimeError(f"{self.type_string} used before the runtime bound it")
        return self.target

    def encode(self, value: Any) -> bytes:
        return self._t().encode(value)

    def decode_from(self, data: bytes, offset: int) -> tuple[Any, int]:
        return self._t().decode_from(data, offset)

    def to_json(self, value: Any, ctx: JsonContext) -> Any:
        return self._t().to_json(value, ctx)

    def from_json(self, value: Any, ctx: JsonContext) -> Any:
        return self._t().from_json(value, ctx)
