"""Charts of a metric against the swept parameters (matplotlib's Figure API, no pyplot
state): one parameter → the mean over seeds as a line with a band from the lowest to
the highest seed; two → a heatmap of the mean; more → lines against the first, the
band spanning everything else. Failed runs are left out."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

_LEAD = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")


def as_number(v: Any) -> float | None:
    """A parameter value on an axis: numbers as they are, "10%" or "1000 PHA" by their
    leading number; None for anything else."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    m = _LEAD.match(str(v))
    return float(m.group(1)) if m else None


def _file(metric: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", metric) + ".png"


def render(rows: list[dict[str, Any]], params: list[str], metrics: list[str],
           out: Path) -> list[str]:
    from matplotlib.figure import Figure

    ok = [r for r in rows if r["status"] == "ok"]
    files = []
    for metric in metrics:
        data = [r for r in ok if isinstance(r.get(metric), (int, float))]
        if not data or not params:
            continue
        fig = Figure(figsize=(8, 5), dpi=100)
        ax = fig.subplots()
        if len(params) == 2:
            _heatmap(fig, ax, data, params, metric)
        else:
            _lines(ax, data, params[0], metric)
        ax.set_title(metric)
        path = out / _file(metric)
        fig.savefig(path)
        files.append(str(path))
    return files


def _ordered(values: list[Any]) -> list[Any]:
    uniq = list(dict.fromkeys(values))
    if all(as_number(v) is not None for v in uniq):
        uniq.sort(key=lambda v: as_number(v) or 0.0)
    return uniq


def _lines(ax: Any, data: list[dict[str, Any]], param: str, metric: str) -> None:
    by: dict[Any, list[float]] = defaultdict(list)
    for r in data:
        by[r[param]].append(float(r[metric]))
    xs_raw = _ordered(list(by))
    numeric = all(as_number(v) is not None for v in xs_raw)
    xs = [as_number(v) if numeric else i for i, v in enumerate(xs_raw)]
    mean = [sum(by[v]) / len(by[v]) for v in xs_raw]
    ax.fill_between(xs, [min(by[v]) for v in xs_raw], [max(by[v]) for v in xs_raw],
                    alpha=0.25, label="lowest–highest over seeds")
    ax.plot(xs, mean, marker="o", label="mean over seeds")
    if not numeric:
        ax.set_xticks(xs, [str(v) for v in xs_raw])
    ax.set_xlabel(param)
    ax.set_ylabel(metric)
    ax.legend()


def _heatmap(fig: Any, ax: Any, data: list[dict[str, Any]], params: list[str],
             metric: str) -> None:
    px, py = params
    xs, ys = _ordered([r[px] for r in data]), _ordered([r[py] for r in data])
    cells: dict[tuple[Any, Any], list[float]] = defaultdict(list)
    for r in data:
        cells[(r[px], r[py])].append(float(r[metric]))
    grid = [[(sum(c) / len(c)) if (c := cells.get((x, y))) else float("nan") for x in xs]
            for y in ys]
    im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    ax.set_yticks(range(len(ys)), [str(v) for v in ys])
    ax.set_xlabel(px)
    ax.set_ylabel(py)
    fig.colorbar(im, ax=ax, label=f"{metric} (mean over seeds)")
