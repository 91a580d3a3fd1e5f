"""PhalaRegistry: workers, gatekeepers, attestation and benchmarks (registry.md).

Calls 0..14 are the reference's, in its order; 15 `force_set_benchmark` is the
emulator's root-only extension (README decision 9). Governance origin = Root.
Attestation is emulated (registry.md §10, pallets/registry/attestation.py); IAS reports
cannot be verified and fail with `InvalidIASSigningCert`.
"""

from __future__ import annotations

from typing import Any

from pallets.messages import (
    GATEKEEPER_CHANGE,
    GATEKEEPER_CHANGE_TOPIC,
    GATEKEEPER_LAUNCH,
    GATEKEEPER_LAUNCH_TOPIC,
    PROVIDER_ROOT,
    PRUNTIME_MANAGEMENT_EVENT,
    PRUNTIME_MANAGEMENT_TOPIC,
    RETIRE_CONDITION,
    SYSTEM_EVENT,
    SYSTEM_EVENT_TOPIC,
    Message,
    SignedMessage,
    bench_start,
    mq_signing_bytes,
    origin_pallet,
    registered,
    worker_event,
)
from pallets.registry import genesis, handlers
from pallets.registry.attestation import AttestationError, AttestationPolicy, validate
from pallets.registry.events import REGISTRY_ERRORS, REGISTRY_EVENTS
from pallets.registry.types import (
    ATTESTATION,
    ATTESTATION_REPORT,
    DEFAULT_FEATURES,
    ENDPOINT_SIGNATURE_VALIDITY_MS,
    NO_ATTESTATION_CONFIDENCE,
    VERSIONED_WORKER_ENDPOINTS,
    WORKER_ENDPOINT_PAYLOAD,
    WORKER_INFO,
    WORKER_REGISTRATION_INFO,
    WorkerEndpointPayload,
    WorkerInfo,
    WorkerRegistrationInfo,
    endpoint_signing_bytes,
)
from runtime.codec import ACCOUNT, BOOL, BYTES, H256, PUBKEY, U32, U64, Codec, Option, Variant, Vec
from runtime.crypto import sr25519_verify
from runtime.dispatch import Origin, ensure_root, ensure_signed
from runtime.pallet import Pallet, call, constants
from runtime.storage_items import StorageMap, StorageValue

__all__ = ["PhalaRegistry", "WorkerInfo", "WorkerRegistrationInfo"]


