# -*- test-case-name: tests.test_master_faults -*-
"""
What the master does with a slave's report when the slave re-registers:
the slave's tasks correct the master's view (pure policy; the master
applies the L{Plan}).

The slave is the authority on what runs there. Tasks it reports are added
or updated (a task the master had ended because the slave was removed comes
back, as in Mesos 1.5+); tasks the master has there that the slave does not
report are gone; frameworks the master removed are shut down there; kills
the master could not deliver are sent again. A task the master ended while
the slave was away and meant to kill (one of a framework that does not
checkpoint, lost when the slave disconnected, or one whose kill was asked
meanwhile) is not taken back: the framework was told it ended, so it is
killed.
"""

from __future__ import annotations

from typing import Collection, Container, Iterable, Mapping, Sequence

import attr

from mesos_tw.mesos_pb2 import ExecutorInfo, FrameworkInfo, Task
from mesos_tw.tasks import isTerminal

#: A task's key: (framework id, task id).
TaskKey = tuple[str, str]


@attr.s(auto_attribs=True)
class Plan:
    """
    The changes a slave's re-registration makes to the master's view.

    @ivar shutdown: removed frameworks the slave still has, to shut down
        there (sorted).
    @ivar update: reported tasks the master knows: take the slave's state.
    @ivar add: reported tasks the master does not know (or had ended).
    @ivar missing: non-terminal tasks the master has on the slave that the
        slave does not report: they are gone.
    @ivar forget: terminal tasks the master has on the slave that the slave
        does not report: no update about them will come.
    @ivar kills: remembered kills of reported, unfinished tasks, to send.
    @ivar ended: reported tasks the master had ended and meant to kill: not
        taken back.
    @ivar executors: the slave's executors by framework (removed ones
        aside) and executor id.
    """

    shutdown: list[str] = attr.ib(factory=list)
    update: list[Task] = attr.ib(factory=list)
    add: list[Task] = attr.ib(factory=list)
    missing: list[TaskKey] = attr.ib(factory=list)
    forget: list[TaskKey] = attr.ib(factory=list)
    kills: list[TaskKey] = attr.ib(factory=list)
    ended: list[TaskKey] = attr.ib(factory=list)
    executors: dict[str, dict[str, ExecutorInfo]] = attr.ib(factory=dict)


def taskKey(task: Task) -> TaskKey:
    """
    The key of C{task}.
    """
    return (task.framework_id.value, task.task_id.value)


def plan(
    reported: Sequence[Task],
    frameworks: Iterable[FrameworkInfo],
    executors: Iterable[ExecutorInfo],
    known: Mapping[TaskKey, Task],
    removed: Container[str],
    pendingKills: Collection[TaskKey],
) -> Plan:
    """
    Compare a re-registering slave's report with the master's view.

    @param reported: the tasks the slave reports.
    @param frameworks: the frameworks the slave reports.
    @param executors: the executors the slave reports.
    @param known: the tasks the master has on that slave.
    @param removed: ids of frameworks the master removed.
    @param pendingKills: tasks whose kill the master could not deliver, or
        that it ended while the slave was away and means to kill.
    """
    result = Plan()
    shutdown = {f.id.value for f in frameworks if f.id.value in removed}
    seen: set[TaskKey] = set()
    for task in reported:
        key = taskKey(task)
        if key[0] in removed:
            shutdown.add(key[0])
            continue
        seen.add(key)
        if key in known:
            result.update.append(task)
        elif key in pendingKills:
            result.ended.append(key)
        else:
            result.add.append(task)
        if key in pendingKills and not isTerminal(task.state):
            result.kills.append(key)
    for key, task in known.items():
        if key not in seen:
            (result.forget if isTerminal(task.state) else result.missing).append(key)
    for frameworkId, executor in _placeExecutors(executors, reported):
        if frameworkId in removed:
            shutdown.add(frameworkId)
        else:
            result.executors.setdefault(frameworkId, {})[
                executor.executor_id.value
            ] = executor
    result.shutdown = sorted(shutdown)
    return result


def _placeExecutors(
    executors: Iterable[ExecutorInfo], tasks: Sequence[Task]
) -> Iterable[tuple[str, ExecutorInfo]]:
    """
    The framework of each executor: the one it names, else the only
    framework with a reported task on it; executors of no known framework
    are left out.
    """
    owners: dict[str, set[str]] = {}
    for task in tasks:
        if task.HasField("executor_id"):
            owners.setdefault(task.executor_id.value, set()).add(task.framework_id.value)
    for executor in executors:
        if executor.framework_id.value:
            yield executor.framework_id.value, executor
            continue
        candidates = owners.get(executor.executor_id.value, set())
        if len(candidates) == 1:
            [frameworkId] = candidates
            yield frameworkId, executor
