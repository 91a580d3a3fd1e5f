"""Metadata V14 / V15 values (runtime/metadata/layout.py shapes) from a runtime's declarations:
its pallets (storage items, calls, events, errors, constants), the extrinsic format and
signed extensions (runtime/extrinsic.py), the runtime APIs (runtime/runtime_api.py)."""

from __future__ import annotations

from typing import Any

from runtime.api_types import UNCHECKED_EXTRINSIC
from runtime.balances import MULTI_ADDRESS
from runtime.codec import Tuple, Variant, with_path
from runtime.extrinsic import EXTRA, MULTI_SIGNATURE, SIGNED_EXTENSIONS
from runtime.metadata.types import TypeRegistry, docs
from runtime.runtime import OUTER_CRATE, Runtime
from runtime.runtime_api import RuntimeApi
from runtime.storage_items import StorageItem, StorageNMap

EXTRINSIC_VERSION = 4

RUNTIME_TYPE = with_path(Tuple(), f"{OUTER_CRATE}::Runtime")

Json = dict[str, Any]


class Builder:
    """One runtime's metadata; every type goes through one shared registry."""

    def __init__(self, rt: Runtime, apis: list[RuntimeApi]) -> None:
        self.rt = rt
        self.apis = apis
        self.reg = TypeRegistry(rt.resolve)

    def v14(self) -> Json:
        pallets = [self.pallet(p) for p in self.rt.by_index.values()]
        extrinsic = {"ty": self.reg.id_of(UNCHECKED_EXTRINSIC), "version": EXTRINSIC_VERSION,
                     "signed_extensions": self.signed_extensions()}
        ty = self.reg.id_of(RUNTIME_TYPE)
        return {"types": self.reg.types, "pallets": pallets, "extrinsic": extrinsic, "ty": ty}

    def v15(self) -> Json:
        pallets = [{**self.pallet(p), "docs": docs(type(p).__doc__ or "")}
                   for p in self.rt.by_index.values()]
        extrinsic = {
            "version": EXTRINSIC_VERSION,
            "address_ty": self.reg.id_of(MULTI_ADDRESS),
            "call_ty": self.reg.id_of(self.rt.call_codec),
            "signature_ty": self.reg.id_of(MULTI_SIGNATURE),
            "extra_ty": self.reg.id_of(EXTRA),
            "signed_extensions": self.signed_extensions(),
        }
        ty = self.reg.id_of(RUNTIME_TYPE)
        apis = [self.api(a) for a in self.apis]
        outer = {"call_enum_ty": self.reg.id_of(self.rt.call_codec),
                 "event_enum_ty": self.reg.id_of(self.rt.event_codec),
                 "error_enum_ty": self.reg.id_of(self.rt.error_codec)}
        return {"types": self.reg.types, "pallets": pallets, "extrinsic": extrinsic, "ty": ty,
                "apis": apis, "outer_enums": outer, "custom": {"map": []}}

    # -- parts -------------------------------------------------------------------------------
    def pallet(self, p: Any) -> Json:
        cls = type(p)
        items = cls.storage_items()
        storage = {"prefix": cls.NAME,
                   "entries": [self.storage_entry(n, it) for n, it in items.items()]}
        calls = cls.calls()
        return {
            "name": cls.NAME,
            "storage": storage if items else None,
            "calls": {"ty": self.reg.id_of(cls.call_codec())} if calls else None,
            "event": {"ty": self.reg.id_of(cls.event_codec())} if cls.EVENTS else None,
            "constants": [
                {"name": c.name, "ty": self.reg.id_of(c.codec),
                 "value": c.codec.encode(c.value(self.rt.config)), "docs": docs(c.doc)}
                for c in cls.CONSTANTS],
            "error": {"ty": self.reg.id_of(cls.error_codec())} if cls.ERRORS else None,
            "index": p.index,
        }

    def storage_entry(self, name: str, item: StorageItem) -> Json:
        value = self.rt.resolve(item.value)
        if isinstance(item, StorageNMap):
            keys = [c for _, c in item.keys]
            key = keys[0] if len(keys) == 1 else Tuple(*keys)
            ty = Variant("Map", {"hashers": [Variant(h) for h in item.hasher_names],
                                 "key": self.reg.id_of(key), "value": self.reg.id_of(value)})
        else:
            ty = Variant("Plain", self.reg.id_of(value))
        optional = item.is_option
        return {
            "name": name,
            "modifier": Variant("Optional" if optional else "Default"),
            "ty": ty,
            "default": b"\x00" if optional else value.encode(item.default()),
            "docs": docs(item.doc),
        }

    def signed_extensions(self) -> list[Json]:
        return [{"identifier": e.identifier, "ty": self.reg.id_of(e.extra),
                 "additional_signed": self.reg.id_of(e.additional)} for e in SIGNED_EXTENSIONS]

    def api(self, api: RuntimeApi) -> Json:
        return {"name": api.name, "docs": docs(api.doc), "methods": [
            {"name": m.name, "docs": docs(m.doc), "output": self.reg.id_of(m.output),
             "inputs": [{"name": n, "ty": self.reg.id_of(c)} for n, c in m.inputs]}
            for m in api.methods]}
