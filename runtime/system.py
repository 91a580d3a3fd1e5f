"""frame-system: accounts and reference counts, block bookkeeping, events (substrate.md §2.5, §8).

Block-level primitives follow FRAME's names so the executive reads like
frame-executive: `initialize`, `note_extrinsic`, `note_applied_extrinsic`,
`note_finished_extrinsics`, `finalize`.

Weights are not modelled: every extrinsic reports the fixed `EXTRINSIC_WEIGHT`
(ref_time 10^8, proof_size 0) in its DispatchInfo, and `BlockWeight` is never stored.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field
from typing import Any

from runtime.binding import placeholder
from runtime.codec import (
    ACCOUNT,
    BOOL,
    BYTES,
    H256,
    STR,
    U8,
    U16,
    U32,
    U64,
    U128,
    CEnum,
    Codec,
    Compact,
    Enum,
    EnumCodec,
    FixedBytes,
    JsonContext,
    Lazy,
    Option,
    Struct,
    StructCodec,
    Tuple,
    Variant,
    Vec,
    with_path,
)
from runtime.dispatch import (
    ARITHMETIC_ERRORS,
    SIMPLE_ERRORS,
    TOKEN_ERRORS,
    ArithmeticError_,
    ConsumerRemaining,
    DispatchError,
    ModuleError,
    NoProviders,
    Origin,
    TokenError,
    TooManyConsumers,
    decode_dispatch_error,
    ensure_root,
)
from runtime.hashing import blake2_128, blake2_256, twox64
from runtime.header import DIGEST
from runtime.pallet import Pallet, call, constants, events
from runtime.storage_items import StorageMap, StorageValue
from runtime.version import RUNTIME_VERSION, runtime_version

EXTRINSIC_INDEX_KEY = b":extrinsic_index"
GENESIS_PLACEHOLDER_HASH = b"\x45" * 32   # FRAME's hash69(), replaced by block 1
MAX_CONSUMERS = 16                        # frame_system::ConsumerLimits (ConstU32<16>)
EXTRINSIC_WEIGHT = 100_000_000            # ref_time reported for every extrinsic


@dataclass
class AccountData:
    """Classic pallet-balances account data (decision 8)."""

    free: int = 0
    reserved: int = 0
    misc_frozen: int = 0
    fee_frozen: int = 0

    @property
    def total(self) -> int:
        return self.free + self.reserved

    def is_zero(self) -> bool:
        return not (self.free or self.reserved or self.misc_frozen or self.fee_frozen)


@dataclass
class AccountInfo:
    nonce: int = 0
    consumers: int = 0
    providers: int = 0
    sufficients: int = 0
    data: AccountData = field(default_factory=AccountData)


ACCOUNT_DATA = with_path(Struct("AccountData", [("free", U128), ("reserved", U128),
                                      ("misc_frozen", U128), ("fee_frozen", U128)], AccountData),
    "pallet_balances::types::AccountData", ("Balance", U128))
_U64_MASK = (1 << 64) - 1
_ACCOUNT_LAYOUT = struct.Struct("<4I8Q")  # 4 u32 ref counts, then 4 u128 as (low, high) u64s


class AccountInfoCodec(StructCodec):
    """AccountInfo (always 80 bytes) with a struct-module fast path: it is read and
    written several times per transfer, so it dominates the executive's hot path."""

    def encode(self, v: AccountInfo) -> bytes:
        d = v.data
        try:
            return _ACCOUNT_LAYOUT.pack(
                v.nonce, v.consumers, v.providers, v.sufficients,
                d.free & _U64_MASK, d.free >> 64, d.reserved & _U64_MASK, d.reserved >> 64,
                d.misc_frozen & _U64_MASK, d.misc_frozen >> 64,
                d.fee_frozen & _U64_MASK, d.fee_frozen >> 64)
        except struct.error:
            return super().encode(v)  # out of range: the generic path names the field

    def decode_from(self, data: bytes, offset: int) -> tuple[AccountInfo, int]:
        if len(data) - offset < 80:
            return super().decode_from(data, offset)  # type: ignore[no-any-return]
        n, c, p, s, f0, f1, r0, r1, m0, m1, e0, e1 = _ACCOUNT_LAYOUT.unpack_from(data, offset)
        return AccountInfo(n, c, p, s, AccountData(f0 | f1 << 64, r0 | r1 << 64,
                                                   m0 | m1 << 64, e0 | e1 << 64)), offset + 80


