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

from runtime.codec import Codec


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


# Filled in below as each API is implemented; order is the order metadata lists them.
RUNTIME_APIS: list[RuntimeApi] = []
