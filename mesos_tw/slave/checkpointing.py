# -*- test-case-name: tests.test_slave_recovery -*-
"""
The slave's checkpoints and recovery, as a mixin of
L{mesos_tw.slave.slave.Slave}: what it writes under C{WORK_DIR/meta} for
frameworks that checkpoint (L{mesos_tw.slave.state}), and how a new slave
process takes over (L{mesos_tw.slave.recovery}).
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from mesos_tw import messages_pb2 as msgs
from mesos_tw.mesos_pb2 import SlaveInfo, TaskInfo
from mesos_tw.slave import recovery, state
from mesos_tw.slave.custom import Executor
from mesos_tw.slave.executors import TERMINATED, ExecutorBase, Framework


class Checkpointing:
    """
    Checkpoints and recovery of a slave.
    """

    _log = Logger()
    workDir: str | None
    id: str | None
    info: SlaveInfo
    boot: str
    frameworks: dict[str, Framework]
    recovering: bool
    _recovery: dict[ExecutorBase, Deferred[None]]
    _checkpointer: state.Checkpointer | None

    def recover(self, found: state.SlaveState | None = None) -> Deferred[None]:
        """
        Take over what the previous slave process left (see
        L{mesos_tw.slave.recovery}); registration waits until it is done.

        @param found: the checkpoints, as L{recovery.load} read them; read
            now if not given.
        @raise state.RecoveryError: if they cannot be used; the slave then
            stays recovering, so that it does not register.
        """
        self.recovering = True
        if found is None and self.workDir is not None:
            found = recovery.load(self.workDir, self.boot, self.info)
        return recovery.recover(self, found)

    def awaitReregistration(self, executor: Executor) -> Deferred[None]:
        """
        A L{Deferred} that fires when a recovered C{executor} re-registers
        or ends.
        """
        d: Deferred[None] = Deferred()
        self._recovery[executor] = d
        return d

    def executorReregistered(self, executor: Executor) -> None:
        """
        A recovered C{executor} is back.
        """
        self._settle(executor)

    def _settle(self, executor: ExecutorBase) -> None:
        d = self._recovery.pop(executor, None)
        if d is not None:
            d.callback(None)

    @property
    def checkpointer(self) -> state.Checkpointer | None:
        """
        What writes this slave's checkpoints, once it has an id and a work
        directory.
        """
        return self._checkpointer

    def checkpointSlave(self) -> None:
        """
        Checkpoint the slave's id and info (to keep its id across restarts).
        """
        if self.workDir is None or self.id is None:
            return
        self._checkpointer = state.Checkpointer(self.workDir, self.id)
        info = SlaveInfo()
        info.CopyFrom(self.info)
        info.id.value = self.id
        try:
            self._checkpointer.slave(info, self.boot)
        except OSError as e:
            self._log.error(
                "Cannot checkpoint slave {slaveId} under {workDir}: {why}; a restarted "
                "slave will register as a new one",
                slaveId=self.id, workDir=self.workDir, why=str(e),
            )

    def _checkpoints(self, framework: Framework) -> state.Checkpointer | None:
        if framework.info.checkpoint:
            return self._checkpointer
        return None

    def _checkpointLaunch(
        self, framework: Framework, executor: ExecutorBase, task: TaskInfo, newRun: bool
    ) -> str | None:
        """
        Checkpoint a task of a checkpointing framework (and the executor's
        run, if new) before it runs.

        @return: why it cannot be, or L{None}.
        """
        checkpointer = self._checkpoints(framework)
        if checkpointer is None:
            return None
        try:
            checkpointer.framework(framework.id, framework.info)
            if newRun:
                checkpointer.run(
                    framework.id, executor.id, executor.containerId,
                    executor.info if isinstance(executor, Executor) else None,
                    getattr(executor, "secret", ""),
                )
            checkpointer.task(framework.id, executor.id, executor.containerId, task)
        except OSError as e:
            return f"Cannot checkpoint the task under {self.workDir}: {e}"
        return None

    def _checkpointRecord(
        self, frameworkId: str, taskId: str, record: msgs.StatusUpdateRecord
    ) -> None:
        framework = self.frameworks.get(frameworkId)
        if framework is None:
            return
        checkpointer = self._checkpoints(framework)
        executor = framework.executorOf(taskId)
        if checkpointer is not None and executor is not None:
            checkpointer.record(frameworkId, executor.id, executor.containerId, taskId, record)

    def checkpointedContainers(self) -> set[str]:
        """
        The containers of checkpointing frameworks still running: a slave
        that stops leaves them to the next slave process.
        """
        return {
            executor.containerId
            for framework in self.frameworks.values()
            if framework.info.checkpoint and not framework.terminating
            for executor in framework.executors.values()
            if executor.state != TERMINATED
        }

