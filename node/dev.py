"""Chain-level dev operations behind `dev_setStorage`, `dev_timeTravel`, `dev_setHead`.

Unlike a fork tool, the chain stays verifiable: a storage override is a block whose
extrinsic is `Sudo.sudo(System.set_storage / kill_storage)` signed by the sudo key; time
travel only moves the next block's timestamp inherent; a rewind drops blocks and
restores the state of an earlier one. `export-blocks` + `replay` reproduce the head after
any of them. Every function raises ValueError with a clear message on bad input, and
then changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from node.blockstore import BLOCK, HASH_OF, HEAD, NEXT_TIMESTAMP, NUMBER_OF
from node.chain import Chain
from node.cli.cmd_query import key_codecs
from node.keystore import Keystore
from node.pool import sign_call
from runtime.codec import TupleCodec
from runtime.scale import ScaleDecodeError
from storage.trie.nodes import MissingNodeError

Changes = list[tuple[bytes, bytes | None]]
MAX_U64 = (1 << 64) - 1


# -- dev_setStorage ---------------------------------------------------------------------
def set_storage_extrinsics(chain: Chain, changes: Changes) -> list[bytes]:
    """The sudo-signed extrinsics that make `changes` (key -> value, None = delete):
    `Sudo.sudo(System.set_storage(items))` for the values, then
    `Sudo.sudo(System.kill_storage(keys))` for the deletions — one or two extrinsics,
    with consecutive nonces, for the same block (there is no Utility pallet to batch
    them). A key given twice takes its last value.

    Raises ValueError for no changes, a chain without a sudo key, or a sudo key whose
    secret the node does not hold (neither the keystore nor the genesis file has it).
    """
    if not changes:
        raise ValueError("no storage changes given")
    last = dict(changes)
    sets = [(k, v) for k, v in last.items() if v is not None]
    kills = [k for k, v in last.items() if v is None]
    rt = chain.rt
    sudo = rt["Sudo"].Key.get()
    if sudo is None:
        raise ValueError("the chain has no sudo key (Sudo.Key is empty)")
    signer = Keystore(chain).signer(sudo)
    if signer is None:
        raise ValueError(f"the node holds no secret for the sudo key {chain.ctx.ss58(sudo)} "
                         "(neither its genesis file nor its keystore gives a secret URI for it)")
    calls = []
    if sets:
        calls.append(rt.make_call("System", "set_storage", items=sets))
    if kills:
        calls.append(rt.make_call("System", "kill_storage", keys=kills))
    nonce = chain.next_nonce(sudo)
    decl = rt.call_decl("Sudo", "sudo")
    out = []
    for i, inner in enumerate(calls):
        call = rt.make_call("Sudo", "sudo", **{decl.args[0][0]: inner})
        out.append(sign_call(chain, signer, call, nonce=nonce + i))
    return out


def set_storage_extrinsic(chain: Chain, changes: Changes) -> bytes:
    """The one extrinsic of `set_storage_extrinsics` when `changes` only sets or only
    deletes; ValueError when it does both (use `set_storage_extrinsics`, two extrinsics)."""
    last = dict(changes)
    if None in last.values() and any(v is not None for v in last.values()):
        raise ValueError("changes that both set and delete keys take two extrinsics "
                         "(node.dev.set_storage_extrinsics)")
    return set_storage_extrinsics(chain, changes)[0]


def parse_storage_changes(chain: Chain, param: Any) -> Changes:
    """The changes a `dev_setStorage` parameter denotes (rpc.md §6), in the given order:

    * `[[key, value | null], …]`: raw `0x` hex storage keys and SCALE values;
    * `{Pallet: {Item: value | [[[key, …], value], …]}}`: storage items by name, values
      and keys in the CLI's JSON conventions (accounts as SS58, 0x hex or secret URI);
      a map takes a list of `[[keys…], value]` entries. `null` deletes. A JSON object
      given for a struct value is merged into the stored value (its default when
      absent), so `{"data": {"free": 10}}` changes only the free balance. The merge reads
      the state now: overriding the sudo key's own account also sets its nonce back to
      the value before the sudo extrinsic that carries the override.

    Raises ValueError naming the entry, pallet, item or key that is wrong.
    """
    if isinstance(param, list):
        return [_raw_change(i, entry) for i, entry in enumerate(param)]
    if isinstance(param, dict):
        out: Changes = []
        for pallet, items in param.items():
            out.extend(_pallet_changes(chain, pallet, items))
        return out
    raise ValueError("storage changes must be [[key, value|null], ...] or "
                     "{Pallet: {Item: value}}")


def _hex(text: Any, what: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("0x"):
        raise ValueError(f"{what} is not 0x hex: {text!r}")
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        raise ValueError(f"{what} is not 0x hex: {text!r}") from None


def _raw_change(i: int, entry: Any) -> tuple[bytes, bytes | None]:
    if not isinstance(entry, list) or len(entry) != 2:
        raise ValueError(f"change {i}: expected [key, value|null], got {entry!r}")
    key = _hex(entry[0], f"change {i}: key")
    return key, None if entry[1] is None else _hex(entry[1], f"change {i}: value")


def _pallet_changes(chain: Chain, pallet: str, items: Any) -> Changes:
    rt = chain.rt
    if pallet not in rt.pallets:
        raise ValueError(f"unknown pallet {pallet!r} (one of {sorted(rt.pallets)})")
    if not isinstance(items, dict):
        raise ValueError(f"{pallet}: expected {{Item: value}}, got {items!r}")
    declared = type(rt.pallets[pallet]).storage_items()
    out: Changes = []
    for name, given in items.items():
        if name not in declared:
            raise ValueError(f"{pallet} has no storage item {name!r} (one of {sorted(declared)})")
        decl = declared[name]
        where = f"{pallet}.{name}"
        if decl.kind != "map":
            key = decl.prefix(pallet)
            out.append((key, _value(chain, decl, key, given, where)))
            continue
        if not isinstance(given, list):
            raise ValueError(f"{where} is a map: expected [[[keys...], value], ...], got {given!r}")
        for j, entry in enumerate(given):
            if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], list):
                raise ValueError(f"{where} entry {j}: expected [[keys...], value], got {entry!r}")
            key = decl.prefix(pallet) + decl.key_suffix(_key_parts(chain, decl, entry[0], where))
            out.append((key, _value(chain, decl, key, entry[1], f"{where} entry {j}")))
    return out


def _key_parts(chain: Chain, decl: Any, given: list[Any], where: str) -> list[Any]:
    """The map's key parts from JSON: one per key, or a tuple key's elements flat."""
    tuple_key = len(decl.keys) == 1 and isinstance(decl.keys[0][1], TupleCodec)
    codecs = key_codecs(decl) if tuple_key and len(given) != 1 else \
        [(f"key{i + 1}", c) for i, (_, c) in enumerate(decl.keys)]
    if len(given) != len(codecs):
        raise ValueError(f"{where} takes {len(codecs)} key(s), got {len(given)}: {given!r}")
    parts = []
    for (name, codec), value in zip(codecs, given, strict=True):
        try:
            parts.append(codec.from_json(value, chain.ctx))
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"{where} {name} ({codec.type_string}): {exc}") from None
    return [tuple(parts)] if tuple_key and len(codecs) != 1 else parts


def _value(chain: Chain, decl: Any, key: bytes, given: Any, where: str) -> bytes | None:
    if given is None:
        return None
    codec = chain.rt.resolve(decl.value)  # as this runtime completes it (RuntimeEvent…)
    if isinstance(given, dict):
        base = _current_json(chain, decl, key)
        if isinstance(base, dict):
            given = _merge(base, given)
    try:
        return codec.encode(codec.from_json(given, chain.ctx))  # type: ignore[no-any-return]
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise ValueError(f"{where} value ({codec.type_string}): {exc}") from None


def _current_json(chain: Chain, decl: Any, key: bytes) -> Any:
    """The stored value (else the item's default, else the codec's) as JSON, or None."""
    raw = chain.state.overlay.get(key)
    codec = chain.rt.resolve(decl.value)
    try:
        if raw is not None:
            value = codec.decode(raw)
        else:
            value = decl.default()
            if value is None:
                value = codec.default()
    except ScaleDecodeError:
        return None
    return codec.to_json(value, chain.ctx)


def _merge(base: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in given.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) \
            else v
    return out


# -- dev_timeTravel ---------------------------------------------------------------------
def parse_time(when: Any) -> int:
    """Milliseconds since the epoch from an integer or an ISO 8601 date string (UTC when
    it names no zone); ValueError otherwise."""
    if isinstance(when, bool):
        raise ValueError(f"not a time: {when!r}")
    if isinstance(when, float) and when.is_integer():
        when = int(when)
    if isinstance(when, int):
        if not 0 <= when <= MAX_U64:
            raise ValueError(f"time {when} ms is out of range")
        return when
    if isinstance(when, str):
        try:
            dt = datetime.fromisoformat(when.strip())
        except ValueError:
            raise ValueError(f"not a time in ms or an ISO 8601 date: {when!r}") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return parse_time(round(dt.timestamp() * 1000))
    raise ValueError(f"not a time in ms or an ISO 8601 date: {when!r}")


def time_travel(chain: Chain, when_ms: int | str) -> int:
    """Make `when_ms` (ms, or an ISO date string) the next authored block's timestamp;
    blocks after it advance by the block time from there. Stored as a node record, so
    it survives a restart until the next block uses it (and a rewind, as the pool does).
    Returns the timestamp. ValueError unless it is after the head's timestamp.
    """
    ms = parse_time(when_ms)
    head = chain.head()
    now = chain.timestamp_at(head)
    if ms <= now:
        raise ValueError(f"time travel to {ms} ms: it must be after the head's timestamp "
                         f"{now} ms (block #{head.number})")
    chain.backend.write_batch({NEXT_TIMESTAMP: ms.to_bytes(8, "little")}, ())
    return ms


# -- dev_setHead ------------------------------------------------------------------------
def set_head(chain: Chain, target: bytes | int | str) -> bytes:
    """Rewind to an earlier block: a block hash (bytes or 0x hex), a number, or a
    negative number counted back from the head. The records of the blocks above are
    dropped, the head moved and the state restored to that block's (flat view and
    committed root), in one write batch; the pending pool is kept. Returns the new head
    hash. ValueError for an unknown block or one above the head.
    """
    head = chain.head()
    number = _target_number(chain, target, head.number)
    new_head = chain.store.hash_of(number)
    assert new_head is not None
    if number == head.number:
        return new_head
    deletes = []
    for n in range(number + 1, head.number + 1):
        h = chain.store.hash_of(n)
        assert h is not None
        deletes += [BLOCK + h, HASH_OF + n.to_bytes(4, "big"), NUMBER_OF + h]
    root = chain.store.header(new_head).state_root
    try:
        chain.state.reset_to(root, {HEAD: new_head}, deletes)
    except MissingNodeError as exc:  # a chain imported without its history's nodes
        raise ValueError(f"the state of block #{number} is not stored: {exc}") from None
    return new_head


def _target_number(chain: Chain, target: bytes | int | str, head: int) -> int:
    if isinstance(target, str):
        target = _hex(target, "block hash")
    if isinstance(target, bytes):
        found = chain.store.number_of(target) if len(target) == 32 else None
        if found is None:
            raise ValueError(f"no block with hash 0x{target.hex()}")
        return found
    if isinstance(target, bool) or not isinstance(target, int):
        raise ValueError(f"not a block hash or number: {target!r}")
    number = head + target if target < 0 else target
    if number < 0:
        raise ValueError(f"block {target} is before the genesis block (head is #{head})")
    if number > head:
        raise ValueError(f"block #{number} is above the head #{head}")
    return number
