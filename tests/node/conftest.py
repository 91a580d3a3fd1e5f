"""Driving `phala-emu` as a user would: subprocesses with --base-path and --json.

`base_chain` is one initialized chain (repository genesis.json, a few blocks) built
once per session; read-only tests use it in place, writing tests take `chain_copy`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
GENESIS = REPO / "genesis.json"


@dataclass
class Result:
    code: int
    out: Any
    stderr: str


def cli(base: Path | str, *args: str, json_mode: bool = True, timeout: float = 120) -> Result:
    """Run `python -m node --base-path base [--json] args...`; stdout parsed as JSON."""
    cmd = [sys.executable, "-m", "node", "--base-path", str(base)]
    if json_mode:
        cmd.append("--json")
    proc = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    out: Any = proc.stdout
    if json_mode:
        lines = proc.stdout.strip().splitlines()
        assert len(lines) == 1, f"expected one JSON document, got {proc.stdout!r} / {proc.stderr}"
        out = json.loads(lines[0])
    return Result(proc.returncode, out, proc.stderr)


def ok(base: Path | str, *args: str) -> Any:
    r = cli(base, *args)
    assert r.code == 0, (args, r.out, r.stderr)
    return r.out


def fails(base: Path | str, code: int, kind: str, *args: str) -> str:
    """Assert exit `code` with {"error": kind}; the message."""
    r = cli(base, *args)
    assert r.code == code, (args, r.out, r.stderr)
    assert r.out["error"] == kind, r.out
    assert r.stderr.startswith("error: "), r.stderr
    return str(r.out["message"])


def snapshot(base: Path | str) -> tuple[Any, Any, Any]:
    """What must not change on a failed command: head, Alice's account, the pool size."""
    return ok(base, "head"), ok(base, "query", "System", "Account", "//Alice"), \
        ok(base, "query", "Balances", "TotalIssuance")


@pytest.fixture(scope="session")
def base_chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("chain")
    ok(base, "init", "--genesis", str(GENESIS))
    ok(base, "tx", "Balances", "transfer_keep_alive", "//Bob", "1000")
    ok(base, "seal", "--count", "2")
    return base


@pytest.fixture
def chain_copy(base_chain: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "chain"
    shutil.copytree(base_chain, dst)
    return dst
