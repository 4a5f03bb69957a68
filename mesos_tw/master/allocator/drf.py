# -*- test-case-name: tests.test_allocator -*-
"""
The DRF allocator under its historical name: see
L{mesos_tw.master.allocator.hierarchical}.
"""

from mesos_tw.master.allocator.hierarchical import HierarchicalAllocator

#: Hierarchical dominant resource fairness, the default allocator.
DRFAllocator = HierarchicalAllocator

__all__ = ["DRFAllocator"]
