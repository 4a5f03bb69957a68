"""
Tests for L{mesos_tw.slave.containerizer.posix} and
L{mesos_tw.testing.fakes.FakeLauncher}: one L{ILauncher} conformance suite
run against both, tests of what only the posix launcher does, and tasks run
end to end by a L{Slave} with a L{PosixLauncher}.

These run real processes on the real reactor; they poll with deadlines and
never sleep.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import signal
import sys
from typing import Callable

from twisted.internet import defer
from twisted.internet.error import ProcessDone, ProcessTerminated
from twisted.internet.protocol import ProcessProtocol
from twisted.internet.task import Clock, deferLater
from twisted.python.failure import Failure
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SkipTest, SynchronousTestCase, TestCase
from zope.interface.verify import verifyObject

import mesos_tw
from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.interfaces import ILauncher
from mesos_tw.mesos_pb2 import SlaveInfo
from mesos_tw.protocol.framing import MessageFactory
from mesos_tw.resources import Resources
from mesos_tw.slave.containerizer import LaunchError, PosixLauncher, describeExit, isolation, procfs
from mesos_tw.slave.containerizer.common import ContainerLost
from mesos_tw.slave.containerizer.launchers import makeLauncher, probeHost
from mesos_tw.slave.containerizer.runtime import ProcessIdentity, RuntimeDirectory, isRunning
from mesos_tw.slave.slave import Slave
from mesos_tw.tasks import isTerminal
from mesos_tw.testing.fakes import FakeLauncher, FakeProcess
from tests.test_slave import MASTER_PEER, sent, wire
from tests.test_slave_runtime import (
    FRAMEWORK_ID,
    SLAVE_ID,
    commandTask,
    executorTask,
    frameworkInfo,
    gracePolicy,
)

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}

HOST = probeHost()


def reactor():
    """
    The global reactor, imported when a test runs.
    """
    from twisted.internet import reactor

    return reactor


@defer.inlineCallbacks
def waitUntil(predicate: Callable[[], bool], what: str, timeout: float = 10.0):
    """
    Poll C{predicate} on the reactor until it holds.

    @raise AssertionError: if it does not within C{timeout} seconds.
    """
    deadline = reactor().seconds() + timeout
    while not predicate():
        if reactor().seconds() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        yield deferLater(reactor(), 0.01, lambda: None)


def runningReactor() -> defer.Deferred:
    """
    A L{Deferred} that fires once the reactor runs.

    Trial runs a test's synchronous start before it runs the reactor, whose
    C{SIGCHLD} handling is only installed then; a process that ends before
    that confuses its start-up.  Tests that run processes start with this.
    """
    return deferLater(reactor(), 0, lambda: None)


class RecordingProtocol(ProcessProtocol):
    """
    Records the events of one process.

    @ivar ended: fires with the reason when the process ends (the
        L{Failure} wrapped in a list, so as not to fail the L{Deferred}).
    """

    def __init__(self, events: list[str] | None = None) -> None:
        self.events = events if events is not None else []
        self.ended: defer.Deferred[list[Failure]] = defer.Deferred()

    def connectionMade(self) -> None:
        self.events.append("connected")

    def processEnded(self, reason: Failure) -> None:
        self.events.append("ended")
        self.ended.callback([reason])


def processGone(pid: int) -> bool:
    """
    Whether process C{pid} no longer runs (a zombie counts as gone).
    """
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


class Harness:
    """
    What the conformance suite needs to know of a launcher: how to build
    the programs it runs, whether a container is gone, and how to make a
    slave process die and another recover its containers.
    """

    launcher: ILauncher

    #: Whether the launcher records its containers for recovery (a runtime
    #: directory), so that they outlive the slave process.
    checkpoints = True

    def echo(self, text: str) -> list[str]:
        """
        An argv that prints C{text}, then its working directory, and exits 0.
        """
        raise NotImplementedError()

    def printVariable(self, name: str) -> list[str]:
        """
        An argv that prints the environment variable C{name}.
        """
        raise NotImplementedError()

    def printUser(self) -> list[str]:
        """
        An argv that prints the name of the user it runs as.
        """
        return ["id", "-un"]

    #: Whether running as another user needs this process to be root.
    switchingNeedsRoot = True

    def stubborn(self) -> list[str]:
        """
        An argv that ignores SIGTERM, forks a grandchild, and runs until
        killed.
        """
        raise NotImplementedError()

    def started(self, sandbox: str) -> bool:
        """
        Whether the stubborn program has started its grandchild.
        """
        raise NotImplementedError()

    def gone(self, containerId: str, sandbox: str) -> bool:
        """
        Whether every process of the container is gone.
        """
        raise NotImplementedError()

    # --- Recovery ---------------------------------------------------------

    def waiter(self, sandbox: str) -> list[str]:
        """
        An argv that runs in C{sandbox} until told how to end by L{finish};
        once it runs, it creates the file C{ready} there.
        """
        raise NotImplementedError()

    def finish(self, containerId: str, sandbox: str, order: str) -> defer.Deferred:
        """
        Tell a L{waiter} to end: C{"exit N"} to exit with status C{N},
        C{"kill N"} to die of signal C{N}.

        @return: a L{Deferred} firing once it has been told.
        """
        raise NotImplementedError()

    def crash(self, launches: list[tuple[str, list[str], str]]) -> defer.Deferred:
        """
        Launch C{(containerId, argv, sandbox)}s with another launcher on
        the same records, as a slave process that then dies without
        closing or destroying anything.

        @return: a L{Deferred} firing once it is dead.
        """
        raise NotImplementedError()

    def successor(self) -> ILauncher:
        """
        A new launcher on the same records, as in the next slave process;
        it is closed after the test.
        """
        raise NotImplementedError()

    def exited(self, containerId: str) -> bool:
        """
        Whether the first process of a container L{crash} launched has
        ended.
        """
        raise NotImplementedError()

    def killOutright(self, containerId: str) -> defer.Deferred:
        """
        Kill a container L{crash} launched all at once, init included, so
        that no exit status is recorded.

        @return: a L{Deferred} firing once it is dead.
        """
        raise NotImplementedError()

    def leftovers(self, containerId: str) -> list[str]:
        """
        What is left of a container L{crash} launched: processes, records,
        cgroups.
        """
        raise NotImplementedError()


def _sh(script: str) -> list[str]:
    return ["/bin/sh", "-c", script]


#: The slave process that dies in L{RealHarness.crash}: it launches
#: containers with the launcher of its spec, says so, and waits to be
#: killed.
CRASH_CHILD = """
import json, os, sys, traceback
from twisted.internet import reactor
from twisted.internet.protocol import ProcessProtocol
from mesos_tw.resources import Resources
from mesos_tw.slave.containerizer.launchers import makeLauncher, probeHost

