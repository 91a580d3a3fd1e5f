"""py-substrate-interface's own metadata processing, offline: its RPC requests are answered
in-process from our runtime (no server), then it composes and signs extrinsics from our V14
metadata alone. The emulator must accept them: same call bytes, a valid signature over the
payload the signed extensions describe. (The server's tests drive it over a real socket.)"""

from __future__ import annotations

from typing import Any

import pytest
from substrateinterface import Keypair as SiKeypair
from substrateinterface import SubstrateInterface

from runtime.codec import Variant
from runtime.era import Era
from runtime.extrinsic import Extrinsic, verify_signature
from runtime.metadata import metadata_bytes
from runtime.version import runtime_version_json
from tests.harness import BOB, CHARLIE, Chain

GENESIS = bytes([0x11]) * 32
HEAD = bytes([0x22]) * 32
HEAD_NUMBER = 100


class OfflineSubstrate(SubstrateInterface):  # type: ignore[misc]
    """SubstrateInterface whose RPC is answered from a runtime instead of a node."""

    def __init__(self, rt: Any) -> None:
        self.rt = rt
        self.requests: list[str] = []
        super().__init__(url="http://127.0.0.1:1", ss58_format=rt.config.ss58_format)

    def rpc_request(self, method: str, params: Any, result_handler: Any = None) -> Any:
        self.requests.append(method)
        hexs = "0x{}".format
        answers: dict[str, Any] = {
            "chain_getBlockHash": hexs((GENESIS if params and params[0] == 0 else HEAD).hex()),
            "chain_getHead": hexs(HEAD.hex()),
            "chain_getFinalizedHead": hexs(HEAD.hex()),
            "state_getRuntimeVersion": runtime_version_json(self.rt.config),
            "chain_getRuntimeVersion": runtime_version_json(self.rt.config),
            "state_getMetadata": hexs(metadata_bytes(self.rt, 14).hex()),
            "chain_getHeader": {"parentHash": hexs(GENESIS.hex()), "number": hex(HEAD_NUMBER),
                                "stateRoot": hexs(bytes(32).hex()),
                                "extrinsicsRoot": hexs(bytes(32).hex()),
                                "digest": {"logs": []}},
            "system_properties": {"ss58Format": self.rt.config.ss58_format,
                                  "tokenDecimals": 12, "tokenSymbol": "PHA"},
            "rpc_methods": {"methods": ["state_getMetadata", "chain_getHeader"]},
            "system_chain": "Phala Emulator", "system_name": "phala-emu",
            "system_version": "0.1.0",
        }
        if method not in answers:
            raise AssertionError(f"unexpected RPC request {method}({params})")
        return {"jsonrpc": "2.0", "id": 1, "result": answers[method]}


@pytest.fixture(scope="module")
def chain() -> Chain:
    return Chain()


@pytest.fixture(scope="module")
def substrate(chain: Chain) -> OfflineSubstrate:
    si = OfflineSubstrate(chain.rt)
    si.init_runtime()
    return si


def test_it_reads_our_metadata(substrate: OfflineSubstrate) -> None:
    assert substrate.metadata.get_metadata_pallet("PhalaStakePool").value["index"] == 7
    assert substrate.get_constant("System", "SS58Prefix").value == 30
    assert substrate.get_constant("Balances", "ExistentialDeposit").value == 1
    call = substrate.get_metadata_call_function("PhalaStakePool", "contribute")
    assert [a["name"] for a in call.value["fields"]] == ["pid", "amount"]


@pytest.mark.parametrize("era", [None, {"period": 64}])
def test_its_signed_extrinsics_are_accepted(chain: Chain, substrate: OfflineSubstrate,
                                            era: Any) -> None:
    rt = chain.rt
    call = substrate.compose_call("Sudo", "sudo", {"call": {
        "call_module": "Balances", "call_function": "force_transfer",
        "call_args": {"source": "0x" + BOB.hex(), "dest": "0x" + CHARLIE.hex(),
                      "value": 10**12}}})
    alice = SiKeypair.create_from_uri("//Alice")
    signed = substrate.create_signed_extrinsic(call, alice, era=era, nonce=5, tip=7)
    ext = Extrinsic.decode(signed.data.data)
    assert ext.signed is not None
    assert (ext.signed.signer, ext.signed.nonce, ext.signed.tip) == (alice.public_key, 5, 7)
    ours = rt.make_call("Sudo", "sudo", call=rt.make_call(
        "Balances", "force_transfer", source=Variant("Id", BOB), dest=Variant("Id", CHARLIE),
        value=10**12))
    assert ext.call == rt.encode_call(ours)
    assert rt.decode_call(ext.call) == ours
    expected_era = Era() if era is None else Era.mortal(64, HEAD_NUMBER)
    assert ext.signed.era == expected_era
    checkpoint = GENESIS if era is None else HEAD
    version = runtime_version_json(rt.config)
    assert verify_signature(ext, version["specVersion"], version["transactionVersion"],
                            GENESIS, checkpoint)
