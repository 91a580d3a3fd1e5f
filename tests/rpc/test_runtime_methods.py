"""Methods served by the runtime: metadata, state_call, dry runs, at the head and in history."""

from __future__ import annotations

import pytest

from runtime.keys import Keypair
from tests.rpc.conftest import Server, Signer

metadata = pytest.importorskip("runtime.metadata")  # the meta piece (merged from main)
at_block = pytest.importorskip("node.at_block")     # the rtapi piece (merged from main)

BOB = Keypair.from_uri("//Bob").public_key
ALICE = Keypair.from_uri("//Alice").public_key


def test_metadata_is_v14_of_the_runtime(server: Server, signer: Signer) -> None:
    raw = server.call("state_getMetadata")
    assert raw == "0x" + metadata.metadata_bytes(signer.rt, 14).hex()
    assert raw.startswith("0x" + b"meta".hex() + "0e")
    genesis = "0x" + server.genesis_hash.hex()
    assert server.call("state_getMetadata", genesis) == raw
    assert server.error("state_getMetadata", "0x" + "22" * 32)["code"] == 4003


def test_state_call_at_head_and_in_history(server: Server, signer: Signer) -> None:
    from runtime.version import RUNTIME_VERSION, runtime_version

    version = "0x" + RUNTIME_VERSION.encode(runtime_version(signer.config)).hex()
    assert server.call("state_call", "Core_version", "0x") == version
    assert server.call("state_call", "Core_version", "") == version  # as polkadot-api sends it
    nonce = server.call("system_accountNextIndex", "//Alice")
    before = server.call("chain_getBlockHash")
    server.call("author_submitExtrinsic",
                "0x" + signer.transfer("//Alice", BOB, 10**12, nonce).hex())
    as_u32 = "0x" + (nonce + 1).to_bytes(4, "little").hex()
    assert server.call("state_call", "AccountNonceApi_account_nonce", "0x" + ALICE.hex()) == \
        as_u32
    assert server.call("state_callAt", "AccountNonceApi_account_nonce", "0x" + ALICE.hex(),
                       before) == "0x" + nonce.to_bytes(4, "little").hex()
    assert server.error("state_call", "NoSuchApi_nothing", "0x")["code"] == 4003
    assert server.error("state_call", "AccountNonceApi_account_nonce", "0x01")["code"] == 4003
    assert server.error("state_call", "Core_version", "0x", "0x" + "33" * 32)["code"] == 4003


def test_dry_run_and_fees(server: Server, signer: Signer) -> None:
    used = server.call("system_accountNextIndex", "//Alice")
    server.call("author_submitExtrinsic",
                "0x" + signer.transfer("//Alice", BOB, 10**12, used).hex())
    nonce = used + 1
    ok = signer.transfer("//Alice", BOB, 10**12, nonce)
    assert server.call("system_dryRun", "0x" + ok.hex()) == "0x0000"  # Ok(Ok(()))
    stale = signer.transfer("//Alice", BOB, 10**12, used)
    # Err(Invalid(Stale)): TransactionValidityError::Invalid 0, InvalidTransaction::Stale 3
    assert server.call("system_dryRun", "0x" + stale.hex()) == "0x010003"
    assert server.call("system_accountNextIndex", "//Alice") == nonce  # nothing applied
    assert server.call("payment_queryInfo", "0x" + ok.hex()) == {
        "weight": {"ref_time": 100_000_000, "proof_size": 0}, "class": "normal",
        "partialFee": "0"}
    # the timestamp inherent of a sealed block: Mandatory, and no inclusion fee (unsigned)
    inherent = server.call("chain_getBlock")["block"]["extrinsics"][0]
    assert server.call("payment_queryInfo", inherent)["class"] == "mandatory"
    assert server.call("payment_queryFeeDetails", inherent) == {"inclusionFee": None}
    assert server.call("payment_queryFeeDetails", "0x" + ok.hex()) == {"inclusionFee": {
        "baseFee": "0x0", "lenFee": "0x0", "adjustedWeightFee": "0x0"}}
    assert server.error("payment_queryInfo", "0x" + ok.hex(), "0x" + "44" * 32)["code"] == 4003
    assert server.error("payment_queryInfo", "0x0102")["code"] == -32602
