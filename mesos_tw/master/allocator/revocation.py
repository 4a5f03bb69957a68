# -*- test-case-name: tests.test_revocation -*-
"""
Which running tasks to revoke so that a role below its guarantee can run
the work it has waiting (the Mesos paper, section 3.3: "if a framework is
below its guaranteed allocation, none of its tasks should be killed, and if
it is above, any of its tasks may be killed").

I{Work waiting} is concrete: a framework of the role asked for resources
with C{requestResources} (a L{Demand}: what one unit of its work needs), and
has not yet been offered resources that contain them. A demand calls for
revocation only when its role is below its guarantee and the demand fits on
no active slave, counting free resources and those of tasks already being
revoked there.

Victims are then chosen on one slave, fewest tasks first, from roles that
are revocable, above their fair share, and that stay at or above their own
guarantee in every resource the task frees. The fair share of a role is its
weight over the sum of the weights of the roles that hold resources or have
a demand (weighted DRF's equal share). On a slave, tasks of the role
furthest above its fair share go first, and among those the youngest (they
lose the least work).

This module is pure: no Twisted, no I/O, no clock.
"""

from __future__ import annotations

from typing import Collection, Iterable, Mapping, NamedTuple, Sequence

from mesos_tw.master.allocator import RunningTask
from mesos_tw.resources import Resources

_EMPTY = Resources()


class Demand(NamedTuple):
    """
    A framework of C{role} waits for C{resources} (one unit of its work).
    """

    role: str
    frameworkId: str
    resources: Resources


def dominantShare(
    allocated: Mapping[str, float], totals: Mapping[str, float]
) -> float:
    """
    The largest fraction of any resource of C{totals} that C{allocated}
    holds (0 for resources the cluster has none of).
    """
    share = 0.0
    for name, amount in allocated.items():
        total = totals.get(name)
        if total:
            share = max(share, amount / total)
    return share


def belowGuarantee(
    allocated: Mapping[str, float], guarantee: Mapping[str, float]
) -> bool:
    """
    Whether C{allocated} holds less than C{guarantee} of any resource.
    """
    return any(allocated.get(name, 0.0) < amount for name, amount in guarantee.items())


def selectRevocations(
    demands: Sequence[Demand],
    free: Mapping[str, Resources],
    tasks: Iterable[RunningTask],
    allocated: Mapping[str, Mapping[str, float]],
    totals: Mapping[str, float],
    weights: Mapping[str, float] | None = None,
    guarantees: Mapping[str, Mapping[str, float]] | None = None,
    nonRevocable: Collection[str] = (),
) -> list[RunningTask]:
    """
    The tasks to revoke for C{demands}, in the order given.

    @param demands: waiting work, at most one per role is useful; a demand
        of a role that is not below its guarantee is ignored.
    @param free: free resources of each active slave (tasks on other slaves
        are never revoked: their resources would not come back soon).
    @param tasks: the running tasks; those C{revoking} already count as
        freed on their slave.
    @param allocated: scalars allocated to each role (offered or in use).
    @param totals: the cluster's scalars.
    @param weights: role weights, 1 if absent.
    @param guarantees: guaranteed scalars per role.
    @param nonRevocable: roles whose tasks are never revoked.

    @return: the tasks to revoke, none of them already C{revoking}.
    """
    weights = weights or {}
    guarantees = guarantees or {}
    shares = {role: dict(scalars) for role, scalars in allocated.items()}
    bySlave: dict[str, list[RunningTask]] = {}
    pending: dict[str, Resources] = {}
    for task in tasks:
        if task.slaveId not in free:
            continue
        if task.revoking:
            pending[task.slaveId] = pending.get(task.slaveId, _EMPTY) + task.resources
            # Roles are judged as they will be once these tasks are gone.
            scalars = shares.setdefault(task.role, {})
            for name, amount in task.resources.scalars().items():
                scalars[name] = scalars.get(name, 0.0) - amount
        else:
            bySlave.setdefault(task.slaveId, []).append(task)
    active = {role for role, scalars in allocated.items() if any(scalars.values())}
    active.update(demand.role for demand in demands)
    totalWeight = sum(weights.get(role, 1.0) for role in active) or 1.0

    def weighted(role: str, scalars: Mapping[str, float]) -> float:
        return dominantShare(scalars, totals) / weights.get(role, 1.0)

    def aboveFairShare(role: str, scalars: Mapping[str, float]) -> bool:
        fair = weights.get(role, 1.0) / totalWeight
        return dominantShare(scalars, totals) > fair + 1e-12

    def keepsGuarantee(role: str, scalars: Mapping[str, float], task: RunningTask) -> bool:
        guarantee = guarantees.get(role, {})
        for name, amount in task.resources.scalars().items():
            if name in guarantee and scalars.get(name, 0.0) - amount < guarantee[name] - 1e-9:
                return False
        return True

    chosen: list[RunningTask] = []
    taken: set[str] = set()
    served: set[str] = set()
    for demand in demands:
        role, need = demand.role, demand.resources
        if role in served or not belowGuarantee(
            shares.get(role, {}), guarantees.get(role, {})
        ):
            continue
        served.add(role)
        if any(
            (resources + pending.get(slaveId, _EMPTY)).allocatableTo(role).contains(need)
            for slaveId, resources in free.items()
        ):
            continue
        best: tuple | None = None
        for slaveId in sorted(bySlave):
            available = (free[slaveId] + pending.get(slaveId, _EMPTY)).allocatableTo(role)
            candidates = [
                task for task in bySlave[slaveId]
                if task.taskId not in taken
                and task.role != role
                and task.role not in nonRevocable
                and task.resources.allocatableTo(role)
            ]
            simulated = {r: dict(s) for r, s in shares.items()}
            picked: list[RunningTask] = []
            while not available.contains(need):
                eligible = [
                    task for task in candidates
                    if aboveFairShare(task.role, simulated.get(task.role, {}))
                    and keepsGuarantee(task.role, simulated.get(task.role, {}), task)
                ]
                if not eligible:
                    break
                task = min(
                    eligible,
                    key=lambda t: (
                        -weighted(t.role, simulated.get(t.role, {})), -t.startTime, t.taskId
                    ),
                )
                candidates.remove(task)
                picked.append(task)
                available = available + task.resources.allocatableTo(role)
                scalars = simulated.setdefault(task.role, {})
                for name, amount in task.resources.scalars().items():
                    scalars[name] = scalars.get(name, 0.0) - amount
            if not picked or not available.contains(need):
                continue
            cost = sum(dominantShare(t.resources.scalars(), totals) for t in picked)
            rank = (len(picked), cost, slaveId)
            if best is None or rank < best[0]:
                best = (rank, slaveId, picked, simulated)
        if best is None:
            continue
        _, slaveId, picked, simulated = best
        chosen.extend(picked)
        taken.update(task.taskId for task in picked)
        shares = simulated
        freed = _EMPTY
        for task in picked:
            freed = freed + task.resources
        # What is freed here is spoken for by this demand.
        pending[slaveId] = pending.get(slaveId, _EMPTY) + freed - need
        bySlave[slaveId] = [t for t in bySlave[slaveId] if t.taskId not in taken]
    return chosen
