"""
Tests for the slave's task runtime: L{mesos_tw.slave.slave} running command
tasks (L{mesos_tw.slave.command}) and custom executors
(L{mesos_tw.slave.executors}) on a L{FakeLauncher}, with fake master and
executor connections; and command tasks end to end with real processes.
"""

from __future__ import annotations

import os
import signal

from twisted.internet.error import ConnectionDone
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.executor import environment as names
from mesos_tw.mesos_pb2 import FrameworkInfo, SlaveInfo, TaskInfo, TaskStatus
from mesos_tw.protocol.framing import MessageFactory, MessageProtocol
from mesos_tw.protocol.tls import Peer
from mesos_tw.resources import Resources
from mesos_tw.slave import paths
from mesos_tw.slave.containerizer import LaunchError
from mesos_tw.slave.http import stateJSON
from mesos_tw.slave.slave import Slave
from mesos_tw.testing.fakes import FakeLauncher
from tests.test_slave import MASTER_PEER, sent, wire

SLAVE_ID = "master-1-S0"
FRAMEWORK_ID = "master-1-0001"
ENVIRON = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/home/slave",
    "PYTHONPATH": "/opt/lib",
    "SLAVE_SECRET": "not for tasks",
}


def frameworkInfo(*capabilities: int, checkpoint: bool = False) -> FrameworkInfo:
    """
    A L{FrameworkInfo} with C{capabilities}.
    """
    info = FrameworkInfo(name="fw", user="someone", checkpoint=checkpoint)
    info.id.value = FRAMEWORK_ID
    for c in capabilities:
        info.capabilities.add(type=c)
    return info


def commandTask(taskId: str, value: str = "echo hello", **fields) -> TaskInfo:
    """
    A command task running C{value} in a shell.
    """
    task = TaskInfo(name=taskId, resources=Resources.parse("cpus:0.1").toProto(), **fields)
    task.task_id.value = taskId
    task.slave_id.value = SLAVE_ID
    task.command.value = value
    return task


def executorTask(taskId: str, executorId: str = "ex1", **fields) -> TaskInfo:
    """
    A task for the custom executor C{executorId}.
    """
    task = TaskInfo(name=taskId, **fields)
    task.task_id.value = taskId
    task.slave_id.value = SLAVE_ID
    task.executor.executor_id.value = executorId
    task.executor.command.value = "run-my-executor --fast"
    task.executor.resources.extend(Resources.parse("cpus:0.1;mem:32").toProto())
    return task


def gracePolicy(seconds: float) -> mesos_pb2.KillPolicy:
    """
    A L{KillPolicy} with a grace period of C{seconds}.
    """
    policy = mesos_pb2.KillPolicy()
    policy.grace_period.nanoseconds = int(seconds * 1e9)
    return policy


def state(update: msgs.StatusUpdate) -> str:
    """
    The name of the state of C{update}.
    """
    return mesos_pb2.TaskState.Name(update.status.state)


class RuntimeTestCase(SynchronousTestCase):
    """
    A registered L{Slave} on a L{MemoryReactorClock} with a L{FakeLauncher},
    connected to a fake master.
    """

    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.launcher = FakeLauncher(self.reactor)
        self.workDir = os.path.abspath(self.mktemp())
        self.slave = Slave(
            SlaveInfo(hostname="host1", resources=Resources.parse("cpus:2").toProto()),
            self.reactor,
            random=lambda: 0.5,
            launcher=self.launcher,
            workDir=self.workDir,
            environ=ENVIRON,
            switchUser=False,
        )
        self.addCleanup(self.slave.stop)
        self.master, self.transport = self.connectMaster()
        self.master.dataReceived(wire(msgs.SlaveRegisteredMessage(
            slave_id=mesos_pb2.SlaveID(value=SLAVE_ID))))
        self.transport.clear()

    def connectMaster(self) -> tuple[MessageProtocol, StringTransport]:
        """
        A new connection from the master, reported ready to the slave.
        """
        factory = MessageFactory(
            self.slave.dispatcher, onReady=self.slave.connected, onLost=self.slave.disconnected
        )
        protocol = factory.buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.peer = MASTER_PEER
        factory.ready(protocol)
        return protocol, transport

    def fromMaster(self, message) -> None:
        """
        The master sends C{message}.
        """
        self.master.dataReceived(wire(message))

    def runTask(self, task: TaskInfo, framework: FrameworkInfo | None = None) -> None:
        """
        The master sends C{task} to the slave.
        """
        message = msgs.RunTaskMessage(framework=framework or frameworkInfo(), task=task)
        message.framework_id.value = FRAMEWORK_ID
        self.fromMaster(message)

    def kill(self, taskId: str, policy: mesos_pb2.KillPolicy | None = None) -> None:
        """
        The master forwards a kill of task C{taskId}.
        """
        message = msgs.KillTaskMessage()
        message.framework_id.value = FRAMEWORK_ID
        message.task_id.value = taskId
        if policy is not None:
            message.kill_policy.CopyFrom(policy)
        self.fromMaster(message)

    def ack(self, update: msgs.StatusUpdate) -> None:
        """
        The master passes on the framework's acknowledgement of C{update}.
        """
        message = msgs.StatusUpdateAcknowledgementMessage(uuid=update.status.uuid)
        message.slave_id.value = SLAVE_ID
        message.framework_id.CopyFrom(update.framework_id)
        message.task_id.CopyFrom(update.status.task_id)
        self.fromMaster(message)

    def toMaster(self) -> list:
        """
        The messages sent to the master since the last call.
        """
        return sent(self.transport)

    def updates(self, acknowledge: bool = True) -> list[msgs.StatusUpdate]:
        """
        The status updates sent to the master until none is left, each
        acknowledged (which releases the next) unless C{acknowledge} is
        false; other messages are kept in C{self.others}.
        """
        updates = []
        while True:
            new = []
            for m in self.toMaster():
                if isinstance(m, msgs.StatusUpdateMessage):
                    new.append(m.update)
                else:
                    self.others.append(m)
            if not new:
                return updates
            updates.extend(new)
            if not acknowledge:
                return updates
            for update in new:
                self.ack(update)

    @property
    def others(self) -> list:
        if not hasattr(self, "_others"):
            self._others: list = []
        return self._others

    def framework(self):
        return self.slave.frameworks[FRAMEWORK_ID]


