"""The in-runtime Gatekeeper's state as chain state (spec README decision 4): record types,
their SCALE codecs, and the lazy advancement of V between events (economics.md §9.1).

A worker's stored `GkWorker` carries `advanced_to`: the last block whose per-block V step
(idle growth or slash) is included in `tokenomic`. Between two writes the worker sits in one
uniform segment, fixed by the record itself (`segment_kind`):

* `IDLE`  — working, responsive, no heartbeat: `update_v_idle` every block;
* `SLASH` — working, unresponsive, no heartbeat: `update_v_slash` every block;
* `NONE`  — no working state: V does not change.

Its value after block n is the record advanced by `n − advanced_to` steps of that kind,
iterated per block in U64F64 (the closed form is not bit-exact, §9.1). The Gatekeeper
writes a record whenever anything other than that uniform step happens.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from pallets.messages import TOKENOMIC_PARAMETERS
from pallets.mining.formulas import TokenomicParams
from pallets.mining.gk_formulas import TokenomicInfo, conf_score_gk
from runtime.codec import BOOL, U8, U32, U64, U128, CEnum, Option, Struct, Vec, with_path
from runtime.fixed import ONE
from runtime.ints import ArithmeticUnderflow


class MiningState(enum.IntEnum):
    """The replica's `MiningState` (SCALE index = value)."""

    Mining = 0
    Paused = 1


@dataclass(slots=True)
class BenchState:
    """The replica's running benchmark (registry.md §6); the GK's counter is always 0."""

    start_block: int
    start_time: int
    start_iter: int
    duration: int


@dataclass(slots=True)
class WorkingState:
    """The replica's `MiningInfo`: the current session (economics.md §4)."""

    session_id: int
    state: MiningState
    start_time: int
    start_iter: int


@dataclass(slots=True)
class GkWorker:
    """One worker as the Gatekeeper sees it (economics.md §3) plus `advanced_to`."""

    registered: bool = False
    bench_state: BenchState | None = None
    working_state: WorkingState | None = None
    waiting_heartbeats: list[int] = field(default_factory=list)
    unresponsive: bool = False
    tokenomic: TokenomicInfo = field(default_factory=TokenomicInfo)
    advanced_to: int = 0


@dataclass(frozen=True, slots=True)
class GkParameters:
    """The GK's parameters and mode flags (economics.md §2, §5.2, §6).

    `phala_launched`: full payout and the working-state filter in sum_share;
    `unresp_fix`: `update_v_recover` on recovery."""

    params: TokenomicParams
    phala_launched: bool
    unresp_fix: bool


@dataclass(frozen=True, slots=True)
class FrozenSumShare:
    """The sum_share the GK froze at the start of `block_number` (U64F64 bits)."""

    block_number: int
    sum_share: int


BENCH_STATE = with_path(Struct("GkBenchState", [
    ("start_block", U32), ("start_time", U64), ("start_iter", U64), ("duration", U32),
], BenchState), "phala_emu::gatekeeper::BenchState")
WORKING_STATE = with_path(Struct("GkWorkingState", [
    ("session_id", U32), ("state", CEnum(MiningState)), ("start_time", U64),
    ("start_iter", U64),
], WorkingState), "phala_emu::gatekeeper::WorkingState")
TOKENOMIC_INFO = with_path(Struct("GkTokenomicInfo", [
    ("v", U128), ("v_init", U128), ("v_deductible", U128), ("v_update_at", U64),
    ("v_update_block", U32), ("iteration_last", U64), ("challenge_time_last", U64),
    ("p_bench", U128), ("p_instant", U128), ("confidence_level", U8),
    ("contract_running", BOOL),
], TokenomicInfo), "phala_emu::gatekeeper::TokenomicInfo")
GK_WORKER = with_path(Struct("GkWorker", [
    ("registered", BOOL), ("bench_state", Option(BENCH_STATE)),
    ("working_state", Option(WORKING_STATE)), ("waiting_heartbeats", Vec(U32)),
    ("unresponsive", BOOL), ("tokenomic", TOKENOMIC_INFO), ("advanced_to", U32),
], GkWorker), "phala_emu::gatekeeper::GkWorker")
GK_PARAMS = with_path(Struct("GkParams", [
    ("params", TOKENOMIC_PARAMETERS), ("phala_launched", BOOL), ("unresp_fix", BOOL),
], GkParameters), "phala_emu::gatekeeper::GkParams")
FROZEN_SUM_SHARE = with_path(Struct("GkSumShare", [("block_number", U32), ("sum_share", U128)],
                          FrozenSumShare), "phala_emu::gatekeeper::SumShare")

