# -*- test-case-name: tests.test_slave_runtime -*-
"""
Command tasks: a TaskInfo with a C{command} and no C{executor}, run by the
slave itself as Mesos's command executor would run it.

The slave sends TASK_STARTING, starts the command in a container of its own
(the executor id is the task id), sends TASK_RUNNING, and when the command
ends TASK_FINISHED (status 0) or TASK_FAILED (with the container's
limitation as reason if it hit one, e.g. its memory limit).  No executor process is
involved, which saves an interpreter start per task.
"""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

from twisted.internet.interfaces import IDelayedCall, IProcessTransport
from twisted.python.failure import Failure

from mesos_tw import mesos_pb2
from mesos_tw.executor import environment as names
from mesos_tw.mesos_pb2 import FrameworkInfo, KillPolicy, TaskInfo, TaskStatus
from mesos_tw.resources import Resources
from mesos_tw.slave import constants
from mesos_tw.slave.containerizer.common import (
    ContainerLost,
    LaunchError,
    ProcessWatch,
    describeExit,
    limitationOf,
)
from mesos_tw.slave.executors import (
    LAUNCHING,
    RUNNING,
    TERMINATED,
    TERMINATING,
    ExecutorBase,
    Framework,
    TaskRecord,
    commandArgv,
    commandEnvironment,
    seconds,
)

if TYPE_CHECKING:
    from mesos_tw.slave.slave import Slave

_EXECUTOR = TaskStatus.SOURCE_EXECUTOR


