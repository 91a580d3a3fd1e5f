"""The pools table's realised APR: what a share earned over the last day, annualised."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from node.chain import Chain
from node.rpc.methods_dashboard import pool_rows
from tests.node.inprocess import ok
from tests.node.test_forecast import build_chain

PHA = 10**12
HOUR_MS = 3_600_000
YEAR_MS = 31_536_000_000


def test_realised_apr_is_the_reward_per_staked_planck_annualised(tmp_path: Path) -> None:
    base = tmp_path / "chain"
    build_chain(base)  # pool 0: 20 % commission, 11,000 PHA staked as 11,000 PHA of shares
    ok(base, "seal", "--count", "30", "--advance", str(HOUR_MS // 1000))  # 30 h of hourly blocks
    acc0 = ok(base, "query", "PhalaStakePool", "StakePools", "0")["reward_acc"]["bits"]
    # a 100 PHA reward: 80 PHA to the delegators' 11,000 shares
    ok(base, "tx", "--sudo", "PhalaStakePool", "force_assign_reward", f"[[0, {100 * PHA}]]")
    ok(base, "seal", "--count", "2")
    head = ok(base, "head")
    acc1 = ok(base, "query", "PhalaStakePool", "StakePools", "0")["reward_acc"]["bits"]
    assert acc1 - acc0 == (80 * PHA << 64) // (11_000 * PHA)  # reward per share, truncated
    with Chain.open(base) as chain:
        p0, p1 = pool_rows(chain)
    # the window starts at the first block at most a day before the head: an hourly one
    start = head["number"] - 3 - 23
    assert p0["realised_window"]["from"] == start and p0["realised_window"]["to"] == head["number"]
    elapsed = p0["realised_window"]["ms"]
    assert elapsed == 23 * HOUR_MS + 3 * 12_000
    rate = Fraction(acc1 - acc0, 1 << 64) * Fraction(YEAR_MS, elapsed)  # shares = stake
    assert p0["realised_apr"]["float"] == float(rate)
    # ≈ 80 / 11,000 per `elapsed` of chain time
    assert abs(p0["realised_apr"]["float"] / (80 / 11_000 * YEAR_MS / elapsed) - 1) < 1e-12
    assert p1["realised_apr"] == {"decimal": "0.000000000000000000", "float": 0.0}
