"""
Tests for masters in an election (L{mesos_tw.master.service},
L{mesos_tw.master.standby}): over a fake ZooKeeper on a C{Clock}, the
first master leads once it has recovered the registry, standbys redirect
slaves and frameworks to it (over the wire and over HTTP), and a master
that loses its session or its registry exits.
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.test.requesthelper import DummyRequest

import mesos_tw
from mesos_tw import messages_pb2 as msgs
from mesos_tw.master.http import makeRoot, stateJSON
from mesos_tw.master.master import Master
from mesos_tw.master.registrar import Registrar, ZooKeeperStore
from mesos_tw.master.registry import Registry
from mesos_tw.master.service import MasterService, ZooKeeperLeadership
from mesos_tw.master.standby import Leadership, StandbyGate
from mesos_tw.protocol.framing import MessageFactory
from mesos_tw.protocol.tls import Peer
from mesos_tw.testing.wire import ofType
from mesos_tw.testing.zookeeper import FakeZooKeeperServer
from tests.test_leader import masterInfo
from tests.test_master_frameworks import Connection, frameworkInfo, slaveInfo


class _Listener:
    port = None


class Node:
    """
    One master: its service on a fake ZooKeeper client, and its exits.
    """

    def __init__(self, test: ElectionTestCase, n: int) -> None:
        self.info = masterInfo(n)
        self.client = test.server.client(10.0)
        registrar = Registrar(ZooKeeperStore(self.client, "/mesos/registry"))
        self.master = Master(
            self.info, test.clock, registrar=registrar, slaveReregisterTimeout=60.0
        )
        self.gate = StandbyGate(self.master.dispatcher, Leadership(self.info), test.clock)
        self.exits: list[str] = []
        self.service = MasterService(
            self.master, _Listener(), self.gate,
            ZooKeeperLeadership(self.client, "/mesos", 10.0, test.clock),
            self.exits.append,
        )
        self._clock = test.clock

    def connect(self, role: str, name: str) -> Connection:
        """
        A connection to this master's listener (through its gate).
        """

        def lost(connection: Any, reason: Any) -> None:
            self.gate.connectionLost(connection)
            self.master.connectionLost(connection, reason)

        protocol = MessageFactory(self.gate, onLost=lost).buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.peer = Peer(role, name, "127.0.0.1:4000")
        return Connection(protocol, transport)


class ElectionTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.server = FakeZooKeeperServer(self.clock)

    def flush(self) -> None:
        self.server.flush()

    def node(self, n: int) -> Node:
        node = Node(self, n)
        node.service.startService()
        self.addCleanup(lambda: node.service.running and node.service.stopService())
        self.flush()
        return node

    def register(self, node: Node, name: str = "slave1") -> Connection:
        slave = node.connect("slave", name)
        slave.send(msgs.RegisterSlaveMessage(slave=slaveInfo(), version=mesos_tw.__version__))
        self.flush()
        return slave


class ElectionTests(ElectionTestCase):
    """
    The first master leads; the others stand by and redirect.
    """

    def test_firstServes(self) -> None:
        """
        The first master is elected, recovers the registry (writing itself
        into it) and serves: slaves register with it.
        """
        first = self.node(1)
        self.assertTrue(first.gate.leadership.serving)
        self.assertEqual(first.gate.leadership.electedTime, 1000)
        registry = Registry.fromBytes(self.server.data()["/mesos/registry"])
        self.assertEqual(registry.master, first.info)
        slave = self.register(first)
        [reply] = ofType(slave.received(), msgs.SlaveRegisteredMessage)
        registry = Registry.fromBytes(self.server.data()["/mesos/registry"])
        self.assertEqual(registry.admitted, {reply.slave_id.value: "slave1"})

    def test_standbyRedirects(self) -> None:
        """
        A standby answers a slave's or a framework's message, after a grace
        period, with the leader, and closes the connection; it keeps
        nothing.
        """
        first, second = self.node(1), self.node(2)
        self.assertFalse(second.gate.leadership.serving)
        slave = self.register(second)
        framework = second.connect("framework", "fw1")
        framework.send(msgs.RegisterFrameworkMessage(framework=frameworkInfo()))
        self.assertEqual(slave.received(), [])
        self.clock.advance(1)
        for connection, messageType in [
            (slave, "mesos_tw.internal.RegisterSlaveMessage"),
            (framework, "mesos_tw.internal.RegisterFrameworkMessage"),
        ]:
            [redirect] = connection.received()
            self.assertIsInstance(redirect, msgs.MasterRedirectMessage)
            self.assertEqual(redirect.leader, first.info)
            self.assertEqual(redirect.message_type, messageType)
            self.assertTrue(connection.transport.disconnecting)
        self.assertEqual(second.master.slaves, {})
        self.assertEqual(second.master.frameworks, {})

    def test_noLeaderKnown(self) -> None:
        """
        A master that knows of no leader redirects to none.
        """
        leadership = Leadership(masterInfo(2))
        gate = StandbyGate(Master(masterInfo(2), self.clock).dispatcher, leadership, self.clock)
        protocol = MessageFactory(gate).buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.peer = Peer("slave", "slave1", "127.0.0.1:4000")
        connection = Connection(protocol, transport)
        connection.send(msgs.RegisterSlaveMessage(slave=slaveInfo(), version="1.0"))
        self.clock.advance(1)
        [redirect] = connection.received()
        self.assertFalse(redirect.HasField("leader"))
        self.assertIn("no leader is known", redirect.message)
        self.assertTrue(transport.disconnecting)

    def test_electedWithinGrace(self) -> None:
        """
        A message that reaches a standby being elected (a client may learn
        of a new leader before the leader does) is served, not redirected.
        """
        first, second = self.node(1), self.node(2)
        self.server.expireSession(first.client)
        slave = second.connect("slave", "slave1")
        slave.send(msgs.RegisterSlaveMessage(slave=slaveInfo(), version=mesos_tw.__version__))
        self.flush()
        self.assertTrue(second.gate.leadership.serving)
        self.clock.advance(1)
        messages = slave.received()
        self.assertEqual(len(ofType(messages, msgs.SlaveRegisteredMessage)), 1)
        self.assertEqual(ofType(messages, msgs.MasterRedirectMessage), [])
        self.assertFalse(slave.transport.disconnecting)

    def test_lostDuringGrace(self) -> None:
        """
        A connection lost during the grace period is forgotten.
        """
        first, second = self.node(1), self.node(2)
        slave = self.register(second)
        slave.lose()
        self.clock.advance(1)
        self.assertEqual(slave.received(), [])
        self.assertEqual(second.gate.held, 0)

    def test_heldWhileRecovering(self) -> None:
        """
        An elected master still recovering holds messages, and handles those
        of connections still open once it serves.
        """
        info = masterInfo(1)
        master = Master(info, self.clock)
        leadership = Leadership(info)
        leadership.elected = True
        gate = StandbyGate(master.dispatcher, leadership, self.clock)
        connections = []
        for name in ["slave1", "slave2"]:
            protocol = MessageFactory(gate).buildProtocol(None)
            transport = StringTransport()
            protocol.makeConnection(transport)
            protocol.peer = Peer("slave", name, "127.0.0.1:4000")
            connection = Connection(protocol, transport)
            connection.send(msgs.RegisterSlaveMessage(slave=slaveInfo(), version="1.0"))
            connections.append(connection)
        self.assertEqual(gate.held, 2)
        gate.connectionLost(connections[1].protocol)
        leadership.serving = True
        gate.serve()
        self.assertEqual(len(ofType(connections[0].received(), msgs.SlaveRegisteredMessage)), 1)
        self.assertEqual(connections[1].received(), [])
        self.assertEqual(len(master.slaves), 1)
        master.stop()

    def test_failover(self) -> None:
        """
        When the leader's session expires it must exit; the standby takes
        over, expecting the leader's slaves.
        """
        first, second = self.node(1), self.node(2)
        slave = self.register(first)
        [reply] = ofType(slave.received(), msgs.SlaveRegisteredMessage)
        self.server.expireSession(first.client)
        self.flush()
        self.assertEqual(len(first.exits), 1)
        self.assertIn("committing suicide", first.exits[0])
        self.assertFalse(first.gate.leadership.serving)
        self.assertTrue(second.gate.leadership.serving)
        self.assertEqual(second.master.recoveringSlaves, {reply.slave_id.value})
        registry = Registry.fromBytes(self.server.data()["/mesos/registry"])
        self.assertEqual(registry.master, second.info)

    def test_stopDoesNotExit(self) -> None:
        """
        A master stopped cleanly leaves the group without exiting; the next
        one leads.
        """
        first, second = self.node(1), self.node(2)
        first.service.stopService()
        self.flush()
        self.assertEqual(first.exits, [])
        self.assertTrue(second.gate.leadership.serving)

    def test_registryFails(self) -> None:
        """
        A leader whose registry write fails (another master wrote it) must
        exit.
        """
        first = self.node(1)
        other = Registrar(ZooKeeperStore(self.server.client(), "/mesos/registry"))
        other.store.client.connect()
        self.flush()
        other.recover(masterInfo(9))
        self.flush()
        self.register(first)
        self.assertEqual(len(first.exits), 1)
        self.assertIn("registry", first.exits[0])
        self.flushLoggedErrors()


class HTTPTests(ElectionTestCase):
    """
    Over HTTP, a master that does not serve redirects to the leader.
    """

    def get(self, root: Any, path: bytes) -> DummyRequest:
        request = DummyRequest(path.lstrip(b"/").split(b"/"))
        request.path = path
        request.uri = path
        resource = root
        while request.postpath and not resource.isLeaf:
            resource = resource.getChildWithDefault(request.postpath.pop(0), request)
        request.body = resource.render(request)
        return request

    def test_redirect(self) -> None:
        """
        A standby answers C{/state} with 307 to the same path on the leader.
        """
        first, second = self.node(1), self.node(2)
        request = self.get(makeRoot(second.master, leadership=second.gate.leadership), b"/state")
        self.assertEqual(request.responseCode, 307)
        self.assertEqual(
            request.responseHeaders.getRawHeaders(b"location"),
            [b"https://10.0.0.1:5050/state"],
        )

    def test_noLeader(self) -> None:
        """
        Without a leader, C{/master/state} answers 503; C{/health} answers
        anyway.
        """
        leadership = Leadership(masterInfo(2))
        master = Master(masterInfo(2), self.clock)
        root = makeRoot(master, leadership=leadership)
        request = self.get(root, b"/master/state")
        self.assertEqual(request.responseCode, 503)
        self.assertIn("no leader elected", json.loads(request.body)["error"])
        request = self.get(root, b"/health")
        self.assertEqual(json.loads(request.body), {"healthy": True})

    def test_leaderServes(self) -> None:
        """
        The leader answers, naming itself as leader.
        """
        first = self.node(1)
        root = makeRoot(first.master, leadership=first.gate.leadership)
        state = json.loads(self.get(root, b"/state").body)
        self.assertEqual(state["leader"], first.info.pid)
        self.assertEqual(state["elected_time"], 1000)
        self.assertEqual(stateJSON(first.master, first.gate.leadership)["leader_info"]["id"],
                         first.info.id)
