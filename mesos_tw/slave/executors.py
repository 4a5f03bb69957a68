# -*- test-case-name: tests.test_slave_runtime -*-
"""
What a slave runs for its frameworks: L{Framework}s, their executors and
their tasks, and what executors of every kind share (L{ExecutorBase}).

A framework's own executor process is a L{mesos_tw.slave.custom.Executor};
a command task (see L{mesos_tw.slave.command}) is run by the slave itself,
as its own executor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.defer import maybeDeferred
from twisted.logger import Logger

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.mesos_pb2 import CommandInfo, FrameworkInfo, TaskInfo, TaskStatus
from mesos_tw.tasks import isTerminal, stateName

if TYPE_CHECKING:
    from mesos_tw.slave.slave import Slave

#: Executor states.
LAUNCHING = "LAUNCHING"
RUNNING = "RUNNING"
TERMINATING = "TERMINATING"
TERMINATED = "TERMINATED"


# --- Helpers -----------------------------------------------------------------


def commandArgv(command: CommandInfo) -> list[str]:
    """
    The argv of a L{CommandInfo}: C{/bin/sh -c value} with C{shell}, else
    C{value} with C{arguments[1:]} (C{arguments[0]} is the program's name
    for itself, which C{value} stands in for).
    """
    if command.shell:
        return ["/bin/sh", "-c", command.value]
    return [command.value, *command.arguments[1:]]


def commandEnvironment(command: CommandInfo) -> dict[str, str]:
    """
    The variables of C{command.environment}.
    """
    return {v.name: v.value for v in command.environment.variables}


def seconds(duration: mesos_pb2.DurationInfo) -> float:
    """
    A L{DurationInfo} in seconds.
    """
    return duration.nanoseconds / 1e9


# --- Records -----------------------------------------------------------------


class TaskRecord:
    """
    A task this slave was given and its latest state.

    @ivar status: the latest status of the task, if any.
    """

    def __init__(self, info: TaskInfo, frameworkId: str, executorId: str) -> None:
        self.info = info
        self.frameworkId = frameworkId
        self.executorId = executorId
        self.state = mesos_pb2.TASK_STAGING
        self.status: TaskStatus | None = None

    @property
    def id(self) -> str:
        return self.info.task_id.value

    @property
    def terminal(self) -> bool:
        return isTerminal(self.state)

    def update(self, status: TaskStatus) -> None:
        """
        Note C{status} as the task's latest.
        """
        self.state = status.state
        self.status = TaskStatus()
        self.status.CopyFrom(status)

    def toProto(self, slaveId: str, pending: list[msgs.StatusUpdate]) -> mesos_pb2.Task:
        """
        The L{mesos_pb2.Task} the master knows the task by.

        @param pending: the task's unacknowledged status updates.
        """
        task = mesos_pb2.Task(name=self.info.name, state=self.state)
        task.task_id.CopyFrom(self.info.task_id)
        task.framework_id.value = self.frameworkId
        if self.info.HasField("executor"):
            task.executor_id.value = self.executorId
        task.slave_id.value = slaveId
        task.resources.extend(self.info.resources)
        if self.info.HasField("labels"):
            task.labels.CopyFrom(self.info.labels)
        if self.status is not None:
            task.statuses.append(self.status)
        if pending:
            task.status_update_state = pending[0].status.state
            task.status_update_uuid = pending[0].status.uuid
        return task


class Framework:
    """
    A framework with executors on this slave.

    @ivar executors: its executors (command tasks included) by id.
    @ivar taskExecutors: the executor id of each of its tasks.
    @ivar terminating: whether it is being shut down.
    """

    def __init__(self, frameworkId: str, info: FrameworkInfo) -> None:
        self.id = frameworkId
        self.info = FrameworkInfo()
        self.executors: dict[str, ExecutorBase] = {}
        self.taskExecutors: dict[str, str] = {}
        self.terminating = False
        self.updateInfo(info)

    def updateInfo(self, info: FrameworkInfo) -> None:
        """
        Keep the newest L{FrameworkInfo}, with its id.
        """
        self.info.CopyFrom(info)
        self.info.id.value = self.id

    def hasCapability(self, capability: int) -> bool:
        """
        Whether the framework declared C{capability}.
        """
        return any(c.type == capability for c in self.info.capabilities)

    def executorOf(self, taskId: str) -> ExecutorBase | None:
        """
        The executor running or about to run task C{taskId}.
        """
        executorId = self.taskExecutors.get(taskId)
        return self.executors.get(executorId) if executorId is not None else None

    def toJSON(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.info.name,
            "executors": [e.toJSON() for e in self.executors.values()],
        }


class ExecutorBase:
    """
    An executor of a framework: a container, its sandbox and its tasks.

    @ivar state: L{LAUNCHING}, L{RUNNING}, L{TERMINATING} or L{TERMINATED}.
    @ivar tasks: its tasks not yet completed (a task is completed once its
        terminal update is acknowledged), by id.
    """

    _log = Logger()

    def __init__(
        self,
        slave: Slave,
        framework: Framework,
        executorId: str,
        containerId: str,
        directory: str,
    ) -> None:
        self._slave = slave
        self.framework = framework
        self.id = executorId
        self.containerId = containerId
        self.directory = directory
        self.state = LAUNCHING
        self.tasks: dict[str, TaskRecord] = {}

    @property
    def frameworkId(self) -> str:
        return self.framework.id

    @property
    def name(self) -> str:
        """
        The executor's name, for statistics.
        """
        return ""

    @property
    def source(self) -> str:
        """
        The executor's source, for statistics.
        """
        return ""

    def _info(self, text: str, **fields: object) -> None:
        self._log.info(text, executorId=self.id, frameworkId=self.frameworkId, **fields)

    def _warn(self, text: str, **fields: object) -> None:
        self._log.warn(text, executorId=self.id, frameworkId=self.frameworkId, **fields)

    def liveTasks(self) -> list[TaskRecord]:
        """
        The tasks not yet in a terminal state.
        """
        return [t for t in self.tasks.values() if not t.terminal]

    def sendStatus(self, taskId: str, state: int, source: int, **kwargs: Any) -> None:
        """
        Send a status update for one of the executor's tasks.
        """
        self._slave.sendStatusUpdate(
            self.frameworkId, taskId, state, source, executorId=self.id, **kwargs
        )

    def destroyContainer(self) -> None:
        """
        Destroy the container in the background, logging a failure.
        """
        d = maybeDeferred(self._slave.launcher.destroy, self.containerId)
        d.addErrback(
            lambda f: self._log.failure(
                "Destroying container {containerId} of executor {executorId} of "
                "framework {frameworkId} failed",
                f,
                containerId=self.containerId,
                executorId=self.id,
                frameworkId=self.frameworkId,
            )
        )

    def stopTimers(self) -> None:
        """
        Cancel every pending timer.
        """

    def shutdown(self) -> None:
        """
        End the executor and its tasks, without status updates (its framework
        is going away).
        """
        raise NotImplementedError()

    def recover(self) -> None:
        """
        The executor's container outlived the previous slave process: take
        it back.
        """
        raise NotImplementedError()

    def lose(self, reason: int, why: str) -> None:
        """
        Destroy the container; the tasks end TASK_LOST with C{reason}.
        """
        raise NotImplementedError()

    def toJSON(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "container": self.containerId,
            "directory": self.directory,
            "tasks": [
                {"id": t.id, "state": stateName(t.state)} for t in self.tasks.values()
            ],
        }
