"""The APR forecast: a pool's realised APR over the next days on an in-memory fork, against
the `apr` formula's (node.apr, economics.md §9.2).

The fork is run forward block by block at the genesis block time (rewards are per block,
so skipping ahead would change them) with the worker simulator answering heartbeats
(unless workers are named offline). Realised APR of the pool's delegators:

    APR_realised = Σ to_stakers / D̄ · t_y / elapsed

with Σ to_stakers the planck booked to the stakers (`RewardReceived.to_stakers`) over the
horizon, D̄ the pool's `total_stake` averaged over the blocks' time and elapsed the chain
time covered — the same quantity as the formula's `APR_p = R · S_p·(1 − c_p) / D_p`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from node.apr import T_Y, compute_apr, rate_json
from node.chain import Chain
from node.forecast import ASSUMPTION_APR, DAY_MS, ForecastError, Forward, block_ref, open_fork
from node.render import decode_events


def pool_rewards(fork: Chain, pid: int) -> tuple[int, int]:
    """(to_owner, to_stakers) the head block booked to pool `pid`."""
    owner = stakers = 0
    for record in decode_events(fork.rt, fork.events_at(fork.head())):
        ev = record["event"]
        if ev.name == "PhalaStakePool" and ev.value.name == "RewardReceived" \
                and ev.value.value["pid"] == pid:
            owner += ev.value.value["to_owner"]
            stakers += ev.value.value["to_stakers"]
    return owner, stakers


def forecast_apr(chain: Chain, pid: int, days: float = 7, offline: Sequence[bytes] = (),
                 progress: Callable[[int, int], None] = lambda n, ms: None) -> dict[str, Any]:
    """The pool's realised APR over `days` of blocks against the formula's (JSON-ready).

    Raises ForecastError: UnknownPool, BadInput."""
    if chain.rt["PhalaStakePool"].StakePools.get(pid) is None:
        raise ForecastError("UnknownPool", f"no pool {pid}")
    step = chain.genesis.block_time_ms
    blocks = round(days * DAY_MS / step)
    if blocks < 1:
        raise ForecastError("BadInput", f"--days {days:g}: must cover at least one block "
                            f"({step / 1000:g} s)")
    fork = open_fork(chain, list(offline))
    try:
        start_apr = compute_apr(fork, pid)["pools"][0]
        head = fork.head()
        start = block_ref(head.number, "0x" + head.hash().hex(), fork.timestamp_at(head))
        fw = Forward(fork, progress)
        sp = fork.rt["PhalaStakePool"]
        owner = stakers = 0
        stake_time = 0  # Σ total_stake · block interval (planck·ms)
        for _ in range(blocks):
            before = sp.StakePools.get(pid).total_stake
            block = fw.author(step)
            o, s = pool_rewards(fork, pid)
            owner, stakers = owner + o, stakers + s
            stake_time += before * step
        end_apr = compute_apr(fork, pid)["pools"][0]
        end = block_ref(block["number"], block["hash"], block["timestamp_ms"])
    finally:
        fork.close()
    elapsed = blocks * step
    mean_stake = Fraction(stake_time, elapsed)
    realised = None if mean_stake == 0 else Fraction(stakers) / mean_stake * T_Y * 1000 / elapsed
    formula = None if start_apr["apr"] is None else Fraction(start_apr["apr"]["decimal"])
    return {
        "pool": pid, "days": days, "blocks": blocks, "from": start, "to": end,
        "rewards": {"to_owner": owner, "to_stakers": stakers, "total": owner + stakers},
        "mean_total_stake": rate_json(mean_stake, 3),
        "realised_apr": rate_json(realised),
        "formula_apr": {"at_start": start_apr["apr"], "at_end": end_apr["apr"],
                        "apr_multiplier_at_start": start_apr["apr_multiplier"]},
        "realised_over_formula": None if realised is None or not formula
        else rate_json(realised / formula, 6),
        "offline": ["0x" + pk.hex() for pk in offline],
        "schedule": fw.schedule_json(),
        "assumption": ASSUMPTION_APR.format(block_time=f"{step / 1000:g}"),
    }
