# -*- test-case-name: tests.test_validation -*-
"""
Validation of what frameworks ask the master to do: pure functions with
Mesos's outcomes and messages that say what to fix.
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from mesos_tw.mesos_pb2 import ExecutorInfo, TaskInfo
from mesos_tw.resources import Resources, ResourcesError

_BAD_ID = re.compile(r"[\s/]")


class ValidationError(Exception):
    """
    A request the master refuses; the message says why.
    """


def validateId(kind: str, value: str) -> None:
    """
    Ids are non-empty, without whitespace or '/', and not '.' or '..'.
    """
    if not value:
        raise ValidationError(f"{kind} id is empty")
    if value in (".", ".."):
        raise ValidationError(f"{kind} id may not be {value!r}")
    if _BAD_ID.search(value):
        raise ValidationError(f"{kind} id {value!r} contains whitespace or '/'")


def validateRole(role: str) -> None:
    """
    Roles are C{*} or '/'-separated names, each non-empty, not '.' or '..',
    not starting with '-', without whitespace.
    """
    if role == "*":
        return
    for part in role.split("/"):
        if not part or part in (".", "..") or part.startswith("-") or re.search(r"\s", part):
            raise ValidationError(f"invalid role {role!r}")


def validateOffers(
    offerIds: Sequence[str], offers: Mapping[str, object], frameworkId: str
) -> str:
    """
    Check that the offers of one accept can be used together.

    @param offers: outstanding offers by id, each with C{frameworkId} and
        C{slaveId}.
    @return: the slave id all the offers are on.
    @raise ValidationError: if any offer is unknown, foreign, repeated, or
        on another slave than the first.
    """
    if not offerIds:
        raise ValidationError("no offers given")
    seen: set[str] = set()
    slaveId = None
    for offerId in offerIds:
        if offerId in seen:
            raise ValidationError(f"offer {offerId} appears twice")
        seen.add(offerId)
        offer = offers.get(offerId)
        if offer is None:
            raise ValidationError(f"offer {offerId} is no longer valid")
        if offer.frameworkId != frameworkId:
            raise ValidationError(f"offer {offerId} belongs to another framework")
        if slaveId is None:
            slaveId = offer.slaveId
        elif offer.slaveId != slaveId:
            raise ValidationError(
                f"offers {offerIds[0]} and {offerId} are on different slaves"
            )
    return slaveId


def _executorsCompatible(a: ExecutorInfo, b: ExecutorInfo) -> bool:
    return a.command == b.command and Resources.fromProto(
        a.resources
    ) == Resources.fromProto(b.resources)


def validateTask(
    task: TaskInfo,
    frameworkId: str,
    slaveId: str,
    available: Resources,
    taskIds: set[str] | Mapping[str, object],
    executors: Mapping[str, ExecutorInfo],
) -> Resources:
    """
    Check one task of an accept against what is left of its offers.

    @param taskIds: the framework's task ids in use.
    @param executors: the framework's executors on the slave, by id, plus
        those launched earlier in the same accept.
    @return: the resources the task takes from the offers (with its
        executor's, if that executor is new).
    @raise ValidationError: saying what is wrong.
    """
    validateId("task", task.task_id.value)
    if task.task_id.value in taskIds:
        raise ValidationError(f"task id {task.task_id.value!r} is already in use")
    if task.slave_id.value != slaveId:
        raise ValidationError(
            f"task is for slave {task.slave_id.value!r} but its offers are on {slaveId}"
        )
    if task.HasField("executor") == task.HasField("command"):
        raise ValidationError("task must have exactly one of executor and command")
    try:
        resources = Resources.fromProto(task.resources)
    except ResourcesError as e:
        raise ValidationError(f"task has invalid resources: {e}") from None
    if not resources:
        raise ValidationError("task uses no resources")
    needed = resources
    if task.HasField("executor"):
        executor = task.executor
        validateId("executor", executor.executor_id.value)
        if executor.framework_id.value and executor.framework_id.value != frameworkId:
            raise ValidationError("executor belongs to another framework")
        if not executor.HasField("command"):
            raise ValidationError(
                f"executor {executor.executor_id.value!r} has no command"
            )
        try:
            executorResources = Resources.fromProto(executor.resources)
        except ResourcesError as e:
            raise ValidationError(f"executor has invalid resources: {e}") from None
        running = executors.get(executor.executor_id.value)
        if running is None:
            needed = needed + executorResources
        elif not _executorsCompatible(running, executor):
            raise ValidationError(
                f"executor {executor.executor_id.value!r} differs from the one "
                "already running with that id"
            )
    if not available.contains(needed):
        raise ValidationError(
            f"task uses more resources ({needed}) than its offers have left ({available})"
        )
    return needed
