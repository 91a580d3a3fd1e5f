"""Raw storage root calls on a real chain through `tx --sudo`: exact effects, and replay."""

from __future__ import annotations

from pathlib import Path

from node.chain import Chain
from storage.state import FLAT
from tests.node.conftest import GENESIS
from tests.node.inprocess import ok

P = b":test:"


def flat(base: Path, prefix: bytes) -> dict[bytes, bytes]:
    with Chain.open(base) as chain:
        return {k[1:]: v for k, v in chain.backend.iter_prefix(FLAT + prefix)}


def nonce(base: Path) -> int:
    return int(ok(base, "query", "System", "Account", "//Alice")["nonce"])


def test_root_calls_through_sudo_then_export_and_replay(tmp_path: Path) -> None:
    base = tmp_path / "chain"
    ok(base, "init", "--genesis", str(GENESIS))
    items = "[" + ",".join(f'["0x{(P + c).hex()}","0x0{i}"]' for i, c in
                           enumerate([b"a", b"b", b"c", b"d"], 1)) + "]"
    out = ok(base, "tx", "--sudo", "System", "set_storage", items)
    assert out["success"] and [e["event"] for e in out["events"]] == ["Sudid", "ExtrinsicSuccess"]
    assert out["events"][0]["attributes"] == {"sudo_result": {"Ok": []}}
    assert flat(base, P) == {P + b"a": b"\x01", P + b"b": b"\x02", P + b"c": b"\x03",
                             P + b"d": b"\x04"}

    assert ok(base, "tx", "--sudo", "System", "kill_storage", f'["0x{(P + b"d").hex()}"]')[
        "success"]
    assert flat(base, P) == {P + b"a": b"\x01", P + b"b": b"\x02", P + b"c": b"\x03"}

    # committed keys: at most `subkeys` of them go, in key order
    assert ok(base, "tx", "--sudo", "System", "kill_prefix", "0x" + P.hex(), "2")["success"]
    assert flat(base, P) == {P + b"c": b"\x03"}

    # a signed origin: BadOrigin, the nonce bumps, the storage stays
    before = nonce(base)
    out = ok(base, "tx", "System", "set_storage", f'[["0x{(P + b"c").hex()}","0x09"]]')
    assert (out["success"], out["error"]) == (False, "BadOrigin")
    assert [e["event"] for e in out["events"]] == ["ExtrinsicFailed"]
    assert flat(base, P) == {P + b"c": b"\x03"}
    assert nonce(base) == before + 1

    head = ok(base, "head")
    assert head["number"] == 4
    blocks = tmp_path / "blocks"
    ok(base, "export-blocks", "--out", str(blocks))
    assert ok(base, "replay", "--genesis", str(blocks / "genesis.json"), str(blocks)) == head
