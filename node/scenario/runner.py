"""Running a scenario on a real chain (`phala-emu scenario run`).

Genesis (node.scenario.genesis_doc), then `register = "attestation"` workers sign up with
`register_worker_v2` and the simulator benchmarks them, then one setup block: every pool
created with its commission and cap, its workers added, the delegators' contributions,
and `start_mining` for every worker that starts. Then the timeline: filler blocks of the
block time are sealed in bulk up to each action, whose extrinsics (signed by the actors,
root ones through `Sudo.sudo`) go into one block at exactly the action's chain time
(one block time after the previous block when that time has passed); metrics are taken
at each sampling time, from the last block at or before it. The simulator answers every
heartbeat challenge of the workers not taken offline, so rewards are the Gatekeeper's.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from node.chain import Chain
from node.keystore import DeterministicKeypair, Keystore
from node.pool import sign_call
from node.scenario.actions import SP, calls_for, min_stake
from node.scenario.genesis_doc import PlannedWorker, plan_workers
from node.scenario.metrics import Metrics
from node.scenario.schema import Action, Scenario
from node.scenario.tally import Tally
from node.scenario.units import fmt_time
from node.worker_sim import attach_simulator
from runtime.keys import Keypair, parse_account
from runtime.validity import TransactionValidityError

SETTINGS = ("block_time", "offline", "online")  # node settings, not extrinsics
CHUNK = 500  # blocks per Chain.seal call between progress updates


@dataclass
class Outcome:
    call: str
    signer: str
    success: bool
    error: str | None


class Runner:
    def __init__(self, sc: Scenario, chain: Chain,
                 progress: Callable[[int], None] = lambda ms: None,
                 say: Callable[[str], None] = lambda m: None) -> None:
        self.sc, self.chain, self.progress, self.say = sc, chain, progress, say
        self.sim = attach_simulator(chain)
        self.genesis_ms = chain.genesis.timestamp_ms
        self.block_time = sc.block_time_ms
        self.workers = plan_workers(sc)
        self.pubkey = {w.name: Keypair.from_uri(w.suri).public_key for w in self.workers}
        self.by_class: dict[str, list[PlannedWorker]] = {}
        for w in self.workers:
            self.by_class.setdefault(w.cls, []).append(w)
        self.sudo_uri = Keystore(chain).suri_of(chain.genesis.sudo) or "//Alice"
        self._signers: dict[str, DeterministicKeypair] = {}
        self.tally = Tally()
        self.metrics = Metrics(self)
        self.actions_log: list[dict[str, Any]] = []
        self.rng_offline = random.Random(sc.seed ^ 0x0FF1)  # apart from the scores' draws

    # -- helpers --------------------------------------------------------------------------
    def now_ms(self) -> int:
        """Chain time since genesis of the head block."""
        return self.chain.timestamp_at(self.chain.head()) - self.genesis_ms

    def account(self, text: str) -> bytes:
        return parse_account(text)

    def members(self, refs: list[tuple[str, int | None]]) -> list[PlannedWorker]:
        out = []
        for cls, i in refs:
            out += self.by_class[cls] if i is None else [self.by_class[cls][i]]
        return out

    def stake_for(self, w: PlannedWorker, rule: int | None) -> int:
        if rule is not None:
            return rule
        score = self.chain.rt["PhalaRegistry"].worker(self.pubkey[w.name]).initial_score
        return min_stake(self.chain.rt, score if score is not None else w.score)

    def signer(self, uri: str) -> DeterministicKeypair:
        if uri not in self._signers:
            self._signers[uri] = DeterministicKeypair.from_uri(uri)
        return self._signers[uri]

    # -- blocks ---------------------------------------------------------------------------
    def author(self, calls: list[tuple[str, Any, str]], advance_ms: int) -> list[Outcome]:
        """`calls` applied in order in a block `advance_ms` after the head; their
        outcomes in the same order. Calls that no longer fit the block's length
        (ExhaustsResources: a set-up with thousands of workers) go on in the next
        blocks, one block time apart."""
        outcomes: list[Outcome] = []
        rest = list(calls)
        while rest:
            placed: list[tuple[int | None, Outcome]] = []
            overflow = len(rest)
            with self.chain.building(advance_ms) as b:
                for k, (uri, call, what) in enumerate(rest):
                    try:
                        idx = b.apply(sign_call(self.chain, self.signer(uri), call))
                        placed.append((idx, Outcome(what, uri, True, None)))
                    except TransactionValidityError as exc:
                        if exc.reason == "ExhaustsResources" and placed:
                            overflow = k
                            break
                        placed.append((None, Outcome(what, uri, False,
                                                     f"invalid transaction: {exc}")))
                block = b.commit()
            self._observe(block)
            for pos, o in placed:
                if pos is not None:
                    o.success = block["extrinsics"][pos]["success"]
                    o.error = block["extrinsics"][pos]["error"]
                outcomes.append(o)
            rest = rest[overflow:]
            advance_ms = self.block_time
        return outcomes

    def _observe(self, block: Any) -> None:
        self.tally.block(self.chain.rt, block["number"], block["timestamp_ms"] - self.genesis_ms,
                         block._raw_events)

    def fill(self, count: int) -> None:
        """`count` blocks of the block time, sealed in bulk."""
        while count > 0:
            step = min(CHUNK, count)
            for block in self.chain.seal(step, self.block_time):
                self._observe(block)
            count -= step
            self.progress(self.now_ms())

    def fill_before(self, target_ms: int) -> None:
        """Filler blocks while the next one would still be before `target_ms`."""
        gap = target_ms - self.now_ms()
        if gap > self.block_time:
            self.fill((gap - 1) // self.block_time)

    def fill_through(self, target_ms: int) -> None:
        """Filler blocks while the next one is at or before `target_ms`."""
        gap = target_ms - self.now_ms()
        if gap >= self.block_time:
            self.fill(gap // self.block_time)

    # -- the run --------------------------------------------------------------------------
    def run(self) -> None:
        self.register_attested()
        self.setup()
        self.metrics.sample()
        sc = self.sc
        actions = list(sc.timeline)
        onlines: list[tuple[int, int, list[str]]] = []  # (time, seq, worker names)
        next_sample = sc.sample_ms
        while True:
            t_act = actions[0].at_ms if actions else None
            t_on = onlines[0][0] if onlines else None
            candidates = [t for t in (t_act, t_on) if t is not None]
            t_next = min(candidates) if candidates else None
            if t_next is not None and t_next <= min(next_sample, sc.duration_ms):
                if t_on is not None and t_on == t_next:
                    _, _, names = heapq.heappop(onlines)
                    self.fill_through(t_next)
                    self.set_offline(names, False)
                    continue
                group = [a for a in actions if a.at_ms == t_next]
                actions = actions[len(group):]
                self.fill_before(t_next)
                self.run_group(group, t_next, onlines)
                continue
            if next_sample <= sc.duration_ms:
                self.fill_through(next_sample)
                self.metrics.sample()
                next_sample += sc.sample_ms
                continue
            self.fill_through(sc.duration_ms)
            if self.metrics.last_block != self.chain.head().number:
                self.metrics.sample()
            break

    def run_group(self, group: list[Action], at_ms: int,
                  onlines: list[tuple[int, int, list[str]]]) -> None:
        """The actions at one chain time: simulator settings first, then one block."""
        calls: list[tuple[Action, tuple[str, Any, str]]] = []
        if all(a.kind in SETTINGS for a in group):  # no block of its own: they apply from
            self.fill_through(at_ms)                # the first block after `at_ms`
        for a in group:
            if a.kind == "block_time":
                self.block_time = a.args["value"]
            elif a.kind in ("offline", "online"):
                names = self._pick(a)
                self.set_offline(names, a.kind == "offline")
                if a.kind == "offline" and "for" in a.args:
                    heapq.heappush(onlines, (at_ms + a.args["for"], a.index, names))
                self._log(a, None, [Outcome(f"{a.kind} {', '.join(names)}", "", True, None)])
            else:
                calls += [(a, c) for c in calls_for(self, a)]
        if not calls:
            return
        gap = at_ms - self.now_ms()
        outcomes = self.author([c for _, c in calls], gap if gap > 0 else self.block_time)
        head = self.chain.head().number
        for a in group:
            mine = [o for (act, _), o in zip(calls, outcomes, strict=True) if act is a]
            if mine:
                self._log(a, head, mine)

    def _pick(self, a: Action) -> list[str]:
        pool = [w.name for w in self.members(a.args["workers"])]
        count = a.args.get("count")
        if count is None or count >= len(pool):
            return pool
        return sorted(self.rng_offline.sample(pool, count))

    def set_offline(self, names: list[str], offline: bool) -> None:
        ks = Keystore(self.chain)
        for name in names:
            ks.update_settings(self.pubkey[name], offline=offline)

    def _log(self, a: Action, block: int | None, outcomes: list[Outcome]) -> None:
        for o in outcomes:
            if not o.success:
                self.say(f"warning: timeline[{a.index}] ({a.kind} at {fmt_time(a.at_ms)}): "
                         f"{o.call} failed: {o.error}")
        self.actions_log.append({
            "index": a.index, "action": a.kind, "at": fmt_time(a.at_ms), "block": block,
            "time_s": self.now_ms() / 1000,
            "extrinsics": [o.__dict__ for o in outcomes]})

    # -- set-up ---------------------------------------------------------------------------
    def register_attested(self) -> None:
        """`register_worker_v2` for the attestation workers; wait for their benchmarks."""
        todo = [w for w in self.workers if self.sc.worker_class(w.cls).register == "attestation"]
        if not todo:
            return
        ks = Keystore(self.chain)
        calls = []
        for w in todo:
            ks.add(w.suri)
            ks.update_settings(self.pubkey[w.name], score=w.score)
            calls.append((w.operator, registration_call(self.chain, ks, self.pubkey[w.name],
                                                        parse_account(w.operator),
                                                        w.confidence, w.suri),
                          f"register {w.name}"))
        self._check("registration", self.author(calls, self.block_time))
        reg = self.chain.rt["PhalaRegistry"]
        for _ in range(1000):
            if all(reg.worker(self.pubkey[w.name]).initial_score for w in todo):
                return
            self.fill(1)
        raise RuntimeError("benchmarks did not complete in 1000 blocks")

    def setup(self) -> None:
        sc, rt = self.sc, self.chain.rt
        make = rt.make_call
        calls: list[tuple[str, Any, str]] = []
        for pid, p in enumerate(sc.pools):
            calls.append((p.owner, make(SP, "create"), f"create pool {pid} ({p.name})"))
            if p.commission is not None:
                calls.append((p.owner, make(SP, "set_payout_pref", pid=pid,
                                            payout_commission=p.commission), "commission"))
            if p.cap is not None:
                calls.append((p.owner, make(SP, "set_cap", pid=pid, cap=p.cap), "cap"))
            for w in self.workers:
                if w.pool == p.name:
                    calls.append((p.owner, make(SP, "add_worker", pid=pid,
                                                pubkey=self.pubkey[w.name]), f"add {w.name}"))
        for d in sc.delegators:
            for pool, amount in d.contribute.items():
                calls.append((d.account, make(SP, "contribute", pid=sc.pid(pool),
                                              amount=amount), f"contribute to {pool}"))
        for w in self.workers:
            if w.pool is not None and sc.worker_class(w.cls).start:
                pid = sc.pid(w.pool)
                stake = self.stake_for(w, sc.worker_class(w.cls).stake)
                calls.append((sc.pools[pid].owner, make(SP, "start_mining", pid=pid,
                                                        worker=self.pubkey[w.name],
                                                        stake=stake),
                              f"start_mining {w.name} with {stake}"))
        if calls:
            self.setup_outcomes = self.author(calls, self.block_time)
            self._check("setup", self.setup_outcomes)

    def _check(self, what: str, outcomes: list[Outcome]) -> None:
        failed = [o for o in outcomes if not o.success]
        if failed:
            raise SetupFailed(f"{what}: " + "; ".join(f"{o.call} by {o.signer}: {o.error}"
                                                      for o in failed))


def registration_call(chain: Chain, ks: Keystore, pubkey: bytes, operator: bytes,
                      confidence_level: int, suri: str) -> Any:
    """`register_worker_v2` with an attestation signed by the genesis authority (as
    `phala-emu worker register` builds it)."""
    from node.cli.cmd_worker import MACHINE_ID, RUNTIME_VERSION
    from pallets.registry.attestation import sign_emulated_attestation
    from pallets.registry.types import DEFAULT_FEATURES, WorkerRegistrationInfo

    authority_key = chain.rt["PhalaRegistry"].AttestationAuthority.get()
    authority = None if authority_key is None else ks.signer(authority_key)
    if authority is None:
        raise SetupFailed("the node does not hold the attestation authority's key")
    info = WorkerRegistrationInfo(
        version=RUNTIME_VERSION, machine_id=MACHINE_ID, pubkey=pubkey,
        ecdh_pubkey=Keypair.from_uri(f"{suri}//ecdh").public_key,
        genesis_block_hash=chain.genesis_hash, features=list(DEFAULT_FEATURES),
        operator=operator)
    now_secs = chain.timestamp_at(chain.head()) // 1000
    worker_key = ks.signer(pubkey)
    assert worker_key is not None, "the worker's key was just added"
    attestation = sign_emulated_attestation(authority, worker_key,  # type: ignore[arg-type]
                                            info, confidence_level, now_secs)
    return chain.rt.make_call("PhalaRegistry", "register_worker_v2", pruntime_info=info,
                              attestation=attestation)


class SetupFailed(RuntimeError):
    """The pools or workers could not be set up as the file says (the chain's error)."""


def head_json(chain: Chain) -> dict[str, Any]:
    head = chain.head()
    return {"number": head.number, "hash": "0x" + head.hash().hex(),
            "time_s": (chain.timestamp_at(head) - chain.genesis.timestamp_ms) / 1000}

