"""
Tests for L{mesos_tw.master.allocator.priority}: strict priority between
roles, DRF among roles of equal priority.
"""

from __future__ import annotations

from random import Random

from twisted.trial.unittest import SynchronousTestCase

from mesos_tw.master.allocator.priority import PriorityAllocator
from mesos_tw.resources import Resources

parse = Resources.parse

SLAVE = "cpus:4;mem:2048"


class PriorityTests(SynchronousTestCase):
    """
    Tests for the order in which L{PriorityAllocator} serves roles.
    """

    def setUp(self) -> None:
        self.allocator = PriorityAllocator(
            1.0, random=Random(0), priorities={"high": 10, "mid": 5, "mid2": 5}
        )

    def addSlaves(self, count: int, prefix: str = "s") -> list[str]:
        """
        Add C{count} identical slaves and return their ids.
        """
        slaveIds = [f"{prefix}{i:03d}" for i in range(count)]
        for slaveId in slaveIds:
            self.allocator.addSlave(slaveId, parse(SLAVE), {})
        return slaveIds

    def roles(self, now: float = 0) -> dict[str, int]:
        """
        How many slaves each role is allocated in a pass at C{now}.
        """
        result: dict[str, int] = {}
        for allocation in self.allocator.allocate(now):
            result[allocation.role] = result.get(allocation.role, 0) + 1
        return result

    def test_higherFirst(self) -> None:
        """
        A role of a higher priority is offered everything, however large its
        share already is.
        """
        self.allocator.addFramework("low", ["low"], {}, True)
        self.allocator.addFramework("high", ["high"], {}, True)
        self.addSlaves(5)
        self.assertEqual(self.roles(), {"high": 5})
        self.assertEqual(self.allocator.roleShare("high"), 1.0)

    def test_lowerGetsWhatHigherRefuses(self) -> None:
        """
        What a higher-priority role cannot use (filtered, suppressed,
        inactive) goes to the next priority.
        """
        self.allocator.addFramework("low", ["low"], {}, True)
        self.allocator.addFramework("high", ["high"], {}, True)
        [slaveId] = self.addSlaves(1)
        self.assertEqual(self.roles(0), {"high": 1})
        self.allocator.recoverResources("high", slaveId, parse(SLAVE), 100, 0)
        self.assertEqual(self.roles(1), {"low": 1})
        self.allocator.recoverResources("low", slaveId, parse(SLAVE), None, 1)
        self.allocator.reviveOffers("high")
        self.allocator.suppressOffers("high")
        self.assertEqual(self.roles(2), {"low": 1})

    def test_drfAmongEquals(self) -> None:
        """
        Roles of the same priority share by weighted DRF, after the higher
        priority is served.
        """
        self.allocator = PriorityAllocator(
            1.0, random=Random(0), priorities={"mid": 5, "mid2": 5, "low": 1},
            weights={"mid2": 3},
        )
        for role in ["mid", "mid2", "low"]:
            self.allocator.addFramework(role, [role], {}, True)
        self.addSlaves(8)
        self.assertEqual(self.roles(), {"mid": 2, "mid2": 6})

    def test_defaultPriority(self) -> None:
        """
        Roles not named have priority 0: below any positive priority, above
        a negative one.
        """
        self.allocator = PriorityAllocator(
            1.0, random=Random(0), priorities={"neg": -1, "pos": 1}
        )
        self.allocator.addFramework("neg", ["neg"], {}, True)
        self.allocator.addFramework("other", ["other"], {}, True)
        [slaveId] = self.addSlaves(1)
        self.assertEqual(self.roles(0), {"other": 1})
        self.allocator.addFramework("pos", ["pos"], {}, True)
        self.allocator.recoverResources("other", slaveId, parse(SLAVE), None, 0)
        self.assertEqual(self.roles(1), {"pos": 1})
        self.assertEqual(
            {r.name: r.priority for r in self.allocator.roleSummaries()},
            {"neg": -1.0, "other": 0.0, "pos": 1.0},
        )

    def test_frameworksInRoleByDRF(self) -> None:
        """
        Inside a role frameworks still share by DRF.
        """
        self.allocator.addFramework("h1", ["high"], {}, True)
        self.allocator.addFramework("h2", ["high"], {}, True)
        self.addSlaves(4)
        counts: dict[str, int] = {}
        for allocation in self.allocator.allocate(0):
            counts[allocation.frameworkId] = counts.get(allocation.frameworkId, 0) + 1
        self.assertEqual(counts, {"h1": 2, "h2": 2})

    def test_guaranteeBeforePriority(self) -> None:
        """
        A role below its guarantee comes before a higher priority, until
        it reaches the guarantee.
        """
        self.allocator = PriorityAllocator(
            1.0, random=Random(0), priorities={"high": 10},
            guarantees={"low": parse("cpus:6")},
        )
        self.allocator.addFramework("low", ["low"], {}, True)
        self.allocator.addFramework("high", ["high"], {}, True)
        self.addSlaves(5)
        self.assertEqual(self.roles(), {"low": 2, "high": 3})

    def test_badPriority(self) -> None:
        """
        Priorities must be finite numbers.
        """
        self.assertRaises(ValueError, PriorityAllocator, priorities={"a": float("nan")})
