"""Runtime metadata V14 and V15, generated from the runtime's own declarations (rpc.md §5).

    metadata_bytes(rt, 14) -> b"meta" + bytes([14]) + SCALE(RuntimeMetadataV14)

Built once per runtime composition (pallet classes at their indices, config, runtime APIs)
and cached: every runtime of the same composition has the same metadata.
"""

from __future__ import annotations

from typing import Any

from runtime.metadata.build import Builder
from runtime.metadata.layout import MAGIC, METADATA_V14, METADATA_V15

SUPPORTED_VERSIONS = [14, 15]
_LAYOUTS = {14: METADATA_V14, 15: METADATA_V15}
_CACHE: dict[Any, bytes] = {}
_CACHE_LIMIT = 32


def composition_key(rt: Any) -> tuple[Any, ...]:
    """What the metadata depends on: the pallets at their indices, the config, the APIs."""
    from runtime.runtime_api import RUNTIME_APIS

    return (tuple((p.index, type(p)) for p in rt.by_index.values()), rt.config,
            tuple(id(a) for a in RUNTIME_APIS))


def metadata_bytes(rt: Any, version: int) -> bytes:
    """`RuntimeMetadataPrefixed` for `version` (14 or 15); ValueError for any other."""
    if version not in _LAYOUTS:
        raise ValueError(f"metadata version {version} is not supported "
                         f"(supported: {SUPPORTED_VERSIONS})")
    key = (composition_key(rt), version)
    found = _CACHE.get(key)
    if found is None:
        from runtime.runtime_api import RUNTIME_APIS

        builder = Builder(rt, list(RUNTIME_APIS))
        value = builder.v14() if version == 14 else builder.v15()
        found = MAGIC + bytes([version]) + _LAYOUTS[version].encode(value)
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = found
    return found


__all__ = ["SUPPORTED_VERSIONS", "metadata_bytes"]
