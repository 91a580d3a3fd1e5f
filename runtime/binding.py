"""Codecs that only a runtime can complete: the outer call, the outer event, DispatchError.

Pallets declare them with process-wide placeholders (`RUNTIME_CALL` as Sudo's argument,
`RUNTIME_EVENT` inside System's EventRecord, `DISPATCH_ERROR` in events). Each `Runtime`
resolves a declared codec tree into its own copy, in which every placeholder is replaced
by that runtime's codec; subtrees without placeholders are shared, never copied. So two
runtimes of different compositions in one process each encode, decode and describe their
own calls and events.
"""

from __future__ import annotations

import copy
import weakref

from runtime.codec import Codec, EnumCodec, OptionCodec, StructCodec, TupleCodec, VecCodec

_PLACEHOLDERS: weakref.WeakSet[Codec] = weakref.WeakSet()
# Whether a (long-lived, immutable) codec tree contains a placeholder: computed once.
_NEEDS: weakref.WeakKeyDictionary[Codec, bool] = weakref.WeakKeyDictionary()


def placeholder(codec: Codec) -> Codec:
    """Mark `codec` as one each runtime replaces with its own (returns it)."""
    _PLACEHOLDERS.add(codec)
    return codec


def is_placeholder(codec: Codec) -> bool:
    return codec in _PLACEHOLDERS


def children(codec: Codec) -> list[Codec]:
    """The codecs directly inside a container codec (empty for leaves)."""
    if isinstance(codec, (OptionCodec, VecCodec)):
        return [codec.inner]
    if isinstance(codec, TupleCodec):
        return list(codec.items)
    if isinstance(codec, StructCodec):
        return [c for _, c in codec.fields]
    if isinstance(codec, EnumCodec):
        return [c for _, c in codec.by_index.values() if c is not None]
    return []


def needs_binding(codec: Codec) -> bool:
    """True when a runtime must resolve `codec` before using it."""
    known = _NEEDS.get(codec)
    if known is None:
        known = is_placeholder(codec) or any(needs_binding(c) for c in children(codec))
        _NEEDS[codec] = known
    return known


Memo = dict[int, tuple[Codec, Codec]]


def resolve(codec: Codec, bindings: dict[Codec, Codec], memo: Memo) -> Codec:
    """`codec` with every placeholder replaced by `bindings[placeholder]`.

    Containers holding a placeholder are shallow-copied (keeping type, path and any
    subclass behaviour); everything else is returned as is. `memo` keeps one copy per
    declared codec (keyed by id, holding the declared codec so the id stays its own).
    """
    if not needs_binding(codec):
        return codec
    if is_placeholder(codec):
        return bindings[codec]
    done = memo.get(id(codec))
    if done is not None and done[0] is codec:
        return done[1]
    new = copy.copy(codec)
    if isinstance(new, (OptionCodec, VecCodec)):
        new.inner = resolve(new.inner, bindings, memo)
    elif isinstance(new, TupleCodec):
        new.items = tuple(resolve(c, bindings, memo) for c in new.items)
    elif isinstance(new, StructCodec):
        new.fields = [(n, resolve(c, bindings, memo)) for n, c in new.fields]
    elif isinstance(new, EnumCodec):
        new.by_index = {i: (n, None if c is None else resolve(c, bindings, memo))
                        for i, (n, c) in new.by_index.items()}
        new.by_name = {n: (i, c) for i, (n, c) in new.by_index.items()}
    memo[id(codec)] = (codec, new)
    return new
