"""The sweep's grid: `--set PATH=V1,V2,…` (or a range `A..B:STEP`) parsed, applied to the
scenario's TOML document, and every point validated by the scenario loader before any
run starts. Each point's resolved scenario is TOML text; its SHA-256 keys the run."""

from __future__ import annotations

import copy
import hashlib
import itertools
import re
import tempfile
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import tomli_w

from node.scenario.schema import load_scenario
from node.scenario.units import ScenarioError

GENESIS_NAME = "genesis.json"  # a `genesis = …` file travels with the text under this name
_RANGE = re.compile(r"^\s*(-?[\d.]+)\s*([^\d\s.:-][^:]*?)?\s*\.\.\s*(-?[\d.]+)\s*"
                    r"([^\d\s.:-][^:]*?)?\s*:\s*(-?[\d.]+)\s*([^\d\s.:-].*?)?\s*$")
MAX_RANGE = 10_000


class SweepError(ValueError):
    """A sweep that cannot run: a bad `--set`, a path not in the scenario, a value the
    scenario refuses, an empty range."""


@dataclass(frozen=True)
class Axis:
    path: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Point:
    params: dict[str, Any]  # path -> value
    seed: int
    text: str  # the resolved scenario (TOML)
    genesis: bytes | None  # the genesis file's content, when the scenario names one
    key: str  # sha256 of text (+ genesis): the run's identity for resuming


def parse_range(spec: str) -> list[str] | None:
    """`0..0.5:0.1` → ["0", "0.1", …, "0.5"] (end included); a unit written on any of the
    three numbers (`0%..50%:10%`, `1000..5000:1000 PHA`) is put on every value. None when
    `spec` is not a range."""
    m = _RANGE.match(spec)
    if not m:
        return None
    lo_s, u1, hi_s, u2, step_s, u3 = m.groups()
    units = {u.strip() for u in (u1, u2, u3) if u}
    if len(units) > 1:
        raise SweepError(f"range {spec!r}: units differ ({', '.join(sorted(units))})")
    unit = units.pop() if units else ""
    try:
        lo, hi, step = Decimal(lo_s), Decimal(hi_s), Decimal(step_s)
    except InvalidOperation:
        raise SweepError(f"range {spec!r}: expected numbers, as in 0..0.5:0.1") from None
    if step <= 0:
        raise SweepError(f"range {spec!r} is empty: the step must be above 0")
    if hi < lo:
        raise SweepError(f"range {spec!r} is empty: {hi_s} is below {lo_s}")
    count = int((hi - lo) / step) + 1
    if count > MAX_RANGE:
        raise SweepError(f"range {spec!r} has {count} values (at most {MAX_RANGE})")
    sep = " " if unit and unit[0].isalpha() else ""
    return [f"{_plain(lo + i * step)}{sep}{unit}" for i in range(count)]


def _plain(d: Decimal) -> str:
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_set(spec: str) -> tuple[str, list[str]]:
    """`PATH=V1,V2,…` or `PATH=A..B:STEP` → (path, the values as written)."""
    path, eq, rhs = spec.partition("=")
    path = path.strip()
    if not eq or not path:
        raise SweepError(f"--set {spec!r}: expected PATH=V1,V2,… or PATH=A..B:STEP")
    values = parse_range(rhs)
    if values is None:
        values = [v.strip() for v in rhs.split(",")]
        if any(v == "" for v in values):
            raise SweepError(f"--set {spec!r}: an empty value (the values are separated "
                             "by commas)")
    return path, values


def _walk(doc: dict[str, Any], path: str) -> tuple[Any, str | int, Any]:
    """(container, key, current value) of a dotted path; SweepError when it is not there."""
    parts = path.split(".")
    node: Any = doc
    for depth, part in enumerate(parts):
        where = ".".join(parts[:depth + 1])
        last = depth == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise SweepError(f"--set {path}: {where} is not in the scenario "
                                 f"(an index below {len(node)} is allowed there)")
            if last:
                return node, int(part), node[int(part)]
            node = node[int(part)]
        elif isinstance(node, dict):
            if part not in node:
                if last:  # a field the file leaves to its default: the loader checks it
                    return node, part, None
                raise SweepError(f"--set {path}: {where} is not in the scenario (there: "
                                 + ", ".join(map(str, node)) + ")")
            if last:
                return node, part, node[part]
            node = node[part]
        else:
            raise SweepError(f"--set {path}: {'.'.join(parts[:depth])} is a value, "
                             "not a table or an array")
    raise AssertionError("unreachable")


