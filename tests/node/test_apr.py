"""`apr` against a hand computation from raw storage (economics.md §9.2), in Fractions.

V is read from the stored GkWorkers record and advanced to the head by hand with the
spec's idle step (economics.md §6 `update_v_idle`), shares by the spec's formula."""

from __future__ import annotations

from fractions import Fraction
from math import isqrt
from pathlib import Path

from node.apr import compute_apr
from node.worker_sim import attach_simulator
from pallets.messages import TOKENOMIC_PARAMETERS
from pallets.mining.gk_state import GK_WORKER
from pallets.stake_pool.types import POOL_INFO
from runtime.hashing import storage_prefix, twox64
from tests.node.conftest import ok
from tests.node.test_worker_sim import mining_chain

ONE = 1 << 64
T_Y = 365 * 86400


def idle_step(v: int, p_bench: int, p_instant: int, params: object) -> int:
    r = params.rho - ONE  # type: ignore[attr-defined]
    cost = ((params.cost_k * p_bench) >> 64) + params.cost_b  # type: ignore[attr-defined]
    m = (p_instant << 64) // p_bench
    dv = (m * (((r * v) >> 64) + cost)) >> 64
    return min(v + dv, params.v_max)  # type: ignore[attr-defined]


def share_bits(v: int, p: int, level: int) -> int:
    conf = ONE if level in (1, 2, 3, 128) else {4: 14757395258967641293,
                                                5: 12912720851596686131}.get(level, 0)
    x = (2 * p * conf) >> 64
    return isqrt(((v * v) >> 64) + ((x * x) >> 64)) << 32


def rounded(x: Fraction) -> Fraction:
    return Fraction(round(x * 10**18), 10**18)


def test_apr_matches_a_hand_computation(tmp_path: Path) -> None:
    chain, run = mining_chain(tmp_path / "c", ("Worker1", "Worker2"))
    with chain:
        attach_simulator(chain)
        run.tx("//Bob", "PhalaStakePool", "create")
        run.tx("//Bob", "PhalaStakePool", "set_payout_pref", 1, 350_000)
        run.tx("//Eve", "PhalaStakePool", "contribute", 1, 3_000 * 10**12)
        chain.seal(700)
        head = chain.head().number
        state = chain.state.overlay
        params = TOKENOMIC_PARAMETERS.decode(state.get(storage_prefix("PhalaMining",
                                                                      "TokenomicParameters")))
        shares = {}
        for key, raw in state.iter_prefix(storage_prefix("PhalaMining", "GkWorkers")):
            w = GK_WORKER.decode(raw)
            if w.working_state is None or w.unresponsive:
                continue
            t = w.tokenomic
            v = t.v
            for _ in range(head - w.advanced_to):
                v = idle_step(v, t.p_bench, t.p_instant, params)
            shares[key[32:]] = share_bits(v, t.p_instant, t.confidence_level)
        assert len(shares) == 2
        s_total = Fraction(sum(shares.values()), ONE)
        per_share = Fraction(params.budget_per_block, ONE) * \
            (1 - Fraction(params.treasury_ratio, ONE)) * T_Y / (12 * s_total)
        pools = {}
        for key, raw in state.iter_prefix(storage_prefix("PhalaStakePool", "StakePools")):
            pool = POOL_INFO.decode(raw)
            assert key[32:40] == twox64(key[40:])
            s_p = Fraction(sum(shares.get(pk, 0) for pk in pool.workers), ONE)
            d_p = Fraction(pool.total_stake, 10**12)
            pools[pool.pid] = (s_p * (1 - Fraction(pool.payout_commission or 0, 10**6)) / d_p,
                               d_p)
        avg = sum(m * d for m, d in pools.values()) / sum(d for _, d in pools.values())

        got = compute_apr(chain)
        assert got["inputs"]["sum_share"]["bits"] == sum(shares.values())
        assert got["inputs"]["budget_per_block"]["bits"] == params.budget_per_block
        assert Fraction(got["reward_per_share_per_year"]["decimal"]) == rounded(per_share)
        assert Fraction(got["apr_multiplier"]["decimal"]) == rounded(avg)
        assert Fraction(got["phasrb"]["decimal"]) == rounded(per_share * avg)
        for p in got["pools"]:
            mult, _ = pools[p["pid"]]
            assert Fraction(p["apr_multiplier"]["decimal"]) == rounded(mult)
            assert Fraction(p["apr"]["decimal"]) == rounded(per_share * mult)
        assert pools[1][0] == 0  # Bob's pool has stake but no worker
        assert got["delegated_tokens"] == 21_000 * 10**12
        assert got["staking_wallets"] == 4  # Alice, Charlie, Dave in pool 0; Eve in pool 1
        base = chain.base_path
    cli = ok(base, "apr", "--pool", "0")
    assert [p["pid"] for p in cli["pools"]] == [0]
    assert cli["phasrb"] == got["phasrb"]
