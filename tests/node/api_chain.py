"""A chain for runtime API tests: genesis.json, then two Alice -> Bob transfers (blocks 1, 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from node.args import build_call
from node.chain import Chain
from node.keystore import DeterministicKeypair
from node.pool import sign_call

REPO = Path(__file__).resolve().parents[2]
ALICE = DeterministicKeypair.from_uri("//Alice")
BOB = DeterministicKeypair.from_uri("//Bob")


def transfer(chain: Chain, signer: Any = ALICE, **kw: Any) -> bytes:
    """A signed Balances.transfer_keep_alive(//Bob, 1000) extrinsic (not submitted)."""
    call = build_call(chain.rt, "Balances", "transfer_keep_alive", ["//Bob", "1000"], chain.ctx)
    return sign_call(chain, signer, call, **kw)


def make_chain(base: Path) -> Chain:
    chain = Chain.init(base, (REPO / "genesis.json").read_bytes())
    for _ in range(2):
        assert chain.submit(transfer(chain), seal=True)["success"]
    return chain
