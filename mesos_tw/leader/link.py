# -*- test-case-name: tests.test_leader_link -*-
"""
A link to the leading master, for slaves and scheduler drivers: it follows
a detector (Mesos's C{MasterDetector}) and keeps one connection, to the
leader it detects, reconnecting with backoff; when the leader changes it
drops the connection to the old one and connects to the new one.

A standby master's L{msgs.MasterRedirectMessage} sends a link with a
standalone detector (C{--master=host:port} may name a standby) to the leader
named there, tentatively. A ZooKeeper detector is the authority, as it is
for Mesos's clients: its link does not follow a redirect (the standby may
name a stale leader that still serves) but retries the master the detector
names until the detector names another.

When the connection to the leader breaks, the link connects ahead (TLS
handshake done, nothing sent) to the master next in line, if the detector
can say which (a ZooKeeper detector's C{candidates}): when that master is
elected, the owner has its connection at once, instead of a thousand slaves
handshaking with a new leader at the same moment.

The link stands between the connections and the owner's
L{MessageFactory}: the owner's C{onReady}/C{onLost} see only connections
to the current leader (a connection dropped for a leader change is
reported lost at once, before the next one is ready), and messages from
any other connection are dropped.
"""

from __future__ import annotations

import random as _random
from typing import Any, Callable

from google.protobuf.message import Message
from twisted.application.internet import ClientService, backoffPolicy
from twisted.application.service import Service
from twisted.internet.defer import CancelledError, Deferred, maybeDeferred, succeed
from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import IDelayedCall, IStreamClientEndpoint
from twisted.logger import Logger
from twisted.python.failure import Failure

from mesos_tw import messages_pb2 as msgs
from mesos_tw.interfaces import IDetector
from mesos_tw.leader.detector import ZooKeeperDetector
from mesos_tw.mesos_pb2 import MasterInfo
from mesos_tw.protocol.dispatch import Dispatcher
from mesos_tw.protocol.framing import MessageFactory, MessageProtocol

_log = Logger()

Handler = Callable[[MessageProtocol, Message], object]


class LeaderChanged(ConnectionDone):
    """
    The connection was dropped because another master leads (or none).
    """


def masterAddress(info: MasterInfo) -> tuple[str, int]:
    """
    Where to reach the master C{info}: its address's IP (or host name) and
    port.
    """
    host = info.address.ip or info.address.hostname or info.hostname
    port = info.address.port or info.port
    if not host and info.pid:
        host = info.pid.rpartition("@")[2].rpartition(":")[0]
    return host, port


class _CurrentOnly:
    """
    The owner's dispatcher, dropping messages from connections other than
    the link's current one.
    """

    def __init__(self, dispatcher: Dispatcher, link: LeaderLink) -> None:
        self.dispatcher = dispatcher
        self._link = link

    def decode(self, frame: bytes, role: str | None) -> tuple[Handler, Message]:
        handler, message = self.dispatcher.decode(frame, role)
        link = self._link

        def checked(connection: MessageProtocol, m: Message) -> object:
            if connection is not link.connection:
                _log.debug(
                    "Ignoring {messageType} from {peer}: not the leading master's "
                    "connection",
                    messageType=m.DESCRIPTOR.name,
                    peer=connection.peer,
                )
                return None
            if not isinstance(m, msgs.MasterRedirectMessage):
                link._redirects = 0
            return handler(connection, m)

        return checked, message


class _Warm:
    """
    A connection made ahead to a master that may be elected next: its
    client service, factory and (once ready) connection.
    """

    def __init__(
        self, address: tuple[str, int], client: ClientService, factory: MessageFactory
    ) -> None:
        self.address = address
        self.client = client
        self.factory = factory
        self.connection: MessageProtocol | None = None