class PhalaRegistry(Pallet):
    NAME = "PhalaRegistry"
    CRATE = "phala_pallets::registry"
    CONSTANTS = constants(
        ("NoneAttestationEnabled", BOOL, lambda cfg: cfg.registry.none_attestation_enabled,
         "Whether workers may register without an attestation report."),
        ("VerifyRelaychainGenesisBlockHash", BOOL,
         lambda cfg: cfg.registry.verify_relaychain_genesis,
         "Whether a worker's relay chain genesis hash must be on the allow list."),
        ("MaxAttestationAgeSecs", U64, lambda cfg: cfg.registry.max_attestation_age_secs,
         "How old (seconds) an emulated attestation may be."),
    )
    EVENTS = REGISTRY_EVENTS
    ERRORS = REGISTRY_ERRORS

    Gatekeeper = StorageValue(Vec(PUBKEY), default=list)
    GatekeeperMasterPubkey = StorageValue(PUBKEY)
    RotationCounter = StorageValue(U64, default=0)
    MasterKeyRotationLock = StorageValue(Option(U64), default=None)
    Workers = StorageMap("Twox64Concat", PUBKEY, WORKER_INFO)
    ContractKeys = StorageMap("Twox64Concat", H256, PUBKEY)
    ClusterKeys = StorageMap("Twox64Concat", H256, PUBKEY)
    TopicKey = StorageMap("Blake2_128Concat", BYTES, BYTES)
    BenchmarkDuration = StorageValue(U32, doc="Benchmark length in blocks (absent = 0).")
    PRuntimeAllowList = StorageValue(Vec(BYTES), default=list)
    PRuntimeAddedAt = StorageMap("Twox64Concat", BYTES, U32)
    RelaychainGenesisBlockHashAllowList = StorageValue(Vec(H256), default=list)
    Endpoints = StorageMap("Twox64Concat", PUBKEY, VERSIONED_WORKER_ENDPOINTS)
    AttestationAuthority = StorageValue(PUBKEY, doc="sr25519 key of the emulated attester.")

    # -- calls (reference order) ------------------------------------------------------
    @call(0, ("value", U32))
    def force_set_benchmark_duration(self, origin: Origin, value: int) -> None:
        """Root: set the benchmark length (blocks) sent with BenchStart. No event."""
        ensure_root(origin)
        self.BenchmarkDuration.put(value)

    @call(1, ("pubkey", PUBKEY), ("ecdh_pubkey", PUBKEY), ("operator", Option(ACCOUNT)))
    def force_register_worker(self, origin: Origin, pubkey: bytes, ecdh_pubkey: bytes,
                              operator: bytes | None) -> None:
        """Root: (over)write a worker as Root-attested, level 128, without a score.

        Pushes Registered (not BenchStart); emits WorkerAdded.
        """
        ensure_root(origin)
        self.Workers.insert(pubkey, WorkerInfo(
            pubkey=pubkey, ecdh_pubkey=ecdh_pubkey, runtime_version=0, last_updated=0,
            operator=operator, attestation_provider=PROVIDER_ROOT,
            confidence_level=NO_ATTESTATION_CONFIDENCE, initial_score=None,
            features=list(DEFAULT_FEATURES)))
        self.push_worker_event(pubkey, registered(PROVIDER_ROOT, NO_ATTESTATION_CONFIDENCE))
        self.deposit_event("WorkerAdded", pubkey=pubkey, attestation_provider=PROVIDER_ROOT,
                           confidence_level=NO_ATTESTATION_CONFIDENCE)

    @call(2, ("topic", BYTES), ("pubkey", BYTES))
    def force_register_topic_pubkey(self, origin: Origin, topic: bytes, pubkey: bytes) -> None:
        """Root: TopicKey[topic] = pubkey."""
        ensure_root(origin)
        self.TopicKey.insert(topic, pubkey)

    @call(3, ("gatekeeper", PUBKEY))
    def register_gatekeeper(self, origin: Origin, gatekeeper: bytes) -> None:
        """Root: add a registered worker to the gatekeepers.

        Raises MasterKeyInRotation, MasterKeyUninitialized (list not empty and no master
        key), WorkerNotFound. Emits GatekeeperAdded even if already a gatekeeper.
        """
        ensure_root(origin)
        self._ensure_not_rotating()
        gatekeepers = self.Gatekeeper.get()
        if gatekeepers and not self.GatekeeperMasterPubkey.exists():
            raise self.error("MasterKeyUninitialized")
        if gatekeeper not in gatekeepers:
            info = self.Workers.get(gatekeeper)
            if info is None:
                raise self.error("WorkerNotFound")
            self.Gatekeeper.put(gatekeepers + [gatekeeper])
            identity = {"pubkey": gatekeeper, "ecdh_pubkey": info.ecdh_pubkey}
            if not gatekeepers:
                self.push(GATEKEEPER_LAUNCH_TOPIC, GATEKEEPER_LAUNCH,
                          Variant("FirstGatekeeper", identity))
            else:
                self.push(GATEKEEPER_CHANGE_TOPIC, GATEKEEPER_CHANGE,
                          Variant("Registered", identity))
        self.deposit_event("GatekeeperAdded", pubkey=gatekeeper)

    @call(4, ("gatekeeper", PUBKEY))
    def unregister_gatekeeper(self, origin: Origin, gatekeeper: bytes) -> None:
        """Root: remove a gatekeeper. Raises MasterKeyInRotation, InvalidGatekeeper,
        CannotRemoveLastGatekeeper. No event (GatekeeperRemoved is never emitted)."""
        ensure_root(origin)
        self._ensure_not_rotating()
        gatekeepers = self.Gatekeeper.get()
        if gatekeeper not in gatekeepers:
            raise self.error("InvalidGatekeeper")
        if len(gatekeepers) <= 1:
            raise self.error("CannotRemoveLastGatekeeper")
        self.Gatekeeper.put([g for g in gatekeepers if g != gatekeeper])
        self.push(GATEKEEPER_CHANGE_TOPIC, GATEKEEPER_CHANGE,
                  Variant("Unregistered", {"pubkey": gatekeeper}))

    @call(5)
    def rotate_master_key(self, origin: Origin) -> None:
        """Root: start a master-key rotation. Raises MasterKeyInRotation, WorkerNotFound."""
        ensure_root(origin)
        self._ensure_not_rotating()
        identities = []
        for gk in self.Gatekeeper.get():
            info = self.Workers.get(gk)
            if info is None:
                raise self.error("WorkerNotFound")
            identities.append({"pubkey": gk, "ecdh_pubkey": info.ecdh_pubkey})
        rotation_id = self.RotationCounter.get() + 1
        self.RotationCounter.put(rotation_id)
        self.MasterKeyRotationLock.put(rotation_id)
        self.push(GATEKEEPER_LAUNCH_TOPIC, GATEKEEPER_LAUNCH, Variant("RotateMasterKey", {
            "rotation_id": rotation_id, "gk_identities": identities}))

    @call(6, ("pruntime_info", WORKER_REGISTRATION_INFO), ("attestation", ATTESTATION))
    def register_worker(self, origin: Origin, pruntime_info: WorkerRegistrationInfo,
                        attestation: Variant) -> None:
        """Legacy IAS registration. IAS cannot be verified here: InvalidIASSigningCert."""
        ensure_signed(origin)
        raise self.error("InvalidIASSigningCert")

    @call(7, ("pruntime_info", WORKER_REGISTRATION_INFO),
          ("attestation", Option(ATTESTATION_REPORT)))
    def register_worker_v2(self, origin: Origin, pruntime_info: WorkerRegistrationInfo,
                           attestation: Variant | None) -> None:
        """Register or refresh a worker with an attestation report (§3.3, §10).

        Raises the attestation errors (attestation.validate), then
        GenesisBlockHashRejected when the relay-chain genesis check is on.
        """
        ensure_signed(origin)
        now = self.rt.now_secs()
        cfg = self.rt.config.registry
        try:
            provider, level = validate(attestation, pruntime_info, AttestationPolicy(
                now_secs=now, authority=self.AttestationAuthority.get(),
                none_attestation_enabled=cfg.none_attestation_enabled,
                max_age_secs=cfg.max_attestation_age_secs))
        except AttestationError as exc:
            raise self.error(exc.error) from None
        allowed = self.RelaychainGenesisBlockHashAllowList.get()
        if cfg.verify_relaychain_genesis and pruntime_info.genesis_block_hash not in allowed:
            raise self.error("GenesisBlockHashRejected")
        self._store_registration(pruntime_info, provider, level, now)

    @call(8, ("endpoint_payload", WORKER_ENDPOINT_PAYLOAD), ("signature", BYTES))
    def update_worker_endpoint(self, origin: Origin, endpoint_payload: WorkerEndpointPayload,
                               signature: bytes) -> None:
        """Publish a worker's endpoints, signed by the worker within the last 4 hours.

        Raises InvalidSignatureLength, InvalidSignature, InvalidEndpointSigningTime,
        InvalidPubKey (unknown worker), in that order.
        """
        ensure_signed(origin)
        if len(signature) != 64:
            raise self.error("InvalidSignatureLength")
        if not sr25519_verify(endpoint_payload.pubkey, endpoint_signing_bytes(endpoint_payload),
                              signature):
            raise self.error("InvalidSignature")
        now_ms, signed_at = self.rt.now_ms(), endpoint_payload.signing_time
        if not signed_at < now_ms <= signed_at + ENDPOINT_SIGNATURE_VALIDITY_MS:
            raise self.error("InvalidEndpointSigningTime")
        if not self.Workers.contains(endpoint_payload.pubkey):
            raise self.error("InvalidPubKey")
        self.Endpoints.insert(endpoint_payload.pubkey, endpoint_payload.versioned_endpoints)

    @call(9, ("pruntime_hash", BYTES))
    def add_pruntime(self, origin: Origin, pruntime_hash: bytes) -> None:
        """Root: allow a pRuntime. Raises PRuntimeAlreadyExists."""
        ensure_root(origin)
        allowed = self.PRuntimeAllowList.get()
        if pruntime_hash in allowed:
            raise self.error("PRuntimeAlreadyExists")
        self.PRuntimeAllowList.put(allowed + [pruntime_hash])
        self.PRuntimeAddedAt.insert(pruntime_hash, self.rt.block_number())

    @call(10, ("pruntime_hash", BYTES))
    def remove_pruntime(self, origin: Origin, pruntime_hash: bytes) -> None:
        """Root: disallow a pRuntime. Raises PRuntimeNotFound."""
        ensure_root(origin)
        allowed = self.PRuntimeAllowList.get()
        if pruntime_hash not in allowed:
            raise self.error("PRuntimeNotFound")
        self.PRuntimeAllowList.put([h for h in allowed if h != pruntime_hash])
        self.PRuntimeAddedAt.remove(pruntime_hash)

    @call(11, ("genesis_block_hash", H256))
    def add_relaychain_genesis_block_hash(self, origin: Origin, genesis_block_hash: bytes) -> None:
        """Root: allow a relay-chain genesis hash. Raises GenesisBlockHashAlreadyExists."""
        ensure_root(origin)
        allowed = self.RelaychainGenesisBlockHashAllowList.get()
        if genesis_block_hash in allowed:
            raise self.error("GenesisBlockHashAlreadyExists")
        self.RelaychainGenesisBlockHashAllowList.put(allowed + [genesis_block_hash])

    @call(12, ("genesis_block_hash", H256))
    def remove_relaychain_genesis_block_hash(self, origin: Origin,
                                             genesis_block_hash: bytes) -> None:
        """Root: disallow a relay-chain genesis hash. Raises GenesisBlockHashNotFound."""
        ensure_root(origin)
        allowed = self.RelaychainGenesisBlockHashAllowList.get()
        if genesis_block_hash not in allowed:
            raise self.error("GenesisBlockHashNotFound")
        self.RelaychainGenesisBlockHashAllowList.put(
            [h for h in allowed if h != genesis_block_hash])

    @call(13, ("condition", RETIRE_CONDITION))
    def retire_pruntime(self, origin: Origin, condition: Variant) -> None:
        """Root: tell workers matching `condition` to retire; emits PRuntimeManagement."""
        ensure_root(origin)
        self._pruntime_management(Variant("RetirePRuntime", condition))

    @call(14, ("version", U32))
    def set_pruntime_consensus_version(self, origin: Origin, version: int) -> None:
        """Root: set the pRuntime consensus version; emits PRuntimeManagement."""
        ensure_root(origin)
        self._pruntime_management(Variant("SetConsensusVersion", version))

    @call(15, ("pubkey", PUBKEY), ("initial_score", Option(U32)))
    def force_set_benchmark(self, origin: Origin, pubkey: bytes,
                            initial_score: int | None) -> None:
        """Root (emulator extension): set or clear a worker's benchmark score.

        Does what the reference's test helper does: only `initial_score` changes; no
        event, no message. Raises WorkerNotFound.
        """
        ensure_root(origin)
        info = self.Workers.get(pubkey)
        if info is None:
            raise self.error("WorkerNotFound")
        info.initial_score = initial_score
        self.Workers.insert(pubkey, info)

    # -- Python API -------------------------------------------------------------------
    def worker(self, pubkey: bytes) -> WorkerInfo | None:
        """The registered worker, or None."""
        info: WorkerInfo | None = self.Workers.get(pubkey)
        return info

    def message_origin(self) -> Variant:
        return origin_pallet(self.NAME)

    def push(self, topic: bytes, codec: Codec, value: Any) -> None:
        """Push a typed message from this pallet (dispatched now)."""
        self.rt["PhalaMq"].push_message(self.message_origin(), topic, codec.encode(value))

    def push_worker_event(self, pubkey: bytes, event: Variant) -> None:
        """Push `SystemEvent::WorkerEvent { pubkey, event }` on phala/system/event."""
        self.push(SYSTEM_EVENT_TOPIC, SYSTEM_EVENT, worker_event(pubkey, event))

    def check_message(self, signed: SignedMessage) -> None:
        """Verify an off-chain message's signature (called by PhalaMq).

        The key: Worker(pk) → pk; Cluster → ClusterKeys (UnknownCluster); Contract →
        ContractKeys (UnknownContract); Gatekeeper → GatekeeperMasterPubkey
        (MasterKeyUninitialized); others → CannotHandleUnknownMessage. Then
        InvalidSignatureLength (not 64 bytes) and InvalidSignature. MalformedSignature
        is unreachable: any 64 bytes form a signature value, as in the reference.
        """
        sender = signed.message.sender
        if sender.name == "Worker":
            key = sender.value
        elif sender.name == "Cluster":
            key = self._required(self.ClusterKeys.get(sender.value), "UnknownCluster")
        elif sender.name == "Contract":
            key = self._required(self.ContractKeys.get(sender.value), "UnknownContract")
        elif sender.name == "Gatekeeper":
            key = self._required(self.GatekeeperMasterPubkey.get(), "MasterKeyUninitialized")
        else:
            raise self.error("CannotHandleUnknownMessage")
        if len(signed.signature) != 64:
            raise self.error("InvalidSignatureLength")
        if not sr25519_verify(key, mq_signing_bytes(signed.message, signed.sequence),
                              signed.signature):
            raise self.error("InvalidSignature")

    def on_message_received(self, message: Message) -> None:
        """MQ subscriber: BenchReport, MasterPubkey and RotatedMasterPubkey handlers."""
        handlers.handle_message(self, message)

    def genesis_build(self, cfg: dict[str, Any] | None = None) -> None:
        """Build genesis from the parsed `registry` section (see genesis.py)."""
        genesis.build(self, cfg or {})

    # -- internals --------------------------------------------------------------------
    def _required(self, value: Any, error: str) -> Any:
        if value is None:
            raise self.error(error)
        return value

    def _ensure_not_rotating(self) -> None:
        if self.MasterKeyRotationLock.get() is not None:
            raise self.error("MasterKeyInRotation")

    def _pruntime_management(self, event: Variant) -> None:
        self.push(PRUNTIME_MANAGEMENT_TOPIC, PRUNTIME_MANAGEMENT_EVENT, event)
        self.deposit_event("PRuntimeManagement", event=event)

    def _store_registration(self, reg: WorkerRegistrationInfo, provider: Variant | None,
                            level: int, now: int) -> None:
        """Add or refresh the worker, push Registered and BenchStart (§3.3 effects)."""
        pubkey = reg.pubkey
        info = self.Workers.get(pubkey)
        if info is not None:
            # refresh: ecdh key, attestation provider and score are kept
            info.last_updated = now
            info.operator = reg.operator
            info.runtime_version = reg.version
            info.confidence_level = level
            info.features = list(reg.features)
            event = "WorkerUpdated"
        else:
            info = WorkerInfo(
                pubkey=pubkey, ecdh_pubkey=reg.ecdh_pubkey, runtime_version=reg.version,
                last_updated=now, operator=reg.operator, attestation_provider=provider,
                confidence_level=level, initial_score=None, features=list(reg.features))
            event = "WorkerAdded"
        self.Workers.insert(pubkey, info)
        self.push_worker_event(pubkey, registered(provider, level))
        self.deposit_event(event, pubkey=pubkey, attestation_provider=provider,
                           confidence_level=level)
        self.push_worker_event(pubkey, bench_start(self.BenchmarkDuration.get() or 0))

    # -- invariants -------------------------------------------------------------------
    def try_state(self) -> None:
        gatekeepers = self.Gatekeeper.get()
        assert len(set(gatekeepers)) == len(gatekeepers), "Gatekeeper has duplicates"
        for gk in gatekeepers:
            assert self.Workers.contains(gk), f"gatekeeper 0x{gk.hex()} is not a worker"
        lock = self.MasterKeyRotationLock.get()
        assert lock is None or lock == self.RotationCounter.get(), \
            "MasterKeyRotationLock differs from RotationCounter"
        for pubkey, info in self.Workers.iter():
            assert info.pubkey == pubkey, f"Workers[0x{pubkey.hex()}] has another pubkey"
        allowed = self.PRuntimeAllowList.get()
        assert sorted(allowed) == sorted(self.PRuntimeAddedAt.keys()), \
            "PRuntimeAllowList and PRuntimeAddedAt disagree"
        hashes = self.RelaychainGenesisBlockHashAllowList.get()
        assert len(set(hashes)) == len(hashes), "genesis hash allow-list has duplicates"
        for pubkey in self.Endpoints.keys():
            assert self.Workers.contains(pubkey), f"Endpoints for unknown worker 0x{pubkey.hex()}"

