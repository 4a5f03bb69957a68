"""
Tests for L{mesos_tw.master.allocator}: the L{IAllocator} conformance suite
and L{DRFAllocator}'s dominant resource fairness.
"""

from __future__ import annotations

from random import Random
from typing import Callable

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from mesos_tw.interfaces import IAllocator
from mesos_tw.master.allocator import MAX_REFUSE_SECONDS, Allocation, RunningTask
from mesos_tw.master.allocator.drf import DRFAllocator
from mesos_tw.master.allocator.hierarchical import HierarchicalAllocator, quantities
from mesos_tw.master.allocator.priority import PriorityAllocator
from mesos_tw.testing.allocator import FakeAllocator
from mesos_tw.resources import Resources

parse = Resources.parse

SLAVE = "cpus:4;mem:2048;ports:[31000-32000]"


def byFramework(allocations: list[Allocation]) -> dict[str, list[tuple[str, Resources]]]:
    """
    C{allocations} as framework id -> sorted C{(slave id, resources)}.
    """
    result: dict[str, list[tuple[str, Resources]]] = {}
    for allocation in allocations:
        result.setdefault(allocation.frameworkId, []).append(
            (allocation.slaveId, allocation.resources)
        )
    for pairs in result.values():
        pairs.sort(key=lambda pair: pair[0])
    return result


