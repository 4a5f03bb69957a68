# -*- test-case-name: tests.test_allocator -*-
"""
A dominant resource fairness allocator over frameworks.

Each slave's free resources go to the active framework with the lowest
dominant share (its largest fraction of any scalar resource of the cluster),
ties broken by how many allocations it has had and then by id, as Mesos's
DRF sorter does. A framework gets the whole remainder of a slave it is
offered (coarse offers), unless a refusal filter covers it or it is below
the minimum allocatable.
"""

from __future__ import annotations

import random as _random
from typing import Iterable, Mapping

from zope.interface import implementer

from mesos_tw.interfaces import IAllocator
from mesos_tw.master.allocator import (
    DEFAULT_REFUSE_SECONDS,
    MAX_REFUSE_SECONDS,
    MIN_ALLOCATABLE,
    Allocation,
)
from mesos_tw.resources import Resources

_EMPTY = Resources()


class _Slave:
    __slots__ = ("total", "allocated", "active")

    def __init__(self, total: Resources, allocated: Resources) -> None:
        self.total = total
        self.allocated = allocated
        self.active = True


class _Framework:
    __slots__ = ("id", "role", "active", "suppressed", "allocated", "scalars",
                 "count", "filters")

    def __init__(self, frameworkId: str, role: str, active: bool) -> None:
        self.id = frameworkId
        self.role = role
        self.active = active
        self.suppressed = False
        self.allocated: dict[str, Resources] = {}
        self.scalars: dict[str, float] = {}
        self.count = 0
        # slave id -> [(refused resources, expiry)]
        self.filters: dict[str, list[tuple[Resources, float]]] = {}


