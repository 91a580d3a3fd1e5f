"""The runtime version (sp_version::RuntimeVersion): `Core_version`, `System.Version`, RPC.

`apis` lists every runtime API in `runtime.runtime_api.RUNTIME_APIS` under its id,
blake2-64 of its name, so what is advertised is exactly what `state_call` serves.
"""

from __future__ import annotations

import hashlib
from typing import Any

from runtime.codec import STR, U8, U32, FixedBytes, Struct, Tuple, Vec, with_path
from runtime.config import RuntimeConfig

IMPL_NAME = "phala-emu"
AUTHORING_VERSION = 1
IMPL_VERSION = 0

API_ID = FixedBytes(8)
RUNTIME_VERSION = with_path(Struct("RuntimeVersion", [
    ("spec_name", STR),
    ("impl_name", STR),
    ("authoring_version", U32),
    ("spec_version", U32),
    ("impl_version", U32),
    ("apis", Vec(Tuple(API_ID, U32))),
    ("transaction_version", U32),
    ("state_version", U8),
]), "sp_version::RuntimeVersion")


def api_id(name: str) -> bytes:
    """The 8-byte id of a runtime API: blake2-64 of its name."""
    return hashlib.blake2b(name.encode(), digest_size=8).digest()


def runtime_version(config: RuntimeConfig) -> dict[str, Any]:
    """The RuntimeVersion value (codec field names) of a runtime built with `config`."""
    from runtime.runtime_api import RUNTIME_APIS

    return {
        "spec_name": config.spec_name,
        "impl_name": IMPL_NAME,
        "authoring_version": AUTHORING_VERSION,
        "spec_version": config.spec_version,
        "impl_version": IMPL_VERSION,
        "apis": [(api_id(a.name), a.version) for a in RUNTIME_APIS],
        "transaction_version": config.transaction_version,
        "state_version": config.state_version,
    }


def runtime_version_json(config: RuntimeConfig) -> dict[str, Any]:
    """The RPC shape (`state_getRuntimeVersion`): camelCase, apis as [[hex id, version]]."""
    v = runtime_version(config)
    return {
        "specName": v["spec_name"], "implName": v["impl_name"],
        "authoringVersion": v["authoring_version"], "specVersion": v["spec_version"],
        "implVersion": v["impl_version"],
        "apis": [["0x" + i.hex(), n] for i, n in v["apis"]],
        "transactionVersion": v["transaction_version"], "stateVersion": v["state_version"],
    }
