# -*- test-case-name: tests.test_master,tests.test_master_frameworks -*-
"""
The master's message handlers.

The master holds soft state only: everything here is rebuilt from slaves and
frameworks that (re-)register. Slaves report resources; the allocator
decides who is offered what; frameworks accept offers by launching tasks,
which the master validates and sends to slaves; status updates flow back to
frameworks and their acknowledgements to slaves.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterable, Iterator, Mapping

import attr
from google.protobuf import json_format
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.interfaces import IAllocator
from mesos_tw.master import constants
from mesos_tw.master.allocator import RunningTask
from mesos_tw.master.allocator.hierarchical import HierarchicalAllocator
from mesos_tw.master.observer import SlaveObserver
from mesos_tw.master.records import Framework, OfferRecord, TaskRecord
from mesos_tw.master.validation import (
    ValidationError,
    validateOffers,
    validateRole,
    validateTask,
)
from mesos_tw.mesos_pb2 import FrameworkInfo, MasterInfo, SlaveID, TaskStatus
from mesos_tw.protocol.dispatch import Dispatcher
from mesos_tw.protocol.framing import MessageProtocol
from mesos_tw.resources import Resources, ResourcesError
from mesos_tw.tasks import isTerminal, stateName, statusUpdate, taskStatus

SLAVE = ("slave",)
FRAMEWORK = ("framework",)

_PARTITION_AWARE = FrameworkInfo.Capability.PARTITION_AWARE
_MASTER = TaskStatus.SOURCE_MASTER


@attr.s(auto_attribs=True, eq=False)
class Slave:
    """
    The master's record of one slave.

    @ivar principal: the name in the certificate the slave registered with.
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

    @property
    def connected(self) -> bool:
        return self.connection is not None


