"""
Tests for L{mesos_tw.resources}.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw.mesos_pb2 import Resource, Value
from mesos_tw.resources import Resources, ResourcesError

parse = Resources.parse


class ParseTests(SynchronousTestCase):
    """
    Tests for L{Resources.parse}.
    """

    def test_empty(self) -> None:
        """Empty, blank and separator-only text parse to an empty, false value."""
        for text in ["", "   ", ";", " ; ;"]:
            self.assertEqual(parse(text), Resources())
            self.assertFalse(parse(text))

    def test_flagExample(self) -> None:
        """The usual C{--resources} flag value parses into each resource."""
        r = parse("cpus:4;mem:1024;disk:2048;ports:[31000-32000];gpus:1")
        self.assertTrue(r)
        self.assertEqual(
            r.scalars(), {"cpus": 4.0, "mem": 1024.0, "disk": 2048.0, "gpus": 1.0}
        )
        self.assertEqual(r.ranges("ports"), [(31000, 32000)])
        self.assertEqual(r.names(), {"cpus", "mem", "disk", "ports", "gpus"})
        self.assertEqual(r.roles(), {"*"})

    def test_whitespace(self) -> None:
        """Whitespace around names, roles, values and separators is ignored."""
        self.assertEqual(
            parse(" cpus ( web ) : 2 ;\n mem: 3 ; p: [ 1 - 2 , 4-5 ] ; d: { a , b } "),
            parse("cpus(web):2;mem:3;p:[1-2,4-5];d:{a,b}"),
        )

    def test_roles(self) -> None:
        """C{name(role)} reserves for a role and C{(*)} is the same as no role."""
        r = parse("cpus(analytics):2;cpus(*):3;cpus:1")
        self.assertEqual(r.scalar("cpus"), 6.0)
        self.assertEqual(r.reserved("analytics"), parse("cpus(analytics):2"))
        self.assertEqual(r.unreserved(), parse("cpus:4"))
        self.assertEqual(r.roles(), {"*", "analytics"})

    def test_defaultRole(self) -> None:
        """Entries without a role get C{defaultRole}; explicit roles are kept."""
        r = parse("cpus:1;mem(*):2", defaultRole="web")
        self.assertEqual(r, parse("cpus(web):1;mem:2"))

    def test_mergeScalars(self) -> None:
        """Repeated scalars of the same name and role add up."""
        self.assertEqual(parse("cpus:1;cpus:2.5;mem:1"), parse("cpus:3.5;mem:1"))

    def test_mergeRangesAndSets(self) -> None:
        """Repeated ranges and sets of the same name and role are unioned."""
        self.assertEqual(
            parse("p:[1-3];d:{a};p:[4-6,10-11];d:{b,a}"), parse("p:[1-6,10-11];d:{a,b}")
        )

    def test_rolesDoNotMerge(self) -> None:
        """Entries of the same name but different roles stay apart."""
        self.assertEqual(str(parse("cpus:1;cpus(a):2;cpus:1")), "cpus:2;cpus(a):2")

    def test_rangesNormalised(self) -> None:
        """Ranges are sorted and overlapping or adjacent ones merged."""
        r = parse("ports:[10-20,1-5,6-8,15-30,40-40]")
        self.assertEqual(r.ranges("ports"), [(1, 8), (10, 30), (40, 40)])
        self.assertEqual(str(r), "ports:[1-8,10-30,40-40]")

    def test_sets(self) -> None:
        """Set items are stripped and printed sorted."""
        self.assertEqual(str(parse("disks:{ b, a ,c,a}")), "disks:{a,b,c}")

    def test_zeroAndEmptyVanish(self) -> None:
        """Zero scalars, empty ranges and empty sets are not stored."""
        self.assertFalse(parse("cpus:0;mem:0.0004;ports:[];disks:{ }"))

    def test_numberForms(self) -> None:
        """Scalars may have a sign, leading or trailing dot, or an exponent."""
        self.assertEqual(
            parse("a:+1;b:.5;c:2.;d:1e3;e:15E-1"), parse("a:1;b:0.5;c:2;d:1000;e:1.5")
        )


class ParseErrorTests(SynchronousTestCase):
    """
    Tests for the errors of L{Resources.parse}.
    """

    def assertInvalid(self, text: str, bad: str, reason: str) -> None:
        """Assert C{text} fails with a message quoting C{bad}, C{text} and C{reason}."""
        error = self.assertRaises(ResourcesError, parse, text)
        message = str(error)
        self.assertIn(f"invalid resource '{bad}' in '{text}'", message)
        self.assertIn(reason, message)

    def test_isValueError(self) -> None:
        """L{ResourcesError} is a L{ValueError}."""
        self.assertRaises(ValueError, parse, "cpus=4")

    def test_exactMessage(self) -> None:
        """The message quotes the bad entry, the whole text, and the reason."""
        error = self.assertRaises(ResourcesError, parse, "cpus:-1;mem:3")
        self.assertEqual(
            str(error),
            "invalid resource 'cpus:-1' in 'cpus:-1;mem:3': value must not be negative",
        )

    def test_syntax(self) -> None:
        """Entries that are not C{name:value} or C{name(role):value} are rejected."""
        for text in ["cpus=4", ":4", "cpus(:1", "cpus():1", "cp us:1", "(a):1"]:
            self.assertInvalid(text, text, "expected name:value")

    def test_missingValue(self) -> None:
        """An entry with nothing after the colon is rejected."""
        self.assertInvalid("mem:1; cpus: ", "cpus:", "missing value")

    def test_badPartQuotedAmongGood(self) -> None:
        """Only the offending entry is quoted as bad."""
        self.assertInvalid("cpus:1;mem:x;disk:3", "mem:x", "must be a number")

    def test_notANumber(self) -> None:
        """Non-numeric scalars, including Python-only spellings, are rejected."""
        for value in ["abc", "1 2", "1_000", "0x10", "1,5", "--1"]:
            self.assertInvalid(f"cpus:{value}", f"cpus:{value}", "must be a number")

    def test_nonFinite(self) -> None:
        """C{nan} and infinities are rejected."""
        for value in ["nan", "NaN", "inf", "-inf", "Infinity"]:
            self.assertInvalid(f"cpus:{value}", f"cpus:{value}", "must be finite")

    def test_negative(self) -> None:
        """Negative scalars are rejected, even tiny ones that round to zero."""
        for value in ["-1", "-0.0001", "-1e3"]:
            self.assertInvalid(f"cpus:{value}", f"cpus:{value}", "must not be negative")

    def test_tooLarge(self) -> None:
        """Scalars of 10**15 or more are rejected."""
        self.assertInvalid("mem:1e15", "mem:1e15", "too large")

    def test_invertedRange(self) -> None:
        """A range whose begin exceeds its end is rejected."""
        self.assertInvalid(
            "ports:[5-3]", "ports:[5-3]", "range '5-3' begins after its end"
        )

    def test_badRanges(self) -> None:
        """Malformed range lists are rejected, quoting the bad range."""
        self.assertInvalid("p:[1-2", "p:[1-2", "must end with ']'")
        self.assertInvalid("p:[1-2,a-b]", "p:[1-2,a-b]", "invalid range 'a-b'")
        self.assertInvalid("p:[5]", "p:[5]", "invalid range '5'")
        self.assertInvalid("p:[1-2,]", "p:[1-2,]", "invalid range ''")
        self.assertInvalid("p:[-1-2]", "p:[-1-2]", "invalid range '-1-2'")
        self.assertInvalid(f"p:[1-{2**64}]", f"p:[1-{2**64}]", "exceeds 64 bits")

    def test_badSets(self) -> None:
        """Malformed sets are rejected, quoting the bad item."""
        self.assertInvalid("d:{a,b", "d:{a,b", "must end with '}'")
        self.assertInvalid("d:{a,,b}", "d:{a,,b}", "invalid set item ''")
        self.assertInvalid("d:{a,{b}}", "d:{a,{b}}", "invalid set item '{b}'")

    def test_conflictingTypes(self) -> None:
        """One name and role cannot be given values of different types."""
        self.assertInvalid("cpus:1;cpus:[1-2]", "cpus:[1-2]", "different types")


class FixedPointTests(SynchronousTestCase):
    """
    Tests for the three-decimal fixed point of scalars.
    """

    def test_exactArithmetic(self) -> None:
        """Decimal fractions add and subtract without binary float error."""
        self.assertEqual(parse("cpus:0.1") + parse("cpus:0.2"), parse("cpus:0.3"))
        self.assertEqual(parse("cpus:0.3") - parse("cpus:0.1"), parse("cpus:0.2"))
        self.assertEqual((parse("cpus:0.1") + parse("cpus:0.2")).scalar("cpus"), 0.3)

    def test_roundHalfUp(self) -> None:
        """Text scalars round to the nearest thousandth, halves away from zero."""
        self.assertEqual(
            str(parse("a:0.0025;b:0.0015;c:1.2344;d:1.2346;e:0.0005")),
            "a:0.003;b:0.002;c:1.234;d:1.235;e:0.001",
        )

    def test_protoRoundHalfUp(self) -> None:
        """Protobuf doubles round the same way."""
        values = [("a", 0.0025), ("b", 0.0015), ("c", 0.1 + 0.2), ("d", 0.0004)]
        protos = [_scalarProto(name, value) for name, value in values]
        self.assertEqual(str(Resources.fromProto(protos)), "a:0.003;b:0.002;c:0.3")

    def test_largeValuesExact(self) -> None:
        """Large scalars keep all three decimals."""
        r = parse("mem:123456789012.345") + parse("mem:0.001")
        self.assertEqual(str(r), "mem:123456789012.346")

    def test_noTrailingZeros(self) -> None:
        """Scalars print without trailing zeros or a bare decimal point."""
        self.assertEqual(
            str(parse("a:0.500;b:2.000;c:10;d:0.120")), "a:0.5;b:2;c:10;d:0.12"
        )


class ArithmeticTests(SynchronousTestCase):
    """
    Tests for C{+} and C{-}.
    """

    def test_addScalars(self) -> None:
        """Adding sums scalars of the same name and role."""
        self.assertEqual(
            parse("cpus:1;mem:2") + parse("cpus:2;disk:3"), parse("cpus:3;mem:2;disk:3")
        )

    def test_addKeepsRolesApart(self) -> None:
        """Adding does not merge different roles."""
        self.assertEqual(str(parse("cpus:1") + parse("cpus(a):1")), "cpus:1;cpus(a):1")

    def test_addEmpty(self) -> None:
        """Adding or subtracting nothing gives an equal value."""
        r = parse("cpus:1")
        self.assertEqual(r + Resources(), r)
        self.assertEqual(Resources() + r, r)
        self.assertEqual(r - Resources(), r)
        self.assertEqual(Resources() - r, Resources())

    def test_addConflictingTypes(self) -> None:
        """Adding values of one name and role but different types fails."""
        self.assertRaises(ResourcesError, lambda: parse("x:1") + parse("x:[1-2]"))

    def test_addOperandsUnchanged(self) -> None:
        """Arithmetic leaves both operands as they were."""
        a, b = parse("cpus:1;p:[1-2]"), parse("cpus:2;p:[3-4]")
        for result in [a + b, a - b, b - a]:
            self.assertTrue(result)
        self.assertEqual((str(a), str(b)), ("cpus:1;p:[1-2]", "cpus:2;p:[3-4]"))

    def test_subtractScalars(self) -> None:
        """Subtracting takes scalars down and drops those reaching zero or below."""
        self.assertEqual(
            parse("cpus:2;mem:100;disk:5") - parse("cpus:0.5;mem:100;disk:7"),
            parse("cpus:1.5"),
        )

    def test_subtractOtherRoleOrType(self) -> None:
        """Subtracting ignores entries of another role, another type, or absent."""
        r = parse("cpus:2;x:3")
        self.assertEqual(r - parse("cpus(a):1;x:[1-2];gpus:1"), r)

    def test_ranges(self) -> None:
        """Ranges add as a union and subtract as a difference, splitting as needed."""
        a = parse("ports:[1-10,20-30]")
        self.assertEqual(a + parse("ports:[11-15,30-35]"), parse("ports:[1-15,20-35]"))
        self.assertEqual(
            a - parse("ports:[3-4,9-21,30-40]"), parse("ports:[1-2,5-8,22-29]")
        )
        self.assertEqual(a - parse("ports:[0-100]"), Resources())
        self.assertEqual(a - parse("ports:[11-19]"), a)

    def test_sets(self) -> None:
        """Sets add as a union and subtract as a difference."""
        a = parse("d:{a,b,c}")
        self.assertEqual(a + parse("d:{c,d}"), parse("d:{a,b,c,d}"))
        self.assertEqual(a - parse("d:{b,z}"), parse("d:{a,c}"))
        self.assertEqual(a - a, Resources())

    def test_notResources(self) -> None:
        """Arithmetic with other types raises L{TypeError}."""
        self.assertRaises(TypeError, lambda: parse("cpus:1") + 1)
        self.assertRaises(TypeError, lambda: parse("cpus:1") - "cpus:1")


class ContainmentTests(SynchronousTestCase):
    """
    Tests for L{Resources.contains} and C{<=}.
    """

    def test_scalars(self) -> None:
        """Scalars are contained when no larger than the container's."""
        a = parse("cpus:2;mem:1024")
        self.assertTrue(a.contains(parse("cpus:2;mem:1")))
        self.assertFalse(a.contains(parse("cpus:2.001")))
        self.assertFalse(a.contains(parse("gpus:1")))
        self.assertTrue(parse("cpus:1") <= a)
        self.assertTrue(a >= parse("cpus:1"))
        self.assertFalse(a <= parse("cpus:1"))

    def test_roles(self) -> None:
        """Containment compares per role."""
        self.assertFalse(parse("cpus:2").contains(parse("cpus(a):1")))
        self.assertFalse(parse("cpus(a):2").contains(parse("cpus:1")))
        self.assertTrue(parse("cpus(a):2;cpus:1").contains(parse("cpus(a):1;cpus:1")))

    def test_ranges(self) -> None:
        """Ranges are contained when every port lies in the container's ranges."""
        a = parse("p:[1-10,20-30]")
        self.assertTrue(a.contains(parse("p:[1-3,5-10,25-25]")))
        self.assertFalse(a.contains(parse("p:[9-11]")))
        self.assertFalse(a.contains(parse("p:[31-31]")))
        self.assertFalse(a.contains(parse("p:[0-0]")))

    def test_sets(self) -> None:
        """Sets are contained when a subset."""
        self.assertTrue(parse("d:{a,b}").contains(parse("d:{b}")))
        self.assertFalse(parse("d:{a,b}").contains(parse("d:{c}")))

    def test_typeMismatch(self) -> None:
        """A value of another type is not contained."""
        self.assertFalse(parse("x:5").contains(parse("x:[1-1]")))

    def test_empty(self) -> None:
        """Nothing is contained in everything, and itself."""
        self.assertTrue(parse("cpus:1").contains(Resources()))
        self.assertTrue(Resources() <= Resources())
        self.assertFalse(Resources().contains(parse("cpus:0.001")))


