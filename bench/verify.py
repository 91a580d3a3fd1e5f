"""Raw sr25519 verification throughput on one core: the ceiling for block import.

    .venv/bin/python -m bench.verify [SECONDS]
"""

from __future__ import annotations

import statistics
import sys
import time

from runtime import crypto
from runtime.keys import Keypair


def verify_rate(seconds: float = 1.0, runs: int = 5) -> float:
    """Median sr25519 verifications per second over `runs` runs of `seconds` / runs each."""
    keypair = Keypair.from_uri("//Alice")
    message = bytes(range(77))  # a typical unhashed signing payload length
    signature = keypair.sign(message)
    rates = []
    per_run = seconds / runs
    for _ in range(runs):
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < per_run:
            for _ in range(50):
                crypto.sr25519_verify(keypair.public_key, message, signature)
            count += 50
        rates.append(count / elapsed)
    return statistics.median(rates)


if __name__ == "__main__":
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    print(f"sr25519 verify: {verify_rate(secs):,.0f} /s (one core, median of 5 runs)")
