"""ForkBackend: reads fall through to the base, writes stay in the fork, the base never
changes; LevelDB snapshots do not see later writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.backend import MemoryBackend
from storage.fork import ForkBackend
from storage.leveldb import BackendError, LevelDBBackend
from storage.state import ChainState


def base_with(items: dict[bytes, bytes]) -> MemoryBackend:
    base = MemoryBackend()
    base.write_batch(items)
    return base


def test_reads_fall_through_and_writes_stay_in_the_fork() -> None:
    base = base_with({b"Sa": b"1", b"Sb": b"2", b"Sc": b"3", b"Na": b"n"})
    fork = ForkBackend(base)
    fork.write_batch({b"Sb": b"20", b"Sd": b"4", b"Nb": b"m"}, [b"Sc", b"Sa"])
    fork.write_batch({b"Sa": b"10"}, [b"Sd"])
    assert [fork.get(k) for k in (b"Sa", b"Sb", b"Sc", b"Sd", b"Na", b"Nb", b"X")] == \
        [b"10", b"20", None, None, b"n", b"m", None]
    assert list(fork.iter_prefix(b"S")) == [(b"Sa", b"10"), (b"Sb", b"20")]
    assert list(fork.iter_prefix(b"")) == [(b"Na", b"n"), (b"Nb", b"m"), (b"Sa", b"10"),
                                           (b"Sb", b"20")]
    assert list(base.iter_prefix(b"")) == [(b"Na", b"n"), (b"Sa", b"1"), (b"Sb", b"2"),
                                           (b"Sc", b"3")]
    assert fork.written_keys() == 3  # Sa, Sb, Nb (Sd put then deleted)


def test_a_key_both_deleted_and_put_in_one_batch_ends_up_put() -> None:
    fork = ForkBackend(base_with({b"k": b"old"}))
    fork.write_batch({b"k": b"new"}, [b"k"])
    assert fork.get(b"k") == b"new"
    assert list(fork.iter_prefix(b"k")) == [(b"k", b"new")]


def test_close_drops_the_forks_writes_and_releases_only_an_owned_base(tmp_path: Path) -> None:
    db = LevelDBBackend(tmp_path / "db")
    db.write_batch({b"a": b"1"})
    fork = ForkBackend(db.snapshot(), close_base=True)
    fork.write_batch({b"a": b"2"})
    fork.close()
    assert db.get(b"a") == b"1"  # the database stays open and unchanged
    db.close()


def test_a_leveldb_snapshot_does_not_see_later_writes_and_refuses_writes(
        tmp_path: Path) -> None:
    db = LevelDBBackend(tmp_path / "db")
    db.write_batch({b"a": b"1", b"b": b"2"})
    snap = db.snapshot()
    db.write_batch({b"a": b"9", b"c": b"3"}, [b"b"])
    assert snap.get(b"a") == b"1" and snap.get(b"c") is None
    assert list(snap.iter_prefix(b"")) == [(b"a", b"1"), (b"b", b"2")]
    with pytest.raises(BackendError, match="read-only"):
        snap.write_batch({b"x": b"1"})
    snap.close()
    db.close()


def test_a_state_committed_on_the_fork_has_the_same_root_and_leaves_the_base_alone() -> None:
    base = MemoryBackend()
    state = ChainState(base, layout=1)
    state.build_genesis([(b"key%d" % i, b"v" * (i % 40)) for i in range(50)])
    before = dict(base.iter_prefix(b""))
    fork_state = ChainState(ForkBackend(base), layout=1)
    for s in (state, fork_state):
        s.overlay.set(b"key7", b"changed" * 9)
        s.overlay.delete(b"key8")
        s.overlay.set(b"new", b"x")
    fork_root = fork_state.commit_block()
    assert dict(base.iter_prefix(b"")) == before
    assert fork_root == state.commit_block()
    assert fork_state.flat.get(b"key8") is None and fork_state.flat.get(b"new") == b"x"
