"""Real JavaScript clients against a real `phala-emu serve` subprocess.

`served(base)` starts `serve --rpc-port 0 --json` on a chain directory, reads the URL
line and always stops the server (SIGINT, then SIGKILL after a grace period).
`run_js(script, url)` runs `node tests/js/SCRIPT URL` and parses its one JSON line.
`npm_ready()` installs the pinned packages (`npm ci`) when the lock file changed since
the last install, as the Makefile's `test` target does.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
JS = REPO / "tests" / "js"
STAMP = JS / "node_modules" / ".installed"


class ClientFailed(AssertionError):
    """A client script exited non-zero or printed something else than one JSON line."""


def npm_ready() -> str | None:
    """None when the JS packages are installed (installing them if needed), else why not."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node/npm are not installed"
    lock = JS / "package-lock.json"
    if STAMP.exists() and STAMP.stat().st_mtime >= lock.stat().st_mtime:
        return None
    proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"npm ci failed: {proc.stderr[-2000:]}")
    STAMP.touch()
    return None


def phala_emu(base: Path, *args: str, timeout: float = 300) -> Any:
    """`phala-emu --base-path base --json args…` in a subprocess; its JSON (exit 0 asserted)."""
    proc = subprocess.run([sys.executable, "-m", "node", "--base-path", str(base), "--json",
                           *args], capture_output=True, text=True, timeout=timeout, cwd=REPO)
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return json.loads(proc.stdout)


@contextmanager
def served(base: Path, *flags: str, start_timeout: float = 60) -> Iterator[dict[str, Any]]:
    """The `serve` JSON line (`url`, `genesis_hash`, `head`) of a server on `base`."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "node", "--base-path", str(base), "--json", "serve",
         "--rpc-port", "0", *flags],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    stderr: list[str] = []
    drain = threading.Thread(target=lambda: stderr.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
    drain.start()
    try:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()),  # type: ignore[union-attr]
                                  daemon=True)
        reader.start()
        reader.join(start_timeout)
        if not line or not line[0].strip():
            raise RuntimeError(f"serve printed no URL line (exit {proc.poll()}): "
                               + "".join(stderr)[-2000:])
        first = json.loads(line[0])
        if "url" not in first:
            raise RuntimeError(f"serve did not start: {line[0].strip()} "
                               + "".join(stderr)[-2000:])
        yield first
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        drain.join(5)


def run_js(script: str, url: str, timeout: float = 120) -> Any:
    """The JSON result of `node tests/js/<script> <url>`; ClientFailed on any failure."""
    proc = subprocess.run(["node", str(JS / script), url], capture_output=True, text=True,
                          timeout=timeout, cwd=JS)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or len(lines) != 1:
        raise ClientFailed(f"{script} exited {proc.returncode}\nstdout: {proc.stdout[-3000:]}\n"
                           f"stderr: {proc.stderr[-6000:]}")
    return json.loads(lines[0])
