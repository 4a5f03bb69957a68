# -*- test-case-name: tests.test_zk_client,tests.test_zk_ensemble -*-
"""
ZooKeeper for tests.

L{FakeZooKeeperServer} holds an in-memory tree, sessions and watches on a
clock (a L{twisted.internet.task.Clock} in unit tests); its clients,
L{FakeZooKeeper}, provide L{IZooKeeperClient} and pass the same
conformance suite as L{mesos_tw.zk.client.ZooKeeperClient} (see
C{tests.test_zk_client}). Like the real thing, results, watches and state
changes arrive later, not during the call: with a C{Clock}, call
L{FakeZooKeeperServer.flush} to let them arrive. ACLs are not modelled.

L{ZooKeeperServer} and L{ZooKeeperEnsemble} run real ZooKeeper servers, from
Debian's C{zookeeper} package, on free loopback ports.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from twisted.internet.defer import Deferred, fail, gatherResults, inlineCallbacks, succeed
from twisted.internet.endpoints import TCP4ClientEndpoint
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.protocol import ClientFactory, ProcessProtocol, Protocol
from twisted.internet.task import deferLater
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from mesos_tw.interfaces import IZooKeeperClient
from mesos_tw.testing.daemons import freePort
from mesos_tw.zk import errors
from mesos_tw.zk.events import ConnectionState, EventType, WatchedEvent
from mesos_tw.zk.paths import checkPath, parentOf

Watch = Callable[[WatchedEvent], object]
log = Logger()

# -- The fake -----------------------------------------------------------------


@dataclass
class _Node:
    data: bytes = b""
    owner: int | None = None
    children: set[str] = field(default_factory=set)
    #: Children created so far: the next sequence number.
    cversion: int = 0
    #: Changes of its data so far.
    version: int = 0


@dataclass
class _Session:
    id: int
    client: FakeZooKeeper
    #: The timeout granted, in seconds.
    timeout: float
    connected: bool = False
    expiry: IDelayedCall | None = None
    #: Watches by kind ("data", "child", "exist") and path.
    watches: list[tuple[str, str, Watch]] = field(default_factory=list)


class FakeZooKeeperServer:
    """
    An in-memory ZooKeeper ensemble for L{FakeZooKeeper} clients.

    Tests drive its failures: L{expireSession}, L{disconnect} and
    L{reconnect} (one client's connection), L{stop} and L{start} (the
    whole service). A disconnected session expires after its timeout on the
    clock while the server runs; a client reconnects as soon as it can.

    Like a real server, it grants session timeouts within bounds: a client
    asking for more than C{maxSessionTimeout} gets C{maxSessionTimeout}.

    @ivar clock: the L{IReactorTime} of timeouts and deliveries.
    @ivar running: whether the server serves.
    """

    def __init__(
        self,
        clock: IReactorTime,
        minSessionTimeout: float | None = None,
        maxSessionTimeout: float | None = None,
    ) -> None:
        """
        @param minSessionTimeout: the least session timeout granted, in
            seconds, or L{None} for no bound.
        @param maxSessionTimeout: the greatest session timeout granted, in
            seconds, or L{None} for no bound.
        """
        self.clock = clock
        self.minSessionTimeout = minSessionTimeout
        self.maxSessionTimeout = maxSessionTimeout
        self.running = True
        self._nodes: dict[str, _Node] = {"/": _Node(children={"zookeeper"}), "/zookeeper": _Node()}
        self._sessions: dict[int, _Session] = {}
        self._nextSession = 0x100000000
        self._partitioned: set[FakeZooKeeper] = set()
        self._clients: list[FakeZooKeeper] = []
        #: The session of each client, as the server sees it.
        self._sessionOf: dict[FakeZooKeeper, int] = {}

    def client(self, timeout: float = 10.0, **kwargs: Any) -> FakeZooKeeper:
        """
        A new, unconnected L{FakeZooKeeper} of this server.
        """
        return FakeZooKeeper(self, timeout, **kwargs)

    def flush(self) -> None:
        """
        Deliver everything due now (with a C{Clock}: C{advance(0)}).
        """
        advance = getattr(self.clock, "advance", None)
        if advance is not None:
            advance(0)

    def data(self) -> dict[str, bytes]:
        """
        Every node's data by path, for assertions.
        """
        return {path: node.data for path, node in self._nodes.items()}

    def ephemeralOwner(self, path: str) -> int | None:
        """
        The session id owning the node at C{path} if it is ephemeral.
        """
        return self._nodes[path].owner

    # -- Failures driven by tests ------------------------------------------

    def expireSession(self, client: FakeZooKeeper) -> None:
        """
        Expire C{client}'s session now, as a server does: its ephemeral
        nodes go; the client sees L{ConnectionState.SUSPENDED}, then
        C{EXPIRED}, then C{CONNECTED} with a new session.
        """
        session = self._sessionFor(client)
        if session is None:
            raise ValueError(f"{client!r} has no session")
        if session.connected:
            self._drop(session)
        self._expire(session)
        self._reconcile()

    def disconnect(self, client: FakeZooKeeper) -> None:
        """
        Cut C{client} off (a network partition) until L{reconnect}.
        """
        self._partitioned.add(client)
        self._reconcile()

    def reconnect(self, client: FakeZooKeeper) -> None:
        """
        Let C{client} reach the server again.
        """
        self._partitioned.discard(client)
        self._reconcile()

    def stop(self) -> None:
        """
        Stop serving: every client is disconnected; sessions do not expire
        while the server is down.
        """
        self.running = False
        self._reconcile()

    def start(self) -> None:
        """
        Serve again: sessions get a fresh timeout, clients reconnect.
        """
        self.running = True
        self._reconcile()

    # -- Sessions ------------------------------------------------------------

    def _reconcile(self) -> None:
        """
        Connect the clients that want to be and can, disconnect those that
        cannot, and (re)arm the expiry of disconnected sessions.
        """
        for client in list(self._clients):
            reachable = self.running and client not in self._partitioned
            session = self._sessionFor(client)
            if session is not None and session.connected and not reachable:
                self._drop(session)
            elif reachable and client._wantsConnection and not (session and session.connected):
                self._connect(client)
        for session in self._sessions.values():
            if session.connected or not self.running:
                if session.expiry is not None:
                    session.expiry.cancel()
                    session.expiry = None
            elif session.expiry is None:
                session.expiry = self.clock.callLater(session.timeout, self._expire, session)

    def _grant(self, requested: float) -> float:
        granted = requested
        if self.maxSessionTimeout is not None:
            granted = min(granted, self.maxSessionTimeout)
        if self.minSessionTimeout is not None:
            granted = max(granted, self.minSessionTimeout)
        return granted

    def _sessionFor(self, client: FakeZooKeeper) -> _Session | None:
        return self._sessions.get(self._sessionOf.get(client, -1))

    def _connect(self, client: FakeZooKeeper) -> None:
        session = self._sessionFor(client)
        if session is None and client in self._sessionOf:
            # Its session expired while it was away.
            client._later(client._expired)
        if session is None:
            self._nextSession += 1
            session = _Session(self._nextSession, client, self._grant(client.sessionTimeout))
            self._sessions[session.id] = session
            self._sessionOf[client] = session.id
        session.connected = True
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        client._later(client._connected, session.id, session.timeout)

    def _drop(self, session: _Session) -> None:
        """
        The connection of C{session} is lost: its client is suspended and
        its watches fire with L{EventType.NONE}.
        """
        session.connected = False
        client = session.client
        client._later(client._suspended)
        watches, session.watches = session.watches, []
        for _, _, watch in watches:
            client._later(client._deliver, watch, WatchedEvent(EventType.NONE, None))

    def _expire(self, session: _Session) -> None:
        session.expiry = None
        self._end(session)

    def _end(self, session: _Session) -> None:
        """
        End C{session}: its watches and ephemeral nodes go.
        """
        if self._sessions.pop(session.id, None) is None:
            return
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        session.watches = []
        for path in sorted(
            (p for p, n in self._nodes.items() if n.owner == session.id), reverse=True
        ):
            self._delete(path)

    def _open(self, client: FakeZooKeeper) -> None:
        self._clients.append(client)
        self._reconcile()

    def _close(self, client: FakeZooKeeper) -> None:
        session = self._sessionFor(client)
        self._sessionOf.pop(client, None)
        if session is not None:
            self._end(session)
        if client in self._clients:
            self._clients.remove(client)
        self._partitioned.discard(client)

    # -- The tree ------------------------------------------------------------

    def _session(self, client: FakeZooKeeper) -> _Session:
        return self._sessions[self._sessionOf[client]]

    def _fire(self, kind: str, path: str, event: EventType) -> None:
        for session in list(self._sessions.values()):
            keep = []
            for watch in session.watches:
                if watch[0] == kind and watch[1] == path:
                    client = session.client
                    client._later(client._deliver, watch[2], WatchedEvent(event, path))
                else:
                    keep.append(watch)
            session.watches = keep

    def _create(
        self, client: FakeZooKeeper, path: str, value: bytes,
        ephemeral: bool, sequence: bool, makepath: bool,
    ) -> str:
        parent = parentOf(path)
        if parent not in self._nodes:
            if not makepath:
                raise errors.NoNodeError(f"no node {parent!r}: cannot create {path!r}")
            self._ensure(parent)
        parentNode = self._nodes[parent]
        if parentNode.owner is not None:
            raise errors.NoChildrenForEphemeralsError(f"{parent!r} is ephemeral")
        if sequence:
            path = f"{path}{parentNode.cversion:010d}"
        if path in self._nodes:
            raise errors.NodeExistsError(f"{path!r} exists")
        self._nodes[path] = _Node(value, self._sessionOf[client] if ephemeral else None)
        parentNode.children.add(path.rsplit("/", 1)[1])
        parentNode.cversion += 1
        self._fire("exist", path, EventType.CREATED)
        self._fire("child", parent, EventType.CHILD)
        return path

    def _ensure(self, path: str) -> None:
        if path in self._nodes:
            return
        self._ensure(parentOf(path))
        parentNode = self._nodes[parentOf(path)]
        if parentNode.owner is not None:
            raise errors.NoChildrenForEphemeralsError(f"{parentOf(path)!r} is ephemeral")
        self._nodes[path] = _Node()
        parentNode.children.add(path.rsplit("/", 1)[1])
        parentNode.cversion += 1
        self._fire("exist", path, EventType.CREATED)
        self._fire("child", parentOf(path), EventType.CHILD)

    def _node(self, path: str) -> _Node:
        node = self._nodes.get(path)
        if node is None:
            raise errors.NoNodeError(f"no node {path!r}")
        return node

    def _get(self, client: FakeZooKeeper, path: str, watch: Watch | None) -> bytes:
        node = self._node(path)
        if watch is not None:
            self._session(client).watches.append(("data", path, watch))
        return node.data

    def _getVersioned(
        self, client: FakeZooKeeper, path: str, watch: Watch | None
    ) -> tuple[bytes, int]:
        data = self._get(client, path, watch)
        return data, self._nodes[path].version

    def _set(self, client: FakeZooKeeper, path: str, value: bytes, version: int = -1) -> None:
        node = self._node(path)
        if version != -1 and version != node.version:
            raise errors.BadVersionError(
                f"{path!r} is at version {node.version}, not {version}"
            )
        node.data = value
        node.version += 1
        self._fire("data", path, EventType.CHANGED)

    def _getChildren(self, client: FakeZooKeeper, path: str, watch: Watch | None) -> list[str]:
        node = self._node(path)
        if watch is not None:
            self._session(client).watches.append(("child", path, watch))
        return sorted(node.children)

    def _exists(self, client: FakeZooKeeper, path: str, watch: Watch | None) -> bool:
        exists = path in self._nodes
        if watch is not None:
            self._session(client).watches.append(("data" if exists else "exist", path, watch))
        return exists

    def _deleteChecked(self, client: FakeZooKeeper, path: str) -> None:
        if path in ("/", "/zookeeper"):
            raise errors.BadArgumentsError(f"cannot delete {path!r}")
        if self._node(path).children:
            raise errors.NotEmptyError(f"{path!r} has children")
        self._delete(path)

    def _delete(self, path: str) -> None:
        del self._nodes[path]
        parentNode = self._nodes[parentOf(path)]
        parentNode.children.discard(path.rsplit("/", 1)[1])
        self._fire("data", path, EventType.DELETED)
        self._fire("child", path, EventType.DELETED)
        self._fire("child", parentOf(path), EventType.CHILD)

    def _ensurePath(self, client: FakeZooKeeper, path: str) -> None:
        self._ensure(path)


@implementer(IZooKeeperClient)
class FakeZooKeeper:
    """
    An L{IZooKeeperClient} of a L{FakeZooKeeperServer}.

    @ivar sessionTimeout: the session timeout asked for, in seconds.
    @ivar negotiatedSessionTimeout: the session timeout the server granted
        at the last connection, in seconds, or L{None} before connecting.
    """

    def __init__(
        self,
        server: FakeZooKeeperServer,
        timeout: float = 10.0,
        credentials: object = None,
        connectTimeout: float | None = None,
    ) -> None:
        self.server = server
        self.sessionTimeout = timeout
        self.credentials = credentials
        self.connectTimeout = connectTimeout
        self.state = ConnectionState.CLOSED
        self.sessionId: int | None = None
        self.negotiatedSessionTimeout: float | None = None
        self._observers: list[Callable[[ConnectionState], object]] = []
        self._wantsConnection = False
        self._connecting: Deferred[None] | None = None
        self._connectTimer: IDelayedCall | None = None
        #: Operations made while not connected, run on reconnection.
        self._queue: list[tuple[Callable[[], object], Deferred[Any]]] = []

    def __repr__(self) -> str:
        session = f" session {self.sessionId:#x}" if self.sessionId else ""
        return f"<FakeZooKeeper {self.state.name}{session}>"

    def _later(self, f: Callable[..., object], *args: object) -> None:
        self.server.clock.callLater(0, f, *args)

    # -- Connection ------------------------------------------------------

    def connect(self) -> Deferred[None]:
        if self._wantsConnection:
            return fail(errors.ZooKeeperError(f"{self!r} is already connecting or connected"))
        self._wantsConnection = True
        self._connecting = Deferred(lambda d: self._giveUp())
        if self.connectTimeout is not None:
            self._connectTimer = self.server.clock.callLater(self.connectTimeout, self._timedOut)
        self.server._open(self)
        return self._connecting

    def _timedOut(self) -> None:
        self._connectTimer = None
        connecting, self._connecting = self._connecting, None
        self._giveUp()
        if connecting is not None:
            connecting.errback(errors.ConnectTimeoutError(
                f"could not connect to the fake ZooKeeper within {self.connectTimeout:g} s"
            ))

    def _giveUp(self) -> None:
        self._connecting = None
        self._wantsConnection = False
        self.server._close(self)

    def close(self) -> Deferred[None]:
        if not self._wantsConnection:
            return succeed(None)
        if self._connectTimer is not None:
            self._connectTimer.cancel()
            self._connectTimer = None
        self._wantsConnection = False
        self.server._close(self)
        self.sessionId = self.negotiatedSessionTimeout = None
        queue, self._queue = self._queue, []
        connecting, self._connecting = self._connecting, None
        d: Deferred[None] = Deferred()

        def closed() -> None:
            self._setState(ConnectionState.CLOSED)
            for _, pending in queue:
                pending.errback(errors.ClosedError("the client was closed"))
            if connecting is not None:
                connecting.errback(errors.ClosedError("closed while connecting"))
            d.callback(None)

        self._later(closed)
        return d

    def addStateObserver(self, observer: Callable[[ConnectionState], object]) -> None:
        self._observers.append(observer)

    def removeStateObserver(self, observer: Callable[[ConnectionState], object]) -> None:
        self._observers.remove(observer)

    def _setState(self, state: ConnectionState) -> None:
        if state is self.state:
            return
        self.state = state
        for observer in list(self._observers):
            try:
                observer(state)
            except Exception:
                log.failure("ZooKeeper state observer {observer!r} failed", observer=observer)

    def _connected(self, sessionId: int, timeout: float) -> None:
        if not self._wantsConnection or sessionId not in self.server._sessions:
            return
        self.sessionId = sessionId
        self.negotiatedSessionTimeout = timeout
        # Like a real client, send what waited before anything made when
        # told of the connection.
        queue, self._queue = self._queue, []
        for operation, d in queue:
            self._run(operation, d)
        self._setState(ConnectionState.CONNECTED)
        if self._connectTimer is not None:
            self._connectTimer.cancel()
            self._connectTimer = None
        connecting, self._connecting = self._connecting, None
        if connecting is not None:
            connecting.callback(None)

    def _suspended(self) -> None:
        if self._wantsConnection and self.state is ConnectionState.CONNECTED:
            self._setState(ConnectionState.SUSPENDED)

    def _expired(self) -> None:
        if not self._wantsConnection:
            return
        self.sessionId = None
        self._setState(ConnectionState.EXPIRED)
        queue, self._queue = self._queue, []
        for _, d in queue:
            d.errback(errors.SessionExpiredError("the session expired"))

    def _deliver(self, watch: Watch, event: WatchedEvent) -> None:
        if not self._wantsConnection:
            return
        try:
            watch(event)
        except Exception:
            log.failure("ZooKeeper watch {watch!r} failed on {event!r}", watch=watch, event=event)

    # -- Operations ------------------------------------------------------

    def _call(self, operation: Callable[[], Any]) -> Deferred[Any]:
        if not self._wantsConnection:
            return fail(errors.ClosedError("the fake ZooKeeper client is not connected"))
        d: Deferred[Any] = Deferred()
        session = self.server._sessionFor(self)
        if self.state is ConnectionState.CONNECTED and session is not None and session.connected:
            self._run(operation, d)
        else:
            self._queue.append((operation, d))
        return d

    def _run(self, operation: Callable[[], Any], d: Deferred[Any]) -> None:
        try:
            result = operation()
        except errors.ZooKeeperError as e:
            self._later(d.errback, Failure(e))
        else:
            self._later(d.callback, result)

    def create(
        self, path: str, value: bytes = b"", ephemeral: bool = False,
        sequence: bool = False, makepath: bool = False,
    ) -> Deferred[str]:
        try:
            checkPath(path, sequence)
            _checkValue(value)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call(
            lambda: self.server._create(self, path, value, ephemeral, sequence, makepath)
        )

    def get(self, path: str, watch: Watch | None = None) -> Deferred[bytes]:
        try:
            checkPath(path)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call(lambda: self.server._get(self, path, watch))

    def getVersioned(self, path: str, watch: Watch | None = None) -> Deferred[tuple[bytes, int]]:
        try:
            checkPath(path)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call(lambda: self.server._getVersioned(self, path, watch))

    def set(self, path: str, value: bytes, version: int = -1) -> Deferred[None]:
        try:
            checkPath(path)
            _checkValue(value)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call(lambda: self.server._set(self, path, value, version))

    def getChildren(self, path: str, watch: Watch | None = None) -> Deferred[list[str]]:
        try:
            checkPath(path)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call(lambda: self.server._getChildren(self, path, watch))

    def exists(self, path: str, watch: Watch | None = None) -> Deferred[bool]:
        try:
            checkPath(path)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call(lambda: self.server._exists(self, path, watch))

    def delete(self, path: str) -> Deferred[None]:
        try:
            checkPath(path)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call(lambda: self.server._deleteChecked(self, path))

    def ensurePath(self, path: str) -> Deferred[None]:
        try:
            checkPath(path)
        except errors.BadArgumentsError as e:
            return fail(e)
        return self._call(lambda: self.server._ensurePath(self, path))


def _checkValue(value: object) -> None:
    if not isinstance(value, bytes):
        raise errors.BadArgumentsError(
            f"ZooKeeper node data must be bytes, not {type(value).__name__}"
        )


# -- Real servers -------------------------------------------------------------

#: Where Debian's C{libzookeeper-java} (pulled in by C{zookeeper}) puts it.
ZOOKEEPER_JAR = "/usr/share/java/zookeeper.jar"
#: A logging backend for the server's SLF4J (from C{libslf4j-java}).
SLF4J_SIMPLE_JAR = "/usr/share/java/slf4j-simple.jar"
#: What the Netty connection factory needs beyond C{zookeeper.jar}'s
#: manifest (from C{libnetty-java}).
NETTY_JARS = ["/usr/share/java/netty-codec.jar", "/usr/share/java/netty-resolver.jar"]

_INSTALL_HINT = (
    "install Debian's package with `apt-get install -y zookeeper` "
    "(CI does so in .ci/run), or point ZOOKEEPER_CLASSPATH at ZooKeeper's jars"
)


class ZooKeeperNotInstalled(Exception):
    """
    ZooKeeper (or Java) is missing, so real servers cannot run.
    """


def zooKeeperCommand() -> list[str]:
    """
    The command running ZooKeeper's C{QuorumPeerMain}, without its
    configuration file: Java, tuned to start fast, and a class path from
    C{$ZOOKEEPER_CLASSPATH} or Debian's layout (C{zookeeper.jar} names its
    dependencies in its manifest).

    Servers use Netty for client connections: with the default NIO factory,
    ZooKeeper 3.8 accepts connections while it starts, then fails to close
    them (a C{NullPointerException} in C{removeCnxn}), and a client that
    reconnects at that moment hangs for its whole session timeout, which
    expires its session: restarts in tests would be flaky.

    @raise ZooKeeperNotInstalled: with how to install it.
    """
    java = shutil.which("java")
    classpath = os.environ.get("ZOOKEEPER_CLASSPATH")
    if classpath is None:
        if not os.path.exists(ZOOKEEPER_JAR):
            raise ZooKeeperNotInstalled(
                f"ZooKeeper is not installed (no {ZOOKEEPER_JAR}): {_INSTALL_HINT}"
            )
        extras = [jar for jar in [SLF4J_SIMPLE_JAR] + NETTY_JARS if os.path.exists(jar)]
        classpath = ":".join([ZOOKEEPER_JAR] + extras)
    if java is None:
        raise ZooKeeperNotInstalled(
            f"Java is not installed (no `java` on the PATH): {_INSTALL_HINT}"
        )
    return [
        java,
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx128m",
        "-Djava.net.preferIPv4Stack=true",
        "-Dzookeeper.jmx.log4j.disable=true",
        "-Dzookeeper.serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
        "-Dorg.slf4j.simpleLogger.showDateTime=true",
        "-cp", classpath,
        "org.apache.zookeeper.server.quorum.QuorumPeerMain",
    ]


class _Ended(ProcessProtocol):
    def __init__(self) -> None:
        self.ended: Deferred[Exception] = Deferred()

    def processEnded(self, reason: Failure) -> None:
        self.ended.callback(reason.value)


class _FourLetters(Protocol):
    def __init__(self, command: bytes) -> None:
        self.command = command
        self.received: list[bytes] = []
        self.done: Deferred[str] = Deferred()

    def connectionMade(self) -> None:
        self.transport.write(self.command)

    def dataReceived(self, data: bytes) -> None:
        self.received.append(data)

    def connectionLost(self, reason: Failure = None) -> None:  # type: ignore[assignment]
        self.done.callback(b"".join(self.received).decode("utf-8", "replace"))


def fourLetterWord(reactor: Any, host: str, port: int, command: str = "srvr") -> Deferred[str]:
    """
    Send a four-letter command (C{ruok}, C{srvr}, ...) to a ZooKeeper server.

    @return: a L{Deferred} firing with the answer.
    """
    protocol = _FourLetters(command.encode("ascii"))
    factory = ClientFactory.forProtocol(lambda: protocol)
    factory.noisy = False
    d = TCP4ClientEndpoint(reactor, host, port, timeout=2).connect(factory)
    d.addCallback(lambda _: protocol.done)
    return d.addTimeout(5, reactor)


class ZooKeeperServer:
    """
    One real ZooKeeper server on loopback, alone or in a
    L{ZooKeeperEnsemble}, with its data and log in C{directory} (kept
    across restarts).

    @ivar clientPort: the port clients connect to.
    @ivar myid: its id in an ensemble.
    """

    def __init__(
        self,
        reactor: Any,
        directory: str,
        clientPort: int | None = None,
        myid: int = 1,
        peers: Sequence[tuple[int, int, int]] = (),
        tickTime: int = 200,
        maxSessionTimeout: int | None = None,
    ) -> None:
        """
        @param peers: for an ensemble, C{(myid, peerPort, electionPort)} of
            every server, this one included; empty for a standalone server.
        @param tickTime: ZooKeeper's tick, in milliseconds: sessions time out
            after 2 to 300 ticks.
        @param maxSessionTimeout: the greatest session timeout the server
            grants, in milliseconds; L{None} for 300 ticks.
        """
        self._reactor = reactor
        self.directory = os.path.abspath(directory)
        self.clientPort = clientPort or freePort()
        self.myid = myid
        self.peers = list(peers)
        self.tickTime = tickTime
        self.maxSessionTimeout = maxSessionTimeout or 300 * tickTime
        self.logPath = os.path.join(self.directory, "zookeeper.log")
        self._process: Any = None
        self._ended: Deferred[Exception] | None = None

    @property
    def hosts(self) -> str:
        """
        The connect string of this server.
        """
        return f"127.0.0.1:{self.clientPort}"

    @property
    def running(self) -> bool:
        return self._ended is not None and not self._ended.called

    def _configure(self) -> str:
        data = os.path.join(self.directory, "data")
        os.makedirs(data, exist_ok=True)
        lines = [
            f"tickTime={self.tickTime}",
            "initLimit=50",
            "syncLimit=25",
            f"dataDir={data}",
            f"clientPort={self.clientPort}",
            "clientPortAddress=127.0.0.1",
            f"minSessionTimeout={2 * self.tickTime}",
            f"maxSessionTimeout={self.maxSessionTimeout}",
            "admin.enableServer=false",
            "4lw.commands.whitelist=*",
            "forceSync=no",
            "standaloneEnabled=true",
        ]
        for myid, peerPort, electionPort in self.peers:
            lines.append(f"server.{myid}=127.0.0.1:{peerPort}:{electionPort}")
        if self.peers:
            with open(os.path.join(data, "myid"), "w") as f:
                f.write(f"{self.myid}\n")
        config = os.path.join(self.directory, "zoo.cfg")
        with open(config, "w") as f:
            f.write("\n".join(lines) + "\n")
        return config

    def spawn(self) -> None:
        """
        Start the process, without waiting for it to serve.

        @raise ZooKeeperNotInstalled: if ZooKeeper or Java is missing.
        """
        command = zooKeeperCommand()
        os.makedirs(self.directory, exist_ok=True)
        config = self._configure()
        protocol = _Ended()
        with open(self.logPath, "ab") as logFile:
            self._process = self._reactor.spawnProcess(
                protocol, command[0], command + [config],
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                path=self.directory,
                childFDs={0: "w", 1: logFile.fileno(), 2: logFile.fileno()},
            )
        self._ended = protocol.ended

    def start(self, timeout: float = 60.0) -> Deferred[None]:
        """
        Start the server and wait until it serves.

        @raise ZooKeeperNotInstalled: if ZooKeeper or Java is missing.
        """
        self.spawn()
        return self.waitServing(timeout)

    def mode(self) -> Deferred[str | None]:
        """
        The server's mode (C{standalone}, C{leader}, C{follower}), or
        L{None} if it does not serve.
        """
        d = fourLetterWord(self._reactor, "127.0.0.1", self.clientPort)

        def parse(answer: str) -> str | None:
            for line in answer.splitlines():
                if line.startswith("Mode:"):
                    return line.split(":", 1)[1].strip()
            return None

        return d.addCallbacks(parse, lambda _: None)

    def sessions(self) -> Deferred[set[int]]:
        """
        The ids of the sessions connected to this server (from C{cons}).
        """
        d = fourLetterWord(self._reactor, "127.0.0.1", self.clientPort, "cons")
        return d.addCallback(
            lambda answer: {int(sid, 16) for sid in re.findall(r"sid=0x([0-9a-f]+)", answer)}
        )

    @inlineCallbacks
    def waitServing(self, timeout: float = 60.0) -> Any:
        """
        Poll the server until it serves, or fail after C{timeout} seconds
        (or at once if the process ends), quoting its log.
        """
        deadline = self._reactor.seconds() + timeout
        while True:
            if not self.running:
                raise AssertionError(
                    f"ZooKeeper server {self.myid} on port {self.clientPort} exited:\n{self.log()}"
                )
            mode = yield self.mode()
            if mode in ("standalone", "leader", "follower"):
                return mode
            if self._reactor.seconds() > deadline:
                raise AssertionError(
                    f"ZooKeeper server {self.myid} on port {self.clientPort} did not serve "
                    f"within {timeout:g} s:\n{self.log()}"
                )
            yield deferLater(self._reactor, 0.05, lambda: None)

    def stop(self) -> Deferred[Any]:
        """
        Stop the server (C{SIGTERM}) and wait for it to exit.
        """
        return self._signal(signal.SIGTERM)

    def kill(self) -> Deferred[Any]:
        """
        Kill the server (C{SIGKILL}) and wait for it to exit: what its data
        directory holds survives (the tests' cleanups use this, it is much
        faster than L{stop}).
        """
        return self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> Deferred[Any]:
        if not self.running:
            return succeed(None)
        self._process.signalProcess(signum)
        ended: Deferred[None] = Deferred()

        def fired(reason: object) -> object:
            ended.callback(None)
            return reason

        self._ended.addBoth(fired)  # type: ignore[union-attr]
        return ended

    def log(self, lines: int = 30) -> str:
        """
        The end of the server's log, for failure messages.
        """
        try:
            with open(self.logPath, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"


class ZooKeeperEnsemble:
    """
    A real ensemble of C{size} ZooKeeper servers on loopback.

    @ivar servers: the L{ZooKeeperServer}s.
    """

    def __init__(self, reactor: Any, directory: str, size: int = 3, tickTime: int = 200) -> None:
        self._reactor = reactor
        peers = [(i, freePort(), freePort()) for i in range(1, size + 1)]
        self.servers = [
            ZooKeeperServer(
                reactor, os.path.join(directory, f"server{i}"),
                myid=i, peers=peers, tickTime=tickTime,
            )
            for i, _, _ in peers
        ]

    @property
    def hosts(self) -> str:
        """
        The connect string of every server.
        """
        return ",".join(s.hosts for s in self.servers)

    @inlineCallbacks
    def start(self, timeout: float = 60.0) -> Any:
        """
        Start every server and wait until each serves (a quorum elected a
        leader).
        """
        for server in self.servers:
            server.spawn()
        for server in self.servers:
            yield server.waitServing(timeout)

    @inlineCallbacks
    def leader(self) -> Any:
        """
        The server that leads now, or L{None}.
        """
        for server in self.servers:
            if server.running and (yield server.mode()) == "leader":
                return server
        return None

    def stop(self) -> Deferred[Any]:
        """
        Stop every server.
        """
        return gatherResults([s.stop() for s in self.servers])

    def kill(self) -> Deferred[Any]:
        """
        Kill every server (faster than L{stop}, for cleanups).
        """
        return gatherResults([s.kill() for s in self.servers])


def _expireSessionBlocking(hosts: str, clientId: tuple[int, bytes]) -> None:
    from kazoo.client import KazooClient

    killer = KazooClient(hosts, client_id=clientId, timeout=10.0)
    try:
        killer.start(timeout=15)
        killer.stop()
    finally:
        killer.close()


def expireSession(reactor: Any, hosts: str, client: Any) -> Deferred[None]:
    """
    Make a real server expire the session of C{client} (a
    L{mesos_tw.zk.client.ZooKeeperClient}): connect with the same session id
    and password, then close that session. The server drops C{client}'s
    connection, and refuses its session when it reconnects.
    """
    from twisted.internet.threads import deferToThread

    clientId = client.clientId
    if clientId is None:
        return fail(ValueError(f"{client!r} has no session"))
    return deferToThread(_expireSessionBlocking, hosts, clientId)


def requireZooKeeper() -> None:
    """
    Fail (not skip) a test if real ZooKeeper servers cannot run.

    @raise ZooKeeperNotInstalled: saying how to install it.
    """
    zooKeeperCommand()


__all__ = [
    "FakeZooKeeper",
    "FakeZooKeeperServer",
    "ZooKeeperServer",
    "ZooKeeperEnsemble",
    "ZooKeeperNotInstalled",
    "expireSession",
    "fourLetterWord",
    "requireZooKeeper",
    "zooKeeperCommand",
]
