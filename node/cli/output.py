"""Output discipline: with --json exactly one JSON document on stdout; logs on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any


class CliError(Exception):
    """A failure the CLI reports as `{"error": kind, "message": ...}` with an exit code.

    exit_code 2 = bad input (nothing changed), 1 = verification failure.
    """

    def __init__(self, kind: str, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.exit_code = exit_code


class Output:
    def __init__(self, json_mode: bool = False) -> None:
        self.json_mode = json_mode

    def result(self, data: Any, human: Callable[[Any], None] | None = None) -> None:
        """Print the command's result: JSON document, or the human renderer."""
        if self.json_mode or human is None:
            sys.stdout.write(json.dumps(data, indent=None if self.json_mode else 2) + "\n")
        else:
            human(data)
        sys.stdout.flush()

    def log(self, message: str) -> None:
        sys.stderr.write(message + "\n")

    def error(self, err: CliError, quiet: bool = False) -> None:
        if not quiet:
            sys.stderr.write(f"error: {err.message}\n")
        if self.json_mode:
            sys.stdout.write(json.dumps({"error": err.kind, "message": err.message}) + "\n")
            sys.stdout.flush()
