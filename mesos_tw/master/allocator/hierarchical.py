# -*- test-case-name: tests.test_allocator -*-
"""
Hierarchical dominant resource fairness, as Mesos's C{HierarchicalDRF}
allocator: roles first, then frameworks inside a role.

For each slave with free resources (in random order), roles are taken in
order of their dominant share divided by their weight, ties broken by how
many allocations each had and then by name; inside the first role that has
an eligible framework, frameworks are taken in the same order (their weight
is 1). The first eligible framework gets everything on the slave that is
allocatable to that role (coarse offers): unreserved resources and those
reserved for the role. Resources reserved for other roles are offered to
those roles in the same way. A framework is eligible unless it is inactive,
suppressed in the role, or has a refusal filter covering the offer.

Nothing is offered below the minimum allocatable (at least one of
C{cpus:0.01} and C{mem:32} by default) or, if set, below the minimum offer
size (the paper's remedy for frameworks with large tasks; capped at what
the slave has). Roles below their guarantee come before all others, in
the usual order among themselves (like the coarse-grained quota stage of
Mesos 1.0, they may be offered more than their guarantee).

Shares are kept incrementally, in integer thousandths as L{Resources}
keeps them, and each sorted order is a list kept sorted with C{bisect}: an
allocation re-positions only the framework and the role it changed, so a
pass costs little more than one step per slave with free resources.

Roles are flat: C{a/b} is a role of its own, not a child of C{a}.
"""

from __future__ import annotations

import random as _random
from bisect import bisect_left, insort
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
from mesos_tw.master.allocator.revocation import (
    Demand,
    selectRevocations,
)
from mesos_tw.resources import Resources

__all__ = ["HierarchicalAllocator", "HierarchicalDRFAllocator"]

_EMPTY = Resources()


def quantities(resources: Resources) -> dict[str, int]:
    """
    The scalars of C{resources} by name, summed over roles, in integer
    thousandths (exact, as L{Resources} keeps them).
    """
    return {name: round(value * 1000) for name, value in resources.scalars().items()}


def _floats(amounts: Mapping[str, int]) -> dict[str, float]:
    return {name: value / 1000 for name, value in sorted(amounts.items()) if value}


def _add(amounts: dict[str, int], more: Mapping[str, int], sign: int) -> None:
    for name, value in more.items():
        left = amounts.get(name, 0) + sign * value
        if left:
            amounts[name] = left
        else:
            del amounts[name]


def _covers(amounts: Mapping[str, int], minimum: Mapping[str, int]) -> bool:
    for name, value in minimum.items():
        if amounts.get(name, 0) < value:
            return False
    return True


class _Slave:
    __slots__ = ("id", "total", "totalQ", "free", "freeQ", "active", "reserved",
                 "ready", "minOffer")

    def __init__(self, slaveId: str, total: Resources) -> None:
        self.id = slaveId
        self.total = total
        self.totalQ = quantities(total)
        self.free = total
        self.freeQ: dict[str, int] = {}
        self.active = True
        # Whether some resources are reserved for a role: offers then
        # depend on the role (the slow path).
        self.reserved = bool(total.roles() - {"*"})
        # For unreserved slaves: whether the free resources may be offered.
        self.ready = False
        self.minOffer: dict[str, int] | None = None


class _Framework:
    __slots__ = ("id", "roles", "members", "active", "suppressed", "filters",
                 "requests")

    def __init__(self, frameworkId: str, roles: list[str], active: bool) -> None:
        self.id = frameworkId
        self.roles = roles
        self.members: dict[str, _Member] = {}
        self.active = active
        self.suppressed: set[str] = set()
        # slave id -> [(role or None for all roles, refused, expiry)]
        self.filters: dict[str, list[tuple[str | None, Resources, float]]] = {}
        self.requests: list[Resources] = []


