# -*- test-case-name: tests.test_tasks -*-
"""
Task states and status updates: small helpers every party uses.
"""

from __future__ import annotations

import time
import uuid as _uuid

from mesos_tw import mesos_pb2
from mesos_tw.messages_pb2 import StatusUpdate
from mesos_tw.mesos_pb2 import TaskStatus

TERMINAL_STATES = frozenset(
    [
        mesos_pb2.TASK_FINISHED,
        mesos_pb2.TASK_FAILED,
        mesos_pb2.TASK_KILLED,
        mesos_pb2.TASK_ERROR,
        mesos_pb2.TASK_LOST,
        mesos_pb2.TASK_DROPPED,
        mesos_pb2.TASK_GONE,
        mesos_pb2.TASK_GONE_BY_OPERATOR,
    ]
)


def isTerminal(state: int) -> bool:
    """
    Whether a task in C{state} has ended for good.
    """
    return state in TERMINAL_STATES


def stateName(state: int) -> str:
    """
    C{"TASK_RUNNING"} for L{mesos_pb2.TASK_RUNNING}, and so on.
    """
    return mesos_pb2.TaskState.Name(state)


def reasonName(reason: int) -> str:
    """
    C{"REASON_TASK_INVALID"} for that reason, and so on.
    """
    return TaskStatus.Reason.Name(reason)


def taskStatus(
    taskId: str,
    state: int,
    source: int,
    reason: int | None = None,
    message: str = "",
    slaveId: str | None = None,
    executorId: str | None = None,
    timestamp: float | None = None,
    withUUID: bool = True,
) -> TaskStatus:
    """
    A L{TaskStatus}; with a fresh uuid unless C{withUUID} is false (updates
    without a uuid need no acknowledgement).
    """
    status = TaskStatus(
        state=state,
        source=source,
        message=message,
        timestamp=time.time() if timestamp is None else timestamp,
    )
    status.task_id.value = taskId
    if reason is not None:
        status.reason = reason
    if slaveId:
        status.slave_id.value = slaveId
    if executorId:
        status.executor_id.value = executorId
    if withUUID:
        status.uuid = _uuid.uuid4().bytes
    return status


def statusUpdate(
    frameworkId: str,
    status: TaskStatus,
    slaveId: str | None = None,
    executorId: str | None = None,
) -> StatusUpdate:
    """
    Wrap C{status} in the L{StatusUpdate} that travels to the framework.
    """
    update = StatusUpdate(status=status, timestamp=status.timestamp)
    update.framework_id.value = frameworkId
    if slaveId:
        update.slave_id.value = slaveId
    if executorId:
        update.executor_id.value = executorId
    return update
