"""The method table: every method and alias, its handler, whether it is unsafe.

A handler is `fn(ctx, params) -> result` or a coroutine function. A subscription
handler returns `Subscribed`, so the transport answers with the id before sending the
first notifications.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from node.rpc.notify import Connection, Subscription
    from node.rpc.service import Service


@dataclass
class Ctx:
    service: Service
    conn: Connection | None  # None over HTTP


@dataclass
class Subscribed:
    sub: Subscription
    initial: list[str] = field(default_factory=list)  # result JSON texts to notify at once


@dataclass
class Answer:
    """A plain result, and what to do once it was sent (events that must follow it)."""
    result: Any
    then: Callable[[], None]


@dataclass
class Method:
    name: str
    fn: Callable[..., Any]
    unsafe: bool = False
    subscription: bool = False
    is_async: bool = False
    max_params: int | None = None  # checked by the transport when set



METHODS: dict[str, Method] = {}


def method(*names: str, unsafe: bool = False, subscription: bool = False,
           max_params: int | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            METHODS[name] = Method(name, fn, unsafe, subscription,
                                   asyncio.iscoroutinefunction(fn), max_params)
        return fn
    return register


def all_methods() -> dict[str, Method]:
    """The full table (importing the method modules registers them)."""
    from node.rpc import (  # noqa: F401
        methods_archive,
        methods_author,
        methods_chain,
        methods_chainhead,
        methods_dashboard,
        methods_dev,
        methods_state,
        methods_system,
        methods_transaction,
    )

    return METHODS