spec = json.loads(sys.argv[1])
launcher = makeLauncher(
    reactor, tuple(spec["isolators"]), probeHost(), cgroupsRoot=spec["cgroupsRoot"],
    runtimeDir=spec["runtimeDir"],
)

def launch():
    try:
        for containerId, argv, sandbox in spec["launches"]:
            launcher.launch(containerId, argv, spec["environment"], sandbox, None,
                            Resources.parse(spec["resources"]), ProcessProtocol())
    except BaseException:
        traceback.print_exc()
        os._exit(1)
    print("launched", flush=True)

reactor.callWhenRunning(launch)
reactor.run()
"""

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(mesos_tw.__file__)))

#: The resources of the containers of the recovery tests.
RECOVERED = "cpus:1;mem:64"


class _Child(ProcessProtocol):
    """
    The protocol of the slave process that dies.
    """

    def __init__(self) -> None:
        self.output = b""
        self.errors = b""
        self.launched: defer.Deferred[None] = defer.Deferred()
        self.ended: defer.Deferred[None] = defer.Deferred()

    def outReceived(self, data: bytes) -> None:
        self.output += data
        if b"launched\n" in self.output and not self.launched.called:
            self.launched.callback(None)

    def errReceived(self, data: bytes) -> None:
        self.errors += data

    def processEnded(self, reason: Failure) -> None:
        if not self.launched.called:
            self.launched.errback(AssertionError(
                "the slave process ended before launching: " + self.errors.decode()
            ))
        self.ended.callback(None)


class RealHarness(Harness):
    """
    What the real launchers share: their records in a runtime directory,
    slave processes that really die, and clean-ups that kill whatever a
    test leaves behind (even a failing one), each test's programs carrying
    a marker that finds them.

    @ivar isolators: the isolation of the launchers.
    @ivar cgroupsRoot: their cgroups root.
    """

    isolators: tuple[str, ...] = isolation.POSIX_ISOLATION
    cgroupsRoot = "mesos_tw"

    def __init__(self, testCase: TestCase, checkpoints: bool = True) -> None:
        self.testCase = testCase
        self.checkpoints = checkpoints
        self.runtimeDir = os.path.abspath(testCase.mktemp()) if checkpoints else None
        self.marker = f"mesos-tw-test-{os.getpid()}-{next(_markers)}"
        self.identities: dict[str, ProcessIdentity] = {}
        self.launcher = self.makeLauncher()
        # Cleanups run last-in first-out: this runs after the test's own.
        testCase.addCleanup(self._cleanUp)

    def makeLauncher(self) -> ILauncher:
        return makeLauncher(reactor(), self.isolators, HOST, cgroupsRoot=self.cgroupsRoot,
                            runtimeDir=self.runtimeDir)

    @defer.inlineCallbacks
    def _cleanUp(self):
        yield self.launcher.close()
        problems = []
        if self.runtimeDir is not None:
            sweeper = self.makeLauncher()
            yield sweeper.recover({})
            yield sweeper.close()
            left = RuntimeDirectory(self.runtimeDir).containers()
            if left:
                problems.append(f"records left: {sorted(left)}")
        yield self.cleanUpMore(problems)
        killed = yield killMarked(self.marker)
        if killed:
            problems.append(f"processes left: {killed}")
        self.testCase.assertEqual(problems, [])

    def cleanUpMore(self, problems: list[str]) -> defer.Deferred:
        """
        Release and check what else the launcher may have left, adding to
        C{problems}.
        """
        return defer.succeed(None)

    def echo(self, text: str) -> list[str]:
        return _sh(f"echo {text}; pwd")

    def printVariable(self, name: str) -> list[str]:
        return _sh(f'echo "${name}"')

    def waiter(self, sandbox: str) -> list[str]:
        os.mkfifo(os.path.join(sandbox, "order"))
        return _sh(
            f": {self.marker}; echo up > ready; read o < order; "
            'case "$o" in kill*) kill -"${o#kill }" $$ ;; esac; exit "${o#exit }"'
        )

    def finish(self, containerId: str, sandbox: str, order: str) -> defer.Deferred:
        path = os.path.join(sandbox, "order")

        def tell() -> bool:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                if e.errno == errno.ENXIO:
                    return False
                raise
            try:
                os.write(fd, order.encode() + b"\n")
            finally:
                os.close(fd)
            return True

        return waitUntil(tell, f"{containerId} to read its order")

    @defer.inlineCallbacks
    def crash(self, launches):
        spec = {
            "isolators": list(self.isolators),
            "cgroupsRoot": self.cgroupsRoot,
            "runtimeDir": self.runtimeDir,
            "environment": ENV,
            "resources": RECOVERED,
            "launches": launches,
        }
        child = _Child()
        process = reactor().spawnProcess(
            child, sys.executable, [sys.executable, "-c", CRASH_CHILD, json.dumps(spec)],
            env=dict(os.environ, PYTHONPATH=_ROOT),
        )

        def kill() -> defer.Deferred:
            if not child.ended.called:
                process.signalProcess("KILL")
            return child.ended

        self.testCase.addCleanup(kill)
        yield child.launched.addTimeout(30, reactor())
        for containerId, _, _ in launches:
            identity = RuntimeDirectory(self.runtimeDir).identity(containerId)
            self.testCase.assertIsNotNone(identity, f"no record of {containerId}")
            self.identities[containerId] = identity
        yield kill()

    def successor(self) -> ILauncher:
        launcher = self.makeLauncher()
        self.testCase.addCleanup(launcher.close)
        return launcher

    def exited(self, containerId: str) -> bool:
        return not isRunning(self.identities[containerId])

    @defer.inlineCallbacks
    def killOutright(self, containerId):
        identity = self.identities[containerId]
        # The group of setsid: the posix init and its child, or unshare and
        # the container's processes.
        os.killpg(identity.pid, signal.SIGKILL)
        yield waitUntil(lambda: self.exited(containerId), f"the end of {containerId}")
        # Should the init have written before dying, the status is missing.
        os.truncate(os.path.join(self.runtimeDir, containerId, "status"), 0)

    def leftovers(self, containerId: str) -> list[str]:
        identity = self.identities[containerId]
        left = [f"process {pid}" for pid in procfs.sessionMembers(identity.pid)
                if not processGone(pid)]
        if os.path.exists(os.path.join(self.runtimeDir, containerId)):
            left.append("its records")
        return left


_markers = itertools.count()


@defer.inlineCallbacks
def killMarked(marker: str, timeout: float = 10.0):
    """
    Kill every process whose command line holds C{marker}: the safety net
    of tests that leave containers running for another launcher.

    @return: the processes killed.
    """

    def marked() -> list[int]:
        found = []
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == os.getpid():
                continue
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if marker.encode() in f.read() and not processGone(int(name)):
                        found.append(int(name))
            except OSError:
                pass
        return found

    killed = marked()
    for pid in killed:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    yield waitUntil(lambda: not marked(), f"the end of processes marked {marker}", timeout)
    return killed


class PosixHarness(RealHarness):
    def stubborn(self) -> list[str]:
        return [
            "sh", "-c",
            "trap '' TERM; sleep 77 & echo $! > grandchild.tmp; "
            "mv grandchild.tmp grandchild; sleep 77",
        ]

    def started(self, sandbox: str) -> bool:
        return os.path.exists(os.path.join(sandbox, "grandchild"))

    def gone(self, containerId: str, sandbox: str) -> bool:
        with open(os.path.join(sandbox, "grandchild")) as f:
            grandchild = int(f.read())
        return processGone(grandchild)


def _echoProgram(process: FakeProcess) -> None:
    process.write(f"{process.argv[1]}\n{process.sandbox}\n")
    process.exit(0)


def _printProgram(process: FakeProcess) -> None:
    process.write(process.environment.get(process.argv[1], "") + "\n")
    process.exit(0)


def _stubbornProgram(process: FakeProcess) -> None:
    process.write("", "grandchild")


def _whoamiProgram(process: FakeProcess) -> None:
    process.write((process.user or "root") + "\n")
    process.exit(0)


def _waitProgram(process: FakeProcess) -> None:
    # A shell waiting in `read`: SIGTERM ends it.
    process.write("up\n", "ready")

    def onSignal(signum: int) -> None:
        if signum == signal.SIGTERM and process.running:
            process.kill(signum)

    process.onSignal = onSignal


class FakeHarness(Harness):
    """
    The conformance suite's view of a L{FakeLauncher}: the previous slave
    process is a launcher that was L{abandoned <FakeLauncher.abandon>}, and
    the next one recovers what all the launchers built so far left behind.
    """

    def __init__(self, testCase: TestCase) -> None:
        self.launchers: list[FakeLauncher] = []
        self.launcher = self.makeLauncher()

    def makeLauncher(self, recoverable=None) -> FakeLauncher:
        launcher = FakeLauncher(
            reactor(),
            programs={
                "fake-echo": _echoProgram,
                "fake-print": _printProgram,
                "fake-stubborn": _stubbornProgram,
                "fake-whoami": _whoamiProgram,
                "fake-wait": _waitProgram,
            },
            recoverable=recoverable,
        )
        self.launchers.append(launcher)
        return launcher

    switchingNeedsRoot = False

    def printUser(self) -> list[str]:
        return ["fake-whoami"]

    def echo(self, text: str) -> list[str]:
        return ["fake-echo", text]

    def printVariable(self, name: str) -> list[str]:
        return ["fake-print", name]

    def stubborn(self) -> list[str]:
        return ["fake-stubborn"]

    def started(self, sandbox: str) -> bool:
        return os.path.exists(os.path.join(sandbox, "grandchild"))

    def process(self, containerId: str) -> FakeProcess:
        """
        The last process launched in a container, by any launcher.
        """
        for launcher in reversed(self.launchers):
            try:
                return launcher.process(containerId)
            except KeyError:
                pass
        raise KeyError(containerId)

    def gone(self, containerId: str, sandbox: str) -> bool:
        return not self.process(containerId).running

    def waiter(self, sandbox: str) -> list[str]:
        return ["fake-wait"]

    def finish(self, containerId: str, sandbox: str, order: str) -> defer.Deferred:
        how, number = order.split()
        process = self.process(containerId)
        if how == "exit":
            process.exit(int(number))
        else:
            process.kill(int(number))
        return defer.succeed(None)

    @defer.inlineCallbacks
    def crash(self, launches):
        dying = self.makeLauncher()
        for containerId, argv, sandbox in launches:
            dying.launch(containerId, argv, ENV, sandbox, None, Resources.parse(RECOVERED),
                         ProcessProtocol())
        yield runningReactor()
        dying.abandon()

    def successor(self) -> FakeLauncher:
        left: dict[str, FakeProcess] = {}
        for launcher in self.launchers:
            left.update(launcher.leftBehind())
        return self.makeLauncher(recoverable=left)

    def exited(self, containerId: str) -> bool:
        return not self.process(containerId).running

    def killOutright(self, containerId: str) -> defer.Deferred:
        self.process(containerId).lose()
        return defer.succeed(None)

    def leftovers(self, containerId: str) -> list[str]:
        return ["its process"] if self.process(containerId).running else []


def makeILauncherTests(makeHarness: Callable[[TestCase], Harness]) -> type:
    """
    A L{TestCase} mixin testing an L{ILauncher} through the L{Harness} that
    C{makeHarness(testCase)} builds.
    """

    class ILauncherTests:
        def setUp(self) -> None:
            self.harness = makeHarness(self)
            self.launcher = self.harness.launcher
            self.sandbox = os.path.abspath(self.mktemp())
            os.makedirs(self.sandbox)
            self.launched: list[str] = []
            self.addCleanup(self._destroyAll)
            return runningReactor()

        def _destroyAll(self) -> defer.Deferred:
            return defer.gatherResults([self.launcher.destroy(c) for c in self.launched])

        def launch(
            self, argv, containerId: str = "c1", env=ENV, events=None, user=None,
            sandbox=None,
        ):
            protocol = RecordingProtocol(events)
            self.launcher.launch(
                containerId, argv, env, sandbox or self.sandbox, user,
                Resources.parse("cpus:1"), protocol,
            )
            self.launched.append(containerId)
            protocol.ended.addTimeout(10, reactor())
            return protocol

        def output(self, name: str = "stdout") -> str:
            with open(os.path.join(self.sandbox, name)) as f:
                return f.read()

        def test_interface(self) -> None:
            """
            The launcher provides L{ILauncher}.
            """
            self.assertTrue(verifyObject(ILauncher, self.launcher))

        @defer.inlineCallbacks
        def test_launch(self):
            """
            A launched process runs in the sandbox with its standard output
            going to C{sandbox/stdout}; its end is reported.
            """
            protocol = self.launch(self.harness.echo("hello"))
            [reason] = yield protocol.ended
            self.assertIsInstance(reason.value, ProcessDone)
            self.assertEqual(self.output(), f"hello\n{self.sandbox}\n")
            self.assertEqual(protocol.events, ["connected", "ended"])

        @defer.inlineCallbacks
        def test_environment(self):
            """
            The process gets the environment it was given.
            """
            env = dict(ENV, GREETING="bonjour")
            yield self.launch(self.harness.printVariable("GREETING"), env=env).ended
            self.assertEqual(self.output(), "bonjour\n")

        @defer.inlineCallbacks
        def test_destroy(self):
            """
            Destroying a container kills a process that ignores SIGTERM and
            its child, and fires after the first process has ended.
            """
            events: list[str] = []
            protocol = self.launch(self.harness.stubborn(), events=events)
            yield waitUntil(lambda: self.harness.started(self.sandbox), "the start")
            d = self.launcher.destroy("c1")
            d.addCallback(lambda _: events.append("destroyed"))
            yield d.addTimeout(10, reactor())
            self.assertEqual(events, ["connected", "ended", "destroyed"])
            [reason] = yield protocol.ended
            self.assertIsInstance(reason.value, ProcessTerminated)
            self.assertEqual(reason.value.signal, signal.SIGKILL)
            yield waitUntil(lambda: self.harness.gone("c1", self.sandbox), "the end")

        @defer.inlineCallbacks
        def test_destroyAfterExit(self):
            """
            Destroying a container whose process has exited fires at once.
            """
            yield self.launch(self.harness.echo("bye")).ended
            yield self.launcher.destroy("c1").addTimeout(10, reactor())

        @defer.inlineCallbacks
        def test_destroyUnknown(self):
            """
            Destroying an unknown container fires at once.
            """
            yield self.launcher.destroy("nothing-here").addTimeout(10, reactor())

        @defer.inlineCallbacks
        def test_user(self):
            """
            A process runs as the user it is given, and owns its sandbox.
            """
            if self.harness.switchingNeedsRoot and os.geteuid() != 0:
                raise SkipTest("running as another user needs root")
            yield self.launch(self.harness.printUser(), user="nobody").ended
            self.assertEqual(self.output(), "nobody\n")

        def test_unknownUser(self) -> None:
            """
            Running as a user that does not exist is a L{LaunchError} naming
            the user.
            """
            e = self.assertRaises(
                LaunchError, self.launcher.launch, "c1", self.harness.echo("x"),
                ENV, self.sandbox, "no-such-user-here", Resources(),
                RecordingProtocol(),
            )
            self.assertIn("no-such-user-here", str(e))

        @defer.inlineCallbacks
        def test_usage(self):
            """
            A running container's usage names its limits and the time; an
            unknown or ended container has none.
            """
            protocol = self.launch(self.harness.stubborn())
            yield waitUntil(lambda: self.harness.started(self.sandbox), "the start")
            statistics = self.launcher.usage("c1")
            self.assertEqual(statistics["cpus_limit"], 1)
            self.assertEqual(statistics["mem_limit_bytes"], 32 * 1024 * 1024)
            self.assertIn("timestamp", statistics)
            self.assertIsNone(self.launcher.usage("nothing-here"))
            yield self.launcher.destroy("c1")
            yield protocol.ended
            self.assertIsNone(self.launcher.usage("c1"))

        @defer.inlineCallbacks
        def test_update(self):
            """
            After an update, a container's usage names its new limits.
            """
            protocol = self.launch(self.harness.stubborn())
            yield waitUntil(lambda: self.harness.started(self.sandbox), "the start")
            self.launcher.update("c1", Resources.parse("cpus:2;mem:64"))
            statistics = self.launcher.usage("c1")
            self.assertEqual(statistics["cpus_limit"], 2)
            self.assertEqual(statistics["mem_limit_bytes"], 64 * 1024 * 1024)
            self.launcher.update("nothing-here", Resources.parse("cpus:2"))
            yield self.launcher.destroy("c1")
            yield protocol.ended

        @defer.inlineCallbacks
        def test_close(self):
            """
            Closing a launcher destroys the containers left, and fires once
            they are gone.
            """
            yield self.launch(self.harness.echo("bye")).ended
            protocol = self.launch(self.harness.stubborn(), containerId="c2")
            yield waitUntil(lambda: self.harness.started(self.sandbox), "the start")
            yield self.launcher.close().addTimeout(10, reactor())
            [reason] = yield protocol.ended
            self.assertEqual(reason.value.signal, signal.SIGKILL)
            yield waitUntil(lambda: self.harness.gone("c2", self.sandbox), "the end")

        def test_missingProgram(self) -> None:
            """
            A program that is not on the C{PATH} is a L{LaunchError}.
            """
            self.assertRaises(
                LaunchError, self.launcher.launch, "c1", ["no-such-program-here"],
                ENV, self.sandbox, None, Resources(), RecordingProtocol(),
            )

        @defer.inlineCallbacks
        def test_duplicate(self):
            """
            A container id in use cannot be launched again.
            """
            protocol = self.launch(self.harness.stubborn())
            self.assertRaises(
                LaunchError, self.launcher.launch, "c1", self.harness.echo("x"),
                ENV, self.sandbox, None, Resources(), RecordingProtocol(),
            )
            yield self.launcher.destroy("c1")
            yield protocol.ended

        # --- Recovery -------------------------------------------------------

        def needCheckpoints(self) -> None:
            if not self.harness.checkpoints:
                raise SkipTest("this launcher has no runtime directory")

        def sandboxFor(self, containerId: str) -> str:
            sandbox = os.path.abspath(self.mktemp())
            os.makedirs(sandbox)
            return sandbox

        @defer.inlineCallbacks
        def crashWithWaiters(self, containerIds):
            """
            Launch a L{Harness.waiter} in each container with a slave
            process that dies.

            @return: the sandboxes, by container id.
            """
            sandboxes = {c: self.sandboxFor(c) for c in containerIds}
            yield self.harness.crash(
                [(c, self.harness.waiter(sandboxes[c]), sandboxes[c]) for c in containerIds]
            )
            return sandboxes

        def recover(self, launcher, containerIds):
            """
            Recover C{containerIds} with C{launcher}, each with a
            L{RecordingProtocol}.

            @return: a L{Deferred} firing with what C{recover} found and the
                protocols, by container id.
            """
            protocols = {c: RecordingProtocol() for c in containerIds}
            for protocol in protocols.values():
                protocol.ended.addTimeout(10, reactor())
            d = launcher.recover(
                {c: (Resources.parse(RECOVERED), p) for c, p in protocols.items()}
            )
            return d.addCallback(lambda found: (found, protocols))

        @defer.inlineCallbacks
        def test_recoverRunning(self):
            """
            Containers outlive the slave process that launched them: the next
            launcher finds them running, and their ends come to the new
            protocols with the exit status their inits recorded.
            """
            self.needCheckpoints()
            orders = {"c0": "exit 0", "c3": "exit 3", "ct": "kill 15"}
            sandboxes = yield self.crashWithWaiters(orders)
            self.assertFalse(any(self.harness.exited(c) for c in orders))
            launcher = self.harness.successor()
            found, protocols = yield self.recover(launcher, orders)
            self.assertEqual(found, set(orders))
            for containerId, order in orders.items():
                yield self.harness.finish(containerId, sandboxes[containerId], order)
            reasons = {}
            for containerId, protocol in protocols.items():
                [reasons[containerId]] = yield protocol.ended
                self.assertEqual(protocol.events, ["ended"])
            self.assertIsInstance(reasons["c0"].value, ProcessDone)
            self.assertEqual(describeExit(reasons["c3"]), (3 << 8, "exited with status 3"))
            self.assertEqual(describeExit(reasons["ct"])[1], "terminated by signal SIGTERM")
            yield waitUntil(lambda: not any(self.harness.leftovers(c) for c in orders),
                            "nothing left")

        @defer.inlineCallbacks
        def test_recoverEndedWhileDown(self):
            """
            A container that ended while the slave was down is reported with
            the status it recorded, on a later turn than the one recovery
            completes on, and nothing of it is left.
            """
            self.needCheckpoints()
            orders = {"c3": "exit 3", "ck": "kill 9"}
            sandboxes = yield self.crashWithWaiters(orders)
            for containerId, order in orders.items():
                yield self.harness.finish(containerId, sandboxes[containerId], order)
                yield waitUntil(lambda: self.harness.exited(containerId), "the end")
            found, protocols = yield self.recover(self.harness.successor(), orders)
            self.assertEqual(found, set())
            self.assertEqual([p.events for p in protocols.values()], [[], []])
            [exited] = yield protocols["c3"].ended
            [killed] = yield protocols["ck"].ended
            self.assertEqual(describeExit(exited)[1], "exited with status 3")
            self.assertEqual(describeExit(killed)[1], "terminated by signal SIGKILL")
            self.assertEqual([self.harness.leftovers(c) for c in orders], [[], []])

        @defer.inlineCallbacks
        def test_recoverLost(self):
            """
            A container whose exit status was not recorded (killed outright
            while the slave was down), and one never launched, are reported
            as L{ContainerLost}.
            """
            self.needCheckpoints()
            yield self.crashWithWaiters(["c1"])
            yield self.harness.killOutright("c1")
            found, protocols = yield self.recover(self.harness.successor(), ["c1", "never"])
            self.assertEqual(found, set())
            for containerId in ("c1", "never"):
                [reason] = yield protocols[containerId].ended
                self.assertIsInstance(reason.value, ContainerLost)
                self.assertIsInstance(reason.value, ProcessTerminated)
                self.assertEqual(
                    describeExit(reason),
                    (None, "ended while the slave was down, with its exit status unknown"),
                )
                self.assertIn(containerId, str(reason.value))
            self.assertEqual(self.harness.leftovers("c1"), [])

        @defer.inlineCallbacks
        def test_recoverUnknown(self):
            """
            Recovering a container that was never launched reports it lost,
            on a later turn; with no runtime directory, so is every
            container.
            """
            found, protocols = yield self.recover(self.harness.successor(), ["nothing"])
            self.assertEqual(found, set())
            self.assertEqual(protocols["nothing"].events, [])
            [reason] = yield protocols["nothing"].ended
            self.assertIsInstance(reason.value, ContainerLost)

        def test_recoverOnce(self) -> None:
            """
            C{recover} comes once, before any launch.
            """
            launcher = self.harness.successor()
            self.successResultOf(launcher.recover({}))
            self.assertRaises(RuntimeError, launcher.recover, {})
            self.launch(self.harness.stubborn())
            self.assertRaises(RuntimeError, self.launcher.recover, {})

        @defer.inlineCallbacks
        def test_destroyRecovered(self):
            """
            A recovered container has its usage, can be updated and
            destroyed; destroying it kills it and leaves nothing.
            """
            self.needCheckpoints()
            yield self.crashWithWaiters(["c1"])
            launcher = self.harness.successor()
            found, protocols = yield self.recover(launcher, ["c1"])
            self.assertEqual(found, {"c1"})
            self.assertEqual(launcher.usage("c1")["cpus_limit"], 1)
            launcher.update("c1", Resources.parse("cpus:2;mem:64"))
            self.assertEqual(launcher.usage("c1")["cpus_limit"], 2)
            yield launcher.destroy("c1").addTimeout(10, reactor())
            [reason] = yield protocols["c1"].ended
            self.assertEqual(reason.value.signal, signal.SIGKILL)
            self.assertEqual(self.harness.leftovers("c1"), [])
            self.assertIsNone(launcher.usage("c1"))

        @defer.inlineCallbacks
        def test_signalRecovered(self):
            """
            Signals reach a recovered container.
            """
            self.needCheckpoints()
            sandboxes = yield self.crashWithWaiters(["c1"])
            launcher = self.harness.successor()
            found, protocols = yield self.recover(launcher, ["c1"])
            ready = os.path.join(sandboxes["c1"], "ready")
            yield waitUntil(lambda: os.path.exists(ready), "the waiter")
            launcher.signal("c1", signal.SIGTERM)
            [reason] = yield protocols["c1"].ended
            self.assertEqual(describeExit(reason)[1], "terminated by signal SIGTERM")

        @defer.inlineCallbacks
        def test_orphan(self):
            """
            A container the slave does not claim is destroyed before
            recovery completes, with everything it held.
            """
            self.needCheckpoints()
            sandboxes = yield self.crashWithWaiters(["orphan", "c2"])
            launcher = self.harness.successor()
            found, protocols = yield self.recover(launcher, ["c2"])
            self.assertEqual(found, {"c2"})
            self.assertTrue(self.harness.exited("orphan"))
            yield waitUntil(lambda: not self.harness.leftovers("orphan"), "nothing left")
            self.assertFalse(self.harness.exited("c2"))
            yield self.harness.finish("c2", sandboxes["c2"], "exit 0")
            [reason] = yield protocols["c2"].ended
            self.assertIsInstance(reason.value, ProcessDone)

        @defer.inlineCallbacks
        def test_closeKeep(self):
            """
            Closing with C{keep} leaves those containers running, and the
            next launcher recovers them; their old protocols hear nothing
            more.  The others are destroyed.
            """
            self.needCheckpoints()
            kept, other = self.sandboxFor("kept"), self.sandboxFor("other")
            keptProtocol = self.launch(self.harness.waiter(kept), "kept", sandbox=kept)
            otherProtocol = self.launch(self.harness.waiter(other), "other", sandbox=other)
            yield self.launcher.close(keep=["kept"]).addTimeout(10, reactor())
            [reason] = yield otherProtocol.ended
            self.assertEqual(reason.value.signal, signal.SIGKILL)
            launcher = self.harness.successor()
            found, protocols = yield self.recover(launcher, ["kept"])
            self.assertEqual(found, {"kept"})
            yield self.harness.finish("kept", kept, "exit 0")
            [reason] = yield protocols["kept"].ended
            self.assertIsInstance(reason.value, ProcessDone)
            self.assertEqual(keptProtocol.events, ["connected"])
            keptProtocol.ended.addErrback(lambda f: f.trap(defer.CancelledError))
            keptProtocol.ended.cancel()

        @defer.inlineCallbacks
        def test_closeKeepWithoutRecords(self):
            """
            A launcher without records cannot leave containers for the next:
            C{close(keep)} destroys them too.
            """
            if self.harness.checkpoints:
                raise SkipTest("this launcher has a runtime directory")
            protocol = self.launch(self.harness.stubborn())
            yield waitUntil(lambda: self.harness.started(self.sandbox), "the start")
            yield self.launcher.close(keep=["c1"]).addTimeout(10, reactor())
            [reason] = yield protocol.ended
            self.assertEqual(reason.value.signal, signal.SIGKILL)

    return ILauncherTests


class PosixLauncherConformanceTests(makeILauncherTests(PosixHarness), TestCase):
    """
    L{PosixLauncher} with a runtime directory passes the L{ILauncher} suite.
    """


class PosixLauncherWithoutRecordsConformanceTests(
    makeILauncherTests(lambda testCase: PosixHarness(testCase, checkpoints=False)), TestCase
):
    """
    L{PosixLauncher} without a runtime directory passes the L{ILauncher}
    suite.
    """


class FakeLauncherConformanceTests(makeILauncherTests(FakeHarness), TestCase):
    """
    L{FakeLauncher} passes the L{ILauncher} suite.
    """


class PosixLauncherTests(TestCase):
    """
    What only L{PosixLauncher} does: sessions, signals, descriptors.
    """

    def setUp(self) -> defer.Deferred:
        self.launcher = PosixLauncher(reactor())
        self.sandbox = os.path.abspath(self.mktemp())
        os.makedirs(self.sandbox)
        return runningReactor()

    def launch(self, argv, containerId: str = "c1"):
        protocol = RecordingProtocol()
        transport = self.launcher.launch(
            containerId, argv, ENV, self.sandbox, None, Resources(), protocol
        )
        self.addCleanup(self.launcher.destroy, containerId)
        protocol.ended.addTimeout(10, reactor())
        return protocol, transport

    @defer.inlineCallbacks
    def test_ownSession(self):
        """
        The first process leads a session and process group of its own; its
        pid is the one reported.
        """
        protocol, transport = self.launch(["sleep", "100"])
        pid = transport.pid

        def session():
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return int(fields[2]), int(fields[3])

        yield waitUntil(lambda: session() == (pid, pid), "setsid")
        yield self.launcher.destroy("c1")

    @defer.inlineCallbacks
    def test_signal(self):
        """
        L{PosixLauncher.signal} signals the whole process group.
        """
        protocol, _ = self.launch(
            ["sh", "-c", "sleep 77 & echo $! > child.tmp; mv child.tmp child; wait"]
        )
        path = os.path.join(self.sandbox, "child")
        yield waitUntil(lambda: os.path.exists(path), "the child")
        with open(path) as f:
            child = int(f.read())
        self.launcher.signal("c1", signal.SIGTERM)
        [reason] = yield protocol.ended
        self.assertEqual(describeExit(reason)[1], "terminated by signal SIGTERM")
        yield waitUntil(lambda: processGone(child), "the child's end")

    @defer.inlineCallbacks
    def test_stderr(self):
        """
        Standard error goes to C{sandbox/stderr}, appended.
        """
        with open(os.path.join(self.sandbox, "stderr"), "w") as f:
            f.write("before\n")
        protocol, _ = self.launch(["sh", "-c", "echo oops >&2; exit 3"])
        [reason] = yield protocol.ended
        self.assertEqual(reason.value.exitCode, 3)
        with open(os.path.join(self.sandbox, "stderr")) as f:
            self.assertEqual(f.read(), "before\noops\n")

    @defer.inlineCallbacks
    def test_noDescriptorsLeft(self):
        """
        The slave keeps no descriptor of the sandbox files after a launch.
        """
        before = set(os.listdir("/proc/self/fd"))
        protocol, _ = self.launch(["true"])
        self.assertEqual(set(os.listdir("/proc/self/fd")) - before, set())
        yield protocol.ended

    def test_missingSandbox(self) -> None:
        """
        A sandbox that does not exist is a L{LaunchError}.
        """
        self.assertRaises(
            LaunchError, self.launcher.launch, "c1", ["true"], ENV,
            os.path.join(self.sandbox, "missing"), None, Resources(),
            RecordingProtocol(),
        )


class _ImmediateExitReactor(Clock):
    """
    A reactor whose processes end before C{spawnProcess} returns, as fast
    processes started with C{posix_spawn} may.
    """

    def __init__(self) -> None:
        Clock.__init__(self)
        with open("/proc/sys/kernel/pid_max") as f:
            #: No process has this id: signalling it hits nothing.
            self.pid = int(f.read()) + 1

    def spawnProcess(self, protocol, executable, args, env, path, childFDs):
        transport = FakeLauncher().launch(
            "x", ["true"], ENV, os.getcwd(), None, None, ProcessProtocol()
        )
        transport.pid = self.pid
        protocol.makeConnection(transport)
        protocol.processExited(Failure(ProcessDone(0)))
        protocol.processEnded(Failure(ProcessDone(0)))
        return transport


class ImmediateExitTests(SynchronousTestCase):
    """
    L{PosixLauncher} reports the end of a process that ended during
    C{spawnProcess} only after C{launch} has returned.
    """

    def test_deferred(self) -> None:
        """
        The end is delivered on the next reactor turn; until then the
        container exists, and a destroy fires after the end.
        """
        clock = _ImmediateExitReactor()
        launcher = PosixLauncher(clock, env="/usr/bin/env")
        sandbox = self.mktemp()
        os.makedirs(sandbox)
        events: list[str] = []
        protocol = RecordingProtocol(events)
        launcher.launch("c1", ["true"], ENV, sandbox, None, Resources(), protocol)
        self.assertEqual(events, ["connected"])
        destroyed = launcher.destroy("c1")
        destroyed.addCallback(lambda _: events.append("destroyed"))
        clock.advance(0)
        self.assertEqual(events, ["connected", "ended", "destroyed"])
        self.successResultOf(launcher.destroy("c1"))


class DescribeExitTests(SynchronousTestCase):
    """
    Tests for L{describeExit}.
    """

    def test_done(self) -> None:
        """
        A clean exit is status 0.
        """
        self.assertEqual(describeExit(Failure(ProcessDone(0))), (0, "exited with status 0"))

    def test_exitCode(self) -> None:
        """
        A non-zero exit gives the wait status and the exit code.
        """
        reason = Failure(ProcessTerminated(exitCode=3, status=3 << 8))
        self.assertEqual(describeExit(reason), (768, "exited with status 3"))

    def test_signal(self) -> None:
        """
        A death by signal names the signal.
        """
        reason = Failure(ProcessTerminated(signal=9, status=9))
        self.assertEqual(describeExit(reason), (9, "terminated by signal SIGKILL"))


#: A custom executor speaking the slave's protocol with blocking sockets.
RAW_EXECUTOR = """
import os, socket, struct
from mesos_tw import mesos_pb2, messages_pb2 as msgs
from mesos_tw.protocol.dispatch import encode
from mesos_tw.protocol.unix import shortPath
from mesos_tw.tasks import statusUpdate, taskStatus

