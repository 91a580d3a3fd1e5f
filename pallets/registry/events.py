"""PhalaRegistry events (registry.md §7) and errors (§8), in index order."""

from __future__ import annotations

from pallets.messages import ATTESTATION_PROVIDER, PRUNTIME_MANAGEMENT_EVENT
from runtime.codec import PUBKEY, U8, U32, U64, Option
from runtime.pallet import errors, events

_WORKER_FIELDS = [("pubkey", PUBKEY), ("attestation_provider", Option(ATTESTATION_PROVIDER)),
                  ("confidence_level", U8)]

REGISTRY_EVENTS = events(
    ("GatekeeperAdded", [("pubkey", PUBKEY)]),
    ("GatekeeperRemoved", [("pubkey", PUBKEY)], "Declared by the reference, never emitted."),
    ("WorkerAdded", _WORKER_FIELDS),
    ("WorkerUpdated", _WORKER_FIELDS),
    ("MasterKeyRotated", [("rotation_id", U64), ("master_pubkey", PUBKEY)]),
    ("MasterKeyRotationFailed", [("rotation_lock", Option(U64)),
                                 ("gatekeeper_rotation_id", U64)]),
    ("InitialScoreSet", [("pubkey", PUBKEY), ("init_score", U32)]),
    ("PRuntimeManagement", [("event", PRUNTIME_MANAGEMENT_EVENT)]),
)

REGISTRY_ERRORS = errors(
    "CannotHandleUnknownMessage", "InvalidSender", "InvalidPubKey", "MalformedSignature",
    "InvalidSignatureLength", "InvalidSignature", "UnknownContract", "InvalidIASSigningCert",
    "InvalidReport", "InvalidQuoteStatus", "BadIASReport", "OutdatedIASReport",
    "UnknownQuoteBodyFormat", "InvalidRuntimeInfoHash", "InvalidRuntimeInfo", "InvalidInput",
    "InvalidBenchReport", "WorkerNotFound", "NoneAttestationDisabled", "InvalidGatekeeper",
    "InvalidMasterPubkey", "MasterKeyMismatch", "MasterKeyUninitialized",
    "GenesisBlockHashRejected", "GenesisBlockHashAlreadyExists", "GenesisBlockHashNotFound",
    "PRuntimeRejected", "PRuntimeAlreadyExists", "PRuntimeNotFound", "UnknownCluster",
    "NotImplemented", "CannotRemoveLastGatekeeper", "MasterKeyInRotation",
    "InvalidRotatedMasterPubkey", "InvalidEndpointSigningTime",
)
