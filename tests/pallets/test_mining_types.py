"""Mining pallet types (mining.md §1, §5.6): Benchmark.update, SCALE layouts, accounts."""

from __future__ import annotations

import pytest

from pallets.messages import TOKENOMIC_PARAMETERS
from pallets.mining.formulas import default_params
from pallets.mining.types import (
    MINER_INFO,
    SUBSIDY_POOL_ACCOUNT,
    TREASURY_ACCOUNT,
    Benchmark,
    BenchmarkTimingError,
    MinerInfo,
    MinerState,
    MinerStats,
)


def le(value: int, size: int) -> bytes:
    return value.to_bytes(size, "little")


# -- Benchmark.update (§1.2) ---------------------------------------------------------------


def test_update_measures_from_last_challenge_to_now_and_stores_the_new_challenge_time():
    b = Benchmark(p_init=1000, iterations=0, challenge_time_last=100)
    b.update(now=112, iterations=1200, challenge_time=111)
    # delta_ts = 112 − 100 = 12 s, delta_iter = 1200 → p = 1200·6 // 12 = 600 (cap 1200)
    assert b == Benchmark(p_init=1000, p_instant=600, iterations=1200,
                          challenge_time_last=111)


def test_update_caps_the_instant_score_at_120_percent_of_p_init_integer():
    b = Benchmark(p_init=7, challenge_time_last=0)
    b.update(now=6, iterations=1000, challenge_time=5)
    assert b.p_instant == 8  # 7·12 // 10; uncapped would be 1000


def test_update_after_a_worker_restart_resets_the_counter_and_scores_zero():
    b = Benchmark(p_init=1000, p_instant=900, iterations=5000, challenge_time_last=10)
    b.update(now=20, iterations=100, challenge_time=19)
    assert (b.iterations, b.p_instant, b.challenge_time_last) == (100, 0, 19)


def test_update_truncates_the_division():
    b = Benchmark(p_init=1000, iterations=10, challenge_time_last=0)
    b.update(now=7, iterations=20, challenge_time=6)
    assert b.p_instant == 8  # 10·6 // 7 = 8.57 → 8


@pytest.mark.parametrize("now", [100, 99])
def test_update_no_later_than_the_last_challenge_is_rejected_unchanged(now: int):
    b = Benchmark(p_init=1000, p_instant=5, iterations=42, mining_start_time=1,
                  challenge_time_last=100)
    with pytest.raises(BenchmarkTimingError):
        b.update(now=now, iterations=1000, challenge_time=100)
    assert b == Benchmark(p_init=1000, p_instant=5, iterations=42, mining_start_time=1,
                          challenge_time_last=100)


# -- states -----------------------------------------------------------------------------------


def test_state_predicates():
    assert [s.can_unbind() for s in MinerState] == [True, False, False, False, True]
    assert [s.is_mining() for s in MinerState] == [False, True, False, True, False]
    assert [int(s) for s in MinerState] == [0, 1, 2, 3, 4]


# -- SCALE layouts ----------------------------------------------------------------------------


def test_miner_info_encodes_fields_in_reference_order():
    info = MinerInfo(state=MinerState.MiningCoolingDown, ve=1, v=2, v_updated_at=3,
                     benchmark=Benchmark(4, 5, 6, 7, 8), cool_down_start=9,
                     stats=MinerStats(10))
    expected = (b"\x04" + le(1, 16) + le(2, 16) + le(3, 8)
                + le(4, 4) + le(5, 4) + le(6, 8) + le(7, 8) + le(8, 8)
                + le(9, 8) + le(10, 16))
    assert MINER_INFO.encode(info) == expected
    assert len(expected) == 97
    assert MINER_INFO.decode(expected) == info


def test_tokenomic_parameters_are_212_bytes_with_heartbeat_window_as_u32():
    raw = TOKENOMIC_PARAMETERS.encode(default_params())
    assert len(raw) == 212
    # 8 u128 fields, then heartbeat_window = 10 as u32
    assert raw[128:132] == le(10, 4)
    assert raw[16:32] == le(18446756370313412349, 16)  # rho bits (mining.md §10.1)


# -- accounts (§5.6) ------------------------------------------------------------------------


def test_subsidy_pool_account_is_modl_phala_pp_zero_padded():
    assert SUBSIDY_POOL_ACCOUNT.hex() == (
        "6d6f646c7068616c612f70700000000000000000000000000000000000000000")
    # the mock's u64 account id is the first 8 bytes, little-endian
    assert int.from_bytes(SUBSIDY_POOL_ACCOUNT[:8], "little") == 7809638060901298029


def test_treasury_account_is_modl_py_trsry_zero_padded():
    assert TREASURY_ACCOUNT == b"modlpy/trsry" + bytes(20)