env = os.environ
s = socket.socket(socket.AF_UNIX)
with shortPath(env["MESOS_SLAVE_SOCKET"]) as path:
    s.connect(path)

def send(message):
    data = encode(message)
    s.sendall(struct.pack("!I", len(data)) + data)

def read(n):
    data = b""
    while len(data) < n:
        data += s.recv(n - len(data))
    return data

def receive():
    (n,) = struct.unpack("!I", read(4))
    envelope = msgs.Envelope.FromString(read(n))
    kind = getattr(msgs, envelope.type.rsplit(".", 1)[1])
    return kind.FromString(envelope.payload)

frameworkId = env["MESOS_FRAMEWORK_ID"]
register = msgs.RegisterExecutorMessage(secret=env["MESOS_EXECUTOR_SECRET"])
register.framework_id.value = frameworkId
register.executor_id.value = env["MESOS_EXECUTOR_ID"]
send(register)
assert isinstance(receive(), msgs.ExecutorRegisteredMessage)
run = receive()
taskId = run.task.task_id.value
for state in (mesos_pb2.TASK_RUNNING, mesos_pb2.TASK_FINISHED):
    status = taskStatus(taskId, state, mesos_pb2.TaskStatus.SOURCE_EXECUTOR)
    send(msgs.StatusUpdateMessage(update=statusUpdate(frameworkId, status)))
    assert receive().uuid == status.uuid
