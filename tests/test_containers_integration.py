"""
Integration tests of Linux containers: real C{twistd} master and slave on
loopback, a real L{SchedulerDriver} in the test process, tasks in real
namespaces and cgroups.  Also the offer-loop suite of
C{tests.test_integration_tasks} run with explicit Linux isolation and with
the posix launcher.

The Linux tests need root on Linux with cgroups (they are skipped
elsewhere); each cluster uses a cgroups root of its own, and the test
checks that nothing is left under it once the slave has stopped.
"""

from __future__ import annotations

import glob
import json
import os
import socket
import sys

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.web.client import Agent, readBody

import tests.test_integration_tasks as offerLoop
from mesos_tw import mesos_pb2
from mesos_tw.cli.state import ClusterPolicy
from mesos_tw.mesos_pb2 import TaskStatus
from mesos_tw.slave.containerizer.cgroups import Cgroups
from mesos_tw.tasks import isTerminal
from mesos_tw.testing.daemons import TwistdCluster, waitFor
from mesos_tw.testing.scheduler import RecordingScheduler
from tests.test_containers import HOST, SKIP, CgroupCleanup

MB = 1024 * 1024


class ContainerClusterTestCase(CgroupCleanup, offerLoop.ClusterTestCase):
    """
    A fresh cluster of real daemons for each test, its slave isolating
    containers under a cgroups root of the test's own.
    """

    skip = SKIP
    slaveFlags: list[str] = []

    @inlineCallbacks
    def setUp(self):
        self.root = self.useCgroupsRoot()
        self.cluster = TwistdCluster(
            reactor, self.mktemp(), numSlaves=self.numSlaves,
            masterFlags=["--allocation-interval", "0.2"] + self.masterFlags,
            slaveFlags=["--cgroups-root", self.root, "--usage-report-interval", "0.2"]
            + self.slaveFlags,
        )
        self.addCleanup(self.cluster.stop)
        yield self.cluster.start()

    @inlineCallbacks
    def runTask(self, command: str, resources: str = "cpus:0.1;mem:32",
                until=isTerminal, **frameworkInfo):
        """
        Launch a command task on the first offer and wait for a status of
        it that satisfies C{until} (by default, a terminal one).

        @return: the driver, the scheduler and that status.
        """
        scheduler = RecordingScheduler()
        self.launchOnFirstOffer(
            scheduler, lambda o: offerLoop.commandTask(o, "t1", command, resources)
        )
        driver = self.driver(scheduler, **frameworkInfo)
        yield driver.start()
        _, (_, status) = yield self.wait(
            scheduler.waitFor("statusUpdate", lambda d, s: until(s.state)), "the task"
        )
        return driver, scheduler, status

    def sandbox(self, taskId: str = "t1") -> str:
        """
        The (real) sandbox of the latest run of a command task.
        """
        work = os.path.join(self.cluster.slaves[0].directory, "work")
        [latest] = glob.glob(os.path.join(
            work, "slaves", "*", "frameworks", "*", "executors", taskId, "runs", "latest"
        ))
        return os.path.realpath(latest)

    def output(self, taskId: str = "t1", name: str = "stdout") -> str:
        with open(os.path.join(self.sandbox(taskId), name)) as f:
            return f.read()

    def containerCgroup(self, controller: str) -> str:
        """
        The cgroup of the only container of the slave.
        """
        cgroups = Cgroups(HOST.layout, self.root)
        controller = controller if cgroups.version == 1 else ""
        root = cgroups.rootDirectory(controller)
        [container] = [d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))]
        return cgroups.directory(controller, container)

    @inlineCallbacks
    def slaveGet(self, path: str):
        """
        GET C{path} from the slave's HTTP port, as JSON.
        """
        args = self.cluster.slaves[0].args
        port = int(args[args.index("--port") + 1])
        agent = Agent(reactor, contextFactory=ClusterPolicy(self.cluster.credentials()))
        response = yield agent.request(b"GET", f"https://127.0.0.1:{port}{path}".encode())
        body = yield readBody(response)
        self.assertEqual(response.code, 200, body)
        return json.loads(body)


