# -*- test-case-name: tests.test_scheduler_driver -*-
"""
Tests for L{mesos_tw.scheduler}: the L{SchedulerDriver} against a fake
master, on a L{Clock}.
"""

from __future__ import annotations

import getpass
import os
import socket
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, succeed
from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import ISSLTransport, IStreamClientEndpoint
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import implementer

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.mesos_pb2 import (
    CommandInfo,
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
from mesos_tw.protocol.dispatch import encode
from mesos_tw.protocol.framing import MessageProtocol
from mesos_tw.protocol.tls import Credentials, Peer, TLSConfigurationError
from mesos_tw.scheduler import Scheduler, SchedulerDriver
from mesos_tw.scheduler import constants
from mesos_tw.scheduler.driver import DriverStopped
from mesos_tw.tasks import statusUpdate, taskStatus
from mesos_tw.testing.certs import makeCluster
from mesos_tw.testing.wire import frame, parseFrames

FRAMEWORK_ID = "master-1-0000"
SLAVE_ID = "master-1-S0"
MASTER_PEER = Peer("master", "master", "127.0.0.1:5050")
MASTER_INFO = MasterInfo(id="master-1", hostname="master", port=5050)




@implementer(ISSLTransport)
class FakeTLSTransport(StringTransport):
    """
    A L{StringTransport} that passes for TLS, so that L{MessageProtocol}
    waits for its handshake (done by L{FakeMasterEndpoint}), and that tells
    its protocol the connection is lost in the next reactor iteration when
    closed.

    @ivar protocol: The protocol connected to it (the client service's
        proxy).
    """

    def __init__(self, clock: Clock) -> None:
        super().__init__(peerAddress=IPv4Address("TCP", "127.0.0.1", 5050))
        self.clock = clock
        self.protocol: Any = None
        self.lost = False

    def getPeerCertificate(self) -> None:
        return None

    def loseConnection(self) -> None:
        super().loseConnection()
        self.clock.callLater(0, self.connectionLost)

    def connectionLost(self, reason: Exception | None = None) -> None:
        """
        Tell the protocol the connection is gone (once).
        """
        if not self.lost:
            self.lost = True
            self.protocol.connectionLost(Failure(reason or ConnectionDone()))


class FakeConnection:
    """
    One connection of the driver to the fake master.

    @ivar protocol: The driver's L{MessageProtocol}.
    @ivar transport: Its transport.
    """

    def __init__(self, protocol: MessageProtocol, transport: FakeTLSTransport) -> None:
        self.protocol = protocol
        self.transport = transport

    def sent(self) -> list:
        """
        The messages the driver wrote since the last call, which clears them.
        """
        messages = parseFrames(self.transport.value())
        self.transport.clear()
        return messages

    def receive(self, message: Any) -> None:
        """
        Deliver C{message} from the master to the driver.
        """
        self.protocol.dataReceived(frame(encode(message)))

    def lose(self) -> None:
        """
        Break the connection.
        """
        self.transport.connectionLost()


@implementer(IStreamClientEndpoint)
class FakeMasterEndpoint:
    """
    Connects to a fake master: a L{FakeTLSTransport} whose peer is
    C{peer}, handshake done at once.

    @ivar connections: Every connection made, oldest first.
    """

    def __init__(self, clock: Clock, peer: Peer = MASTER_PEER) -> None:
        self.clock = clock
        self.peer = peer
        self.connections: list[FakeConnection] = []

    def connect(self, factory: Any) -> Deferred[Any]:
        proxy = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 5050))
        transport = FakeTLSTransport(self.clock)
        transport.protocol = proxy
        proxy.makeConnection(transport)
        # ClientService wraps the factory's protocol in a proxy.
        protocol = getattr(proxy, "_protocol", proxy)
        # What MessageProtocol.handshakeCompleted does with a certificate.
        protocol.peer = self.peer
        factory.ready(protocol)
        self.connections.append(FakeConnection(protocol, transport))
        return succeed(proxy)


class RecordingScheduler(Scheduler):
    """
    A scheduler that records its callbacks in C{calls} and returns (or
    raises) what C{results} holds for a callback's name.
    """

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.results: dict[str, Any] = {}

    def _record(self, name: str, *args: Any) -> Any:
        self.calls.append((name,) + args)
        result = self.results.get(name)
        if isinstance(result, Exception):
            raise result
        return result

    def registered(self, driver, frameworkId, masterInfo):
        return self._record("registered", frameworkId, masterInfo)

    def reregistered(self, driver, masterInfo):
        return self._record("reregistered", masterInfo)

    def disconnected(self, driver):
        return self._record("disconnected")

    def resourceOffers(self, driver, offers):
        return self._record("resourceOffers", offers)

    def offerRescinded(self, driver, offerId):
        return self._record("offerRescinded", offerId)

    def statusUpdate(self, driver, status):
        return self._record("statusUpdate", status)

    def frameworkMessage(self, driver, executorId, slaveId, message):
        return self._record("frameworkMessage", executorId, slaveId, message)

    def slaveLost(self, driver, slaveId):
        return self._record("slaveLost", slaveId)

    def executorLost(self, driver, executorId, slaveId, status):
        return self._record("executorLost", executorId, slaveId, status)

    def error(self, driver, message):
        return self._record("error", message)

    def names(self) -> list[str]:
        """
        The names of the callbacks called so far.
        """
        return [call[0] for call in self.calls]


def frameworkInfo(**kw: Any) -> FrameworkInfo:
    """
    A L{FrameworkInfo} with a user and a hostname.
    """
    kw.setdefault("user", "alice")
    kw.setdefault("hostname", "scheduler-host")
    return FrameworkInfo(name="test", **kw)


def task(taskId: str) -> TaskInfo:
    """
    A command task.
    """
    return TaskInfo(
        name=taskId,
        task_id=TaskID(value=taskId),
        slave_id=SlaveID(value=SLAVE_ID),
        command=CommandInfo(value="true"),
    )


def update(taskId: str, state: int = mesos_pb2.TASK_RUNNING, uuid: bool = True):
    """
    A L{msgs.StatusUpdateMessage} from a slave's executor.
    """
    status = taskStatus(
        taskId, state, TaskStatus.SOURCE_EXECUTOR, slaveId=SLAVE_ID, withUUID=uuid
    )
    return msgs.StatusUpdateMessage(
        update=statusUpdate(FRAMEWORK_ID, status, slaveId=SLAVE_ID)
    )


