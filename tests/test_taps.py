"""
Tests for the daemons' options and service trees (L{mesos_tw.master.tap},
L{mesos_tw.slave.tap}) and for the one-port sniffing listener.
"""

from __future__ import annotations

import os

from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase, TestCase

from mesos_tw.master import tap as masterTap
from mesos_tw.protocol.sniff import SniffingFactory
from mesos_tw.resources import Resources
from mesos_tw.slave import tap as slaveTap
from mesos_tw.testing.certs import makeCluster


class MasterOptionsTests(SynchronousTestCase):
    """
    Tests for L{masterTap.Options} and L{masterTap.makeService}.
    """

    def setUp(self) -> None:
        self.certs = makeCluster(self.mktemp())

    def parse(self, *args: str) -> masterTap.Options:
        options = masterTap.Options()
        options.parseOptions(list(args))
        return options

    def test_helpIsComplete(self) -> None:
        """
        --help lists every flag the master takes.
        """
        text = str(masterTap.Options())
        for flag in ["--ip", "--port", "--tls-dir", "--work-dir", "--hostname",
                     "--slave-ping-timeout", "--max-slave-ping-timeouts",
                     "--max-frame-size", "--zk", "--zk-credentials",
                     "--zk-session-timeout", "--slave-reregister-timeout"]:
            self.assertIn(flag, text)

    def test_tlsDirRequired(self) -> None:
        """
        Without --tls-dir the error says how to make one.
        """
        e = self.assertRaises(usage.UsageError, self.parse)
        self.assertIn("mesos-tw ca issue", str(e))

    def test_wrongRole(self) -> None:
        """
        A slave certificate cannot run a master.
        """
        e = self.assertRaises(usage.UsageError, self.parse, "--tls-dir", self.certs.slave)
        self.assertIn("needs role 'master'", str(e))

    def test_missingFiles(self) -> None:
        """
        A --tls-dir without the PEM files names the missing file.
        """
        empty = self.mktemp()
        os.makedirs(empty)
        e = self.assertRaises(usage.UsageError, self.parse, "--tls-dir", empty)
        self.assertIn(".pem", str(e))

    def test_badPort(self) -> None:
        """
        A port outside 0-65535 is a usage error.
        """
        self.assertRaises(
            usage.UsageError, self.parse, "--tls-dir", self.certs.master, "--port", "70000"
        )

    def test_badTimeout(self) -> None:
        """
        A ping timeout must be positive.
        """
        self.assertRaises(
            usage.UsageError, self.parse, "--tls-dir", self.certs.master,
            "--slave-ping-timeout", "0",
        )

    def test_zk(self) -> None:
        """
        --zk takes a zk:// URL, with credentials from --zk-credentials; a bad
        URL or credentials without --zk are usage errors.
        """
        secret = self.mktemp()
        with open(secret, "w") as f:
            f.write("mesos:s3cret\n")
        options = self.parse(
            "--tls-dir", self.certs.master, "--zk", "zk://127.0.0.1:2181,127.0.0.1:2182/mesos",
            "--zk-credentials", secret, "--zk-session-timeout", "4",
            "--slave-reregister-timeout", "5",
        )
        url = options["zkURL"]
        self.assertEqual((url.hosts, url.path), ("127.0.0.1:2181,127.0.0.1:2182", "/mesos"))
        self.assertEqual(url.credentials.username, "mesos")
        self.assertEqual((options["zk-session-timeout"], options["slave-reregister-timeout"]),
                         (4.0, 5.0))
        e = self.assertRaises(
            usage.UsageError, self.parse, "--tls-dir", self.certs.master, "--zk", "zk://"
        )
        self.assertIn("--zk", str(e))
        e = self.assertRaises(
            usage.UsageError, self.parse, "--tls-dir", self.certs.master,
            "--zk-credentials", secret,
        )
        self.assertIn("needs --zk", str(e))
        self.assertIsNone(self.parse("--tls-dir", self.certs.master)["zkURL"])

    def test_zkService(self) -> None:
        """
        With --zk, the master does not serve when it starts: it contends (on
        the client makeService is given) and keeps its registry under the
        --zk path.
        """
        from twisted.internet.task import Clock

        from mesos_tw.testing.zookeeper import FakeZooKeeperServer

        reactor = MemoryReactorClock()
        server = FakeZooKeeperServer(Clock())
        options = self.parse(
            "--tls-dir", self.certs.master, "--port", "5099",
            "--zk", "zk://127.0.0.1:2181/mesos", "--slave-reregister-timeout", "7",
        )
        exits: list[str] = []
        service = masterTap.makeService(
            options, reactor, exit=exits.append,
            zooKeeperClient=lambda url, timeout: server.client(timeout),
        )
        service.privilegedStartService()
        service.startService()
        self.addCleanup(service.stopService)
        master = service.master
        self.assertEqual(master.registrar.store.path, "/mesos/registry")
        self.assertEqual(master._slaveReregisterTimeout, 7.0)
        leadership = service.getServiceNamed("master").leadership
        self.assertFalse(leadership.serving)

    def test_workDirRegistry(self) -> None:
        """
        With --work-dir and no --zk, the master keeps its registry in a file
        there: restarted, it expects the slaves it admitted; a second master
        on the same directory exits.
        """
        from mesos_tw.master.registry import AdmitSlave

        workDir = os.path.abspath(self.mktemp())
        options = self.parse("--tls-dir", self.certs.master, "--work-dir", workDir)

        def start(exits: list[str]):
            service = masterTap.makeService(options, MemoryReactorClock(), exit=exits.append)
            service.privilegedStartService()
            service.startService()
            return service

        first = start([])
        self.assertTrue(first.getServiceNamed("master").leadership.serving)
        self.assertEqual(first.master.registrar.store.path, os.path.join(workDir, "registry"))
        first.master.registrar.apply(AdmitSlave("S1", "slave1"))
        exits: list[str] = []
        second = start(exits)
        self.addCleanup(second.stopService)
        [reason] = exits
        self.assertIn(f"another master uses the work directory {workDir}", reason)
        self.flushLoggedErrors()
        first.stopService()
        third = start([])
        self.addCleanup(third.stopService)
        self.assertEqual(third.master.recoveringSlaves, {"S1"})

    def test_service(self) -> None:
        """
        makeService listens with TLS on the given address and port.
        """
        reactor = MemoryReactorClock()
        options = self.parse("--tls-dir", self.certs.master, "--port", "5099")
        service = masterTap.makeService(options, reactor)
        service.privilegedStartService()
        service.startService()
        self.addCleanup(service.stopService)
        [(port, factory, _, backlog, interface)] = reactor.sslServers
        self.assertEqual((port, interface), (5099, "127.0.0.1"))
        self.assertGreaterEqual(backlog, 1024)
        self.assertIsInstance(factory, SniffingFactory)
        self.assertEqual(service.master.info.port, 5099)
        self.assertEqual(service.master.info.pid, "master@127.0.0.1:5099")


