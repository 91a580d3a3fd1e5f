"""node.at_block: runtime API calls on the state after any block, never changing the chain."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.args import build_call, wrap_sudo
from node.at_block import RuntimeApiError, dry_run, runtime_at, state_call
from node.chain import Chain
from node.pool import sign_call
from runtime.scale import encode_compact
from tests.node.api_chain import ALICE, BOB, make_chain, transfer

NONCE = "AccountNonceApi_account_nonce"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    with make_chain(tmp_path_factory.mktemp("api")) as c:
        yield c


def nonce_at(chain: Chain, number: int, who: bytes = ALICE.public_key) -> bytes:
    return state_call(chain, chain.resolve(number), NONCE, who)


def test_nonce_at_head_and_history(chain: Chain) -> None:
    assert chain.head().number == 2
    assert nonce_at(chain, 2) == bytes.fromhex("02000000")
    assert nonce_at(chain, 1) == bytes.fromhex("01000000")
    assert nonce_at(chain, 0) == bytes.fromhex("00000000")
    assert nonce_at(chain, 2, BOB.public_key) == bytes.fromhex("00000000")


def test_unknown_method(chain: Chain) -> None:
    with pytest.raises(RuntimeApiError) as e:
        state_call(chain, chain.head(), "AccountNonceApi_nonce", ALICE.public_key)
    assert str(e.value) == "Exported method AccountNonceApi_nonce is not found"
    with pytest.raises(RuntimeApiError) as e:
        state_call(chain, chain.head(), "", b"")
    assert str(e.value) == "Exported method  is not found"


def test_truncated_and_overlong_input(chain: Chain) -> None:
    with pytest.raises(RuntimeApiError) as e:
        state_call(chain, chain.head(), NONCE, ALICE.public_key[:31])
    assert str(e.value) == \
        "Bad input data provided to account_nonce: AccountId: unexpected end of input"
    with pytest.raises(RuntimeApiError) as e:
        state_call(chain, chain.head(), NONCE, ALICE.public_key + b"\0")
    assert str(e.value) == \
        "Bad input data provided to account_nonce: 1 byte(s) left after the input"
    with pytest.raises(RuntimeApiError) as e:
        state_call(chain, chain.head(), "Core_version", b"\0")
    assert str(e.value) == "Bad input data provided to version: 1 byte(s) left after the input"


def test_undecodable_call_is_bad_input(chain: Chain) -> None:
    # a bare extrinsic whose call names pallet index 99: the extrinsic type does not decode
    body = b"\x04\x63\x00"
    uxt = encode_compact(len(body)) + body
    with pytest.raises(RuntimeApiError) as e:
        state_call(chain, chain.head(), "TransactionPaymentApi_query_info",
                   uxt + (len(uxt)).to_bytes(4, "little"))
    assert str(e.value) == ("Bad input data provided to query_info: "
                            "call: RuntimeCall: unknown variant index 99")


def _records(chain: Chain) -> list[tuple[bytes, bytes]]:
    return list(chain.backend.iter_prefix(b""))


def test_calls_that_write_change_nothing(chain: Chain) -> None:
    head = chain.head()
    before = _records(chain)
    root = chain.state.committed_root
    ext = transfer(chain)
    for at in (head, chain.resolve(1)):
        # validate_transaction initialises a block (Number, ParentHash, BlockHash, Events...)
        out = state_call(chain, at, "TaggedTransactionQueue_validate_transaction",
                         b"\x02" + ext + at.hash())
        assert out[0] == 0  # Ok (at block 1: a future nonce)
    rt = runtime_at(chain, head)
    rt.pallets["System"].inc_account_nonce(ALICE.public_key)
    assert rt.pallets["System"].nonce(ALICE.public_key) == 3
    assert chain.state.committed_root == root == head.state_root
    assert chain.head() == head
    assert chain.state.overlay.changes() == {}
    assert _records(chain) == before
    # the next call at the head sees the head's state, not a previous call's writes
    assert nonce_at(chain, 2) == bytes.fromhex("02000000")
    assert chain.rt["System"].Number.get() == 2


def test_runtime_at_is_the_state_after_the_block(chain: Chain) -> None:
    rt = runtime_at(chain, chain.resolve(1))
    assert rt.pallets["System"].Number.get() == 1
    assert rt.pallets["System"].nonce(ALICE.public_key) == 1
    assert rt.config == chain.config
    assert sorted(rt.pallets) == sorted(chain.rt.pallets)


def test_nonce_call_is_cheap_at_the_head(chain: Chain) -> None:
    head, who = chain.head(), ALICE.public_key
    state_call(chain, head, NONCE, who)
    n = 2000
    t = time.perf_counter()
    for _ in range(n):
        state_call(chain, head, NONCE, who)
    per_call = (time.perf_counter() - t) / n
    # composing a Runtime alone takes ~1 ms; a call must not (measured 5-30 µs)
    assert per_call < 200e-6, f"{per_call * 1e6:.0f} µs per call"


def test_a_fresh_chain_object_gets_its_own_runtimes(tmp_path: Path, chain: Chain) -> None:
    with make_chain(tmp_path / "other") as other:
        assert other.submit(transfer(other), seal=True)["success"]
        assert nonce_at(other, 3) == bytes.fromhex("03000000")
        assert nonce_at(chain, 2) == bytes.fromhex("02000000")


def test_dry_run(chain: Chain) -> None:
    head = chain.head()
    before = _records(chain)
    assert dry_run(chain, head, transfer(chain)).hex() == "0000"  # Ok(Ok(()))
    assert dry_run(chain, head, transfer(chain, nonce=1)).hex() == "010003"  # Err(Stale)
    assert dry_run(chain, head, transfer(chain, nonce=3)).hex() == "010002"  # Err(Future)
    # Ok(Err(Module{Sudo (index 3), RequireSudo (0)})): Bob is not the sudo key
    call = build_call(chain.rt, "System", "remark", ["0x00"], chain.ctx)
    sudo = sign_call(chain, BOB, wrap_sudo(chain.rt, call))
    assert dry_run(chain, head, sudo).hex() == "0001" + "03" + "03" + "00000000"
    signed_root = sign_call(chain, BOB, build_call(chain.rt, "System", "kill_storage", ["[]"],
                                                   chain.ctx))
    assert dry_run(chain, head, signed_root).hex() == "000102"  # Ok(Err(BadOrigin))
    assert dry_run(chain, chain.resolve(1), transfer(chain, nonce=1)).hex() == "0000"
    assert _records(chain) == before and chain.head() == head


def test_dry_run_bad_input(chain: Chain) -> None:
    with pytest.raises(RuntimeApiError) as e:
        dry_run(chain, chain.head(), b"\x0c\x04\x63\x00")
    assert str(e.value) == ("Bad input data provided to apply_extrinsic: "
                            "call: RuntimeCall: unknown variant index 99")
    with pytest.raises(RuntimeApiError) as e:
        dry_run(chain, chain.head(), b"\x10\x04\x00\x00")
    assert str(e.value) == ("Bad input data provided to apply_extrinsic: "
                            "UncheckedExtrinsic: unexpected end of input")
