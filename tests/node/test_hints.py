"""`tx`'s human output says what the chain knows about InsufficientStake / BenchmarkMissing."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from node.cli import main
from node.hints import pha
from tests.node.inprocess import cli, ok

REPO = Path(__file__).resolve().parents[2]
WORKER5 = "0x00bede1f94902342f63c486d1754b1b8efb086f8f5dcf1b6138796f658faa22f"  # //Worker5


def human(base: Path, *args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["--base-path", str(base), *args]) == 0
    return out.getvalue()


def test_pha_is_exact_with_separators() -> None:
    assert pha(0) == "0 PHA"
    assert pha(1) == "0.000000000001 PHA"
    assert pha(12_345_678_900_000_000) == "12,345.6789 PHA"


def test_benchmark_missing_names_the_block_the_score_lands_in(tmp_path: Path) -> None:
    base = tmp_path / "c"
    ok(base, "init", "--genesis", str(REPO / "genesis.json"))
    ok(base, "tx", "--signer", "//Charlie", "PhalaStakePool", "create")
    text = human(base, "tx", "--signer", "//Charlie", "PhalaStakePool", "add_worker", "0",
                 WORKER5)
    assert "failed: PhalaStakePool.BenchmarkMissing" in text
    assert text.splitlines()[-1] == (
        f"hint: worker {WORKER5} is benchmarking (started in block #1, 50 blocks): its score "
        "lands in block #52, 50 block(s) after the head #2 — seal them first "
        "(`phala-emu seal --count 50`)")
    assert "│ ApplyExtrinsic(1) │ System.ExtrinsicFailed" in text  # the phase column is filled
    # one block short of the hint, the call still fails; at the hinted block it works
    ok(base, "seal", "--count", "49")
    failed = ok(base, "tx", "--signer", "//Charlie", "PhalaStakePool", "add_worker", "0",
                WORKER5)
    assert (failed["block_number"], failed["error"]) == (52, "PhalaStakePool.BenchmarkMissing")
    done = ok(base, "tx", "--signer", "//Charlie", "PhalaStakePool", "add_worker", "0", WORKER5)
    assert (done["block_number"], done["success"]) == (53, True)


def test_insufficient_stake_names_the_minimum(tmp_path: Path) -> None:
    base = tmp_path / "c"
    ok(base, "init", "--genesis", str(REPO / "genesis.json"))
    workers = {w["initial_score"]: w["pubkey"] for w in ok(base, "worker", "list")}
    w1 = workers[1200]  # //Worker1, operated by //Alice
    ok(base, "tx", "PhalaStakePool", "create")
    ok(base, "tx", "PhalaStakePool", "add_worker", "0", w1)
    ok(base, "tx", "PhalaStakePool", "contribute", "0", "100000000000000000")
    code, out = cli(base, "tx", "PhalaStakePool", "start_mining", "0", w1, "1000")
    assert (code, out["error"]) == (0, "PhalaMining.InsufficientStake")
    text = human(base, "tx", "PhalaStakePool", "start_mining", "0", w1, "1000")
    hint = text.splitlines()[-1]
    prefix = f"hint: worker {w1} (initial score 1200) needs a stake of at least k·√p = "
    assert hint.startswith(prefix) and hint.endswith("; the call staked 1,000 planck")
    need = int(hint[len(prefix):].split(" planck")[0].replace(",", ""))
    # the minimum is exact: one planck less fails, the minimum itself starts mining
    below = ok(base, "tx", "PhalaStakePool", "start_mining", "0", w1, str(need - 1))
    assert below["error"] == "PhalaMining.InsufficientStake"
    at = ok(base, "tx", "PhalaStakePool", "start_mining", "0", w1, str(need))
    assert at["success"] is True