class DriverTestCase(SynchronousTestCase):
    """
    A L{SchedulerDriver} with a L{RecordingScheduler}, connecting to a
    L{FakeMasterEndpoint} on a L{Clock}; random delays are their maximum.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.endpoint = FakeMasterEndpoint(self.clock)
        self.scheduler = RecordingScheduler()

    def makeDriver(self, framework: FrameworkInfo | None = None, **kw: Any):
        kw.setdefault("random", lambda: 1.0)
        self.driver = SchedulerDriver(
            self.scheduler,
            framework if framework is not None else frameworkInfo(),
            "127.0.0.1:5050",
            reactor=self.clock,
            endpoint=self.endpoint,
            **kw,
        )
        return self.driver

    @property
    def connection(self) -> FakeConnection:
        return self.endpoint.connections[-1]

    def sent(self) -> list:
        """
        What the driver sent on its latest connection since the last call.
        """
        return self.connection.sent()

    def receive(self, message: Any) -> None:
        """
        Deliver C{message} on the driver's latest connection.
        """
        self.connection.receive(message)

    def startRegistered(self, **kw: Any) -> SchedulerDriver:
        """
        Start a driver and register it as L{FRAMEWORK_ID}; forget the
        messages and callbacks so far.
        """
        driver = self.makeDriver(**kw)
        started = driver.start()
        self.receive(
            msgs.FrameworkRegisteredMessage(
                framework_id=FrameworkID(value=FRAMEWORK_ID), master_info=MASTER_INFO
            )
        )
        self.assertEqual(self.successResultOf(started).value, FRAMEWORK_ID)
        self.sent()
        del self.scheduler.calls[:]
        return driver

    def reconnect(self) -> None:
        """
        Break the connection and let the driver reconnect.
        """
        count = len(self.endpoint.connections)
        self.connection.lose()
        self.clock.advance(constants.CONNECT_MAX_DELAY + 2)
        self.assertEqual(len(self.endpoint.connections), count + 1)


class RegistrationTests(DriverTestCase):
    """
    Tests for how L{SchedulerDriver} registers the framework.
    """

    def test_registerAtOnce(self) -> None:
        """
        Once connected, the driver sends a registration without an id at once.
        """
        driver = self.makeDriver()
        self.assertEqual(driver.status, mesos_pb2.DRIVER_NOT_STARTED)
        driver.start()
        self.assertEqual(driver.status, mesos_pb2.DRIVER_RUNNING)
        [message] = self.sent()
        self.assertIsInstance(message, msgs.RegisterFrameworkMessage)
        self.assertEqual(message.framework.name, "test")
        self.assertFalse(message.framework.HasField("id"))

    def test_fillsUserAndHostname(self) -> None:
        """
        An empty user becomes the current user and an empty hostname this
        host's name.
        """
        self.makeDriver(FrameworkInfo(name="test")).start()
        [message] = self.sent()
        self.assertEqual(message.framework.user, getpass.getuser())
        self.assertEqual(message.framework.hostname, socket.gethostname())

    def test_keepsUserAndHostname(self) -> None:
        """
        A user and hostname given are sent as they are, and the caller's
        L{FrameworkInfo} is not modified.
        """
        info = frameworkInfo()
        driver = self.makeDriver(info)
        driver.start()
        [message] = self.sent()
        self.assertEqual(
            (message.framework.user, message.framework.hostname),
            ("alice", "scheduler-host"),
        )
        self.receive(
            msgs.FrameworkRegisteredMessage(
                framework_id=FrameworkID(value=FRAMEWORK_ID), master_info=MASTER_INFO
            )
        )
        self.assertFalse(info.HasField("id"))
        self.assertEqual(driver.frameworkId, FRAMEWORK_ID)

    def assertRetries(self, delays: list[float]) -> None:
        """
        Assert that the driver sends its registration again after each of
        C{delays}, and not before.
        """
        for delay in delays:
            self.clock.advance(delay - 0.01)
            self.assertEqual(self.sent(), [])
            self.clock.advance(0.01)
            [message] = self.sent()
            self.assertIsInstance(message, msgs.RegisterFrameworkMessage)

    def test_retriesWithDoublingBackoff(self) -> None:
        """
        Registration is retried after a random share of a bound that starts at
        2 s and doubles up to 60 s.
        """
        self.makeDriver().start()
        self.sent()
        self.assertRetries([2, 4, 8, 16, 32, 60, 60, 60])

    def test_retryDelayIsRandom(self) -> None:
        """
        Each retry comes after C{random()} times the current bound.
        """
        self.makeDriver(random=lambda: 0.25).start()
        self.sent()
        self.assertRetries([0.5, 1, 2])

    def test_backoffBoundedByFailoverTimeout(self) -> None:
        """
        The bound never exceeds a tenth of the framework's failover timeout.
        """
        self.makeDriver(frameworkInfo(failover_timeout=10.0)).start()
        self.sent()
        self.assertRetries([1, 1, 1])

    def test_backoffFactor(self) -> None:
        """
        The first bound is the registration backoff factor given.
        """
        self.makeDriver(registrationBackoffFactor=0.5).start()
        self.sent()
        self.assertRetries([0.5, 1, 2])

    def test_registered(self) -> None:
        """
        C{FrameworkRegisteredMessage} fires L{SchedulerDriver.start}'s result
        with the framework id, calls C{registered} and ends the retries.
        """
        driver = self.makeDriver()
        started = driver.start()
        self.sent()
        self.assertNoResult(started)
        self.receive(
            msgs.FrameworkRegisteredMessage(
                framework_id=FrameworkID(value=FRAMEWORK_ID), master_info=MASTER_INFO
            )
        )
        self.assertEqual(self.successResultOf(started), FrameworkID(value=FRAMEWORK_ID))
        self.assertEqual(
            self.scheduler.calls,
            [("registered", FrameworkID(value=FRAMEWORK_ID), MASTER_INFO)],
        )
        self.assertTrue(driver.registered)
        self.assertEqual(driver.masterInfo, MASTER_INFO)
        self.clock.advance(1000)
        self.assertEqual(self.sent(), [])

    def test_registeredTwice(self) -> None:
        """
        A second C{FrameworkRegisteredMessage}, answering a retry, is ignored.
        """
        self.startRegistered()
        self.receive(
            msgs.FrameworkRegisteredMessage(
                framework_id=FrameworkID(value=FRAMEWORK_ID), master_info=MASTER_INFO
            )
        )
        self.assertEqual(self.scheduler.calls, [])

    def test_startAgain(self) -> None:
        """
        L{SchedulerDriver.start} on a registered driver fires with the id at
        once and connects no further.
        """
        driver = self.startRegistered()
        self.assertEqual(self.successResultOf(driver.start()).value, FRAMEWORK_ID)
        self.assertEqual(len(self.endpoint.connections), 1)

    def test_failover(self) -> None:
        """
        A framework given with an id re-registers with C{failover} set, and
        C{FrameworkRegisteredMessage} calls C{registered}.
        """
        driver = self.makeDriver(frameworkInfo(id=FrameworkID(value=FRAMEWORK_ID)))
        started = driver.start()
        [message] = self.sent()
        self.assertIsInstance(message, msgs.ReregisterFrameworkMessage)
        self.assertEqual(message.framework.id.value, FRAMEWORK_ID)
        self.assertTrue(message.failover)
        self.clock.advance(2)
        [message] = self.sent()
        self.assertTrue(message.failover)
        self.receive(
            msgs.FrameworkRegisteredMessage(
                framework_id=FrameworkID(value=FRAMEWORK_ID), master_info=MASTER_INFO
            )
        )
        self.assertEqual(self.successResultOf(started).value, FRAMEWORK_ID)
        self.assertEqual(self.scheduler.names(), ["registered"])

    def test_failoverKeptUntilRegistered(self) -> None:
        """
        A failover that loses its connection before registering is still a
        failover on the next connection.
        """
        self.makeDriver(frameworkInfo(id=FrameworkID(value=FRAMEWORK_ID))).start()
        self.sent()
        self.reconnect()
        [message] = self.sent()
        self.assertTrue(message.failover)

    def test_reregisteredFiresStart(self) -> None:
        """
        A failover answered by C{FrameworkReregisteredMessage} calls
        C{reregistered} and fires L{SchedulerDriver.start}'s result.
        """
        driver = self.makeDriver(frameworkInfo(id=FrameworkID(value=FRAMEWORK_ID)))
        started = driver.start()
        self.receive(
            msgs.FrameworkReregisteredMessage(
                framework_id=FrameworkID(value=FRAMEWORK_ID), master_info=MASTER_INFO
            )
        )
        self.assertEqual(self.successResultOf(started).value, FRAMEWORK_ID)
        self.assertEqual(self.scheduler.calls, [("reregistered", MASTER_INFO)])

    def test_reregisteredOtherIdIgnored(self) -> None:
        """
        C{FrameworkReregisteredMessage} for another framework is ignored.
        """
        driver = self.makeDriver(frameworkInfo(id=FrameworkID(value=FRAMEWORK_ID)))
        started = driver.start()
        self.receive(
            msgs.FrameworkReregisteredMessage(
                framework_id=FrameworkID(value="other"), master_info=MASTER_INFO
            )
        )
        self.assertNoResult(started)
        self.assertFalse(driver.registered)
        self.assertEqual(self.scheduler.calls, [])

    def test_disconnected(self) -> None:
        """
        Losing the master calls C{disconnected}; on the next connection the
        driver re-registers with its id and without failover, and
        C{FrameworkReregisteredMessage} calls C{reregistered}.
        """
        driver = self.startRegistered()
        self.connection.lose()
        self.assertEqual(self.scheduler.names(), ["disconnected"])
        self.assertFalse(driver.registered)
        self.reconnect()
        [message] = self.sent()
        self.assertIsInstance(message, msgs.ReregisterFrameworkMessage)
        self.assertEqual(message.framework.id.value, FRAMEWORK_ID)
        self.assertFalse(message.failover)
        self.clock.advance(2)
        self.assertEqual(len(self.sent()), 1)
        self.receive(
            msgs.FrameworkReregisteredMessage(
                framework_id=FrameworkID(value=FRAMEWORK_ID), master_info=MASTER_INFO
            )
        )
        self.assertEqual(
            self.scheduler.calls, [("disconnected",), ("reregistered", MASTER_INFO)]
        )
        self.assertTrue(driver.registered)
        self.clock.advance(1000)
        self.assertEqual(self.sent(), [])

    def test_disconnectedOnce(self) -> None:
        """
        Losing connections again before re-registering does not call
        C{disconnected} again.
        """
        self.startRegistered()
        self.reconnect()
        self.reconnect()
        self.assertEqual(self.scheduler.names(), ["disconnected"])

    def test_lostBeforeRegistering(self) -> None:
        """
        A connection lost before registering calls no callback, stops the
        retries on it, and the next connection registers afresh.
        """
        self.makeDriver().start()
        old = self.connection
        old.sent()
        self.reconnect()
        self.assertEqual(old.sent(), [])
        [message] = self.sent()
        self.assertIsInstance(message, msgs.RegisterFrameworkMessage)
        self.assertEqual(self.scheduler.calls, [])

    def test_backoffRestartsOnNewConnection(self) -> None:
        """
        Each new connection starts the retries over from the first bound.
        """
        self.makeDriver().start()
        self.clock.advance(2 + 4 + 8)
        self.reconnect()
        self.sent()
        self.clock.advance(2)
        self.assertEqual(len(self.sent()), 1)

    def test_oldConnectionIgnored(self) -> None:
        """
        Messages on a connection that is no longer the current one are
        ignored.
        """
        driver = self.makeDriver()
        driver.start()
        old = self.connection
        self.reconnect()
        old.receive(
            msgs.FrameworkRegisteredMessage(
                framework_id=FrameworkID(value=FRAMEWORK_ID), master_info=MASTER_INFO
            )
        )
        self.assertFalse(driver.registered)
        self.assertEqual(self.scheduler.calls, [])

    def test_notAMaster(self) -> None:
        """
        A peer whose certificate is not a master's is disconnected unspoken
        to.
        """
        self.endpoint.peer = Peer("slave", "slave1", "127.0.0.1:5050")
        self.makeDriver().start()
        self.assertEqual(self.sent(), [])
        self.assertTrue(self.connection.transport.disconnecting)
        self.flushLoggedErrors()

    def test_plainTransport(self) -> None:
        """
        A peer without a role (a transport without TLS) is spoken to.
        """
        self.endpoint.peer = Peer("", "", "127.0.0.1:5050")
        self.makeDriver().start()
        self.assertEqual(len(self.sent()), 1)
        self.assertFalse(self.connection.transport.disconnecting)


class MethodTests(DriverTestCase):
    """
    Tests for the messages L{SchedulerDriver}'s methods send.
    """

    def test_launchTasks(self) -> None:
        """
        L{SchedulerDriver.launchTasks} sends C{AcceptOffersMessage} with one
        C{LAUNCH} operation and no filters by default.
        """
        driver = self.startRegistered()
        result = driver.launchTasks(OfferID(value="o1"), [task("t1"), task("t2")])
        self.assertEqual(self.successResultOf(result), mesos_pb2.DRIVER_RUNNING)
        [message] = self.sent()
        self.assertIsInstance(message, msgs.AcceptOffersMessage)
        self.assertEqual(message.framework_id.value, FRAMEWORK_ID)
        self.assertEqual(list(message.offer_ids), [OfferID(value="o1")])
        [operation] = message.operations
        self.assertEqual(operation.type, Offer.Operation.LAUNCH)
        self.assertEqual(list(operation.launch.task_infos), [task("t1"), task("t2")])
        self.assertFalse(message.HasField("filters"))

    def test_launchTasksOffers(self) -> None:
        """
        L{SchedulerDriver.launchTasks} takes several offers, as messages or
        values, and filters.
        """
        driver = self.startRegistered()
        driver.launchTasks(
            [OfferID(value="o1"), "o2"], [task("t1")], Filters(refuse_seconds=30)
        )
        [message] = self.sent()
        self.assertEqual([o.value for o in message.offer_ids], ["o1", "o2"])
        self.assertEqual(message.filters.refuse_seconds, 30)

    def test_acceptOffers(self) -> None:
        """
        L{SchedulerDriver.acceptOffers} sends the operations given.
        """
        driver = self.startRegistered()
        operation = Offer.Operation(type=Offer.Operation.LAUNCH)
        operation.launch.task_infos.add().CopyFrom(task("t1"))
        driver.acceptOffers([OfferID(value="o1")], [operation], Filters(refuse_seconds=1))
        [message] = self.sent()
        self.assertIsInstance(message, msgs.AcceptOffersMessage)
        self.assertEqual(list(message.operations), [operation])
        self.assertEqual(message.filters.refuse_seconds, 1)

    def test_declineOffer(self) -> None:
        """
        L{SchedulerDriver.declineOffer} sends C{DeclineOffersMessage}.
        """
        driver = self.startRegistered()
        driver.declineOffer(OfferID(value="o1"), Filters(refuse_seconds=60))
        [message] = self.sent()
        self.assertEqual(
            message,
            msgs.DeclineOffersMessage(
                framework_id=FrameworkID(value=FRAMEWORK_ID),
                offer_ids=[OfferID(value="o1")],
                filters=Filters(refuse_seconds=60),
            ),
        )

    def test_declineOfferDefaultFilters(self) -> None:
        """
        Without filters, C{DeclineOffersMessage} leaves them to the master.
        """
        driver = self.startRegistered()
        driver.declineOffer(OfferID(value="o1"))
        [message] = self.sent()
        self.assertFalse(message.HasField("filters"))

    def test_reviveOffers(self) -> None:
        """
        L{SchedulerDriver.reviveOffers} sends C{ReviveOffersMessage}.
        """
        driver = self.startRegistered()
        driver.reviveOffers()
        self.assertEqual(
            self.sent(),
            [msgs.ReviveOffersMessage(framework_id=FrameworkID(value=FRAMEWORK_ID))],
        )

    def test_suppressOffers(self) -> None:
        """
        L{SchedulerDriver.suppressOffers} sends C{SuppressOffersMessage}.
        """
        driver = self.startRegistered()
        driver.suppressOffers()
        self.assertEqual(
            self.sent(),
            [msgs.SuppressOffersMessage(framework_id=FrameworkID(value=FRAMEWORK_ID))],
        )

    def test_killTask(self) -> None:
        """
        L{SchedulerDriver.killTask} sends C{KillTaskMessage}.
        """
        driver = self.startRegistered()
        driver.killTask(TaskID(value="t1"))
        self.assertEqual(
            self.sent(),
            [
                msgs.KillTaskMessage(
                    framework_id=FrameworkID(value=FRAMEWORK_ID),
                    task_id=TaskID(value="t1"),
                )
            ],
        )

    def test_sendFrameworkMessage(self) -> None:
        """
        L{SchedulerDriver.sendFrameworkMessage} sends
        C{FrameworkToExecutorMessage} to the master.
        """
        driver = self.startRegistered()
        driver.sendFrameworkMessage(
            ExecutorID(value="e1"), SlaveID(value=SLAVE_ID), b"hello"
        )
        self.assertEqual(
            self.sent(),
            [
                msgs.FrameworkToExecutorMessage(
                    slave_id=SlaveID(value=SLAVE_ID),
                    framework_id=FrameworkID(value=FRAMEWORK_ID),
                    executor_id=ExecutorID(value="e1"),
                    data=b"hello",
                )
            ],
        )

    def test_reconcileTasks(self) -> None:
        """
        L{SchedulerDriver.reconcileTasks} sends C{ReconcileTasksMessage} with
        the task and slave ids of the statuses only.
        """
        driver = self.startRegistered()
        status = taskStatus(
            "t1", mesos_pb2.TASK_RUNNING, TaskStatus.SOURCE_EXECUTOR, slaveId=SLAVE_ID
        )
        driver.reconcileTasks([status])
        [message] = self.sent()
        self.assertEqual(message.framework_id.value, FRAMEWORK_ID)
        [sentStatus] = message.statuses
        self.assertEqual(
            sentStatus,
            TaskStatus(task_id=TaskID(value="t1"), slave_id=SlaveID(value=SLAVE_ID)),
        )

    def test_reconcileAllTasks(self) -> None:
        """
        L{SchedulerDriver.reconcileTasks} with no statuses asks for all tasks.
        """
        driver = self.startRegistered()
        driver.reconcileTasks([])
        self.assertEqual(
            self.sent(),
            [msgs.ReconcileTasksMessage(framework_id=FrameworkID(value=FRAMEWORK_ID))],
        )

    def test_requestResources(self) -> None:
        """
        L{SchedulerDriver.requestResources} sends C{ResourceRequestMessage}.
        """
        driver = self.startRegistered()
        request = Request(slave_id=SlaveID(value=SLAVE_ID))
        driver.requestResources([request])
        self.assertEqual(
            self.sent(),
            [
                msgs.ResourceRequestMessage(
                    framework_id=FrameworkID(value=FRAMEWORK_ID), requests=[request]
                )
            ],
        )

    def allMethods(self, driver: SchedulerDriver) -> list[Deferred[int]]:
        """
        Call every method that acts on the cluster.
        """
        status = taskStatus(
            "t1", mesos_pb2.TASK_RUNNING, TaskStatus.SOURCE_EXECUTOR, slaveId=SLAVE_ID
        )
        return [
            driver.launchTasks(OfferID(value="o1"), [task("t1")]),
            driver.acceptOffers([OfferID(value="o1")], []),
            driver.declineOffer(OfferID(value="o1")),
            driver.reviveOffers(),
            driver.suppressOffers(),
            driver.killTask(TaskID(value="t1")),
            driver.acknowledgeStatusUpdate(status),
            driver.sendFrameworkMessage(ExecutorID(value="e"), SlaveID(value="s"), b""),
            driver.reconcileTasks([status]),
            driver.requestResources([]),
        ]

    def test_notStarted(self) -> None:
        """
        Before L{SchedulerDriver.start}, every method does nothing and fires
        with C{DRIVER_NOT_STARTED}.
        """
        driver = self.makeDriver(implicitAcknowledgements=False)
        for result in self.allMethods(driver):
            self.assertEqual(self.successResultOf(result), mesos_pb2.DRIVER_NOT_STARTED)
        self.assertEqual(self.endpoint.connections, [])
        self.assertEqual(self.scheduler.calls, [])

    def test_aborted(self) -> None:
        """
        After L{SchedulerDriver.abort}, every method does nothing and fires
        with C{DRIVER_ABORTED}.
        """
        driver = self.startRegistered(implicitAcknowledgements=False)
        driver.abort()
        self.sent()
        for result in self.allMethods(driver):
            self.assertEqual(self.successResultOf(result), mesos_pb2.DRIVER_ABORTED)
        self.assertEqual(self.sent(), [])
        self.assertEqual(self.scheduler.calls, [])

    def test_droppedWhileUnregistered(self) -> None:
        """
        While not registered, the methods other than launches send nothing
        and fire with C{DRIVER_RUNNING}.
        """
        driver = self.makeDriver(implicitAcknowledgements=False)
        driver.start()
        self.sent()
        for result in self.allMethods(driver)[2:]:
            self.assertEqual(self.successResultOf(result), mesos_pb2.DRIVER_RUNNING)
        self.assertEqual(self.sent(), [])

    def assertLost(self, state: int = mesos_pb2.TASK_LOST) -> None:
        """
        Assert that the scheduler was told, and only told, that tasks C{t1}
        and C{t2} are lost because the master is disconnected.
        """
        self.assertEqual(self.scheduler.names(), ["statusUpdate", "statusUpdate"])
        statuses = [call[1] for call in self.scheduler.calls]
        self.assertEqual([s.task_id.value for s in statuses], ["t1", "t2"])
        for status in statuses:
            self.assertEqual(status.state, state)
            self.assertEqual(status.source, TaskStatus.SOURCE_MASTER)
            self.assertEqual(status.reason, TaskStatus.REASON_MASTER_DISCONNECTED)
            self.assertEqual(status.message, "Master disconnected")
            self.assertEqual(status.uuid, b"")

    def test_launchWhileDisconnected(self) -> None:
        """
        Tasks launched while disconnected are reported C{TASK_LOST} by the
        driver itself, and nothing is sent.
        """
        driver = self.startRegistered()
        self.connection.lose()
        del self.scheduler.calls[:]
        result = driver.launchTasks(OfferID(value="o1"), [task("t1"), task("t2")])
        self.assertEqual(self.successResultOf(result), mesos_pb2.DRIVER_RUNNING)
        self.assertLost()
        self.assertEqual(self.sent(), [])
        self.assertEqual(len(self.endpoint.connections), 1)

    def test_acceptWhileUnregistered(self) -> None:
        """
        L{SchedulerDriver.acceptOffers} while connected but not registered
        also reports the launched tasks C{TASK_LOST}.
        """
        driver = self.makeDriver()
        driver.start()
        self.sent()
        operation = Offer.Operation(type=Offer.Operation.LAUNCH)
        operation.launch.task_infos.extend([task("t1"), task("t2")])
        driver.acceptOffers([OfferID(value="o1")], [operation])
        self.assertLost()
        self.assertEqual(self.sent(), [])

    def test_launchWhileDisconnectedPartitionAware(self) -> None:
        """
        A partition-aware framework is told C{TASK_DROPPED} instead, as in
        Mesos.
        """
        info = frameworkInfo()
        info.capabilities.add(type=FrameworkInfo.Capability.PARTITION_AWARE)
        driver = self.makeDriver(info)
        driver.start()
        driver.launchTasks("o1", [task("t1"), task("t2")])
        self.assertLost(mesos_pb2.TASK_DROPPED)


class StatusUpdateTests(DriverTestCase):
    """
    Tests for how L{SchedulerDriver} delivers and acknowledges status updates.
    """

    def ack(self, message: msgs.StatusUpdateMessage):
        """
        The acknowledgement of C{message}.
        """
        return msgs.StatusUpdateAcknowledgementMessage(
            slave_id=SlaveID(value=SLAVE_ID),
            framework_id=FrameworkID(value=FRAMEWORK_ID),
            task_id=message.update.status.task_id,
            uuid=message.update.status.uuid,
        )

    def test_delivered(self) -> None:
        """
        C{StatusUpdateMessage} calls C{statusUpdate} with its status.
        """
        self.startRegistered()
        message = update("t1")
        self.receive(message)
        self.assertEqual(self.scheduler.calls, [("statusUpdate", message.update.status)])

    def test_slaveIdFilled(self) -> None:
        """
        A status without a slave id gets the update's.
        """
        self.startRegistered()
        message = update("t1")
        message.update.status.ClearField("slave_id")
        self.receive(message)
        [(_, status)] = self.scheduler.calls
        self.assertEqual(status.slave_id.value, SLAVE_ID)

    def test_implicitAcknowledgement(self) -> None:
        """
        With implicit acknowledgements, the update is acknowledged once the
        callback has returned.
        """
        self.startRegistered()
        message = update("t1")
        self.receive(message)
        self.assertEqual(self.sent(), [self.ack(message)])

    def test_implicitAcknowledgementWaits(self) -> None:
        """
        If C{statusUpdate} returns a L{Deferred}, the acknowledgement is sent
        when it fires, not before.
        """
        self.startRegistered()
        pending: Deferred[None] = Deferred()
        self.scheduler.results["statusUpdate"] = pending
        message = update("t1")
        self.receive(message)
        self.assertEqual(self.sent(), [])
        pending.callback(None)
        self.assertEqual(self.sent(), [self.ack(message)])

    def test_noAcknowledgementOnFailure(self) -> None:
        """
        If C{statusUpdate} fails, the failure is logged and the update is not
        acknowledged (the slave will send it again).
        """
        self.startRegistered()
        pending: Deferred[None] = Deferred()
        self.scheduler.results["statusUpdate"] = pending
        self.receive(update("t1"))
        pending.errback(ZeroDivisionError())
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.assertEqual(self.sent(), [])

    def test_noAcknowledgementWithoutUUID(self) -> None:
        """
        Updates without a uuid are not acknowledged.
        """
        self.startRegistered()
        self.receive(update("t1", uuid=False))
        self.assertEqual(self.scheduler.names(), ["statusUpdate"])
        self.assertEqual(self.sent(), [])

    def test_noAcknowledgementWhenStopped(self) -> None:
        """
        An update whose callback finishes after the driver stopped is not
        acknowledged.
        """
        driver = self.startRegistered()
        pending: Deferred[None] = Deferred()
        self.scheduler.results["statusUpdate"] = pending
        self.receive(update("t1"))
        driver.stop(failover=True)
        pending.callback(None)
        self.assertEqual(self.sent(), [])

    def test_explicitAcknowledgement(self) -> None:
        """
        With explicit acknowledgements, nothing is acknowledged until
        L{SchedulerDriver.acknowledgeStatusUpdate} is called.
        """
        driver = self.startRegistered(implicitAcknowledgements=False)
        message = update("t1")
        self.receive(message)
        self.assertEqual(self.sent(), [])
        [(_, status)] = self.scheduler.calls
        result = driver.acknowledgeStatusUpdate(status)
        self.assertEqual(self.successResultOf(result), mesos_pb2.DRIVER_RUNNING)
        self.assertEqual(self.sent(), [self.ack(message)])

    def test_explicitAcknowledgementWithoutUUID(self) -> None:
        """
        L{SchedulerDriver.acknowledgeStatusUpdate} of a status without a uuid
        sends nothing.
        """
        driver = self.startRegistered(implicitAcknowledgements=False)
        status = taskStatus(
            "t1", mesos_pb2.TASK_LOST, TaskStatus.SOURCE_MASTER, withUUID=False
        )
        driver.acknowledgeStatusUpdate(status)
        self.assertEqual(self.sent(), [])

    def test_explicitAcknowledgementInImplicitMode(self) -> None:
        """
        L{SchedulerDriver.acknowledgeStatusUpdate} with implicit
        acknowledgements is logged and ignored.
        """
        driver = self.startRegistered()
        message = update("t1")
        self.receive(message)
        self.sent()
        [(_, status)] = self.scheduler.calls
        driver.acknowledgeStatusUpdate(status)
        self.assertEqual(self.sent(), [])
        self.flushLoggedErrors()

    def test_otherFrameworkIgnored(self) -> None:
        """
        An update for another framework is ignored.
        """
        self.startRegistered()
        message = update("t1")
        message.update.framework_id.value = "other"
        self.receive(message)
        self.assertEqual(self.scheduler.calls, [])
        self.assertEqual(self.sent(), [])


class CallbackTests(DriverTestCase):
    """
    Tests for the callbacks L{SchedulerDriver} delivers and their order.
    """

    def test_resourceOffers(self) -> None:
        """
        C{ResourceOffersMessage} calls C{resourceOffers} with a list of the
        offers.
        """
        self.startRegistered()
        offers = [
            Offer(id=OfferID(value=f"o{i}"), slave_id=SlaveID(value=SLAVE_ID))
            for i in range(2)
        ]
        self.receive(msgs.ResourceOffersMessage(offers=offers))
        [(name, received)] = self.scheduler.calls
        self.assertEqual(name, "resourceOffers")
        self.assertIsInstance(received, list)
        self.assertEqual(received, offers)

    def test_offerRescinded(self) -> None:
        """
        C{RescindResourceOfferMessage} calls C{offerRescinded}.
        """
        self.startRegistered()
        self.receive(msgs.RescindResourceOfferMessage(offer_id=OfferID(value="o1")))
        self.assertEqual(
            self.scheduler.calls, [("offerRescinded", OfferID(value="o1"))]
        )

    def test_frameworkMessage(self) -> None:
        """
        C{ExecutorToFrameworkMessage} calls C{frameworkMessage}.
        """
        self.startRegistered()
        self.receive(
            msgs.ExecutorToFrameworkMessage(
                slave_id=SlaveID(value=SLAVE_ID),
                framework_id=FrameworkID(value=FRAMEWORK_ID),
                executor_id=ExecutorID(value="e1"),
                data=b"hi",
            )
        )
        self.assertEqual(
            self.scheduler.calls,
            [("frameworkMessage", ExecutorID(value="e1"), SlaveID(value=SLAVE_ID), b"hi")],
        )

    def test_slaveLost(self) -> None:
        """
        C{LostSlaveMessage} calls C{slaveLost}.
        """
        self.startRegistered()
        self.receive(msgs.LostSlaveMessage(slave_id=SlaveID(value=SLAVE_ID)))
        self.assertEqual(self.scheduler.calls, [("slaveLost", SlaveID(value=SLAVE_ID))])

    def test_executorLost(self) -> None:
        """
        C{ExitedExecutorMessage} calls C{executorLost} with the exit status.
        """
        self.startRegistered()
        self.receive(
            msgs.ExitedExecutorMessage(
                slave_id=SlaveID(value=SLAVE_ID),
                framework_id=FrameworkID(value=FRAMEWORK_ID),
                executor_id=ExecutorID(value="e1"),
                status=256,
            )
        )
        self.assertEqual(
            self.scheduler.calls,
            [("executorLost", ExecutorID(value="e1"), SlaveID(value=SLAVE_ID), 256)],
        )

    def test_ignoredBeforeRegistration(self) -> None:
        """
        Offers and updates arriving before registration are ignored.
        """
        self.makeDriver().start()
        self.sent()
        self.receive(msgs.ResourceOffersMessage(offers=[Offer(id=OfferID(value="o"))]))
        self.receive(update("t1"))
        self.assertEqual(self.scheduler.calls, [])
        self.assertEqual(self.sent(), [])

    def test_ordered(self) -> None:
        """
        While a callback's L{Deferred} is pending, later events wait for it.
        """
        self.startRegistered()
        pending: Deferred[None] = Deferred()
        self.scheduler.results["resourceOffers"] = pending
        self.receive(msgs.ResourceOffersMessage(offers=[Offer(id=OfferID(value="o1"))]))
        self.receive(msgs.RescindResourceOfferMessage(offer_id=OfferID(value="o1")))
        self.receive(msgs.LostSlaveMessage(slave_id=SlaveID(value=SLAVE_ID)))
        self.assertEqual(self.scheduler.names(), ["resourceOffers"])
        pending.callback(None)
        self.assertEqual(
            self.scheduler.names(), ["resourceOffers", "offerRescinded", "slaveLost"]
        )

    def test_orderedWithLocalUpdates(self) -> None:
        """
        Tasks lost by a launch from inside a callback are reported after that
        callback has returned.
        """
        driver = self.startRegistered()

        def disconnected(d: SchedulerDriver) -> None:
            d.launchTasks("o1", [task("t1")])
            self.scheduler.calls.append(("launched",))

        self.scheduler.disconnected = disconnected
        self.connection.lose()
        self.assertEqual(self.scheduler.names(), ["launched", "statusUpdate"])
        self.assertEqual(driver.status, mesos_pb2.DRIVER_RUNNING)

    def test_raisingCallbackLogged(self) -> None:
        """
        An exception raised by a callback is logged and the next callbacks
        are delivered.
        """
        self.startRegistered()
        self.scheduler.results["resourceOffers"] = ZeroDivisionError()
        self.receive(msgs.ResourceOffersMessage(offers=[Offer(id=OfferID(value="o1"))]))
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.receive(msgs.RescindResourceOfferMessage(offer_id=OfferID(value="o1")))
        self.assertEqual(self.scheduler.names(), ["resourceOffers", "offerRescinded"])

    def test_failedDeferredLogged(self) -> None:
        """
        A callback's failed L{Deferred} is logged and the callbacks waiting
        for it are delivered.
        """
        self.startRegistered()
        pending: Deferred[None] = Deferred()
        self.scheduler.results["resourceOffers"] = pending
        self.receive(msgs.ResourceOffersMessage(offers=[Offer(id=OfferID(value="o1"))]))
        self.receive(msgs.RescindResourceOfferMessage(offer_id=OfferID(value="o1")))
        pending.errback(ZeroDivisionError())
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.assertEqual(self.scheduler.names(), ["resourceOffers", "offerRescinded"])

    def test_failureLoggedWithFrameworkId(self) -> None:
        """
        The log event of a failed callback names the framework and the
        callback.
        """
        events: list[dict] = []
        from twisted.logger import globalLogPublisher

        globalLogPublisher.addObserver(events.append)
        self.addCleanup(globalLogPublisher.removeObserver, events.append)
        self.startRegistered()
        self.scheduler.results["slaveLost"] = ZeroDivisionError()
        self.receive(msgs.LostSlaveMessage(slave_id=SlaveID(value=SLAVE_ID)))
        self.flushLoggedErrors(ZeroDivisionError)
        [event] = [e for e in events if "log_failure" in e]
        self.assertEqual(event["frameworkId"], FRAMEWORK_ID)
        self.assertEqual(event["callback"], "slaveLost")


class StopTests(DriverTestCase):
    """
    Tests for stopping, aborting and joining a L{SchedulerDriver}.
    """

    def test_stop(self) -> None:
        """
        L{SchedulerDriver.stop} sends C{UnregisterFrameworkMessage}, closes the
        connection for good and fires with C{DRIVER_STOPPED}, as does
        L{SchedulerDriver.join}.
        """
        driver = self.startRegistered()
        joined = driver.join()
        stopped = driver.stop()
        self.assertEqual(driver.status, mesos_pb2.DRIVER_STOPPED)
        self.assertEqual(
            self.sent(),
            [msgs.UnregisterFrameworkMessage(framework_id=FrameworkID(value=FRAMEWORK_ID))],
        )
        self.assertTrue(self.connection.transport.disconnecting)
        self.assertNoResult(stopped)
        self.assertNoResult(joined)
        self.clock.advance(0)
        self.assertEqual(self.successResultOf(stopped), mesos_pb2.DRIVER_STOPPED)
        self.assertEqual(self.successResultOf(joined), mesos_pb2.DRIVER_STOPPED)
        self.assertEqual(self.successResultOf(driver.join()), mesos_pb2.DRIVER_STOPPED)
        self.clock.advance(1000)
        self.assertEqual(len(self.endpoint.connections), 1)
        self.assertEqual(self.scheduler.calls, [])

    def test_stopFailover(self) -> None:
        """
        L{SchedulerDriver.stop} with C{failover} sends nothing.
        """
        driver = self.startRegistered()
        stopped = driver.stop(failover=True)
        self.assertEqual(self.sent(), [])
        self.clock.advance(0)
        self.assertEqual(self.successResultOf(stopped), mesos_pb2.DRIVER_STOPPED)

    def test_stopTwice(self) -> None:
        """
        Stopping a stopped driver does nothing.
        """
        driver = self.startRegistered()
        driver.stop()
        self.clock.advance(0)
        self.sent()
        self.assertEqual(self.successResultOf(driver.stop()), mesos_pb2.DRIVER_STOPPED)
        self.assertEqual(self.sent(), [])

    def test_stopBeforeRegistration(self) -> None:
        """
        Stopping before registration fails L{SchedulerDriver.start}'s result
        with L{DriverStopped} and sends nothing.
        """
        driver = self.makeDriver()
        started = driver.start()
        self.sent()
        driver.stop()
        self.assertEqual(self.sent(), [])
        failure = self.failureResultOf(started, DriverStopped)
        self.assertEqual(failure.value.status, mesos_pb2.DRIVER_STOPPED)
        self.clock.advance(1000)
        self.assertEqual(self.sent(), [])

    def test_stopNotStarted(self) -> None:
        """
        Stopping a driver never started fires with C{DRIVER_NOT_STARTED}, as
        does L{SchedulerDriver.join}.
        """
        driver = self.makeDriver()
        self.assertEqual(self.successResultOf(driver.stop()), mesos_pb2.DRIVER_NOT_STARTED)
        self.assertEqual(self.successResultOf(driver.join()), mesos_pb2.DRIVER_NOT_STARTED)

    def test_startStopped(self) -> None:
        """
        A stopped driver cannot start again.
        """
        driver = self.startRegistered()
        driver.stop()
        self.failureResultOf(driver.start(), DriverStopped)

    def test_noCallbacksAfterStop(self) -> None:
        """
        Callbacks still queued when the driver stops are not delivered, nor is
        C{disconnected}.
        """
        driver = self.startRegistered()
        pending: Deferred[None] = Deferred()
        self.scheduler.results["resourceOffers"] = pending
        self.receive(msgs.ResourceOffersMessage(offers=[Offer(id=OfferID(value="o1"))]))
        self.receive(msgs.RescindResourceOfferMessage(offer_id=OfferID(value="o1")))
        driver.stop()
        self.clock.advance(0)
        pending.callback(None)
        self.assertEqual(self.scheduler.names(), ["resourceOffers"])

    def test_abort(self) -> None:
        """
        L{SchedulerDriver.abort} sends C{DeactivateFrameworkMessage}, closes
        the connection and fires with C{DRIVER_ABORTED}, as does
        L{SchedulerDriver.join}.
        """
        driver = self.startRegistered()
        joined = driver.join()
        aborted = driver.abort()
        self.assertEqual(driver.status, mesos_pb2.DRIVER_ABORTED)
        self.assertEqual(
            self.sent(),
            [msgs.DeactivateFrameworkMessage(framework_id=FrameworkID(value=FRAMEWORK_ID))],
        )
        self.clock.advance(0)
        self.assertEqual(self.successResultOf(aborted), mesos_pb2.DRIVER_ABORTED)
        self.assertEqual(self.successResultOf(joined), mesos_pb2.DRIVER_ABORTED)
        self.clock.advance(1000)
        self.assertEqual(len(self.endpoint.connections), 1)

    def test_stopAfterAbort(self) -> None:
        """
        L{SchedulerDriver.stop} after L{SchedulerDriver.abort} sends nothing,
        fires with C{DRIVER_ABORTED} and leaves the driver C{DRIVER_STOPPED},
        as in Mesos.
        """
        driver = self.startRegistered()
        driver.abort()
        self.clock.advance(0)
        self.sent()
        self.assertEqual(self.successResultOf(driver.stop()), mesos_pb2.DRIVER_ABORTED)
        self.assertEqual(driver.status, mesos_pb2.DRIVER_STOPPED)
        self.assertEqual(self.sent(), [])

    def test_error(self) -> None:
        """
        C{FrameworkErrorMessage} aborts the driver, then calls C{error} with
        the message.
        """
        driver = self.startRegistered()
        joined = driver.join()
        statuses = []
        self.scheduler.error = lambda d, message: statuses.append((d.status, message))
        self.receive(msgs.FrameworkErrorMessage(message="Framework failed over"))
        self.assertEqual(statuses, [(mesos_pb2.DRIVER_ABORTED, "Framework failed over")])
        self.assertEqual(
            self.sent(),
            [msgs.DeactivateFrameworkMessage(framework_id=FrameworkID(value=FRAMEWORK_ID))],
        )
        self.clock.advance(0)
        self.assertEqual(self.successResultOf(joined), mesos_pb2.DRIVER_ABORTED)
        self.flushLoggedErrors()

    def test_errorBeforeRegistration(self) -> None:
        """
        C{FrameworkErrorMessage} before registration calls C{error} and fails
        L{SchedulerDriver.start}'s result.
        """
        driver = self.makeDriver()
        started = driver.start()
        self.sent()
        self.receive(msgs.FrameworkErrorMessage(message="Framework has been removed"))
        self.assertEqual(self.scheduler.calls, [("error", "Framework has been removed")])
        failure = self.failureResultOf(started, DriverStopped)
        self.assertEqual(failure.value.status, mesos_pb2.DRIVER_ABORTED)
        self.assertIn("Framework has been removed", str(failure.value))
        self.assertEqual(self.sent(), [])
        self.flushLoggedErrors()

    def test_errorAfterPendingCallback(self) -> None:
        """
        The C{error} callback waits for a pending callback, and the callbacks
        between them are dropped.
        """
        self.startRegistered()
        pending: Deferred[None] = Deferred()
        self.scheduler.results["resourceOffers"] = pending
        self.receive(msgs.ResourceOffersMessage(offers=[Offer(id=OfferID(value="o1"))]))
        self.receive(msgs.RescindResourceOfferMessage(offer_id=OfferID(value="o1")))
        self.receive(msgs.FrameworkErrorMessage(message="boom"))
        self.assertEqual(self.scheduler.names(), ["resourceOffers"])
        pending.callback(None)
        self.assertEqual(self.scheduler.names(), ["resourceOffers", "error"])
        self.flushLoggedErrors()

    def test_run(self) -> None:
        """
        L{SchedulerDriver.run} starts the driver and fires with its status
        once it has stopped.
        """
        driver = self.makeDriver()
        ran = driver.run()
        self.assertEqual(len(self.sent()), 1)
        self.assertNoResult(ran)
        driver.stop()
        self.clock.advance(0)
        self.assertEqual(self.successResultOf(ran), mesos_pb2.DRIVER_STOPPED)


class ConstructionTests(SynchronousTestCase):
    """
    Tests for the arguments of L{SchedulerDriver}.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        saved = os.environ.pop(constants.TLS_DIR_ENVIRONMENT_VARIABLE, None)
        if saved is not None:
            self.addCleanup(
                os.environ.__setitem__, constants.TLS_DIR_ENVIRONMENT_VARIABLE, saved
            )

    def make(self, **kw: Any) -> SchedulerDriver:
        kw.setdefault("master", "127.0.0.1:5050")
        return SchedulerDriver(Scheduler(), frameworkInfo(), reactor=self.clock, **kw)

    def test_noCredentials(self) -> None:
        """
        Without an endpoint, credentials, TLS directory or C{$MESOS_TLS_DIR},
        the driver refuses to be made, saying how to make credentials.
        """
        error = self.assertRaises(TLSConfigurationError, self.make)
        self.assertIn("MESOS_TLS_DIR", str(error))
        self.assertIn("--role framework", str(error))

    def test_tlsDir(self) -> None:
        """
        The driver reads a framework's credentials from the directory given.
        """
        certificates = makeCluster(self.mktemp())
        driver = self.make(tlsDir=certificates.framework)
        self.assertEqual(driver.status, mesos_pb2.DRIVER_NOT_STARTED)

    def test_tlsDirFromEnvironment(self) -> None:
        """
        Without a TLS directory, the driver reads C{$MESOS_TLS_DIR}.
        """
        certificates = makeCluster(self.mktemp())
        os.environ[constants.TLS_DIR_ENVIRONMENT_VARIABLE] = certificates.slave
        self.addCleanup(os.environ.pop, constants.TLS_DIR_ENVIRONMENT_VARIABLE)
        error = self.assertRaises(TLSConfigurationError, self.make)
        self.assertIn("'slave'", str(error))

    def test_wrongRole(self) -> None:
        """
        Credentials that are not a framework's are refused.
        """
        credentials = Credentials(ca=None, certificate=None, role="master", name="m")
        self.assertRaises(TLSConfigurationError, self.make, credentials=credentials)

    def test_badMaster(self) -> None:
        """
        A master address that is not C{host:port} is refused.
        """
        self.assertRaises(
            ValueError, self.make, master="nowhere", endpoint=FakeMasterEndpoint(self.clock)
        )

    def test_exports(self) -> None:
        """
        L{mesos_tw.scheduler} exports L{Scheduler} and L{SchedulerDriver}.
        """
        import mesos_tw.scheduler

        self.assertEqual(
            sorted(mesos_tw.scheduler.__all__), ["Scheduler", "SchedulerDriver"]
        )

    def test_schedulerCallbacksDoNothing(self) -> None:
        """
        The base L{Scheduler}'s callbacks accept the driver's arguments and
        return L{None}.
        """
        scheduler = Scheduler()
        driver = object()
        self.assertIsNone(scheduler.registered(driver, FrameworkID(), MasterInfo()))
        self.assertIsNone(scheduler.reregistered(driver, MasterInfo()))
        self.assertIsNone(scheduler.disconnected(driver))
        self.assertIsNone(scheduler.resourceOffers(driver, []))
        self.assertIsNone(scheduler.offerRescinded(driver, OfferID()))
        self.assertIsNone(scheduler.statusUpdate(driver, TaskStatus()))
        self.assertIsNone(
            scheduler.frameworkMessage(driver, ExecutorID(), SlaveID(), b"")
        )
        self.assertIsNone(scheduler.slaveLost(driver, SlaveID()))
        self.assertIsNone(scheduler.executorLost(driver, ExecutorID(), SlaveID(), 0))
        self.assertIsNone(scheduler.error(driver, "x"))


