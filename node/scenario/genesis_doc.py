"""The genesis document a scenario starts from, and the plan of its workers.

Preset scenarios start from the packaged dev genesis under the preset's rules
(node.presets); `genesis = FILE` scenarios from that file, whose accounts and workers are
kept. Either way the scenario's block time applies, its tokenomic overrides replace the
preset's values, every account it names is funded (`accounts`, else `default_balance`),
and its `register = "genesis"` workers are registered and benchmarked at genesis under
their secret URIs, so the node simulates them. Scores with a `score_spread` are drawn
from `random.Random(seed)` in file order, so the same file gives the same chain.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from node.genesis import GenesisError, parse_genesis
from node.presets import apply_preset
from node.scenario.units import ScenarioError
from runtime.keys import parse_account

if TYPE_CHECKING:
    from node.scenario.schema import Scenario

GENESIS_TIME_MS = 1_700_000_000_000


@dataclass(frozen=True)
class PlannedWorker:
    name: str  # "A" or "A[3]"
    cls: str
    index: int
    suri: str
    score: int
    confidence: int
    operator: str
    pool: str | None


def plan_workers(sc: Scenario) -> list[PlannedWorker]:
    """Every worker of every class, in file order, with its drawn score."""
    rng = random.Random(sc.seed)
    out = []
    for w in sc.workers:
        pool = sc.pool_of_class.get(w.name)
        owner = next((p.owner for p in sc.pools if p.name == pool), None)
        operator = w.operator or owner or "//Alice"
        for i in range(w.count):
            score = w.score
            if w.score_spread:
                score = round(w.score * (1 + rng.uniform(-w.score_spread, w.score_spread)))
            out.append(PlannedWorker(w.member(i), w.name, i, w.suri(i),
                                     min(max(score, 1), 6000), w.confidence, operator, pool))
    return out


def named_accounts(sc: Scenario) -> list[str]:
    """Every account the scenario names (owners, operators, delegators, actors)."""
    names = [p.owner for p in sc.pools] + [d.account for d in sc.delegators]
    names += [w.operator for w in sc.workers if w.operator]
    names += [a.args["who"] for a in sc.timeline if "who" in a.args]
    return names + list(sc.accounts)


def build_genesis_text(sc: Scenario) -> bytes:
    """The genesis file's bytes; ScenarioError when the result is not a valid genesis."""
    if sc.genesis_path is not None:
        try:
            doc = json.loads(sc.genesis_path.read_bytes())
        except ValueError as exc:
            raise ScenarioError(sc.file, "scenario.genesis", f"{sc.genesis_path} is not "
                                f"valid JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise ScenarioError(sc.file, "scenario.genesis", "expected a JSON object")
    else:
        base = json.loads(resources.files("node").joinpath("dev_genesis.json").read_bytes())
        assert sc.preset is not None
        doc = apply_preset(base, sc.preset)
        doc["name"] = f"scenario: {sc.name}"
        doc["id"] = "phala_emu_scenario"
        doc["timestamp_ms"] = GENESIS_TIME_MS
        doc["balances"]["accounts"] = []
    doc["block_time_ms"] = sc.block_time_ms
    mining = doc.setdefault("mining", {})
    mining["tokenomic"] = {**mining.get("tokenomic", {}), **sc.tokenomic}
    _fund(sc, doc)
    registry = doc.setdefault("registry", {})
    registry["workers"] = list(registry.get("workers", [])) + [
        {"pubkey": w.suri, "operator": w.operator, "initial_score": w.score,
         "confidence_level": w.confidence}
        for w in plan_workers(sc) if sc.worker_class(w.cls).register == "genesis"]
    text = json.dumps(doc, indent=1).encode()
    try:
        parse_genesis(text)
    except GenesisError as exc:
        raise ScenarioError(sc.file, "scenario.genesis" if sc.genesis_path else "",
                            f"the resulting genesis is invalid: {exc}") from None
    return text


def _fund(sc: Scenario, doc: dict[str, Any]) -> None:
    balances = doc.setdefault("balances", {})
    accounts = list(balances.get("accounts", []))
    seen = set()
    for entry in accounts:
        try:
            seen.add(parse_account(str(entry[0])))
        except Exception:  # the genesis parser reports it, naming the entry
            pass
    wanted = [doc.get("sudo", "//Alice"), *named_accounts(sc)]
    for who in wanted:
        pk = parse_account(who)
        if pk in seen:
            continue
        seen.add(pk)
        amount = next((v for k, v in sc.accounts.items() if parse_account(k) == pk),
                      sc.default_balance)
        accounts.append([who, str(amount)])
    balances["accounts"] = accounts
