"""JSON shapes of cli.md for events, blocks, headers and storage values, plus human output.

Values go through the codecs' `to_json` with the chain's `JsonContext` (accounts as
SS58 with the chain's prefix), so every command renders the same value the same way.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from runtime import ss58
from runtime.codec import Codec, JsonContext
from runtime.extrinsic import Extrinsic, extrinsic_hash
from runtime.header import Header
from runtime.keys import parse_account
from runtime.system import EVENT_RECORDS, PHASE


def json_context(ss58_format: int) -> JsonContext:
    return JsonContext(lambda b: ss58.encode(b, ss58_format), parse_account)


def hexs(b: bytes) -> str:
    return "0x" + b.hex()


def decode_events(rt: Any, raw: bytes | None) -> list[Any]:
    """Decoded EventRecords of a raw `System.Events` value (None = no events)."""
    if raw is None:
        return []
    return rt.resolve(EVENT_RECORDS).decode(raw)  # type: ignore[no-any-return]


def event_json(rt: Any, record: Any, ctx: JsonContext, phase: bool = True) -> dict[str, Any]:
    """`{"pallet", "event", "attributes"[, "phase"]}` of one EventRecord."""
    ev = record["event"] if isinstance(record, dict) else record.event
    pallet, inner = ev.name, ev.value
    codec = rt.event_codec.by_name[pallet][1].by_name[inner.name][1]
    out: dict[str, Any] = {"pallet": pallet, "event": inner.name,
                           "attributes": {} if codec is None else codec.to_json(inner.value, ctx)}
    if phase:
        ph = record["phase"] if isinstance(record, dict) else record.phase
        out["phase"] = PHASE.to_json(ph, ctx)
    return out


def phase_index(record: Any) -> int | None:
    ph = record["phase"] if isinstance(record, dict) else record.phase
    return ph.value if ph.name == "ApplyExtrinsic" else None


def extrinsic_outcome(rt: Any, records: list[Any], index: int, encoded: bytes,
                      ctx: JsonContext) -> dict[str, Any]:
    """`{"extrinsic_hash", "index", "success", "error", "events"}` of extrinsic `index`.

    For a `Sudo.sudo` extrinsic, success/error report the wrapped call (Sudid's result).
    """
    mine = [r for r in records if phase_index(r) == index]
    events = [event_json(rt, r, ctx, phase=False) for r in mine]
    success, error = True, None
    for ev in events:
        if (ev["pallet"], ev["event"]) == ("System", "ExtrinsicFailed"):
            success, error = False, ev["attributes"]["dispatch_error"]
    if success:
        for ev in events:
            if (ev["pallet"], ev["event"]) == ("Sudo", "Sudid"):
                success, error = sudo_result(ev["attributes"])
    return {"extrinsic_hash": hexs(extrinsic_hash(encoded)), "index": index,
            "success": success, "error": error, "events": events}


def sudo_result(attributes: dict[str, Any]) -> tuple[bool, str | None]:
    """(success, error) from the JSON of `Sudo.Sudid { sudo_result: Result<(), DispatchError> }`."""
    res = attributes.get("sudo_result")
    if isinstance(res, dict) and len(res) == 1:
        (tag, val), = res.items()
        if tag == "Err":
            return False, val if isinstance(val, str) else str(val)
        return True, None
    if res in ("Ok", None):
        return True, None
    return False, str(res)


def header_json(header: Header, timestamp_ms: int | None = None) -> dict[str, Any]:
    """The `head` shape: number, hash, parent_hash, state_root, extrinsics_root, timestamp_ms."""
    return {"number": header.number, "hash": hexs(header.hash()),
            "parent_hash": hexs(header.parent_hash), "state_root": hexs(header.state_root),
            "extrinsics_root": hexs(header.extrinsics_root), "timestamp_ms": timestamp_ms}


def extrinsic_json(rt: Any, encoded: bytes, ctx: JsonContext) -> dict[str, Any]:
    """`{"hash", "signer", "nonce", "tip", "era", "call": {"pallet", "call", "args"}}`."""
    ext = Extrinsic.decode(encoded)
    call = rt.decode_call(ext.call)
    s = ext.signed
    return {
        "hash": hexs(extrinsic_hash(encoded)),
        "signer": None if s is None else ctx.ss58(s.signer),
        "nonce": None if s is None else s.nonce,
        "tip": None if s is None else s.tip,
        "era": None if s is None else (
            "Immortal" if s.era.is_immortal else {"period": s.era.period, "phase": s.era.phase}),
        "call": call_json(rt, call, ctx),
    }


def call_json(rt: Any, call: Any, ctx: JsonContext) -> dict[str, Any]:
    decl = rt.call_decl(call.name, call.value.name)
    args = {n: c.to_json(call.value.value[n], ctx) for n, c in decl.args}
    return {"pallet": call.name, "call": call.value.name, "args": args}


def value_json(codec: Codec, value: Any, ctx: JsonContext) -> Any:
    return None if value is None else codec.to_json(value, ctx)


# -- human output ---------------------------------------------------------------------------
_console = Console(highlight=False, soft_wrap=True)


def print_kv(data: dict[str, Any]) -> None:
    width = max(len(k) for k in data) + 1
    for k, v in data.items():
        if isinstance(v, list | dict):
            continue
        _console.print(f"{k + ':':<{width}} {v}")


def print_events(events: list[dict[str, Any]], title: str = "events") -> None:
    if not events:
        _console.print(f"{title}: none")
        return
    table = Table(title=title, show_lines=False)
    for col in ("phase", "event", "attributes"):
        table.add_column(col, overflow="fold")
    for ev in events:
        ph = ev.get("phase", "")
        table.add_row(ph if isinstance(ph, str) else f"ApplyExtrinsic({ph['ApplyExtrinsic']})",
                      f"{ev['pallet']}.{ev['event']}", _short(ev["attributes"]))
    _console.print(table)


def print_outcome(data: dict[str, Any]) -> None:
    if data.get("pending"):
        _console.print(f"queued {data['extrinsic_hash']} (pending, not sealed)")
        return
    status = "[green]success[/green]" if data["success"] else f"[red]failed: {data['error']}[/red]"
    _console.print(f"extrinsic {data['extrinsic_hash']}\n  in block #{data['block_number']} "
                   f"{data['block_hash']} at index {data['index']}: {status}")
    # the outcome's events are all of this extrinsic's phase, which the JSON leaves implied
    phase = {"ApplyExtrinsic": data["index"]}
    print_events([{**ev, "phase": phase} for ev in data["events"]])


def print_blocks(blocks: list[dict[str, Any]]) -> None:
    for b in blocks:
        failed = sum(1 for x in b["extrinsics"] if not x["success"])
        _console.print(f"#{b['number']} {b['hash']} t={b['timestamp_ms']} ms, "
                       f"{len(b['extrinsics'])} extrinsic(s), {failed} failed")


def _short(v: Any) -> str:
    import json

    return json.dumps(v, separators=(", ", ": "))
