"""
Tests for L{mesos_tw.leader.link.LeaderLink}: it connects to the leader a
detector reports, follows leader changes and standbys' redirects, and lets
its owner see only the current leader's connection.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import fail
from twisted.internet.error import ConnectionRefusedError
from twisted.internet.interfaces import IStreamClientEndpoint
from twisted.internet.task import Clock
from zope.interface import implementer
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw import messages_pb2 as msgs
from mesos_tw.leader import StandaloneDetector, ZooKeeperContender, ZooKeeperDetector
from mesos_tw.leader.detector import DetectionError
from mesos_tw.leader.link import LeaderChanged, LeaderLink, masterAddress
from mesos_tw.mesos_pb2 import MasterInfo
from mesos_tw.protocol.dispatch import Dispatcher
from mesos_tw.protocol.framing import MessageFactory
from mesos_tw.protocol.tls import Peer
from mesos_tw.testing.zookeeper import FakeZooKeeperServer
from mesos_tw.zk.group import Group
from tests.test_leader import masterInfo
from tests.test_scheduler_driver import FakeMasterEndpoint


class FakeMasters:
    """
    Fake endpoints by master address.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.endpoints: dict[tuple[str, int], FakeMasterEndpoint] = {}
        #: Masters that refuse connections, by number.
        self.down: set[int] = set()

    def __call__(self, host: str, port: int) -> Any:
        key = (host, port)
        if any(masterAddress(masterInfo(n)) == key for n in self.down):
            return _Refusing()
        if key not in self.endpoints:
            self.endpoints[key] = FakeMasterEndpoint(
                self.clock, Peer("master", "master", f"{host}:{port}")
            )
        return self.endpoints[key]

    def connections(self, n: int) -> list[Any]:
        """
        The connections made to master C{n}.
        """
        return self(*masterAddress(masterInfo(n))).connections


@implementer(IStreamClientEndpoint)
class _Refusing:
    def connect(self, factory: Any) -> Any:
        return fail(ConnectionRefusedError())


class Owner:
    """
    What a link's owner sees: ready and lost connections, and messages.
    """

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.dispatcher = Dispatcher()
        self.dispatcher.register(msgs.PingSlaveMessage, self.ping, ("master",))
        self.factory = MessageFactory(
            self.dispatcher, onReady=self.ready, onLost=self.lost
        )

    def ready(self, connection: Any) -> None:
        self.events.append(("ready", connection))

    def lost(self, connection: Any, reason: Any) -> None:
        self.events.append(("lost", connection))
        self.reasons = getattr(self, "reasons", []) + [reason]

    def ping(self, connection: Any, message: Any) -> None:
        self.events.append(("ping", connection))


class LeaderLinkTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.masters = FakeMasters(self.clock)
        self.owner = Owner()
        self.detector = StandaloneDetector(masterInfo(1))
        self.failures: list[Any] = []
        self.link = LeaderLink(
            lambda: self.detector, self.masters, self.owner.factory, self.clock,
            random=lambda: 1.0, onDetectionFailed=self.failures.append,
        )
        self.link.startService()
        self.addCleanup(lambda: self.link.running and self.link.stopService())

    def test_connectsToLeader(self) -> None:
        """
        The link connects to the detected leader; the owner sees the
        connection ready and gets its messages.
        """
        [connection] = self.masters.connections(1)
        self.assertEqual(self.owner.events, [("ready", connection.protocol)])
        connection.receive(msgs.PingSlaveMessage())
        self.assertEqual(self.owner.events[-1], ("ping", connection.protocol))
        self.assertIs(self.link.connection, connection.protocol)

    def test_followsLeader(self) -> None:
        """
        When another master leads, the old connection is lost (the owner is
        told at once) and one to the new leader is made; the old one's
        messages are ignored.
        """
        [old] = self.masters.connections(1)
        self.detector.appoint(masterInfo(2))
        [new] = self.masters.connections(2)
        self.assertEqual(
            self.owner.events,
            [("ready", old.protocol), ("lost", old.protocol), ("ready", new.protocol)],
        )
        self.owner.reasons[0].trap(LeaderChanged)
        old.receive(msgs.PingSlaveMessage())
        self.clock.advance(0)
        self.assertEqual(len(self.owner.events), 3)
        self.assertTrue(old.transport.disconnecting)

    def test_noLeader(self) -> None:
        """
        Without a leader the link disconnects and waits.
        """
        [old] = self.masters.connections(1)
        self.detector.appoint(None)
        self.assertEqual(self.owner.events[-1], ("lost", old.protocol))
        self.assertIsNone(self.link.connection)
        self.clock.advance(100)
        self.assertEqual(len(self.masters.connections(1)), 1)
        self.detector.appoint(masterInfo(1))
        self.assertEqual(len(self.masters.connections(1)), 2)

    def test_reconnects(self) -> None:
        """
        A lost connection to the leader is reported, and made again after a
        delay.
        """
        [first] = self.masters.connections(1)
        first.lose()
        self.assertEqual(self.owner.events[-1], ("lost", first.protocol))
        self.clock.advance(2)
        self.assertEqual(len(self.masters.connections(1)), 2)

    def test_redirect(self) -> None:
        """
        A redirect naming another master sends the link there after a
        short delay.
        """
        [standby] = self.masters.connections(1)
        redirect = msgs.MasterRedirectMessage()
        redirect.leader.CopyFrom(masterInfo(2))
        standby.receive(redirect)
        self.assertEqual(self.masters.connections(2), [])
        self.clock.advance(0.1)
        [leader] = self.masters.connections(2)
        self.assertIs(self.link.connection, leader.protocol)
        self.assertEqual(self.link.leader, masterInfo(2))

    def test_redirectTargetLost(self) -> None:
        """
        When the connection to a master a redirect named is lost, the link
        goes back to the detected leader.
        """
        [standby] = self.masters.connections(1)
        redirect = msgs.MasterRedirectMessage()
        redirect.leader.CopyFrom(masterInfo(2))
        standby.receive(redirect)
        self.clock.advance(0.1)
        [named] = self.masters.connections(2)
        named.lose()
        self.clock.advance(0)
        self.assertEqual(len(self.masters.connections(1)), 2)
        self.assertEqual(self.link.leader, masterInfo(1))

    def test_redirectTargetDown(self) -> None:
        """
        When a redirect names a master that cannot be reached (a stale
        leader), the link goes back to the detected leader.
        """
        self.masters.down.add(2)
        [standby] = self.masters.connections(1)
        redirect = msgs.MasterRedirectMessage()
        redirect.leader.CopyFrom(masterInfo(2))
        standby.receive(redirect)
        self.clock.pump([0.1] * 50)
        self.assertEqual(self.link.leader, masterInfo(1))
        self.assertEqual(len(self.masters.connections(1)), 2)

    def test_redirectBacksOff(self) -> None:
        """
        Redirects in a row are followed after longer and longer delays.
        """
        for n, delay in [(1, 0.1), (2, 0.2), (1, 0.4)]:
            [*_, connection] = self.masters.connections(n)
            redirect = msgs.MasterRedirectMessage()
            redirect.leader.CopyFrom(masterInfo(2 if n == 1 else 1))
            connection.receive(redirect)
            before = len(self.masters.connections(2 if n == 1 else 1))
            self.clock.advance(delay * 0.99)
            self.assertEqual(len(self.masters.connections(2 if n == 1 else 1)), before)
            self.clock.advance(delay * 0.01 + 1e-9)

    def test_redirectWithoutLeader(self) -> None:
        """
        A redirect naming no leader leaves the link where it is (the master
        closes the connection; the link reconnects with backoff).
        """
        [standby] = self.masters.connections(1)
        standby.receive(msgs.MasterRedirectMessage())
        self.clock.advance(10)
        self.assertEqual(self.link.leader, masterInfo(1))

    def test_detectionFails(self) -> None:
        """
        A detector that fails disconnects the link and is reported.
        """
        [old] = self.masters.connections(1)
        self.detector._pending.fail(DetectionError("garbage"))
        self.assertEqual(self.owner.events[-1], ("lost", old.protocol))
        [failure] = self.failures
        failure.trap(DetectionError)
        self.flushLoggedErrors()

    def test_stop(self) -> None:
        """
        Stopping the link closes its connection and stops detecting.
        """
        [old] = self.masters.connections(1)
        self.link.stopService()
        self.assertTrue(old.transport.disconnecting)
        self.assertEqual(self.owner.events[-1], ("lost", old.protocol))
        self.detector.appoint(masterInfo(2))
        self.assertEqual(self.masters.connections(2), [])

    def test_address(self) -> None:
        """
        A master is reached at its address's IP, else its host name, else
        its pid's host.
        """
        self.assertEqual(masterAddress(masterInfo(3, 5051)), ("10.0.0.3", 5051))
        self.assertEqual(
            masterAddress(MasterInfo(hostname="m", port=5050)), ("m", 5050)
        )
        self.assertEqual(
            masterAddress(MasterInfo(pid="master@1.2.3.4:99", port=99)), ("1.2.3.4", 99)
        )


class _LineDetector(StandaloneDetector):
    """
    A standalone detector that knows the masters in line.
    """

    def __init__(self, leader: MasterInfo, line: list[MasterInfo]) -> None:
        super().__init__(leader)
        self.line = line

    def candidates(self) -> Any:
        from twisted.internet.defer import succeed

        return succeed([m for m in self.line if m != self.leader])


