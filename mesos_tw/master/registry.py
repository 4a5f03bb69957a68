# -*- test-case-name: tests.test_registry -*-
"""
The registry: what masters keep between leaders (Mesos's C{Registry},
C{src/master/registry_operations.hpp}), as pure data and operations.

It holds the slaves admitted and those removed as unreachable, nothing
else: frameworks and tasks come back with re-registrations. A new leader
expects every admitted slave to re-register; others (unreachable ones, or
ones it does not know) come back only through the registry. The
L{mesos_tw.master.registrar.Registrar} stores it.

An operation is applied to a L{Registry} and says whether it changed it.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import attr

from mesos_tw import messages_pb2 as msgs
from mesos_tw.master import constants
from mesos_tw.mesos_pb2 import MasterInfo


class RegistryError(ValueError):
    """
    Stored registry data cannot be read.
    """


@attr.s(auto_attribs=True)
class Unreachable:
    """
    A slave removed as unreachable.

    @ivar principal: its certificate name.
    @ivar time: when it was removed, in seconds since the epoch.
    """

    principal: str
    time: float


@attr.s(auto_attribs=True)
class Registry:
    """
    The registry's content.

    @ivar master: the master that wrote it last, or L{None}.
    @ivar admitted: the principals of admitted slaves, by slave id.
    @ivar unreachable: slaves removed as unreachable, by id, oldest first.
    """

    master: MasterInfo | None = None
    admitted: dict[str, str] = attr.ib(factory=dict)
    unreachable: dict[str, Unreachable] = attr.ib(factory=dict)

    def copy(self) -> Registry:
        return Registry(
            self.master,
            dict(self.admitted),
            {k: Unreachable(v.principal, v.time) for k, v in self.unreachable.items()},
        )

    def toBytes(self) -> bytes:
        """
        The registry as stored: a L{msgs.Registry}, serialized, then
        compressed with zlib (slave ids share long prefixes).
        """
        proto = msgs.Registry()
        if self.master is not None:
            proto.master.CopyFrom(self.master)
        for slaveId, principal in self.admitted.items():
            slave = proto.slaves.add(principal=principal)
            slave.id.value = slaveId
        for slaveId, gone in self.unreachable.items():
            slave = proto.unreachable.add(principal=gone.principal)
            slave.id.value = slaveId
            slave.timestamp.nanoseconds = round(gone.time * 1e6) * 1000
        return zlib.compress(proto.SerializeToString())

    @classmethod
    def fromBytes(cls, data: bytes) -> Registry:
        """
        Read a stored registry; empty data is an empty registry.

        @raise RegistryError: if C{data} is not one.
        """
        if not data:
            return cls()
        try:
            proto = msgs.Registry.FromString(zlib.decompress(data))
        except Exception as e:
            raise RegistryError(f"not a registry ({len(data)} bytes): {e}") from None
        registry = cls()
        if proto.HasField("master"):
            registry.master = MasterInfo()
            registry.master.CopyFrom(proto.master)
        for slave in proto.slaves:
            registry.admitted[slave.id.value] = slave.principal
        for gone in proto.unreachable:
            registry.unreachable[gone.id.value] = Unreachable(
                gone.principal, gone.timestamp.nanoseconds // 1000 / 1e6
            )
        return registry


class Operation(Protocol):
    """
    A change to the registry.
    """

    def apply(self, registry: Registry) -> bool:
        """
        Change C{registry}.

        @return: whether it changed.
        """


@attr.s(auto_attribs=True, frozen=True)
class Recover:
    """
    A master elected leader takes the registry over.
    """

    master: MasterInfo

    def apply(self, registry: Registry) -> bool:
        registry.master = self.master
        return True


@attr.s(auto_attribs=True, frozen=True)
class AdmitSlave:
    """
    Admit a new slave (before the master adds it).
    """

    slaveId: str
    principal: str

    def apply(self, registry: Registry) -> bool:
        if registry.admitted.get(self.slaveId) == self.principal:
            return False
        registry.admitted[self.slaveId] = self.principal
        registry.unreachable.pop(self.slaveId, None)
        return True


@attr.s(auto_attribs=True, frozen=True)
class MarkSlaveUnreachable:
    """
    A slave stopped answering, or did not re-register after a failover:
    it is no longer admitted, but remembered (the oldest are forgotten
    beyond C{limit}).
    """

    slaveId: str
    principal: str
    time: float
    limit: int = constants.MAX_UNREACHABLE_SLAVES

    def apply(self, registry: Registry) -> bool:
        registry.admitted.pop(self.slaveId, None)
        registry.unreachable.pop(self.slaveId, None)
        registry.unreachable[self.slaveId] = Unreachable(self.principal, self.time)
        for old in list(registry.unreachable)[: -self.limit or None]:
            del registry.unreachable[old]
        return True


@attr.s(auto_attribs=True, frozen=True)
class MarkSlaveReachable:
    """
    A slave removed as unreachable, or unknown to the registry, came back:
    admit it again.
    """

    slaveId: str
    principal: str

    def apply(self, registry: Registry) -> bool:
        changed = registry.unreachable.pop(self.slaveId, None) is not None
        if registry.admitted.get(self.slaveId) != self.principal:
            registry.admitted[self.slaveId] = self.principal
            changed = True
        return changed


@attr.s(auto_attribs=True, frozen=True)
class RemoveSlave:
    """
    A slave left cleanly: it is forgotten.
    """

    slaveId: str

    def apply(self, registry: Registry) -> bool:
        return registry.admitted.pop(self.slaveId, None) is not None
