"""The v1 mining pallet (spec/mining.md) and its numeric core.

The pallet is imported lazily: `pallets.messages` imports `pallets.mining.formulas`, and the
pallet imports `pallets.messages`, so importing the pallet here eagerly would make the
import order matter.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "NAME", "PhalaMining", "SUBSIDY_POOL_ACCOUNT", "TREASURY_ACCOUNT", "Benchmark",
    "MinerInfo", "MinerState", "MinerStats", "MiningCallbacks",
]

NAME = "PhalaMining"


def __getattr__(name: str) -> Any:
    if name == "PhalaMining":
        from pallets.mining.pallet import PhalaMining

        return PhalaMining
    if name in __all__:
        from pallets.mining import types

        return getattr(types, name)
    raise AttributeError(f"module 'pallets.mining' has no attribute {name!r}")
