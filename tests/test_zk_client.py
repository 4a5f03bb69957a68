"""
Tests for L{mesos_tw.zk.client.ZooKeeperClient} and
L{mesos_tw.testing.zookeeper.FakeZooKeeper}: one L{IZooKeeperClient}
conformance suite run against the fake (on a C{Clock}) and against the real
client talking to a real ZooKeeper server on loopback, and tests of what
only the real client does.

Real servers come from Debian's C{zookeeper} package; without it these tests
fail and say how to install it. They poll with deadlines and never sleep.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable

from twisted.internet import defer
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase, TestCase
from zope.interface.verify import verifyObject

from mesos_tw.interfaces import IZooKeeperClient
from mesos_tw.testing.daemons import freePort
from mesos_tw.testing import zookeeper
from mesos_tw.testing.zookeeper import (
    FakeZooKeeperServer,
    ZooKeeperNotInstalled,
    ZooKeeperServer,
    expireSession,
    requireZooKeeper,
)
from mesos_tw.zk import errors
from mesos_tw.zk.client import ZooKeeperClient, mapError
from mesos_tw.zk.events import ConnectionState, EventType, WatchedEvent
from mesos_tw.zk.group import Group
from mesos_tw.zk.paths import checkPath, joinPath, parentOf, pathProblem
from mesos_tw.zk.url import Credentials


def theReactor() -> Any:
    from twisted.internet import reactor

    return reactor


class StateRecorder:
    """
    Records the states a client goes through.
    """

    def __init__(self, client: Any) -> None:
        self.states: list[ConnectionState] = []
        self._waiting: list[tuple[ConnectionState, int, Deferred[None]]] = []
        client.addStateObserver(self)

    def __call__(self, state: ConnectionState) -> None:
        self.states.append(state)
        for waiting in list(self._waiting):
            expected, start, d = waiting
            if expected in self.states[start:]:
                self._waiting.remove(waiting)
                d.callback(None)

    def next(self, state: ConnectionState) -> Deferred[None]:
        """
        A L{Deferred} firing when the client next enters C{state}.
        """
        d: Deferred[None] = Deferred()
        self._waiting.append((state, len(self.states), d))
        return d


class WatchRecorder:
    """
    A watch that records its events and whether it ran on the reactor
    thread.
    """

    def __init__(self) -> None:
        self.events: list[WatchedEvent] = []
        self.onReactorThread: list[bool] = []
        self.fired: Deferred[WatchedEvent] = Deferred()

    def __call__(self, event: WatchedEvent) -> None:
        self.events.append(event)
        self.onReactorThread.append(threading.current_thread() is threading.main_thread())
        if not self.fired.called:
            self.fired.callback(event)


class FakeHarness:
    """
    The fake on a C{Clock}.
    """

    def __init__(self, testCase: TestCase) -> None:
        self.clock = Clock()
        self.server = FakeZooKeeperServer(self.clock)

    def setUp(self) -> Deferred[None]:
        return defer.succeed(None)

    def client(self, timeout: float = 10.0, connectTimeout: float | None = None) -> Any:
        return self.server.client(timeout, connectTimeout=connectTimeout)

    def unreachableClient(self, connectTimeout: float) -> Any:
        other = FakeZooKeeperServer(self.clock)
        other.stop()
        return other.client(connectTimeout=connectTimeout)

    def wait(self, d: Deferred[Any], timeout: float = 60.0) -> Deferred[Any]:
        self.server.flush()
        elapsed = 0.0
        while not d.called and elapsed < timeout:
            self.clock.advance(0.1)
            elapsed += 0.1
        if not d.called:
            return defer.fail(AssertionError(f"nothing happened within {timeout} s of fake time"))
        return d

    def expire(self, client: Any) -> Deferred[None]:
        self.server.expireSession(client)
        return defer.succeed(None)

    def interrupt(self) -> Deferred[None]:
        self.server.stop()
        return defer.succeed(None)

    def restore(self) -> Deferred[None]:
        self.server.start()
        return defer.succeed(None)


class RealHarness:
    """
    The real client and a real standalone server on a free loopback port.
    """

    def __init__(self, testCase: TestCase) -> None:
        self.testCase = testCase
        self.reactor = theReactor()

    @inlineCallbacks
    def setUp(self) -> Any:
        requireZooKeeper()
        self.server = ZooKeeperServer(self.reactor, self.testCase.mktemp())
        self.testCase.addCleanup(self.server.kill)
        yield self.server.start()

    def client(self, timeout: float = 10.0, connectTimeout: float | None = None) -> Any:
        return ZooKeeperClient(
            self.server.hosts, timeout, self.reactor,
            connectTimeout=connectTimeout, maxReconnectDelay=0.2,
        )

    def unreachableClient(self, connectTimeout: float) -> Any:
        return ZooKeeperClient(
            f"127.0.0.1:{freePort()}", 10.0, self.reactor, connectTimeout=connectTimeout
        )

    def wait(self, d: Deferred[Any], timeout: float = 30.0) -> Deferred[Any]:
        return d.addTimeout(timeout, self.reactor)

    def expire(self, client: Any) -> Deferred[None]:
        return expireSession(self.reactor, self.server.hosts, client)

    def interrupt(self) -> Deferred[Any]:
        return self.server.stop()

    def restore(self) -> Deferred[Any]:
        return self.server.start()


def makeIZooKeeperClientTests(makeHarness: Callable[[TestCase], Any]) -> type:
    """
    A L{TestCase} mixin testing an L{IZooKeeperClient} through the harness
    that C{makeHarness(testCase)} builds.
    """

    class IZooKeeperClientTests:
        def setUp(self) -> Deferred[None]:
            self.harness = makeHarness(self)
            return self.harness.setUp()

        def wait(self, d: Deferred[Any]) -> Deferred[Any]:
            return self.harness.wait(d)

        def closeLater(self, client: Any) -> None:
            self.addCleanup(lambda: self.wait(client.close()))

        @inlineCallbacks
        def connected(self, timeout: float = 10.0) -> Any:
            client = self.harness.client(timeout)
            self.closeLater(client)
            yield self.wait(client.connect())
            return client

        def assertFails(self, d: Deferred[Any], errorType: type) -> Deferred[Any]:
            return self.assertFailure(self.wait(d), errorType)

        def test_interface(self) -> None:
            """
            The client provides L{IZooKeeperClient}.
            """
            self.assertTrue(verifyObject(IZooKeeperClient, self.harness.client()))

        @inlineCallbacks
        def test_connect(self) -> Any:
            """
            A client is C{CLOSED} until it connects; then it is C{CONNECTED}
            with a session, and its observers were told.
            """
            client = self.harness.client()
            self.closeLater(client)
            self.assertIs(client.state, ConnectionState.CLOSED)
            self.assertIsNone(client.sessionId)
            recorder = StateRecorder(client)
            yield self.wait(client.connect())
            self.assertIs(client.state, ConnectionState.CONNECTED)
            self.assertIsInstance(client.sessionId, int)
            self.assertEqual(recorder.states, [ConnectionState.CONNECTED])
            self.assertEqual(recorder.states, [ConnectionState.CONNECTED])

        @inlineCallbacks
        def test_negotiatedSessionTimeout(self) -> Any:
            """
            Once connected, a client knows the session timeout the server
            granted: what it asked for, within the server's bounds.
            """
            client = self.harness.client(5.0)
            self.closeLater(client)
            self.assertIsNone(client.negotiatedSessionTimeout)
            yield self.wait(client.connect())
            self.assertEqual(client.negotiatedSessionTimeout, 5.0)
            yield self.wait(client.close())
            self.assertIsNone(client.negotiatedSessionTimeout)

        @inlineCallbacks
        def test_close(self) -> Any:
            """
            Closing a client tells its observers it is C{CLOSED}; operations
            then fail with L{errors.ClosedError}, as they do before
            connecting. Closing twice is harmless.
            """
            client = self.harness.client()
            yield self.assertFails(client.get("/"), errors.ClosedError)
            recorder = StateRecorder(client)
            yield self.wait(client.connect())
            yield self.wait(client.close())
            self.assertEqual(recorder.states, [ConnectionState.CONNECTED, ConnectionState.CLOSED])
            self.assertIsNone(client.sessionId)
            yield self.assertFails(client.get("/"), errors.ClosedError)
            yield self.wait(client.close())

        @inlineCallbacks
        def test_connectTimeout(self) -> Any:
            """
            Connecting fails with L{errors.ConnectTimeoutError} if no server
            answers within the connect timeout.
            """
            client = self.harness.unreachableClient(connectTimeout=0.5)
            self.closeLater(client)
            yield self.assertFails(client.connect(), errors.ConnectTimeoutError)

        @inlineCallbacks
        def test_createGet(self) -> Any:
            """
            A created node holds its data; C{exists} tells whether a node
            exists.
            """
            client = yield self.connected()
            path = yield self.wait(client.create("/a", b"data"))
            self.assertEqual(path, "/a")
            self.assertEqual((yield self.wait(client.get("/a"))), b"data")
            self.assertTrue((yield self.wait(client.exists("/a"))))
            self.assertFalse((yield self.wait(client.exists("/b"))))

        @inlineCallbacks
        def test_createExisting(self) -> Any:
            """
            Creating a node that exists fails with L{errors.NodeExistsError}.
            """
            client = yield self.connected()
            yield self.wait(client.create("/a"))
            yield self.assertFails(client.create("/a"), errors.NodeExistsError)

        @inlineCallbacks
        def test_createWithoutParent(self) -> Any:
            """
            Creating a node whose parent is missing fails with
            L{errors.NoNodeError}, unless asked to make the path.
            """
            client = yield self.connected()
            yield self.assertFails(client.create("/x/y/z"), errors.NoNodeError)
            yield self.wait(client.create("/x/y/z", b"z", makepath=True))
            self.assertEqual((yield self.wait(client.get("/x/y"))), b"")
            self.assertEqual((yield self.wait(client.get("/x/y/z"))), b"z")

        @inlineCallbacks
        def test_missing(self) -> Any:
            """
            Reading, changing or deleting a missing node fails with
            L{errors.NoNodeError}.
            """
            client = yield self.connected()
            yield self.assertFails(client.get("/missing"), errors.NoNodeError)
            yield self.assertFails(client.set("/missing", b""), errors.NoNodeError)
            yield self.assertFails(client.getChildren("/missing"), errors.NoNodeError)
            yield self.assertFails(client.delete("/missing"), errors.NoNodeError)

        @inlineCallbacks
        def test_set(self) -> Any:
            """
            C{set} replaces a node's data.
            """
            client = yield self.connected()
            yield self.wait(client.create("/a", b"one"))
            self.assertIsNone((yield self.wait(client.set("/a", b"two"))))
            self.assertEqual((yield self.wait(client.get("/a"))), b"two")

        @inlineCallbacks
        def test_versionedSet(self) -> Any:
            """
            C{getVersioned} gives the data's version, which counts its
            changes; a C{set} with a version applies only at that version,
            else fails with L{errors.BadVersionError}.
            """
            client = yield self.connected()
            yield self.wait(client.create("/a", b"one"))
            self.assertEqual((yield self.wait(client.getVersioned("/a"))), (b"one", 0))
            yield self.wait(client.set("/a", b"two", 0))
            self.assertEqual((yield self.wait(client.getVersioned("/a"))), (b"two", 1))
            yield self.assertFails(client.set("/a", b"three", 0), errors.BadVersionError)
            self.assertEqual((yield self.wait(client.get("/a"))), b"two")
            yield self.wait(client.set("/a", b"four"))
            self.assertEqual((yield self.wait(client.getVersioned("/a"))), (b"four", 2))
            yield self.assertFails(client.getVersioned("/missing"), errors.NoNodeError)
            yield self.assertFails(client.set("/missing", b"", 3), errors.NoNodeError)

        @inlineCallbacks
        def test_children(self) -> Any:
            """
            C{getChildren} gives the sorted names of a node's children.
            """
            client = yield self.connected()
            yield self.wait(client.create("/p"))
            self.assertEqual((yield self.wait(client.getChildren("/p"))), [])
            for name in ["c", "a", "b"]:
                yield self.wait(client.create(f"/p/{name}"))
            self.assertEqual((yield self.wait(client.getChildren("/p"))), ["a", "b", "c"])
            self.assertIn("zookeeper", (yield self.wait(client.getChildren("/"))))

        @inlineCallbacks
        def test_delete(self) -> Any:
            """
            A deleted node is gone; a node with children cannot be deleted.
            """
            client = yield self.connected()
            yield self.wait(client.create("/p/c", makepath=True))
            yield self.assertFails(client.delete("/p"), errors.NotEmptyError)
            self.assertIsNone((yield self.wait(client.delete("/p/c"))))
            yield self.wait(client.delete("/p"))
            self.assertFalse((yield self.wait(client.exists("/p"))))

        @inlineCallbacks
        def test_ensurePath(self) -> Any:
            """
            C{ensurePath} creates a node and its ancestors, and does nothing
            if they exist.
            """
            client = yield self.connected()
            self.assertIsNone((yield self.wait(client.ensurePath("/e/f/g"))))
            yield self.wait(client.ensurePath("/e/f/g"))
            self.assertEqual((yield self.wait(client.getChildren("/e/f"))), ["g"])

        @inlineCallbacks
        def test_badArguments(self) -> Any:
            """
            Relative paths, trailing or doubled slashes and data that is not
            bytes fail with L{errors.BadArgumentsError}.
            """
            client = yield self.connected()
            for path in ["relative", "/a/", "/a//b", "/a/./b", ""]:
                yield self.assertFails(client.create(path), errors.BadArgumentsError)
                yield self.assertFails(client.get(path), errors.BadArgumentsError)
            yield self.assertFails(client.create("/a", "text"), errors.BadArgumentsError)

        @inlineCallbacks
        def test_sequential(self) -> Any:
            """
            Sequential nodes get a 10-digit, zero-padded suffix counting the
            children created under the parent before (deletions do not
            count).
            """
            client = yield self.connected()
            yield self.wait(client.create("/g"))
            first = yield self.wait(client.create("/g/m_", b"1", sequence=True))
            second = yield self.wait(client.create("/g/m_", b"2", sequence=True))
            self.assertEqual((first, second), ("/g/m_0000000000", "/g/m_0000000001"))
            yield self.wait(client.create("/g/other"))
            yield self.wait(client.delete("/g/other"))
            third = yield self.wait(client.create("/g/m_", sequence=True))
            self.assertEqual(third, "/g/m_0000000003")
            self.assertEqual(
                (yield self.wait(client.getChildren("/g"))),
                ["m_0000000000", "m_0000000001", "m_0000000003"],
            )
            self.assertEqual((yield self.wait(client.get(second))), b"2")

        @inlineCallbacks
        def test_ephemeral(self) -> Any:
            """
            Ephemeral nodes vanish when their session ends, firing the
            watches of other sessions; they cannot have children.
            """
            owner = yield self.connected()
            other = yield self.connected()
            yield self.wait(owner.create("/group/e", b"x", ephemeral=True, makepath=True))
            yield self.assertFails(
                owner.create("/group/e/child"), errors.NoChildrenForEphemeralsError
            )
            dataWatch, childWatch = WatchRecorder(), WatchRecorder()
            self.assertEqual((yield self.wait(other.get("/group/e", watch=dataWatch))), b"x")
            yield self.wait(other.getChildren("/group", watch=childWatch))
            yield self.wait(owner.close())
            yield self.wait(dataWatch.fired)
            yield self.wait(childWatch.fired)
            self.assertEqual(dataWatch.events, [WatchedEvent(EventType.DELETED, "/group/e")])
            self.assertEqual(childWatch.events, [WatchedEvent(EventType.CHILD, "/group")])
            self.assertFalse((yield self.wait(other.exists("/group/e"))))
            self.assertTrue((yield self.wait(other.exists("/group"))))

        @inlineCallbacks
        def test_dataWatchFiresOnce(self) -> Any:
            """
            A data watch fires once, on the reactor thread, on the first
            change, and before the change can be read.
            """
            client = yield self.connected()
            changer = yield self.connected()
            yield self.wait(client.create("/w", b"0"))
            watch = WatchRecorder()
            yield self.wait(client.get("/w", watch=watch))
            yield self.wait(changer.set("/w", b"1"))
            yield self.wait(changer.set("/w", b"2"))
            seen = []
            d = client.get("/w")
            d.addCallback(lambda data: seen.append((data, list(watch.events))))
            yield self.wait(d)
            self.assertEqual(seen, [(b"2", [WatchedEvent(EventType.CHANGED, "/w")])])
            yield self.wait(client.get("/w", watch=WatchRecorder()))
            self.assertEqual(watch.events, [WatchedEvent(EventType.CHANGED, "/w")])
            self.assertEqual(watch.onReactorThread, [True])

        @inlineCallbacks
        def test_onReactorThread(self) -> Any:
            """
            Every operation's result or failure, and every watch, is
            delivered on the reactor thread.
            """
            client = yield self.connected()
            threads: list[str] = []

            def record(result: object, name: str) -> object:
                if threading.current_thread() is not threading.main_thread():
                    threads.append(name)
                return result

            watch, childWatch = WatchRecorder(), WatchRecorder()
            operations = [
                ("create", lambda: client.create("/t", b"0")),
                ("get", lambda: client.get("/t", watch=watch)),
                ("getVersioned", lambda: client.getVersioned("/t")),
                ("getChildren", lambda: client.getChildren("/", watch=childWatch)),
                ("exists", lambda: client.exists("/t")),
                ("set", lambda: client.set("/t", b"1")),
                ("ensurePath", lambda: client.ensurePath("/u/v")),
                ("delete", lambda: client.delete("/t")),
                ("get missing", lambda: client.get("/t")),
            ]
            for name, operation in operations:
                d = operation().addBoth(record, name)
                yield self.wait(d).addErrback(lambda f: f.trap(errors.NoNodeError))
            self.assertEqual(threads, [], "delivered off the reactor thread")
            self.assertEqual(watch.onReactorThread, [True])
            self.assertEqual(childWatch.onReactorThread, [True])

        @inlineCallbacks
        def test_deleteWatch(self) -> Any:
            """
            Deleting a node fires its data and child watches with
            C{DELETED}, and its parent's child watch with C{CHILD}.
            """
            client = yield self.connected()
            yield self.wait(client.create("/p/c", makepath=True))
            data, children, parent = WatchRecorder(), WatchRecorder(), WatchRecorder()
            yield self.wait(client.exists("/p/c", watch=data))
            yield self.wait(client.getChildren("/p/c", watch=children))
            yield self.wait(client.getChildren("/p", watch=parent))
            yield self.wait(client.delete("/p/c"))
            yield self.wait(client.exists("/p"))
            self.assertEqual(data.events, [WatchedEvent(EventType.DELETED, "/p/c")])
            self.assertEqual(children.events, [WatchedEvent(EventType.DELETED, "/p/c")])
            self.assertEqual(parent.events, [WatchedEvent(EventType.CHILD, "/p")])

        @inlineCallbacks
        def test_existsWatch(self) -> Any:
            """
            A watch set by C{exists} on a missing node fires when it is
            created.
            """
            client = yield self.connected()
            watch = WatchRecorder()
            self.assertFalse((yield self.wait(client.exists("/later", watch=watch))))
            yield self.wait(client.create("/later"))
            yield self.wait(client.exists("/later"))
            self.assertEqual(watch.events, [WatchedEvent(EventType.CREATED, "/later")])

        @inlineCallbacks
        def test_childWatchFiresOnce(self) -> Any:
            """
            A child watch fires once when a child is created or deleted, but
            not when a child's data changes.
            """
            client = yield self.connected()
            yield self.wait(client.create("/p"))
            yield self.wait(client.create("/p/a"))
            watch = WatchRecorder()
            yield self.wait(client.getChildren("/p", watch=watch))
            yield self.wait(client.set("/p/a", b"new"))
            yield self.wait(client.get("/p"))
            self.assertEqual(watch.events, [])
            yield self.wait(client.create("/p/b"))
            yield self.wait(client.delete("/p/b"))
            yield self.wait(client.get("/p"))
            self.assertEqual(watch.events, [WatchedEvent(EventType.CHILD, "/p")])

        @inlineCallbacks
        def test_sessionExpiry(self) -> Any:
            """
            When the server expires a session, the client goes through
            C{SUSPENDED} and C{EXPIRED} and connects again with a new
            session; the old session's ephemeral nodes are gone and its
            watches fired with C{NONE}.
            """
            client = yield self.connected()
            other = yield self.connected()
            yield self.wait(client.create("/e", b"", ephemeral=True))
            watch = WatchRecorder()
            yield self.wait(client.get("/e", watch=watch))
            recorder = StateRecorder(client)
            old = client.sessionId
            reconnected = recorder.next(ConnectionState.CONNECTED)
            yield self.wait(self.harness.expire(client))
            yield self.wait(reconnected)
            self.assertEqual(
                recorder.states,
                [ConnectionState.SUSPENDED, ConnectionState.EXPIRED, ConnectionState.CONNECTED],
            )
            self.assertNotEqual(client.sessionId, old)
            self.assertIsInstance(client.sessionId, int)
            self.assertEqual(watch.events, [WatchedEvent(EventType.NONE, None)])
            self.assertFalse((yield self.wait(other.exists("/e"))))
            yield self.wait(client.create("/e", b"again", ephemeral=True))
            self.assertEqual((yield self.wait(other.get("/e"))), b"again")

        @inlineCallbacks
        def test_connectionLoss(self) -> Any:
            """
            When the connection is lost the client is C{SUSPENDED} and its
            watches fire with C{NONE}; operations made meanwhile wait. When
            the server is back within the session timeout, the client is
            C{CONNECTED} in the same session, its ephemeral nodes are still
            there, and the waiting operations complete.
            """
            client = yield self.connected(timeout=10.0)
            yield self.wait(client.create("/e", b"kept", ephemeral=True))
            watch = WatchRecorder()
            yield self.wait(client.getChildren("/", watch=watch))
            recorder = StateRecorder(client)
            session = client.sessionId
            suspended = recorder.next(ConnectionState.SUSPENDED)
            yield self.wait(self.harness.interrupt())
            yield self.wait(suspended)
            yield self.wait(watch.fired)
            self.assertEqual(watch.events, [WatchedEvent(EventType.NONE, None)])
            pending = client.get("/e")
            reconnected = recorder.next(ConnectionState.CONNECTED)
            yield self.wait(self.harness.restore())
            yield self.wait(reconnected)
            self.assertEqual(
                recorder.states, [ConnectionState.SUSPENDED, ConnectionState.CONNECTED]
            )
            self.assertEqual(client.sessionId, session)
            self.assertEqual((yield self.wait(pending)), b"kept")
            self.assertEqual((yield self.wait(client.get("/e"))), b"kept")

    return IZooKeeperClientTests


class FakeZooKeeperConformanceTests(makeIZooKeeperClientTests(FakeHarness), TestCase):
    """
    L{FakeZooKeeper} passes the L{IZooKeeperClient} suite.
    """


class ZooKeeperClientConformanceTests(makeIZooKeeperClientTests(RealHarness), TestCase):
    """
    L{ZooKeeperClient} passes the L{IZooKeeperClient} suite against a real
    server.
    """


class FakeZooKeeperTests(SynchronousTestCase):
    """
    What only the fake does: its controls for tests.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = FakeZooKeeperServer(self.clock)

    def connected(self, timeout: float = 10.0) -> Any:
        client = self.server.client(timeout)
        client.connect()
        self.server.flush()
        self.assertIs(client.state, ConnectionState.CONNECTED)
        return client

    def test_resultsArriveLater(self) -> None:
        """
        Results are not delivered during the call, but when the clock
        runs.
        """
        client = self.connected()
        d = client.create("/a")
        self.assertNoResult(d)
        self.server.flush()
        self.assertEqual(self.successResultOf(d), "/a")

    def test_partitionExpiresAfterTimeout(self) -> None:
        """
        A disconnected client's session expires after its timeout: its
        ephemeral nodes go then, and the client learns it when it
        reconnects.
        """
        client = self.connected(timeout=5.0)
        other = self.connected()
        client.create("/e", ephemeral=True)
        self.server.flush()
        recorder = StateRecorder(client)
        self.server.disconnect(client)
        self.server.flush()
        self.assertEqual(recorder.states, [ConnectionState.SUSPENDED])
        self.clock.advance(4.9)
        self.assertIn("/e", self.server.data())
        self.clock.advance(0.1)
        self.assertNotIn("/e", self.server.data())
        d = other.exists("/e")
        self.server.flush()
        self.assertFalse(self.successResultOf(d))
        self.assertEqual(recorder.states, [ConnectionState.SUSPENDED])
        self.server.reconnect(client)
        self.server.flush()
        self.assertEqual(
            recorder.states,
            [ConnectionState.SUSPENDED, ConnectionState.EXPIRED, ConnectionState.CONNECTED],
        )

    def test_pendingFailOnExpiry(self) -> None:
        """
        Operations waiting for a reconnection fail with
        L{errors.SessionExpiredError} if the session expired meanwhile.
        """
        client = self.connected(timeout=1.0)
        self.server.disconnect(client)
        self.server.flush()
        d = client.get("/")
        self.clock.advance(2)
        self.server.reconnect(client)
        self.server.flush()
        self.failureResultOf(d, errors.SessionExpiredError)

    def test_noExpiryWhileStopped(self) -> None:
        """
        Sessions do not expire while the server is stopped; they get a
        fresh timeout when it starts.
        """
        client = self.connected(timeout=1.0)
        client.create("/e", ephemeral=True)
        self.server.stop()
        self.clock.advance(10)
        self.server.start()
        self.server.flush()
        self.assertIs(client.state, ConnectionState.CONNECTED)
        self.assertIn("/e", self.server.data())
        self.assertEqual(self.server.ephemeralOwner("/e"), client.sessionId)

    def test_closedPendingFail(self) -> None:
        """
        Closing a client fails its waiting operations with
        L{errors.ClosedError}.
        """
        client = self.connected()
        self.server.stop()
        self.server.flush()
        d = client.get("/")
        client.close()
        self.server.flush()
        self.failureResultOf(d, errors.ClosedError)

    def test_grantedTimeout(self) -> None:
        """
        The server grants session timeouts within its bounds, and expires
        a disconnected session after the timeout it granted.
        """
        self.server.minSessionTimeout, self.server.maxSessionTimeout = 2.0, 4.0
        self.assertEqual(self.connected(timeout=1.0).negotiatedSessionTimeout, 2.0)
        client = self.connected(timeout=10.0)
        self.assertEqual(client.negotiatedSessionTimeout, 4.0)
        client.create("/e", ephemeral=True)
        self.server.flush()
        self.server.disconnect(client)
        self.clock.advance(3.9)
        self.assertIn("/e", self.server.data())
        self.clock.advance(0.1)
        self.assertNotIn("/e", self.server.data())

    def test_connectTwice(self) -> None:
        """
        Connecting a connected client fails.
        """
        client = self.connected()
        self.failureResultOf(client.connect(), errors.ZooKeeperError)