class ContainerTaskTests(ContainerClusterTestCase):
    """
    Tasks in containers, end to end.
    """

    @inlineCallbacks
    def test_ownProcesses(self):
        """
        C{ps} in a task sees only its container's processes.
        """
        _, _, status = yield self.runTask("ps -e -o pid=,comm=")
        self.assertEqual(status.state, mesos_pb2.TASK_FINISHED, status.message)
        pids = sorted(int(line.split()[0]) for line in self.output().splitlines())
        self.assertEqual(pids[0], 1)
        self.assertLessEqual(len(pids), 3, self.output())

    @inlineCallbacks
    def test_hostname(self):
        """
        A task's hostname is its container's id, not the host's name.
        """
        _, _, status = yield self.runTask("hostname")
        self.assertEqual(status.state, mesos_pb2.TASK_FINISHED, status.message)
        hostname = self.output().strip()
        self.assertNotEqual(hostname, socket.gethostname())
        self.assertEqual(hostname, os.path.basename(self.sandbox()))

    @inlineCallbacks
    def test_daemonizedGrandchild(self):
        """
        A task that forks a daemonized grandchild and exits finishes, and
        leaves no process behind.
        """
        marker = f"1000.{os.getpid()}{reactor.seconds():.0f}"
        _, _, status = yield self.runTask(
            f"(setsid sh -c 'echo up > daemon; exec sleep {marker}' &); "
            "while [ ! -e daemon ]; do :; done; exit 0"
        )
        self.assertEqual(status.state, mesos_pb2.TASK_FINISHED, status.message)

        def noDaemon() -> bool:
            for name in os.listdir("/proc"):
                try:
                    with open(f"/proc/{name}/cmdline", "rb") as f:
                        if marker.encode() in f.read():
                            with open(f"/proc/{name}/stat") as s:
                                if s.read().rsplit(")", 1)[1].split()[0] not in "ZX":
                                    return False
                except OSError:
                    pass
            return True

        yield waitFor(reactor, noDaemon, what="the daemon's end")

    @inlineCallbacks
    def test_memoryLimit(self):
        """
        A task that allocates past its memory limit is TASK_FAILED with
        REASON_CONTAINER_LIMITATION_MEMORY and a message naming the limit.
        """
        _, _, status = yield self.runTask(
            f"'{sys.executable}' -c \"x = bytearray(512 << 20); x[::4096] = b'x' * 131072\"",
            resources="cpus:0.1;mem:64",
        )
        self.assertEqual(status.state, mesos_pb2.TASK_FAILED, status.message)
        self.assertEqual(status.reason, TaskStatus.REASON_CONTAINER_LIMITATION_MEMORY)
        self.assertIn("64 MB", status.message)

    @inlineCallbacks
    def test_limitsAndStatistics(self):
        """
        A running task's cgroups carry 1024 cpu shares per CPU and its
        memory as limit; C{/monitor/statistics} shows its usage and limits.
        """
        driver, scheduler, status = yield self.runTask(
            "sleep 100", resources="cpus:0.5;mem:96",
            until=lambda s: s == mesos_pb2.TASK_RUNNING,
        )
        if HOST.layout.version == 1:
            with open(os.path.join(self.containerCgroup("cpu"), "cpu.shares")) as f:
                self.assertEqual(f.read().strip(), "512")
            with open(os.path.join(self.containerCgroup("memory"),
                                   "memory.limit_in_bytes")) as f:
                self.assertEqual(int(f.read()), 96 * MB)
        else:
            with open(os.path.join(self.containerCgroup("memory"), "memory.max")) as f:
                self.assertEqual(int(f.read()), 96 * MB)
        [entry] = yield self.slaveGet("/monitor/statistics")
        self.assertEqual(entry["executor_id"], "t1")
        statistics = entry["statistics"]
        self.assertEqual(statistics["cpus_limit"], 0.5)
        self.assertEqual(statistics["mem_limit_bytes"], 96 * MB)
        for name in ("cpus_user_time_secs", "cpus_system_time_secs", "mem_rss_bytes",
                     "timestamp"):
            self.assertIn(name, statistics)

        def reported(state):
            return [u for slave in state["slaves"] for u in slave["usage"]
                    if u["executor_id"] == "t1"]

        [usage] = yield waitFor(
            reactor, lambda: self.cluster.state().addCallback(reported),
            what="the task's usage in the master's state", details=self.cluster.logs,
        )
        self.assertEqual(usage["statistics"]["cpus_limit"], 0.5)
        self.assertEqual(int(usage["statistics"]["mem_limit_bytes"]), 96 * MB)
        driver.killTask(mesos_pb2.TaskID(value="t1"))
        yield self.wait(scheduler.waitForState("t1", mesos_pb2.TASK_KILLED), "KILLED")

    @inlineCallbacks
    def test_user(self):
        """
        A framework's task runs as the framework's user.
        """
        _, _, status = yield self.runTask("id -un", user="nobody")
        self.assertEqual(status.state, mesos_pb2.TASK_FINISHED, status.message)
        self.assertEqual(self.output(), "nobody\n")

    @inlineCallbacks
    def test_unknownUser(self):
        """
        A task of an unknown user fails to launch, with a message naming
        the user.
        """
        _, _, status = yield self.runTask("true", user="no-such-user-here")
        self.assertEqual(status.state, mesos_pb2.TASK_FAILED)
        self.assertEqual(status.reason, TaskStatus.REASON_CONTAINER_LAUNCH_FAILED)
        self.assertIn("'no-such-user-here'", status.message)


class LinuxOfferLoopTests(CgroupCleanup, offerLoop.OfferLoopTests):
    """
    The offer-loop suite with explicit full Linux isolation.
    """

    skip = SKIP

    @inlineCallbacks
    def setUp(self):
        root = self.useCgroupsRoot()
        self.cluster = TwistdCluster(
            reactor, self.mktemp(), numSlaves=self.numSlaves,
            masterFlags=["--allocation-interval", "0.2"] + self.masterFlags,
            slaveFlags=["--cgroups-root", root, "--isolation",
                        "filesystem/linux,cgroups/cpu,cgroups/mem,cgroups/pids,"
                        "namespaces/ipc,namespaces/pid,namespaces/uts"],
        )
        self.addCleanup(self.cluster.stop)
        yield self.cluster.start()


class PosixOfferLoopTests(offerLoop.OfferLoopTests):
    """
    The offer-loop suite with the posix launcher (C{--isolation=posix}).
    """

    @inlineCallbacks
    def setUp(self):
        self.cluster = TwistdCluster(
            reactor, self.mktemp(), numSlaves=self.numSlaves,
            masterFlags=["--allocation-interval", "0.2"] + self.masterFlags,
            slaveFlags=["--isolation", "posix"],
        )
        self.addCleanup(self.cluster.stop)
        yield self.cluster.start()
