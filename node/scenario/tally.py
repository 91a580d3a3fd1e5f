"""What a scenario run learns from each block's events (decoded, never rendered: most
blocks are sealed in bulk and only these few events matter)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from node.render import decode_events

_SP = "PhalaStakePool"
_PAID = ("RewardsWithdrawn", "OwnerRewardsWithdrawn", "StakerRewardsWithdrawn")


@dataclass
class Tally:
    """Cumulative figures in planck, by pool id and by account (32-byte id)."""

    to_owner: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    to_stakers: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    # (pid, account) -> planck
    claimed: dict[tuple[int, bytes], int] = field(default_factory=lambda: defaultdict(int))
    withdrawn: dict[tuple[int, bytes], int] = field(default_factory=lambda: defaultdict(int))
    contributed: dict[tuple[int, bytes], int] = field(
        default_factory=lambda: defaultdict(int))
    # (pid, user) -> {"queued": [(time_ms, shares)], "paid": [(time_ms, amount)]}
    withdrawals: dict[tuple[int, bytes], dict[str, list[tuple[int, int]]]] = field(
        default_factory=lambda: defaultdict(lambda: {"queued": [], "paid": []}))
    forced_stops: list[tuple[int, int, bytes]] = field(default_factory=list)
    stops: list[tuple[int, int, bytes]] = field(default_factory=list)
    unresponsive: list[tuple[int, int, bytes]] = field(default_factory=list)
    recovered: list[tuple[int, int, bytes]] = field(default_factory=list)

    def block(self, rt: Any, number: int, time_ms: int, raw_events: bytes | None) -> None:
        for rec in decode_events(rt, raw_events):
            ev = rec["event"]
            name, a = ev.value.name, ev.value.value
            if ev.name == "PhalaMining" and name == "MinerStopped":
                finalize = rec["phase"].name == "Finalization"
                (self.forced_stops if finalize else self.stops).append(
                    (number, time_ms, a["miner"]))
            elif ev.name == "PhalaMining" and name == "MinerEnterUnresponsive":
                self.unresponsive.append((number, time_ms, a["miner"]))
            elif ev.name == "PhalaMining" and name == "MinerExitUnresponsive":
                self.recovered.append((number, time_ms, a["miner"]))
            if ev.name != _SP:
                continue
            if name == "RewardReceived":
                self.to_owner[a["pid"]] += a["to_owner"]
                self.to_stakers[a["pid"]] += a["to_stakers"]
            elif name in _PAID:
                self.claimed[(a["pid"], a["user"])] += a["amount"]
            elif name == "Contribution":
                self.contributed[(a["pid"], a["user"])] += a["amount"]
            elif name == "Withdrawal":
                self.withdrawn[(a["pid"], a["user"])] += a["amount"]
                self.withdrawals[(a["pid"], a["user"])]["paid"].append((time_ms, a["amount"]))
            elif name == "WithdrawalQueued":
                self.withdrawals[(a["pid"], a["user"])]["queued"].append(
                    (time_ms, a["shares"]))