class SlaveOptionsTests(SynchronousTestCase):
    """
    Tests for L{slaveTap.Options} and L{slaveTap.makeService}.
    """

    def setUp(self) -> None:
        self.certs = makeCluster(self.mktemp())
        self.workDir = self.mktemp()

    def parse(self, *args: str) -> slaveTap.Options:
        options = slaveTap.Options()
        options.parseOptions(
            ["--master", "127.0.0.1:5050", "--tls-dir", self.certs.slave,
             "--work-dir", self.workDir] + list(args)
        )
        return options

    def test_helpIsComplete(self) -> None:
        """
        --help lists every flag the slave takes.
        """
        text = str(slaveTap.Options())
        for flag in ["--master", "--ip", "--port", "--tls-dir", "--work-dir",
                     "--resources", "--hostname", "--registration-backoff-factor"]:
            self.assertIn(flag, text)

    def test_required(self) -> None:
        """
        --master, --tls-dir and --work-dir are required, each with a hint.
        """
        e = self.assertRaises(usage.UsageError, slaveTap.Options().parseOptions, [])
        self.assertIn("--master is required", str(e))

    def test_badMaster(self) -> None:
        """
        --master must be host:port or a ZooKeeper URL.
        """
        self.assertRaises(usage.UsageError, self.parse, "--master", "nowhere")
        self.assertRaises(usage.UsageError, self.parse, "--master", "zk://127.0.0.1:2181")

    def test_zooKeeperMaster(self) -> None:
        """
        --master takes the masters' zk:// URL: the slave's link then follows
        the leader in ZooKeeper.
        """
        options = self.parse("--master", "zk://127.0.0.1:2181,127.0.0.1:2182/mesos")
        self.assertEqual(options["master"], "zk://127.0.0.1:2181,127.0.0.1:2182/mesos")

    def test_badResources(self) -> None:
        """
        Invalid --resources is a usage error that quotes the bad part.
        """
        e = self.assertRaises(usage.UsageError, self.parse, "--resources", "cpus:-2")
        self.assertIn("cpus:-2", str(e))

    def test_detection(self) -> None:
        """
        Resources not given are detected; given ones are kept.
        """
        resources = self.parse("--resources", "cpus:3;mem:100")["resources"]
        self.assertEqual(resources.scalar("cpus"), 3)
        self.assertEqual(resources.scalar("mem"), 100)
        self.assertGreater(resources.scalar("disk"), 0)
        self.assertEqual(resources.ranges("ports"), [(31000, 32000)])

    def test_service(self) -> None:
        """
        makeService connects to the master with TLS and listens on its port,
        which the slave reports.
        """
        reactor = MemoryReactorClock()
        options = self.parse("--port", "0", "--resources", "cpus:1")
        service = slaveTap.makeService(options, reactor)
        service.privilegedStartService()
        service.startService()
        self.addCleanup(service.stopService)
        self.assertEqual(len(reactor.sslServers), 1)
        [(host, port, _, _, _)] = reactor.tcpClients
        self.assertEqual((host, port), ("127.0.0.1", 5050))
        self.assertEqual(
            Resources.fromProto(service.slave.info.resources).scalar("cpus"), 1
        )


