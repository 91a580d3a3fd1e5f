"""Constants a runtime is built with (the `Config` traits of the reference pallets).

Values that live in storage (tokenomic parameters, cool-down period, …) are not here;
these are the compile-time constants of a runtime, fixed by the genesis file.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StakePoolConfig:
    min_contribution: int = 10_000_000_000       # 1 CENT
    grace_period_sec: int = 604_800              # 7 days
    max_pool_workers: int = 200
    mining_enabled_by_default: bool = True


@dataclass(frozen=True)
class MiningConfig:
    expected_block_time_sec: int = 12
    min_init_p: int = 1
    payout_mode: str = "full"                    # "full" | "legacy" (economics.md §6)


@dataclass(frozen=True)
class RegistryConfig:
    none_attestation_enabled: bool = False
    verify_relaychain_genesis: bool = False
    max_attestation_age_secs: int = 7200


@dataclass(frozen=True)
class RuntimeConfig:
    spec_name: str = "phala-emu"
    spec_version: int = 1
    transaction_version: int = 1
    state_version: int = 1                       # trie layout of the state root
    ss58_format: int = 30
    existential_deposit: int = 1
    block_hash_count: int = 2400
    stake_pool: StakePoolConfig = field(default_factory=StakePoolConfig)
    mining: MiningConfig = field(default_factory=MiningConfig)
    registry: RegistryConfig = field(default_factory=RegistryConfig)
