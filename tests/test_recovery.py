"""
Tests for what lets containers outlive the slave process: the records of
L{mesos_tw.slave.containerizer.runtime}, exit statuses and L{ContainerLost},
watching processes that are not the slave's children, the isolators'
recovery, and the bookkeeping of C{recover} and C{close(keep)} in the Linux
launcher (on fake cgroup trees), the posix launcher and L{FakeLauncher}.

The conformance suite of C{tests.test_posix_launcher} tests recovery end to
end, with slave processes that really die.
"""

from __future__ import annotations

import os
import signal
import subprocess

from twisted.internet import defer
from twisted.internet.error import ProcessDone, ProcessTerminated
from twisted.internet.task import Clock
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase, TestCase

from mesos_tw.mesos_pb2 import TaskStatus
from mesos_tw.resources import Resources
from mesos_tw.slave.containerizer import isolators, linux, procfs
from mesos_tw.slave.containerizer.cgroups import Cgroups
from mesos_tw.slave.containerizer.common import (
    ContainerLost,
    ContainerTerminated,
    Limitation,
    describeExit,
    limitationOf,
    statusReason,
    translateExit,
)
from mesos_tw.slave.containerizer.isolators import CgroupsCpuIsolator, CgroupsMemIsolator
from mesos_tw.slave.containerizer.linux import Tools
from mesos_tw.slave.containerizer.posix import PosixLauncher
from mesos_tw.slave.containerizer.runtime import (
    STATUS_FD,
    ExitWatch,
    ProcessIdentity,
    RuntimeDirectory,
    bootId,
    isRunning,
    waitUntilGone,
)
from mesos_tw.testing.fakes import FakeIsolator, FakeLauncher, FakeProcess
from tests.test_isolators import (
    MB,
    FakeProcessReactor,
    fakeV1,
    fakeV2,
    read,
    removeFakeCgroup,
    resources,
    write,
)
from tests.test_posix_launcher import (
    ENV,
    RecordingProtocol,
    reactor,
    runningReactor,
    waitUntil,
)

MEMORY = Limitation("mem", TaskStatus.REASON_CONTAINER_LIMITATION_MEMORY, "OOM")


def fakeStat(pid: int, state: str = "S", startTime: int = 100) -> str:
    """
    A line of C{/proc/PID/stat}.
    """
    return (f"{pid} (sh) {state} 1 {pid} {pid} 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 "
            f"1 0 {startTime} 1000 10")


def sleeper() -> subprocess.Popen:
    """
    A process that runs until killed.
    """
    return subprocess.Popen(["sleep", "300"])


def end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


# --- Statuses -------------------------------------------------------------------


class StatusTests(SynchronousTestCase):
    """
    Tests for L{statusReason}, L{translateExit} and L{ContainerLost}.
    """

    def test_statusReason(self) -> None:
        """
        A recorded status is reported as Twisted reports the end of a
        child: 0 is L{ProcessDone}, C{128+N} a death by signal C{N}.
        """
        self.assertIsInstance(statusReason(0).value, ProcessDone)
        self.assertEqual(describeExit(statusReason(3)), (3 << 8, "exited with status 3"))
        self.assertEqual(describeExit(statusReason(143)), (15, "terminated by signal SIGTERM"))
        self.assertEqual(describeExit(statusReason(255))[1], "exited with status 255")

    def test_translateExit(self) -> None:
        """
        Only exit statuses above 128 become signals.
        """
        done = Failure(ProcessDone(0))
        self.assertIs(translateExit(done), done)
        killed = Failure(ProcessTerminated(signal=9, status=9))
        self.assertIs(translateExit(killed), killed)
        self.assertEqual(translateExit(
            Failure(ProcessTerminated(exitCode=137, status=137 << 8))).value.signal, 9)

    def test_containerLost(self) -> None:
        """
        L{ContainerLost} is a L{ProcessTerminated} without a status, naming
        the container, and may carry a limitation.
        """
        lost = ContainerLost("c1")
        self.assertIsInstance(lost, ProcessTerminated)
        self.assertIsNone(lost.exitCode)
        self.assertIsNone(lost.signal)
        self.assertEqual(
            str(lost), "Container c1 ended while the slave was down, with its exit status unknown"
        )
        self.assertEqual(describeExit(Failure(lost)),
                         (None, "ended while the slave was down, with its exit status unknown"))
        self.assertIsNone(limitationOf(Failure(lost)))
        self.assertIs(limitationOf(Failure(ContainerLost("c1", limitation=MEMORY))), MEMORY)


# --- Records ----------------------------------------------------------------------


