"""What polkadot-api needs of the server beyond the legacy methods py-substrate-interface
and polkadot.js use: `:code` (it keys each runtime by that hash) and hex without `0x`
(it sends `""` as empty `state_call` data). Checked over HTTP, without node."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from runtime.hashing import blake2_256
from tests.clients.conftest import GENESIS
from tests.clients.harness import phala_emu, served

CODE = b"phala-emu runtime phala-emu 1"


def rpc(url: str, method: str, *params: Any) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    req = urllib.request.Request(url.replace("ws://", "http://"), body.encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def test_code_hash_and_hex_without_prefix(tmp_path: Path) -> None:
    base = tmp_path / "chain"
    phala_emu(base, "init", "--genesis", str(GENESIS))
    with served(base) as info:
        url, genesis = info["url"], info["genesis_hash"]
        assert rpc(url, "state_getStorageHash", "0x3a636f6465", genesis)["result"] == \
            "0x" + blake2_256(CODE).hex()
        assert rpc(url, "state_getStorage", "0x3a636f6465")["result"] == "0x" + CODE.hex()
        assert rpc(url, "state_getStorageSize", "0x3a636f6465")["result"] == len(CODE)
        with_prefix = rpc(url, "state_call", "Metadata_metadata_versions", "0x", genesis)
        assert with_prefix["result"] == "0x" + "08" + "0e000000" + "0f000000"
        assert rpc(url, "state_call", "Metadata_metadata_versions", "", genesis) == with_prefix
        assert rpc(url, "state_getStorage", "3a636f6465")["result"] == "0x" + CODE.hex()
        assert rpc(url, "state_getStorage", "0xzz")["error"]["code"] == -32602