def makeIAllocatorTests(factory: Callable[[float], object]) -> type:
    """
    Tests every L{IAllocator} must pass.

    @param factory: called with an allocation interval in seconds, returns
        a fresh allocator with Mesos's default minimum allocatable resources.

    @return: a mixin for a L{SynchronousTestCase}.
    """

    class IAllocatorTests:
        """
        Conformance tests for an L{IAllocator}.
        """

        interval = 1.0

        def setUp(self) -> None:
            self.allocator = factory(self.interval)

        def test_interface(self) -> None:
            """
            The allocator provides L{IAllocator}.
            """
            self.assertTrue(verifyObject(IAllocator, self.allocator))

        def test_nothing(self) -> None:
            """
            Without slaves or without frameworks nothing is allocated.
            """
            self.assertEqual(self.allocator.allocate(0), [])
            self.allocator.addSlave("s1", parse(SLAVE), {})
            self.assertEqual(self.allocator.allocate(0), [])
            self.allocator.removeSlave("s1")
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.assertEqual(self.allocator.allocate(0), [])

        def test_wholeSlave(self) -> None:
            """
            A framework is offered everything free on a slave at once, in its
            role, and the same resources are not allocated again.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.addFramework("f2", ["*"], {}, True)
            self.allocator.addSlave("s1", parse(SLAVE), {})
            [allocation] = self.allocator.allocate(0)
            self.assertIn(allocation.frameworkId, {"f1", "f2"})
            self.assertEqual(allocation.role, "*")
            self.assertEqual(allocation.slaveId, "s1")
            self.assertEqual(allocation.resources, parse(SLAVE))
            self.assertEqual(self.allocator.allocate(1), [])

        def test_usedNotAllocated(self) -> None:
            """
            Resources a slave reports in use are not offered.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.addSlave("s1", parse(SLAVE), {"f1": parse("cpus:3;mem:1024")})
            [allocation] = self.allocator.allocate(0)
            self.assertEqual(
                allocation.resources, parse("cpus:1;mem:1024;ports:[31000-32000]")
            )

        def test_eachSlave(self) -> None:
            """
            Each slave's resources are allocated separately.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.addSlave("s1", parse("cpus:1;mem:512"), {})
            self.allocator.addSlave("s2", parse("cpus:2;mem:256"), {})
            self.assertEqual(
                byFramework(self.allocator.allocate(0)),
                {"f1": [("s1", parse("cpus:1;mem:512")), ("s2", parse("cpus:2;mem:256"))]},
            )

        def test_onlyGivenSlaves(self) -> None:
            """
            C{allocate(now, slaveIds)} allocates only on those slaves; the
            others are left for a later run.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            for slaveId in ["s1", "s2", "s3"]:
                self.allocator.addSlave(slaveId, parse(SLAVE), {})
            self.assertEqual(
                sorted(a.slaveId for a in self.allocator.allocate(0, ["s2"])), ["s2"]
            )
            self.assertEqual(
                sorted(a.slaveId for a in self.allocator.allocate(0, ["s1", "s2"])),
                ["s1"],
            )
            self.assertEqual(
                sorted(a.slaveId for a in self.allocator.allocate(0)), ["s3"]
            )
            self.assertEqual(self.allocator.allocate(0, []), [])

        def test_unknownSlaveIds(self) -> None:
            """
            Unknown slave ids given to C{allocate} are ignored.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.addSlave("s1", parse(SLAVE), {})
            self.assertEqual(self.allocator.allocate(0, ["nope"]), [])
            self.assertEqual(len(self.allocator.allocate(0, ["nope", "s1"])), 1)

        def test_inactiveFramework(self) -> None:
            """
            An inactive framework is offered nothing until it is activated.
            """
            self.allocator.addFramework("f1", ["*"], {}, False)
            self.allocator.addSlave("s1", parse(SLAVE), {})
            self.assertEqual(self.allocator.allocate(0), [])
            self.allocator.activateFramework("f1")
            self.assertEqual(
                byFramework(self.allocator.allocate(1)), {"f1": [("s1", parse(SLAVE))]}
            )

        def test_deactivatedFramework(self) -> None:
            """
            A deactivated framework is skipped and another one gets the
            resources.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.addFramework("f2", ["*"], {}, True)
            self.allocator.deactivateFramework("f1")
            self.allocator.addSlave("s1", parse(SLAVE), {})
            self.assertEqual(list(byFramework(self.allocator.allocate(0))), ["f2"])

        def test_suppressed(self) -> None:
            """
            A suppressed framework is offered nothing until it revives.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.suppressOffers("f1")
            self.allocator.addSlave("s1", parse(SLAVE), {})
            self.assertEqual(self.allocator.allocate(0), [])
            self.allocator.reviveOffers("f1")
            self.assertEqual(list(byFramework(self.allocator.allocate(0))), ["f1"])

        def test_suppressedOthersOffered(self) -> None:
            """
            While one framework is suppressed, another is offered the
            resources.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.addFramework("f2", ["*"], {}, True)
            self.allocator.suppressOffers("f1")
            self.allocator.addSlave("s1", parse(SLAVE), {})
            self.assertEqual(list(byFramework(self.allocator.allocate(0))), ["f2"])

        def allocatedWhole(self, now: float = 0) -> None:
            """
            Add framework C{f1} and slave C{s1} and allocate the whole slave
            to C{f1}.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.addSlave("s1", parse(SLAVE), {})
            self.assertEqual(
                byFramework(self.allocator.allocate(now)), {"f1": [("s1", parse(SLAVE))]}
            )

        def test_recoverResources(self) -> None:
            """
            Resources recovered without a filter are free and allocated again.
            """
            self.allocatedWhole()
            self.allocator.recoverResources("f1", "s1", parse("cpus:1;mem:512"), None, 0)
            self.assertEqual(
                byFramework(self.allocator.allocate(0)),
                {"f1": [("s1", parse("cpus:1;mem:512"))]},
            )

        def test_recoverToOther(self) -> None:
            """
            Resources one framework gives back (and refuses) may go to
            another one.
            """
            self.allocatedWhole()
            self.allocator.addFramework("f2", ["*"], {}, True)
            self.allocator.recoverResources("f1", "s1", parse("cpus:1"), 10, 0)
            self.assertEqual(
                byFramework(self.allocator.allocate(0)), {"f2": [("s1", parse("cpus:1"))]}
            )

        def test_refuseNoneOrZero(self) -> None:
            """
            C{refuseSeconds} of L{None} or 0 installs no filter.
            """
            for refuse in [None, 0, 0.0]:
                self.allocator = factory(self.interval)
                self.allocatedWhole()
                self.allocator.recoverResources("f1", "s1", parse(SLAVE), refuse, 0)
                self.assertEqual(
                    byFramework(self.allocator.allocate(0)), {"f1": [("s1", parse(SLAVE))]}
                )

        def test_refusalFilter(self) -> None:
            """
            Resources recovered with C{refuseSeconds} are not offered to that
            framework on that slave until they have passed.
            """
            self.allocatedWhole(100)
            self.allocator.recoverResources("f1", "s1", parse(SLAVE), 10, 100)
            self.assertEqual(self.allocator.allocate(100), [])
            self.assertEqual(self.allocator.allocate(109.9), [])
            self.assertEqual(
                byFramework(self.allocator.allocate(110)), {"f1": [("s1", parse(SLAVE))]}
            )

        def test_refusalAtLeastInterval(self) -> None:
            """
            A filter lasts at least one allocation interval, however short the
            refusal.
            """
            self.allocator = factory(5.0)
            self.allocatedWhole(100)
            self.allocator.recoverResources("f1", "s1", parse(SLAVE), 0.5, 100)
            self.assertEqual(self.allocator.allocate(101), [])
            self.assertEqual(self.allocator.allocate(104.9), [])
            self.assertEqual(len(self.allocator.allocate(105)), 1)

        def test_refusalCapped(self) -> None:
            """
            Refusals are capped at a year.
            """
            self.allocatedWhole(0)
            self.allocator.recoverResources("f1", "s1", parse(SLAVE), 1e12, 0)
            self.assertEqual(self.allocator.allocate(MAX_REFUSE_SECONDS - 1), [])
            self.assertEqual(len(self.allocator.allocate(MAX_REFUSE_SECONDS)), 1)

        def test_refusalSubset(self) -> None:
            """
            A filter blocks offers of any subset of the refused resources, and
            lets a larger offer through.
            """
            refused = parse("cpus:2;mem:1024")
            self.allocatedWhole(0)
            self.allocator.recoverResources("f1", "s1", refused, 10, 0)
            self.assertEqual(self.allocator.allocate(1), [])
            # Another framework takes the refused resources and gives part
            # back: a strict subset of the refused resources is free.
            self.allocator.addFramework("f2", ["*"], {}, True)
            self.assertEqual(
                byFramework(self.allocator.allocate(1)), {"f2": [("s1", refused)]}
            )
            self.allocator.deactivateFramework("f2")
            self.allocator.recoverResources("f2", "s1", parse("cpus:1"), None, 1)
            self.assertEqual(self.allocator.allocate(2), [])
            self.allocator.recoverResources("f2", "s1", parse("cpus:1;mem:1024"), None, 2)
            self.assertEqual(self.allocator.allocate(3), [])
            # More than was refused is free: offered.
            self.allocator.recoverResources(
                "f1", "s1", parse("ports:[31000-31000]"), None, 4
            )
            self.assertEqual(
                byFramework(self.allocator.allocate(4)),
                {"f1": [("s1", parse("cpus:2;mem:1024;ports:[31000-31000]"))]},
            )

        def test_refusalPerFrameworkAndSlave(self) -> None:
            """
            A filter concerns only the refusing framework and that slave:
            another framework is offered the refused resources, and the
            refusing framework is offered other slaves.
            """
            self.allocatedWhole(0)
            self.allocator.addFramework("f2", ["*"], {}, True)
            self.allocator.recoverResources("f1", "s1", parse(SLAVE), 10, 0)
            self.assertEqual(
                byFramework(self.allocator.allocate(1)), {"f2": [("s1", parse(SLAVE))]}
            )
            self.allocator.recoverResources("f2", "s1", parse(SLAVE), 10, 1)
            self.allocator.addSlave("s2", parse("cpus:1;mem:64"), {})
            self.assertEqual(
                byFramework(self.allocator.allocate(2)),
                {"f1": [("s2", parse("cpus:1;mem:64"))]},
            )

        def test_reviveClearsFilters(self) -> None:
            """
            Reviving removes the framework's filters.
            """
            self.allocatedWhole(0)
            self.allocator.recoverResources("f1", "s1", parse(SLAVE), 1000, 0)
            self.assertEqual(self.allocator.allocate(1), [])
            self.allocator.reviveOffers("f1")
            self.assertEqual(
                byFramework(self.allocator.allocate(1)), {"f1": [("s1", parse(SLAVE))]}
            )

        def test_reviveClearsFiltersAndSuppression(self) -> None:
            """
            A single revive ends suppression and removes filters together.
            """
            self.allocatedWhole(0)
            self.allocator.recoverResources("f1", "s1", parse(SLAVE), 1000, 0)
            self.allocator.suppressOffers("f1")
            self.allocator.reviveOffers("f1")
            self.assertEqual(len(self.allocator.allocate(1)), 1)

        def test_minAllocatable(self) -> None:
            """
            Free resources below both C{cpus:0.01} and C{mem:32} are not
            offered.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.addSlave("tiny", parse("cpus:0.009;mem:31;disk:1000"), {})
            self.assertEqual(self.allocator.allocate(0), [])

        def test_minAllocatableCpus(self) -> None:
            """
            C{cpus:0.01} alone is enough for an offer.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.addSlave("s1", parse("cpus:0.01"), {})
            self.assertEqual(
                byFramework(self.allocator.allocate(0)),
                {"f1": [("s1", parse("cpus:0.01"))]},
            )

        def test_minAllocatableMem(self) -> None:
            """
            C{mem:32} alone is enough for an offer.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.addSlave("s1", parse("mem:32"), {})
            self.assertEqual(
                byFramework(self.allocator.allocate(0)), {"f1": [("s1", parse("mem:32"))]}
            )

        def test_minAllocatableLeftover(self) -> None:
            """
            A leftover below the minimum, after the rest is in use, is not
            offered.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.addSlave(
                "s1", parse("cpus:1;mem:512"), {"f1": parse("cpus:0.995;mem:500")}
            )
            self.assertEqual(self.allocator.allocate(0), [])

        def test_reservedForOtherRole(self) -> None:
            """
            Resources reserved for a role are not offered to frameworks of
            another role.
            """
            self.allocator.addFramework("f1", ["other"], {}, True)
            self.allocator.addSlave("s1", parse("cpus:1;mem(web):512"), {})
            [allocation] = self.allocator.allocate(0)
            self.assertEqual(allocation.role, "other")
            self.assertEqual(allocation.resources, parse("cpus:1"))

        def test_deactivatedSlave(self) -> None:
            """
            A deactivated slave is not offered until it is activated again.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.addSlave("s1", parse(SLAVE), {})
            self.allocator.deactivateSlave("s1")
            self.assertEqual(self.allocator.allocate(0), [])
            self.assertEqual(self.allocator.allocate(0, ["s1"]), [])
            self.allocator.activateSlave("s1")
            self.assertEqual(len(self.allocator.allocate(0)), 1)

        def test_removeSlave(self) -> None:
            """
            A removed slave is offered no more; its allocations are gone, so a
            slave added again under its id is offered whole.
            """
            self.allocatedWhole()
            self.allocator.removeSlave("s1")
            self.assertEqual(self.allocator.allocate(0), [])
            self.allocator.addSlave("s1", parse(SLAVE), {})
            self.assertEqual(
                byFramework(self.allocator.allocate(0)), {"f1": [("s1", parse(SLAVE))]}
            )

        def test_removeUnknownSlave(self) -> None:
            """
            Removing an unknown slave does nothing.
            """
            self.allocator.removeSlave("nope")
            self.assertEqual(self.allocator.allocate(0), [])

        def test_removeFramework(self) -> None:
            """
            A removed framework's allocations are all free again and it is
            offered nothing.
            """
            self.allocatedWhole()
            self.allocator.addSlave("s2", parse("cpus:1;mem:64"), {})
            self.allocator.allocate(0)
            self.allocator.addFramework("f2", ["*"], {}, True)
            self.assertEqual(self.allocator.allocate(0), [])
            self.allocator.removeFramework("f1")
            self.assertEqual(
                byFramework(self.allocator.allocate(0)),
                {"f2": [("s1", parse(SLAVE)), ("s2", parse("cpus:1;mem:64"))]},
            )

        def test_removeFrameworkWithUsed(self) -> None:
            """
            Resources a slave reported in use by a framework are freed when
            that framework is removed.
            """
            self.allocator.addFramework("f1", ["*"], {}, True)
            self.allocator.addFramework("f2", ["*"], {}, True)
            self.allocator.addSlave(
                "s1", parse("cpus:2;mem:1024"), {"f1": parse("cpus:2;mem:1024")}
            )
            self.assertEqual(self.allocator.allocate(0), [])
            self.allocator.removeFramework("f1")
            self.assertEqual(
                byFramework(self.allocator.allocate(0)),
                {"f2": [("s1", parse("cpus:2;mem:1024"))]},
            )

        def test_removeUnknownFramework(self) -> None:
            """
            Removing an unknown framework does nothing.
            """
            self.allocatedWhole()
            self.allocator.removeFramework("nope")
            self.assertEqual(self.allocator.allocate(0), [])

        def test_recoverUnknownFramework(self) -> None:
            """
            Resources recovered for a framework the allocator no longer knows
            are freed all the same.
            """
            self.allocator.addFramework("f2", ["*"], {}, True)
            self.allocator.addSlave(
                "s1", parse("cpus:2;mem:1024"), {"gone": parse("cpus:1")}
            )
            self.allocator.recoverResources("gone", "s1", parse("cpus:1"), 10, 0)
            self.assertEqual(
                byFramework(self.allocator.allocate(0)),
                {"f2": [("s1", parse("cpus:2;mem:1024"))]},
            )

        def test_rolesNotAString(self) -> None:
            """
            A framework's roles are a sequence: a bare string is refused
            rather than read as one-letter roles.
            """
            self.assertRaises(
                TypeError, self.allocator.addFramework, "f1", "web", {}, True
            )

        def test_allocationRole(self) -> None:
            """
            Allocations name the role they are made in, one of the
            framework's roles.
            """
            self.allocator.addFramework("f1", ["web"], {}, True)
            self.allocator.addSlave("s1", parse(SLAVE), {})
            [allocation] = self.allocator.allocate(0)
            self.assertEqual(allocation.role, "web")

        def test_multiRole(self) -> None:
            """
            A framework of several roles is offered, in each role, what is
            reserved for it, and the unreserved resources in one of them.
            """
            self.allocator.addFramework("f1", ["a", "b"], {}, True)
            self.allocator.addSlave("s1", parse("cpus(a):1;cpus(b):2;mem:64"), {})
            allocations = self.allocator.allocate(0)
            self.assertEqual({a.frameworkId for a in allocations}, {"f1"})
            byRole = {a.role: a.resources for a in allocations}
            self.assertEqual(set(byRole), {"a", "b"})
            self.assertIn(byRole["a"].reserved("a"), [parse("cpus(a):1")])
            self.assertIn(byRole["b"].reserved("b"), [parse("cpus(b):2")])
            self.assertEqual(
                byRole["a"] + byRole["b"], parse("cpus(a):1;cpus(b):2;mem:64")
            )

        def test_suppressRoles(self) -> None:
            """
            Suppressing some roles stops offers in those roles only; reviving
            them resumes them.
            """
            self.allocator.addFramework("f1", ["a", "b"], {}, True)
            self.allocator.suppressOffers("f1", ["a"])
            self.allocator.addSlave("s1", parse(SLAVE), {})
            [allocation] = self.allocator.allocate(0)
            self.assertEqual(allocation.role, "b")
            self.allocator.recoverResources("f1", "s1", parse(SLAVE), None, 0, "b")
            self.allocator.suppressOffers("f1", ["b"])
            self.assertEqual(self.allocator.allocate(0), [])
            self.allocator.reviveOffers("f1", ["a"])
            [allocation] = self.allocator.allocate(0)
            self.assertEqual(allocation.role, "a")

        def test_filterPerRole(self) -> None:
            """
            A filter installed for resources declined in one role does not
            hold back offers in the framework's other roles.
            """
            self.allocator.addFramework("f1", ["a", "b"], {}, True)
            self.allocator.addSlave("s1", parse(SLAVE), {})
            [first] = self.allocator.allocate(0)
            self.allocator.recoverResources(
                "f1", "s1", parse(SLAVE), 100, 0, first.role
            )
            [second] = self.allocator.allocate(1)
            self.assertNotEqual(second.role, first.role)
            self.allocator.recoverResources(
                "f1", "s1", parse(SLAVE), 100, 1, second.role
            )
            self.assertEqual(self.allocator.allocate(2), [])

        def test_reviveRolesClearsTheirFilters(self) -> None:
            """
            Reviving some roles removes the filters of those roles only.
            """
            self.allocator.addFramework("f1", ["a", "b"], {}, True)
            self.allocator.addSlave("s1", parse(SLAVE), {})
            self.allocator.allocate(0)
            self.allocator.recoverResources("f1", "s1", parse(SLAVE), 100, 0, "a")
            self.allocator.suppressOffers("f1", ["b"])
            self.assertEqual(self.allocator.allocate(1), [])
            self.allocator.reviveOffers("f1", ["b"])
            [allocation] = self.allocator.allocate(1)
            self.assertEqual(allocation.role, "b")
            self.allocator.recoverResources("f1", "s1", parse(SLAVE), 100, 1, "b")
            self.allocator.reviveOffers("f1", ["a"])
            [allocation] = self.allocator.allocate(2)
            self.assertEqual(allocation.role, "a")

        def test_updateFramework(self) -> None:
            """
            After its roles change, a framework is offered in its new roles
            only.
            """
            self.allocator.addFramework("f1", ["a"], {}, True)
            self.allocator.updateFramework("f1", ["b"])
            self.allocator.addSlave("s1", parse(SLAVE), {})
            [allocation] = self.allocator.allocate(0)
            self.assertEqual(allocation.role, "b")

        def test_recoverTwice(self) -> None:
            """
            Resources recovered twice are free once: a slave never offers
            more than it has.
            """
            self.allocatedWhole()
            self.allocator.recoverResources("f1", "s1", parse(SLAVE), None, 0)
            self.allocator.recoverResources("f1", "s1", parse(SLAVE), None, 0)
            [allocation] = self.allocator.allocate(0)
            self.assertEqual(allocation.resources, parse(SLAVE))
            self.assertEqual(self.allocator.allocate(0), [])

        def test_defaultRefusal(self) -> None:
            """
            A negative C{refuseSeconds} means Mesos's default of 5 s.
            """
            self.allocatedWhole(100)
            self.allocator.recoverResources("f1", "s1", parse(SLAVE), -1, 100)
            self.assertEqual(self.allocator.allocate(104.9), [])
            self.assertEqual(len(self.allocator.allocate(105)), 1)

        def test_updateWeights(self) -> None:
            """
            Weights are positive numbers: others are refused with
            L{ValueError}, and setting weights offers nothing by itself.
            """
            self.allocatedWhole()
            self.allocator.updateWeights({"*": 2.0, "web": 0.5})
            for bad in [0, -1, float("inf"), float("nan")]:
                self.assertRaises(ValueError, self.allocator.updateWeights, {"x": bad})
            self.assertEqual(self.allocator.allocate(0), [])
            weights = {r.name: r.weight for r in self.allocator.roleSummaries()}
            self.assertEqual(weights["web"], 0.5)
            self.assertEqual(weights["*"], 2.0)
            self.assertNotIn("x", weights)

        def test_roleSummaries(self) -> None:
            """
            Each role is summarised with its frameworks, weight and the
            scalars allocated to it.
            """
            self.allocator.addFramework("f1", ["a"], {}, True)
            self.allocator.addFramework("f2", ["b"], {}, True)
            self.allocator.addFramework("f3", ["b"], {}, True)
            self.allocator.addSlave("s1", parse(SLAVE), {"f2": parse("cpus:1;mem:256")})
            roles = {r.name: r for r in self.allocator.roleSummaries()}
            self.assertEqual(roles["a"].frameworks, ["f1"])
            self.assertEqual(roles["b"].frameworks, ["f2", "f3"])
            self.assertEqual(roles["a"].weight, 1.0)
            self.assertEqual(roles["b"].allocated, {"cpus": 1.0, "mem": 256.0})
            self.assertEqual(roles["a"].allocated, {})

        def test_frameworkSummary(self) -> None:
            """
            A framework's summary holds the scalars allocated to it; an
            unknown framework has none.
            """
            self.allocatedWhole()
            self.assertEqual(
                self.allocator.frameworkSummary("f1").allocated,
                {"cpus": 4.0, "mem": 2048.0},
            )
            self.assertIsNone(self.allocator.frameworkSummary("nope"))

        def test_noRevocationsWithoutGuarantees(self) -> None:
            """
            Without guarantees nothing is revoked, whatever is requested.
            """
            self.allocatedWhole()
            self.allocator.addFramework("f2", ["*"], {}, True)
            self.allocator.requestResources("f2", [parse("cpus:1")])
            task = RunningTask("t1", "f1", "*", "s1", parse("cpus:1"), 0.0)
            self.assertEqual(self.allocator.revocations([task], 0), [])

        def test_unknownFrameworkEvents(self) -> None:
            """
            Events for a framework the allocator does not know are ignored.
            """
            self.allocator.addSlave("s1", parse(SLAVE), {})
            for call in [
                lambda: self.allocator.activateFramework("nope"),
                lambda: self.allocator.deactivateFramework("nope"),
                lambda: self.allocator.reviveOffers("nope"),
                lambda: self.allocator.suppressOffers("nope"),
                lambda: self.allocator.updateFramework("nope", ["a"]),
                lambda: self.allocator.requestResources("nope", [parse("cpus:1")]),
                lambda: self.allocator.activateSlave("nope"),
                lambda: self.allocator.deactivateSlave("nope"),
            ]:
                call()
            self.assertEqual(self.allocator.allocate(0), [])

    return IAllocatorTests


