# -*- test-case-name: tests.test_master_faults -*-
"""
Task reconciliation: what the master tells a framework about its tasks
(Mesos's C{Master::reconcile}, C{docs/reconciliation.md}).

Pure policy: the master passes in what it knows and sends the answers as
status updates from the master, with C{REASON_RECONCILIATION} and no uuid.
"""

from __future__ import annotations

from typing import Collection, Iterable, Mapping, Sequence

import attr

from mesos_tw import mesos_pb2
from mesos_tw.mesos_pb2 import Task


@attr.s(auto_attribs=True, frozen=True)
class SlaveView:
    """
    What the master knows of slaves, for reconciliation.

    @ivar registered: ids of slaves registered now (connected or not).
    @ivar unreachable: ids of slaves removed as lost, with when.
    @ivar recovering: ids of slaves known from a registry that have not
        re-registered yet; nothing can be said of their tasks.
    """

    registered: Collection[str] = ()
    unreachable: Mapping[str, float] = attr.ib(factory=dict)
    recovering: Collection[str] = ()


LATEST = "Reconciliation: latest task state"
GONE = "Reconciliation: task unknown to its slave"
UNREACHABLE = "Reconciliation: task's slave is unreachable"
UNKNOWN = "Reconciliation: task unknown"


@attr.s(auto_attribs=True, frozen=True)
class Answer:
    """
    One task's state as the master reports it.

    @ivar slaveId: the task's slave, or C{""} if unknown.
    @ivar message: why, for the status's message.
    @ivar unreachableTime: when the slave was marked unreachable, for
        C{TASK_UNREACHABLE}.
    """

    taskId: str
    state: int
    slaveId: str = ""
    message: str = LATEST
    unreachableTime: float | None = None


def latestState(task: Task) -> int:
    """
    The state of the latest update sent towards the framework if there is
    one, else the task's state.
    """
    return task.status_update_state if task.HasField("status_update_state") else task.state


def explicit(
    taskId: str,
    slaveId: str,
    task: Task | None,
    partitionAware: bool,
    slaves: SlaveView,
) -> Answer | None:
    """
    The answer about one task a framework names.

    @param slaveId: the slave the framework names, or C{""}.
    @param task: the master's record of the task (live, or terminal with
        its update unacknowledged), or L{None}.
    @return: the answer, or L{None} if the master cannot tell yet (the slave
        may be recovering).
    """
    if task is not None:
        return Answer(taskId, latestState(task), task.slave_id.value)
    if slaveId:
        if slaveId in slaves.recovering:
            return None
        if slaveId in slaves.registered:
            return Answer(
                taskId, _pick(partitionAware, mesos_pb2.TASK_GONE), slaveId, GONE
            )
        if slaveId in slaves.unreachable:
            return Answer(
                taskId,
                _pick(partitionAware, mesos_pb2.TASK_UNREACHABLE),
                slaveId,
                UNREACHABLE,
                slaves.unreachable[slaveId] if partitionAware else None,
            )
    elif slaves.recovering:
        return None
    return Answer(taskId, _pick(partitionAware, mesos_pb2.TASK_UNKNOWN), slaveId, UNKNOWN)


def implicit(tasks: Iterable[Task]) -> list[Answer]:
    """
    The answers to a reconciliation naming no task: each of C{tasks} (the
    framework's live tasks and terminal ones not acknowledged) with its
    latest state.
    """
    return [Answer(t.task_id.value, latestState(t), t.slave_id.value) for t in tasks]


def reconcile(
    requested: Sequence[tuple[str, str]],
    tasks: Mapping[str, Task],
    partitionAware: bool,
    slaves: SlaveView,
) -> list[Answer]:
    """
    The answers to a reconciliation request.

    @param requested: C{(task id, slave id or "")} pairs; empty for all.
    @param tasks: the framework's tasks by id.
    """
    if not requested:
        return implicit(tasks.values())
    answers = []
    for taskId, slaveId in requested:
        answer = explicit(taskId, slaveId, tasks.get(taskId), partitionAware, slaves)
        if answer is not None:
            answers.append(answer)
    return answers


def _pick(partitionAware: bool, state: int) -> int:
    return state if partitionAware else mesos_pb2.TASK_LOST
