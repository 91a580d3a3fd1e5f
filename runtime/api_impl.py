"""What each runtime API method does: `impl(rt, *inputs)`, rt over a throw-away layer.

Declared in runtime.runtime_api; spec/rpc.md §4. Fees are zero (decision 7), so the
payment API reports zero fees with the shapes pallet-transaction-payment gives.
"""

from __future__ import annotations

from typing import Any

from runtime.api_types import BadInput, transaction_validity
from runtime.codec import Variant
from runtime.executive import INHERENTS, Executive
from runtime.extrinsic import Extrinsic
from runtime.scale import ScaleDecodeError
from runtime.system import dispatch_info
from runtime.validity import TransactionValidityError
from runtime.version import runtime_version

# -- Core ----------------------------------------------------------------------------------


def core_version(rt: Any) -> dict[str, Any]:
    return runtime_version(rt.config)


# -- Metadata (runtime.metadata is built beside this; imported when first used) ------------


def metadata(rt: Any) -> bytes:
    from runtime.metadata import metadata_bytes

    return metadata_bytes(rt, 14)


def metadata_versions(rt: Any) -> list[int]:
    from runtime.metadata import SUPPORTED_VERSIONS

    return list(SUPPORTED_VERSIONS)


def metadata_at_version(rt: Any, version: int) -> bytes | None:
    from runtime.metadata import SUPPORTED_VERSIONS, metadata_bytes

    return metadata_bytes(rt, version) if version in SUPPORTED_VERSIONS else None


# -- AccountNonceApi -----------------------------------------------------------------------


def account_nonce(rt: Any, account: bytes) -> int:
    return int(rt.pallets["System"].nonce(account))


# -- TaggedTransactionQueue ----------------------------------------------------------------


def call_of(rt: Any, uxt: bytes) -> tuple[Extrinsic, Variant]:
    """The extrinsic and its decoded call; BadInput when the call is not the runtime's."""
    ext = Extrinsic.decode(uxt)
    try:
        return ext, rt.decode_call(ext.call)
    except (ScaleDecodeError, ValueError) as exc:
        raise BadInput(f"call: {exc}") from None


def validate_transaction(rt: Any, source: Variant, tx: bytes, block_hash: bytes) -> Variant:
    """frame-executive's: System::initialize for the block after `block_hash` (its parent
    hash lands in BlockHash, as a mortal era's birth may need), then the pool checks."""
    call_of(rt, tx)
    system = rt.pallets["System"]
    system.initialize(system.Number.get() + 1, block_hash, [])
    try:
        valid = Executive(rt).validate_transaction(tx, for_pool=True)
    except TransactionValidityError as exc:
        return transaction_validity(exc)
    return transaction_validity(valid)


# -- TransactionPaymentApi -----------------------------------------------------------------


def query_info(rt: Any, uxt: bytes, length: int) -> dict[str, Any]:
    ext, call = call_of(rt, uxt)
    info = dispatch_info((call.name, call.value.name) in INHERENTS)
    return {"weight": info["weight"], "class": info["class"], "partial_fee": 0}


def query_fee_details(rt: Any, uxt: bytes, length: int) -> dict[str, Any]:
    """Signed: an inclusion fee of zeros (every call pays, at zero); unsigned: none."""
    ext, _ = call_of(rt, uxt)
    inclusion = None if ext.signed is None else {
        "base_fee": 0, "len_fee": 0, "adjusted_weight_fee": 0}
    return {"inclusion_fee": inclusion, "tip": 0}


def query_weight_to_fee(rt: Any, weight: dict[str, int]) -> int:
    return 0


def query_length_to_fee(rt: Any, length: int) -> int:
    return 0
