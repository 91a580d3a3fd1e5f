"""The runtime at a block, for reads and runtime API calls that never change the chain.

    runtime_at(chain, header)                 a Runtime over a throw-away layer on the
                                              state after `header`
    state_call(chain, header, method, data)   `"<Api>_<method>"` on that state -> output
    dry_run(chain, header, extrinsic)         `system_dryRun`'s ApplyExtrinsicResult

Whatever a call writes (validate_transaction initialises a block) stays in its own
Overlay, which is dropped afterwards: the chain's state, head and database are untouched.
`state_call` reuses idle runtimes instead of composing one per call, so a call costs its
own work only (the server answers thousands per second).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from node.composition import build_runtime
from runtime.api_impl import call_of
from runtime.api_types import (
    APPLY_EXTRINSIC_RESULT,
    UNCHECKED_EXTRINSIC,
    BadInput,
    RuntimeApiError,
    validity_error,
)
from runtime.codec import Variant
from runtime.executive import Executive
from runtime.header import Header
from runtime.runtime import Runtime
from runtime.runtime_api import RUNTIME_APIS, ApiMethod
from runtime.scale import ScaleDecodeError
from runtime.validity import TransactionValidityError
from storage.overlay import Overlay

METHODS: dict[str, ApiMethod] = {
    f"{api.name}_{m.name}": m for api in RUNTIME_APIS for m in api.methods}

# Idle runtimes per open chain (same composition and config); taken by one call at a time.
_idle: weakref.WeakKeyDictionary[Any, list[Runtime]] = weakref.WeakKeyDictionary()


def runtime_at(chain: Any, header: Header) -> Runtime:
    """A new Runtime (the chain's composition and config) over a throw-away layer on the
    state after block `header`."""
    return build_runtime(Overlay(chain.view_at(header)), chain.config)


def decode_inputs(method: ApiMethod, data: bytes) -> list[Any]:
    """The method's inputs from `data`, all of it; RuntimeApiError when it does not decode."""
    values, offset = [], 0
    try:
        for _, codec in method.inputs:
            value, offset = codec.decode_from(data, offset)
            values.append(value)
    except ScaleDecodeError as exc:
        raise RuntimeApiError(f"Bad input data provided to {method.name}: {exc}") from None
    if offset != len(data):
        raise RuntimeApiError(f"Bad input data provided to {method.name}: "
                              f"{len(data) - offset} byte(s) left after the input")
    return values


@contextmanager
def _borrowed(chain: Any, header: Header) -> Iterator[Runtime]:
    """An idle runtime of `chain` (or a new one) over a fresh layer on the state after
    `header`; the layer is dropped and the runtime made idle again afterwards."""
    pool = _idle.setdefault(chain, [])
    try:
        rt = pool.pop()
        rt.state = Overlay(chain.view_at(header))
        rt.phase = Variant("Initialization")
        rt.forget_cached_state()
    except IndexError:
        rt = runtime_at(chain, header)
    try:
        yield rt
    finally:
        rt.state = Overlay()  # drop the call's layer (and the view) now
        pool.append(rt)


def state_call(chain: Any, header: Header, method: str, data: bytes) -> bytes:
    """Call runtime API `method` ("<Api>_<method>") with SCALE `data` on the state after
    `header`; the output's SCALE bytes. Raises RuntimeApiError for an unknown method or
    input that does not decode."""
    m = METHODS.get(method)
    if m is None or m.impl is None:
        raise RuntimeApiError(f"Exported method {method} is not found")
    args = decode_inputs(m, data)
    with _borrowed(chain, header) as rt:
        try:
            value = m.impl(rt, *args)
        except BadInput as exc:
            raise RuntimeApiError(f"Bad input data provided to {m.name}: {exc}") from None
        # an output holding a DispatchError or a call is encoded as this runtime's
        return rt.resolve(m.output).encode(value)  # type: ignore[no-any-return]


def dry_run(chain: Any, header: Header, extrinsic: bytes) -> bytes:
    """`system_dryRun`: apply `extrinsic` to the state after `header`, as Substrate's RPC
    does (BlockBuilder's apply_extrinsic there, no new block initialised); the SCALE
    ApplyExtrinsicResult, `Result<Result<(), DispatchError>, TransactionValidityError>`.
    Raises RuntimeApiError when the bytes are not one extrinsic of this runtime."""
    try:
        ext = UNCHECKED_EXTRINSIC.decode(extrinsic)
    except ScaleDecodeError as exc:
        raise RuntimeApiError(f"Bad input data provided to apply_extrinsic: {exc}") from None
    with _borrowed(chain, header) as rt:
        try:
            call_of(rt, ext)
            applied = Executive(rt).apply_extrinsic(ext)
        except BadInput as exc:
            raise RuntimeApiError(f"Bad input data provided to apply_extrinsic: {exc}") \
                from None
        except TransactionValidityError as exc:
            result = Variant("Err", validity_error(exc))
        else:
            result = Variant("Ok", Variant("Ok", ()) if applied.error is None
                             else Variant("Err", applied.error))
        return rt.resolve(APPLY_EXTRINSIC_RESULT).encode(result)  # type: ignore[no-any-return]


__all__ = ["METHODS", "RuntimeApiError", "decode_inputs", "dry_run", "runtime_at", "state_call"]
