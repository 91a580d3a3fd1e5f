"""Each shipped small scenario is run once per test session (in-process CLI)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from node.cli import main

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def run_cli(*args: str) -> tuple[int, str, str]:
    """`phala-emu ARGS…` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def run_scenario(name: str, out: Path) -> dict[str, Any]:
    code, stdout, stderr = run_cli("--json", "scenario", "run", str(SCENARIOS / name),
                                   "--out", str(out))
    assert code == 0, (stdout, stderr)
    summary: dict[str, Any] = json.loads(stdout)
    assert summary == json.loads((out / "summary.json").read_text())
    return summary


@pytest.fixture(scope="session")
def case2(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("case2") / "out"
    return out, run_scenario("seed-case2.toml", out)


@pytest.fixture(scope="session")
def exit14(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("exit14") / "out"
    return out, run_scenario("exit-within-14-days.toml", out)
