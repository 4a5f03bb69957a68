"""
Tests for L{mesos_tw.executor}: the executor driver and its callbacks.
"""

from __future__ import annotations

import importlib.util
import io
import os
import sys
import struct
from typing import Any

from twisted.internet.address import UNIXAddress
from twisted.internet.defer import (
    Deferred,
    ensureDeferred,
    fail,
    inlineCallbacks,
    succeed,
)
from twisted.internet.error import ConnectionLost, ConnectionRefusedError
from twisted.internet.interfaces import IStreamClientEndpoint
from twisted.internet.protocol import Factory
from twisted.internet.task import Clock
from twisted.internet.testing import (
    MemoryReactorClock,
    StringTransportWithDisconnection,
)
from twisted.python.failure import Failure
from twisted.python.filepath import FilePath
from twisted.trial.unittest import SynchronousTestCase, TestCase
from zope.interface import implementer

from mesos_tw import mesos_pb2, messages_pb2 as msgs
from mesos_tw.executor import (
    DriverNotRunning,
    Executor,
    ExecutorDriver,
    ExecutorEnvironmentError,
    SlaveConnectionError,
    StatusUpdateRefused,
    driver as driverModule,
    environment,
    run,
)
from mesos_tw.executor.driver import RECONNECT_INTERVAL, RECOVERY_TIMEOUT
from mesos_tw.mesos_pb2 import TaskStatus
from mesos_tw.protocol.dispatch import Dispatcher, encode
from mesos_tw.protocol.framing import MessageFactory
from mesos_tw.protocol.unix import shortPath
from mesos_tw.testing.wire import parseFrames as frames

SOCKET = "/sandbox/slave.sock"

NOT_STARTED = mesos_pb2.DRIVER_NOT_STARTED
RUNNING = mesos_pb2.DRIVER_RUNNING
STOPPED = mesos_pb2.DRIVER_STOPPED
ABORTED = mesos_pb2.DRIVER_ABORTED


def environ(**overrides: str) -> dict[str, str]:
    """
    The environment a slave gives an executor, with C{overrides}.
    """
    env = {
        environment.FRAMEWORK_ID: "M-0001",
        environment.EXECUTOR_ID: "echo",
        environment.SLAVE_ID: "M-S1",
        environment.DIRECTORY: "/sandbox",
        environment.SLAVE_SOCKET: SOCKET,
        environment.EXECUTOR_SECRET: "s3cret",
        environment.CHECKPOINT: "0",
    }
    env.update(overrides)
    return env



@implementer(IStreamClientEndpoint)
class FakeSlave:
    """
    An endpoint whose connections go to an in-memory slave.

    @ivar protocol: the driver's protocol, once connected.
    @ivar transport: its transport.
    """

    def __init__(self) -> None:
        self.protocol: Any = None
        self.transport: StringTransportWithDisconnection | None = None

    def connect(self, factory: Factory) -> Deferred:
        self.attach(factory)
        return succeed(self.protocol)

    def attach(self, factory: Factory) -> None:
        """
        Connect a protocol of C{factory} to a transport in memory.
        """
        self.protocol = factory.buildProtocol(UNIXAddress(SOCKET))
        self.transport = StringTransportWithDisconnection(
            peerAddress=UNIXAddress(SOCKET)
        )
        self.transport.protocol = self.protocol
        self.protocol.makeConnection(self.transport)

    def received(self) -> list[Any]:
        """
        The messages the driver sent since the last call.
        """
        data = self.transport.value()
        self.transport.clear()
        return frames(data)

    def send(self, message: Any) -> None:
        """
        Deliver C{message} to the driver.
        """
        payload = encode(message)
        self.protocol.dataReceived(struct.pack("!I", len(payload)) + payload)

    def drop(self) -> None:
        """
        The slave goes away.
        """
        self.transport.connected = False
        self.protocol.connectionLost(Failure(ConnectionLost("slave exited")))


@implementer(IStreamClientEndpoint)
class FlakyEndpoint:
    """
    An endpoint that refuses the first connections, then connects to a
    L{FakeSlave}.
    """

    def __init__(self, slave: FakeSlave, refusals: int) -> None:
        self.slave = slave
        self.refusals = refusals
        self.attempts = 0

    def connect(self, factory: Factory) -> Deferred:
        self.attempts += 1
        if self.attempts <= self.refusals:
            return fail(ConnectionRefusedError("nobody listens"))
        return self.slave.connect(factory)


@implementer(IStreamClientEndpoint)
class RefusingEndpoint:
    """
    An endpoint that refuses every connection.
    """

    def connect(self, factory: Factory) -> Deferred:
        return fail(ConnectionRefusedError("nobody listens"))


