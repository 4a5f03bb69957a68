"""
Tests for the master's allocation flags: L{mesos_tw.master.allocator.options}
and their use in L{mesos_tw.master.tap}.
"""

from __future__ import annotations

from twisted.internet.testing import MemoryReactorClock
from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw.master import tap as masterTap
from mesos_tw.master.allocator import MIN_ALLOCATABLE
from mesos_tw.master.allocator.hierarchical import HierarchicalAllocator
from mesos_tw.master.allocator.options import (
    AllocatorOptions,
    loadAllocatorClass,
    makeAllocator,
    parseGuarantee,
    parseMinAllocatable,
    parseMinOfferSize,
    parsePriorities,
    parseRoles,
    parseWeights,
)
from mesos_tw.master.allocator.priority import PriorityAllocator
from mesos_tw.resources import Resources
from mesos_tw.testing.allocator import FakeAllocator
from mesos_tw.testing.certs import makeCluster

parse = Resources.parse


class NotAnAllocator:
    """
    A class that does not provide L{IAllocator}.
    """


class BrokenAllocator:
    """
    A class whose construction fails.
    """

    @classmethod
    def fromOptions(cls, options):
        raise RuntimeError("no luck")


class ParserTests(SynchronousTestCase):
    """
    Tests for the flag value parsers.
    """

    def test_weights(self) -> None:
        """
        Weights are role=number pairs, separated by commas.
        """
        self.assertEqual(parseWeights("web=2, batch=1,a/b=0.5"),
                         {"web": 2.0, "batch": 1.0, "a/b": 0.5})
        self.assertEqual(parseWeights(""), {})

    def test_badWeights(self) -> None:
        """
        Weights must be positive finite numbers of valid, distinct roles.
        """
        for text, message in [
            ("web", "expected role=NUMBER"),
            ("web=x", "'x' is not a number"),
            ("web=0", "greater than zero"),
            ("web=-1", "greater than zero"),
            ("web=inf", "finite"),
            ("web=nan", "finite"),
            (".=1", "invalid role"),
            ("web=1,web=2", "twice"),
        ]:
            e = self.assertRaises(ValueError, parseWeights, text)
            self.assertIn(message, str(e))

    def test_priorities(self) -> None:
        """
        Priorities are role=number pairs; any finite number will do.
        """
        self.assertEqual(parsePriorities("a=10,b=-1,c=0"), {"a": 10.0, "b": -1.0, "c": 0.0})
        self.assertRaises(ValueError, parsePriorities, "a=nan")

    def test_guarantee(self) -> None:
        """
        A guarantee is a role and scalar resources.
        """
        self.assertEqual(
            parseGuarantee("web:cpus:4;mem:4096"), ("web", parse("cpus:4;mem:4096"))
        )

    def test_badGuarantee(self) -> None:
        """
        A guarantee needs a valid role and valid, scalar, non-empty
        resources.
        """
        for text, message in [
            ("web", "ROLE:RESOURCES"),
            ("web:", "ROLE:RESOURCES"),
            (" :cpus:1", "invalid role"),
            ("web:cpus:x", "invalid resource"),
            ("web:ports:[1-2]", "only scalar"),
            ("web:cpus:0", "no resources"),
        ]:
            e = self.assertRaises(ValueError, parseGuarantee, text)
            self.assertIn(message, str(e))

    def test_roles(self) -> None:
        """
        Role lists are comma-separated valid roles.
        """
        self.assertEqual(parseRoles("mpi, hpc"), frozenset({"mpi", "hpc"}))
        self.assertRaises(ValueError, parseRoles, "ok,-bad")

    def test_minAllocatable(self) -> None:
        """
        The minimum allocatable is Mesos's '|'-separated sets of scalars.
        """
        self.assertEqual(
            parseMinAllocatable("cpus:0.01|mem:32"), MIN_ALLOCATABLE
        )
        self.assertEqual(
            parseMinAllocatable("cpus:1;mem:64"), (parse("cpus:1;mem:64"),)
        )
        self.assertRaises(ValueError, parseMinAllocatable, "")
        self.assertRaises(ValueError, parseMinAllocatable, "ports:[1-2]")

    def test_minOfferSize(self) -> None:
        """
        The minimum offer size is scalar resources.
        """
        self.assertEqual(parseMinOfferSize("cpus:2;mem:2048"), parse("cpus:2;mem:2048"))
        self.assertRaises(ValueError, parseMinOfferSize, "cpus")


