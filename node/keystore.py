"""The keys the node can sign with, and its per-worker simulation settings.

Keys come from two places:
* the block store's keystore records (`K` ++ public key → secret URI): genesis workers
  given as secret URIs (written at `init`) and keys added with `phala-emu worker add`;
* the secret URIs written in the chain's genesis file for other roles (sudo, funded
  accounts, worker operators, the attestation authority) — a dev chain's genesis names
  them, so the node can sign as the operator or the attestation authority.

Worker settings (`k` ++ public key → JSON `{"score": int, "offline": bool}`) are node
records outside the state: taking a worker offline is a fault injected into the node,
not a transaction. Every signature made for the simulator is deterministic
(node.det_sign), so equal inputs author equal blocks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from node import det_sign
from runtime.keys import InvalidSecretUri, Keypair

WORKER_SETTINGS = b"k"
DEFAULT_SCORE = 2000  # iterations per 6 s of a simulated worker without a configured score
MAX_SCORE = 6000


@dataclass(frozen=True)
class DeterministicKeypair:
    """An sr25519 key pair whose `sign` is deterministic; accepted wherever the node
    signs with a `Keypair` (extrinsics, MQ messages, attestations)."""

    inner: Keypair

    @property
    def crypto(self) -> str:
        return self.inner.crypto

    @property
    def public_key(self) -> bytes:
        return self.inner.public_key

    def sign(self, message: bytes) -> bytes:
        if self.inner.crypto != "sr25519":
            return self.inner.sign(message)  # ed25519 is deterministic already
        return det_sign.sign(self.inner.public_key, self.inner._secret, message)

    @classmethod
    def from_uri(cls, suri: str) -> DeterministicKeypair:
        """Raises InvalidSecretUri."""
        return cls(Keypair.from_uri(suri))


def _genesis_suris(genesis_text: bytes) -> list[str]:
    """Every secret URI the genesis file names (order of appearance)."""
    try:
        doc = json.loads(genesis_text)
    except ValueError:
        return []
    found: list[str] = []

    def add(value: Any) -> None:
        if isinstance(value, str) and ("/" in value or " " in value) \
                and not value.startswith("0x"):
            found.append(value)

    add(doc.get("sudo", "//Alice"))
    for entry in doc.get("balances", {}).get("accounts", []):
        if isinstance(entry, list) and entry:
            add(entry[0])
    registry = doc.get("registry", {})
    add(registry.get("attestation_authority", "//Attestor"))
    for g in registry.get("gatekeepers", []):
        add(g)
    for w in registry.get("workers", []):
        if isinstance(w, dict):
            add(w.get("pubkey"))
            add(w.get("operator"))
    return found


class Keystore:
    """Read and write the node's keys and worker settings for one open chain."""

    def __init__(self, chain: Any) -> None:
        self.chain = chain
        self._signers: dict[bytes, DeterministicKeypair | None] = {}
        self._all_cache: tuple[Any, dict[bytes, dict[str, Any]]] | None = None
        self._keys_cache: tuple[int, dict[bytes, str]] | None = None
        self._genesis_scores = {w.pubkey: int(min(w.initial_score, MAX_SCORE))
                                for w in chain.genesis.workers if w.initial_score}

    def worker_keys(self) -> dict[bytes, str]:
        """Keystore records: public key → secret URI (the workers the node simulates).

        Read once per `chain.keystore_version` (the simulator asks every block): every
        write of these records or of the settings goes through a Keystore of the same
        open chain, which bumps it (`_wrote`)."""
        return dict(self._keys())

    def _keys(self) -> dict[bytes, str]:
        """The cached records themselves (not to be modified): a lookup need not copy
        10,000 of them."""
        version = self.chain.keystore_version
        if self._keys_cache is None or self._keys_cache[0] != version:
            self._keys_cache = (version, dict(self.chain.store.keystore()))
        return self._keys_cache[1]

    def _wrote(self) -> None:
        self.chain.keystore_version += 1

    def add(self, suri: str) -> bytes:
        """Store `suri` in the keystore; its public key. Raises InvalidSecretUri."""
        pubkey = Keypair.from_uri(suri).public_key
        k, v = self.chain.store.keystore_record(pubkey, suri)
        self.chain.backend.write_batch({k: v}, ())
        self._wrote()
        self._signers.pop(pubkey, None)
        return pubkey

    def suri_of(self, account: bytes) -> str | None:
        """A secret URI for `account` from the keystore or the genesis file, or None."""
        keys = self._keys()
        if account in keys:
            return keys[account]
        for suri in _genesis_suris(self.chain.genesis_text):
            try:
                if Keypair.from_uri(suri).public_key == account:
                    return suri
            except InvalidSecretUri:
                continue
        return None

    def signer(self, account: bytes) -> DeterministicKeypair | None:
        """A deterministic key pair for `account` when the node holds its key."""
        if account not in self._signers:
            suri = self.suri_of(account)
            self._signers[account] = None if suri is None \
                else DeterministicKeypair.from_uri(suri)
        return self._signers[account]

    # -- worker settings ---------------------------------------------------------------
    def settings(self, pubkey: bytes) -> dict[str, Any]:
        """`{"score", "offline"}`: stored values, else the genesis score or the default."""
        raw = self.chain.backend.get(WORKER_SETTINGS + pubkey)
        return self._settings_of(pubkey, raw)

    def all_settings(self, pubkeys: list[bytes]) -> dict[bytes, dict[str, Any]]:
        """`settings` of each key, reading only the stored records (one prefix scan, and
        none while `chain.keystore_version` and the keys are unchanged)."""
        key = (self.chain.keystore_version, tuple(pubkeys))
        if self._all_cache is None or self._all_cache[0] != key:
            stored = {k[1:]: v for k, v in self.chain.backend.iter_prefix(WORKER_SETTINGS)}
            self._all_cache = (key, {pk: self._settings_of(pk, stored.get(pk))
                                     for pk in pubkeys})
        return dict(self._all_cache[1])

    def _settings_of(self, pubkey: bytes, raw: bytes | None) -> dict[str, Any]:
        stored = {} if raw is None else json.loads(raw)
        score = stored.get("score")
        if score is None:
            score = self._genesis_scores.get(pubkey, DEFAULT_SCORE)
        return {"score": score, "offline": bool(stored.get("offline", False))}

    def update_settings(self, pubkey: bytes, **changes: Any) -> dict[str, Any]:
        """Store changed settings (score 1..=6000, offline bool); the new settings.
        Raises ValueError for a score out of range."""
        raw = self.chain.backend.get(WORKER_SETTINGS + pubkey)
        stored = {} if raw is None else json.loads(raw)
        if changes.get("score") is not None and not 1 <= int(changes["score"]) <= MAX_SCORE:
            raise ValueError(f"score {changes['score']} is not in 1..={MAX_SCORE}")
        stored.update({k: v for k, v in changes.items() if v is not None})
        self.chain.backend.write_batch(
            {WORKER_SETTINGS + pubkey: json.dumps(stored, sort_keys=True).encode()}, ())
        self._wrote()
        return self.settings(pubkey)
