"""
Allocation modules: pure, synchronous code that decides which framework is
offered which free resources (see L{mesos_tw.interfaces.IAllocator}).
"""

from __future__ import annotations

from typing import NamedTuple

from mesos_tw.resources import Resources


class Allocation(NamedTuple):
    """
    C{resources} on C{slaveId} go to C{frameworkId}, in C{role}.
    """

    frameworkId: str
    role: str
    slaveId: str
    resources: Resources


#: An offer is made only if it holds at least this much of one of these.
MIN_ALLOCATABLE = (Resources.parse("cpus:0.01"), Resources.parse("mem:32"))

#: A negative refuse_seconds means the default, as in Mesos.
DEFAULT_REFUSE_SECONDS = 5.0

#: Refusal filters are capped at a year, as Mesos caps refuse_seconds.
MAX_REFUSE_SECONDS = 365 * 24 * 3600.0
