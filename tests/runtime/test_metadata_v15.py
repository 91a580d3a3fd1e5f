"""Metadata V15 (py-scalecodec 1.2 cannot read it; polkadot.js does in the clients' tests):
read with our own structural reader, checked against V14 and the declarations."""

from __future__ import annotations

from typing import Any

import pytest

from node.composition import pallet_list
from runtime import runtime_api
from runtime.codec import BOOL, U32, Option, Vec
from runtime.metadata import SUPPORTED_VERSIONS, metadata_bytes
from runtime.metadata.layout import METADATA_V14, METADATA_V15
from runtime.runtime_api import ApiMethod, RuntimeApi
from runtime.system import ACCOUNT_INFO
from tests.harness import Chain

TEST_API = RuntimeApi("EmuTestApi", 3, [
    ApiMethod("lookup", [("who", ACCOUNT_INFO), ("deep", BOOL)], Option(Vec(U32)),
              "Look someone up.\nTwo lines of docs."),
    ApiMethod("nothing", [], BOOL),
], "A test-only API.")


@pytest.fixture(scope="module")
def rt() -> Any:
    return Chain(pallet_list()).rt


@pytest.fixture
def with_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime_api, "RUNTIME_APIS", [*runtime_api.RUNTIME_APIS, TEST_API])


def read(data: bytes, version: int) -> dict[str, Any]:
    assert data[:4] == b"meta" and data[4] == version
    layout = METADATA_V14 if version == 14 else METADATA_V15
    value = layout.decode(data[5:])          # strict: every byte consumed
    assert layout.encode(value) == data[5:]
    return value  # type: ignore[no-any-return]


def path_of(md: dict[str, Any], ty: int) -> str:
    return "::".join(md["types"][ty]["ty"]["path"])


def test_versions_and_errors(rt: Any) -> None:
    assert SUPPORTED_VERSIONS == [14, 15]
    for bad in (13, 16, 0):
        with pytest.raises(ValueError, match=f"metadata version {bad} is not supported"):
            metadata_bytes(rt, bad)
    assert metadata_bytes(rt, 14)[:5] == b"meta\x0e"
    assert metadata_bytes(rt, 15)[:5] == b"meta\x0f"
    assert metadata_bytes(rt, 15) is metadata_bytes(rt, 15)  # cached per composition


def test_registry_ids_are_dense_and_in_order(rt: Any) -> None:
    md = read(metadata_bytes(rt, 15), 15)
    assert [t["id"] for t in md["types"]] == list(range(len(md["types"])))


def test_v15_pallets_are_v14_pallets_plus_docs(rt: Any) -> None:
    v14, v15 = read(metadata_bytes(rt, 14), 14), read(metadata_bytes(rt, 15), 15)
    assert len(v14["pallets"]) == len(v15["pallets"]) == len(pallet_list())
    for p14, p15, (_, cls) in zip(v14["pallets"], v15["pallets"], pallet_list(), strict=True):
        assert p15["docs"] == [ln.strip() for ln in (cls.__doc__ or "").strip().splitlines()
                               if (cls.__doc__ or "").strip()]
        assert (p14["name"], p14["index"]) == (p15["name"], p15["index"]) == (cls.NAME,
                                                                                 p14["index"])
        assert [e["name"] for e in p14["storage"]["entries"]] == \
            [e["name"] for e in p15["storage"]["entries"]]
        assert [c["value"] for c in p14["constants"]] == [c["value"] for c in p15["constants"]]
        for kind in ("calls", "event", "error"):
            assert (p14[kind] is None) == (p15[kind] is None)
            if p14[kind] is not None:
                assert path_of(v14, p14[kind]["ty"]) == path_of(v15, p15[kind]["ty"])


def test_v15_extrinsic_and_outer_enums(rt: Any) -> None:
    md = read(metadata_bytes(rt, 15), 15)
    ext = md["extrinsic"]
    assert ext["version"] == 4
    assert path_of(md, ext["address_ty"]) == "sp_runtime::multiaddress::MultiAddress"
    assert path_of(md, ext["call_ty"]) == "phala_emu_runtime::RuntimeCall"
    assert path_of(md, ext["signature_ty"]) == "sp_runtime::MultiSignature"
    extra = md["types"][ext["extra_ty"]]["ty"]["def"]
    assert extra.name == "Tuple"
    assert [path_of(md, t).rsplit("::", 1)[-1] for t in extra.value] == [
        e["identifier"] for e in ext["signed_extensions"]] == [
        "CheckNonZeroSender", "CheckSpecVersion", "CheckTxVersion", "CheckGenesis",
        "CheckMortality", "CheckNonce", "CheckWeight", "ChargeTransactionPayment"]
    outer = md["outer_enums"]
    assert path_of(md, outer["call_enum_ty"]) == "phala_emu_runtime::RuntimeCall"
    assert path_of(md, outer["event_enum_ty"]) == "phala_emu_runtime::RuntimeEvent"
    assert path_of(md, outer["error_enum_ty"]) == "phala_emu_runtime::RuntimeError"
    errors = md["types"][outer["error_enum_ty"]]["ty"]["def"].value["variants"]
    assert [(v["name"], v["index"]) for v in errors] == [
        (cls.NAME, i) for i, cls in pallet_list() if cls.ERRORS]
    for v, pallet in zip(errors, [p for p in md["pallets"] if p["error"]], strict=True):
        assert [f["ty"] for f in v["fields"]] == [pallet["error"]["ty"]]
    assert path_of(md, md["ty"]) == "phala_emu_runtime::Runtime"
    assert md["custom"] == {"map": []}


def test_v15_runtime_apis(rt: Any, with_api: None) -> None:
    md = read(metadata_bytes(rt, 15), 15)
    assert [a["name"] for a in md["apis"]] == [a.name for a in runtime_api.RUNTIME_APIS]
    api = md["apis"][-1]
    assert (api["name"], api["docs"]) == ("EmuTestApi", ["A test-only API."])
    lookup, nothing = api["methods"]
    assert (lookup["name"], lookup["docs"]) == ("lookup", ["Look someone up.",
                                                           "Two lines of docs."])
    assert [i["name"] for i in lookup["inputs"]] == ["who", "deep"]
    assert path_of(md, lookup["inputs"][0]["ty"]) == "frame_system::AccountInfo"
    assert md["types"][lookup["inputs"][1]["ty"]]["ty"]["def"].value.name == "bool"
    out = md["types"][lookup["output"]]["ty"]
    assert out["path"] == ["Option"]
    some = out["def"].value["variants"][1]
    seq = md["types"][some["fields"][0]["ty"]]["ty"]["def"]
    assert seq.name == "Sequence"
    assert md["types"][seq.value["ty"]]["ty"]["def"].value.name == "u32"
    assert (nothing["name"], nothing["inputs"]) == ("nothing", [])
