"""Ctrl-C during a sweep (slow: a Ray cluster of its own in a subprocess): exit 130 within
seconds, the runs in flight cancelled and their temporary directories gone, no Ray
process left, the (empty) table written."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

TINY = Path(__file__).with_name("tiny.toml")


def leftovers() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("phala-sweep-run-*"))


@pytest.mark.slow
def test_ctrl_c_cancels_cleanly(tmp_path: Path) -> None:
    before = leftovers()
    out = tmp_path / "out"
    p = subprocess.Popen([str(Path(sys.executable).parent / "phala-emu"), "sweep", str(TINY),
                          "--set", "scenario.duration=30d", "--seeds", "2", "--out", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while len(leftovers() - before) < 2:  # both runs have started
            assert p.poll() is None and time.monotonic() < deadline
            time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130
    assert err.rstrip().endswith("error: interrupted: the runs in flight were cancelled; "
                                 "run the same sweep again to resume")
    assert leftovers() - before == set()
    assert (out / "results.csv").read_text() == ("key,status,seed,scenario.duration,"
                                                 "head_number,head_hash,wall_s,error\n")
    assert not (out / "runs").exists()
