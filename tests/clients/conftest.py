"""Client tests need node/npm and the pinned packages (installed here when missing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clients.harness import npm_ready, phala_emu

GENESIS = Path(__file__).resolve().parents[2] / "genesis.json"


@pytest.fixture(scope="session")
def js_ready() -> None:
    why = npm_ready()
    if why is not None:
        pytest.skip(why)


@pytest.fixture
def chain_dir(tmp_path: Path, js_ready: None) -> Path:
    """A fresh chain from the repository's genesis.json (nothing authored yet)."""
    base = tmp_path / "chain"
    phala_emu(base, "init", "--genesis", str(GENESIS))
    return base