class EqualityTests(SynchronousTestCase):
    """
    Tests for equality and hashing.
    """

    def test_equalRegardlessOfSpelling(self) -> None:
        """Order, formatting and splitting of entries do not affect equality."""
        a = parse("mem:1.50;cpus(*):1;p:[3-4,1-2]")
        b = parse("p:[1-4];cpus:0.5;mem:1.5;cpus:0.5")
        self.assertEqual(a, b)
        self.assertEqual(hash(a), hash(b))
        self.assertEqual({a: 1}[b], 1)

    def test_notEqual(self) -> None:
        """Different quantities, roles, or other types are unequal."""
        self.assertNotEqual(parse("cpus:1"), parse("cpus:1.001"))
        self.assertNotEqual(parse("cpus:1"), parse("cpus(a):1"))
        self.assertNotEqual(parse("cpus:1"), "cpus:1")

    def test_immutable(self) -> None:
        """Instances take no new attributes."""
        self.assertRaises(AttributeError, setattr, parse("cpus:1"), "extra", 1)


class TextTests(SynchronousTestCase):
    """
    Tests for C{str} and C{repr}.
    """

    def test_canonical(self) -> None:
        """Text is ordered by name then role, with C{"*"} left implicit."""
        r = parse("ports:[2-3];mem:1024;cpus(b):1;cpus:0.5;cpus(a):2;d:{y,x}")
        self.assertEqual(
            str(r), "cpus:0.5;cpus(a):2;cpus(b):1;d:{x,y};mem:1024;ports:[2-3]"
        )
        self.assertEqual(parse(str(r)), r)

    def test_empty(self) -> None:
        """Empty resources print as the empty string."""
        self.assertEqual(str(Resources()), "")

    def test_repr(self) -> None:
        """The repr is an expression that rebuilds the value."""
        r = parse("cpus:1;mem:2")
        self.assertEqual(repr(r), "Resources.parse('cpus:1;mem:2')")
        self.assertEqual(eval(repr(r), {"Resources": Resources}), r)


