"""The README's main job runs to the end with every check holding: a shortened variant
by default (hours of mining, longer blocks while waiting), the full run marked slow."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.staking_lifecycle import main


def test_short_lifecycle_runs_and_every_check_holds(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--base-path", str(tmp_path / "run"), "--mining-days", "0.25",
                 "--grace-block-secs", "600", "--cooldown-block-secs", "3600"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "FAILED" not in out
    for step in ("Worker2 is MiningUnresponsive while offline", "Worker2 recovered",
                 "the rest waits in the queue",
                 "pool 1's workers were force-stopped after the 7-day grace period",
                 "the withdraw queue was served", "supply adds up",
                 "every pallet's try_state holds"):
        assert f"[ok] {step}" in out
    assert (tmp_path / "run" / "report" / "v_per_worker.png").is_file()


@pytest.mark.slow
def test_full_lifecycle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--base-path", str(tmp_path / "run")]) == 0, capsys.readouterr().out