class RecordingExecutor(Executor):
    """
    Records its callbacks as C{(name, args)}; C{results} maps a callback name
    to what it returns, or to an exception it raises.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple]] = []
        self.results: dict[str, Any] = {}

    def _record(self, name: str, *args: Any) -> Any:
        self.calls.append((name, args))
        result = self.results.get(name)
        if isinstance(result, Exception):
            raise result
        return result

    def registered(self, driver, executorInfo, frameworkInfo, slaveInfo):
        return self._record("registered", executorInfo, frameworkInfo, slaveInfo)

    def reregistered(self, driver, slaveInfo):
        return self._record("reregistered", slaveInfo)

    def disconnected(self, driver):
        return self._record("disconnected")

    def launchTask(self, driver, task):
        return self._record("launchTask", task)

    def killTask(self, driver, taskId):
        return self._record("killTask", taskId)

    def frameworkMessage(self, driver, message):
        return self._record("frameworkMessage", message)

    def shutdown(self, driver):
        return self._record("shutdown")

    def error(self, driver, message):
        return self._record("error", message)

    def names(self) -> list[str]:
        return [name for name, args in self.calls]


def registeredMessage() -> msgs.ExecutorRegisteredMessage:
    message = msgs.ExecutorRegisteredMessage()
    message.executor_info.executor_id.value = "echo"
    message.executor_info.name = "Echo"
    message.framework_id.value = "M-0001"
    message.framework_info.name = "echo framework"
    message.slave_id.value = "M-S1"
    message.slave_info.hostname = "node1"
    return message


def runTask(taskId: str, data: bytes = b"") -> msgs.RunTaskMessage:
    message = msgs.RunTaskMessage(task=mesos_pb2.TaskInfo(name=taskId, data=data))
    message.framework_id.value = "M-0001"
    message.task.task_id.value = taskId
    return message


def killTask(taskId: str) -> msgs.KillTaskMessage:
    message = msgs.KillTaskMessage()
    message.task_id.value = taskId
    return message


def ack(uuid: bytes, taskId: str = "t1") -> msgs.StatusUpdateAcknowledgementMessage:
    message = msgs.StatusUpdateAcknowledgementMessage(uuid=uuid)
    message.task_id.value = taskId
    return message


def running(taskId: str = "t1", state: int = mesos_pb2.TASK_RUNNING) -> TaskStatus:
    status = TaskStatus(state=state)
    status.task_id.value = taskId
    return status


class DriverTestMixin:
    """
    A driver for a L{RecordingExecutor} connected to a L{FakeSlave}.
    """

    def makeDriver(self, register: bool = True, **env: str) -> None:
        self.clock = Clock()
        self.slave = FakeSlave()
        self.executor = RecordingExecutor()
        self.driver = ExecutorDriver(
            self.executor, self.clock, environ(**env), endpoint=self.slave
        )
        self.started = self.driver.start()
        if register:
            self.slave.received()
            self.slave.send(registeredMessage())
            del self.executor.calls[:]


class EnvironmentTests(SynchronousTestCase):
    """
    Tests for how L{ExecutorDriver} reads its environment.
    """

    def test_missingVariable(self) -> None:
        """
        Without one of the variables a slave always sets, the driver cannot be
        created and the error names the variable and the slave.
        """
        for name in [
            environment.FRAMEWORK_ID,
            environment.EXECUTOR_ID,
            environment.SLAVE_ID,
            environment.DIRECTORY,
            environment.SLAVE_SOCKET,
            environment.EXECUTOR_SECRET,
        ]:
            env = environ()
            del env[name]
            e = self.assertRaises(
                ExecutorEnvironmentError, ExecutorDriver, Executor(), Clock(), env
            )
            self.assertIsInstance(e, RuntimeError)
            self.assertIn(name, str(e))
            self.assertIn("launched by a mesos_tw slave", str(e))

    def test_emptyVariable(self) -> None:
        """
        An empty id counts as missing.
        """
        e = self.assertRaises(
            ExecutorEnvironmentError,
            ExecutorDriver,
            Executor(),
            Clock(),
            environ(**{environment.EXECUTOR_ID: ""}),
        )
        self.assertIn(environment.EXECUTOR_ID, str(e))

    def test_values(self) -> None:
        """
        The driver exposes the ids, the sandbox, the socket path and the
        checkpoint flag of its environment.
        """
        driver = ExecutorDriver(
            Executor(), Clock(), environ(**{environment.CHECKPOINT: "1"})
        )
        self.assertEqual(
            (
                driver.frameworkId,
                driver.executorId,
                driver.slaveId,
                driver.directory,
                driver.socketPath,
                driver.checkpoint,
                driver.status,
            ),
            ("M-0001", "echo", "M-S1", "/sandbox", SOCKET, True, NOT_STARTED),
        )

    def test_checkpointDefault(self) -> None:
        """
        Without C{MESOS_CHECKPOINT}, or with anything but C{"1"}, the
        framework does not checkpoint.
        """
        env = environ()
        del env[environment.CHECKPOINT]
        self.assertFalse(ExecutorDriver(Executor(), Clock(), env).checkpoint)
        env = environ(**{environment.CHECKPOINT: "0"})
        self.assertFalse(ExecutorDriver(Executor(), Clock(), env).checkpoint)


class RegistrationTests(DriverTestMixin, SynchronousTestCase):
    """
    Tests for L{ExecutorDriver.start}.
    """

    def test_registerMessage(self) -> None:
        """
        Once connected, the driver sends the slave a
        C{RegisterExecutorMessage} with the framework and executor ids and the
        secret.
        """
        self.makeDriver(register=False)
        [message] = self.slave.received()
        self.assertIsInstance(message, msgs.RegisterExecutorMessage)
        self.assertEqual(message.framework_id.value, "M-0001")
        self.assertEqual(message.executor_id.value, "echo")
        self.assertEqual(message.secret, "s3cret")

    def test_registered(self) -> None:
        """
        C{start}'s L{Deferred} fires with C{DRIVER_RUNNING} when the slave
        answers, after the executor's C{registered} got the infos.
        """
        self.makeDriver(register=False)
        self.assertNoResult(self.started)
        self.slave.send(registeredMessage())
        self.assertEqual(self.successResultOf(self.started), RUNNING)
        [(name, (executorInfo, frameworkInfo, slaveInfo))] = self.executor.calls
        self.assertEqual(name, "registered")
        self.assertEqual(executorInfo.name, "Echo")
        self.assertEqual(frameworkInfo.name, "echo framework")
        self.assertEqual(slaveInfo.hostname, "node1")
        self.assertEqual(self.driver.status, RUNNING)
        self.assertTrue(self.driver.connected)
        self.assertEqual(self.driver.slaveInfo.hostname, "node1")

    def test_secondRegistrationIgnored(self) -> None:
        """
        A duplicate C{ExecutorRegisteredMessage} does not call C{registered}
        again.
        """
        self.makeDriver()
        self.slave.send(registeredMessage())
        self.assertEqual(self.executor.calls, [])

    def test_connectionRefused(self) -> None:
        """
        If the slave cannot be reached, C{start} fails with a
        L{SlaveConnectionError} naming the socket, and the driver aborts.
        """
        driver = ExecutorDriver(
            Executor(), Clock(), environ(), endpoint=RefusingEndpoint()
        )
        failure = self.failureResultOf(driver.start(), SlaveConnectionError)
        self.assertIn(SOCKET, str(failure.value))
        self.assertIn("nobody listens", str(failure.value))
        self.assertEqual(self.successResultOf(driver.join()), ABORTED)

    def test_lostBeforeRegistration(self) -> None:
        """
        If the connection ends before the slave registers the executor,
        C{start} fails and the driver aborts without calling the executor.
        """
        self.makeDriver(register=False)
        self.slave.drop()
        self.failureResultOf(self.started, SlaveConnectionError)
        self.assertEqual(
            self.successResultOf(self.driver.join()), ABORTED
        )
        self.assertEqual(self.executor.calls, [])

    def test_startTwice(self) -> None:
        """
        A second C{start} fails with L{DriverNotRunning}.
        """
        self.makeDriver()
        self.failureResultOf(self.driver.start(), DriverNotRunning)

    def test_shortPath(self) -> None:
        """
        Without an endpoint, the driver connects to the Unix socket of its
        environment, through L{shortPath} when the path is long, and releases
        the directory descriptor when the attempt ends.
        """
        directory = FilePath(self.mktemp()).child("d" * 120)
        directory.makedirs()
        path = directory.child("slave.sock").path
        reactor = MemoryReactorClock()
        driver = ExecutorDriver(
            Executor(), reactor, environ(**{environment.SLAVE_SOCKET: path})
        )
        started = driver.start()
        [(address, factory, timeout, checkPID)] = reactor.unixClients
        self.assertTrue(address.startswith("/proc/self/fd/"), address)
        self.assertTrue(address.endswith("/slave.sock"))
        fd = int(address.split("/")[4])
        self.assertTrue(os.path.samefile(f"/proc/self/fd/{fd}", directory.path))
        self.successResultOf(driver.stop())
        self.failureResultOf(started, DriverNotRunning)
        self.assertRaises(OSError, os.fstat, fd)


class DispatchTests(DriverTestMixin, SynchronousTestCase):
    """
    Tests for how the slave's messages reach the executor.
    """

    def setUp(self) -> None:
        self.makeDriver()

    def test_launchTask(self) -> None:
        """
        A C{RunTaskMessage} calls C{launchTask} with the task, which the
        driver keeps until one of its updates is acknowledged.
        """
        self.slave.send(runTask("t1", b"hello"))
        [(name, (task,))] = self.executor.calls
        self.assertEqual(
            (name, task.task_id.value, task.data), ("launchTask", "t1", b"hello")
        )
        self.assertEqual(list(self.driver.tasks), ["t1"])

    def test_killTask(self) -> None:
        """
        A C{KillTaskMessage} calls C{killTask} with the task id.
        """
        self.slave.send(killTask("t1"))
        [(name, (taskId,))] = self.executor.calls
        self.assertEqual((name, taskId.value), ("killTask", "t1"))

    def test_frameworkMessage(self) -> None:
        """
        A C{FrameworkToExecutorMessage} calls C{frameworkMessage} with its
        data.
        """
        self.slave.send(msgs.FrameworkToExecutorMessage(data=b"ping"))
        self.assertEqual(self.executor.calls, [("frameworkMessage", (b"ping",))])

    def test_reregistered(self) -> None:
        """
        An C{ExecutorReregisteredMessage} calls C{reregistered} with the slave
        info.
        """
        message = msgs.ExecutorReregisteredMessage()
        message.slave_info.hostname = "node2"
        self.slave.send(message)
        [(name, (slaveInfo,))] = self.executor.calls
        self.assertEqual((name, slaveInfo.hostname), ("reregistered", "node2"))

    def test_shutdown(self) -> None:
        """
        A C{ShutdownExecutorMessage} calls C{shutdown}, then the driver stops
        and closes the connection.
        """
        self.slave.send(msgs.ShutdownExecutorMessage())
        self.assertEqual(self.executor.names(), ["shutdown"])
        self.assertEqual(self.successResultOf(self.driver.join()), STOPPED)
        self.assertFalse(self.slave.transport.connected)

    def test_shutdownWaits(self) -> None:
        """
        The driver stops only once the L{Deferred} C{shutdown} returned fires.
        """
        self.executor.results["shutdown"] = pending = Deferred()
        self.slave.send(msgs.ShutdownExecutorMessage())
        joined = self.driver.join()
        self.assertNoResult(joined)
        self.assertEqual(self.driver.status, RUNNING)
        pending.callback(None)
        self.assertEqual(self.successResultOf(joined), STOPPED)

    def test_shutdownBeforeRegistration(self) -> None:
        """
        A slave that refuses the registration with C{ShutdownExecutorMessage}
        makes C{start} fail and the driver stop.
        """
        self.makeDriver(register=False)
        self.slave.send(msgs.ShutdownExecutorMessage())
        self.failureResultOf(self.started, DriverNotRunning)
        self.assertEqual(self.executor.names(), ["shutdown"])
        self.assertEqual(self.successResultOf(self.driver.join()), STOPPED)


class StatusUpdateTests(DriverTestMixin, SynchronousTestCase):
    """
    Tests for L{ExecutorDriver.sendStatusUpdate}.
    """

    def setUp(self) -> None:
        self.makeDriver()
        self.clock.advance(1234.5)

    def test_fillsFields(self) -> None:
        """
        The update sent carries the status with a fresh uuid, the time, the
        executor and slave ids and C{SOURCE_EXECUTOR}, wrapped with the
        framework id; the caller's status is left as it was.
        """
        status = running()
        self.driver.sendStatusUpdate(status)
        [message] = self.slave.received()
        self.assertIsInstance(message, msgs.StatusUpdateMessage)
        update = message.update
        self.assertEqual(len(update.status.uuid), 16)
        self.assertEqual(update.status.timestamp, 1234.5)
        self.assertEqual(update.status.executor_id.value, "echo")
        self.assertEqual(update.status.slave_id.value, "M-S1")
        self.assertEqual(update.status.source, TaskStatus.SOURCE_EXECUTOR)
        self.assertEqual(update.status.task_id.value, "t1")
        self.assertEqual(update.status.state, mesos_pb2.TASK_RUNNING)
        self.assertEqual(update.framework_id.value, "M-0001")
        self.assertEqual(update.executor_id.value, "echo")
        self.assertEqual(update.slave_id.value, "M-S1")
        self.assertEqual(update.timestamp, 1234.5)
        self.assertEqual(status, running())

    def test_freshUUIDs(self) -> None:
        """
        Every update gets its own uuid.
        """
        self.driver.sendStatusUpdate(running())
        self.driver.sendStatusUpdate(running())
        first, second = self.slave.received()
        self.assertNotEqual(first.update.status.uuid, second.update.status.uuid)

    def test_keepsSetFields(self) -> None:
        """
        Fields the executor set itself are kept.
        """
        status = running()
        status.uuid = b"u" * 16
        status.timestamp = 7.0
        status.source = TaskStatus.SOURCE_SLAVE
        self.driver.sendStatusUpdate(status)
        [message] = self.slave.received()
        self.assertEqual(message.update.status.uuid, b"u" * 16)
        self.assertEqual(message.update.status.timestamp, 7.0)
        self.assertEqual(message.update.status.source, TaskStatus.SOURCE_SLAVE)

    def test_acknowledgement(self) -> None:
        """
        The L{Deferred} fires only on the acknowledgement with the update's
        uuid; until then the update and its task are kept.
        """
        self.slave.send(runTask("t1"))
        acknowledged = self.driver.sendStatusUpdate(running())
        [message] = self.slave.received()
        uuid = message.update.status.uuid
        self.assertEqual(list(self.driver.updates), [uuid])
        self.slave.send(ack(b"x" * 16))
        self.assertNoResult(acknowledged)
        self.assertEqual(list(self.driver.tasks), ["t1"])
        self.slave.send(ack(uuid))
        self.assertIsNone(self.successResultOf(acknowledged))
        self.assertEqual(self.driver.updates, {})
        self.assertEqual(self.driver.tasks, {})

    def test_staging(self) -> None:
        """
        A C{TASK_STAGING} update is refused and not sent; as in Mesos, the
        driver aborts and the executor's C{error} is called.
        """
        result = self.driver.sendStatusUpdate(running(state=mesos_pb2.TASK_STAGING))
        self.failureResultOf(result, StatusUpdateRefused)
        self.assertEqual(self.slave.received(), [])
        self.assertEqual(
            self.executor.calls,
            [("error", ("Attempted to send TASK_STAGING status update",))],
        )
        self.assertEqual(self.successResultOf(self.driver.join()), ABORTED)

    def test_notRunning(self) -> None:
        """
        Before C{start} or after C{stop}, sending fails with
        L{DriverNotRunning}.
        """
        driver = ExecutorDriver(Executor(), Clock(), environ(), endpoint=FakeSlave())
        self.failureResultOf(driver.sendStatusUpdate(running()), DriverNotRunning)
        self.driver.stop()
        self.failureResultOf(self.driver.sendStatusUpdate(running()), DriverNotRunning)
        self.failureResultOf(self.driver.sendFrameworkMessage(b"x"), DriverNotRunning)

    def test_frameworkMessage(self) -> None:
        """
        C{sendFrameworkMessage} sends an C{ExecutorToFrameworkMessage} with
        the ids and the data, and fires at once.
        """
        self.assertIsNone(self.successResultOf(self.driver.sendFrameworkMessage(b"hi")))
        [message] = self.slave.received()
        self.assertIsInstance(message, msgs.ExecutorToFrameworkMessage)
        self.assertEqual(
            (
                message.slave_id.value,
                message.framework_id.value,
                message.executor_id.value,
                message.data,
            ),
            ("M-S1", "M-0001", "echo", b"hi"),
        )


class CallbackOrderTests(DriverTestMixin, SynchronousTestCase):
    """
    Tests for the order of the executor's callbacks and their failures.
    """

    def setUp(self) -> None:
        self.makeDriver()

    def test_pendingDeferred(self) -> None:
        """
        While a callback's L{Deferred} is pending, later events wait.
        """
        self.executor.results["launchTask"] = pending = Deferred()
        self.slave.send(runTask("t1"))
        self.slave.send(killTask("t1"))
        self.slave.send(msgs.FrameworkToExecutorMessage(data=b"x"))
        self.assertEqual(self.executor.names(), ["launchTask"])
        pending.callback(None)
        self.assertEqual(
            self.executor.names(), ["launchTask", "killTask", "frameworkMessage"]
        )

    def test_acknowledgementsDoNotWait(self) -> None:
        """
        A callback may wait for the acknowledgement of its own update: that
        acknowledgement is not held back behind it.
        """
        self.executor.results["launchTask"] = self.driver.sendStatusUpdate(running())
        [message] = self.slave.received()
        self.slave.send(runTask("t1"))
        self.slave.send(killTask("t1"))
        self.assertEqual(self.executor.names(), ["launchTask"])
        self.slave.send(ack(message.update.status.uuid))
        self.assertEqual(self.executor.names(), ["launchTask", "killTask"])

    def test_raising(self) -> None:
        """
        A callback that raises is logged and the next events are delivered.
        """
        self.executor.results["launchTask"] = ZeroDivisionError()
        self.slave.send(runTask("t1"))
        self.slave.send(killTask("t1"))
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.assertEqual(self.executor.names(), ["launchTask", "killTask"])
        self.assertEqual(self.driver.status, RUNNING)

    def test_failing(self) -> None:
        """
        A callback whose L{Deferred} fails is logged and the next events are
        delivered.
        """
        self.executor.results["launchTask"] = pending = Deferred()
        self.slave.send(runTask("t1"))
        self.slave.send(killTask("t1"))
        pending.errback(ZeroDivisionError())
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.assertEqual(self.executor.names(), ["launchTask", "killTask"])

    def test_stopDropsQueued(self) -> None:
        """
        Events queued behind a pending callback are dropped if the driver
        stops meanwhile.
        """
        self.executor.results["launchTask"] = pending = Deferred()
        self.slave.send(runTask("t1"))
        self.slave.send(killTask("t1"))
        self.driver.stop()
        pending.callback(None)
        self.assertEqual(self.executor.names(), ["launchTask"])


class ConnectionLossTests(DriverTestMixin, SynchronousTestCase):
    """
    Tests for what happens when the slave goes away.
    """

    def test_withoutCheckpoint(self) -> None:
        """
        If the framework does not checkpoint, the executor is told it is
        disconnected, then to shut down, and the driver stops; updates not
        acknowledged fail.
        """
        self.makeDriver()
        acknowledged = self.driver.sendStatusUpdate(running())
        self.slave.drop()
        self.assertEqual(self.executor.names(), ["disconnected", "shutdown"])
        self.assertEqual(self.successResultOf(self.driver.join()), STOPPED)
        failure = self.failureResultOf(acknowledged, SlaveConnectionError)
        self.assertIn("does not checkpoint", str(failure.value))

    def test_withCheckpoint(self) -> None:
        """
        If the framework checkpoints, the driver waits L{RECOVERY_TIMEOUT}
        seconds for the slave, keeping its updates, then shuts down.
        """
        self.makeDriver(**{environment.CHECKPOINT: "1"})
        acknowledged = self.driver.sendStatusUpdate(running())
        self.slave.drop()
        self.assertEqual(self.executor.names(), ["disconnected"])
        self.clock.advance(RECOVERY_TIMEOUT - 1)
        self.assertEqual(self.executor.names(), ["disconnected"])
        self.assertEqual(len(self.driver.updates), 1)
        self.assertNoResult(acknowledged)
        self.clock.advance(1)
        self.assertEqual(self.executor.names(), ["disconnected", "shutdown"])
        self.assertEqual(self.successResultOf(self.driver.join()), STOPPED)
        self.failureResultOf(acknowledged, SlaveConnectionError)

    def test_reconnects(self) -> None:
        """
        After losing a slave, the driver of a checkpointing framework tries
        to reach it again every L{RECONNECT_INTERVAL} seconds and
        re-registers with the tasks and updates not yet acknowledged; the
        executor hears C{reregistered} and the recovery timeout ends.
        """
        self.makeDriver(**{environment.CHECKPOINT: "1"})
        self.slave.send(runTask("t1"))
        self.slave.send(runTask("t2"))
        acknowledged = self.driver.sendStatusUpdate(running("t1"))
        self.slave.received()
        self.slave.drop()
        refusing = FlakyEndpoint(self.slave, refusals=2)
        self.driver._endpoint = refusing
        self.clock.advance(RECONNECT_INTERVAL)
        self.clock.advance(RECONNECT_INTERVAL)
        self.assertEqual(refusing.attempts, 2)
        self.clock.advance(RECONNECT_INTERVAL)
        [message] = self.slave.received()
        self.assertIsInstance(message, msgs.ReregisterExecutorMessage)
        self.assertEqual(message.secret, "s3cret")
        self.assertEqual(message.executor_id.value, "echo")
        self.assertEqual([t.task_id.value for t in message.tasks], ["t1", "t2"])
        self.assertEqual(
            [u.status.task_id.value for u in message.updates], ["t1"]
        )
        self.slave.send(msgs.ExecutorReregisteredMessage())
        self.assertEqual(
            self.executor.names(),
            ["launchTask", "launchTask", "disconnected", "reregistered"],
        )
        self.assertTrue(self.driver.connected)
        ack = msgs.StatusUpdateAcknowledgementMessage(uuid=message.updates[0].status.uuid)
        ack.task_id.value = "t1"
        self.slave.send(ack)
        self.assertIsNone(self.successResultOf(acknowledged))
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_lostAgainWhileReconnecting(self) -> None:
        """
        Losing the new connection before re-registering does not restart
        the recovery timeout nor tell the executor twice; the driver keeps
        trying until the first loss's deadline.
        """
        self.makeDriver(**{environment.CHECKPOINT: "1"})
        self.slave.drop()
        self.clock.advance(RECONNECT_INTERVAL)
        self.slave.drop()
        self.assertEqual(self.executor.names(), ["disconnected"])
        self.driver._endpoint = RefusingEndpoint()
        self.clock.advance(RECOVERY_TIMEOUT - RECONNECT_INTERVAL)
        self.assertEqual(self.executor.names(), ["disconnected", "shutdown"])
        self.assertEqual(self.successResultOf(self.driver.join()), STOPPED)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_stopCancelsRecovery(self) -> None:
        """
        Stopping while waiting for the slave cancels the recovery timeout.
        """
        self.makeDriver(**{environment.CHECKPOINT: "1"})
        self.slave.drop()
        self.successResultOf(self.driver.stop())
        self.assertEqual(self.clock.getDelayedCalls(), [])


class StopTests(DriverTestMixin, SynchronousTestCase):
    """
    Tests for L{ExecutorDriver.stop}, L{ExecutorDriver.abort} and
    L{ExecutorDriver.join}.
    """

    def test_stop(self) -> None:
        """
        C{stop} closes the connection; its L{Deferred} and C{join}'s fire with
        C{DRIVER_STOPPED} and no callback runs after it.
        """
        self.makeDriver()
        joined = self.driver.join()
        self.assertNoResult(joined)
        self.assertEqual(self.successResultOf(self.driver.stop()), STOPPED)
        self.assertEqual(self.successResultOf(joined), STOPPED)
        self.assertFalse(self.slave.transport.connected)
        self.assertEqual(self.executor.calls, [])

    def test_stopWaitsForClose(self) -> None:
        """
        C{stop} fires only once the connection is closed, after what was sent
        has been written.
        """
        self.makeDriver()
        self.slave.transport.loseConnection = lambda: None
        stopped = self.driver.stop()
        self.assertNoResult(stopped)
        self.slave.drop()
        self.assertEqual(self.successResultOf(stopped), STOPPED)
        self.assertEqual(self.executor.calls, [])

    def test_abort(self) -> None:
        """
        C{abort} ends the driver with C{DRIVER_ABORTED}; a later C{stop} does
        not change that.
        """
        self.makeDriver()
        self.assertEqual(self.successResultOf(self.driver.abort()), ABORTED)
        self.assertEqual(self.successResultOf(self.driver.stop()), ABORTED)
        self.assertEqual(self.successResultOf(self.driver.join()), ABORTED)

    def test_notStarted(self) -> None:
        """
        Before C{start}, C{join} and C{stop} fire at once with
        C{DRIVER_NOT_STARTED}.
        """
        driver = ExecutorDriver(Executor(), Clock(), environ(), endpoint=FakeSlave())
        self.assertEqual(self.successResultOf(driver.join()), NOT_STARTED)
        self.assertEqual(self.successResultOf(driver.stop()), NOT_STARTED)

    def test_stopFromCallback(self) -> None:
        """
        An executor may stop the driver from a callback.
        """
        self.makeDriver()
        self.executor.launchTask = lambda driver, task: driver.stop()
        self.slave.send(runTask("t1"))
        self.slave.send(killTask("t1"))
        self.assertEqual(self.successResultOf(self.driver.join()), STOPPED)
        self.assertEqual(self.executor.calls, [])


class Reacted(Exception):
    """
    Raised by L{RunTests}'s fake C{react} once it has started C{main}.
    """


class FakeLogBeginner:
    """
    Records C{beginLoggingTo} calls instead of redirecting the global log.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[list, bool]] = []

    def beginLoggingTo(self, observers, redirectStandardIO=True) -> None:
        self.calls.append((observers, redirectStandardIO))