class SniffingTests(SynchronousTestCase):
    """
    Tests for L{SniffingFactory}.
    """

    def connect(self, first: bytes):
        built = []

        class Factory:
            def __init__(self, name):
                self.name = name

            def buildProtocol(self, addr):
                from twisted.internet.protocol import Protocol

                p = Protocol()
                p.name = self.name
                p.received = []
                p.dataReceived = p.received.append
                built.append(p)
                return p

        protocol = SniffingFactory(Factory("wire"), Factory("http")).buildProtocol(None)
        protocol.makeConnection(StringTransport())
        protocol.dataReceived(first)
        protocol.dataReceived(b"more")
        return built

    def test_http(self) -> None:
        """
        A request line goes to the HTTP factory, and so does what follows.
        """
        [p] = self.connect(b"GET /state HTTP/1.1\r\n")
        self.assertEqual((p.name, p.received), ("http", [b"GET /state HTTP/1.1\r\n", b"more"]))

    def test_wire(self) -> None:
        """
        A frame length prefix goes to the wire factory.
        """
        [p] = self.connect(b"\x00\x00\x00\x05hello")
        self.assertEqual(p.name, "wire")


class EphemeralPortTests(TestCase):
    """
    With --port 0 the master advertises the port it got.
    """

    def test_masterInfo(self) -> None:
        """
        MasterInfo's port and pid carry the bound port.
        """
        from twisted.internet import reactor

        certs = makeCluster(self.mktemp())
        options = masterTap.Options()
        options.parseOptions(["--tls-dir", certs.master, "--port", "0"])
        service = masterTap.makeService(options, reactor)
        service.privilegedStartService()
        service.startService()
        self.addCleanup(service.stopService)
        port = service.getServiceNamed("listener").port.getHost().port
        self.assertNotEqual(port, 0)
        self.assertEqual(service.master.info.port, port)
        self.assertEqual(service.master.info.pid, f"master@127.0.0.1:{port}")


class TacTests(SynchronousTestCase):
    """
    The .tac files build the same service trees as the plugins.
    """

    def load(self, name: str, variable: str, flags: str):
        from twisted.application.service import IServiceCollection

        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        os.environ[variable] = flags
        self.addCleanup(os.environ.pop, variable)
        namespace: dict = {}
        with open(os.path.join(root, "tac", name)) as f:
            exec(compile(f.read(), name, "exec"), namespace)
        [tree] = list(IServiceCollection(namespace["application"]))
        return tree

    def test_master(self) -> None:
        """
        tac/mesos-master.tac builds a master tree from $MESOS_MASTER_FLAGS.
        """
        certs = makeCluster(self.mktemp())
        tree = self.load("mesos-master.tac", "MESOS_MASTER_FLAGS",
                         f"--tls-dir {certs.master} --port 5077")
        self.assertEqual(tree.master.info.port, 5077)
        self.assertIsNotNone(tree.getServiceNamed("listener"))

    def test_masterZooKeeper(self) -> None:
        """
        tac/mesos-master.tac takes --zk: the master gets a registry under
        the path.
        """
        certs = makeCluster(self.mktemp())
        tree = self.load("mesos-master.tac", "MESOS_MASTER_FLAGS",
                         f"--tls-dir {certs.master} --zk zk://127.0.0.1:1/mesos")
        self.assertEqual(tree.master.registrar.store.path, "/mesos/registry")

    def test_slave(self) -> None:
        """
        tac/mesos-slave.tac builds a slave tree from $MESOS_SLAVE_FLAGS.
        """
        certs = makeCluster(self.mktemp())
        tree = self.load(
            "mesos-slave.tac", "MESOS_SLAVE_FLAGS",
            f"--master 127.0.0.1:5050 --tls-dir {certs.slave} "
            f"--work-dir {self.mktemp()} --resources cpus:7",
        )
        self.assertEqual(
            Resources.fromProto(tree.slave.info.resources).scalar("cpus"), 7
        )
        self.assertIsNotNone(tree.getServiceNamed("master-link"))
