"""The genesis file (spec genesis.md): strict parsing, the runtime config it fixes, its state.

`parse_genesis(text)` turns the JSON text into a `Genesis` of plain Python values
(accounts as 32-byte ids, fixed-point values as U64F64 bits) or raises
`GenesisError` naming the offending key or field. Unknown keys are errors at every
level, so a typo can never silently change a chain. `genesis_storage(genesis)` runs
every pallet's genesis build and returns the key/value map of the genesis state.
The same file always gives the same state, root and genesis hash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

from pallets.mining.formulas import TokenomicParams, default_params
from runtime.config import MiningConfig, RegistryConfig, RuntimeConfig, StakePoolConfig
from runtime.fixed import bits_from_decimal
from runtime.keys import InvalidAccount, Keypair, parse_account

U32_MAX = (1 << 32) - 1
U128_MAX = (1 << 128) - 1
SUBSIDY_POOL_PALLET_ID = b"phala/pp"


class GenesisError(ValueError):
    """A genesis file that does not follow genesis.md; the message names the field."""


def pallet_account(pallet_id: bytes) -> bytes:
    """frame_support PalletId::into_account_truncating: b"modl" ++ id, zero-padded to 32."""
    return (b"modl" + pallet_id).ljust(32, b"\x00")


@dataclass(frozen=True)
class Worker:
    pubkey: bytes
    ecdh_pubkey: bytes
    operator: bytes | None
    initial_score: int | None
    confidence_level: int
    secret_uri: str | None  # set when given as a SURI: the node can sign for it


@dataclass(frozen=True)
class Genesis:
    name: str = "Phala Emulator Dev"
    id: str = "phala_emu_dev"
    ss58_format: int = 30
    spec_version: int = 1
    transaction_version: int = 1
    state_version: int = 1
    block_time_ms: int = 12000
    timestamp_ms: int = 0
    sudo: bytes = b""
    existential_deposit: int = 1
    accounts: tuple[tuple[bytes, int], ...] = ()
    registry: dict[str, Any] = field(default_factory=dict)
    mining: dict[str, Any] = field(default_factory=dict)
    stake_pool: dict[str, Any] = field(default_factory=dict)

    @property
    def workers(self) -> list[Worker]:
        return list(self.registry["workers"])

    def runtime_config(self) -> RuntimeConfig:
        m, sp, r = self.mining, self.stake_pool, self.registry
        return RuntimeConfig(
            spec_version=self.spec_version,
            transaction_version=self.transaction_version,
            state_version=self.state_version,
            ss58_format=self.ss58_format,
            existential_deposit=self.existential_deposit,
            stake_pool=StakePoolConfig(
                min_contribution=sp["min_contribution"],
                grace_period_sec=sp["grace_period_sec"],
                max_pool_workers=sp["max_pool_workers"],
                mining_enabled_by_default=sp["mining_enabled"]),
            mining=MiningConfig(expected_block_time_sec=m["expected_block_time_sec"],
                                min_init_p=m["min_init_p"], payout_mode=m["payout_mode"]),
            registry=RegistryConfig(none_attestation_enabled=r["none_attestation_enabled"]),
        )


# -- field parsers: each raises GenesisError naming `where` ------------------------------
def _int(v: Any, where: str, lo: int = 0, hi: int = U128_MAX, text_ok: bool = False) -> int:
    if text_ok and isinstance(v, str) and v.isdigit():
        v = int(v)
    if not isinstance(v, int) or isinstance(v, bool):
        kind = "an integer or a decimal string" if text_ok else "an integer"
        raise GenesisError(f"{where}: expected {kind}, got {json.dumps(v)}")
    if not lo <= v <= hi:
        raise GenesisError(f"{where}: {v} is out of range {lo}..{hi}")
    return v


def _bool(v: Any, where: str) -> bool:
    if not isinstance(v, bool):
        raise GenesisError(f"{where}: expected true or false, got {json.dumps(v)}")
    return v


def _str(v: Any, where: str) -> str:
    if not isinstance(v, str):
        raise GenesisError(f"{where}: expected a string, got {json.dumps(v)}")
    return v


def _account(v: Any, where: str) -> bytes:
    if not isinstance(v, str):
        raise GenesisError(f"{where}: expected an account (secret URI, SS58 or 0x hex), "
                           f"got {json.dumps(v)}")
    try:
        return parse_account(v)
    except InvalidAccount as exc:
        raise GenesisError(f"{where}: {exc}") from None


def _hex32(v: Any, where: str) -> bytes:
    if not isinstance(v, str) or not v.startswith("0x") or len(v) != 66:
        raise GenesisError(f"{where}: expected 0x followed by 64 hex digits, got {json.dumps(v)}")
    try:
        return bytes.fromhex(v[2:])
    except ValueError:
        raise GenesisError(f"{where}: not valid hex: {v}") from None


def _fixed(v: Any, where: str) -> int:
    """U64F64 bits from a decimal string (nearest, ties to even) or {"bits": n}."""
    if isinstance(v, dict):
        _keys(v, {"bits"}, where)
        if "bits" not in v:
            raise GenesisError(f"{where}: missing key \"bits\"")
        return _int(v["bits"], f"{where}.bits", text_ok=True)
    if not isinstance(v, str):
        raise GenesisError(f"{where}: expected a decimal string or {{\"bits\": n}}, "
                           f"got {json.dumps(v)}")
    try:
        return bits_from_decimal(v)
    except (ValueError, ZeroDivisionError) as exc:
        raise GenesisError(f"{where}: {exc}") from None


def _keys(obj: Any, allowed: set[str], where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise GenesisError(f"{where or 'genesis'}: expected a JSON object, got {json.dumps(obj)}")
    for k in obj:
        if k not in allowed:
            name = f"{where}.{k}" if where else k
            raise GenesisError(f"unknown key {name!r} in the genesis file")
    return obj


def _list(v: Any, where: str) -> list[Any]:
    if not isinstance(v, list):
        raise GenesisError(f"{where}: expected a JSON list, got {json.dumps(v)}")
    return v


# -- sections ----------------------------------------------------------------------------
_TOP = {"name", "id", "ss58_format", "spec_version", "transaction_version", "state_version",
        "block_time_ms", "timestamp_ms", "sudo", "balances", "registry", "mining", "stake_pool"}


def parse_genesis(text: str | bytes) -> Genesis:
    """A `Genesis` from the file's text; GenesisError naming the key/field on any defect."""
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GenesisError(f"genesis file is not valid JSON: {exc}") from None
    _keys(doc, _TOP, "")
    d = Genesis()
    state_version = _int(doc.get("state_version", d.state_version), "state_version", 0, 1)
    ss58_format = _int(doc.get("ss58_format", d.ss58_format), "ss58_format", 0, 16383)
    if ss58_format in (46, 47):
        raise GenesisError(f"ss58_format: {ss58_format} is a reserved SS58 prefix")
    ed, accounts = _balances(doc.get("balances", {}))
    mining = _mining(doc.get("mining", {}))
    merged: dict[bytes, int] = {}
    for who, amount in accounts:
        merged[who] = merged.get(who, 0) + amount
    pool = pallet_account(SUBSIDY_POOL_PALLET_ID)
    if mining["subsidy_pool"]:
        merged[pool] = merged.get(pool, 0) + mining["subsidy_pool"]
    for who, amount in merged.items():
        if amount > U128_MAX:
            raise GenesisError(f"balances: total for 0x{who.hex()} overflows u128")
    issuance = sum(merged.values())
    if issuance > U128_MAX:
        # Balances.TotalIssuance is a u128: the sum of every balance must fit it too
        raise GenesisError(f"balances: the total issuance {issuance} (accounts plus "
                           f"mining.subsidy_pool) overflows u128 (max {U128_MAX})")
    return Genesis(
        name=_str(doc.get("name", d.name), "name"),
        id=_str(doc.get("id", d.id), "id"),
        ss58_format=ss58_format,
        spec_version=_int(doc.get("spec_version", 1), "spec_version", 0, U32_MAX),
        transaction_version=_int(doc.get("transaction_version", 1), "transaction_version",
                                 0, U32_MAX),
        state_version=state_version,
        block_time_ms=_int(doc.get("block_time_ms", d.block_time_ms), "block_time_ms",
                           1, (1 << 64) - 1),
        timestamp_ms=_int(doc.get("timestamp_ms", 0), "timestamp_ms", 0, (1 << 64) - 1),
        sudo=_account(doc.get("sudo", "//Alice"), "sudo"),
        existential_deposit=ed,
        accounts=tuple(merged.items()),
        registry=_registry(doc.get("registry", {})),
        mining=mining,
        stake_pool=_stake_pool(doc.get("stake_pool", {})),
    )


