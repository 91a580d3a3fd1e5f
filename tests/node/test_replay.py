"""export-blocks and replay: reproduce the head; any flipped byte is caught (exit 1 or 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from runtime.header import decode_block
from tests.node.conftest import GENESIS, fails, ok


@pytest.fixture(scope="module")
def exported(base_chain: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("blocks")
    res = ok(base_chain, "export-blocks", "--out", str(out))
    assert res["from"] == 0 and res["to"] == 3 and res["blocks"] == 4
    return out


def test_export_writes_numbered_files_and_the_genesis(exported: Path) -> None:
    names = sorted(p.name for p in exported.iterdir())
    assert names == ["0000000000.block", "0000000001.block", "0000000002.block",
                     "0000000003.block", "genesis.json"]
    assert (exported / "genesis.json").read_bytes() == GENESIS.read_bytes()
    header, extrinsics = decode_block((exported / "0000000001.block").read_bytes())
    assert header.number == 1 and len(extrinsics) == 2


def test_export_range_and_bad_range(base_chain: Path, tmp_path: Path) -> None:
    res = ok(base_chain, "export-blocks", "--out", str(tmp_path), "--from", "2", "--to", "3")
    assert res["blocks"] == 2
    assert sorted(p.name for p in tmp_path.glob("*.block")) == ["0000000002.block",
                                                                "0000000003.block"]
    fails(base_chain, 2, "BadInput", "export-blocks", "--out", str(tmp_path), "--to", "9")


def test_replay_reproduces_the_head(base_chain: Path, exported: Path, tmp_path: Path) -> None:
    head = ok(base_chain, "head")
    assert ok(base_chain, "replay", "--genesis", str(exported / "genesis.json"),
              str(exported)) == head
    files = [str(p) for p in sorted(exported.glob("*.block"), reverse=True)]
    into = tmp_path / "replayed"
    assert ok(base_chain, "replay", "--genesis", str(GENESIS), *files, "--into", str(into)) == head
    assert ok(into, "head") == head  # a usable chain, which can go on sealing
    assert ok(into, "seal")[0]["number"] == head["number"] + 1


def _flipped(exported: Path, tmp_path: Path, number: int, pos: int) -> Path:
    d = tmp_path / f"flip_{number}_{pos}"
    shutil.copytree(exported, d)
    f = d / f"{number:010d}.block"
    data = bytearray(f.read_bytes())
    data[pos % len(data)] ^= 0x01
    f.write_bytes(bytes(data))
    return d


@pytest.mark.parametrize(("pos", "what"), [
    (0, "parent hash"), (40, "state root"), (70, "extrinsics root"),
    (200, "BadProof"), (-1, "")])
def test_a_flipped_byte_is_caught(base_chain: Path, exported: Path, tmp_path: Path,
                                  pos: int, what: str) -> None:
    d = _flipped(exported, tmp_path, 1, pos)
    msg = fails(base_chain, 1, "ReplayMismatch", "replay", "--genesis", str(GENESIS), str(d))
    assert msg.startswith("block #1 (0000000001.block)") and what in msg


@pytest.mark.parametrize("pos", [33, 98, 99])  # number, digest length, extrinsic count
def test_a_flipped_structural_byte_is_caught(base_chain: Path, exported: Path, tmp_path: Path,
                                             pos: int) -> None:
    d = _flipped(exported, tmp_path, 1, pos)
    r = fails(base_chain, 2, "UndecodableBlock", "replay", "--genesis", str(GENESIS), str(d)) \
        if pos != 33 else fails(base_chain, 1, "ReplayMismatch", "replay", "--genesis",
                                str(GENESIS), str(d))
    assert "0000000001.block" in r or "block #" in r


def test_every_byte_of_a_block_is_protected(base_chain: Path, exported: Path,
                                            tmp_path: Path) -> None:
    """Flip each byte of block 2 (timestamp inherent) in turn: never a silent success."""
    from node.genesis import parse_genesis  # in-process for speed: same code as the CLI
    from node.replay import ReplayMismatch, UndecodableBlock, load_blocks, open_target
    from node.replay import replay as do_replay

    text = GENESIS.read_bytes()
    parse_genesis(text)
    files = sorted(exported.glob("*.block"))
    original = files[2].read_bytes()
    for pos in range(len(original)):
        data = bytearray(original)
        data[pos] ^= 0x80
        target = tmp_path / "0000000002.block"
        target.write_bytes(bytes(data))
        with pytest.raises((ReplayMismatch, UndecodableBlock)):
            blocks = load_blocks([files[0], files[1], target])
            with open_target(text, None) as chain:
                do_replay(chain, blocks, None)


def test_truncated_or_garbage_files_exit_2(base_chain: Path, exported: Path,
                                           tmp_path: Path) -> None:
    d = tmp_path / "t"
    shutil.copytree(exported, d)
    f = d / "0000000002.block"
    f.write_bytes(f.read_bytes()[:-3])
    msg = fails(base_chain, 2, "UndecodableBlock", "replay", "--genesis", str(GENESIS), str(d))
    assert "0000000002.block does not decode as a block" in msg
    f.write_bytes(b"")
    fails(base_chain, 2, "UndecodableBlock", "replay", "--genesis", str(GENESIS), str(d))
    fails(base_chain, 2, "UndecodableBlock", "replay", "--genesis", str(GENESIS),
          str(tmp_path / "missing"))
    bad = tmp_path / "g.json"
    bad.write_text('{"sudo": 5}')
    assert "sudo" in fails(base_chain, 2, "BadGenesis", "replay", "--genesis", str(bad),
                           str(exported))


def test_missing_block_and_wrong_genesis_exit_1(base_chain: Path, exported: Path,
                                                tmp_path: Path) -> None:
    d = tmp_path / "gap"
    shutil.copytree(exported, d)
    (d / "0000000002.block").unlink()
    assert "expected block #2" in fails(base_chain, 1, "ReplayMismatch", "replay", "--genesis",
                                        str(GENESIS), str(d))
    other = tmp_path / "other.json"
    other.write_text('{"timestamp_ms": 5}')
    assert "genesis hash differs" in fails(base_chain, 1, "ReplayMismatch", "replay",
                                           "--genesis", str(other), str(exported))


def test_state_root_mismatch_names_the_differing_keys(base_chain: Path, chain_copy: Path,
                                                      exported: Path, tmp_path: Path) -> None:
    """Block 1 of another chain (Bob got 2000, not 1000) carrying the author's state root."""
    other = tmp_path / "other"
    ok(other, "init", "--genesis", str(GENESIS))
    ok(other, "tx", "Balances", "transfer_keep_alive", "//Bob", "2000")
    ok(other, "export-blocks", "--out", str(tmp_path / "ob"))
    theirs = (tmp_path / "ob" / "0000000001.block").read_bytes()
    author = (exported / "0000000001.block").read_bytes()
    forged = theirs[:33] + author[33:65] + theirs[65:]  # number is 1 byte: root at 33..65
    d = tmp_path / "forged"
    d.mkdir()
    (d / "0000000001.block").write_bytes(forged)
    msg = fails(chain_copy, 1, "ReplayMismatch", "replay", "--genesis", str(GENESIS), str(d),
                "--against", str(chain_copy))
    assert "state root differs: recomputed 0x" in msg and "committed 0x" + author[33:65].hex() \
        in msg
    assert "System.Account" in msg
