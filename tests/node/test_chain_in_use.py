"""A chain held by one process is busy, not corrupt: the second opener is told who has it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from node import owner
from tests.node.conftest import REPO, cli, snapshot

HOLD = """
import sys, time
from node.chain import Chain
from node import owner
chain = Chain.open(sys.argv[1])
if len(sys.argv) > 2:
    owner.claim(sys.argv[1], sys.argv[2])
print("ready", flush=True)
sys.stdin.read()
owner.release(sys.argv[1])
chain.close()
"""


def _hold(base: Path, *extra: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(base), *extra], cwd=REPO,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    return proc


def _stop(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


def test_a_second_command_names_the_holding_command(chain_copy: Path) -> None:
    before = snapshot(chain_copy)
    proc = _hold(chain_copy)
    try:
        r = cli(chain_copy, "seal")
    finally:
        _stop(proc)
    assert r.code == 2
    assert r.out == {"error": "ChainInUse", "message":
                     f"the chain at {chain_copy} is in use by `phala-emu {chain_copy}` "
                     f"(pid {proc.pid})"}
    assert snapshot(chain_copy) == before


def test_a_served_chain_names_the_server_and_its_url(chain_copy: Path) -> None:
    proc = _hold(chain_copy, "ws://127.0.0.1:9944")
    try:
        r = cli(chain_copy, "head")
    finally:
        _stop(proc)
    assert r.code == 2
    assert r.out == {"error": "ChainInUse", "message":
                     f"the chain at {chain_copy} is in use by phala-emu serve (pid {proc.pid}) "
                     "at ws://127.0.0.1:9944; talk to it over RPC or stop it first"}
    assert not (chain_copy / owner.HOLDER_FILE).exists()  # released on the way out
    assert cli(chain_copy, "head").code == 0


def test_a_stale_record_is_not_believed(chain_copy: Path) -> None:
    proc = _hold(chain_copy, "ws://127.0.0.1:9944")
    _stop(proc)  # released: now forge a record of a dead server while a real holder runs
    holder = _hold(chain_copy)
    try:
        (chain_copy / owner.HOLDER_FILE).write_text('{"pid": 999999999, "what": "x"}')
        r = cli(chain_copy, "head")
    finally:
        _stop(holder)
    assert r.out == {"error": "ChainInUse",
                     "message": f"the chain at {chain_copy} is in use by another process"}
