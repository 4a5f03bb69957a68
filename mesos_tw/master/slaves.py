# -*- test-case-name: tests.test_master,tests.test_master_faults -*-
"""
The master's slave lifecycle: registration, health, disconnection,
re-registration and removal (a part of L{mesos_tw.master.master.Master}).

A slave whose connection breaks is I{disconnected}: not offered, its
offers rescinded, the tasks of frameworks that do not checkpoint lost at
once; its observer keeps counting missed pings, so unless it re-registers
within the ping timeout times the maximum missed pings it is removed, as
an unresponsive slave is. A removed slave is I{unreachable}: its tasks are
lost (unreachable for partition-aware frameworks), every framework is told,
and it may come back, with its tasks. When a slave re-registers, its report
corrects the master's view (L{mesos_tw.master.reregistration}).
"""

from __future__ import annotations

import itertools
from typing import Any

from google.protobuf import json_format
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.master import constants
from mesos_tw.master.observer import SlaveObserver
from mesos_tw.master.reports import executorResources, killTaskMessage
from mesos_tw.interfaces import IAllocator
from mesos_tw.master.registrar import Registrar
from mesos_tw.master.registry import (
    AdmitSlave,
    MarkSlaveReachable,
    MarkSlaveUnreachable,
    Operation,
    RemoveSlave,
)
from mesos_tw.master.records import (
    Framework,
    OfferRecord,
    Slave,
    TaskBook,
    UnreachableSlave,
)
from mesos_tw.mesos_pb2 import ExecutorInfo, FrameworkInfo, MasterInfo, SlaveID, TaskStatus
from mesos_tw.messages_pb2 import MessageRefused
from mesos_tw.protocol.dispatch import Refused
from mesos_tw.protocol.framing import MessageProtocol
from mesos_tw.resources import Resources, ResourcesError
from mesos_tw.tasks import isTerminal

_PARTITION_AWARE = FrameworkInfo.Capability.PARTITION_AWARE