class DRFAllocatorInterfaceTests(
    makeIAllocatorTests(lambda interval: DRFAllocator(interval, random=Random(0))),
    SynchronousTestCase,
):
    """
    L{DRFAllocator} is an L{IAllocator}.
    """


class PriorityAllocatorInterfaceTests(
    makeIAllocatorTests(
        lambda interval: PriorityAllocator(
            interval, random=Random(0), priorities={"a": 1, "b": 2}
        )
    ),
    SynchronousTestCase,
):
    """
    L{PriorityAllocator} is an L{IAllocator}.
    """


class GuaranteedAllocatorInterfaceTests(
    makeIAllocatorTests(
        lambda interval: DRFAllocator(
            interval, random=Random(1), guarantees={"b": parse("cpus:1")},
            minOfferSize=parse("cpus:0.01"),
        )
    ),
    SynchronousTestCase,
):
    """
    L{DRFAllocator} with guarantees and a minimum offer size too small to
    matter is still an L{IAllocator}.
    """


class FakeAllocatorInterfaceTests(
    makeIAllocatorTests(lambda interval: FakeAllocator(interval)),
    SynchronousTestCase,
):
    """
    L{FakeAllocator} is an L{IAllocator}.
    """


class DRFOrderTests(SynchronousTestCase):
    """
    Tests for the order in which L{DRFAllocator} serves frameworks.
    """

    def setUp(self) -> None:
        self.allocator = DRFAllocator(1.0, random=Random(0))

    def winner(self, slaveId: str) -> str:
        """
        The framework offered all of C{slaveId}, added now with C{SLAVE}.
        """
        self.allocator.addSlave(slaveId, parse(SLAVE), {})
        [allocation] = self.allocator.allocate(0, [slaveId])
        return allocation.frameworkId

    def test_lowestShareFirst(self) -> None:
        """
        The framework with the lowest dominant share is offered first.
        """
        for frameworkId in ["a", "b"]:
            self.allocator.addFramework(frameworkId, ["*"], {}, True)
        self.allocator.addSlave(
            "s0", parse("cpus:10;mem:1000"), {"a": parse("cpus:4"), "b": parse("cpus:2")}
        )
        self.assertEqual(self.allocator.share("a"), 0.4)
        self.assertEqual(self.winner("s1"), "b")

    def test_dominantResource(self) -> None:
        """
        Shares compare each framework's largest fraction of any resource:
        using half the memory outweighs using 40% of the cpus.
        """
        for frameworkId in ["x", "y"]:
            self.allocator.addFramework(frameworkId, ["*"], {}, True)
        self.allocator.addSlave(
            "s0",
            parse("cpus:10;mem:1000"),
            {"x": parse("cpus:1;mem:500"), "y": parse("cpus:4;mem:10")},
        )
        self.assertEqual(self.allocator.share("x"), 0.5)
        self.assertEqual(self.allocator.share("y"), 0.4)
        [allocation] = self.allocator.allocate(0)
        self.assertEqual(allocation.frameworkId, "y")
        self.assertEqual(allocation.resources, parse("cpus:5;mem:490"))

    def test_sharesFollowAllocations(self) -> None:
        """
        Allocations count in shares at once, so consecutive slaves go to
        alternating frameworks of equal needs.
        """
        for frameworkId in ["a", "b"]:
            self.allocator.addFramework(frameworkId, ["*"], {}, True)
        for slaveId in ["s1", "s2", "s3", "s4"]:
            self.allocator.addSlave(slaveId, parse(SLAVE), {})
        counts = {"a": 0, "b": 0}
        for allocation in self.allocator.allocate(0):
            counts[allocation.frameworkId] += 1
        self.assertEqual(counts, {"a": 2, "b": 2})
        self.assertEqual(self.allocator.share("a"), 0.5)
        self.assertEqual(self.allocator.share("b"), 0.5)

    def test_tieByCount(self) -> None:
        """
        Between equal shares, the framework allocated fewer times goes first.
        """
        for frameworkId in ["a", "b"]:
            self.allocator.addFramework(frameworkId, ["*"], {}, True)
        self.assertEqual(self.winner("s1"), "a")
        self.allocator.recoverResources("a", "s1", parse(SLAVE), None, 0)
        self.assertEqual(self.allocator.share("a"), 0.0)
        self.assertEqual(self.winner("s2"), "b")
        self.allocator.recoverResources("b", "s2", parse(SLAVE), None, 0)
        self.assertEqual(self.winner("s3"), "a")

    def test_tieById(self) -> None:
        """
        Between equal shares and counts, the lower id goes first, whatever
        the order frameworks were added in.
        """
        for frameworkId in ["fw-b", "fw-a", "fw-c"]:
            self.allocator.addFramework(frameworkId, ["*"], {}, True)
        self.assertEqual(self.winner("s1"), "fw-a")

    def test_inactiveNotInOrder(self) -> None:
        """
        An inactive framework with the lowest share does not stop the next
        one from being offered.
        """
        for frameworkId in ["a", "b"]:
            self.allocator.addFramework(frameworkId, ["*"], {}, True)
        self.allocator.addSlave("s0", parse("cpus:4;mem:2048"), {"b": parse("cpus:1")})
        self.allocator.deactivateFramework("a")
        self.assertEqual(self.winner("s1"), "b")

    def test_filteredNextInOrder(self) -> None:
        """
        When the first framework in order has filtered the slave, the next
        one is offered it.
        """
        for frameworkId in ["a", "b"]:
            self.allocator.addFramework(frameworkId, ["*"], {}, True)
        self.assertEqual(self.winner("s1"), "a")
        self.allocator.recoverResources("a", "s1", parse(SLAVE), 5, 0)
        [allocation] = self.allocator.allocate(1, ["s1"])
        self.assertEqual(allocation.frameworkId, "b")

    def test_roleReserved(self) -> None:
        """
        A framework of a role is offered the slave's unreserved resources
        and those reserved for its role.
        """
        self.allocator.addFramework("f1", ["web"], {}, True)
        self.allocator.addSlave("s1", parse("cpus:1;mem(web):512;disk(db):10"), {})
        [allocation] = self.allocator.allocate(0)
        self.assertEqual(allocation.role, "web")
        self.assertEqual(allocation.resources, parse("cpus:1;mem(web):512"))


