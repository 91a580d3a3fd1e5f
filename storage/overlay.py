"""Nested change layers over a committed key-value view.

Layer 0 holds the changes of the block being built; every `begin()` opens a
transactional layer that `commit()` folds into its parent or `rollback()` discards.
A deleted key is recorded as `None` so it hides the committed value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

MAX_DEPTH = 255  # Substrate's transactional layer limit


class ReadView(Protocol):
    """What the overlay reads through to: the committed state."""

    def get(self, key: bytes) -> bytes | None: ...

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Committed (key, value) pairs whose key starts with prefix, keys ascending."""
        ...


class EmptyView:
    def get(self, key: bytes) -> bytes | None:
        return None

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        return iter(())


class OverlayError(Exception):
    """Misuse of the layer stack (commit/rollback without a layer, depth limit)."""


class Overlay:
    def __init__(self, base: ReadView | None = None) -> None:
        self.base: ReadView = base if base is not None else EmptyView()
        self._layers: list[dict[bytes, bytes | None]] = [{}]

    # -- layers ---------------------------------------------------------------
    @property
    def depth(self) -> int:
        """Number of open transactional layers above the block layer."""
        return len(self._layers) - 1

    def begin(self) -> None:
        if self.depth >= MAX_DEPTH:
            raise OverlayError(f"transactional layer limit {MAX_DEPTH} reached")
        self._layers.append({})

    def commit(self) -> None:
        if self.depth == 0:
            raise OverlayError("commit without an open layer")
        top = self._layers.pop()
        self._layers[-1].update(top)

    def rollback(self) -> None:
        if self.depth == 0:
            raise OverlayError("rollback without an open layer")
        self._layers.pop()

    # -- reads and writes -----------------------------------------------------
    def get(self, key: bytes) -> bytes | None:
        for layer in reversed(self._layers):
            if key in layer:
                return layer[key]
        return self.base.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        self._layers[-1][key] = value

    def delete(self, key: bytes) -> None:
        self._layers[-1][key] = None

    def _pending_with_prefix(self, prefix: bytes) -> dict[bytes, bytes | None]:
        merged: dict[bytes, bytes | None] = {}
        for layer in self._layers:
            for k, v in layer.items():
                if k.startswith(prefix):
                    merged[k] = v
        return merged

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Current (key, value) pairs under prefix, keys ascending.

        Materialises the pending keys first, so writing while iterating is safe.
        """
        pending = self._pending_with_prefix(prefix)
        pkeys = sorted(pending)
        base_items = [(k, v) for k, v in self.base.iter_prefix(prefix) if k not in pending]
        i = j = 0
        out: list[tuple[bytes, bytes]] = []
        while i < len(pkeys) or j < len(base_items):
            if j >= len(base_items) or (i < len(pkeys) and pkeys[i] < base_items[j][0]):
                v = pending[pkeys[i]]
                if v is not None:
                    out.append((pkeys[i], v))
                i += 1
            else:
                out.append(base_items[j])
                j += 1
        return iter(out)

    def clear_prefix(self, prefix: bytes) -> int:
        """Delete every current key under prefix; returns how many were removed."""
        keys = [k for k, _ in self.iter_prefix(prefix)]
        for k in keys:
            self.delete(k)
        return len(keys)

    def clear_prefix_limited(self, prefix: bytes, limit: int) -> None:
        """sp_io's `clear_prefix(prefix, Some(limit))`: every pending key under prefix is
        deleted, then the first `limit` committed keys under it in key order (counted
        whether or not a pending change had already deleted them)."""
        for k in self._pending_with_prefix(prefix):
            self.delete(k)
        if limit == 0:
            return
        for n, (k, _) in enumerate(self.base.iter_prefix(prefix), 1):
            self.delete(k)
            if n == limit:
                break

    # -- block level ------------------------------------------------------------
    def changes(self) -> dict[bytes, bytes | None]:
        """The block's net changes (only meaningful with no open layer)."""
        if self.depth:
            raise OverlayError("changes() with open transactional layers")
        return dict(self._layers[0])

    def reset(self) -> None:
        """Drop every pending change (after a flush or an aborted block)."""
        self._layers = [{}]
