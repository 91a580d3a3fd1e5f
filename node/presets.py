"""Parameter presets (spec/presets.md): the dev chain and Khala's real parameters.

A preset replaces the rule-setting parts of a genesis document — the tokenomic
parameters, the halving schedule, the minimal benchmark score, the periods and the
pool limits — and keeps its accounts, workers and balances, so `init --preset
khala-2022` runs the dev chain's actors under the real network's rules.

Values are genesis-file literals (genesis.md). Decimals convert to U64F64 by nearest,
ties to even. khala-2022 is given as the exact bits of the reference's SCALE constant
(`enable_phala_tokenomic`, Gemini upgrade): two of its decimals as published
(budget_per_block 187.8783, rig_k 0.449775112443778) are not the nearest bits of
the values the chain stored, and the chain's values are what paid rewards.
"""

from __future__ import annotations

import copy
from typing import Any

_DEV_TOKENOMIC = {
    "pha_rate": "1", "rho": "1.000000666600231", "budget_per_block": "100",
    "v_max": "30000", "cost_k": {"bits": 291740030655}, "cost_b": {"bits": 621866907450610},
    "slash_rate": {"bits": 61489146912365}, "treasury_ratio": "0.2", "heartbeat_window": 10,
    "rig_k": "0.3", "rig_b": "0", "re": "1.3", "k": "100", "kappa": "1",
}

_KHALA_2021_TOKENOMIC = {
    "pha_rate": "0.83", "rho": "1.000000666600231", "budget_per_block": "8.3333333333333333333",
    "v_max": "30000", "cost_k": "1.9054528616676159186e-8",
    "cost_b": "4.061623205149357237e-5", "slash_rate": "0", "treasury_ratio": "0.2",
    "heartbeat_window": 20, "rig_k": "0.36144578313253012048", "rig_b": "0", "re": "1.5",
    "k": "50", "kappa": "1",
}

_KHALA_2022_TOKENOMIC = {
    "pha_rate": {"bits": 4980620899901578936},
    "rho": {"bits": 18446756370313412349},
    "budget_per_block": {"bits": 3465742917103625251400},
    "v_max": {"bits": 553402322211286548480000},
    "cost_k": {"bits": 437391350309},
    "cost_b": {"bits": 932334194078877},
    "slash_rate": {"bits": 0},
    "treasury_ratio": {"bits": 3689348814741910323},
    "heartbeat_window": 20,
    "rig_k": {"bits": 8296886389974309947},
    "rig_b": {"bits": 0},
    "re": {"bits": 27670116110564327424},
    "k": {"bits": 922337203685477580800},
    "kappa": {"bits": 18446744073709551616},
}

_POOL = {"min_contribution": 10_000_000_000, "grace_period_sec": 604_800,
         "max_pool_workers": 200}

PRESETS: dict[str, dict[str, Any]] = {
    "dev": {
        "mining": {"tokenomic": _DEV_TOKENOMIC, "halving_interval": None, "min_init_p": 1,
                   "expected_block_time_sec": 12, "cool_down_period_sec": 604_800},
        "stake_pool": _POOL,
    },
    "khala-2021": {  # launch, block 414,189: budget ×0.75 every 45 days
        "mining": {"tokenomic": _KHALA_2021_TOKENOMIC, "halving_interval": 324_000,
                   "min_init_p": 50, "expected_block_time_sec": 12,
                   "cool_down_period_sec": 604_800},
        "stake_pool": _POOL,
    },
    "khala-2022": {  # Gemini upgrade, block 1,467,069: budget ×0.75 every 180 days
        "mining": {"tokenomic": _KHALA_2022_TOKENOMIC, "halving_interval": 1_296_000,
                   "min_init_p": 50, "expected_block_time_sec": 12,
                   "cool_down_period_sec": 604_800},
        "stake_pool": _POOL,
    },
}


def apply_preset(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """A copy of genesis document `doc` under preset `name`; KeyError for an unknown name.

    The preset's fields replace the document's; everything else (accounts, workers,
    the subsidy pool's balance, the payout mode) is kept.
    """
    preset = PRESETS[name]
    out = copy.deepcopy(doc)
    for section, fields in preset.items():
        merged = dict(out.get(section, {}))
        merged.update(copy.deepcopy(fields))
        out[section] = merged
    return out