def _balances(sec: Any) -> tuple[int, list[tuple[bytes, int]]]:
    _keys(sec, {"existential_deposit", "accounts"}, "balances")
    ed = _int(sec.get("existential_deposit", 1), "balances.existential_deposit", text_ok=True)
    out = []
    for i, entry in enumerate(_list(sec.get("accounts", []), "balances.accounts")):
        where = f"balances.accounts[{i}]"
        if not isinstance(entry, list) or len(entry) != 2:
            raise GenesisError(f"{where}: expected [account, balance], got {json.dumps(entry)}")
        out.append((_account(entry[0], f"{where}[0]"),
                    _int(entry[1], f"{where}[1]", text_ok=True)))
    return ed, out


_WORKER_KEYS = {"pubkey", "ecdh_pubkey", "operator", "initial_score", "confidence_level"}


def _worker(w: Any, where: str) -> Worker:
    _keys(w, _WORKER_KEYS, where)
    if "pubkey" not in w:
        raise GenesisError(f"{where}.pubkey is required")
    raw = _str(w["pubkey"], f"{where}.pubkey")
    secret_uri = None
    if raw.startswith("0x") and "/" not in raw:
        pubkey = _hex32(raw, f"{where}.pubkey")
    else:
        pubkey = _account(raw, f"{where}.pubkey")
        secret_uri = raw
    if w.get("ecdh_pubkey") is not None:
        ecdh = _hex32(w["ecdh_pubkey"], f"{where}.ecdh_pubkey")
    elif secret_uri is not None:  # a dev worker: its ECDH key derives from the same secret
        ecdh = Keypair.from_uri(secret_uri + "//ecdh").public_key
    else:
        raise GenesisError(f"{where}.ecdh_pubkey is required for a worker given as a public key")
    operator = None if w.get("operator") is None else _account(w["operator"], f"{where}.operator")
    score = w.get("initial_score")
    return Worker(
        pubkey=pubkey, ecdh_pubkey=ecdh, operator=operator,
        initial_score=None if score is None else _int(score, f"{where}.initial_score",
                                                      0, U32_MAX),
        confidence_level=_int(w.get("confidence_level", 1), f"{where}.confidence_level", 1, 5),
        secret_uri=secret_uri)


