"""
Tests for L{mesos_tw.slave.slave} (registration), L{mesos_tw.slave.detect},
L{mesos_tw.slave.http}, L{mesos_tw.slave.paths} and the slave's runtime
options in L{mesos_tw.slave.tap}.
"""

from __future__ import annotations

import json
import os

from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.logger import Logger, LogLevel
from twisted.python import usage
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.resource import getChildForRequest
from twisted.web.test.requesthelper import DummyRequest

import mesos_tw
from mesos_tw import messages_pb2 as msgs
from mesos_tw.mesos_pb2 import SlaveID, SlaveInfo
from mesos_tw.protocol.framing import MessageFactory, MessageProtocol
from mesos_tw.protocol.tls import Peer
from mesos_tw.resources import Resources
from mesos_tw.slave import detect, paths
from mesos_tw.slave import tap as slaveTap
from mesos_tw.slave.containerizer import PosixLauncher
from mesos_tw.slave.detect import detectResources
from mesos_tw.slave.http import makeRoot, stateJSON
from mesos_tw.slave.slave import Slave
from mesos_tw.testing.certs import makeCluster
from mesos_tw.testing.wire import sent, wire

SLAVE_ID = "master-1-S0"
RESOURCES = "cpus:2;mem:1024;ports:[31000-32000]"
MASTER_PEER = Peer("master", "master", "127.0.0.1:5050")







def slaveOptions(tlsDir: str, workDir: str, *args: str) -> slaveTap.Options:
    """
    Slave options for a master at 127.0.0.1:5050, with one CPU and C{args}.
    """
    options = slaveTap.Options()
    options.parseOptions(
        ["--master", "127.0.0.1:5050", "--tls-dir", tlsDir, "--work-dir", workDir,
         "--resources", "cpus:1"] + list(args)
    )
    return options

class AbortableTransport(StringTransport):
    """
    A L{StringTransport} that tells aborting from closing.
    """

    aborted = False

    def abortConnection(self) -> None:
        self.aborted = True
        StringTransport.abortConnection(self)


def registered(slaveId: str = SLAVE_ID, timeout: float = 75.0):
    """
    A L{msgs.SlaveRegisteredMessage}.
    """
    return msgs.SlaveRegisteredMessage(
        slave_id=SlaveID(value=slaveId),
        connection=msgs.SlaveConnection(total_ping_timeout_seconds=timeout),
    )


def reregistered(slaveId: str = SLAVE_ID, timeout: float = 75.0):
    """
    A L{msgs.SlaveReregisteredMessage}.
    """
    return msgs.SlaveReregisteredMessage(
        slave_id=SlaveID(value=slaveId),
        connection=msgs.SlaveConnection(total_ping_timeout_seconds=timeout),
    )


class SlaveTestCase(SynchronousTestCase):
    """
    A L{Slave} on a L{Clock} with C{random} fixed at 0.5, and fake
    connections to it.
    """

    backoffFactor = 1.0

    def setUp(self) -> None:
        self.clock = Clock()
        self.info = SlaveInfo(
            hostname="host1", port=5051, resources=Resources.parse(RESOURCES).toProto()
        )
        self.shutdowns: list[str] = []
        self.slave = Slave(
            self.info,
            self.clock,
            backoffFactor=self.backoffFactor,
            onShutdown=self.shutdowns.append,
            random=lambda: 0.5,
        )
        self.addCleanup(self.slave.stop)

    def connect(
        self, peer: Peer = MASTER_PEER
    ) -> tuple[MessageProtocol, AbortableTransport]:
        """
        A connection to C{peer}, reported ready to the slave as the client
        service reports it.
        """
        factory = MessageFactory(self.slave.dispatcher, onLost=self.slave.disconnected)
        protocol = factory.buildProtocol(None)
        transport = AbortableTransport()
        protocol.makeConnection(transport)
        protocol.peer = peer
        factory.onReady = self.slave.connected
        factory.ready(protocol)
        return protocol, transport

    def lose(self, protocol: MessageProtocol) -> None:
        """
        The connection of C{protocol} ends.
        """
        protocol.connectionLost(Failure(ConnectionDone()))

    def nextDelay(self) -> float:
        """
        The delay until the only pending timer fires.
        """
        [call] = self.clock.getDelayedCalls()
        return call.getTime() - self.clock.seconds()

    def registeredSlave(
        self, timeout: float = 75.0
    ) -> tuple[MessageProtocol, AbortableTransport]:
        """
        A slave connected to a master that registered it as L{SLAVE_ID}, with
        the transport cleared.
        """
        protocol, transport = self.connect()
        self.clock.advance(self.nextDelay())
        protocol.dataReceived(wire(registered(timeout=timeout)))
        transport.clear()
        return protocol, transport


