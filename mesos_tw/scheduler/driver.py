# -*- test-case-name: tests.test_scheduler_driver -*-
"""
The scheduler driver: a framework's connection to the master.

A L{SchedulerDriver} connects to the master with mutual TLS (reconnecting
with backoff when the connection is lost), registers the framework, turns the
master's messages into calls of a L{Scheduler}'s callbacks and turns the
scheduler's decisions into messages to the master; see C{protocols/FLOWS.rst}
for the messages.

Callback ordering
=================

The callbacks of one driver are delivered strictly in the order of the
events that caused them, one at a time.  A callback may return a
L{Deferred}: the driver then holds every later callback back until that
Deferred has fired.  The queue is a single chain of Deferreds, so a callback
that never fires its Deferred stalls its driver's callbacks for good (but not
the driver's connection, registration or methods).  A callback that raises,
or whose Deferred fails, is logged with the framework id and the driver goes
on with the next one.

Once the driver is stopped or aborted no more callbacks are delivered, even
those already queued, except L{Scheduler.error} after the master's
C{FrameworkErrorMessage} (the driver aborts first, as Mesos's does).
"""

from __future__ import annotations

import getpass
import os
import random as _random
import socket
from typing import Any, Callable, Iterable, TypeVar

from google.protobuf.message import Message
from twisted.internet.defer import Deferred, fail, maybeDeferred, succeed
from twisted.internet.interfaces import IDelayedCall, IStreamClientEndpoint
from twisted.logger import Logger
from twisted.python.failure import Failure

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.mesos_pb2 import (
    ExecutorID,
    Filters,
    FrameworkID,
    FrameworkInfo,
    MasterInfo,
    Offer,
    OfferID,
    Request,
    SlaveID,
    TaskID,
    TaskInfo,
    TaskStatus,
)
from mesos_tw.interfaces import IDetector
from mesos_tw.leader.factory import createDetector, masterSpec
from mesos_tw.leader.link import LeaderLink
from mesos_tw.protocol.dispatch import Dispatcher
from mesos_tw.protocol.framing import MessageFactory, MessageProtocol
from mesos_tw.protocol.tls import Credentials, TLSConfigurationError, clientEndpoint
from mesos_tw.scheduler import constants
from mesos_tw.scheduler.scheduler import Scheduler
from mesos_tw.tasks import taskStatus

__all__ = ["SchedulerDriver", "DriverStopped"]

#: The only role that may send the messages the driver handles.
MASTER = ("master",)

_IdType = TypeVar("_IdType", OfferID, TaskID, SlaveID, ExecutorID)