class DRFAccountingTests(SynchronousTestCase):
    """
    Tests for what L{DRFAllocator} counts as allocated.
    """

    def setUp(self) -> None:
        self.allocator = DRFAllocator(1.0, random=Random(0))
        self.allocator.addFramework("f1", ["*"], {}, True)
        self.allocator.addSlave("s1", parse("cpus:4;mem:1024"), {})
        self.allocator.addSlave("s2", parse("cpus:4;mem:1024"), {})
        self.allocator.allocate(0)

    def test_allocated(self) -> None:
        """
        Offered resources count as allocated to the framework.
        """
        self.assertEqual(self.allocator.allocated("f1"), parse("cpus:8;mem:2048"))
        self.assertEqual(self.allocator.share("f1"), 1.0)

    def test_recovered(self) -> None:
        """
        Recovered resources no longer count.
        """
        self.allocator.recoverResources("f1", "s1", parse("cpus:3;mem:1024"), 10, 0)
        self.assertEqual(self.allocator.allocated("f1"), parse("cpus:5;mem:1024"))
        self.assertEqual(self.allocator.share("f1"), 0.625)

    def test_removeSlave(self) -> None:
        """
        A removed slave's resources leave both the framework's allocation and
        the cluster total.
        """
        self.allocator.recoverResources("f1", "s2", parse("cpus:2;mem:1024"), None, 0)
        self.allocator.removeSlave("s1")
        self.assertEqual(self.allocator.allocated("f1"), parse("cpus:2"))
        self.assertEqual(self.allocator.share("f1"), 0.5)

    def test_addFrameworkUsed(self) -> None:
        """
        A framework added with resources in use has them counted in its
        share.
        """
        self.allocator.addFramework("f2", ["*"], {"s1": parse("cpus:2")}, True)
        self.assertEqual(self.allocator.allocated("f2"), parse("cpus:2"))
        self.assertEqual(self.allocator.share("f2"), 0.25)

    def test_removeSlaveKeepsFrameworkUsable(self) -> None:
        """
        After its slave is removed, a framework's filters for it are gone:
        a slave added again under that id is offered to it at once.
        """
        self.allocator.recoverResources("f1", "s1", parse("cpus:4;mem:1024"), 1000, 0)
        self.allocator.removeSlave("s1")
        self.allocator.addSlave("s1", parse("cpus:4;mem:1024"), {})
        self.assertEqual(
            byFramework(self.allocator.allocate(1)),
            {"f1": [("s1", parse("cpus:4;mem:1024"))]},
        )