def _registry(sec: Any) -> dict[str, Any]:
    _keys(sec, {"benchmark_duration", "attestation_authority", "none_attestation_enabled",
                "gatekeepers", "workers"}, "registry")
    workers = [_worker(w, f"registry.workers[{i}]")
               for i, w in enumerate(_list(sec.get("workers", []), "registry.workers"))]
    pubkeys = [w.pubkey for w in workers]
    if len(set(pubkeys)) != len(pubkeys):
        raise GenesisError("registry.workers: the same worker pubkey appears twice")
    gks = [_account(g, f"registry.gatekeepers[{i}]")
           for i, g in enumerate(_list(sec.get("gatekeepers", []), "registry.gatekeepers"))]
    auth = sec.get("attestation_authority", "//Attestor")
    return {
        "benchmark_duration": _int(sec.get("benchmark_duration", 50),
                                   "registry.benchmark_duration", 0, U32_MAX),
        "attestation_authority": None if auth is None
        else _account(auth, "registry.attestation_authority"),
        "none_attestation_enabled": _bool(sec.get("none_attestation_enabled", False),
                                          "registry.none_attestation_enabled"),
        "gatekeepers": gks,
        "workers": workers,
    }


_TOKENOMIC_FIELDS = [f.name for f in fields(TokenomicParams)]


def _tokenomic(sec: Any) -> TokenomicParams:
    _keys(sec, set(_TOKENOMIC_FIELDS), "mining.tokenomic")
    base = default_params()
    values = {}
    for name in _TOKENOMIC_FIELDS:
        where = f"mining.tokenomic.{name}"
        if name not in sec:
            values[name] = getattr(base, name)
        elif name == "heartbeat_window":
            values[name] = _int(sec[name], where, 0, U32_MAX)
        else:
            values[name] = _fixed(sec[name], where)
    return TokenomicParams(**values)


def _mining(sec: Any) -> dict[str, Any]:
    _keys(sec, {"cool_down_period_sec", "subsidy_pool", "min_init_p", "expected_block_time_sec",
                "halving_interval", "tokenomic", "payout_mode"}, "mining")
    halving = sec.get("halving_interval")
    mode = _str(sec.get("payout_mode", "full"), "mining.payout_mode")
    if mode not in ("full", "legacy"):
        raise GenesisError(f"mining.payout_mode: expected \"full\" or \"legacy\", got {mode!r}")
    return {
        "cool_down_period_sec": _int(sec.get("cool_down_period_sec", 604800),
                                     "mining.cool_down_period_sec", 0, (1 << 64) - 1),
        "subsidy_pool": _int(sec.get("subsidy_pool", 690_000_000 * 10**12),
                             "mining.subsidy_pool", text_ok=True),
        "min_init_p": _int(sec.get("min_init_p", 1), "mining.min_init_p", 0, U32_MAX),
        "expected_block_time_sec": _int(sec.get("expected_block_time_sec", 12),
                                        "mining.expected_block_time_sec", 1, (1 << 64) - 1),
        "halving_interval": None if halving is None
        else _int(halving, "mining.halving_interval", 1, U32_MAX),
        "tokenomic": _tokenomic(sec.get("tokenomic", {})),
        "payout_mode": mode,
    }


def _stake_pool(sec: Any) -> dict[str, Any]:
    _keys(sec, {"min_contribution", "grace_period_sec", "max_pool_workers", "mining_enabled"},
          "stake_pool")
    return {
        "min_contribution": _int(sec.get("min_contribution", 10_000_000_000),
                                 "stake_pool.min_contribution", text_ok=True),
        "grace_period_sec": _int(sec.get("grace_period_sec", 604800),
                                 "stake_pool.grace_period_sec", 0, (1 << 64) - 1),
        "max_pool_workers": _int(sec.get("max_pool_workers", 200),
                                 "stake_pool.max_pool_workers", 0, U32_MAX),
        "mining_enabled": _bool(sec.get("mining_enabled", True), "stake_pool.mining_enabled"),
    }
