"""Pool administration calls (stake_pool.md §12.0 – §12.7): success effects and events, and
every error in check order, each leaving the state untouched."""

from __future__ import annotations

import pytest

from pallets.stake_pool.types import PoolInfo
from runtime.dispatch import ModuleError, Origin
from tests.harness import ALICE, BOB, CHARLIE, account
from tests.pallets.test_stake_pool_common import (
    SP,
    assert_noop,
    ev,
    new_chain,
    ok,
    pool,
    pool_with_workers,
    register,
    sp,
    sub,
    worker,
)


def test_create_allocates_sequential_pids() -> None:
    chain = new_chain()
    assert ok(chain.call(ALICE, SP, "create")) == [sp("PoolCreated", owner=ALICE, pid=0)]
    assert ok(chain.call(ALICE, SP, "create")) == [sp("PoolCreated", owner=ALICE, pid=1)]
    assert pool(chain, 1) == PoolInfo(pid=1, owner=ALICE)
    assert chain[SP].PoolCount.get() == 2
    assert_noop(chain, Origin.root(), "create", "BadOrigin")
    chain.try_state()


def test_add_worker_success() -> None:
    chain = new_chain()
    ok(chain.call(ALICE, SP, "create"))
    w = register(chain, 1)
    events = ok(chain.call(ALICE, SP, "add_worker", pid=0, pubkey=w))
    assert events == [ev("PhalaMining", "MinerBound", miner=sub(0, 1), worker=w),
                      sp("PoolWorkerAdded", pid=0, worker=w, miner=sub(0, 1))]
    assert pool(chain).workers == [w]
    assert chain[SP].WorkerAssignments.get(w) == 0
    assert chain[SP].SubAccountPreimages.get(sub(0, 1)) == (0, w)
    assert chain["PhalaMining"].MinerBindings.get(sub(0, 1)) == w
    chain.try_state()


def test_add_worker_errors_in_check_order() -> None:
    chain = new_chain(max_pool_workers=2)
    ok(chain.call(ALICE, SP, "create"))                               # pid 0 (Alice)
    ok(chain.call(BOB, SP, "create"))                                 # pid 1 (Bob)
    # registry facts come before the pool id (pid 9 does not exist)
    assert_noop(chain, ALICE, "add_worker", "PhalaStakePool.WorkerNotRegistered",
                pid=9, pubkey=worker(1))
    register(chain, 1, operator=BOB)
    assert_noop(chain, ALICE, "add_worker", "PhalaStakePool.UnauthorizedOperator",
                pid=9, pubkey=worker(1))
    register(chain, 2, operator=ALICE, score=None)
    assert_noop(chain, ALICE, "add_worker", "PhalaStakePool.BenchmarkMissing",
                pid=9, pubkey=worker(2))
    register(chain, 3, operator=ALICE)
    assert_noop(chain, ALICE, "add_worker", "PhalaStakePool.PoolDoesNotExist",
                pid=9, pubkey=worker(3))
    assert_noop(chain, ALICE, "add_worker", "PhalaStakePool.UnauthorizedPoolOwner",
                pid=1, pubkey=worker(3))
    ok(chain.call(ALICE, SP, "add_worker", pid=0, pubkey=worker(3)))
    assert_noop(chain, ALICE, "add_worker", "PhalaStakePool.WorkerExists",
                pid=0, pubkey=worker(3))
    register(chain, 4, operator=ALICE)
    ok(chain.call(ALICE, SP, "add_worker", pid=0, pubkey=worker(4)))
    register(chain, 5, operator=ALICE)
    assert_noop(chain, ALICE, "add_worker", "PhalaStakePool.WorkersExceedLimit",
                pid=0, pubkey=worker(5))
    # worker 3 is already bound to pool 0's miner: binding it for pool 2 fails
    ok(chain.call(ALICE, SP, "create"))                               # pid 2 (Alice)
    assert_noop(chain, ALICE, "add_worker", "PhalaStakePool.FailedToBindMinerAndWorker",
                pid=2, pubkey=worker(3))
    chain.try_state()


