"""Subscriptions: who listens to what, and the notifications a new block sends.

A `Connection` is one WebSocket client: everything sent to it (answers and
notifications) goes through its `send`, which queues in order, so a subscription's id
always reaches the client before its first notification.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from node.render import hexs
from node.rpc.errors import TOO_MANY_SUBSCRIPTIONS, RpcError
from runtime.extrinsic import extrinsic_hash
from runtime.header import header_to_json

if TYPE_CHECKING:
    from node.rpc.service import NewBlock

_ALPHABET = string.ascii_letters + string.digits

# subscription kind -> the notification method Substrate sends
NOTIFICATIONS = {
    "newHead": "chain_newHead",
    "finalizedHead": "chain_finalizedHead",
    "allHead": "chain_allHead",
    "storage": "state_storage",
    "runtimeVersion": "state_runtimeVersion",
    "extrinsic": "author_extrinsicUpdate",
    # the new JSON-RPC interface (methods_chainhead / methods_transaction / methods_archive)
    "chainHead": "chainHead_v1_followEvent",
    "txWatch": "transactionWatch_v1_watchEvent",
    "archiveStorage": "archive_v1_storageEvent",
    "broadcast": "transaction_v1_broadcast",  # an operation id only: never notified
}


def new_subscription_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(16))


class Connection:
    def __init__(self, send: Callable[[str], None], max_subscriptions: int) -> None:
        self.send = send
        self.max_subscriptions = max_subscriptions
        self.subs: dict[str, Subscription] = {}
        self.open = True


@dataclass(eq=False)
class Subscription:
    conn: Connection
    id: str
    kind: str
    keys: list[bytes] | None = None   # storage: the keys watched (None = every change)
    tx_hash: bytes | None = None      # extrinsic: the watched hash
    extra: dict[str, Any] = field(default_factory=dict)

    def notify(self, result_json: str) -> None:
        if self.conn.open:
            self.conn.send('{"jsonrpc":"2.0","method":"' + NOTIFICATIONS[self.kind]
                           + '","params":{"subscription":"' + self.id + '","result":'
                           + result_json + "}}")


class Hub:
    def __init__(self) -> None:
        self.by_kind: dict[str, dict[str, Subscription]] = {k: {} for k in NOTIFICATIONS}
        self.watchers: dict[bytes, list[Subscription]] = {}
        # called as fn(block, rewound) after the legacy notifications of each new head, and
        # fn(tx_hash, status) for an extrinsic leaving the pool without a block
        self.block_observers: list[Callable[[NewBlock, bool], None]] = []
        self.status_observers: list[Callable[[bytes, str], None]] = []
        # transaction_v1_broadcast operations made over HTTP (no connection holds them)
        self.http_broadcasts: set[str] = set()

    def add(self, conn: Connection, kind: str, **kw: Any) -> Subscription:
        if len(conn.subs) >= conn.max_subscriptions:
            raise RpcError(TOO_MANY_SUBSCRIPTIONS, "Too many subscriptions on the connection",
                           f"Exceeded max limit of {conn.max_subscriptions}")
        sub_id = new_subscription_id()
        while sub_id in conn.subs:
            sub_id = new_subscription_id()
        sub = Subscription(conn, sub_id, kind, **kw)
        conn.subs[sub_id] = sub
        self.by_kind[kind][f"{id(conn)}:{sub_id}"] = sub
        if kind == "extrinsic" and sub.tx_hash is not None:
            self.watchers.setdefault(sub.tx_hash, []).append(sub)
        return sub

    def remove(self, conn: Connection, sub_id: str, kinds: tuple[str, ...]) -> bool:
        sub = conn.subs.get(sub_id)
        if sub is None or sub.kind not in kinds:
            return False
        self._drop(sub)
        return True

    def end(self, sub: Subscription) -> None:
        """No more notifications for `sub` (what was already queued still goes out)."""
        self._drop(sub)

    def _drop(self, sub: Subscription) -> None:
        sub.conn.subs.pop(sub.id, None)
        self.by_kind[sub.kind].pop(f"{id(sub.conn)}:{sub.id}", None)
        if sub.tx_hash is not None:
            subs = self.watchers.get(sub.tx_hash, [])
            if sub in subs:
                subs.remove(sub)
            if not subs:
                self.watchers.pop(sub.tx_hash, None)

    def close(self, conn: Connection) -> None:
        conn.open = False
        for sub in list(conn.subs.values()):
            self._drop(sub)

    # -- events -----------------------------------------------------------------------------
    def new_block(self, block: NewBlock, rewound: bool = False) -> None:
        head_json: str | None = None
        for kind in ("newHead", "finalizedHead", "allHead"):
            subs = self.by_kind[kind]
            if subs:
                head_json = head_json or json.dumps(header_to_json(block.header),
                                                    separators=(",", ":"))
                for sub in list(subs.values()):
                    sub.notify(head_json)
        storage = self.by_kind["storage"]
        if storage and block.changes:
            block_hex = hexs(block.hash)
            for sub in list(storage.values()):
                if sub.keys is None:
                    changes = [[hexs(k), None if v is None else hexs(v)]
                               for k, v in sorted(block.changes.items())]
                else:
                    changes = [[hexs(k), None if block.changes[k] is None
                                else hexs(block.changes[k])]  # type: ignore[arg-type]
                               for k in sub.keys if k in block.changes]
                if changes:
                    sub.notify(json.dumps({"block": block_hex, "changes": changes}))
        if self.watchers and not rewound:
            block_hex = hexs(block.hash)
            for ext in block.extrinsics:
                for sub in self.watchers.pop(extrinsic_hash(ext), []):
                    self.included(sub, block_hex)
        for observer in self.block_observers:
            observer(block, rewound)

    def included(self, sub: Subscription, block_hex: str) -> None:
        """inBlock, then finalized (finality is instant); the watch ends there."""
        sub.notify(json.dumps({"inBlock": block_hex}))
        sub.notify(json.dumps({"finalized": block_hex}))
        self._drop(sub)

    def extrinsic_status(self, tx_hash: bytes, status: str) -> None:
        for sub in self.watchers.pop(tx_hash, []):
            sub.notify(json.dumps(status))
            self._drop(sub)
        for observer in self.status_observers:
            observer(tx_hash, status)
