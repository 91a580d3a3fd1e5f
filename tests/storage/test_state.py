"""ChainState on real backends: atomic block commits, reopening, historic views."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest

from storage.backend import MemoryBackend
from storage.leveldb import BackendError, LevelDBBackend
from storage.overlay import OverlayError
from storage.state import ChainState, StateError
from storage.trie import EMPTY_ROOT, MissingNodeError, blake2_256, trie_root


class CountingBackend:
    """Wraps a backend and counts reads, to prove what is (not) loaded."""

    def __init__(self, inner: LevelDBBackend | MemoryBackend) -> None:
        self.inner = inner
        self.gets = 0
        self.iters = 0
        self.batches: list[tuple[dict[bytes, bytes], list[bytes]]] = []

    def get(self, key: bytes) -> bytes | None:
        self.gets += 1
        return self.inner.get(key)

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        self.iters += 1
        return self.inner.iter_prefix(prefix)

    def write_batch(self, puts: Mapping[bytes, bytes], deletes: Iterable[bytes] = ()) -> None:
        deletes = list(deletes)
        self.batches.append((dict(puts), deletes))
        self.inner.write_batch(puts, deletes)

    def close(self) -> None:
        self.inner.close()


def _key(i: int) -> bytes:
    return blake2_256(i.to_bytes(4, "little"))


GENESIS = {_key(i): i.to_bytes(4, "little") * (i % 12) for i in range(2000)}


def test_leveldb_commit_reopen_and_history(tmp_path: Path) -> None:
    db = LevelDBBackend(tmp_path / "db")
    state = ChainState(db, layout=1)
    genesis_root = state.build_genesis(GENESIS.items())
    assert genesis_root == trie_root(GENESIS.items(), 1)
    model = dict(GENESIS)
    state.overlay.set(b":code", b"\x01" * 100_000)
    state.overlay.delete(_key(7))
    state.overlay.set(_key(8), b"")
    for k, v in ((b":code", b"\x01" * 100_000), (_key(8), b"")):
        model[k] = v
    del model[_key(7)]
    block1_root = state.commit_block({b"B\x01": b"block one"})
    assert block1_root == trie_root(model.items(), 1)
    db.close()

    counting = CountingBackend(LevelDBBackend(tmp_path / "db", create=False))
    reopened = ChainState(counting, layout=1)
    assert (counting.gets, counting.iters) == (1, 0)  # the meta record only: no rebuild
    assert reopened.committed_root == block1_root
    assert reopened.root() == block1_root and counting.gets == 1
    assert reopened.overlay.get(_key(8)) == b"" and reopened.overlay.get(_key(7)) is None
    assert counting.inner.get(b"B\x01") == b"block one"

    reopened.overlay.set(_key(9), b"changed")
    model[_key(9)] = b"changed"
    reads_before = counting.gets
    assert reopened.root() == trie_root(model.items(), 1)
    assert counting.gets - reads_before < 12  # about one path of nodes, not 2000 keys

    old = reopened.view_at(genesis_root)
    assert old.get(_key(7)) == GENESIS[_key(7)] and old.get(b":code") is None
    assert list(old.iter_prefix(b"")) == sorted(GENESIS.items())
    head = reopened.view_at(block1_root)
    assert head.get(b":code") == b"\x01" * 100_000  # a V1 hashed value, read by its hash
    assert [k for k, _ in head.iter_prefix(b":co")] == [b":code"]
    assert list(head.iter_prefix(b":")) == sorted((k, v) for k, v in model.items() if k[:1] == b":")
    with pytest.raises(MissingNodeError):
        reopened.view_at(b"\x42" * 32).get(b"x")
    counting.close()


def test_commit_is_one_batch_with_extras() -> None:
    backend = CountingBackend(MemoryBackend())
    state = ChainState(backend)
    state.build_genesis([(b"a", b"1"), (b"b", b"2")])
    state.overlay.set(b"c", b"3")
    state.overlay.delete(b"a")
    root = state.commit_block({b"Hhash": b"\x01"}, [b"Pold"])
    assert len(backend.batches) == 2  # genesis, block
    puts, deletes = backend.batches[1]
    assert puts[b"Sc"] == b"3" and puts[b"Hhash"] == b"\x01"
    assert puts[b"Mstate"] == root + b"\x00"
    assert puts[b"N" + root] is not None
    assert sorted(deletes) == [b"Pold", b"Sa"]
    assert state.overlay.changes() == {}
    assert state.committed_root == root == trie_root([(b"b", b"2"), (b"c", b"3")])


def test_extras_may_not_use_state_prefixes() -> None:
    state = ChainState(MemoryBackend())
    for bad in ({b"Sx": b""}, {b"N": b""}, {b"Mstate": b""}):
        with pytest.raises(StateError, match="uses a prefix owned by the state"):
            state.commit_block(bad)


def test_failed_write_keeps_pending_changes() -> None:
    class FailingBackend(MemoryBackend):
        def write_batch(self, puts: Mapping[bytes, bytes], deletes: Iterable[bytes] = ()) -> None:
            raise OSError("disk full")

    state = ChainState(FailingBackend())
    state.overlay.set(b"k", b"v")
    with pytest.raises(OSError):
        state.commit_block()
    assert state.committed_root == EMPTY_ROOT
    assert state.overlay.changes() == {b"k": b"v"}


def test_root_requires_closed_layers_and_discard_drops_changes() -> None:
    state = ChainState(MemoryBackend())
    state.overlay.set(b"k", b"v")
    state.overlay.begin()
    with pytest.raises(OverlayError):
        state.root()
    state.overlay.rollback()
    assert state.root() == trie_root([(b"k", b"v")])
    state.discard()
    assert state.root() == EMPTY_ROOT
    assert state.commit_block() == EMPTY_ROOT
    assert state.view_at(EMPTY_ROOT).get(b"k") is None


def test_layout_and_genesis_guards(tmp_path: Path) -> None:
    backend = MemoryBackend()
    with pytest.raises(StateError, match="unknown trie layout 2"):
        ChainState(backend, 2)
    ChainState(backend, 0).build_genesis([(b"k", b"v")])
    with pytest.raises(StateError, match="stored state uses layout 0, not 1"):
        ChainState(backend, 1)
    with pytest.raises(StateError, match="genesis over an existing state"):
        ChainState(backend, 0).build_genesis([(b"k", b"w")])
    with pytest.raises(BackendError, match="cannot open LevelDB"):
        LevelDBBackend(tmp_path / "absent", create=False)


def test_memory_backend_batches_and_order() -> None:
    backend = MemoryBackend()
    backend.write_batch({bytes([i % 251, i // 251]): b"x" for i in range(5000)})  # bulk
    backend.write_batch({b"\x05\x00": b"y", b"\x05\x99": b"z"}, [b"\x05\x01", b"\x05\x00"])
    items = list(backend.iter_prefix(b"\x05"))
    assert [k for k, _ in items] == sorted(k for k, _ in items)
    assert (b"\x05\x00", b"y") in items and (b"\x05\x99", b"z") in items
    assert backend.get(b"\x05\x01") is None
    assert len(items) == 20 - 1 + 1  # 20 keys under 0x05, one deleted, one added


def test_big_code_value_not_rehashed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Changing other keys never re-encodes or re-hashes the 1.8 MB :code leaf."""
    import storage.trie.nodes as nodes_mod
    import storage.trie.update as update_mod

    state = ChainState(MemoryBackend())
    code = b"\x00asm" + b"\x07" * 1_800_000
    state.build_genesis([(b":code", code), (b":cod", b"x"), (b":heappages", b"\x01"),
                         *list(GENESIS.items())[:50]])
    hashed: list[int] = []

    def spy(data: bytes) -> bytes:
        hashed.append(len(data))
        return blake2_256(data)

    monkeypatch.setattr(nodes_mod, "blake2_256", spy)
    monkeypatch.setattr(update_mod, "blake2_256", spy)
    for i in range(3):
        state.overlay.set(b":heappages", bytes([i + 2]))
        state.overlay.set(b":cod", bytes([i]))  # the value of the branch right above :code
        state.overlay.set(b":cod\x10" + bytes([i]), b"s")  # new siblings of the :code leaf
        state.commit_block()
    assert hashed and max(hashed) < 1000
    state.overlay.set(b":code", code + b"\x00")
    state.commit_block()
    assert max(hashed) > 1_800_000  # the rewritten value is hashed, once per block
    assert state.view_at(state.committed_root).get(b":code") == code + b"\x00"


