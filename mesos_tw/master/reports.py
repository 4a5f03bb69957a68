# -*- test-case-name: tests.test_master_faults -*-
"""
What a re-registering slave's report does to the master's view (a part of
L{mesos_tw.master.master.Master}): the plan of
L{mesos_tw.master.reregistration} applied to frameworks, orphan tasks,
executors and pending kills.
"""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.master import constants, reregistration
from mesos_tw.master.records import Framework, Slave, TaskBook, TaskRecord
from mesos_tw.mesos_pb2 import ExecutorInfo, FrameworkInfo, TaskStatus
from mesos_tw.resources import Resources, ResourcesError
from mesos_tw.tasks import isTerminal

_PARTITION_AWARE = FrameworkInfo.Capability.PARTITION_AWARE


def shutdownFrameworkMessage(frameworkId: str) -> msgs.ShutdownFrameworkMessage:
    """
    The message telling a slave to shut a framework down.
    """
    shutdown = msgs.ShutdownFrameworkMessage()
    shutdown.framework_id.value = frameworkId
    return shutdown


def killTaskMessage(frameworkId: str, taskId: str) -> msgs.KillTaskMessage:
    """
    The message telling a slave to kill a task.
    """
    kill = msgs.KillTaskMessage()
    kill.framework_id.value = frameworkId
    kill.task_id.value = taskId
    return kill


def executorResources(executor: ExecutorInfo) -> Resources:
    """
    What C{executor} uses by itself (nothing if its resources are invalid).
    """
    try:
        return Resources.fromProto(executor.resources)
    except ResourcesError:
        return Resources()