class DRFPaperTests(SynchronousTestCase):
    """
    The example of the DRF paper (Ghodsi et al., NSDI 2011, section 4) at the
    allocator level.
    """

    def test_example(self) -> None:
        """
        On a slave of 9 cpus and 18 GB, A's tasks of <1 cpu, 4 GB> and B's of
        <3 cpus, 1 GB> end at 3 tasks for A and 2 for B, both with a
        dominant share of 2/3.
        """
        allocator = DRFAllocator(1.0, random=Random(0))
        demands = {"A": parse("cpus:1;mem:4096"), "B": parse("cpus:3;mem:1024")}
        for frameworkId in demands:
            allocator.addFramework(frameworkId, ["*"], {}, True)
        allocator.addSlave("s1", parse("cpus:9;mem:18432"), {})
        tasks = {"A": 0, "B": 0}
        order = []
        for now in range(100):
            launched = False
            for allocation in allocator.allocate(now):
                demand = demands[allocation.frameworkId]
                left = allocation.resources
                if left.contains(demand):
                    tasks[allocation.frameworkId] += 1
                    order.append(allocation.frameworkId)
                    left = left - demand
                    launched = True
                if left:
                    allocator.recoverResources(
                        allocation.frameworkId, allocation.slaveId, left, 0, now
                    )
            if not launched:
                break
        self.assertEqual(tasks, {"A": 3, "B": 2})
        self.assertEqual(order, ["A", "B", "A", "B", "A"])
        self.assertAlmostEqual(allocator.share("A"), 2 / 3)
        self.assertAlmostEqual(allocator.share("B"), 2 / 3)
        self.assertEqual(allocator.allocated("A"), parse("cpus:3;mem:12288"))
        self.assertEqual(allocator.allocated("B"), parse("cpus:6;mem:2048"))


