"""The overlay behaves like a stack of plain dicts under random nested layers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.backend import MemoryBackend
from storage.overlay import MAX_DEPTH, Overlay, OverlayError
from storage.state import FlatView

KEYS = st.sampled_from([b"", b"a", b"ab", b"abc", b"abd", b"b", b"ba", b"\x00", b"\xff\xff"])
PREFIXES = st.sampled_from([b"", b"a", b"ab", b"b", b"\xff", b"z"])
OPS = st.one_of(
    st.tuples(st.just("set"), KEYS, st.binary(max_size=3)),
    st.tuples(st.just("delete"), KEYS),
    st.tuples(st.just("begin")),
    st.tuples(st.just("commit")),
    st.tuples(st.just("rollback")),
    st.tuples(st.just("clear"), PREFIXES),
    st.tuples(st.just("iter"), PREFIXES),
)


def _model_items(model: dict[bytes, bytes], prefix: bytes) -> list[tuple[bytes, bytes]]:
    return sorted((k, v) for k, v in model.items() if k.startswith(prefix))


@settings(max_examples=200, deadline=None)
@given(base=st.dictionaries(KEYS, st.binary(max_size=3)), ops=st.lists(OPS, max_size=60))
def test_overlay_matches_dict_stack(base: dict[bytes, bytes], ops: list[tuple]) -> None:
    backend = MemoryBackend()
    backend.write_batch({b"S" + k: v for k, v in base.items()})
    overlay = Overlay(FlatView(backend))
    stack = [dict(base)]  # model: a full copy of the state per open layer
    for op in ops:
        kind = op[0]
        if kind == "set":
            overlay.set(op[1], op[2])
            stack[-1][op[1]] = op[2]
        elif kind == "delete":
            overlay.delete(op[1])
            stack[-1].pop(op[1], None)
        elif kind == "begin":
            overlay.begin()
            stack.append(dict(stack[-1]))
        elif kind in ("commit", "rollback"):
            if len(stack) == 1:
                with pytest.raises(OverlayError):
                    getattr(overlay, kind)()
                continue
            getattr(overlay, kind)()
            top = stack.pop()
            if kind == "commit":
                stack[-1] = top
        elif kind == "clear":
            removed = overlay.clear_prefix(op[1])
            gone = [k for k in stack[-1] if k.startswith(op[1])]
            assert removed == len(gone)
            for k in gone:
                del stack[-1][k]
        else:
            assert list(overlay.iter_prefix(op[1])) == _model_items(stack[-1], op[1])
        assert overlay.depth == len(stack) - 1
        for key in (b"", b"a", b"ab", b"abc", b"b"):
            assert overlay.get(key) == stack[-1].get(key)
    assert list(overlay.iter_prefix(b"")) == _model_items(stack[-1], b"")
    while overlay.depth:
        overlay.commit()
        top = stack.pop()
        stack[-1] = top
    net = overlay.changes()
    applied = dict(base)
    for k, v in net.items():
        if v is None:
            applied.pop(k, None)
        else:
            applied[k] = v
    assert applied == stack[0]


def test_depth_limit_255() -> None:
    overlay = Overlay()
    for _ in range(MAX_DEPTH):
        overlay.begin()
    assert overlay.depth == 255
    with pytest.raises(OverlayError, match="transactional layer limit 255 reached"):
        overlay.begin()
    overlay.set(b"k", b"v")
    for _ in range(MAX_DEPTH):
        overlay.commit()
    assert overlay.changes() == {b"k": b"v"}
    with pytest.raises(OverlayError):
        overlay.rollback()


def test_changes_refused_with_open_layer() -> None:
    overlay = Overlay()
    overlay.begin()
    with pytest.raises(OverlayError):
        overlay.changes()
