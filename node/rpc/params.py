"""Reading positional JSON-RPC parameters; a bad one is -32602 Invalid params."""

from __future__ import annotations

from typing import Any

from node.rpc.errors import invalid_params

_MISSING = object()


class Params:
    def __init__(self, values: list[Any], method: str) -> None:
        self.values = values
        self.method = method

    def raw(self, i: int, default: Any = _MISSING) -> Any:
        if i < len(self.values):
            return self.values[i]
        if default is _MISSING:
            raise invalid_params(f"{self.method}: parameter {i} is missing")
        return default

    def hex_bytes(self, i: int, name: str) -> bytes:
        return parse_hex(self.raw(i), f"{self.method}: {name}")

    def opt_hash(self, i: int) -> bytes | None:
        """An optional block hash (null or absent: the head)."""
        v = self.raw(i, None)
        if v is None:
            return None
        h = parse_hex(v, f"{self.method}: block hash")
        if len(h) != 32:
            raise invalid_params(f"{self.method}: a block hash is 32 bytes, got {len(h)}")
        return h

    def opt_int(self, i: int, name: str) -> int | None:
        v = self.raw(i, None)
        return None if v is None else parse_number(v, f"{self.method}: {name}")

    def keys(self, i: int, name: str = "keys") -> list[bytes]:
        v = self.raw(i)
        if not isinstance(v, list):
            raise invalid_params(f"{self.method}: {name} must be a list of hex keys")
        return [parse_hex(k, f"{self.method}: {name}") for k in v]

    def ensure_at_most(self, n: int) -> None:
        if len(self.values) > n:
            raise invalid_params(f"{self.method} takes at most {n} parameter(s), "
                                 f"got {len(self.values)}")


def parse_hex(v: Any, where: str) -> bytes:
    """Bytes from hex with or without `0x`, as Substrate's serde reads `Bytes` (polkadot-api
    sends `""` for empty `state_call` data)."""
    if isinstance(v, str) and not v.startswith("0x"):
        v = "0x" + v
    if not isinstance(v, str):
        raise invalid_params(f"{where}: expected hex, got {v!r}"[:300])
    try:
        return bytes.fromhex(v[2:])
    except ValueError:
        raise invalid_params(f"{where}: invalid hex"[:300]) from None


def parse_number(v: Any, where: str) -> int:
    """A JSON number or a 0x hex number (Substrate's NumberOrHex)."""
    if isinstance(v, bool):
        raise invalid_params(f"{where}: expected a number")
    if isinstance(v, int):
        if v < 0:
            raise invalid_params(f"{where}: expected a non-negative number")
        return v
    if isinstance(v, str) and v.startswith("0x"):
        try:
            return int(v[2:] or "0", 16)
        except ValueError:
            pass
    raise invalid_params(f"{where}: expected a number or 0x hex number, got {v!r}"[:300])
