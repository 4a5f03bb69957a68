# -*- test-case-name: tests.test_slave_recovery -*-
"""
Slave recovery: a new slave process takes over what the previous one left
(Mesos's C{Slave::recover}, C{docs/agent-recovery.md}).

From the checkpoints (L{mesos_tw.slave.state}) it rebuilds its id, the
checkpointing frameworks, their executors and tasks, and the status update
streams; the launcher takes back the containers still running and destroys
the others.  With C{--recover=reconnect} it then waits, up to
C{--executor-reregistration-timeout}, for each framework executor still
running to re-register; with C{--recover=cleanup} it kills them and waits
for them to end (then the slave exits, without registering: see
L{mesos_tw.slave.tap}).  Executors that died meanwhile (or do not come back)
end their tasks TASK_LOST.  Only then does the slave re-register with the
master, under the same id, and resend the updates not yet acknowledged.

Recovery errors are fatal, as with Mesos's C{--strict}: a slave whose
recovery fails does not register.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, DeferredList, maybeDeferred, succeed
from twisted.logger import Logger

from mesos_tw.mesos_pb2 import SlaveInfo, TaskStatus
from mesos_tw.resources import Resources
from mesos_tw.slave import constants, paths, state
from mesos_tw.slave.command import CommandTask
from mesos_tw.slave.containerizer.common import ProcessWatch
from mesos_tw.slave.custom import Executor
from mesos_tw.slave.executors import TERMINATED, ExecutorBase, Framework, TaskRecord

if TYPE_CHECKING:
    from mesos_tw.slave.slave import Slave

_log = Logger()


def checkCompatible(previous: SlaveInfo, current: SlaveInfo) -> None:
    """
    A slave may only recover the checkpoints of a slave with the same
    hostname and resources (Mesos's C{--reconfiguration_policy=equal}).

    @raise state.RecoveryError: saying what changed and what to do.
    """
    changes = []
    if previous.hostname != current.hostname:
        changes.append(f"hostname {previous.hostname!r} -> {current.hostname!r}")
    before = Resources.fromProto(previous.resources)
    after = Resources.fromProto(current.resources)
    if before != after:
        changes.append(f"resources {before} -> {after}")
    if changes:
        raise state.RecoveryError(
            "this slave changed since its checkpoint (" + "; ".join(changes) + "): "
            "start it with its previous flags, or remove the checkpoints in "
            "WORK_DIR/meta to start as a new slave (the tasks it ran are then lost)"
        )


def startAfresh(workDir: str) -> str:
    """
    What an operator does to give up the checkpoints under C{workDir}, and
    what it costs.
    """
    latest = os.path.join(state.metaDirectory(workDir), "slaves", "latest")
    return (
        f"to start as a new slave instead, remove {latest} and restart the "
        "slave: it then destroys the containers left, and their tasks are lost"
    )


def load(workDir: str, boot: str, info: SlaveInfo) -> state.SlaveState | None:
    """
    The checkpoints under C{workDir} that a slave described by C{info}
    recovers, if any.

    @raise state.RecoveryError: if they cannot be read or belong to a
        different slave, saying what to do.
    """
    try:
        found = state.recover(workDir, boot)
    except state.RecoveryError as e:
        raise state.RecoveryError(
            f"{e}; repair or restore it, or {startAfresh(workDir)}"
        ) from e
    if found is not None:
        checkCompatible(found.info, info)
    return found


def recover(slave: Slave, found: state.SlaveState | None) -> Deferred[None]:
    """
    Take over what the previous slave process left, as read by L{load}:
    with nothing found, the launcher still destroys the containers left.

    @return: a L{Deferred} that fires once every recovered executor has
        re-registered or ended (with C{--recover=cleanup}: once every one
        has ended); it fails if recovery fails, and the slave then stays
        recovering (unregistered).
    @raise state.RecoveryError: if a checkpointed run cannot be rebuilt,
        naming it.
    """
    slave.recovering = True
    executors: list[ExecutorBase] = []
    if found is not None:
        slave.id = found.id
        slave.checkpointSlave()
        for recorded in found.frameworks.values():
            framework = Framework(recorded.id, recorded.info)
            for executorId, run in recorded.executors.items():
                executor = _rebuildOrExplain(slave, framework, executorId, run)
                if executor is not None:
                    framework.executors[executorId] = executor
                    executors.append(executor)
            if framework.executors:
                slave.frameworks[framework.id] = framework
            elif slave.checkpointer is not None:
                slave.checkpointer.removeFramework(framework.id)
        _log.info(
            "Recovering slave {slaveId}: {frameworks} framework(s), {executors} "
            "executor(s)",
            slaveId=found.id,
            frameworks=len(slave.frameworks),
            executors=len(executors),
        )
    containers = {
        e.containerId: (_resources(e), ProcessWatch(e._processEnded))
        for e in executors
        if e.state != TERMINATED
    }
    if slave.launcher is None:
        recovering: Deferred = succeed(set())
    else:
        recovering = maybeDeferred(slave.launcher.recover, containers)
    recovering.addCallback(_resume, slave, executors)

    def done(result: object) -> None:
        slave.recovering = False
        slave.recovered()

    return recovering.addCallback(done)


def _resume(running: set, slave: Slave, executors: list[ExecutorBase]) -> Deferred:
    waiting = []
    for executor in executors:
        if executor.containerId not in running or executor.state == TERMINATED:
            continue
        if slave.recoverMode == constants.RECOVER_CLEANUP:
            executor.lose(
                TaskStatus.REASON_SLAVE_RESTARTED,
                "The slave restarted with --recover=cleanup, which kills executors",
            )
        else:
            executor.recover()
            if not isinstance(executor, Executor):
                continue
        if executor.state != TERMINATED:
            waiting.append(slave.awaitReregistration(executor))
    return DeferredList(waiting)


def _rebuildOrExplain(
    slave: Slave, framework: Framework, executorId: str, run: state.RunState
) -> ExecutorBase | None:
    """
    L{_rebuild}, its errors turned into a L{state.RecoveryError} naming the
    run's checkpoint directory.
    """
    try:
        return _rebuild(slave, framework, executorId, run)
    except Exception as e:
        where = (
            slave.checkpointer.runDir(framework.id, executorId, run.containerId)
            if slave.checkpointer is not None
            else f"run {run.containerId} of executor {executorId}"
        )
        raise state.RecoveryError(
            f"cannot recover executor {executorId} of framework {framework.id} "
            f"from {where}: {e}; repair or restore it, or "
            f"{startAfresh(slave.workDir or 'WORK_DIR')}"
        ) from e


def _rebuild(
    slave: Slave, framework: Framework, executorId: str, run: state.RunState
) -> ExecutorBase | None:
    """
    The executor of a checkpointed run with its open tasks; L{None} for a
    command task that is complete (its container, if left, is an orphan).
    """
    sandbox = paths.sandboxDirectory(
        slave.workDir, slave.id, framework.id, executorId, run.containerId
    )
    open_ = {}
    for taskId, task in run.tasks.items():
        if slave.statusUpdates.recover(framework.id, taskId, task.records):
            open_[taskId] = task
    if run.executorInfo is None:
        task = open_.get(executorId)
        if task is None:
            return None
        executor: ExecutorBase = CommandTask(slave, framework, task.info, run.containerId, sandbox)
    else:
        executor = Executor(
            slave, framework, run.executorInfo, run.containerId, sandbox, secret=run.secret
        )
        executor.recovered = True
        for taskId, task in open_.items():
            executor.tasks[taskId] = TaskRecord(task.info, framework.id, executorId)
    for taskId, task in open_.items():
        record = executor.tasks[taskId]
        updates = [r.update for r in task.records if r.HasField("update")]
        if updates:
            record.update(updates[-1].status)
        framework.taskExecutors[taskId] = executorId
    if isinstance(executor, CommandTask) and executor.task.terminal:
        # Its end is known and waits for its acknowledgement; its container
        # is gone.
        executor.state = TERMINATED
    return executor


def _resources(executor: ExecutorBase) -> Resources:
    if isinstance(executor, Executor):
        return executor.allocated()
    assert isinstance(executor, CommandTask)
    return Resources.fromProto(executor.task.info.resources)
