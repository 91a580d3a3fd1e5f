"""Call arguments from the command line (cli.md "Conventions").

Each argument is positional in the call's declared order and is parsed as a JSON
literal when it is one (`0`, `[[0, 1000]]`, `null`, `"text"`), otherwise taken as
a string (`//Bob`, `0xabcd…`, `5Grw…`); the argument's codec then converts the
JSON value (`from_json`), so accounts, hex, fixed-point and structs all follow the
codecs' JSON conventions.
"""

from __future__ import annotations

import json
from typing import Any

from runtime.codec import Codec, JsonContext, Variant


class ArgumentError(ValueError):
    """An argument that does not fit its call parameter; the message names it."""


def json_or_text(raw: str) -> Any:
    """The JSON literal `raw` denotes, or `raw` itself when it is not JSON."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def parse_arg(codec: Codec, raw: str, ctx: JsonContext, name: str) -> Any:
    """`raw` converted for `codec`; ArgumentError naming `name` and the reason.

    A value that is JSON but does not fit (e.g. `123` for a pool description) is
    retried as the plain string, as a user typing text would expect.
    """
    value = json_or_text(raw)
    try:
        return codec.from_json(value, ctx)
    except (ValueError, TypeError, KeyError) as first:
        if not isinstance(value, str):
            try:
                return codec.from_json(raw, ctx)
            except (ValueError, TypeError, KeyError):
                pass
        raise ArgumentError(f"argument {name} ({codec.type_string}): {first}") from None


def build_call(rt: Any, pallet: str, call: str, raw_args: list[str], ctx: JsonContext) -> Variant:
    """The RuntimeCall value for PALLET CALL ARGS.

    Raises ArgumentError for an unknown pallet or call, a wrong argument count, or an
    argument its codec rejects.
    """
    if pallet not in rt.pallets:
        raise ArgumentError(f"unknown pallet {pallet!r} (one of {sorted(rt.pallets)})")
    try:
        decl = rt.call_decl(pallet, call)
    except KeyError:
        names = [c.name for c in type(rt.pallets[pallet]).calls()]
        raise ArgumentError(f"unknown call {pallet}.{call} (one of {names})") from None
    params = decl.args
    if len(raw_args) != len(params):
        sig = ", ".join(f"{n}: {c.type_string}" for n, c in params)
        raise ArgumentError(f"{pallet}.{call}({sig}) takes {len(params)} argument(s), "
                            f"got {len(raw_args)}")
    values = {n: parse_arg(c, raw, ctx, n) for (n, c), raw in zip(params, raw_args, strict=True)}
    return Variant(pallet, Variant(call, values))


def wrap_sudo(rt: Any, inner: Variant) -> Variant:
    """`Sudo.sudo(call)` around `inner`."""
    decl = rt.call_decl("Sudo", "sudo")
    return Variant("Sudo", Variant("sudo", {decl.args[0][0]: inner}))
