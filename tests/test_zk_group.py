"""
Tests for L{mesos_tw.zk.group}, with L{FakeZooKeeper} on a C{Clock}.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw.testing.zookeeper import FakeZooKeeper, FakeZooKeeperServer
from mesos_tw.zk import errors
from mesos_tw.zk.events import ConnectionState
from mesos_tw.zk.group import Group, Membership, parseMember


class LossyZooKeeper(FakeZooKeeper):
    """
    A fake whose next C{create} is applied but answered with a connection
    loss (the connection broke before the answer arrived).
    """

    loseNextCreate = False

    def create(self, path: str, value: bytes = b"", **kwargs: Any) -> Deferred[str]:
        d = FakeZooKeeper.create(self, path, value, **kwargs)
        if not self.loseNextCreate:
            return d
        self.loseNextCreate = False
        # The node is made; the connection breaks before the answer.
        self.server.stop()
        self.server.start()
        return fail(errors.ConnectionLossError("lost before the answer"))


class GroupTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = FakeZooKeeperServer(self.clock)

    def connected(self, timeout: float = 10.0, cls: type = FakeZooKeeper) -> Any:
        client = cls(self.server, timeout)
        client.connect()
        self.flush()
        self.assertIs(client.state, ConnectionState.CONNECTED)
        return client

    def group(self, client: Any = None, path: str = "/mesos", **kwargs: Any) -> Group:
        group = Group(client or self.connected(), path, self.clock, **kwargs)
        self.addCleanup(group.stop)
        return group

    def flush(self) -> None:
        self.server.flush()

    def result(self, d: Deferred[Any]) -> Any:
        self.flush()
        return self.successResultOf(d)

    def test_join(self) -> None:
        """
        Joining creates an ephemeral sequential node named
        C{<label>_<sequence>} under the group's path (created if missing),
        holding the data.
        """
        group = self.group()
        membership = self.result(group.join(b"data", "json.info"))
        self.assertEqual(membership, Membership(0, "json.info", "/mesos/json.info_0000000000"))
        self.assertEqual(membership.name, "json.info_0000000000")
        self.assertEqual(self.server.data()["/mesos/json.info_0000000000"], b"data")
        self.assertEqual(
            self.server.ephemeralOwner("/mesos/json.info_0000000000"), group.client.sessionId
        )
        self.assertNoResult(membership.cancelled)
        self.assertEqual(self.result(group.watch()), frozenset([membership]))

    def test_joinWithoutLabel(self) -> None:
        """
        Without a label, the node's name is the sequence alone.
        """
        membership = self.result(self.group().join(b""))
        self.assertEqual(membership.path, "/mesos/0000000000")
        self.assertIsNone(membership.label)

    def test_badLabel(self) -> None:
        self.failureResultOf(self.group().join(b"", "a/b"), errors.BadArgumentsError)

    def test_watch(self) -> None:
        """
        C{watch} fires when the members differ from those expected: as
        others join and leave.
        """
        mine, theirs = self.group(), self.group()
        first = self.result(mine.join(b"1", "json.info"))
        d = mine.watch([first])
        self.flush()
        self.assertNoResult(d)
        second = self.result(theirs.join(b"2", "json.info"))
        self.assertEqual(self.result(d), frozenset([first, second]))
        d = mine.watch([first, second])
        self.assertTrue(self.result(theirs.cancel(second)))
        self.assertEqual(self.result(d), frozenset([first]))

    def test_othersIgnored(self) -> None:
        """
        Children that are not members' nodes are not members.
        """
        group = self.group()
        self.result(group.client.create("/mesos/log_replicas", makepath=True))
        self.result(group.client.create("/mesos/json.info_12", makepath=True))
        member = self.result(group.join(b"", "json.info"))
        self.assertEqual(self.result(group.watch()), frozenset([member]))

    def test_parseMember(self) -> None:
        self.assertEqual(
            parseMember("/m", "info_0000000007"), Membership(7, "info", "/m/info_0000000007")
        )
        self.assertEqual(parseMember("/m", "a_b_0000000007").label, "a_b")
        self.assertIsNone(parseMember("/m", "info_7"))
        self.assertIsNone(parseMember("/m", "log_replicas"))

    def test_cancel(self) -> None:
        """
        Cancelling deletes the node and fires C{cancelled} with C{True};
        cancelling again, or a membership of another group, gives
        C{False}.
        """
        group = self.group()
        membership = self.result(group.join(b"", "json.info"))
        self.assertTrue(self.result(group.cancel(membership)))
        self.assertTrue(self.successResultOf(membership.cancelled))
        self.assertNotIn(membership.path, self.server.data())
        self.assertFalse(self.result(group.cancel(membership)))
        self.assertEqual(group.members, frozenset())

    def test_data(self) -> None:
        """
        C{data} reads a member's node, or gives L{None} if it is gone.
        """
        group = self.group()
        membership = self.result(group.join(b"info", "json.info"))
        self.assertEqual(self.result(group.data(membership)), b"info")
        self.result(group.cancel(membership))
        self.assertIsNone(self.result(group.data(membership)))

    def test_sessionExpiry(self) -> None:
        """
        When the session expires the memberships are lost (C{cancelled}
        fires with C{False}); joining again works in the new session.
        """
        group = self.group()
        membership = self.result(group.join(b"", "json.info"))
        self.server.expireSession(group.client)
        self.flush()
        self.assertFalse(self.successResultOf(membership.cancelled))
        self.assertEqual(self.result(group.watch([membership])), frozenset())
        again = self.result(group.join(b"", "json.info"))
        self.assertEqual(again.sequence, 1)
        self.assertEqual(self.result(group.watch()), frozenset([again]))

    def test_nodeDeleted(self) -> None:
        """
        A membership whose node someone else deleted is lost.
        """
        group = self.group()
        membership = self.result(group.join(b"", "json.info"))
        self.result(self.connected().delete(membership.path))
        self.flush()
        self.assertFalse(self.successResultOf(membership.cancelled))

    def test_joinWhileDisconnected(self) -> None:
        """
        A join made while the server is away completes when it is back.
        """
        group = self.group()
        self.flush()
        self.server.stop()
        d = group.join(b"", "json.info")
        self.clock.advance(60)
        self.assertNoResult(d)
        self.server.start()
        self.assertEqual(self.result(d).sequence, 0)

    def test_joinAcrossExpiry(self) -> None:
        """
        A join waiting through a session expiry is made in the new session.
        """
        client = self.connected(timeout=5.0)
        group = self.group(client)
        self.flush()
        self.server.disconnect(client)
        self.flush()
        d = group.join(b"", "json.info")
        self.clock.advance(10)
        self.server.reconnect(client)
        membership = self.result(d)
        self.assertEqual(self.server.ephemeralOwner(membership.path), client.sessionId)

    def test_joinAnswerLost(self) -> None:
        """
        If the answer to the create is lost with the connection, the node it
        made in the same session is found and adopted rather than made
        twice.
        """
        client = self.connected(cls=LossyZooKeeper)
        group = self.group(client)
        self.flush()
        client.loseNextCreate = True
        membership = self.result(group.join(b"mine", "json.info"))
        self.assertEqual(membership.sequence, 0)
        self.assertEqual(
            [p for p in self.server.data() if p.startswith("/mesos/")],
            ["/mesos/json.info_0000000000"],
        )
        self.assertNoResult(membership.cancelled)

    def test_sessionTimeout(self) -> None:
        """
        Disconnected for longer than the session timeout, a member gives up
        its memberships even before it can learn that the session expired;
        if the session turns out to be alive, the given-up node is deleted.
        """
        client = self.connected(timeout=5.0)
        other = self.group()
        group = self.group(client)
        membership = self.result(group.join(b"", "json.info"))
        self.server.stop()
        self.flush()
        self.clock.advance(4.9)
        self.assertNoResult(membership.cancelled)
        self.clock.advance(0.1)
        self.assertFalse(self.successResultOf(membership.cancelled))
        # The server was down: the session is alive, and so is its node.
        self.server.start()
        self.flush()
        self.assertIs(client.state, ConnectionState.CONNECTED)
        self.assertNotIn(membership.path, self.server.data())
        self.assertEqual(self.result(other.watch([membership])), frozenset())

    def test_grantedTimeout(self) -> None:
        """
        If the server grants a shorter session timeout than asked for, a
        disconnected member gives up its memberships after that one.
        """
        self.server.maxSessionTimeout = 4.0
        client = self.connected(timeout=10.0)
        group = self.group(client, sessionTimeout=10.0)
        self.assertEqual(group.lossTimeout, 4.0)
        membership = self.result(group.join(b"", "json.info"))
        self.server.disconnect(client)
        self.flush()
        self.clock.advance(3.9)
        self.assertNoResult(membership.cancelled)
        self.clock.advance(0.1)
        self.assertFalse(self.successResultOf(membership.cancelled))
        self.assertNotIn(membership.path, self.server.data())

    def test_longerGrantedTimeout(self) -> None:
        """
        If the server grants a longer session timeout than asked for, the
        one asked for still bounds how long memberships are kept.
        """
        self.server.minSessionTimeout = 20.0
        group = self.group(self.connected(timeout=5.0))
        self.assertEqual(group.client.negotiatedSessionTimeout, 20.0)
        self.assertEqual(group.lossTimeout, 5.0)
        membership = self.result(group.join(b"", "json.info"))
        self.server.stop()
        self.flush()
        self.clock.advance(5)
        self.assertFalse(self.successResultOf(membership.cancelled))

    def test_timeoutBeforeConnecting(self) -> None:
        """
        Before the client has connected, the timeout asked for is used.
        """
        self.server.maxSessionTimeout = 4.0
        group = self.group(self.server.client(10.0))
        self.assertEqual(group.lossTimeout, 10.0)

    def test_reconnectWithinTimeout(self) -> None:
        """
        A member that reconnects within the session timeout keeps its
        membership, and watches the group again.
        """
        group = self.group()
        membership = self.result(group.join(b"", "json.info"))
        self.server.stop()
        self.flush()
        self.clock.advance(3)
        self.server.start()
        self.flush()
        self.clock.advance(60)
        self.assertNoResult(membership.cancelled)
        d = group.watch([membership])
        other = self.result(self.group().join(b"", "json.info"))
        self.assertEqual(self.result(d), frozenset([membership, other]))

    def test_clientConnectsLater(self) -> None:
        """
        A group over a client that connects later waits for it.
        """
        client = self.server.client()
        group = self.group(client)
        d = group.join(b"", "json.info")
        watched = group.watch()
        self.flush()
        self.assertNoResult(d)
        client.connect()
        membership = self.result(d)
        self.assertEqual(self.result(watched), frozenset([membership]))

    def test_stop(self) -> None:
        """
        A stopped group no longer follows the membership.
        """
        group = self.group()
        d = group.watch()
        self.flush()
        self.assertEqual(group.members, frozenset())
        group.stop()
        self.result(self.group().join(b"", "json.info"))
        self.assertNoResult(d)


class ClosingClientTests(SynchronousTestCase):
    """
    A group whose client is being closed (it fails every call at once while
    it still says it is connected) gives up instead of retrying forever.
    """

    def test_closing(self) -> None:
        clock = Clock()
        server = FakeZooKeeperServer(clock)
        client = server.client()
        client.connect()
        server.flush()
        group = Group(client, "/g", clock)
        membership = group.join(b"x", "json.info")
        server.flush()
        member = self.successResultOf(membership)
        client.close()
        cancelled = group.cancel(member)
        data = group.data(member)
        joined = group.join(b"y", "json.info")
        self.assertFalse(self.successResultOf(cancelled))
        self.failureResultOf(data)
        self.failureResultOf(joined)
        server.flush()