class RunTests(SynchronousTestCase):
    """
    Tests for L{run}.
    """

    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        self.stderr = io.StringIO()
        self.logBeginner = FakeLogBeginner()
        self.patch(sys, "stderr", self.stderr)
        self.patch(driverModule, "globalLogBeginner", self.logBeginner)
        self.patch(os, "environ", environ())
        self.executor = RecordingExecutor()

        def react(main, argv=()):
            self.main = ensureDeferred(main(self.reactor, *argv))
            raise Reacted()

        import twisted.internet.task

        self.patch(twisted.internet.task, "react", react)

    def runExecutor(self) -> Deferred:
        """
        Call L{run}; return the L{Deferred} of the C{main} it gave C{react}.
        """
        self.assertRaises(Reacted, run, self.executor, ["/sandbox/echo.py"])
        return self.main

    def exitCode(self) -> int:
        return self.failureResultOf(self.main, SystemExit).value.code

    def connect(self) -> FakeSlave:
        """
        Complete the driver's connection attempt to a L{FakeSlave}.
        """
        [(path, factory, timeout, checkPID)] = self.reactor.unixClients
        self.assertEqual(path, SOCKET)
        slave = FakeSlave()
        slave.attach(factory)
        slave.received()
        return slave

    def test_logging(self) -> None:
        """
        L{run} logs to standard error, leaving standard output alone.
        """
        self.runExecutor()
        [(observers, redirect)] = self.logBeginner.calls
        self.assertEqual(len(observers), 1)
        self.assertFalse(redirect)
        observers[0]({"log_format": "hello", "log_time": 0})
        self.assertIn("hello", self.stderr.getvalue())

    def test_stopped(self) -> None:
        """
        The process exits with 0 once the driver has stopped.
        """
        self.runExecutor()
        slave = self.connect()
        slave.send(registeredMessage())
        self.assertNoResult(self.main)
        slave.send(msgs.ShutdownExecutorMessage())
        self.assertEqual(self.exitCode(), 0)
        self.assertEqual(self.executor.names(), ["registered", "shutdown"])

    def test_aborted(self) -> None:
        """
        The process exits with 1 if the driver aborts.
        """
        self.runExecutor()
        slave = self.connect()
        slave.send(registeredMessage())
        self.executor.launchTask = lambda driver, task: driver.abort()
        slave.send(runTask("t1"))
        self.assertEqual(self.exitCode(), 1)

    def test_startFails(self) -> None:
        """
        If the slave cannot be reached, the process exits with 1 and says why
        on standard error.
        """
        self.runExecutor()
        [(path, factory, timeout, checkPID)] = self.reactor.unixClients
        factory.clientConnectionFailed(
            self.reactor.connectors[-1], Failure(ConnectionRefusedError())
        )
        self.assertEqual(self.exitCode(), 1)
        self.assertIn(
            "echo.py: could not connect to the slave at", self.stderr.getvalue()
        )
        self.assertIn(SOCKET, self.stderr.getvalue())

    def test_missingEnvironment(self) -> None:
        """
        Outside a slave's environment, the process exits with 1 and names the
        missing variable.
        """
        del os.environ[environment.SLAVE_SOCKET]
        self.runExecutor()
        self.assertEqual(self.exitCode(), 1)
        self.assertIn(environment.SLAVE_SOCKET, self.stderr.getvalue())
        self.assertEqual(self.reactor.unixClients, [])