class ConnectionTests(SlaveTestCase):
    """
    Tests for L{Slave.connected} and L{Slave.disconnected}.
    """

    def test_notMaster(self) -> None:
        """
        A peer that is not a master is disconnected at once and nothing is
        sent to it.
        """
        for role in ("slave", "framework", ""):
            protocol, transport = self.connect(Peer(role, "x", "127.0.0.1:1"))
            self.assertTrue(transport.disconnecting)
            self.assertIsNone(self.slave.master)
            self.assertEqual(self.clock.getDelayedCalls(), [])
            self.clock.advance(100)
            self.assertEqual(transport.value(), b"")

    def test_notMasterLostIgnored(self) -> None:
        """
        The end of a refused connection does not disturb the master's.
        """
        protocol, transport = self.connect()
        other, _ = self.connect(Peer("slave", "x", "127.0.0.1:1"))
        self.lose(other)
        self.assertIs(self.slave.master, protocol)
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)

    def test_master(self) -> None:
        """
        A master peer becomes the slave's master.
        """
        protocol, transport = self.connect()
        self.assertIs(self.slave.master, protocol)
        self.assertFalse(self.slave.registered)
        self.assertFalse(transport.disconnecting)

    def test_disconnectBeforeRegistering(self) -> None:
        """
        Losing the master before the first attempt cancels it.
        """
        protocol, transport = self.connect()
        self.lose(protocol)
        self.assertIsNone(self.slave.master)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.clock.advance(100)
        self.assertEqual(transport.value(), b"")

    def test_stop(self) -> None:
        """
        L{Slave.stop} cancels every timer.
        """
        self.registeredSlave()
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        self.slave.stop()
        self.assertEqual(self.clock.getDelayedCalls(), [])


