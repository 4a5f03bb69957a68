"""
Tests for L{mesos_tw.slave.recovery}: a new slave process takes over the
checkpointed frameworks, executors, tasks and status updates of the one
before, with a L{FakeLauncher} standing for the containers that outlived it.
"""

from __future__ import annotations

import os

from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.mesos_pb2 import SlaveInfo, TaskStatus
from mesos_tw.protocol.framing import MessageFactory
from mesos_tw.protocol.tls import Peer
from mesos_tw.resources import Resources
from mesos_tw.slave import constants, recovery, state
from mesos_tw.slave.slave import Slave
from mesos_tw.testing.fakes import FakeLauncher
from mesos_tw.testing.wire import ofType, parseFrames
from tests.test_slave import MASTER_PEER, sent, wire
from tests.test_slave_runtime import (
    ENVIRON,
    FRAMEWORK_ID,
    SLAVE_ID,
    commandTask,
    executorTask,
    frameworkInfo,
)

BOOT = "boot-1"
LOST = mesos_pb2.TASK_LOST


class Process:
    """
    One slave process: a L{Slave} with its reactor, launcher and a fake
    master connection.
    """

    def __init__(self, workDir: str, recoverable=None, **kwargs) -> None:
        self.reactor = MemoryReactorClock()
        self.launcher = FakeLauncher(self.reactor, recoverable=recoverable)
        self.slave = Slave(
            SlaveInfo(hostname="host1", resources=Resources.parse("cpus:2").toProto()),
            self.reactor,
            random=lambda: 0.5,
            launcher=self.launcher,
            workDir=workDir,
            environ=ENVIRON,
            switchUser=False,
            boot=BOOT,
            statusUpdateRetryIntervalMin=1,
            **kwargs,
        )
        self.transport: StringTransport | None = None

    def connect(self) -> None:
        factory = MessageFactory(
            self.slave.dispatcher, onReady=self.slave.connected,
            onLost=self.slave.disconnected,
        )
        self.master = factory.buildProtocol(None)
        self.transport = StringTransport()
        self.master.makeConnection(self.transport)
        self.master.peer = MASTER_PEER
        factory.ready(self.master)
        self.reactor.advance(1)

    def fromMaster(self, message) -> None:
        self.master.dataReceived(wire(message))

    def toMaster(self) -> list:
        return sent(self.transport)

    def register(self) -> None:
        self.connect()
        self.toMaster()
        self.fromMaster(msgs.SlaveRegisteredMessage(slave_id=mesos_pb2.SlaveID(value=SLAVE_ID)))

    def runTask(self, task, checkpoint: bool = True) -> None:
        message = msgs.RunTaskMessage(framework=frameworkInfo(checkpoint=checkpoint), task=task)
        message.framework_id.value = FRAMEWORK_ID
        self.fromMaster(message)

    def ack(self, update: msgs.StatusUpdate) -> None:
        message = msgs.StatusUpdateAcknowledgementMessage(uuid=update.status.uuid)
        message.slave_id.value = SLAVE_ID
        message.framework_id.CopyFrom(update.framework_id)
        message.task_id.CopyFrom(update.status.task_id)
        self.fromMaster(message)

    def updates(self, acknowledge: bool = True) -> list[msgs.StatusUpdate]:
        """
        The updates sent to the master, acknowledging each (releasing the
        next) unless told not to.
        """
        found = []
        while True:
            new = [m.update for m in self.toMaster() if isinstance(m, msgs.StatusUpdateMessage)]
            found.extend(new)
            if not new or not acknowledge:
                return found
            for update in new:
                self.ack(update)

    def executorConnection(self):
        address, factory, _, _, _ = self.reactor.unixServers[-1]
        protocol = factory.buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.peer = Peer("", "", "")
        return protocol, transport

    def container(self, executorId: str) -> str:
        return self.slave.frameworks[FRAMEWORK_ID].executors[executorId].containerId


def states(updates) -> list[str]:
    return [mesos_pb2.TaskState.Name(u.status.state) for u in updates]


