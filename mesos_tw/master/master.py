# -*- test-case-name: tests.test_master,tests.test_master_frameworks,tests.test_master_faults -*-
"""
The master's message handlers.

The master holds soft state only: everything here is rebuilt from slaves and
frameworks that (re-)register. Slaves report resources; the allocator
decides who is offered what; frameworks accept offers by launching tasks,
which the master validates and sends to slaves; status updates flow back to
frameworks and their acknowledgements to slaves.

This module has frameworks; offers, launches and revocations are in
L{mesos_tw.master.offers}, the slaves' lifecycle in L{mesos_tw.master.slaves},
and what passes between frameworks and slaves task by task in
L{mesos_tw.master.taskupdates}.
"""

from __future__ import annotations

import itertools
from typing import Any

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.interfaces import IAllocator
from mesos_tw.master import constants
from mesos_tw.master.allocator.hierarchical import HierarchicalAllocator
from mesos_tw.master.records import (
    Framework,
    OfferRecord,
    Slave,
    TaskBook,
    TaskRecord,
    UnreachableSlave,
)
from mesos_tw.master.reports import (
    SlaveReports,
    executorResources,
    shutdownFrameworkMessage,
)
from mesos_tw.master.slaves import SlaveLifecycle
from mesos_tw.master.failover import Failover
from mesos_tw.master.offers import OfferHandling
from mesos_tw.master.registrar import Registrar
from mesos_tw.master.taskupdates import TaskMessages
from mesos_tw.master.validation import ValidationError, validateRole
from mesos_tw.mesos_pb2 import ExecutorInfo, FrameworkInfo, MasterInfo, TaskStatus
from mesos_tw.messages_pb2 import MessageRefused
from mesos_tw.protocol.dispatch import Dispatcher, Refused
from mesos_tw.protocol.framing import MessageProtocol
from mesos_tw.resources import Resources
from mesos_tw.tasks import isTerminal, taskStatus

__all__ = ["Master", "Slave"]

SLAVE = ("slave",)
FRAMEWORK = ("framework",)

_PARTITION_AWARE = FrameworkInfo.Capability.PARTITION_AWARE
_MASTER = TaskStatus.SOURCE_MASTER


