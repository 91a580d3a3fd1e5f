"""Shared set-up for the stake-pool tests: a test chain with the reference test runtime's
parameters, worker helpers and the "failed and changed nothing" check.

Figures used across the tests (stake_pool.md §3, mining.md §10.1): 1 PHA = 10^12 planck,
cool-down and grace period 604_800 s, k = 100 so minimal_stake(p) = 100·sqrt(p) PHA.
"""

from __future__ import annotations

from typing import Any

from pallets.mining.formulas import default_params
from pallets.mining.types import SUBSIDY_POOL_ACCOUNT
from pallets.stake_pool import pool_sub_account
from runtime.config import RuntimeConfig, StakePoolConfig
from runtime.hashing import twox128
from tests.harness import ALICE, BOB, CHARLIE, DAVE, EVE, FERDIE, Chain, Event, Outcome, account

PHA = 10**12
CENT = 10**10
WEEK = 604_800
ONE = 1 << 64
SP = "PhalaStakePool"

OWNER, A, B = ALICE, BOB, CHARLIE
STAKERS = [BOB, CHARLIE, DAVE, EVE, FERDIE]
RICH = account("Rich")
STRANGER = account("Stranger")
INITIAL = 100_000 * PHA            # every test account's genesis balance
SUBSIDY = 690_000_000 * PHA        # the mock's subsidy pool


def worker(n: int) -> bytes:
    """A worker public key (32 bytes, all `n`)."""
    return bytes([n]) * 32


def sub(pid: int, n: int) -> bytes:
    return pool_sub_account(pid, worker(n))


def new_chain(max_pool_workers: int = 10, mining_enabled: bool = True) -> Chain:
    """Block 1 of a chain with funded accounts, the reference test runtime's stake-pool
    constants and the default tokenomic parameters."""
    cfg = RuntimeConfig(stake_pool=StakePoolConfig(
        min_contribution=CENT, grace_period_sec=WEEK, max_pool_workers=max_pool_workers,
        mining_enabled_by_default=True))
    chain = Chain(config=cfg)
    accounts = [(who, INITIAL) for who in [ALICE, *STAKERS, RICH]]
    chain.genesis(balances=[*accounts, (SUBSIDY_POOL_ACCOUNT, SUBSIDY)],
                  phala_mining={"cool_down_period_sec": WEEK, "tokenomic": default_params()},
                  phala_stake_pool={"mining_enabled": mining_enabled})
    return chain


def register(chain: Chain, n: int, operator: bytes = OWNER, score: int | None = 1) -> bytes:
    """Register worker `n` (root-attested, level 128) with `operator`, benchmark `score`."""
    w = worker(n)
    assert chain.sudo("PhalaRegistry", "force_register_worker", pubkey=w, ecdh_pubkey=w,
                      operator=operator).success
    if score is not None:
        assert chain.sudo("PhalaRegistry", "force_set_benchmark", pubkey=w,
                          initial_score=score).success
    return w


def pool_with_workers(chain: Chain, scores: list[int], owner: bytes = OWNER) -> int:
    """Create a pool of `owner` and add workers 1..len(scores) with those scores."""
    pid = chain[SP].PoolCount.get()
    ok(chain.call(owner, SP, "create"))
    for i, p in enumerate(scores, start=1):
        register(chain, i, owner, p)
        ok(chain.call(owner, SP, "add_worker", pid=pid, pubkey=worker(i)))
    return pid


def ok(out: Outcome) -> list[Event]:
    assert out.success, out.error
    return out.events


def state_outside_system(chain: Chain) -> dict[bytes, bytes]:
    """The whole state except System and the `:extrinsic_index` well-known key (the
    extrinsic bookkeeping a failed extrinsic legitimately changes: nonce, event records)."""
    system = twox128(b"System")
    return {k: v for k, v in chain.snapshot().items()
            if not k.startswith(system) and k != b":extrinsic_index"}


def assert_noop(chain: Chain, who: Any, call: str, error: str, pallet: str = SP,
                **args: Any) -> None:
    """The call fails with exactly `error` and changes nothing (no state, no events)."""
    before = state_outside_system(chain)
    out = chain.call(who, pallet, call, **args)
    assert (out.success, out.error) == (False, error)
    assert out.events == []
    assert state_outside_system(chain) == before


def pool(chain: Chain, pid: int = 0) -> Any:
    return chain[SP].StakePools.get(pid)


def staker(chain: Chain, who: bytes, pid: int = 0) -> Any:
    return chain[SP].PoolStakers.get((pid, who))


def lock_of(chain: Chain, who: bytes) -> int:
    for lock in chain["Balances"].locks(who):
        if lock["id"] == b"phala/sp":
            return int(lock["amount"])
    return 0


def ev(pallet: str, name: str, **fields: Any) -> tuple[str, str, dict[str, Any]]:
    return (pallet, name, fields)


def sp(name: str, **fields: Any) -> tuple[str, str, dict[str, Any]]:
    return (SP, name, fields)


def test_sub_account_check_value() -> None:
    # stake_pool.md §8 check value
    assert pool_sub_account(1, bytes(32)).hex() == (
        "73706d2f02ab4d74c86ec3b3997a4fadf33e55e8279650c8539ea67e053c02dc")


def test_new_chain_is_consistent() -> None:
    chain = new_chain()
    assert chain[SP].MiningEnabled.get() is True
    assert chain.free(ALICE) == INITIAL and chain.free(CHARLIE) == INITIAL
    chain.try_state()


def next_block_finalization_events(chain: Chain, advance_ms: int | None = None) -> list[Event]:
    """`chain.next_block(advance_ms)`, returning the events the closing block recorded in its
    Finalization phase (on_finalize hooks)."""
    from tests.harness import to_event

    closing = chain.number
    chain.next_block(advance_ms)
    return [to_event(r["event"]) for r in chain.event_records(closing)
            if r["phase"].name == "Finalization"]


def test_pool_stakers_key_hashes_the_tuple_as_one_blob() -> None:
    from pallets.stake_pool import PhalaStakePool
    from runtime.hashing import twox64

    item = PhalaStakePool.PoolStakers
    encoded = (3).to_bytes(8, "little") + BOB
    assert item.prefix(SP) == twox128(b"PhalaStakePool") + twox128(b"PoolStakers")
    assert item.key_suffix([(3, BOB)]) == twox64(encoded) + encoded


def test_mining_enabled_falls_back_to_the_config_default() -> None:
    chain = new_chain(mining_enabled=False)
    assert chain[SP].mining_enabled() is False
    chain[SP].MiningEnabled.kill()                     # as if genesis had not written it
    assert chain[SP].mining_enabled() is True          # mining_enabled_by_default
