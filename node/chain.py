"""A chain on disk: genesis, head, block authoring and the pending pool, over one LevelDB.

Layout of a base path: `DIR/db` is the LevelDB holding the state (storage's S/N/M
prefixes) and the block store (node.blockstore). Every authored block is one
`commit_block` batch: state changes, trie nodes, block records, head and the pool
records it consumed, so a crash leaves the chain at its previous or its new block.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from node.blockstore import NEXT_TIMESTAMP, BlockStore, StoreError
from node.genesis import Genesis, GenesisError, parse_genesis
from node.genesis_state import build_genesis_block
from node.owner import describe_holder, note_holder, release
from node.render import decode_events, event_json, extrinsic_outcome, json_context
from runtime.executive import Executive, InvalidBlock
from runtime.extrinsic import Extrinsic, extrinsic_hash
from runtime.hashing import storage_prefix
from runtime.header import Header
from runtime.validity import TransactionValidityError
from storage.fork import ForkBackend
from storage.leveldb import BackendError, BackendLocked, LevelDBBackend
from storage.state import ChainState, StateError

NOW_KEY = storage_prefix("Timestamp", "Now")
EVENTS_KEY = storage_prefix("System", "Events")


class ChainError(Exception):
    """The chain cannot be opened or created; `kind` is the CLI error kind (exit 2)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def db_path(base_path: str | Path) -> Path:
    return Path(base_path) / "db"


