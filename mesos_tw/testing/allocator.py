# -*- test-case-name: tests.test_allocator -*-
"""
A fake L{IAllocator} for tests of code that drives an allocator (the
master): simple, predictable, and recording every call. It passes the same
conformance suite as the real allocators (C{tests.test_allocator}).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from zope.interface import implementer

from mesos_tw.interfaces import IAllocator
from mesos_tw.master.allocator import (
    DEFAULT_REFUSE_SECONDS,
    MAX_REFUSE_SECONDS,
    MIN_ALLOCATABLE,
    Allocation,
    FrameworkSummary,
    RoleSummary,
    RunningTask,
    rolesOf,
)
from mesos_tw.resources import Resources

_EMPTY = Resources()


class _Framework:
    def __init__(self, roles: list[str], active: bool) -> None:
        self.roles = roles
        self.active = active
        self.suppressed: set[str] = set()
        # (role or None, slave id, refused, expiry)
        self.filters: list[tuple[str | None, str, Resources, float]] = []
        # (role, slave id) -> Resources
        self.allocated: dict[tuple[str, str], Resources] = {}
        self.requests: list[Resources] = []


@implementer(IAllocator)
class FakeAllocator:
    """
    Offers each slave's free resources, slaves in id order, to the first
    eligible framework in id order, role by role: no fairness at all.

    @ivar calls: every call made to it, as C{(method name, arguments)}.
    @ivar weights: the weights set with L{updateWeights}.
    @ivar toRevoke: task ids that L{revocations} returns when it is given
        those tasks (a test sets them).
    """

    def __init__(
        self,
        allocationInterval: float = 1.0,
        minAllocatable: Iterable[Resources] = MIN_ALLOCATABLE,
    ) -> None:
        self.calls: list[tuple[str, tuple]] = []
        self.weights: dict[str, float] = {}
        self.toRevoke: set[str] = set()
        self._interval = allocationInterval
        self._minimums = list(minAllocatable)
        # slave id -> [total, free, active]
        self._slaves: dict[str, list[Any]] = {}
        self._frameworks: dict[str, _Framework] = {}

    @classmethod
    def fromOptions(cls, options: Any) -> FakeAllocator:
        """
        Build from the master's flags (only the interval and minimum
        allocatable matter).
        """
        return cls(options.allocationInterval, options.minAllocatable)

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))

    def addSlave(self, slaveId: str, total: Resources, used: Mapping[str, Resources]) -> None:
        self._record("addSlave", slaveId, total, dict(used))
        free = total
        for frameworkId, resources in used.items():
            free = free - resources
            framework = self._frameworks.get(frameworkId)
            if framework is not None:
                key = (framework.roles[0], slaveId)
                framework.allocated[key] = framework.allocated.get(key, _EMPTY) + resources
        self._slaves[slaveId] = [total, free, True]

    def removeSlave(self, slaveId: str) -> None:
        self._record("removeSlave", slaveId)
        if self._slaves.pop(slaveId, None) is None:
            return
        for framework in self._frameworks.values():
            framework.allocated = {
                k: v for k, v in framework.allocated.items() if k[1] != slaveId
            }
            framework.filters = [f for f in framework.filters if f[1] != slaveId]

    def activateSlave(self, slaveId: str) -> None:
        self._record("activateSlave", slaveId)
        if slaveId in self._slaves:
            self._slaves[slaveId][2] = True

    def deactivateSlave(self, slaveId: str) -> None:
        self._record("deactivateSlave", slaveId)
        if slaveId in self._slaves:
            self._slaves[slaveId][2] = False

    def addFramework(
        self, frameworkId: str, roles: Sequence[str], used: Mapping[str, Resources],
        active: bool,
    ) -> None:
        self._record("addFramework", frameworkId, list(roles), dict(used), active)
        framework = _Framework(rolesOf(roles), active)
        for slaveId, resources in used.items():
            if slaveId in self._slaves:
                framework.allocated[(framework.roles[0], slaveId)] = resources
        self._frameworks[frameworkId] = framework

    def updateFramework(self, frameworkId: str, roles: Sequence[str]) -> None:
        self._record("updateFramework", frameworkId, list(roles))
        framework = self._frameworks.get(frameworkId)
        if framework is not None:
            framework.roles = rolesOf(roles)

    def removeFramework(self, frameworkId: str) -> None:
        self._record("removeFramework", frameworkId)
        framework = self._frameworks.pop(frameworkId, None)
        if framework is None:
            return
        for (_, slaveId), resources in framework.allocated.items():
            self._free(slaveId, resources)

    def activateFramework(self, frameworkId: str) -> None:
        self._record("activateFramework", frameworkId)
        if frameworkId in self._frameworks:
            self._frameworks[frameworkId].active = True

    def deactivateFramework(self, frameworkId: str) -> None:
        self._record("deactivateFramework", frameworkId)
        if frameworkId in self._frameworks:
            self._frameworks[frameworkId].active = False

    def recoverResources(
        self, frameworkId: str, slaveId: str, resources: Resources,
        refuseSeconds: float | None, now: float, role: str | None = None,
    ) -> None:
        self._record("recoverResources", frameworkId, slaveId, resources, refuseSeconds,
                     now, role)
        self._free(slaveId, resources)
        framework = self._frameworks.get(frameworkId)
        if framework is None:
            return
        left = resources
        for key in sorted(framework.allocated, key=lambda k: k[0] != role):
            if key[1] != slaveId:
                continue
            held = framework.allocated[key]
            taken = held - (held - left)
            framework.allocated[key] = held - taken
            left = left - taken
        if refuseSeconds is not None and refuseSeconds < 0:
            refuseSeconds = DEFAULT_REFUSE_SECONDS
        if refuseSeconds and slaveId in self._slaves:
            expiry = now + max(self._interval, min(refuseSeconds, MAX_REFUSE_SECONDS))
            framework.filters.append((role, slaveId, resources, expiry))

    def reviveOffers(self, frameworkId: str, roles: Sequence[str] | None = None) -> None:
        self._record("reviveOffers", frameworkId, roles)
        framework = self._frameworks.get(frameworkId)
        if framework is None:
            return
        wanted = set(roles) if roles else None
        framework.filters = [
            f for f in framework.filters
            if wanted is not None and (f[0] is None or f[0] not in wanted)
        ]
        framework.suppressed = set() if wanted is None else framework.suppressed - wanted

    def suppressOffers(self, frameworkId: str, roles: Sequence[str] | None = None) -> None:
        self._record("suppressOffers", frameworkId, roles)
        framework = self._frameworks.get(frameworkId)
        if framework is not None:
            framework.suppressed.update(roles or framework.roles)

    def requestResources(self, frameworkId: str, requests: Sequence[Resources]) -> None:
        self._record("requestResources", frameworkId, list(requests))
        framework = self._frameworks.get(frameworkId)
        if framework is not None:
            framework.requests = list(requests)

    def updateWeights(self, weights: Mapping[str, float]) -> None:
        self._record("updateWeights", dict(weights))
        for role, weight in weights.items():
            if not (float(weight) > 0 and float(weight) < float("inf")):
                raise ValueError(f"the weight of role {role!r} must be a positive number")
        self.weights.update(weights)

    def allocate(self, now: float, slaveIds: Iterable[str] | None = None) -> list[Allocation]:
        self._record("allocate", now, None if slaveIds is None else list(slaveIds))
        wanted = sorted(self._slaves if slaveIds is None else set(slaveIds))
        allocations = []
        for slaveId in wanted:
            slave = self._slaves.get(slaveId)
            if slave is None or not slave[2]:
                continue
            for frameworkId in sorted(self._frameworks):
                framework = self._frameworks[frameworkId]
                if not framework.active:
                    continue
                for role in framework.roles:
                    offer = slave[1].allocatableTo(role)
                    if (
                        role in framework.suppressed
                        or not self._allocatable(offer)
                        or self._filtered(framework, role, slaveId, offer, now)
                    ):
                        continue
                    slave[1] = slave[1] - offer
                    key = (role, slaveId)
                    framework.allocated[key] = framework.allocated.get(key, _EMPTY) + offer
                    framework.requests = [
                        r for r in framework.requests if not offer.contains(r)
                    ]
                    allocations.append(Allocation(frameworkId, role, slaveId, offer))
        return allocations

    def revocations(self, tasks: Iterable[RunningTask], now: float) -> list[RunningTask]:
        self._record("revocations", now)
        return [t for t in tasks if t.taskId in self.toRevoke and not t.revoking]

    def roleSummaries(self) -> list[RoleSummary]:
        roles: dict[str, list[str]] = {role: [] for role in self.weights}
        for frameworkId, framework in self._frameworks.items():
            for role in framework.roles:
                roles.setdefault(role, []).append(frameworkId)
        return [
            RoleSummary(role, self.weights.get(role, 1.0), 0.0, {},
                        self._scalars(role=role), 0.0, sorted(ids))
            for role, ids in sorted(roles.items())
        ]

    def frameworkSummary(self, frameworkId: str) -> FrameworkSummary | None:
        framework = self._frameworks.get(frameworkId)
        if framework is None:
            return None
        return FrameworkSummary(
            self._scalars(frameworkId=frameworkId), 0.0,
            self.weights.get(framework.roles[0], 1.0),
        )

    def allocated(self, frameworkId: str) -> Resources:
        """
        Everything allocated to the framework.
        """
        total = _EMPTY
        for resources in self._frameworks[frameworkId].allocated.values():
            total = total + resources
        return total

    def _scalars(self, role: str | None = None, frameworkId: str | None = None) -> dict:
        total = _EMPTY
        for fid, framework in self._frameworks.items():
            for (r, _), resources in framework.allocated.items():
                if (role is None or r == role) and (frameworkId is None or fid == frameworkId):
                    total = total + resources
        return total.scalars()

    def _free(self, slaveId: str, resources: Resources) -> None:
        slave = self._slaves.get(slaveId)
        if slave is not None:
            total = slave[0]
            slave[1] = total - ((total - slave[1]) - resources)

    def _allocatable(self, resources: Resources) -> bool:
        return any(
            all(resources.scalar(n) >= v for n, v in minimum.scalars().items())
            for minimum in self._minimums
        )

    def _filtered(self, framework: _Framework, role: str, slaveId: str,
                  offer: Resources, now: float) -> bool:
        framework.filters = [f for f in framework.filters if f[3] > now]
        return any(
            f[1] == slaveId and f[0] in (None, role) and f[2].contains(offer)
            for f in framework.filters
        )
