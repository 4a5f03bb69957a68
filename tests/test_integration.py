"""
Integration tests: real C{twistd} daemons on loopback over mutual TLS.
"""

from __future__ import annotations

import os
import signal
import subprocess

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.trial.unittest import TestCase

from mesos_tw.ca import issue
from mesos_tw.cli.state import fetchState
from mesos_tw.protocol.tls import Credentials
from mesos_tw.testing.certs import makeCluster
from mesos_tw.testing.daemons import TWISTD, Daemon, freePort, kernelStacks, waitFor


class PluginTests(TestCase):
    """
    twistd knows our daemons.
    """

    def test_twistdHelp(self) -> None:
        """
        `twistd --help` lists mesos-master and mesos-slave.
        """
        out = subprocess.run(TWISTD + ["--help"], capture_output=True, text=True)
        self.assertIn("mesos-master", out.stdout)
        self.assertIn("mesos-slave", out.stdout)

    def test_badFlag(self) -> None:
        """
        A bad flag gives a usage error naming it, and a non-zero exit.
        """
        out = subprocess.run(
            TWISTD + ["mesos-master", "--no-such-flag"], capture_output=True, text=True
        )
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("no-such-flag", out.stdout + out.stderr)


def startMaster(testCase: TestCase) -> Daemon:
    """
    Start a lone master daemon for C{testCase}, stopped after it.
    """
    base = os.path.abspath(testCase.mktemp())
    certs = makeCluster(base)
    master = Daemon(
        reactor, os.path.join(base, "master"), "mesos-master",
        ["--ip", "127.0.0.1", "--port", str(freePort()), "--tls-dir", certs.master],
    )
    master.start()
    testCase.addCleanup(master.stop)
    return master


class DiagnosticsTests(TestCase):
    """
    What a test learns of a daemon that does not stop.
    """

    def test_kernelStacks(self) -> None:
        """
        kernelStacks names each thread of a process with its state and system
        call.
        """
        text = kernelStacks(os.getpid())
        self.assertIn(f"thread {os.getpid()}\n", text)
        self.assertIn(f"stat: {os.getpid()} (", text)
        self.assertIn("syscall: ", text)

    def test_kernelStacksGone(self) -> None:
        """
        kernelStacks of a process that does not exist says so.
        """
        process = subprocess.Popen(["true"])
        process.wait()
        self.assertIn(f"cannot list the threads of {process.pid}", kernelStacks(process.pid))

    @inlineCallbacks
    def test_pythonStacks(self):
        """
        SIGUSR2 makes a test daemon write its threads' Python stacks to its
        log.
        """
        master = startMaster(self)
        yield waitFor(reactor, lambda: "starting on" in master.log(), what="the master")
        master.process.signalProcess(signal.SIGUSR2)
        yield waitFor(
            reactor, lambda: "most recent call first" in master.log(200),
            what="the stacks", details=master.log,
        )
        self.assertIn("twistd.py", master.log(200))
        self.assertTrue(master.running)


class ShutdownTests(TestCase):
    """
    A daemon stops on SIGTERM.
    """

    @inlineCallbacks
    def test_sigterm(self):
        """
        On SIGTERM a daemon logs it, stops and ends by that signal, as
        twistd does.
        """
        master = startMaster(self)
        yield waitFor(reactor, lambda: "starting on" in master.log(), what="the master")
        reason = yield master.signal(signal.SIGTERM)
        self.assertEqual(reason.signal, signal.SIGTERM, master.log())
        self.assertIn("Received SIGTERM, shutting down.", master.log())
        self.assertIn("Server Shut Down.", master.log())


class RegistrationTests(TestCase):
    """
    Slaves register with a real master, and come back when it restarts.
    """

    timeout = 120

    def setUp(self) -> None:
        base = os.path.abspath(self.mktemp())
        self.certs = makeCluster(base)
        self.slave2 = issue(self.certs.ca, "slave", "slave2", hosts=["127.0.0.1"])
        self.client = Credentials.fromDirectory(self.certs.framework)
        self.port = freePort()
        self.master = Daemon(
            reactor, os.path.join(base, "master"), "mesos-master",
            ["--ip", "127.0.0.1", "--port", str(self.port),
             "--tls-dir", self.certs.master, "--slave-ping-timeout", "1"],
        )
        self.slaves = [
            Daemon(
                reactor, os.path.join(base, f"slave{i}"), "mesos-slave",
                ["--master", f"127.0.0.1:{self.port}", "--ip", "127.0.0.1",
                 "--port", str(freePort()), "--tls-dir", tls,
                 "--work-dir", os.path.join(base, f"slave{i}", "work"),
                 "--resources", f"cpus:{i};mem:{1024 * i}",
                 "--registration-backoff-factor", "0.1"],
            )
            for i, tls in [(1, self.certs.slave), (2, self.slave2)]
        ]
        for daemon in [self.master] + self.slaves:
            self.addCleanup(daemon.stop)

    def logs(self) -> str:
        return "\n".join(
            f"--- {d.plugin} {d.directory}\n{d.log()}" for d in [self.master] + self.slaves
        )

    def activeSlaves(self):
        """
        The master's state once both slaves are active, else None.
        """

        def check(state):
            active = [s for s in state["slaves"] if s["active"]]
            return state if len(active) == 2 else None

        return fetchState(reactor, self.client, "127.0.0.1", self.port).addCallback(check)

    @inlineCallbacks
    def test_registerAndReregister(self):
        """
        Both slaves register with fresh ids and their resources; after the
        master restarts they re-register with the same ids.
        """
        self.master.start()
        for slave in self.slaves:
            slave.start()
        state = yield waitFor(
            reactor, self.activeSlaves, what="two registered slaves", details=self.logs
        )
        byHost = {s["principal"]: s for s in state["slaves"]}
        self.assertEqual(byHost["slave1"]["resources"]["cpus"], 1)
        self.assertEqual(byHost["slave2"]["resources"]["mem"], 2048)
        self.assertEqual(byHost["slave2"]["resources"]["ports"], "[31000-32000]")
        ids = {s["id"] for s in state["slaves"]}
        self.assertTrue(all(i.startswith(state["id"] + "-S") for i in ids))

        yield self.master.stop()
        self.master.start()
        state2 = yield waitFor(
            reactor, self.activeSlaves, what="re-registration", details=self.logs
        )
        self.assertNotEqual(state2["id"], state["id"])
        self.assertEqual({s["id"] for s in state2["slaves"]}, ids)
        self.assertTrue(all(s["reregistered_time"] for s in state2["slaves"]))
