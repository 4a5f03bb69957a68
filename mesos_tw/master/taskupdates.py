# -*- test-case-name: tests.test_master_frameworks,tests.test_master_faults -*-
"""
The master between frameworks and slaves, task by task: status updates and
their acknowledgements, kills, messages between schedulers and executors,
exited executors and reconciliation (a part of
L{mesos_tw.master.master.Master}).

What the master cannot act on is refused (L{Refused}): the sender gets a
C{MessageRefused} and nothing is passed on.
"""

from __future__ import annotations

from typing import NoReturn, Sequence

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from mesos_tw import messages_pb2 as msgs
from mesos_tw.interfaces import IAllocator
from mesos_tw.master import constants, reconciliation
from mesos_tw.master.records import Framework, Slave, TaskBook, TaskRecord, UnreachableSlave
from mesos_tw.master.reports import shutdownFrameworkMessage
from mesos_tw.mesos_pb2 import ExecutorInfo, FrameworkInfo, TaskStatus
from mesos_tw.messages_pb2 import MessageRefused
from mesos_tw.protocol.dispatch import Refused
from mesos_tw.protocol.framing import MessageProtocol
from mesos_tw.tasks import isTerminal, stateName, statusUpdate, taskStatus

_PARTITION_AWARE = FrameworkInfo.Capability.PARTITION_AWARE
_MASTER = TaskStatus.SOURCE_MASTER