@implementer(IAllocator)
class DRFAllocator:
    """
    Dominant resource fairness among frameworks.

    @param allocationInterval: refusal filters last at least this long.
    @param random: shuffles slaves each run, so no slave is always first.
    """

    def __init__(
        self,
        allocationInterval: float = 1.0,
        minAllocatable: Iterable[Resources] = MIN_ALLOCATABLE,
        random: _random.Random | None = None,
    ) -> None:
        self._interval = allocationInterval
        self._minimums = [minimum.scalars() for minimum in minAllocatable]
        self._random = random or _random.Random()
        self._slaves: dict[str, _Slave] = {}
        self._frameworks: dict[str, _Framework] = {}
        self._totals: dict[str, float] = {}

    # --- Slaves --------------------------------------------------------------

    def addSlave(self, slaveId: str, total: Resources, used: Mapping[str, Resources]) -> None:
        allocated = _EMPTY
        for frameworkId, resources in used.items():
            allocated = allocated + resources
            framework = self._frameworks.get(frameworkId)
            if framework is not None:
                self._allot(framework, slaveId, resources)
        self._slaves[slaveId] = _Slave(total, allocated)
        self._addTotals(total, 1)

    def removeSlave(self, slaveId: str) -> None:
        slave = self._slaves.pop(slaveId, None)
        if slave is None:
            return
        self._addTotals(slave.total, -1)
        for framework in self._frameworks.values():
            resources = framework.allocated.pop(slaveId, None)
            if resources is not None:
                self._addScalars(framework, resources, -1)
            framework.filters.pop(slaveId, None)

    def activateSlave(self, slaveId: str) -> None:
        self._slaves[slaveId].active = True

    def deactivateSlave(self, slaveId: str) -> None:
        self._slaves[slaveId].active = False

    # --- Frameworks ----------------------------------------------------------

    def addFramework(
        self, frameworkId: str, role: str, used: Mapping[str, Resources], active: bool
    ) -> None:
        framework = _Framework(frameworkId, role, active)
        self._frameworks[frameworkId] = framework
        for slaveId, resources in used.items():
            self._allot(framework, slaveId, resources)

    def removeFramework(self, frameworkId: str) -> None:
        framework = self._frameworks.pop(frameworkId, None)
        if framework is None:
            return
        for slaveId, resources in framework.allocated.items():
            slave = self._slaves.get(slaveId)
            if slave is not None:
                slave.allocated = slave.allocated - resources

    def activateFramework(self, frameworkId: str) -> None:
        self._frameworks[frameworkId].active = True

    def deactivateFramework(self, frameworkId: str) -> None:
        self._frameworks[frameworkId].active = False

    def reviveOffers(self, frameworkId: str) -> None:
        framework = self._frameworks[frameworkId]
        framework.filters.clear()
        framework.suppressed = False

    def suppressOffers(self, frameworkId: str) -> None:
        self._frameworks[frameworkId].suppressed = True

    # --- Resources -----------------------------------------------------------

    def recoverResources(
        self,
        frameworkId: str,
        slaveId: str,
        resources: Resources,
        refuseSeconds: float | None,
        now: float,
    ) -> None:
        slave = self._slaves.get(slaveId)
        if slave is not None:
            slave.allocated = slave.allocated - resources
        framework = self._frameworks.get(frameworkId)
        if framework is None:
            return
        held = framework.allocated.get(slaveId)
        if held is not None:
            left = held - resources
            if left:
                framework.allocated[slaveId] = left
            else:
                del framework.allocated[slaveId]
            self._addScalars(framework, held - left, -1)
        if refuseSeconds is not None and refuseSeconds < 0:
            refuseSeconds = DEFAULT_REFUSE_SECONDS
        if refuseSeconds and slave is not None:
            timeout = max(self._interval, min(refuseSeconds, MAX_REFUSE_SECONDS))
            framework.filters.setdefault(slaveId, []).append((resources, now + timeout))

    def allocate(self, now: float, slaveIds: Iterable[str] | None = None) -> list[Allocation]:
        slaves = list(self._slaves if slaveIds is None else slaveIds)
        self._random.shuffle(slaves)
        allocations: list[Allocation] = []
        for slaveId in slaves:
            slave = self._slaves.get(slaveId)
            if slave is None or not slave.active:
                continue
            free = slave.total - slave.allocated
            if not free:
                continue
            for framework in self._sorted():
                offerable = free.allocatableTo(framework.role)
                if not self._allocatable(offerable):
                    continue
                if self._filtered(framework, slaveId, offerable, now):
                    continue
                self._allot(framework, slaveId, offerable)
                slave.allocated = slave.allocated + offerable
                framework.count += 1
                allocations.append(
                    Allocation(framework.id, framework.role, slaveId, offerable)
                )
                free = free - offerable
                if not free:
                    break
        return allocations

    # --- State ---------------------------------------------------------------

    def share(self, frameworkId: str) -> float:
        """
        The framework's dominant share of the cluster.
        """
        return self._share(self._frameworks[frameworkId])

    def allocated(self, frameworkId: str) -> Resources:
        """
        Everything allocated to the framework (offered or in use).
        """
        total = _EMPTY
        for resources in self._frameworks[frameworkId].allocated.values():
            total = total + resources
        return total

    # --- Helpers -------------------------------------------------------------

    def _sorted(self) -> list[_Framework]:
        eligible = [f for f in self._frameworks.values() if f.active and not f.suppressed]
        eligible.sort(key=lambda f: (self._share(f), f.count, f.id))
        return eligible

    def _share(self, framework: _Framework) -> float:
        share = 0.0
        totals = self._totals
        for name, amount in framework.scalars.items():
            total = totals.get(name)
            if total:
                share = max(share, amount / total)
        return share

    def _allocatable(self, resources: Resources) -> bool:
        # Quantities count whatever their role: reserved cpus are cpus.
        amounts = resources.scalars()
        return any(
            all(amounts.get(name, 0.0) >= value for name, value in minimum.items())
            for minimum in self._minimums
        )

    def _filtered(
        self, framework: _Framework, slaveId: str, resources: Resources, now: float
    ) -> bool:
        filters = framework.filters.get(slaveId)
        if not filters:
            return False
        live = [(refused, expiry) for refused, expiry in filters if expiry > now]
        if live:
            framework.filters[slaveId] = live
        else:
            del framework.filters[slaveId]
        return any(refused.contains(resources) for refused, _ in live)

    def _allot(self, framework: _Framework, slaveId: str, resources: Resources) -> None:
        held = framework.allocated.get(slaveId)
        framework.allocated[slaveId] = resources if held is None else held + resources
        self._addScalars(framework, resources, 1)

    def _addScalars(self, framework: _Framework, resources: Resources, sign: int) -> None:
        scalars = framework.scalars
        for name, amount in resources.scalars().items():
            value = scalars.get(name, 0.0) + sign * amount
            if value > 1e-9:
                scalars[name] = value
            else:
                scalars.pop(name, None)

    def _addTotals(self, resources: Resources, sign: int) -> None:
        for name, amount in resources.scalars().items():
            value = self._totals.get(name, 0.0) + sign * amount
            if value > 1e-9:
                self._totals[name] = value
            else:
                self._totals.pop(name, None)
