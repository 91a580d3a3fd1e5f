"""Shared fixtures: the independent vectors live in ../shared beside the repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
VECTORS = SHARED / "vectors"


@pytest.fixture(scope="session")
def shared() -> Path:
    assert SHARED.is_dir(), f"../shared not found beside the repository ({SHARED})"
    return SHARED


@pytest.fixture(scope="session")
def vectors() -> dict:
    return json.loads((VECTORS / "substrate_vectors.json").read_text())
