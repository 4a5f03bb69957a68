# -*- test-case-name: tests.test_master,tests.test_master_frameworks,tests.test_revocation -*-
"""
Offers, launches and revocations (a part of L{mesos_tw.master.master.Master}):
the allocator's allocations become offers, accepted offers become tasks sent
to slaves, and tasks of roles above their fair share are revoked for roles
below their guarantee.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterable, Iterator, Mapping

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.interfaces import IAllocator
from mesos_tw.master.allocator import RunningTask
from mesos_tw.master.records import Framework, OfferRecord, Slave, TaskRecord
from mesos_tw.master.reports import killTaskMessage
from mesos_tw.master.validation import ValidationError, validateOffers, validateTask
from mesos_tw.mesos_pb2 import FrameworkInfo, MasterInfo, TaskStatus
from mesos_tw.protocol.framing import MessageProtocol
from mesos_tw.resources import Resources, ResourcesError
from mesos_tw.tasks import statusUpdate, taskStatus

_PARTITION_AWARE = FrameworkInfo.Capability.PARTITION_AWARE
_MASTER = TaskStatus.SOURCE_MASTER


class OfferHandling:
    """
    The offer and launch handlers of L{mesos_tw.master.master.Master}, a
    mixin: it uses the master's state below, C{_frameworkFor} and the task
    helpers of L{mesos_tw.master.taskupdates.TaskMessages}
    (C{_sendUpdate}).
    """

    _log: Logger
    _clock: IReactorTime
    info: MasterInfo
    allocator: IAllocator
    slaves: dict[str, Slave]
    frameworks: dict[str, Framework]
    offers: dict[str, OfferRecord]
    _offerIds: itertools.count
    _offerTimeout: float | None
    _revocationGracePeriod: float
    _pendingAllocation: IDelayedCall | None
    _pendingSlaves: set[str] | None

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
        self.allocator.reviveOffers(framework.id, list(message.roles) or None)
        self._allocateSoon()

    def suppressOffers(
        self, connection: MessageProtocol, message: msgs.SuppressOffersMessage
    ) -> None:
        """
        Send the framework no offers until it revives.
        """
        framework = self._frameworkFor(connection, message.framework_id)
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
        slave.connection.send(killTaskMessage(framework.id, record.id))