class LeaderChangeTests(SynchronousTestCase):
    """
    Tests for a driver following the leading master (C{master="zk://..."}):
    on a leader change the scheduler gets C{disconnected}, then
    C{reregistered} from the new leader; the old leader is ignored, and a
    standby's redirect is followed.
    """

    def setUp(self) -> None:
        from mesos_tw.leader import StandaloneDetector
        from tests.test_leader import masterInfo
        from tests.test_leader_link import FakeMasters

        self.masterInfo = masterInfo
        self.clock = Clock()
        self.masters = FakeMasters(self.clock)
        self.detector = StandaloneDetector(masterInfo(1))
        self.scheduler = RecordingScheduler()
        self.driver = SchedulerDriver(
            self.scheduler, frameworkInfo(), "zk://127.0.0.1:2181/mesos",
            reactor=self.clock, random=lambda: 1.0, detector=self.detector,
            endpointFor=self.masters,
        )

    def connection(self, n: int) -> FakeConnection:
        return self.masters.connections(n)[-1]

    def test_zooKeeperURL(self) -> None:
        """
        The driver takes the masters' ZooKeeper URL; a bad one is refused.
        """
        self.assertEqual(self.driver.master, "zk://127.0.0.1:2181/mesos")
        self.assertRaises(
            ValueError, SchedulerDriver, self.scheduler, frameworkInfo(), "zk://nowhere",
            reactor=self.clock, endpointFor=self.masters,
        )

    def test_newLeader(self) -> None:
        """
        When another master leads, the scheduler is told it is disconnected,
        the driver re-registers with the new leader (not as a failover) and
        the scheduler is told it is re-registered; the old leader's
        messages are ignored.
        """
        started = self.driver.start()
        old = self.connection(1)
        old.receive(msgs.FrameworkRegisteredMessage(
            framework_id=FrameworkID(value=FRAMEWORK_ID), master_info=self.masterInfo(1)
        ))
        self.successResultOf(started)
        old.sent()
        self.detector.appoint(self.masterInfo(2))
        self.assertEqual(self.scheduler.names(), ["registered", "disconnected"])
        new = self.connection(2)
        [message] = new.sent()
        self.assertIsInstance(message, msgs.ReregisterFrameworkMessage)
        self.assertEqual(message.framework.id.value, FRAMEWORK_ID)
        self.assertFalse(message.failover)
        old.receive(msgs.FrameworkErrorMessage(message="stale"))
        new.receive(msgs.FrameworkReregisteredMessage(
            framework_id=FrameworkID(value=FRAMEWORK_ID), master_info=self.masterInfo(2)
        ))
        self.assertEqual(
            self.scheduler.names(), ["registered", "disconnected", "reregistered"]
        )
        self.assertEqual(self.driver.masterInfo, self.masterInfo(2))
        self.assertEqual(self.driver.status, mesos_pb2.DRIVER_RUNNING)

    def test_redirected(self) -> None:
        """
        A standby's redirect sends the driver to the leader it names, where
        it registers.
        """
        started = self.driver.start()
        redirect = msgs.MasterRedirectMessage()
        redirect.leader.CopyFrom(self.masterInfo(3))
        self.connection(1).receive(redirect)
        self.clock.advance(0.2)
        [message] = self.connection(3).sent()
        self.assertIsInstance(message, msgs.RegisterFrameworkMessage)
        self.connection(3).receive(msgs.FrameworkRegisteredMessage(
            framework_id=FrameworkID(value=FRAMEWORK_ID), master_info=self.masterInfo(3)
        ))
        self.successResultOf(started)
        self.assertEqual(self.scheduler.names(), ["registered"])

    def test_stop(self) -> None:
        """
        Stopping the driver stops following the leader.
        """
        self.driver.start()
        self.connection(1).receive(msgs.FrameworkRegisteredMessage(
            framework_id=FrameworkID(value=FRAMEWORK_ID), master_info=self.masterInfo(1)
        ))
        stopped = self.driver.stop()
        self.clock.advance(1)
        self.assertEqual(self.successResultOf(stopped), mesos_pb2.DRIVER_STOPPED)
        self.detector.appoint(self.masterInfo(2))
        self.assertEqual(self.masters.connections(2), [])