class SlaveLifecycle:
    """
    The slave handlers of L{mesos_tw.master.master.Master}, a mixin: it
    uses the master's state below and its offer and task helpers
    (C{_removeOffer}, C{_allocateSoon}, C{_endTask}, C{_completeTask}).

    @ivar unreachableSlaves: slaves removed for not answering, by id, oldest
        first.
    @ivar recoveringSlaves: ids of slaves known from a registry that have
        not re-registered yet (none until there is a registry).
    """

    _log: Logger
    _clock: IReactorTime
    info: MasterInfo
    allocator: IAllocator
    slaves: dict[str, Slave]
    unreachableSlaves: dict[str, UnreachableSlave]
    recoveringSlaves: set[str]
    frameworks: dict[str, Framework]
    offers: dict[str, OfferRecord]
    _slaveIds: itertools.count
    _pingTimeout: float
    _maxPingTimeouts: int
    _slaveByConnection: dict[MessageProtocol, Slave]
    _removedFrameworks: set[str]
    _orphanTasks: dict[str, TaskBook]
    _orphanExecutors: dict[str, dict[str, dict[str, ExecutorInfo]]]
    registrar: Registrar | None
    _recoveredSlaves: dict[str, str]
    _admitting: dict[MessageProtocol, str]
    _removing: set[str]

    # --- Registration --------------------------------------------------------

    def registerSlave(
        self, connection: MessageProtocol, message: msgs.RegisterSlaveMessage
    ) -> None:
        """
        Admit a new slave and give it a fresh id, through the registry if
        there is one.
        """
        known = self._slaveByConnection.get(connection)
        if known is not None:
            # A retried registration that crossed our reply.
            self._sendRegistered(known)
            return
        if connection in self._admitting:
            # A retried registration while the registry admits the slave.
            return
        resources = self._validateSlave(connection, message.slave, message.version)
        if resources is None:
            return
        slaveId = f"{self.info.id}-S{next(self._slaveIds)}"
        while slaveId in self.slaves or slaveId in self.unreachableSlaves:
            # Taken by a slave that re-registered with an id of our range.
            slaveId = f"{self.info.id}-S{next(self._slaveIds)}"
        self._admitting[connection] = slaveId
        self._whenStored(
            AdmitSlave(slaveId, connection.peer.name),
            self._admitted, connection, slaveId, message.slave, resources,
        )

    def _admitted(
        self, connection: MessageProtocol, slaveId: str, info: Any, resources: Resources
    ) -> None:
        """
        The registry admitted a new slave: add it.
        """
        if not self._stillAdmitting(connection, slaveId):
            return
        slave = self._newSlave(slaveId, info, resources, connection.peer.name)
        self._attach(slave, connection)
        self.allocator.addSlave(slaveId, resources, {})
        self._log.info(
            "Registered slave {slaveId} at {peer} ({hostname}) with {resources}",
            slaveId=slaveId,
            peer=connection.peer,
            hostname=info.hostname,
            resources=str(resources),
        )
        self._sendRegistered(slave)
        slave.observer.start()
        self._allocateSoon([slaveId])

    def reregisterSlave(
        self, connection: MessageProtocol, message: msgs.ReregisterSlaveMessage
    ) -> None:
        """
        Take back a slave that was registered before, with this master or a
        previous one, and let its report correct what the master knows of
        its tasks and executors.

        With a registry, a slave it did not expect (one it knows as
        unreachable, or one it does not know at all) is admitted again
        through it first.
        """
        slaveId = message.slave.id.value
        if not slaveId:
            self._refuseSlave(connection, "re-registration without a slave id")
            return
        current = self._slaveByConnection.get(connection)
        if current is not None:
            if current.id != slaveId:
                self._refuseSlave(
                    connection, f"this connection is slave {current.id}, not {slaveId}"
                )
            else:
                # A retried re-registration that crossed our reply: the
                # connection never broke, so our view is up to date.
                self._sendReregistered(current)
            return
        if connection in self._admitting:
            return
        if slaveId in self._removing:
            self._log.info(
                "Slave {slaveId} re-registers while the registry removes it; it "
                "will retry",
                slaveId=slaveId,
            )
            return
        resources = self._validateSlave(connection, message.slave, message.version)
        if resources is None:
            return
        slave = self.slaves.get(slaveId)
        gone = self.unreachableSlaves.get(slaveId)
        expected = self._recoveredSlaves.get(slaveId)
        owner = (
            slave.principal if slave is not None
            else gone.principal if gone is not None
            else expected
        )
        if owner and owner != connection.peer.name:
            self._refuseSlave(
                connection,
                f"slave {slaveId} belongs to {owner!r}, not {connection.peer.name!r}",
            )
            return
        if self.registrar is not None and slave is None and expected is None:
            if gone is None:
                self._log.warn(
                    "Slave {slaveId} at {peer} re-registers with an id the registry "
                    "does not know (the registry was reset or moved, or the slave "
                    "was removed long ago); admitting it through the registry",
                    slaveId=slaveId,
                    peer=connection.peer,
                )
            else:
                self._log.info(
                    "Re-admitting slave {slaveId}, removed as unreachable at {time}, "
                    "through the registry",
                    slaveId=slaveId,
                    time=gone.time,
                )
            self._admitting[connection] = slaveId
            self._whenStored(
                MarkSlaveReachable(slaveId, connection.peer.name),
                self._readmitted, connection, message, resources,
            )
            return
        self._reregister(connection, message, resources)

    def _readmitted(
        self, connection: MessageProtocol, message: msgs.ReregisterSlaveMessage,
        resources: Resources,
    ) -> None:
        if self._stillAdmitting(connection, message.slave.id.value):
            self._reregister(connection, message, resources)

    def _reregister(
        self, connection: MessageProtocol, message: msgs.ReregisterSlaveMessage,
        resources: Resources,
    ) -> None:
        slaveId = message.slave.id.value
        slave = self.slaves.get(slaveId)
        gone = self.unreachableSlaves.get(slaveId)
        if slave is None:
            slave = self._newSlave(slaveId, message.slave, resources, connection.peer.name)
            if gone is not None:
                del self.unreachableSlaves[slaveId]
                slave.pendingKills.update(gone.pendingKills)
        else:
            if slave.connection is not None:
                self._slaveByConnection.pop(slave.connection, None)
                slave.connection = None
            for offer in [o for o in self.offers.values() if o.slaveId == slaveId]:
                self._removeOffer(offer, rescind=True, recover=False)
            self.allocator.removeSlave(slaveId)
            slave.info.CopyFrom(message.slave)
            slave.resources = resources
        slave.reregisteredTime = self._clock.seconds()
        self._attach(slave, connection)
        self._log.info(
            "Re-registered slave {slaveId} at {peer} with {count} task(s){after}",
            slaveId=slaveId,
            peer=connection.peer,
            count=len(message.tasks),
            after=" after its removal" if gone is not None else "",
        )
        self._slaveRecovered(slaveId)
        self._sendReregistered(slave)
        self._applyReport(slave, message)
        self.allocator.addSlave(slaveId, resources, self._usedOn(slaveId))
        slave.observer.restart()
        self._allocateSoon([slaveId])

    def unregisterSlave(
        self, connection: MessageProtocol, message: msgs.UnregisterSlaveMessage
    ) -> None:
        """
        A slave shuts down cleanly.
        """
        slave = self._registeredSlave(connection, message.slave_id.value)
        self.removeSlave(slave, "unregistered", unreachable=False)

    def pongSlave(self, connection: MessageProtocol, message: msgs.PongSlaveMessage) -> None:
        """
        A slave answered a ping.
        """
        slave = self._slaveByConnection.get(connection)
        if slave is not None and slave.observer is not None:
            slave.observer.pong()

    def slaveUsage(self, connection: MessageProtocol, message: msgs.SlaveUsageMessage) -> None:
        """
        A slave reports what its containers use; keep the latest report.
        """
        slave = self._registeredSlave(connection, message.slave_id.value)
        slave.usage = [
            {
                "framework_id": e.framework_id.value,
                "executor_id": e.executor_id.value,
                "container_id": e.container_id.value,
                "statistics": json_format.MessageToDict(
                    e.statistics, preserving_proto_field_name=True
                ),
            }
            for e in message.executors
        ]

    # --- Disconnection and removal -------------------------------------------

    def slaveDisconnected(self, slave: Slave) -> None:
        """
        A slave's connection broke: stop offering it and lose the tasks of
        frameworks that do not checkpoint (killed if it comes back with
        them). Its observer keeps counting.
        """
        self._log.warn(
            "Slave {slaveId} at {peer} disconnected; removing it in {timeout} s unless "
            "it re-registers",
            slaveId=slave.id,
            peer=slave.connection.peer if slave.connection is not None else None,
            timeout=self._pingTimeout * self._maxPingTimeouts,
        )
        if slave.connection is not None:
            self._slaveByConnection.pop(slave.connection, None)
            slave.connection = None
        slave.active = False
        self.allocator.deactivateSlave(slave.id)
        for offer in [o for o in self.offers.values() if o.slaveId == slave.id]:
            self._removeOffer(offer, rescind=True)
        now = self._clock.seconds()
        for framework in list(self.frameworks.values()):
            if framework.info.checkpoint:
                continue
            for record in framework.tasks.onSlave(slave.id):
                if isTerminal(record.task.state):
                    self._completeTask(framework, record)
                else:
                    self._endTask(
                        framework, record, mesos_pb2.TASK_LOST,
                        TaskStatus.REASON_SLAVE_DISCONNECTED,
                        f"Slave {slave.id} disconnected",
                    )
                    # Lost for good: killed if the slave comes back with it.
                    slave.pendingKills[(framework.id, record.id)] = killTaskMessage(
                        framework.id, record.id
                    )
            for executor in framework.executors.pop(slave.id, {}).values():
                self._recoverExecutor(framework.id, slave.id, executor, now)

    def removeSlave(self, slave: Slave, why: str, unreachable: bool = True) -> None:
        """
        Forget a slave: its tasks are lost (unreachable, for partition-aware
        frameworks, if it may come back), its offers rescinded, its
        executors dropped, and every framework is told. With a registry,
        it is offered no more at once, and the rest happens once the
        registry has it removed (so it cannot come back silently).

        @param unreachable: whether the slave stopped answering, rather than
            leaving cleanly: it is then remembered, and may come back.
        """
        self._log.warn("Removing slave {slaveId}: {why}", slaveId=slave.id, why=why)
        connection = slave.connection
        self._detach(slave)
        if connection is not None:
            connection.transport.loseConnection()
        if self.slaves.get(slave.id) is not slave or slave.id in self._removing:
            return
        for offer in [o for o in self.offers.values() if o.slaveId == slave.id]:
            self._removeOffer(offer, rescind=True, recover=False)
        now = self._clock.seconds()
        operation: Operation = (
            MarkSlaveUnreachable(slave.id, slave.principal, now)
            if unreachable
            else RemoveSlave(slave.id)
        )
        self._removing.add(slave.id)
        self._whenStored(operation, self._removed, slave, why, unreachable, now)

    def _removed(self, slave: Slave, why: str, unreachable: bool, now: float) -> None:
        """
        The registry has a slave removed: forget it.
        """
        self._removing.discard(slave.id)
        if self.slaves.get(slave.id) is not slave:
            return
        del self.slaves[slave.id]
        for offer in [o for o in self.offers.values() if o.slaveId == slave.id]:
            self._removeOffer(offer, rescind=True, recover=False)
        for framework in list(self.frameworks.values()):
            framework.executors.pop(slave.id, None)
            partitionAware = framework.hasCapability(_PARTITION_AWARE)
            for record in framework.tasks.onSlave(slave.id):
                if isTerminal(record.task.state):
                    self._completeTask(framework, record)
                elif unreachable and partitionAware:
                    self._endTask(
                        framework, record, mesos_pb2.TASK_UNREACHABLE,
                        TaskStatus.REASON_SLAVE_REMOVED,
                        f"Slave {slave.id} removed: {why}", unreachableTime=now,
                    )
                else:
                    self._endTask(
                        framework, record, mesos_pb2.TASK_LOST,
                        TaskStatus.REASON_SLAVE_REMOVED, f"Slave {slave.id} removed: {why}",
                    )
        for orphans in self._orphanTasks.values():
            for record in orphans.onSlave(slave.id):
                del orphans[record.id]
        for executors in self._orphanExecutors.values():
            executors.pop(slave.id, None)
        self.allocator.removeSlave(slave.id)
        if unreachable:
            self._rememberUnreachable(
                UnreachableSlave(slave.id, slave.principal, now, dict(slave.pendingKills))
            )
        self._sendSlaveLost(slave.id)

    def _rememberUnreachable(self, gone: UnreachableSlave) -> None:
        self.unreachableSlaves.pop(gone.id, None)
        self.unreachableSlaves[gone.id] = gone
        for old in list(self.unreachableSlaves)[: -constants.MAX_UNREACHABLE_SLAVES]:
            del self.unreachableSlaves[old]

    def _sendSlaveLost(self, slaveId: str) -> None:
        lost = msgs.LostSlaveMessage(slave_id=SlaveID(value=slaveId))
        for framework in self.frameworks.values():
            if framework.connected:
                framework.connection.send(lost)

    def _stillAdmitting(self, connection: MessageProtocol, slaveId: str) -> bool:
        """
        Whether C{connection} still waits for the registry to admit
        C{slaveId} (it may have closed meanwhile: the slave retries on
        another).
        """
        if self._admitting.get(connection) == slaveId:
            del self._admitting[connection]
            return True
        self._log.info(
            "The registry admitted slave {slaveId}, but its connection closed "
            "meanwhile; it will retry",
            slaveId=slaveId,
        )
        return False

    # --- Helpers -------------------------------------------------------------

    def _registeredSlave(self, connection: MessageProtocol, slaveId: str) -> Slave:
        """
        The slave registered on C{connection}, if the message is from it.

        @raise Refused: otherwise.
        """
        slave = self._slaveByConnection.get(connection)
        if slave is None or slave.id != slaveId:
            raise Refused(
                MessageRefused.NOT_REGISTERED,
                f"this connection is not registered as slave {slaveId!r}",
                slaveId=slaveId,
            )
        return slave

    def _validateSlave(
        self, connection: MessageProtocol, info: Any, version: str
    ) -> Resources | None:
        if _versionTuple(version) < _versionTuple(constants.MINIMUM_SLAVE_VERSION):
            self._refuseSlave(
                connection,
                f"slave version {version!r} is older than "
                f"{constants.MINIMUM_SLAVE_VERSION}",
            )
            return None
        if not info.hostname:
            self._refuseSlave(connection, "SlaveInfo has no hostname")
            return None
        try:
            return Resources.fromProto(info.resources)
        except ResourcesError as e:
            self._refuseSlave(connection, f"invalid resources: {e}")
            return None

    def _refuseSlave(self, connection: MessageProtocol, why: str) -> None:
        self._log.warn(
            "Refusing slave at {peer}: {why}", peer=connection.peer, why=why
        )
        connection.send(msgs.ShutdownMessage(message=f"Refused by the master: {why}"))
        connection.transport.loseConnection()

    def _newSlave(
        self, slaveId: str, info: Any, resources: Resources, principal: str
    ) -> Slave:
        record = type(info)()
        record.CopyFrom(info)
        record.id.value = slaveId
        slave = Slave(
            id=slaveId,
            info=record,
            resources=resources,
            principal=principal,
            connection=None,
            registeredTime=self._clock.seconds(),
        )
        slave.observer = SlaveObserver(
            self._clock,
            lambda: self._ping(slave),
            lambda: self.removeSlave(slave, "health check timed out"),
            self._pingTimeout,
            self._maxPingTimeouts,
        )
        self.slaves[slaveId] = slave
        return slave

    def _ping(self, slave: Slave) -> None:
        if slave.connection is not None:
            slave.connection.send(msgs.PingSlaveMessage(connected=True))

    def _attach(self, slave: Slave, connection: MessageProtocol) -> None:
        slave.connection = connection
        slave.active = True
        self._slaveByConnection[connection] = slave

    def _detach(self, slave: Slave) -> None:
        if slave.observer is not None:
            slave.observer.stop()
        if slave.connection is not None:
            self._slaveByConnection.pop(slave.connection, None)
            slave.connection = None
        slave.active = False

    def _recoverExecutor(
        self, frameworkId: str, slaveId: str, executor: ExecutorInfo, now: float
    ) -> None:
        resources = executorResources(executor)
        if resources:
            self.allocator.recoverResources(frameworkId, slaveId, resources, None, now)

    def _slaveConnection(self) -> msgs.SlaveConnection:
        return msgs.SlaveConnection(
            total_ping_timeout_seconds=self._pingTimeout * self._maxPingTimeouts
        )

    def _sendRegistered(self, slave: Slave) -> None:
        slave.connection.send(
            msgs.SlaveRegisteredMessage(
                slave_id=SlaveID(value=slave.id), connection=self._slaveConnection()
            )
        )

    def _sendReregistered(self, slave: Slave) -> None:
        slave.connection.send(
            msgs.SlaveReregisteredMessage(
                slave_id=SlaveID(value=slave.id), connection=self._slaveConnection()
            )
        )


def _versionTuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return ()

