"""
Tests for L{mesos_tw.master.master}, L{mesos_tw.master.observer} and
L{mesos_tw.master.http}.
"""

from __future__ import annotations

import json

from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.resource import getChildForRequest
from twisted.web.test.requesthelper import DummyRequest

import mesos_tw
from mesos_tw import messages_pb2 as msgs
from mesos_tw.master.http import makeRoot, stateJSON
from mesos_tw.master.master import Master
from mesos_tw.master.observer import SlaveObserver
from mesos_tw.mesos_pb2 import MasterInfo, Resource, SlaveID, SlaveInfo, Value
from mesos_tw.protocol.framing import MessageFactory, MessageProtocol
from mesos_tw.protocol.tls import Peer
from mesos_tw.resources import Resources
from mesos_tw.slave.slave import Slave as SlaveAgent
from mesos_tw.testing.wire import ofType, sent, wire

MASTER_ID = "20240101-000000-16777343-5050-1"
TIMEOUT = 15.0
MAX_TIMEOUTS = 5
RESOURCES = "cpus:2;mem:1024;ports:[31000-32000]"







def slaveInfo(hostname: str = "host1", resources: str = RESOURCES, **kw) -> SlaveInfo:
    """
    A L{SlaveInfo} as a slave sends it.
    """
    return SlaveInfo(
        hostname=hostname, resources=Resources.parse(resources).toProto(), **kw
    )


def register(info: SlaveInfo | None = None, version: str = mesos_tw.__version__):
    """
    A L{msgs.RegisterSlaveMessage}.
    """
    return msgs.RegisterSlaveMessage(
        slave=info if info is not None else slaveInfo(), version=version
    )


def reregister(slaveId: str, info: SlaveInfo | None = None,
               version: str = mesos_tw.__version__):
    """
    A L{msgs.ReregisterSlaveMessage} for C{slaveId} (none if empty).
    """
    info = info if info is not None else slaveInfo()
    if slaveId:
        info.id.value = slaveId
    return msgs.ReregisterSlaveMessage(slave=info, version=version)


