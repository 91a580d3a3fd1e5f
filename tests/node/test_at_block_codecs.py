"""state_call encodes an output through the runtime's own codecs: a DispatchError in it
carries the pallet index of the chain's composition (no process-wide binding)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from node import at_block
from node.at_block import state_call
from node.chain import Chain
from runtime.api_types import DISPATCH_OUTCOME
from runtime.runtime_api import ApiMethod
from tests.node.api_chain import make_chain


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    with make_chain(tmp_path_factory.mktemp("codecs")) as c:
        yield c


def test_an_output_with_a_dispatch_error(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(rt):  # type: ignore[no-untyped-def]
        from runtime.codec import Variant

        return Variant("Err", rt["PhalaStakePool"].error("PoolDoesNotExist"))

    method = ApiMethod("fails", [], DISPATCH_OUTCOME, "", fails)
    monkeypatch.setitem(at_block.METHODS, "TestApi_fails", method)
    # Err, Module { index: PhalaStakePool = 7, error: [PoolDoesNotExist = 9, 0, 0, 0] }
    assert state_call(chain, chain.head(), "TestApi_fails", b"").hex() == "01" "03" "07" "09000000"