def counts(allocations: list[Allocation], by: str = "frameworkId") -> dict[str, int]:
    """
    How many allocations went to each framework (or role, with C{by}).
    """
    result: dict[str, int] = {}
    for allocation in allocations:
        key = getattr(allocation, by)
        result[key] = result.get(key, 0) + 1
    return result


class HierarchicalOrderTests(SynchronousTestCase):
    """
    Tests for the order in which L{HierarchicalAllocator} serves roles and
    the frameworks inside them.
    """

    def setUp(self) -> None:
        self.allocator = HierarchicalAllocator(1.0, random=Random(0))

    def addSlaves(self, count: int, resources: str = SLAVE, prefix: str = "s") -> None:
        """
        Add C{count} identical slaves.
        """
        for i in range(count):
            self.allocator.addSlave(f"{prefix}{i:03d}", parse(resources), {})

    def test_rolesThenFrameworks(self) -> None:
        """
        Fairness is between roles first: a role with three frameworks gets
        as much as a role with one, and its frameworks share that.
        """
        for frameworkId in ["a1", "a2", "a3"]:
            self.allocator.addFramework(frameworkId, ["a"], {}, True)
        self.allocator.addFramework("b1", ["b"], {}, True)
        self.addSlaves(6)
        allocations = self.allocator.allocate(0)
        self.assertEqual(counts(allocations, "role"), {"a": 3, "b": 3})
        self.assertEqual(counts(allocations), {"a1": 1, "a2": 1, "a3": 1, "b1": 3})
        self.assertEqual(self.allocator.roleShare("a"), 0.5)
        self.assertEqual(self.allocator.share("b1"), 0.5)

    def test_roleOrderByShare(self) -> None:
        """
        The role with the lowest dominant share is served first, whatever
        the shares of its frameworks.
        """
        self.allocator.addFramework("a1", ["a"], {}, True)
        self.allocator.addFramework("b1", ["b"], {}, True)
        self.allocator.addFramework("b2", ["b"], {}, True)
        self.allocator.addSlave(
            "s0", parse("cpus:10;mem:1000"),
            {"a1": parse("cpus:3"), "b1": parse("cpus:2"), "b2": parse("cpus:2")},
        )
        self.addSlaves(1, "cpus:1;mem:64", prefix="x")
        [allocation] = self.allocator.allocate(0, ["x000"])
        self.assertEqual(allocation.frameworkId, "a1")

    def test_weights(self) -> None:
        """
        Weights divide shares: over identical slaves, roles of weights 1:1
        get 1:1, then 1:2, then with a third role 1:2:3.
        """
        self.allocator.addFramework("fa", ["a"], {}, True)
        self.allocator.addFramework("fb", ["b"], {}, True)
        self.addSlaves(12, prefix="one")
        self.assertEqual(counts(self.allocator.allocate(0), "role"), {"a": 6, "b": 6})

        self.allocator = HierarchicalAllocator(1.0, random=Random(0), weights={"b": 2})
        self.allocator.addFramework("fa", ["a"], {}, True)
        self.allocator.addFramework("fb", ["b"], {}, True)
        self.addSlaves(12, prefix="two")
        self.assertEqual(counts(self.allocator.allocate(0), "role"), {"a": 4, "b": 8})

        self.allocator.updateWeights({"c": 3})
        self.allocator.addFramework("fc", ["c"], {}, True)
        for frameworkId, role in [("fa", "a"), ("fb", "b")]:
            for slaveId in list(self.allocator._frameworks[frameworkId].members[role].allocated):
                self.allocator.recoverResources(frameworkId, slaveId, parse(SLAVE), None, 0)
        self.assertEqual(
            counts(self.allocator.allocate(1), "role"), {"a": 2, "b": 4, "c": 6}
        )
        self.assertEqual(
            {r.name: r.weight for r in self.allocator.roleSummaries()},
            {"a": 1.0, "b": 2.0, "c": 3.0},
        )

    def test_runtimeWeightsAffectNextPass(self) -> None:
        """
        Weights updated at run time change the order of the next allocation
        without allocating by themselves.
        """
        self.allocator.addFramework("fa", ["a"], {}, True)
        self.allocator.addFramework("fb", ["b"], {}, True)
        self.allocator.addSlave(
            "s0", parse("cpus:10;mem:1000"), {"fa": parse("cpus:2"), "fb": parse("cpus:3")}
        )
        self.addSlaves(1, "cpus:1;mem:64", prefix="x")
        self.allocator.updateWeights({"b": 2})
        [allocation] = self.allocator.allocate(0, ["x000"])
        self.assertEqual(allocation.frameworkId, "fb")

    def test_tieByAllocationCount(self) -> None:
        """
        Between roles of equal shares, the one allocated fewer times comes
        first, then the lower name.
        """
        self.allocator.addFramework("fa", ["a"], {}, True)
        self.allocator.addFramework("fb", ["b"], {}, True)
        self.addSlaves(1, prefix="first")
        [first] = self.allocator.allocate(0)
        self.assertEqual(first.role, "a")
        self.allocator.recoverResources("fa", first.slaveId, parse(SLAVE), None, 0)
        self.assertEqual(self.allocator.roleShare("a"), 0.0)
        [second] = self.allocator.allocate(0)
        self.assertEqual(second.role, "b")
        self.allocator.recoverResources("fb", second.slaveId, parse(SLAVE), None, 0)
        [third] = self.allocator.allocate(0)
        self.assertEqual(third.role, "a")

    def test_frameworkTieByCount(self) -> None:
        """
        Inside a role, frameworks of equal shares are served by allocation
        count, then id.
        """
        self.allocator.addFramework("f2", ["r"], {}, True)
        self.allocator.addFramework("f1", ["r"], {}, True)
        self.addSlaves(1)
        order = []
        for now in range(4):
            [allocation] = self.allocator.allocate(now)
            order.append(allocation.frameworkId)
            self.allocator.recoverResources(
                allocation.frameworkId, allocation.slaveId, parse(SLAVE), None, now
            )
        self.assertEqual(order, ["f1", "f2", "f1", "f2"])

    def test_filteredFrameworkSkipped(self) -> None:
        """
        A filter sends the slave to the next framework in order until it
        expires; then its framework is first again.
        """
        clock = Clock()
        self.allocator.addFramework("f1", ["r"], {}, True)
        self.allocator.addFramework("f2", ["r"], {}, True)
        self.addSlaves(1)
        [first] = self.allocator.allocate(clock.seconds())
        self.assertEqual(first.frameworkId, "f1")
        self.allocator.recoverResources("f1", "s000", parse(SLAVE), 5, clock.seconds())
        [second] = self.allocator.allocate(clock.seconds())
        self.assertEqual(second.frameworkId, "f2")
        self.allocator.recoverResources("f2", "s000", parse(SLAVE), 0, clock.seconds())
        clock.advance(4.9)
        [third] = self.allocator.allocate(clock.seconds())
        self.assertEqual(third.frameworkId, "f2")
        self.allocator.recoverResources("f2", "s000", parse(SLAVE), 0, clock.seconds())
        clock.advance(0.1)
        [fourth] = self.allocator.allocate(clock.seconds())
        self.assertEqual(fourth.frameworkId, "f1")

    def test_filteredRoleSkipped(self) -> None:
        """
        When every framework of the first role has filtered the slave, the
        next role is offered it.
        """
        self.allocator.addFramework("fa", ["a"], {}, True)
        self.allocator.addFramework("fb", ["b"], {}, True)
        self.addSlaves(1)
        [first] = self.allocator.allocate(0)
        self.assertEqual(first.role, "a")
        self.allocator.recoverResources("fa", "s000", parse(SLAVE), 10, 0)
        [second] = self.allocator.allocate(1)
        self.assertEqual((second.role, second.frameworkId), ("b", "fb"))

    def test_suppressedRoleLeavesOrder(self) -> None:
        """
        A role whose only framework is suppressed is not in the order; it
        comes back when the framework revives.
        """
        self.allocator.addFramework("fa", ["a"], {}, True)
        self.allocator.addFramework("fb", ["b"], {}, True)
        self.allocator.suppressOffers("fa")
        self.addSlaves(2)
        self.assertEqual(counts(self.allocator.allocate(0)), {"fb": 2})
        self.allocator.reviveOffers("fa")
        self.addSlaves(1, prefix="t")
        self.assertEqual(counts(self.allocator.allocate(1)), {"fa": 1})

    def test_reservedForRoleFirst(self) -> None:
        """
        On a slave with reservations, each role is offered what it may use:
        the first in order takes the unreserved resources with its own
        reservation, and the other role its reservation only.
        """
        self.allocator.addFramework("fa", ["a"], {}, True)
        self.allocator.addFramework("fb", ["b"], {}, True)
        self.allocator.addSlave("s1", parse("cpus:4;mem:1024;cpus(b):2;mem(b):256"), {})
        allocations = self.allocator.allocate(0)
        self.assertEqual(
            {a.role: a.resources for a in allocations},
            {"a": parse("cpus:4;mem:1024"), "b": parse("cpus(b):2;mem(b):256")},
        )

    def test_reservedBelowMinimumForRole(self) -> None:
        """
        A role's reservation is offered to it only if it is above the
        minimum allocatable; the unreserved resources still go out.
        """
        self.allocator.addFramework("fb", ["b"], {}, True)
        self.allocator.addFramework("fc", ["c"], {}, True)
        self.allocator.addSlave("s1", parse("cpus:4;mem:1024;disk(c):10"), {})
        [allocation] = self.allocator.allocate(0)
        self.assertEqual(allocation.resources, parse("cpus:4;mem:1024"))

    def test_sharesFollowTotals(self) -> None:
        """
        Shares are fractions of the cluster's current total: adding a slave
        lowers them, removing one raises them.
        """
        self.allocator.addFramework("f1", ["r"], {}, True)
        self.allocator.addSlave("s1", parse("cpus:4;mem:1024"), {"f1": parse("cpus:2")})
        self.assertEqual(self.allocator.share("f1"), 0.5)
        self.allocator.addSlave("s2", parse("cpus:4;mem:1024"), {})
        self.assertEqual(self.allocator.share("f1"), 0.25)
        self.assertEqual(
            [r.share for r in self.allocator.roleSummaries()], [0.25]
        )
        self.allocator.removeSlave("s2")
        self.assertEqual(self.allocator.frameworkSummary("f1").share, 0.5)


