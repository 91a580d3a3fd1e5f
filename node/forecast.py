"""Forecasts on an in-memory fork of the chain (`Chain.fork`): the chain on disk is untouched.

The fork is run forward by the node's own authoring path — the same runtime, signatures,
worker simulator (workers keep answering unless named offline) and roots — so the
forecast is exact for the chain this node would author with the same schedule: the
blocks, their `--advance` steps and the extrinsics it reports. Heartbeat challenges
depend on block hashes, so a chain authored differently (other block times, other
extrinsics) may differ in rewards, though not in the withdrawal's timing rules.

* `forecast_withdrawal`: when a queued withdrawal is fully paid — block, chain time,
  amounts and the path (free stake, forced stop after the grace period, reclaim after
  the cool-down). `reclaim_pool_worker` is an extrinsic someone must send: the forecast
  sends it in the first block where it can succeed unless told not to. Where nothing can
  happen to the withdrawal before the next deadline it skips ahead with blocks of up
  to `skip_sec`, landing on the same grid of block times as `seal` (multiples of the
  block time), so the deadlines fall at the same chain times as on a chain sealed block
  by block; `skip_sec` equal to the block time authors every block.
* `forecast_apr` (node.forecast_apr): a pool's realised APR against the formula's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from node.chain import Chain
from node.keystore import Keystore
from node.pool import sign_call
from node.render import decode_events, event_json, phase_index
from node.worker_sim import attach_simulator
from pallets.mining.types import MinerState
from pallets.stake_pool.pool_math import mul_price, share_price
from pallets.stake_pool.types import pool_sub_account
from runtime.validity import TransactionValidityError

DAY_MS = 86_400_000
ASSUMPTION = ("forecasts the chain as authored by this node with `seal`'s block time "
              "{block_time} s on the same grid of block times, skipping ahead in blocks of "
              "up to {skip} s where nothing can happen to the withdrawal (the schedule "
              "below); every simulated worker keeps answering heartbeats unless named "
              "offline; nobody else sends extrinsics (pending ones go into the first block)")
ASSUMPTION_APR = ("forecasts the chain as authored by this node with `seal`'s block time "
                  "{block_time} s, every block authored; every simulated worker keeps "
                  "answering heartbeats unless named offline; nobody else sends extrinsics "
                  "(pending ones go into the first block)")


class ForecastError(Exception):
    """Bad forecast input; `kind` is the CLI error kind (exit 2)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def block_ref(number: int, block_hash: str, timestamp_ms: int) -> dict[str, Any]:
    return {"number": number, "hash": block_hash, "timestamp_ms": timestamp_ms,
            "time": iso(timestamp_ms)}


@dataclass
class Forward:
    """Authors the fork's blocks and keeps their schedule (runs of equal advances) and the
    extrinsics the forecast sent, so the same chain can be authored again with
    `submit --no-seal` + `seal --count N --advance S`."""

    fork: Chain
    progress: Callable[[int, int], None] = lambda number, ms: None
    schedule: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    first: bool = True

    def now_ms(self) -> int:
        return self.fork.timestamp_at(self.fork.head())

    def author(self, advance_ms: int,
               extrinsics: Sequence[tuple[str, Callable[[], bytes]]] = ()) -> Any:
        """One block `advance_ms` after the head with `(label, build)` extrinsics (signed
        inside the block, so nonces follow each other); the SealedBlock."""
        with self.fork.building(advance_ms) as b:
            if self.first:
                b.apply_pending(lambda m: None)
                self.first = False
            for label, build in extrinsics:
                encoded = build()
                try:
                    index = b.apply(encoded)
                except TransactionValidityError as exc:
                    raise ForecastError("ForecastFailed", f"{label} is invalid in block "
                                        f"#{b.number}: {exc}") from None
                self.sent.append({"block": b.number, "index": index, "call": label,
                                  "hex": "0x" + encoded.hex()})
            block = b.commit()
        runs = self.schedule
        if runs and runs[-1]["advance_ms"] == advance_ms and not extrinsics \
                and not runs[-1]["extrinsics"]:
            runs[-1]["count"] += 1
            runs[-1]["to"] = block["number"]
        else:
            runs.append({"from": block["number"], "to": block["number"], "count": 1,
                         "advance_ms": advance_ms, "extrinsics": bool(extrinsics)})
        self.progress(block["number"], block["timestamp_ms"])
        return block

    def schedule_json(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k != "extrinsics"} for r in self.schedule]


