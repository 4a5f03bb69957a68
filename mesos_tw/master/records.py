# -*- test-case-name: tests.test_master_frameworks,tests.test_master_faults -*-
"""
The master's records of slaves, frameworks, tasks and offers.
"""

from __future__ import annotations

from typing import Any

import attr
from twisted.internet.interfaces import IDelayedCall

from mesos_tw.master.observer import SlaveObserver
from mesos_tw.messages_pb2 import KillTaskMessage
from mesos_tw.mesos_pb2 import ExecutorInfo, FrameworkInfo, Task
from mesos_tw.protocol.framing import MessageProtocol
from mesos_tw.resources import Resources

#: Kills the master could not deliver, by (framework id, task id).
PendingKills = dict[tuple[str, str], KillTaskMessage]


@attr.s(auto_attribs=True, eq=False)
class Slave:
    """
    A registered slave, connected or not.

    @ivar principal: the name in the certificate the slave registered with.
    @ivar active: whether its resources are offered (it is connected).
    @ivar observer: pings it and removes it after too many missed pongs,
        connected or not (pings to a disconnected slave go nowhere).
    @ivar pendingKills: kills of its tasks asked while it was disconnected,
        sent when it re-registers.
    """

    id: str
    info: Any
    resources: Resources
    principal: str
    connection: MessageProtocol | None
    observer: SlaveObserver | None = None
    registeredTime: float = 0.0
    reregisteredTime: float | None = None
    usage: list[dict[str, Any]] = attr.ib(factory=list)
    active: bool = True
    pendingKills: PendingKills = attr.ib(factory=dict)

    @property
    def connected(self) -> bool:
        return self.connection is not None


@attr.s(auto_attribs=True, eq=False)
class UnreachableSlave:
    """
    A slave removed because it stopped answering pings; it may come back.

    @ivar time: when it was removed.
    @ivar principal: its certificate name: only it may bring it back.
    @ivar pendingKills: kills not delivered before it was removed, sent if
        it comes back with those tasks.
    """

    id: str
    principal: str
    time: float
    pendingKills: PendingKills = attr.ib(factory=dict)


@attr.s(auto_attribs=True, eq=False)
class Framework:
    """
    A registered framework.

    @ivar active: whether it is offered resources (connected, not aborted).
    @ivar tasks: its unfinished tasks (and finished ones not yet
        acknowledged) by task id.
    @ivar executors: its executors by slave id, then executor id.
    @ivar offers: ids of its outstanding offers.
    """

    id: str
    info: FrameworkInfo
    connection: MessageProtocol | None
    registeredTime: float
    active: bool = True
    reregisteredTime: float | None = None
    unregisteredTime: float | None = None
    tasks: "TaskBook" = attr.ib(factory=lambda: TaskBook())
    executors: dict[str, dict[str, ExecutorInfo]] = attr.ib(factory=dict)
    offers: set[str] = attr.ib(factory=set)
    completedTasks: list["TaskRecord"] = attr.ib(factory=list)
    failoverTimer: IDelayedCall | None = None

    @property
    def connected(self) -> bool:
        return self.connection is not None

    @property
    def role(self) -> str:
        """
        Its first role: C{roles[0]} of a MULTI_ROLE framework, else C{role}.
        """
        return self.info.roles[0] if self.info.roles else self.info.role

    @property
    def roles(self) -> list[str]:
        """
        Every role it subscribed to, in order, without repeats.
        """
        return list(dict.fromkeys(self.info.roles)) or [self.info.role]

    def hasCapability(self, capability: int) -> bool:
        """
        Whether the framework declared C{capability}
        (a C{FrameworkInfo.Capability.Type}).
        """
        return any(c.type == capability for c in self.info.capabilities)


@attr.s(auto_attribs=True, eq=False)
class TaskRecord:
    """
    A task the master launched.

    @ivar task: the L{Task} protobuf (state, statuses, latest update).
    @ivar resources: what it uses, as L{Resources}.
    @ivar recovered: whether its resources went back to the allocator (once
        it reached a terminal state).
    @ivar role: the role its resources were allocated to (that of the offer
        it was launched on), or L{None} if unknown (a task a slave reported).
    @ivar startTime: when the master launched it or learnt of it.
    @ivar revoked: whether it is being revoked: its framework was told.
    @ivar revocation: the timer that kills it at the end of its revocation
        grace period; L{None} once the kill is sent, after which its final
        status says it was revoked.
    """

    task: Task
    resources: Resources
    recovered: bool = False
    role: str | None = None
    startTime: float = 0.0
    revoked: bool = False
    revocation: IDelayedCall | None = None

    @property
    def id(self) -> str:
        return self.task.task_id.value

    @property
    def slaveId(self) -> str:
        return self.task.slave_id.value

    def cancelRevocation(self) -> None:
        """
        Stop the timer that would kill it at the end of its revocation
        grace period, if any.
        """
        if self.revocation is not None:
            if self.revocation.active():
                self.revocation.cancel()
            self.revocation = None


class TaskBook(dict):  # type: ignore[type-arg]
    """
    Task records by task id, also indexed by slave: L{onSlave} is cheap,
    which the master needs when thousands of slaves re-register at once.
    A record's slave must not change while it is in the book.
    """

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__()
        self._bySlave: dict[str, dict[str, TaskRecord]] = {}
        self.update(*args, **kw)

    def onSlave(self, slaveId: str) -> list[TaskRecord]:
        """
        The records of tasks on C{slaveId}.
        """
        return list(self._bySlave.get(slaveId, {}).values())

    def _index(self, key: str, record: TaskRecord) -> None:
        self._bySlave.setdefault(record.slaveId, {})[key] = record

    def _unindex(self, key: str, record: TaskRecord) -> None:
        onSlave = self._bySlave.get(record.slaveId)
        if onSlave is not None:
            onSlave.pop(key, None)
            if not onSlave:
                del self._bySlave[record.slaveId]

    def __setitem__(self, key: str, record: TaskRecord) -> None:
        old = self.get(key)
        if old is not None:
            self._unindex(key, old)
        super().__setitem__(key, record)
        self._index(key, record)

    def __delitem__(self, key: str) -> None:
        self._unindex(key, self[key])
        super().__delitem__(key)

    _missing = object()

    def pop(self, key: str, default: Any = _missing) -> Any:
        if key in self:
            record = self[key]
            del self[key]
            return record
        if default is TaskBook._missing:
            raise KeyError(key)
        return default

    def popitem(self) -> tuple[str, TaskRecord]:
        key, record = super().popitem()
        self._unindex(key, record)
        return key, record

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kw: Any) -> None:
        for key, record in dict(*args, **kw).items():
            self[key] = record

    def clear(self) -> None:
        super().clear()
        self._bySlave.clear()


@attr.s(auto_attribs=True, eq=False)
class OfferRecord:
    """
    An outstanding offer.
    """

    id: str
    frameworkId: str
    slaveId: str
    resources: Resources
    proto: Any
    timer: IDelayedCall | None = None

    @property
    def role(self) -> str | None:
        """
        The role the offered resources were allocated to.
        """
        return self.proto.allocation_info.role or None