class MakeAllocatorTests(SynchronousTestCase):
    """
    Tests for L{makeAllocator} and L{loadAllocatorClass}.
    """

    def test_builtin(self) -> None:
        """
        C{drf} (or C{hierarchical}) and C{priority} name the built-in
        allocators.
        """
        self.assertIs(loadAllocatorClass("drf"), HierarchicalAllocator)
        self.assertIs(loadAllocatorClass("hierarchical"), HierarchicalAllocator)
        self.assertIs(loadAllocatorClass("priority"), PriorityAllocator)

    def test_options(self) -> None:
        """
        The built-in allocators are configured from the options.
        """
        options = AllocatorOptions(
            allocationInterval=2.0, weights={"a": 2.0}, priorities={"a": 3},
            guarantees={"b": parse("cpus:1")},
        )
        allocator = makeAllocator("priority", options)
        self.assertIsInstance(allocator, PriorityAllocator)
        [a, b] = allocator.roleSummaries()
        self.assertEqual((a.name, a.weight, a.priority), ("a", 2.0, 3.0))
        self.assertEqual((b.name, b.guarantee), ("b", {"cpus": 1.0}))

    def test_className(self) -> None:
        """
        A dotted name loads that class; it is built with C{fromOptions}.
        """
        allocator = makeAllocator(
            "mesos_tw.testing.allocator.FakeAllocator",
            AllocatorOptions(allocationInterval=3.0),
        )
        self.assertIsInstance(allocator, FakeAllocator)
        self.assertEqual(allocator._interval, 3.0)

    def test_errors(self) -> None:
        """
        Names that do not lead to an allocator are refused with the reason.
        """
        for name, message in [
            ("random", "unknown allocator 'random'"),
            ("no.such.module.Class", "cannot import allocator module 'no.such.module'"),
            ("mesos_tw.testing.allocator.Nope", "has no 'Nope'"),
            (f"{__name__}.NotAnAllocator", "is not an allocator"),
            (f"{__name__}.BrokenAllocator", "no luck"),
        ]:
            e = self.assertRaises(ValueError, makeAllocator, name, AllocatorOptions())
            self.assertIn(message, str(e))


class MasterFlagsTests(SynchronousTestCase):
    """
    Tests for the allocation flags of C{twistd mesos-master}.
    """

    def setUp(self) -> None:
        self.certs = makeCluster(self.mktemp())

    def parse(self, *args: str) -> masterTap.Options:
        options = masterTap.Options()
        options.parseOptions(["--tls-dir", self.certs.master] + list(args))
        return options

    def test_help(self) -> None:
        """
        --help lists every allocation flag.
        """
        text = str(masterTap.Options())
        for flag in ["--allocator", "--allocation-interval", "--weights", "--priorities",
                     "--guarantees", "--non-revocable-roles", "--revocation-grace-period",
                     "--min-offer-size", "--min-allocatable-resources"]:
            self.assertIn(flag, text)

    def test_defaults(self) -> None:
        """
        By default the master uses hierarchical DRF with Mesos's minimum
        allocatable resources and a 30 s revocation grace period.
        """
        options = self.parse()
        self.assertIsInstance(options["allocatorInstance"], HierarchicalAllocator)
        self.assertNotIsInstance(options["allocatorInstance"], PriorityAllocator)
        self.assertEqual(options["allocatorOptions"].minAllocatable, MIN_ALLOCATABLE)
        self.assertEqual(options["revocation-grace-period"], 30.0)

    def test_allFlags(self) -> None:
        """
        Every flag reaches the allocator's options.
        """
        options = self.parse(
            "--allocator", "priority", "--allocation-interval", "0.5",
            "--weights", "a=2,b=1", "--priorities", "a=10",
            "--guarantees", "a:cpus:4;mem:4096", "--guarantees", "b:cpus:1",
            "--non-revocable-roles", "mpi", "--min-offer-size", "cpus:2;mem:2048",
            "--min-allocatable-resources", "cpus:1", "--revocation-grace-period", "5",
        )
        self.assertEqual(
            options["allocatorOptions"],
            AllocatorOptions(
                allocationInterval=0.5,
                minAllocatable=(parse("cpus:1"),),
                weights={"a": 2.0, "b": 1.0},
                priorities={"a": 10.0},
                guarantees={"a": parse("cpus:4;mem:4096"), "b": parse("cpus:1")},
                nonRevocable=frozenset({"mpi"}),
                minOfferSize=parse("cpus:2;mem:2048"),
            ),
        )
        self.assertIsInstance(options["allocatorInstance"], PriorityAllocator)

    def test_badValues(self) -> None:
        """
        Bad values are usage errors that say what is wrong.
        """
        for args, message in [
            (["--allocator", "fair"], "unknown allocator 'fair'"),
            (["--weights", "a=0"], "greater than zero"),
            (["--priorities", "a=x"], "not a number"),
            (["--priorities", "a=1"], "--priorities needs --allocator=priority"),
            (["--guarantees", "a"], "ROLE:RESOURCES"),
            (["--guarantees", "a:cpus:1", "--guarantees", "a:mem:1"], "given twice"),
            (["--non-revocable-roles", "a b"], "invalid role"),
            (["--min-offer-size", "cpus:-1"], "negative"),
            (["--min-allocatable-resources", "ports:[1-2]"], "only scalar"),
            (["--revocation-grace-period", "0"], "greater than zero"),
        ]:
            e = self.assertRaises(usage.UsageError, self.parse, *args)
            self.assertIn(message, str(e))

    def test_service(self) -> None:
        """
        The master of the service tree uses the allocator of the flags and
        their revocation grace period.
        """
        options = self.parse(
            "--allocator", "mesos_tw.testing.allocator.FakeAllocator",
            "--revocation-grace-period", "7",
        )
        service = masterTap.makeService(options, MemoryReactorClock())
        self.assertIs(service.master.allocator, options["allocatorInstance"])
        self.assertIsInstance(service.master.allocator, FakeAllocator)
        self.assertEqual(service.master._revocationGracePeriod, 7.0)
