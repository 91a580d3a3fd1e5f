"""Self-checks of the pallet's state (stake_pool.md §14), run by `try_state`.

They hold whenever slashing is off (as on every real chain of this revision, §13.3). The
stake-sum check is separate because feeding `slashed > 0` through the test hooks breaks it
by design.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from pallets.mining.types import MinerState

from .pool_math import pending_reward
from .types import LOCK_ID, is_nondust

if TYPE_CHECKING:
    from .pallet import PhalaStakePool


def _fail(msg: str) -> None:
    raise AssertionError(f"PhalaStakePool invariant broken: {msg}")


def lock_amount(balances: Any, who: bytes) -> int:
    """Amount of the `phala/sp` lock on `who`, 0 when absent."""
    for lock in balances.Locks.get(who) or []:
        lock_id = lock["id"] if isinstance(lock, dict) else lock.id
        if bytes(lock_id) == LOCK_ID:
            return int(lock["amount"] if isinstance(lock, dict) else lock.amount)
    return 0


def check_shares_and_queues(p: PhalaStakePool) -> None:
    """total_shares = Σ stakers' shares; pending ≥ 0; one non-dust queued request per user."""
    shares: dict[int, int] = defaultdict(int)
    stakers = list(p.PoolStakers.iter())
    pools = dict(p.StakePools.iter())
    for (pid, who), user in stakers:
        if user.user != who:
            _fail(f"PoolStakers[({pid}, {who.hex()})] holds user {user.user.hex()}")
        shares[pid] += user.shares
        if pid in pools and pending_reward(pools[pid], user) < 0:
            _fail(f"negative pending reward for {who.hex()} in pool {pid}")
    for pid, pool in pools.items():
        if pool.pid != pid:
            _fail(f"StakePools[{pid}] has pid {pool.pid}")
        if pool.total_shares != shares[pid]:
            _fail(f"pool {pid}: total_shares {pool.total_shares} != Σ shares {shares[pid]}")
        users = [r.user for r in pool.withdraw_queue]
        if len(users) != len(set(users)):
            _fail(f"pool {pid}: a user has two queued requests")
        if any(not is_nondust(r.shares) for r in pool.withdraw_queue):
            _fail(f"pool {pid}: a queued request is dust")
    if p.PoolCount.get() != len(pools):
        _fail(f"PoolCount {p.PoolCount.get()} != {len(pools)} pools")


def check_ledger(p: PhalaStakePool) -> None:
    """StakeLedger[u] equals the `phala/sp` lock (none at 0) and covers Σ locked."""
    locked: dict[bytes, int] = defaultdict(int)
    for (_, who), user in p.PoolStakers.iter():
        locked[who] += user.locked
    balances = p.balances()
    ledger = dict(p.StakeLedger.iter())
    for who, amount in ledger.items():
        if lock_amount(balances, who) != amount:
            _fail(f"ledger {amount} of {who.hex()} != lock {lock_amount(balances, who)}")
        if amount < locked[who]:
            _fail(f"ledger {amount} of {who.hex()} < Σ locked {locked[who]}")
    for who in locked:
        if who not in ledger:
            _fail(f"staker {who.hex()} has no StakeLedger entry")


def check_workers(p: PhalaStakePool) -> None:
    """WorkerAssignments and the pools' worker lists describe the same pairs."""
    assigned = {w: pid for w, pid in p.WorkerAssignments.iter()}
    listed: dict[bytes, int] = {}
    for pid, pool in p.StakePools.iter():
        for w in pool.workers:
            if w in listed:
                _fail(f"worker {w.hex()} listed in pools {listed[w]} and {pid}")
            listed[w] = pid
    if assigned != listed:
        _fail(f"WorkerAssignments {assigned} != pool worker lists {listed}")


def check_withdrawal_timestamps(p: PhalaStakePool) -> None:
    """WithdrawalTimestamps strictly increasing, each with exactly one bucket."""
    ts = p.WithdrawalTimestamps.get()
    if any(a >= b for a, b in zip(ts, ts[1:], strict=False)):
        _fail(f"WithdrawalTimestamps not strictly increasing: {ts}")
    buckets = set(p.WithdrawalQueuedPools.keys())
    if buckets != set(ts):
        _fail(f"buckets {sorted(buckets)} != timestamps {ts}")


def check_stake_sums(p: PhalaStakePool) -> None:
    """total_stake = free + Σ miner stakes; releasing = Σ stakes of cooling-down miners."""
    mining = p.mining()
    staked: dict[int, int] = defaultdict(int)
    cooling: dict[int, int] = defaultdict(int)
    for sub, (pid, _) in p.SubAccountPreimages.iter():
        stake = mining.Stakes.get(sub)
        if stake is None:
            continue
        staked[pid] += stake
        info = mining.Miners.get(sub)
        if info is not None and info.state == MinerState.MiningCoolingDown:
            cooling[pid] += stake
    for pid, pool in p.StakePools.iter():
        if pool.total_stake != pool.free_stake + staked[pid]:
            _fail(f"pool {pid}: total_stake {pool.total_stake} != free {pool.free_stake} "
                  f"+ mining stakes {staked[pid]}")
        if pool.releasing_stake != cooling[pid]:
            _fail(f"pool {pid}: releasing_stake {pool.releasing_stake} != cooling-down "
                  f"stakes {cooling[pid]}")


ALL_CHECKS = (check_shares_and_queues, check_ledger, check_workers,
              check_withdrawal_timestamps, check_stake_sums)