class MinimumOfferSizeTests(SynchronousTestCase):
    """
    Tests for L{HierarchicalAllocator}'s minimum offer size.
    """

    def setUp(self) -> None:
        self.allocator = HierarchicalAllocator(
            1.0, random=Random(0), minOfferSize=parse("cpus:2;mem:2048")
        )
        self.allocator.addFramework("f1", ["r"], {}, True)

    def test_heldBack(self) -> None:
        """
        A slave with less than the minimum offer size free is not offered
        until enough of every resource of it is free.
        """
        self.allocator.addSlave(
            "s1", parse("cpus:8;mem:8192"), {"f1": parse("cpus:7;mem:4096")}
        )
        self.assertEqual(self.allocator.allocate(0), [])
        self.allocator.recoverResources("f1", "s1", parse("cpus:0.5"), None, 0)
        self.assertEqual(self.allocator.allocate(0), [])
        self.allocator.recoverResources("f1", "s1", parse("cpus:0.5"), None, 0)
        [allocation] = self.allocator.allocate(0)
        self.assertEqual(allocation.resources, parse("cpus:2;mem:4096"))

    def test_cappedBySlave(self) -> None:
        """
        A slave smaller than the minimum offer size is offered once all of
        it is free.
        """
        self.allocator.addSlave("small", parse("cpus:1;mem:4096"), {})
        [allocation] = self.allocator.allocate(0)
        self.assertEqual(allocation.resources, parse("cpus:1;mem:4096"))

    def test_reservedSlave(self) -> None:
        """
        On a slave with reservations, what a role may use must reach the
        minimum offer size.
        """
        self.allocator.addFramework("f2", ["web"], {}, True)
        self.allocator.addSlave("s1", parse("cpus:1;mem:1024;cpus(web):2;mem(web):1024"), {})
        [allocation] = self.allocator.allocate(0)
        self.assertEqual(allocation.frameworkId, "f2")
        self.assertEqual(
            allocation.resources, parse("cpus:1;mem:1024;cpus(web):2;mem(web):1024")
        )


