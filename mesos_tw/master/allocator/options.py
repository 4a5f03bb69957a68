# -*- test-case-name: tests.test_allocator_options -*-
"""
The master's allocation flags: parsers for their values, and the allocator
they name (C{--allocator=drf|priority|package.module.Class}).

Each parser raises L{ValueError} with a message fit for a usage error.
"""

from __future__ import annotations

import importlib
import math
import random as _random
from typing import Any, Mapping

import attr
from zope.interface.exceptions import Invalid
from zope.interface.verify import verifyObject

from mesos_tw.interfaces import IAllocator
from mesos_tw.master.allocator import MIN_ALLOCATABLE
from mesos_tw.master.validation import ValidationError, validateRole
from mesos_tw.resources import Resources, ResourcesError


@attr.s(auto_attribs=True, frozen=True)
class AllocatorOptions:
    """
    Everything the master's flags say about allocation.

    @ivar priorities: role priorities, for the priority allocator only.
    @ivar guarantees: resources guaranteed to roles.
    @ivar nonRevocable: roles whose tasks are never revoked.
    @ivar minOfferSize: hold back a slave's resources until this much is
        free, or L{None}.
    """

    allocationInterval: float = 1.0
    minAllocatable: tuple[Resources, ...] = MIN_ALLOCATABLE
    weights: Mapping[str, float] = attr.ib(factory=dict)
    priorities: Mapping[str, float] = attr.ib(factory=dict)
    guarantees: Mapping[str, Resources] = attr.ib(factory=dict)
    nonRevocable: frozenset[str] = frozenset()
    minOfferSize: Resources | None = None
    random: _random.Random | None = None


def _role(text: str, what: str) -> str:
    role = text.strip()
    try:
        validateRole(role)
    except ValidationError as e:
        raise ValueError(f"{e} in {what}") from None
    return role


def _pairs(text: str, what: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        name, sep, number = item.partition("=")
        if not sep:
            raise ValueError(f"expected role=NUMBER, got {item.strip()!r} in {what}")
        role = _role(name, what)
        try:
            value = float(number)
        except ValueError:
            raise ValueError(
                f"{number.strip()!r} is not a number (role {role!r} in {what})"
            ) from None
        if not math.isfinite(value):
            raise ValueError(f"the value of role {role!r} must be finite in {what}")
        if role in values:
            raise ValueError(f"role {role!r} appears twice in {what}")
        values[role] = value
    return values


def parseWeights(text: str) -> dict[str, float]:
    """
    Parse C{role=2,other=1}: each weight a positive number.
    """
    weights = _pairs(text, f"weights {text!r}")
    for role, weight in weights.items():
        if not weight > 0:
            raise ValueError(f"the weight of role {role!r} must be greater than zero")
    return weights


def parsePriorities(text: str) -> dict[str, float]:
    """
    Parse C{role=10,other=1}: each priority a number, higher first.
    """
    return _pairs(text, f"priorities {text!r}")


def _scalars(text: str, what: str) -> Resources:
    try:
        resources = Resources.parse(text)
    except ResourcesError as e:
        raise ValueError(str(e)) from None
    if not resources:
        raise ValueError(f"no resources in {what}")
    others = resources.names() - set(resources.scalars())
    if others:
        raise ValueError(
            f"only scalar resources may be used in {what}, not {', '.join(sorted(others))}"
        )
    return resources


def parseGuarantee(text: str) -> tuple[str, Resources]:
    """
    Parse C{role:cpus:4;mem:4096}: a role and the scalars guaranteed to it.
    """
    name, sep, rest = text.partition(":")
    if not sep or not rest.strip():
        raise ValueError(f"expected ROLE:RESOURCES such as 'web:cpus:4;mem:4096', got {text!r}")
    role = _role(name, f"guarantee {text!r}")
    return role, _scalars(rest, f"guarantee {text!r}")


def parseRoles(text: str) -> frozenset[str]:
    """
    Parse a comma-separated list of roles.
    """
    return frozenset(
        _role(item, f"roles {text!r}") for item in text.split(",") if item.strip()
    )


def parseMinAllocatable(text: str) -> tuple[Resources, ...]:
    """
    Parse Mesos's C{cpus:0.01|mem:32}: an offer must hold at least one of
    these sets of scalars.
    """
    sets = tuple(
        _scalars(item, f"minimum allocatable {text!r}")
        for item in text.split("|")
        if item.strip()
    )
    if not sets:
        raise ValueError("the minimum allocatable resources are empty")
    return sets


def parseMinOfferSize(text: str) -> Resources:
    """
    Parse C{cpus:2;mem:2048}: the least a slave must have free to be
    offered.
    """
    return _scalars(text, f"minimum offer size {text!r}")


def loadAllocatorClass(name: str) -> Any:
    """
    The class C{drf}, C{priority} or C{package.module.Class} names.

    @raise ValueError: if it cannot be imported or does not look like an
        allocator class.
    """
    from mesos_tw.master.allocator.hierarchical import HierarchicalAllocator
    from mesos_tw.master.allocator.priority import PriorityAllocator

    builtin = {"drf": HierarchicalAllocator, "hierarchical": HierarchicalAllocator,
               "priority": PriorityAllocator}
    if name in builtin:
        return builtin[name]
    moduleName, dot, className = name.rpartition(".")
    if not dot or not moduleName or not className:
        raise ValueError(
            f"unknown allocator {name!r}: use drf, priority or package.module.Class"
        )
    try:
        module = importlib.import_module(moduleName)
    except Exception as e:
        raise ValueError(f"cannot import allocator module {moduleName!r}: {e}") from None
    try:
        return getattr(module, className)
    except AttributeError:
        raise ValueError(f"module {moduleName!r} has no {className!r}") from None


def makeAllocator(name: str, options: AllocatorOptions) -> Any:
    """
    Build the allocator C{name} (see L{loadAllocatorClass}) for C{options}:
    with C{cls.fromOptions(options)} if the class has it, else C{cls()}.

    @raise ValueError: if it cannot be built or does not provide
        L{IAllocator}.
    """
    cls = loadAllocatorClass(name)
    try:
        fromOptions = getattr(cls, "fromOptions", None)
        allocator = fromOptions(options) if fromOptions is not None else cls()
    except Exception as e:
        raise ValueError(f"cannot create allocator {name!r}: {e}") from None
    try:
        verifyObject(IAllocator, allocator)
    except Invalid as e:
        raise ValueError(f"{name!r} is not an allocator: {e}") from None
    return allocator