class Master(SlaveLifecycle, SlaveReports, Failover, TaskMessages, OfferHandling):
    """
    Registers slaves and frameworks, offers resources, relays tasks.

    @ivar slaves: registered slaves by id, connected or not.
    @ivar unreachableSlaves: slaves removed for not answering, by id.
    @ivar recoveringSlaves: ids of slaves known from a registry that have
        not re-registered yet; reconciliation does not answer for their
        tasks. Empty until the master has recovered from a registry.
    @ivar registrar: the L{Registrar} of the registry in ZooKeeper, or
        L{None} for a lone master (without a registry, any slave may
        re-register).
    @ivar frameworks: registered frameworks by id.
    @ivar offers: outstanding offers by id.
    """

    _log = Logger()

    def __init__(
        self,
        info: MasterInfo,
        clock: IReactorTime,
        pingTimeout: float = constants.SLAVE_PING_TIMEOUT,
        maxPingTimeouts: int = constants.MAX_SLAVE_PING_TIMEOUTS,
        allocator: IAllocator | None = None,
        allocationInterval: float = constants.ALLOCATION_INTERVAL,
        offerTimeout: float | None = None,
        revocationGracePeriod: float = constants.REVOCATION_GRACE_PERIOD,
        registrar: Registrar | None = None,
        slaveReregisterTimeout: float = constants.SLAVE_REREGISTER_TIMEOUT,
    ) -> None:
        """
        @param registrar: the registrar of the registry; with one, slaves are
            admitted and removed through it, and only admitted ones may
            re-register. Call L{recover} with the registry it recovered
            before L{start}.
        @param slaveReregisterTimeout: how long, after L{recover}, the slaves
            of the registry have to re-register before they are marked
            unreachable.
        """
        self.info = info
        self.registrar = registrar
        self._slaveReregisterTimeout = slaveReregisterTimeout
        # Slaves expected back after a failover: their principal by id.
        self._recoveredSlaves: dict[str, str] = {}
        self._recoveryTimer: IDelayedCall | None = None
        # Connections whose slave the registry is admitting, with its id.
        self._admitting: dict[MessageProtocol, str] = {}
        # Slaves the registry is removing.
        self._removing: set[str] = set()
        self._clock = clock
        self._pingTimeout = pingTimeout
        self._maxPingTimeouts = maxPingTimeouts
        self.allocator = (
            allocator if allocator is not None else HierarchicalAllocator(allocationInterval)
        )
        self._allocationInterval = allocationInterval
        self._offerTimeout = offerTimeout
        self._revocationGracePeriod = revocationGracePeriod
        self._slaveIds = itertools.count()
        self._frameworkIds = itertools.count()
        self._offerIds = itertools.count()
        self.startTime = clock.seconds()
        self.slaves: dict[str, Slave] = {}
        self.unreachableSlaves: dict[str, UnreachableSlave] = {}
        self.recoveringSlaves: set[str] = set()
        self.frameworks: dict[str, Framework] = {}
        self.completedFrameworks: list[Framework] = []
        self._removedFrameworks: set[str] = set()
        # Tasks reported by re-registering slaves for frameworks that have
        # not re-registered yet (after a master failover), by framework id.
        self._orphanTasks: dict[str, TaskBook] = {}
        # Their executors, by framework id, slave id and executor id.
        self._orphanExecutors: dict[str, dict[str, dict[str, ExecutorInfo]]] = {}
        self.offers: dict[str, OfferRecord] = {}
        self._slaveByConnection: dict[MessageProtocol, Slave] = {}
        self._frameworkByConnection: dict[MessageProtocol, Framework] = {}
        self._allocation: LoopingCall | None = None
        self._pendingAllocation: IDelayedCall | None = None
        self._pendingSlaves: set[str] | None = set()
        self.dispatcher = d = Dispatcher()
        d.register(msgs.RegisterSlaveMessage, self.registerSlave, SLAVE)
        d.register(msgs.ReregisterSlaveMessage, self.reregisterSlave, SLAVE)
        d.register(msgs.UnregisterSlaveMessage, self.unregisterSlave, SLAVE)
        d.register(msgs.PongSlaveMessage, self.pongSlave, SLAVE)
        d.register(msgs.StatusUpdateMessage, self.statusUpdate, SLAVE)
        d.register(msgs.ExecutorToFrameworkMessage, self.executorMessage, SLAVE)
        d.register(msgs.ExitedExecutorMessage, self.exitedExecutor, SLAVE)
        d.register(msgs.SlaveUsageMessage, self.slaveUsage, SLAVE)
        for messageType, handler in [
            (msgs.RegisterFrameworkMessage, self.registerFramework),
            (msgs.ReregisterFrameworkMessage, self.reregisterFramework),
            (msgs.UnregisterFrameworkMessage, self.unregisterFramework),
            (msgs.DeactivateFrameworkMessage, self.deactivateFramework),
            (msgs.AcceptOffersMessage, self.acceptOffers),
            (msgs.DeclineOffersMessage, self.declineOffers),
            (msgs.ReviveOffersMessage, self.reviveOffers),
            (msgs.SuppressOffersMessage, self.suppressOffers),
            (msgs.KillTaskMessage, self.killTask),
            (msgs.StatusUpdateAcknowledgementMessage, self.acknowledge),
            (msgs.FrameworkToExecutorMessage, self.frameworkMessage),
            (msgs.ReconcileTasksMessage, self.reconcileTasks),
            (msgs.ResourceRequestMessage, self.requestResources),
        ]:
            d.register(messageType, handler, FRAMEWORK)

    def start(self) -> None:
        """
        Start batch allocation every allocation interval.
        """
        self._allocation = LoopingCall(self.allocate)
        self._allocation.clock = self._clock
        self._allocation.start(self._allocationInterval, now=False)

    def stop(self) -> None:
        """
        Stop all timers.
        """
        if self._allocation is not None and self._allocation.running:
            self._allocation.stop()
        if self._pendingAllocation is not None and self._pendingAllocation.active():
            self._pendingAllocation.cancel()
        self._cancelRecovery()
        for slave in self.slaves.values():
            if slave.observer is not None:
                slave.observer.stop()
        for framework in self.frameworks.values():
            if framework.failoverTimer is not None and framework.failoverTimer.active():
                framework.failoverTimer.cancel()
        for offer in self.offers.values():
            if offer.timer is not None and offer.timer.active():
                offer.timer.cancel()
        for framework in self.frameworks.values():
            for record in framework.tasks.values():
                record.cancelRevocation()

    # --- Frameworks ----------------------------------------------------------

    def registerFramework(
        self, connection: MessageProtocol, message: msgs.RegisterFrameworkMessage
    ) -> None:
        """
        Admit a new framework and give it a fresh id.
        """
        known = self._frameworkByConnection.get(connection)
        if known is not None:
            self._sendFrameworkRegistered(known, reregistered=False)
            return
        info = FrameworkInfo()
        info.CopyFrom(message.framework)
        if info.id.value in self._removedFrameworks:
            self._frameworkError(connection, f"Framework {info.id.value} has been removed")
            return
        error = self._validateFramework(info, connection)
        if error is not None:
            self._frameworkError(connection, error)
            return
        frameworkId = f"{self.info.id}-{next(self._frameworkIds):04d}"
        while frameworkId in self.frameworks or frameworkId in self._removedFrameworks:
            # Taken by a framework that re-registered with an id of our range.
            frameworkId = f"{self.info.id}-{next(self._frameworkIds):04d}"
        info.id.value = frameworkId
        framework = self._addFramework(info, connection)
        self._log.info(
            "Registered framework {frameworkId} ({name}) of {principal} in role "
            "{role}",
            frameworkId=frameworkId,
            name=info.name,
            principal=info.principal,
            role=framework.role,
        )
        self._sendFrameworkRegistered(framework, reregistered=False)
        self._allocateSoon()

    def reregisterFramework(
        self, connection: MessageProtocol, message: msgs.ReregisterFrameworkMessage
    ) -> None:
        """
        A framework comes back: after its connection broke, with a new
        scheduler process (failover), or to a new master.
        """
        info = FrameworkInfo()
        info.CopyFrom(message.framework)
        frameworkId = info.id.value
        if not frameworkId:
            self._frameworkError(connection, "re-registration without a framework id")
            return
        if frameworkId in self._removedFrameworks:
            self._frameworkError(connection, f"Framework {frameworkId} has been removed")
            return
        current = self._frameworkByConnection.get(connection)
        if current is not None and current.id != frameworkId:
            self._frameworkError(
                connection, f"this connection is framework {current.id}, not {frameworkId}"
            )
            return
        error = self._validateFramework(info, connection)
        if error is not None:
            self._frameworkError(connection, error)
            return
        framework = self.frameworks.get(frameworkId)
        if framework is None:
            framework = self._addFramework(info, connection)
        else:
            if framework.info.principal != info.principal:
                self._frameworkError(
                    connection,
                    f"framework {frameworkId} belongs to {framework.info.principal!r}, "
                    f"not {info.principal!r}",
                )
                return
            old = framework.connection
            if old is not None and old is not connection:
                if not message.failover:
                    self._frameworkError(connection, "Framework failed over")
                    return
                self._log.info(
                    "Framework {frameworkId} failed over to {peer}",
                    frameworkId=frameworkId,
                    peer=connection.peer,
                )
                self._frameworkByConnection.pop(old, None)
                old.send(msgs.FrameworkErrorMessage(message="Framework failed over"))
            roles = framework.roles
            framework.info.CopyFrom(info)
            if framework.roles != roles:
                self.allocator.updateFramework(framework.id, framework.roles)
            self._attachFramework(framework, connection)
            # Offers made to the old scheduler go back; only the same
            # connection is told they are gone.
            for offer in [self.offers[o] for o in list(framework.offers)]:
                self._removeOffer(offer, rescind=old is connection)
        framework.reregisteredTime = self._clock.seconds()
        self._log.info(
            "Re-registered framework {frameworkId} at {peer} (failover: {failover})",
            frameworkId=frameworkId,
            peer=connection.peer,
            failover=message.failover,
        )
        self._sendFrameworkRegistered(framework, reregistered=not message.failover)
        self._allocateSoon()

    def unregisterFramework(
        self, connection: MessageProtocol, message: msgs.UnregisterFrameworkMessage
    ) -> None:
        """
        The framework is done: tear it down, killing all its tasks.
        """
        framework = self._frameworkFor(connection, message.framework_id)
        self.removeFramework(framework, "the framework tore itself down")

    def deactivateFramework(
        self, connection: MessageProtocol, message: msgs.DeactivateFrameworkMessage
    ) -> None:
        """
        The scheduler aborted: stop offering to it; its tasks keep running.
        """
        framework = self._frameworkFor(connection, message.framework_id)
        self._deactivate(framework)

    def removeFramework(self, framework: Framework, why: str) -> None:
        """
        Forget a framework: its offers go, its tasks are killed, its slaves
        shut its executors down, and it may not come back.
        """
        self._log.info(
            "Removing framework {frameworkId}: {why}", frameworkId=framework.id, why=why
        )
        if framework.failoverTimer is not None and framework.failoverTimer.active():
            framework.failoverTimer.cancel()
        for offerId in list(framework.offers):
            self._removeOffer(self.offers[offerId], rescind=False, recover=False)
        shutdown = shutdownFrameworkMessage(framework.id)
        for slave in self.slaves.values():
            if slave.connected:
                slave.connection.send(shutdown)
        for holder in [*self.slaves.values(), *self.unreachableSlaves.values()]:
            for key in [k for k in holder.pendingKills if k[0] == framework.id]:
                del holder.pendingKills[key]
        for record in list(framework.tasks.values()):
            if isTerminal(record.task.state):
                # Ended; only its acknowledgement was missing.
                self._completeTask(framework, record)
                continue
            self._setState(
                framework,
                record,
                taskStatus(
                    record.id,
                    mesos_pb2.TASK_KILLED,
                    _MASTER,
                    TaskStatus.REASON_FRAMEWORK_REMOVED,
                    f"Framework removed: {why}",
                    slaveId=record.slaveId,
                    timestamp=self._clock.seconds(),
                    withUUID=False,
                ),
            )
            self._completeTask(framework, record)
        self.allocator.removeFramework(framework.id)
        if framework.connection is not None:
            self._frameworkByConnection.pop(framework.connection, None)
            framework.connection = None
        del self.frameworks[framework.id]
        framework.active = False
        framework.unregisteredTime = self._clock.seconds()
        self._removedFrameworks.add(framework.id)
        self.completedFrameworks.append(framework)
        del self.completedFrameworks[: -constants.MAX_COMPLETED_FRAMEWORKS]

    def _validateFramework(self, info: FrameworkInfo, connection: MessageProtocol) -> str | None:
        if not info.name:
            return "FrameworkInfo.name is empty"
        if not info.user:
            return "FrameworkInfo.user is empty"
        try:
            for role in list(info.roles) or [info.role]:
                validateRole(role)
        except ValidationError as e:
            return str(e)
        if not (info.failover_timeout >= 0 and info.failover_timeout < float("inf")):
            return f"invalid failover_timeout {info.failover_timeout}"
        if info.principal and info.principal != connection.peer.name:
            return (
                f"principal {info.principal!r} does not match the certificate "
                f"name {connection.peer.name!r}"
            )
        info.principal = connection.peer.name
        return None

    def _addFramework(self, info: FrameworkInfo, connection: MessageProtocol) -> Framework:
        framework = Framework(
            id=info.id.value,
            info=info,
            connection=None,
            registeredTime=self._clock.seconds(),
        )
        self.frameworks[framework.id] = framework
        framework.tasks.update(self._orphanTasks.pop(framework.id, {}))
        framework.executors.update(self._orphanExecutors.pop(framework.id, {}))
        used: dict[str, Resources] = {}
        for record in framework.tasks.values():
            if not record.recovered:
                used[record.slaveId] = used.get(record.slaveId, Resources()) + record.resources
        for slaveId, executors in framework.executors.items():
            for executor in executors.values():
                used[slaveId] = used.get(slaveId, Resources()) + executorResources(executor)
        self.allocator.addFramework(framework.id, framework.roles, used, True)
        self._attachFramework(framework, connection)
        return framework

    def _attachFramework(self, framework: Framework, connection: MessageProtocol) -> None:
        if framework.failoverTimer is not None and framework.failoverTimer.active():
            framework.failoverTimer.cancel()
        framework.failoverTimer = None
        framework.connection = connection
        self._frameworkByConnection[connection] = framework
        if not framework.active:
            framework.active = True
            self.allocator.activateFramework(framework.id)

    def _deactivate(self, framework: Framework) -> None:
        if framework.active:
            framework.active = False
            self.allocator.deactivateFramework(framework.id)
        for offerId in list(framework.offers):
            self._removeOffer(self.offers[offerId], rescind=True)

    def _frameworkDisconnected(self, framework: Framework) -> None:
        self._log.warn(
            "Framework {frameworkId} disconnected; removing it in {timeout} s unless "
            "it fails over",
            frameworkId=framework.id,
            timeout=framework.info.failover_timeout,
        )
        framework.connection = None
        self._deactivate(framework)
        framework.failoverTimer = self._clock.callLater(
            framework.info.failover_timeout,
            self.removeFramework,
            framework,
            "failover timeout expired",
        )

    def _frameworkFor(self, connection: MessageProtocol, frameworkId: Any) -> Framework:
        """
        The framework that registered on C{connection}, if the message is
        for it.

        @raise Refused: otherwise.
        """
        framework = self._frameworkByConnection.get(connection)
        if framework is None or framework.id != frameworkId.value:
            raise Refused(
                MessageRefused.NOT_REGISTERED,
                f"this connection is not registered as framework {frameworkId.value!r}",
                frameworkId=frameworkId.value,
            )
        return framework

    def _frameworkError(self, connection: MessageProtocol, error: str) -> None:
        self._log.warn(
            "Refusing framework at {peer}: {error}", peer=connection.peer, error=error
        )
        connection.send(msgs.FrameworkErrorMessage(message=error))

    def _sendFrameworkRegistered(self, framework: Framework, reregistered: bool) -> None:
        messageType = (
            msgs.FrameworkReregisteredMessage
            if reregistered
            else msgs.FrameworkRegisteredMessage
        )
        reply = messageType(master_info=self.info)
        reply.framework_id.value = framework.id
        framework.connection.send(reply)

    # --- Connections ---------------------------------------------------------

    def connectionLost(self, connection: MessageProtocol, reason: Failure) -> None:
        """
        A peer went away.
        """
        self._admitting.pop(connection, None)
        slave = self._slaveByConnection.get(connection)
        if slave is not None:
            self.slaveDisconnected(slave)
        framework = self._frameworkByConnection.pop(connection, None)
        if framework is not None:
            self._frameworkDisconnected(framework)