class _Member:
    """
    A framework in one role: the client of that role's framework order.
    """

    __slots__ = ("framework", "role", "allocated", "q", "share", "count", "key")

    def __init__(self, framework: _Framework, role: _Role) -> None:
        self.framework = framework
        self.role = role
        self.allocated: dict[str, Resources] = {}
        self.q: dict[str, int] = {}
        self.share = 0.0
        self.count = 0
        # The entry in role.order while it is there, else None.
        self.key: tuple | None = None


class _Role:
    __slots__ = ("name", "weight", "priority", "guarantee", "configured", "q",
                 "share", "count", "below", "members", "order", "key")

    def __init__(self, name: str) -> None:
        self.name = name
        self.weight = 1.0
        self.priority = 0.0
        self.guarantee: dict[str, int] = {}
        self.configured = False
        self.q: dict[str, int] = {}
        self.share = 0.0
        self.count = 0
        self.below = False
        self.members: dict[str, _Member] = {}
        # Sorted (share, count, framework id, member) of eligible members.
        self.order: list[tuple] = []
        # The entry in the role order while it is there, else None.
        self.key: tuple | None = None


@implementer(IAllocator)
class HierarchicalAllocator:
    """
    Hierarchical DRF over roles and frameworks (see the module docstring).

    @param allocationInterval: refusal filters last at least this long.
    @param minAllocatable: an offer must contain at least one of these.
    @param weights: role weights (1 if absent); a role's share is divided
        by its weight.
    @param guarantees: resources guaranteed to roles.
    @param nonRevocable: roles whose tasks are never revoked.
    @param minOfferSize: hold back a slave's free resources until at least
        this much of each is free (or all the slave has of it).
    @param random: shuffles slaves each run, so no slave is always first.
    """

    def __init__(
        self,
        allocationInterval: float = 1.0,
        minAllocatable: Iterable[Resources] = MIN_ALLOCATABLE,
        weights: Mapping[str, float] | None = None,
        guarantees: Mapping[str, Resources] | None = None,
        nonRevocable: Iterable[str] = (),
        minOfferSize: Resources | None = None,
        random: _random.Random | None = None,
    ) -> None:
        self._interval = allocationInterval
        self._minimums = [quantities(minimum) for minimum in minAllocatable]
        self._minOfferSize = quantities(minOfferSize) if minOfferSize else None
        self._nonRevocable = frozenset(nonRevocable)
        self._random = random or _random.Random()
        self._slaves: dict[str, _Slave] = {}
        self._frameworks: dict[str, _Framework] = {}
        self._roles: dict[str, _Role] = {}
        self._totals: dict[str, int] = {}
        # Sorted role entries of roles with eligible members.
        self._order: list[tuple] = []
        # Whether shares must be recomputed and orders rebuilt (the cluster
        # total changed) before the next use.
        self._dirty = False
        for name, weight in (weights or {}).items():
            role = self._role(name)
            role.weight = _checkWeight(name, weight)
            role.configured = True
        self._guarantees = {
            name: quantities(resources) for name, resources in (guarantees or {}).items()
        }
        # Whether role entries need no guarantee or priority rank.
        self._plainKeys = not self._guarantees and not self._hasPriorities()
        for name, guarantee in self._guarantees.items():
            role = self._role(name)
            role.guarantee = guarantee
            role.below = not _covers({}, guarantee)
            role.configured = True

    @classmethod
    def fromOptions(cls, options: Any) -> HierarchicalAllocator:
        """
        Build from the master's flags, an
        L{mesos_tw.master.allocator.options.AllocatorOptions}.
        """
        return cls(
            options.allocationInterval,
            options.minAllocatable,
            weights=options.weights,
            guarantees=options.guarantees,
            nonRevocable=options.nonRevocable,
            minOfferSize=options.minOfferSize,
            random=options.random,
        )

    # --- Slaves --------------------------------------------------------------

    def addSlave(self, slaveId: str, total: Resources, used: Mapping[str, Resources]) -> None:
        if slaveId in self._slaves:
            self.removeSlave(slaveId)
        slave = _Slave(slaveId, total)
        if self._minOfferSize is not None:
            slave.minOffer = {
                name: min(value, slave.totalQ.get(name, 0))
                for name, value in self._minOfferSize.items()
            }
        inUse = _EMPTY
        for frameworkId, resources in used.items():
            inUse = inUse + resources
            framework = self._frameworks.get(frameworkId)
            if framework is not None:
                member = framework.members.get(framework.roles[0])
                if member is None:
                    member = self._member(framework, framework.roles[0])
                self._allot(member, slaveId, resources, quantities(resources))
        self._slaves[slaveId] = slave
        _add(self._totals, slave.totalQ, 1)
        self._setFree(slave, total - inUse)
        self._dirty = True

    def removeSlave(self, slaveId: str) -> None:
        slave = self._slaves.pop(slaveId, None)
        if slave is None:
            return
        _add(self._totals, slave.totalQ, -1)
        for framework in self._frameworks.values():
            framework.filters.pop(slaveId, None)
            for member in list(framework.members.values()):
                resources = member.allocated.pop(slaveId, None)
                if resources is not None:
                    self._release(member, quantities(resources))
        self._dirty = True

    def activateSlave(self, slaveId: str) -> None:
        slave = self._slaves.get(slaveId)
        if slave is not None:
            slave.active = True

    def deactivateSlave(self, slaveId: str) -> None:
        slave = self._slaves.get(slaveId)
        if slave is not None:
            slave.active = False

    # --- Frameworks ----------------------------------------------------------

    def addFramework(
        self,
        frameworkId: str,
        roles: Sequence[str],
        used: Mapping[str, Resources],
        active: bool,
    ) -> None:
        if frameworkId in self._frameworks:
            self.removeFramework(frameworkId)
        framework = _Framework(frameworkId, rolesOf(roles), active)
        self._frameworks[frameworkId] = framework
        for role in framework.roles:
            self._member(framework, role)
        first = framework.members[framework.roles[0]]
        for slaveId, resources in used.items():
            if slaveId in self._slaves:
                self._allot(first, slaveId, resources, quantities(resources))
        for member in framework.members.values():
            self._resort(member)

    def updateFramework(self, frameworkId: str, roles: Sequence[str]) -> None:
        framework = self._frameworks.get(frameworkId)
        if framework is None:
            return
        framework.roles = rolesOf(roles)
        framework.suppressed &= set(framework.roles)
        for role in framework.roles:
            if role not in framework.members:
                self._member(framework, role)
        for member in list(framework.members.values()):
            self._resort(member)
            self._tidy(member)

    def removeFramework(self, frameworkId: str) -> None:
        framework = self._frameworks.pop(frameworkId, None)
        if framework is None:
            return
        framework.active = False
        for member in list(framework.members.values()):
            for slaveId, resources in member.allocated.items():
                slave = self._slaves.get(slaveId)
                if slave is not None:
                    self._setFree(slave, _restore(slave, resources))
            self._release(member, dict(member.q))
            member.allocated.clear()
            self._resort(member)
            self._tidy(member)

    def activateFramework(self, frameworkId: str) -> None:
        framework = self._frameworks.get(frameworkId)
        if framework is not None and not framework.active:
            framework.active = True
            for member in framework.members.values():
                self._resort(member)

    def deactivateFramework(self, frameworkId: str) -> None:
        framework = self._frameworks.get(frameworkId)
        if framework is not None and framework.active:
            framework.active = False
            for member in framework.members.values():
                self._resort(member)

    def reviveOffers(self, frameworkId: str, roles: Sequence[str] | None = None) -> None:
        framework = self._frameworks.get(frameworkId)
        if framework is None:
            return
        if not roles:
            framework.filters.clear()
            framework.suppressed.clear()
        else:
            wanted = set(roles)
            for slaveId, filters in list(framework.filters.items()):
                left = [f for f in filters if f[0] is not None and f[0] not in wanted]
                if left:
                    framework.filters[slaveId] = left
                else:
                    del framework.filters[slaveId]
            framework.suppressed -= wanted
        for member in framework.members.values():
            self._resort(member)

    def suppressOffers(self, frameworkId: str, roles: Sequence[str] | None = None) -> None:
        framework = self._frameworks.get(frameworkId)
        if framework is None:
            return
        framework.suppressed.update(
            set(roles) & set(framework.roles) if roles else framework.roles
        )
        for member in framework.members.values():
            self._resort(member)

    def requestResources(self, frameworkId: str, requests: Sequence[Resources]) -> None:
        framework = self._frameworks.get(frameworkId)
        if framework is not None:
            framework.requests = [r for r in requests if r]

    def updateWeights(self, weights: Mapping[str, float]) -> None:
        checked = {name: _checkWeight(name, weight) for name, weight in weights.items()}
        for name, weight in checked.items():
            role = self._role(name)
            role.weight = weight
            role.configured = True
            self._resortRole(role)

    # --- Resources -----------------------------------------------------------

    def recoverResources(
        self,
        frameworkId: str,
        slaveId: str,
        resources: Resources,
        refuseSeconds: float | None,
        now: float,
        role: str | None = None,
    ) -> None:
        slave = self._slaves.get(slaveId)
        if slave is not None:
            self._setFree(slave, _restore(slave, resources))
        framework = self._frameworks.get(frameworkId)
        if framework is None:
            return
        members = framework.members
        order = [members[role]] if role in members else []
        order += [m for r, m in members.items() if r != role]
        left = resources
        for member in order:
            held = member.allocated.get(slaveId)
            if held is None:
                continue
            rest = held - left
            taken = held - rest
            if rest:
                member.allocated[slaveId] = rest
            else:
                del member.allocated[slaveId]
            if taken:
                self._release(member, quantities(taken))
                self._resort(member)
                self._tidy(member)
                left = left - taken
                if not left:
                    break
        if refuseSeconds is not None and refuseSeconds < 0:
            refuseSeconds = DEFAULT_REFUSE_SECONDS
        if refuseSeconds and slave is not None:
            timeout = max(self._interval, min(refuseSeconds, MAX_REFUSE_SECONDS))
            framework.filters.setdefault(slaveId, []).append(
                (role, resources, now + timeout)
            )

    def allocate(self, now: float, slaveIds: Iterable[str] | None = None) -> list[Allocation]:
        if self._dirty:
            self._rebuild()
        slaves = self._slaves
        if slaveIds is None:
            candidates = [s for s in slaves.values() if s.free and s.active]
        else:
            candidates = []
            for slaveId in dict.fromkeys(slaveIds):
                slave = slaves.get(slaveId)
                if slave is not None and slave.free and slave.active:
                    candidates.append(slave)
        candidates = _shuffled(candidates, self._random)
        allocations: list[Allocation] = []
        order = self._order
        for slave in candidates:
            if slave.reserved:
                self._allocateReserved(slave, now, allocations)
                continue
            if not slave.ready:
                continue
            # Unreserved resources only: every role is offered the same.
            slaveId = slave.id
            free = slave.free
            for roleKey in order:
                chosen = None
                for memberKey in roleKey[-1].order:
                    member = memberKey[-1]
                    filters = member.framework.filters
                    if filters and slaveId in filters and self._filtered(
                        member, slaveId, free, now
                    ):
                        continue
                    chosen = member
                    break
                if chosen is None:
                    continue
                self._grant(chosen, slaveId, free, slave.freeQ)
                slave.free = _EMPTY
                slave.freeQ = {}
                slave.ready = False
                # Allocation(...) without its Python-level __new__.
                allocations.append(
                    _newTuple(Allocation, (chosen.framework.id, chosen.role.name, slaveId, free))
                )
                if chosen.framework.requests:
                    self._satisfy(chosen.framework, free)
                break
        return allocations

    def _grant(
        self, member: _Member, slaveId: str, resources: Resources, amounts: Mapping[str, int]
    ) -> None:
        """
        L{_allot} and L{_resort} in one, for the hot path: C{member} is in
        its role's order, and shares only grow, so only the resources
        granted can raise them.
        """
        held = member.allocated.get(slaveId)
        member.allocated[slaveId] = resources if held is None else held + resources
        role = member.role
        mine = member.q
        ours = role.q
        totals = self._totals
        memberShare = member.share
        roleShare = role.share
        for name, value in amounts.items():
            m = mine[name] = mine.get(name, 0) + value
            r = ours[name] = ours.get(name, 0) + value
            total = totals.get(name)
            if total:
                if m / total > memberShare:
                    memberShare = m / total
                if r / total > roleShare:
                    roleShare = r / total
        order = role.order
        del order[bisect_left(order, member.key)]
        member.count += 1
        member.share = memberShare
        member.key = key = (memberShare, member.count, member.framework.id, member)
        insort(order, key)
        order = self._order
        del order[bisect_left(order, role.key)]
        role.count += 1
        role.share = roleShare
        if role.guarantee:
            role.below = not _covers(ours, role.guarantee)
        role.key = key = (
            (roleShare / role.weight, role.count, role.name, role)
            if self._plainKeys
            else self._roleKey(role)
        )
        insort(order, key)

    def _allocateReserved(
        self, slave: _Slave, now: float, allocations: list[Allocation]
    ) -> None:
        """
        Allocate a slave with reserved resources: each role in turn is
        offered what it may use, until nothing is left.
        """
        slaveId = slave.id
        touched = []
        for roleKey in list(self._order):
            if not slave.free:
                break
            role = roleKey[-1]
            offerable = slave.free.allocatableTo(role.name)
            if not offerable:
                continue
            amounts = quantities(offerable)
            if not self._offerable(slave, amounts):
                continue
            for memberKey in role.order:
                member = memberKey[-1]
                filters = member.framework.filters
                if filters and slaveId in filters and self._filtered(
                    member, slaveId, offerable, now
                ):
                    continue
                self._allot(member, slaveId, offerable, amounts)
                self._setFree(slave, slave.free - offerable)
                allocations.append(
                    Allocation(member.framework.id, role.name, slaveId, offerable)
                )
                if member.framework.requests:
                    self._satisfy(member.framework, offerable)
                touched.append(member)
                break
        for member in touched:
            self._resort(member)

    def revocations(self, tasks: Iterable[RunningTask], now: float) -> list[RunningTask]:
        if not self._guarantees:
            return []
        if self._dirty:
            self._rebuild()
        demands = []
        for name in sorted(self._guarantees):
            role = self._roles[name]
            if not role.below:
                continue
            for memberKey in role.order:
                framework = memberKey[-1].framework
                if framework.requests:
                    demands.append(Demand(name, framework.id, framework.requests[0]))
                    break
        if not demands:
            return []
        return selectRevocations(
            demands,
            {s.id: s.free for s in self._slaves.values() if s.active},
            tasks,
            {r.name: _floats(r.q) for r in self._roles.values()},
            _floats(self._totals),
            {r.name: r.weight for r in self._roles.values()},
            {name: _floats(g) for name, g in self._guarantees.items()},
            self._nonRevocable,
        )

    # --- State ---------------------------------------------------------------

    def roleSummaries(self) -> list[RoleSummary]:
        if self._dirty:
            self._rebuild()
        return [
            RoleSummary(
                name=role.name,
                weight=role.weight,
                priority=role.priority,
                guarantee=_floats(role.guarantee),
                allocated=_floats(role.q),
                share=role.share,
                frameworks=sorted(
                    m.framework.id for m in role.members.values()
                    if role.name in m.framework.roles
                ),
            )
            for role in sorted(self._roles.values(), key=lambda r: r.name)
        ]

    def frameworkSummary(self, frameworkId: str) -> FrameworkSummary | None:
        framework = self._frameworks.get(frameworkId)
        if framework is None:
            return None
        amounts = self._frameworkQ(framework)
        return FrameworkSummary(
            allocated=_floats(amounts),
            share=self._share(amounts),
            weight=self._roles[framework.roles[0]].weight,
        )

    def share(self, frameworkId: str) -> float:
        """
        The framework's dominant share of the cluster, over all its roles.
        """
        return self._share(self._frameworkQ(self._frameworks[frameworkId]))

    def roleShare(self, role: str) -> float:
        """
        The role's dominant share of the cluster, not weighted.
        """
        return self._share(self._roles[role].q)

    def allocated(self, frameworkId: str) -> Resources:
        """
        Everything allocated to the framework (offered or in use).
        """
        total = _EMPTY
        for member in self._frameworks[frameworkId].members.values():
            for resources in member.allocated.values():
                total = total + resources
        return total

    # --- Helpers -------------------------------------------------------------

    def _role(self, name: str) -> _Role:
        role = self._roles.get(name)
        if role is None:
            role = self._roles[name] = _Role(name)
            role.priority = self._priorityOf(name)
        return role

    def _hasPriorities(self) -> bool:
        """
        Whether roles may have different priorities: not here; see the
        priority allocator.
        """
        return False

    def _priorityOf(self, name: str) -> float:
        """
        The priority of a new role: always 0 here; see the priority
        allocator.
        """
        return 0.0

    def _member(self, framework: _Framework, roleName: str) -> _Member:
        role = self._role(roleName)
        member = _Member(framework, role)
        framework.members[roleName] = member
        role.members[framework.id] = member
        return member

    def _tidy(self, member: _Member) -> None:
        """
        Forget a member that holds nothing and is not subscribed any more,
        and then its role if nothing is left of it.
        """
        framework, role = member.framework, member.role
        subscribed = (
            role.name in framework.roles and self._frameworks.get(framework.id) is framework
        )
        if subscribed or member.allocated:
            return
        if member.key is not None:
            self._unlist(member)
        del framework.members[role.name]
        del role.members[framework.id]
        if not role.members and not role.configured:
            if role.key is not None:
                self._unlistRole(role)
            del self._roles[role.name]

    def _setFree(self, slave: _Slave, free: Resources) -> None:
        slave.free = free
        if free:
            amounts = slave.freeQ = quantities(free)
            slave.ready = not slave.reserved and self._offerable(slave, amounts)
        else:
            slave.freeQ = {}
            slave.ready = False

    def _offerable(self, slave: _Slave, amounts: Mapping[str, int]) -> bool:
        """
        Whether C{amounts} on C{slave} are worth an offer: at least one of
        the minimum allocatable and the minimum offer size.
        """
        if slave.minOffer is not None and not _covers(amounts, slave.minOffer):
            return False
        for minimum in self._minimums:
            if _covers(amounts, minimum):
                return True
        return False

    def _filtered(
        self, member: _Member, slaveId: str, resources: Resources, now: float
    ) -> bool:
        framework = member.framework
        filters = framework.filters[slaveId]
        live = [f for f in filters if f[2] > now]
        if not live:
            del framework.filters[slaveId]
            return False
        if len(live) != len(filters):
            framework.filters[slaveId] = live
        roleName = member.role.name
        for role, refused, _ in live:
            if (role is None or role == roleName) and refused.contains(resources):
                return True
        return False

    def _satisfy(self, framework: _Framework, resources: Resources) -> None:
        for i, request in enumerate(framework.requests):
            if resources.contains(request):
                del framework.requests[i]
                return

    def _allot(
        self, member: _Member, slaveId: str, resources: Resources, amounts: Mapping[str, int]
    ) -> None:
        """
        Count C{resources} on the slave as allocated to C{member}; the
        caller re-sorts it.
        """
        held = member.allocated.get(slaveId)
        member.allocated[slaveId] = resources if held is None else held + resources
        mine = member.q
        role = member.role
        ours = role.q
        for name, value in amounts.items():
            mine[name] = mine.get(name, 0) + value
            ours[name] = ours.get(name, 0) + value
        member.count += 1
        role.count += 1

    def _release(self, member: _Member, amounts: Mapping[str, int]) -> None:
        """
        C{amounts} are no longer allocated to C{member}; the caller
        re-sorts it.
        """
        _add(member.q, amounts, -1)
        _add(member.role.q, amounts, -1)

    def _eligible(self, member: _Member) -> bool:
        framework = member.framework
        roleName = member.role.name
        return (
            framework.active
            and roleName in framework.roles
            and roleName not in framework.suppressed
        )

    def _resort(self, member: _Member) -> None:
        """
        Put C{member} where its share says in its role's order (or out of
        it if not eligible), then its role in the role order.
        """
        role = member.role
        if self._dirty:
            return
        order = role.order
        key = member.key
        if key is not None:
            del order[bisect_left(order, key)]
        member.share = share = self._share(member.q)
        if self._eligible(member):
            member.key = key = (share, member.count, member.framework.id, member)
            insort(order, key)
        else:
            member.key = None
        self._resortRole(role)

    def _resortRole(self, role: _Role) -> None:
        if self._dirty:
            return
        if role.key is not None:
            self._unlistRole(role)
        role.share = self._share(role.q)
        if role.guarantee:
            role.below = not _covers(role.q, role.guarantee)
        if role.order:
            role.key = self._roleKey(role)
            insort(self._order, role.key)

    def _roleKey(self, role: _Role) -> tuple:
        """
        The entry of C{role} in the role order: roles below their guarantee
        first, then higher priorities, then lower weighted shares, fewer
        allocations and names. Without guarantees and priorities the first
        two are left out, as they would always be equal.
        """
        if self._plainKeys:
            return (role.share / role.weight, role.count, role.name, role)
        return (
            0 if role.below else 1,
            -role.priority,
            role.share / role.weight,
            role.count,
            role.name,
            role,
        )

    def _unlist(self, member: _Member) -> None:
        order = member.role.order
        del order[bisect_left(order, member.key)]
        member.key = None

    def _unlistRole(self, role: _Role) -> None:
        del self._order[bisect_left(self._order, role.key)]
        role.key = None

    def _rebuild(self) -> None:
        """
        Recompute every share (the cluster total changed) and sort again.
        """
        self._dirty = False
        share = self._share
        for role in self._roles.values():
            order = []
            for member in role.members.values():
                member.share = share(member.q)
                if self._eligible(member):
                    member.key = (member.share, member.count, member.framework.id, member)
                    order.append(member.key)
                else:
                    member.key = None
            order.sort()
            role.order = order
            role.share = share(role.q)
            if role.guarantee:
                role.below = not _covers(role.q, role.guarantee)
            role.key = self._roleKey(role) if order else None
        self._order = sorted(r.key for r in self._roles.values() if r.key is not None)

    def _share(self, amounts: Mapping[str, int]) -> float:
        totals = self._totals
        share = 0.0
        for name, value in amounts.items():
            total = totals.get(name)
            if total:
                value = value / total
                if value > share:
                    share = value
        return share

    def _frameworkQ(self, framework: _Framework) -> dict[str, int]:
        amounts: dict[str, int] = {}
        for member in framework.members.values():
            _add(amounts, member.q, 1)
        return amounts


#: Mesos's name for the default allocator.
HierarchicalDRFAllocator = HierarchicalAllocator


_newTuple = tuple.__new__


def _shuffled(items: list, random: _random.Random) -> list:
    """
    C{items} in a random order: sorted by 32-bit random keys drawn at once,
    which costs about half of C{random.shuffle} for thousands of items
    (ties, rare, keep their order).
    """
    count = len(items)
    if count < 64:
        random.shuffle(items)
        return items
    keys = list(memoryview(random.getrandbits(32 * count).to_bytes(4 * count, "little"))
                .cast("I"))
    return [items[i] for i in sorted(range(count), key=keys.__getitem__)]


def _restore(slave: _Slave, resources: Resources) -> Resources:
    """
    The slave's free resources with C{resources} back, never more than its
    total (a resource recovered twice is counted once).
    """
    if not slave.free:
        return slave.total - (slave.total - resources)
    return slave.total - ((slave.total - slave.free) - resources)


def _checkWeight(role: str, weight: float) -> float:
    weight = float(weight)
    if not (weight > 0 and weight < float("inf")):
        raise ValueError(
            f"the weight of role {role!r} must be a positive number, not {weight!r}"
        )
    return weight