# -- lazy segments --------------------------------------------------------------------

NONE, IDLE, SLASH = 0, 1, 2


def segment_kind(w: GkWorker) -> int:
    """Which per-block step applies to this worker while its record is unchanged."""
    if w.working_state is None:
        return NONE
    return SLASH if w.unresponsive else IDLE


def segment_consts(t: TokenomicInfo, params: TokenomicParams) -> tuple[int, int, int]:
    """What an idle step and share take from a record besides V, constant until the
    record is touched: `(cb, mult, x²>>64)` — the step's `cost_k × p_bench + cost_b`, its
    multiplier `p / p_bench` (ONE when p_bench = 0), and share's confidence term."""
    p_bench = t.p_bench
    p = p_bench if t.contract_running else t.p_instant
    mult = (p << 64) // p_bench if p_bench else ONE
    x = (2 * p * conf_score_gk(t.confidence_level)) >> 64
    return ((params.cost_k * p_bench) >> 64) + params.cost_b, mult, (x * x) >> 64


def idle_steps(t: TokenomicInfo, params: TokenomicParams, steps: int) -> tuple[int, int]:
    """`(v, v_deductible)` after `steps` calls of `update_v_idle` on `t` (not modified).

    Same truncations as `gk_formulas.update_v_idle`, hoisted out of the loop: within a
    segment p_bench, p_instant and contract_running are constant. Once V sits at v_max and
    the increment there is non-negative, every further step adds that same increment and
    leaves V at v_max.
    """
    v, vd = t.v, t.v_deductible
    if steps <= 0:
        return v, vd
    r = params.rho - ONE
    vmax = params.v_max
    p_bench = t.p_bench
    cb = ((params.cost_k * p_bench) >> 64) + params.cost_b
    mult = ONE
    if p_bench:
        mult = ((p_bench if t.contract_running else t.p_instant) << 64) // p_bench
    if mult == ONE:  # m = 1 exactly: (ONE * base) >> 64 == base
        for i in range(steps):
            dv = ((r * v) >> 64) + cb
            v += dv
            vd += dv
            if v >= vmax:
                v = vmax
                at_max = ((r * vmax) >> 64) + cb
                if at_max >= 0:
                    return vmax, vd + (steps - 1 - i) * at_max
        return v, vd
    for i in range(steps):
        dv = (mult * (((r * v) >> 64) + cb)) >> 64
        v += dv
        vd += dv
        if v >= vmax:
            v = vmax
            at_max = (mult * (((r * vmax) >> 64) + cb)) >> 64
            if at_max >= 0:
                return vmax, vd + (steps - 1 - i) * at_max
    return v, vd


def slash_steps(v: int, slash_rate: int, steps: int) -> int:
    """V after `steps` calls of `update_v_slash` (v_deductible becomes 0 if steps ≥ 1).
    Raises `ArithmeticUnderflow` if slash_rate > 1 would make V negative."""
    if slash_rate == 0:
        return v
    for _ in range(steps):
        v -= (v * slash_rate) >> 64
        if v < 0:
            raise ArithmeticUnderflow("slash_rate > 1: V would become negative")
    return v


def advanced(w: GkWorker, params: TokenomicParams, block: int) -> tuple[int, int]:
    """`(v, v_deductible)` of the record with the steps of blocks `advanced_to+1 ..= block`
    applied (no change when `block <= advanced_to`). Does not modify `w`."""
    t = w.tokenomic
    steps = block - w.advanced_to
    if steps <= 0:
        return t.v, t.v_deductible
    kind = segment_kind(w)
    if kind == IDLE:
        return idle_steps(t, params, steps)
    if kind == SLASH:
        return slash_steps(t.v, params.slash_rate, steps), 0
    return t.v, t.v_deductible
