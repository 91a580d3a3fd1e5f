"""Our start-up-built codecs agree byte for byte with `scalecodec` (the PyPI SCALE library).

Each codec tree is translated into a scalecodec type string (structs and enums are
registered as custom types), values are drawn by Hypothesis from the same tree, and
both directions are checked: our encoding equals scalecodec's, and our decoder reads
scalecodec's bytes back to the original value.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalecodec.base import RuntimeConfigurationObject, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

from pallets.messages import (
    MESSAGE,
    SETTLE_INFO,
    SIGNED_MESSAGE,
    TOKENOMIC_PARAMETERS,
    WORKER_EVENT,
    WORKING_INFO_UPDATE_EVENT,
    WORKING_REPORT_EVENT,
)
from pallets.mining.gk_state import GK_WORKER
from pallets.mining.types import MINER_INFO
from pallets.registry.types import WORKER_INFO, WORKER_REGISTRATION_INFO
from pallets.stake_pool.types import POOL_INFO, USER_STAKE_INFO, WITHDRAW_INFO
from runtime import codec as c

_names = itertools.count()


class Translator:
    """Our codec tree -> (scalecodec type string, registry of custom types)."""

    def __init__(self) -> None:
        self.types: dict[str, Any] = {}

    def type_of(self, k: c.Codec) -> str:  # noqa: PLR0911 - one case per codec kind
        if isinstance(k, c.CompactCodec):
            return f"Compact<{self.type_of(k.inner)}>"
        if isinstance(k, c.UInt):
            return f"u{k.bits}"
        if isinstance(k, c.BoolCodec):
            return "bool"
        if isinstance(k, c.BytesCodec):
            return "Bytes"
        if isinstance(k, c.StrCodec):
            return "String"
        if isinstance(k, c.FixedBytes):
            return f"[u8; {k.n}]"
        if isinstance(k, c.OptionCodec):
            return f"Option<{self.type_of(k.inner)}>"
        if isinstance(k, c.VecCodec):
            return f"Vec<{self.type_of(k.inner)}>"
        if isinstance(k, c.TupleCodec):
            return "(" + ", ".join(self.type_of(i) for i in k.items) + ")"
        if isinstance(k, c.StructCodec):
            name = f"T{next(_names)}"
            self.types[name] = {"type": "struct",
                                "type_mapping": [[n, self.type_of(f)] for n, f in k.fields]}
            return name
        if isinstance(k, c.EnumCodec):
            name = f"T{next(_names)}"
            mapping = []
            for i in range(max(k.by_index) + 1):  # scalecodec indexes by position: fill gaps
                if i not in k.by_index:
                    mapping.append([f"_Gap{i}", "Null"])
                    continue
                vname, payload = k.by_index[i]
                mapping.append([vname, "Null" if payload is None else self.type_of(payload)])
            self.types[name] = {"type": "enum", "type_mapping": mapping}
            return name
        if isinstance(k, c.CEnum):
            name = f"T{next(_names)}"
            self.types[name] = {"type": "enum", "value_list": [m.name for m in k.cls]}
            return name
        if isinstance(k, c.Lazy):
            assert k.target is not None
            return self.type_of(k.target)
        raise TypeError(f"no scalecodec translation for {k!r}")


def strategy(k: c.Codec) -> st.SearchStrategy[Any]:
    """Values of our representation for codec k."""
    if isinstance(k, c.PermillCodec):
        return st.integers(0, 1_000_000)
    if isinstance(k, c.CompactCodec):
        return strategy(k.inner)
    if isinstance(k, c.UInt):
        return st.integers(0, k.max)
    if isinstance(k, c.BoolCodec):
        return st.booleans()
    if isinstance(k, c.BytesCodec):
        return st.binary(max_size=40 if k.max_len is None else min(40, k.max_len))
    if isinstance(k, c.StrCodec):
        return st.text(max_size=12)
    if isinstance(k, c.FixedBytes):
        return st.binary(min_size=k.n, max_size=k.n)
    if isinstance(k, c.OptionCodec):
        return st.none() | strategy(k.inner)
    if isinstance(k, c.VecCodec):
        return st.lists(strategy(k.inner), max_size=3)
    if isinstance(k, c.TupleCodec):
        return st.tuples(*(strategy(i) for i in k.items))
    if isinstance(k, c.StructCodec):
        fields = {n: strategy(f) for n, f in k.fields}
        return st.fixed_dictionaries(fields).map(
            lambda kv, cls=k.cls: cls(**kv) if cls is not None else kv)
    if isinstance(k, c.EnumCodec):
        options = [st.just(c.Variant(n)) if p is None
                   else strategy(p).map(lambda v, n=n: c.Variant(n, v))
                   for n, p in k.by_index.values()]
        return st.one_of(options)
    if isinstance(k, c.CEnum):
        return st.sampled_from(list(k.cls))
    raise TypeError(f"no strategy for {k!r}")


def to_scalecodec(k: c.Codec, v: Any) -> Any:
    """Our value -> the value scalecodec's encoder takes."""
    if isinstance(k, c.CompactCodec | c.UInt | c.BoolCodec | c.StrCodec):
        return v
    if isinstance(k, c.BytesCodec | c.FixedBytes):
        return "0x" + v.hex()
    if isinstance(k, c.OptionCodec):
        return None if v is None else to_scalecodec(k.inner, v)
    if isinstance(k, c.VecCodec):
        return [to_scalecodec(k.inner, x) for x in v]
    if isinstance(k, c.TupleCodec):
        return tuple(to_scalecodec(i, x) for i, x in zip(k.items, v, strict=True))
    if isinstance(k, c.StructCodec):
        get = v.get if isinstance(v, dict) else (lambda n: getattr(v, n))
        return {n: to_scalecodec(f, get(n)) for n, f in k.fields}
    if isinstance(k, c.EnumCodec):
        _, payload = k.by_name[v.name]
        return v.name if payload is None else {v.name: to_scalecodec(payload, v.value)}
    if isinstance(k, c.CEnum):
        return k.cls(v).name
    raise TypeError(f"no conversion for {k!r}")


