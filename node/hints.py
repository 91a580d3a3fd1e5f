"""What the chain knows about a failed call, for a person reading `tx`'s output.

A bare `PhalaMining.InsufficientStake` or `BenchmarkMissing` leaves a newcomer guessing
what stake would do, or how long to wait; the chain knows both: the minimal stake is
`k·√p` for the worker's score p, and a benchmark the node simulates reports in a known
block.
"""

from __future__ import annotations

from typing import Any

from pallets.mining.formulas import minimal_stake
from runtime.codec import Variant
from runtime.fixed import PHA as PLANCK_PER_PHA


def pha(planck: int) -> str:
    """`12,345.678901234567 PHA`: planck in PHA with thousands separators, exact."""
    whole, frac = divmod(planck, PLANCK_PER_PHA)
    text = f"{whole:,}"
    if frac:
        text += "." + f"{frac:012d}".rstrip("0")
    return f"{text} PHA"


def _inner_args(call: Variant) -> dict[str, Any]:
    """The arguments of the call that ran: a Sudo.sudo wrapper is looked through."""
    while call.name == "Sudo" and call.value.name in ("sudo", "sudo_unchecked_weight",
                                                       "sudo_as"):
        call = call.value.value["call"]
    return dict(call.value.value)


def failure_hint(chain: Any, call: Variant, error: str | None) -> str | None:
    """One sentence on why `error` happened and what would work, or None."""
    args = _inner_args(call)
    worker = args.get("worker", args.get("pubkey"))
    if error in ("PhalaMining.InsufficientStake", "PhalaStakePool.InsufficientStake") \
            and isinstance(worker, bytes):
        return _stake_hint(chain, worker, args.get("stake"))
    if error in ("PhalaMining.BenchmarkMissing", "PhalaStakePool.BenchmarkMissing") \
            and isinstance(worker, bytes):
        return _benchmark_hint(chain, worker)
    return None


def _stake_hint(chain: Any, worker: bytes, stake: Any) -> str | None:
    registered = chain.rt["PhalaRegistry"].Workers.get(worker)
    params = chain.rt["PhalaMining"].tokenomic_parameters()
    if registered is None or registered.initial_score is None or params is None:
        return None
    p = registered.initial_score
    need = minimal_stake(params.k, p)
    staked = f"; the call staked {stake:,} planck" if isinstance(stake, int) else ""
    return (f"worker 0x{worker.hex()} (initial score {p}) needs a stake of at least "
            f"k·√p = {need:,} planck ({pha(need)}){staked}")


def _benchmark_hint(chain: Any, worker: bytes) -> str | None:
    from node.worker_sim import attach_simulator

    registered = chain.rt["PhalaRegistry"].Workers.get(worker)
    if registered is None or registered.initial_score is not None:
        return None
    sim = attach_simulator(chain).workers.get(worker)
    head = chain.head().number
    if sim is None:
        return (f"worker 0x{worker.hex()} has no benchmark score yet, and this node does not "
                "simulate it: the score arrives when its pRuntime sends a BenchReport")
    bench = sim.replica.bench_state
    if bench is None:
        return f"worker 0x{worker.hex()} has no benchmark score and no benchmark running"
    # the benchmark ends with block start + duration; its report goes out in the next block
    ready = bench.start_block + bench.duration + 1
    wait = max(ready - head, 0)
    return (f"worker 0x{worker.hex()} is benchmarking (started in block #{bench.start_block}, "
            f"{bench.duration} blocks): its score lands in block #{ready}, "
            f"{wait} block(s) after the head #{head} — seal them first "
            f"(`phala-emu seal --count {wait}`)")