def test_remove_worker_success_and_errors() -> None:
    chain = new_chain()
    pool_with_workers(chain, [1, 1])                                  # pid 0: workers 1, 2
    ok(chain.call(BOB, SP, "create"))                                 # pid 1 (Bob)
    register(chain, 3, operator=BOB)
    ok(chain.call(BOB, SP, "add_worker", pid=1, pubkey=worker(3)))
    assert_noop(chain, ALICE, "remove_worker", "PhalaStakePool.PoolDoesNotExist",
                pid=9, worker=worker(1))
    assert_noop(chain, BOB, "remove_worker", "PhalaStakePool.UnauthorizedPoolOwner",
                pid=0, worker=worker(1))
    assert_noop(chain, ALICE, "remove_worker", "PhalaStakePool.WorkerDoesNotExist",
                pid=0, worker=worker(7))
    assert_noop(chain, ALICE, "remove_worker", "PhalaStakePool.WorkerInAnotherPool",
                pid=0, worker=worker(3))
    # worker 2 mining → not Ready
    ok(chain.call(ALICE, SP, "contribute", pid=0, amount=100 * 10**12))
    ok(chain.call(ALICE, SP, "start_mining", pid=0, worker=worker(2), stake=100 * 10**12))
    assert_noop(chain, ALICE, "remove_worker", "PhalaStakePool.WorkerIsNotReady",
                pid=0, worker=worker(2))
    events = ok(chain.call(ALICE, SP, "remove_worker", pid=0, worker=worker(1)))
    assert events == [ev("PhalaMining", "MinerUnbound", miner=sub(0, 1), worker=worker(1)),
                      sp("PoolWorkerRemoved", pid=0, worker=worker(1))]
    assert pool(chain).workers == [worker(2)]
    assert chain[SP].WorkerAssignments.get(worker(1)) is None
    assert chain["PhalaMining"].Miners.get(sub(0, 1)) is not None    # the record stays
    chain.try_state()


def test_remove_worker_miner_record_missing() -> None:
    # Only reachable from an inconsistent state: an assignment without a miner record.
    chain = new_chain()
    ok(chain.call(ALICE, SP, "create"))
    chain[SP].WorkerAssignments.insert(worker(8), 0)
    assert_noop(chain, ALICE, "remove_worker", "PhalaStakePool.MinerDoesNotExist",
                pid=0, worker=worker(8))


def test_set_cap() -> None:
    chain = new_chain()
    ok(chain.call(ALICE, SP, "create"))
    assert_noop(chain, BOB, "set_cap", "PhalaStakePool.PoolDoesNotExist", pid=1, cap=1)
    assert_noop(chain, BOB, "set_cap", "PhalaStakePool.UnauthorizedPoolOwner", pid=0, cap=1)
    assert ok(chain.call(ALICE, SP, "set_cap", pid=0, cap=1000 * 10**12)) == [
        sp("PoolCapacitySet", pid=0, cap=1000 * 10**12)]
    ok(chain.call(ALICE, SP, "contribute", pid=0, amount=100 * 10**12))
    assert_noop(chain, ALICE, "set_cap", "PhalaStakePool.InadequateCapacity",
                pid=0, cap=100 * 10**12 - 1)
    ok(chain.call(ALICE, SP, "set_cap", pid=0, cap=100 * 10**12))     # equal is fine
    assert pool(chain).cap == 100 * 10**12
    chain.try_state()


def test_set_payout_pref() -> None:
    chain = new_chain()
    ok(chain.call(ALICE, SP, "create"))
    assert_noop(chain, ALICE, "set_payout_pref", "PhalaStakePool.PoolDoesNotExist",
                pid=3, payout_commission=1)
    assert_noop(chain, BOB, "set_payout_pref", "PhalaStakePool.UnauthorizedPoolOwner",
                pid=0, payout_commission=1)
    assert ok(chain.call(ALICE, SP, "set_payout_pref", pid=0, payout_commission=500_000)) == [
        sp("PoolCommissionSet", pid=0, commission=500_000)]
    assert pool(chain).payout_commission == 500_000
    with pytest.raises(ValueError, match="Permill"):                   # cannot be encoded
        chain.call(ALICE, SP, "set_payout_pref", pid=0, payout_commission=1_000_001)


