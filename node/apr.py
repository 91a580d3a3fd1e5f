"""Staking reward rates from chain state (economics.md §9.2, Staking Rewards' PHASRB).

    R          = B · (1 − tr) · t_y / (T̄ · S)        annual reward per unit of share
    aprMult_p  = S_p · (1 − c_p) / D_p                 per pool with D_p > 0
    APR_p      = R · aprMult_p
    PHASRB     = R · Σ_p D_p·aprMult_p / Σ_p D_p        (stake-weighted average aprMult)

B = `TokenomicParameters.budget_per_block` (after halvings) and tr = `treasury_ratio`
(PHA, U64F64); S = the Gatekeeper's `sum_share` over responsive workers with a working
state, with every V advanced to the head block (the value the next block freezes);
s_i = `sqrt(v² + (2·p·conf)²)` from the GK's TokenomicInfo; S_p = Σ s_i over the pool's
workers counted in S; c_p = `payout_commission` (Permill, None = 0); D_p = the pool's
`total_stake` in PHA; T̄ = `ExpectedBlockTimeSec` by default, or the measured mean of
the chain's Timestamp deltas (genesis to head) with `block_time="measured"`;
t_y = 31,536,000 s. All arithmetic is exact (Fractions) from the stored bits; a rate is
None when its denominator is zero. Delegated tokens = Σ total_stake; staking wallets =
number of PoolStakers entries with shares > 0.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from pallets.mining.gatekeeper import Gatekeeper
from pallets.mining.gk_formulas import share
from runtime.fixed import bits_to_decimal_str

T_Y = 31_536_000
ONE = 1 << 64
PLANCK_PER_PHA = 10**12
BLOCK_TIME_SOURCES = ("expected", "measured")


def gatekeeper_of(rt: Any) -> Gatekeeper:
    """The runtime's Gatekeeper, or a read-only one over the same state."""
    gk = getattr(rt["PhalaMining"], "gatekeeper", None)
    return gk if isinstance(gk, Gatekeeper) else Gatekeeper(rt)


def fixed_json(bits: int) -> dict[str, Any]:
    return {"bits": bits, "value": bits_to_decimal_str(bits)}


def rate_json(x: Fraction | None, digits: int = 18) -> dict[str, Any] | None:
    """A rate as `{"decimal": "<digits decimals>", "float": f}` (None stays None)."""
    if x is None:
        return None
    scaled = round(x * 10**digits)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**digits)
    return {"decimal": f"{sign}{whole}.{frac:0{digits}d}", "float": float(x)}


def _div(a: Fraction, b: Fraction) -> Fraction | None:
    return None if b == 0 else a / b


def worker_shares(chain: Any, block: int) -> dict[bytes, int]:
    """share(w) in bits for every worker the GK counts in sum_share after `block`."""
    gk = gatekeeper_of(chain.rt)
    launched = gk.params().phala_launched
    out = {}
    for pk in gk.pubkeys():
        w = gk.worker(pk, block)
        if w is None or w.unresponsive or (launched and w.working_state is None):
            continue
        out[pk] = share(w.tokenomic)
    return out


def compute_apr(chain: Any, pool: int | None = None,
                block_time: str = "expected") -> dict[str, Any]:
    """The rates and their inputs as of the head block (JSON-ready).

    Raises ValueError for an unknown block_time source and KeyError for an unknown pool."""
    if block_time not in BLOCK_TIME_SOURCES:
        raise ValueError(f"block_time must be one of {BLOCK_TIME_SOURCES}")
    rt, head = chain.rt, chain.head()
    params = rt["PhalaMining"].TokenomicParameters.get()
    budget_bits = 0 if params is None else params.budget_per_block
    tr_bits = 0 if params is None else params.treasury_ratio
    shares = worker_shares(chain, head.number)
    s_bits = sum(shares.values())
    frozen = gatekeeper_of(rt).GkSumShare.get()
    elapsed_ms = chain.timestamp_at(head) - chain.genesis.timestamp_ms
    measured = None if head.number == 0 else Fraction(elapsed_ms, 1000 * head.number)
    expected = Fraction(rt.config.mining.expected_block_time_sec)
    t_bar = expected if block_time == "expected" else measured
    budget, tr, s_total = Fraction(budget_bits, ONE), Fraction(tr_bits, ONE), \
        Fraction(s_bits, ONE)
    per_share = None if t_bar is None else _div(budget * (1 - tr) * T_Y, t_bar * s_total)

    pools, weighted, staked = [], Fraction(0), Fraction(0)
    sp = rt["PhalaStakePool"]
    for pid, info in sorted(sp.StakePools.iter()):
        s_p_bits = sum(shares.get(pk, 0) for pk in info.workers)
        commission = Fraction(info.payout_commission or 0, 1_000_000)
        d_p = Fraction(info.total_stake, PLANCK_PER_PHA)
        mult = _div(Fraction(s_p_bits, ONE) * (1 - commission), d_p)
        if mult is not None:
            weighted += d_p * mult
            staked += d_p
        apr = None if mult is None or per_share is None else per_share * mult
        pools.append({
            "pid": pid, "owner": chain.ctx.ss58(info.owner),
            "commission_permill": info.payout_commission or 0,
            "total_stake": info.total_stake, "free_stake": info.free_stake,
            "s_p": fixed_json(s_p_bits),
            "workers": [{"pubkey": "0x" + pk.hex(), "counted": pk in shares,
                         "share": fixed_json(shares.get(pk, 0))} for pk in info.workers],
            "apr_multiplier": rate_json(mult), "apr": rate_json(apr)})
    avg_mult = _div(weighted, staked)
    phasrb = None if avg_mult is None or per_share is None else per_share * avg_mult
    stakers = sp.PoolStakers.iter()
    delegated = sum(p["total_stake"] for p in pools)
    if pool is not None:
        pools = [p for p in pools if p["pid"] == pool]
        if not pools:
            raise KeyError(pool)
    return {
        "block": {"number": head.number, "hash": "0x" + head.hash().hex()},
        "inputs": {
            "budget_per_block": fixed_json(budget_bits),
            "treasury_ratio": fixed_json(tr_bits),
            "sum_share": fixed_json(s_bits),
            "sum_share_last_frozen": None if frozen is None else {
                "block": frozen.block_number, **fixed_json(frozen.sum_share)},
            "block_time_sec": {"source": block_time, **(rate_json(t_bar) or {})},
            "expected_block_time_sec": int(expected),
            "measured_block_time_sec": rate_json(measured),
            "t_y": T_Y,
        },
        "reward_per_share_per_year": rate_json(per_share),
        "apr_multiplier": rate_json(avg_mult),
        "phasrb": rate_json(phasrb),
        "delegated_tokens": delegated,
        "staking_wallets": sum(1 for _, u in stakers if u.shares > 0),
        "pools": pools,
    }
