# -*- test-case-name: tests.test_resources -*-
"""
Resource expressions: an immutable, hashable value type for bundles of
scalars, port-style ranges and sets, each reserved for a role (C{"*"} being
unreserved), as in Mesos's C{Resources} class.

Scalars use Mesos's fixed point of three decimal places and are kept as
integer thousandths, so arithmetic is exact.  Values are rounded to the
nearest thousandth, halves away from zero (Mesos's C{llround(v * 1000)}).

Text syntax is that of the C{--resources} flag::

    cpus:4;mem:1024;ports:[31000-32000,33000-33010];disks:{a,b};cpus(ads):2

This module is pure: no Twisted, no I/O.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from google.protobuf import text_format

from mesos_tw import mesos_pb2

__all__ = ["Resources", "ResourcesError"]

_SCALAR = mesos_pb2.Value.SCALAR
_RANGES = mesos_pb2.Value.RANGES
_SET = mesos_pb2.Value.SET

_WORD = r"[^\s:;()\[\]{},]+"
_ENTRY = re.compile(
    rf"\s*(?P<name>{_WORD})\s*(?:\(\s*(?P<role>{_WORD})\s*\)\s*)?:\s*(?P<value>.*?)\s*",
    re.DOTALL,
)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NONFINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_RANGE = re.compile(r"\s*([0-9]+)\s*-\s*([0-9]+)\s*")
_ITEM = re.compile(r"[^{}\[\],;]*[^\s{}\[\],;][^{}\[\],;]*")
_WORD_RE = re.compile(_WORD)
_UINT64 = 2**64
_MAX_SCALAR = Decimal(10) ** 15
_THOUSANDTH = Decimal("0.001")


class ResourcesError(ValueError):
    """A resource expression, in text or protobuf form, is invalid."""


def _normaliseRanges(ranges: Iterable[tuple[int, int]]) -> tuple:
    """Sort C{ranges} and merge those that overlap or touch."""
    merged: list[list[int]] = []
    for begin, end in sorted(ranges):
        if merged and begin <= merged[-1][1] + 1:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([begin, end])
    return tuple((b, e) for b, e in merged)


def _subtractRanges(left: tuple, right: tuple) -> tuple:
    """The integers of normalised C{left} not in normalised C{right}."""
    result = []
    j, n = 0, len(right)
    for begin, end in left:
        while j < n and right[j][1] < begin:
            j += 1
        k = j
        while k < n and right[k][0] <= end:
            rb, re_ = right[k]
            if rb > begin:
                result.append((begin, rb - 1))
            begin = re_ + 1
            if begin > end:
                break
            k += 1
        if begin <= end:
            result.append((begin, end))
    return tuple(result)


def _containsRanges(outer: tuple, inner: tuple) -> bool:
    """Whether every integer of normalised C{inner} is in normalised C{outer}."""
    i, n = 0, len(outer)
    for begin, end in inner:
        while i < n and outer[i][1] < begin:
            i += 1
        if i == n or outer[i][0] > begin or outer[i][1] < end:
            return False
    return True


def _add(key: tuple, old, new):
    """
    The sum of two values stored under C{key}.

    @raise ResourcesError: if their types differ.
    """
    kind = type(old)
    if kind is not type(new):
        raise ResourcesError(
            f"cannot add resources '{key[0]}({key[1]})' of different types"
        )
    if kind is int:
        return old + new
    if kind is tuple:
        return _normaliseRanges(old + new)
    return old | new


def _roundHalfUp(value: float) -> int:
    """C{value} in thousandths, rounded to nearest with halves away from zero."""
    scaled = value * 1000
    whole = math.floor(scaled)
    return whole + 1 if scaled - whole >= 0.5 else whole


def _formatValue(value) -> str:
    """Text for a stored value; scalars without trailing zeros."""
    kind = type(value)
    if kind is int:
        whole, frac = divmod(value, 1000)
        return f"{whole}.{frac:03d}".rstrip("0") if frac else str(whole)
    if kind is tuple:
        return "[" + ",".join(f"{b}-{e}" for b, e in value) + "]"
    return "{" + ",".join(sorted(value)) + "}"


def _parseValue(text: str):
    """
    Parse the value part of one C{name(role):value} entry.

    @return: integer thousandths, normalised ranges or a frozenset; an empty
        ranges or set value is returned as such.
    @raise ValueError: with the reason C{text} is invalid.
    """
    if text.startswith("["):
        if not text.endswith("]"):
            raise ValueError("ranges must end with ']'")
        body = text[1:-1]
        ranges = []
        if body.strip():
            for part in body.split(","):
                match = _RANGE.fullmatch(part)
                if match is None:
                    raise ValueError(f"invalid range '{part.strip()}'")
                begin, end = int(match.group(1)), int(match.group(2))
                if begin > end:
                    raise ValueError(f"range '{part.strip()}' begins after its end")
                if end >= _UINT64:
                    raise ValueError(f"range '{part.strip()}' exceeds 64 bits")
                ranges.append((begin, end))
        return _normaliseRanges(ranges)
    if text.startswith("{"):
        if not text.endswith("}"):
            raise ValueError("set must end with '}'")
        body = text[1:-1]
        items = []
        if body.strip():
            for part in body.split(","):
                if _ITEM.fullmatch(part) is None:
                    raise ValueError(f"invalid set item '{part.strip()}'")
                items.append(part.strip())
        return frozenset(items)
    if _NONFINITE.fullmatch(text):
        raise ValueError("value must be finite")
    if _NUMBER.fullmatch(text) is None:
        raise ValueError("value must be a number, ranges [a-b,...] or a set {a,...}")
    number = Decimal(text)
    if number < 0:
        raise ValueError("value must not be negative")
    if number >= _MAX_SCALAR:
        raise ValueError("value is too large")
    return int(number.quantize(_THOUSANDTH, rounding=ROUND_HALF_UP) * 1000)


class Resources:
    """
    An immutable bundle of resources keyed by name and role.

    Scalars are exact to a thousandth; zero scalars, empty ranges and empty
    sets are never stored.  C{b <= a} (or C{a.contains(b)}) holds when every
    quantity of C{b} is within C{a} for the same name, role and type.
    Protobuf C{allocation_info} and C{revocable} fields are not represented.
    """

    __slots__ = ("_items", "_hash")

    _items: dict
    _hash: int | None

    def __init__(self) -> None:
        """Create an empty bundle; use L{parse} or L{fromProto} for others."""
        self._items = {}
        self._hash = None

    @classmethod
    def _fromItems(cls, items: dict) -> Resources:
        """Wrap an already valid C{(name, role) -> value} dict without copying."""
        self = object.__new__(cls)
        self._items = items
        self._hash = None
        return self

    @classmethod
    def parse(cls, text: str, defaultRole: str = "*") -> Resources:
        """
        Parse C{--resources} flag text, such as C{"cpus:2;ports(web):[80-80]"}.

        @param defaultRole: the role of entries that do not name one.
        @raise ResourcesError: if C{text} is not valid; the message quotes the
            offending entry and the whole text.
        """
        items: dict = {}
        for entry in text.split(";"):
            if not entry.strip():
                continue
            token = entry.strip()
            match = _ENTRY.fullmatch(entry)
            try:
                if match is None:
                    raise ValueError("expected name:value or name(role):value")
                if not match.group("value"):
                    raise ValueError("missing value")
                value = _parseValue(match.group("value"))
                if not value:
                    continue
                key = (match.group("name"), match.group("role") or defaultRole)
                old = items.get(key)
                items[key] = value if old is None else _add(key, old, value)
            except ValueError as e:
                raise ResourcesError(
                    f"invalid resource '{token}' in '{text}': {e}"
                ) from None
        return cls._fromItems(items)

    @classmethod
    def fromProto(cls, resources: Iterable[mesos_pb2.Resource]) -> Resources:
        """
        Build from C{mesos_pb2.Resource} messages, adding repeated entries.

        @raise ResourcesError: if one is invalid: no name, an empty role, a
            payload not matching its type, a TEXT type, or a negative,
            non-finite or inverted value.
        """
        items: dict = {}
        for resource in resources:
            try:
                value = _protoValue(resource)
                if not value:
                    continue
                key = (resource.name, resource.role)
                old = items.get(key)
                items[key] = value if old is None else _add(key, old, value)
            except ValueError as e:
                shown = text_format.MessageToString(resource, as_one_line=True)
                raise ResourcesError(f"invalid resource proto '{shown}': {e}") from None
        return cls._fromItems(items)

    def toProto(self) -> list[mesos_pb2.Resource]:
        """Encode as C{mesos_pb2.Resource} messages, one per name and role."""
        result = []
        for (name, role), value in sorted(self._items.items()):
            resource = mesos_pb2.Resource(name=name, role=role)
            kind = type(value)
            if kind is int:
                resource.type = _SCALAR
                resource.scalar.value = value / 1000
            elif kind is tuple:
                resource.type = _RANGES
                for begin, end in value:
                    resource.ranges.range.add(begin=begin, end=end)
            else:
                resource.type = _SET
                resource.set.item.extend(sorted(value))
            result.append(resource)
        return result

    def __add__(self, other: Resources) -> Resources:
        if not isinstance(other, Resources):
            return NotImplemented
        if not other._items:
            return self
        if not self._items:
            return other
        items = self._items.copy()
        for key, value in other._items.items():
            old = items.get(key)
            if old is None:
                items[key] = value
            elif type(old) is int and type(value) is int:
                items[key] = old + value
            else:
                items[key] = _add(key, old, value)
        return Resources._fromItems(items)

    def __sub__(self, other: Resources) -> Resources:
        if not isinstance(other, Resources):
            return NotImplemented
        if not other._items or not self._items:
            return self
        items = self._items.copy()
        for key, value in other._items.items():
            old = items.get(key)
            kind = type(old)
            if old is None or kind is not type(value):
                continue
            if kind is int:
                left = old - value
            elif kind is tuple:
                left = _subtractRanges(old, value)
            else:
                left = old - value
            if left and (kind is not int or left > 0):
                items[key] = left
            else:
                del items[key]
        return Resources._fromItems(items)

    def contains(self, other: Resources) -> bool:
        """Whether every quantity of C{other} is within this bundle."""
        items = self._items
        for key, value in other._items.items():
            mine = items.get(key)
            kind = type(mine)
            if kind is not type(value):
                return False
            if kind is int:
                if mine < value:
                    return False
            elif kind is tuple:
                if not _containsRanges(mine, value):
                    return False
            elif not value <= mine:
                return False
        return True

    def __le__(self, other: Resources) -> bool:
        if not isinstance(other, Resources):
            return NotImplemented
        return other.contains(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Resources):
            return NotImplemented
        return self._items == other._items

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._items.items()))
        return self._hash

    def __bool__(self) -> bool:
        return bool(self._items)

    def __str__(self) -> str:
        return ";".join(
            (name if role == "*" else f"{name}({role})") + ":" + _formatValue(value)
            for (name, role), value in sorted(self._items.items())
        )

    def __repr__(self) -> str:
        return f"Resources.parse({str(self)!r})"

    def scalar(self, name: str) -> float:
        """The scalar C{name} summed over all roles, C{0.0} if absent."""
        total = 0
        for (n, _), value in self._items.items():
            if n == name and type(value) is int:
                total += value
        return total / 1000

    def scalars(self) -> dict[str, float]:
        """Every scalar by name, summed over roles."""
        totals: dict[str, int] = {}
        for (name, _), value in self._items.items():
            if type(value) is int:
                totals[name] = totals.get(name, 0) + value
        return {name: value / 1000 for name, value in totals.items()}

    def ranges(self, name: str) -> list[tuple[int, int]]:
        """The ranges C{name}, merged over all roles, as sorted C{(begin, end)}."""
        found: list[tuple[int, int]] = []
        for (n, _), value in self._items.items():
            if n == name and type(value) is tuple:
                found.extend(value)
        return list(_normaliseRanges(found))

    def toJSON(self) -> dict[str, float | str]:
        """
        Mesos's JSON form, summed over roles: scalars as numbers, ranges
        and sets as their text.
        """
        merged: dict[str, object] = {}
        for (name, _), value in self._items.items():
            old = merged.get(name)
            merged[name] = value if old is None else _add((name, "*"), old, value)
        return {
            name: value / 1000 if type(value) is int else _formatValue(value)
            for name, value in sorted(merged.items())
        }

    def names(self) -> frozenset[str]:
        """The names of all resources present."""
        return frozenset(name for name, _ in self._items)

    def roles(self) -> frozenset[str]:
        """The roles of all resources present, C{"*"} included if any unreserved."""
        return frozenset(role for _, role in self._items)

    def unreserved(self) -> Resources:
        """The resources of role C{"*"}."""
        return self.reserved("*")

    def reserved(self, role: str | None = None) -> Resources:
        """The resources reserved for C{role}, or for any role if C{None}."""
        if role is None:
            picked = {k: v for k, v in self._items.items() if k[1] != "*"}
        else:
            picked = {k: v for k, v in self._items.items() if k[1] == role}
        return Resources._fromItems(picked)

    def allocatableTo(self, role: str) -> Resources:
        """
        The resources a framework of C{role} may be offered: unreserved ones
        and those reserved for C{role}.
        """
        return Resources._fromItems(
            {k: v for k, v in self._items.items() if k[1] == "*" or k[1] == role}
        )


def _protoValue(resource: mesos_pb2.Resource):
    """
    The stored value of one C{mesos_pb2.Resource}.

    @raise ValueError: with the reason C{resource} is invalid.
    """
    if not resource.name:
        raise ValueError("missing name")
    if _WORD_RE.fullmatch(resource.name) is None:
        raise ValueError("name must not contain whitespace or :;()[]{},")
    if _WORD_RE.fullmatch(resource.role) is None:
        raise ValueError("role must be non-empty without whitespace or :;()[]{},")
    kind = resource.type
    payloads = [resource.HasField(f) for f in ("scalar", "ranges", "set")]
    if kind not in (_SCALAR, _RANGES, _SET):
        raise ValueError("type must be SCALAR, RANGES or SET")
    if not payloads[kind] or sum(payloads) != 1:
        raise ValueError("payload does not match type")
    if kind == _SCALAR:
        value = resource.scalar.value
        if not math.isfinite(value):
            raise ValueError("value must be finite")
        if value < 0:
            raise ValueError("value must not be negative")
        if value >= 1e15:
            raise ValueError("value is too large")
        return _roundHalfUp(value)
    if kind == _RANGES:
        for r in resource.ranges.range:
            if r.begin > r.end:
                raise ValueError(f"range {r.begin}-{r.end} begins after its end")
        return _normaliseRanges((r.begin, r.end) for r in resource.ranges.range)
    for item in resource.set.item:
        if item != item.strip() or _ITEM.fullmatch(item) is None:
            raise ValueError(f"invalid set item {item!r}")
    return frozenset(resource.set.item)
