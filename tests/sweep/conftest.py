"""One local Ray cluster for the sweep tests (2 CPUs, a small object store, no
dashboard), shut down at the end; `phala-emu sweep` uses a session already started."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import ray


@pytest.fixture(scope="session")
def ray_local() -> Iterator[Any]:
    ray.init(num_cpus=2, object_store_memory=100 * 1024 * 1024, include_dashboard=False,
             logging_level=logging.WARNING)
    try:
        yield ray
    finally:
        ray.shutdown()
