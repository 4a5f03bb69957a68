# -*- test-case-name: tests.test_zk_client -*-
"""
The errors of L{mesos_tw.interfaces.IZooKeeperClient}.

Every operation of a ZooKeeper client fails with one of these, whether it is
the real client (which maps kazoo's exceptions to them, keeping kazoo's as
C{__cause__}) or the fake: code above the client never imports kazoo.
"""

from __future__ import annotations


class ZooKeeperError(Exception):
    """
    A ZooKeeper operation failed; the base of the errors below, and what
    errors without a more precise type become.
    """


class NoNodeError(ZooKeeperError):
    """
    The node (or, for a create, its parent) does not exist.
    """


class NodeExistsError(ZooKeeperError):
    """
    The node to create already exists.
    """


class NotEmptyError(ZooKeeperError):
    """
    The node to delete has children.
    """


class NoChildrenForEphemeralsError(ZooKeeperError):
    """
    Ephemeral nodes cannot have children.
    """


class BadVersionError(ZooKeeperError):
    """
    A conditional C{set} found the node at another version than expected:
    someone else changed it since it was read.
    """


class BadArgumentsError(ZooKeeperError, ValueError):
    """
    A path or value is invalid: a path must be absolute, without a trailing
    C{/} or empty components, and values are bytes.
    """


class NoAuthError(ZooKeeperError):
    """
    The client's credentials do not allow the operation, or were refused.
    """


class ConnectionLossError(ZooKeeperError):
    """
    The connection to the server was lost while the operation was pending:
    it may or may not have been applied. The session may survive; the
    client reconnects by itself.
    """


class SessionExpiredError(ZooKeeperError):
    """
    The session expired: its ephemeral nodes and watches are gone. The
    client goes on with a new session.
    """


class ConnectTimeoutError(ZooKeeperError):
    """
    No server could be reached within the connect timeout.
    """


class ClosedError(ZooKeeperError):
    """
    The client is not connected: it was closed, or never connected.
    """