class MasterTestCase(SynchronousTestCase):
    """
    A L{Master} on a L{Clock}, with fake slave connections.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.info = MasterInfo(
            id=MASTER_ID,
            pid="master@127.0.0.1:5050",
            hostname="master.example.com",
            version=mesos_tw.__version__,
        )
        self.master = Master(self.info, self.clock, TIMEOUT, MAX_TIMEOUTS)
        self.addCleanup(self.master.stop)

    def connect(
        self, role: str = "slave", name: str = "slave1",
        address: str = "127.0.0.1:1234",
    ) -> tuple[MessageProtocol, StringTransport]:
        """
        A connection from a peer with the given certificate identity.
        """
        factory = MessageFactory(
            self.master.dispatcher, onLost=self.master.connectionLost
        )
        protocol = factory.buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.peer = Peer(role, name, address)
        return protocol, transport

    def lose(self, protocol: MessageProtocol) -> None:
        """
        The connection of C{protocol} ends.
        """
        protocol.connectionLost(Failure(ConnectionDone()))

    def registered(
        self, name: str = "slave1", info: SlaveInfo | None = None
    ) -> tuple[MessageProtocol, StringTransport, str]:
        """
        Register a slave and return its connection and id, with the
        transport cleared.
        """
        protocol, transport = self.connect(name=name)
        protocol.dataReceived(wire(register(info)))
        [reply] = ofType(sent(transport), msgs.SlaveRegisteredMessage)
        # Run the allocation a registration asks for.
        self.clock.advance(0)
        return protocol, transport, reply.slave_id.value

    def assertRefused(self, transport: StringTransport, text: str) -> None:
        """
        C{transport} got one L{msgs.ShutdownMessage} naming C{text}, nothing
        else, and is closing.
        """
        [shutdown] = sent(transport)
        self.assertIsInstance(shutdown, msgs.ShutdownMessage)
        self.assertIn("Refused by the master", shutdown.message)
        self.assertIn(text, shutdown.message)
        self.assertTrue(transport.disconnecting)


class RegistrationTests(MasterTestCase):
    """
    Tests for L{Master.registerSlave}.
    """

    def test_firstId(self) -> None:
        """
        The first slave gets id C{<masterId>-S0} and the total ping timeout.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(wire(register()))
        [reply] = ofType(sent(transport), msgs.SlaveRegisteredMessage)
        self.assertEqual(reply.slave_id.value, f"{MASTER_ID}-S0")
        self.assertEqual(
            reply.connection.total_ping_timeout_seconds, TIMEOUT * MAX_TIMEOUTS
        )
        self.assertFalse(transport.disconnecting)

    def test_nextId(self) -> None:
        """
        The next slave gets C{<masterId>-S1}.
        """
        self.registered("slave1")
        _, _, second = self.registered("slave2")
        self.assertEqual(second, f"{MASTER_ID}-S1")

    def test_record(self) -> None:
        """
        The master records the slave's info with its id, its resources, its
        certificate name, its connection and the registration time.
        """
        protocol, _, slaveId = self.registered("slave1")
        slave = self.master.slaves[slaveId]
        self.assertEqual(slave.id, slaveId)
        self.assertEqual(slave.info.id.value, slaveId)
        self.assertEqual(slave.info.hostname, "host1")
        self.assertEqual(slave.resources, Resources.parse(RESOURCES))
        self.assertEqual(slave.principal, "slave1")
        self.assertIs(slave.connection, protocol)
        self.assertTrue(slave.connected)
        self.assertEqual(slave.registeredTime, 1000)
        self.assertIsNone(slave.reregisteredTime)

    def test_duplicate(self) -> None:
        """
        A second RegisterSlaveMessage on the same connection gets the same id
        again, and no new slave is added.
        """
        protocol, transport, slaveId = self.registered()
        protocol.dataReceived(wire(register()))
        [reply] = ofType(sent(transport), msgs.SlaveRegisteredMessage)
        self.assertEqual(reply.slave_id.value, slaveId)
        self.assertEqual(list(self.master.slaves), [slaveId])
        _, _, nextId = self.registered("slave2")
        self.assertEqual(nextId, f"{MASTER_ID}-S1")

    def test_oldVersion(self) -> None:
        """
        A slave older than the minimum version is shut down and disconnected.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(wire(register(version="0.0.9")))
        self.assertRefused(transport, "slave version '0.0.9' is older than 0.1.0")
        self.assertEqual(self.master.slaves, {})

    def test_noVersion(self) -> None:
        """
        A slave that sends no version is refused as too old.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(wire(register(version="")))
        self.assertRefused(transport, "is older than")
        self.assertEqual(self.master.slaves, {})

    def test_newerVersion(self) -> None:
        """
        A slave newer than this master is admitted.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(wire(register(version="1.2.3")))
        self.assertEqual(len(ofType(sent(transport), msgs.SlaveRegisteredMessage)), 1)

    def test_noHostname(self) -> None:
        """
        A SlaveInfo without a hostname is refused.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(wire(register(slaveInfo(hostname=""))))
        self.assertRefused(transport, "SlaveInfo has no hostname")
        self.assertEqual(self.master.slaves, {})

    def test_negativeResource(self) -> None:
        """
        A negative scalar among the slave's resources is refused.
        """
        info = slaveInfo()
        info.resources.append(
            Resource(name="cpus", type=Value.SCALAR, scalar=Value.Scalar(value=-1))
        )
        protocol, transport = self.connect()
        protocol.dataReceived(wire(register(info)))
        self.assertRefused(transport, "invalid resources")
        self.assertEqual(self.master.slaves, {})

    def test_refusalKeepsIds(self) -> None:
        """
        A refused registration uses no id: the next slave still gets S0.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(wire(register(slaveInfo(hostname=""))))
        _, _, slaveId = self.registered("slave2")
        self.assertEqual(slaveId, f"{MASTER_ID}-S0")

    def test_refusedNotPinged(self) -> None:
        """
        A refused slave is not pinged.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(wire(register(version="0.0.1")))
        transport.clear()
        self.clock.pump([TIMEOUT] * 10)
        self.assertEqual(transport.value(), b"")

    def test_frameworkRole(self) -> None:
        """
        A framework may not register as a slave: the dispatcher closes its
        connection and the master never sees the message.
        """
        protocol, transport = self.connect(role="framework", name="fw1")
        protocol.dataReceived(wire(register()))
        self.assertTrue(transport.disconnecting)
        self.assertEqual(transport.value(), b"")
        self.assertEqual(self.master.slaves, {})

    def test_noRole(self) -> None:
        """
        A peer without a role in its certificate may not register either.
        """
        protocol, transport = self.connect(role="", name="")
        protocol.dataReceived(wire(register()))
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.master.slaves, {})

    def test_frameworkPong(self) -> None:
        """
        A framework may not send the slaves' pong either.
        """
        protocol, transport = self.connect(role="framework", name="fw1")
        protocol.dataReceived(wire(msgs.PongSlaveMessage()))
        self.assertTrue(transport.disconnecting)


