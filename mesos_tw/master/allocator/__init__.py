# -*- test-case-name: tests.test_allocator -*-
"""
Allocation modules: pure, synchronous code that decides which framework is
offered which free resources (see L{mesos_tw.interfaces.IAllocator}).

The modules of this package:

  - L{mesos_tw.master.allocator.hierarchical}: hierarchical dominant
    resource fairness over roles, then frameworks in a role (the default,
    C{--allocator=drf}), with weights, guarantees and a minimum offer size;
  - L{mesos_tw.master.allocator.priority}: strict priorities between roles,
    DRF among roles of equal priority (C{--allocator=priority});
  - L{mesos_tw.master.allocator.revocation}: which running tasks to revoke
    so that a role below its guarantee can run its waiting work;
  - L{mesos_tw.master.allocator.options}: parsing the master's allocation
    flags and building the allocator they name.

Nothing here imports Twisted or does I/O; time is passed in.
"""

from __future__ import annotations

from typing import Mapping, NamedTuple, Sequence

from mesos_tw.resources import Resources


class Allocation(NamedTuple):
    """
    C{resources} on C{slaveId} go to C{frameworkId}, in C{role}.
    """

    frameworkId: str
    role: str
    slaveId: str
    resources: Resources


class RunningTask(NamedTuple):
    """
    A task as the master describes it to L{IAllocator.revocations}.

    @ivar role: the role its resources were allocated to.
    @ivar startTime: when it was launched (seconds); younger tasks are
        revoked first, as they lose the least work.
    @ivar revoking: whether it is already being revoked (its resources will
        be free at the end of its grace period).
    """

    taskId: str
    frameworkId: str
    role: str
    slaveId: str
    resources: Resources
    startTime: float
    revoking: bool = False


class RoleSummary(NamedTuple):
    """
    One role as an allocator sees it, for the master's state.

    @ivar weight: the role's weight (its share is divided by it).
    @ivar priority: its priority (only the priority allocator uses it).
    @ivar guarantee: the scalars guaranteed to it, by name.
    @ivar allocated: the scalars allocated to it (offered or in use).
    @ivar share: its dominant share of the cluster, not weighted.
    @ivar frameworks: ids of the frameworks in it.
    """

    name: str
    weight: float
    priority: float
    guarantee: Mapping[str, float]
    allocated: Mapping[str, float]
    share: float
    frameworks: Sequence[str]


class FrameworkSummary(NamedTuple):
    """
    One framework as an allocator sees it, for the master's state.

    @ivar allocated: the scalars allocated to it in all its roles.
    @ivar share: its dominant share of the cluster, not weighted.
    @ivar weight: the weight of its (first) role.
    """

    allocated: Mapping[str, float]
    share: float
    weight: float


#: An offer is made only if it holds at least this much of one of these.
MIN_ALLOCATABLE = (Resources.parse("cpus:0.01"), Resources.parse("mem:32"))

#: A negative refuse_seconds means the default, as in Mesos.
DEFAULT_REFUSE_SECONDS = 5.0

#: Refusal filters are capped at a year, as Mesos caps refuse_seconds.
MAX_REFUSE_SECONDS = 365 * 24 * 3600.0


def rolesOf(roles: Sequence[str]) -> list[str]:
    """
    C{roles} as a list of distinct roles in their order.

    @raise TypeError: if C{roles} is a single string (a common slip: a
        string is a sequence of one-letter roles).
    @raise ValueError: if there is no role.
    """
    if isinstance(roles, str):
        raise TypeError(f"roles must be a sequence of roles, not the string {roles!r}")
    result = list(dict.fromkeys(roles))
    if not result:
        raise ValueError("a framework needs at least one role")
    return result
