"""The scenario file's value forms: chain times ("3d 12h"), amounts ("1400 PHA", "5
planck" or a whole number of PHA) and rates ("60%"). Each parser raises ScenarioError
naming the file and the field, and says what is allowed."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from runtime.fixed import PHA

_UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
_TIME_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)")
_AMOUNT = re.compile(r"^(-?\d+(?:\.\d+)?)\s*(PHA|planck)$")
_PERCENT = re.compile(r"^(-?\d+(?:\.\d+)?)\s*%$")


class ScenarioError(ValueError):
    """A scenario file that cannot run: `file: field: what is wrong and what is allowed`."""

    def __init__(self, file: str, field: str, message: str) -> None:
        super().__init__(f"{file}: {field}: {message}" if field else f"{file}: {message}")
        self.file, self.field, self.message = file, field, message


def parse_time_ms(value: Any, file: str, field: str) -> int:
    """Milliseconds from a string like "3d", "12h", "7d 1h 12s" or "500ms" (≥ 0)."""
    allowed = 'a time like "3d", "12h", "7d 1h 12s" (units d, h, m, s, ms)'
    if not isinstance(value, str):
        raise ScenarioError(file, field, f"expected {allowed}, got {value!r}")
    text = value.replace(" ", "")
    if text.startswith("-"):
        raise ScenarioError(file, field, f"{value!r} is negative: times count from genesis "
                            "(0s or later)")
    total, pos = Decimal(0), 0
    for m in _TIME_PART.finditer(text):
        if m.start() != pos:
            break
        total += Decimal(m.group(1)) * _UNIT_MS[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise ScenarioError(file, field, f"{value!r} is not {allowed}")
    if total != int(total):
        raise ScenarioError(file, field, f"{value!r} is not a whole number of milliseconds")
    return int(total)


def parse_amount(value: Any, file: str, field: str) -> int:
    """Planck from "1400 PHA", "0.8 PHA", "466666666666 planck" or an integer of PHA."""
    allowed = 'an amount: a whole number of PHA, or a string "1400 PHA", "0.5 PHA" or ' \
              '"1000 planck"'
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ScenarioError(file, field, f"expected {allowed}, got {value!r}")
    if isinstance(value, int):
        planck = value * PHA
    else:
        m = _AMOUNT.match(value.strip())
        if m is None:
            raise ScenarioError(file, field, f"{value!r} is not {allowed}")
        number = Decimal(m.group(1)) * (PHA if m.group(2) == "PHA" else 1)
        if number != int(number):
            raise ScenarioError(file, field, f"{value!r} is not a whole number of planck")
        planck = int(number)
    if planck < 0:
        raise ScenarioError(file, field, f"{value!r} is negative: amounts must be 0 or more")
    if planck >= 1 << 128:
        raise ScenarioError(file, field, f"{value!r} does not fit a u128 balance")
    return planck


def parse_permill(value: Any, file: str, field: str) -> int:
    """Parts per million from "60%" or "12.5%" (0 % to 100 %)."""
    allowed = 'a percentage like "60%" or "12.5%" (0% to 100%, at most 4 decimals)'
    m = _PERCENT.match(value.strip()) if isinstance(value, str) else None
    if m is None:
        raise ScenarioError(file, field, f"expected {allowed}, got {value!r}")
    try:
        permill = Decimal(m.group(1)) * 10_000
    except InvalidOperation:  # pragma: no cover - the pattern only admits decimals
        raise ScenarioError(file, field, f"{value!r} is not {allowed}") from None
    if permill != int(permill) or not 0 <= permill <= 1_000_000:
        raise ScenarioError(file, field, f"{value!r} is not {allowed}")
    return int(permill)


def fmt_time(ms: int) -> str:
    """"7d 1h 12s" for a chain time in milliseconds (the file's own notation)."""
    parts = []
    for unit in ("d", "h", "m", "s", "ms"):
        n, ms = divmod(ms, _UNIT_MS[unit])
        if n:
            parts.append(f"{n}{unit}")
    return " ".join(parts) or "0s"