class CommandTaskTests(RuntimeTestCase):
    """
    Command tasks run by the slave itself.
    """

    def test_finished(self) -> None:
        """
        A command task goes STARTING, RUNNING, then FINISHED when its command
        exits 0; each update is sent once the previous one is acknowledged,
        from the executor with the task's id as executor id.
        """
        self.runTask(commandTask("t1"))
        [starting] = self.updates(acknowledge=False)
        self.assertEqual(state(starting), "TASK_STARTING")
        self.assertEqual(self.toMaster(), [])
        self.ack(starting)
        [running] = self.updates(acknowledge=False)
        self.assertEqual(state(running), "TASK_RUNNING")
        self.launcher.process(self.containerOf("t1")).exit(0)
        self.ack(running)
        [finished] = self.updates()
        self.assertEqual(state(finished), "TASK_FINISHED")
        self.assertEqual(finished.status.message, "Command exited with status 0")
        for update in (starting, running, finished):
            self.assertEqual(update.framework_id.value, FRAMEWORK_ID)
            self.assertEqual(update.slave_id.value, SLAVE_ID)
            self.assertEqual(update.executor_id.value, "t1")
            self.assertEqual(update.status.source, TaskStatus.SOURCE_EXECUTOR)
            self.assertEqual(update.status.executor_id.value, "t1")
            self.assertEqual(update.status.slave_id.value, SLAVE_ID)
            self.assertEqual(len(update.status.uuid), 16)

    def containerOf(self, taskId: str) -> str:
        return self.framework().executors[taskId].containerId

    def test_launch(self) -> None:
        """
        The command runs as C{/bin/sh -c value} in a new sandbox, as the
        slave's user, with a minimal environment under its own variables.
        """
        task = commandTask("t1", "echo $GREETING")
        task.command.environment.variables.add(name="GREETING", value="hi")
        task.command.environment.variables.add(name="HOME", value="/elsewhere")
        self.runTask(task)
        [process] = self.launcher.launches
        executor = self.framework().executors["t1"]
        self.assertEqual(process.argv, ["/bin/sh", "-c", "echo $GREETING"])
        self.assertIsNone(process.user)
        self.assertEqual(process.containerId, executor.containerId)
        self.assertEqual(
            process.sandbox,
            paths.sandboxDirectory(
                self.workDir, SLAVE_ID, FRAMEWORK_ID, "t1", executor.containerId
            ),
        )
        self.assertEqual(sorted(os.listdir(process.sandbox)), ["stderr", "stdout"])
        latest = os.path.join(os.path.dirname(process.sandbox), "latest")
        self.assertEqual(os.readlink(latest), executor.containerId)
        self.assertEqual(
            process.environment,
            {
                "PATH": "/usr/bin:/bin",
                "HOME": "/elsewhere",
                "GREETING": "hi",
                names.FRAMEWORK_ID: FRAMEWORK_ID,
                names.EXECUTOR_ID: "t1",
                names.SLAVE_ID: SLAVE_ID,
                names.DIRECTORY: process.sandbox,
                "MESOS_SANDBOX": process.sandbox,
                "MESOS_TASK_ID": "t1",
            },
        )

    def test_noShell(self) -> None:
        """
        Without C{shell}, C{value} is run with C{arguments[1:]}
        (C{arguments[0]} being the program's own name).
        """
        task = commandTask("t1", "/bin/echo")
        task.command.shell = False
        task.command.arguments.extend(["echo", "a b", "c"])
        self.runTask(task)
        self.assertEqual(self.launcher.launches[0].argv, ["/bin/echo", "a b", "c"])

    def test_failed(self) -> None:
        """
        A command that exits non-zero fails its task.
        """
        self.runTask(commandTask("t1", "exit 3"))
        self.updates()
        self.launcher.process(self.containerOf("t1")).exit(3)
        [failed] = self.updates()
        self.assertEqual(state(failed), "TASK_FAILED")
        self.assertEqual(failed.status.message, "Command exited with status 3")
        self.assertEqual(failed.status.reason, TaskStatus.REASON_COMMAND_EXECUTOR_FAILED)
        self.assertEqual(failed.status.source, TaskStatus.SOURCE_EXECUTOR)

    def test_signaled(self) -> None:
        """
        A command killed by a signal fails its task, naming the signal.
        """
        self.runTask(commandTask("t1"))
        self.updates()
        self.launcher.process(self.containerOf("t1")).kill(signal.SIGSEGV)
        [failed] = self.updates()
        self.assertEqual(state(failed), "TASK_FAILED")
        self.assertEqual(failed.status.message, "Command terminated by signal SIGSEGV")

    def test_launchFailed(self) -> None:
        """
        A command that cannot be started fails its task with
        REASON_CONTAINER_LAUNCH_FAILED, and its container is destroyed.
        """
        self.launcher.failure = LaunchError("no such thing")
        self.runTask(commandTask("t1"))
        starting, failed = self.updates()
        self.assertEqual(state(starting), "TASK_STARTING")
        self.assertEqual(state(failed), "TASK_FAILED")
        self.assertEqual(failed.status.reason, TaskStatus.REASON_CONTAINER_LAUNCH_FAILED)
        self.assertIn("no such thing", failed.status.message)
        self.assertEqual(len(self.launcher.destroyed), 1)
        self.assertEqual(self.slave.frameworks, {})

    def test_containerDestroyedAtEnd(self) -> None:
        """
        When the command ends its container is destroyed (leftover processes
        killed), and once the terminal update is acknowledged the task and
        its framework are forgotten.
        """
        self.runTask(commandTask("t1"))
        self.updates()
        containerId = self.containerOf("t1")
        self.launcher.process(containerId).exit(0)
        self.assertEqual(self.launcher.destroyed, [containerId])
        [finished] = self.updates(acknowledge=False)
        self.assertIn(FRAMEWORK_ID, self.slave.frameworks)
        self.ack(finished)
        self.assertEqual(self.slave.frameworks, {})
        self.assertEqual(self.reactor.getDelayedCalls(), [])

    def test_kill(self) -> None:
        """
        Killing a task sends SIGTERM to its container; TASK_KILLED follows
        when the command ends.  Without the TASK_KILLING_STATE capability
        there is no TASK_KILLING.
        """
        self.runTask(commandTask("t1", "sleep 100"))
        self.updates()
        containerId = self.containerOf("t1")
        self.kill("t1")
        process = self.launcher.process(containerId)
        self.assertEqual(process.signals, [signal.SIGTERM])
        self.assertEqual(self.updates(), [])
        process.kill(signal.SIGTERM)
        [killed] = self.updates()
        self.assertEqual(state(killed), "TASK_KILLED")
        self.assertEqual(killed.status.message, "Command terminated by signal SIGTERM")
        self.assertEqual(self.reactor.getDelayedCalls(), [])

    def test_killingState(self) -> None:
        """
        A framework with the TASK_KILLING_STATE capability gets TASK_KILLING
        when the kill starts.
        """
        framework = frameworkInfo(FrameworkInfo.Capability.TASK_KILLING_STATE)
        self.runTask(commandTask("t1", "sleep 100"), framework)
        self.updates()
        self.kill("t1")
        [killing] = self.updates()
        self.assertEqual(state(killing), "TASK_KILLING")
        self.launcher.process(self.containerOf("t1")).exit(0)
        [killed] = self.updates()
        self.assertEqual(state(killed), "TASK_KILLED")

    def test_killEscalation(self) -> None:
        """
        A command still running 3 s after SIGTERM is killed with SIGKILL.
        """
        self.runTask(commandTask("t1", "trap '' TERM; sleep 100"))
        self.updates()
        process = self.launcher.process(self.containerOf("t1"))
        self.kill("t1")
        self.reactor.advance(2.9)
        self.assertTrue(process.running)
        self.reactor.advance(0.1)
        self.assertFalse(process.running)
        self.assertEqual(process.signals, [signal.SIGTERM, signal.SIGKILL])
        [killed] = self.updates()
        self.assertEqual(state(killed), "TASK_KILLED")

    def test_taskGracePeriod(self) -> None:
        """
        The task's kill policy sets the grace period.
        """
        self.runTask(commandTask("t1", kill_policy=gracePolicy(10)))
        self.updates()
        process = self.launcher.process(self.containerOf("t1"))
        self.kill("t1")
        self.reactor.advance(9.9)
        self.assertTrue(process.running)
        self.reactor.advance(0.1)
        self.assertFalse(process.running)

    def test_killGracePeriod(self) -> None:
        """
        The kill's policy overrides the task's; a second kill may shorten
        the grace period.
        """
        self.runTask(commandTask("t1", kill_policy=gracePolicy(10)))
        self.updates()
        process = self.launcher.process(self.containerOf("t1"))
        self.kill("t1", gracePolicy(5))
        self.reactor.advance(1)
        self.kill("t1", gracePolicy(1))
        self.assertEqual(process.signals, [signal.SIGTERM])
        self.reactor.advance(0.9)
        self.assertTrue(process.running)
        self.reactor.advance(0.1)
        self.assertFalse(process.running)

    def test_killEnded(self) -> None:
        """
        A kill of a task that has ended (its terminal update not yet
        acknowledged) does nothing.
        """
        self.runTask(commandTask("t1"))
        self.updates()
        self.launcher.process(self.containerOf("t1")).exit(0)
        self.kill("t1")
        [finished] = self.updates()
        self.assertEqual(state(finished), "TASK_FINISHED")

    def test_killUnknown(self) -> None:
        """
        A kill of a task the slave does not know is answered TASK_LOST.
        """
        self.runTask(commandTask("t1"))
        self.updates()
        self.kill("t2")
        [lost] = self.updates()
        self.assertEqual(state(lost), "TASK_LOST")
        self.assertEqual(lost.status.task_id.value, "t2")
        self.assertEqual(lost.status.source, TaskStatus.SOURCE_SLAVE)
        self.assertEqual(lost.status.reason, TaskStatus.REASON_EXECUTOR_TERMINATED)

    def test_killUnknownFramework(self) -> None:
        """
        A kill for a framework the slave does not know is ignored.
        """
        self.kill("t1")
        self.assertEqual(self.toMaster(), [])

    def test_invalid(self) -> None:
        """
        A task with both a command and an executor, or an id that cannot
        name a directory, is answered TASK_ERROR/REASON_TASK_INVALID.
        """
        both = executorTask("t1")
        both.command.value = "true"
        self.runTask(both)
        self.runTask(commandTask("../escape"))
        errors = self.updates()
        self.assertEqual([state(u) for u in errors], ["TASK_ERROR", "TASK_ERROR"])
        self.assertEqual(
            [u.status.reason for u in errors], [TaskStatus.REASON_TASK_INVALID] * 2
        )
        self.assertEqual(self.launcher.launches, [])
        self.assertEqual(self.slave.frameworks, {})

    def test_duplicate(self) -> None:
        """
        A task id the framework already runs here is ignored.
        """
        self.runTask(commandTask("t1"))
        self.runTask(commandTask("t1"))
        self.assertEqual(len(self.launcher.launches), 1)

    def test_retry(self) -> None:
        """
        An unacknowledged update is resent after 10 s.
        """
        self.runTask(commandTask("t1"))
        [starting] = self.updates(acknowledge=False)
        self.reactor.advance(10)
        [again] = self.updates(acknowledge=False)
        self.assertEqual(again.status.uuid, starting.status.uuid)

    def test_disconnected(self) -> None:
        """
        Without a master no update is sent; after re-registration the
        pending ones are.
        """
        self.runTask(commandTask("t1"))
        [starting] = self.updates(acknowledge=False)
        self.master.connectionLost(Failure(ConnectionDone()))
        self.launcher.process(self.containerOf("t1")).exit(0)
        self.reactor.advance(1000)
        self.assertEqual(self.toMaster(), [])
        self.master, self.transport = self.connectMaster()
        self.reactor.advance(0.5)
        [reregister] = self.toMaster()
        self.assertIsInstance(reregister, msgs.ReregisterSlaveMessage)
        self.fromMaster(msgs.SlaveReregisteredMessage(
            slave_id=mesos_pb2.SlaveID(value=SLAVE_ID)))
        [again] = self.updates(acknowledge=False)
        self.assertEqual(again.status.uuid, starting.status.uuid)
        self.ack(again)
        self.assertEqual(
            [state(u) for u in self.updates()], ["TASK_RUNNING", "TASK_FINISHED"]
        )

    def test_fromNonMaster(self) -> None:
        """
        Only the master may run tasks.
        """
        factory = MessageFactory(self.slave.dispatcher)
        protocol = factory.buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.peer = Peer("framework", "fw", "127.0.0.1:1")
        message = msgs.RunTaskMessage(framework=frameworkInfo(), task=commandTask("t1"))
        protocol.dataReceived(wire(message))
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.launcher.launches, [])

    def test_state(self) -> None:
        """
        C{/state} lists frameworks, their executors and tasks.
        """
        self.runTask(commandTask("t1"))
        self.updates()
        executor = self.framework().executors["t1"]
        self.assertEqual(
            stateJSON(self.slave)["frameworks"],
            [{
                "id": FRAMEWORK_ID,
                "name": "fw",
                "executors": [{
                    "id": "t1",
                    "container": executor.containerId,
                    "directory": executor.directory,
                    "tasks": [{"id": "t1", "state": "TASK_RUNNING"}],
                }],
            }],
        )

    def test_noLauncher(self) -> None:
        """
        A slave without a launcher fails every task.
        """
        self.slave.launcher = None
        self.runTask(commandTask("t1"))
        [failed] = self.updates()
        self.assertEqual(failed.status.reason, TaskStatus.REASON_CONTAINER_LAUNCH_FAILED)

    def test_destroyContainers(self) -> None:
        """
        L{Slave.destroyContainers} destroys every live container.
        """
        self.runTask(commandTask("t1"))
        self.runTask(commandTask("t2"))
        self.successResultOf(self.slave.destroyContainers())
        self.assertEqual(self.launcher.processes, {})
        self.assertEqual(
            set(self.launcher.destroyed),
            {e.containerId for e in self.framework().executors.values()},
        )