class ZooKeeperCommandTests(SynchronousTestCase):
    """
    Tests for L{zooKeeperCommand}, which runs real servers.
    """

    def test_notInstalled(self) -> None:
        """
        Without ZooKeeper, real servers cannot run, and the error says how to
        install it.
        """
        self.patch(zookeeper, "ZOOKEEPER_JAR", os.path.abspath(self.mktemp()))
        environ = {k: v for k, v in os.environ.items() if k != "ZOOKEEPER_CLASSPATH"}
        self.patch(os, "environ", environ)
        e = self.assertRaises(ZooKeeperNotInstalled, requireZooKeeper)
        self.assertIn("apt-get install -y zookeeper", str(e))

    def test_classpath(self) -> None:
        """
        C{$ZOOKEEPER_CLASSPATH} replaces Debian's layout.
        """
        self.patch(os, "environ", dict(os.environ, ZOOKEEPER_CLASSPATH="/opt/zk/lib/*"))
        command = zookeeper.zooKeeperCommand()
        self.assertEqual(command[command.index("-cp") + 1], "/opt/zk/lib/*")
        self.assertEqual(command[-1], "org.apache.zookeeper.server.quorum.QuorumPeerMain")


class PathTests(SynchronousTestCase):
    """
    Tests for L{mesos_tw.zk.paths}.
    """

    def test_valid(self) -> None:
        for path in ["/", "/a", "/a/b", "/json.info_"]:
            self.assertIsNone(pathProblem(path), path)
            self.assertEqual(checkPath(path), path)

    def test_sequentialPrefix(self) -> None:
        """
        The prefix of a sequential node may end in C{/}.
        """
        self.assertIsNone(pathProblem("/a/", sequence=True))
        self.assertIsNotNone(pathProblem("/a/", sequence=False))
        self.assertIsNotNone(pathProblem("/a//", sequence=True))

    def test_invalid(self) -> None:
        for path in ["", "a", "/a/", "//", "/a//b", "/a/.", "/..", "/a\0", None, b"/a"]:
            e = self.assertRaises(errors.BadArgumentsError, checkPath, path)
            self.assertIn(repr(path), str(e))

    def test_parentJoin(self) -> None:
        self.assertEqual(parentOf("/a/b"), "/a")
        self.assertEqual(parentOf("/a"), "/")
        self.assertEqual(joinPath("/", "a"), "/a")
        self.assertEqual(joinPath("/a", "b"), "/a/b")


