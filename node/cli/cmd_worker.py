"""Simulated workers: add keys, register them with the emulated attestation, inject faults.

The node plays pRuntime for every worker whose key it holds (genesis workers given as
secret URIs, or keys added here): it benchmarks after registration and answers every
heartbeat challenge in the next sealed block (see node/worker_sim.py).

  add SURI [--score N]          hold the worker key (default score: genesis or 2000)
  register PUBKEY_OR_SURI --operator ACCOUNT [--confidence-level N] [--score N]
                                `PhalaRegistry.register_worker_v2` with an attestation signed
                                by the genesis attestation authority and the worker key;
                                sealed at once, signed by the operator (else sudo) key
  offline PUBKEY | online PUBKEY
                                stop / resume answering (fault injection)
  list                          known workers with their on-chain and simulated state

Examples:
  phala-emu worker add //Worker9 --score 3000
  phala-emu worker register //Worker9 --operator //Bob --confidence-level 2
  phala-emu worker offline 0x8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48
  phala-emu --json worker list
"""

from __future__ import annotations

import argparse
from typing import Any

from node.cli.output import CliError, Output
from node.keystore import Keystore
from node.pool import sign_call
from node.render import print_outcome
from node.session import open_chain, warn
from node.worker_sim import attach_simulator
from pallets.registry.attestation import sign_emulated_attestation
from pallets.registry.types import DEFAULT_FEATURES, WorkerRegistrationInfo
from runtime.keys import InvalidAccount, InvalidSecretUri, Keypair, parse_account

NAME = "worker"
HELP = "simulated workers: add, register, offline/online, list"
RUNTIME_VERSION = 1
MACHINE_ID = b"phala-emu"


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="worker_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="hold a worker key so the node simulates it")
    add.add_argument("suri", metavar="SURI")
    add.add_argument("--score", type=int, metavar="N", help="iterations per 6 s (1..6000)")
    reg = sub.add_parser("register", help="register a worker with the emulated attestation")
    reg.add_argument("worker", metavar="PUBKEY_OR_SURI")
    reg.add_argument("--operator", required=True, metavar="ACCOUNT")
    reg.add_argument("--confidence-level", type=int, default=1, metavar="N", help="1..5")
    reg.add_argument("--score", type=int, metavar="N", help="iterations per 6 s (1..6000)")
    for action in ("offline", "online"):
        p = sub.add_parser(action, help=f"take a simulated worker {action}")
        p.add_argument("pubkey", metavar="PUBKEY")
    sub.add_parser("list", help="known workers and their state")


# -- operations (also used by node.staking_lifecycle) ------------------------------------
def add_worker(chain: Any, suri: str, score: int | None = None) -> dict[str, Any]:
    """Hold `suri`'s key; CliError("InvalidSecretUri"|"BadInput")."""
    ks = Keystore(chain)
    try:
        pubkey = ks.add(suri)
    except InvalidSecretUri as exc:
        raise CliError("InvalidSecretUri", str(exc)) from None
    settings = _update(ks, pubkey, score=score)
    return {"pubkey": "0x" + pubkey.hex(), **settings}


def register_worker(chain: Any, worker: str, operator: str, confidence_level: int = 1,
                    score: int | None = None) -> dict[str, Any]:
    """Sign and seal `register_worker_v2` for a held worker key; the extrinsic outcome.

    CliError: InvalidSecretUri / BadInput (unknown key, bad account or level),
    MissingKey (the node lacks the worker's or the attestation authority's key)."""
    ks = Keystore(chain)
    pubkey = _held_worker(chain, ks, worker)
    try:
        op = parse_account(operator)
    except InvalidAccount as exc:
        raise CliError("BadInput", f"--operator: {exc}") from None
    if not 1 <= confidence_level <= 5:
        raise CliError("BadInput", f"--confidence-level {confidence_level}: must be 1..5")
    _update(ks, pubkey, score=score)
    authority_key = chain.rt["PhalaRegistry"].AttestationAuthority.get()
    authority = None if authority_key is None else ks.signer(authority_key)
    if authority is None:
        raise CliError("MissingKey", "the node does not hold the attestation authority's key")
    worker_key = ks.signer(pubkey)
    assert worker_key is not None
    suri = ks.suri_of(pubkey)
    info = WorkerRegistrationInfo(
        version=RUNTIME_VERSION, machine_id=MACHINE_ID, pubkey=pubkey,
        ecdh_pubkey=Keypair.from_uri(f"{suri}//ecdh").public_key,
        genesis_block_hash=chain.genesis_hash, features=list(DEFAULT_FEATURES), operator=op)
    now_secs = chain.timestamp_at(chain.head()) // 1000
    attestation = sign_emulated_attestation(authority, worker_key, info,  # type: ignore[arg-type]
                                            confidence_level, now_secs)
    call = chain.rt.make_call("PhalaRegistry", "register_worker_v2", pruntime_info=info,
                              attestation=attestation)
    signer = ks.signer(op) or ks.signer(chain.genesis.sudo) or worker_key
    attach_simulator(chain)
    encoded = sign_call(chain, signer, call)  # type: ignore[arg-type]
    return chain.submit(encoded, seal=True, warn=warn)  # type: ignore[no-any-return]