class AccessorTests(SynchronousTestCase):
    """
    Tests for the accessors used by the allocator and slave.
    """

    r = parse(
        "cpus:1;cpus(a):2;cpus(b):4;mem(a):10;ports:[1-5];ports(a):[6-8,10-10];d:{x}"
    )

    def test_scalar(self) -> None:
        """L{Resources.scalar} sums over roles and is zero when absent."""
        self.assertEqual(self.r.scalar("cpus"), 7.0)
        self.assertEqual(self.r.scalar("gpus"), 0.0)
        self.assertEqual(self.r.scalar("ports"), 0.0)

    def test_scalars(self) -> None:
        """L{Resources.scalars} maps every scalar name to its total."""
        self.assertEqual(self.r.scalars(), {"cpus": 7.0, "mem": 10.0})

    def test_ranges(self) -> None:
        """L{Resources.ranges} merges ranges over roles."""
        self.assertEqual(self.r.ranges("ports"), [(1, 8), (10, 10)])
        self.assertEqual(self.r.ranges("nope"), [])

    def test_namesAndRoles(self) -> None:
        """L{Resources.names} and L{Resources.roles} list what is present."""
        self.assertEqual(self.r.names(), {"cpus", "mem", "ports", "d"})
        self.assertEqual(self.r.roles(), {"*", "a", "b"})
        self.assertEqual(Resources().roles(), frozenset())

    def test_unreserved(self) -> None:
        """L{Resources.unreserved} keeps role C{"*"} only."""
        self.assertEqual(self.r.unreserved(), parse("cpus:1;ports:[1-5];d:{x}"))

    def test_reserved(self) -> None:
        """L{Resources.reserved} keeps one role, or every non-C{"*"} role."""
        self.assertEqual(self.r.reserved("b"), parse("cpus(b):4"))
        self.assertEqual(
            self.r.reserved(),
            parse("cpus(a):2;cpus(b):4;mem(a):10;ports(a):[6-8,10-10]"),
        )
        self.assertEqual(self.r.reserved("zzz"), Resources())

    def test_allocatableTo(self) -> None:
        """L{Resources.allocatableTo} is the unreserved plus that role's own."""
        self.assertEqual(
            self.r.allocatableTo("a"), self.r.unreserved() + self.r.reserved("a")
        )
        self.assertEqual(self.r.allocatableTo("c"), self.r.unreserved())