class MapErrorTests(SynchronousTestCase):
    """
    Tests for L{mapError}: kazoo's exceptions become ours.
    """

    def test_mapped(self) -> None:
        from kazoo import exceptions as kz
        from kazoo.handlers.threading import KazooTimeoutError

        for kazooError, ours in [
            (kz.NoNodeError(), errors.NoNodeError),
            (kz.NodeExistsError(), errors.NodeExistsError),
            (kz.NotEmptyError(), errors.NotEmptyError),
            (kz.NoAuthError(), errors.NoAuthError),
            (kz.ConnectionLoss(), errors.ConnectionLossError),
            (kz.ConnectionDropped("x"), errors.ConnectionLossError),
            (kz.SessionExpiredError(), errors.SessionExpiredError),
            (kz.ConnectionClosedError("closed"), errors.ClosedError),
            (kz.BadVersionError(), errors.BadVersionError),
            (kz.InvalidACLError(), errors.ZooKeeperError),
            (KazooTimeoutError(), errors.ConnectTimeoutError),
        ]:
            mapped = mapError(kazooError)
            self.assertIs(type(mapped), ours, kazooError)
            self.assertIs(mapped.__cause__, kazooError)

    def test_others(self) -> None:
        """
        Our errors and other exceptions pass through.
        """
        ours = errors.NoNodeError("x")
        self.assertIs(mapError(ours), ours)
        bug = TypeError("bug")
        self.assertIs(mapError(bug), bug)


