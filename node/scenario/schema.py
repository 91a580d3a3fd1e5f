"""Reading and validating a scenario file (scenarios/README.md) into plain dataclasses.

`load_scenario(path)` reads the TOML with the standard library's tomllib and checks every
field before anything runs: unknown sections or fields, wrong types, negative amounts,
unknown presets, pools or worker classes, actions before genesis or after the end, and a
worker class in two pools are ScenarioError naming the file, the field and what is
allowed. The genesis document the run starts from is built and parsed here too
(node.scenario.genesis_doc), so a file that loads is a file that runs.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from node.presets import PRESETS
from node.scenario.units import (
    ScenarioError,
    parse_amount,
    parse_permill,
    parse_time_ms,
)
from pallets.mining.formulas import TokenomicParams
from runtime.fixed import bits_from_decimal
from runtime.keys import InvalidAccount, InvalidSecretUri, Keypair, parse_account

TOKENOMIC_FIELDS = [f.name for f in fields(TokenomicParams)]
_WORKER_REF = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[(\d+)\])?$")

# action -> (required fields, optional fields); `at` and `action` are always there
ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "contribute": (("who", "pool", "amount"), ()),
    "withdraw": (("who", "pool"), ("amount", "share")),
    "claim": (("who", "pool"), ()),
    "set_commission": (("pool", "commission"), ()),
    "set_cap": (("pool", "cap"), ()),
    "reward": (("pool", "amount"), ()),
    "offline": (("workers",), ("count", "for")),
    "online": (("workers",), ()),
    "start": (("workers",), ("stake",)),
    "stop": (("workers",), ()),
    "reclaim": (("workers",), ("who",)),
    "tokenomic": (("set",), ()),
    "block_time": (("value",), ()),
}


@dataclass(frozen=True)
class WorkerClass:
    """`count` workers alike; worker i is `name[i]` (just `name` when count is 1)."""

    name: str
    count: int
    score: int
    score_spread: float
    confidence: int
    stake: int | None  # None: the minimum k·√p
    operator: str | None  # None: the owner of its pool
    key: str
    start: bool
    register: str  # "genesis" | "attestation"

    def member(self, i: int) -> str:
        return self.name if self.count == 1 else f"{self.name}[{i}]"

    def suri(self, i: int) -> str:
        return self.key if self.count == 1 else f"{self.key}//{i}"


@dataclass(frozen=True)
class Pool:
    name: str
    owner: str
    commission: int | None
    cap: int | None
    workers: tuple[str, ...]


@dataclass(frozen=True)
class Delegator:
    account: str
    contribute: dict[str, int]


@dataclass(frozen=True)
class Action:
    index: int  # position in the timeline
    at_ms: int
    kind: str
    args: dict[str, Any]


@dataclass
class Scenario:
    file: str
    name: str
    preset: str | None
    genesis_path: Path | None
    duration_ms: int
    block_time_ms: int
    sample_ms: int
    seed: int
    default_balance: int
    accounts: dict[str, int]
    tokenomic: dict[str, Any]
    workers: list[WorkerClass]
    pools: list[Pool]
    delegators: list[Delegator]
    timeline: list[Action]
    genesis_text: bytes = b""
    pool_of_class: dict[str, str] = field(default_factory=dict)

    def pid(self, pool: str) -> int:
        return [p.name for p in self.pools].index(pool)

    def worker_class(self, name: str) -> WorkerClass:
        return next(w for w in self.workers if w.name == name)


class _Reader:
    """Typed access to one table of the file; every error names the dotted field."""

    def __init__(self, file: str, table: Any, where: str, allowed: tuple[str, ...]) -> None:
        self.file, self.where = file, where
        if not isinstance(table, dict):
            raise ScenarioError(file, where, f"expected a table, got {table!r}")
        for key in table:
            if key not in allowed:
                raise ScenarioError(file, self.at(key), "unknown field; allowed: "
                                    + ", ".join(allowed))
        self.table = table

    def at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def has(self, key: str) -> bool:
        return key in self.table

    def req(self, key: str) -> Any:
        if key not in self.table:
            raise ScenarioError(self.file, self.at(key), "missing (required)")
        return self.table[key]

    def str_(self, key: str, default: str | None = None) -> str:
        v = self.table.get(key, default) if default is not None else self.req(key)
        if not isinstance(v, str) or not v:
            raise ScenarioError(self.file, self.at(key), f"expected a non-empty string, "
                                f"got {v!r}")
        return v

    def int_(self, key: str, default: int | None, lo: int, hi: int) -> int:
        v = self.table.get(key, default) if default is not None else self.req(key)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ScenarioError(self.file, self.at(key), f"expected a whole number from "
                                f"{lo} to {hi}, got {v!r}")
        return v

    def time(self, key: str, default: str | None = None) -> int:
        return parse_time_ms(self.table.get(key, default) if default else self.req(key),
                             self.file, self.at(key))

    def amount(self, key: str) -> int:
        return parse_amount(self.req(key), self.file, self.at(key))

    def permill(self, key: str) -> int:
        return parse_permill(self.req(key), self.file, self.at(key))

    def account(self, key: str, signer: bool = False) -> str:
        return check_account(self.str_(key), self.file, self.at(key), signer)


def check_account(value: str, file: str, where: str, signer: bool) -> str:
    """`value` unchanged once it names an account (a secret URI when the node signs)."""
    try:
        if signer:
            Keypair.from_uri(value)
        else:
            parse_account(value)
    except (InvalidSecretUri, InvalidAccount) as exc:
        what = "a secret URI like //Alice (the node signs for this account)" if signer \
            else "a secret URI, SS58 address or 0x public key"
        raise ScenarioError(file, where, f"{value!r} is not {what}: {exc}") from None
    return value


def load_scenario(path: str | Path) -> Scenario:
    """The validated scenario of the TOML file at `path`; ScenarioError otherwise."""
    path = Path(path)
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(file, "", f"cannot read the file: {exc.strerror}") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(file, "", f"not valid TOML: {exc}") from None
    top = _Reader(file, doc, "", ("scenario", "tokenomic", "accounts", "workers", "pools",
                                  "delegators", "timeline"))
    sc = _scenario(file, path, top.req("scenario"))
    sc.tokenomic = _tokenomic(file, "tokenomic", doc.get("tokenomic", {}))
    sc.accounts = _accounts(file, doc.get("accounts", {}))
    sc.workers = [_worker(file, f"workers[{i}]", w)
                  for i, w in enumerate(_array(file, "workers", doc.get("workers", [])))]
    sc.pools = [_pool(file, f"pools[{i}]", p)
                for i, p in enumerate(_array(file, "pools", doc.get("pools", [])))]
    sc.delegators = [_delegator(file, f"delegators[{i}]", d) for i, d in
                     enumerate(_array(file, "delegators", doc.get("delegators", [])))]
    sc.timeline = [_action(file, i, a) for i, a in
                   enumerate(_array(file, "timeline", doc.get("timeline", [])))]
    _cross_check(sc)
    from node.scenario.genesis_doc import build_genesis_text

    sc.genesis_text = build_genesis_text(sc)
    return sc


def _array(file: str, where: str, v: Any) -> list[Any]:
    if not isinstance(v, list):
        raise ScenarioError(file, where, f"expected an array of tables ([[{where}]]), "
                            f"got {v!r}")
    return v


def _scenario(file: str, path: Path, table: Any) -> Scenario:
    r = _Reader(file, table, "scenario", (
        "name", "preset", "genesis", "duration", "block_time", "sample_every", "seed",
        "default_balance"))
    if r.has("preset") == r.has("genesis"):
        raise ScenarioError(file, "scenario.preset", "give exactly one of preset ("
                            + ", ".join(sorted(PRESETS)) + ") or genesis (a genesis file)")
    preset = None
    genesis_path = None
    if r.has("preset"):
        preset = r.str_("preset")
        if preset not in PRESETS:
            raise ScenarioError(file, "scenario.preset", f"unknown preset {preset!r}; "
                                "allowed: " + ", ".join(sorted(PRESETS)))
    else:
        genesis_path = path.parent / r.str_("genesis")
        if not genesis_path.is_file():
            raise ScenarioError(file, "scenario.genesis", f"no genesis file at "
                                f"{genesis_path}")
    duration = r.time("duration")
    block_time = r.time("block_time", "12s")
    sample = r.time("sample_every", "1h")
    for key, v in (("duration", duration), ("block_time", block_time),
                   ("sample_every", sample)):
        if v <= 0:
            raise ScenarioError(file, f"scenario.{key}", "must be longer than 0s")
    default_balance = parse_amount(table.get("default_balance", "100000 PHA"), file,
                                   "scenario.default_balance")
    return Scenario(file=file, name=r.str_("name", path.stem), preset=preset,
                    genesis_path=genesis_path, duration_ms=duration,
                    block_time_ms=block_time, sample_ms=sample,
                    seed=r.int_("seed", 0, 0, 2**63 - 1),
                    default_balance=default_balance, accounts={}, tokenomic={}, workers=[],
                    pools=[], delegators=[], timeline=[])


def _tokenomic(file: str, where: str, table: Any) -> dict[str, Any]:
    """Tokenomic parameters as genesis-file literals (decimal strings, {bits = n})."""
    r = _Reader(file, table, where, tuple(TOKENOMIC_FIELDS))
    out: dict[str, Any] = {}
    for key, v in r.table.items():
        if key == "heartbeat_window":
            out[key] = r.int_(key, None, 1, 2**32 - 1)
            continue
        if isinstance(v, dict) and set(v) == {"bits"} and isinstance(v["bits"], int) \
                and 0 <= v["bits"] < 1 << 128:
            out[key] = {"bits": v["bits"]}
            continue
        try:
            if not isinstance(v, str) or bits_from_decimal(v) < 0:
                raise ValueError
        except (ValueError, ZeroDivisionError):
            raise ScenarioError(file, r.at(key), f"expected a non-negative decimal string "
                                f'like "0.2" or {{bits = n}}, got {v!r}') from None
        out[key] = v
    return out


def _accounts(file: str, table: Any) -> dict[str, int]:
    if not isinstance(table, dict):
        raise ScenarioError(file, "accounts", f"expected a table of account = amount, "
                            f"got {table!r}")
    return {check_account(k, file, f"accounts.{k!r}", False):
            parse_amount(v, file, f"accounts.{k!r}") for k, v in table.items()}


def _worker(file: str, where: str, table: Any) -> WorkerClass:
    r = _Reader(file, table, where, ("name", "count", "score", "score_spread",
                                     "confidence", "stake", "operator", "key", "start",
                                     "register"))
    name = r.str_("name")
    if _WORKER_REF.match(name) is None or "[" in name:
        raise ScenarioError(file, r.at("name"), f"{name!r}: use letters, digits, _ . -")
    spread = table.get("score_spread", 0)
    if isinstance(spread, bool) or not isinstance(spread, (int, float)) \
            or not 0 <= spread < 1:
        raise ScenarioError(file, r.at("score_spread"), "expected a fraction from 0 to "
                            f"below 1 (0.1: scores ±10 %), got {spread!r}")
    stake_v = table.get("stake", "min")
    stake = None if stake_v == "min" else parse_amount(stake_v, file, r.at("stake"))
    start = table.get("start", True)
    if not isinstance(start, bool):
        raise ScenarioError(file, r.at("start"), f"expected true or false, got {start!r}")
    register = r.str_("register", "genesis")
    if register not in ("genesis", "attestation"):
        raise ScenarioError(file, r.at("register"), f"{register!r}: allowed: genesis "
                            "(registered and benchmarked at genesis), attestation "
                            "(register_worker_v2, then the simulator's benchmark)")
    key = r.str_("key", f"//{name}")
    check_account(key, file, r.at("key"), True)
    return WorkerClass(
        name=name, count=r.int_("count", 1, 1, 1_000_000),
        score=r.int_("score", None, 1, 6000), score_spread=float(spread),
        confidence=r.int_("confidence", 1, 1, 5), stake=stake,
        operator=r.account("operator") if r.has("operator") else None, key=key,
        start=start, register=register)


def _pool(file: str, where: str, table: Any) -> Pool:
    r = _Reader(file, table, where, ("name", "owner", "commission", "cap", "workers"))
    workers = table.get("workers", [])
    if not isinstance(workers, list) or not all(isinstance(w, str) for w in workers):
        raise ScenarioError(file, r.at("workers"), f"expected a list of worker class "
                            f"names, got {workers!r}")
    return Pool(name=r.str_("name"), owner=r.account("owner", signer=True),
                commission=r.permill("commission") if r.has("commission") else None,
                cap=r.amount("cap") if r.has("cap") else None, workers=tuple(workers))


def _delegator(file: str, where: str, table: Any) -> Delegator:
    r = _Reader(file, table, where, ("account", "contribute"))
    contribute = table.get("contribute", {})
    if not isinstance(contribute, dict):
        raise ScenarioError(file, r.at("contribute"), "expected a table of pool name = "
                            f"amount, got {contribute!r}")
    return Delegator(account=r.account("account", signer=True),
                     contribute={k: parse_amount(v, file, f"{where}.contribute.{k}")
                                 for k, v in contribute.items()})


def _action(file: str, index: int, table: Any) -> Action:
    where = f"timeline[{index}]"
    if not isinstance(table, dict):
        raise ScenarioError(file, where, f"expected a table, got {table!r}")
    kind = table.get("action")
    if kind not in ACTIONS:
        raise ScenarioError(file, f"{where}.action", f"{kind!r}: allowed: "
                            + ", ".join(ACTIONS))
    required, optional = ACTIONS[kind]
    r = _Reader(file, table, where, ("at", "action") + required + optional)
    for key in required:
        r.req(key)
    args: dict[str, Any] = {}
    for key in r.table:
        if key in ("at", "action"):
            continue
        if key == "who":
            args[key] = r.account(key, signer=True)
        elif key in ("pool",):
            args[key] = r.str_(key)
        elif key in ("amount", "cap"):
            args[key] = r.amount(key)
        elif key in ("share", "commission"):
            args[key] = r.permill(key)
        elif key in ("for", "value"):
            args[key] = r.time(key)
            if args[key] <= 0:
                raise ScenarioError(file, r.at(key), "must be longer than 0s")
        elif key == "count":
            args[key] = r.int_(key, None, 1, 1_000_000)
        elif key == "stake":
            v = table[key]
            args[key] = None if v == "min" else parse_amount(v, file, r.at(key))
        elif key == "workers":
            args[key] = _worker_refs(file, r.at(key), table[key])
        elif key == "set":
            args[key] = _tokenomic(file, r.at(key), table[key])
    if kind == "withdraw" and ("amount" in args) == ("share" in args):
        raise ScenarioError(file, f"{where}.amount", "give exactly one of amount (PHA "
                            "of stake) or share (a percentage of the holder's shares)")
    return Action(index, r.time("at"), kind, args)


def _worker_refs(file: str, where: str, v: Any) -> list[tuple[str, int | None]]:
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list) or not items or not all(isinstance(x, str)
                                                            for x in items):
        raise ScenarioError(file, where, 'expected a worker class name, "Class[i]" or a '
                            f"list of them, got {v!r}")
    out = []
    for x in items:
        m = _WORKER_REF.match(x)
        if m is None:
            raise ScenarioError(file, where, f"{x!r} is not a worker class name or "
                                '"Class[i]"')
        out.append((m.group(1), None if m.group(2) is None else int(m.group(2))))
    return out


def _cross_check(sc: Scenario) -> None:
    """References between sections: names exist, a class is in one pool, times fit."""
    f = sc.file
    classes = {}
    for i, w in enumerate(sc.workers):
        if w.name in classes:
            raise ScenarioError(f, f"workers[{i}].name", f"{w.name!r} is used twice")
        classes[w.name] = w
    pools: dict[str, Pool] = {}
    for i, p in enumerate(sc.pools):
        if p.name in pools:
            raise ScenarioError(f, f"pools[{i}].name", f"{p.name!r} is used twice")
        pools[p.name] = p
        for name in p.workers:
            if name not in classes:
                raise ScenarioError(f, f"pools[{i}].workers", f"no worker class {name!r}; "
                                    "defined: " + ", ".join(classes))
            if name in sc.pool_of_class:
                raise ScenarioError(f, f"pools[{i}].workers", f"worker class {name!r} is "
                                    f"already in pool {sc.pool_of_class[name]!r}: a worker "
                                    "can be in one pool only")
            sc.pool_of_class[name] = p.name
            op = classes[name].operator
            if op is not None and _pubkey(op) != _pubkey(p.owner):
                raise ScenarioError(f, f"pools[{i}].workers", f"worker class {name!r} has "
                                    f"operator {op!r}, but only workers operated by the "
                                    f"owner {p.owner!r} can join the pool")
    for i, d in enumerate(sc.delegators):
        for pool in d.contribute:
            if pool not in pools:
                raise ScenarioError(f, f"delegators[{i}].contribute.{pool}",
                                    f"no pool {pool!r}; defined: " + ", ".join(pools))
    for a in sc.timeline:
        where = f"timeline[{a.index}]"
        if a.at_ms > sc.duration_ms:
            raise ScenarioError(f, f"{where}.at", "after the end of the scenario "
                                f"(duration {sc.duration_ms // 1000} s)")
        if "pool" in a.args and a.args["pool"] not in pools:
            raise ScenarioError(f, f"{where}.pool", f"no pool {a.args['pool']!r}; "
                                "defined: " + ", ".join(pools))
        for cls, i in a.args.get("workers", []):
            if cls not in classes:
                raise ScenarioError(f, f"{where}.workers", f"no worker class {cls!r}; "
                                    "defined: " + ", ".join(classes))
            if i is not None and i >= classes[cls].count:
                raise ScenarioError(f, f"{where}.workers", f"{cls}[{i}]: class {cls!r} "
                                    f"has {classes[cls].count} worker(s), 0 to "
                                    f"{classes[cls].count - 1}")
            if a.kind in ("start", "stop", "reclaim") and cls not in sc.pool_of_class:
                raise ScenarioError(f, f"{where}.workers", f"worker class {cls!r} is in "
                                    f"no pool, so it cannot {a.kind}")
    sc.timeline.sort(key=lambda a: (a.at_ms, a.index))


def _pubkey(account: str) -> bytes:
    return parse_account(account)
