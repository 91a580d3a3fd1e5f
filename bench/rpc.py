"""`phala-emu serve` throughput: storage reads and pre-signed transfers over WebSocket.

    .venv/bin/python -m bench.rpc [READS] [TRANSFERS] [RUNS]

Starts `serve` (instant mode) as a subprocess on a fresh dev chain and measures, as
medians over RUNS:
* `state_getStorage` pipelined on one WebSocket (requests/s; all sent, then all read);
* the same over 10 connections together (requests/s in all);
* pre-signed `Balances.transfer_keep_alive` extrinsics through `author_submitExtrinsic`
  pipelined on one connection (instant mode seals those that arrive together in one
  block), as a ratio to the in-process signed-transfer rate of `bench.transfers`
  measured right after each run, so that both see the same machine load (target >= 0.5).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.transfers import transfer_rates
from node.composition import build_runtime
from node.genesis import parse_genesis
from runtime.era import Era
from runtime.extrinsic import sign_extrinsic
from runtime.hashing import blake2_128, storage_prefix
from runtime.keys import Keypair
from storage.overlay import Overlay

REPO = Path(__file__).resolve().parent.parent
GENESIS = REPO / "node" / "dev_genesis.json"
SENDERS = ["//Alice", "//Bob", "//Charlie", "//Dave", "//Eve", "//Ferdie"]


def start(base: Path) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    subprocess.run([sys.executable, "-m", "node", "--base-path", str(base), "init",
                    "--genesis", str(GENESIS)], check=True, capture_output=True, cwd=REPO)
    proc = subprocess.Popen([sys.executable, "-m", "node", "--base-path", str(base), "--json",
                             "serve", "--rpc-port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=REPO)
    assert proc.stdout is not None
    return proc, json.loads(proc.stdout.readline())


async def pipelined(url: str, requests: list[str]) -> float:
    """Send every request on one connection, read every answer; seconds taken."""
    async with aiohttp.ClientSession() as session, \
            session.ws_connect(url, max_msg_size=0) as ws:
        start = time.perf_counter()

        async def send() -> None:
            for r in requests:
                await ws.send_str(r)

        sender = asyncio.ensure_future(send())
        for _ in requests:
            doc = json.loads((await ws.receive()).data)
            if "error" in doc:
                raise RuntimeError(f"benchmark request failed: {doc['error']}")
        await sender
        return time.perf_counter() - start


async def read_rates(url: str, key: str, n: int, connections: int) -> float:
    reqs = [json.dumps({"jsonrpc": "2.0", "id": i, "method": "state_getStorage",
                        "params": [key]}) for i in range(n // connections)]
    start = time.perf_counter()
    await asyncio.gather(*(pipelined(url, reqs) for _ in range(connections)))
    return n / (time.perf_counter() - start)


def signed_transfers(genesis_hash: bytes, count: int, first_nonce: int) -> list[bytes]:
    genesis = parse_genesis(GENESIS.read_bytes())
    config = genesis.runtime_config()
    rt = build_runtime(Overlay(), config)
    keys = [Keypair.from_uri(s) for s in SENDERS]
    out = []
    per = count // len(keys)
    for i, kp in enumerate(keys):
        dest = keys[(i + 1) % len(keys)].public_key
        call = rt.encode_call(rt.make_call("Balances", "transfer_keep_alive", dest=dest,
                                           value=10**10))
        for j in range(per):
            out.append(sign_extrinsic(kp, call, nonce=first_nonce + j, era=Era(), tip=0,
                                      spec_version=config.spec_version,
                                      tx_version=config.transaction_version,
                                      genesis_hash=genesis_hash,
                                      checkpoint_hash=genesis_hash).encode())
    # interleave the senders, as independent clients would arrive
    return [out[s * per + j] for j in range(per) for s in range(len(keys))]


def main() -> None:
    reads = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    transfers = int(sys.argv[2]) if len(sys.argv) > 2 else 1_200
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    tmp = Path(tempfile.mkdtemp(prefix="bench-rpc-"))
    proc, info = start(tmp / "chain")
    try:
        url = info["url"]
        genesis_hash = bytes.fromhex(info["genesis_hash"][2:])
        alice = Keypair.from_uri("//Alice").public_key
        key = "0x" + (storage_prefix("System", "Account") + blake2_128(alice) + alice).hex()
        one = [asyncio.run(read_rates(url, key, reads, 1)) for _ in range(runs)]
        ten = [asyncio.run(read_rates(url, key, reads, 10)) for _ in range(runs)]
        per_sender = transfers // len(SENDERS)
        tx_rates, local_rates = [], []
        for r in range(runs):
            txs = signed_transfers(genesis_hash, transfers, r * per_sender)
            reqs = [json.dumps({"jsonrpc": "2.0", "id": i, "method": "author_submitExtrinsic",
                                "params": ["0x" + t.hex()]}) for i, t in enumerate(txs)]
            tx_rates.append(len(reqs) / asyncio.run(pipelined(url, reqs)))
            # right after, so both see the same machine load (the server idles meanwhile)
            local_rates.append(statistics.median(transfer_rates(1000, 2)))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)
    in_process = statistics.median(local_rates)
    served = statistics.median(tx_rates)
    ratio = statistics.median(t / loc for t, loc in zip(tx_rates, local_rates, strict=True))
    print(f"state_getStorage, 1 WebSocket pipelined: {statistics.median(one):,.0f} req/s "
          f"(median of {runs} x {reads}; target >= 5,000)")
    print(f"state_getStorage, 10 connections:       {statistics.median(ten):,.0f} req/s in all "
          "(target >= 5,000)")
    print(f"signed transfers via author_submitExtrinsic (instant): {served:,.0f} /s "
          f"(median of {runs} x {transfers})")
    print(f"signed transfers in process (bench.transfers):         {in_process:,.0f} /s")
    print(f"ratio:                                                 {ratio:.2f} "
          "(median of the paired runs; target >= 0.5)")


if __name__ == "__main__":
    main()