print("ran", run.task.data.decode(), flush=True)
"""


class SlaveEndToEndTests(TestCase):
    """
    A L{Slave} with a L{PosixLauncher} on the real reactor, connected to a
    fake master, runs tasks as real processes.
    """

    def setUp(self) -> defer.Deferred:
        self.workDir = os.path.abspath(self.mktemp())
        self.slave = Slave(
            SlaveInfo(hostname="host1", resources=Resources.parse("cpus:2").toProto()),
            reactor(),
            launcher=PosixLauncher(reactor()),
            workDir=self.workDir,
            switchUser=False,
        )
        self.addCleanup(self.slave.destroyContainers)
        self.addCleanup(self.slave.stop)
        factory = MessageFactory(self.slave.dispatcher)
        self.master = factory.buildProtocol(None)
        self.transport = StringTransport()
        self.master.makeConnection(self.transport)
        self.master.peer = MASTER_PEER
        self.slave.connected(self.master)
        self.master.dataReceived(wire(msgs.SlaveRegisteredMessage(
            slave_id=mesos_pb2.SlaveID(value=SLAVE_ID))))
        self.transport.clear()
        self.others: list = []
        return runningReactor()

    @defer.inlineCallbacks
    def runToEnd(self, task, kill: bool = False, ready: Callable[[], bool] = lambda: True):
        """
        Run C{task}, acknowledging its updates, until it ends.

        @param kill: kill the task once it runs and C{ready()} holds.
        @return: the updates.
        """
        message = msgs.RunTaskMessage(framework=frameworkInfo(), task=task)
        message.framework_id.value = FRAMEWORK_ID
        self.master.dataReceived(wire(message))
        updates: list[msgs.StatusUpdate] = []
        killing = [kill]

        def poll() -> bool:
            running = any(u.status.state == mesos_pb2.TASK_RUNNING for u in updates)
            if killing[0] and running and ready():
                killing[0] = False
                killTask = msgs.KillTaskMessage()
                killTask.framework_id.value = FRAMEWORK_ID
                killTask.task_id.CopyFrom(task.task_id)
                self.master.dataReceived(wire(killTask))
            for m in sent(self.transport):
                if not isinstance(m, msgs.StatusUpdateMessage):
                    self.others.append(m)
                    continue
                updates.append(m.update)
                ack = msgs.StatusUpdateAcknowledgementMessage(uuid=m.update.status.uuid)
                ack.framework_id.value = FRAMEWORK_ID
                ack.task_id.CopyFrom(m.update.status.task_id)
                self.master.dataReceived(wire(ack))
            return bool(updates) and isTerminal(updates[-1].status.state)

        yield waitUntil(poll, "the task's end")
        return updates

    def states(self, updates) -> list[str]:
        return [mesos_pb2.TaskState.Name(u.status.state) for u in updates]

    def sandbox(self, executorId: str) -> str:
        return os.path.join(
            self.workDir, "slaves", SLAVE_ID, "frameworks", FRAMEWORK_ID,
            "executors", executorId, "runs", "latest",
        )

    def output(self, executorId: str) -> str:
        with open(os.path.join(self.sandbox(executorId), "stdout")) as f:
            return f.read()

    @defer.inlineCallbacks
    def test_finished(self):
        """
        C{echo hello} finishes, with its output in C{sandbox/stdout}.
        """
        updates = yield self.runToEnd(commandTask("t1", "echo hello"))
        self.assertEqual(
            self.states(updates), ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]
        )
        self.assertEqual(self.output("t1"), "hello\n")
        self.assertEqual(self.slave.frameworks, {})

    @defer.inlineCallbacks
    def test_failed(self):
        """
        C{exit 3} fails its task.
        """
        updates = yield self.runToEnd(commandTask("t1", "exit 3"))
        self.assertEqual(self.states(updates)[-1], "TASK_FAILED")
        self.assertEqual(updates[-1].status.message, "Command exited with status 3")

    @defer.inlineCallbacks
    def test_killEscalation(self):
        """
        A command that ignores SIGTERM is killed after its grace period; the
        task is then TASK_KILLED.
        """
        task = commandTask(
            "t1", "trap '' TERM; touch trapped; sleep 77 & sleep 77",
            kill_policy=gracePolicy(0.2),
        )
        trapped = os.path.join(self.sandbox("t1"), "trapped")
        updates = yield self.runToEnd(task, kill=True, ready=lambda: os.path.exists(trapped))
        self.assertEqual(self.states(updates)[-1], "TASK_KILLED")
        self.assertEqual(
            updates[-1].status.message, "Command terminated by signal SIGKILL"
        )

    @defer.inlineCallbacks
    def test_customExecutor(self):
        """
        A custom executor registers over the socket in its (long) sandbox,
        runs its task, and its end is reported to the master.
        """
        script = os.path.abspath(self.mktemp())
        with open(script, "w") as f:
            f.write(RAW_EXECUTOR)
        task = executorTask("t1", data=b"hi")
        task.executor.command.value = f"'{sys.executable}' '{script}'"
        updates = yield self.runToEnd(task)
        self.assertEqual(self.states(updates), ["TASK_RUNNING", "TASK_FINISHED"])
        self.assertGreater(len(os.path.realpath(self.sandbox("ex1"))), 108)

        def exited() -> bool:
            self.others.extend(sent(self.transport))
            return bool(self.others)

        yield waitUntil(exited, "ExitedExecutorMessage")
        [exited] = self.others
        self.assertIsInstance(exited, msgs.ExitedExecutorMessage)
        self.assertEqual(exited.status, 0)
        self.assertEqual(self.output("ex1"), "ran hi\n")
        socket = os.path.join(self.sandbox("ex1"), "slave.sock")
        yield waitUntil(lambda: not os.path.exists(socket), "the socket's removal")