class HealthTests(MasterTestCase):
    """
    Tests for the master's pings, through L{SlaveObserver}.
    """

    def pings(self, transport: StringTransport) -> list:
        """
        The pings sent on C{transport} since the last look.
        """
        messages = sent(transport)
        self.assertEqual(messages, ofType(messages, msgs.PingSlaveMessage))
        return messages

    def test_firstPing(self) -> None:
        """
        A slave is pinged, as connected, as soon as it registers.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(wire(register()))
        [ping] = ofType(sent(transport), msgs.PingSlaveMessage)
        self.assertTrue(ping.connected)

    def test_pingEveryTimeout(self) -> None:
        """
        A slave that answers is pinged once every timeout, and kept.
        """
        protocol, transport, slaveId = self.registered()
        for _ in range(20):
            protocol.dataReceived(wire(msgs.PongSlaveMessage()))
            self.clock.advance(TIMEOUT - 1)
            self.assertEqual(self.pings(transport), [])
            self.clock.advance(1)
            self.assertEqual(
                self.pings(transport), [msgs.PingSlaveMessage(connected=True)]
            )
        self.assertIn(slaveId, self.master.slaves)
        self.assertFalse(transport.disconnecting)

    def test_removedAfterMaxMissed(self) -> None:
        """
        After C{max} pings in a row without a pong the slave is removed and
        its connection closed; it is not pinged again.
        """
        protocol, transport, slaveId = self.registered()
        self.clock.pump([TIMEOUT] * (MAX_TIMEOUTS - 1))
        self.assertEqual(len(self.pings(transport)), MAX_TIMEOUTS - 1)
        self.assertIn(slaveId, self.master.slaves)
        self.assertFalse(transport.disconnecting)
        self.clock.advance(TIMEOUT)
        self.assertNotIn(slaveId, self.master.slaves)
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.pings(transport), [])
        self.clock.pump([TIMEOUT] * 10)
        self.assertEqual(self.pings(transport), [])
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_pongResetsMissed(self) -> None:
        """
        A pong forgives the pings missed before it: the slave then has a full
        C{max} pings again.
        """
        protocol, transport, slaveId = self.registered()
        self.clock.pump([TIMEOUT] * (MAX_TIMEOUTS - 1))
        protocol.dataReceived(wire(msgs.PongSlaveMessage()))
        observer = self.master.slaves[slaveId].observer
        self.assertEqual(observer.missed, 0)
        self.clock.pump([TIMEOUT] * MAX_TIMEOUTS)
        self.assertIn(slaveId, self.master.slaves)
        self.assertEqual(observer.missed, MAX_TIMEOUTS - 1)
        self.clock.advance(TIMEOUT)
        self.assertNotIn(slaveId, self.master.slaves)
        self.assertTrue(transport.disconnecting)

    def test_connectionLost(self) -> None:
        """
        A slave whose connection is lost stays known but inactive and
        disconnected; pings go nowhere, and missing them still counts: it is
        removed after C{max} pings in a row without a pong, and remembered
        as unreachable.
        """
        protocol, transport, slaveId = self.registered()
        protocol.dataReceived(wire(msgs.PongSlaveMessage()))
        self.lose(protocol)
        slave = self.master.slaves[slaveId]
        self.assertFalse(slave.connected)
        self.assertFalse(slave.active)
        self.assertIsNone(slave.connection)
        state = stateJSON(self.master)
        self.assertIs(state["slaves"][0]["active"], False)
        self.assertIs(state["slaves"][0]["connected"], False)
        self.assertEqual(state["activated_slaves"], 0)
        self.assertEqual(state["deactivated_slaves"], 1)
        self.clock.pump([TIMEOUT] * MAX_TIMEOUTS)
        self.assertIn(slaveId, self.master.slaves)
        self.clock.advance(TIMEOUT)
        self.assertEqual(self.pings(transport), [])
        self.assertNotIn(slaveId, self.master.slaves)
        self.assertEqual(list(self.master.unreachableSlaves), [slaveId])
        self.assertEqual(self.master.unreachableSlaves[slaveId].time, 1000 + TIMEOUT * 6)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        state = stateJSON(self.master)
        self.assertEqual(state["slaves"], [])
        self.assertEqual(
            state["unreachable_slaves"],
            [{"id": slaveId, "principal": "slave1", "timestamp": 1000 + TIMEOUT * 6}],
        )

    def test_unregisteredConnectionLost(self) -> None:
        """
        Losing a connection that never registered changes nothing.
        """
        _, _, slaveId = self.registered()
        protocol, _ = self.connect(name="other")
        self.lose(protocol)
        self.assertTrue(self.master.slaves[slaveId].connected)

    def test_stop(self) -> None:
        """
        L{Master.stop} stops every ping timer.
        """
        self.registered("slave1")
        self.registered("slave2")
        self.assertEqual(len(self.clock.getDelayedCalls()), 2)
        self.master.stop()
        self.assertEqual(self.clock.getDelayedCalls(), [])


class ObserverTests(SynchronousTestCase):
    """
    Tests for L{SlaveObserver} on its own.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.pinged: list[float] = []
        self.lost: list[float] = []
        self.observer = SlaveObserver(
            self.clock,
            lambda: self.pinged.append(self.clock.seconds()),
            lambda: self.lost.append(self.clock.seconds()),
            10,
            3,
        )

    def test_lostAfterMaxMissed(self) -> None:
        """
        Without pongs, C{onLost} is called once, C{timeout * max} seconds
        after the first ping, and pinging stops.
        """
        self.observer.start()
        self.clock.pump([10] * 10)
        self.assertEqual(self.pinged, [0, 10, 20])
        self.assertEqual(self.lost, [30])
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_restart(self) -> None:
        """
        Restarting forgets the pings missed so far and pings at once: the
        slave has C{max} whole timeouts again.
        """
        self.observer.start()
        self.clock.pump([10, 10])
        self.assertEqual(self.observer.missed, 2)
        self.clock.advance(5)
        self.observer.restart()
        self.assertEqual(self.observer.missed, 0)
        self.assertEqual(self.pinged, [0, 10, 20, 25])
        self.clock.pump([10] * 2)
        self.assertEqual(self.lost, [])
        self.clock.advance(10)
        self.assertEqual(self.lost, [55])
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_stop(self) -> None:
        """
        A stopped observer neither pings nor calls C{onLost}; stopping twice
        is harmless.
        """
        self.observer.start()
        self.observer.stop()
        self.observer.stop()
        self.clock.pump([10] * 10)
        self.assertEqual(self.pinged, [0])
        self.assertEqual(self.lost, [])


