"""The server's hold on the chain: one worker thread for all chain work, one authoring path.

`Chain` is not thread-safe, so every read and write of it runs on a single-thread
executor (`call`), in submission order; the event loop never blocks on it. Blocks are
authored only by `_author` (on that thread), each one `BlockBuilder.commit` = one
LevelDB batch, with the worker simulator attached as for `seal`.

Head-state reads (`read_head`) skip the thread hop: they read the flat state (`S`
prefix) straight from LevelDB, which only a block's atomic commit batch changes, so a
read sees the previous or the new block, never one being built (a block in the making
lives in the overlay, in memory on the chain thread). The loop-side cache is kept
coherent by `_publish`, which runs on the loop after each commit and replaces every key
the block changed: a value read before the commit was cached and is then overwritten,
one read after it is already new.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from node.chain import Chain
from node.rpc.errors import (
    BAD_FORMAT,
    POOL_ALREADY_IMPORTED,
    POOL_INVALID_TX,
    VERIFICATION_ERROR,
    RpcError,
    transaction_error,
)
from node.rpc.notify import Hub
from runtime.executive import InvalidBlock
from runtime.extrinsic import Extrinsic, ExtrinsicFormatError, extrinsic_hash
from runtime.header import Header
from runtime.scale import ScaleDecodeError
from runtime.validity import TransactionValidityError
from storage.state import FLAT

log = logging.getLogger("phala_emu.rpc")
T = TypeVar("T")
MODES = ("instant", "manual", "interval")
CACHE_KEYS = 50_000


@dataclass
class NewBlock:
    header: Header
    hash: bytes
    extrinsics: list[bytes]
    changes: dict[bytes, bytes | None]


@dataclass
class AuthorOutcome:
    """What one authoring run did: per-submission errors (None = included), the blocks."""

    errors: list[RpcError | None] = field(default_factory=list)
    blocks: list[NewBlock] = field(default_factory=list)
    dropped: list[bytes] = field(default_factory=list)  # pool extrinsics no longer valid


class _NothingToAuthor(Exception):
    """Instant mode found nothing to put in a block: author none."""


class _Capture:
    """Author hook: the block's state changes, read after finalize (for cache and subs)."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.blocks: list[NewBlock] = []
        self._noted = False

    def before_finalize(self, builder: Any) -> None:
        self._noted = False

    def block_discarded(self) -> None:
        if self._noted:  # the batch failed after after_finalize noted the block
            self.blocks.pop()

    def after_finalize(self, builder: Any, header: Header) -> dict[bytes, bytes]:
        self.blocks.append(NewBlock(header, header.hash(), list(builder.extrinsics),
                                    self.chain.state.overlay.changes()))
        self._noted = True
        return {}


def submission_error(chain: Chain, encoded: bytes, exc: TransactionValidityError) -> RpcError:
    """The RPC error of a rejected extrinsic: 1001 (bytes), 1002 (call), else 1010/1011."""
    if exc.kind == "Invalid" and exc.reason == "Call":
        try:
            ext = Extrinsic.decode(encoded)
        except (ExtrinsicFormatError, ScaleDecodeError) as err:
            return RpcError(BAD_FORMAT, f"Extrinsic has invalid format: {err}")
        try:
            chain.rt.decode_call(ext.call)
        except (ScaleDecodeError, ValueError, KeyError) as err:
            return RpcError(VERIFICATION_ERROR, f"Verification Error: {err}")
    return transaction_error(exc)


