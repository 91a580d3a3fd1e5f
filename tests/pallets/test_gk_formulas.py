"""Gatekeeper economics formulas (economics.md §1, §6, §9.1) and the heartbeat challenge
target (mining.md §6.1). Expected values are the spec's figures or worked step by step with
Fraction and the floor rule — never by calling the function under test."""

from __future__ import annotations

import dataclasses
import time
from fractions import Fraction
from math import isqrt
from typing import Any

import pytest

from pallets.mining.formulas import default_params
from pallets.mining.gk_formulas import (
    TokenomicInfo,
    conf_score_gk,
    heartbeat_hit,
    payout_ratio,
    pow_target,
    share,
    start_session,
    update_p_instant,
    update_v_heartbeat,
    update_v_idle,
    update_v_recover,
    update_v_slash,
)
from runtime.fixed import bits_to_decimal_str
from runtime.ints import ArithmeticDivisionByZero

ONE = 2**64
PARAMS = default_params()
RHO = 18446756370313412349
COST_K = 291740030655
COST_B = 621866907450610
SLASH = 61489146912365
TREASURY = 3689348814741910323
BUDGET = 100 * ONE
BLAKE2_256_EMPTY = 0x0E5751C026E543B2E8AB2EB06099DAA1D1E5DF47778F7787FAAB45CDF12FE3A8


def fmul(a: int, b: int) -> int:
    """Floor of the exact product of two U64F64 values, in bits (independent of the code)."""
    q = Fraction(a, ONE) * Fraction(b, ONE) * ONE
    return q.numerator // q.denominator


def fdiv(a: int, b: int) -> int:
    q = Fraction(a, b) * ONE
    return q.numerator // q.denominator


def hand_share(v: int, p: int, conf: int) -> int:
    x = fmul(fmul(2 * ONE, p), conf)
    return isqrt(fmul(v, v) + fmul(x, x)) * 2**32


def worker(v: int = 3000 * ONE, p: int = 100, **kw: Any) -> TokenomicInfo:
    info = TokenomicInfo(v=v, v_init=v, p_bench=p * ONE, p_instant=p * ONE, confidence_level=1)
    return dataclasses.replace(info, **kw)


# -- confidence, ratios, share -----------------------------------------------------------------


def test_conf_score_gk() -> None:
    for level in (1, 2, 3, 128):
        assert conf_score_gk(level) == ONE
    assert conf_score_gk(4) == round(Fraction(8, 10) * ONE)
    assert conf_score_gk(5) == round(Fraction(7, 10) * ONE)
    for level in (0, 6, 127, 255):
        assert conf_score_gk(level) == 0


def test_payout_ratio() -> None:
    assert payout_ratio(PARAMS) == 0xCCCCCCCCCCCCCCCD
    assert bits_to_decimal_str(payout_ratio(PARAMS), 22) == "0.8000000000000000000108"


def test_share_by_hand() -> None:
    info = worker(v=3000 * ONE, p=100)
    # sqrt(3000^2 + 200^2) with the truncating sqrt
    assert share(info) == isqrt(9_040_000 * ONE) * 2**32 == hand_share(3000 * ONE, 100 * ONE, ONE)
    info.confidence_level = 4
    assert share(info) == hand_share(3000 * ONE, 100 * ONE, round(Fraction(4, 5) * ONE))
    info.confidence_level = 0  # unknown level: conf 0, share = v
    assert share(info) == 3000 * ONE


def test_share_uses_p_bench_when_a_contract_runs() -> None:
    info = worker(p=100, p_instant=50 * ONE)
    assert share(info) == hand_share(3000 * ONE, 50 * ONE, ONE)
    info.contract_running = True
    assert share(info) == hand_share(3000 * ONE, 100 * ONE, ONE)


# -- idle, slash, recover ------------------------------------------------------------------------


def test_idle_7201_steps_reproduce_section_9_1() -> None:
    info = worker(v=3000 * ONE, p=100)
    for _ in range(7201):
        update_v_idle(info, PARAMS)
    assert bits_to_decimal_str(info.v).startswith("3014.6899337932040476463")
    assert info.v_deductible == info.v - 3000 * ONE  # below the cap: deductible = growth


def test_idle_one_step_by_hand_with_multiplier() -> None:
    info = worker(v=3000 * ONE, p=100, p_instant=110 * ONE, v_deductible=7)
    m = fdiv(110 * ONE, 100 * ONE)
    dv = fmul(m, fmul(RHO - ONE, 3000 * ONE) + fmul(COST_K, 100 * ONE) + COST_B)
    update_v_idle(info, PARAMS)
    assert info.v == 3000 * ONE + dv
    assert info.v_deductible == 7 + dv


