"""Every codec the project declares has a metadata type, and py-scalecodec reading that type
decodes our bytes to our values (so the description reproduces the encoding exactly)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scalecodec.base import RuntimeConfigurationObject, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

import pallets
import runtime
from node.composition import pallet_list
from runtime import codec as c
from runtime.api_types import ExtrinsicCodec
from runtime.binding import children, is_placeholder
from runtime.era import ERA, Era
from runtime.extrinsic import ADDITIONAL, EXTRA, Extrinsic, SignedPart, signing_payload
from runtime.metadata.layout import PORTABLE_REGISTRY
from runtime.metadata.types import TypeRegistry
from runtime.scale import ScaleDecodeError
from runtime.system import DISPATCH_ERROR, EVENT_RECORD, EVENT_RECORDS
from tests.harness import Chain
from tests.runtime.metadata_support import plain, rendered
from tests.runtime.test_codec_scalecodec import strategy as plain_strategy


def declared_codecs() -> dict[str, c.Codec]:
    """Module-level codecs of every module under runtime/ and pallets/ ("module.NAME")."""
    found: dict[int, tuple[str, c.Codec]] = {}
    for pkg in (runtime, pallets):
        for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            module = importlib.import_module(mod.name)
            for name, value in vars(module).items():
                if isinstance(value, c.Codec) and not is_placeholder(value):
                    found.setdefault(id(value), (f"{mod.name}.{name}", value))
    return dict(found.values())


DECLARED = declared_codecs()
RT = Chain(pallet_list()).rt


def reachable(codecs: list[c.Codec]) -> list[c.Codec]:
    seen: dict[int, c.Codec] = {}
    todo = list(codecs)
    while todo:
        k = todo.pop()
        if id(k) in seen:
            continue
        seen[id(k)] = k
        todo.extend(children(k))
        todo.extend(p for _, p in k.params if p is not None)
    return list(seen.values())


def all_subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | all_subclasses(sub)
    return out


def test_every_codec_class_is_declared_somewhere_and_described() -> None:
    storage_and_calls = [RT.resolve(item.value) for p in RT.by_index.values()
                         for item in type(p).storage_items().values()]
    used = reachable([*DECLARED.values(), RT.call_codec, RT.event_codec, *storage_and_calls])
    assert {type(k) for k in used} | {c.Lazy} == all_subclasses(c.Codec)
    reg = TypeRegistry(RT.resolve)
    for k in used:
        if not (isinstance(k, c.Lazy) and k.target is None):
            reg.id_of(k)  # raises TypeError for a codec without a description


# -- scalecodec decodes our bytes through the registry ------------------------------------

def strategy(k: c.Codec) -> st.SearchStrategy[Any]:
    """Values of codec k, including the codecs described through a twin."""
    if isinstance(k, ExtrinsicCodec):  # whole extrinsics: a bare one around call bytes
        return st.binary(min_size=2, max_size=12).map(lambda call: Extrinsic(call).encode())
    twin = getattr(k, "metadata_twin", None)
    if twin is not None:
        t = twin()

        def ours(v: Any) -> Any:
            """The twin's bytes as our value, where our codec round-trips them."""
            data = t.encode(v)
            try:
                value = k.decode(data)
                again = k.encode(value)
            except (ScaleDecodeError, ValueError, IndexError, KeyError):
                again = None
            assume(again == data)
            return value
        return plain_strategy(t).map(ours)
    if isinstance(k, c.Lazy):
        assert k.target is not None
        return strategy(k.target)
    if isinstance(k, c.FixedPointCodec):
        return st.integers(0, k.max)
    if isinstance(k, c.CompactCodec | c.UInt | c.BoolCodec | c.BytesCodec | c.StrCodec
                  | c.FixedBytes | c.CEnum):
        return plain_strategy(k)
    if isinstance(k, c.OptionCodec):
        return st.none() | strategy(k.inner)
    if isinstance(k, c.VecCodec):
        return st.lists(strategy(k.inner), max_size=3)
    if isinstance(k, c.TupleCodec):
        return st.tuples(*(strategy(i) for i in k.items))
    if isinstance(k, c.StructCodec):
        fields = {n: strategy(f) for n, f in k.fields}
        return st.fixed_dictionaries(fields).map(
            lambda kv, cls=k.cls: cls(**kv) if cls is not None else kv)
    if isinstance(k, c.EnumCodec):
        return st.one_of([st.just(c.Variant(n)) if p is None
                          else strategy(p).map(lambda v, n=n: c.Variant(n, v))
                          for n, p in k.by_index.values()])
    raise TypeError(f"no strategy for {k!r}")