def _scalarProto(name: str, value: float, **kw) -> Resource:
    """A scalar C{Resource} proto."""
    return Resource(
        name=name, type=Value.SCALAR, scalar=Value.Scalar(value=value), **kw
    )


class ProtoTests(SynchronousTestCase):
    """
    Tests for L{Resources.fromProto} and L{Resources.toProto}.
    """

    def test_toProto(self) -> None:
        """Each name and role becomes one proto with its type, role and payload."""
        protos = parse("cpus(a):1.5;d:{y,x};ports:[1-2,4-5]").toProto()
        self.assertEqual(
            [(p.name, p.role, p.type) for p in protos],
            [
                ("cpus", "a", Value.SCALAR),
                ("d", "*", Value.SET),
                ("ports", "*", Value.RANGES),
            ],
        )
        self.assertEqual(protos[0].scalar.value, 1.5)
        self.assertEqual(list(protos[1].set.item), ["x", "y"])
        self.assertEqual(
            [(r.begin, r.end) for r in protos[2].ranges.range], [(1, 2), (4, 5)]
        )
        self.assertTrue(all(p.HasField("role") for p in protos))

    def test_fromProto(self) -> None:
        """Protos convert, defaulting the role to C{"*"} and merging repeats."""
        protos = [
            _scalarProto("cpus", 1.0),
            _scalarProto("cpus", 0.5),
            _scalarProto("cpus", 2.0, role="a"),
            Resource(
                name="p",
                type=Value.RANGES,
                ranges=Value.Ranges(
                    range=[Value.Range(begin=5, end=6), Value.Range(begin=1, end=4)]
                ),
            ),
            Resource(name="d", type=Value.SET, set=Value.Set(item=["b", "a", "b"])),
            _scalarProto("zero", 0.0),
        ]
        self.assertEqual(
            Resources.fromProto(protos), parse("cpus:1.5;cpus(a):2;p:[1-6];d:{a,b}")
        )

    def test_roundTripWire(self) -> None:
        """Resources survive serialisation of their protos."""
        r = parse("cpus:0.1;mem(a):1024;p:[1-2];d:{x}")
        wire = [Resource.FromString(p.SerializeToString()) for p in r.toProto()]
        self.assertEqual(Resources.fromProto(wire), r)

    def assertInvalid(self, proto: Resource, reason: str) -> None:
        """Assert C{proto} is rejected for C{reason}, quoting it."""
        protos = [_scalarProto("ok", 1), proto]
        error = self.assertRaises(ResourcesError, Resources.fromProto, protos)
        self.assertIn("invalid resource proto '", str(error))
        self.assertIn(reason, str(error))
        if proto.name:
            self.assertIn(proto.name, str(error))

    def test_invalid(self) -> None:
        """Protos with bad names, roles, types, payloads or values are rejected."""
        self.assertInvalid(
            Resource(type=Value.SCALAR, scalar=Value.Scalar(value=1)), "missing name"
        )
        self.assertInvalid(_scalarProto("bad name", 1), "name must not")
        self.assertInvalid(_scalarProto("cpus", 1, role=""), "role must be")
        for wrong in [
            Resource(name="cpus", type=Value.SCALAR),
            Resource(name="cpus", type=Value.SCALAR, ranges=Value.Ranges()),
            Resource(name="p", type=Value.RANGES, scalar=Value.Scalar(value=1)),
            Resource(name="p", type=Value.SET, set=Value.Set(), scalar=Value.Scalar()),
        ]:
            self.assertInvalid(wrong, "payload does not match")
        self.assertInvalid(Resource(name="t", type=Value.TEXT), "type must be")
        self.assertInvalid(_scalarProto("cpus", -1), "must not be negative")
        self.assertInvalid(_scalarProto("cpus", float("nan")), "must be finite")
        self.assertInvalid(_scalarProto("cpus", float("inf")), "must be finite")
        self.assertInvalid(_scalarProto("cpus", 1e16), "too large")
        inverted = Value.Ranges(range=[Value.Range(begin=5, end=3)])
        self.assertInvalid(
            Resource(name="p", type=Value.RANGES, ranges=inverted),
            "range 5-3 begins after its end",
        )
        for item in ["a,b", " a", "{a}", ""]:
            self.assertInvalid(
                Resource(name="d", type=Value.SET, set=Value.Set(item=[item])),
                "invalid set item",
            )