class RegistrationTests(SlaveTestCase):
    """
    Tests for the slave's registration.
    """

    backoffFactor = 2.0

    def test_waitsThenRegisters(self) -> None:
        """
        The slave waits C{random() * backoffFactor} seconds, then sends its
        SlaveInfo and version.
        """
        protocol, transport = self.connect()
        self.assertEqual(self.nextDelay(), 0.5 * 2.0)
        self.clock.advance(0.5)
        self.assertEqual(transport.value(), b"")
        self.clock.advance(0.5)
        [message] = sent(transport)
        self.assertEqual(
            message,
            msgs.RegisterSlaveMessage(slave=self.info, version=mesos_tw.__version__),
        )
        self.assertFalse(message.slave.HasField("id"))

    def test_randomDelay(self) -> None:
        """
        The delay scales with C{random()}.
        """
        self.slave = Slave(self.info, self.clock, backoffFactor=4.0, random=lambda: 0.25)
        self.addCleanup(self.slave.stop)
        self.connect()
        self.assertEqual(self.nextDelay(), 1.0)

    def test_backoff(self) -> None:
        """
        Without a reply the slave registers again, doubling the backoff each
        time up to 60 s.
        """
        protocol, transport = self.connect()
        delays = []
        for _ in range(9):
            delay = self.nextDelay()
            delays.append(delay)
            self.clock.advance(delay)
            self.assertEqual(
                [type(m) for m in sent(transport)], [msgs.RegisterSlaveMessage]
            )
        self.assertEqual(delays, [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0])

    def test_backoffCap(self) -> None:
        """
        The backoff stops doubling at 60 s, the longest delay.
        """
        self.slave = Slave(self.info, self.clock, backoffFactor=1.0, random=lambda: 1.0)
        self.addCleanup(self.slave.stop)
        self.connect()
        delays = []
        for _ in range(9):
            delays.append(self.nextDelay())
            self.clock.advance(delays[-1])
        self.assertEqual(delays, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0])

    def test_registered(self) -> None:
        """
        A SlaveRegisteredMessage sets the slave's id and stops the retries.
        """
        protocol, transport = self.connect()
        self.clock.advance(1.0)
        sent(transport)
        protocol.dataReceived(wire(registered(timeout=0)))
        self.assertEqual(self.slave.id, SLAVE_ID)
        self.assertTrue(self.slave.registered)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.clock.advance(1000)
        self.assertEqual(transport.value(), b"")

    def test_registeredBeforeFirstAttempt(self) -> None:
        """
        A registration that arrives before the slave's own first attempt
        (a reply to an earlier one) cancels the attempt.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(wire(registered(timeout=0)))
        self.clock.advance(1000)
        self.assertEqual(transport.value(), b"")
        self.assertEqual(self.slave.id, SLAVE_ID)

    def test_registeredTwice(self) -> None:
        """
        A repeated SlaveRegisteredMessage for the same id is harmless.
        """
        protocol, transport = self.registeredSlave()
        protocol.dataReceived(wire(registered()))
        self.assertEqual(self.slave.id, SLAVE_ID)
        self.assertTrue(self.slave.registered)
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)

    def test_backoffResetOnConnect(self) -> None:
        """
        Each new connection starts over from C{random() * backoffFactor}.
        """
        protocol, transport = self.connect()
        self.clock.pump([1, 2, 4, 8])
        self.assertEqual(self.nextDelay(), 16.0)
        self.lose(protocol)
        self.connect()
        self.assertEqual(self.nextDelay(), 1.0)

    def test_reregisterAfterReconnect(self) -> None:
        """
        After a reconnection the slave re-registers with its id, retrying
        with backoff until the master answers.
        """
        protocol, _ = self.registeredSlave()
        self.lose(protocol)
        self.assertFalse(self.slave.registered)
        self.assertEqual(self.slave.id, SLAVE_ID)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        protocol, transport = self.connect()
        self.assertEqual(self.nextDelay(), 1.0)
        self.clock.advance(1.0)
        [message] = sent(transport)
        self.assertIsInstance(message, msgs.ReregisterSlaveMessage)
        self.assertEqual(message.slave.id.value, SLAVE_ID)
        self.assertEqual(message.slave.hostname, "host1")
        self.assertEqual(list(message.slave.resources), list(self.info.resources))
        self.assertEqual(message.version, mesos_tw.__version__)
        self.assertFalse(self.info.HasField("id"))
        self.assertEqual(self.nextDelay(), 2.0)
        self.clock.advance(2.0)
        self.assertEqual(
            [type(m) for m in sent(transport)], [msgs.ReregisterSlaveMessage]
        )
        protocol.dataReceived(wire(reregistered()))
        self.assertTrue(self.slave.registered)
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        self.clock.advance(74)
        self.assertEqual(transport.value(), b"")

    def test_reregisteredOtherIdIgnored(self) -> None:
        """
        A SlaveReregisteredMessage for another id is ignored: the slave stays
        unregistered and keeps trying.
        """
        protocol, _ = self.registeredSlave()
        self.lose(protocol)
        protocol, transport = self.connect()
        self.clock.advance(1.0)
        sent(transport)
        protocol.dataReceived(wire(reregistered("someone-else-S3")))
        self.assertFalse(self.slave.registered)
        self.assertEqual(self.slave.id, SLAVE_ID)
        self.clock.advance(self.nextDelay())
        self.assertEqual(
            [type(m) for m in sent(transport)], [msgs.ReregisterSlaveMessage]
        )

    def test_registeredOtherIdIgnored(self) -> None:
        """
        A slave that has an id ignores a SlaveRegisteredMessage giving it
        another.
        """
        protocol, _ = self.registeredSlave()
        self.lose(protocol)
        protocol, transport = self.connect()
        protocol.dataReceived(wire(registered("master-2-S0")))
        self.assertEqual(self.slave.id, SLAVE_ID)
        self.assertFalse(self.slave.registered)
        self.assertEqual(self.nextDelay(), 1.0)

    def test_fromNonMasterRefused(self) -> None:
        """
        A registration from a peer that is not a master closes that
        connection and is not acted on.
        """
        protocol, transport = self.connect(Peer("slave", "x", "127.0.0.1:1"))
        protocol.dataReceived(wire(registered()))
        self.assertTrue(transport.disconnecting)
        self.assertIsNone(self.slave.id)


class NoDelayTests(SlaveTestCase):
    """
    The slave turns Nagle's algorithm off on its connection to the master.
    """

    def test_noDelay(self) -> None:
        """
        A TCP connection to the master gets C{TCP_NODELAY}.
        """

        class TCPTransport(AbortableTransport):
            noDelay = False

            def setTcpNoDelay(self, enabled: bool) -> None:
                self.noDelay = enabled

        factory = MessageFactory(self.slave.dispatcher)
        protocol = factory.buildProtocol(None)
        transport = TCPTransport()
        protocol.makeConnection(transport)
        protocol.peer = MASTER_PEER
        self.slave.connected(protocol)
        self.assertTrue(transport.noDelay)


class PingTests(SlaveTestCase):
    """
    Tests for L{Slave.ping} and the no-ping watchdog.
    """

    def test_pong(self) -> None:
        """
        A ping is answered with a pong.
        """
        protocol, transport = self.registeredSlave()
        protocol.dataReceived(wire(msgs.PingSlaveMessage(connected=True)))
        self.assertEqual(sent(transport), [msgs.PongSlaveMessage()])
        self.assertTrue(self.slave.registered)

    def test_pongBeforeRegistration(self) -> None:
        """
        A ping is answered before registration too, without starting the
        watchdog or another registration.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(wire(msgs.PingSlaveMessage(connected=False)))
        self.assertEqual(sent(transport), [msgs.PongSlaveMessage()])
        self.assertEqual(self.nextDelay(), 0.5)

    def test_noPings(self) -> None:
        """
        No ping within the total ping timeout aborts the connection to the
        master; each ping restarts the count.
        """
        protocol, transport = self.registeredSlave(timeout=75)
        self.clock.advance(74)
        self.assertFalse(transport.disconnecting)
        protocol.dataReceived(wire(msgs.PingSlaveMessage(connected=True)))
        self.clock.advance(74)
        self.assertFalse(transport.disconnecting)
        self.clock.advance(1)
        self.assertTrue(transport.aborted)
        self.assertTrue(transport.disconnecting)

    def test_watchdogAfterReregistration(self) -> None:
        """
        The watchdog uses the timeout from the latest (re-)registration.
        """
        protocol, _ = self.registeredSlave(timeout=75)
        self.lose(protocol)
        protocol, transport = self.connect()
        self.clock.advance(0.5)
        protocol.dataReceived(wire(reregistered(timeout=30)))
        self.clock.advance(29)
        self.assertFalse(transport.disconnecting)
        self.clock.advance(1)
        self.assertTrue(transport.aborted)

    def test_noWatchdogBeforeRegistration(self) -> None:
        """
        A slave that has never registered does not give up on a silent
        master; it keeps trying to register.
        """
        protocol, transport = self.connect()
        self.clock.pump([1] * 1000)
        self.assertFalse(transport.disconnecting)
        self.assertTrue(sent(transport))

    def test_noWatchdogWithoutTimeout(self) -> None:
        """
        A master that gives no ping timeout is never given up.
        """
        protocol, transport = self.registeredSlave(timeout=0)
        self.clock.advance(10000)
        self.assertFalse(transport.disconnecting)

    def test_watchdogStoppedOnDisconnect(self) -> None:
        """
        Losing the master stops the watchdog.
        """
        protocol, transport = self.registeredSlave()
        self.lose(protocol)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.clock.advance(1000)
        self.assertFalse(transport.aborted)

    def test_notConnected(self) -> None:
        """
        A ping saying the master thinks the slave is disconnected makes a
        registered slave re-register at once, with a fresh backoff.
        """
        protocol, transport = self.registeredSlave()
        protocol.dataReceived(wire(msgs.PingSlaveMessage(connected=False)))
        self.assertFalse(self.slave.registered)
        self.assertEqual(sent(transport), [msgs.PongSlaveMessage()])
        self.clock.advance(0)
        [message] = sent(transport)
        self.assertIsInstance(message, msgs.ReregisterSlaveMessage)
        self.assertEqual(message.slave.id.value, SLAVE_ID)
        self.assertEqual(sorted(c.getTime() - self.clock.seconds()
                                for c in self.clock.getDelayedCalls()), [1.0, 75.0])
        protocol.dataReceived(wire(reregistered()))
        self.assertTrue(self.slave.registered)
        self.assertEqual(self.nextDelay(), 75.0)

    def test_pingFromNonMasterRefused(self) -> None:
        """
        A ping from a peer that is not a master closes that connection
        without a pong.
        """
        protocol, transport = self.connect(Peer("framework", "x", "127.0.0.1:1"))
        protocol.dataReceived(wire(msgs.PingSlaveMessage(connected=True)))
        self.assertEqual(transport.value(), b"")
        self.assertTrue(transport.disconnecting)