class ConnectAheadTests(SynchronousTestCase):
    """
    When the leader's connection breaks, the link connects ahead to the
    master next in line, and takes that connection over if it is elected.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.masters = FakeMasters(self.clock)
        self.owner = Owner()
        self.detector = _LineDetector(masterInfo(1), [masterInfo(1), masterInfo(2)])
        self.link = LeaderLink(
            lambda: self.detector, self.masters, self.owner.factory, self.clock,
            random=lambda: 1.0,
        )
        self.link.startService()
        self.addCleanup(lambda: self.link.running and self.link.stopService())

    def test_takenOver(self) -> None:
        """
        The connection made ahead is not shown to the owner until its
        master is elected; then it is, at once, without a new connection.
        """
        [old] = self.masters.connections(1)
        old.lose()
        [ahead] = self.masters.connections(2)
        self.assertEqual(self.owner.events, [("ready", old.protocol), ("lost", old.protocol)])
        ahead.receive(msgs.PingSlaveMessage())
        self.assertEqual(len(self.owner.events), 2)
        self.detector.appoint(masterInfo(2))
        self.assertEqual(self.owner.events[-1], ("ready", ahead.protocol))
        self.assertEqual(len(self.masters.connections(2)), 1)
        self.assertIs(self.link.connection, ahead.protocol)

    def test_leaderBack(self) -> None:
        """
        If the leader's connection comes back, the one made ahead is
        closed.
        """
        [old] = self.masters.connections(1)
        old.lose()
        [ahead] = self.masters.connections(2)
        self.clock.advance(2)
        [_, back] = self.masters.connections(1)
        self.assertEqual(self.owner.events[-1], ("ready", back.protocol))
        self.assertTrue(ahead.transport.disconnecting)

    def test_otherElected(self) -> None:
        """
        If another master is elected, the connection made ahead is closed
        and one to the new leader is made.
        """
        [old] = self.masters.connections(1)
        old.lose()
        [ahead] = self.masters.connections(2)
        self.detector.appoint(masterInfo(3))
        self.assertTrue(ahead.transport.disconnecting)
        [new] = self.masters.connections(3)
        self.assertEqual(self.owner.events[-1], ("ready", new.protocol))

    def test_stop(self) -> None:
        """
        Stopping the link closes the connection made ahead.
        """
        [old] = self.masters.connections(1)
        old.lose()
        [ahead] = self.masters.connections(2)
        self.link.stopService()
        self.assertTrue(ahead.transport.disconnecting)


def redirectTo(n: int) -> msgs.MasterRedirectMessage:
    redirect = msgs.MasterRedirectMessage()
    redirect.leader.CopyFrom(masterInfo(n))
    return redirect


class ZooKeeperRedirectTests(SynchronousTestCase):
    """
    A link following a ZooKeeper detector follows only the detector, as
    Mesos's clients do: a standby's redirect may name a stale leader.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = FakeZooKeeperServer(self.clock)
        self.contenders = {n: self.contend(n) for n in (1, 2)}
        self.masters = FakeMasters(self.clock)
        self.owner = Owner()

    def group(self) -> Group:
        client = self.server.client()
        client.connect()
        self.server.flush()
        group = Group(client, "/mesos", self.clock)
        self.addCleanup(group.stop)
        return group

    def contend(self, n: int) -> ZooKeeperContender:
        contender = ZooKeeperContender(self.group(), masterInfo(n))
        contender.contend()
        self.server.flush()
        return contender

    def link(self, followRedirects: bool | None = None) -> LeaderLink:
        detector = ZooKeeperDetector(self.group())
        link = LeaderLink(
            lambda: detector, self.masters, self.owner.factory, self.clock,
            random=lambda: 0.0, followRedirects=followRedirects,
        )
        link.startService()
        self.addCleanup(lambda: link.running and link.stopService())
        self.server.flush()
        return link

    def test_redirectNotFollowed(self) -> None:
        """
        A redirect from the detected leader does not send the link to the
        master it names: the link connects to the detected leader again.
        """
        link = self.link()
        [first] = self.masters.connections(1)
        first.receive(redirectTo(3))
        first.lose()
        self.clock.pump([0.1] * 20)
        self.assertEqual(self.masters.connections(3), [])
        self.assertEqual(link.leader, masterInfo(1))
        [_, again] = self.masters.connections(1)
        self.assertIs(link.connection, again.protocol)

    def test_detectorFollowed(self) -> None:
        """
        After a redirect, the link goes where the detector says when the
        leader changes.
        """
        link = self.link()
        [first] = self.masters.connections(1)
        first.receive(redirectTo(3))
        first.lose()
        self.contenders[1].withdraw()
        self.server.flush()
        self.assertEqual(link.leader, masterInfo(2))
        [*_, second] = self.masters.connections(2)
        self.assertIs(link.connection, second.protocol)
        self.assertEqual(self.masters.connections(3), [])

    def test_followRedirects(self) -> None:
        """
        A link told to follow redirects does, even with a ZooKeeper
        detector.
        """
        link = self.link(followRedirects=True)
        [first] = self.masters.connections(1)
        first.receive(redirectTo(3))
        self.clock.advance(0.1)
        self.assertEqual(link.leader, masterInfo(3))
        self.assertEqual(len(self.masters.connections(3)), 1)
