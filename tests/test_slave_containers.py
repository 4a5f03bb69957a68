"""
Tests for what the slave does with containers, on a L{FakeLauncher}: the
user tasks run as (C{--switch-user}), container limitations as task
failures, an executor's container growing with its tasks, usage at
C{/monitor/statistics} and in reports to the master
(L{mesos_tw.slave.monitor}), and the isolation flags of
L{mesos_tw.slave.tap}.
"""

from __future__ import annotations

import json
import os

from twisted.internet.testing import MemoryReactorClock
from twisted.python import usage
from twisted.trial.unittest import SkipTest, SynchronousTestCase
from twisted.web.resource import getChildForRequest
from twisted.web.test.requesthelper import DummyRequest

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.mesos_pb2 import TaskStatus
from mesos_tw.resources import Resources
from mesos_tw.slave import monitor
from mesos_tw.slave import tap as slaveTap
from mesos_tw.slave.containerizer import Limitation, LinuxLauncher, PosixLauncher
from mesos_tw.slave.containerizer.common import ownUser
from mesos_tw.slave.containerizer.isolation import LINUX_ISOLATION
from mesos_tw.slave.containerizer.launchers import probeHost
from mesos_tw.slave.http import makeRoot
from mesos_tw.testing.certs import makeCluster
from tests.test_slave import slaveOptions
from tests.test_slave_runtime import (
    FRAMEWORK_ID,
    RuntimeTestCase,
    commandTask,
    executorTask,
    frameworkInfo,
    state,
)

MEMORY = Limitation(
    "mem", TaskStatus.REASON_CONTAINER_LIMITATION_MEMORY,
    "Memory limit exceeded: the container's memory limit is 32 MB",
)


class ContainerTestCase(RuntimeTestCase):
    def containerOf(self, taskId: str) -> str:
        return self.framework().executors[taskId].containerId


def framework(user: str) -> mesos_pb2.FrameworkInfo:
    info = frameworkInfo()
    info.user = user
    return info


class SwitchUserTests(ContainerTestCase):
    """
    With C{--switch-user}, containers run as their command's user, else
    their framework's.
    """

    def setUp(self) -> None:
        ContainerTestCase.setUp(self)
        self.slave.switchUser = True

    def test_frameworkUser(self) -> None:
        """
        A command task runs as its framework's user.
        """
        self.runTask(commandTask("t1"), framework("nobody"))
        [process] = self.launcher.launches
        self.assertEqual(process.user, "nobody")

    def test_commandUser(self) -> None:
        """
        The command's user wins over the framework's, for command tasks and
        executors.
        """
        task = commandTask("t1")
        task.command.user = "nobody"
        self.runTask(task, framework("daemon"))
        executor = executorTask("t2")
        executor.executor.command.user = "nobody"
        self.runTask(executor, framework("daemon"))
        self.assertEqual([p.user for p in self.launcher.launches], ["nobody", "nobody"])

    def test_ownUser(self) -> None:
        """
        A task of the slave's own user needs no switch.
        """
        self.runTask(commandTask("t1"), framework(ownUser()))
        [process] = self.launcher.launches
        self.assertIsNone(process.user)

    def test_noSwitch(self) -> None:
        """
        Without C{--switch-user}, tasks run as the slave's user.
        """
        self.slave.switchUser = False
        self.runTask(commandTask("t1"), framework("nobody"))
        [process] = self.launcher.launches
        self.assertIsNone(process.user)

    def test_unknownUser(self) -> None:
        """
        A command task of an unknown user fails to launch, naming the user.
        """
        self.runTask(commandTask("t1"), framework("no-such-user-here"))
        starting, failed = self.updates()
        self.assertEqual(state(failed), "TASK_FAILED")
        self.assertEqual(failed.status.reason, TaskStatus.REASON_CONTAINER_LAUNCH_FAILED)
        self.assertIn("'no-such-user-here'", failed.status.message)

    def test_unknownExecutorUser(self) -> None:
        """
        An executor of an unknown user fails its task, naming the user.
        """
        self.runTask(executorTask("t1"), framework("no-such-user-here"))
        [failed] = self.updates()
        self.assertEqual(state(failed), "TASK_FAILED")
        self.assertEqual(failed.status.reason, TaskStatus.REASON_CONTAINER_LAUNCH_FAILED)
        self.assertIn("'no-such-user-here'", failed.status.message)