class RecoveryTests(SynchronousTestCase):
    """
    A slave process dies; the next one recovers from the checkpoints.
    """

    def setUp(self) -> None:
        self.workDir = os.path.abspath(self.mktemp())
        self.first = Process(self.workDir)
        self.first.register()

    def restart(self, **kwargs) -> Process:
        """
        The first slave process dies; a second one starts and recovers.
        """
        left = self.first.launcher.abandon()
        self.first.slave.stop()
        second = Process(self.workDir, recoverable=left, **kwargs)
        self.recovered = second.slave.recover()
        self.addCleanup(second.slave.stop)
        return second

    def test_commandTaskRecovered(self) -> None:
        """
        A command task keeps running under the same slave id: the slave
        re-registers with it, and its end is reported as usual.
        """
        self.first.runTask(commandTask("t1"))
        self.assertEqual(states(self.first.updates()), ["TASK_STARTING", "TASK_RUNNING"])
        second = self.restart()
        self.successResultOf(self.recovered)
        self.assertEqual(second.slave.id, SLAVE_ID)
        self.assertEqual(second.launcher.recovered, {second.container("t1")})
        second.connect()
        [reregister] = second.toMaster()
        self.assertIsInstance(reregister, msgs.ReregisterSlaveMessage)
        self.assertEqual(reregister.slave.id.value, SLAVE_ID)
        [task] = reregister.tasks
        self.assertEqual((task.task_id.value, task.state), ("t1", mesos_pb2.TASK_RUNNING))
        second.fromMaster(msgs.SlaveReregisteredMessage(slave_id=mesos_pb2.SlaveID(value=SLAVE_ID)))
        second.launcher.processes[second.container("t1")].exit(0)
        self.assertEqual(states(second.updates()), ["TASK_FINISHED"])

    def test_unacknowledgedResent(self) -> None:
        """
        Updates not acknowledged before the restart are sent again, with
        their uuids, once the slave has re-registered.
        """
        self.first.runTask(commandTask("t1"))
        [starting] = self.first.updates(acknowledge=False)
        self.first.ack(starting)
        [running] = self.first.updates(acknowledge=False)
        second = self.restart()
        second.connect()
        second.toMaster()
        second.fromMaster(msgs.SlaveReregisteredMessage(slave_id=mesos_pb2.SlaveID(value=SLAVE_ID)))
        [resent] = second.updates(acknowledge=False)
        self.assertEqual(resent.status.uuid, running.status.uuid)

    def test_endedWhileDown(self) -> None:
        """
        A command task that ended while the slave was down reports its
        recorded status; one whose status is unknown is lost.
        """
        self.first.runTask(commandTask("t1"))
        self.first.runTask(commandTask("t2"))
        self.first.updates()
        left = self.first.launcher.abandon()
        left[self.first.container("t1")] = 0
        left[self.first.container("t2")] = None
        self.first.slave.stop()
        second = Process(self.workDir, recoverable=left)
        self.addCleanup(second.slave.stop)
        self.successResultOf(second.slave.recover())
        second.reactor.advance(0)
        second.register()
        updates = {u.status.task_id.value: u.status for u in second.updates()}
        self.assertEqual(updates["t1"].state, mesos_pb2.TASK_FINISHED)
        self.assertEqual(updates["t2"].state, LOST)
        self.assertEqual(updates["t2"].reason, TaskStatus.REASON_EXECUTOR_REREGISTRATION_TIMEOUT)

    def startExecutor(self, process: Process, *taskIds: str):
        for taskId in taskIds:
            process.runTask(executorTask(taskId))
        protocol, transport = process.executorConnection()
        executor = process.slave.frameworks[FRAMEWORK_ID].executors["ex1"]
        message = msgs.RegisterExecutorMessage(secret=executor.secret)
        message.framework_id.value = FRAMEWORK_ID
        message.executor_id.value = "ex1"
        protocol.dataReceived(wire(message))
        return protocol, transport, executor.secret

    def test_executorReregisters(self) -> None:
        """
        The slave waits for a recovered executor to re-register (with its
        checkpointed secret) before it re-registers itself; the executor's
        unacknowledged updates are taken, and tasks it never received are
        lost.
        """
        protocol, transport, secret = self.startExecutor(self.first, "t1")
        self.first.runTask(executorTask("t2"))
        second = self.restart()
        second.connect()
        self.assertNoResult(self.recovered)
        self.assertEqual(second.toMaster(), [])
        protocol, transport = second.executorConnection()
        from mesos_tw.tasks import statusUpdate, taskStatus

        running = statusUpdate(
            FRAMEWORK_ID, taskStatus("t1", mesos_pb2.TASK_RUNNING, TaskStatus.SOURCE_EXECUTOR),
            executorId="ex1",
        )
        reregister = msgs.ReregisterExecutorMessage(secret=secret, updates=[running])
        reregister.framework_id.value = FRAMEWORK_ID
        reregister.executor_id.value = "ex1"
        reregister.tasks.add().task_id.value = "t1"
        protocol.dataReceived(wire(reregister))
        reply, ack = sent(transport)
        self.assertIsInstance(reply, msgs.ExecutorReregisteredMessage)
        self.assertEqual(ack.uuid, running.status.uuid)
        self.successResultOf(self.recovered)
        second.reactor.advance(1)
        [message] = second.toMaster()
        self.assertIsInstance(message, msgs.ReregisterSlaveMessage)
        second.fromMaster(msgs.SlaveReregisteredMessage(slave_id=mesos_pb2.SlaveID(value=SLAVE_ID)))
        updates = {u.status.task_id.value: u.status for u in second.updates()}
        self.assertEqual(updates["t1"].state, mesos_pb2.TASK_RUNNING)
        self.assertEqual(updates["t2"].state, LOST)
        self.assertEqual(updates["t2"].reason, TaskStatus.REASON_SLAVE_RESTARTED)

    def test_wrongSecret(self) -> None:
        """
        A re-registration with the wrong secret is refused.
        """
        self.startExecutor(self.first, "t1")
        second = self.restart()
        protocol, transport = second.executorConnection()
        reregister = msgs.ReregisterExecutorMessage(secret="guess")
        reregister.framework_id.value = FRAMEWORK_ID
        reregister.executor_id.value = "ex1"
        protocol.dataReceived(wire(reregister))
        self.assertEqual(sent(transport), [])
        self.assertTrue(transport.disconnecting)
        self.assertNoResult(self.recovered)

    def test_executorTimesOut(self) -> None:
        """
        An executor that does not re-register in time is destroyed and its
        tasks are lost with REASON_EXECUTOR_REREGISTRATION_TIMEOUT; then the
        slave registers.
        """
        self.startExecutor(self.first, "t1")
        second = self.restart(executorReregistrationTimeout=3)
        second.reactor.advance(2.9)
        self.assertNoResult(self.recovered)
        second.reactor.advance(0.1)
        self.successResultOf(self.recovered)
        process = second.launcher.processes.get(second.container("ex1"))
        self.assertIsNone(process)
        second.register()
        [update] = second.updates()
        self.assertEqual(update.status.state, LOST)
        self.assertEqual(update.status.reason, TaskStatus.REASON_EXECUTOR_REREGISTRATION_TIMEOUT)

    def test_cleanup(self) -> None:
        """
        With C{--recover=cleanup}, what is still running is killed, and the
        slave never registers; the next slave process reports the tasks
        lost with REASON_SLAVE_RESTARTED.
        """
        self.startExecutor(self.first, "t1")
        self.first.runTask(commandTask("c1"))
        second = self.restart(recover=constants.RECOVER_CLEANUP)
        self.successResultOf(self.recovered)
        self.assertEqual(second.launcher.processes, {})
        second.connect()
        second.reactor.advance(120)
        self.assertEqual(second.toMaster(), [])
        second.slave.stop()
        third = Process(self.workDir, recoverable=second.launcher.abandon())
        self.addCleanup(third.slave.stop)
        self.successResultOf(third.slave.recover())
        third.register()
        updates = {u.status.task_id.value: u.status for u in third.updates()}
        for taskId in ("t1", "c1"):
            self.assertEqual(updates[taskId].state, LOST)
            self.assertEqual(updates[taskId].reason, TaskStatus.REASON_SLAVE_RESTARTED)
        self.assertEqual(third.slave.frameworks, {})

    def test_cleanupWaits(self) -> None:
        """
        With C{--recover=cleanup}, recovery is over only once every executor
        it kills has ended.
        """
        self.startExecutor(self.first, "t1")
        left = self.first.launcher.abandon()
        self.first.slave.stop()
        second = Process(self.workDir, recoverable=left, recover=constants.RECOVER_CLEANUP)
        self.addCleanup(second.slave.stop)
        destroyed: list[str] = []
        self.patch(second.launcher, "destroy", destroyed.append)
        recovered = second.slave.recover()
        self.assertEqual(destroyed, [second.container("ex1")])
        self.assertNoResult(recovered)
        second.launcher.processes[second.container("ex1")].kill(9)
        self.successResultOf(recovered)

    def test_rebuildFails(self) -> None:
        """
        A checkpointed run that cannot be rebuilt fails recovery with a
        L{state.RecoveryError} naming its directory and what to do; the
        slave stays recovering, so it does not register.
        """
        self.first.runTask(commandTask("t1"))
        left = self.first.launcher.abandon()
        self.first.slave.stop()
        second = Process(self.workDir, recoverable=left)
        self.addCleanup(second.slave.stop)

        def broken(*args):
            raise ValueError("bad task id")

        self.patch(recovery, "_rebuild", broken)
        message = str(self.assertRaises(state.RecoveryError, second.slave.recover))
        runDir = second.slave.checkpointer.runDir(FRAMEWORK_ID, "t1", self.first.container("t1"))
        self.assertIn(runDir, message)
        self.assertIn("bad task id", message)
        self.assertIn(os.path.join(self.workDir, "meta", "slaves", "latest"), message)
        self.assertTrue(second.slave.recovering)
        second.connect()
        second.reactor.advance(120)
        self.assertEqual(second.toMaster(), [])

    def test_launcherFails(self) -> None:
        """
        If the launcher cannot recover the containers, recovery fails and
        the slave does not register.
        """
        self.first.slave.stop()
        second = Process(self.workDir)
        self.addCleanup(second.slave.stop)

        def broken(containers):
            raise RuntimeError("no cgroups")

        self.patch(second.launcher, "recover", broken)
        self.failureResultOf(second.slave.recover(), RuntimeError)
        self.assertTrue(second.slave.recovering)
        second.connect()
        second.reactor.advance(120)
        self.assertEqual(second.toMaster(), [])

    def test_corruptCheckpoint(self) -> None:
        """
        An unreadable checkpoint is a L{state.RecoveryError} naming it and
        saying how to start afresh.
        """
        path = os.path.join(self.workDir, "meta", "slaves", SLAVE_ID, "slave.info")
        with open(path, "wb") as f:
            f.write(b"\xff\xff\xff")
        info = SlaveInfo(hostname="host1", resources=Resources.parse("cpus:2").toProto())
        error = self.assertRaises(state.RecoveryError, recovery.load, self.workDir, BOOT, info)
        self.assertIn(path, str(error))
        self.assertIn(
            f"remove {os.path.join(self.workDir, 'meta', 'slaves', 'latest')}", str(error)
        )

    def test_notCheckpointing(self) -> None:
        """
        Frameworks that do not checkpoint are not recovered: their
        containers are orphans, destroyed; the slave keeps its id.
        """
        self.first.runTask(commandTask("t1"), checkpoint=False)
        container = self.first.container("t1")
        second = self.restart()
        self.successResultOf(self.recovered)
        self.assertEqual(second.slave.frameworks, {})
        self.assertEqual(second.launcher.orphans, [container])
        self.assertEqual(second.slave.id, SLAVE_ID)

    def test_completedNotRecovered(self) -> None:
        """
        A task whose terminal update was acknowledged is complete: nothing
        of it is recovered.
        """
        self.first.runTask(commandTask("t1"))
        self.first.updates()
        self.first.launcher.process(self.first.container("t1")).exit(0)
        self.assertEqual(states(self.first.updates()), ["TASK_FINISHED"])
        second = self.restart()
        self.successResultOf(self.recovered)
        self.assertEqual(second.slave.frameworks, {})

    def test_stopKeepsCheckpointed(self) -> None:
        """
        The containers a stopping slave leaves running are those of
        checkpointing frameworks.
        """
        self.first.runTask(commandTask("kept"))
        self.assertEqual(
            self.first.slave.checkpointedContainers(), {self.first.container("kept")}
        )
        other = Process(os.path.abspath(self.mktemp()))
        other.register()
        other.runTask(commandTask("other"), checkpoint=False)
        self.assertEqual(other.slave.checkpointedContainers(), set())

    def test_changedSlave(self) -> None:
        """
        Checkpoints of a slave with other resources cannot be recovered; the
        error says what changed and what to do.
        """
        info = SlaveInfo(hostname="host1", resources=Resources.parse("cpus:4").toProto())
        error = self.assertRaises(state.RecoveryError, recovery.load, self.workDir, BOOT, info)
        self.assertIn("cpus:2 -> cpus:4", str(error))
        self.assertIn("WORK_DIR/meta", str(error))

    def test_endedUnacknowledged(self) -> None:
        """
        A command task whose end was reported but not acknowledged before
        the restart ends only once: its update is resent, and nothing more.
        """
        self.first.runTask(commandTask("t1"))
        self.first.updates()
        container = self.first.container("t1")
        self.first.launcher.process(container).exit(0)
        [finished] = self.first.updates(acknowledge=False)
        second = self.restart()
        self.successResultOf(self.recovered)
        second.reactor.advance(0)
        second.register()
        [resent] = second.updates()
        self.assertEqual(resent.status.uuid, finished.status.uuid)
        self.assertEqual(second.slave.frameworks, {})


