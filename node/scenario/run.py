"""One scenario run end to end: validate, build the chain in `OUT/chain`, run the
timeline, write the CSVs, charts and summary.json. Nothing is written for a file that
does not validate, nor over an existing output directory without `force`."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from node.chain import Chain
from node.scenario.charts import render_charts
from node.scenario.runner import Runner
from node.scenario.schema import Scenario, load_scenario
from node.scenario.summary import build_summary


class OutputExists(Exception):
    """The output directory already holds files (and `force` was not given)."""


def run_scenario(path: str | Path, out: str | Path, force: bool = False,
                 progress: Callable[[Scenario], Callable[[int], None]] | None = None,
                 say: Callable[[str], None] = lambda m: None,
                 charts: bool = True) -> dict[str, Any]:
    """Run the scenario file at `path` into directory `out`; summary.json's document.

    Raises ScenarioError (bad file), OutputExists, SetupFailed (the chain refused the
    set-up the file describes)."""
    sc = load_scenario(path)
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not force:
            raise OutputExists(f"{out} is not empty (use --force to replace it)")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with Chain.init(out / "chain", sc.genesis_text) as chain:
        run = Runner(sc, chain, progress(sc) if progress else (lambda ms: None), say)
        run.run()
        files = run.metrics.write(out)
        if charts:
            files += render_charts(run.metrics, out)
        summary = build_summary(run, time.perf_counter() - started)
    summary["files"] = files + [str(out / "summary.json")]
    summary["chain"]["path"] = str(out / "chain")
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary
