"""End to end: simulated heartbeats → Gatekeeper settlements → pool rewards → claims.

Expected values are computed here from the events and the spec's rules (economics.md §7:
`floor(payout · 10^12)` per settlement; stake_pool: commission = Permill × reward rounded
to nearest, ties down; delegators by shares), never with the code under test.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from pathlib import Path
from typing import Any

from node.worker_sim import attach_simulator
from pallets.mining.types import SUBSIDY_POOL_ACCOUNT, TREASURY_ACCOUNT
from pallets.stake_pool.types import pool_sub_account
from runtime.keys import Keypair
from tests.node.test_worker_sim import W, mining_chain

COMMISSION = 200_000  # 20 %


def permill_nearest_ties_down(parts: int, x: int) -> int:
    q, r = divmod(parts * x, 1_000_000)
    return q + (1 if r > 500_000 else 0)


def events(blocks: list[dict[str, Any]], name: str) -> list[tuple[int, dict[str, Any]]]:
    return [(b["number"], e["attributes"]) for b in blocks for e in b["events"]
            if f"{e['pallet']}.{e['event']}" == name]


def test_settled_payouts_reach_pools_owners_and_delegators(tmp_path: Path) -> None:
    chain, run = mining_chain(tmp_path / "c", ("Worker1", "Worker2"), COMMISSION)
    with chain:
        rt = chain.rt
        bal = rt["Balances"]
        issuance = bal.total_issuance()
        subsidy_before = bal.account_data(SUBSIDY_POOL_ACCOUNT).total
        attach_simulator(chain)
        blocks = chain.seal(1500)
        settled = events(blocks, "PhalaMining.MinerSettled")
        received = events(blocks, "PhalaStakePool.RewardReceived")
        assert len(settled) >= 10 and len(received) >= 5

        # every positive settlement of pool 0's miners is booked in its block, split 80/20
        miners = {chain.ctx.ss58(pool_sub_account(0, bytes.fromhex(W[n][2:])))
                  for n in ("Worker1", "Worker2")}
        paid: dict[int, list[int]] = defaultdict(list)
        for n, a in settled:
            assert a["miner"] in miners
            reward = (a["payout_bits"] * 10**12) >> 64
            if reward:
                paid[n].append(reward)
        booked: dict[int, list[int]] = defaultdict(list)
        for n, a in received:
            assert a["pid"] == 0
            total = a["to_owner"] + a["to_stakers"]
            assert a["to_owner"] == permill_nearest_ties_down(COMMISSION, total)
            booked[n].append(total)
        assert {n: sorted(v) for n, v in booked.items()} == \
            {n: sorted(v) for n, v in paid.items()}
        to_owner = sum(a["to_owner"] for _, a in received)
        to_stakers = sum(a["to_stakers"] for _, a in received)

        # claims: the owner gets exactly the commission, delegators by their shares
        claims = {}
        out = run.tx("//Alice", "PhalaStakePool", "claim_owner_rewards", 0, "//Alice")
        claims["owner"] = [e["attributes"]["amount"] for e in out["events"]
                           if e["event"] == "OwnerRewardsWithdrawn"][0]
        assert claims["owner"] == to_owner
        shares = {"//Alice": 2_000, "//Charlie": 10_000, "//Dave": 6_000}
        for who, share in shares.items():
            out = run.tx(who, "PhalaStakePool", "claim_staker_rewards", 0, who)
            got = [e["attributes"]["amount"] for e in out["events"]
                   if e["event"] == "StakerRewardsWithdrawn"][0]
            exact = Fraction(to_stakers * share, sum(shares.values()))
            # the reward accumulator truncates once per booked reward
            assert exact - len(received) - 1 <= got <= exact, (who, got, exact)
            claims[who] = got

        # supply: nothing minted; subsidy pool paid the claims and the treasury share
        treasury = bal.account_data(TREASURY_ACCOUNT).total
        subsidy = bal.account_data(SUBSIDY_POOL_ACCOUNT).total
        assert subsidy == subsidy_before - treasury - sum(claims.values())
        # treasury : payout = 0.2 : 0.8, up to one planck of truncation per settlement
        assert abs(4 * treasury - sum(sum(v) for v in paid.values())) <= 5 * len(settled)
        others = sum(info.data.total for who, info in rt["System"].Account.iter()
                     if who not in (SUBSIDY_POOL_ACCOUNT, TREASURY_ACCOUNT))
        assert subsidy + treasury + others == bal.total_issuance() == issuance
        alice = Keypair.from_uri("//Alice").public_key
        assert bal.account_data(alice).free > 0
        for pallet in rt.by_index.values():
            pallet.try_state()