def loadEcho() -> Any:
    """
    The module C{examples/echo_executor.py}.
    """
    path = FilePath(__file__).parent().sibling("examples").child("echo_executor.py")
    spec = importlib.util.spec_from_file_location("echo_executor", path.path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class EchoExecutorTests(SynchronousTestCase):
    """
    Tests for the example C{examples/echo_executor.py}.
    """

    def setUp(self) -> None:
        self.slave = FakeSlave()
        self.driver = ExecutorDriver(
            loadEcho().EchoExecutor(), Clock(), environ(), endpoint=self.slave
        )
        self.driver.start()
        self.slave.received()
        self.slave.send(registeredMessage())

    def acknowledgeAll(self) -> list[Any]:
        """
        Acknowledge each status update sent, until no more come.

        @return: all the messages sent.
        """
        sent = []
        while new := self.slave.received():
            sent.extend(new)
            for message in new:
                if isinstance(message, msgs.StatusUpdateMessage):
                    self.slave.send(ack(message.update.status.uuid))
        return sent

    def test_task(self) -> None:
        """
        A task is reported running, its data echoed, then it is reported
        finished.
        """
        self.slave.send(runTask("t1", b"hello"))
        sent = self.acknowledgeAll()
        self.assertEqual(
            [type(m).__name__ for m in sent],
            [
                "StatusUpdateMessage",
                "ExecutorToFrameworkMessage",
                "StatusUpdateMessage",
            ],
        )
        self.assertEqual(sent[0].update.status.state, mesos_pb2.TASK_RUNNING)
        self.assertEqual(sent[1].data, b"hello")
        self.assertEqual(sent[2].update.status.state, mesos_pb2.TASK_FINISHED)

    def test_kill(self) -> None:
        """
        A kill is answered with C{TASK_KILLED}.
        """
        self.slave.send(killTask("t1"))
        [message] = self.acknowledgeAll()
        self.assertEqual(message.update.status.state, mesos_pb2.TASK_KILLED)
        self.assertEqual(message.update.status.task_id.value, "t1")

    def test_frameworkMessage(self) -> None:
        """
        A framework message is answered with its bytes reversed.
        """
        self.slave.send(msgs.FrameworkToExecutorMessage(data=b"abc"))
        [message] = self.slave.received()
        self.assertEqual(message.data, b"cba")


class UnixSocketTests(TestCase):
    """
    Tests for L{ExecutorDriver} over a real Unix socket.
    """

    @inlineCallbacks
    def test_longPath(self):
        """
        The driver registers with a slave listening at a path longer than a
        C{sockaddr_un} holds.
        """
        from twisted.internet import reactor

        directory = FilePath(self.mktemp()).child("sandbox-" + "x" * 100)
        directory.makedirs()
        path = directory.child("slave.sock").path
        self.assertGreater(len(path), 108)

        registrations = []
        serverLost = Deferred()

        def register(connection, message):
            registrations.append(message)
            connection.send(registeredMessage())

        dispatcher = Dispatcher()
        dispatcher.register(msgs.RegisterExecutorMessage, register)
        factory = MessageFactory(
            dispatcher, onLost=lambda connection, reason: serverLost.callback(None)
        )
        # The short path must stay valid until the port has removed its
        # socket file, so it is released after stopListening.
        paths = shortPath(path)
        short = paths.__enter__()
        self.addCleanup(paths.__exit__, None, None, None)
        port = reactor.listenUNIX(short, factory)
        self.addCleanup(port.stopListening)

        executor = RecordingExecutor()
        driver = ExecutorDriver(
            executor, reactor, environ(**{environment.SLAVE_SOCKET: path})
        )
        status = yield driver.start()
        self.assertEqual(status, RUNNING)
        [message] = registrations
        self.assertEqual(message.secret, "s3cret")
        self.assertEqual(executor.names(), ["registered"])
        status = yield driver.stop()
        self.assertEqual(status, STOPPED)
        yield serverLost