class ExecutorTests(RuntimeTestCase):
    """
    Custom executors: launched by the slave, registering over their socket.
    """

    def executor(self, executorId: str = "ex1"):
        return self.framework().executors[executorId]

    def connectExecutor(self) -> tuple[MessageProtocol, StringTransport]:
        """
        A connection to the socket the slave listens on for the latest
        executor.
        """
        address, factory, _, mode, _ = self.reactor.unixServers[-1]
        protocol = factory.buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.peer = Peer("", "", "")
        return protocol, transport

    def register(self, name: str = "ex1", secret: str | None = None, **ids):
        """
        Connect to executor C{name}'s socket and register, as it or with the
        C{frameworkId} and C{executorId} in C{ids}.
        """
        executor = self.executor(name)
        protocol, transport = self.connectExecutor()
        message = msgs.RegisterExecutorMessage(
            secret=executor.secret if secret is None else secret
        )
        message.framework_id.value = ids.get("frameworkId", FRAMEWORK_ID)
        message.executor_id.value = ids.get("executorId", name)
        protocol.dataReceived(wire(message))
        return protocol, transport

    def executorUpdate(self, protocol, taskId: str, taskState: int, withUUID=True):
        """
        The executor sends a status update for C{taskId}.
        """
        from mesos_tw.tasks import statusUpdate, taskStatus

        status = taskStatus(taskId, taskState, TaskStatus.SOURCE_EXECUTOR,
                            withUUID=withUUID)
        update = statusUpdate(FRAMEWORK_ID, status, executorId="ex1")
        protocol.dataReceived(wire(msgs.StatusUpdateMessage(update=update)))
        return update

    def test_launch(self) -> None:
        """
        The executor's command runs in its sandbox, with the ids, the
        sandbox, the socket, its secret and the slave's PATH, HOME and
        PYTHONPATH in its environment; the slave listens on the socket.
        """
        task = executorTask("t1")
        task.executor.command.environment.variables.add(name="LEVEL", value="3")
        self.runTask(task)
        [process] = self.launcher.launches
        executor = self.executor()
        self.assertEqual(process.argv, ["/bin/sh", "-c", "run-my-executor --fast"])
        self.assertIsNone(process.user)
        socket = os.path.join(process.sandbox, "slave.sock")
        self.assertEqual(
            process.environment,
            {
                "PATH": "/usr/bin:/bin",
                "HOME": "/home/slave",
                "PYTHONPATH": "/opt/lib",
                "LEVEL": "3",
                names.FRAMEWORK_ID: FRAMEWORK_ID,
                names.EXECUTOR_ID: "ex1",
                names.SLAVE_ID: SLAVE_ID,
                names.DIRECTORY: process.sandbox,
                "MESOS_SANDBOX": process.sandbox,
                names.SLAVE_SOCKET: socket,
                names.EXECUTOR_SECRET: executor.secret,
                names.CHECKPOINT: "0",
                names.SHUTDOWN_GRACE_PERIOD: "5.0",
            },
        )
        self.assertGreaterEqual(len(executor.secret), 40)
        [(address, _, _, mode, _)] = self.reactor.unixServers
        self.assertEqual(mode, 0o600)
        self.assertEqual(os.path.basename(address), "slave.sock")
        self.assertEqual(self.toMaster(), [])

    def test_secretsDiffer(self) -> None:
        """
        Each executor gets its own secret.
        """
        self.runTask(executorTask("t1", "ex1"))
        self.runTask(executorTask("t2", "ex2"))
        self.assertNotEqual(self.executor("ex1").secret, self.executor("ex2").secret)

    def test_registerQueued(self) -> None:
        """
        A registered executor is answered ExecutorRegisteredMessage, then
        gets its queued tasks in order.
        """
        framework = frameworkInfo()
        self.runTask(executorTask("t1"), framework)
        self.runTask(executorTask("t2"), framework)
        protocol, transport = self.register()
        registered, run1, run2 = sent(transport)
        self.assertIsInstance(registered, msgs.ExecutorRegisteredMessage)
        self.assertEqual(registered.executor_info.executor_id.value, "ex1")
        self.assertEqual(registered.executor_info.framework_id.value, FRAMEWORK_ID)
        self.assertEqual(registered.framework_id.value, FRAMEWORK_ID)
        self.assertEqual(registered.framework_info, framework)
        self.assertEqual(registered.slave_id.value, SLAVE_ID)
        self.assertEqual(registered.slave_info.hostname, "host1")
        self.assertEqual([run1.task.task_id.value, run2.task.task_id.value], ["t1", "t2"])
        self.assertEqual(run1.framework_id.value, FRAMEWORK_ID)
        self.assertEqual(run1.framework, framework)
        self.runTask(executorTask("t3"))
        [run3] = sent(transport)
        self.assertEqual(run3.task.task_id.value, "t3")
        self.assertEqual(len(self.launcher.launches), 1)

    def test_wrongSecret(self) -> None:
        """
        A registration with a wrong secret, executor id or framework id is
        refused: the connection is closed and nothing is sent.
        """
        self.runTask(executorTask("t1"))
        for kwargs in [
            {"secret": "guess"},
            {"ids": {"executorId": "ex2"}},
            {"ids": {"frameworkId": "other"}},
        ]:
            protocol, transport = self.register(
                secret=kwargs.get("secret"), **kwargs.get("ids", {})
            )
            self.assertTrue(transport.disconnecting, kwargs)
            self.assertEqual(transport.value(), b"")
        self.assertIsNone(self.executor().connection)
        protocol, transport = self.register()
        self.assertEqual(len(sent(transport)), 2)

    def test_registerTwice(self) -> None:
        """
        A second registration for a registered executor is refused.
        """
        self.runTask(executorTask("t1"))
        first, _ = self.register()
        second, transport = self.register()
        self.assertTrue(transport.disconnecting)
        self.assertIs(self.executor().connection, first)

    def test_beforeRegistration(self) -> None:
        """
        Anything but a registration from an unregistered connection closes
        it.
        """
        self.runTask(executorTask("t1"))
        protocol, transport = self.connectExecutor()
        self.executorUpdate(protocol, "t1", mesos_pb2.TASK_RUNNING)
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.toMaster(), [])

    def test_statusUpdate(self) -> None:
        """
        An executor's update is acknowledged to it at once and forwarded to
        the master with the slave's id.
        """
        self.runTask(executorTask("t1"))
        protocol, transport = self.register()
        sent(transport)
        update = self.executorUpdate(protocol, "t1", mesos_pb2.TASK_RUNNING)
        [ack] = sent(transport)
        self.assertIsInstance(ack, msgs.StatusUpdateAcknowledgementMessage)
        self.assertEqual(ack.uuid, update.status.uuid)
        self.assertEqual(ack.task_id.value, "t1")
        self.assertEqual(ack.framework_id.value, FRAMEWORK_ID)
        self.assertEqual(ack.slave_id.value, SLAVE_ID)
        [forwarded] = self.updates()
        self.assertEqual(forwarded.status.uuid, update.status.uuid)
        self.assertEqual(forwarded.slave_id.value, SLAVE_ID)
        self.assertEqual(forwarded.executor_id.value, "ex1")
        self.assertEqual(forwarded.latest_state, mesos_pb2.TASK_RUNNING)
        self.assertEqual(self.executor().tasks["t1"].state, mesos_pb2.TASK_RUNNING)

    def test_statusUpdateRefused(self) -> None:
        """
        Updates for a task that is not the executor's, or without a uuid,
        are neither acknowledged nor forwarded.
        """
        self.runTask(executorTask("t1"))
        protocol, transport = self.register()
        sent(transport)
        self.executorUpdate(protocol, "t9", mesos_pb2.TASK_RUNNING)
        self.executorUpdate(protocol, "t1", mesos_pb2.TASK_RUNNING, withUUID=False)
        self.assertEqual(sent(transport), [])
        self.assertEqual(self.toMaster(), [])

    def test_completedOnAcknowledgement(self) -> None:
        """
        A task is forgotten once its terminal update is acknowledged; its
        executor stays.
        """
        self.runTask(executorTask("t1"))
        protocol, transport = self.register()
        self.executorUpdate(protocol, "t1", mesos_pb2.TASK_FINISHED)
        self.updates()
        self.assertEqual(self.executor().tasks, {})
        self.assertEqual(self.framework().taskExecutors, {})

    def test_registrationTimeout(self) -> None:
        """
        An executor that does not register within the timeout is destroyed
        and its tasks fail with REASON_EXECUTOR_REGISTRATION_TIMEOUT.
        """
        self.runTask(executorTask("t1"))
        process = self.launcher.launches[0]
        self.reactor.advance(59.9)
        self.assertTrue(process.running)
        self.reactor.advance(0.1)
        self.assertFalse(process.running)
        [failed] = self.updates()
        self.assertEqual(state(failed), "TASK_FAILED")
        self.assertEqual(failed.status.source, TaskStatus.SOURCE_SLAVE)
        self.assertEqual(
            failed.status.reason, TaskStatus.REASON_EXECUTOR_REGISTRATION_TIMEOUT
        )
        [exited] = self.others
        self.assertIsInstance(exited, msgs.ExitedExecutorMessage)
        self.assertEqual(self.slave.frameworks, {})

    def test_registrationTimeoutFlag(self) -> None:
        """
        The registration timeout is the slave's
        C{executorRegistrationTimeout}.
        """
        self.slave.executorRegistrationTimeout = 5.0
        self.runTask(executorTask("t1"))
        self.reactor.advance(5)
        self.assertFalse(self.launcher.launches[0].running)

    def test_exited(self) -> None:
        """
        An executor that exits fails its unfinished tasks, queued or not;
        the master gets ExitedExecutorMessage; the container is destroyed
        and the socket closed.
        """
        self.runTask(executorTask("t1"))
        self.runTask(executorTask("t2"))
        protocol, transport = self.register()
        self.executorUpdate(protocol, "t1", mesos_pb2.TASK_FINISHED)
        self.updates()
        self.executor().connection = None
        self.runTask(executorTask("t3"))
        process = self.launcher.launches[0]
        containerId = process.containerId
        process.exit(7)
        failed = self.updates()
        self.assertEqual(sorted(u.status.task_id.value for u in failed), ["t2", "t3"])
        for update in failed:
            self.assertEqual(state(update), "TASK_FAILED")
            self.assertEqual(update.status.source, TaskStatus.SOURCE_SLAVE)
            self.assertEqual(update.status.reason, TaskStatus.REASON_EXECUTOR_TERMINATED)
            self.assertEqual(update.status.message, "Executor exited with status 7")
        [exited] = self.others
        self.assertIsInstance(exited, msgs.ExitedExecutorMessage)
        self.assertEqual(exited.slave_id.value, SLAVE_ID)
        self.assertEqual(exited.framework_id.value, FRAMEWORK_ID)
        self.assertEqual(exited.executor_id.value, "ex1")
        self.assertEqual(exited.status, 7 << 8)
        self.assertIn(containerId, self.launcher.destroyed)
        self.assertEqual(self.slave.frameworks, {})
        self.assertEqual(self.reactor.getDelayedCalls(), [])

    def test_disconnected(self) -> None:
        """
        An executor (of a framework without checkpointing) whose connection
        is lost is destroyed unless it exits within its shutdown grace
        period.
        """
        self.runTask(executorTask("t1"))
        protocol, transport = self.register()
        protocol.connectionLost(Failure(ConnectionDone()))
        self.reactor.advance(4.9)
        self.assertTrue(self.launcher.launches[0].running)
        self.assertEqual(self.updates(), [])
        self.reactor.advance(0.1)
        [failed] = self.updates()
        self.assertEqual(state(failed), "TASK_FAILED")
        self.assertFalse(self.launcher.launches[0].running)

    def test_launchFailed(self) -> None:
        """
        An executor that cannot be started fails its task with
        REASON_CONTAINER_LAUNCH_FAILED and stops listening.
        """
        self.launcher.failure = LaunchError("cannot")
        self.runTask(executorTask("t1"))
        [failed] = self.updates()
        self.assertEqual(state(failed), "TASK_FAILED")
        self.assertEqual(failed.status.reason, TaskStatus.REASON_CONTAINER_LAUNCH_FAILED)
        self.assertIn("cannot", failed.status.message)
        self.assertEqual([type(m) for m in self.others], [msgs.ExitedExecutorMessage])
        self.assertEqual(self.slave.frameworks, {})
        self.assertEqual(self.reactor.getDelayedCalls(), [])

    def test_killDuringLaunch(self) -> None:
        """
        A task killed before its executor registered is answered TASK_KILLED
        by the slave; an executor left with no task is shut down once it
        registers.
        """
        self.runTask(executorTask("t1"))
        self.kill("t1")
        [killed] = self.updates()
        self.assertEqual(state(killed), "TASK_KILLED")
        self.assertEqual(killed.status.source, TaskStatus.SOURCE_SLAVE)
        self.assertEqual(
            killed.status.reason, TaskStatus.REASON_TASK_KILLED_DURING_LAUNCH
        )
        protocol, transport = self.register()
        registered, shutdown = sent(transport)
        self.assertIsInstance(shutdown, msgs.ShutdownExecutorMessage)
        self.assertEqual(shutdown.executor_id.value, "ex1")

    def test_killForwarded(self) -> None:
        """
        A kill of a task the executor has is passed to the executor.
        """
        self.runTask(executorTask("t1"))
        protocol, transport = self.register()
        sent(transport)
        self.kill("t1", gracePolicy(2))
        [kill] = sent(transport)
        self.assertIsInstance(kill, msgs.KillTaskMessage)
        self.assertEqual(kill.task_id.value, "t1")
        self.assertEqual(kill.kill_policy, gracePolicy(2))
        self.assertEqual(self.toMaster(), [])

    def test_frameworkMessages(self) -> None:
        """
        Framework messages go both ways, with the ids filled in.
        """
        self.runTask(executorTask("t1"))
        protocol, transport = self.register()
        sent(transport)
        message = msgs.FrameworkToExecutorMessage(data=b"ping")
        message.framework_id.value = FRAMEWORK_ID
        message.executor_id.value = "ex1"
        self.fromMaster(message)
        [received] = sent(transport)
        self.assertEqual(received.data, b"ping")
        protocol.dataReceived(wire(msgs.ExecutorToFrameworkMessage(data=b"pong")))
        [forwarded] = self.toMaster()
        self.assertEqual(forwarded.data, b"pong")
        self.assertEqual(forwarded.slave_id.value, SLAVE_ID)
        self.assertEqual(forwarded.framework_id.value, FRAMEWORK_ID)
        self.assertEqual(forwarded.executor_id.value, "ex1")

    def test_frameworkMessageDropped(self) -> None:
        """
        A framework message for an unregistered or unknown executor is
        dropped.
        """
        self.runTask(executorTask("t1"))
        for executorId in ("ex1", "nope"):
            message = msgs.FrameworkToExecutorMessage(data=b"ping")
            message.framework_id.value = FRAMEWORK_ID
            message.executor_id.value = executorId
            self.fromMaster(message)
        protocol, transport = self.register()
        self.assertEqual(len(sent(transport)), 2)

    def test_terminatingExecutor(self) -> None:
        """
        A task for an executor that is shutting down is lost.
        """
        self.runTask(executorTask("t1"))
        self.register()
        self.executor().shutdown()
        self.runTask(executorTask("t2"))
        [lost] = self.updates()
        self.assertEqual(state(lost), "TASK_LOST")
        self.assertEqual(lost.status.task_id.value, "t2")

    def test_shutdownFramework(self) -> None:
        """
        Shutting down a framework tells its executors to shut down, kills
        its command tasks, destroys what outlives the grace periods, sends
        no more updates for it, and forgets it.
        """
        self.runTask(executorTask("t1"))
        self.runTask(commandTask("c1", "sleep 100"))
        protocol, transport = self.register()
        sent(transport)
        self.updates(acknowledge=False)
        executor = self.launcher.launches[0]
        command = self.launcher.launches[1]
        self.fromMaster(msgs.ShutdownFrameworkMessage(
            framework_id=mesos_pb2.FrameworkID(value=FRAMEWORK_ID)))
        [shutdown] = sent(transport)
        self.assertIsInstance(shutdown, msgs.ShutdownExecutorMessage)
        self.assertEqual(command.signals, [signal.SIGTERM])
        self.reactor.advance(3)
        self.assertFalse(command.running)
        self.assertTrue(executor.running)
        self.reactor.advance(2)
        self.assertFalse(executor.running)
        self.assertEqual(self.slave.frameworks, {})
        self.reactor.advance(1000)
        self.assertEqual(self.toMaster(), [])
        self.assertEqual(list(self.slave.statusUpdates.streams()), [])

    def test_shutdownGracePeriod(self) -> None:
        """
        An executor that exits within its grace period is not destroyed;
        ExecutorInfo.shutdown_grace_period overrides the slave's.
        """
        task = executorTask("t1")
        task.executor.shutdown_grace_period.nanoseconds = 10 * 10**9
        self.runTask(task)
        self.register()
        self.fromMaster(msgs.ShutdownFrameworkMessage(
            framework_id=mesos_pb2.FrameworkID(value=FRAMEWORK_ID)))
        self.reactor.advance(9.9)
        process = self.launcher.launches[0]
        self.assertTrue(process.running)
        process.exit(0)
        self.assertEqual(self.slave.frameworks, {})
        self.assertEqual(self.reactor.getDelayedCalls(), [])
        self.assertEqual(self.toMaster(), [])

    def test_reregistration(self) -> None:
        """
        Re-registration reports the frameworks, custom executors and tasks
        with their states and pending updates.
        """
        framework = frameworkInfo()
        self.runTask(executorTask("t1"), framework)
        self.runTask(commandTask("c1"), framework)
        protocol, _ = self.register()
        self.executorUpdate(protocol, "t1", mesos_pb2.TASK_RUNNING)
        [update] = [u for u in self.updates(acknowledge=False)
                    if u.status.task_id.value == "t1"]
        self.master.connectionLost(Failure(ConnectionDone()))
        self.master, self.transport = self.connectMaster()
        self.reactor.advance(0.5)
        [message] = self.toMaster()
        self.assertEqual(list(message.frameworks), [framework])
        self.assertEqual([e.executor_id.value for e in message.executor_infos], ["ex1"])
        tasks = {t.task_id.value: t for t in message.tasks}
        self.assertEqual(set(tasks), {"t1", "c1"})
        t1 = tasks["t1"]
        self.assertEqual(t1.state, mesos_pb2.TASK_RUNNING)
        self.assertEqual(t1.executor_id.value, "ex1")
        self.assertEqual(t1.framework_id.value, FRAMEWORK_ID)
        self.assertEqual(t1.slave_id.value, SLAVE_ID)
        self.assertEqual(t1.status_update_state, mesos_pb2.TASK_RUNNING)
        self.assertEqual(t1.status_update_uuid, update.status.uuid)
        self.assertFalse(tasks["c1"].HasField("executor_id"))
        self.assertEqual(tasks["c1"].state, mesos_pb2.TASK_RUNNING)
        self.assertEqual(tasks["c1"].status_update_state, mesos_pb2.TASK_STARTING)
