"""
Tests for L{mesos_tw.master.allocator}: the L{IAllocator} conformance suite
and L{DRFAllocator}'s dominant resource fairness.
"""

from __future__ import annotations

from random import Random
from typing import Callable

from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from mesos_tw.interfaces import IAllocator
from mesos_tw.master.allocator import MAX_REFUSE_SECONDS, Allocation
from mesos_tw.master.allocator.drf import DRFAllocator
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
            self.allocator.addFramework("f1", "*", {}, True)
            self.assertEqual(self.allocator.allocate(0), [])

        def test_wholeSlave(self) -> None:
            """
            A framework is offered everything free on a slave at once, in its
            role, and the same resources are not allocated again.
            """
            self.allocator.addFramework("f1", "*", {}, True)
            self.allocator.addFramework("f2", "*", {}, True)
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
            self.allocator.addFramework("f1", "*", {}, True)
            self.allocator.addSlave("s1", parse(SLAVE), {"f1": parse("cpus:3;mem:1024")})
            [allocation] = self.allocator.allocate(0)
            self.assertEqual(
                allocation.resources, parse("cpus:1;mem:1024;ports:[31000-32000]")
            )

        def test_eachSlave(self) -> None:
            """
            Each slave's resources are allocated separately.
            """
            self.allocator.addFramework("f1", "*", {}, True)
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
            self.allocator.addFramework("f1", "*", {}, True)
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
            self.allocator.addFramework("f1", "*", {}, True)
            self.allocator.addSlave("s1", parse(SLAVE), {})
            self.assertEqual(self.allocator.allocate(0, ["nope"]), [])
            self.assertEqual(len(self.allocator.allocate(0, ["nope", "s1"])), 1)

        def test_inactiveFramework(self) -> None:
            """
            An inactive framework is offered nothing until it is activated.
            """
            self.allocator.addFramework("f1", "*", {}, False)
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
            self.allocator.addFramework("f1", "*", {}, True)
            self.allocator.addFramework("f2", "*", {}, True)
            self.allocator.deactivateFramework("f1")
            self.allocator.addSlave("s1", parse(SLAVE), {})
            self.assertEqual(list(byFramework(self.allocator.allocate(0))), ["f2"])

        def test_suppressed(self) -> None:
            """
            A suppressed framework is offered nothing until it revives.
            """
            self.allocator.addFramework("f1", "*", {}, True)
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
            self.allocator.addFramework("f1", "*", {}, True)
            self.allocator.addFramework("f2", "*", {}, True)
            self.allocator.suppressOffers("f1")
            self.allocator.addSlave("s1", parse(SLAVE), {})
            self.assertEqual(list(byFramework(self.allocator.allocate(0))), ["f2"])

        def allocatedWhole(self, now: float = 0) -> None:
            """
            Add framework C{f1} and slave C{s1} and allocate the whole slave
            to C{f1}.
            """
            self.allocator.addFramework("f1", "*", {}, True)
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
            Resources one framework gives back may go to another one.
            """
            self.allocatedWhole()
            self.allocator.addFramework("f2", "*", {}, True)
            self.allocator.recoverResources("f1", "s1", parse("cpus:1"), None, 0)
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
            self.allocator.addFramework("f2", "*", {}, True)
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
            self.allocator.addFramework("f2", "*", {}, True)
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
            self.allocator.addFramework("f1", "*", {}, True)
            self.allocator.addSlave("tiny", parse("cpus:0.009;mem:31;disk:1000"), {})
            self.assertEqual(self.allocator.allocate(0), [])

        def test_minAllocatableCpus(self) -> None:
            """
            C{cpus:0.01} alone is enough for an offer.
            """
            self.allocator.addFramework("f1", "*", {}, True)
            self.allocator.addSlave("s1", parse("cpus:0.01"), {})
            self.assertEqual(
                byFramework(self.allocator.allocate(0)),
                {"f1": [("s1", parse("cpus:0.01"))]},
            )

        def test_minAllocatableMem(self) -> None:
            """
            C{mem:32} alone is enough for an offer.
            """
            self.allocator.addFramework("f1", "*", {}, True)
            self.allocator.addSlave("s1", parse("mem:32"), {})
            self.assertEqual(
                byFramework(self.allocator.allocate(0)), {"f1": [("s1", parse("mem:32"))]}
            )

        def test_minAllocatableLeftover(self) -> None:
            """
            A leftover below the minimum, after the rest is in use, is not
            offered.
            """
            self.allocator.addFramework("f1", "*", {}, True)
            self.allocator.addSlave(
                "s1", parse("cpus:1;mem:512"), {"f1": parse("cpus:0.995;mem:500")}
            )
            self.assertEqual(self.allocator.allocate(0), [])

        def test_reservedForOtherRole(self) -> None:
            """
            Resources reserved for a role are not offered to frameworks of
            another role.
            """
            self.allocator.addFramework("f1", "other", {}, True)
            self.allocator.addSlave("s1", parse("cpus:1;mem(web):512"), {})
            [allocation] = self.allocator.allocate(0)
            self.assertEqual(allocation.role, "other")
            self.assertEqual(allocation.resources, parse("cpus:1"))

        def test_deactivatedSlave(self) -> None:
            """
            A deactivated slave is not offered until it is activated again.
            """
            self.allocator.addFramework("f1", "*", {}, True)
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
            self.allocator.addFramework("f2", "*", {}, True)
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
            self.allocator.addFramework("f1", "*", {}, True)
            self.allocator.addFramework("f2", "*", {}, True)
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
            self.allocator.addFramework("f2", "*", {}, True)
            self.allocator.addSlave(
                "s1", parse("cpus:2;mem:1024"), {"gone": parse("cpus:1")}
            )
            self.allocator.recoverResources("gone", "s1", parse("cpus:1"), 10, 0)
            self.assertEqual(
                byFramework(self.allocator.allocate(0)),
                {"f2": [("s1", parse("cpus:2;mem:1024"))]},
            )

    return IAllocatorTests


class DRFAllocatorInterfaceTests(
    makeIAllocatorTests(lambda interval: DRFAllocator(interval, random=Random(0))),
    SynchronousTestCase,
):
    """
    L{DRFAllocator} is an L{IAllocator}.
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
            self.allocator.addFramework(frameworkId, "*", {}, True)
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
            self.allocator.addFramework(frameworkId, "*", {}, True)
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
            self.allocator.addFramework(frameworkId, "*", {}, True)
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
            self.allocator.addFramework(frameworkId, "*", {}, True)
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
            self.allocator.addFramework(frameworkId, "*", {}, True)
        self.assertEqual(self.winner("s1"), "fw-a")

    def test_inactiveNotInOrder(self) -> None:
        """
        An inactive framework with the lowest share does not stop the next
        one from being offered.
        """
        for frameworkId in ["a", "b"]:
            self.allocator.addFramework(frameworkId, "*", {}, True)
        self.allocator.addSlave("s0", parse("cpus:4;mem:2048"), {"b": parse("cpus:1")})
        self.allocator.deactivateFramework("a")
        self.assertEqual(self.winner("s1"), "b")

    def test_filteredNextInOrder(self) -> None:
        """
        When the first framework in order has filtered the slave, the next
        one is offered it.
        """
        for frameworkId in ["a", "b"]:
            self.allocator.addFramework(frameworkId, "*", {}, True)
        self.assertEqual(self.winner("s1"), "a")
        self.allocator.recoverResources("a", "s1", parse(SLAVE), 5, 0)
        [allocation] = self.allocator.allocate(1, ["s1"])
        self.assertEqual(allocation.frameworkId, "b")

    def test_roleReserved(self) -> None:
        """
        A framework of a role is offered the slave's unreserved resources
        and those reserved for its role.
        """
        self.allocator.addFramework("f1", "web", {}, True)
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
        self.allocator.addFramework("f1", "*", {}, True)
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
        self.allocator.addFramework("f2", "*", {"s1": parse("cpus:2")}, True)
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
            allocator.addFramework(frameworkId, "*", {}, True)
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
