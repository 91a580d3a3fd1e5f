"""SCALE codecs of the runtime APIs' inputs and outputs, with sp_runtime's layouts and paths.

The paths are the Rust types' (`with_path`), so metadata V15 describes the APIs with the
types clients recognise. Values: enums are `Variant`s, structs dicts or dataclasses.
"""

from __future__ import annotations

from runtime.balances import MULTI_ADDRESS
from runtime.codec import (
    BOOL,
    BYTES,
    U8,
    U64,
    U128,
    BytesCodec,
    Codec,
    Enum,
    Option,
    Struct,
    Tuple,
    Variant,
    Vec,
    with_path,
)
from runtime.extrinsic import EXTRA, MULTI_SIGNATURE, Extrinsic
from runtime.runtime import RUNTIME_CALL
from runtime.sudo import DISPATCH_RESULT
from runtime.system import DISPATCH_CLASS, WEIGHT
from runtime.validity import (
    INVALID_REASONS,
    UNKNOWN_REASONS,
    TransactionValidityError,
    ValidTransaction,
)


class RuntimeApiError(Exception):
    """A `state_call` that cannot run: unknown method, or input that does not decode."""


class ExtrinsicCodec(BytesCodec):
    """`<Block as BlockT>::Extrinsic`: one whole v4 extrinsic; the value is its full
    encoding, compact length prefix included (an opaque extrinsic on the wire).

    Decoding is strict about the envelope (as the Rust decoder is); the call inside is
    checked by the API that uses it, against the runtime's call enum.
    """

    def encode(self, value: bytes) -> bytes:
        return bytes(value)

    def decode_from(self, data: bytes, offset: int) -> tuple[bytes, int]:
        _, end = super().decode_from(data, offset)
        full = bytes(data[offset:end])
        Extrinsic.decode(full)  # ExtrinsicFormatError is a ScaleDecodeError
        return full, end

    def metadata_twin(self) -> Codec:
        """scale-info's description of an extrinsic: a composite of its encoded bytes."""
        return with_path(Tuple(BYTES), self.path or "")


# The runtime's extrinsic type (metadata's `extrinsic.ty` and the runtime APIs' argument).
# The generic parameters are what polkadot.js reads from this path (a V15 registry whose
# UncheckedExtrinsic lacks them fails to load), as for the extrinsic type of V14.
UNCHECKED_EXTRINSIC = with_path(
    ExtrinsicCodec(name="UncheckedExtrinsic"),
    "sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic",
    ("Address", MULTI_ADDRESS), ("Call", RUNTIME_CALL), ("Signature", MULTI_SIGNATURE),
    ("Extra", EXTRA))
OPAQUE_METADATA = with_path(BytesCodec(name="OpaqueMetadata"), "sp_core::OpaqueMetadata")

TRANSACTION_SOURCE = with_path(
    Enum("TransactionSource", [("InBlock", None), ("Local", None), ("External", None)]),
    "sp_runtime::transaction_validity::TransactionSource")
VALID_TRANSACTION = with_path(Struct("ValidTransaction", [
    ("priority", U64), ("requires", Vec(BYTES)), ("provides", Vec(BYTES)),
    ("longevity", U64), ("propagate", BOOL)], ValidTransaction),
    "sp_runtime::transaction_validity::ValidTransaction")
INVALID_TRANSACTION = with_path(
    Enum("InvalidTransaction", [(r, U8 if r == "Custom" else None) for r in INVALID_REASONS]),
    "sp_runtime::transaction_validity::InvalidTransaction")
UNKNOWN_TRANSACTION = with_path(
    Enum("UnknownTransaction", [(r, U8 if r == "Custom" else None) for r in UNKNOWN_REASONS]),
    "sp_runtime::transaction_validity::UnknownTransaction")
TRANSACTION_VALIDITY_ERROR = with_path(
    Enum("TransactionValidityError", [("Invalid", INVALID_TRANSACTION),
                                      ("Unknown", UNKNOWN_TRANSACTION)]),
    "sp_runtime::transaction_validity::TransactionValidityError")
TRANSACTION_VALIDITY = with_path(
    Enum("Result<ValidTransaction, TransactionValidityError>",
         [("Ok", VALID_TRANSACTION), ("Err", TRANSACTION_VALIDITY_ERROR)]), "Result",
    ("T", VALID_TRANSACTION), ("E", TRANSACTION_VALIDITY_ERROR))  # polkadot.js needs T, E

RUNTIME_DISPATCH_INFO = with_path(Struct("RuntimeDispatchInfo", [
    ("weight", WEIGHT), ("class", DISPATCH_CLASS), ("partial_fee", U128)]),
    "pallet_transaction_payment::types::RuntimeDispatchInfo")
INCLUSION_FEE = with_path(Struct("InclusionFee", [
    ("base_fee", U128), ("len_fee", U128), ("adjusted_weight_fee", U128)]),
    "pallet_transaction_payment::types::InclusionFee")
FEE_DETAILS = with_path(Struct("FeeDetails", [
    ("inclusion_fee", Option(INCLUSION_FEE)), ("tip", U128)]),
    "pallet_transaction_payment::types::FeeDetails")


def validity_error(exc: TransactionValidityError) -> Variant:
    """The TransactionValidityError value of an executive's validity exception."""
    inner = Variant(exc.reason, exc.code if exc.reason == "Custom" else None)
    return Variant(exc.kind, inner)


def transaction_validity(result: ValidTransaction | TransactionValidityError) -> Variant:
    """`Ok(valid)` or `Err(error)` as the TransactionValidity value."""
    if isinstance(result, TransactionValidityError):
        return Variant("Err", validity_error(result))
    return Variant("Ok", result)



class BadInput(Exception):
    """An API input that decodes as bytes but not as what it stands for (e.g. a call
    index the runtime does not have); `state_call` reports it as undecodable input."""


DISPATCH_OUTCOME = DISPATCH_RESULT  # Sudid's Result<(), DispatchError>: one type in metadata
APPLY_EXTRINSIC_RESULT = with_path(
    Enum("Result<DispatchOutcome, TransactionValidityError>",
         [("Ok", DISPATCH_OUTCOME), ("Err", TRANSACTION_VALIDITY_ERROR)]), "Result",
    ("T", DISPATCH_OUTCOME), ("E", TRANSACTION_VALIDITY_ERROR))