class InvariantTests(SynchronousTestCase):
    """
    L{HierarchicalAllocator}'s incremental bookkeeping agrees with what it
    would compute from scratch, through random sequences of events.
    """

    def check(self, allocator: HierarchicalAllocator) -> None:
        """
        Fail unless the allocator's shares, orders and free resources are
        what a computation from scratch gives.
        """
        if allocator._dirty:
            allocator._rebuild()
        perSlave: dict[str, Resources] = {}
        for role in allocator._roles.values():
            total: dict[str, int] = {}
            for member in role.members.values():
                held = Resources()
                for slaveId, resources in member.allocated.items():
                    held = held + resources
                    perSlave[slaveId] = perSlave.get(slaveId, Resources()) + resources
                self.assertEqual(member.q, {k: v for k, v in quantities(held).items() if v})
                for name, value in member.q.items():
                    total[name] = total.get(name, 0) + value
                eligible = allocator._eligible(member)
                self.assertEqual(member.key is not None, eligible)
                if eligible:
                    self.assertEqual(
                        member.key[:3],
                        (allocator._share(member.q), member.count, member.framework.id),
                    )
            self.assertEqual(role.q, {k: v for k, v in total.items() if v})
            self.assertEqual(role.order, sorted(m.key for m in role.members.values()
                                                if m.key is not None))
            self.assertEqual(role.key is not None, bool(role.order))
            if role.key is not None:
                fresh = allocator._roleKey(role)
                self.assertEqual(role.share, allocator._share(role.q))
                self.assertEqual(role.key, fresh)
        self.assertEqual(
            allocator._order,
            sorted(r.key for r in allocator._roles.values() if r.key is not None),
        )
        for slaveId, slave in allocator._slaves.items():
            self.assertEqual(slave.free + perSlave.get(slaveId, Resources()), slave.total)

    def test_randomEvents(self) -> None:
        """
        After each of many random events the bookkeeping is consistent.
        """
        for seed in range(12):
            self.randomRun(Random(seed), guarantees=seed % 3 == 0, priority=seed % 4 == 1)

    def randomRun(self, rng: Random, guarantees: bool, priority: bool) -> None:
        """
        Drive one allocator through random events, checking it after each.
        """
        options = dict(random=Random(rng.random()), weights={"r1": 2.0})
        if guarantees:
            options["guarantees"] = {"r2": parse("cpus:3;mem:1024")}
        allocator = (
            PriorityAllocator(1.0, priorities={"r0": 5}, **options) if priority
            else HierarchicalAllocator(1.0, **options)
        )
        shapes = ["cpus:4;mem:2048;ports:[1-10]", "cpus:2;mem:512;cpus(r1):1",
                  "cpus:1;mem:64;disk(r2):100;mem(r0):128"]
        now = 0.0
        for step in range(300):
            now += rng.random()
            slaves = sorted(allocator._slaves)
            frameworks = sorted(allocator._frameworks)
            event = rng.randrange(12)
            if event == 0 or not slaves:
                slaveId = f"s{rng.randrange(8)}"
                used = {}
                if frameworks and rng.random() < 0.5:
                    used[rng.choice(frameworks)] = parse("cpus:0.5;mem:32")
                allocator.addSlave(slaveId, parse(rng.choice(shapes)), used)
            elif event == 1:
                allocator.removeSlave(rng.choice(slaves))
            elif event == 2 or not frameworks:
                roles = rng.sample(["r0", "r1", "r2", "r3"], rng.randrange(1, 3))
                allocator.addFramework(f"f{rng.randrange(6)}", roles, {}, rng.random() < 0.9)
            elif event == 3:
                allocator.removeFramework(rng.choice(frameworks))
            elif event == 4:
                frameworkId = rng.choice(frameworks)
                if rng.random() < 0.5:
                    allocator.deactivateFramework(frameworkId)
                else:
                    allocator.activateFramework(frameworkId)
            elif event == 5:
                frameworkId = rng.choice(frameworks)
                roles = rng.sample(["r0", "r1", "r2", "r3"], rng.randrange(0, 2))
                if rng.random() < 0.5:
                    allocator.suppressOffers(frameworkId, roles)
                else:
                    allocator.reviveOffers(frameworkId, roles)
            elif event == 6:
                allocator.updateFramework(
                    rng.choice(frameworks),
                    rng.sample(["r0", "r1", "r2", "r3"], rng.randrange(1, 3)),
                )
            elif event == 7:
                allocator.updateWeights(
                    {rng.choice(["r0", "r1", "r3"]): rng.choice([0.5, 1, 3])}
                )
            elif event in (8, 9):
                frameworkId = rng.choice(frameworks)
                framework = allocator._frameworks[frameworkId]
                held = [(m.role.name, s, r) for m in framework.members.values()
                        for s, r in m.allocated.items()]
                if held:
                    role, slaveId, resources = rng.choice(held)
                    part = resources if rng.random() < 0.5 else resources - parse("cpus:1")
                    allocator.recoverResources(
                        frameworkId, slaveId, part, rng.choice([None, 0, 2, 10]), now,
                        rng.choice([role, None]),
                    )
            else:
                subset = None if rng.random() < 0.5 else rng.sample(slaves, len(slaves) // 2)
                allocator.allocate(now, subset)
            self.check(allocator)