class SlaveReports:
    """
    Applies re-registering slaves' reports, a mixin of
    L{mesos_tw.master.master.Master}; it uses the master's state below and
    its task helpers (C{_endTask}, C{_completeTask}).
    """

    _log: Logger
    _clock: IReactorTime
    frameworks: dict[str, Framework]
    _removedFrameworks: set[str]
    _orphanTasks: dict[str, TaskBook]
    _orphanExecutors: dict[str, dict[str, dict[str, ExecutorInfo]]]

    # --- Re-registration -----------------------------------------------------

    def _applyReport(self, slave: Slave, message: msgs.ReregisterSlaveMessage) -> None:
        """
        Correct the master's view of C{slave} with what it reports.
        """
        known: dict[reregistration.TaskKey, mesos_pb2.Task] = {}
        for framework in self.frameworks.values():
            for record in framework.tasks.onSlave(slave.id):
                known[(framework.id, record.id)] = record.task
        for frameworkId, orphans in self._orphanTasks.items():
            for record in orphans.onSlave(slave.id):
                known[(frameworkId, record.id)] = record.task
        plan = reregistration.plan(
            message.tasks, message.frameworks, message.executor_infos, known,
            self._removedFrameworks, slave.pendingKills.keys(),
        )
        for frameworkId in plan.shutdown:
            self._log.info(
                "Shutting down removed framework {frameworkId} on slave {slaveId}",
                frameworkId=frameworkId,
                slaveId=slave.id,
            )
            slave.connection.send(shutdownFrameworkMessage(frameworkId))
        for task in plan.update:
            self._updateReported(self._taskRecord(*reregistration.taskKey(task)), task)
        for task in plan.add:
            self._addReported(slave, task)
        for frameworkId, taskId in plan.ended:
            self._log.info(
                "Slave {slaveId} reports task {taskId} of framework {frameworkId}, "
                "which ended while the slave was away; not taking it back",
                slaveId=slave.id,
                taskId=taskId,
                frameworkId=frameworkId,
            )
        for frameworkId, taskId in plan.missing:
            self._endMissing(slave, frameworkId, taskId)
        for frameworkId, taskId in plan.forget:
            framework = self.frameworks.get(frameworkId)
            if framework is not None:
                self._completeTask(framework, framework.tasks[taskId])
            else:
                del self._orphanTasks[frameworkId][taskId]
        for framework in self.frameworks.values():
            executors = plan.executors.pop(framework.id, None)
            if executors:
                framework.executors[slave.id] = executors
            else:
                framework.executors.pop(slave.id, None)
        for executors in self._orphanExecutors.values():
            executors.pop(slave.id, None)
        for frameworkId, executors in plan.executors.items():
            self._orphanExecutors.setdefault(frameworkId, {})[slave.id] = executors
        for key in plan.kills:
            self._log.info(
                "Sending slave {slaveId} the kill of task {taskId}, asked or lost "
                "while it was away",
                slaveId=slave.id,
                taskId=key[1],
            )
            slave.connection.send(slave.pendingKills[key])
        slave.pendingKills.clear()

    def _taskRecord(self, frameworkId: str, taskId: str) -> TaskRecord:
        framework = self.frameworks.get(frameworkId)
        if framework is not None:
            return framework.tasks[taskId]
        return self._orphanTasks[frameworkId][taskId]

    def _updateReported(self, record: TaskRecord, task: mesos_pb2.Task) -> None:
        """
        Take the state a re-registering slave reports for a task the master
        knows.
        """
        mine = record.task
        mine.state = task.state
        if task.statuses and (not mine.statuses or mine.statuses[-1] != task.statuses[-1]):
            mine.statuses.append(task.statuses[-1])
            del mine.statuses[: -constants.MAX_STATUSES_PER_TASK]
        if task.HasField("status_update_state"):
            mine.status_update_state = task.status_update_state
            mine.status_update_uuid = task.status_update_uuid
        if isTerminal(task.state) and not record.recovered:
            # Its resources are not counted when the slave is added back.
            record.recovered = True
            record.cancelRevocation()

    def _addReported(self, slave: Slave, task: mesos_pb2.Task) -> None:
        """
        Add a task a re-registering slave reports and the master does not
        know (or had ended when the slave was removed).
        """
        frameworkId, taskId = reregistration.taskKey(task)
        try:
            resources = Resources.fromProto(task.resources)
        except ResourcesError as e:
            self._log.warn(
                "Slave {slaveId} reported task {taskId} with invalid resources: {error}",
                slaveId=slave.id,
                taskId=taskId,
                error=str(e),
            )
            return
        copy = mesos_pb2.Task()
        copy.CopyFrom(task)
        copy.slave_id.value = slave.id
        record = TaskRecord(
            copy, resources, recovered=isTerminal(task.state),
            startTime=self._clock.seconds(),
        )
        framework = self.frameworks.get(frameworkId)
        if framework is None:
            self._orphanTasks.setdefault(frameworkId, TaskBook())[taskId] = record
            return
        if taskId in framework.tasks:
            self._log.warn(
                "Slave {slaveId} reported task {taskId} of framework {frameworkId}, "
                "which runs on slave {otherId}; ignoring it",
                slaveId=slave.id,
                taskId=taskId,
                frameworkId=frameworkId,
                otherId=framework.tasks[taskId].slaveId,
            )
            return
        before = len(framework.completedTasks)
        framework.completedTasks[:] = [t for t in framework.completedTasks if t.id != taskId]
        if len(framework.completedTasks) != before:
            self._log.info(
                "Task {taskId} of framework {frameworkId} is back on slave {slaveId} "
                "in {state}",
                taskId=taskId,
                frameworkId=frameworkId,
                slaveId=slave.id,
                state=mesos_pb2.TaskState.Name(task.state),
            )
        framework.tasks[taskId] = record

    def _endMissing(self, slave: Slave, frameworkId: str, taskId: str) -> None:
        """
        End a task the master has on C{slave} that it does not report.
        """
        framework = self.frameworks.get(frameworkId)
        if framework is None:
            del self._orphanTasks[frameworkId][taskId]
            return
        state = (
            mesos_pb2.TASK_DROPPED
            if framework.hasCapability(_PARTITION_AWARE)
            else mesos_pb2.TASK_LOST
        )
        self._endTask(
            framework, framework.tasks[taskId], state, TaskStatus.REASON_RECONCILIATION,
            f"Task not reported by slave {slave.id} when it re-registered",
        )

    def _usedOn(self, slaveId: str) -> dict[str, Resources]:
        """
        What each framework (registered or not yet) uses on a slave: its
        unfinished tasks and its executors.
        """
        used: dict[str, Resources] = {}

        def add(frameworkId: str, resources: Resources) -> None:
            used[frameworkId] = used.get(frameworkId, Resources()) + resources

        for framework in self.frameworks.values():
            for record in framework.tasks.onSlave(slaveId):
                if not record.recovered:
                    add(framework.id, record.resources)
            for executor in framework.executors.get(slaveId, {}).values():
                add(framework.id, executorResources(executor))
        for frameworkId, orphans in self._orphanTasks.items():
            for record in orphans.onSlave(slaveId):
                if not record.recovered:
                    add(frameworkId, record.resources)
        for frameworkId, executors in self._orphanExecutors.items():
            for executor in executors.get(slaveId, {}).values():
                add(frameworkId, executorResources(executor))
        return {k: v for k, v in used.items() if v}
