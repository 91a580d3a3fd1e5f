"""JSON-RPC error objects with Substrate's codes and texts (rpc.md §2)."""

from __future__ import annotations

from typing import Any

from runtime.validity import TransactionValidityError

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR = (
    -32700, -32600, -32601, -32602, -32603)
TOO_MANY_SUBSCRIPTIONS, OVERSIZED_REQUEST, OVERSIZED_RESPONSE = -32006, -32007, -32008
BAD_FORMAT, VERIFICATION_ERROR = 1001, 1002
POOL_INVALID_TX, POOL_UNKNOWN_VALIDITY, POOL_ALREADY_IMPORTED = 1010, 1011, 1013
STATE_INVALID_COUNT, STATE_CLIENT = 4002, 4003

# sp_runtime's Display texts of InvalidTransaction / UnknownTransaction
INVALID_TEXTS = {
    "Call": "Transaction call is not expected",
    "Payment": "Inability to pay some fees (e.g. account balance too low)",
    "Future": "Transaction will be valid in the future",
    "Stale": "Transaction is outdated",
    "BadProof": "Transaction has a bad signature",
    "AncientBirthBlock": "Transaction has an ancient birth block",
    "ExhaustsResources": "Transaction would exhaust the block limits",
    "Custom": "InvalidTransaction custom error",
    "BadMandatory": "A call was labelled as mandatory, but resulted in an Error.",
    "MandatoryValidation": "Transaction dispatch is mandatory; transactions must not be "
                           "validated.",
    "BadSigner": "Invalid signing address",
}
UNKNOWN_TEXTS = {
    "CannotLookup": "Could not lookup information required to validate the transaction",
    "NoUnsignedValidator": "Could not find an unsigned validator for the unsigned transaction",
    "Custom": "UnknownTransaction custom error",
}


class RpcError(Exception):
    """An error answer: `{"code", "message"[, "data"]}`."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        return out


def invalid_params(text: str) -> RpcError:
    return RpcError(INVALID_PARAMS, "Invalid params", text)


def client_error(text: str) -> RpcError:
    """4003: unknown block, runtime API failure."""
    return RpcError(STATE_CLIENT, "Client error: " + text, None)


def unknown_block(block_hash: bytes) -> RpcError:
    return client_error(f"UnknownBlock: header not found for 0x{block_hash.hex()}")


def transaction_error(exc: TransactionValidityError) -> RpcError:
    """1010 Invalid Transaction / 1011 Unknown Transaction Validity with sp_runtime's text."""
    if exc.kind == "Unknown":
        return RpcError(POOL_UNKNOWN_VALIDITY, "Unknown Transaction Validity",
                        UNKNOWN_TEXTS.get(exc.reason, exc.reason))
    return RpcError(POOL_INVALID_TX, "Invalid Transaction",
                    INVALID_TEXTS.get(exc.reason, exc.reason))


def unsafe_call() -> RpcError:
    return RpcError(METHOD_NOT_FOUND, "RPC call is unsafe to be called externally")
