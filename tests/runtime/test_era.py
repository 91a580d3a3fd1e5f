"""Transaction mortality against ../shared vectors (§5.5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.era import U64_MAX, Era
from runtime.scale import ScaleDecodeError


def h(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


def _parse(name: str) -> tuple[int, int]:
    period, current = (int(part.split("=")[1]) for part in name.split(","))
    return period, current


def test_era_values(vectors):
    values = vectors["era"]["values"]
    assert Era.immortal().encode() == h(values["immortal"]["encoded"])
    assert Era.from_bytes(h(values["immortal"]["encoded"])).is_immortal
    mortal = {k: v for k, v in values.items() if k != "immortal"}
    assert len(mortal) == 9
    for name, v in mortal.items():
        period, current = _parse(name)
        era = Era.mortal(period, current)
        assert era.encode() == h(v["encoded"]), name
        assert (era.period, era.phase) == (v["normalized_period"], v["phase"]), name
        assert era.birth(current) == v["birth_at_current"], name
        assert Era.from_bytes(h(v["encoded"])) == era, name


def test_quantization_note_the_decoded_phase_governs(vectors):
    # polkadot.js keeps phase 16961 internally; the runtime decodes 16960, birth 1 000 000
    assert "16960" in vectors["era"]["note_on_quantization"]
    era = Era.from_bytes(h("0x4f42"))
    assert (era.period, era.phase) == (65536, 16960)
    assert era.birth(1_000_001) == 1_000_000
    assert era.death(1_000_001) == 1_000_000 + 65536


def test_birth_and_death_windows():
    era = Era.mortal(64, 42)
    assert [era.birth(c) for c in (0, 42, 105, 106, 200)] == [42, 42, 42, 106, 170]
    assert era.death(42) == 106
    assert Era().birth(123) == 0 and Era().death(123) == U64_MAX


def test_mortal_rounds_and_clamps_the_period():
    assert Era.mortal(0, 5).period == 4
    assert Era.mortal(5, 5).period == 8
    assert Era.mortal(1 << 20, 5).period == 65536


@pytest.mark.parametrize("data, message", [
    (b"", "unexpected end of input"),
    (b"\x05", "mortal era needs 2 bytes"),
    (b"\x10\x00", "invalid mortal era 0x1000"),  # low nibble 0: period 2
    (b"\x05\x04", r"invalid mortal era 0x0504 \(period 64, phase 64\)"),
])
def test_decode_rejects(data, message):
    with pytest.raises(ScaleDecodeError, match=message):
        Era.from_bytes(data)


def test_from_bytes_rejects_trailing_bytes():
    with pytest.raises(ScaleDecodeError, match="1 trailing byte"):
        Era.from_bytes(b"\x00\x00")


def test_constructor_rejects_unrepresentable_eras():
    with pytest.raises(ValueError, match="not a power of two"):
        Era(48, 0)
    with pytest.raises(ValueError, match="phase 1 invalid for period 8192"):
        Era(8192, 1)  # phase must be a multiple of 8192 >> 12 = 2


@given(st.integers(0, 1 << 20), st.integers(0, U64_MAX))
def test_mortal_roundtrip(period, current):
    era = Era.mortal(period, current)
    assert Era.from_bytes(era.encode()) == era
    assert era.birth(current) <= current < era.death(current)


@given(st.integers(0, 0xFFFF).filter(lambda v: v & 0xFF != 0))
def test_every_valid_u16_reencodes_identically(value):
    data = value.to_bytes(2, "little")
    try:
        era = Era.from_bytes(data)
    except ScaleDecodeError:
        return
    assert era.encode() == data