def set_offline(chain: Any, pubkey_text: str, offline: bool) -> dict[str, Any]:
    """Mark a simulated worker offline/online; CliError("BadInput") for an unknown key."""
    ks = Keystore(chain)
    pubkey = _held_worker(chain, ks, pubkey_text)
    return {"pubkey": "0x" + pubkey.hex(), **ks.update_settings(pubkey, offline=offline)}


def list_workers(chain: Any) -> list[dict[str, Any]]:
    """Registered and simulated workers, in public-key order."""
    rt = chain.rt
    sim = attach_simulator(chain)
    sim.ensure_current(chain.head().hash())
    registry, mining = rt["PhalaRegistry"], rt["PhalaMining"]
    keys = set(sim.workers) | {pk for pk, _ in registry.Workers.iter()}
    out = []
    for pk in sorted(keys):
        info = registry.worker(pk)
        miner = mining.WorkerBindings.get(pk)
        mi = None if miner is None else mining.Miners.get(miner)
        s = sim.workers.get(pk)
        ws = None if s is None else s.replica.working_state
        entry: dict[str, Any] = {
            "pubkey": "0x" + pk.hex(),
            "simulated": s is not None,
            "registered": info is not None,
            "operator": None if info is None or info.operator is None
            else chain.ctx.ss58(info.operator),
            "confidence_level": None if info is None else info.confidence_level,
            "initial_score": None if info is None else info.initial_score,
            "pool": rt["PhalaStakePool"].WorkerAssignments.get(pk),
            "miner": None if miner is None else chain.ctx.ss58(miner),
            "miner_state": None if mi is None else mi.state.name,
            "v_bits": None if mi is None else mi.v,
            "total_reward": None if mi is None else mi.stats.total_reward,
        }
        if s is not None:
            entry.update(sim.keystore.settings(pk))
            entry["session"] = None if ws is None else {
                "session_id": ws.session_id, "state": ws.state.name}
            entry["benchmarking"] = s.replica.bench_state is not None
            entry["outbox"] = len(s.outbox)
        out.append(entry)
    return out


def _update(ks: Keystore, pubkey: bytes, **changes: Any) -> dict[str, Any]:
    try:
        return ks.update_settings(pubkey, **changes)
    except ValueError as exc:
        raise CliError("BadInput", f"--score: {exc}") from None


def _held_worker(chain: Any, ks: Keystore, text: str) -> bytes:
    """The public key of a held worker named by SURI (added if new) or public key."""
    if "/" in text or " " in text:
        try:
            return ks.add(text)
        except InvalidSecretUri as exc:
            raise CliError("InvalidSecretUri", str(exc)) from None
    try:
        pubkey = parse_account(text)
    except InvalidAccount as exc:
        raise CliError("BadInput", str(exc)) from None
    if pubkey not in ks.worker_keys():
        raise CliError("BadInput", f"the node holds no key for worker 0x{pubkey.hex()} "
                       "(phala-emu worker add SURI)")
    return pubkey


def run(args: argparse.Namespace, out: Output) -> int:
    with open_chain(args) as chain:
        cmd = args.worker_command
        if cmd == "add":
            out.result(add_worker(chain, args.suri, args.score))
        elif cmd == "register":
            out.result(register_worker(chain, args.worker, args.operator,
                                       args.confidence_level, args.score), print_outcome)
        elif cmd in ("offline", "online"):
            out.result(set_offline(chain, args.pubkey, cmd == "offline"))
        else:
            out.result(list_workers(chain), _print_list)
    return 0


def _print_list(workers: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="workers")
    for col in ("pubkey", "sim", "pool", "miner state", "V", "reward (PHA)", "score", "online"):
        table.add_column(col)
    for w in workers:
        v = "" if w["v_bits"] is None else f"{w['v_bits'] / 2**64:.4f}"
        reward = "" if w["total_reward"] is None else f"{w['total_reward'] / 10**12:.6f}"
        table.add_row(w["pubkey"][:18] + "…", "yes" if w["simulated"] else "no",
                      "" if w["pool"] is None else str(w["pool"]), w["miner_state"] or "",
                      v, reward, str(w.get("score", "")),
                      "" if not w["simulated"] else ("no" if w["offline"] else "yes"))
    Console().print(table)