class LeaderLink(Service):
    """
    Keeps a connection to the leading master.

    @ivar leader: the master connected (or being connected) to, or L{None}.
    @ivar connection: the ready connection to it, or L{None}.
    @ivar detected: the leader the detector last reported.
    """

    def __init__(
        self,
        makeDetector: Callable[[], IDetector],
        endpointFor: Callable[[str, int], IStreamClientEndpoint],
        factory: MessageFactory,
        clock: Any,
        initialDelay: float = 0.5,
        maxDelay: float = 60.0,
        redirectDelay: float = 0.1,
        random: Callable[[], float] = _random.random,
        onDetectionFailed: Callable[[Failure], object] | None = None,
        followRedirects: bool | None = None,
    ) -> None:
        """
        @param makeDetector: makes the detector when the link starts; if it
            has a C{close} method, the link calls it when it stops.
        @param endpointFor: the endpoint to connect to a master's host and
            port.
        @param factory: the owner's factory: its dispatcher, frame size,
            C{onReady} and C{onLost}. Its dispatcher learns
            L{msgs.MasterRedirectMessage}.
        @param initialDelay: the first delay before reconnecting to a master,
            in seconds; it doubles up to C{maxDelay}.
        @param redirectDelay: the first delay before following a redirect; it
            doubles with each redirect in a row, up to C{maxDelay}.
        @param onDetectionFailed: called if the detector fails (a leader's
            node that cannot be read); by default the link logs it and
            stays without a leader.
        @param followRedirects: whether a standby's redirect sends the link
            to the master it names; L{None}: unless the detector is a
            L{ZooKeeperDetector}.
        """
        self._makeDetector = makeDetector
        self._endpointFor = endpointFor
        self._owner = factory
        self._clock = clock
        self._initialDelay = initialDelay
        self._maxDelay = maxDelay
        self._redirectDelay = redirectDelay
        self._random = random
        self._onDetectionFailed = onDetectionFailed
        self._followRedirects = followRedirects
        self.detector: IDetector | None = None
        self.detected: MasterInfo | None = None
        self.leader: MasterInfo | None = None
        self.connection: MessageProtocol | None = None
        self._client: ClientService | None = None
        self._detecting: Deferred[MasterInfo | None] | None = None
        self._redirect: IDelayedCall | None = None
        self._redirects = 0
        #: Whether the current leader comes from a redirect rather than the
        #: detector: if it cannot be reached, the link goes back to the
        #: detected one.
        self._tentative = False
        self._reported: set[MessageProtocol] = set()
        #: A connection made ahead to the master next in line.
        self._warm: _Warm | None = None
        factory.dispatcher.register(msgs.MasterRedirectMessage, self.redirected, ("master",))
        self._dispatcher = _CurrentOnly(factory.dispatcher, self)
        #: The factory of the current client's connections.
        self._factory: MessageFactory | None = None

    # --- Service -------------------------------------------------------------

    def startService(self) -> None:
        Service.startService(self)
        self.detector = self._makeDetector()
        if self._followRedirects is None:
            self._followRedirects = not isinstance(self.detector, ZooKeeperDetector)
        self._detect()

    def stopService(self) -> Deferred[None]:
        Service.stopService(self)
        if self._detecting is not None:
            detecting, self._detecting = self._detecting, None
            detecting.cancel()
        self._cancelRedirect()
        self._stopWarm()
        stopped = self._disconnect("the link stopped")
        closer = getattr(self.detector, "close", None)
        if closer is not None:
            stopped.addBoth(lambda _: maybeDeferred(closer))
        return stopped.addBoth(lambda _: None)

    # --- Detection -----------------------------------------------------------

    def _detect(self) -> None:
        assert self.detector is not None
        d = self._detecting = self.detector.detect(self.detected)
        d.addCallbacks(self._detectedLeader, self._detectionFailed)

    def _detectedLeader(self, leader: MasterInfo | None) -> None:
        self._detecting = None
        if not self.running:
            return
        self.detected = leader
        self._redirects = 0
        self._tentative = False
        self._cancelRedirect()
        self._follow(leader, "detected")
        self._detect()

    def _detectionFailed(self, failure: Failure) -> None:
        self._detecting = None
        if not self.running or failure.check(CancelledError):
            return
        _log.error(
            "Cannot detect the leading master: {error}", error=failure.getErrorMessage()
        )
        self._follow(None, "detection failed")
        if self._onDetectionFailed is not None:
            self._onDetectionFailed(failure)

    # --- Redirects -----------------------------------------------------------

    def redirected(self, connection: MessageProtocol, message: msgs.MasterRedirectMessage) -> None:
        """
        A master that does not lead named the leader (or none): go there
        after a delay that grows with redirects in a row, if the link
        follows redirects; else stay with the detected leader (the standby
        closes the connection; the link connects again).
        """
        if connection is not self.connection:
            return
        if not message.HasField("leader"):
            _log.info(
                "Master {peer} does not lead and knows no leader; waiting",
                peer=connection.peer,
            )
            return
        leader = MasterInfo()
        leader.CopyFrom(message.leader)
        if self.leader is not None and masterAddress(leader) == masterAddress(self.leader):
            return
        if not self._followRedirects:
            _log.info(
                "Master {peer} does not lead (it names {pid}), but the detector names it: "
                "retrying it until the detector names another",
                peer=connection.peer, pid=leader.pid,
            )
            return
        delay = min(self._maxDelay, self._redirectDelay * 2 ** self._redirects)
        self._redirects += 1
        _log.info(
            "Master {peer} does not lead; going to the leader {pid} in {delay:.2f} s",
            peer=connection.peer,
            pid=leader.pid,
            delay=delay,
        )
        self._cancelRedirect()
        self._redirect = self._clock.callLater(
            delay * (0.5 + self._random() / 2), self._followRedirect, leader
        )

    def _followRedirect(self, leader: MasterInfo) -> None:
        self._redirect = None
        if not self.running:
            return
        self._follow(leader, "redirected")
        client = self._client
        if client is not None:
            self._tentative = True
            client.whenConnected(failAfterFailures=2).addErrback(
                self._redirectFailed, client
            )

    def _redirectFailed(self, failure: Failure, client: ClientService) -> None:
        def revert() -> None:
            if self._client is client and self._tentative and self.running:
                self._revert("cannot reach the master a redirect named")

        # Not from within the client service's own failure handling.
        self._clock.callLater(0, revert)

    def _revert(self, why: str) -> None:
        """
        Go back to the detected leader (a redirect led nowhere).
        """
        self._tentative = False
        if self.detected is not None:
            self._follow(self.detected, why)

    def _cancelRedirect(self) -> None:
        if self._redirect is not None and self._redirect.active():
            self._redirect.cancel()
        self._redirect = None

    # --- Connections ---------------------------------------------------------

    def _follow(self, leader: MasterInfo | None, why: str) -> None:
        """
        Connect to C{leader} (none: stay disconnected), unless already
        there; a connection made ahead to it is taken over at once.
        """
        if leader is not None and self.leader is not None and (
            masterAddress(leader) == masterAddress(self.leader)
        ):
            self.leader = leader
            return
        if leader is None and self.leader is None and self._client is None:
            return
        self._disconnect(f"the leader changed ({why})")
        self.leader = leader
        warm, self._warm = self._warm, None
        if leader is None:
            if warm is not None:
                warm.client.stopService()
            _log.warn("No leading master ({why}); waiting for one", why=why)
            return
        host, port = masterAddress(leader)
        if warm is not None and warm.address == (host, port):
            _log.info(
                "Taking over the connection made ahead to the leading master {pid} "
                "({why})", pid=leader.pid, why=why,
            )
            self._client, self._factory = warm.client, warm.factory
            if warm.connection is not None:
                self.connection = warm.connection
                self._owner.ready(warm.connection)
            return
        if warm is not None:
            warm.client.stopService()
        _log.info(
            "Connecting to the leading master {pid} at {host}:{port} ({why})",
            pid=leader.pid, host=host, port=port, why=why,
        )
        self._client, self._factory = self._connect(host, port)
        self._client.startService()

    def _connect(self, host: str, port: int) -> tuple[ClientService, MessageFactory]:
        """
        A client service (reconnecting with backoff) to C{host:port}, not
        started, and its factory.
        """
        factory = MessageFactory(
            self._dispatcher,  # type: ignore[arg-type]
            self._owner.maxFrameSize,
            onReady=self._ready,
            onLost=self._lost,
        )
        client = ClientService(
            self._endpointFor(host, port),
            factory,
            retryPolicy=backoffPolicy(
                initialDelay=self._initialDelay, maxDelay=self._maxDelay, jitter=self._random
            ),
            clock=self._clock,
        )
        return client, factory

    # --- Connecting ahead ----------------------------------------------------

    def _leaderLost(self) -> None:
        """
        The connection to the leader broke while the detector still names
        it: it may be gone. Connect ahead to the master next in line (if the
        detector knows), so that if it is elected the link is ready at once.
        """
        candidates = getattr(self.detector, "candidates", None)
        if candidates is None or self.leader is None or self._warm is not None:
            return
        leader = self.leader

        def chosen(masters: list[MasterInfo]) -> None:
            if not self.running or self.leader is not leader or self._warm is not None:
                return
            if self.connection is not None:
                return
            for master in masters:
                address = masterAddress(master)
                if address != masterAddress(leader):
                    break
            else:
                return
            _log.info(
                "Connecting ahead to {pid}, next in line after the leader {leader}",
                pid=master.pid, leader=leader.pid,
            )
            client, factory = self._connect(*address)
            self._warm = _Warm(address, client, factory)
            client.startService()

        candidates().addCallback(chosen).addErrback(
            lambda f: _log.failure("Finding the next master in line", f)
        )

    def _stopWarm(self) -> None:
        warm, self._warm = self._warm, None
        if warm is not None:
            warm.client.stopService()

    def _disconnect(self, why: str) -> Deferred[None]:
        """
        Drop the connection to the current master; the owner learns at once
        that it is lost.
        """
        client, self._client = self._client, None
        self._factory = None
        connection, self.connection = self.connection, None
        if connection is not None:
            self._reported.add(connection)
            self._owner.lost(connection, Failure(LeaderChanged(why)))
        if client is None:
            return succeed(None)
        return maybeDeferred(client.stopService)

    def _ready(self, connection: MessageProtocol) -> None:
        warm = self._warm
        if warm is not None and connection.factory is warm.factory:
            warm.connection = connection
            return
        if self._factory is None or connection.factory is not self._factory:
            # Of a client stopped meanwhile.
            connection.transport.loseConnection()
            return
        self.connection = connection
        self._owner.ready(connection)
        # The leader is back: no need for the connection made ahead.
        self._stopWarm()

    def _lost(self, connection: MessageProtocol, reason: Failure) -> None:
        if connection in self._reported:
            self._reported.discard(connection)
            return
        warm = self._warm
        if warm is not None and connection is warm.connection:
            warm.connection = None
            return
        if connection is self.connection:
            self.connection = None
            self._owner.lost(connection, reason)
            if not self._tentative and self.running:
                self._leaderLost()
            if self._tentative and self.running:
                client = self._client

                def revert() -> None:
                    if self._client is client and self._tentative and self.running:
                        self._revert("lost the master a redirect named")

                self._clock.callLater(0, revert)
