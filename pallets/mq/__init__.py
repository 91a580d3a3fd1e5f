"""PhalaMq: the message queue between pallets, workers and the Gatekeeper (economics.md §8).

Off-chain senders (workers, the Gatekeeper, clusters, contracts) submit signed messages
with `sync_offchain_message`; pallets push messages with `push_message` (dispatched now)
or `queue_message` (dispatched at the start of the next block). Dispatching a message
hands it to every subscriber (wired by node/composition.py; their errors are swallowed,
as the reference's `QueueNotifyConfig` does) and, for off-chain topics, appends it to
`OutboundMessages`, the per-block list workers and the Gatekeeper read.

Errors: this pallet declares the reference's three (`BadSender`, `BadSequence`,
`BadDestination`). The signature check is the registry's `check_message`, as in the
reference, so its failures are `PhalaRegistry` errors (`UnknownContract`,
`UnknownCluster`, `MasterKeyUninitialized`, `CannotHandleUnknownMessage`,
`InvalidSignatureLength`, `MalformedSignature`, `InvalidSignature`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pallets.messages import (
    MESSAGE,
    MESSAGE_ORIGIN,
    SIGNED_MESSAGE,
    Message,
    SignedMessage,
    is_offchain,
    topic_is_offchain,
    topic_is_valid,
)
from runtime.codec import U64, Variant, Vec
from runtime.dispatch import DispatchError, Origin, ensure_signed
from runtime.pallet import Pallet, call, errors
from runtime.storage_items import StorageMap, StorageValue

Subscriber = Callable[[Message], Any]


class PhalaMq(Pallet):
    NAME = "PhalaMq"
    CRATE = "phala_pallets::mq"
    EVENTS = []
    ERRORS = errors(
        ("BadSender", "The sender of an off-chain message is not an off-chain origin."),
        ("BadSequence", "The message's sequence is not the sender's next expected one."),
        ("BadDestination", "The message topic is empty or starts with a reserved symbol."),
    )

    OffchainIngress = StorageMap(
        "Twox64Concat", MESSAGE_ORIGIN, U64,
        doc="Next expected sequence of each off-chain sender (absent = 0).")
    QueuedOutboundMessage = StorageValue(
        Vec(MESSAGE), doc="Messages queued by pallets, dispatched at the next on_initialize.")
    OutboundMessages = StorageValue(
        Vec(MESSAGE), default=list,
        doc="Off-chain-topic messages dispatched in this block; cleared at on_initialize.")

    def __init__(self, rt: Any, index: int) -> None:
        super().__init__(rt, index)
        self.subscribers: list[Subscriber] = []

    # -- calls -----------------------------------------------------------------------
    @call(0, ("signed_message", SIGNED_MESSAGE))
    def sync_offchain_message(self, origin: Origin, signed_message: SignedMessage) -> None:
        """Accept a signed message from an off-chain sender and dispatch it.

        Checks in order: signed origin (BadOrigin); sender off-chain (BadSender); topic
        valid (BadDestination); sequence == OffchainIngress[sender] (BadSequence); the
        registry's signature check (PhalaRegistry errors). Then the sender's next
        sequence is stored and the message is dispatched.
        """
        ensure_signed(origin)
        message = signed_message.message
        if not is_offchain(message.sender):
            raise self.error("BadSender")
        if not topic_is_valid(message.destination):
            raise self.error("BadDestination")
        expected = self.expected_sequence(message.sender)
        if signed_message.sequence != expected:
            raise self.error("BadSequence")
        self.rt["PhalaRegistry"].check_message(signed_message)
        self.OffchainIngress.insert(message.sender, expected + 1)
        self.dispatch_message(message)

    # -- Python API for other pallets ------------------------------------------------
    def push_message(self, sender: Variant, topic: bytes, payload: bytes) -> None:
        """Dispatch a pallet's message now (subscribers, then OutboundMessages)."""
        self.dispatch_message(Message(sender, bytes(topic), bytes(payload)))

    def queue_message(self, sender: Variant, topic: bytes, payload: bytes) -> None:
        """Store a message for dispatch at the next block's on_initialize (genesis)."""
        self.QueuedOutboundMessage.append_raw(
            MESSAGE.encode(Message(sender, bytes(topic), bytes(payload))))

    def dispatch_message(self, message: Message) -> None:
        """Hand `message` to every subscriber, then record it if its topic is off-chain.

        A subscriber's DispatchError is swallowed (its writes so far stay, as in the
        reference, whose handlers are not transactional); other exceptions are bugs and
        propagate.
        """
        for subscriber in self.subscribers:
            try:
                subscriber(message)
            except DispatchError:
                pass
        if topic_is_offchain(message.destination):
            self.OutboundMessages.append_raw(MESSAGE.encode(message))

    def outbound_messages(self) -> list[Message]:
        """The off-chain-topic messages dispatched so far in this block, in order."""
        return list(self.OutboundMessages.get())

    def queued_messages(self) -> list[Message]:
        """Messages waiting for the next block's on_initialize."""
        return list(self.QueuedOutboundMessage.get() or [])

    def expected_sequence(self, origin: Variant) -> int:
        """The sequence number the next message from `origin` must carry."""
        return int(self.OffchainIngress.get(origin) or 0)

    # -- hooks -------------------------------------------------------------------------
    def on_initialize(self, n: int) -> None:
        """Forget the previous block's outbound messages, then dispatch the queued ones."""
        self.OutboundMessages.kill()
        queued = self.QueuedOutboundMessage.take()
        for message in queued or []:
            self.dispatch_message(message)

    def try_state(self) -> None:
        for message in self.OutboundMessages.get():
            assert topic_is_offchain(message.destination), \
                f"OutboundMessages holds an on-chain topic {message.destination!r}"
        for origin, seq in self.OffchainIngress.iter():
            assert is_offchain(origin), f"OffchainIngress has a non-off-chain sender {origin}"
            assert seq > 0, f"OffchainIngress[{origin}] = 0 is never written"
