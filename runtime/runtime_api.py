"""Runtime APIs (`state_call`), declared once for dispatch and for metadata V15.

Each API is a name, a version (advertised in the runtime version's `apis` under
blake2-64 of the name) and methods with SCALE-typed inputs and output. The metadata
generator reads `RUNTIME_APIS` for V15's `apis` section; the node's `state_call`
dispatches `<Api>_<method>` to `impl` with the decoded inputs. spec/rpc.md §4.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runtime import api_impl as impl
from runtime.api_types import (
    FEE_DETAILS,
    OPAQUE_METADATA,
    RUNTIME_DISPATCH_INFO,
    TRANSACTION_SOURCE,
    TRANSACTION_VALIDITY,
    UNCHECKED_EXTRINSIC,
    RuntimeApiError,
)
from runtime.codec import ACCOUNT, H256, U32, U128, Codec, Option, Vec
from runtime.system import WEIGHT
from runtime.version import RUNTIME_VERSION


@dataclass(frozen=True)
class ApiMethod:
    name: str                                  # e.g. "account_nonce"
    inputs: list[tuple[str, Codec]]            # (argument name, codec), in order
    output: Codec
    doc: str = ""
    # impl(rt, *decoded_inputs) -> value the output codec encodes; rt is a Runtime
    # over a throw-away layer of the state at the requested block
    impl: Callable[..., Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RuntimeApi:
    name: str                                  # e.g. "AccountNonceApi"
    version: int
    methods: list[ApiMethod]
    doc: str = ""


def _m(name: str, inputs: list[tuple[str, Codec]], output: Codec, doc: str,
       fn: Callable[..., Any]) -> ApiMethod:
    return ApiMethod(name, inputs, output, doc, fn)


# Order is the order metadata lists them. Each version is served in full.
RUNTIME_APIS: list[RuntimeApi] = [
    RuntimeApi("Core", 4, [
        _m("version", [], RUNTIME_VERSION, "The runtime's version.", impl.core_version),
    ], "The Core runtime API (only `version` is served: blocks are authored by the node)."),
    RuntimeApi("Metadata", 2, [
        _m("metadata", [], OPAQUE_METADATA, "The runtime metadata (V14).", impl.metadata),
        _m("metadata_at_version", [("version", U32)], Option(OPAQUE_METADATA),
           "The metadata at `version`, None when that version is not supported.",
           impl.metadata_at_version),
        _m("metadata_versions", [], Vec(U32), "The supported metadata versions.",
           impl.metadata_versions),
    ], "The runtime metadata."),
    RuntimeApi("AccountNonceApi", 1, [
        _m("account_nonce", [("account", ACCOUNT)], U32,
           "The account's nonce (the next transaction index) in the state.",
           impl.account_nonce),
    ], "The account nonce."),
    RuntimeApi("TaggedTransactionQueue", 3, [
        _m("validate_transaction", [("source", TRANSACTION_SOURCE),
                                    ("tx", UNCHECKED_EXTRINSIC), ("block_hash", H256)],
           TRANSACTION_VALIDITY,
           "Validate a transaction for the pool, as in the block after `block_hash`.",
           impl.validate_transaction),
    ], "Transaction validity for the transaction queue."),
    RuntimeApi("TransactionPaymentApi", 4, [
        _m("query_info", [("uxt", UNCHECKED_EXTRINSIC), ("len", U32)],
           RUNTIME_DISPATCH_INFO, "Weight, class and partial fee of an extrinsic.",
           impl.query_info),
        _m("query_fee_details", [("uxt", UNCHECKED_EXTRINSIC), ("len", U32)], FEE_DETAILS,
           "The fee details of an extrinsic.", impl.query_fee_details),
        _m("query_weight_to_fee", [("weight", WEIGHT)], U128, "The fee of a weight.",
           impl.query_weight_to_fee),
        _m("query_length_to_fee", [("length", U32)], U128,
           "The fee of an encoded length.", impl.query_length_to_fee),
    ], "Transaction fees (all zero: this chain charges none)."),
]

__all__ = ["RUNTIME_APIS", "ApiMethod", "RuntimeApi", "RuntimeApiError"]
