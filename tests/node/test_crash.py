"""Crash safety: SIGKILL during `seal --count 2000` keeps every completed block, nothing half."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.node.conftest import GENESIS, REPO, ok


def test_sigkill_mid_seal_then_continue_and_replay(tmp_path: Path) -> None:
    base = tmp_path / "chain"
    ok(base, "init", "--genesis", str(GENESIS))
    ok(base, "tx", "--no-seal", "Balances", "transfer_keep_alive", "//Bob", "1000")
    proc = subprocess.Popen([sys.executable, "-m", "node", "--base-path", str(base), "--json",
                             "seal", "--count", "2000"], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(REPO)})
    log = base / "db"
    deadline = time.monotonic() + 60
    # wait until blocks are being written (the LevelDB log grows), then kill mid-run
    while time.monotonic() < deadline and proc.poll() is None:
        size = sum(f.stat().st_size for f in log.glob("*.log"))
        if size > 400_000:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "seal finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    head = ok(base, "head")
    assert 1 <= head["number"] < 2000
    assert ok(base, "check")["block_number"] == head["number"]
    block = ok(base, "block", str(head["number"]))
    assert block["hash"] == head["hash"]
    assert ok(base, "query", "System", "Number") == head["number"]
    first = ok(base, "block", "1")
    assert len(first["extrinsics"]) == 2  # the pending transfer went into block 1
    more = ok(base, "seal", "--count", "3")
    assert more[-1]["number"] == head["number"] + 3
    out = tmp_path / "blocks"
    ok(base, "export-blocks", "--out", str(out))
    final = ok(base, "head")
    assert ok(base, "replay", "--genesis", str(out / "genesis.json"), str(out)) == final