class ProcessIdentityTests(SynchronousTestCase):
    """
    Tests for L{ProcessIdentity} and L{isRunning}.
    """

    def test_of(self) -> None:
        """
        A running process's identity has its start time and this boot's id.
        """
        me = ProcessIdentity.of(os.getpid())
        with open(f"/proc/{os.getpid()}/stat") as f:
            startTime = int(f.read().rsplit(")", 1)[1].split()[19])
        self.assertEqual(me, ProcessIdentity(os.getpid(), startTime, bootId()))
        self.assertTrue(isRunning(me))

    def test_json(self) -> None:
        """
        Identities round-trip through JSON; anything else is a
        L{ValueError}.
        """
        identity = ProcessIdentity(42, 7, "boot")
        self.assertEqual(ProcessIdentity.fromJSON(identity.toJSON()), identity)
        self.assertEqual(ProcessIdentity.fromJSON(ProcessIdentity(4, None, "b").toJSON()),
                         ProcessIdentity(4, None, "b"))
        for text in ("[]", "{}", '{"pid": "4", "startTime": 1, "bootId": "b"}', "x"):
            self.assertRaises(ValueError, ProcessIdentity.fromJSON, text)

    def test_notRunning(self) -> None:
        """
        Another start time, another boot, no start time or a zombie are not
        the process recorded.
        """
        me = ProcessIdentity.of(os.getpid())
        self.assertFalse(isRunning(ProcessIdentity(me.pid, me.startTime + 1, me.bootId)))
        self.assertFalse(isRunning(ProcessIdentity(me.pid, me.startTime, "another-boot")))
        self.assertFalse(isRunning(ProcessIdentity(me.pid, None, me.bootId)))
        proc = self.mktemp()
        write(os.path.join(proc, "42", "stat"), fakeStat(42, "Z", 5))
        self.assertFalse(isRunning(ProcessIdentity(42, 5, me.bootId), proc))
        write(os.path.join(proc, "42", "stat"), fakeStat(42, "S", 5))
        self.assertTrue(isRunning(ProcessIdentity(42, 5, me.bootId), proc))
        self.assertFalse(isRunning(ProcessIdentity(43, 5, me.bootId), proc))


class RuntimeDirectoryTests(SynchronousTestCase):
    """
    Tests for L{RuntimeDirectory}: the records' layout.
    """

    def setUp(self) -> None:
        self.path = os.path.abspath(self.mktemp())
        self.runtime = RuntimeDirectory(self.path)

    def test_create(self) -> None:
        """
        A container's records start with an empty status file, open for
        writing, in a directory of its own; stale records are dropped.
        """
        self.assertEqual(self.runtime.containers(), set())
        fd = self.runtime.create("c1")
        os.write(fd, b"3\n")
        os.close(fd)
        self.assertEqual(self.runtime.status("c1"), 3)
        self.runtime.checkpoint("c1", ProcessIdentity(1, 2, "b"))
        os.close(self.runtime.create("c1"))
        self.assertEqual(os.listdir(os.path.join(self.path, "c1")), ["status"])
        self.assertIsNone(self.runtime.status("c1"))
        self.assertEqual(self.runtime.containers(), {"c1"})

    def test_checkpoint(self) -> None:
        """
        The process record is JSON in C{CONTAINER/process}, written through
        a temporary file.
        """
        os.close(self.runtime.create("c1"))
        identity = ProcessIdentity(42, 7, "boot")
        self.runtime.checkpoint("c1", identity)
        self.assertEqual(sorted(os.listdir(os.path.join(self.path, "c1"))),
                         ["process", "status"])
        self.assertEqual(read(os.path.join(self.path, "c1", "process")),
                         '{"pid": 42, "startTime": 7, "bootId": "boot"}')
        self.assertEqual(self.runtime.identity("c1"), identity)

    def test_missing(self) -> None:
        """
        Missing or broken records read as nothing.
        """
        self.assertIsNone(self.runtime.identity("c1"))
        self.assertIsNone(self.runtime.status("c1"))
        write(os.path.join(self.path, "c1", "process"), "{")
        write(os.path.join(self.path, "c1", "status"), "oops")
        self.assertIsNone(self.runtime.identity("c1"))
        self.assertIsNone(self.runtime.status("c1"))
        write(os.path.join(self.path, "stray-file"), "")
        self.assertEqual(self.runtime.containers(), {"c1"})
        self.runtime.remove("c1")
        self.runtime.remove("c1")
        self.assertEqual(self.runtime.containers(), set())

    def test_invalidIds(self) -> None:
        """
        Container ids must be plain file names.
        """
        for containerId in ("", ".", "..", "a/b"):
            self.assertRaises(ValueError, self.runtime.directory, containerId)


# --- Watching processes -------------------------------------------------------------