# Property tests.  Names have fixed types so that any two values can be added.

_ROLES = ["*", "analytics"]
_ITEMS = "abcdef"
_settings = settings(max_examples=200, deadline=None)


def _scalarTexts(draw, head: str, thousandths: int) -> list[str]:
    """Entries for a scalar, possibly split in two and with trailing zeros."""
    pieces = [thousandths]
    if thousandths and draw(st.booleans()):
        first = draw(st.integers(0, thousandths))
        pieces = [first, thousandths - first]
    out = []
    for piece in pieces:
        whole, frac = divmod(piece, 1000)
        padded = draw(st.booleans())
        shortest = f"{head}: {piece / 1000!r} "
        out.append(f"{head}:{whole}.{frac:03d}" if padded else shortest)
    return out


@st.composite
def _render(draw, parts: dict) -> str:
    """Text, in a random but valid spelling, for C{(name, role) -> value} parts."""
    entries = []
    for (name, role), value in parts.items():
        head = name if role == "*" and draw(st.booleans()) else f"{name}({role})"
        if isinstance(value, int):
            entries.extend(_scalarTexts(draw, head, value))
        elif isinstance(value, list):
            entries.append(f"{head}:[" + ",".join(f"{b}-{e}" for b, e in value) + "]")
        else:
            entries.append(f"{head}:{{" + ", ".join(sorted(value)) + "}")
    separator = draw(st.sampled_from([";", " ; ", ";\n"]))
    return separator.join(draw(st.permutations(entries)))


