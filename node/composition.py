"""The composition root: which pallets, at which index, wired how (spec README decision 1).

Indices never move once released. The mining pallet's reverse notifications
(`on_reward`, `on_unbound`, `on_stopped`) are implemented by the stake pool and
wired here, so no pallet imports upward; likewise the message queue's subscribers.
"""

from __future__ import annotations

from typing import Any

from runtime.config import RuntimeConfig
from runtime.runtime import Runtime


def pallet_list() -> list[tuple[int, type]]:
    from pallets.mining import PhalaMining
    from pallets.mq import PhalaMq
    from pallets.registry import PhalaRegistry
    from pallets.stake_pool import PhalaStakePool
    from runtime.balances import Balances
    from runtime.sudo import Sudo
    from runtime.system import System
    from runtime.timestamp import Timestamp

    return [
        (0, System), (1, Timestamp), (2, Balances), (3, Sudo),
        (4, PhalaMq), (5, PhalaRegistry), (6, PhalaMining), (7, PhalaStakePool),
    ]


def build_runtime(state: Any, config: RuntimeConfig | None = None) -> Runtime:
    rt = Runtime(pallet_list(), state, config)
    wire(rt)
    return rt


def wire(rt: Runtime) -> None:
    """Connect cross-pallet notifications (present pallets only)."""
    p = rt.pallets
    if "PhalaMining" in p and "PhalaStakePool" in p:
        p["PhalaMining"].callbacks = p["PhalaStakePool"]
    if "PhalaMq" in p:
        subs = []
        if "PhalaRegistry" in p:
            subs.append(p["PhalaRegistry"].on_message_received)
        if "PhalaMining" in p:
            subs.append(p["PhalaMining"].on_gk_message_received)
            subs.append(p["PhalaMining"].on_mining_message_received)
        p["PhalaMq"].subscribers = subs