class ExitWatchPollingTests(SynchronousTestCase):
    """
    L{ExitWatch} polling C{/proc} (here a fake one) on a clock.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.proc = self.mktemp()
        write(os.path.join(self.proc, "42", "stat"), fakeStat(42))
        self.identity = ProcessIdentity(42, 100, bootId())
        self.exits: list[None] = []

    def watch(self, **kwargs) -> ExitWatch:
        return ExitWatch(self.clock, self.identity, lambda: self.exits.append(None),
                         proc=self.proc, **kwargs)

    def test_polls(self) -> None:
        """
        Without pidfds, the process is looked for once a second; its end
        is told once.
        """
        watch = self.watch(pidfdOpen=None)
        self.assertIsNone(watch.pidfd)
        self.clock.advance(1)
        self.assertEqual(self.exits, [])
        write(os.path.join(self.proc, "42", "stat"), fakeStat(42, "Z"))
        self.clock.advance(0.5)
        self.assertEqual(self.exits, [])
        self.clock.advance(0.5)
        self.assertEqual(self.exits, [None])
        self.clock.advance(10)
        self.assertEqual(self.exits, [None])
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_reactorWithoutDescriptors(self) -> None:
        """
        A reactor that cannot read descriptors is polled too.
        """
        opened: list[int] = []
        self.watch(pidfdOpen=lambda pid: opened.append(pid) or 99)
        self.assertEqual(opened, [])
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)

    def test_goneAlready(self) -> None:
        """
        A process gone before the watch starts is told on the next turn.
        """
        self.identity = ProcessIdentity(43, 100, bootId())
        self.watch(pidfdOpen=None)
        self.assertEqual(self.exits, [])
        self.clock.advance(0)
        self.assertEqual(self.exits, [None])

    def test_stop(self) -> None:
        """
        A stopped watch tells nothing.
        """
        self.watch(pidfdOpen=None).stop()
        os.remove(os.path.join(self.proc, "42", "stat"))
        self.clock.advance(5)
        self.assertEqual(self.exits, [])

    def test_waitUntilGone(self) -> None:
        """
        L{waitUntilGone} polls until its condition holds, or fails after
        its timeout.
        """
        gone = [False]
        d = waitUntilGone(self.clock, lambda: gone[0], "x", timeout=1)
        self.clock.advance(0.5)
        self.assertNoResult(d)
        gone[0] = True
        self.clock.advance(0.01)
        self.successResultOf(d)
        failed = waitUntilGone(self.clock, lambda: False, "the thing", timeout=1)
        self.clock.pump([0.01] * 101)
        self.assertIn("the thing outlived 1 s", str(self.failureResultOf(failed, OSError).value))


class ExitWatchTests(TestCase):
    """
    L{ExitWatch} on the real reactor, with real processes.
    """

    def setUp(self) -> defer.Deferred:
        return runningReactor()

    @defer.inlineCallbacks
    def watchEnd(self, **kwargs):
        process = sleeper()
        self.addCleanup(end, process)
        exits: list[None] = []
        watch = ExitWatch(reactor(), ProcessIdentity.of(process.pid),
                          lambda: exits.append(None), **kwargs)
        self.addCleanup(watch.stop)
        process.kill()
        yield waitUntil(lambda: exits, "the end")
        # A zombie has exited: the watch does not need it reaped.
        self.assertEqual(procfs.stat(process.pid).state, "Z")
        self.assertEqual(exits, [None])
        return watch

    @defer.inlineCallbacks
    def test_pidfd(self):
        """
        The end of a process that is not reaped yet is seen through its
        pidfd, which is then closed.
        """
        opened: list[int] = []

        def pidfdOpen(pid: int) -> int:
            fd = os.pidfd_open(pid)
            opened.append(fd)
            return fd

        watch = yield self.watchEnd(pidfdOpen=pidfdOpen)
        self.assertEqual(len(opened), 1)
        self.assertIsNone(watch.pidfd)
        self.assertRaises(OSError, os.fstat, opened[0])

    @defer.inlineCallbacks
    def test_fallback(self):
        """
        Where C{pidfd_open} fails, C{/proc} is polled.
        """

        def pidfdOpen(pid: int) -> int:
            raise OSError(38, "Function not implemented")

        watch = yield self.watchEnd(pidfdOpen=pidfdOpen, interval=0.01)
        self.assertIsNone(watch.pidfd)


# --- Isolators ---------------------------------------------------------------------


class IsolatorRecoveryTests(SynchronousTestCase):
    """
    The cgroup isolators recover containers from their cgroups, changing
    nothing.
    """

    def setUp(self) -> None:
        self.patch(isolators, "removeCgroup", removeFakeCgroup)
        self.clock = Clock()
        self.cgroups = Cgroups(fakeV1(self), "mesos_tw")

    def test_cpu(self) -> None:
        """
        The CPU isolator finds the container's cgroups, writes no limits,
        and reports usage and updates again; forgetting leaves the cgroups.
        """
        first = CgroupsCpuIsolator(self.cgroups, self.clock)
        first.prepare("c1", resources("cpus:1"), None)
        shares = os.path.join(self.cgroups.directory("cpu", "c1"), "cpu.shares")
        write(shares, "1234")
        again = CgroupsCpuIsolator(self.cgroups, self.clock)
        again.recover("c1", resources("cpus:1"))
        self.assertEqual(again.directories["c1"], [self.cgroups.directory("cpu", "c1"),
                                                   self.cgroups.directory("cpuacct", "c1")])
        self.assertEqual(read(shares), "1234")
        self.assertEqual(again.usage("c1")["cpus_limit"], 1)
        again.update("c1", resources("cpus:2"))
        self.assertEqual(read(shares), "2048")
        again.forget("c1")
        self.assertEqual(again.usage("c1"), {})
        self.assertTrue(os.path.isdir(self.cgroups.directory("cpu", "c1")))
        self.successResultOf(first.cleanup("c1"))
        self.assertFalse(os.path.isdir(self.cgroups.directory("cpu", "c1")))

    def test_missingCgroups(self) -> None:
        """
        Cgroups that are gone are not recreated.
        """
        isolator = CgroupsCpuIsolator(self.cgroups, self.clock)
        isolator.recover("c1", resources("cpus:1"))
        self.assertEqual(isolator.directories["c1"], [])
        self.assertFalse(os.path.exists(self.cgroups.directory("cpu", "c1")))

    def test_memory(self) -> None:
        """
        The memory isolator's watch fires at once for a container that ran
        out of memory while the slave was down, and not for one that did
        not; the limit is left as it was.
        """
        first = CgroupsMemIsolator(self.cgroups, self.clock, listen=False)
        for containerId in ("c1", "c2"):
            first.prepare(containerId, resources("cpus:1;mem:64"), None)
        directory = self.cgroups.directory("memory", "c1")
        write(os.path.join(directory, "memory.oom_control"), "under_oom 0\noom_kill 1\n")
        write(os.path.join(directory, "memory.limit_in_bytes"), str(99 * MB))
        again = CgroupsMemIsolator(self.cgroups, self.clock, listen=False)
        again.recover("c1", resources("cpus:1;mem:64"))
        again.recover("c2", resources("cpus:1;mem:64"))
        limitation = self.successResultOf(again.watch("c1"))
        self.assertEqual(limitation.reason, TaskStatus.REASON_CONTAINER_LIMITATION_MEMORY)
        self.assertIn("64 MB", limitation.message)
        self.assertNoResult(again.watch("c2"))
        self.assertEqual(read(os.path.join(directory, "memory.limit_in_bytes")), str(99 * MB))
        again.forget("c2")
        self.assertEqual(again.usage("c2"), {})


# --- The Linux launcher, on fake cgroup trees --------------------------------------


class RecordingReactor(FakeProcessReactor):
    """
    A L{FakeProcessReactor} that also records the descriptors given.
    """

    def __init__(self) -> None:
        FakeProcessReactor.__init__(self)
        self.childFDs: list[dict] = []

    def spawnProcess(self, protocol, executable, args, env, path, childFDs):
        self.childFDs.append(dict(childFDs))
        return FakeProcessReactor.spawnProcess(self, protocol, executable, args, env, path,
                                               childFDs)


class LinuxRecoveryUnitTests(SynchronousTestCase):
    """
    The Linux launcher's records, recovery and C{close(keep)}, on a clock
    and fake cgroup trees.
    """

    layout = staticmethod(fakeV1)
    tracker = "freezer"

    def setUp(self) -> None:
        self.patch(isolators, "removeCgroup", removeFakeCgroup)
        self.patch(linux, "removeCgroup", removeFakeCgroup)
        self.reactor = RecordingReactor()
        self.cgroups = Cgroups(self.layout(self), "mesos_tw")
        self.killed: list[tuple[int, int]] = []
        self.runtimeDir = os.path.abspath(self.mktemp())
        self.runtime = RuntimeDirectory(self.runtimeDir)
        self.isolator = FakeIsolator("fake/one")
        self.launcher = self.makeLauncher()
        self.sandbox = os.path.abspath(self.mktemp())
        os.makedirs(self.sandbox)

    def makeLauncher(self, runtimeDir: str | None = "default") -> linux.LinuxLauncher:
        memory = CgroupsMemIsolator(self.cgroups, self.reactor, listen=False)
        return linux.LinuxLauncher(
            self.reactor, self.cgroups, [self.isolator, memory], tools=Tools(),
            kill=lambda pid, signum: self.killed.append((pid, signum)),
            runtimeDir=self.runtimeDir if runtimeDir == "default" else runtimeDir,
        )

    def launch(self, containerId: str = "c1", launcher=None) -> RecordingProtocol:
        protocol = RecordingProtocol()
        (launcher or self.launcher).launch(
            containerId, ["true"], {"PATH": os.defpath}, self.sandbox, None,
            resources("cpus:1;mem:64"), protocol,
        )
        return protocol

    def tracking(self, containerId: str) -> str:
        return self.cgroups.directory(self.tracker, containerId)

    def memory(self, containerId: str) -> str:
        return self.cgroups.directory("memory", containerId)

    def leave(self, containerId: str, identity: ProcessIdentity | None,
              status: str = "", cgroups: bool = True) -> None:
        """
        What a slave process that died left of a container: records, and
        cgroups.
        """
        os.close(self.runtime.create(containerId))
        write(os.path.join(self.runtimeDir, containerId, "status"), status)
        if identity is not None:
            self.runtime.checkpoint(containerId, identity)
        if cgroups:
            os.makedirs(self.tracking(containerId), exist_ok=True)
            os.makedirs(self.memory(containerId), exist_ok=True)

    def dead(self) -> ProcessIdentity:
        me = ProcessIdentity.of(os.getpid())
        return ProcessIdentity(me.pid, me.startTime + 1, me.bootId)

    def test_records(self) -> None:
        """
        With a runtime directory, the init is told to record the status on
        descriptor 4, which is the container's status file; the records go
        once the container is released.
        """
        protocol = self.launch()
        [(_, args, _)] = self.reactor.spawned
        self.assertEqual(args[args.index("mesos-tw-init") + 1], "status")
        [fds] = self.reactor.childFDs
        self.assertEqual(sorted(fds), [0, 1, 2, STATUS_FD])
        self.assertEqual(self.runtime.containers(), {"c1"})
        self.assertEqual(self.runtime.identity("c1").pid, 4242)
        self.assertIsNone(self.runtime.status("c1"))
        self.reactor.spawned[0][0].processEnded(Failure(ProcessDone(0)))
        self.successResultOf(protocol.ended)
        self.assertEqual(self.runtime.containers(), set())

    def test_noRecords(self) -> None:
        """
        Without a runtime directory, nothing is recorded.
        """
        self.launcher = self.makeLauncher(runtimeDir=None)
        self.launch()
        [(_, args, _)] = self.reactor.spawned
        self.assertNotIn("status", args)
        self.assertEqual(sorted(self.reactor.childFDs[0]), [0, 1, 2])
        self.assertFalse(os.path.exists(self.runtimeDir))

    def test_invalidId(self) -> None:
        """
        A container id that cannot name its records is a L{LaunchError},
        before anything is made.
        """
        from mesos_tw.slave.containerizer.common import LaunchError

        self.assertRaises(LaunchError, self.launch, "..")
        self.assertEqual(self.isolator.calls, [])

    def test_endedWhileDown(self) -> None:
        """
        A container that ended is reported with its recorded status on the
        next turn, after its isolators recovered it (for its limitation)
        and released it; its cgroups and records are gone.
        """
        self.leave("c1", self.dead(), "3\n")
        protocol = RecordingProtocol()
        found = self.successResultOf(
            self.launcher.recover({"c1": (resources("cpus:1"), protocol)})
        )
        self.assertEqual(found, set())
        self.assertEqual(self.isolator.methods("c1"), ["recover", "limitation", "cleanup"])
        self.assertEqual(protocol.events, [])
        self.reactor.advance(0)
        [reason] = self.successResultOf(protocol.ended)
        self.assertEqual(describeExit(reason)[1], "exited with status 3")
        self.assertFalse(os.path.exists(self.tracking("c1")))
        self.assertFalse(os.path.exists(self.memory("c1")))
        self.assertEqual(self.runtime.containers(), set())
        self.assertEqual(self.killed, [])

    def test_endedWithLimitation(self) -> None:
        """
        The limitation an isolator finds comes with the end of a container
        that ended while the slave was down, lost or not.
        """
        self.leave("c1", self.dead(), "137\n")
        self.leave("c2", None)
        for containerId in ("c1", "c2"):
            self.isolator.limitations[containerId] = MEMORY
        protocols = {c: RecordingProtocol() for c in ("c1", "c2")}
        self.launcher.recover({c: (resources("cpus:1"), p) for c, p in protocols.items()})
        self.reactor.advance(0)
        [limited] = self.successResultOf(protocols["c1"].ended)
        self.assertIsInstance(limited.value, ContainerTerminated)
        self.assertEqual(limited.value.signal, signal.SIGKILL)
        self.assertIs(limitationOf(limited), MEMORY)
        [lost] = self.successResultOf(protocols["c2"].ended)
        self.assertIsInstance(lost.value, ContainerLost)
        self.assertIs(limitationOf(lost), MEMORY)

    def test_lost(self) -> None:
        """
        Containers without a status, without records or from another boot
        (without a status) are lost.
        """
        me = ProcessIdentity.of(os.getpid())
        self.leave("nostatus", self.dead())
        self.leave("reboot", ProcessIdentity(me.pid, me.startTime, "another-boot"))
        ids = ("nostatus", "reboot", "unknown")
        protocols = {c: RecordingProtocol() for c in ids}
        found = self.successResultOf(
            self.launcher.recover({c: (None, p) for c, p in protocols.items()})
        )
        self.assertEqual(found, set())
        self.reactor.advance(0)
        for containerId in ids:
            [reason] = self.successResultOf(protocols[containerId].ended)
            self.assertIsInstance(reason.value, ContainerLost)
        self.assertEqual(self.runtime.containers(), set())

    def test_orphans(self) -> None:
        """
        Containers nobody claims are destroyed: those recorded, with their
        cgroups (nested ones included); their isolators were never told of
        them.  Cgroups under the root that no record names are another
        slave's (slaves may share a cgroups root): they are left alone.
        """
        self.leave("recorded", self.dead())
        os.makedirs(os.path.join(self.tracking("recorded"), "nested"))
        os.makedirs(self.tracking("other"))
        os.makedirs(self.memory("other"), exist_ok=True)
        self.successResultOf(self.launcher.recover({}))
        self.assertEqual(self.runtime.containers(), set())
        self.assertEqual(os.listdir(self.cgroups.rootDirectory(self.tracker)), ["other"])
        self.assertEqual(os.listdir(self.cgroups.rootDirectory("memory")), ["other"])
        self.assertEqual(self.isolator.calls, [])

    def test_running(self) -> None:
        """
        A running container is adopted: its isolators recover it and watch
        it, it can be signalled, updated and its usage read, and its end is
        the status recorded, told to the new protocol; then it is released.
        """
        process = sleeper()
        self.addCleanup(end, process)
        self.leave("c1", ProcessIdentity.of(process.pid))
        write(os.path.join(self.tracking("c1"), "cgroup.procs"), f"{process.pid}\n")
        protocol = RecordingProtocol()
        found = self.successResultOf(
            self.launcher.recover({"c1": (resources("cpus:1;mem:64"), protocol)})
        )
        self.assertEqual(found, {"c1"})
        self.assertEqual(self.isolator.methods("c1"), ["recover", "limitation", "watch"])
        self.assertEqual(self.launcher.pids("c1"), [process.pid])
        self.launcher.signal("c1", signal.SIGTERM)
        self.assertEqual(self.killed, [(process.pid, signal.SIGTERM)])
        self.launcher.update("c1", resources("cpus:2;mem:64"))
        self.assertEqual(self.launcher.usage("c1")["cpus_limit"], 2)
        self.assertRaises(RuntimeError, self.launcher.recover, {})
        end(process)
        write(os.path.join(self.tracking("c1"), "cgroup.procs"), "")
        write(os.path.join(self.runtimeDir, "c1", "status"), "143\n")
        self.reactor.advance(1)
        [reason] = self.successResultOf(protocol.ended)
        self.assertEqual(describeExit(reason)[1], "terminated by signal SIGTERM")
        self.assertEqual(protocol.events, ["ended"])
        self.assertEqual(self.isolator.methods("c1")[-2:], ["limitation", "cleanup"])
        self.assertFalse(os.path.exists(self.tracking("c1")))
        self.assertEqual(self.runtime.containers(), set())
        self.assertIsNone(self.launcher.usage("c1"))

    def test_runningLimited(self) -> None:
        """
        A recovered container that goes past its limits is destroyed, and
        its end carries the limitation.
        """
        process = sleeper()
        self.addCleanup(end, process)
        self.leave("c1", ProcessIdentity.of(process.pid))
        protocol = RecordingProtocol()
        self.launcher.recover({"c1": (resources("cpus:1"), protocol)})
        self.isolator.limit("c1", MEMORY)
        self.assertEqual(self.killed, [(process.pid, signal.SIGKILL)])
        destroyed = self.launcher.destroy("c1")
        end(process)
        self.reactor.advance(1)
        [reason] = self.successResultOf(protocol.ended)
        self.assertEqual(reason.value.signal, signal.SIGKILL)
        self.successResultOf(destroyed)

    def test_closeKeep(self) -> None:
        """
        C{close(keep)} leaves a container's cgroups and records, its
        isolators forget it, and its end is told to nobody; the others are
        destroyed.
        """
        kept = self.launch("kept")
        self.launch("other")
        d = self.launcher.close(keep=["kept"])
        self.assertIn(("forget", "kept"), self.isolator.calls)
        for spawned in self.reactor.spawned:
            spawned[0].processEnded(Failure(ProcessTerminated(signal=9, status=9)))
        self.successResultOf(d)
        self.assertEqual(kept.events, ["connected"])
        self.assertNotIn(("cleanup", "kept"), self.isolator.calls)
        self.assertIn(("cleanup", "other"), self.isolator.calls)
        self.assertTrue(os.path.isdir(self.tracking("kept")))
        self.assertTrue(os.path.isdir(self.memory("kept")))
        self.assertFalse(os.path.exists(self.tracking("other")))
        self.assertEqual(self.runtime.containers(), {"kept"})

    def test_closeKeepWithoutRecords(self) -> None:
        """
        Without a runtime directory, nothing can be kept.
        """
        self.launcher = self.makeLauncher(runtimeDir=None)
        protocol = self.launch("c1")
        self.launcher.close(keep=["c1"])
        self.assertEqual(self.killed, [(4242, signal.SIGKILL)])
        self.reactor.spawned[0][0].processEnded(Failure(ProcessTerminated(signal=9, status=9)))
        self.successResultOf(protocol.ended)

    def test_withoutRecords(self) -> None:
        """
        Without a runtime directory every container is lost, and every
        cgroup under the root goes.
        """
        self.launcher = self.makeLauncher(runtimeDir=None)
        os.makedirs(self.tracking("c1"))
        os.makedirs(self.tracking("stray"))
        protocol = RecordingProtocol()
        self.assertEqual(
            self.successResultOf(self.launcher.recover({"c1": (None, protocol)})), set()
        )
        self.reactor.advance(0)
        [reason] = self.successResultOf(protocol.ended)
        self.assertIsInstance(reason.value, ContainerLost)
        self.assertEqual(os.listdir(self.cgroups.rootDirectory(self.tracker)), [])


class LinuxRecoveryV2UnitTests(LinuxRecoveryUnitTests):
    """
    The same on a cgroup2 tree.
    """

    layout = staticmethod(fakeV2)
    tracker = ""


# --- The posix launcher ---------------------------------------------------------------


class PosixRecordsTests(TestCase):
    """
    The posix launcher's records and init, with real processes.
    """

    def setUp(self) -> defer.Deferred:
        self.runtimeDir = os.path.abspath(self.mktemp())
        self.runtime = RuntimeDirectory(self.runtimeDir)
        self.launcher = PosixLauncher(reactor(), runtimeDir=self.runtimeDir)
        self.addCleanup(self.launcher.close)
        self.sandbox = os.path.abspath(self.mktemp())
        os.makedirs(self.sandbox)
        return runningReactor()

    def launch(self, script: str, containerId: str = "c1"):
        protocol = RecordingProtocol()
        transport = self.launcher.launch(
            containerId, ["/bin/sh", "-c", script], ENV, self.sandbox, None,
            Resources.parse("cpus:1"), protocol,
        )
        protocol.ended.addTimeout(10, reactor())
        return protocol, transport

    def output(self) -> str:
        with open(os.path.join(self.sandbox, "stdout")) as f:
            return f.read()

    @defer.inlineCallbacks
    def test_records(self):
        """
        A running container's records name its init, with its start time
        and this boot; its status is empty until it ends, and the records go
        with the container.  The executor does not get descriptor 4.
        """
        protocol, transport = self.launch(
            "ls /proc/self/fd; echo up > ready; read o < order; exit $o"
        )
        os.mkfifo(os.path.join(self.sandbox, "order"))
        yield waitUntil(lambda: os.path.exists(os.path.join(self.sandbox, "ready")), "start")
        self.assertEqual(self.runtime.identity("c1"), ProcessIdentity.of(transport.pid))
        self.assertIsNone(self.runtime.status("c1"))
        self.assertNotIn("4", self.output().split())
        with open(os.path.join(self.sandbox, "order"), "w") as f:
            f.write("5\n")
        [reason] = yield protocol.ended
        self.assertEqual(describeExit(reason)[1], "exited with status 5")
        self.assertEqual(self.runtime.containers(), set())

    @defer.inlineCallbacks
    def test_signalled(self):
        """
        An executor killed by a signal is reported so, though the init
        exits with C{128+N}.
        """
        protocol, _ = self.launch("kill -TERM $$")
        [reason] = yield protocol.ended
        self.assertEqual(reason.value.signal, signal.SIGTERM)

    @defer.inlineCallbacks
    def test_exitAbove128(self):
        """
        An init that does not record (no runtime directory) is not
        translated: status 130 stays 130.
        """
        self.launcher = PosixLauncher(reactor())
        protocol, _ = self.launch("exit 130")
        [reason] = yield protocol.ended
        self.assertEqual(reason.value.exitCode, 130)

    def test_invalidId(self) -> None:
        """
        A container id that cannot name its records is a L{LaunchError}.
        """
        from mesos_tw.slave.containerizer.common import LaunchError

        self.assertRaises(LaunchError, self.launch, "true", "a/b")


# --- FakeLauncher -----------------------------------------------------------------------


class FakeLauncherRecoveryTests(SynchronousTestCase):
    """
    L{FakeLauncher}'s recovery knobs.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.sandbox = self.mktemp()
        os.makedirs(self.sandbox)

    def launch(self, launcher: FakeLauncher, containerId: str) -> RecordingProtocol:
        protocol = RecordingProtocol()
        launcher.launch(containerId, ["true"], ENV, self.sandbox, None, resources("cpus:1"),
                        protocol)
        return protocol

    def test_recoverable(self) -> None:
        """
        What a previous slave process left is given by container id: a
        running process is adopted, an exit status, a failure or nothing is
        reported on the next turn, and orphans are killed.
        """
        first = FakeLauncher(self.clock)
        self.launch(first, "run")
        self.launch(first, "orphan")
        left = first.abandon()
        launcher = FakeLauncher(self.clock, recoverable=dict(
            left, three=3, signalled=137, failure=Failure(ProcessDone(0)), lost=None,
        ))
        protocols = {c: RecordingProtocol()
                     for c in ("run", "three", "signalled", "failure", "lost")}
        found = self.successResultOf(
            launcher.recover({c: (resources("cpus:2"), p) for c, p in protocols.items()})
        )
        self.assertEqual(found, {"run"})
        self.assertEqual(launcher.recovered, {"run"})
        self.assertEqual(launcher.orphans, ["orphan"])
        self.assertFalse(left["orphan"].running)
        self.assertEqual([p.events for p in protocols.values()], [[]] * 5)
        self.clock.advance(0)
        reasons = {c: self.successResultOf(p.ended)[0] for c, p in protocols.items()
                   if c != "run"}
        self.assertEqual(describeExit(reasons["three"])[1], "exited with status 3")
        self.assertEqual(reasons["signalled"].value.signal, 9)
        self.assertIsInstance(reasons["failure"].value, ProcessDone)
        self.assertIsInstance(reasons["lost"].value, ContainerLost)
        self.assertEqual(launcher.usage("run")["cpus_limit"], 2)
        left["run"].exit(4)
        [reason] = self.successResultOf(protocols["run"].ended)
        self.assertEqual(reason.value.exitCode, 4)
        self.assertEqual(launcher.leftBehind(), {})

    def test_abandoned(self) -> None:
        """
        Once its launcher is abandoned, a process's end is told to nobody
        but left for the next launcher, unless it was lost.
        """
        first = FakeLauncher(self.clock)
        old = self.launch(first, "c1")
        self.launch(first, "c2")
        left = first.abandon()
        self.assertEqual(first.processes, {})
        left["c1"].exit(3)
        left["c2"].lose()
        self.assertEqual(old.events, ["connected"])
        self.assertEqual(set(first.leftBehind()), {"c1", "c2"})
        launcher = FakeLauncher(self.clock, recoverable=first.leftBehind())
        protocols = {c: RecordingProtocol() for c in ("c1", "c2")}
        self.assertEqual(self.successResultOf(
            launcher.recover({c: (None, p) for c, p in protocols.items()})), set())
        self.clock.advance(0)
        self.assertEqual(self.successResultOf(protocols["c1"].ended)[0].value.exitCode, 3)
        self.assertIsInstance(self.successResultOf(protocols["c2"].ended)[0].value,
                              ContainerLost)

    def test_closeKeep(self) -> None:
        """
        C{close(keep)} leaves those processes running for the next launcher.
        """
        first = FakeLauncher(self.clock)
        self.launch(first, "kept")
        other = self.launch(first, "other")
        first.close(keep=["kept"])
        self.assertEqual(first.kept, ["kept"])
        self.assertEqual(first.destroyed, ["other"])
        self.assertEqual(self.successResultOf(other.ended)[0].value.signal, signal.SIGKILL)
        [process] = first.leftBehind().values()
        self.assertIsInstance(process, FakeProcess)
        self.assertTrue(process.running)

    def test_once(self) -> None:
        """
        C{recover} comes once, before any launch; reporting ends needs a
        clock.
        """
        launcher = FakeLauncher(self.clock)
        self.launch(launcher, "c1")
        self.assertRaises(RuntimeError, launcher.recover, {})
        self.assertRaises(RuntimeError, FakeLauncher().recover, {"c1": (None, RecordingProtocol())})
