"""Incremental roots equal from-scratch roots; historic views see their own state."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from storage.backend import MemoryBackend
from storage.state import ChainState
from storage.trie import EMPTY_ROOT, trie_root

# Keys built from a few long shared prefixes and short tails, so keys often are
# prefixes of each other, and branches carry values and long partial keys.
PREFIX = st.sampled_from([b"", b"\x01", b"\xaa" * 40, b"\xaa" * 40 + b"\x0f", b"\xaa" * 41])
KEY = st.builds(lambda p, t: p + t, PREFIX, st.binary(max_size=3))
VALUE = st.one_of(st.just(b""), st.binary(max_size=4), st.binary(min_size=30, max_size=40))
BLOCK = st.lists(st.tuples(KEY, st.one_of(st.none(), VALUE)), max_size=12)


def _apply(model: dict[bytes, bytes], block: list[tuple[bytes, bytes | None]]) -> None:
    for k, v in block:
        if v is None:
            model.pop(k, None)
        else:
            model[k] = v


@settings(max_examples=120, deadline=None)
@given(layout=st.sampled_from([0, 1]), genesis=st.dictionaries(KEY, VALUE, max_size=15),
       blocks=st.lists(BLOCK, max_size=6))
def test_incremental_equals_scratch(layout: int, genesis: dict[bytes, bytes],
                                    blocks: list[list[tuple[bytes, bytes | None]]]) -> None:
    state = ChainState(MemoryBackend(), layout)
    model = dict(genesis)
    history = [(state.build_genesis(genesis.items()), dict(model))]
    assert history[0][0] == trie_root(model.items(), layout)
    for block in blocks:
        for k, v in block:
            if v is None:
                state.overlay.delete(k)
            else:
                state.overlay.set(k, v)
        _apply(model, block)
        expected = trie_root(model.items(), layout)
        assert state.root() == expected
        assert state.commit_block() == expected
        assert state.committed_root == expected
        assert list(state.overlay.iter_prefix(b"")) == sorted(model.items())
        history.append((expected, dict(model)))
    for root, snapshot in history:
        view = state.view_at(root)
        assert list(view.iter_prefix(b"")) == sorted(snapshot.items())
        for k in list(snapshot)[:5]:
            assert view.get(k) == snapshot[k]
            assert list(view.iter_prefix(k[:-1] if k else k)) == sorted(
                (kk, vv) for kk, vv in snapshot.items() if kk.startswith(k[:-1] if k else k))
        assert view.get(b"\xaa" * 40 + b"\xee\xee\xee\xee") == snapshot.get(
            b"\xaa" * 40 + b"\xee\xee\xee\xee")


@settings(max_examples=80, deadline=None)
@given(layout=st.sampled_from([0, 1]), keys=st.lists(KEY, unique=True, max_size=20),
       data=st.data())
def test_insert_all_then_delete_all(layout: int, keys: list[bytes], data: st.DataObject) -> None:
    """Built key by key from empty, then emptied in another order: the empty root again."""
    state = ChainState(MemoryBackend(), layout)
    model: dict[bytes, bytes] = {}
    for k in keys:
        v = data.draw(VALUE)
        state.overlay.set(k, v)
        model[k] = v
        assert state.root() == trie_root(model.items(), layout)
    state.commit_block()
    for k in data.draw(st.permutations(keys)):
        state.overlay.delete(k)
        del model[k]
        assert state.root() == trie_root(model.items(), layout)
        state.commit_block()
    assert state.committed_root == EMPTY_ROOT


@settings(max_examples=60, deadline=None)
@given(genesis=st.dictionaries(KEY, VALUE, min_size=1, max_size=15), block=BLOCK,
       later=BLOCK)
def test_root_is_side_effect_free(genesis: dict[bytes, bytes], block: list,
                                  later: list) -> None:
    """root() may be called any time (also between writes) and discard() drops all."""
    state = ChainState(MemoryBackend(), 1)
    base_root = state.build_genesis(genesis.items())
    model = dict(genesis)
    for k, v in block:
        state.overlay.delete(k) if v is None else state.overlay.set(k, v)
        state.root()
    _apply(model, block)
    for k, v in later:  # overwrite some of the same keys, including back to old values
        state.overlay.delete(k) if v is None else state.overlay.set(k, v)
    _apply(model, later)
    assert state.root() == trie_root(model.items(), 1)
    state.discard()
    assert state.root() == base_root == state.committed_root
