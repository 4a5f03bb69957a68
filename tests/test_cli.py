"""
Tests for the C{mesos-tw} command line.
"""

from __future__ import annotations

import os
import subprocess
import sys

from twisted.internet.defer import inlineCallbacks
from twisted.internet.threads import deferToThread
from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase, TestCase

from mesos_tw.cli import execute, local, main, state
from mesos_tw.testing.certs import makeCluster
from mesos_tw.testing.daemons import freePort

MESOS_TW = [sys.executable, "-m", "mesos_tw.cli"]


class MainTests(SynchronousTestCase):
    """
    Tests for L{main.Options}.
    """

    def test_help(self) -> None:
        """
        --help lists every command.
        """
        text = str(main.Options())
        for command in ["ca", "execute", "local", "state"]:
            self.assertIn(command, text)

    def test_noCommand(self) -> None:
        """
        A command is required.
        """
        self.assertRaises(usage.UsageError, main.Options().parseOptions, [])

    def test_badCommandExits2(self) -> None:
        """
        A bad command line prints the usage and exits 2.
        """
        out = subprocess.run(MESOS_TW + ["frobnicate"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 2)
        self.assertIn("mesos-tw: error:", out.stderr)


class ExecuteOptionsTests(SynchronousTestCase):
    """
    Tests for L{execute.Options}.
    """

    def setUp(self) -> None:
        self.certs = makeCluster(self.mktemp())

    def parse(self, *args: str) -> execute.Options:
        options = execute.Options()
        options.parseOptions(
            ["--master", "127.0.0.1:5050", "--tls-dir", self.certs.framework] + list(args)
        )
        return options

    def test_required(self) -> None:
        """
        --name and --command are required.
        """
        e = self.assertRaises(usage.UsageError, self.parse, "--command", "true")
        self.assertIn("--name", str(e))
        e = self.assertRaises(usage.UsageError, self.parse, "--name", "x")
        self.assertIn("--command", str(e))

    def test_resources(self) -> None:
        """
        --resources defaults to Mesos's cpus:1;mem:128 and must parse.
        """
        options = self.parse("--name", "x", "--command", "true")
        self.assertEqual(str(options["resources"]), "cpus:1;mem:128")
        e = self.assertRaises(
            usage.UsageError, self.parse, "--name", "x", "--command", "true",
            "--resources", "cpus:x",
        )
        self.assertIn("cpus:x", str(e))

    def test_env(self) -> None:
        """
        --env must be a JSON object.
        """
        options = self.parse("--name", "x", "--command", "true", "--env", '{"A": 1}')
        self.assertEqual(options["env"], {"A": "1"})
        self.assertRaises(
            usage.UsageError, self.parse, "--name", "x", "--command", "true",
            "--env", "[1]",
        )

    def test_environmentDefaults(self) -> None:
        """
        --master and --tls-dir default to $MESOS_MASTER and $MESOS_TLS_DIR.
        """
        self.patch(os, "environ", dict(os.environ, MESOS_MASTER="10.0.0.1:5051",
                                       MESOS_TLS_DIR=self.certs.framework))
        options = execute.Options()
        options.parseOptions(["--name", "x", "--command", "true"])
        self.assertEqual(options["master"], "10.0.0.1:5051")

    def test_zooKeeperMaster(self) -> None:
        """
        --master takes the masters' zk:// URL; a malformed one is a usage
        error.
        """
        options = self.parse(
            "--name", "x", "--command", "true", "--master", "zk://10.0.0.1:2181/mesos"
        )
        self.assertEqual(options["master"], "zk://10.0.0.1:2181/mesos")
        self.assertRaises(
            usage.UsageError, self.parse, "--name", "x", "--command", "true",
            "--master", "zk://10.0.0.1:2181",
        )


class StateOptionsTests(SynchronousTestCase):
    """
    Tests for L{state.Options}.
    """

    def test_findLeaderAddress(self) -> None:
        """
        For C{host:port} the leader is that master.
        """
        from mesos_tw.cli._client import findLeader

        d = findLeader(None, "10.0.0.1:5051")
        self.assertEqual(self.successResultOf(d), ("10.0.0.1", 5051))

    def test_masterRequired(self) -> None:
        """
        Without --master or $MESOS_MASTER the error says what to give.
        """
        self.patch(os, "environ", {})
        e = self.assertRaises(usage.UsageError, state.Options().parseOptions, [])
        self.assertIn("MESOS_MASTER", str(e))


class LocalTests(TestCase):
    """
    Tests for C{mesos-tw local}.
    """

    timeout = 120

    def test_options(self) -> None:
        """
        The command after the options is kept whole.
        """
        options = local.Options()
        options.parseOptions(["-n", "2", "--", "echo", "--flag"])
        self.assertEqual(options["command"], ["echo", "--flag"])
        self.assertEqual(options["num-slaves"], 2)

    @inlineCallbacks
    def test_runsCommand(self):
        """
        The cluster comes up with every slave registered, the command runs
        with the connection variables set, and its exit status is returned.
        """
        work = os.path.abspath(self.mktemp())
        out = yield deferToThread(
            subprocess.run,
            MESOS_TW + ["local", "-n", "2", "--port", str(freePort()), "--work-dir", work,
                        "--resources", "cpus:1;mem:256", "--",
                        sys.executable, "-c",
                        "import os, sys; print(os.environ['MESOS_MASTER']); sys.exit(3)"],
            capture_output=True, text=True, timeout=90,
        )
        self.assertEqual(out.returncode, 3, out.stdout + out.stderr)
        self.assertIn("2/2 slaves registered", out.stdout)
        self.assertIn("127.0.0.1:", out.stdout)
        self.assertTrue(os.path.exists(os.path.join(work, "local.log")))