ACCOUNT_INFO = with_path(AccountInfoCodec(
    "AccountInfo", [("nonce", U32), ("consumers", U32), ("providers", U32),
                    ("sufficients", U32), ("data", ACCOUNT_DATA)], AccountInfo),
    "frame_system::AccountInfo", ("Nonce", U32), ("AccountData", ACCOUNT_DATA))


class DispatchClass(enum.IntEnum):
    Normal = 0
    Operational = 1
    Mandatory = 2


class Pays(enum.IntEnum):
    Yes = 0
    No = 1


WEIGHT = with_path(Struct("Weight", [("ref_time", Compact(U64)), ("proof_size", Compact(U64))]),
    "sp_weights::weight_v2::Weight")
DISPATCH_CLASS = with_path(CEnum(DispatchClass), "frame_support::dispatch::DispatchClass")
PAYS = with_path(CEnum(Pays), "frame_support::dispatch::Pays")
DISPATCH_INFO = with_path(Struct("DispatchInfo", [("weight", WEIGHT), ("class", DISPATCH_CLASS),
                                                  ("pays_fee", PAYS)]),
                          "frame_support::dispatch::DispatchInfo")
PHASE = with_path(Enum("Phase", [("ApplyExtrinsic", U32), ("Finalization", None),
                       ("Initialization", None)]), "frame_system::Phase")

# -- block limits, as FRAME's System constants describe them -------------------------------
# Weights are not modelled (module docstring): the limits advertise a 2 s, 5 MiB block,
# nothing is charged per storage access, and no limit is ever enforced.
MAX_BLOCK_WEIGHT = {"ref_time": 2_000_000_000_000, "proof_size": 5 * 1024 * 1024}
MAX_BLOCK_LENGTH = 5 * 1024 * 1024
_WEIGHTS_PER_CLASS = with_path(Struct("WeightsPerClass", [
    ("base_extrinsic", WEIGHT), ("max_extrinsic", Option(WEIGHT)),
    ("max_total", Option(WEIGHT)), ("reserved", Option(WEIGHT))]),
    "frame_system::limits::WeightsPerClass")


def _per_class(item: Codec) -> Codec:
    return with_path(Struct("PerDispatchClass", [
        ("normal", item), ("operational", item), ("mandatory", item)]),
        "frame_support::dispatch::PerDispatchClass", ("T", item))


BLOCK_WEIGHTS = with_path(Struct("BlockWeights", [
    ("base_block", WEIGHT), ("max_block", WEIGHT), ("per_class", _per_class(_WEIGHTS_PER_CLASS))]),
    "frame_system::limits::BlockWeights")
BLOCK_LENGTH = with_path(Struct("BlockLength", [("max", _per_class(U32))]),
                         "frame_system::limits::BlockLength")
DB_WEIGHT = with_path(Struct("RuntimeDbWeight", [("read", U64), ("write", U64)]),
                      "sp_weights::RuntimeDbWeight")


def block_weights() -> dict[str, Any]:
    zero = {"ref_time": 0, "proof_size": 0}
    limited = {"base_extrinsic": zero, "max_extrinsic": MAX_BLOCK_WEIGHT,
               "max_total": MAX_BLOCK_WEIGHT, "reserved": None}
    mandatory = {"base_extrinsic": zero, "max_extrinsic": None, "max_total": None,
                 "reserved": None}
    return {"base_block": zero, "max_block": MAX_BLOCK_WEIGHT,
            "per_class": {"normal": limited, "operational": limited, "mandatory": mandatory}}