# EventRecords are left out: scalecodec renders them its own way (GenericEventRecord);
# test_metadata_scalecodec decodes a real block's events through them.
VALUE_CODECS = {name: RT.resolve(k) for name, k in DECLARED.items()
                if not isinstance(k, c.Lazy) and k not in (EVENT_RECORD, EVENT_RECORDS)}
VALUE_CODECS["DispatchError (runtime)"] = RT.resolve(DISPATCH_ERROR)


@pytest.fixture(scope="module")
def loaded() -> tuple[RuntimeConfigurationObject, dict[str, int]]:
    """scalecodec with a portable registry of every declared codec."""
    reg = TypeRegistry(RT.resolve)
    ids = {name: reg.id_of(k) for name, k in VALUE_CODECS.items()}
    rc = RuntimeConfigurationObject()
    rc.update_type_registry(load_type_registry_preset("core"))
    data = PORTABLE_REGISTRY.encode(reg.types)
    obj = rc.create_scale_object("PortableRegistry", data=ScaleBytes(b"" + data))
    obj.decode()
    rc.update_from_scale_info_types(obj.value_object["types"].value_object)
    return rc, ids


@pytest.mark.parametrize("name", sorted(VALUE_CODECS))
def test_scalecodec_reads_our_bytes(loaded: Any, name: str) -> None:
    rc, ids = loaded
    k = VALUE_CODECS[name]

    @settings(max_examples=25, deadline=None)
    @given(strategy(k))
    def check(value: Any) -> None:
        data = k.encode(value)
        obj = rc.create_scale_object(f"scale_info::{ids[name]}", data=ScaleBytes(data))
        theirs = plain(obj.decode(check_remaining=True))
        assert theirs == plain(expected(k, value))

    check()


def expected(k: c.Codec, value: Any) -> Any:
    return rendered(k, value, decoded=True)


# -- the twins and the extension codecs agree with the hand-written encodings --------------

@pytest.mark.parametrize("era", [Era(), Era.mortal(64, 100), Era.mortal(4, 3),
                                 Era.mortal(65536, 1_000_000), Era(32768, 8)])
def test_era_twin_reads_era_bytes(era: Era) -> None:
    data = ERA.encode(era)
    twin = ERA.metadata_twin()
    v = twin.decode(data)
    assert twin.encode(v) == data
    assert v == (c.Variant("Immortal") if era.is_immortal
                 else c.Variant(f"Mortal{data[0]}", data[1]))


def test_extension_codecs_lay_out_the_extrinsic_and_payload_bytes() -> None:
    era = Era.mortal(64, 77)
    signed = SignedPart(bytes(32), 1, bytes(64), era, nonce=300, tip=10**15)
    extra = EXTRA.encode(((), (), (), (), (era,), (300,), (), (10**15,)))
    assert signed.encode().endswith(extra)
    genesis, checkpoint = b"\x01" * 32, b"\x02" * 32
    payload = signing_payload(b"\x00\x00", era, 300, 10**15, 9, 2, genesis, checkpoint)
    additional = ADDITIONAL.encode(((), 9, 2, genesis, checkpoint, (), (), ()))
    assert payload == b"\x00\x00" + extra + additional
