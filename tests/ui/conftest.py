"""A served staking chain for the dashboard tests: test_forecast's chain (pool 0 mining with
two workers and Eve's 5,000 PHA queued withdrawal; pool 1 with free stake only), with the
CLI's answers taken before the server holds the chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from runtime import ss58
from runtime.keys import Keypair
from tests.node.test_forecast import build_chain
from tests.rpc.conftest import Server, cli, start_server, stop_server

PHA = 10**12


def address(suri: str) -> str:
    return ss58.encode(Keypair.from_uri(suri).public_key, 30)


@dataclass
class Staking:
    server: Server
    apr: dict[str, Any]        # `phala-emu --json apr`
    forecast: dict[str, Any]   # `forecast withdrawal --pool 0 --who //Eve`
    forecast_apr: dict[str, Any]  # `forecast apr --pool 0 --days 0.01`
    head: dict[str, Any]       # `head`


@pytest.fixture(scope="package")
def staking(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Staking]:
    base = tmp_path_factory.mktemp("dashboard") / "chain"
    build_chain(base)
    apr = cli(base, "apr")
    forecast = cli(base, "forecast", "withdrawal", "--pool", "0", "--who", "//Eve")
    forecast_apr = cli(base, "forecast", "apr", "--pool", "0", "--days", "0.01")
    head = cli(base, "head")
    srv = start_server(base)
    try:
        yield Staking(srv, apr, forecast, forecast_apr, head)
    finally:
        assert stop_server(srv) == 0
