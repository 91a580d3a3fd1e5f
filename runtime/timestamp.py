"""pallet-timestamp: the block time, set once per block by an inherent (substrate.md §2.5).

`set` must be dispatched with origin None exactly once per block, as extrinsic 0.
Time must strictly increase (MinimumPeriod = 1 ms): two blocks with the same
timestamp would make the per-second economics divide by a zero interval, and a
1 ms block time still satisfies it. The reference asserts (panics); the emulator
raises `DispatchError::Other`, which the executive turns into `BadMandatory`.
"""

from __future__ import annotations

from typing import Any

from runtime.codec import BOOL, U64, Compact
from runtime.dispatch import Origin, Other, ensure_none
from runtime.pallet import Pallet, call, constants
from runtime.storage_items import StorageValue

MINIMUM_PERIOD_MS = 1


class Timestamp(Pallet):
    NAME = "Timestamp"
    CRATE = "pallet_timestamp"
    CONSTANTS = constants(
        ("MinimumPeriod", U64, lambda cfg: MINIMUM_PERIOD_MS,
         "The minimum period between blocks (ms)."),
    )

    Now = StorageValue(U64, default=0, doc="Current time in milliseconds.")
    DidUpdate = StorageValue(BOOL, default=False, doc="Whether Now was set in this block.")

    def genesis_build(self, section: Any = None) -> None:
        """An optional genesis time in ms (`{"now": ms}` or a bare int); nothing by default."""
        now = section.get("now") if isinstance(section, dict) else section
        if now:
            self.Now.put(int(now))

    @call(0, ("now", Compact(U64)))
    def set(self, origin: Origin, now: int) -> None:
        """Set the block time (inherent). Raises BadOrigin unless origin is None; Other when
        set twice in a block or when `now` is below the previous time + MinimumPeriod."""
        ensure_none(origin)
        if self.DidUpdate.get():
            raise Other("Timestamp must be updated only once in the block")
        prev = self.Now.get()
        if prev and now < prev + MINIMUM_PERIOD_MS:
            raise Other("Timestamp must increment by at least <MinimumPeriod> "
                        "between sequential blocks")
        self.Now.put(now)
        self.DidUpdate.put(True)

    def on_finalize(self, n: int) -> None:
        # The reference asserts the inherent ran; the executive enforces it (BadMandatory).
        self.DidUpdate.kill()