def test_memory_backend_index_follows_interleaved_writes() -> None:
    """The lazily merged sorted index: re-added, deleted and bulk keys iterate in order."""
    import random

    rnd = random.Random(5)
    backend, model = MemoryBackend(), {}
    for step in range(300):
        puts = {bytes([rnd.randrange(4)]) + rnd.randbytes(2): bytes([step % 256])
                for _ in range(rnd.choice((0, 1, 3, 200)))}
        deletes = rnd.sample(sorted(model), min(len(model), rnd.randrange(4)))
        backend.write_batch(puts, deletes)
        for k in deletes:
            model.pop(k, None)
        model.update(puts)
        if step % 3 == 0:
            prefix = bytes([rnd.randrange(4)])
            assert list(backend.iter_prefix(prefix)) == sorted(
                (k, v) for k, v in model.items() if k.startswith(prefix))
    assert list(backend.iter_prefix(b"")) == sorted(model.items())


def test_flat_reads_follow_commits() -> None:
    """The committed-state read cache: values, absences and empty prefixes all change
    with the blocks that write them."""
    backend = CountingBackend(MemoryBackend())
    state = ChainState(backend)
    state.build_genesis([(b"a1", b"1")])
    flat = state.overlay.base
    assert flat.get(b"a1") == b"1" and flat.get(b"b1") is None
    assert list(flat.iter_prefix(b"b")) == []
    gets, iters = backend.gets, backend.iters
    assert flat.get(b"b1") is None and list(flat.iter_prefix(b"b")) == []
    assert (backend.gets, backend.iters) == (gets, iters)  # answered from memory
    state.overlay.set(b"b1", b"2")
    state.overlay.delete(b"a1")
    state.commit_block()
    assert flat.get(b"b1") == b"2" and flat.get(b"a1") is None
    assert list(flat.iter_prefix(b"b")) == [(b"b1", b"2")]
    assert list(state.overlay.iter_prefix(b"")) == [(b"b1", b"2")]
