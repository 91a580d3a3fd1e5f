"""Phala's v1 StakePool pallet (spec: stake_pool.md)."""

from .pallet import PhalaStakePool
from .types import pool_sub_account

__all__ = ["PhalaStakePool", "pool_sub_account"]