class LimitationTests(ContainerTestCase):
    """
    A container that hits a limitation fails its tasks with its reason.
    """

    def test_commandTask(self) -> None:
        """
        A command task whose container ran out of memory is TASK_FAILED
        with the memory reason and message.
        """
        self.runTask(commandTask("t1"))
        self.updates()
        self.launcher.process(self.containerOf("t1")).limit(MEMORY)
        [failed] = self.updates()
        self.assertEqual(state(failed), "TASK_FAILED")
        self.assertEqual(failed.status.reason, TaskStatus.REASON_CONTAINER_LIMITATION_MEMORY)
        self.assertEqual(failed.status.source, TaskStatus.SOURCE_SLAVE)
        self.assertEqual(failed.status.message, MEMORY.message)

    def test_killedCommandTask(self) -> None:
        """
        A task being killed is TASK_KILLED whatever ended it.
        """
        self.runTask(commandTask("t1"))
        self.updates()
        self.kill("t1")
        self.launcher.process(self.containerOf("t1")).limit(MEMORY)
        self.assertEqual(state(self.updates()[-1]), "TASK_KILLED")

    def test_executor(self) -> None:
        """
        An executor's container running out of memory fails its tasks with
        the memory reason.
        """
        self.runTask(executorTask("t1"))
        self.launcher.launches[0].limit(MEMORY)
        [failed] = self.updates()
        self.assertEqual(state(failed), "TASK_FAILED")
        self.assertEqual(failed.status.reason, TaskStatus.REASON_CONTAINER_LIMITATION_MEMORY)
        self.assertEqual(failed.status.message, MEMORY.message)
        [exited] = self.others
        self.assertIsInstance(exited, msgs.ExitedExecutorMessage)


class ExecutorResourcesTests(ContainerTestCase):
    """
    An executor's container may use the executor's resources and its
    tasks'.
    """

    def task(self, taskId: str, text: str):
        task = executorTask(taskId)
        task.resources.extend(Resources.parse(text).toProto())
        return task

    def test_launch(self) -> None:
        """
        The container starts with the executor's and the first task's
        resources.
        """
        self.runTask(self.task("t1", "cpus:1;mem:100"))
        [process] = self.launcher.launches
        self.assertEqual(process.resources, Resources.parse("cpus:1.1;mem:132"))

    def test_grows(self) -> None:
        """
        Each new task grows the container.
        """
        self.runTask(self.task("t1", "cpus:1;mem:100"))
        self.runTask(self.task("t2", "cpus:0.5;mem:50"))
        [(containerId, resources)] = self.launcher.updates
        self.assertEqual(containerId, self.launcher.launches[0].containerId)
        self.assertEqual(resources, Resources.parse("cpus:1.6;mem:182"))


class MonitorTests(ContainerTestCase):
    """
    Tests for L{monitor.containerStatistics}, C{/monitor/statistics} and
    L{monitor.UsageReporter}.
    """

    def test_statistics(self) -> None:
        """
        Each running container is listed with its executor, framework and
        container ids and the launcher's statistics.
        """
        self.runTask(commandTask("t1"))
        self.runTask(executorTask("t2"))
        command = self.containerOf("t1")
        self.launcher.statistics[command] = {"mem_rss_bytes": 1234}
        entries = {e["executor_id"]: e for e in monitor.containerStatistics(self.slave)}
        self.assertEqual(sorted(entries), ["ex1", "t1"])
        entry = entries["t1"]
        self.assertEqual(entry["framework_id"], FRAMEWORK_ID)
        self.assertEqual(entry["container_id"], command)
        self.assertEqual(entry["source"], "t1")
        self.assertIn("(Task: t1)", entry["executor_name"])
        self.assertEqual(entry["statistics"], {
            "cpus_limit": 0.1, "mem_limit_bytes": 32 * 1024 * 1024, "mem_rss_bytes": 1234,
            "timestamp": self.reactor.seconds(),
        })
        self.launcher.process(command).exit(0)
        self.assertEqual([e["executor_id"] for e in monitor.containerStatistics(self.slave)],
                         ["ex1"])

    def test_endpoint(self) -> None:
        """
        C{/monitor/statistics} (and C{.json}) serve the list as JSON.
        """
        self.runTask(commandTask("t1"))
        root = makeRoot(self.slave)
        for path in (b"statistics", b"statistics.json"):
            request = DummyRequest([b"monitor", path])
            resource = getChildForRequest(root, request)
            body = json.loads(resource.render(request))
            self.assertEqual([e["executor_id"] for e in body], ["t1"])
            self.assertEqual(request.responseHeaders.getRawHeaders(b"content-type"),
                             [b"application/json"])

    def test_reports(self) -> None:
        """
        Reports go every interval while containers run, once more when the
        last has ended, then stop; they carry the ids and statistics.
        """
        reporter = monitor.UsageReporter(self.slave, self.reactor, interval=5)
        reporter.start()
        self.addCleanup(reporter.stop)
        self.reactor.advance(5)
        self.assertEqual(self.usageReports(), [])
        self.runTask(commandTask("t1"))
        self.updates()
        self.reactor.advance(5)
        [report] = self.usageReports()
        self.assertEqual(report.slave_id.value, self.slave.id)
        [executor] = report.executors
        self.assertEqual(executor.executor_id.value, "t1")
        self.assertEqual(executor.container_id.value, self.containerOf("t1"))
        self.assertTrue(executor.statistics.HasField("cpus_limit"))
        self.launcher.process(self.containerOf("t1")).exit(0)
        self.updates()
        self.reactor.advance(5)
        [last] = self.usageReports()
        self.assertEqual(list(last.executors), [])
        self.reactor.advance(5)
        self.assertEqual(self.usageReports(), [])

    def usageReports(self) -> list:
        """
        The usage reports sent to the master since the last look.
        """
        return [m for m in self.toMaster() if isinstance(m, msgs.SlaveUsageMessage)]


