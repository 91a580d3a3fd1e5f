"""`PhalaMining`: the v1 mining pallet (mining.md) — calls, genesis and invariants.

Declarations are in `storage.py`, the stake pool's internal API in `api.py`, the block
hook and message handlers in `handlers.py`.
"""

from __future__ import annotations

from typing import Any

from pallets.messages import (
    GATEKEEPER_EVENT,
    GATEKEEPER_EVENT_TOPIC,
    SYSTEM_EVENT_TOPIC,
    TOKENOMIC_PARAMETERS,
    origin_pallet,
)
from pallets.mining.formulas import TokenomicParams
from pallets.mining.gatekeeper import Gatekeeper
from pallets.mining.handlers import MiningHandlers, heartbeat_challenge
from pallets.mining.types import MinerState
from runtime.codec import ACCOUNT, U64, U128, Variant
from runtime.dispatch import Origin, ensure_root, ensure_signed
from runtime.pallet import call
from runtime.storage_items import StorageItem

U256_MAX = (1 << 256) - 1


class PhalaMining(MiningHandlers):
    """Miners bound to registered workers: stake bounds, sessions, cool-down and reclaim,
    heartbeat challenges, Gatekeeper settlements and tokenomic parameters.

    The in-runtime Gatekeeper (spec README decision 4) reads each block's complete
    outbound stream after every on_finalize and its report is applied at the start of
    the next block (mining.md §11).
    """

    def __init__(self, rt: Any, index: int) -> None:
        super().__init__(rt, index)
        self.gatekeeper = Gatekeeper(rt)

    @classmethod
    def storage_items(cls) -> dict[str, Any]:
        """The pallet's items plus the Gatekeeper's, which live under this prefix too
        (so `phala-emu query PhalaMining GkWorkers` and replay diagnostics see them)."""
        items = super().storage_items()
        items.update({n: v for n, v in vars(Gatekeeper).items() if isinstance(v, StorageItem)})
        return items

    def forget_cached_state(self) -> None:
        self.gatekeeper.forget()

    # -- Gatekeeper hooks ---------------------------------------------------------------------
    def on_initialize(self, n: int) -> None:
        self.gatekeeper.apply_pending_report()

    def on_post_finalize(self, n: int) -> None:
        self.gatekeeper.process_block(n)

    # -- calls (§4) -------------------------------------------------------------------------
    @call(0, ("period", U64))
    def set_cool_down_expiration(self, origin: Origin, period: int) -> None:
        """Root: set CoolDownPeriod (seconds). Event CoolDownExpirationChanged."""
        ensure_root(origin)
        self.CoolDownPeriod.put(period)
        self.deposit_event("CoolDownExpirationChanged", period=period)

    @call(1, ("miner", ACCOUNT))
    def unbind(self, origin: Origin, miner: bytes) -> None:
        """Signed by the bound worker's operator: unbind `miner`, stopping it if mining, and
        notify the stake pool. Errors, in order: BadOrigin, MinerNotBound,
        WorkerNotRegistered, BadSender, then unbind_miner's."""
        who = ensure_signed(origin)
        pubkey = self.ensure_miner_bound(miner)
        worker = self.rt["PhalaRegistry"].Workers.get(pubkey)
        if worker is None:
            raise self.error("WorkerNotRegistered")
        if worker.operator != who:
            raise self.error("BadSender")
        self.unbind_miner(miner, True)

    @call(2)
    def force_heartbeat(self, origin: Origin) -> None:
        """Root: challenge every responsive mining worker (seed 0, target U256::MAX)."""
        ensure_root(origin)
        self.push_message(SYSTEM_EVENT_TOPIC, heartbeat_challenge(0, U256_MAX))

    @call(3, ("miner", ACCOUNT), ("stake", U128))
    def force_start_mining(self, origin: Origin, miner: bytes, stake: int) -> None:
        """Root: `start_mining(miner, stake)` (no stake is locked)."""
        ensure_root(origin)
        self.start_mining(miner, stake)

    @call(4, ("miner", ACCOUNT))
    def force_stop_mining(self, origin: Origin, miner: bytes) -> None:
        """Root: `stop_mining(miner)`."""
        ensure_root(origin)
        self.stop_mining(miner)

    @call(5, ("new_params", TOKENOMIC_PARAMETERS))
    def update_tokenomic(self, origin: Origin, new_params: TokenomicParams) -> None:
        """Root: schedule new tokenomic parameters for this block's on_finalize (no event
        now)."""
        ensure_root(origin)
        self.ScheduledTokenomicUpdate.put(new_params)

    # -- genesis (§10) ----------------------------------------------------------------------
    def genesis_build(self, cfg: dict[str, Any]) -> None:
        """Build from parsed genesis values: `cool_down_period_sec` (int), `tokenomic`
        (TokenomicParams), optional `halving_interval` (blocks or None). Queues
        `GatekeeperEvent::TokenomicParametersChanged` for block 1; sets MiningStartBlock = 0
        with a halving interval."""
        params: TokenomicParams = cfg["tokenomic"]
        self.CoolDownPeriod.put(int(cfg["cool_down_period_sec"]))
        self.TokenomicParameters.put(params)
        self.rt["PhalaMq"].queue_message(
            origin_pallet(self.NAME), GATEKEEPER_EVENT_TOPIC,
            GATEKEEPER_EVENT.encode(Variant("TokenomicParametersChanged", params)))
        interval = cfg.get("halving_interval")
        if interval is not None:
            self.MiningStartBlock.put(0)
            self.MiningHalvingInterval.put(int(interval))

    # -- invariants -------------------------------------------------------------------------
    def try_state(self) -> None:
        """OnlineMiners = number of miners in MiningIdle/MiningUnresponsive; Stakes exist
        exactly for mining or cooling-down miners; the two binding maps mirror each other
        and every bound miner has a record."""
        miners = dict(self.Miners.iter())
        online = sum(1 for m in miners.values() if m.state.is_mining())
        assert self.OnlineMiners.get() == online, (
            f"OnlineMiners {self.OnlineMiners.get()} != {online} mining miners")
        staked = {m for m, info in miners.items()
                  if info.state.is_mining() or info.state == MinerState.MiningCoolingDown}
        stakes = set(self.Stakes.keys())
        assert stakes == staked, (
            f"Stakes for {sorted(s.hex() for s in stakes ^ staked)} mismatch miner states")
        miner_bindings = dict(self.MinerBindings.iter())
        worker_bindings = dict(self.WorkerBindings.iter())
        assert len(miner_bindings) == len(worker_bindings), "binding maps differ in size"
        for miner, pubkey in miner_bindings.items():
            assert worker_bindings.get(pubkey) == miner, (
                f"MinerBindings[{miner.hex()}] = {pubkey.hex()} is not mirrored")
            assert miner in miners, f"bound miner {miner.hex()} has no record"
