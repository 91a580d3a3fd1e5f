"""Phala's v1 StakePool pallet (spec: stake_pool.md), bit-exact to the reference.

Modules: `types` (§3, §4, §8), `pool_math` (pure §2/§10 arithmetic), `declarations`
(§5 storage, §6 events, §7 errors), `ledger` (§9), `withdraw` (§11), `pool_calls`,
`staking_calls`, `mining_calls` (§12), `pallet` (§13.1 callbacks, hooks, genesis),
`invariants` (§14).

Emulator decisions where the reference leaves a choice or would panic:

* Slashed stake and removed dust are taken with `Balances.slash` and burned (total issuance
  drops), as in the reference test runtime (`OnSlashed = ()`); production pays the Treasury.
* A balance ≥ 2^64 planck reaching a fixed-point conversion (the reference panics) fails the
  call with `Arithmetic.Overflow` and changes nothing; a contribution that would take a
  pool's total stake or shares to 2^64 is refused the same way, so a pool can always be
  priced afterwards.
* Removing more shares than a staker holds (the reference's `expect` panics) fails the call
  with `Arithmetic.Underflow`.
* `on_stopped` / `on_unbound` for a worker in no pool are ignored (the reference panics).
* `MiningEnabled` is written at genesis (`stake_pool.mining_enabled`); when absent it reads
  as the runtime config's `mining_enabled_by_default`.
* A description over 4400 bytes cannot be encoded; passed directly it raises
  `ExceedMaxDescriptionLen`.
* Each forced stop in `on_finalize` runs in its own storage layer; its error is ignored.
* Test hooks for slashing (§13.3): `on_stopped(worker, stake, slashed)` and
  `handle_reclaim(pid, stake, slashed)`.
"""

from .pallet import PhalaStakePool
from .types import pool_sub_account

__all__ = ["PhalaStakePool", "pool_sub_account"]