class Chain:
    """An open chain. Use `Chain.open`/`Chain.init` as context managers (closes the DB)."""

    def __init__(self, backend: Any, genesis_text: bytes, base_path: Path | None = None,
                 genesis: Genesis | None = None) -> None:
        """`genesis`: `genesis_text` already parsed (a fork reuses its chain's)."""
        self.base_path = base_path
        self.backend = backend
        self.store = BlockStore(backend)
        self.genesis_text = genesis_text
        self.genesis: Genesis = parse_genesis(genesis_text) if genesis is None else genesis
        self.config = self.genesis.runtime_config()
        self.state = ChainState(backend, self.genesis.state_version)
        from node.composition import build_runtime

        self.rt = build_runtime(self.state.overlay, self.config)
        self.ctx = json_context(self.genesis.ss58_format)
        self.executive = Executive(self.rt, self.state.root)
        # Authoring hooks (node.worker_sim): `before_finalize(builder)` may apply extrinsics
        # at the end of each authored block; `after_finalize(builder, header)` returns
        # node records to write in the block's batch; `block_discarded()` says the block
        # they saw was not written after all (its finalisation or batch failed).
        self.author_hooks: list[Any] = []
        # Bumped by every node.keystore write (keys, worker settings), so keystore
        # reads can be cached between writes.
        self.keystore_version = 0
        g = self.store.hash_of(0)
        if g is None:
            raise StoreError("the chain has no genesis block record")
        self.genesis_hash = g

    # -- opening --------------------------------------------------------------------------
    @classmethod
    def open(cls, base_path: str | Path) -> Chain:
        """Open an existing chain; ChainError("NoChain"|"CorruptChain") otherwise."""
        path = db_path(base_path)
        if not path.is_dir():
            raise ChainError("NoChain", f"no chain at {base_path} (run `phala-emu init` first)")
        try:
            backend = LevelDBBackend(path, create=False)
        except BackendLocked:
            raise ChainError("ChainInUse", f"the chain at {base_path} is in use by "
                             f"{describe_holder(base_path)}") from None
        except BackendError as exc:
            raise ChainError("CorruptChain", str(exc)) from None
        note_holder(base_path)
        try:
            text = BlockStore(backend).genesis_text()
            if text is None:
                raise StoreError("the chain has no genesis file record")
            chain = cls(backend, text, Path(base_path))
            chain.head()
            return chain
        except (StoreError, StateError, GenesisError, ValueError) as exc:
            release(base_path)
            backend.close()
            raise ChainError("CorruptChain", f"chain data at {base_path} is unusable: {exc}") \
                from None

    @classmethod
    def init(cls, base_path: str | Path, genesis_text: bytes, force: bool = False) -> Chain:
        """Create a chain from a genesis file; the old one is replaced only with `force`.

        The new chain is built beside the old one and swapped in at the end, so a bad
        genesis file (GenesisError) or an existing chain without force (ChainError
        "ChainExists") changes nothing on disk.
        """
        genesis = parse_genesis(genesis_text)
        path = db_path(base_path)
        if path.exists() and not force:
            raise ChainError("ChainExists", f"a chain already exists at {base_path} "
                             "(use --force to replace it)")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name("db.new")
        shutil.rmtree(tmp, ignore_errors=True)
        backend = LevelDBBackend(tmp, create=True)
        try:
            build_genesis_block(backend, genesis, genesis_text)
        finally:
            backend.close()
        if path.exists():
            old = path.with_name("db.old")
            shutil.rmtree(old, ignore_errors=True)
            path.rename(old)
            tmp.rename(path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(path)
        return cls.open(base_path)

    def fork(self) -> Chain:
        """An in-memory fork at the head: a `Chain` over a copy-on-write view of this one's
        storage (storage.fork), authoring with the same runtime, signatures and roots.

        Nothing the fork does is written here; its writes are dropped when it is closed.
        On LevelDB it reads a snapshot, so blocks authored here meanwhile are not seen.
        Authoring hooks are not copied (attach the simulator to the fork)."""
        snapshot = getattr(self.backend, "snapshot", None)
        base = self.backend if snapshot is None else snapshot()
        return Chain(ForkBackend(base, close_base=snapshot is not None), self.genesis_text,
                     genesis=self.genesis)

    def close(self) -> None:
        if self.base_path is not None:
            release(self.base_path)  # the holder record is ours only while the lock is
        self.backend.close()

    def __enter__(self) -> Chain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading --------------------------------------------------------------------------
    def head(self) -> Header:
        return self.store.header(self.store.head_hash())

    def resolve(self, ref: str | int | None) -> Header:
        """The header of block number / 0x hash `ref` (head when None); ChainError if unknown."""
        if ref is None:
            return self.head()
        text = str(ref)
        if text.startswith("0x"):
            try:
                h = bytes.fromhex(text[2:])
            except ValueError:
                raise ChainError("BadInput", f"not a block hash: {text}") from None
            if self.store.number_of(h) is None:
                raise ChainError("UnknownBlock", f"no block with hash {text}")
            return self.store.header(h)
        if not text.isdigit():
            raise ChainError("BadInput", f"not a block number or 0x hash: {text!r}")
        h2 = self.store.hash_of(int(text))
        if h2 is None:
            raise ChainError("UnknownBlock", f"no block #{text} (head is #{self.head().number})")
        return self.store.header(h2)

    def view_at(self, header: Header) -> Any:
        """Read view of the state after block `header` (the flat state for the head)."""
        if header.state_root == self.state.committed_root:
            return self.state.overlay.base
        return self.state.view_at(header.state_root)

    def timestamp_at(self, header: Header) -> int:
        raw = self.view_at(header).get(NOW_KEY)
        return self.genesis.timestamp_ms if raw is None else int.from_bytes(raw, "little")

    def events_at(self, header: Header) -> bytes | None:
        return self.view_at(header).get(EVENTS_KEY)

    def next_nonce(self, who: bytes) -> int:
        """The account's nonce plus its extrinsics waiting in the pool."""
        nonce = self.rt["System"].account(who).nonce
        for _, enc in self.store.pending():
            ext = Extrinsic.decode(enc)
            if ext.signed is not None and ext.signed.signer == who:
                nonce = max(nonce, ext.signed.nonce + 1)
        return nonce

    # -- authoring ------------------------------------------------------------------------
    @contextmanager
    def building(self, advance_ms: int | None = None) -> Iterator[BlockBuilder]:
        """A block on top of the head; nothing is written unless `commit()` is called."""
        builder = BlockBuilder(self, advance_ms)
        try:
            yield builder
        finally:
            if not builder.committed:
                self.state.discard()

    def seal(self, count: int = 1, advance_ms: int | None = None,
             warn: Callable[[str], None] = lambda m: None,
             progress: Callable[[int], None] = lambda i: None) -> list[SealedBlock]:
        """Author `count` blocks; the first takes every pending extrinsic still valid."""
        out = []
        for i in range(count):
            if i == 0:
                block, broken, dropped = self.author_filled(lambda b: b.apply_pending(warn),
                                                            advance_ms)
                for enc in dropped:
                    warn(f"dropped pending extrinsic 0x{extrinsic_hash(enc).hex()}: block "
                         f"#{block['number']} would be invalid with the pool's extrinsics "
                         f"({broken})")
                out.append(block)
            else:
                with self.building(advance_ms) as b:
                    out.append(b.commit())
            progress(i + 1)
        return out

    def author_filled(self, fill: Callable[[BlockBuilder], None], advance_ms: int | None = None
                      ) -> tuple[SealedBlock, InvalidBlock | None, list[bytes]]:
        """Author one block that `fill` fills (from the pool and elsewhere).

        If it cannot be finalised — a pooled root call broke the block's own bookkeeping,
        e.g. a kill_prefix that removed the timestamp inherent's flag, where FRAME would
        panic — the block is authored empty instead, consuming the whole pool so nothing
        stays stuck on it; with an empty pool the InvalidBlock is raised. Returns the
        block, the error (None when all went in) and the pool extrinsics it dropped.
        """
        try:
            with self.building(advance_ms) as b:
                fill(b)
                return b.commit(), None, []
        except InvalidBlock as exc:
            broken = exc
        pool = self.store.pending()
        if not pool:  # nothing can get stuck: the caller reports the error, no block
            raise broken
        with self.building(advance_ms) as empty:
            empty.consumed += [key for key, _ in pool]  # after its own (a time-travel record)
            return empty.commit(), broken, [enc for _, enc in pool]

    def submit(self, encoded: bytes, seal: bool, warn: Callable[[str], None] = lambda m: None
               ) -> dict[str, Any]:
        """Validate `encoded` on top of the pool and include it (seal) or queue it.

        Raises TransactionValidityError (nothing changes) when it would not be valid in
        the next block.
        """
        with self.building() as b:
            b.apply_pending(warn if seal else (lambda m: None))
            index = b.apply(encoded)
            if not seal:
                key = self.store.next_pending_key()
                self.backend.write_batch({key: encoded}, ())
                return {"extrinsic_hash": "0x" + extrinsic_hash(encoded).hex(), "pending": True}
            try:
                block = b.commit()
            except InvalidBlock as exc:
                raise ChainError("InvalidBlock", f"the extrinsic would make block #{b.number} "
                                 f"invalid ({exc}); nothing was written") from None
        outcome = block["extrinsics"][index]
        return {"extrinsic_hash": outcome["extrinsic_hash"], "block_number": block["number"],
                "block_hash": block["hash"], "index": outcome["index"],
                "success": outcome["success"], "error": outcome["error"],
                "events": outcome["events"]}


class BlockBuilder:
    """One block in the making: inherent applied at creation, extrinsics, then commit."""

    def __init__(self, chain: Chain, advance_ms: int | None) -> None:
        self.chain = chain
        self.committed = False
        parent = chain.head()
        self.parent_hash = parent.hash()
        self.number = parent.number + 1
        step = chain.genesis.block_time_ms if advance_ms is None else advance_ms
        self.timestamp_ms = chain.timestamp_at(parent) + step
        self.extrinsics: list[bytes] = []
        self.consumed: list[bytes] = []  # node records the block's batch deletes
        travel = chain.store.next_timestamp()
        if travel is not None:  # node.dev.time_travel: this block carries the new time
            self.timestamp_ms = travel
            self.consumed.append(NEXT_TIMESTAMP)
        ex = chain.executive
        ex.initialize_block(self.number, self.parent_hash, self.timestamp_ms)
        self.extrinsics.append(ex.timestamp_extrinsic(self.timestamp_ms))

    def apply(self, encoded: bytes) -> int:
        """Apply one extrinsic; its index in the block. Raises TransactionValidityError."""
        self.chain.executive.apply_extrinsic(encoded)
        self.extrinsics.append(encoded)
        return len(self.extrinsics) - 1

    def apply_pending(self, warn: Callable[[str], None]) -> None:
        """Every pooled extrinsic in submission order; invalid ones leave the pool."""
        for key, enc in self.chain.store.pending():
            self.consumed.append(key)
            try:
                self.apply(enc)
            except TransactionValidityError as exc:
                warn(f"dropped pending extrinsic 0x{extrinsic_hash(enc).hex()}: "
                     f"invalid at block #{self.number}: {exc}")

    def commit(self) -> SealedBlock:
        """Finalize, write the block in one batch; the `seal` JSON of the block (lazy)."""
        chain = self.chain
        try:
            for hook in chain.author_hooks:
                hook.before_finalize(self)
            header = chain.executive.finalize_block()
            raw_events = chain.state.overlay.get(EVENTS_KEY)
            block_hash, puts = BlockStore.block_records(header, self.extrinsics)
            for hook in chain.author_hooks:
                puts.update(hook.after_finalize(self, header))
            chain.state.commit_block(puts, self.consumed)
        except BaseException:
            for hook in chain.author_hooks:  # what they noted of this block is void
                hook.block_discarded()
            raise
        self.committed = True
        return SealedBlock(chain, header.number, block_hash, self.timestamp_ms,
                           self.extrinsics, raw_events)


class SealedBlock(Mapping[str, Any]):
    """The `seal` JSON of one authored block — number, hash, timestamp_ms, extrinsics
    (outcomes) and events — as a read-only mapping whose extrinsics and events are
    decoded and rendered on first access only.

    Why lazy: decoding and rendering a block's events costs about a tenth of authoring
    it, and callers that author many blocks (a fast-forward) mostly never look. The
    inputs (the block's raw `System.Events` value and extrinsics) are captured at commit,
    so rendering later gives the same JSON. `json()` is a plain dict for serialising.
    """

    _KEYS = ("number", "hash", "timestamp_ms", "extrinsics", "events")

    def __init__(self, chain: Chain, number: int, block_hash: bytes, timestamp_ms: int,
                 extrinsics: list[bytes], raw_events: bytes | None) -> None:
        self._chain = chain
        self._raw_events = raw_events
        self.encoded_extrinsics = extrinsics
        self._head = {"number": number, "hash": "0x" + block_hash.hex(),
                      "timestamp_ms": timestamp_ms}
        self._rendered: dict[str, Any] | None = None

    def json(self) -> dict[str, Any]:
        if self._rendered is None:
            rt, ctx = self._chain.rt, self._chain.ctx
            records = decode_events(rt, self._raw_events)
            self._rendered = {
                **self._head,
                "extrinsics": [extrinsic_outcome(rt, records, i, enc, ctx)
                               for i, enc in enumerate(self.encoded_extrinsics)],
                "events": [event_json(rt, r, ctx) for r in records],
            }
        return self._rendered

    def __getitem__(self, key: str) -> Any:
        if key in self._head:
            return self._head[key]
        if key not in self._KEYS:
            raise KeyError(key)
        return self.json()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._KEYS)

    def __len__(self) -> int:
        return len(self._KEYS)