class ReregistrationTests(MasterTestCase):
    """
    Tests for L{Master.reregisterSlave}.
    """

    def test_reattach(self) -> None:
        """
        A known slave re-registering with the same certificate name on a new
        connection gets its id back and is active and pinged on it.
        """
        old, _, slaveId = self.registered("slave1")
        self.lose(old)
        self.clock.advance(5)
        protocol, transport = self.connect(name="slave1")
        protocol.dataReceived(wire(reregister(slaveId)))
        messages = sent(transport)
        [reply] = ofType(messages, msgs.SlaveReregisteredMessage)
        self.assertEqual(reply.slave_id.value, slaveId)
        self.assertEqual(
            reply.connection.total_ping_timeout_seconds, TIMEOUT * MAX_TIMEOUTS
        )
        self.assertEqual(len(ofType(messages, msgs.PingSlaveMessage)), 1)
        slave = self.master.slaves[slaveId]
        self.assertIs(slave.connection, protocol)
        self.assertEqual(slave.registeredTime, 1000)
        self.assertEqual(slave.reregisteredTime, 1005)
        self.assertEqual(list(self.master.slaves), [slaveId])
        self.assertFalse(transport.disconnecting)
        self.assertTrue(stateJSON(self.master)["slaves"][0]["active"])

    def test_reattachUpdatesInfo(self) -> None:
        """
        Re-registration replaces the slave's info and resources with those
        it sends now.
        """
        old, _, slaveId = self.registered("slave1")
        self.lose(old)
        protocol, transport = self.connect(name="slave1")
        info = slaveInfo(hostname="host1b", resources="cpus:8")
        protocol.dataReceived(wire(reregister(slaveId, info)))
        slave = self.master.slaves[slaveId]
        self.assertEqual(slave.info.hostname, "host1b")
        self.assertEqual(slave.info.id.value, slaveId)
        self.assertEqual(slave.resources, Resources.parse("cpus:8"))

    def test_reattachWhileConnected(self) -> None:
        """
        A slave re-registering on a new connection before the old one is
        noticed gone moves to the new one: the end of the old connection no
        longer matters and pings go to the new one only.
        """
        old, oldTransport, slaveId = self.registered("slave1")
        protocol, transport = self.connect(name="slave1")
        protocol.dataReceived(wire(reregister(slaveId)))
        sent(transport)
        self.lose(old)
        slave = self.master.slaves[slaveId]
        self.assertIs(slave.connection, protocol)
        self.clock.advance(TIMEOUT)
        self.assertEqual(sent(oldTransport), [])
        self.assertEqual(sent(transport), [msgs.PingSlaveMessage(connected=True)])
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)

    def test_pongOnOldConnectionIgnored(self) -> None:
        """
        After a slave moved to a new connection, pongs on the old one do not
        count for it.
        """
        old, _, slaveId = self.registered("slave1")
        protocol, transport = self.connect(name="slave1")
        protocol.dataReceived(wire(reregister(slaveId)))
        self.clock.pump([TIMEOUT] * (MAX_TIMEOUTS - 1))
        for _ in range(3):
            old.dataReceived(wire(msgs.PongSlaveMessage()))
        self.clock.advance(TIMEOUT)
        self.assertNotIn(slaveId, self.master.slaves)

    def test_otherPrincipal(self) -> None:
        """
        Re-registration of a known id under another certificate name is
        refused, and the slave stays with its owner.
        """
        owner, _, slaveId = self.registered("slave1")
        protocol, transport = self.connect(name="intruder")
        protocol.dataReceived(wire(reregister(slaveId)))
        self.assertRefused(
            transport, f"slave {slaveId} belongs to 'slave1', not 'intruder'"
        )
        slave = self.master.slaves[slaveId]
        self.assertIs(slave.connection, owner)
        self.assertEqual(slave.principal, "slave1")

    def test_otherPrincipalWhileDisconnected(self) -> None:
        """
        An inactive slave cannot be taken over by another certificate name
        either.
        """
        owner, _, slaveId = self.registered("slave1")
        self.lose(owner)
        protocol, transport = self.connect(name="intruder")
        protocol.dataReceived(wire(reregister(slaveId)))
        self.assertRefused(transport, "belongs to 'slave1'")
        self.assertFalse(self.master.slaves[slaveId].connected)

    def test_unknownId(self) -> None:
        """
        A slave registered with a previous master is admitted with its id.
        """
        slaveId = "previous-master-S7"
        protocol, transport = self.connect(name="slave1")
        protocol.dataReceived(wire(reregister(slaveId)))
        messages = sent(transport)
        [reply] = ofType(messages, msgs.SlaveReregisteredMessage)
        self.assertEqual(reply.slave_id.value, slaveId)
        self.assertEqual(
            reply.connection.total_ping_timeout_seconds, TIMEOUT * MAX_TIMEOUTS
        )
        self.assertEqual(len(ofType(messages, msgs.PingSlaveMessage)), 1)
        slave = self.master.slaves[slaveId]
        self.assertEqual(slave.principal, "slave1")
        self.assertEqual(slave.info.id.value, slaveId)
        self.assertEqual(slave.resources, Resources.parse(RESOURCES))
        self.assertEqual(slave.reregisteredTime, 1000)
        _, _, fresh = self.registered("slave2")
        self.assertEqual(fresh, f"{MASTER_ID}-S0")

    def test_idOfOurRange(self) -> None:
        """
        A slave re-registering with an id this master would issue next keeps
        it, and the next new slave gets another id.
        """
        taken = f"{MASTER_ID}-S0"
        protocol, transport = self.connect(name="slave1")
        protocol.dataReceived(wire(reregister(taken)))
        _, _, fresh = self.registered("slave2")
        self.assertEqual(fresh, f"{MASTER_ID}-S1")
        self.assertEqual(self.master.slaves[taken].principal, "slave1")
        self.assertEqual(self.master.slaves[fresh].principal, "slave2")

    def test_secondIdOnConnection(self) -> None:
        """
        A connection that is one slave cannot re-register as another.
        """
        protocol, transport, slaveId = self.registered("slave1")
        transport.clear()
        protocol.dataReceived(wire(reregister("other-S9")))
        self.assertRefused(transport, f"this connection is slave {slaveId}")
        self.assertNotIn("other-S9", self.master.slaves)

    def test_noId(self) -> None:
        """
        A re-registration without a slave id is refused.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(wire(reregister("")))
        self.assertRefused(transport, "re-registration without a slave id")
        self.assertEqual(self.master.slaves, {})

    def test_invalid(self) -> None:
        """
        Re-registrations are validated as registrations are.
        """
        old, _, slaveId = self.registered("slave1")
        self.lose(old)
        protocol, transport = self.connect(name="slave1")
        protocol.dataReceived(wire(reregister(slaveId, version="0.0.1")))
        self.assertRefused(transport, "older than")
        protocol, transport = self.connect(name="slave1")
        protocol.dataReceived(wire(reregister(slaveId, slaveInfo(hostname=""))))
        self.assertRefused(transport, "no hostname")
        self.assertFalse(self.master.slaves[slaveId].connected)

    def test_frameworkRole(self) -> None:
        """
        A framework may not re-register as a slave.
        """
        protocol, transport = self.connect(role="framework", name="slave1")
        protocol.dataReceived(wire(reregister("previous-master-S7")))
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.master.slaves, {})


class UnregistrationTests(MasterTestCase):
    """
    Tests for L{Master.unregisterSlave}.
    """

    def unregister(self, slaveId: str):
        """
        A L{msgs.UnregisterSlaveMessage} for C{slaveId}.
        """
        return msgs.UnregisterSlaveMessage(slave_id=SlaveID(value=slaveId))

    def test_unregister(self) -> None:
        """
        A slave that unregisters is removed, its connection closed and its
        pings stopped.
        """
        protocol, transport, slaveId = self.registered()
        protocol.dataReceived(wire(self.unregister(slaveId)))
        self.assertEqual(self.master.slaves, {})
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.lose(protocol)
        self.assertEqual(stateJSON(self.master)["slaves"], [])

    def assertNotRegistered(self, transport: StringTransport, slaveId: str) -> None:
        """
        C{transport} got only a refusal of an unregistration of C{slaveId}
        with NOT_REGISTERED, and stays open.
        """
        [refusal] = sent(transport)
        self.assertIsInstance(refusal, msgs.MessageRefused)
        self.assertEqual(refusal.code, msgs.MessageRefused.NOT_REGISTERED)
        self.assertEqual(
            refusal.message_type, msgs.UnregisterSlaveMessage.DESCRIPTOR.full_name
        )
        self.assertEqual(refusal.slave_id.value, slaveId)
        self.assertFalse(transport.disconnecting)

    def test_otherId(self) -> None:
        """
        A slave cannot unregister another slave: it is refused.
        """
        _, _, first = self.registered("slave1")
        protocol, transport, second = self.registered("slave2")
        sent(transport)
        protocol.dataReceived(wire(self.unregister(first)))
        self.assertEqual(set(self.master.slaves), {first, second})
        self.assertNotRegistered(transport, first)

    def test_unregisteredConnection(self) -> None:
        """
        Unregistration from a connection that has not registered is refused.
        """
        _, _, slaveId = self.registered("slave1")
        protocol, transport = self.connect(name="slave1")
        protocol.dataReceived(wire(self.unregister(slaveId)))
        self.assertIn(slaveId, self.master.slaves)
        self.assertNotRegistered(transport, slaveId)


class StateTests(MasterTestCase):
    """
    Tests for L{stateJSON} and L{makeRoot}.
    """

    def test_empty(self) -> None:
        """
        A master without slaves describes itself.
        """
        self.assertEqual(
            stateJSON(self.master),
            {
                "id": MASTER_ID,
                "pid": "master@127.0.0.1:5050",
                "hostname": "master.example.com",
                "version": mesos_tw.__version__,
                "start_time": 1000,
                "elected_time": 1000,
                "leader": "master@127.0.0.1:5050",
                "leader_info": {
                    "id": MASTER_ID,
                    "pid": "master@127.0.0.1:5050",
                    "hostname": "master.example.com",
                    "version": mesos_tw.__version__,
                },
                "recovering_slaves": [],
                "activated_slaves": 0,
                "deactivated_slaves": 0,
                "slaves": [],
                "unreachable_slaves": [],
                "frameworks": [],
                "completed_frameworks": [],
                "roles": [],
            },
        )

    def test_slaves(self) -> None:
        """
        Each slave is listed with its id, resources in Mesos's JSON form and
        whether it is active.
        """
        _, _, first = self.registered("slave1", slaveInfo("host1", port=5052))
        self.clock.advance(3)
        second, _, secondId = self.registered("slave2", slaveInfo("host2", "cpus:1"))
        self.lose(second)
        state = stateJSON(self.master)
        self.assertEqual(state["activated_slaves"], 1)
        self.assertEqual(state["deactivated_slaves"], 1)
        self.assertEqual(
            state["slaves"],
            [
                {
                    "id": first,
                    "hostname": "host1",
                    "port": 5052,
                    "principal": "slave1",
                    "resources": {
                        "cpus": 2.0, "mem": 1024.0, "ports": "[31000-32000]"
                    },
                    "registered_time": 1000,
                    "reregistered_time": None,
                    "active": True,
                    "connected": True,
                    "usage": [],
                },
                {
                    "id": secondId,
                    "hostname": "host2",
                    "port": 5051,
                    "principal": "slave2",
                    "resources": {"cpus": 1.0},
                    "registered_time": 1003,
                    "reregistered_time": None,
                    "active": False,
                    "connected": False,
                    "usage": [],
                },
            ],
        )

    def test_usage(self) -> None:
        """
        A slave's latest usage report shows in the state; a report naming
        another slave is ignored.
        """
        protocol, _, slaveId = self.registered("slave1")
        report = msgs.SlaveUsageMessage()
        report.slave_id.value = slaveId
        executor = report.executors.add()
        executor.framework_id.value = "f1"
        executor.executor_id.value = "t1"
        executor.container_id.value = "c1"
        executor.statistics.cpus_limit = 0.5
        executor.statistics.mem_rss_bytes = 1024
        protocol.dataReceived(wire(report))
        other = msgs.SlaveUsageMessage()
        other.slave_id.value = "someone-else"
        protocol.dataReceived(wire(other))
        [slave] = stateJSON(self.master)["slaves"]
        self.assertEqual(
            slave["usage"],
            [{"framework_id": "f1", "executor_id": "t1", "container_id": "c1",
              "statistics": {"cpus_limit": 0.5, "mem_rss_bytes": "1024"}}],
        )

    def render(self, path: bytes) -> tuple[DummyRequest, dict]:
        """
        GET C{path} from the master's resource tree.
        """
        request = DummyRequest(path.strip(b"/").split(b"/"))
        resource = getChildForRequest(makeRoot(self.master), request)
        body = resource.render(request)
        return request, json.loads(body)

    def test_http(self) -> None:
        """
        C{/state} and C{/master/state} serve L{stateJSON} as JSON.
        """
        self.registered()
        for path in (b"/state", b"/master/state"):
            request, body = self.render(path)
            self.assertEqual(
                request.responseHeaders.getRawHeaders(b"content-type"),
                [b"application/json"],
            )
            self.assertEqual(body, stateJSON(self.master))
            self.assertEqual(
                body["slaves"][0]["resources"],
                {"cpus": 2.0, "mem": 1024.0, "ports": "[31000-32000]"},
            )
            self.assertIs(body["slaves"][0]["active"], True)

    def test_health(self) -> None:
        """
        C{/health} and C{/master/health} say the master is healthy.
        """
        for path in (b"/health", b"/master/health"):
            _, body = self.render(path)
            self.assertEqual(body, {"healthy": True})


class Pipe:
    """
    Two L{MessageProtocol}s on L{StringTransport}s, with bytes moved
    between them by L{pump}.
    """

    def __init__(self, master: Master, slave: SlaveAgent) -> None:
        masterFactory = MessageFactory(master.dispatcher, onLost=master.connectionLost)
        slaveFactory = MessageFactory(slave.dispatcher, onLost=slave.disconnected)
        self.masterSide = masterFactory.buildProtocol(None)
        self.slaveSide = slaveFactory.buildProtocol(None)
        self.masterTransport = StringTransport()
        self.slaveTransport = StringTransport()
        self.masterSide.makeConnection(self.masterTransport)
        self.slaveSide.makeConnection(self.slaveTransport)
        self.masterSide.peer = Peer("slave", "slave1", "127.0.0.1:40000")
        self.slaveSide.peer = Peer("master", "master", "127.0.0.1:5050")
        slave.connected(self.slaveSide)

    def pump(self) -> None:
        """
        Deliver everything written, both ways, until both sides are quiet.
        """
        while True:
            moved = False
            for transport, protocol in (
                (self.slaveTransport, self.masterSide),
                (self.masterTransport, self.slaveSide),
            ):
                data = transport.value()
                if data:
                    transport.clear()
                    protocol.dataReceived(data)
                    moved = True
            if not moved:
                return

    def close(self) -> None:
        """
        The connection ends on both sides.
        """
        self.masterSide.connectionLost(Failure(ConnectionDone()))
        self.slaveSide.connectionLost(Failure(ConnectionDone()))


class MasterSlaveTests(MasterTestCase):
    """
    A real master and a real slave talking over an in-memory connection.
    """

    def setUp(self) -> None:
        super().setUp()
        self.slave = SlaveAgent(slaveInfo(), self.clock, random=lambda: 0.5)
        self.addCleanup(self.slave.stop)

    def advance(self, seconds: float, pipe: Pipe, step: float = 1.0) -> None:
        """
        Let C{seconds} pass in steps, delivering messages after each.
        """
        for _ in range(int(seconds / step)):
            self.clock.advance(step)
            pipe.pump()

    def test_registerAndStayHealthy(self) -> None:
        """
        The slave registers, gets its id, and keeps answering pings for a
        long time without being removed or reconnecting.
        """
        pipe = Pipe(self.master, self.slave)
        self.advance(1, pipe)
        self.assertEqual(self.slave.id, f"{MASTER_ID}-S0")
        self.assertTrue(self.slave.registered)
        self.advance(TIMEOUT * MAX_TIMEOUTS * 4, pipe)
        self.assertIn(self.slave.id, self.master.slaves)
        self.assertFalse(pipe.masterTransport.disconnecting)
        self.assertFalse(pipe.slaveTransport.disconnecting)

    def test_masterRestart(self) -> None:
        """
        After the master restarts, the slave re-registers on a new
        connection and the new master admits it under its old id.
        """
        pipe = Pipe(self.master, self.slave)
        self.advance(1, pipe)
        slaveId = self.slave.id
        pipe.close()
        self.master.stop()
        self.master = Master(
            MasterInfo(id="second-master", hostname="m2"), self.clock,
            TIMEOUT, MAX_TIMEOUTS,
        )
        self.addCleanup(self.master.stop)
        pipe = Pipe(self.master, self.slave)
        self.advance(1, pipe)
        self.assertTrue(self.slave.registered)
        self.assertEqual(self.slave.id, slaveId)
        self.assertEqual(list(self.master.slaves), [slaveId])
        self.assertTrue(self.master.slaves[slaveId].connected)

    def test_reconnectInTime(self) -> None:
        """
        A slave whose connection breaks and that re-registers on a new one
        before the ping timeouts run out is kept, connected and active, and
        stays healthy afterwards.
        """
        pipe = Pipe(self.master, self.slave)
        self.advance(1, pipe)
        slaveId = self.slave.id
        pipe.close()
        self.assertFalse(self.master.slaves[slaveId].connected)
        self.advance(TIMEOUT * 2, pipe)
        pipe = Pipe(self.master, self.slave)
        self.advance(TIMEOUT * MAX_TIMEOUTS * 2, pipe)
        slave = self.master.slaves[slaveId]
        self.assertTrue(slave.connected and slave.active)
        self.assertIsNotNone(slave.reregisteredTime)
        self.assertEqual(self.master.unreachableSlaves, {})
        self.assertTrue(self.slave.registered)

    def test_backAfterRemoval(self) -> None:
        """
        A slave removed while its connection was down is admitted again,
        under its id, when it re-registers later.
        """
        pipe = Pipe(self.master, self.slave)
        self.advance(1, pipe)
        slaveId = self.slave.id
        pipe.close()
        self.advance(TIMEOUT * (MAX_TIMEOUTS + 1), pipe)
        self.assertNotIn(slaveId, self.master.slaves)
        self.assertIn(slaveId, self.master.unreachableSlaves)
        pipe = Pipe(self.master, self.slave)
        self.advance(5, pipe)
        self.assertEqual(self.slave.id, slaveId)
        self.assertTrue(self.master.slaves[slaveId].connected)
        self.assertEqual(self.master.unreachableSlaves, {})

    def test_silence(self) -> None:
        """
        When nothing gets through any more, the slave gives up on the master
        after the total ping timeout and the master removes the slave once
        C{max} pings in a row went unanswered.
        """
        pipe = Pipe(self.master, self.slave)
        self.advance(1, pipe)
        slaveId = self.slave.id
        for _ in range(int(TIMEOUT * MAX_TIMEOUTS) - 1):
            self.clock.advance(1)
        self.assertFalse(pipe.slaveTransport.disconnecting)
        self.clock.advance(1)
        self.assertTrue(pipe.slaveTransport.disconnecting)
        self.assertIn(slaveId, self.master.slaves)
        for _ in range(int(TIMEOUT)):
            self.clock.advance(1)
        self.assertNotIn(slaveId, self.master.slaves)
        self.assertTrue(pipe.masterTransport.disconnecting)