def _typed(path: str, raw: str, current: Any) -> Any:
    """A written value as the type the scenario has at `path` (a number where it has a
    number, a string where it has a string); a field left to its default takes a number
    when the value reads as one."""
    if isinstance(current, (dict, list)):
        raise SweepError(f"--set {path}: the scenario has a table or an array there, "
                         "not a single value")
    try:
        if isinstance(current, bool):
            if raw not in ("true", "false"):
                raise ValueError
            return raw == "true"
        if isinstance(current, int):
            return int(raw)
        if isinstance(current, float):
            return float(raw)
    except ValueError:
        kind = {bool: "true or false", int: "a whole number", float: "a number"}
        raise SweepError(f"--set {path}={raw}: wrong type: the scenario has "
                         f"{kind[type(current)]} there ({current!r})") from None
    if current is None:
        for conv in (int, float):
            try:
                return conv(raw)
            except ValueError:
                pass
    return raw


def build_grid(scenario: str | Path, sets: list[str], seeds: int | None) -> list[Point]:
    """Every point of the sweep, validated. Order: the grid product in the order of the
    `--set` options, seeds innermost."""
    path = Path(scenario)
    load_scenario(path)  # the file itself first: its own errors name its own fields
    doc = tomllib.loads(path.read_text("utf-8"))
    genesis = None
    if "genesis" in doc["scenario"]:
        genesis = (path.parent / doc["scenario"]["genesis"]).read_bytes()
        doc["scenario"]["genesis"] = GENESIS_NAME
    doc["scenario"].setdefault("name", path.stem)  # resolved files are named scenario.toml
    axes: list[Axis] = []
    for spec in sets:
        p, raw = parse_set(spec)
        if p in [a.path for a in axes]:
            raise SweepError(f"--set {p} is given twice")
        if p == "scenario.seed" and seeds is not None:
            raise SweepError("--set scenario.seed and --seeds both choose the seed: "
                             "give one of them")
        _, _, current = _walk(doc, p)
        axes.append(Axis(p, tuple(_typed(p, v, current) for v in raw)))
    if seeds is not None and seeds < 1:
        raise SweepError(f"--seeds {seeds}: at least 1")
    base_seed = int(doc["scenario"].get("seed", 0))
    seed_list = [base_seed + i for i in range(seeds)] if seeds else [None]
    points: list[Point] = []
    checked: set[str] = set()
    for combo in itertools.product(*(a.values for a in axes)):
        for seed in seed_list:
            d = copy.deepcopy(doc)
            for axis, value in zip(axes, combo, strict=True):
                box, key, _ = _walk(d, axis.path)
                box[key] = value
            if seed is not None:
                d["scenario"]["seed"] = seed
            text = tomli_w.dumps(d)
            params = dict(zip((a.path for a in axes), combo, strict=True))
            point_seed = int(d["scenario"].get("seed", 0))
            if text not in checked:
                _validate(text, genesis, params)
                checked.add(text)
            h = hashlib.sha256(text.encode())
            if genesis is not None:
                h.update(genesis)
            points.append(Point(params, point_seed, text, genesis, h.hexdigest()[:16]))
    return points


def _validate(text: str, genesis: bytes | None, params: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="phala-sweep-check-") as tmp:
        f = write_resolved(Path(tmp), text, genesis)
        try:
            load_scenario(f)
        except ScenarioError as exc:
            at = ", ".join(f"{k}={v}" for k, v in params.items()) or "the scenario"
            raise SweepError(f"at {at}: {exc.field}: {exc.message}") from None


def write_resolved(directory: Path, text: str, genesis: bytes | None) -> Path:
    """The resolved scenario as `scenario.toml` (and its genesis file) in `directory`."""
    if genesis is not None:
        (directory / GENESIS_NAME).write_bytes(genesis)
    f = directory / "scenario.toml"
    f.write_text(text, "utf-8")
    return f