class ShutdownTests(SlaveTestCase):
    """
    Tests for L{Slave.shutdown}.
    """

    def test_shutdown(self) -> None:
        """
        A ShutdownMessage calls C{onShutdown} with its reason.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(wire(msgs.ShutdownMessage(message="Refused: too old")))
        self.assertEqual(self.shutdowns, ["Refused: too old"])

    def test_shutdownFromNonMaster(self) -> None:
        """
        Only a master may shut the slave down.
        """
        protocol, transport = self.connect(Peer("framework", "x", "127.0.0.1:1"))
        protocol.dataReceived(wire(msgs.ShutdownMessage(message="bye")))
        self.assertEqual(self.shutdowns, [])
        self.assertTrue(transport.disconnecting)


class StateTests(SlaveTestCase):
    """
    Tests for the slave's L{stateJSON} and L{makeRoot}.
    """

    def test_unregistered(self) -> None:
        """
        Before it has a master, the slave shows no id and no master.
        """
        self.assertEqual(
            stateJSON(self.slave),
            {
                "id": None,
                "hostname": "host1",
                "resources": {"cpus": 2.0, "mem": 1024.0, "ports": "[31000-32000]"},
                "master_hostname": None,
                "registered": False,
                "frameworks": [],
            },
        )

    def test_registered(self) -> None:
        """
        A registered slave shows its id and its master's address, also over
        HTTP.
        """
        self.registeredSlave()
        request = DummyRequest([b"state"])
        resource = getChildForRequest(makeRoot(self.slave), request)
        body = json.loads(resource.render(request))
        self.assertEqual(
            request.responseHeaders.getRawHeaders(b"content-type"),
            [b"application/json"],
        )
        self.assertEqual(body, stateJSON(self.slave))
        self.assertEqual(body["id"], SLAVE_ID)
        self.assertEqual(body["master_hostname"], "127.0.0.1:5050")
        self.assertIs(body["registered"], True)


class DetectResourcesTests(SynchronousTestCase):
    """
    Tests for L{detectResources}.
    """

    def detect(self, given: str = "", cpus=4, memoryMB=4096.0, disk=20480.0):
        """
        Detect resources with the machine's measures injected.
        """
        return detectResources(
            Resources.parse(given), "/work", cpus=cpus, memoryMB=memoryMB, disk=disk
        )

    def test_allDetected(self) -> None:
        """
        With nothing given, cpus, mem, disk and ports are all filled in.
        """
        self.assertEqual(
            self.detect(),
            Resources.parse("cpus:4;mem:3072;disk:15360;ports:[31000-32000]"),
        )

    def test_allGiven(self) -> None:
        """
        Resources given are kept as they are; nothing is added.
        """
        given = "cpus:1;mem:10;disk:20;ports:[80-80];gpus:1"
        self.assertEqual(self.detect(given), Resources.parse(given))

    def test_someGiven(self) -> None:
        """
        Only the resources not given are detected, whatever their role.
        """
        self.assertEqual(
            self.detect("cpus(web):3;mem:512"),
            Resources.parse("cpus(web):3;mem:512;disk:15360;ports:[31000-32000]"),
        )

    def test_memory(self) -> None:
        """
        Memory leaves 1024 MB to the machine from 2048 MB up, and half of it
        below.
        """
        for total, expected in [
            (65536, 64512), (2048, 1024), (2047, 1023), (1000, 500), (1, 0),
        ]:
            self.assertEqual(
                self.detect("cpus:1;disk:1;ports:[1-1]", memoryMB=total).scalar("mem"),
                expected,
                total,
            )

    def test_disk(self) -> None:
        """
        Disk leaves 5120 MB to the machine from 10240 MB up, and half of it
        below.
        """
        for total, expected in [
            (1_000_000, 994_880), (10240, 5120), (10239, 5119), (100, 50),
        ]:
            self.assertEqual(
                self.detect("cpus:1;mem:1;ports:[1-1]", disk=total).scalar("disk"),
                expected,
                total,
            )

    def test_fromMachine(self) -> None:
        """
        Without injected values the machine's CPUs, memory and the work
        directory's filesystem are measured.
        """
        asked = []
        self.patch(os, "cpu_count", lambda: 7)
        self.patch(detect, "totalMemoryMB", lambda: 8192.0)
        self.patch(detect, "diskMB", lambda path: asked.append(path) or 51200.0)
        result = detectResources(Resources(), "/var/lib/slave")
        self.assertEqual(
            result,
            Resources.parse("cpus:7;mem:7168;disk:46080;ports:[31000-32000]"),
        )
        self.assertEqual(asked, ["/var/lib/slave"])

    def test_unknownCPUs(self) -> None:
        """
        If the number of CPUs is unknown, one is assumed.
        """
        self.patch(os, "cpu_count", lambda: None)
        self.assertEqual(self.detect(cpus=None).scalar("cpus"), 1)

    def test_measures(self) -> None:
        """
        The machine's memory and the work directory's disk measure positive.
        """
        self.assertGreater(detect.totalMemoryMB(), 0)
        self.assertGreater(detect.diskMB(os.getcwd()), 0)


class PathsTests(SynchronousTestCase):
    """
    Tests for L{paths}.
    """

    def setUp(self) -> None:
        self.workDir = os.path.abspath(self.mktemp())

    def test_sandbox(self) -> None:
        """
        A sandbox is made under the slave, framework, executor and run, with
        empty C{stdout} and C{stderr}, and C{runs/latest} pointing at it.
        """
        sandbox = paths.createSandbox(self.workDir, "S0", "F1", "E2", "C3")
        self.assertEqual(
            sandbox,
            os.path.join(
                self.workDir, "slaves", "S0", "frameworks", "F1", "executors", "E2",
                "runs", "C3",
            ),
        )
        self.assertEqual(sorted(os.listdir(sandbox)), ["stderr", "stdout"])
        self.assertEqual(os.path.getsize(os.path.join(sandbox, "stdout")), 0)
        latest = os.path.join(os.path.dirname(sandbox), "latest")
        self.assertEqual(os.path.realpath(latest), sandbox)

    def test_latest(self) -> None:
        """
        C{latest} follows the newest run.
        """
        paths.createSandbox(self.workDir, "S0", "F1", "E2", "C3")
        newer = paths.createSandbox(self.workDir, "S0", "F1", "E2", "C4")
        runs = os.path.dirname(newer)
        self.assertEqual(os.readlink(os.path.join(runs, "latest")), "C4")
        self.assertEqual(sorted(os.listdir(runs)), ["C3", "C4", "latest"])

    def test_socketPath(self) -> None:
        """
        The executor's socket is C{slave.sock} in its sandbox.
        """
        self.assertEqual(paths.socketPath("/a/b"), "/a/b/slave.sock")

    def test_badIDs(self) -> None:
        """
        Ids that cannot name a directory of their own are refused.
        """
        for bad in ["", ".", "..", "a/b", "../x", "a\x00b", "tab\there"]:
            self.assertRaises(
                ValueError, paths.createSandbox, self.workDir, "S0", "F1", bad, "C"
            )
        self.assertFalse(os.path.exists(self.workDir))
        paths.validateID("task id", "web.1_x-2:3 ok")


class RuntimeOptionsTests(SynchronousTestCase):
    """
    Tests for the runtime flags of L{slaveTap.Options} and the launcher
    L{slaveTap.makeService} gives the slave.
    """

    def setUp(self) -> None:
        self.certs = makeCluster(self.mktemp())
        self.workDir = self.mktemp()

    def parse(self, *args: str) -> slaveTap.Options:
        return slaveOptions(self.certs.slave, self.workDir, *args)

    def test_help(self) -> None:
        """
        --help lists the runtime flags.
        """
        text = str(slaveTap.Options())
        for flag in ["--executor-registration-timeout",
                     "--executor-shutdown-grace-period",
                     "--status-update-retry-interval-min",
                     "--status-update-retry-interval-max"]:
            self.assertIn(flag, text)

    def test_defaults(self) -> None:
        """
        The slave gets Mesos's defaults, the launcher this host allows
        (Linux as root with cgroups, else posix), switches users, and an
        absolute work directory.
        """
        from mesos_tw.slave.containerizer import LinuxLauncher
        from mesos_tw.slave.containerizer.isolation import LINUX_ISOLATION
        from mesos_tw.slave.containerizer.launchers import probeHost

        isolated = not probeHost().problems(LINUX_ISOLATION)
        service = slaveTap.makeService(self.parse(), MemoryReactorClock())
        slave = service.slave
        self.assertIsInstance(slave.launcher, LinuxLauncher if isolated else PosixLauncher)
        self.assertTrue(slave.switchUser)
        self.assertEqual(slave.workDir, os.path.abspath(self.workDir))
        self.assertEqual(slave.executorRegistrationTimeout, 60.0)
        self.assertEqual(slave.executorShutdownGracePeriod, 5.0)
        self.assertEqual(slave.statusUpdates._min, 10.0)
        self.assertEqual(slave.statusUpdates._max, 600.0)

    def test_flags(self) -> None:
        """
        The runtime flags reach the slave.
        """
        options = self.parse(
            "--executor-registration-timeout", "7",
            "--executor-shutdown-grace-period", "0",
            "--status-update-retry-interval-min", "1.5",
            "--status-update-retry-interval-max", "30",
        )
        slave = slaveTap.makeService(options, MemoryReactorClock()).slave
        self.assertEqual(slave.executorRegistrationTimeout, 7.0)
        self.assertEqual(slave.executorShutdownGracePeriod, 0.0)
        self.assertEqual(slave.statusUpdates._min, 1.5)
        self.assertEqual(slave.statusUpdates._max, 30.0)

    def test_badFlags(self) -> None:
        """
        Non-positive timeouts, a negative grace period and a retry maximum
        below the minimum are usage errors.
        """
        for args in [
            ("--executor-registration-timeout", "0"),
            ("--executor-shutdown-grace-period", "-1"),
            ("--status-update-retry-interval-min", "0"),
            ("--status-update-retry-interval-min", "20",
             "--status-update-retry-interval-max", "10"),
        ]:
            self.assertRaises(usage.UsageError, self.parse, *args)

    def test_injectedLauncher(self) -> None:
        """
        A launcher given to makeService is the slave's, and stopping the
        service destroys the containers.
        """
        from mesos_tw.testing.fakes import FakeLauncher
        from tests.test_slave_runtime import FRAMEWORK_ID, commandTask, frameworkInfo

        launcher = FakeLauncher()
        reactor = MemoryReactorClock()
        options = self.parse("--no-switch-user")
        service = slaveTap.makeService(options, reactor, launcher=launcher)
        self.assertIs(service.slave.launcher, launcher)
        service.privilegedStartService()
        service.startService()
        service.slave.id = "S0"
        message = msgs.RunTaskMessage(framework=frameworkInfo(), task=commandTask("t1"))
        message.framework_id.value = FRAMEWORK_ID
        service.slave.runTask(None, message)
        [process] = launcher.launches
        self.successResultOf(service.stopService())
        self.assertFalse(process.running)


class RecoveryExitTests(SynchronousTestCase):
    """
    Tests for how L{slaveTap.SlaveService} ends a slave after recovery: when
    it fails, and after C{--recover=cleanup}.
    """

    def setUp(self) -> None:
        from mesos_tw.testing.fakes import FakeLauncher

        self.certs = makeCluster(self.mktemp())
        self.workDir = os.path.abspath(self.mktemp())
        self.launcher = FakeLauncher(MemoryReactorClock())
        self.exits: list[tuple[str, int]] = []
        self.events: list[dict] = []
        self.patch(slaveTap.SlaveService, "_log", Logger(observer=self.events.append))

    def parse(self, *args: str) -> slaveTap.Options:
        return slaveOptions(self.certs.slave, self.workDir, *args)

    def start(self, options: slaveTap.Options | None = None, **kwargs):
        """
        Start a slave service with a fake launcher, recording its exits; it
        reads the checkpoints as it starts.
        """
        if options is None:
            options = self.parse()
        options["recovered"] = None
        kwargs.setdefault("exit", lambda *a: self.exits.append(a))
        service = slaveTap.makeService(
            options, MemoryReactorClock(), launcher=self.launcher, **kwargs
        )
        service.privilegedStartService()
        service.startService()
        self.addCleanup(service.stopService)
        return service

    def corrupt(self) -> str:
        """
        Checkpoint a slave, then corrupt its info.

        @return: the corrupt file.
        """
        from mesos_tw.slave import state

        state.Checkpointer(self.workDir, "S1").slave(SlaveInfo(hostname="h"), state.bootId())
        path = os.path.join(self.workDir, "meta", "slaves", "S1", "slave.info")
        with open(path, "wb") as f:
            f.write(b"\xff\xff\xff")
        return path

    def logged(self, level) -> list[str]:
        """
        The messages logged at C{level}.
        """
        from twisted.logger import formatEvent

        return [formatEvent(e) for e in self.events if e["log_level"] == level]

    def test_reconnect(self) -> None:
        """
        A recovery that works does not end the slave.
        """
        service = self.start()
        self.assertEqual(self.exits, [])
        self.assertFalse(service.slave.recovering)

    def test_cleanupExits(self) -> None:
        """
        With --recover=cleanup, the slave exits with status 0 once the
        cleanup is done, telling to restart it without that flag.
        """
        self.start(self.parse("--recover", "cleanup"))
        self.assertEqual(self.exits, [("cleanup done", 0)])
        [warning] = self.logged(LogLevel.warn)
        self.assertIn("restart this slave without --recover=cleanup", warning)

    def test_corruptCheckpoint(self) -> None:
        """
        A checkpoint that cannot be read ends the slave with status 1 and a
        critical message naming it and saying how to start afresh.
        """
        options = self.parse()
        path = self.corrupt()
        service = self.start(options)
        [(reason, status)] = self.exits
        self.assertEqual(status, 1)
        [critical] = self.logged(LogLevel.critical)
        for text in (reason, critical):
            self.assertIn(path, text)
            self.assertIn(os.path.join(self.workDir, "meta", "slaves", "latest"), text)
        self.assertTrue(service.slave.recovering)

    def test_corruptAtParse(self) -> None:
        """
        Checkpoints found corrupt when the options are parsed are a usage
        error (twistd exits with status 1), with the same advice.
        """
        path = self.corrupt()
        error = self.assertRaises(usage.UsageError, self.parse)
        self.assertIn(path, str(error))
        self.assertIn(os.path.join(self.workDir, "meta", "slaves", "latest"), str(error))

    def test_launcherFails(self) -> None:
        """
        A launcher that cannot recover the containers ends the slave with
        status 1; the traceback is logged.
        """

        def broken(containers):
            raise RuntimeError("no cgroup hierarchy")

        self.patch(self.launcher, "recover", broken)
        self.start()
        [(reason, status)] = self.exits
        self.assertEqual(status, 1)
        self.assertIn("no cgroup hierarchy", reason)
        [critical] = self.logged(LogLevel.critical)
        self.assertIn("restart the slave once the cause is fixed", critical)
        self.assertEqual(len(self.logged(LogLevel.error)), 1)

    def test_inProcessExit(self) -> None:
        """
        Without stopping the reactor (as in C{mesos-tw local}), an exit
        only stops the slave's services.
        """
        service = self.start(
            self.parse("--recover", "cleanup"), stopReactor=False, exit=None
        )
        self.assertFalse(service.running)

    def test_help(self) -> None:
        """
        --help says that --recover=cleanup exits.
        """
        text = " ".join(str(slaveTap.Options()).split())
        self.assertIn("exit without registering", text)