def test_idle_without_benchmark_uses_m_one() -> None:
    info = worker(v=5 * ONE, p=0)
    update_v_idle(info, PARAMS)
    assert info.v == 5 * ONE + fmul(RHO - ONE, 5 * ONE) + COST_B


def test_idle_cap_keeps_full_dv_in_deductible() -> None:
    v_max = 30_000 * ONE
    info = worker(v=v_max - 1, p=100)
    dv = fmul(RHO - ONE, v_max - 1) + fmul(COST_K, 100 * ONE) + COST_B
    update_v_idle(info, PARAMS)
    assert info.v == v_max
    assert info.v_deductible == dv > 1


def test_slash_by_hand() -> None:
    info = worker(v=3000 * ONE, v_deductible=12345)
    update_v_slash(info, PARAMS)
    assert info.v == 3000 * ONE - fmul(3000 * ONE, SLASH)
    # FP(3000) * slash is exact: 3000 · slash bits
    assert info.v == 3000 * ONE - 3000 * SLASH == 55_340_047_753_687_917_753_000
    assert info.v_deductible == 0


def test_recover() -> None:
    info = worker(v_deductible=99, v_update_at=1, v_update_block=2)
    update_v_recover(info, 60_000, 50)
    assert (info.v_deductible, info.v_update_at, info.v_update_block) == (0, 60_000, 50)
    assert info.v == 3000 * ONE


def test_start_session_resets_and_keeps_confidence() -> None:
    info = worker(v_deductible=5, iteration_last=9, contract_running=True, confidence_level=4)
    start_session(info, init_v=77 * ONE, init_p=300, now_ms=12_000, block=3)
    assert info == TokenomicInfo(
        v=77 * ONE, v_init=77 * ONE, v_deductible=0, v_update_at=12_000, v_update_block=3,
        iteration_last=0, challenge_time_last=12_000, p_bench=300 * ONE, p_instant=300 * ONE,
        confidence_level=4, contract_running=False,
    )  # fmt: skip


# -- p_instant ----------------------------------------------------------------------------------


def test_p_instant_by_hand() -> None:
    info = worker(p=1000, challenge_time_last=6_000, iteration_last=500)
    update_p_instant(info, 18_000, 2_500, True)
    dt = 12 * ONE  # (18000 - 6000) ms / 1000
    assert info.p_instant == fdiv(2000 * ONE, dt) * 6  # just below 1000: truncated
    assert info.p_instant == 18_446_744_073_709_551_615_996
    assert info.contract_running is True
    assert (info.challenge_time_last, info.iteration_last) == (6_000, 500)  # caller's job


def test_p_instant_capped_at_1_2_p_bench() -> None:
    info = worker(p=100, challenge_time_last=0)
    update_p_instant(info, 1_000, 10_000, False)
    assert info.p_instant == fmul(100 * ONE, round(Fraction(12, 10) * ONE))


def test_p_instant_restarted_counter_and_stale_time() -> None:
    info = worker(p=1000, challenge_time_last=0, iteration_last=10_000)
    update_p_instant(info, 6_000, 600, False)  # counter went back: measured from 600
    assert info.p_instant == 0 and info.iteration_last == 600
    before = info.p_instant
    update_p_instant(info, 0, 10**9, True)  # now <= challenge_time_last: only the flag
    assert info.p_instant == before and info.contract_running is True


# -- heartbeat payout ---------------------------------------------------------------------------


def hand_budget(s: int, sum_share: int, blocks: int) -> int:
    return fmul(fmul(fdiv(s, sum_share), BUDGET), blocks * ONE)


def test_full_payout_heartbeat_by_hand() -> None:
    v, vd = 3010 * ONE + 123_456_789, 3 * ONE // 10
    info = worker(v=v, p=100, v_deductible=vd, v_update_block=100, v_update_at=5)
    s = hand_share(v, 100 * ONE, ONE)
    sum_share = 4 * s + 17  # three other workers of the same size
    budget = hand_budget(s, sum_share, 10)
    to_payout = fmul(budget, ONE - TREASURY)
    to_treasury = fmul(budget, TREASURY)
    # ≈ 100 PHA·10 blocks / 4 = 250, 80 % / 20 %
    assert Fraction(to_payout, ONE) == pytest.approx(200, rel=1e-9)
    payout, treasury = update_v_heartbeat(info, PARAMS, sum_share, 120_000, 110, True)
    assert (payout, treasury) == (to_payout, to_treasury)
    assert info.v == v - vd  # v_deductible < payout: V drops by the deductible
    assert (info.v_deductible, info.v_update_at, info.v_update_block) == (0, 120_000, 110)