_scalarValues = st.integers(0, 100_000)
_rangeValues = st.lists(
    st.tuples(st.integers(0, 200), st.integers(0, 8)).map(lambda t: (t[0], sum(t))),
    max_size=4,
)
_setValues = st.frozensets(st.sampled_from(_ITEMS), max_size=4)
_kinds = {
    "cpus": _scalarValues,
    "mem": _scalarValues,
    "ports": _rangeValues,
    "disks": _setValues,
}


@st.composite
def resources(draw) -> Resources:
    """Resources over a few names of fixed type and two roles."""
    parts = {}
    for role in _ROLES:
        for name, values in _kinds.items():
            if draw(st.booleans()):
                parts[(name, role)] = draw(values)
    return Resources.parse(draw(_render(parts)))


@st.composite
def disjointPairs(draw) -> tuple[Resources, Resources]:
    """Two Resources whose ranges and sets share no element."""
    left, right = {}, {}
    for role in _ROLES:
        for name in ["cpus", "mem"]:
            for side in (left, right):
                if draw(st.booleans()):
                    side[(name, role)] = draw(_scalarValues)
        owners = draw(st.dictionaries(st.integers(0, 40), st.booleans(), max_size=20))
        left[("ports", role)] = [(p, p) for p, mine in owners.items() if mine]
        right[("ports", role)] = [(p, p) for p, mine in owners.items() if not mine]
        owners = draw(st.dictionaries(st.sampled_from(_ITEMS), st.booleans()))
        left[("disks", role)] = {i for i, mine in owners.items() if mine}
        right[("disks", role)] = {i for i, mine in owners.items() if not mine}
    return (Resources.parse(draw(_render(left))), Resources.parse(draw(_render(right))))


