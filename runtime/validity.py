"""Transaction validity: the v4 signed-extension checks (substrate.md §5.3, §5.5, §5.6).

Check order follows FRAME (`UncheckedExtrinsic::check`, then the extensions in
declaration order), with one deliberate change: `CheckNonZeroSender` runs first,
before the signature check, because nobody can sign for the zero account and the
check is free. The order is:

    BadSigner (zero sender) -> AncientBirthBlock (era birth hash gone) -> BadProof
    (signature over payload with spec/tx version, genesis and birth hash) -> Stale /
    Future (nonce) -> ExhaustsResources (block length) -> Payment (tip, decision 7).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.codec import Variant
from runtime.extrinsic import Extrinsic, ExtrinsicFormatError, verify_signature
from runtime.scale import ScaleDecodeError

U64_MAX = (1 << 64) - 1
MAX_BLOCK_LENGTH = 5 * 1024 * 1024     # frame_system BlockLength::max_with_normal_ratio
NORMAL_LENGTH = MAX_BLOCK_LENGTH * 3 // 4  # ... with NORMAL_DISPATCH_RATIO 75%
ZERO_ACCOUNT = bytes(32)

INVALID_REASONS = ["Call", "Payment", "Future", "Stale", "BadProof", "AncientBirthBlock",
                   "ExhaustsResources", "Custom", "BadMandatory", "MandatoryValidation",
                   "BadSigner"]
UNKNOWN_REASONS = ["CannotLookup", "NoUnsignedValidator", "Custom"]


class TransactionValidityError(Exception):
    """An extrinsic that cannot be included; `reason` names why."""

    kind = "Invalid"

    def __init__(self, reason: str, detail: str = "", code: int = 0) -> None:
        super().__init__(f"{self.kind}Transaction::{reason}" + (f": {detail}" if detail else ""))
        self.reason = reason
        self.detail = detail
        self.code = code  # the u8 of a Custom reason


class InvalidTransaction(TransactionValidityError):
    """sp_runtime InvalidTransaction (Call, Payment, Future, Stale, BadProof, ...)."""

    def __init__(self, reason: str, detail: str = "", code: int = 0) -> None:
        if reason not in INVALID_REASONS:
            raise ValueError(f"unknown InvalidTransaction reason {reason!r}")
        super().__init__(reason, detail, code)


class UnknownTransaction(TransactionValidityError):
    kind = "Unknown"


@dataclass
class ValidTransaction:
    """What the pool needs: priority (the tip), tags and longevity in blocks."""

    priority: int = 0
    requires: list[bytes] = field(default_factory=list)
    provides: list[bytes] = field(default_factory=list)
    longevity: int = U64_MAX
    propagate: bool = True

    @property
    def is_future(self) -> bool:
        """True when it waits for an earlier nonce (kept in the pool's future queue)."""
        return bool(self.requires)


def nonce_tag(who: bytes, nonce: int) -> bytes:
    """FRAME's CheckNonce tag: SCALE((AccountId, Nonce))."""
    return who + nonce.to_bytes(4, "little")


def decode_extrinsic(rt: Any, data: bytes) -> tuple[Extrinsic, Variant]:
    """Decode the envelope and the call; raises InvalidTransaction::Call when either fails."""
    try:
        ext = Extrinsic.decode(data)
        return ext, rt.decode_call(ext.call)
    except (ExtrinsicFormatError, ScaleDecodeError, ValueError) as exc:
        raise InvalidTransaction("Call", str(exc)) from None


def check_signed(rt: Any, ext: Extrinsic, length: int, for_pool: bool) -> ValidTransaction:
    """Run the signed-extension checks against the current state (no writes).

    In a block (`for_pool=False`) the nonce must equal the account nonce; in the
    pool a higher nonce is valid but `is_future`. The tip is checked by the
    executive's payment step. Raises InvalidTransaction naming the failed check.
    """
    s = ext.signed
    assert s is not None
    if s.signer == ZERO_ACCOUNT:
        raise InvalidTransaction("BadSigner")
    system = rt.pallets["System"]
    current = system.Number.get()
    birth = s.era.birth(current)
    checkpoint = system.block_hash(birth)
    if checkpoint is None:
        raise InvalidTransaction("AncientBirthBlock", f"no BlockHash({birth})")
    genesis = checkpoint if birth == 0 else system.block_hash(0)
    cfg = rt.config
    try:
        ok = verify_signature(ext, cfg.spec_version, cfg.transaction_version, genesis, checkpoint)
    except ExtrinsicFormatError:  # ecdsa: not verifiable here
        ok = False
    if not ok:
        raise InvalidTransaction("BadProof")
    account_nonce = system.nonce(s.signer)
    if s.nonce < account_nonce:
        raise InvalidTransaction("Stale")
    requires = []
    if s.nonce > account_nonce:
        if not for_pool:
            raise InvalidTransaction("Future")
        requires = [nonce_tag(s.signer, s.nonce - 1)]
    used = 0 if for_pool else system.AllExtrinsicsLen.get() or 0
    if used + length > NORMAL_LENGTH:
        raise InvalidTransaction("ExhaustsResources")
    return ValidTransaction(priority=s.tip, requires=requires,
                            provides=[nonce_tag(s.signer, s.nonce)],
                            longevity=s.era.death(current) - current)
