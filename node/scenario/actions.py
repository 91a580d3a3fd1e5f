"""Each timeline action as the calls it sends: (signer URI, call) pairs, a `Sudo.sudo`
wrapper for the root ones, built from the chain's state at the action's block (shares for
an amount, the stake rule's minimum, the current tokenomic parameters)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from node.args import wrap_sudo
from pallets.mining.formulas import minimal_stake
from runtime.fixed import bits_from_decimal

if TYPE_CHECKING:
    from node.scenario.runner import Runner
    from node.scenario.schema import Action

SP = "PhalaStakePool"


def calls_for(run: Runner, action: Action) -> list[tuple[str, Any, str]]:
    """(signer, call, description) for every extrinsic of `action`, in order."""
    rt, sc, a = run.chain.rt, run.sc, action.args
    pid = sc.pid(a["pool"]) if "pool" in a else None
    make = rt.make_call
    sudo = run.sudo_uri
    if action.kind == "contribute":
        return [(a["who"], make(SP, "contribute", pid=pid, amount=a["amount"]),
                 f"contribute {a['amount']} to pool {pid}")]
    if action.kind == "withdraw":
        shares = _shares(run, pid, a)
        return [(a["who"], make(SP, "withdraw", pid=pid, shares=shares),
                 f"withdraw {shares} shares from pool {pid}")]
    if action.kind == "claim":
        who = run.account(a["who"])
        return [(a["who"], make(SP, "claim_rewards", pid=pid, target=who),
                 f"claim_rewards from pool {pid}")]
    if action.kind == "set_commission":
        owner = sc.pools[pid].owner  # type: ignore[index]
        return [(owner, make(SP, "set_payout_pref", pid=pid, payout_commission=a["commission"]),
                 f"set_payout_pref {a['commission']}")]
    if action.kind == "set_cap":
        owner = sc.pools[pid].owner  # type: ignore[index]
        return [(owner, make(SP, "set_cap", pid=pid, cap=a["cap"]), f"set_cap {a['cap']}")]
    if action.kind == "reward":
        call = make(SP, "force_assign_reward", reward_arr=[(pid, a["amount"])])
        return [(sudo, wrap_sudo(rt, call), f"force_assign_reward {a['amount']} to {pid}")]
    if action.kind == "tokenomic":
        return [(sudo, wrap_sudo(rt, make("PhalaMining", "update_tokenomic",
                                          new_params=_params(run, a["set"]))),
                 "update_tokenomic " + ", ".join(sorted(a["set"])))]
    out = []
    for w in run.members(a["workers"]):
        wpid = sc.pid(w.pool)  # type: ignore[arg-type]
        owner = sc.pools[wpid].owner
        pk = run.pubkey[w.name]
        if action.kind == "start":
            stake = run.stake_for(w, a.get("stake"))
            out.append((owner, make(SP, "start_mining", pid=wpid, worker=pk, stake=stake),
                        f"start_mining {w.name} with {stake}"))
        elif action.kind == "stop":
            out.append((owner, make(SP, "stop_mining", pid=wpid, worker=pk),
                        f"stop_mining {w.name}"))
        elif action.kind == "reclaim":
            out.append((a.get("who", owner),
                        make(SP, "reclaim_pool_worker", pid=wpid, worker=pk),
                        f"reclaim_pool_worker {w.name}"))
    return out


def min_stake(rt: Any, score: int) -> int:
    params = rt["PhalaMining"].tokenomic_parameters()
    return minimal_stake(params.k, score)


def _shares(run: Runner, pid: Any, a: dict[str, Any]) -> int:
    """Shares for `amount` of stake at the pool's price, or `share` of the holder's."""
    sp = run.chain.rt[SP]
    if "share" in a:
        user = sp.PoolStakers.get((pid, run.account(a["who"])))
        held = 0 if user is None else user.shares
        return held * a["share"] // 1_000_000
    pool = sp.StakePools.get(pid)
    if pool is None or pool.total_stake == 0:
        return int(a["amount"])
    return int(a["amount"]) * pool.total_shares // pool.total_stake


def _params(run: Runner, changes: dict[str, Any]) -> Any:
    current = run.chain.rt["PhalaMining"].tokenomic_parameters()
    values = {}
    for name, v in changes.items():
        if name == "heartbeat_window":
            values[name] = int(v)
        elif isinstance(v, dict):
            values[name] = int(v["bits"])
        else:
            values[name] = bits_from_decimal(v)
    return dataclasses.replace(current, **values)
