"""Generic parameters polkadot.js reads from the metadata's types (checked without node):
its PortableRegistry refuses to load a `Result` without `T` and `E`, and reads the
`Address`, `Call`, `Signature` and `Extra` parameters of UncheckedExtrinsic."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.chain import Chain
from runtime.metadata.build import Builder
from runtime.runtime_api import RUNTIME_APIS

GENESIS = Path(__file__).resolve().parents[2] / "genesis.json"
EXTRINSIC_PATH = ["sp_runtime", "generic", "unchecked_extrinsic", "UncheckedExtrinsic"]


@pytest.mark.parametrize("version", [14, 15])
def test_result_and_extrinsic_types_carry_their_parameters(tmp_path: Path, version: int) -> None:
    with Chain.init(tmp_path / "c", GENESIS.read_bytes()) as chain:
        builder = Builder(chain.rt, list(RUNTIME_APIS))
        types = [t["ty"] for t in (builder.v14() if version == 14 else builder.v15())["types"]]
    results = [t for t in types if t["path"] == ["Result"]]
    extrinsics = [t for t in types if t["path"] == EXTRINSIC_PATH]
    assert extrinsics
    if version == 15:
        assert results  # the runtime APIs' outputs
    for t in results:
        assert [(p["name"], p["ty"] is not None) for p in t["params"]] == \
            [("T", True), ("E", True)], t
    for t in extrinsics:
        assert [(p["name"], p["ty"] is not None) for p in t["params"]] == \
            [("Address", True), ("Call", True), ("Signature", True), ("Extra", True)], t