class Service:
    def __init__(self, chain: Chain, block_mode: str = "instant",
                 block_interval: float | None = None) -> None:
        from node.worker_sim import attach_simulator

        self.chain = chain
        attach_simulator(chain)
        self._capture = _Capture(chain)
        chain.author_hooks.append(self._capture)
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="chain")
        self.hub = Hub()
        self.head: Header = chain.head()
        self.head_hash = self.head.hash()
        self._backend = chain.backend
        self._cache: dict[bytes, bytes | None] = {}
        self._incoming: list[tuple[bytes, asyncio.Future[Any]]] = []
        self._wake: asyncio.Event | None = None
        self._mode_task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.block_interval = block_interval or chain.genesis.block_time_ms / 1000
        self.mode = block_mode
        self.method_counts: Counter[str] = Counter()  # calls by method name (phala_rpcStats)

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.set_mode(self.mode)

    def set_mode(self, mode: str, interval: float | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown block mode {mode!r}")
        if self._mode_task is not None:
            self._mode_task.cancel()
            self._mode_task = None
        self.mode = mode
        if interval is not None:
            self.block_interval = interval
        if mode == "instant":
            self._mode_task = asyncio.ensure_future(self._instant_loop())
            assert self._wake is not None
            self._wake.set()  # what manual mode left in the pool goes into a block now
        elif mode == "interval":
            self._mode_task = asyncio.ensure_future(self._interval_loop())

    async def stop(self) -> None:
        """Let the block being authored finish, then close the chain on its thread."""
        if self._mode_task is not None:
            self._mode_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._mode_task
        for _, fut in self._incoming:
            if not fut.done():
                fut.set_exception(RpcError(-32603, "Internal error", "server shutting down"))
        self._incoming = []
        await self.call(self.chain.close)
        self.executor.shutdown(wait=True)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the chain thread (every use of the Chain goes through here)."""
        loop = self._loop or asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, fn, *args)

    # -- head-state reads without a thread hop ---------------------------------------------
    def read_head(self, key: bytes) -> bytes | None:
        cache = self._cache
        try:
            return cache[key]
        except KeyError:
            pass
        value = self._backend.get(FLAT + key)
        if len(cache) >= CACHE_KEYS:
            cache.clear()
        cache[key] = value
        return value

    # -- authoring (chain thread) -----------------------------------------------------------
    def _author(self, txs: list[bytes], count: int = 1, advance_ms: int | None = None,
                skip_empty: bool = False, strict: bool = False) -> AuthorOutcome:
        """Author `count` blocks; the first takes the pool, then `txs` (each checked).

        skip_empty: author nothing when no extrinsic would go in (instant mode).
        strict: an invalid one of `txs` aborts the whole run (dev_newBlock) with its error.
        """
        chain = self.chain
        out = AuthorOutcome()
        self._capture.blocks = []
        for i in range(count):
            if i > 0:
                with chain.building(advance_ms) as b:
                    b.commit()
                continue

            def fill(b: Any) -> None:
                out.errors.clear()
                out.dropped.clear()
                seen: set[bytes] = set()
                for key, enc in chain.store.pending():
                    b.consumed.append(key)
                    h = extrinsic_hash(enc)
                    try:
                        b.apply(enc)
                        seen.add(h)
                    except TransactionValidityError:
                        out.dropped.append(h)
                for tx in txs:
                    h = extrinsic_hash(tx)
                    if h in seen:
                        out.errors.append(RpcError(POOL_ALREADY_IMPORTED,
                                                   "Transaction Already Imported",
                                                   "0x" + h.hex()))
                        continue
                    try:
                        b.apply(tx)
                        seen.add(h)
                        out.errors.append(None)
                    except TransactionValidityError as exc:
                        out.errors.append(submission_error(chain, tx, exc))
                if strict and any(e is not None for e in out.errors):
                    raise next(e for e in out.errors if e is not None)
                if skip_empty and not seen and not b.consumed:
                    raise _NothingToAuthor

            try:
                _, broken, dropped = chain.author_filled(fill, advance_ms)
            except _NothingToAuthor:
                return out
            except InvalidBlock as exc:  # no pool to drop: no block, the txs are refused
                broken, dropped = exc, []
            if broken is not None:  # authored empty instead: nothing of this run went in
                out.dropped = [extrinsic_hash(enc) for enc in dropped]
                out.errors = [e or RpcError(POOL_INVALID_TX, "Invalid Transaction",
                                            f"the block would be invalid with it ({broken})")
                              for e in out.errors]
        out.blocks = self._capture.blocks
        self._capture.blocks = []
        return out

    def _queue(self, tx: bytes) -> RpcError | None:
        """Check `tx` on top of the pool and add it to the pool (manual / interval modes)."""
        chain = self.chain
        h = extrinsic_hash(tx)
        if any(extrinsic_hash(enc) == h for _, enc in chain.store.pending()):
            return RpcError(POOL_ALREADY_IMPORTED, "Transaction Already Imported", "0x" + h.hex())
        try:
            chain.submit(tx, seal=False)
        except TransactionValidityError as exc:
            return submission_error(chain, tx, exc)
        return None

    # -- authoring (loop) -------------------------------------------------------------------
    async def submit(self, tx: bytes) -> bytes | None:
        """Validate and take `tx`; the hash of the block it went into (instant mode) or
        None (it waits in the pool). Raises RpcError when it is rejected."""
        if self.mode == "instant":
            assert self._loop is not None and self._wake is not None
            fut: asyncio.Future[Any] = self._loop.create_future()
            self._incoming.append((tx, fut))
            self._wake.set()
            err, block_hash = await fut
        else:
            err, block_hash = await self.call(self._queue, tx), None
        if err is not None:
            raise err
        return block_hash  # type: ignore[no-any-return]

    async def _instant_loop(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._incoming = self._incoming, []
            # shielded: a mode change cancels the loop, never a block half announced
            await asyncio.shield(self._run_batch(batch))

    async def _run_batch(self, batch: list[tuple[bytes, asyncio.Future[Any]]]) -> None:
        """Author one instant block from `batch`, announce it, answer every caller."""
        try:
            out = await self.call(self._author, [tx for tx, _ in batch], 1, None, True)
        except Exception as exc:  # noqa: BLE001 - answer the callers, keep serving
            log.exception("authoring failed")
            for _, fut in batch:
                if not fut.done():
                    fut.set_result((RpcError(-32603, "Internal error", str(exc)), None))
            return
        self.publish(out)
        block_hash = out.blocks[-1].hash if out.blocks else None
        for (_, fut), err in zip(batch, out.errors, strict=True):
            if not fut.done():
                fut.set_result((err, None if err is not None else block_hash))

    async def _interval_loop(self) -> None:
        while True:
            await asyncio.sleep(self.block_interval)
            await asyncio.shield(self._run_interval())

    async def _run_interval(self) -> None:
        try:
            out = await self.call(self._author, [], 1)
        except Exception:  # noqa: BLE001 - keep the interval going
            log.exception("authoring failed")
            return
        self.publish(out)

    async def new_blocks(self, count: int, txs: list[bytes]) -> bytes:
        """dev_newBlock: `count` blocks, the first with the pool and `txs`; last hash."""
        out = await self.call(self._author, txs, count, None, False, True)
        self.publish(out)
        return self.head_hash

    # -- after a commit (loop) ---------------------------------------------------------------
    def publish(self, out: AuthorOutcome) -> None:
        for h in out.dropped:
            self.hub.extrinsic_status(h, "dropped")
        for block in out.blocks:
            cache = self._cache
            for k, v in block.changes.items():
                if k in cache:
                    cache[k] = v
            self.head, self.head_hash = block.header, block.hash
            self.hub.new_block(block)

    def reset_head(self, header: Header) -> None:
        """After a rewind: forget cached values, tell head subscribers."""
        self._cache.clear()
        self.head, self.head_hash = header, header.hash()
        self.hub.new_block(NewBlock(header, self.head_hash, [], {}), rewound=True)
