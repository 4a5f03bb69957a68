"""
Tests for the slave's link to the leading master (L{mesos_tw.slave.link}):
a real L{Slave} registers with the leader, re-registers with its id when
the leader changes or a standby redirects it, and ignores the old leader.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw import messages_pb2 as msgs
from mesos_tw.leader import StandaloneDetector
from mesos_tw.mesos_pb2 import SlaveID, SlaveInfo
from mesos_tw.resources import Resources
from mesos_tw.slave.link import makeMasterLink
from mesos_tw.slave.slave import Slave
from tests.test_leader import masterInfo
from tests.test_leader_link import FakeMasters


class SlaveLinkTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.masters = FakeMasters(self.clock)
        self.slave = Slave(
            SlaveInfo(hostname="host1", resources=Resources.parse("cpus:1;mem:64").toProto()),
            self.clock,
            random=lambda: 0.5,
        )
        self.addCleanup(self.slave.stop)
        self.detector = StandaloneDetector(masterInfo(1))
        self.link = makeMasterLink(
            "127.0.0.1:5050", self.slave, None, self.clock, endpointFor=self.masters
        )
        self.link._makeDetector = lambda: self.detector
        self.link.startService()
        self.addCleanup(lambda: self.link.running and self.link.stopService())

    def registered(self, n: int) -> object:
        """
        The slave's latest connection to master C{n} carries a
        registration, answered.
        """
        self.clock.pump([0.1] * 10)
        connection = self.masters.connections(n)[-1]
        sent = connection.sent()
        self.assertTrue(sent, f"nothing sent to master {n}")
        return connection, sent

    def test_registersWithLeader(self) -> None:
        """
        The slave registers with the detected leader.
        """
        connection, [message] = self.registered(1)
        self.assertIsInstance(message, msgs.RegisterSlaveMessage)

    def test_reregistersWithNewLeader(self) -> None:
        """
        When another master leads, the slave re-registers with it, with its
        id; the old leader's messages are ignored.
        """
        old, _ = self.registered(1)
        old.receive(msgs.SlaveRegisteredMessage(slave_id=SlaveID(value="M1-S0")))
        self.assertTrue(self.slave.registered)
        self.detector.appoint(masterInfo(2))
        self.assertFalse(self.slave.registered)
        new, [message] = self.registered(2)
        self.assertIsInstance(message, msgs.ReregisterSlaveMessage)
        self.assertEqual(message.slave.id.value, "M1-S0")
        old.receive(msgs.ShutdownMessage(message="stale"))
        new.receive(msgs.SlaveReregisteredMessage(slave_id=SlaveID(value="M1-S0")))
        self.assertTrue(self.slave.registered)
        self.assertIs(self.slave.master, new.protocol)

    def test_redirected(self) -> None:
        """
        A standby's redirect sends the slave to the leader it names.
        """
        standby, _ = self.registered(1)
        redirect = msgs.MasterRedirectMessage()
        redirect.leader.CopyFrom(masterInfo(3))
        standby.receive(redirect)
        leader, [message] = self.registered(3)
        self.assertIsInstance(message, msgs.RegisterSlaveMessage)
