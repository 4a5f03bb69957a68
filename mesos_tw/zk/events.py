# -*- test-case-name: tests.test_zk_client -*-
"""
The connection states and watch events of
L{mesos_tw.interfaces.IZooKeeperClient}, shared by the real client and the
fake.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ConnectionState(enum.Enum):
    """
    The state of a ZooKeeper client, as its state observers are told.

    The transitions are::

        CLOSED --connect()--> CONNECTED <--> SUSPENDED
        SUSPENDED --> EXPIRED --> CONNECTED (with a new session)
        any --close()--> CLOSED

    @cvar CONNECTED: connected, with a live session.
    @cvar SUSPENDED: the connection was lost; the session may still be alive
        and the client tries to reconnect. Every watch fired with an
        L{EventType.NONE} event; pending operations fail with
        L{mesos_tw.zk.errors.ConnectionLossError}.
    @cvar EXPIRED: the server expired the session: its ephemeral nodes are
        gone. The client goes on to reconnect with a new session.
    @cvar CLOSED: not connected: before L{connect} or after L{close}.
    """

    CONNECTED = "CONNECTED"
    SUSPENDED = "SUSPENDED"
    EXPIRED = "EXPIRED"
    CLOSED = "CLOSED"


class EventType(enum.Enum):
    """
    What a watch was told.

    @cvar CREATED: the watched node was created (watch set by C{exists}).
    @cvar DELETED: the watched node was deleted.
    @cvar CHANGED: the watched node's data changed.
    @cvar CHILD: a child of the watched node was created or deleted.
    @cvar NONE: the watch was dropped because the connection was lost
        (ZooKeeper clients do not restore watches here): read again, with a
        new watch, once connected.
    """

    CREATED = "CREATED"
    DELETED = "DELETED"
    CHANGED = "CHANGED"
    CHILD = "CHILD"
    NONE = "NONE"


@dataclass(frozen=True)
class WatchedEvent:
    """
    What fired a watch; a watch fires once.

    @ivar type: an L{EventType}.
    @ivar path: the watched path, or L{None} for L{EventType.NONE}.
    """

    type: EventType
    path: str | None
