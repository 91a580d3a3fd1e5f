"""Who holds a chain: a small record beside the LevelDB, read only when it is locked.

LevelDB lets one process open a database at a time; a second one gets a raw lock
message. The holder writes `DIR/holder.json` (pid, what it is, and for `serve` the
URL) right after opening, so the one turned away can say who has the chain and how
to reach it instead of calling a busy chain corrupt. A stale record (dead pid) is
ignored: it is only consulted while the lock is really held.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HOLDER_FILE = "holder.json"


def _path(base_path: str | Path) -> Path:
    return Path(base_path) / HOLDER_FILE


def _write(base_path: str | Path, record: dict[str, object]) -> None:
    path = _path(base_path)
    tmp = path.with_name(f".{HOLDER_FILE}.{os.getpid()}")
    tmp.write_text(json.dumps(record))
    os.replace(tmp, path)


def note_holder(base_path: str | Path) -> None:
    """Record this process as the chain's holder (called once the LevelDB lock is ours)."""
    what = " ".join(["phala-emu", *sys.argv[1:]])[:200] if sys.argv else "phala-emu"
    try:
        _write(base_path, {"pid": os.getpid(), "what": what})
    except OSError:
        pass  # a read-only base path still opens; only the message gets vaguer


def claim(base_path: str | Path, url: str) -> None:
    """Record that `serve` (this process) holds the chain and answers at `url`."""
    _write(base_path, {"pid": os.getpid(), "what": "phala-emu serve", "url": url})


def release(base_path: str | Path) -> None:
    """Forget the record if it is ours (called before the chain is closed)."""
    path = _path(base_path)
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def describe_holder(base_path: str | Path) -> str:
    """Who holds the chain, for the error a second opener gets."""
    try:
        record = json.loads(_path(base_path).read_text())
        pid = int(record["pid"])
        what = str(record.get("what", "phala-emu"))
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"
    if pid == os.getpid() or not _alive(pid):
        return "another process"
    url = record.get("url")
    if url:
        return f"{what} (pid {pid}) at {url}; talk to it over RPC or stop it first"
    return f"`{what}` (pid {pid})"
