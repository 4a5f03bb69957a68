# -*- test-case-name: tests.test_allocator_priority -*-
"""
Strict priorities, the Mesos paper's second allocation module: roles of a
higher priority are always offered first; roles of equal priority share by
weighted DRF, and frameworks inside a role by DRF, as in
L{mesos_tw.master.allocator.hierarchical}. Roles below their guarantee
still come before everything else.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from mesos_tw.master.allocator.hierarchical import HierarchicalAllocator

__all__ = ["PriorityAllocator"]


class PriorityAllocator(HierarchicalAllocator):
    """
    Strict priority between roles, DRF among equals.

    @param priorities: role name to priority (higher first); 0 if absent.
    @param kwargs: as for L{HierarchicalAllocator}.
    """

    def __init__(self, *args: Any, priorities: Mapping[str, float] | None = None,
                 **kwargs: Any) -> None:
        self._priorities = {}
        for role, priority in (priorities or {}).items():
            priority = float(priority)
            if not math.isfinite(priority):
                raise ValueError(f"the priority of role {role!r} must be a finite number")
            self._priorities[role] = priority
        super().__init__(*args, **kwargs)
        for role in self._priorities:
            self._role(role).configured = True

    @classmethod
    def fromOptions(cls, options: Any) -> PriorityAllocator:
        """
        Build from the master's flags, with their C{priorities}.
        """
        return cls(
            options.allocationInterval,
            options.minAllocatable,
            weights=options.weights,
            guarantees=options.guarantees,
            nonRevocable=options.nonRevocable,
            minOfferSize=options.minOfferSize,
            random=options.random,
            priorities=options.priorities,
        )

    def _hasPriorities(self) -> bool:
        return True

    def _priorityOf(self, name: str) -> float:
        return self._priorities.get(name, 0.0)