def test_whitelist_add_and_remove() -> None:
    chain = new_chain()
    ok(chain.call(ALICE, SP, "create"))
    assert_noop(chain, ALICE, "add_staker_to_whitelist", "PhalaStakePool.PoolDoesNotExist",
                pid=1, staker=BOB)
    assert_noop(chain, BOB, "add_staker_to_whitelist",
                "PhalaStakePool.UnauthorizedPoolOwner", pid=0, staker=BOB)
    assert_noop(chain, ALICE, "remove_staker_from_whitelist",
                "PhalaStakePool.NoWhitelistCreated", pid=0, staker=BOB)
    assert ok(chain.call(ALICE, SP, "add_staker_to_whitelist", pid=0, staker=BOB)) == [
        sp("PoolWhitelistCreated", pid=0), sp("PoolWhitelistStakerAdded", pid=0, staker=BOB)]
    assert_noop(chain, ALICE, "add_staker_to_whitelist",
                "PhalaStakePool.AlreadyInContributeWhitelist", pid=0, staker=BOB)
    assert ok(chain.call(ALICE, SP, "add_staker_to_whitelist", pid=0, staker=CHARLIE)) == [
        sp("PoolWhitelistStakerAdded", pid=0, staker=CHARLIE)]
    assert_noop(chain, ALICE, "remove_staker_from_whitelist",
                "PhalaStakePool.NotInContributeWhitelist", pid=0, staker=ALICE)
    assert ok(chain.call(ALICE, SP, "remove_staker_from_whitelist", pid=0, staker=BOB)) == [
        sp("PoolWhitelistStakerRemoved", pid=0, staker=BOB)]
    assert chain[SP].PoolContributionWhitelists.get(0) == [CHARLIE]
    assert ok(chain.call(ALICE, SP, "remove_staker_from_whitelist", pid=0,
                         staker=CHARLIE)) == [
        sp("PoolWhitelistStakerRemoved", pid=0, staker=CHARLIE),
        sp("PoolWhitelistDeleted", pid=0)]
    assert chain[SP].PoolContributionWhitelists.get(0) is None


def test_whitelist_max_length_is_100() -> None:
    chain = new_chain()
    ok(chain.call(ALICE, SP, "create"))
    for i in range(100):
        ok(chain.call(ALICE, SP, "add_staker_to_whitelist", pid=0, staker=account(f"W{i}")))
    assert_noop(chain, ALICE, "add_staker_to_whitelist", "PhalaStakePool.ExceedWhitelistMaxLen",
                pid=0, staker=account("W100"))


def test_set_pool_description() -> None:
    chain = new_chain()
    ok(chain.call(ALICE, SP, "create"))
    assert_noop(chain, ALICE, "set_pool_description", "PhalaStakePool.PoolDoesNotExist",
                pid=1, description=b"x")
    assert_noop(chain, BOB, "set_pool_description", "PhalaStakePool.UnauthorizedPoolOwner",
                pid=0, description=b"x")
    assert ok(chain.call(ALICE, SP, "set_pool_description", pid=0,
                         description=b"d" * 4400)) == []
    assert chain[SP].PoolDescriptions.get(0) == b"d" * 4400
    ok(chain.call(ALICE, SP, "set_pool_description", pid=0, description=b"short"))
    assert chain[SP].PoolDescriptions.get(0) == b"short"
    with pytest.raises(ValueError, match="exceed 4400"):              # does not encode
        chain.call(ALICE, SP, "set_pool_description", pid=0, description=b"d" * 4401)
    with pytest.raises(ModuleError) as err:                            # direct Python call
        chain[SP].set_pool_description(Origin.signed(ALICE), 0, b"d" * 4401)
    assert err.value.name == "ExceedMaxDescriptionLen" and err.value.index == 28
