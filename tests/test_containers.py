"""
Tests for L{mesos_tw.slave.containerizer.linux.LinuxLauncher} with real
namespaces and cgroups: the L{ILauncher} conformance suite, and what only
containers do (their own PIDs, hostname and C{/tmp}, nothing escaping,
cgroup limits, the memory limitation, users).

They need root on Linux with cgroups and util-linux; elsewhere they are
skipped.  Each test uses a cgroups root of its own and removes every cgroup
it made, even when it fails.  They poll with deadlines and never sleep.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import sys
import tempfile

from twisted.internet import defer
from twisted.internet.error import ProcessDone
from twisted.internet.protocol import ProcessProtocol
from twisted.internet.task import deferLater
from twisted.trial.unittest import TestCase

from mesos_tw.mesos_pb2 import TaskStatus
from mesos_tw.resources import Resources
from mesos_tw.slave.containerizer import LaunchError, LinuxLauncher, describeExit, linux
from mesos_tw.slave.containerizer.cgroups import Cgroups, processes
from mesos_tw.slave.containerizer.common import limitationOf
from mesos_tw.slave.containerizer.isolation import LINUX_ISOLATION
from mesos_tw.slave.containerizer.launchers import makeLauncher, probeHost
from tests.test_posix_launcher import (
    ENV,
    RECOVERED,
    RealHarness,
    RecordingProtocol,
    makeILauncherTests,
    processGone,
    reactor,
    runningReactor,
    waitUntil,
)

HOST = probeHost()
PROBLEMS = HOST.problems(LINUX_ISOLATION)
SKIP = ("Linux containers unavailable: " + "; ".join(PROBLEMS)) if PROBLEMS else None

#: The controllers whose hierarchies the tests' cgroups are in.
CONTROLLERS = ("freezer", "cpu", "cpuacct", "memory", "pids", "")

_counter = itertools.count()


def uniqueRoot() -> str:
    """
    A cgroups root no other test (or test process) uses.
    """
    return f"mesos_tw_test_{os.getpid()}_{next(_counter)}"


def rootDirectories(root: str) -> list[str]:
    """
    The directories of cgroups root C{root} in every hierarchy the tests
    use.
    """
    if HOST.layout is None:
        return []
    cgroups = Cgroups(HOST.layout, root)
    return sorted({cgroups.rootDirectory(c) for c in CONTROLLERS if cgroups.has(c)})


@defer.inlineCallbacks
def removeCgroupTree(root: str, timeout: float = 10.0):
    """
    Kill whatever is left in cgroups root C{root} and remove its cgroups,
    innermost first: the safety net of every test.

    @return: the cgroup directories that were left behind.
    """
    left = []
    for top in rootDirectories(root):
        if not os.path.isdir(top):
            continue
        directories = [d for d, _, _ in os.walk(top)]
        left.extend(directories)
        for directory in reversed(directories):
            deadline = reactor().seconds() + timeout
            while True:
                pids = processes(directory)
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                try:
                    os.rmdir(directory)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if reactor().seconds() > deadline:
                        raise
                yield deferLater(reactor(), 0.01, lambda: None)
    return left


class CgroupCleanup:
    """
    A mixin giving each test a cgroups root of its own, checked and removed
    after the test.
    """

    def useCgroupsRoot(self) -> str:
        root = uniqueRoot()
        self.addCleanup(self._removeRoot, root)
        return root

    @defer.inlineCallbacks
    def _removeRoot(self, root: str):
        left = yield removeCgroupTree(root)
        self.assertEqual(left, [], f"cgroups left behind under {root}")


class LinuxHarness(RealHarness):
    """
    The conformance suite's view of a L{LinuxLauncher} with full isolation,
    under a cgroups root of its own.
    """

    isolators = LINUX_ISOLATION

    def __init__(self, testCase: TestCase, checkpoints: bool = True) -> None:
        self.cgroupsRoot = uniqueRoot()
        RealHarness.__init__(self, testCase, checkpoints)

    @defer.inlineCallbacks
    def cleanUpMore(self, problems):
        left = yield removeCgroupTree(self.cgroupsRoot)
        if left:
            problems.append(f"cgroups left: {left}")

    def stubborn(self) -> list[str]:
        return [
            "sh", "-c",
            "trap '' TERM; sleep 77 & echo started > grandchild.tmp; "
            "mv grandchild.tmp grandchild; sleep 77",
        ]

    def started(self, sandbox: str) -> bool:
        return os.path.exists(os.path.join(sandbox, "grandchild"))

    def gone(self, containerId: str, sandbox: str) -> bool:
        return not os.path.exists(self.cgroup("freezer", containerId))

    def cgroup(self, controller: str, containerId: str) -> str:
        cgroups = self.launcher.cgroups
        return cgroups.directory(controller if cgroups.version == 1 else "", containerId)

    def leftovers(self, containerId: str) -> list[str]:
        left = RealHarness.leftovers(self, containerId)
        for directory in rootDirectories(self.cgroupsRoot):
            if os.path.exists(os.path.join(directory, containerId)):
                left.append(f"cgroup {directory}/{containerId}")
        return left


class LinuxLauncherConformanceTests(makeILauncherTests(LinuxHarness), TestCase):
    """
    L{LinuxLauncher} with a runtime directory passes the L{ILauncher}
    suite.
    """

    skip = SKIP


class LinuxLauncherWithoutRecordsConformanceTests(
    makeILauncherTests(lambda testCase: LinuxHarness(testCase, checkpoints=False)), TestCase
):
    """
    L{LinuxLauncher} without a runtime directory passes the L{ILauncher}
    suite.
    """

    skip = SKIP


class LinuxLauncherTests(CgroupCleanup, TestCase):
    """
    What containers give: their own PID namespace, hostname and C{/tmp};
    nothing escapes them; cgroups enforce what they were given.
    """

    skip = SKIP

    def setUp(self) -> defer.Deferred:
        self.root = self.useCgroupsRoot()
        self.launcher = self.makeLauncher()
        self.sandbox = os.path.abspath(self.mktemp())
        os.makedirs(self.sandbox)
        return runningReactor()

    def makeLauncher(self, **kwargs) -> LinuxLauncher:
        launcher = makeLauncher(
            reactor(), LINUX_ISOLATION, HOST, cgroupsRoot=self.root, **kwargs
        )
        self.addCleanup(launcher.close)
        return launcher

    def launch(self, argv, containerId: str = "c1", resources: str = "cpus:0.5;mem:64",
               env=ENV, user=None, launcher=None, sandbox=None):
        launcher = launcher or self.launcher
        protocol = RecordingProtocol()
        launcher.launch(
            containerId, argv, env, sandbox or self.sandbox, user,
            Resources.parse(resources), protocol,
        )
        self.addCleanup(launcher.destroy, containerId)
        protocol.ended.addTimeout(30, reactor())
        return protocol

    def output(self, name: str = "stdout", sandbox=None) -> str:
        with open(os.path.join(sandbox or self.sandbox, name)) as f:
            return f.read()

    def cgroup(self, controller: str, containerId: str = "c1") -> str:
        cgroups = self.launcher.cgroups
        return cgroups.directory(controller if cgroups.version == 1 else "", containerId)

    def read(self, controller: str, name: str, containerId: str = "c1") -> str:
        with open(os.path.join(self.cgroup(controller, containerId), name)) as f:
            return f.read().strip()

    @defer.inlineCallbacks
    def test_ownProcesses(self):
        """
        C{ps} in a container sees only the container's processes: its init
        (PID 1), the command and C{ps} itself.
        """
        yield self.launch(["/bin/sh", "-c", "ps -e -o pid=,comm="]).ended
        lines = [line.split() for line in self.output().splitlines()]
        pids = sorted(int(pid) for pid, _ in lines)
        self.assertEqual(pids[0], 1)
        self.assertEqual(len(pids), 3, self.output())
        self.assertIn("ps", [name for _, name in lines])

    @defer.inlineCallbacks
    def test_hostname(self):
        """
        A container's hostname is its id, not the host's.
        """
        yield self.launch(["hostname"], containerId="container-7").ended
        self.assertEqual(self.output(), "container-7\n")
        self.assertNotEqual(socket.gethostname(), "container-7")

    @defer.inlineCallbacks
    def test_privateTmp(self):
        """
        A container's C{/tmp} is empty and its own; what it writes there
        vanishes with it.
        """
        marker = f"mesos-tw-test-{os.getpid()}-{next(_counter)}"
        with tempfile.NamedTemporaryFile(prefix=marker) as host:
            yield self.launch([
                "/bin/sh", "-c",
                f"ls -A /tmp | grep -c {marker}; echo hi > /tmp/{marker}; cat /tmp/{marker}",
            ]).ended
            self.assertTrue(os.path.exists(host.name))
        self.assertEqual(self.output(), "0\nhi\n")
        self.assertFalse(os.path.exists(f"/tmp/{marker}"))

    @defer.inlineCallbacks
    def test_sandboxUnderTmp(self):
        """
        A sandbox under C{/tmp} is still the container's working directory,
        at the same path, with its output files.
        """
        sandbox = tempfile.mkdtemp(prefix="mesos-tw-test-")
        self.addCleanup(shutil.rmtree, sandbox)
        yield self.launch(
            ["/bin/sh", "-c", "pwd; echo kept > made-inside; ls /tmp"],
            sandbox=sandbox,
        ).ended
        workingDirectory, *inTmp = self.output(sandbox=sandbox).splitlines()
        self.assertEqual(workingDirectory, sandbox)
        # The private /tmp holds the sandbox, and the slave's installation
        # if that lives under /tmp too (a checkout there).
        kept = linux._slaveTmpDirectory()
        expected = {os.path.basename(sandbox)}
        if kept is not None:
            expected.add(os.path.basename(kept))
        self.assertEqual(set(inTmp), expected)
        with open(os.path.join(sandbox, "made-inside")) as f:
            self.assertEqual(f.read(), "kept\n")

    @defer.inlineCallbacks
    def test_daemonizedGrandchild(self):
        """
        A command that leaves a daemon behind (double fork and C{setsid})
        and exits leaves no process behind, and no cgroup.
        """
        marker = f"1000.{os.getpid()}{next(_counter)}"
        protocol = self.launch([
            "/bin/sh", "-c",
            f"(setsid sh -c 'echo up > daemon; exec sleep {marker}' &); "
            "while [ ! -e daemon ]; do :; done; exit 0",
        ])
        [reason] = yield protocol.ended
        self.assertEqual(describeExit(reason), (0, "exited with status 0"))

        def daemons() -> list[int]:
            found = []
            for name in os.listdir("/proc"):
                if name.isdigit():
                    try:
                        with open(f"/proc/{name}/cmdline", "rb") as f:
                            if marker.encode() in f.read() and not processGone(int(name)):
                                found.append(int(name))
                    except OSError:
                        pass
            return found

        yield waitUntil(lambda: not daemons(), "the daemon's end")
        yield self.launcher.destroy("c1")
        self.assertFalse(os.path.exists(self.cgroup("freezer")))

    @defer.inlineCallbacks
    def test_destroyKillsEverything(self):
        """
        Destroying a running container kills its processes, daemons
        included, and removes every cgroup it had.
        """
        protocol = self.launch([
            "/bin/sh", "-c",
            "(setsid sleep 300 &); sleep 300 & echo up > started; wait",
        ])
        yield waitUntil(lambda: os.path.exists(os.path.join(self.sandbox, "started")),
                        "the start")
        tracked = processes(self.cgroup("freezer"))
        self.assertGreaterEqual(len(tracked), 4)
        yield self.launcher.destroy("c1")
        [reason] = yield protocol.ended
        self.assertEqual(reason.value.signal, signal.SIGKILL)
        self.assertTrue(all(processGone(pid) for pid in tracked))
        for controller in ("freezer", "cpu", "cpuacct", "memory", "pids"):
            self.assertFalse(os.path.exists(self.cgroup(controller)), controller)

    @defer.inlineCallbacks
    def test_signalDispositions(self):
        """
        The command starts with none of the standard signals ignored or
        caught (glibc's posix_spawn leaves its own internal signals, 32
        and 33, ignored in any child of a threaded process).
        """
        yield self.launch(["cat", "/proc/self/status"]).ended
        fields = dict(line.split(":\t", 1) for line in self.output().splitlines())
        self.assertEqual(int(fields["SigIgn"], 16) & 0x7FFFFFFF, 0)
        self.assertEqual(int(fields["SigCgt"], 16) & 0x7FFFFFFF, 0)

    @defer.inlineCallbacks
    def test_orphansReaped(self):
        """
        The container's init reaps orphans while the command runs.
        """
        protocol = self.launch([
            "/bin/sh", "-c",
            "(true &); while ps -e -o stat= | grep -q Z; do :; done; echo reaped",
        ])
        [reason] = yield protocol.ended
        self.assertEqual(self.output(), "reaped\n")

    @defer.inlineCallbacks
    def test_signal(self):
        """
        L{LinuxLauncher.signal} reaches every process of the container; a
        command killed by SIGTERM is reported so.
        """
        protocol = self.launch(["/bin/sh", "-c", "sleep 77 & echo up > started; wait"])
        yield waitUntil(lambda: os.path.exists(os.path.join(self.sandbox, "started")),
                        "the start")
        self.launcher.signal("c1", signal.SIGTERM)
        [reason] = yield protocol.ended
        self.assertEqual(describeExit(reason)[1], "terminated by signal SIGTERM")

    @defer.inlineCallbacks
    def test_limits(self):
        """
        A container's cgroups carry its cpu shares (1024 per CPU), memory
        limit (what it was given, no swap beyond it) and pids limit; with
        CFS, its quota.
        """
        launcher = self.makeLauncher(enableCfs=True, maxPids=50)
        self.launcher = launcher
        protocol = self.launch(["sleep", "77"], resources="cpus:0.5;mem:96",
                               launcher=launcher)
        yield waitUntil(lambda: processes(self.cgroup("freezer")), "the start")
        mb96 = str(96 * 1024 * 1024)
        if launcher.cgroups.version == 1:
            self.assertEqual(self.read("cpu", "cpu.shares"), "512")
            self.assertEqual(self.read("cpu", "cpu.cfs_period_us"), "100000")
            self.assertEqual(self.read("cpu", "cpu.cfs_quota_us"), "50000")
            self.assertEqual(self.read("memory", "memory.limit_in_bytes"), mb96)
            if os.path.exists(os.path.join(self.cgroup("memory"), "memory.memsw.limit_in_bytes")):
                self.assertEqual(self.read("memory", "memory.memsw.limit_in_bytes"), mb96)
        else:
            self.assertEqual(self.read("cpu", "cpu.max"), "50000 100000")
            self.assertEqual(self.read("memory", "memory.max"), mb96)
        self.assertEqual(self.read("pids", "pids.max"), "50")
        launcher.update("c1", Resources.parse("cpus:2;mem:128"))
        if launcher.cgroups.version == 1:
            self.assertEqual(self.read("cpu", "cpu.shares"), "2048")
            self.assertEqual(self.read("memory", "memory.limit_in_bytes"),
                             str(128 * 1024 * 1024))
        yield launcher.destroy("c1")
        yield protocol.ended

    @defer.inlineCallbacks
    def test_memoryLimitation(self):
        """
        A command that allocates past its memory limit is killed, and its
        end carries the memory limitation naming the limit.
        """
        protocol = self.launch(
            [sys.executable, "-c", "x = bytearray(256 << 20); x[::4096] = b'x' * (65536)"],
            resources="cpus:0.5;mem:64",
        )
        [reason] = yield protocol.ended
        limitation = limitationOf(reason)
        self.assertIsNotNone(limitation, describeExit(reason))
        self.assertEqual(limitation.reason, TaskStatus.REASON_CONTAINER_LIMITATION_MEMORY)
        self.assertIn("64 MB", limitation.message)
        self.assertEqual(reason.value.signal, signal.SIGKILL)

    @defer.inlineCallbacks
    def test_noLimitation(self):
        """
        A command that stays within its memory ends without a limitation.
        """
        protocol = self.launch(["/bin/sh", "-c", "exit 4"])
        [reason] = yield protocol.ended
        self.assertIsNone(limitationOf(reason))
        self.assertEqual(describeExit(reason)[1], "exited with status 4")

    @defer.inlineCallbacks
    def test_usage(self):
        """
        A busy container's usage shows CPU time, memory in use and its
        limits.
        """
        protocol = self.launch(["/bin/sh", "-c", "while :; do :; done"],
                               resources="cpus:1;mem:64")

        def busy() -> bool:
            usage = self.launcher.usage("c1")
            return usage["cpus_user_time_secs"] + usage["cpus_system_time_secs"] > 0.05

        yield waitUntil(busy, "CPU time")
        usage = self.launcher.usage("c1")
        self.assertEqual(usage["cpus_limit"], 1)
        self.assertEqual(usage["mem_limit_bytes"], 64 * 1024 * 1024)
        self.assertGreater(usage["mem_total_bytes"], 0)
        self.assertGreaterEqual(usage["processes"], 2)
        yield self.launcher.destroy("c1")
        yield protocol.ended

    @defer.inlineCallbacks
    def test_user(self):
        """
        A command runs as its user, with that user's groups, in a sandbox it
        owns; root's capabilities are gone.
        """
        yield self.launch(
            ["/bin/sh", "-c", "id -un; id -gn; touch mine; grep CapEff /proc/self/status"],
            user="nobody",
        ).ended
        lines = self.output().splitlines()
        self.assertEqual(lines[0], "nobody")
        self.assertEqual(lines[2].split()[1], "0000000000000000")
        self.assertEqual(os.stat(os.path.join(self.sandbox, "mine")).st_uid,
                         __import__("pwd").getpwnam("nobody").pw_uid)

    def test_unknownUser(self) -> None:
        """
        An unknown user is a L{LaunchError} naming the user, and leaves no
        cgroup.
        """
        e = self.assertRaises(
            LaunchError, self.launch, ["true"], user="no-such-user-here"
        )
        self.assertIn("'no-such-user-here'", str(e))
        self.assertFalse(os.path.exists(self.cgroup("freezer")))

    @defer.inlineCallbacks
    def test_loaderVariables(self):
        """
        The task gets its C{LD_PRELOAD}, but the helpers that run as root
        before it do not see it.
        """
        env = dict(ENV, LD_PRELOAD="/nonexistent/mesos-tw-test.so")
        yield self.launch(["/bin/sh", "-c", 'echo "$LD_PRELOAD"'], env=env).ended
        self.assertEqual(self.output(), "/nonexistent/mesos-tw-test.so\n")
        # ld.so complains once per program that sees it: the task's sh only.
        self.assertEqual(self.output("stderr").count("cannot be preloaded"), 1,
                         self.output("stderr"))

    def test_failedPreparation(self) -> None:
        """
        A program that cannot be found is a L{LaunchError} and leaves no
        cgroup.
        """
        self.assertRaises(LaunchError, self.launch, ["no-such-program-here"])
        self.assertFalse(os.path.exists(self.cgroup("freezer")))


class LinuxRecoveryTests(TestCase):
    """
    What recovery keeps of Linux containers: their cgroups and limits, and
    their memory limitation; and cgroups nobody claims go.
    """

    skip = SKIP

    def setUp(self) -> defer.Deferred:
        self.harness = LinuxHarness(self)
        self.cgroups = self.harness.launcher.cgroups
        return runningReactor()

    def cgroup(self, controller: str, containerId: str = "c1") -> str:
        return self.harness.cgroup(controller, containerId)

    def read(self, controller: str, name: str) -> str:
        with open(os.path.join(self.cgroup(controller), name)) as f:
            return f.read().strip()

    @defer.inlineCallbacks
    def crash(self, argv):
        """
        Launch C{argv} in container C{c1} with a slave process that dies.

        @return: the sandbox.
        """
        sandbox = os.path.abspath(self.mktemp())
        os.makedirs(sandbox)
        yield self.harness.crash([("c1", argv(sandbox), sandbox)])
        return sandbox

    @defer.inlineCallbacks
    def recover(self):
        launcher = self.harness.successor()
        protocol = RecordingProtocol()
        protocol.ended.addTimeout(30, reactor())
        found = yield launcher.recover({"c1": (Resources.parse(RECOVERED), protocol)})
        self.assertEqual(found, {"c1"})
        return launcher, protocol

    @defer.inlineCallbacks
    def test_limits(self):
        """
        A recovered container keeps its cgroups and limits, and they can be
        updated; its processes and usage are found.
        """
        sandbox = yield self.crash(self.harness.waiter)
        launcher, protocol = yield self.recover()
        yield waitUntil(lambda: os.path.exists(os.path.join(sandbox, "ready")), "the waiter")
        mb64 = str(64 * 1024 * 1024)
        if self.cgroups.version == 1:
            self.assertEqual(self.read("cpu", "cpu.shares"), "1024")
            self.assertEqual(self.read("memory", "memory.limit_in_bytes"), mb64)
        else:
            self.assertEqual(self.read("memory", "memory.max"), mb64)
        self.assertGreaterEqual(len(launcher.pids("c1")), 2)
        if self.cgroups.version == 1:
            # It listens for the container's OOM events again.
            [memory] = [i for i in launcher.isolators if i.name == "cgroups/mem"]
            self.assertIn("c1", memory._listeners)
        usage = launcher.usage("c1")
        self.assertEqual(usage["mem_limit_bytes"], 64 * 1024 * 1024)
        self.assertGreater(usage["mem_total_bytes"], 0)
        launcher.update("c1", Resources.parse("cpus:2;mem:128"))
        if self.cgroups.version == 1:
            self.assertEqual(self.read("cpu", "cpu.shares"), "2048")
            self.assertEqual(self.read("memory", "memory.limit_in_bytes"),
                             str(128 * 1024 * 1024))
        yield self.harness.finish("c1", sandbox, "exit 0")
        [reason] = yield protocol.ended
        self.assertIsInstance(reason.value, ProcessDone)
        yield waitUntil(lambda: not self.harness.leftovers("c1"), "the release")

    @defer.inlineCallbacks
    def test_memoryLimitation(self):
        """
        A recovered container that runs out of memory is still ended with
        the memory limitation.
        """
        def hog(sandbox: str) -> list[str]:
            os.mkfifo(os.path.join(sandbox, "order"))
            return ["/bin/sh", "-c",
                    f": {self.harness.marker}; read o < order; exec {sys.executable} -c "
                    "'x = bytearray(256 << 20); x[::4096] = b\"x\" * 65536'"]

        sandbox = yield self.crash(hog)
        launcher, protocol = yield self.recover()
        yield self.harness.finish("c1", sandbox, "go")
        [reason] = yield protocol.ended
        limitation = limitationOf(reason)
        self.assertIsNotNone(limitation, describeExit(reason))
        self.assertEqual(limitation.reason, TaskStatus.REASON_CONTAINER_LIMITATION_MEMORY)
        self.assertIn("64 MB", limitation.message)
        self.assertEqual(reason.value.signal, signal.SIGKILL)
        yield waitUntil(lambda: not self.harness.leftovers("c1"), "the release")

    @defer.inlineCallbacks
    def test_unrecordedCgroupsLeft(self):
        """
        Cgroups under the cgroups root that no record names belong to
        another slave sharing the root: recovery leaves them and their
        processes alone.
        """
        for controller in ("freezer", "memory"):
            os.makedirs(self.cgroup(controller, "stray"), exist_ok=True)
        os.makedirs(os.path.join(self.cgroup("freezer", "stray"), "nested"))
        stray = ProcessWatchProtocol()
        process = reactor().spawnProcess(stray, "sleep", ["sleep", "300"], env=ENV)
        self.addCleanup(lambda: stray.ended.called or process.signalProcess("KILL"))
        with open(os.path.join(self.cgroup("freezer", "stray"), "cgroup.procs"), "w") as f:
            f.write(str(process.pid))
        yield self.harness.successor().recover({})
        self.assertTrue(os.path.exists(os.path.join(self.cgroup("freezer", "stray"), "nested")))
        self.assertTrue(os.path.exists(self.cgroup("memory", "stray")))
        self.assertFalse(stray.ended.called)
        process.signalProcess("KILL")
        yield stray.ended.addTimeout(10, reactor())
        for directory in (
            os.path.join(self.cgroup("freezer", "stray"), "nested"),
            self.cgroup("freezer", "stray"),
            self.cgroup("memory", "stray"),
        ):
            os.rmdir(directory)


class ProcessWatchProtocol(ProcessProtocol):
    def __init__(self) -> None:
        self.ended: defer.Deferred[None] = defer.Deferred()

    def processEnded(self, reason) -> None:
        self.ended.callback(None)
