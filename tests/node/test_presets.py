"""`init --preset`: the dev chain and Khala's real parameters (spec/presets.md)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from node.genesis import parse_genesis
from node.presets import PRESETS, apply_preset
from pallets.messages import TOKENOMIC_PARAMETERS
from tests.node.inprocess import cli, ok

REPO = Path(__file__).resolve().parents[2]
DOC = json.loads((REPO / "genesis.json").read_text())

# The reference's Gemini constant (phala-blockchain pallets/phala/src/mining.rs,
# `enable_phala_tokenomic`): the TokenomicParams Khala stored at block 1,467,069.
GEMINI_SCALE = bytes.fromhex(
    "b81e85eb51b81e450000000000000000fd7eb4062f0b00000100000000000000482aa913d044d8e0bb00"
    "00000000000000000000000000003075000000000000255a8ed66500000000000000000000009d3473f8"
    "f34f03000000000000000000000000000000000000000000000000003333333333333333000000000000"
    "0000140000003b1c31803676247300000000000000000000000000000000000000000000000000000000"
    "000000800100000000000000000000000000000032000000000000000000000000000000010000000000"
    "0000")


def _params(name: str) -> object:
    return parse_genesis(json.dumps(apply_preset(DOC, name))).mining["tokenomic"]


def test_khala_2022_is_the_reference_constant_bit_for_bit() -> None:
    assert TOKENOMIC_PARAMETERS.encode(_params("khala-2022")) == GEMINI_SCALE


def test_khala_2021_decimals_are_the_nearest_u64f64() -> None:
    p = _params("khala-2021")
    table = {"pha_rate": "0.83", "budget_per_block": "8.3333333333333333333",
             "cost_k": "1.9054528616676159186e-8", "cost_b": "4.061623205149357237e-5",
             "rig_k": "0.36144578313253012048", "re": "1.5", "k": "50"}
    for field, text in table.items():
        assert getattr(p, field) == round(Fraction(text) * 2**64), field
    assert (p.slash_rate, p.heartbeat_window, p.treasury_ratio) == (0, 20, 3689348814741910323)


def test_dev_preset_is_the_repository_genesis() -> None:
    dev = parse_genesis(json.dumps(apply_preset(DOC, "dev")))
    assert dev == parse_genesis(json.dumps(DOC))


def test_a_preset_keeps_the_actors_and_replaces_the_rules() -> None:
    doc = apply_preset(DOC, "khala-2021")
    assert doc["balances"] == DOC["balances"] and doc["registry"] == DOC["registry"]
    assert doc["mining"]["subsidy_pool"] == DOC["mining"]["subsidy_pool"]
    g = parse_genesis(json.dumps(doc))
    assert (g.mining["halving_interval"], g.mining["min_init_p"]) == (324_000, 50)
    assert DOC == json.loads((REPO / "genesis.json").read_text())  # the input is untouched
    with pytest.raises(KeyError):
        apply_preset(DOC, "khala-2030")
    assert sorted(PRESETS) == ["dev", "khala-2021", "khala-2022"]


def test_init_with_a_preset_stores_its_parameters(tmp_path: Path) -> None:
    base = tmp_path / "c"
    ok(base, "init", "--genesis", str(REPO / "genesis.json"), "--preset", "khala-2022")
    stored = ok(base, "query", "PhalaMining", "TokenomicParameters")
    assert TOKENOMIC_PARAMETERS.encode(stored) == GEMINI_SCALE
    assert ok(base, "query", "PhalaMining", "MiningHalvingInterval") == 1_296_000
    dev = tmp_path / "d"
    ok(dev, "init", "--genesis", str(REPO / "genesis.json"), "--preset", "dev")
    plain = tmp_path / "p"
    ok(plain, "init", "--genesis", str(REPO / "genesis.json"))
    assert ok(dev, "head")["hash"] == ok(plain, "head")["hash"]


def test_an_unknown_preset_exits_2_and_creates_nothing(tmp_path: Path) -> None:
    code, out = cli(tmp_path / "c", "init", "--preset", "khala-2030")
    assert (code, out) == (2, {"error": "BadInput", "message": "invalid command-line arguments"})
    assert not (tmp_path / "c").exists()
