# -*- test-case-name: tests.test_slave_link -*-
"""
The slave's link to the leading master: a L{LeaderLink} over mutual TLS
for C{--master} (C{host:port}, or C{zk://} / C{file://} to follow the
masters' election in ZooKeeper). The slave registers on each new
connection (re-registers with its id), so a new leader gets it back by
itself; messages from a master that is no longer the leader are ignored.
"""

from __future__ import annotations

from typing import Any, Callable

from twisted.python.failure import Failure

from mesos_tw.leader.factory import createDetector
from mesos_tw.leader.link import LeaderLink
from mesos_tw.protocol.framing import MAX_FRAME_SIZE, MessageFactory
from mesos_tw.protocol.tls import Credentials, clientEndpoint
from mesos_tw.zk.url import Credentials as ZooKeeperCredentials

#: Seconds before reconnecting to the master, then doubling up to the max.
INITIAL_RECONNECT_DELAY = 0.5
MAX_RECONNECT_DELAY = 60.0


def makeMasterLink(
    master: str,
    slave: Any,
    credentials: Credentials,
    reactor: Any,
    maxFrameSize: int = MAX_FRAME_SIZE,
    onDetectionFailed: Callable[[Failure], object] | None = None,
    zooKeeperCredentials: ZooKeeperCredentials | None = None,
    sessionTimeout: float = 10.0,
    endpointFor: Callable[[str, int], Any] | None = None,
) -> LeaderLink:
    """
    The link of C{slave} (a L{mesos_tw.slave.slave.Slave}) to the leading
    master.

    @param master: the C{--master} value.
    @param onDetectionFailed: called if the leader cannot be detected (its
        ZooKeeper node is unreadable): the slave should exit, as Mesos's
        does.
    @param endpointFor: the endpoint to a master's host and port (for
        tests); mutual TLS with C{credentials} by default.
    """
    if endpointFor is None:

        def endpointFor(host: str, port: int) -> Any:
            return clientEndpoint(reactor, credentials, host, port)

    return LeaderLink(
        lambda: createDetector(master, reactor, zooKeeperCredentials, sessionTimeout),
        endpointFor,
        MessageFactory(
            slave.dispatcher,
            maxFrameSize,
            onReady=slave.connected,
            onLost=slave.disconnected,
        ),
        reactor,
        initialDelay=INITIAL_RECONNECT_DELAY,
        maxDelay=MAX_RECONNECT_DELAY,
        onDetectionFailed=onDetectionFailed,
    )