class IsolationOptionsTests(SynchronousTestCase):
    """
    Tests for the isolation flags of L{slaveTap.Options} and the launcher
    L{slaveTap.makeService} builds from them.
    """

    def setUp(self) -> None:
        self.certs = makeCluster(self.mktemp())
        self.workDir = self.mktemp()

    def parse(self, *args: str) -> slaveTap.Options:
        return slaveOptions(self.certs.slave, self.workDir, *args)

    def service(self, *args: str):
        return slaveTap.makeService(self.parse(*args), MemoryReactorClock())

    def requireLinux(self) -> None:
        problems = probeHost().problems(LINUX_ISOLATION)
        if problems:
            raise SkipTest("; ".join(problems))

    def test_help(self) -> None:
        """
        --help lists the isolation flags.
        """
        text = str(slaveTap.Options())
        for flag in ["--isolation", "--cgroups-hierarchy", "--cgroups-root",
                     "--cgroups-enable-cfs", "--cgroups-max-pids", "--switch-user",
                     "--no-switch-user", "--usage-report-interval"]:
            self.assertIn(flag, text)

    def test_posix(self) -> None:
        """
        --isolation=posix gives the posix launcher, without a warning.
        """
        options = self.parse("--isolation", "posix")
        self.assertEqual(options["isolators"], ("posix/cpu", "posix/mem"))
        self.assertIsNone(options["isolation-warning"])
        self.assertIsInstance(self.service("--isolation", "posix").slave.launcher,
                              PosixLauncher)

    def test_unknown(self) -> None:
        """
        An unknown isolator is a usage error naming it.
        """
        e = self.assertRaises(usage.UsageError, self.parse, "--isolation", "gpu/nvidia")
        self.assertIn("gpu/nvidia", str(e))

    def test_switchUser(self) -> None:
        """
        --switch-user is on by default; --switch-user=false and
        --no-switch-user turn it off; anything else is an error.
        """
        self.assertTrue(self.service().slave.switchUser)
        self.assertFalse(self.service("--switch-user", "false").slave.switchUser)
        self.assertFalse(self.service("--no-switch-user").slave.switchUser)
        self.assertRaises(usage.UsageError, self.parse, "--switch-user", "maybe")

    def test_linux(self) -> None:
        """
        Linux isolation gives a L{LinuxLauncher} with those isolators and
        the cgroup flags.
        """
        self.requireLinux()
        slave = self.service(
            "--isolation", "cgroups/cpu,cgroups/pids,namespaces/pid",
            "--cgroups-root", "/elsewhere", "--cgroups-enable-cfs",
            "--cgroups-max-pids", "20",
        ).slave
        launcher = slave.launcher
        self.assertIsInstance(launcher, LinuxLauncher)
        self.assertEqual([i.name for i in launcher.isolators],
                         ["cgroups/cpu", "cgroups/pids", "namespaces/pid"])
        self.assertTrue(launcher.isolators[0].enableCfs)
        self.assertEqual(launcher.isolators[1].maxPids, 20)
        self.assertEqual(launcher.cgroups.root, "/elsewhere")

    def test_badRoot(self) -> None:
        """
        A cgroups root with C{..} is a usage error.
        """
        self.requireLinux()
        self.assertRaises(usage.UsageError, self.parse, "--cgroups-root", "a/../b")

    def test_unsupported(self) -> None:
        """
        Isolation this host cannot give is a usage error that says why.
        """
        if not probeHost().problems(LINUX_ISOLATION):
            e = self.assertRaises(usage.UsageError, self.parse,
                                  "--cgroups-hierarchy", os.path.abspath(self.mktemp()),
                                  "--isolation", "cgroups/mem")
            self.assertIn("no cgroup", str(e))
        else:
            self.assertRaises(usage.UsageError, self.parse, "--isolation", "cgroups/mem")

    def test_startWarns(self) -> None:
        """
        A slave running without isolation says so when it starts.
        """
        from twisted.logger import LogLevel, globalLogPublisher

        events: list[dict] = []
        globalLogPublisher.addObserver(events.append)
        self.addCleanup(globalLogPublisher.removeObserver, events.append)
        options = self.parse("--isolation", "posix")
        options["isolation-warning"] = "Containers are NOT isolated: because"
        service = slaveTap.makeService(options, MemoryReactorClock())
        service.privilegedStartService()
        service.startService()
        self.addCleanup(service.stopService)
        warnings = [e for e in events if e.get("log_level") == LogLevel.warn
                    and "NOT isolated" in e.get("isolationWarning", "")]
        self.assertEqual(len(warnings), 1)
