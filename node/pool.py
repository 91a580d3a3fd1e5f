"""Transactions for the pool: signing a call for this chain, and the pool's view of nonces.

The pending pool itself is a block-store record list (node.blockstore, prefix `P`),
consumed by the next authored block in submission order (node.chain).
"""

from __future__ import annotations

from typing import Any

from runtime.era import Era
from runtime.extrinsic import Signer, sign_extrinsic


def sign_call(chain: Any, keypair: Signer, call: Any, *, nonce: int | None = None,
              tip: int = 0, era_period: int | None = None) -> bytes:
    """The encoded v4 extrinsic of `call` signed by `keypair` for `chain`.

    nonce defaults to the signer's next nonce including the pool; era_period makes
    the transaction mortal from the head block (immortal by default).
    """
    if nonce is None:
        nonce = chain.next_nonce(keypair.public_key)
    if era_period is None:
        era, checkpoint = Era.immortal(), chain.genesis_hash
    else:
        head = chain.head()  # only a mortal era needs it (a block read and decode)
        era = Era.mortal(era_period, head.number)
        birth = era.birth(head.number)
        found = chain.store.hash_of(birth)
        checkpoint = found if found is not None else chain.genesis_hash
    ext = sign_extrinsic(keypair, chain.rt.encode_call(call), nonce=nonce, era=era, tip=tip,
                         spec_version=chain.config.spec_version,
                         tx_version=chain.config.transaction_version,
                         genesis_hash=chain.genesis_hash, checkpoint_hash=checkpoint)
    return ext.encode()