class DriverStopped(Exception):
    """
    The driver was stopped or aborted before it registered.

    @ivar status: The driver's status, C{mesos_pb2.DRIVER_STOPPED} or
        C{mesos_pb2.DRIVER_ABORTED}.
    @ivar message: Why.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message

    def __str__(self) -> str:
        return f"{mesos_pb2.Status.Name(self.status)}: {self.message}"


def _asId(kind: type[_IdType], value: _IdType | str) -> _IdType:
    """
    Make an id message of C{kind} from an id message or its value.
    """
    if isinstance(value, str):
        return kind(value=value)
    return value


def _asIds(
    kind: type[_IdType], values: _IdType | str | Iterable[_IdType | str]
) -> list[_IdType]:
    """
    Make a list of id messages of C{kind} from one id or several.
    """
    if isinstance(values, (str, kind)):
        return [_asId(kind, values)]
    return [_asId(kind, v) for v in values]


def _currentUser() -> str:
    """
    The name of the user this process runs as.
    """
    try:
        return getpass.getuser()
    except Exception:
        return str(os.getuid())


class SchedulerDriver:
    """
    Registers a framework with the master and relays between the master and
    the framework's L{Scheduler}.

    The methods that act on the cluster (L{launchTasks}, L{declineOffer},
    ...) return a L{Deferred} firing at once with the driver's status
    (C{mesos_pb2.DRIVER_*}).  They act only while the driver is running;
    while it is not registered with a master (after losing the connection,
    before re-registering) launches are answered locally with C{TASK_LOST}
    status updates (C{REASON_MASTER_DISCONNECTED}) and other calls are
    dropped, as in Mesos.

    Callbacks are delivered one at a time, in order; see the module
    documentation.

    @ivar scheduler: The framework's scheduler.
    @ivar framework: The framework, as sent to the master; its C{id} is set
        once known.
    @ivar status: The driver's status, one of C{mesos_pb2.DRIVER_*}.
    @ivar registered: Whether the driver is registered with a master over
        its current connection.
    @ivar masterInfo: The master the driver last registered with, or
        L{None}.
    @ivar implicitAcknowledgements: Whether the driver acknowledges status
        updates itself once L{Scheduler.statusUpdate} has returned.
    """

    _log = Logger()

    def __init__(
        self,
        scheduler: Scheduler,
        framework: FrameworkInfo,
        master: str,
        tlsDir: str | None = None,
        implicitAcknowledgements: bool = True,
        reactor: Any = None,
        endpoint: IStreamClientEndpoint | None = None,
        credentials: Credentials | None = None,
        random: Callable[[], float] = _random.random,
        registrationBackoffFactor: float = constants.REGISTRATION_BACKOFF_FACTOR,
        detector: IDetector | None = None,
        endpointFor: Callable[[str, int], IStreamClientEndpoint] | None = None,
    ) -> None:
        """
        @param scheduler: The framework's scheduler, whose callbacks the
            driver calls.
        @param framework: The framework.  Give it an C{id} to take over a
            framework registered before (failover).  An empty C{user} is set
            to the user running this process, an empty C{hostname} to this
            host's name.
        @param master: The master's address, C{"host:port"}, or the
            masters' C{"zk://host:port[,host:port...]/path"} (or
            C{"file:///path"} holding one): the driver then follows the
            leader they elect, re-registering with each new one (the
            scheduler gets C{disconnected}, then C{reregistered}).
        @param tlsDir: A directory made by C{mesos-tw ca issue --role
            framework}; by default, the one named by C{$MESOS_TLS_DIR}.
        @param implicitAcknowledgements: Whether the driver acknowledges
            status updates itself; if not, call L{acknowledgeStatusUpdate}.
        @param reactor: The reactor; by default, the global one.
        @param endpoint: How to connect to the master, instead of mutual TLS
            to C{master} (for tests).
        @param credentials: The framework's TLS credentials, instead of
            reading them from C{tlsDir}.
        @param random: Returns a random number in [0, 1); for tests.
        @param registrationBackoffFactor: The bound, in seconds, on the delay
            before the first registration retry; it doubles with every
            retry, up to 60 s.
        @param detector: What detects the leading master, instead of the
            one C{master} names (for tests).
        @param endpointFor: How to connect to a master's host and port,
            instead of mutual TLS (for tests).

        @raise ValueError: If C{master} is neither C{host:port} nor a
            ZooKeeper URL.
        @raise TLSConfigurationError: If no usable credentials are given or
            found.
        """
        if reactor is None:
            from twisted.internet import reactor as globalReactor

            reactor = globalReactor
        self._reactor = reactor
        self.scheduler = scheduler
        self.framework = FrameworkInfo()
        self.framework.CopyFrom(framework)
        if not self.framework.user:
            self.framework.user = _currentUser()
        if not self.framework.hostname:
            self.framework.hostname = socket.gethostname()
        self.implicitAcknowledgements = implicitAcknowledgements
        self.status: int = mesos_pb2.DRIVER_NOT_STARTED
        self.registered = False
        self.masterInfo: MasterInfo | None = None
        self.master = masterSpec(master)

        # A scheduler given a framework id takes over from an earlier one.
        self._failover = self.frameworkId is not None
        self._random = random
        self._backoffFactor = registrationBackoffFactor
        self._backoff = registrationBackoffFactor
        self._retry: IDelayedCall | None = None
        self._connection: MessageProtocol | None = None
        self._everRegistered = False
        self._registrationWaiters: list[Deferred[FrameworkID]] = []
        self._callbacks: Deferred[None] = succeed(None)
        self._finalStatus: int | None = None
        self._serviceStopped = False
        # Deferreds to fire once the connection is closed for good, each with
        # its value (None: the status the driver stopped with).
        self._shutdownWaiters: list[tuple[Deferred[int], int | None]] = []

        self._dispatcher = Dispatcher()
        for messageType, handler in [
            (msgs.FrameworkRegisteredMessage, self._frameworkRegistered),
            (msgs.FrameworkReregisteredMessage, self._frameworkReregistered),
            (msgs.ResourceOffersMessage, self._resourceOffers),
            (msgs.RescindResourceOfferMessage, self._rescindResourceOffer),
            (msgs.StatusUpdateMessage, self._statusUpdate),
            (msgs.ExecutorToFrameworkMessage, self._executorToFramework),
            (msgs.LostSlaveMessage, self._lostSlave),
            (msgs.ExitedExecutorMessage, self._exitedExecutor),
            (msgs.FrameworkErrorMessage, self._frameworkError),
        ]:
            self._dispatcher.register(
                messageType, self._fromCurrentMaster(handler), MASTER
            )

        if endpointFor is None and endpoint is not None:
            given = endpoint
            endpointFor = lambda host, port: given  # noqa: E731
        if endpointFor is None:
            if credentials is None:
                credentials = self._loadCredentials(tlsDir)
            if credentials.role != "framework":
                raise TLSConfigurationError(
                    f"the TLS certificate is for role {credentials.role!r}; a "
                    f"scheduler needs role 'framework' (create one with "
                    f"`mesos-tw ca issue CA_DIR --role framework --name NAME`)"
                )
            tls = credentials

            def endpointFor(host: str, port: int) -> IStreamClientEndpoint:
                return clientEndpoint(reactor, tls, host, port)

        self._service = LeaderLink(
            (lambda: detector) if detector is not None
            else (lambda: createDetector(self.master, reactor)),
            endpointFor,
            MessageFactory(
                self._dispatcher,
                onReady=self._connected,
                onLost=self._connectionLost,
            ),
            reactor,
            initialDelay=constants.CONNECT_INITIAL_DELAY,
            maxDelay=constants.CONNECT_MAX_DELAY,
            random=random,
            onDetectionFailed=self._detectionFailed,
        )

    @staticmethod
    def _loadCredentials(tlsDir: str | None) -> Credentials:
        """
        Read the framework's credentials from C{tlsDir} or C{$MESOS_TLS_DIR}.
        """
        if tlsDir is None:
            tlsDir = os.environ.get(constants.TLS_DIR_ENVIRONMENT_VARIABLE)
        if not tlsDir:
            raise TLSConfigurationError(
                f"no TLS credentials: pass tlsDir or set "
                f"${constants.TLS_DIR_ENVIRONMENT_VARIABLE} to a directory "
                f"made by `mesos-tw ca issue CA_DIR --role framework --name "
                f"NAME --out DIR`"
            )
        return Credentials.fromDirectory(tlsDir)

    @property
    def frameworkId(self) -> str | None:
        """
        The framework's id, or L{None} before the master has given one.
        """
        return self.framework.id.value or None

    # --- Life cycle ----------------------------------------------------------

    def start(self) -> Deferred[FrameworkID]:
        """
        Connect to the master and register the framework.

        @return: A L{Deferred} firing with the framework's id once the master
            has registered it, or failing with L{DriverStopped} if the driver
            is stopped or aborted first.
        """
        if self.status == mesos_pb2.DRIVER_RUNNING:
            return self._whenRegistered()
        if self.status != mesos_pb2.DRIVER_NOT_STARTED:
            return fail(DriverStopped(self.status, "a stopped driver cannot start"))
        self._log.info(
            "Starting the driver of framework {name} ({frameworkId}) for master "
            "{master}",
            name=self.framework.name,
            frameworkId=self.frameworkId,
            master=self.master,
        )
        self.status = mesos_pb2.DRIVER_RUNNING
        registeredId = self._whenRegistered()
        self._service.startService()
        return registeredId

    def stop(self, failover: bool = False) -> Deferred[int]:
        """
        Stop the driver and close the connection to the master.

        @param failover: If false, the master is told to tear the framework
            down (killing its tasks); if true, the framework's tasks keep
            running for its C{failover_timeout}, for another scheduler to
            take over.

        @return: A L{Deferred} firing with the driver's status once the
            connection is closed: C{DRIVER_STOPPED}, or C{DRIVER_ABORTED} if
            the driver had aborted (its status becomes C{DRIVER_STOPPED}),
            or C{DRIVER_NOT_STARTED}.
        """
        if self.status == mesos_pb2.DRIVER_ABORTED:
            self.status = mesos_pb2.DRIVER_STOPPED
            return self._whenShutDown(mesos_pb2.DRIVER_ABORTED)
        if self.status != mesos_pb2.DRIVER_RUNNING:
            return succeed(self.status)
        self.status = mesos_pb2.DRIVER_STOPPED
        if not failover:
            if self._isRegistered():
                self._log.info(
                    "Unregistering framework {frameworkId}",
                    frameworkId=self.frameworkId,
                )
                self._connection.send(
                    msgs.UnregisterFrameworkMessage(framework_id=self._frameworkIdMessage())
                )
            else:
                self._log.warn(
                    "Stopping framework {frameworkId} while not registered: the "
                    "master cannot be told to tear it down",
                    frameworkId=self.frameworkId,
                )
        return self._shutDown("the driver was stopped")

    def abort(self) -> Deferred[int]:
        """
        Abort the driver: the master stops sending offers to the framework
        (its tasks keep running) and no more callbacks are delivered.

        @return: A L{Deferred} firing with C{DRIVER_ABORTED} once the
            connection is closed (or with the status, if the driver was not
            running).
        """
        if self.status != mesos_pb2.DRIVER_RUNNING:
            return succeed(self.status)
        return self._abort("the driver was aborted")

    def join(self) -> Deferred[int]:
        """
        Wait for the driver to be stopped or aborted.

        @return: A L{Deferred} firing with C{DRIVER_STOPPED} or
            C{DRIVER_ABORTED} once the driver has stopped and closed its
            connection (at once with C{DRIVER_NOT_STARTED} if it was never
            started).
        """
        if self.status == mesos_pb2.DRIVER_NOT_STARTED:
            return succeed(self.status)
        return self._whenShutDown(self._finalStatus)

    def run(self) -> Deferred[int]:
        """
        L{start} the driver, then L{join} it.

        @return: A L{Deferred} firing with the driver's final status.
        """
        def stoppedFirst(failure: Failure) -> None:
            # join() tells how the driver ended.
            failure.trap(DriverStopped)

        self.start().addErrback(stoppedFirst)
        return self.join()

    # --- Offers and tasks ----------------------------------------------------

    def launchTasks(
        self,
        offerIds: OfferID | str | Iterable[OfferID | str],
        tasks: Iterable[TaskInfo],
        filters: Filters | None = None,
    ) -> Deferred[int]:
        """
        Launch tasks on the resources of one or more offers of one slave;
        the resources left over are declined.

        @param offerIds: The offers, one or several.
        @param tasks: The tasks; none declines the offers.
        @param filters: How long to refuse the declined resources; the
            master's default (5 s) if L{None}.

        @return: A L{Deferred} firing with the driver's status.
        """
        operation = Offer.Operation(type=Offer.Operation.LAUNCH)
        operation.launch.task_infos.extend(tasks)
        return self.acceptOffers(offerIds, [operation], filters)

    def acceptOffers(
        self,
        offerIds: OfferID | str | Iterable[OfferID | str],
        operations: Iterable[Offer.Operation],
        filters: Filters | None = None,
    ) -> Deferred[int]:
        """
        Apply operations to the resources of one or more offers of one slave;
        the resources left over are declined.

        @param offerIds: The offers, one or several.
        @param operations: The operations (C{LAUNCH}).
        @param filters: How long to refuse the declined resources; the
            master's default (5 s) if L{None}.

        @return: A L{Deferred} firing with the driver's status.
        """
        if self.status != mesos_pb2.DRIVER_RUNNING:
            return succeed(self.status)
        operations = list(operations)
        ids = _asIds(OfferID, offerIds)
        offerIdValues = [i.value for i in ids]
        if not self._isRegistered():
            self._log.info(
                "Not registered with a master: the tasks framework {frameworkId} "
                "launches on offers {offerIds} are lost",
                frameworkId=self.frameworkId,
                offerIds=offerIdValues,
            )
            self._loseTasks(operations)
            return succeed(self.status)
        message = msgs.AcceptOffersMessage(
            framework_id=self._frameworkIdMessage(),
            offer_ids=ids,
            operations=operations,
        )
        if filters is not None:
            message.filters.CopyFrom(filters)
        for operation in operations:
            for task in operation.launch.task_infos:
                self._log.info(
                    "Framework {frameworkId} launches task {taskId} on offers "
                    "{offerIds}",
                    frameworkId=self.frameworkId,
                    taskId=task.task_id.value,
                    offerIds=offerIdValues,
                )
        self._connection.send(message)
        return succeed(self.status)

    def declineOffer(
        self,
        offerId: OfferID | str | Iterable[OfferID | str],
        filters: Filters | None = None,
    ) -> Deferred[int]:
        """
        Decline an offer (or several): the master may offer its resources to
        other frameworks.

        @param offerId: The offer.
        @param filters: How long to refuse these resources; the master's
            default (5 s) if L{None}.

        @return: A L{Deferred} firing with the driver's status.
        """
        ids = _asIds(OfferID, offerId)
        message = msgs.DeclineOffersMessage(offer_ids=ids)
        if filters is not None:
            message.filters.CopyFrom(filters)
        return self._sendFramework(
            message,
            "Framework {frameworkId} declines offer {offerId}",
            offerId=[i.value for i in ids] if len(ids) != 1 else ids[0].value,
        )

    def reviveOffers(self, roles: Iterable[str] = ()) -> Deferred[int]:
        """
        Remove the framework's filters and ask for offers again after
        L{suppressOffers}.

        @param roles: The roles to revive; all if empty.

        @return: A L{Deferred} firing with the driver's status.
        """
        return self._sendFramework(
            msgs.ReviveOffersMessage(roles=list(roles)),
            "Framework {frameworkId} revives offers",
        )

    def suppressOffers(self, roles: Iterable[str] = ()) -> Deferred[int]:
        """
        Ask the master to send no more offers until L{reviveOffers}.

        @param roles: The roles to suppress; all if empty.

        @return: A L{Deferred} firing with the driver's status.
        """
        return self._sendFramework(
            msgs.SuppressOffersMessage(roles=list(roles)),
            "Framework {frameworkId} suppresses offers",
        )

    def requestResources(self, requests: Iterable[Request]) -> Deferred[int]:
        """
        Tell the master which resources the framework would like (the
        allocator may ignore it).

        @param requests: The requests.

        @return: A L{Deferred} firing with the driver's status.
        """
        return self._sendFramework(
            msgs.ResourceRequestMessage(requests=list(requests)),
            "Framework {frameworkId} requests resources",
        )

    def killTask(self, taskId: TaskID | str) -> Deferred[int]:
        """
        Ask for a task to be killed; its end comes as a status update.  Not
        reliable: dropped while disconnected.

        @param taskId: The task.

        @return: A L{Deferred} firing with the driver's status.
        """
        taskId = _asId(TaskID, taskId)
        return self._sendFramework(
            msgs.KillTaskMessage(task_id=taskId),
            "Framework {frameworkId} kills task {taskId}",
            taskId=taskId.value,
        )

    def acknowledgeStatusUpdate(self, status: TaskStatus) -> Deferred[int]:
        """
        Acknowledge a status update, with explicit acknowledgements only.
        Updates without a uuid need none.

        @param status: The status L{Scheduler.statusUpdate} received.

        @return: A L{Deferred} firing with the driver's status.
        """
        if self.status != mesos_pb2.DRIVER_RUNNING:
            return succeed(self.status)
        if self.implicitAcknowledgements:
            self._log.error(
                "Framework {frameworkId} acknowledged the update of task "
                "{taskId} explicitly, but the driver acknowledges implicitly; "
                "ignoring",
                frameworkId=self.frameworkId,
                taskId=status.task_id.value,
            )
            return succeed(self.status)
        if not status.uuid:
            return succeed(self.status)
        if not status.HasField("slave_id"):
            self._log.warn(
                "Cannot acknowledge the update of task {taskId} of framework "
                "{frameworkId}: its status names no slave",
                frameworkId=self.frameworkId,
                taskId=status.task_id.value,
            )
            return succeed(self.status)
        return self._acknowledge(status.slave_id, status)

    def sendFrameworkMessage(
        self, executorId: ExecutorID | str, slaveId: SlaveID | str, data: bytes
    ) -> Deferred[int]:
        """
        Send a message to an executor of the framework.  Best effort: it may
        be lost, and is dropped while disconnected.

        @param executorId: The executor.
        @param slaveId: The slave it runs on.
        @param data: The message.

        @return: A L{Deferred} firing with the driver's status.
        """
        return self._sendFramework(
            msgs.FrameworkToExecutorMessage(
                slave_id=_asId(SlaveID, slaveId),
                executor_id=_asId(ExecutorID, executorId),
                data=data,
            ),
            "Framework {frameworkId} sends a message to an executor",
        )

    def reconcileTasks(self, statuses: Iterable[TaskStatus]) -> Deferred[int]:
        """
        Ask the master for the latest state of tasks; it answers with status
        updates (C{REASON_RECONCILIATION}).

        @param statuses: The tasks (only C{task_id} and C{slave_id} are
            read); none asks for all of the framework's tasks.

        @return: A L{Deferred} firing with the driver's status.
        """
        message = msgs.ReconcileTasksMessage()
        for status in statuses:
            task = message.statuses.add()
            task.task_id.CopyFrom(status.task_id)
            if status.HasField("slave_id"):
                task.slave_id.CopyFrom(status.slave_id)
        return self._sendFramework(
            message,
            "Framework {frameworkId} reconciles {count} tasks",
            count=len(message.statuses),
        )

    # --- Connection and registration -----------------------------------------

    def _connected(self, connection: MessageProtocol) -> None:
        """
        A connection to the master is up: register on it.
        """
        peer = connection.peer
        # An empty role is a transport without TLS, as in tests.
        if peer is None or peer.role not in MASTER + ("",):
            self._log.error(
                "Peer {peer} is not a master; closing the connection of framework "
                "{frameworkId}",
                peer=peer,
                frameworkId=self.frameworkId,
            )
            connection.transport.loseConnection()
            return
        if self.status != mesos_pb2.DRIVER_RUNNING:
            connection.transport.loseConnection()
            return
        self._log.info(
            "Framework {frameworkId} connected to master {peer}",
            frameworkId=self.frameworkId,
            peer=peer,
        )
        self._cancelRetry()
        self._connection = connection
        self.registered = False
        self._backoff = self._backoffFactor
        self._register()

    def _connectionLost(self, connection: MessageProtocol, reason: Failure) -> None:
        """
        The connection to the master is gone; the client service reconnects.
        """
        if connection is not self._connection:
            return
        self._connection = None
        self._cancelRetry()
        wasRegistered = self.registered
        self.registered = False
        if self.status != mesos_pb2.DRIVER_RUNNING:
            return
        self._log.warn(
            "Framework {frameworkId} lost master {peer}: {reason}",
            frameworkId=self.frameworkId,
            peer=connection.peer,
            reason=reason.getErrorMessage(),
        )
        if wasRegistered:
            self._deliver("disconnected")

    def _detectionFailed(self, failure: Failure) -> None:
        """
        The leading master cannot be detected (its ZooKeeper node is
        unreadable): abort, as Mesos's driver does.
        """
        if self.status == mesos_pb2.DRIVER_RUNNING:
            self._abort(f"cannot detect the leading master: {failure.getErrorMessage()}")

    def _register(self) -> None:
        """
        Send a registration, and schedule the next one.
        """
        self._retry = None
        if (
            self._connection is None
            or self.registered
            or self.status != mesos_pb2.DRIVER_RUNNING
        ):
            return
        info = FrameworkInfo()
        info.CopyFrom(self.framework)
        if self.frameworkId is None:
            self._log.info(
                "Registering framework {name}", name=self.framework.name
            )
            self._connection.send(msgs.RegisterFrameworkMessage(framework=info))
        else:
            self._log.info(
                "Re-registering framework {frameworkId} (failover: {failover})",
                frameworkId=self.frameworkId,
                failover=self._failover,
            )
            self._connection.send(
                msgs.ReregisterFrameworkMessage(framework=info, failover=self._failover)
            )
        bound = min(self._backoff, constants.REGISTRATION_RETRY_INTERVAL_MAX)
        if self.framework.failover_timeout > 0:
            bound = min(bound, self.framework.failover_timeout / 10)
        self._retry = self._reactor.callLater(self._random() * bound, self._register)
        self._backoff = bound * 2

    def _cancelRetry(self) -> None:
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
        self._retry = None

    def _isRegistered(self) -> bool:
        return self.registered and self._connection is not None

    def _whenRegistered(self) -> Deferred[FrameworkID]:
        if self._everRegistered:
            return succeed(self._frameworkIdMessage())
        waiter: Deferred[FrameworkID] = Deferred()
        self._registrationWaiters.append(waiter)
        return waiter

    def _nowRegistered(self, masterInfo: MasterInfo, what: str) -> None:
        """
        The master registered or re-registered us.
        """
        self.registered = True
        self._everRegistered = True
        self._failover = False
        self.masterInfo = MasterInfo()
        self.masterInfo.CopyFrom(masterInfo)
        self._cancelRetry()
        self._log.info(
            "Framework {frameworkId} {what} with master {masterId}",
            frameworkId=self.frameworkId,
            what=what,
            masterId=masterInfo.id,
        )

    def _fireRegistrationWaiters(self) -> None:
        waiters, self._registrationWaiters = self._registrationWaiters, []
        for waiter in waiters:
            waiter.callback(self._frameworkIdMessage())

    # --- Stopping ------------------------------------------------------------

    def _abort(self, why: str) -> Deferred[int]:
        """
        Abort: deactivate the framework and close the connection.
        """
        self.status = mesos_pb2.DRIVER_ABORTED
        if self._isRegistered():
            self._log.info(
                "Deactivating framework {frameworkId}", frameworkId=self.frameworkId
            )
            self._connection.send(
                msgs.DeactivateFrameworkMessage(framework_id=self._frameworkIdMessage())
            )
        return self._shutDown(why)

    def _shutDown(self, why: str) -> Deferred[int]:
        """
        Stop registering, fail L{start}'s Deferreds, close the connection for
        good; then fire L{join}'s Deferreds.

        @return: A L{Deferred} firing with the status once closed.
        """
        status = self._finalStatus = self.status
        self._log.info(
            "Framework {frameworkId}: {why}", frameworkId=self.frameworkId, why=why
        )
        self._cancelRetry()
        waiters, self._registrationWaiters = self._registrationWaiters, []
        for waiter in waiters:
            waiter.errback(DriverStopped(status, why))
        stopped = maybeDeferred(self._service.stopService)

        def closed(result: object) -> None:
            if isinstance(result, Failure):
                self._log.failure(
                    "Closing the connection of framework {frameworkId} failed",
                    result,
                    frameworkId=self.frameworkId,
                )
            self._serviceStopped = True
            waiters, self._shutdownWaiters = self._shutdownWaiters, []
            for waiter, value in waiters:
                waiter.callback(status if value is None else value)

        result = self._whenShutDown(status)
        stopped.addBoth(closed)
        return result

    def _whenShutDown(self, value: int | None) -> Deferred[int]:
        """
        A L{Deferred} firing with C{value} (L{None}: the status the driver
        stopped with) once the connection is closed for good.
        """
        if self._serviceStopped:
            return succeed(value)
        waiter: Deferred[int] = Deferred()
        self._shutdownWaiters.append((waiter, value))
        return waiter

    # --- Callbacks -----------------------------------------------------------

    def _deliver(self, name: str, *args: object, always: bool = False) -> Deferred[bool]:
        """
        Call the scheduler's callback C{name} after all callbacks delivered
        before it are done.

        @param always: Deliver it even if the driver is no longer running.

        @return: A L{Deferred} firing with whether the callback was called
            and succeeded, once it is done.
        """
        done: Deferred[bool] = Deferred()

        def call(ignored: object) -> Deferred[None] | None:
            if self.status != mesos_pb2.DRIVER_RUNNING and not always:
                self._log.debug(
                    "Framework {frameworkId}: not delivering {callback}, the "
                    "driver is no longer running",
                    frameworkId=self.frameworkId,
                    callback=name,
                )
                done.callback(False)
                return None
            result = maybeDeferred(
                lambda: getattr(self.scheduler, name)(self, *args)
            )

            def failed(failure: Failure) -> bool:
                self._log.failure(
                    "Scheduler callback {callback} of framework {frameworkId} "
                    "failed",
                    failure,
                    callback=name,
                    frameworkId=self.frameworkId,
                )
                return False

            result.addCallbacks(lambda _: True, failed)
            result.addCallback(done.callback)
            result.addErrback(
                lambda f: self._log.failure(
                    "Framework {frameworkId}: handling the end of callback "
                    "{callback} failed",
                    f,
                    frameworkId=self.frameworkId,
                    callback=name,
                )
            )
            return result

        self._callbacks.addCallback(call)
        return done

    # --- Master messages -----------------------------------------------------

    def _fromCurrentMaster(
        self, handler: Callable[[Any], None]
    ) -> Callable[[MessageProtocol, Message], None]:
        """
        Wrap a handler so that it sees only messages from the current
        connection.
        """

        def receive(connection: MessageProtocol, message: Message) -> None:
            if connection is not self._connection:
                self._log.debug(
                    "Framework {frameworkId} ignores {messageType} from {peer}: "
                    "not its current master connection",
                    frameworkId=self.frameworkId,
                    messageType=message.DESCRIPTOR.name,
                    peer=connection.peer,
                )
                return
            handler(message)

        return receive

    def _accepting(self, message: Message) -> bool:
        """
        Whether the driver acts on C{message} now: it must be running and
        registered.
        """
        if self.status == mesos_pb2.DRIVER_RUNNING and self.registered:
            return True
        self._log.debug(
            "Framework {frameworkId} ignores {messageType}: not registered",
            frameworkId=self.frameworkId,
            messageType=message.DESCRIPTOR.name,
        )
        return False

    def _frameworkRegistered(self, message: msgs.FrameworkRegisteredMessage) -> None:
        if self.status != mesos_pb2.DRIVER_RUNNING or self.registered:
            return
        newId = message.framework_id.value
        if self.frameworkId is not None and newId != self.frameworkId:
            self._log.warn(
                "Framework {frameworkId} was registered as {newId}",
                frameworkId=self.frameworkId,
                newId=newId,
            )
        self.framework.id.value = newId
        self._nowRegistered(message.master_info, "registered")
        self._deliver(
            "registered", self._frameworkIdMessage(), self._masterInfoCopy()
        )
        self._fireRegistrationWaiters()

    def _frameworkReregistered(
        self, message: msgs.FrameworkReregisteredMessage
    ) -> None:
        if self.status != mesos_pb2.DRIVER_RUNNING or self.registered:
            return
        if message.framework_id.value != self.frameworkId:
            self._log.warn(
                "Framework {frameworkId} ignores a re-registration as {otherId}",
                frameworkId=self.frameworkId,
                otherId=message.framework_id.value,
            )
            return
        self._nowRegistered(message.master_info, "re-registered")
        self._deliver("reregistered", self._masterInfoCopy())
        self._fireRegistrationWaiters()

    def _resourceOffers(self, message: msgs.ResourceOffersMessage) -> None:
        if self._accepting(message):
            self._log.debug(
                "Framework {frameworkId} received offers {offerIds}",
                frameworkId=self.frameworkId,
                offerIds=[o.id.value for o in message.offers],
            )
            self._deliver("resourceOffers", list(message.offers))

    def _rescindResourceOffer(self, message: msgs.RescindResourceOfferMessage) -> None:
        if self._accepting(message):
            self._log.info(
                "Offer {offerId} to framework {frameworkId} was rescinded",
                frameworkId=self.frameworkId,
                offerId=message.offer_id.value,
            )
            self._deliver("offerRescinded", message.offer_id)

    def _statusUpdate(self, message: msgs.StatusUpdateMessage) -> None:
        if not self._accepting(message):
            return
        update = message.update
        if update.framework_id.value and update.framework_id.value != self.frameworkId:
            self._log.warn(
                "Framework {frameworkId} ignores an update of task {taskId} for "
                "framework {otherId}",
                frameworkId=self.frameworkId,
                taskId=update.status.task_id.value,
                otherId=update.framework_id.value,
            )
            return
        status = TaskStatus()
        status.CopyFrom(update.status)
        if not status.HasField("slave_id") and update.HasField("slave_id"):
            status.slave_id.CopyFrom(update.slave_id)
        self._log.debug(
            "Framework {frameworkId}: task {taskId} is {state}",
            frameworkId=self.frameworkId,
            taskId=status.task_id.value,
            state=mesos_pb2.TaskState.Name(status.state),
        )
        delivered = self._deliver("statusUpdate", status)
        if self.implicitAcknowledgements and status.uuid:
            slaveId = SlaveID()
            slaveId.CopyFrom(update.slave_id)
            delivered.addCallback(
                lambda ok: self._acknowledge(slaveId, status) if ok else None
            )

    def _executorToFramework(self, message: msgs.ExecutorToFrameworkMessage) -> None:
        if self._accepting(message):
            self._deliver(
                "frameworkMessage", message.executor_id, message.slave_id, message.data
            )

    def _lostSlave(self, message: msgs.LostSlaveMessage) -> None:
        if self._accepting(message):
            self._log.info(
                "Framework {frameworkId}: slave {slaveId} was lost",
                frameworkId=self.frameworkId,
                slaveId=message.slave_id.value,
            )
            self._deliver("slaveLost", message.slave_id)

    def _exitedExecutor(self, message: msgs.ExitedExecutorMessage) -> None:
        if self._accepting(message):
            self._log.info(
                "Framework {frameworkId}: executor {executorId} on slave {slaveId} "
                "exited with status {status}",
                frameworkId=self.frameworkId,
                executorId=message.executor_id.value,
                slaveId=message.slave_id.value,
                status=message.status,
            )
            self._deliver(
                "executorLost", message.executor_id, message.slave_id, message.status
            )

    def _frameworkError(self, message: msgs.FrameworkErrorMessage) -> None:
        if self.status != mesos_pb2.DRIVER_RUNNING:
            return
        self._log.error(
            "Framework {frameworkId} got an error from the master: {why}",
            frameworkId=self.frameworkId,
            why=message.message,
        )
        self._abort(f"aborted on the master's error: {message.message}")
        self._deliver("error", message.message, always=True)

    # --- Helpers -------------------------------------------------------------

    def _frameworkIdMessage(self) -> FrameworkID:
        return FrameworkID(value=self.framework.id.value)

    def _masterInfoCopy(self) -> MasterInfo:
        info = MasterInfo()
        if self.masterInfo is not None:
            info.CopyFrom(self.masterInfo)
        return info

    def _sendFramework(
        self, message: Message, text: str, **fields: object
    ) -> Deferred[int]:
        """
        Set the C{framework_id} of C{message} and send it to the master if
        running and registered; drop it with a log line if not registered.

        @param text: A log format describing the action.
        """
        if self.status != mesos_pb2.DRIVER_RUNNING:
            return succeed(self.status)
        if not self._isRegistered():
            self._log.info(
                "Not registered with a master; dropped: " + text,
                frameworkId=self.frameworkId,
                **fields,
            )
            return succeed(self.status)
        message.framework_id.CopyFrom(self._frameworkIdMessage())
        self._log.debug(text, frameworkId=self.frameworkId, **fields)
        self._connection.send(message)
        return succeed(self.status)

    def _acknowledge(self, slaveId: SlaveID, status: TaskStatus) -> Deferred[int]:
        """
        Acknowledge the update of C{status}, from the slave C{slaveId}.
        """
        return self._sendFramework(
            msgs.StatusUpdateAcknowledgementMessage(
                slave_id=slaveId, task_id=status.task_id, uuid=status.uuid
            ),
            "Framework {frameworkId} acknowledges the update of task {taskId}",
            taskId=status.task_id.value,
        )

    def _loseTasks(self, operations: list[Offer.Operation]) -> None:
        """
        Tell the scheduler that the tasks of C{operations} are lost, the
        master being disconnected (C{TASK_DROPPED} for partition-aware
        frameworks, as in Mesos).
        """
        partitionAware = any(
            capability.type == FrameworkInfo.Capability.PARTITION_AWARE
            for capability in self.framework.capabilities
        )
        state = mesos_pb2.TASK_DROPPED if partitionAware else mesos_pb2.TASK_LOST
        for operation in operations:
            if operation.type != Offer.Operation.LAUNCH:
                continue
            for task in operation.launch.task_infos:
                self._log.info(
                    "Task {taskId} of framework {frameworkId} is lost: master "
                    "disconnected",
                    frameworkId=self.frameworkId,
                    taskId=task.task_id.value,
                )
                self._deliver(
                    "statusUpdate",
                    taskStatus(
                        task.task_id.value,
                        state,
                        TaskStatus.SOURCE_MASTER,
                        reason=TaskStatus.REASON_MASTER_DISCONNECTED,
                        message="Master disconnected",
                        timestamp=self._reactor.seconds(),
                        withUUID=False,
                    ),
                )