LAST_RUNTIME_UPGRADE = with_path(Struct("LastRuntimeUpgradeInfo",
                              [("spec_version", Compact(U32)), ("spec_name", STR)]),
    "frame_system::LastRuntimeUpgradeInfo")


def dispatch_info(mandatory: bool = False) -> dict[str, Any]:
    """The DispatchInfo every extrinsic reports (fixed weight; inherents are Mandatory)."""
    return {"weight": {"ref_time": EXTRINSIC_WEIGHT, "proof_size": 0},
            "class": DispatchClass.Mandatory if mandatory else DispatchClass.Normal,
            "pays_fee": Pays.Yes}


# Module errors are written as [3, pallet index, error index, 0, 0, 0]: `error` is the
# error's index in its first byte, then zeros (FRAME's 4-byte module error).
MODULE_ERROR = with_path(Struct("ModuleError", [("index", U8), ("error", FixedBytes(4))]),
                         "sp_runtime::ModuleError")
TOKEN_ERROR = with_path(EnumCodec("TokenError", [(n, None) for n in TOKEN_ERRORS]),
                        "sp_runtime::TokenError")
ARITHMETIC_ERROR = with_path(EnumCodec("ArithmeticError", [(n, None) for n in ARITHMETIC_ERRORS]),
                             "sp_arithmetic::ArithmeticError")


class DispatchErrorCodec(Codec):
    """sp_runtime::DispatchError as a `runtime.dispatch.DispatchError` value.

    Module errors need the runtime's pallet indices and error names: `DISPATCH_ERROR`
    is the declared placeholder, each runtime resolves it to one bound to itself.
    """

    type_string = "DispatchError"
    path = "sp_runtime::DispatchError"

    def __init__(self, rt: Any = None) -> None:
        self.rt = rt

    def encode(self, value: DispatchError) -> bytes:
        return value.encode(self.rt.pallet_index_of)

    def decode_from(self, data: bytes, offset: int) -> tuple[DispatchError, int]:
        return decode_dispatch_error(data, offset, self.rt.pallet_errors())

    def to_json(self, value: DispatchError, ctx: JsonContext) -> str:
        return value.describe()

    def metadata_twin(self) -> Codec:
        """sp_runtime::DispatchError as far as this codec reads and writes it, byte for byte."""
        variants: list[tuple[str, Codec | None, int]] = [
            (cls.label, None, idx) for idx, cls in SIMPLE_ERRORS.items()]
        variants += [("Module", MODULE_ERROR, ModuleError.variant),
                     ("Token", TOKEN_ERROR, TokenError.variant),
                     ("Arithmetic", ARITHMETIC_ERROR, ArithmeticError_.variant)]
        variants.sort(key=lambda v: v[2])
        return EnumCodec("DispatchError", variants)


DISPATCH_ERROR = placeholder(DispatchErrorCodec())
RUNTIME_EVENT = placeholder(Lazy("RuntimeEvent"))
EVENT_RECORD = with_path(Struct("EventRecord", [("phase", PHASE), ("event", RUNTIME_EVENT),
                                      ("topics", Vec(H256))]),
    "frame_system::EventRecord", ("E", RUNTIME_EVENT), ("T", H256))
EVENT_RECORDS = Vec(EVENT_RECORD)


