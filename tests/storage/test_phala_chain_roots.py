"""A real Phala chain: raw genesis + 30 blocks of changes reproduce its 31 state roots."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from node.cli import main
from storage.rawspec import iter_roots, load_changes, load_raw_top
from storage.trie import trie_root

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trie_dir(shared: Path) -> Path:
    return shared / "vectors" / "trie"


@pytest.fixture(scope="module")
def expected_roots(trie_dir: Path) -> list[str]:
    return (trie_dir / "state_roots_0_30.txt").read_text().split()


def test_31_roots_via_library(trie_dir: Path, expected_roots: list[str]) -> None:
    top = load_raw_top(trie_dir / "genesis_raw.json")
    assert len(top) == 156 and len(top[b":code"]) > 1_000_000
    blocks = load_changes(trie_dir / "changes_0_30.json")
    assert len(blocks) == 31
    roots = ["0x" + r.hex() for r in iter_roots(top, blocks[1:], layout=0)]
    assert len(expected_roots) == 31
    assert roots == expected_roots


def test_genesis_root_from_scratch_and_v1_differs(trie_dir: Path,
                                                  expected_roots: list[str]) -> None:
    top = load_raw_top(trie_dir / "genesis_raw.json")
    assert "0x" + trie_root(top.items(), 0).hex() == expected_roots[0]
    assert "0x" + trie_root(top.items(), 1).hex() != expected_roots[0]
    assert list(iter_roots(top, [], layout=1)) == [trie_root(top.items(), 1)]


def test_31_roots_via_cli_subprocess(trie_dir: Path, expected_roots: list[str]) -> None:
    cmd = [sys.executable, "-m", "node", "state-root", str(trie_dir / "genesis_raw.json"),
           "--changes", str(trie_dir / "changes_0_30.json")]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "".join(r + "\n" for r in expected_roots)

    json_cmd = [*cmd[:3], "--json", *cmd[3:]]
    done = subprocess.run(json_cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected_roots


def test_cli_genesis_only(trie_dir: Path, expected_roots: list[str],
                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["state-root", str(trie_dir / "genesis_raw.json")]) == 0
    assert capsys.readouterr().out == expected_roots[0] + "\n"


# -- bad input: exit 2, one-line reason on stderr, {"error", "message"} with --json -----------

def _run_bad(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr()
    assert err.out == ""
    assert main(["--json", *argv]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["error"] == "BadInput"
    assert err.err == f"error: {doc['message']}\n"
    return doc["message"]


def test_cli_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.json"
    msg = _run_bad(["state-root", str(missing)], capsys)
    assert msg == f"raw spec file not found: {missing}"


def test_cli_malformed_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text("{not json")
    msg = _run_bad(["state-root", str(spec)], capsys)
    assert msg.startswith(f"raw spec file {spec} is not valid JSON: Expecting property name")


def test_cli_missing_raw_top(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"genesis": {"runtime": {}}}))
    assert _run_bad(["state-root", str(spec)], capsys) == f"raw spec {spec} has no genesis.raw.top"


def _spec(tmp_path: Path, top: dict) -> Path:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"genesis": {"raw": {"top": top, "childrenDefault": {}}}}))
    return spec


def test_cli_non_hex_key_and_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec(tmp_path, {"0xzz": "0x00"})
    msg = _run_bad(["state-root", str(spec)], capsys)
    assert msg == "storage key is not 0x-prefixed hex: '0xzz'"
    spec = _spec(tmp_path, {"0xaa": "bb"})
    msg = _run_bad(["state-root", str(spec)], capsys)
    assert msg == "value of key 0xaa is not 0x-prefixed hex: 'bb'"


def test_cli_unknown_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec(tmp_path, {"0xaa": "0xbb"})
    msg = _run_bad(["state-root", str(spec), "--layout", "v2"], capsys)
    assert msg == "unknown layout 'v2' (expected v0 or v1)"


def test_cli_bad_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec(tmp_path, {"0xaa": "0xbb"})
    changes = tmp_path / "changes.json"
    changes.write_text(json.dumps({"result": [{"mainStorageChanges": []},
                                              {"mainStorageChanges": [["0xaa", 5]]}]}))
    msg = _run_bad(["state-root", str(spec), "--changes", str(changes)], capsys)
    assert msg == "value of key 0xaa is not 0x-prefixed hex: 5"


def test_cli_small_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec(tmp_path, {"0xaa": "0xbb"})
    changes = tmp_path / "changes.json"
    changes.write_text(json.dumps({"result": [
        {"block": "0x00", "changes": [["0xaa", "0xbb"]]},
        {"block": "0x01", "changes": [["0x4819", "0xfe"], ["0x1314", "0xff"], ["0xaa", None]]},
        {"block": "0x02", "changes": [["0x4819", None], ["0x1314", None]]},
    ]}))
    assert main(["--json", "state-root", str(spec), "--changes", str(changes)]) == 0
    assert json.loads(capsys.readouterr().out) == [
        "0x7139093dc8fdc285c49416f80974ef722e770117d1626dcc7390406ba745b133",
        "0x5a97575091d0944570d42cd246c87f097972b725deda4eb13f535087c63d7422",
        "0x03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314",
    ]