class Master:
    """
    Registers slaves and frameworks, offers resources, relays tasks.

    @ivar slaves: registered slaves by id.
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
    ) -> None:
        self.info = info
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
        self.frameworks: dict[str, Framework] = {}
        self.completedFrameworks: list[Framework] = []
        self._removedFrameworks: set[str] = set()
        # Tasks reported by re-registering slaves for frameworks that have
        # not re-registered yet (after a master failover), by framework id.
        self._orphanTasks: dict[str, dict[str, TaskRecord]] = {}
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
        for slave in list(self.slaves.values()):
            self._detach(slave)
        for framework in self.frameworks.values():
            if framework.failoverTimer is not None and framework.failoverTimer.active():
                framework.failoverTimer.cancel()
        for offer in self.offers.values():
            if offer.timer is not None and offer.timer.active():
                offer.timer.cancel()
        for framework in self.frameworks.values():
            for record in framework.tasks.values():
                _cancelRevocation(record)

    # --- Slaves --------------------------------------------------------------

    def registerSlave(
        self, connection: MessageProtocol, message: msgs.RegisterSlaveMessage
    ) -> None:
        """
        Admit a new slave and give it a fresh id.
        """
        known = self._slaveByConnection.get(connection)
        if known is not None:
            # A retried registration that crossed our reply.
            self._sendRegistered(known)
            return
        resources = self._validateSlave(connection, message.slave, message.version)
        if resources is None:
            return
        slaveId = f"{self.info.id}-S{next(self._slaveIds)}"
        while slaveId in self.slaves:
            # Taken by a slave that re-registered with an id of our range.
            slaveId = f"{self.info.id}-S{next(self._slaveIds)}"
        slave = self._addSlave(slaveId, message.slave, resources, connection, [])
        self._log.info(
            "Registered slave {slaveId} at {peer} ({hostname}) with {resources}",
            slaveId=slaveId,
            peer=connection.peer,
            hostname=message.slave.hostname,
            resources=str(resources),
        )
        self._sendRegistered(slave)
        slave.observer.start()

    def reregisterSlave(
        self, connection: MessageProtocol, message: msgs.ReregisterSlaveMessage
    ) -> None:
        """
        Take back a slave that was registered before, with this master or a
        previous one, with the tasks it runs.
        """
        slaveId = message.slave.id.value
        if not slaveId:
            self._refuseSlave(connection, "re-registration without a slave id")
            return
        current = self._slaveByConnection.get(connection)
        if current is not None and current.id != slaveId:
            self._refuseSlave(
                connection, f"this connection is slave {current.id}, not {slaveId}"
            )
            return
        resources = self._validateSlave(connection, message.slave, message.version)
        if resources is None:
            return
        slave = self.slaves.get(slaveId)
        if slave is not None:
            if slave.principal != connection.peer.name:
                self._refuseSlave(
                    connection,
                    f"slave {slaveId} belongs to {slave.principal!r}, "
                    f"not {connection.peer.name!r}",
                )
                return
            self._detach(slave)
            slave.info.CopyFrom(message.slave)
            slave.resources = resources
            self._attach(slave, connection)
            self.allocator.activateSlave(slaveId)
        else:
            slave = self._addSlave(
                slaveId, message.slave, resources, connection, message.tasks
            )
        slave.reregisteredTime = self._clock.seconds()
        self._log.info(
            "Re-registered slave {slaveId} at {peer} with {count} task(s)",
            slaveId=slaveId,
            peer=connection.peer,
            count=len(message.tasks),
        )
        connection.send(
            msgs.SlaveReregisteredMessage(
                slave_id=SlaveID(value=slaveId), connection=self._slaveConnection()
            )
        )
        slave.observer.start()
        self._allocateSoon([slaveId])

    def unregisterSlave(
        self, connection: MessageProtocol, message: msgs.UnregisterSlaveMessage
    ) -> None:
        """
        A slave shuts down cleanly.
        """
        slave = self._slaveByConnection.get(connection)
        if slave is None or slave.id != message.slave_id.value:
            self._log.warn(
                "Ignoring unregistration of unknown slave {slaveId} from {peer}",
                slaveId=message.slave_id.value,
                peer=connection.peer,
            )
            return
        self.removeSlave(slave, "unregistered")

    def pongSlave(self, connection: MessageProtocol, message: msgs.PongSlaveMessage) -> None:
        """
        A slave answered a ping.
        """
        slave = self._slaveByConnection.get(connection)
        if slave is not None and slave.observer is not None:
            slave.observer.pong()

    def removeSlave(self, slave: Slave, why: str) -> None:
        """
        Forget a slave: its tasks are lost, its offers rescinded, and every
        framework is told.
        """
        self._log.warn("Removing slave {slaveId}: {why}", slaveId=slave.id, why=why)
        connection = slave.connection
        self._detach(slave)
        if connection is not None:
            connection.transport.loseConnection()
        if self.slaves.get(slave.id) is not slave:
            return
        del self.slaves[slave.id]
        for offer in [o for o in self.offers.values() if o.slaveId == slave.id]:
            self._removeOffer(offer, rescind=True, recover=False)
        for framework in self.frameworks.values():
            framework.executors.pop(slave.id, None)
            for record in [t for t in framework.tasks.values() if t.slaveId == slave.id]:
                self._endTask(
                    framework,
                    record,
                    mesos_pb2.TASK_LOST,
                    TaskStatus.REASON_SLAVE_REMOVED,
                    f"Slave {slave.id} removed: {why}",
                )
        for orphans in self._orphanTasks.values():
            for taskId in [t for t, r in orphans.items() if r.slaveId == slave.id]:
                del orphans[taskId]
        self.allocator.removeSlave(slave.id)
        lost = msgs.LostSlaveMessage(slave_id=SlaveID(value=slave.id))
        for framework in self.frameworks.values():
            if framework.connected:
                framework.connection.send(lost)

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
        if framework is not None:
            self.removeFramework(framework, "the framework tore itself down")

    def deactivateFramework(
        self, connection: MessageProtocol, message: msgs.DeactivateFrameworkMessage
    ) -> None:
        """
        The scheduler aborted: stop offering to it; its tasks keep running.
        """
        framework = self._frameworkFor(connection, message.framework_id)
        if framework is not None:
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
        shutdown = msgs.ShutdownFrameworkMessage()
        shutdown.framework_id.value = framework.id
        for slave in self.slaves.values():
            if slave.connected:
                slave.connection.send(shutdown)
        for record in list(framework.tasks.values()):
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
        used: dict[str, Resources] = {}
        for record in framework.tasks.values():
            used[record.slaveId] = used.get(record.slaveId, Resources()) + record.resources
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

    def _frameworkFor(self, connection: MessageProtocol, frameworkId: Any) -> Framework | None:
        """
        The framework that registered on C{connection}, if the message is
        for it; otherwise log and return L{None}.
        """
        framework = self._frameworkByConnection.get(connection)
        if framework is None or framework.id != frameworkId.value:
            self._log.warn(
                "Ignoring a message for framework {frameworkId} from {peer}, which "
                "is not registered as it",
                frameworkId=frameworkId.value,
                peer=connection.peer,
            )
            return None
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

    # --- Offers --------------------------------------------------------------

    def allocate(self, slaveIds: Iterable[str] | None = None) -> None:
        """
        Ask the allocator for allocations and offer them.
        """
        now = self._clock.seconds()
        batches: dict[str, list[OfferRecord]] = {}
        for allocation in self.allocator.allocate(now, slaveIds):
            framework = self.frameworks.get(allocation.frameworkId)
            slave = self.slaves.get(allocation.slaveId)
            if framework is None or not framework.active or slave is None or not slave.connected:
                self.allocator.recoverResources(
                    allocation.frameworkId, allocation.slaveId, allocation.resources,
                    None, now, allocation.role,
                )
                continue
            offerId = f"{self.info.id}-O{next(self._offerIds)}"
            proto = mesos_pb2.Offer(
                hostname=slave.info.hostname,
                resources=allocation.resources.toProto(),
                attributes=slave.info.attributes,
            )
            proto.id.value = offerId
            proto.framework_id.value = framework.id
            proto.slave_id.value = slave.id
            proto.allocation_info.role = allocation.role
            for executorId in framework.executors.get(slave.id, ()):
                proto.executor_ids.add(value=executorId)
            offer = OfferRecord(offerId, framework.id, slave.id, allocation.resources, proto)
            if self._offerTimeout is not None:
                offer.timer = self._clock.callLater(
                    self._offerTimeout, self._offerTimedOut, offerId
                )
            self.offers[offerId] = offer
            framework.offers.add(offerId)
            batches.setdefault(framework.id, []).append(offer)
        for frameworkId, offers in batches.items():
            self._log.debug(
                "Offering {count} offer(s) to framework {frameworkId}: {offerIds}",
                count=len(offers),
                frameworkId=frameworkId,
                offerIds=[o.id for o in offers],
            )
            self.frameworks[frameworkId].connection.send(
                msgs.ResourceOffersMessage(offers=[o.proto for o in offers])
            )
        if slaveIds is None:
            self._checkRevocations()

    def _allocateSoon(self, slaveIds: Iterable[str] | None = None) -> None:
        """
        Allocate at the next turn of the reactor (for C{slaveIds}, or all
        slaves), coalescing requests made in the meantime.
        """
        if slaveIds is None:
            self._pendingSlaves = None
        elif self._pendingSlaves is not None:
            self._pendingSlaves.update(slaveIds)
        if self._pendingAllocation is None or not self._pendingAllocation.active():
            self._pendingAllocation = self._clock.callLater(0, self._allocatePending)

    def _allocatePending(self) -> None:
        slaveIds, self._pendingSlaves = self._pendingSlaves, set()
        self.allocate(None if slaveIds is None else sorted(slaveIds))

    def _offerTimedOut(self, offerId: str) -> None:
        offer = self.offers.get(offerId)
        if offer is not None:
            offer.timer = None
            self._log.info(
                "Rescinding offer {offerId} of framework {frameworkId}: not used "
                "within the offer timeout",
                offerId=offerId,
                frameworkId=offer.frameworkId,
            )
            self._removeOffer(offer, rescind=True)

    def _removeOffer(
        self,
        offer: OfferRecord,
        rescind: bool = False,
        recover: bool = True,
        refuseSeconds: float | None = None,
    ) -> None:
        """
        Take an offer off the books; optionally tell its framework and give
        its resources back to the allocator (with a refusal filter).
        """
        del self.offers[offer.id]
        if offer.timer is not None and offer.timer.active():
            offer.timer.cancel()
        framework = self.frameworks.get(offer.frameworkId)
        if framework is not None:
            framework.offers.discard(offer.id)
            if rescind and framework.connected:
                framework.connection.send(
                    msgs.RescindResourceOfferMessage(offer_id=offer.proto.id)
                )
        if recover:
            self.allocator.recoverResources(
                offer.frameworkId, offer.slaveId, offer.resources, refuseSeconds,
                self._clock.seconds(), offer.role,
            )

    def declineOffers(
        self, connection: MessageProtocol, message: msgs.DeclineOffersMessage
    ) -> None:
        """
        The framework does not want these offers (for C{refuse_seconds}).
        """
        framework = self._frameworkFor(connection, message.framework_id)
        if framework is None:
            return
        for offerId in message.offer_ids:
            offer = self.offers.get(offerId.value)
            if offer is None or offer.frameworkId != framework.id:
                self._log.warn(
                    "Framework {frameworkId} declined unknown offer {offerId}",
                    frameworkId=framework.id,
                    offerId=offerId.value,
                )
                continue
            self._removeOffer(offer, refuseSeconds=message.filters.refuse_seconds)

    def reviveOffers(
        self, connection: MessageProtocol, message: msgs.ReviveOffersMessage
    ) -> None:
        """
        Drop the framework's filters and resume offers.
        """
        framework = self._frameworkFor(connection, message.framework_id)
        if framework is not None:
            self.allocator.reviveOffers(framework.id, list(message.roles) or None)
            self._allocateSoon()

    def suppressOffers(
        self, connection: MessageProtocol, message: msgs.SuppressOffersMessage
    ) -> None:
        """
        Send the framework no offers until it revives.
        """
        framework = self._frameworkFor(connection, message.framework_id)
        if framework is not None:
            self.allocator.suppressOffers(framework.id, list(message.roles) or None)

    def requestResources(
        self, connection: MessageProtocol, message: msgs.ResourceRequestMessage
    ) -> None:
        """
        The framework has work waiting: each request is what one unit of it
        needs. The allocator keeps the latest requests until offers satisfy
        them; with guarantees, unsatisfied requests of a role below its
        guarantee lead to revocations.
        """
        framework = self._frameworkFor(connection, message.framework_id)
        if framework is None:
            return
        requests = []
        for request in message.requests:
            try:
                requests.append(Resources.fromProto(request.resources))
            except ResourcesError as e:
                self._log.warn(
                    "Framework {frameworkId} requested invalid resources: {error}",
                    frameworkId=framework.id,
                    error=str(e),
                )
                return
        self._log.info(
            "Framework {frameworkId} requested {requests}",
            frameworkId=framework.id,
            requests=[str(r) for r in requests],
        )
        self.allocator.requestResources(framework.id, requests)

    def updateWeights(self, weights: Mapping[str, float]) -> None:
        """
        Set the weights of roles (an operator's request); other roles keep
        theirs. As in Mesos, this does not trigger an allocation.

        @raise ValueError: if a weight is not a positive number; no weight
            is changed then.
        """
        self.allocator.updateWeights(dict(weights))
        self._log.info("Updated role weights: {weights}", weights=dict(weights))

    # --- Tasks ---------------------------------------------------------------

    def acceptOffers(
        self, connection: MessageProtocol, message: msgs.AcceptOffersMessage
    ) -> None:
        """
        Launch tasks on offered resources; give back what they do not use.
        """
        framework = self._frameworkFor(connection, message.framework_id)
        if framework is None:
            return
        tasks = []
        for operation in message.operations:
            if operation.type == mesos_pb2.Offer.Operation.LAUNCH:
                tasks.extend(operation.launch.task_infos)
            else:
                self._log.warn(
                    "Framework {frameworkId} sent an unsupported operation {type}",
                    frameworkId=framework.id,
                    type=operation.type,
                )
        offerIds = [o.value for o in message.offer_ids]
        try:
            slaveId = validateOffers(offerIds, self.offers, framework.id)
            roles = {self.offers[offerId].role for offerId in offerIds}
            if len(roles) > 1:
                raise ValidationError(
                    "offers were made in different roles "
                    f"({', '.join(sorted(r or '' for r in roles))})"
                )
        except ValidationError as e:
            self._log.warn(
                "Framework {frameworkId} accepted invalid offers {offerIds}: {error}",
                frameworkId=framework.id,
                offerIds=offerIds,
                error=str(e),
            )
            for offerId in set(offerIds):
                offer = self.offers.get(offerId)
                if offer is not None and offer.frameworkId == framework.id:
                    self._removeOffer(offer)
            lost = (
                mesos_pb2.TASK_DROPPED
                if framework.hasCapability(_PARTITION_AWARE)
                else mesos_pb2.TASK_LOST
            )
            for task in tasks:
                self._refuseTask(
                    framework, task, lost, TaskStatus.REASON_INVALID_OFFERS, str(e)
                )
            return
        [role] = roles
        available = Resources()
        for offerId in offerIds:
            offer = self.offers[offerId]
            available = available + offer.resources
            self._removeOffer(offer, recover=False)
        slave = self.slaves[slaveId]
        executors = dict(framework.executors.get(slaveId, {}))
        launched: set[str] = set()
        for task in tasks:
            taskId = task.task_id.value
            try:
                used = validateTask(
                    task, framework.id, slaveId, available,
                    launched | framework.tasks.keys(), executors,
                )
            except ValidationError as e:
                self._log.warn(
                    "Invalid task {taskId} of framework {frameworkId}: {error}",
                    taskId=taskId,
                    frameworkId=framework.id,
                    error=str(e),
                )
                self._refuseTask(
                    framework, task, mesos_pb2.TASK_ERROR,
                    TaskStatus.REASON_TASK_INVALID, str(e),
                )
                continue
            available = available - used
            launched.add(taskId)
            self._launch(framework, slave, task, executors, role)
        if available:
            self.allocator.recoverResources(
                framework.id, slaveId, available, message.filters.refuse_seconds,
                self._clock.seconds(), role,
            )

    def _launch(
        self, framework: Framework, slave: Slave, task: Any, executors: dict,
        role: str | None,
    ) -> None:
        record = TaskRecord(
            task=mesos_pb2.Task(
                name=task.name,
                task_id=task.task_id,
                framework_id=framework.info.id,
                slave_id=task.slave_id,
                state=mesos_pb2.TASK_STAGING,
                resources=task.resources,
                user=task.command.user or task.executor.command.user or framework.info.user,
                labels=task.labels,
            ),
            resources=Resources.fromProto(task.resources),
            role=role,
            startTime=self._clock.seconds(),
        )
        if task.HasField("executor"):
            executor = task.executor
            record.task.executor_id.CopyFrom(executor.executor_id)
            executorId = executor.executor_id.value
            if executorId not in executors:
                executors[executorId] = executor
                framework.executors.setdefault(slave.id, {})[executorId] = executor
        framework.tasks[record.id] = record
        self._log.info(
            "Launching task {taskId} of framework {frameworkId} on slave {slaveId} "
            "with {resources}",
            taskId=record.id,
            frameworkId=framework.id,
            slaveId=slave.id,
            resources=str(record.resources),
        )
        run = msgs.RunTaskMessage(framework=framework.info, task=task)
        run.framework_id.value = framework.id
        slave.connection.send(run)

    def _refuseTask(
        self, framework: Framework, task: Any, state: int, reason: int, message: str
    ) -> None:
        status = taskStatus(
            task.task_id.value, state, _MASTER, reason, message,
            slaveId=task.slave_id.value, timestamp=self._clock.seconds(),
            withUUID=False,
        )
        self._sendUpdate(framework, statusUpdate(framework.id, status, task.slave_id.value))

    def killTask(self, connection: MessageProtocol, message: msgs.KillTaskMessage) -> None:
        """
        Kill a task on its slave; an unknown task is reconciled instead.
        """
        framework = self._frameworkFor(connection, message.framework_id)
        if framework is None:
            return
        taskId = message.task_id.value
        record = framework.tasks.get(taskId)
        if record is None:
            self._log.info(
                "Framework {frameworkId} asked to kill unknown task {taskId}",
                frameworkId=framework.id,
                taskId=taskId,
            )
            self._reconcile(framework, [TaskStatus(task_id=message.task_id)])
            return
        slave = self.slaves.get(record.slaveId)
        if slave is None or not slave.connected:
            self._log.warn(
                "Cannot kill task {taskId} now: slave {slaveId} is disconnected",
                taskId=taskId,
                slaveId=record.slaveId,
            )
            return
        self._log.info(
            "Killing task {taskId} of framework {frameworkId} on slave {slaveId}",
            taskId=taskId,
            frameworkId=framework.id,
            slaveId=slave.id,
        )
        slave.connection.send(message)

    def statusUpdate(
        self, connection: MessageProtocol, message: msgs.StatusUpdateMessage
    ) -> None:
        """
        A slave reports a task's new state: record it and tell the framework.
        """
        slave = self._slaveByConnection.get(connection)
        update = message.update
        status = update.status
        if slave is None or update.slave_id.value != slave.id:
            self._log.warn(
                "Ignoring status update for task {taskId} from {peer}, which is "
                "not registered as slave {slaveId}",
                taskId=status.task_id.value,
                peer=connection.peer,
                slaveId=update.slave_id.value,
            )
            return
        framework = self.frameworks.get(update.framework_id.value)
        if framework is None:
            self._log.warn(
                "Dropping status update {state} for task {taskId} of unknown "
                "framework {frameworkId}",
                state=stateName(status.state),
                taskId=status.task_id.value,
                frameworkId=update.framework_id.value,
            )
            return
        record = framework.tasks.get(status.task_id.value)
        self._log.info(
            "Status update {state} for task {taskId} of framework {frameworkId} "
            "from slave {slaveId}",
            state=stateName(status.state),
            taskId=status.task_id.value,
            frameworkId=framework.id,
            slaveId=slave.id,
        )
        if record is not None:
            if record.revoked and record.revocation is None and isTerminal(status.state):
                # The master killed it at the end of its grace period.
                status.reason = TaskStatus.REASON_TASK_REVOKED
                status.message = (
                    f"Revoked by the master: {status.message}" if status.message
                    else "Revoked by the master"
                )
            self._setState(framework, record, status, update)
        self._sendUpdate(framework, update)

    def acknowledge(
        self, connection: MessageProtocol, message: msgs.StatusUpdateAcknowledgementMessage
    ) -> None:
        """
        The framework received an update: tell the slave, and forget a
        finished task once its last update is acknowledged.
        """
        framework = self._frameworkFor(connection, message.framework_id)
        if framework is None:
            return
        slave = self.slaves.get(message.slave_id.value)
        if slave is None or not slave.connected:
            self._log.warn(
                "Dropping acknowledgement for task {taskId}: slave {slaveId} is not "
                "connected",
                taskId=message.task_id.value,
                slaveId=message.slave_id.value,
            )
            return
        slave.connection.send(message)
        record = framework.tasks.get(message.task_id.value)
        if (
            record is not None
            and record.task.status_update_uuid == message.uuid
            and isTerminal(record.task.status_update_state)
        ):
            self._completeTask(framework, record)

    def frameworkMessage(
        self, connection: MessageProtocol, message: msgs.FrameworkToExecutorMessage
    ) -> None:
        """
        Pass a framework's message to its executor's slave (best effort).
        """
        framework = self._frameworkFor(connection, message.framework_id)
        if framework is None:
            return
        slave = self.slaves.get(message.slave_id.value)
        if slave is None or not slave.connected:
            self._log.warn(
                "Dropping framework message for executor {executorId}: slave "
                "{slaveId} is not connected",
                executorId=message.executor_id.value,
                slaveId=message.slave_id.value,
            )
            return
        slave.connection.send(message)

    def executorMessage(
        self, connection: MessageProtocol, message: msgs.ExecutorToFrameworkMessage
    ) -> None:
        """
        Pass an executor's message to its framework (best effort).
        """
        framework = self.frameworks.get(message.framework_id.value)
        if framework is None or not framework.connected:
            self._log.warn(
                "Dropping message from executor {executorId} to framework "
                "{frameworkId}, which is not connected",
                executorId=message.executor_id.value,
                frameworkId=message.framework_id.value,
            )
            return
        framework.connection.send(message)

    def slaveUsage(self, connection: MessageProtocol, message: msgs.SlaveUsageMessage) -> None:
        """
        A slave reports what its containers use; keep the latest report.
        """
        slave = self._slaveByConnection.get(connection)
        if slave is None or slave.id != message.slave_id.value:
            self._log.warn(
                "Ignoring usage of slave {slaveId} from {peer}, which is not "
                "registered as it",
                slaveId=message.slave_id.value,
                peer=connection.peer,
            )
            return
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

    def exitedExecutor(
        self, connection: MessageProtocol, message: msgs.ExitedExecutorMessage
    ) -> None:
        """
        An executor ended: free its resources and tell its framework.
        """
        slave = self._slaveByConnection.get(connection)
        framework = self.frameworks.get(message.framework_id.value)
        if slave is None or framework is None:
            return
        executorId = message.executor_id.value
        executor = framework.executors.get(slave.id, {}).pop(executorId, None)
        self._log.info(
            "Executor {executorId} of framework {frameworkId} on slave {slaveId} "
            "exited with status {status}",
            executorId=executorId,
            frameworkId=framework.id,
            slaveId=slave.id,
            status=message.status,
        )
        if executor is not None:
            resources = Resources.fromProto(executor.resources)
            if resources:
                self.allocator.recoverResources(
                    framework.id, slave.id, resources, None, self._clock.seconds()
                )
        if framework.connected:
            framework.connection.send(message)

    def reconcileTasks(
        self, connection: MessageProtocol, message: msgs.ReconcileTasksMessage
    ) -> None:
        """
        Tell the framework the latest state of the tasks it names, or of all
        its tasks if it names none.
        """
        framework = self._frameworkFor(connection, message.framework_id)
        if framework is not None:
            self._reconcile(framework, list(message.statuses))

    def _reconcile(self, framework: Framework, statuses: list) -> None:
        partitionAware = framework.hasCapability(_PARTITION_AWARE)
        now = self._clock.seconds()
        if not statuses:
            answers = [
                (r.id, r.task.status_update_state if r.task.HasField("status_update_state")
                 else r.task.state, r.slaveId)
                for r in framework.tasks.values()
            ]
        else:
            answers = []
            for status in statuses:
                taskId = status.task_id.value
                record = framework.tasks.get(taskId)
                if record is not None:
                    state = (
                        record.task.status_update_state
                        if record.task.HasField("status_update_state")
                        else record.task.state
                    )
                    answers.append((taskId, state, record.slaveId))
                elif status.slave_id.value and status.slave_id.value not in self.slaves:
                    state = mesos_pb2.TASK_UNKNOWN if partitionAware else mesos_pb2.TASK_LOST
                    answers.append((taskId, state, status.slave_id.value))
                else:
                    state = mesos_pb2.TASK_GONE if partitionAware else mesos_pb2.TASK_LOST
                    answers.append((taskId, state, status.slave_id.value))
        for taskId, state, slaveId in answers:
            status = taskStatus(
                taskId, state, _MASTER, TaskStatus.REASON_RECONCILIATION,
                "Reconciliation: latest task state", slaveId=slaveId,
                timestamp=now, withUUID=False,
            )
            self._sendUpdate(framework, statusUpdate(framework.id, status, slaveId))

    def _setState(
        self, framework: Framework, record: TaskRecord, status: TaskStatus,
        update: msgs.StatusUpdate | None = None,
    ) -> None:
        """
        Record a task's new status; free its resources once it is over.
        """
        task = record.task
        task.state = (
            update.latest_state
            if update is not None and update.HasField("latest_state")
            else status.state
        )
        task.statuses.append(status)
        del task.statuses[: -constants.MAX_STATUSES_PER_TASK]
        task.status_update_state = status.state
        task.status_update_uuid = status.uuid
        if isTerminal(task.state) and not record.recovered:
            record.recovered = True
            _cancelRevocation(record)
            self.allocator.recoverResources(
                framework.id, record.slaveId, record.resources, None,
                self._clock.seconds(), record.role,
            )
            if not status.uuid:
                self._completeTask(framework, record)

    def _endTask(
        self, framework: Framework, record: TaskRecord, state: int, reason: int,
        message: str,
    ) -> None:
        """
        End a task on the master's word (its slave is gone) and tell the
        framework.
        """
        status = taskStatus(
            record.id, state, _MASTER, reason, message, slaveId=record.slaveId,
            timestamp=self._clock.seconds(), withUUID=False,
        )
        self._setState(framework, record, status)
        self._sendUpdate(framework, statusUpdate(framework.id, status, record.slaveId))

    # --- Revocation ----------------------------------------------------------

    def _runningTasks(self) -> Iterator[RunningTask]:
        for framework in self.frameworks.values():
            for record in framework.tasks.values():
                if not record.recovered:
                    yield RunningTask(
                        record.id, framework.id, record.role or framework.role,
                        record.slaveId, record.resources, record.startTime,
                        record.revoked,
                    )

    def _checkRevocations(self) -> None:
        """
        Ask the allocator which tasks to revoke, and start revoking them.
        """
        for task in self.allocator.revocations(self._runningTasks(), self._clock.seconds()):
            framework = self.frameworks.get(task.frameworkId)
            record = framework.tasks.get(task.taskId) if framework is not None else None
            if record is not None and not record.recovered and not record.revoked:
                self.revokeTask(framework, record)

    def revokeTask(self, framework: Framework, record: TaskRecord) -> None:
        """
        Tell the framework that the task will be killed at the end of the
        revocation grace period, then kill it; its final status says it
        was revoked.

        The notice is a status update in the task's current state, from the
        master, with reason C{REASON_TASK_REVOKED}, a message saying when,
        and no uuid (nothing to acknowledge).
        """
        grace = self._revocationGracePeriod
        record.revoked = True
        record.revocation = self._clock.callLater(grace, self._killRevoked, framework, record)
        self._log.info(
            "Revoking task {taskId} of framework {frameworkId} on slave {slaveId} in "
            "{grace} s",
            taskId=record.id,
            frameworkId=framework.id,
            slaveId=record.slaveId,
            grace=grace,
        )
        notice = taskStatus(
            record.id, record.task.state, _MASTER, TaskStatus.REASON_TASK_REVOKED,
            f"Task {record.id} will be revoked in {grace:g} s: another role needs "
            f"its resources to reach its guarantee",
            slaveId=record.slaveId, timestamp=self._clock.seconds(), withUUID=False,
        )
        self._sendUpdate(framework, statusUpdate(framework.id, notice, record.slaveId))

    def _killRevoked(self, framework: Framework, record: TaskRecord) -> None:
        record.revocation = None
        if record.recovered:
            return
        slave = self.slaves.get(record.slaveId)
        if slave is None or not slave.connected:
            self._log.warn(
                "Cannot revoke task {taskId} now: slave {slaveId} is disconnected; "
                "it may be chosen again",
                taskId=record.id,
                slaveId=record.slaveId,
            )
            record.revoked = False
            return
        self._log.info(
            "Killing revoked task {taskId} of framework {frameworkId} on slave {slaveId}",
            taskId=record.id,
            frameworkId=framework.id,
            slaveId=slave.id,
        )
        kill = msgs.KillTaskMessage()
        kill.framework_id.value = framework.id
        kill.task_id.value = record.id
        slave.connection.send(kill)

    def _completeTask(self, framework: Framework, record: TaskRecord) -> None:
        if framework.tasks.pop(record.id, None) is not None:
            framework.completedTasks.append(record)
            del framework.completedTasks[: -constants.MAX_COMPLETED_TASKS_PER_FRAMEWORK]

    def _sendUpdate(self, framework: Framework, update: msgs.StatusUpdate) -> None:
        if framework.connected:
            framework.connection.send(msgs.StatusUpdateMessage(update=update))

    # --- Connections ---------------------------------------------------------

    def connectionLost(self, connection: MessageProtocol, reason: Failure) -> None:
        """
        A peer went away.
        """
        slave = self._slaveByConnection.get(connection)
        if slave is not None:
            self._log.warn(
                "Slave {slaveId} at {peer} disconnected",
                slaveId=slave.id,
                peer=connection.peer,
            )
            self._detach(slave)
            self.allocator.deactivateSlave(slave.id)
            for offer in [o for o in self.offers.values() if o.slaveId == slave.id]:
                self._removeOffer(offer, rescind=True)
        framework = self._frameworkByConnection.pop(connection, None)
        if framework is not None:
            self._frameworkDisconnected(framework)

    # --- Slave helpers -------------------------------------------------------

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

    def _addSlave(
        self,
        slaveId: str,
        info: Any,
        resources: Resources,
        connection: MessageProtocol,
        tasks: Iterable[mesos_pb2.Task],
    ) -> Slave:
        record = type(info)()
        record.CopyFrom(info)
        slave = Slave(
            id=slaveId,
            info=record,
            resources=resources,
            principal=connection.peer.name,
            connection=None,
            registeredTime=self._clock.seconds(),
        )
        slave.info.id.value = slaveId
        self.slaves[slaveId] = slave
        used: dict[str, Resources] = {}
        for task in tasks:
            if isTerminal(task.state):
                continue
            frameworkId = task.framework_id.value
            framework = self.frameworks.get(frameworkId)
            known = framework.tasks if framework is not None else (
                self._orphanTasks.setdefault(frameworkId, {})
            )
            if task.task_id.value in known:
                continue
            taskResources = Resources.fromProto(task.resources)
            used[frameworkId] = used.get(frameworkId, Resources()) + taskResources
            copy = mesos_pb2.Task()
            copy.CopyFrom(task)
            known[task.task_id.value] = TaskRecord(
                copy, taskResources, startTime=self._clock.seconds()
            )
        self.allocator.addSlave(slaveId, resources, used)
        self._attach(slave, connection)
        self._allocateSoon([slaveId])
        return slave

    def _attach(self, slave: Slave, connection: MessageProtocol) -> None:
        slave.connection = connection
        self._slaveByConnection[connection] = slave
        slave.observer = SlaveObserver(
            self._clock,
            lambda: connection.send(msgs.PingSlaveMessage(connected=True)),
            lambda: self.removeSlave(slave, "health check timed out"),
            self._pingTimeout,
            self._maxPingTimeouts,
        )

    def _detach(self, slave: Slave) -> None:
        if slave.observer is not None:
            slave.observer.stop()
            slave.observer = None
        if slave.connection is not None:
            self._slaveByConnection.pop(slave.connection, None)
            slave.connection = None

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


def _cancelRevocation(record: TaskRecord) -> None:
    if record.revocation is not None:
        if record.revocation.active():
            record.revocation.cancel()
        record.revocation = None


def _versionTuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return ()