CODECS: dict[str, c.Codec] = {
    "u8": c.U8, "u16": c.U16, "u32": c.U32, "u64": c.U64, "u128": c.U128,
    "Compact<u32>": c.Compact(c.U32), "Compact<u128>": c.Compact(c.U128),
    "bool": c.BOOL, "Bytes": c.BYTES, "String": c.STR, "H256": c.H256,
    "Option<u32>": c.Option(c.U32), "Option<bool>": c.Option(c.BOOL),
    "Vec<u16>": c.Vec(c.U16), "(u64, AccountId)": c.Tuple(c.U64, c.ACCOUNT),
    "PoolInfo": POOL_INFO, "UserStakeInfo": USER_STAKE_INFO, "WithdrawInfo": WITHDRAW_INFO,
    "MinerInfo": MINER_INFO, "WorkerInfo": WORKER_INFO,
    "WorkerRegistrationInfo": WORKER_REGISTRATION_INFO,
    "TokenomicParameters": TOKENOMIC_PARAMETERS, "SettleInfo": SETTLE_INFO,
    "WorkingInfoUpdateEvent": WORKING_INFO_UPDATE_EVENT,
    "WorkingReportEvent": WORKING_REPORT_EVENT, "WorkerEvent": WORKER_EVENT,
    "GkWorker": GK_WORKER, "Message": MESSAGE, "SignedMessage": SIGNED_MESSAGE,
}


def _runtime_config(k: c.Codec) -> tuple[RuntimeConfigurationObject, str]:
    tr = Translator()
    type_string = tr.type_of(k)
    rc = RuntimeConfigurationObject()
    rc.update_type_registry(load_type_registry_preset("core"))
    rc.update_type_registry({"types": tr.types})
    return rc, type_string


@pytest.mark.parametrize("name", sorted(CODECS))
def test_codec_matches_scalecodec(name: str) -> None:
    k = CODECS[name]
    rc, type_string = _runtime_config(k)

    @settings(max_examples=40, deadline=None)
    @given(strategy(k))
    def check(value: Any) -> None:
        ours = k.encode(value)
        theirs = rc.create_scale_object(type_string).encode(to_scalecodec(k, value))
        assert "0x" + ours.hex() == theirs.to_hex()
        back = k.decode(bytes(theirs.data))
        if dataclasses.is_dataclass(value) or not isinstance(value, dict):
            assert back == value
        # and scalecodec reads our bytes without leftovers
        obj = rc.create_scale_object(type_string, data=ScaleBytes(ours))
        obj.decode(check_remaining=True)

    check()


def test_pool_info_bytes_match_a_hand_built_encoding() -> None:
    """A fixed PoolInfo, encoded by hand from stake_pool.md §4.1's field table."""
    owner = bytes(range(32))
    worker = bytes([7]) * 32
    value = POOL_INFO.decode(
        (5).to_bytes(8, "little") + owner + b"\x01" + (600_000).to_bytes(4, "little")
        + (6).to_bytes(16, "little") + b"\x00" + (1 << 64).to_bytes(16, "little")
        + (7).to_bytes(16, "little") * 4 + b"\x04" + worker + b"\x00")
    rc, type_string = _runtime_config(POOL_INFO)
    theirs = rc.create_scale_object(type_string).encode(to_scalecodec(POOL_INFO, value))
    assert bytes(theirs.data) == POOL_INFO.encode(value)
    assert value.payout_commission == 600_000 and value.workers == [worker]