class CheckpointBeforeAcknowledgementTests(SynchronousTestCase):
    """
    The slave acknowledges an executor's status update only once it has
    checkpointed it.
    """

    def setUp(self) -> None:
        self.process = Process(os.path.abspath(self.mktemp()))
        self.process.register()
        self.addCleanup(self.process.slave.stop)
        self.protocol, self.transport, _ = RecoveryTests.startExecutor(
            self, self.process, "t1"
        )
        self.transport.clear()
        self.full = False
        self.acknowledgedBefore: list[bool] = []
        record = state.Checkpointer.record

        def checkpoint(checkpointer, *args) -> None:
            self.acknowledgedBefore.append(bool(self.acks(clear=False)))
            if self.full:
                raise OSError(28, "No space left on device")
            record(checkpointer, *args)

        self.patch(state.Checkpointer, "record", checkpoint)

    def acks(self, clear: bool = True) -> list:
        """
        The acknowledgements sent to the executor.
        """
        messages = sent(self.transport) if clear else parseFrames(self.transport.value())
        return ofType(messages, msgs.StatusUpdateAcknowledgementMessage)

    def executorUpdate(self):
        from mesos_tw.tasks import statusUpdate, taskStatus

        update = statusUpdate(
            FRAMEWORK_ID, taskStatus("t1", mesos_pb2.TASK_RUNNING, TaskStatus.SOURCE_EXECUTOR),
            executorId="ex1",
        )
        self.protocol.dataReceived(wire(msgs.StatusUpdateMessage(update=update)))
        return update

    def test_checkpointFirst(self) -> None:
        """
        The update's record is written before the executor is acknowledged.
        """
        update = self.executorUpdate()
        self.assertEqual(self.acknowledgedBefore, [False])
        [ack] = self.acks()
        self.assertEqual(ack.uuid, update.status.uuid)

    def test_checkpointRefused(self) -> None:
        """
        While the disk refuses the record, the executor is not acknowledged
        and the master is not sent the update; once the retried checkpoint
        is written, both happen.
        """
        self.full = True
        update = self.executorUpdate()
        self.assertEqual(self.acks(), [])
        self.assertEqual(self.process.updates(acknowledge=False), [])
        self.process.reactor.advance(constants.CHECKPOINT_RETRY_INTERVAL_MIN)
        self.assertEqual(self.acks(), [])
        self.full = False
        self.process.reactor.advance(2 * constants.CHECKPOINT_RETRY_INTERVAL_MIN)
        [ack] = self.acks()
        self.assertEqual(ack.uuid, update.status.uuid)
        [forwarded] = self.process.updates(acknowledge=False)
        self.assertEqual(forwarded.status.uuid, update.status.uuid)
        records = state.readRecords(os.path.join(
            self.process.slave.checkpointer.taskDir(
                FRAMEWORK_ID, "ex1", self.process.container("ex1"), "t1"
            ),
            "task.updates",
        ))
        self.assertEqual([r.update.status.uuid for r in records], [update.status.uuid])

    def test_disconnectedMeanwhile(self) -> None:
        """
        An executor whose connection broke before its update was written is
        not acknowledged on another connection.
        """
        from twisted.internet.error import ConnectionDone
        from twisted.python.failure import Failure

        self.full = True
        self.executorUpdate()
        self.protocol.connectionLost(Failure(ConnectionDone()))
        self.full = False
        self.process.reactor.advance(constants.CHECKPOINT_RETRY_INTERVAL_MIN)
        self.assertEqual(self.acks(), [])
        self.assertEqual(len(self.process.updates(acknowledge=False)), 1)


