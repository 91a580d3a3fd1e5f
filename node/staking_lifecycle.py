"""The README's main job: the whole staking lifecycle on the dev chain, then APR and charts.

    python -m node.staking_lifecycle [--base-path DIR] [--genesis FILE] [--mining-days N]

On the top-level genesis.json, in a fresh base path (wiped first; default
./.phala-emu-run): three pools (Alice 20 %, Bob 50 %, Charlie 10 % commission), the
genesis workers simulated by the node (Worker5 benchmarks first), delegators
contributing, workers started, mining with real heartbeats for `--mining-days` of
12-second blocks (Worker2 offline for an hour in between: unresponsive, slashed,
recovered), owners and delegators claiming, Eve's withdrawal from Bob's pool waiting in
the queue, the forced stop after the 7-day grace period when nothing arrives (blocks
every 2 minutes), the 7-day cool-down (hourly blocks) and `reclaim_pool_worker`, the
queue served, final claims; then `apr`, the `report` charts, the supply check
(subsidy pool + treasury + other accounts = issuance, unchanged since genesis) and every
pallet's try_state. Prints a summary with exact planck figures; exit 0 when every check
holds, 1 otherwise. Uses the node's Python API on the CLI's code paths (argument
parsing, signing, submit/seal, the worker simulator, apr, report); its own signatures
are deterministic, so a run always ends at the same head.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from node.apr import compute_apr
from node.args import build_call
from node.chain import Chain
from node.cli.cmd_worker import list_workers, set_offline
from node.keystore import DeterministicKeypair
from node.pool import sign_call
from node.render import decode_events, event_json
from node.report import render
from node.worker_sim import attach_simulator
from pallets.mining.types import SUBSIDY_POOL_ACCOUNT, TREASURY_ACCOUNT

PHA = 10**12
REPO = Path(__file__).resolve().parents[1]
W = {"Worker1": "0xe08f879ee9bb4ffa0bc92d47d98d7aaeab08a3485d34dc7533c2dcac9dc18138",
     "Worker2": "0xeec52b72035badd46e8a0275a15f99367158d1414d6c9b8424691e277637ea68",
     "Worker3": "0x4041cf72330f495df0f94664182b5e7ee3cceefd29273a9389579d084d082715",
     "Worker4": "0xf4e8e7b73e30c301f69bab26bb017b0f7ea1bb17ce07802d4e3eb10fc0a63c16",
     "Worker5": "0x00bede1f94902342f63c486d1754b1b8efb086f8f5dcf1b6138796f658faa22f"}
# pid: (owner, commission Permill, workers and stakes in PHA, contributions in PHA)
POOLS = {0: ("//Alice", 200_000, [("Worker1", 5_000), ("Worker2", 6_000)],
             [("//Alice", 2_000), ("//Charlie", 10_000), ("//Dave", 5_000)]),
         1: ("//Bob", 500_000, [("Worker3", 7_000), ("Worker4", 8_000)],
             [("//Bob", 5_000), ("//Eve", 12_000)]),
         2: ("//Charlie", 100_000, [("Worker5", 6_000)],
             [("//Charlie", 7_000), ("//Ferdie", 3_000)])}
BLOCKS_PER_DAY = 7_200


class Lifecycle:
    """One run: the chain, its simulator, event tallies and the narrative."""

    def __init__(self, chain: Chain, out: Any = print, grace_step: int = 12,
                 cooldown_step: int = 60) -> None:
        self.chain = chain
        self.grace_step, self.cooldown_step = grace_step, cooldown_step
        self.sim = attach_simulator(chain)
        self.say = out
        self.tally: dict[str, dict[Any, int]] = defaultdict(lambda: defaultdict(int))
        self.failures: list[str] = []

    # -- chain operations (the CLI's code paths) -------------------------------------------
    def tx(self, signer: str, pallet: str, call: str, *args: Any) -> dict[str, Any]:
        """`phala-emu tx --signer SIGNER PALLET CALL ARGS…`, sealed; must succeed."""
        built = build_call(self.chain.rt, pallet, call, [str(a) for a in args], self.chain.ctx)
        encoded = sign_call(self.chain, DeterministicKeypair.from_uri(signer),
                            built)
        outcome = self.chain.submit(encoded, seal=True)
        # the whole block, not just this extrinsic: a Gatekeeper report applied in its
        # Initialization phase books rewards (RewardReceived) too
        self._count(self.block_events(outcome["block_number"]))
        if not outcome["success"]:
            raise RuntimeError(f"{pallet}.{call}{args} by {signer} failed: {outcome['error']}")
        return outcome

    def seal(self, count: int, advance_s: int = 12, label: str = "") -> None:
        start = time.perf_counter()
        done = 0
        while done < count:
            step = min(1_000, count - done)
            for block in self.chain.seal(step, advance_s * 1000):
                self._count(block["events"])
            done += step
        head = self.chain.head().number
        self.say(f"  sealed {count} blocks of {advance_s} s{label} -> #{head}, "
                 f"{self.days():.2f} days ({time.perf_counter() - start:.1f} s)")

    def block_events(self, number: int) -> list[dict[str, Any]]:
        c = self.chain
        records = decode_events(c.rt, c.events_at(c.resolve(number)))
        return [event_json(c.rt, r, c.ctx) for r in records]

    def _count(self, events: list[dict[str, Any]]) -> None:
        for ev in events:
            name, a = f"{ev['pallet']}.{ev['event']}", ev["attributes"]
            if name == "PhalaStakePool.RewardReceived":
                self.tally["to_owner"][a["pid"]] += a["to_owner"]
                self.tally["to_stakers"][a["pid"]] += a["to_stakers"]
            elif name in ("PhalaStakePool.OwnerRewardsWithdrawn",
                          "PhalaStakePool.StakerRewardsWithdrawn",
                          "PhalaStakePool.RewardsWithdrawn"):
                self.tally[ev["event"]][(a["pid"], a["user"])] += a["amount"]
            elif name == "PhalaStakePool.Withdrawal":
                self.tally["withdrawn"][(a["pid"], a["user"])] += a["amount"]
            elif name == "PhalaMining.MinerSettled":
                self.tally["settlements"][a["miner"]] += 1
            elif name in ("PhalaMining.MinerEnterUnresponsive", "PhalaMining.MinerStopped",
                          "PhalaMining.MinerExitUnresponsive", "PhalaMining.MinerReclaimed",
                          "PhalaStakePool.WithdrawalQueued", "PhalaMq.__none__"):
                self.tally["events"][name] += 1
            elif name == "System.ExtrinsicSuccess":
                self.tally["events"][name] += 1

    def days(self) -> float:
        c = self.chain
        return (c.timestamp_at(c.head()) - c.genesis.timestamp_ms) / 86_400_000

    def pool(self, pid: int) -> Any:
        return self.chain.rt["PhalaStakePool"].StakePools.get(pid)

    def miner_state(self, worker: str) -> str:
        for w in list_workers(self.chain):
            if w["pubkey"] == W[worker]:
                return str(w["miner_state"])
        return "unknown"

    def check(self, ok: bool, what: str) -> None:
        self.say(f"  [{'ok' if ok else 'FAILED'}] {what}")
        if not ok:
            self.failures.append(what)

    # -- phases ---------------------------------------------------------------------------
    def setup(self) -> None:
        self.say("1. pools, workers, delegators")
        self.seal(52, label=" (Worker5's 50-block benchmark)")
        score = self.chain.rt["PhalaRegistry"].worker(bytes.fromhex(W["Worker5"][2:]))
        self.say(f"  Worker5 benchmarked by the simulator: initial score {score.initial_score}")
        for pid, (owner, commission, workers, contributions) in POOLS.items():
            self.tx(owner, "PhalaStakePool", "create")
            self.tx(owner, "PhalaStakePool", "set_payout_pref", pid, commission)
            for name, _ in workers:
                self.tx(owner, "PhalaStakePool", "add_worker", pid, W[name])
            for who, amount in contributions:
                self.tx(who, "PhalaStakePool", "contribute", pid, amount * PHA)
            for name, stake in workers:
                self.tx(owner, "PhalaStakePool", "start_mining", pid, W[name], stake * PHA)
            self.say(f"  pool {pid}: owner {owner}, commission {commission / 10**4:g} %, "
                     f"workers {[n for n, _ in workers]}, stake {self.pool(pid).total_stake}")

    def mine(self, days: float) -> None:
        blocks = int(days * BLOCKS_PER_DAY)
        self.say(f"2. mining {days:g} day(s) with heartbeats; Worker2 offline for a while")
        first = blocks // 4
        self.seal(first)
        set_offline(self.chain, W["Worker2"], True)
        offline = 0  # until a challenge goes unanswered past the window, then an hour more
        while self.miner_state("Worker2") != "MiningUnresponsive" and offline < 3000:
            self.seal(50, label=" (Worker2 offline)")
            offline += 50
        self.check(self.miner_state("Worker2") == "MiningUnresponsive",
                   "Worker2 is MiningUnresponsive while offline")
        self.seal(300, label=" (Worker2 offline and slashed)")
        set_offline(self.chain, W["Worker2"], False)
        self.seal(max(blocks - first - offline - 300, 100))
        self.check(self.miner_state("Worker2") == "MiningIdle", "Worker2 recovered")

    def claims(self, label: str) -> None:
        self.say(f"{'3' if label.startswith('after') else '5'}. claims ({label})")
        for pid, (owner, _, _, contributions) in POOLS.items():
            if self.pool(pid).owner_reward:
                self.tx(owner, "PhalaStakePool", "claim_owner_rewards", pid, owner)
            for who, _ in contributions:
                try:
                    self.tx(who, "PhalaStakePool", "claim_staker_rewards", pid, who)
                except RuntimeError:
                    pass  # NoRewardToClaim: nothing due yet

    def withdrawal_and_forced_stop(self) -> None:
        self.say("4. Eve withdraws 8,000 PHA of shares from pool 1 (only 2,000 free)")
        eve = self.chain.ctx.parse_account("//Eve")
        user = self.chain.rt["PhalaStakePool"].PoolStakers.get((1, eve))
        self.tx("//Eve", "PhalaStakePool", "withdraw", 1, user.shares * 8 // 12)
        queued = self.pool(1).withdraw_queue
        self.check(len(queued) == 1, f"the rest waits in the queue: {queued[0].shares} shares")
        grace_blocks = 604_800 // self.grace_step + 2
        self.seal(grace_blocks, advance_s=self.grace_step, label=" (grace period)")
        self.check(self.miner_state("Worker3") == "MiningCoolingDown"
                   and self.miner_state("Worker4") == "MiningCoolingDown",
                   "pool 1's workers were force-stopped after the 7-day grace period")
        self.seal(604_800 // self.cooldown_step + 1, advance_s=self.cooldown_step,
                  label=" (cool-down)")
        for name in ("Worker3", "Worker4"):
            self.tx("//Bob", "PhalaStakePool", "reclaim_pool_worker", 1, W[name])
        self.check(not self.pool(1).withdraw_queue, "the withdraw queue was served")

    def supply_and_invariants(self, issuance_at_genesis: int) -> None:
        rt = self.chain.rt
        bal = rt["Balances"]
        accounts = {who: info.data.total for who, info in rt["System"].Account.iter()}
        subsidy = accounts.pop(SUBSIDY_POOL_ACCOUNT, 0)
        treasury = accounts.pop(TREASURY_ACCOUNT, 0)
        others = sum(accounts.values())
        issuance = bal.total_issuance()
        self.say(f"  subsidy pool {subsidy} + treasury {treasury} + accounts {others} "
                 f"= {subsidy + treasury + others}; issuance {issuance}")
        self.check(subsidy + treasury + others == issuance == issuance_at_genesis,
                   "supply adds up and equals the genesis issuance")
        broken = []
        for pallet in rt.by_index.values():
            try:
                pallet.try_state()
            except AssertionError as exc:
                broken.append(f"{pallet.NAME}: {exc}")
        self.check(not broken, "every pallet's try_state holds" + (f": {broken}" if broken
                                                                     else ""))

    def income_summary(self) -> None:
        self.say("6. income (planck, from the events)")
        for pid, (_, commission, _, _) in POOLS.items():
            to_owner, to_stakers = self.tally["to_owner"][pid], self.tally["to_stakers"][pid]
            self.say(f"  pool {pid}: rewards {to_owner + to_stakers} = owner {to_owner} "
                     f"({commission / 10**4:g} %) + delegators {to_stakers}")
        for key in ("OwnerRewardsWithdrawn", "StakerRewardsWithdrawn"):
            for (pid, user), amount in sorted(self.tally[key].items()):
                self.say(f"  {key}: pool {pid} {user}: {amount}")
        for pid in POOLS:
            owner_claimed = sum(a for (p, _), a in self.tally["OwnerRewardsWithdrawn"].items()
                                if p == pid)
            staker_claimed = sum(a for (p, _), a in
                                 self.tally["StakerRewardsWithdrawn"].items() if p == pid)
            dust = self.tally["to_stakers"][pid] - staker_claimed
            self.check(owner_claimed == self.tally["to_owner"][pid] and 0 <= dust < 1000,
                       f"pool {pid}: owner claimed all {owner_claimed} planck of commission; "
                       f"delegators claimed {staker_claimed}, {dust} planck left as "
                       "accumulator truncation")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base-path", default="./.phala-emu-run")
    p.add_argument("--genesis", default=str(REPO / "genesis.json"))
    p.add_argument("--mining-days", type=float, default=2.0)
    p.add_argument("--grace-block-secs", type=int, default=12,
                   help="block time while the withdrawal waits out the grace period")
    p.add_argument("--cooldown-block-secs", type=int, default=60,
                   help="block time during the cool-down")
    args = p.parse_args(argv)
    started = time.perf_counter()
    shutil.rmtree(args.base_path, ignore_errors=True)
    with Chain.init(args.base_path, Path(args.genesis).read_bytes()) as chain:
        run = Lifecycle(chain, grace_step=args.grace_block_secs,
                        cooldown_step=args.cooldown_block_secs)
        issuance = chain.rt["Balances"].total_issuance()
        run.setup()
        run.mine(args.mining_days)
        run.claims("after mining")
        run.withdrawal_and_forced_stop()
        run.claims("final")
        run.income_summary()
        apr = compute_apr(chain)
        run.say(f"7. APR at #{apr['block']['number']}: PHASRB "
                f"{apr['phasrb']['decimal'] if apr['phasrb'] else 'n/a'}")
        for pool in apr["pools"]:
            run.say(f"  pool {pool['pid']}: APR "
                    f"{pool['apr']['decimal'] if pool['apr'] else 'n/a'}")
        report = render(chain, Path(args.base_path) / "report")
        run.say(f"8. charts: {', '.join(Path(f).name for f in report['files'])} in "
                f"{Path(args.base_path) / 'report'}")
        run.say("9. checks")
        run.supply_and_invariants(issuance)
        head = chain.head()
        run.say(f"head #{head.number} 0x{head.hash().hex()} after "
                f"{time.perf_counter() - started:.1f} s")
        return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