class CommandTask(ExecutorBase):
    """
    One command task and its process.

    @ivar task: the task's record.
    @ivar killing: whether the task is being killed.
    """

    def __init__(
        self,
        slave: Slave,
        framework: Framework,
        task: TaskInfo,
        containerId: str,
        directory: str,
    ) -> None:
        ExecutorBase.__init__(
            self, slave, framework, task.task_id.value, containerId, directory
        )
        self.task = TaskRecord(task, framework.id, self.id)
        self.tasks[self.id] = self.task
        self.killing = False
        self._transport: IProcessTransport | None = None
        self._killTimer: IDelayedCall | None = None
        self._killDeadline: float | None = None
        self._lost: tuple[int, str] | None = None

    @property
    def name(self) -> str:
        return f"Command Executor (Task: {self.id}) (Command: {self.task.info.command.value})"

    @property
    def source(self) -> str:
        return self.id

    def _fields(self) -> dict[str, str]:
        return {"taskId": self.id, "frameworkId": self.frameworkId}

    def environment(self) -> dict[str, str]:
        """
        A minimal environment (C{PATH}, C{HOME}, the task's ids and sandbox)
        under the command's own variables.
        """
        inherited = self._slave.environ
        env = {
            "PATH": inherited.get("PATH", constants.DEFAULT_PATH),
            "HOME": inherited.get("HOME", self.directory),
            names.FRAMEWORK_ID: self.frameworkId,
            names.EXECUTOR_ID: self.id,
            names.SLAVE_ID: self._slave.id or "",
            names.DIRECTORY: self.directory,
            "MESOS_SANDBOX": self.directory,
            "MESOS_TASK_ID": self.id,
        }
        env.update(commandEnvironment(self.task.info.command))
        return env

    def start(self) -> None:
        """
        Send TASK_STARTING, start the command, send TASK_RUNNING; or
        TASK_FAILED if it cannot be started.
        """
        self.sendStatus(self.id, mesos_pb2.TASK_STARTING, _EXECUTOR)
        info = self.task.info
        try:
            self._transport = self._slave.launcher.launch(
                self.containerId,
                commandArgv(info.command),
                self.environment(),
                self.directory,
                self._slave.containerUser(self.framework, info.command),
                Resources.fromProto(info.resources),
                ProcessWatch(self._processEnded),
            )
        except (LaunchError, OSError) as e:
            self._log.warn(
                "Cannot start task {taskId} of framework {frameworkId}: {why}",
                why=str(e),
                **self._fields(),
            )
            self.sendStatus(
                self.id,
                mesos_pb2.TASK_FAILED,
                TaskStatus.SOURCE_SLAVE,
                reason=TaskStatus.REASON_CONTAINER_LAUNCH_FAILED,
                message=f"Failed to launch the command: {e}",
            )
            self._terminated()
            return
        if self.state == LAUNCHING:
            self.state = RUNNING
            self.sendStatus(self.id, mesos_pb2.TASK_RUNNING, _EXECUTOR)

    def recover(self) -> None:
        """
        The task's container outlived the previous slave process: it runs
        on; its end is reported as usual.
        """
        self.state = RUNNING

    def lose(self, reason: int, why: str) -> None:
        """
        Destroy the task's container; the task ends TASK_LOST with
        C{reason}.
        """
        self._lost = (reason, why)
        self.state = TERMINATING
        self.destroyContainer()

    # --- Kill ----------------------------------------------------------------

    def gracePeriod(self, policy: KillPolicy | None) -> float:
        """
        Seconds between SIGTERM and SIGKILL: the kill's policy, else the
        task's, else L{constants.DEFAULT_KILL_GRACE_PERIOD}.
        """
        for p in (policy, self.task.info.kill_policy):
            if p is not None and p.HasField("grace_period"):
                return max(0.0, seconds(p.grace_period))
        return constants.DEFAULT_KILL_GRACE_PERIOD

    def kill(self, policy: KillPolicy | None = None, quiet: bool = False) -> None:
        """
        Kill the task: TASK_KILLING if the framework understands it, SIGTERM
        to the container, SIGKILL after the grace period; TASK_KILLED once it
        is gone.  A second kill may only shorten the grace period.

        @param quiet: send no TASK_KILLING (the framework is going away).
        """
        if self.state in (LAUNCHING, TERMINATED):
            return
        clock = self._slave.reactor
        deadline = clock.seconds() + self.gracePeriod(policy)
        if self.killing:
            shorter = self._killDeadline is None or deadline < self._killDeadline
            if policy is not None and shorter and self._killTimer is not None:
                self._killTimer.reset(deadline - clock.seconds())
                self._killDeadline = deadline
            return
        self.killing = True
        self.state = TERMINATING
        self._log.info("Killing task {taskId} of framework {frameworkId}", **self._fields())
        if not quiet and self.framework.hasCapability(
            FrameworkInfo.Capability.TASK_KILLING_STATE
        ):
            self.sendStatus(self.id, mesos_pb2.TASK_KILLING, _EXECUTOR)
        self._signal(signal.SIGTERM)
        self._killDeadline = deadline
        self._killTimer = clock.callLater(deadline - clock.seconds(), self._escalate)

    def _signal(self, signum: int) -> None:
        self._slave.launcher.signal(self.containerId, signum)

    def _escalate(self) -> None:
        self._killTimer = None
        if self.state == TERMINATED:
            return
        self._log.info(
            "Task {taskId} of framework {frameworkId} outlived its grace period; "
            "sending SIGKILL",
            **self._fields(),
        )
        self.destroyContainer()

    def shutdown(self) -> None:
        """
        Kill the task without TASK_KILLING (its framework is going away).
        """
        self.kill(quiet=True)

    # --- The end -------------------------------------------------------------

    def _processEnded(self, reason: Failure) -> None:
        if self.task.terminal:
            # Its end was reported before (by the previous slave process).
            self._terminated()
            return
        status, how = describeExit(reason)
        message = f"Command {how}"
        limitation = limitationOf(reason)
        self._log.info(
            "Task {taskId} of framework {frameworkId}: {message}",
            message=limitation.message if limitation else message,
            **self._fields(),
        )
        if isinstance(reason.value, ContainerLost) and not self.killing:
            self._lost = self._lost or (
                TaskStatus.REASON_EXECUTOR_REREGISTRATION_TIMEOUT, str(reason.value)
            )
        if self._lost is not None:
            self.sendStatus(
                self.id,
                mesos_pb2.TASK_LOST,
                TaskStatus.SOURCE_SLAVE,
                reason=self._lost[0],
                message=self._lost[1],
            )
        elif self.killing:
            self.sendStatus(self.id, mesos_pb2.TASK_KILLED, _EXECUTOR, message=message)
        elif limitation is not None:
            self.sendStatus(
                self.id,
                mesos_pb2.TASK_FAILED,
                TaskStatus.SOURCE_SLAVE,
                reason=limitation.reason,
                message=limitation.message,
            )
        elif status == 0:
            self.sendStatus(self.id, mesos_pb2.TASK_FINISHED, _EXECUTOR, message=message)
        else:
            self.sendStatus(
                self.id,
                mesos_pb2.TASK_FAILED,
                _EXECUTOR,
                reason=TaskStatus.REASON_COMMAND_EXECUTOR_FAILED,
                message=message,
            )
        self._terminated()

    def _terminated(self) -> None:
        self.state = TERMINATED
        self.stopTimers()
        self._transport = None
        self.destroyContainer()
        self._slave.executorEnded(self)

    def stopTimers(self) -> None:
        if self._killTimer is not None and self._killTimer.active():
            self._killTimer.cancel()
        self._killTimer = None