class System(Pallet):
    NAME = "System"
    CRATE = "frame_system"
    CONSTANTS = constants(
        ("BlockHashCount", U32, lambda cfg: cfg.block_hash_count,
         "Maximum number of block number to block hash mappings to keep (oldest pruned first)."),
        ("Version", RUNTIME_VERSION, runtime_version, "Get the chain's current version."),
        ("SS58Prefix", U16, lambda cfg: cfg.ss58_format,
         "The designated SS58 prefix of this chain."),
        ("BlockWeights", BLOCK_WEIGHTS, lambda cfg: block_weights(),
         "Block and extrinsic weight limits (advertised; weights are not modelled)."),
        ("BlockLength", BLOCK_LENGTH,
         lambda cfg: {"max": dict.fromkeys(("normal", "operational", "mandatory"),
                                           MAX_BLOCK_LENGTH)},
         "The maximum length of a block (in bytes)."),
        ("DbWeight", DB_WEIGHT, lambda cfg: {"read": 0, "write": 0},
         "The weight of runtime database operations (zero: not modelled)."),
    )
    EVENTS = events(
        ("ExtrinsicSuccess", [("dispatch_info", DISPATCH_INFO)], "An extrinsic completed."),
        ("ExtrinsicFailed", [("dispatch_error", DISPATCH_ERROR),
                             ("dispatch_info", DISPATCH_INFO)], "An extrinsic failed."),
        ("CodeUpdated", [], "`:code` was updated."),
        ("NewAccount", [("account", ACCOUNT)], "A new account was created."),
        ("KilledAccount", [("account", ACCOUNT)], "An account was reaped."),
        ("Remarked", [("sender", ACCOUNT), ("hash", H256)], "On-chain remark happened."),
    )

    Account = StorageMap("Blake2_128Concat", ACCOUNT, ACCOUNT_INFO, default=AccountInfo)
    ExtrinsicCount = StorageValue(U32)
    AllExtrinsicsLen = StorageValue(U32)
    BlockHash = StorageMap("Twox64Concat", U32, H256, default=bytes(32))
    ExtrinsicData = StorageMap("Twox64Concat", U32, BYTES, default=b"")
    Number = StorageValue(U32, default=0)
    ParentHash = StorageValue(H256, default=bytes(32))
    Digest = StorageValue(DIGEST, default=lambda: {"logs": []})
    Events = StorageValue(EVENT_RECORDS, default=list)
    EventCount = StorageValue(U32, default=0)
    EventTopics = StorageMap("Blake2_128Concat", H256, Vec(Tuple(U32, U32)), default=list)
    LastRuntimeUpgrade = StorageValue(LAST_RUNTIME_UPGRADE)
    UpgradedToU32RefCount = StorageValue(BOOL, default=False)
    UpgradedToTripleRefCount = StorageValue(BOOL, default=False)
    ExecutionPhase = StorageValue(PHASE)

    def __init__(self, rt: Any, index: int) -> None:
        super().__init__(rt, index)
        self._account_keys: dict[bytes, bytes] = {}

    def genesis_build(self, section: Any = None) -> None:
        """FRAME's System genesis: the 0x45 placeholder hashes and `:extrinsic_index` = 0."""
        self.BlockHash.insert(0, GENESIS_PLACEHOLDER_HASH)
        self.ParentHash.put(GENESIS_PLACEHOLDER_HASH)
        self.LastRuntimeUpgrade.put({"spec_version": self.rt.config.spec_version,
                                     "spec_name": self.rt.config.spec_name})
        self.UpgradedToU32RefCount.put(True)
        self.UpgradedToTripleRefCount.put(True)
        self.rt.state.set(EXTRINSIC_INDEX_KEY, U32.encode(0))

    # -- calls ----------------------------------------------------------------------
    @call(0, ("remark", BYTES))
    def remark(self, origin: Origin, remark: bytes) -> None:
        """Make some on-chain remark (any origin, no effect)."""

    @call(4, ("items", Vec(Tuple(BYTES, BYTES))))
    def set_storage(self, origin: Origin, items: list[tuple[bytes, bytes]]) -> None:
        """Set some items of storage (raw keys and values; Root only, no event)."""
        ensure_root(origin)
        for key, value in items:
            self.rt.state.set(key, value)
        self.rt.forget_cached_state()

    @call(5, ("keys", Vec(BYTES)))
    def kill_storage(self, origin: Origin, keys: list[bytes]) -> None:
        """Kill some items from storage (raw keys; Root only, no event)."""
        ensure_root(origin)
        for key in keys:
            self.rt.state.delete(key)
        self.rt.forget_cached_state()

    @call(6, ("prefix", BYTES), ("subkeys", U32))
    def kill_prefix(self, origin: Origin, prefix: bytes, subkeys: int) -> None:
        """Kill all storage items with a key that starts with `prefix`: those written in
        this block, and at most `subkeys` of the committed ones (Root only, no event)."""
        ensure_root(origin)
        self.rt.state.clear_prefix_limited(prefix, subkeys)
        self.rt.forget_cached_state()

    @call(7, ("remark", BYTES))
    def remark_with_event(self, origin: Origin, remark: bytes) -> None:
        """Make an on-chain remark and emit Remarked{sender, blake2_256(remark)}."""
        from runtime.dispatch import ensure_signed

        who = ensure_signed(origin)
        self.deposit_event("Remarked", sender=who, hash=blake2_256(remark))

    # -- accounts ---------------------------------------------------------------------
    def _account_key(self, who: bytes) -> bytes:
        key = self._account_keys.get(who)
        if key is None:
            if len(self._account_keys) > 100_000:
                self._account_keys.clear()
            key = self._account_keys[who] = self.Account.prefix + blake2_128(who) + who
        return key

    def account(self, who: bytes) -> AccountInfo:
        """The account's info (a default, zero one when it does not exist)."""
        raw = self.rt.state.get(self._account_key(who))
        return AccountInfo() if raw is None else ACCOUNT_INFO.decode(raw)

    def put_account(self, who: bytes, info: AccountInfo) -> None:
        """Store the account's info (System.Account insert)."""
        self.rt.state.set(self._account_key(who), ACCOUNT_INFO.encode(info))

    def account_exists(self, who: bytes) -> bool:
        return self.Account.contains(who)  # type: ignore[no-any-return]

    def block_hash(self, number: int) -> bytes | None:
        """BlockHash(number), or None when not (or no longer) stored."""
        key = U32.encode(number)
        return self.rt.state.get(self.BlockHash.prefix + twox64(key) + key)  # type: ignore[no-any-return]

    def nonce(self, who: bytes) -> int:
        return self.account(who).nonce

    def inc_account_nonce(self, who: bytes) -> None:
        info = self.account(who)
        info.nonce += 1
        self.put_account(who, info)

    def inc_providers(self, who: bytes) -> bool:
        """Add a provider; True (and NewAccount) when this created the account."""
        info = self.account(who)
        created = info.providers == 0 and info.sufficients == 0
        info.providers += 1
        self.put_account(who, info)
        if created:
            self.deposit_event("NewAccount", account=who)
        return created

    def dec_providers(self, who: bytes) -> bool:
        """Remove a provider; True when this reaped the account (KilledAccount).

        Raises ConsumerRemaining when the last provider goes while consumers remain.
        """
        info = self.account(who)
        if info.providers == 0:
            return False  # FRAME logs "Logic error: Unexpected underflow" and keeps going
        if info.providers == 1 and info.consumers > 0:
            raise ConsumerRemaining()
        if info.providers == 1 and info.sufficients == 0:
            self.Account.remove(who)
            self.deposit_event("KilledAccount", account=who)
            return True
        info.providers -= 1
        self.put_account(who, info)
        return False

    def inc_consumers(self, who: bytes) -> None:
        """Raises NoProviders for an account without providers, TooManyConsumers at the limit."""
        info = self.account(who)
        if info.providers == 0:
            raise NoProviders()
        if info.consumers >= MAX_CONSUMERS:
            raise TooManyConsumers()
        info.consumers += 1
        self.put_account(who, info)

    def inc_consumers_without_limit(self, who: bytes) -> None:
        """Raises NoProviders for an account without providers."""
        info = self.account(who)
        if info.providers == 0:
            raise NoProviders()
        info.consumers += 1
        self.put_account(who, info)

    def dec_consumers(self, who: bytes) -> None:
        info = self.account(who)
        if info.consumers > 0:
            info.consumers -= 1
            self.put_account(who, info)

    def can_dec_provider(self, who: bytes) -> bool:
        info = self.account(who)
        return info.consumers == 0 or info.providers > 1

    # -- events -----------------------------------------------------------------------
    def deposit_event_raw(self, encoded_event: bytes, phase: Variant) -> None:
        """Append an EventRecord without decoding Events; nothing is recorded at block 0."""
        state = self.rt.state
        number = state.get(self.Number.prefix)
        if number is None or number == b"\0\0\0\0":
            return
        count_key = self.EventCount.prefix
        count = state.get(count_key)
        state.set(count_key, U32.encode(1 + (0 if count is None else U32.decode(count))))
        self.Events.append_raw(PHASE.encode(phase) + encoded_event + b"\x00")

    def event_records(self) -> list[dict[str, Any]]:
        """The decoded EventRecords of the current block: {phase, event, topics}."""
        return self.Events.get()  # type: ignore[no-any-return]

    # -- block bookkeeping (called by the executive) ----------------------------------
    def _set_phase(self, phase: Variant) -> None:
        self.rt.phase = phase
        self.ExecutionPhase.put(phase)

    def extrinsic_index(self) -> int:
        raw = self.rt.state.get(EXTRINSIC_INDEX_KEY)
        return 0 if raw is None else int.from_bytes(raw, "little")

    def initialize(self, number: int, parent_hash: bytes, digest_logs: list[Any]) -> None:
        """Start block `number`: FRAME's System::initialize (substrate.md §8.1 step 1)."""
        self._set_phase(Variant("Initialization"))
        self.rt.state.set(EXTRINSIC_INDEX_KEY, U32.encode(0))
        self.Number.put(number)
        self.Digest.put({"logs": list(digest_logs)})
        self.ParentHash.put(parent_hash)
        self.BlockHash.insert(number - 1, parent_hash)
        self.Events.kill()
        self.EventCount.kill()
        self.EventTopics.clear()

    def note_extrinsic(self, encoded: bytes) -> None:
        """Keep the extrinsic being applied for the extrinsics root (ExtrinsicData(i))."""
        self.ExtrinsicData.insert(self.extrinsic_index(), encoded)
        self.AllExtrinsicsLen.put((self.AllExtrinsicsLen.get() or 0) + len(encoded))

    def note_applied_extrinsic(self, error: DispatchError | None, info: dict[str, Any]) -> None:
        """Record the outcome event and move to the next extrinsic index."""
        if error is None:
            self.deposit_event("ExtrinsicSuccess", dispatch_info=info)
        else:
            self.deposit_event("ExtrinsicFailed", dispatch_error=error, dispatch_info=info)
        nxt = self.extrinsic_index() + 1
        self.rt.state.set(EXTRINSIC_INDEX_KEY, U32.encode(nxt))
        self._set_phase(Variant("ApplyExtrinsic", nxt))

    def note_finished_extrinsics(self) -> None:
        """Move `:extrinsic_index` into ExtrinsicCount; phase Finalization."""
        count = self.extrinsic_index()
        self.rt.state.delete(EXTRINSIC_INDEX_KEY)
        self.ExtrinsicCount.put(count)
        self._set_phase(Variant("Finalization"))

    def finalize(self) -> list[bytes]:
        """FRAME's System::finalize: drop transient items, prune BlockHash.

        Returns the block's encoded extrinsics (for the extrinsics root).
        """
        self.ExecutionPhase.kill()
        self.AllExtrinsicsLen.kill()
        count = self.ExtrinsicCount.take() or 0
        extrinsics = [self.ExtrinsicData.take(i) for i in range(count)]
        to_remove = self.Number.get() - self.rt.config.block_hash_count - 1
        if to_remove > 0:
            self.BlockHash.remove(to_remove)
        return extrinsics