class RefusedUpdateTests(SynchronousTestCase):
    """
    Status updates the master refuses.
    """

    def setUp(self) -> None:
        self.process = Process(os.path.abspath(self.mktemp()))
        self.process.register()
        self.addCleanup(self.process.slave.stop)

    def refuse(self, update: msgs.StatusUpdate, code: int = msgs.MessageRefused.UNKNOWN_TASK):
        """
        The master refuses C{update} with C{code}, naming its ids and uuid.
        """
        refusal = msgs.MessageRefused(
            message_type=msgs.StatusUpdateMessage.DESCRIPTOR.full_name,
            code=code, reason="task t1 is not known", uuid=update.status.uuid,
        )
        refusal.framework_id.CopyFrom(update.framework_id)
        refusal.slave_id.value = SLAVE_ID
        refusal.task_id.CopyFrom(update.status.task_id)
        self.process.fromMaster(refusal)

    def test_unknownTaskDropped(self) -> None:
        """
        An update refused as UNKNOWN_TASK is dropped and the task's next
        update is sent at once.
        """
        self.process.runTask(commandTask("t1"))
        [starting] = self.process.updates(acknowledge=False)
        self.refuse(starting)
        [running] = self.process.updates(acknowledge=False)
        self.assertEqual(running.status.state, mesos_pb2.TASK_RUNNING)
        [pending] = self.process.slave.statusUpdates.pending(FRAMEWORK_ID, "t1")
        self.assertEqual(pending.status.uuid, running.status.uuid)

    def test_transientKept(self) -> None:
        """
        Other refusals (the slave is not registered yet, say) drop nothing:
        the update is resent.
        """
        self.process.runTask(commandTask("t1"))
        [starting] = self.process.updates(acknowledge=False)
        for code in (msgs.MessageRefused.NOT_REGISTERED, msgs.MessageRefused.UNKNOWN_SLAVE):
            self.refuse(starting, code)
        self.assertEqual(self.process.updates(acknowledge=False), [])
        self.assertEqual(
            len(self.process.slave.statusUpdates.pending(FRAMEWORK_ID, "t1")), 2
        )
        self.process.reactor.advance(1)
        [resent] = self.process.updates(acknowledge=False)
        self.assertEqual(resent.status.uuid, starting.status.uuid)

    def test_otherMessageKept(self) -> None:
        """
        An UNKNOWN_TASK refusal of another message type, or of an update
        that is not the one in flight, drops nothing.
        """
        self.process.runTask(commandTask("t1"))
        [starting] = self.process.updates(acknowledge=False)
        refusal = msgs.MessageRefused(
            message_type=msgs.ExitedExecutorMessage.DESCRIPTOR.full_name,
            code=msgs.MessageRefused.UNKNOWN_TASK, uuid=starting.status.uuid,
        )
        refusal.framework_id.value = FRAMEWORK_ID
        refusal.task_id.value = "t1"
        self.process.fromMaster(refusal)
        [_, running] = self.process.slave.statusUpdates.pending(FRAMEWORK_ID, "t1")
        self.refuse(running)
        self.assertEqual(self.process.updates(acknowledge=False), [])
        self.assertEqual(
            len(self.process.slave.statusUpdates.pending(FRAMEWORK_ID, "t1")), 2
        )

    def test_terminalDropped(self) -> None:
        """
        Once a refused terminal update is dropped, the task is complete: its
        executor and framework are forgotten.
        """
        self.process.runTask(commandTask("t1"))
        self.process.updates()
        self.process.launcher.process(self.process.container("t1")).exit(0)
        [finished] = self.process.updates(acknowledge=False)
        self.refuse(finished)
        self.assertEqual(self.process.slave.frameworks, {})
        self.assertEqual(list(self.process.slave.statusUpdates.streams()), [])
