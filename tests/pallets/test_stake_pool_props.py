"""Property: random sequences of contributions, withdrawals, rewards, claims and miner
moves keep every §14 invariant (try_state), never lower `reward_acc`, and a failing call
changes nothing."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness import Chain
from tests.pallets.test_stake_pool_common import (
    CENT,
    OWNER,
    PHA,
    SP,
    STAKERS,
    WEEK,
    new_chain,
    pool,
    pool_with_workers,
    staker,
    state_outside_system,
    worker,
)

WHO = st.integers(0, len(STAKERS) - 1)
AMOUNT = st.one_of(st.integers(CENT, 3000 * PHA), st.integers(1, 2 * CENT))
STEP = st.one_of(
    st.tuples(st.just("contribute"), WHO, AMOUNT),
    st.tuples(st.just("withdraw"), WHO, st.integers(1, 1000)),     # per-mille of shares
    st.tuples(st.just("reward"), st.integers(0, 100 * PHA), st.integers(0, 1_000_000)),
    st.tuples(st.just("claim"), WHO, st.just(0)),
    st.tuples(st.just("start"), st.integers(1, 2), st.integers(500, 2500)),
    st.tuples(st.just("stop"), st.integers(1, 2), st.just(0)),
    st.tuples(st.just("week"), st.integers(1, 2), st.just(0)),
)


def apply(chain: Chain, step: tuple[str, int, int]) -> Any:
    kind, x, y = step
    if kind == "contribute":
        return chain.call(STAKERS[x], SP, "contribute", pid=0, amount=y)
    if kind == "withdraw":
        user = staker(chain, STAKERS[x])
        shares = 0 if user is None else user.shares * y // 1000
        return chain.call(STAKERS[x], SP, "withdraw", pid=0, shares=shares)
    if kind == "reward":
        chain.call(OWNER, SP, "set_payout_pref", pid=0, payout_commission=y)
        return chain.sudo(SP, "force_assign_reward", reward_arr=[(0, x)])
    if kind == "claim":
        return chain.call(STAKERS[x], SP, "claim_rewards", pid=0, target=STAKERS[x])
    if kind == "start":
        return chain.call(OWNER, SP, "start_mining", pid=0, worker=worker(x), stake=y * PHA)
    if kind == "stop":
        return chain.call(OWNER, SP, "stop_mining", pid=0, worker=worker(x))
    return chain.call(STAKERS[0], SP, "reclaim_pool_worker", pid=0, worker=worker(x))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEP, min_size=1, max_size=20))
def test_random_operations_keep_the_invariants(steps: list[tuple[str, int, int]]) -> None:
    chain = new_chain()
    pool_with_workers(chain, [1, 1])
    for who in STAKERS:                           # a funded pool, so miners can start
        chain.call(who, SP, "contribute", pid=0, amount=1000 * PHA)
    chain.call(OWNER, SP, "start_mining", pid=0, worker=worker(1), stake=3000 * PHA)
    acc = 0
    for step in steps:
        if step[0] == "week":
            chain.advance(WEEK + 1)               # lets forced stops and cool-downs happen
            chain.next_block()
            chain.try_state()
        before = state_outside_system(chain)
        out = apply(chain, step)
        if not out.success:
            assert out.events == [] and state_outside_system(chain) == before, (step, out)
        chain.try_state()
        assert pool(chain).reward_acc >= acc
        acc = pool(chain).reward_acc
    chain.next_block()
    chain.try_state()