class TaskMessages:
    """
    The task handlers of L{mesos_tw.master.master.Master}, a mixin: it uses
    the master's state below and C{_frameworkFor}.
    """

    _log: Logger
    _clock: IReactorTime
    allocator: IAllocator
    slaves: dict[str, Slave]
    unreachableSlaves: dict[str, UnreachableSlave]
    recoveringSlaves: set[str]
    frameworks: dict[str, Framework]
    _slaveByConnection: dict[MessageProtocol, Slave]
    _removedFrameworks: set[str]
    _orphanTasks: dict[str, TaskBook]
    _orphanExecutors: dict[str, dict[str, dict[str, ExecutorInfo]]]

    # --- From slaves ---------------------------------------------------------

    def statusUpdate(
        self, connection: MessageProtocol, message: msgs.StatusUpdateMessage
    ) -> None:
        """
        A slave reports a task's new state: record it and tell the framework.

        A retried update of a task the master completed is passed on, so
        that the framework can acknowledge it again, unless the task ended
        otherwise (the master acknowledges it); an update of a task the
        master does not know is refused.
        """
        update = message.update
        status = update.status
        taskId = status.task_id.value
        frameworkId = update.framework_id.value
        slave = self._slaveOf(connection, update.slave_id.value, taskId=taskId)
        framework = self.frameworks.get(frameworkId)
        if framework is None:
            orphan = self._orphanTasks.get(frameworkId, {}).get(taskId)
            if orphan is None:
                self._noFramework(slave, frameworkId, taskId=taskId)
            self._log.info(
                "Status update {state} for task {taskId} of framework {frameworkId}, "
                "which has not re-registered yet",
                state=stateName(status.state),
                taskId=taskId,
                frameworkId=frameworkId,
            )
            self._setOrphanState(frameworkId, orphan, status, update)
            return
        record = framework.tasks.get(taskId)
        if record is None or record.slaveId != slave.id:
            completed = _completedTask(framework, taskId)
            if completed is None or completed.slaveId != slave.id:
                raise Refused(
                    MessageRefused.UNKNOWN_TASK,
                    f"task {taskId} of framework {frameworkId} is not known on slave "
                    f"{slave.id}",
                    frameworkId=frameworkId, slaveId=slave.id, taskId=taskId,
                    uuid=status.uuid,
                )
            if status.state != completed.task.state:
                self._acknowledgeEnded(slave, update, completed)
                return
            self._log.info(
                "Passing on retried status update {state} for completed task {taskId} "
                "of framework {frameworkId}",
                state=stateName(status.state),
                taskId=taskId,
                frameworkId=frameworkId,
            )
            completed.task.status_update_state = status.state
            completed.task.status_update_uuid = status.uuid
            self._sendUpdate(framework, update)
            return
        self._log.info(
            "Status update {state} for task {taskId} of framework {frameworkId} "
            "from slave {slaveId}",
            state=stateName(status.state),
            taskId=taskId,
            frameworkId=frameworkId,
            slaveId=slave.id,
        )
        if record.revoked and record.revocation is None and isTerminal(status.state):
            # The master killed it at the end of its grace period.
            status.reason = TaskStatus.REASON_TASK_REVOKED
            status.message = (
                f"Revoked by the master: {status.message}" if status.message
                else "Revoked by the master"
            )
        self._setState(framework, record, status, update)
        self._sendUpdate(framework, update)

    def _acknowledgeEnded(
        self, slave: Slave, update: msgs.StatusUpdate, completed: TaskRecord
    ) -> None:
        """
        Acknowledge, in the framework's place, an update of a task the master
        ended otherwise (lost while its slave was away): the framework was
        told how it ended, and an end is final.
        """
        status = update.status
        self._log.info(
            "Acknowledging status update {state} of task {taskId} of framework "
            "{frameworkId} from slave {slaveId}: the framework was told it ended "
            "{ended}",
            state=stateName(status.state),
            taskId=completed.id,
            frameworkId=update.framework_id.value,
            slaveId=slave.id,
            ended=stateName(completed.task.state),
        )
        ack = msgs.StatusUpdateAcknowledgementMessage(uuid=status.uuid)
        ack.slave_id.value = slave.id
        ack.framework_id.CopyFrom(update.framework_id)
        ack.task_id.CopyFrom(status.task_id)
        slave.connection.send(ack)

    def executorMessage(
        self, connection: MessageProtocol, message: msgs.ExecutorToFrameworkMessage
    ) -> None:
        """
        Pass an executor's message to its framework (best effort).
        """
        slave = self._slaveByConnection.get(connection)
        if slave is None:
            raise Refused(
                MessageRefused.NOT_REGISTERED, "this connection is not a registered slave"
            )
        frameworkId = message.framework_id.value
        framework = self.frameworks.get(frameworkId)
        if framework is None:
            self._noFramework(slave, frameworkId, executorId=message.executor_id.value)
        if not framework.connected:
            raise Refused(
                MessageRefused.FRAMEWORK_DISCONNECTED,
                f"framework {frameworkId} is disconnected",
                frameworkId=frameworkId, executorId=message.executor_id.value,
            )
        framework.connection.send(message)

    def exitedExecutor(
        self, connection: MessageProtocol, message: msgs.ExitedExecutorMessage
    ) -> None:
        """
        An executor ended: free its resources and tell its framework.
        """
        slave = self._slaveOf(connection, message.slave_id.value)
        frameworkId = message.framework_id.value
        executorId = message.executor_id.value
        framework = self.frameworks.get(frameworkId)
        now = self._clock.seconds()
        if framework is None:
            executor = self._orphanExecutors.get(frameworkId, {}).get(slave.id, {}).pop(
                executorId, None
            )
            if executor is None:
                self._noFramework(slave, frameworkId, executorId=executorId)
            self._recoverExecutor(frameworkId, slave.id, executor, now)
            return
        executor = framework.executors.get(slave.id, {}).pop(executorId, None)
        self._log.info(
            "Executor {executorId} of framework {frameworkId} on slave {slaveId} "
            "exited with status {status}",
            executorId=executorId,
            frameworkId=framework.id,
            slaveId=slave.id,
            status=message.status,
        )
        if executor is not None:
            self._recoverExecutor(framework.id, slave.id, executor, now)
        if framework.connected:
            framework.connection.send(message)

    # --- From frameworks -----------------------------------------------------

    def acknowledge(
        self, connection: MessageProtocol, message: msgs.StatusUpdateAcknowledgementMessage
    ) -> None:
        """
        The framework received an update: tell the slave, and forget a
        finished task once its last update is acknowledged.

        Only the acknowledgement of a task's latest update passes, and only
        to a connected slave.
        """
        framework = self._frameworkFor(connection, message.framework_id)
        taskId = message.task_id.value
        ids = dict(
            frameworkId=framework.id, slaveId=message.slave_id.value, taskId=taskId,
            uuid=message.uuid,
        )
        slave = self._connectedSlave(message.slave_id.value, ids)
        record = framework.tasks.get(taskId)
        live = record is not None and record.slaveId == slave.id
        if not live:
            record = _completedTask(framework, taskId)
        if record is None or record.slaveId != slave.id:
            raise Refused(
                MessageRefused.UNKNOWN_TASK,
                f"task {taskId} is not known on slave {slave.id}", **ids,
            )
        if not message.uuid or message.uuid != record.task.status_update_uuid:
            raise Refused(
                MessageRefused.UNKNOWN_UPDATE,
                f"the acknowledged update is not the latest of task {taskId}", **ids,
            )
        slave.connection.send(message)
        if live and isTerminal(record.task.status_update_state):
            self._completeTask(framework, record)

    def killTask(self, connection: MessageProtocol, message: msgs.KillTaskMessage) -> None:
        """
        Kill a task on its slave; an unknown task is reconciled instead. A
        kill for a disconnected slave is refused, and sent if it
        re-registers.
        """
        framework = self._frameworkFor(connection, message.framework_id)
        taskId = message.task_id.value
        record = framework.tasks.get(taskId)
        if record is None:
            self._log.info(
                "Framework {frameworkId} asked to kill unknown task {taskId}",
                frameworkId=framework.id,
                taskId=taskId,
            )
            self._reconcile(framework, [TaskStatus(task_id=message.task_id)])
            return
        ids = dict(frameworkId=framework.id, slaveId=record.slaveId, taskId=taskId)
        slave = self.slaves.get(record.slaveId)
        if slave is not None and not slave.connected:
            kill = msgs.KillTaskMessage()
            kill.CopyFrom(message)
            slave.pendingKills[(framework.id, taskId)] = kill
            raise Refused(
                MessageRefused.SLAVE_DISCONNECTED,
                f"slave {slave.id} is disconnected; the kill will be sent if it "
                f"re-registers",
                **ids,
            )
        slave = self._connectedSlave(record.slaveId, ids)
        self._log.info(
            "Killing task {taskId} of framework {frameworkId} on slave {slaveId}",
            taskId=taskId,
            frameworkId=framework.id,
            slaveId=slave.id,
        )
        slave.connection.send(message)

    def frameworkMessage(
        self, connection: MessageProtocol, message: msgs.FrameworkToExecutorMessage
    ) -> None:
        """
        Pass a framework's message to its executor's slave (best effort).
        """
        framework = self._frameworkFor(connection, message.framework_id)
        slave = self._connectedSlave(
            message.slave_id.value,
            dict(frameworkId=framework.id, slaveId=message.slave_id.value,
                 executorId=message.executor_id.value),
        )
        slave.connection.send(message)

    def reconcileTasks(
        self, connection: MessageProtocol, message: msgs.ReconcileTasksMessage
    ) -> None:
        """
        Tell the framework the latest state of the tasks it names, or of all
        its tasks if it names none.
        """
        framework = self._frameworkFor(connection, message.framework_id)
        self._reconcile(framework, list(message.statuses))

    def _reconcile(self, framework: Framework, statuses: Sequence[TaskStatus]) -> None:
        view = reconciliation.SlaveView(
            registered=self.slaves.keys(),
            unreachable={i: s.time for i, s in self.unreachableSlaves.items()},
            recovering=self.recoveringSlaves,
        )
        answers = reconciliation.reconcile(
            [(s.task_id.value, s.slave_id.value) for s in statuses],
            {taskId: record.task for taskId, record in framework.tasks.items()},
            framework.hasCapability(_PARTITION_AWARE),
            view,
        )
        now = self._clock.seconds()
        for answer in answers:
            status = taskStatus(
                answer.taskId, answer.state, _MASTER, TaskStatus.REASON_RECONCILIATION,
                answer.message, slaveId=answer.slaveId, timestamp=now, withUUID=False,
            )
            self._sendUpdate(
                framework, _update(framework.id, status, answer.slaveId, answer.unreachableTime)
            )

    # --- Task records --------------------------------------------------------

    def _setState(
        self, framework: Framework, record: TaskRecord, status: TaskStatus,
        update: msgs.StatusUpdate | None = None,
    ) -> None:
        """
        Record a task's new status; free its resources once it is over, and
        complete it if nothing is to be acknowledged.
        """
        self._recordStatus(record, status, update)
        if isTerminal(record.task.state):
            self._recover(framework.id, record)
            if not status.uuid:
                self._completeTask(framework, record)

    def _setOrphanState(
        self, frameworkId: str, record: TaskRecord, status: TaskStatus,
        update: msgs.StatusUpdate,
    ) -> None:
        self._recordStatus(record, status, update)
        if isTerminal(record.task.state):
            self._recover(frameworkId, record)

    def _recordStatus(
        self, record: TaskRecord, status: TaskStatus, update: msgs.StatusUpdate | None
    ) -> None:
        task = record.task
        task.state = (
            update.latest_state
            if update is not None and update.HasField("latest_state")
            else status.state
        )
        task.statuses.append(status)
        del task.statuses[: -constants.MAX_STATUSES_PER_TASK]
        task.status_update_state = status.state
        task.status_update_uuid = status.uuid

    def _recover(self, frameworkId: str, record: TaskRecord) -> None:
        """
        Give a finished task's resources back, once.
        """
        if not record.recovered:
            record.recovered = True
            record.cancelRevocation()
            self.allocator.recoverResources(
                frameworkId, record.slaveId, record.resources, None,
                self._clock.seconds(), record.role,
            )

    def _endTask(
        self, framework: Framework, record: TaskRecord, state: int, reason: int,
        message: str, unreachableTime: float | None = None,
    ) -> None:
        """
        End a task on the master's word (its slave is gone, or does not
        have it) and tell the framework; the master forgets it even if
        C{state} is not terminal (C{TASK_UNREACHABLE}).
        """
        status = taskStatus(
            record.id, state, _MASTER, reason, message, slaveId=record.slaveId,
            timestamp=self._clock.seconds(), withUUID=False,
        )
        self._setState(framework, record, status)
        self._recover(framework.id, record)
        self._completeTask(framework, record)
        self._sendUpdate(
            framework, _update(framework.id, status, record.slaveId, unreachableTime)
        )

    def _completeTask(self, framework: Framework, record: TaskRecord) -> None:
        if framework.tasks.pop(record.id, None) is not None:
            framework.completedTasks.append(record)
            del framework.completedTasks[: -constants.MAX_COMPLETED_TASKS_PER_FRAMEWORK]

    def _sendUpdate(self, framework: Framework, update: msgs.StatusUpdate) -> None:
        if framework.connected:
            framework.connection.send(msgs.StatusUpdateMessage(update=update))

    # --- Checks --------------------------------------------------------------

    def _slaveOf(self, connection: MessageProtocol, slaveId: str, **ids: str) -> Slave:
        """
        The slave registered on C{connection}, if it is C{slaveId}.

        @raise Refused: otherwise.
        """
        slave = self._slaveByConnection.get(connection)
        if slave is None or slave.id != slaveId:
            raise Refused(
                MessageRefused.NOT_REGISTERED,
                f"this connection is not registered as slave {slaveId!r}",
                slaveId=slaveId, **ids,
            )
        return slave

    def _connectedSlave(self, slaveId: str, ids: dict[str, object]) -> Slave:
        """
        The slave C{slaveId}, if registered and connected.

        @raise Refused: otherwise, with C{ids}.
        """
        slave = self.slaves.get(slaveId)
        if slave is None:
            raise Refused(
                MessageRefused.UNKNOWN_SLAVE, f"slave {slaveId!r} is not registered", **ids
            )
        if not slave.connected:
            raise Refused(
                MessageRefused.SLAVE_DISCONNECTED, f"slave {slaveId} is disconnected", **ids
            )
        return slave

    def _noFramework(self, slave: Slave, frameworkId: str, **ids: str) -> NoReturn:
        """
        Refuse a slave's message for a framework that is not registered; a
        removed one is shut down on that slave first.

        @raise Refused: always.
        """
        if frameworkId in self._removedFrameworks:
            self._log.info(
                "Shutting down removed framework {frameworkId} on slave {slaveId}",
                frameworkId=frameworkId,
                slaveId=slave.id,
            )
            slave.connection.send(shutdownFrameworkMessage(frameworkId))
            raise Refused(
                MessageRefused.FRAMEWORK_REMOVED, f"framework {frameworkId} was removed",
                frameworkId=frameworkId, slaveId=slave.id, **ids,
            )
        raise Refused(
            MessageRefused.UNKNOWN_FRAMEWORK, f"framework {frameworkId!r} is not registered",
            frameworkId=frameworkId, slaveId=slave.id, **ids,
        )


def _completedTask(framework: Framework, taskId: str) -> TaskRecord | None:
    """
    The latest completed task of C{framework} with id C{taskId}, if any.
    """
    for record in reversed(framework.completedTasks):
        if record.id == taskId:
            return record
    return None


def _update(
    frameworkId: str, status: TaskStatus, slaveId: str, unreachableTime: float | None
) -> msgs.StatusUpdate:
    update = statusUpdate(frameworkId, status, slaveId)
    if unreachableTime is not None:
        update.unreachable_time.nanoseconds = int(unreachableTime * 1e9)
    return update

