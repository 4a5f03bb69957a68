"""
Tests for L{mesos_tw.slave.containerizer.posix} and
L{mesos_tw.testing.fakes.FakeLauncher}: one L{ILauncher} conformance suite
run against both, tests of what only the posix launcher does, and tasks run
end to end by a L{Slave} with a L{PosixLauncher}.

These run real processes on the real reactor; they poll with deadlines and
never sleep.
"""

from __future__ import annotations

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

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.interfaces import ILauncher
from mesos_tw.mesos_pb2 import SlaveInfo
from mesos_tw.protocol.framing import MessageFactory
from mesos_tw.resources import Resources
from mesos_tw.slave.containerizer import LaunchError, PosixLauncher, describeExit
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
    the programs it runs, and whether a container is gone.
    """

    launcher: ILauncher

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


class PosixHarness(Harness):
    def __init__(self, testCase: TestCase) -> None:
        self.launcher = PosixLauncher(reactor())
        self._pids: dict[str, int] = {}

    def echo(self, text: str) -> list[str]:
        return ["/bin/sh", "-c", f"echo {text}; pwd"]

    def printVariable(self, name: str) -> list[str]:
        return ["/bin/sh", "-c", f'echo "${name}"']

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


class FakeHarness(Harness):
    def __init__(self, testCase: TestCase) -> None:
        self.launcher = FakeLauncher(
            reactor(),
            programs={
                "fake-echo": _echoProgram,
                "fake-print": _printProgram,
                "fake-stubborn": _stubbornProgram,
                "fake-whoami": _whoamiProgram,
            },
        )

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

    def gone(self, containerId: str, sandbox: str) -> bool:
        return containerId not in self.launcher.processes


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
            self, argv, containerId: str = "c1", env=ENV, events=None, user=None
        ):
            protocol = RecordingProtocol(events)
            self.launcher.launch(
                containerId, argv, env, self.sandbox, user,
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

    return ILauncherTests


class PosixLauncherConformanceTests(makeILauncherTests(PosixHarness), TestCase):
    """
    L{PosixLauncher} passes the L{ILauncher} suite.
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