class PropertyTests(SynchronousTestCase):
    """
    Property tests of the algebra of L{Resources}.
    """

    @_settings
    @given(resources(), resources())
    def test_addCommutative(self, a: Resources, b: Resources) -> None:
        """C{a + b == b + a}."""
        self.assertEqual(a + b, b + a)

    @_settings
    @given(resources(), resources(), resources())
    def test_addAssociative(self, a: Resources, b: Resources, c: Resources) -> None:
        """C{(a + b) + c == a + (b + c)}."""
        self.assertEqual((a + b) + c, a + (b + c))

    @_settings
    @given(disjointPairs())
    def test_subtractUndoesAdd(self, pair: tuple[Resources, Resources]) -> None:
        """C{(a + b) - b == a} when ranges and sets of C{a} and C{b} are disjoint."""
        a, b = pair
        self.assertEqual((a + b) - b, a)

    @_settings
    @given(resources(), resources())
    def test_subtractAfterAddWithin(self, a: Resources, b: Resources) -> None:
        """C{(a + b) - b <= a} in general, ranges and sets overlapping or not."""
        self.assertTrue((a + b) - b <= a)

    @_settings
    @given(resources(), resources())
    def test_withinSum(self, a: Resources, b: Resources) -> None:
        """C{a <= a + b} and C{b <= a + b}."""
        self.assertTrue(a <= a + b)
        self.assertTrue((a + b).contains(b))

    @_settings
    @given(resources(), resources())
    def test_differenceWithin(self, a: Resources, b: Resources) -> None:
        """C{a - b <= a}, and C{a - b} is empty when C{a <= b}."""
        self.assertTrue(a - b <= a)
        if a <= b:
            self.assertFalse(a - b)

    @_settings
    @given(resources())
    def test_textRoundTrip(self, a: Resources) -> None:
        """C{parse(str(a)) == a}, and C{str} is canonical."""
        self.assertEqual(parse(str(a)), a)
        self.assertEqual(str(parse(str(a))), str(a))

    @_settings
    @given(resources())
    def test_protoRoundTrip(self, a: Resources) -> None:
        """C{fromProto(a.toProto()) == a}."""
        self.assertEqual(Resources.fromProto(a.toProto()), a)