class RealClientTests(TestCase):
    """
    What only the real client does.
    """

    @inlineCallbacks
    def setUp(self) -> Any:
        requireZooKeeper()
        self.reactor = theReactor()
        self.server = ZooKeeperServer(self.reactor, self.mktemp())
        self.addCleanup(self.server.kill)
        yield self.server.start()

    @inlineCallbacks
    def connected(self, credentials: Credentials | None = None) -> Any:
        client = ZooKeeperClient(self.server.hosts, 10.0, self.reactor, credentials=credentials)
        self.addCleanup(client.close)
        yield client.connect().addTimeout(30, self.reactor)
        return client

    @inlineCallbacks
    def test_credentials(self) -> Any:
        """
        With credentials, nodes are created readable by anyone and
        changeable by their user only.
        """
        alice = yield self.connected(Credentials("alice", "secret"))
        anonymous = yield self.connected()
        mallory = yield self.connected(Credentials("alice", "guess"))
        yield alice.create("/mesos/json.info_", b"{}", ephemeral=True, sequence=True, makepath=True)
        [name] = yield anonymous.getChildren("/mesos")
        self.assertEqual((yield anonymous.get(f"/mesos/{name}")), b"{}")
        yield self.assertFailure(anonymous.set(f"/mesos/{name}", b"x"), errors.NoAuthError)
        yield self.assertFailure(mallory.delete(f"/mesos/{name}"), errors.NoAuthError)
        yield self.assertFailure(anonymous.create("/mesos/intruder"), errors.NoAuthError)
        yield alice.delete(f"/mesos/{name}")

    @inlineCallbacks
    def test_connectLater(self) -> Any:
        """
        Without a connect timeout, a client waits for a server that starts
        later.
        """
        yield self.server.stop()
        client = ZooKeeperClient(self.server.hosts, 10.0, self.reactor, maxReconnectDelay=0.2)
        self.addCleanup(client.close)
        d = client.connect()
        yield self.server.start()
        yield d.addTimeout(30, self.reactor)
        self.assertIs(client.state, ConnectionState.CONNECTED)

    @inlineCallbacks
    def test_cancelConnect(self) -> Any:
        """
        Cancelling a connection attempt closes the client.
        """
        yield self.server.stop()
        client = ZooKeeperClient(self.server.hosts, 10.0, self.reactor)
        d = client.connect()
        d.cancel()
        yield self.assertFailure(d, defer.CancelledError)
        yield client.close()
        self.assertIs(client.state, ConnectionState.CLOSED)

    @inlineCallbacks
    def test_reconnectAfterClose(self) -> Any:
        """
        A closed client can connect again, with a new session.
        """
        client = yield self.connected()
        first = client.sessionId
        yield client.close()
        yield client.connect().addTimeout(30, self.reactor)
        self.assertNotEqual(client.sessionId, first)
        self.assertEqual((yield client.getChildren("/")), ["zookeeper"])

    @inlineCallbacks
    def test_grantedTimeout(self) -> Any:
        """
        A server whose C{maxSessionTimeout} is below what a client asks for
        grants its maximum, which the client then knows.
        """
        server = ZooKeeperServer(self.reactor, self.mktemp(), maxSessionTimeout=2000)
        self.addCleanup(server.kill)
        yield server.start()
        client = ZooKeeperClient(server.hosts, 10.0, self.reactor)
        self.addCleanup(client.close)
        yield client.connect().addTimeout(30, self.reactor)
        self.assertEqual(client.negotiatedSessionTimeout, 2.0)
        self.assertEqual(Group(client, "/mesos", self.reactor).lossTimeout, 2.0)

    @inlineCallbacks
    def test_stateOnReactorThread(self) -> Any:
        """
        State observers are called on the reactor thread.
        """
        client = ZooKeeperClient(self.server.hosts, 10.0, self.reactor)
        self.addCleanup(client.close)
        threads = []
        client.addStateObserver(lambda state: threads.append(threading.current_thread()))
        yield client.connect().addTimeout(30, self.reactor)
        yield client.close()
        self.assertEqual(threads, [threading.main_thread()] * 2)
