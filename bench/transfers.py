"""Signed transfers applied per second on one core, beside the raw sr25519 verification rate.

    .venv/bin/python -m bench.transfers [TRANSFERS_PER_BLOCK] [BLOCKS]

Each timed block is the full import path: initialize, timestamp inherent, then per
extrinsic decode + signature check + nonce/era checks + dispatch of
`Balances.transfer_keep_alive`, finalize (extrinsics root) and `ChainState.commit_block`
(state root, nodes written to an in-memory backend). Extrinsics are signed beforehand.
Prints the medians over the blocks and the ratio to the verification rate.
"""

from __future__ import annotations

import statistics
import sys
import time

from bench.verify import verify_rate
from runtime.balances import Balances
from runtime.config import RuntimeConfig
from runtime.era import Era
from runtime.executive import Executive
from runtime.extrinsic import sign_extrinsic
from runtime.header import Header
from runtime.keys import Keypair
from runtime.runtime import Runtime
from runtime.sudo import Sudo
from runtime.system import System
from runtime.timestamp import Timestamp
from storage.backend import MemoryBackend
from storage.state import ChainState
from storage.trie import ordered_trie_root

SENDERS = 100
BLOCK_MS = 12_000


def build_chain(senders: list[Keypair]) -> tuple[Runtime, Executive, ChainState, Header]:
    config = RuntimeConfig()
    cs = ChainState(MemoryBackend(), config.state_version)
    rt = Runtime([(0, System), (1, Timestamp), (2, Balances), (3, Sudo)], cs.overlay, config)
    rt.pallets["System"].genesis_build()
    rt.pallets["Balances"].genesis_build([(k.public_key, 10**18) for k in senders])
    root = cs.commit_block()
    genesis = Header(bytes(32), 0, root, ordered_trie_root([]), [])
    return rt, Executive(rt, state_root=cs.root), cs, genesis


def sign_block(rt: Runtime, senders: list[Keypair], per_block: int, block: int,
               genesis_hash: bytes) -> list[bytes]:
    """`per_block` transfers spread over the senders, nonces continuing from earlier blocks."""
    out = []
    per_sender = per_block // len(senders)
    for i, kp in enumerate(senders):
        dest = senders[(i + 1) % len(senders)].public_key
        call = rt.encode_call(rt.make_call("Balances", "transfer_keep_alive", dest=dest,
                                           value=10**10 + i))
        for j in range(per_sender):
            ext = sign_extrinsic(kp, call, nonce=block * per_sender + j, era=Era(), tip=0,
                                 spec_version=rt.config.spec_version,
                                 tx_version=rt.config.transaction_version,
                                 genesis_hash=genesis_hash, checkpoint_hash=genesis_hash)
            out.append(ext.encode())
    return out


def transfer_rates(per_block: int = 1000, blocks: int = 5) -> list[float]:
    """Transfers per second of each imported block (block building + commit included)."""
    senders = [Keypair.from_uri(f"//bench{i}") for i in range(SENDERS)]
    rt, executive, cs, head = build_chain(senders)
    genesis_hash = head.hash()
    bodies = [sign_block(rt, senders, per_block, b, genesis_hash) for b in range(blocks)]
    now, rates = 1_600_000_000_000, []
    for body in bodies:
        now += BLOCK_MS
        start = time.perf_counter()
        executive.initialize_block(head.number + 1, head.hash(), now)
        for ext in body:
            if not executive.apply_extrinsic(ext).success:
                raise RuntimeError("a benchmark transfer failed")
        head = executive.finalize_block()
        cs.commit_block()
        rates.append(len(body) / (time.perf_counter() - start))
    return rates


def main() -> None:
    per_block = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    blocks = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    rates = transfer_rates(per_block, blocks)
    verify = verify_rate(2.0)
    transfers = statistics.median(rates)
    print(f"signed transfers: {transfers:,.0f} /s (median of {blocks} blocks of {per_block}, "
          "decode + verify + dispatch + commit)")
    print(f"sr25519 verify:   {verify:,.0f} /s (one core, median of 5 runs)")
    print(f"ratio:            {transfers / verify:.2f} (target >= 0.25)")


if __name__ == "__main__":
    main()
