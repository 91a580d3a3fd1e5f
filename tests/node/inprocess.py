"""The CLI driven in-process (`node.cli.main`), which is much faster than a subprocess."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from node.cli import main


def cli(base: Path, *args: str) -> tuple[int, Any]:
    """`phala-emu --base-path base --json args...`: (exit code, the JSON document)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--base-path", str(base), "--json", *args])
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1, (args, out.getvalue(), err.getvalue())
    return code, json.loads(lines[0])


def ok(base: Path, *args: str) -> Any:
    code, doc = cli(base, *args)
    assert code == 0, (args, doc)
    return doc