def test_full_payout_deduction_capped_by_payout() -> None:
    v = 30_000 * ONE
    info = worker(v=v, p=100, v_deductible=1_000 * ONE, v_update_block=0)
    s = hand_share(v, 100 * ONE, ONE)
    payout, treasury = update_v_heartbeat(info, PARAMS, s, 12_000, 1, True)
    budget = hand_budget(s, s, 1)
    assert budget == 100 * ONE  # share / sum_share = 1 exactly
    assert payout == fmul(100 * ONE, ONE - TREASURY) == 100 * 0xCCCCCCCCCCCCCCCD
    assert treasury == fmul(100 * ONE, TREASURY) == 100 * 0x3333333333333333
    assert info.v == v - payout


def test_legacy_payout_by_hand() -> None:
    v, vd = 3000 * ONE, 5 * ONE
    info = worker(v=v, p=100, v_deductible=vd, v_update_block=10)
    s = hand_share(v, 100 * ONE, ONE)
    sum_share = 1000 * s
    budget = hand_budget(s, sum_share, 30)  # ≈ 3 PHA
    to_payout, to_treasury = fmul(budget, ONE - TREASURY), fmul(budget, TREASURY)
    assert to_payout < vd
    payout, treasury = update_v_heartbeat(info, PARAMS, sum_share, 9, 40, False)
    assert payout == to_payout
    assert treasury == fmul(fdiv(to_payout, to_payout), to_treasury)
    assert info.v == v - to_payout

    small = worker(v=v, p=100, v_deductible=ONE // 4, v_update_block=10)
    payout, treasury = update_v_heartbeat(small, PARAMS, sum_share, 9, 40, False)
    assert payout == ONE // 4  # at most the V growth
    assert treasury == fmul(fdiv(ONE // 4, to_payout), to_treasury)
    assert small.v == v - ONE // 4 and small.v_deductible == 0


def test_legacy_zero_budget_is_a_reference_panic() -> None:
    params = dataclasses.replace(PARAMS, budget_per_block=0)
    info = worker(v_deductible=ONE, v_update_block=0)
    with pytest.raises(ArithmeticDivisionByZero):
        update_v_heartbeat(info, params, share(info), 1, 1, False)


@pytest.mark.parametrize(
    ("sum_share", "v_deductible", "block", "level"),
    [(0, ONE, 5, 1), (ONE, 0, 5, 1), (ONE, ONE, 3, 1), (ONE, ONE, 2, 1), (ONE, ONE, 5, 0)],
)
def test_heartbeat_without_update(
    sum_share: int, v_deductible: int, block: int, level: int
) -> None:
    v = 0 if level == 0 else 3000 * ONE  # level 0 with v 0: share 0
    info = worker(v=v, v_deductible=v_deductible, v_update_block=3, confidence_level=level)
    before = dataclasses.replace(info)
    assert update_v_heartbeat(info, PARAMS, sum_share, 99, block, True) == (0, 0)
    assert info == before


# -- heartbeat challenge --------------------------------------------------------------------------


def test_pow_target_reference_values() -> None:
    assert pow_target(20, 0, 12) == 0
    assert pow_target(20, 20, 12) == (
        771946525395830978497002573683960742805751636319313395421818009383503547160
    )
    assert pow_target(20, 20, 12) == (2**232 - 1) * 111848
    assert pow_target(20, 200000, 12) == (
        11574228623567775471528085581038571683760509746329738253007553123311417715
    )
    assert pow_target(20, 200000, 12) == (2**232 - 1) * 1677


def test_pow_target_frac_by_hand() -> None:
    # 20 workers, 12 s: max_tx = floor(40·2^32 / 300) bits; t/W = floor(max_tx / 20)
    max_tx = (40 * 2**32) // 300
    assert max_tx == 572_662_306
    assert ((max_tx // 20) << 24) >> 32 == 111848
    # few workers, num_tx binds: 1 worker, N = 0 -> no hits
    assert pow_target(0, 1, 12) == 0
    with pytest.raises(ArithmeticDivisionByZero):
        pow_target(20, 20, 3601)


def test_heartbeat_hit() -> None:
    assert heartbeat_hit(b"", BLAKE2_256_EMPTY, 0)  # xor = 0 <= 0
    assert not heartbeat_hit(b"", BLAKE2_256_EMPTY ^ 1, 0)
    assert heartbeat_hit(b"", BLAKE2_256_EMPTY ^ 1, 1)
    assert heartbeat_hit(b"\x01" * 32, 12345, 2**256 - 1)


# -- speed --------------------------------------------------------------------------------


@pytest.mark.slow
def test_idle_speed_100_workers_one_week() -> None:
    workers = [worker(v=(1000 + i) * ONE, p=100 + i) for i in range(100)]
    start = time.perf_counter()
    for _ in range(50_400):
        for w in workers:
            update_v_idle(w, PARAMS)
    assert time.perf_counter() - start < 30