def grid_steps(now_ms: int, target_ms: int, step_ms: int) -> int:
    """Blocks of `step_ms` from `now_ms` to the first at or after `target_ms` (at least 1)."""
    return max(1, -(-(target_ms - now_ms) // step_ms))


def open_fork(chain: Chain, offline: list[bytes]) -> Chain:
    """The fork at the head with the simulator attached and `offline` workers silenced."""
    fork = chain.fork()
    keystore = Keystore(fork)
    held = keystore.worker_keys()
    for pk in offline:
        if pk not in held:
            fork.close()
            raise ForecastError("BadInput", f"--offline: the node simulates no worker "
                                f"0x{pk.hex()}")
        keystore.update_settings(pk, offline=True)
    attach_simulator(fork)
    return fork


def signed_call(fork: Chain, signer: Any, call_name: str,
                **args: Any) -> tuple[str, Callable[[], bytes]]:
    """(label, build) of a PhalaStakePool call signed by `signer` with its nonce in the
    block being built."""
    call = fork.rt.make_call("PhalaStakePool", call_name, **args)
    shown = ", ".join(f"0x{v.hex()}" if isinstance(v, bytes) else str(v) for v in args.values())

    def build() -> bytes:
        nonce = fork.rt["System"].account(signer.public_key).nonce
        return sign_call(fork, signer, call, nonce=nonce)

    return f"PhalaStakePool.{call_name}({shown}) signed by {fork.ctx.ss58(signer.public_key)}", \
        build


# -- the withdrawal forecast ---------------------------------------------------------------

class WithdrawalForecast:
    """One forecast run on a fork (see `forecast_withdrawal`)."""

    def __init__(self, fork: Chain, pid: int, who: bytes, reclaim: bool, skip_ms: int,
                 horizon_ms: int, progress: Callable[[int, int], None]) -> None:
        self.fork, self.pid, self.who, self.reclaim = fork, pid, who, reclaim
        self.rt = fork.rt
        self.sp, self.mining = self.rt["PhalaStakePool"], self.rt["PhalaMining"]
        self.step_ms = fork.genesis.block_time_ms
        self.skip_steps = max(1, skip_ms // self.step_ms)
        self.fw = Forward(fork, progress)
        self.start_ms = self.fw.now_ms()
        self.horizon_ms = self.start_ms + horizon_ms
        self.steps: list[dict[str, Any]] = []
        self.payments: list[dict[str, Any]] = []
        self.reclaimable: list[dict[str, Any]] = []  # with --no-reclaim: when it could be sent
        self.withdraw_at: tuple[int, int | None] | None = None  # (block, index) of --shares
        self._miners: tuple[Any, dict[bytes, bytes]] | None = None
        self._cooling: tuple[Any, dict[bytes, int]] | None = None

    # -- chain facts -------------------------------------------------------------------
    def request(self) -> Any:
        pool = self.sp.StakePools.get(self.pid)
        return next((r for r in pool.withdraw_queue if r.user == self.who), None)

    def pool_miners(self) -> dict[bytes, bytes]:
        """miner sub-account -> worker for every bound miner of the pool (also workers
        removed from the pool while cooling down: `reclaim_pool_worker` still takes them).

        Cached while the pool's workers stay the same once the first block (which takes
        the pending extrinsics) is authored: the forecast sends no (un)binding call."""
        key = (tuple(self.sp.StakePools.get(self.pid).workers), self.fw.first)
        if self._miners is None or self._miners[0] != key:
            self._miners = (key, {miner: worker for miner, worker in
                                  self.mining.MinerBindings.iter()
                                  if pool_sub_account(self.pid, worker) == miner})
        return self._miners[1]

    def cooling(self) -> dict[bytes, int]:
        """worker -> chain second from which its reclaim succeeds.

        Cached while the pool's stake figures stay the same: a stop adds to the pool's
        releasing stake, a reclaim takes it back."""
        pool = self.sp.StakePools.get(self.pid)
        period = self.mining.CoolDownPeriod.get()
        key = (pool.releasing_stake, pool.free_stake, tuple(pool.workers), period,
               self.fw.first)
        if self._cooling is not None and self._cooling[0] == key:
            return self._cooling[1]
        out = {}
        for miner, worker in self.pool_miners().items():
            info = self.mining.Miners.get(miner)
            if info is not None and info.state == MinerState.MiningCoolingDown:
                out[worker] = info.cool_down_start + period
        self._cooling = (key, out)
        return out

    def grace_deadline(self) -> int | None:
        """The chain second from which the end-of-block check examines a withdrawal bucket
        holding this pool (`now − t0 > grace`)."""
        grace = self.sp.config.grace_period_sec
        for t0 in self.sp.WithdrawalTimestamps.get():
            if self.pid in (self.sp.WithdrawalQueuedPools.get(t0) or []):
                return t0 + grace + 1
        return None

    # -- running -----------------------------------------------------------------------
    def run(self, withdraw: tuple[str, Callable[[], bytes]] | None) -> str:
        """Author until the request is paid ("paid"), leaves the queue unpaid ("dropped"),
        nothing more can pay it ("never") or the horizon is reached ("horizon").
        `withdraw`, if given, is sent in the first block."""
        if withdraw is not None:
            block = self.fw.author(self.step_ms, [withdraw])
            self.withdraw_at = (self.fw.sent[-1]["block"], self.fw.sent[-1]["index"])
            self.read_events(block)
        elif self.fork.store.pending():  # they go in at `seal`'s step, not a skip
            self.seal_one(self.step_ms, [])
        while self.request() is not None:
            now = self.fw.now_ms()
            cooling = self.cooling()
            due = sorted(w for w, t in cooling.items() if t * 1000 <= now + self.step_ms)
            if due and self.reclaim:
                self.seal_one(self.step_ms, [self.reclaim_call(w) for w in due])
                continue
            # grid steps to the block to stop skipping at: the deadline block itself for
            # the forced stop, the block before the reclaim (sent at the normal step)
            stops = []
            if self.reclaim:
                stops = [grid_steps(now, t * 1000, self.step_ms) - 1
                         for w, t in cooling.items() if w not in due]
            else:
                self.note_reclaimable(now, cooling)
            grace = self.grace_deadline()
            if grace is not None:
                stops.append(grid_steps(now, grace * 1000, self.step_ms))
            if not stops:
                return "never"
            steps = min(stops)
            if now + steps * self.step_ms > self.horizon_ms:
                return "horizon"
            self.seal_one(min(steps, self.skip_steps) * self.step_ms, [])
        return "paid" if self.payments else "dropped"

    def note_reclaimable(self, now: int, cooling: dict[bytes, int]) -> None:
        """With --no-reclaim: the first block time at which each reclaim would succeed."""
        known = {r["worker"] for r in self.reclaimable}
        for worker, t in sorted(cooling.items()):
            hex_w = "0x" + worker.hex()
            if hex_w not in known:
                first = now + grid_steps(now, t * 1000, self.step_ms) * self.step_ms
                self.reclaimable.append({"worker": hex_w, "from_timestamp_ms": first,
                                         "time": iso(first)})

    def reclaim_call(self, worker: bytes) -> tuple[str, Callable[[], bytes]]:
        return signed_call(self.fork, self.reclaimer(), "reclaim_pool_worker",
                           pid=self.pid, worker=worker)

    def withdraw_call(self, shares: int) -> tuple[str, Callable[[], bytes]]:
        signer = Keystore(self.fork).signer(self.who)
        if signer is None:
            raise ForecastError("NoKey", f"--shares: the node holds no key of "
                                f"{self.fork.ctx.ss58(self.who)} to sign the withdrawal")
        return signed_call(self.fork, signer, "withdraw", pid=self.pid, shares=shares)

    def reclaimer(self) -> Any:
        """Who sends the reclaim: the pool owner, else the sudo key, else the withdrawing
        account — the first whose key the node holds."""
        ks = Keystore(self.fork)
        owner = self.sp.StakePools.get(self.pid).owner
        for account in (owner, self.fork.genesis.sudo, self.who):
            signer = ks.signer(account)
            if signer is not None:
                return signer
        raise ForecastError("NoKey", "reclaim_pool_worker must be sent, but the node holds "
                            "no key of the pool owner, the sudo account or the withdrawing "
                            "account (use --no-reclaim)")

    def seal_one(self, advance_ms: int, extrinsics: list[Any]) -> None:
        before = self.sp.StakePools.get(self.pid)
        block = self.fw.author(advance_ms, extrinsics)
        after = self.sp.StakePools.get(self.pid)
        if (before.withdraw_queue, before.releasing_stake, before.free_stake,
                before.total_stake) != (after.withdraw_queue, after.releasing_stake,
                                        after.free_stake, after.total_stake) or extrinsics:
            self.read_events(block)

    def read_events(self, block: Any) -> None:
        """Steps and payments of one block, from its events."""
        fork = self.fork
        records = decode_events(fork.rt, fork.events_at(fork.head()))
        miners = self.pool_miners()
        ref = block_ref(block["number"], block["hash"], block["timestamp_ms"])
        mine = {x["index"]: x["call"] for x in self.fw.sent if x["block"] == block["number"]}
        stopped = []
        for record in records:
            ev = event_json(fork.rt, record, fork.ctx, phase=False)
            name, a = f"{ev['pallet']}.{ev['event']}", ev["attributes"]
            index = phase_index(record)
            if name == "PhalaMining.MinerStopped":
                miner = fork.ctx.parse_account(a["miner"])
                if miner in miners and index is None:  # the end-of-block forced stop
                    stopped.append("0x" + miners[miner].hex())
                elif miner in miners:
                    self.steps.append({"step": "stop", "block": ref, "extrinsic_index": index,
                                       "worker": "0x" + miners[miner].hex()})
            elif name == "PhalaStakePool.WorkerReclaimed" and a["pid"] == self.pid:
                self.steps.append({"step": "reclaim", "block": ref, "worker": a["worker"],
                                   "original_stake": a["original_stake"],
                                   "extrinsic_index": index,
                                   "sent_by_forecast": index in mine})
            elif name == "PhalaStakePool.Withdrawal" and a["pid"] == self.pid \
                    and fork.ctx.parse_account(a["user"]) == self.who:
                self.payments.append({"block": ref, "amount": a["amount"],
                                      "shares": a["shares"], "extrinsic_index": index})
                if (block["number"], index) == self.withdraw_at:
                    self.steps.append({"step": "free_stake", "block": ref,
                                       "amount": a["amount"], "shares": a["shares"]})
            elif name == "System.ExtrinsicFailed" and (block["number"], index) == \
                    self.withdraw_at:
                raise ForecastError("WithdrawalFails", "the withdrawal would fail: "
                                    f"{a['dispatch_error']}")
            elif name == "System.ExtrinsicFailed" and index in mine:
                raise ForecastError("ForecastFailed", f"{mine[index]} failed in block "
                                    f"#{block['number']}: {a['dispatch_error']}")
        if stopped:
            self.steps.append({"step": "forced_stop", "block": ref, "workers": stopped})


def forecast_withdrawal(chain: Chain, pid: int, who: bytes, *, shares: int | None = None,
                        reclaim: bool = True, offline: Sequence[bytes] = (),
                        skip_sec: int = 3600, horizon_days: float = 60,
                        progress: Callable[[int, int], None] = lambda n, ms: None
                        ) -> dict[str, Any]:
    """When `who`'s queued withdrawal from pool `pid` is fully paid (JSON-ready); with
    `shares`, of a withdrawal of that many shares `who` sends in the next block.

    Raises ForecastError: UnknownPool, NoQueuedWithdrawal, BadInput, NoKey,
    WithdrawalFails."""
    sp = chain.rt["PhalaStakePool"]
    pool = sp.StakePools.get(pid)
    if pool is None:
        raise ForecastError("UnknownPool", f"no pool {pid}")
    req = next((r for r in pool.withdraw_queue if r.user == who), None)
    if req is None and shares is None:
        raise ForecastError("NoQueuedWithdrawal", f"{chain.ctx.ss58(who)} has no queued "
                            f"withdrawal in pool {pid} (--shares N forecasts a new one)")
    block_time_ms = chain.genesis.block_time_ms
    if not horizon_days > 0:
        raise ForecastError("BadInput", f"--horizon-days {horizon_days:g}: must be positive")
    if skip_sec * 1000 < block_time_ms:
        raise ForecastError("BadInput", f"--skip {skip_sec}: must be at least the block "
                            f"time ({block_time_ms / 1000:g} s)")
    head = chain.head()
    price = share_price(pool)
    asked = shares if shares is not None else req.shares if req is not None else 0
    head_ref = block_ref(head.number, "0x" + head.hash().hex(), chain.timestamp_at(head))
    start = {"block": head_ref, "new": shares is not None, "shares": asked,
             "queued_at_sec": None if shares is not None or req is None else req.start_time,
             "value_now": None if price is None else mul_price(asked, price)}
    fork = open_fork(chain, list(offline))
    try:
        run = WithdrawalForecast(fork, pid, who, reclaim, skip_sec * 1000,
                                 int(horizon_days * DAY_MS), progress)
        outcome = run.run(None if shares is None else run.withdraw_call(shares))
        end = fork.head()
        end_ref = block_ref(end.number, "0x" + end.hash().hex(), fork.timestamp_at(end))
    finally:
        fork.close()
    paid = None
    if outcome == "paid":
        last = run.payments[-1]["block"]
        paid = {"block": last,
                "after_sec": (last["timestamp_ms"] - head_ref["timestamp_ms"]) / 1000,
                "amount": sum(p["amount"] for p in run.payments),
                "shares": sum(p["shares"] for p in run.payments)}
    names = [s["step"] for s in run.steps]
    path = [n for n in ("free_stake", "forced_stop", "reclaim") if n in names]
    return {
        "pool": pid, "who": chain.ctx.ss58(who), "outcome": outcome, "request": start,
        "paid": paid, "payments": run.payments, "path": path, "steps": run.steps,
        "reclaim": {"sent_by_forecast": reclaim, "extrinsics": [
            x for x in run.fw.sent if ".reclaim_pool_worker(" in x["call"]],
            "possible_from": run.reclaimable},
        "extrinsics": run.fw.sent,
        "offline": ["0x" + pk.hex() for pk in offline],
        "forecast_head": end_ref, "schedule": run.fw.schedule_json(),
        "assumption": ASSUMPTION.format(block_time=f"{block_time_ms / 1000:g}",
                                        skip=skip_sec),
    }
