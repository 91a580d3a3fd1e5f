"""A test chain for pallet tests: a runtime over an in-memory Overlay, driven like blocks.

    chain = Chain()                                   # every pallet of node.composition
    chain.genesis(balances=[(ALICE, 10**15)], sudo=ALICE, phala_stake_pool={...})
    out = chain.call(ALICE, "Balances", "transfer_keep_alive", dest=BOB, value=10**12)
    assert out.success and out.events == [("Balances", "Transfer", {...})]
    chain.next_block()                                # finalize this block, start the next
    chain.advance(3600)                               # one block, one hour later

Blocks go through the real Executive: initialize (System, on_initialize hooks,
Timestamp.set inherent), extrinsics, finalize (on_finalize hooks). `call` applies
the call like a signed extrinsic without a signature (nonce bump, phase
ApplyExtrinsic(i), ExtrinsicSuccess/Failed); ExtrinsicData holds its bare encoding
and headers carry a zero state root, so block hashes are only unique, not real.
Genesis time is GENESIS_TIME_MS; each block adds the config's expected block time.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, NamedTuple

from runtime.config import RuntimeConfig
from runtime.dispatch import Origin
from runtime.executive import Executive, decode_event_records
from runtime.keys import Keypair
from runtime.runtime import Runtime
from storage.overlay import Overlay

GENESIS_TIME_MS = 1_600_000_000_000  # 2020-09-13, a plausible mainnet-era time


def account(name: str) -> bytes:
    """The sr25519 dev account `//Name` (e.g. account("Alice"))."""
    return Keypair.from_uri(f"//{name}").public_key


ALICE, BOB, CHARLIE, DAVE, EVE, FERDIE = (account(n) for n in
                                         ("Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"))


class Event(NamedTuple):
    """A decoded event; compares equal to a plain (pallet, name, fields) tuple."""

    pallet: str
    name: str
    fields: dict[str, Any]


class Outcome(NamedTuple):
    success: bool
    error: str | None           # "PhalaStakePool.PoolDoesNotExist", "BadOrigin", ...
    events: list[Event]         # the call's own events (without ExtrinsicSuccess/Failed)


def default_pallets() -> list[tuple[int, type]]:
    """Every pallet of the composition whose module imports (others are skipped)."""
    from runtime.balances import Balances
    from runtime.sudo import Sudo
    from runtime.system import System
    from runtime.timestamp import Timestamp

    found: list[tuple[int, type]] = [(0, System), (1, Timestamp), (2, Balances), (3, Sudo)]
    for idx, module, name in ((4, "pallets.mq", "PhalaMq"),
                              (5, "pallets.registry", "PhalaRegistry"),
                              (6, "pallets.mining", "PhalaMining"),
                              (7, "pallets.stake_pool", "PhalaStakePool")):
        try:
            found.append((idx, getattr(__import__(module, fromlist=[name]), name)))
        except (ImportError, AttributeError):
            pass
    return found


def to_event(variant: Any) -> Event:
    inner = variant.value
    return Event(variant.name, inner.name, dict(inner.value or {}))


def _section_key(name: str) -> str:
    return name.replace("_", "").lower()


class Chain:
    def __init__(self, pallets: Sequence[tuple[int, type]] | None = None,
                 config: RuntimeConfig | None = None) -> None:
        """A runtime of `pallets` (default: default_pallets()) over an empty Overlay."""
        from node.composition import wire

        self.state = Overlay()
        self.rt = Runtime(list(pallets or default_pallets()), self.state, config)
        wire(self.rt)
        self.executive = Executive(self.rt)
        self.now_ms = GENESIS_TIME_MS
        self.block_ms = self.rt.config.mining.expected_block_time_sec * 1000
        self.parent_hash = bytes(32)
        self.open = False
        self._past_events: dict[int, bytes | None] = {}

    def __getitem__(self, pallet: str) -> Any:
        return self.rt.pallets[pallet]

    @property
    def number(self) -> int:
        return self.rt.block_number()

    # -- genesis and blocks ------------------------------------------------------------------
    def genesis(self, balances: Sequence[tuple[bytes, int]] = (), start: bool = True,
                **sections: Any) -> Chain:
        """Build genesis at block 0 (no events) and, if `start`, open block 1.

        `sections` are keyed by pallet name, either spelling: sudo=ALICE, PhalaMining={...},
        phala_stake_pool={...}. Each present pallet's `genesis_build(section)` runs in
        index order; pallets without a section get `genesis_build()` if that takes no
        argument. Raises KeyError for a section naming no pallet.
        """
        given = {_section_key(k): v for k, v in sections.items()}
        known = {_section_key(p.NAME) for p in self.rt.by_index.values()}
        if balances or "balances" in known:
            given["balances"] = list(balances)
        unknown = set(given) - known
        if unknown:
            raise KeyError(f"genesis sections for unknown pallets: {sorted(unknown)}")
        for _, pallet in sorted(self.rt.by_index.items()):
            build = getattr(pallet, "genesis_build", None)
            if build is None:
                continue
            key = _section_key(pallet.NAME)
            if key in given:
                build(given[key])
            elif all(p.default is not p.empty
                     for p in inspect.signature(build).parameters.values()):
                build()
        self.parent_hash = bytes(32)  # the genesis hash stand-in written into BlockHash(0)
        if start:
            self.next_block()
        return self

    def next_block(self, advance_ms: int | None = None) -> None:
        """Finalize the open block (on_finalize hooks) and start the next one at
        now + advance_ms (default: one expected block time)."""
        if self.open:
            header = self.executive.finalize_block()
            # after finalize: on_finalize events (phase Finalization) belong to this block
            self._past_events[self.number] = self.rt.pallets["System"].Events.raw()
            self.parent_hash = header.hash()
        self.now_ms += self.block_ms if advance_ms is None else advance_ms
        self.executive.initialize_block(self.number + 1, self.parent_hash, self.now_ms)
        self.open = True

    def advance(self, seconds: int) -> None:
        """Let `seconds` pass cheaply: the next block is one block with that time jump."""
        self.next_block(advance_ms=seconds * 1000)

    # -- extrinsics --------------------------------------------------------------------------
    def call(self, who: bytes | Origin, pallet: str, call: str, /, **args: Any) -> Outcome:
        """Apply `pallet.call(**args)` in the open block, as a signed extrinsic of `who`
        (or with the given Origin). Arguments round-trip through the call codec."""
        origin = Origin.signed(who) if isinstance(who, bytes) else who
        variant = self.rt.decode_call(self.rt.encode_call(self.rt.make_call(pallet, call, **args)))
        result = self.executive.apply_trusted(variant, origin)
        error = None if result.error is None else result.error.describe()
        return Outcome(result.success, error, [to_event(e) for e in result.events[:-1]])

    def sudo(self, pallet: str, call: str, /, **args: Any) -> Outcome:
        """Apply the call with Root origin (as Sudo.sudo's inner call would run)."""
        return self.call(Origin.root(), pallet, call, **args)

    # -- inspection --------------------------------------------------------------------------
    def event_records(self, block: int | None = None) -> list[dict[str, Any]]:
        """Event records ({phase, event, topics}) of the open block or a finalized one."""
        if block is None or (block == self.number and self.open):
            return list(self.rt.pallets["System"].event_records())
        return list(decode_event_records(self.rt, self._past_events.get(block)))

    def events(self, block: int | None = None) -> list[Event]:
        """Decoded events of the open block (or of an earlier finalized block)."""
        return [to_event(r["event"]) for r in self.event_records(block)]

    def free(self, who: bytes) -> int:
        return int(self.rt.pallets["Balances"].free_balance(who))

    def snapshot(self) -> dict[bytes, bytes]:
        """Every key and value of the current state (for "nothing else changed")."""
        return dict(self.state.iter_prefix(b""))

    def try_state(self) -> None:
        """Run every pallet's invariant checks; AssertionError names the broken one."""
        for _, pallet in sorted(self.rt.by_index.items()):
            pallet.try_state()


class SignedChain:
    """Real blocks for executive tests: a ChainState over a MemoryBackend, signed extrinsics.

        sc = SignedChain(balances=[(ALICE, 10**15)])      # genesis committed, no block open
        sc.open_block()                                   # block 1 with its timestamp inherent
        result = sc.apply(sc.sign("//Alice", "Balances", "transfer_keep_alive", ...))
        header, block_bytes = sc.seal()                   # finalize + commit
    """

    def __init__(self, balances: Sequence[tuple[bytes, int]] = (), sudo: bytes | None = None,
                 pallets: Sequence[tuple[int, type]] | None = None,
                 config: RuntimeConfig | None = None) -> None:
        from runtime.balances import Balances
        from runtime.header import Header
        from runtime.sudo import Sudo
        from runtime.system import System
        from runtime.timestamp import Timestamp
        from storage.backend import MemoryBackend
        from storage.state import ChainState
        from storage.trie import ordered_trie_root

        self.config = config or RuntimeConfig()
        self.cs = ChainState(MemoryBackend(), self.config.state_version)
        pallets = pallets or [(0, System), (1, Timestamp), (2, Balances), (3, Sudo)]
        self.rt = Runtime(list(pallets), self.cs.overlay, self.config)
        self.executive = Executive(self.rt, state_root=self.cs.root)
        self.rt.pallets["System"].genesis_build()
        self.rt.pallets["Balances"].genesis_build(list(balances))
        if sudo is not None and "Sudo" in self.rt.pallets:
            self.rt.pallets["Sudo"].genesis_build(sudo)
        root = self.cs.commit_block()
        self.genesis_header = Header(bytes(32), 0, root, ordered_trie_root([]), [])
        self.genesis_hash = self.genesis_header.hash()
        self.head = self.genesis_header
        self.now_ms = GENESIS_TIME_MS
        self.extrinsics: list[bytes] = []

    @property
    def number(self) -> int:
        return self.head.number

    def open_block(self, advance_ms: int = 12_000) -> None:
        """Initialize block head+1 and apply its timestamp inherent."""
        self.now_ms += advance_ms
        self.extrinsics = [self.executive.timestamp_extrinsic(self.now_ms)]
        self.executive.initialize_block(self.head.number + 1, self.head.hash(), None)
        self.executive.apply_extrinsic(self.extrinsics[0])

    def sign(self, suri: str, pallet: str, call: str, /, *, nonce: int | None = None,
             era: Any = None, tip: int = 0, genesis_hash: bytes | None = None,
             checkpoint: bytes | None = None, spec_version: int | None = None,
             **args: Any) -> bytes:
        """A signed v4 extrinsic of `suri` (defaults: account nonce, immortal, the real
        genesis hash as genesis and checkpoint, the runtime's versions)."""
        from runtime.era import Era
        from runtime.extrinsic import sign_extrinsic

        kp = Keypair.from_uri(suri)
        call_bytes = self.rt.encode_call(self.rt.make_call(pallet, call, **args))
        if nonce is None:
            nonce = self.rt.pallets["System"].nonce(kp.public_key)
        era = era or Era()
        genesis = genesis_hash or self.genesis_hash
        ext = sign_extrinsic(
            kp, call_bytes, nonce=nonce, era=era, tip=tip,
            spec_version=self.config.spec_version if spec_version is None else spec_version,
            tx_version=self.config.transaction_version, genesis_hash=genesis,
            checkpoint_hash=checkpoint or genesis)
        return ext.encode()

    def apply(self, ext: bytes) -> Any:
        """Apply in the open block; keeps the bytes for the block body when included."""
        result = self.executive.apply_extrinsic(ext)
        self.extrinsics.append(ext)
        return result

    def seal(self) -> tuple[Any, bytes]:
        """Finalize and commit the open block: (header, encoded block)."""
        from runtime.header import encode_block

        header = self.executive.finalize_block()
        root = self.cs.commit_block()
        assert root == header.state_root
        self.head = header
        return header, encode_block(header, self.extrinsics)
