"""
Tests for the framework side of L{mesos_tw.master.master}: registration,
failover and teardown, offers, accepts, declines, tasks, status updates,
framework messages and reconciliation, driven through the real dispatch path
on fake connections.
"""

from __future__ import annotations

import uuid

from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

import mesos_tw
from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.master import constants
from mesos_tw.master.http import stateJSON
from mesos_tw.master.master import Master
from mesos_tw.mesos_pb2 import (
    CommandInfo,
    ExecutorInfo,
    Filters,
    FrameworkInfo,
    MasterInfo,
    Offer,
    SlaveInfo,
    TaskInfo,
    TaskStatus,
)
from mesos_tw.protocol.framing import MessageFactory, MessageProtocol
from mesos_tw.protocol.tls import Peer
from mesos_tw.resources import Resources
from mesos_tw.testing.allocator import FakeAllocator
from mesos_tw.testing.wire import ofType, sent, wire

parse = Resources.parse

MASTER_ID = "20240101-000000-16777343-5050-1"
TIMEOUT = 15.0
MAX_TIMEOUTS = 5
RESOURCES = "cpus:2;mem:1024;ports:[31000-32000]"
TASK = "cpus:1;mem:256"
PARTITION_AWARE = FrameworkInfo.Capability.PARTITION_AWARE







def slaveInfo(hostname: str = "host1", resources: str = RESOURCES) -> SlaveInfo:
    """
    A L{SlaveInfo} as a slave sends it.
    """
    return SlaveInfo(hostname=hostname, resources=parse(resources).toProto())


def frameworkInfo(
    name: str = "fw", user: str = "alice", frameworkId: str = "", **kw
) -> FrameworkInfo:
    """
    A L{FrameworkInfo} as a scheduler driver sends it.
    """
    info = FrameworkInfo(name=name, user=user, **kw)
    if frameworkId:
        info.id.value = frameworkId
    return info


def commandTask(
    taskId: str, slaveId: str, resources: str = TASK
) -> TaskInfo:
    """
    A L{TaskInfo} of a command task.
    """
    task = TaskInfo(
        name=f"task {taskId}",
        resources=parse(resources).toProto(),
        command=CommandInfo(value="sleep 100"),
    )
    task.task_id.value = taskId
    task.slave_id.value = slaveId
    return task


def executorTask(
    taskId: str,
    slaveId: str,
    resources: str = TASK,
    executorId: str = "e1",
    executorResources: str = "cpus:0.5;mem:64",
) -> TaskInfo:
    """
    A L{TaskInfo} run by a custom executor.
    """
    task = TaskInfo(name=f"task {taskId}", resources=parse(resources).toProto())
    task.task_id.value = taskId
    task.slave_id.value = slaveId
    task.executor.CopyFrom(
        ExecutorInfo(
            command=CommandInfo(value="./executor"),
            resources=parse(executorResources).toProto(),
        )
    )
    task.executor.executor_id.value = executorId
    return task


def accept(
    frameworkId: str,
    offerIds: list[str],
    tasks: list[TaskInfo],
    refuseSeconds: float | None = None,
) -> msgs.AcceptOffersMessage:
    """
    An L{msgs.AcceptOffersMessage} launching C{tasks} on C{offerIds}.
    """
    message = msgs.AcceptOffersMessage()
    message.framework_id.value = frameworkId
    for offerId in offerIds:
        message.offer_ids.add(value=offerId)
    operation = message.operations.add(type=Offer.Operation.LAUNCH)
    operation.launch.task_infos.extend(tasks)
    if refuseSeconds is not None:
        message.filters.CopyFrom(Filters(refuse_seconds=refuseSeconds))
    return message


def decline(
    frameworkId: str, offerIds: list[str], refuseSeconds: float | None = None
) -> msgs.DeclineOffersMessage:
    """
    A L{msgs.DeclineOffersMessage} for C{offerIds}.
    """
    message = msgs.DeclineOffersMessage()
    message.framework_id.value = frameworkId
    for offerId in offerIds:
        message.offer_ids.add(value=offerId)
    if refuseSeconds is not None:
        message.filters.CopyFrom(Filters(refuse_seconds=refuseSeconds))
    return message


def offerResources(offer: Offer) -> Resources:
    """
    The resources of C{offer}.
    """
    return Resources.fromProto(offer.resources)


def withFramework(messageType: type, frameworkId: str, **kw):
    """
    A message of C{messageType} naming C{frameworkId}.
    """
    message = messageType(**kw)
    message.framework_id.value = frameworkId
    return message


def slaveUpdate(
    frameworkId: str,
    slaveId: str,
    taskId: str,
    state: int,
    withUUID: bool = True,
    latestState: int | None = None,
) -> msgs.StatusUpdateMessage:
    """
    A L{msgs.StatusUpdateMessage} as a slave forwards it to the master.
    """
    status = TaskStatus(
        state=state, source=TaskStatus.SOURCE_EXECUTOR, timestamp=1234.5
    )
    status.task_id.value = taskId
    status.slave_id.value = slaveId
    if withUUID:
        status.uuid = uuid.uuid4().bytes
    update = msgs.StatusUpdate(status=status, timestamp=1234.5)
    update.framework_id.value = frameworkId
    update.slave_id.value = slaveId
    if latestState is not None:
        update.latest_state = latestState
    return msgs.StatusUpdateMessage(update=update)


def acknowledgement(
    frameworkId: str, slaveId: str, taskId: str, uuid: bytes
) -> msgs.StatusUpdateAcknowledgementMessage:
    """
    A L{msgs.StatusUpdateAcknowledgementMessage} as a driver sends it.
    """
    message = msgs.StatusUpdateAcknowledgementMessage(uuid=uuid)
    message.framework_id.value = frameworkId
    message.slave_id.value = slaveId
    message.task_id.value = taskId
    return message


class Connection:
    """
    A fake peer: a real L{MessageProtocol} on a L{StringTransport}.
    """

    def __init__(self, protocol: MessageProtocol, transport: StringTransport) -> None:
        self.protocol = protocol
        self.transport = transport

    def send(self, message) -> None:
        """
        Deliver C{message} to the master through the real dispatch path.
        """
        self.protocol.dataReceived(wire(message))

    def received(self) -> list:
        """
        The messages the master sent since the last look.
        """
        return sent(self.transport)

    def lose(self) -> None:
        """
        The connection ends.
        """
        self.protocol.connectionLost(Failure(ConnectionDone()))


class MasterTestCase(SynchronousTestCase):
    """
    A L{Master} on a L{Clock}, with fake slave and framework connections.
    """

    offerTimeout: float | None = None
    #: Called with no argument for the master's allocator, if set.
    allocatorFactory = None

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.info = MasterInfo(
            id=MASTER_ID,
            pid="master@127.0.0.1:5050",
            hostname="master.example.com",
            version=mesos_tw.__version__,
        )
        self.master = Master(
            self.info, self.clock, TIMEOUT, MAX_TIMEOUTS,
            offerTimeout=self.offerTimeout,
            allocator=None if self.allocatorFactory is None else self.allocatorFactory(),
        )
        self.addCleanup(self.master.stop)

    def connect(self, role: str, name: str) -> Connection:
        """
        A connection from a peer with the given certificate identity.
        """
        factory = MessageFactory(
            self.master.dispatcher, onLost=self.master.connectionLost
        )
        protocol = factory.buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.peer = Peer(role, name, "127.0.0.1:4000")
        return Connection(protocol, transport)

    def addSlave(
        self, name: str = "slave1", hostname: str = "host1", resources: str = RESOURCES
    ) -> tuple[Connection, str]:
        """
        Register a slave, without running the allocation it asks for.

        @return: its connection, cleared, and its id.
        """
        slave = self.connect("slave", name)
        slave.send(msgs.RegisterSlaveMessage(
            slave=slaveInfo(hostname, resources), version=mesos_tw.__version__
        ))
        [reply] = ofType(slave.received(), msgs.SlaveRegisteredMessage)
        return slave, reply.slave_id.value

    def addFramework(
        self, name: str = "fw1", info: FrameworkInfo | None = None
    ) -> tuple[Connection, str]:
        """
        Register a framework, without running the allocation it asks for.

        @return: its connection, cleared, and its id.
        """
        framework = self.connect("framework", name)
        framework.send(msgs.RegisterFrameworkMessage(
            framework=info if info is not None else frameworkInfo()
        ))
        [reply] = framework.received()
        self.assertIsInstance(reply, msgs.FrameworkRegisteredMessage)
        return framework, reply.framework_id.value

    def offers(self, framework: Connection, allocate: bool = True) -> list:
        """
        Run the pending allocation (unless not C{allocate}) and return the
        offers C{framework} received, checking it received nothing else.
        """
        if allocate:
            self.clock.advance(0)
        messages = framework.received()
        self.assertEqual(messages, ofType(messages, msgs.ResourceOffersMessage))
        return [offer for message in messages for offer in message.offers]

    def offered(
        self, info: FrameworkInfo | None = None
    ) -> tuple[Connection, str, Connection, str, Offer]:
        """
        One framework (registered with C{info}) and one slave, with the
        slave's single offer.
        """
        framework, frameworkId = self.addFramework(info=info)
        slave, slaveId = self.addSlave()
        [offer] = self.offers(framework)
        return framework, frameworkId, slave, slaveId, offer

    def launched(
        self,
        task: TaskInfo | None = None,
        refuseSeconds: float | None = None,
        info: FrameworkInfo | None = None,
    ) -> tuple[Connection, str, Connection, str]:
        """
        One framework (registered with C{info}) with one task launched on one
        slave, connections cleared.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered(info)
        if task is None:
            task = commandTask("t1", slaveId)
        framework.send(accept(frameworkId, [offer.id.value], [task], refuseSeconds))
        [run] = ofType(slave.received(), msgs.RunTaskMessage)
        self.assertEqual(run.task.task_id, task.task_id)
        self.assertEqual(framework.received(), [])
        return framework, frameworkId, slave, slaveId

    def updates(self, framework: Connection) -> list:
        """
        The statuses of the status updates C{framework} received, checking
        it received nothing else.
        """
        messages = framework.received()
        self.assertEqual(messages, ofType(messages, msgs.StatusUpdateMessage))
        return [m.update.status for m in messages]

    def allocated(self, frameworkId: str) -> Resources:
        """
        What the allocator counts as allocated to the framework.
        """
        return self.master.allocator.allocated(frameworkId)

    def refusals(self, connection: Connection, code: int, messageType: type) -> list:
        """
        The messages C{connection} received, checking that they are all
        refusals of C{messageType} messages with C{code}.
        """
        messages = connection.received()
        self.assertTrue(messages)
        for message in messages:
            self.assertIsInstance(message, msgs.MessageRefused)
            self.assertEqual(
                msgs.MessageRefused.Code.Name(message.code),
                msgs.MessageRefused.Code.Name(code),
            )
            self.assertEqual(message.message_type, messageType.DESCRIPTOR.full_name)
        self.assertFalse(connection.transport.disconnecting)
        return messages


class FrameworkRegistrationTests(MasterTestCase):
    """
    Tests for L{Master.registerFramework}.
    """

    def test_firstIds(self) -> None:
        """
        Frameworks get ids C{<masterId>-0000}, C{<masterId>-0001}, with the
        master's info.
        """
        framework = self.connect("framework", "fw1")
        framework.send(msgs.RegisterFrameworkMessage(framework=frameworkInfo()))
        [reply] = framework.received()
        self.assertIsInstance(reply, msgs.FrameworkRegisteredMessage)
        self.assertEqual(reply.framework_id.value, f"{MASTER_ID}-0000")
        self.assertEqual(reply.master_info, self.info)
        _, second = self.addFramework("fw2")
        self.assertEqual(second, f"{MASTER_ID}-0001")

    def test_record(self) -> None:
        """
        The master records the framework's info, with its id and the
        certificate name as principal, as active and connected.
        """
        framework, frameworkId = self.addFramework(
            "fw1", frameworkInfo(name="spark", user="bob", failover_timeout=30)
        )
        record = self.master.frameworks[frameworkId]
        self.assertEqual(record.info.id.value, frameworkId)
        self.assertEqual(record.info.name, "spark")
        self.assertEqual(record.info.user, "bob")
        self.assertEqual(record.info.principal, "fw1")
        self.assertEqual(record.info.failover_timeout, 30)
        self.assertEqual(record.role, "*")
        self.assertIs(record.connection, framework.protocol)
        self.assertTrue(record.active)
        self.assertTrue(record.connected)
        self.assertEqual(record.registeredTime, 1000)

    def test_principalMatches(self) -> None:
        """
        A principal equal to the certificate name is accepted.
        """
        _, frameworkId = self.addFramework("fw1", frameworkInfo(principal="fw1"))
        self.assertEqual(self.master.frameworks[frameworkId].info.principal, "fw1")

    def assertFrameworkRefused(
        self, info: FrameworkInfo, text: str, name: str = "fw1"
    ) -> None:
        """
        Registering C{info} is answered only by a L{msgs.FrameworkErrorMessage}
        with C{text}, and no framework is added.
        """
        framework = self.connect("framework", name)
        framework.send(msgs.RegisterFrameworkMessage(framework=info))
        self.assertEqual(framework.received(), [msgs.FrameworkErrorMessage(message=text)])
        self.assertEqual(self.master.frameworks, {})

    def test_otherPrincipal(self) -> None:
        """
        A principal other than the certificate name is refused.
        """
        self.assertFrameworkRefused(
            frameworkInfo(principal="root"),
            "principal 'root' does not match the certificate name 'fw1'",
        )

    def test_emptyName(self) -> None:
        """
        A framework needs a name.
        """
        self.assertFrameworkRefused(frameworkInfo(name=""), "FrameworkInfo.name is empty")

    def test_emptyUser(self) -> None:
        """
        A framework needs a user.
        """
        self.assertFrameworkRefused(frameworkInfo(user=""), "FrameworkInfo.user is empty")

    def test_badRole(self) -> None:
        """
        Roles with whitespace, or C{.}, are refused, in C{role} or C{roles}.
        """
        self.assertFrameworkRefused(frameworkInfo(role="my role"), "invalid role 'my role'")
        framework = self.connect("framework", "fw1")
        framework.send(msgs.RegisterFrameworkMessage(framework=frameworkInfo(role=".")))
        [error] = framework.received()
        self.assertIsInstance(error, msgs.FrameworkErrorMessage)
        self.assertIn("invalid role '.'", error.message)
        framework.send(
            msgs.RegisterFrameworkMessage(framework=frameworkInfo(roles=["ok", "a b"]))
        )
        [error] = framework.received()
        self.assertIsInstance(error, msgs.FrameworkErrorMessage)
        self.assertIn("'a b'", error.message)
        self.assertEqual(self.master.frameworks, {})

    def test_role(self) -> None:
        """
        A framework's role is its C{role}, or the first of its C{roles}.
        """
        _, first = self.addFramework("fw1", frameworkInfo(role="web"))
        _, second = self.addFramework("fw2", frameworkInfo(roles=["db", "web"]))
        self.assertEqual(self.master.frameworks[first].role, "web")
        self.assertEqual(self.master.frameworks[second].role, "db")

    def test_badFailoverTimeout(self) -> None:
        """
        A negative or infinite failover timeout is refused.
        """
        for timeout in [-1.0, float("inf"), float("nan")]:
            framework = self.connect("framework", "fw1")
            framework.send(msgs.RegisterFrameworkMessage(
                framework=frameworkInfo(failover_timeout=timeout)
            ))
            [error] = framework.received()
            self.assertIsInstance(error, msgs.FrameworkErrorMessage)
            self.assertIn("invalid failover_timeout", error.message)
        self.assertEqual(self.master.frameworks, {})

    def test_refusalKeepsIds(self) -> None:
        """
        A refused registration uses no id.
        """
        self.assertFrameworkRefused(frameworkInfo(name=""), "FrameworkInfo.name is empty")
        _, frameworkId = self.addFramework("fw2")
        self.assertEqual(frameworkId, f"{MASTER_ID}-0000")

    def test_duplicate(self) -> None:
        """
        A second RegisterFrameworkMessage on the same connection gets the same
        id again, and no new framework is added.
        """
        framework, frameworkId = self.addFramework()
        framework.send(msgs.RegisterFrameworkMessage(framework=frameworkInfo()))
        [reply] = framework.received()
        self.assertIsInstance(reply, msgs.FrameworkRegisteredMessage)
        self.assertEqual(reply.framework_id.value, frameworkId)
        self.assertEqual(list(self.master.frameworks), [frameworkId])

    def test_slaveRole(self) -> None:
        """
        A slave may not register as a framework: the dispatcher closes its
        connection.
        """
        slave = self.connect("slave", "slave1")
        slave.send(msgs.RegisterFrameworkMessage(framework=frameworkInfo()))
        self.assertTrue(slave.transport.disconnecting)
        self.assertEqual(slave.received(), [])
        self.assertEqual(self.master.frameworks, {})

    def test_frameworkSendsSlaveMessages(self) -> None:
        """
        A framework may not send the slaves' status updates.
        """
        framework, frameworkId = self.addFramework()
        framework.send(slaveUpdate(frameworkId, "S0", "t1", mesos_pb2.TASK_RUNNING))
        self.assertTrue(framework.transport.disconnecting)


class OfferTests(MasterTestCase):
    """
    Tests for the offers the master makes.
    """

    def test_offerAfterSlave(self) -> None:
        """
        A registered framework is offered all of a slave once it registers,
        with its hostname, its id, the allocation role and a fresh offer id.
        """
        framework, frameworkId = self.addFramework()
        self.assertEqual(self.offers(framework), [])
        slave, slaveId = self.addSlave(hostname="node7")
        [offer] = self.offers(framework)
        self.assertEqual(offer.id.value, f"{MASTER_ID}-O0")
        self.assertEqual(offer.framework_id.value, frameworkId)
        self.assertEqual(offer.slave_id.value, slaveId)
        self.assertEqual(offer.hostname, "node7")
        self.assertEqual(offerResources(offer), parse(RESOURCES))
        self.assertEqual(offer.allocation_info.role, "*")
        self.assertEqual(list(offer.executor_ids), [])
        record = self.master.offers[offer.id.value]
        self.assertEqual(record.frameworkId, frameworkId)
        self.assertEqual(record.slaveId, slaveId)
        self.assertEqual(self.master.frameworks[frameworkId].offers, {offer.id.value})

    def test_offerAfterFramework(self) -> None:
        """
        A framework registering after the slave is offered it.
        """
        _, slaveId = self.addSlave()
        self.clock.advance(0)
        framework, _ = self.addFramework()
        [offer] = self.offers(framework)
        self.assertEqual(offer.slave_id.value, slaveId)

    def test_onePerSlave(self) -> None:
        """
        Slaves registering together are offered in one message, one offer
        per slave.
        """
        framework, _ = self.addFramework()
        _, first = self.addSlave("slave1", "host1")
        _, second = self.addSlave("slave2", "host2", "cpus:4;mem:512")
        self.clock.advance(0)
        [message] = framework.received()
        self.assertIsInstance(message, msgs.ResourceOffersMessage)
        byslave = {o.slave_id.value: o for o in message.offers}
        self.assertEqual(set(byslave), {first, second})
        self.assertEqual(byslave[first].hostname, "host1")
        self.assertEqual(byslave[second].hostname, "host2")
        self.assertEqual(offerResources(byslave[second]), parse("cpus:4;mem:512"))
        self.assertNotEqual(byslave[first].id, byslave[second].id)

    def test_roleOfOffer(self) -> None:
        """
        Offers carry the framework's role as allocation role.
        """
        framework, _ = self.addFramework(info=frameworkInfo(role="web"))
        self.addSlave(resources="cpus:1;mem(web):128;disk(db):10")
        [offer] = self.offers(framework)
        self.assertEqual(offer.allocation_info.role, "web")
        self.assertEqual(offerResources(offer), parse("cpus:1;mem(web):128"))

    def test_executorIds(self) -> None:
        """
        Offers list the framework's executors running on the slave.
        """
        framework, frameworkId, _, slaveId, offer = self.offered()
        framework.send(accept(
            frameworkId, [offer.id.value], [executorTask("t1", slaveId)], refuseSeconds=0
        ))
        self.master.allocate()
        [offer] = self.offers(framework, allocate=False)
        self.assertEqual([e.value for e in offer.executor_ids], ["e1"])
        self.assertEqual(
            offerResources(offer), parse(RESOURCES) - parse("cpus:1.5;mem:320")
        )

    def test_batchAllocation(self) -> None:
        """
        After L{Master.start}, free resources are offered every allocation
        interval.
        """
        self.master.start()
        framework, frameworkId, _, slaveId, offer = self.offered()
        framework.send(decline(frameworkId, [offer.id.value], refuseSeconds=0))
        self.assertEqual(self.offers(framework, allocate=False), [])
        self.clock.advance(constants.ALLOCATION_INTERVAL)
        [again] = self.offers(framework, allocate=False)
        self.assertEqual(again.slave_id.value, slaveId)
        self.assertNotEqual(again.id, offer.id)

    def test_noOffersWhileOutstanding(self) -> None:
        """
        Resources outstanding in an offer are not offered again.
        """
        self.master.start()
        framework, _, _, _, _ = self.offered()
        self.clock.pump([constants.ALLOCATION_INTERVAL] * 5)
        self.assertEqual(self.offers(framework, allocate=False), [])

    def test_suppressAndRevive(self) -> None:
        """
        A suppressed framework is offered nothing until it revives, which
        offers at once.
        """
        self.master.start()
        framework, frameworkId, _, _, offer = self.offered()
        framework.send(withFramework(msgs.SuppressOffersMessage, frameworkId))
        framework.send(decline(frameworkId, [offer.id.value], refuseSeconds=0))
        self.clock.pump([constants.ALLOCATION_INTERVAL] * 5)
        self.assertEqual(self.offers(framework, allocate=False), [])
        framework.send(withFramework(msgs.ReviveOffersMessage, frameworkId))
        self.assertEqual(len(self.offers(framework)), 1)

    def test_reviveClearsFilter(self) -> None:
        """
        Reviving removes a decline's filter and offers at once.
        """
        framework, frameworkId, _, _, offer = self.offered()
        framework.send(decline(frameworkId, [offer.id.value], refuseSeconds=1000))
        self.master.allocate()
        self.assertEqual(self.offers(framework), [])
        framework.send(withFramework(msgs.ReviveOffersMessage, frameworkId))
        self.assertEqual(len(self.offers(framework)), 1)

    def test_requestResources(self) -> None:
        """
        Resource requests get no answer.
        """
        framework, frameworkId, _, _, _ = self.offered()
        framework.send(withFramework(msgs.ResourceRequestMessage, frameworkId))
        self.assertEqual(framework.received(), [])
        self.assertFalse(framework.transport.disconnecting)



class AcceptTests(MasterTestCase):
    """
    Tests for L{Master.acceptOffers}.
    """

    def test_launchCommandTask(self) -> None:
        """
        Accepting an offer with a command task sends the slave a
        L{msgs.RunTaskMessage} with the framework's id and info and the task,
        and the master records the task as staging.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        task = commandTask("t1", slaveId)
        framework.send(accept(frameworkId, [offer.id.value], [task]))
        [run] = slave.received()
        self.assertIsInstance(run, msgs.RunTaskMessage)
        self.assertEqual(run.framework_id.value, frameworkId)
        self.assertEqual(run.framework, self.master.frameworks[frameworkId].info)
        self.assertEqual(run.framework.id.value, frameworkId)
        self.assertEqual(run.framework.principal, "fw1")
        self.assertEqual(run.task, task)
        self.assertEqual(framework.received(), [])
        record = self.master.frameworks[frameworkId].tasks["t1"]
        self.assertEqual(record.task.state, mesos_pb2.TASK_STAGING)
        self.assertEqual(record.task.framework_id.value, frameworkId)
        self.assertEqual(record.task.slave_id.value, slaveId)
        self.assertEqual(record.task.user, "alice")
        self.assertEqual(record.resources, parse(TASK))
        self.assertEqual(self.master.offers, {})
        self.assertEqual(self.master.frameworks[frameworkId].offers, set())

    def test_severalTasks(self) -> None:
        """
        Several tasks of one accept are all launched.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        framework.send(accept(
            frameworkId, [offer.id.value],
            [commandTask("t1", slaveId), commandTask("t2", slaveId)],
        ))
        runs = slave.received()
        self.assertEqual([r.task.task_id.value for r in runs], ["t1", "t2"])
        self.assertEqual(set(self.master.frameworks[frameworkId].tasks), {"t1", "t2"})

    def test_unusedWithFilter(self) -> None:
        """
        What the tasks do not use goes back to the allocator with the
        accept's filter: not offered again to the framework while it lasts.
        """
        framework, frameworkId, _, slaveId = self.launched(refuseSeconds=10)
        self.assertEqual(self.allocated(frameworkId), parse(TASK))
        self.master.allocate()
        self.assertEqual(self.offers(framework, allocate=False), [])
        self.clock.advance(10)
        self.master.allocate()
        [offer] = self.offers(framework, allocate=False)
        self.assertEqual(offerResources(offer), parse(RESOURCES) - parse(TASK))

    def test_unusedDefaultFilter(self) -> None:
        """
        Without filters, the unused resources are refused for Mesos's default
        five seconds.
        """
        framework, _, _, _ = self.launched()
        self.clock.advance(4.9)
        self.master.allocate()
        self.assertEqual(self.offers(framework, allocate=False), [])
        self.clock.advance(0.1)
        self.master.allocate()
        self.assertEqual(len(self.offers(framework, allocate=False)), 1)

    def test_unusedNoFilter(self) -> None:
        """
        With C{refuse_seconds} 0 the unused resources are offered again at
        the next allocation.
        """
        framework, _, _, slaveId = self.launched(refuseSeconds=0)
        self.master.allocate()
        [offer] = self.offers(framework, allocate=False)
        self.assertEqual(offer.slave_id.value, slaveId)
        self.assertEqual(offerResources(offer), parse(RESOURCES) - parse(TASK))

    def test_unusedToOtherFramework(self) -> None:
        """
        Another framework is offered what the tasks did not use, despite
        the filter of the accepting framework.
        """
        framework, frameworkId, _, _ = self.launched(refuseSeconds=100)
        other, _ = self.addFramework("fw2")
        [offer] = self.offers(other)
        self.assertEqual(offerResources(offer), parse(RESOURCES) - parse(TASK))
        self.assertEqual(self.offers(framework, allocate=False), [])

    def test_severalOffers(self) -> None:
        """
        Offers on the same slave may be used together.
        """
        framework, frameworkId, slave, slaveId = self.launched(refuseSeconds=0)
        self.master.allocate()
        [second] = self.offers(framework, allocate=False)
        self.assertEqual(self.allocated(frameworkId), parse(RESOURCES))
        framework.send(accept(
            frameworkId, [second.id.value], [commandTask("t2", slaveId, "cpus:1;mem:768")]
        ))
        [run] = slave.received()
        self.assertEqual(run.task.task_id.value, "t2")

    def test_executorResources(self) -> None:
        """
        A task's new executor takes its resources from the offers as well;
        a second task for that executor does not.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        framework.send(accept(
            frameworkId, [offer.id.value],
            [
                executorTask("t1", slaveId, "cpus:0.5;mem:128"),
                executorTask("t2", slaveId, "cpus:0.5;mem:128"),
            ],
            refuseSeconds=0,
        ))
        self.assertEqual(len(slave.received()), 2)
        self.assertEqual(framework.received(), [])
        self.assertEqual(self.allocated(frameworkId), parse("cpus:1.5;mem:320"))
        self.assertEqual(
            list(self.master.frameworks[frameworkId].executors[slaveId]), ["e1"]
        )
        self.assertEqual(
            self.master.frameworks[frameworkId].tasks["t1"].task.executor_id.value, "e1"
        )

    def test_executorNoRoom(self) -> None:
        """
        A task whose new executor does not fit besides it is invalid.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        framework.send(accept(
            frameworkId, [offer.id.value],
            [executorTask("t1", slaveId, resources="cpus:1.6;mem:256")],
        ))
        self.assertEqual(slave.received(), [])
        [status] = self.updates(framework)
        self.assertEqual(status.state, mesos_pb2.TASK_ERROR)
        self.assertIn("task uses more resources", status.message)

    def test_noTasks(self) -> None:
        """
        Accepting without operations gives everything back, with the filter.
        """
        framework, frameworkId, slave, _, offer = self.offered()
        message = accept(frameworkId, [offer.id.value], [], refuseSeconds=100)
        del message.operations[:]
        framework.send(message)
        self.assertEqual(slave.received(), [])
        self.assertEqual(self.allocated(frameworkId), Resources())
        self.assertEqual(self.master.offers, {})
        self.master.allocate()
        self.assertEqual(self.offers(framework, allocate=False), [])

    def test_unknownOperation(self) -> None:
        """
        Operations other than LAUNCH are ignored; launches in the same accept
        go ahead.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        message = accept(frameworkId, [offer.id.value], [commandTask("t1", slaveId)])
        message.operations.add(type=Offer.Operation.UNKNOWN)
        framework.send(message)
        self.assertEqual(len(ofType(slave.received(), msgs.RunTaskMessage)), 1)


class InvalidOfferTests(MasterTestCase):
    """
    Tests for accepts of offers that cannot be used.
    """

    def assertLost(
        self, framework: Connection, taskIds: list[str], state: int, text: str
    ) -> None:
        """
        C{framework} was told each task of C{taskIds} is in C{state} for
        invalid offers, by the master, without uuid, with C{text}.
        """
        statuses = self.updates(framework)
        self.assertEqual([s.task_id.value for s in statuses], taskIds)
        for status in statuses:
            self.assertEqual(status.state, state)
            self.assertEqual(status.reason, TaskStatus.REASON_INVALID_OFFERS)
            self.assertEqual(status.source, TaskStatus.SOURCE_MASTER)
            self.assertFalse(status.HasField("uuid"))
            self.assertIn(text, status.message)

    def test_unknownOffer(self) -> None:
        """
        Tasks on an unknown offer are lost, and nothing is launched.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        framework.send(accept(
            frameworkId, ["nope"],
            [commandTask("t1", slaveId), commandTask("t2", slaveId)],
        ))
        self.assertLost(
            framework, ["t1", "t2"], mesos_pb2.TASK_LOST, "offer nope is no longer valid"
        )
        self.assertEqual(slave.received(), [])
        self.assertEqual(self.master.frameworks[frameworkId].tasks, {})
        self.assertIn(offer.id.value, self.master.offers)

    def test_partitionAware(self) -> None:
        """
        A PARTITION_AWARE framework is told TASK_DROPPED instead.
        """
        info = frameworkInfo()
        info.capabilities.add(type=PARTITION_AWARE)
        framework, frameworkId = self.addFramework(info=info)
        _, slaveId = self.addSlave()
        self.offers(framework)
        framework.send(accept(frameworkId, ["nope"], [commandTask("t1", slaveId)]))
        self.assertLost(framework, ["t1"], mesos_pb2.TASK_DROPPED, "no longer valid")

    def test_validOffersDiscarded(self) -> None:
        """
        The valid offers of an invalid accept are withdrawn and their
        resources go back without a filter.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        framework.send(accept(
            frameworkId, [offer.id.value, "nope"], [commandTask("t1", slaveId)]
        ))
        self.assertLost(framework, ["t1"], mesos_pb2.TASK_LOST, "offer nope")
        self.assertEqual(self.master.offers, {})
        self.assertEqual(self.allocated(frameworkId), Resources())
        self.master.allocate()
        self.assertEqual(len(self.offers(framework, allocate=False)), 1)

    def test_foreignOffer(self) -> None:
        """
        Another framework's offer may not be used, and stays with it.
        """
        first, firstId, _, slaveId, offer = self.offered()
        second, secondId = self.addFramework("fw2")
        second.send(accept(secondId, [offer.id.value], [commandTask("t1", slaveId)]))
        self.assertLost(second, ["t1"], mesos_pb2.TASK_LOST, "belongs to another framework")
        self.assertIn(offer.id.value, self.master.offers)
        self.assertEqual(self.allocated(firstId), parse(RESOURCES))

    def test_duplicateOffer(self) -> None:
        """
        An offer named twice makes the accept invalid.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        framework.send(accept(
            frameworkId, [offer.id.value, offer.id.value], [commandTask("t1", slaveId)]
        ))
        self.assertLost(framework, ["t1"], mesos_pb2.TASK_LOST, "appears twice")
        self.assertEqual(slave.received(), [])

    def test_differentSlaves(self) -> None:
        """
        Offers on different slaves may not be used together.
        """
        framework, frameworkId = self.addFramework()
        self.addSlave("slave1", "host1")
        self.addSlave("slave2", "host2")
        offers = self.offers(framework)
        framework.send(accept(
            frameworkId, [o.id.value for o in offers],
            [commandTask("t1", offers[0].slave_id.value)],
        ))
        self.assertLost(framework, ["t1"], mesos_pb2.TASK_LOST, "on different slaves")
        self.assertEqual(self.master.offers, {})

    def test_noOffers(self) -> None:
        """
        An accept naming no offers loses its tasks.
        """
        framework, frameworkId, slave, slaveId, _ = self.offered()
        framework.send(accept(frameworkId, [], [commandTask("t1", slaveId)]))
        self.assertLost(framework, ["t1"], mesos_pb2.TASK_LOST, "no offers given")


class InvalidTaskTests(MasterTestCase):
    """
    Tests for accepts with invalid tasks.
    """

    def test_errorAndLaunch(self) -> None:
        """
        Invalid tasks get TASK_ERROR with REASON_TASK_INVALID from the master,
        and the valid tasks of the same accept launch.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        noResources = commandTask("t2", slaveId, "")
        framework.send(accept(
            frameworkId, [offer.id.value],
            [
                commandTask("t1", slaveId),
                noResources,
                commandTask("t1", slaveId),
                commandTask("t3", slaveId, "cpus:1.5"),
                commandTask("t4", slaveId, "cpus:1;mem:768"),
            ],
            refuseSeconds=0,
        ))
        runs = slave.received()
        self.assertEqual([r.task.task_id.value for r in runs], ["t1", "t4"])
        statuses = self.updates(framework)
        self.assertEqual([s.task_id.value for s in statuses], ["t2", "t1", "t3"])
        for status in statuses:
            self.assertEqual(status.state, mesos_pb2.TASK_ERROR)
            self.assertEqual(status.reason, TaskStatus.REASON_TASK_INVALID)
            self.assertEqual(status.source, TaskStatus.SOURCE_MASTER)
            self.assertEqual(status.slave_id.value, slaveId)
            self.assertFalse(status.HasField("uuid"))
        self.assertEqual(
            [s.message for s in statuses],
            [
                "task uses no resources",
                "task id 't1' is already in use",
                "task uses more resources (cpus:1.5) than its offers have left "
                "(cpus:1;mem:768;ports:[31000-32000])",
            ],
        )
        self.assertEqual(set(self.master.frameworks[frameworkId].tasks), {"t1", "t4"})
        self.assertEqual(self.allocated(frameworkId), parse("cpus:2;mem:1024"))

    def test_idOfRunningTask(self) -> None:
        """
        A task may not reuse the id of a task the framework runs.
        """
        framework, frameworkId, slave, slaveId = self.launched(refuseSeconds=0)
        self.master.allocate()
        [offer] = self.offers(framework, allocate=False)
        framework.send(accept(frameworkId, [offer.id.value], [commandTask("t1", slaveId)]))
        [status] = self.updates(framework)
        self.assertEqual(status.message, "task id 't1' is already in use")
        self.assertEqual(slave.received(), [])

    def test_invalidResourcesGoBack(self) -> None:
        """
        The resources of invalid tasks go back to the allocator.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        framework.send(accept(
            frameworkId, [offer.id.value], [commandTask("bad id", slaveId)],
            refuseSeconds=0,
        ))
        [status] = self.updates(framework)
        self.assertEqual(status.state, mesos_pb2.TASK_ERROR)
        self.assertEqual(slave.received(), [])
        self.assertEqual(self.allocated(frameworkId), Resources())
        self.master.allocate()
        [again] = self.offers(framework, allocate=False)
        self.assertEqual(offerResources(again), parse(RESOURCES))


class DeclineTests(MasterTestCase):
    """
    Tests for L{Master.declineOffers} and refusal filters.
    """

    def test_declineWithFilter(self) -> None:
        """
        A declined slave is not offered to the framework again until the
        refusal has passed; then the batch allocation offers it.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        self.master.start()
        framework.send(decline(frameworkId, [offer.id.value], refuseSeconds=10))
        self.assertEqual(self.master.offers, {})
        self.assertEqual(self.allocated(frameworkId), Resources())
        self.clock.pump([constants.ALLOCATION_INTERVAL] * 9)
        self.assertEqual(self.offers(framework, allocate=False), [])
        self.clock.advance(constants.ALLOCATION_INTERVAL)
        [again] = self.offers(framework, allocate=False)
        self.assertEqual(again.slave_id.value, slaveId)
        self.assertEqual(offerResources(again), parse(RESOURCES))

    def test_otherFrameworkOffered(self) -> None:
        """
        While one framework's filter lasts, another framework is offered the
        declined resources; once it has passed, the first one is offered them
        again.
        """
        first, firstId, _, slaveId, offer = self.offered()
        self.master.start()
        first.send(decline(firstId, [offer.id.value], refuseSeconds=10))
        second, secondId = self.addFramework("fw2")
        for _ in range(9):
            [offer] = self.offers(second)
            self.assertEqual(offerResources(offer), parse(RESOURCES))
            second.send(decline(secondId, [offer.id.value], refuseSeconds=0))
            self.clock.advance(constants.ALLOCATION_INTERVAL)
        self.assertEqual(self.offers(first), [])
        [offer] = self.offers(second)
        second.send(decline(secondId, [offer.id.value], refuseSeconds=0))
        self.clock.advance(constants.ALLOCATION_INTERVAL)
        [offer] = self.offers(first)
        self.assertEqual(offer.slave_id.value, slaveId)
        self.assertEqual(self.offers(second), [])

    def test_declineDefaultFilter(self) -> None:
        """
        A decline without filters refuses for five seconds.
        """
        framework, frameworkId, _, _, offer = self.offered()
        framework.send(decline(frameworkId, [offer.id.value]))
        self.clock.advance(4.5)
        self.master.allocate()
        self.assertEqual(self.offers(framework, allocate=False), [])
        self.clock.advance(0.5)
        self.master.allocate()
        self.assertEqual(len(self.offers(framework, allocate=False)), 1)

    def test_declineNoFilter(self) -> None:
        """
        A decline with C{refuse_seconds} 0 lets the next allocation offer the
        resources again.
        """
        framework, frameworkId, _, _, offer = self.offered()
        framework.send(decline(frameworkId, [offer.id.value], refuseSeconds=0))
        self.master.allocate()
        self.assertEqual(len(self.offers(framework, allocate=False)), 1)

    def test_declineUnknown(self) -> None:
        """
        Declining unknown or foreign offers is ignored; known ones of the
        same message are declined.
        """
        first, firstId, _, _, offer = self.offered()
        second, secondId = self.addFramework("fw2")
        second.send(decline(secondId, ["nope", offer.id.value]))
        self.assertIn(offer.id.value, self.master.offers)
        self.assertEqual(second.received(), [])
        first.send(decline(firstId, ["nope", offer.id.value]))
        self.assertEqual(self.master.offers, {})


class OfferTimeoutTests(MasterTestCase):
    """
    Tests for the master's offer timeout.
    """

    offerTimeout = 30.0

    def test_rescind(self) -> None:
        """
        An offer not used within the offer timeout is rescinded, and its
        resources are offered again by the batch allocation without a filter.
        """
        framework, frameworkId, _, slaveId, offer = self.offered()
        self.master.start()
        self.clock.advance(self.offerTimeout - 1)
        self.assertEqual(self.offers(framework, allocate=False), [])
        self.clock.advance(1)
        messages = framework.received()
        self.assertIn(
            msgs.RescindResourceOfferMessage(offer_id=offer.id), messages
        )
        self.assertNotIn(offer.id.value, self.master.offers)
        self.clock.advance(constants.ALLOCATION_INTERVAL)
        offers = [
            o for m in messages + framework.received()
            if isinstance(m, msgs.ResourceOffersMessage) for o in m.offers
        ]
        [again] = offers
        self.assertNotEqual(again.id, offer.id)
        self.assertEqual(again.slave_id.value, slaveId)
        self.assertEqual(offerResources(again), parse(RESOURCES))

    def test_usedInTime(self) -> None:
        """
        An offer accepted or declined in time is not rescinded, and leaves
        no timer behind.
        """
        framework, frameworkId, _, _, offer = self.offered()
        framework.send(decline(frameworkId, [offer.id.value], refuseSeconds=1000))
        self.assertNotIn(
            1000 + self.offerTimeout,
            [call.getTime() for call in self.clock.getDelayedCalls()],
        )
        self.clock.advance(self.offerTimeout)
        self.assertEqual(framework.received(), [])

    def test_noTimeoutByDefault(self) -> None:
        """
        Without an offer timeout, offers stay outstanding.
        """
        self.master.stop()
        self.master = Master(self.info, self.clock, TIMEOUT, MAX_TIMEOUTS)
        self.addCleanup(self.master.stop)
        framework, _, slave, _, offer = self.offered()
        for _ in range(100):
            slave.send(msgs.PongSlaveMessage())
            self.clock.advance(TIMEOUT)
        self.assertIn(offer.id.value, self.master.offers)
        self.assertEqual(framework.received(), [])


class StatusUpdateTests(MasterTestCase):
    """
    Tests for L{Master.statusUpdate} and L{Master.acknowledge}.
    """

    def test_forwarded(self) -> None:
        """
        A slave's status update is recorded on the task and forwarded to the
        framework as it is.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        message = slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_RUNNING)
        slave.send(message)
        self.assertEqual(framework.received(), [message])
        task = self.master.frameworks[frameworkId].tasks["t1"].task
        self.assertEqual(task.state, mesos_pb2.TASK_RUNNING)
        self.assertEqual(task.status_update_state, mesos_pb2.TASK_RUNNING)
        self.assertEqual(task.status_update_uuid, message.update.status.uuid)
        self.assertEqual(list(task.statuses), [message.update.status])
        self.assertEqual(slave.received(), [])

    def test_latestState(self) -> None:
        """
        The task's state is the update's C{latest_state} when the slave sets
        it, while the forwarded update's state is kept as C{status_update_state}.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        slave.send(slaveUpdate(
            frameworkId, slaveId, "t1", mesos_pb2.TASK_RUNNING,
            latestState=mesos_pb2.TASK_FINISHED,
        ))
        task = self.master.frameworks[frameworkId].tasks["t1"].task
        self.assertEqual(task.state, mesos_pb2.TASK_FINISHED)
        self.assertEqual(task.status_update_state, mesos_pb2.TASK_RUNNING)
        self.assertEqual(self.allocated(frameworkId), Resources())

    def test_terminalFreesBeforeAck(self) -> None:
        """
        A terminal update frees the task's resources at once, before the
        acknowledgement; the task stays known until it is acknowledged.
        """
        framework, frameworkId, slave, slaveId = self.launched(refuseSeconds=0)
        self.assertEqual(self.allocated(frameworkId), parse(TASK))
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_FINISHED))
        self.assertEqual(len(self.updates(framework)), 1)
        self.assertEqual(self.allocated(frameworkId), Resources())
        record = self.master.frameworks[frameworkId].tasks["t1"]
        self.assertTrue(record.recovered)
        self.master.allocate()
        [offer] = self.offers(framework, allocate=False)
        self.assertEqual(offerResources(offer), parse(RESOURCES))

    def test_acknowledgement(self) -> None:
        """
        The framework's acknowledgement goes to the slave; acknowledging a
        non-terminal update keeps the task.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_RUNNING))
        [status] = self.updates(framework)
        ack = acknowledgement(frameworkId, slaveId, "t1", status.uuid)
        framework.send(ack)
        self.assertEqual(slave.received(), [ack])
        self.assertIn("t1", self.master.frameworks[frameworkId].tasks)

    def test_terminalAcknowledged(self) -> None:
        """
        Once its terminal update is acknowledged, a task moves to the
        completed tasks.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_FAILED))
        [status] = self.updates(framework)
        self.assertIn("t1", self.master.frameworks[frameworkId].tasks)
        framework.send(acknowledgement(frameworkId, slaveId, "t1", status.uuid))
        self.assertEqual(len(slave.received()), 1)
        record = self.master.frameworks[frameworkId]
        self.assertNotIn("t1", record.tasks)
        [completed] = record.completedTasks
        self.assertEqual(completed.id, "t1")
        self.assertEqual(completed.task.state, mesos_pb2.TASK_FAILED)

    def test_olderUuidAcknowledged(self) -> None:
        """
        Acknowledging an earlier update than the task's latest is refused
        with UNKNOWN_UPDATE, is not passed on, and does not remove a task
        whose terminal update is still unacknowledged.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_RUNNING))
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_FINISHED))
        running, finished = self.updates(framework)
        framework.send(acknowledgement(frameworkId, slaveId, "t1", running.uuid))
        [refusal] = self.refusals(
            framework, msgs.MessageRefused.UNKNOWN_UPDATE,
            msgs.StatusUpdateAcknowledgementMessage,
        )
        self.assertEqual(refusal.uuid, running.uuid)
        self.assertEqual(slave.received(), [])
        self.assertIn("t1", self.master.frameworks[frameworkId].tasks)
        framework.send(acknowledgement(frameworkId, slaveId, "t1", finished.uuid))
        self.assertNotIn("t1", self.master.frameworks[frameworkId].tasks)
        self.assertEqual(len(slave.received()), 1)

    def test_terminalWithoutUuid(self) -> None:
        """
        A terminal update without uuid needs no acknowledgement: the task is
        completed at once.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        slave.send(slaveUpdate(
            frameworkId, slaveId, "t1", mesos_pb2.TASK_LOST, withUUID=False
        ))
        self.assertEqual(len(self.updates(framework)), 1)
        self.assertNotIn("t1", self.master.frameworks[frameworkId].tasks)

    def test_resourcesFreedOnce(self) -> None:
        """
        A terminal update repeated by the slave frees the task's resources
        only once.
        """
        framework, frameworkId, slave, slaveId = self.launched(refuseSeconds=0)
        self.master.allocate()
        self.offers(framework, allocate=False)
        self.assertEqual(self.allocated(frameworkId), parse(RESOURCES))
        for _ in range(2):
            slave.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_KILLED))
        self.assertEqual(self.allocated(frameworkId), parse(RESOURCES) - parse(TASK))

    def test_unknownTask(self) -> None:
        """
        An update for a task the master does not know is refused with
        UNKNOWN_TASK and not passed on.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        message = slaveUpdate(frameworkId, slaveId, "other", mesos_pb2.TASK_RUNNING)
        slave.send(message)
        self.assertEqual(framework.received(), [])
        [refusal] = self.refusals(
            slave, msgs.MessageRefused.UNKNOWN_TASK, msgs.StatusUpdateMessage
        )
        self.assertEqual(refusal.task_id.value, "other")
        self.assertEqual(refusal.uuid, message.update.status.uuid)
        self.assertNotIn("other", self.master.frameworks[frameworkId].tasks)

    def test_unknownFramework(self) -> None:
        """
        An update for an unknown framework is dropped.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        slave.send(slaveUpdate("nope", slaveId, "t1", mesos_pb2.TASK_RUNNING))
        self.assertEqual(framework.received(), [])

    def test_otherSlave(self) -> None:
        """
        An update naming another slave than the connection's is ignored.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        other, otherId = self.addSlave("slave2", "host2")
        other.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_FAILED))
        unregistered = self.connect("slave", "slave3")
        unregistered.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_FAILED))
        self.assertEqual(self.updates(framework), [])
        task = self.master.frameworks[frameworkId].tasks["t1"].task
        self.assertEqual(task.state, mesos_pb2.TASK_STAGING)

    def test_frameworkDisconnected(self) -> None:
        """
        An update for a framework that is disconnected is recorded but not
        sent anywhere.
        """
        framework, frameworkId, slave, slaveId = self.launched(
            info=frameworkInfo(failover_timeout=60)
        )
        framework.lose()
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_RUNNING))
        self.assertEqual(framework.received(), [])
        task = self.master.frameworks[frameworkId].tasks["t1"].task
        self.assertEqual(task.state, mesos_pb2.TASK_RUNNING)

    def test_ackSlaveGone(self) -> None:
        """
        An acknowledgement for a slave that is not connected is dropped.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_FINISHED))
        [status] = self.updates(framework)
        slave.lose()
        framework.send(acknowledgement(frameworkId, slaveId, "t1", status.uuid))
        framework.send(acknowledgement(frameworkId, "nope", "t1", status.uuid))
        self.assertEqual(slave.received(), [])
        self.assertFalse(framework.transport.disconnecting)


class KillTests(MasterTestCase):
    """
    Tests for L{Master.killTask}.
    """

    def test_known(self) -> None:
        """
        Killing a known task sends the kill to its slave.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        kill = withFramework(msgs.KillTaskMessage, frameworkId)
        kill.task_id.value = "t1"
        framework.send(kill)
        self.assertEqual(slave.received(), [kill])
        self.assertEqual(framework.received(), [])

    def test_unknown(self) -> None:
        """
        Killing an unknown task answers TASK_LOST with REASON_RECONCILIATION
        from the master, without uuid.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        kill = withFramework(msgs.KillTaskMessage, frameworkId)
        kill.task_id.value = "nope"
        framework.send(kill)
        self.assertEqual(slave.received(), [])
        [status] = self.updates(framework)
        self.assertEqual(status.task_id.value, "nope")
        self.assertEqual(status.state, mesos_pb2.TASK_LOST)
        self.assertEqual(status.reason, TaskStatus.REASON_RECONCILIATION)
        self.assertEqual(status.source, TaskStatus.SOURCE_MASTER)
        self.assertFalse(status.HasField("uuid"))

    def test_slaveDisconnected(self) -> None:
        """
        A kill for a task (of a checkpointing framework) whose slave is
        disconnected is refused with SLAVE_DISCONNECTED and remembered.
        """
        framework, frameworkId, slave, slaveId = self.launched(
            info=frameworkInfo(checkpoint=True)
        )
        slave.lose()
        kill = withFramework(msgs.KillTaskMessage, frameworkId)
        kill.task_id.value = "t1"
        framework.send(kill)
        self.assertEqual(slave.received(), [])
        [refusal] = self.refusals(
            framework, msgs.MessageRefused.SLAVE_DISCONNECTED, msgs.KillTaskMessage
        )
        self.assertEqual(refusal.task_id.value, "t1")
        self.assertEqual(refusal.slave_id.value, slaveId)
        self.assertEqual(
            self.master.slaves[slaveId].pendingKills, {(frameworkId, "t1"): kill}
        )
        self.assertIn("t1", self.master.frameworks[frameworkId].tasks)


class FrameworkMessageTests(MasterTestCase):
    """
    Tests for messages between frameworks and executors, and for exited
    executors.
    """

    def launchedExecutor(self) -> tuple[Connection, str, Connection, str]:
        """
        One framework with one task under executor C{e1} on one slave.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        framework.send(accept(frameworkId, [offer.id.value], [executorTask("t1", slaveId)]))
        [run] = slave.received()
        self.assertEqual(run.task.executor.executor_id.value, "e1")
        return framework, frameworkId, slave, slaveId

    def test_toExecutor(self) -> None:
        """
        A framework's message to an executor goes to the executor's slave.
        """
        framework, frameworkId, slave, slaveId = self.launchedExecutor()
        message = withFramework(msgs.FrameworkToExecutorMessage, frameworkId, data=b"hi")
        message.slave_id.value = slaveId
        message.executor_id.value = "e1"
        framework.send(message)
        self.assertEqual(slave.received(), [message])

    def test_toExecutorSlaveGone(self) -> None:
        """
        A message for an executor on an unknown slave is dropped.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        message = withFramework(msgs.FrameworkToExecutorMessage, frameworkId, data=b"hi")
        message.slave_id.value = "nope"
        framework.send(message)
        self.assertEqual(slave.received(), [])
        self.assertFalse(framework.transport.disconnecting)

    def test_toFramework(self) -> None:
        """
        An executor's message, relayed by its slave, goes to the framework.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        message = withFramework(msgs.ExecutorToFrameworkMessage, frameworkId, data=b"yo")
        message.slave_id.value = slaveId
        message.executor_id.value = "e1"
        slave.send(message)
        self.assertEqual(framework.received(), [message])

    def test_toUnknownFramework(self) -> None:
        """
        An executor's message to an unknown framework is dropped.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        message = withFramework(msgs.ExecutorToFrameworkMessage, "nope", data=b"yo")
        slave.send(message)
        self.assertEqual(framework.received(), [])
        self.assertFalse(slave.transport.disconnecting)

    def test_frameworkMaySendOnlyItsOwn(self) -> None:
        """
        A framework may not send what executors send.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        framework.send(withFramework(msgs.ExecutorToFrameworkMessage, frameworkId))
        self.assertTrue(framework.transport.disconnecting)

    def test_exitedExecutor(self) -> None:
        """
        An exited executor is reported to its framework, forgotten, and its
        resources are freed.
        """
        framework, frameworkId, slave, slaveId = self.launchedExecutor()
        self.assertEqual(self.allocated(frameworkId), parse("cpus:1.5;mem:320"))
        exited = withFramework(msgs.ExitedExecutorMessage, frameworkId, status=9)
        exited.slave_id.value = slaveId
        exited.executor_id.value = "e1"
        slave.send(exited)
        self.assertEqual(framework.received(), [exited])
        self.assertEqual(self.master.frameworks[frameworkId].executors[slaveId], {})
        self.assertEqual(self.allocated(frameworkId), parse(TASK))

    def test_exitedUnknownExecutor(self) -> None:
        """
        An unknown executor's exit is still forwarded, and frees nothing.
        """
        framework, frameworkId, slave, slaveId = self.launchedExecutor()
        exited = withFramework(msgs.ExitedExecutorMessage, frameworkId, status=1)
        exited.slave_id.value = slaveId
        exited.executor_id.value = "other"
        slave.send(exited)
        self.assertEqual(framework.received(), [exited])
        self.assertEqual(self.allocated(frameworkId), parse("cpus:1.5;mem:320"))

    def test_newExecutorAfterExit(self) -> None:
        """
        After its executor exited, a task for the same executor id counts
        the executor's resources again.
        """
        framework, frameworkId, slave, slaveId = self.launchedExecutor()
        exited = withFramework(msgs.ExitedExecutorMessage, frameworkId)
        exited.slave_id.value = slaveId
        exited.executor_id.value = "e1"
        slave.send(exited)
        framework.received()
        self.master.allocate()
        [offer] = self.offers(framework, allocate=False)
        self.assertEqual(
            offerResources(offer), parse(RESOURCES) - parse(TASK)
        )
        framework.send(accept(
            frameworkId, [offer.id.value],
            [executorTask("t2", slaveId, "cpus:0.5;mem:64")],
        ))
        self.assertEqual(len(slave.received()), 1)
        self.assertEqual(self.allocated(frameworkId), parse("cpus:2;mem:384"))


class ReconciliationTests(MasterTestCase):
    """
    Tests for L{Master.reconcileTasks}.
    """

    def reconcile(self, framework: Connection, frameworkId: str, *tasks) -> list:
        """
        Ask for reconciliation of C{tasks}, each a task id or a
        C{(task id, slave id)}, and return the statuses received.
        """
        message = withFramework(msgs.ReconcileTasksMessage, frameworkId)
        for task in tasks:
            taskId, slaveId = task if isinstance(task, tuple) else (task, "")
            status = message.statuses.add(state=mesos_pb2.TASK_RUNNING)
            status.task_id.value = taskId
            if slaveId:
                status.slave_id.value = slaveId
        framework.send(message)
        statuses = self.updates(framework)
        for status in statuses:
            self.assertEqual(status.reason, TaskStatus.REASON_RECONCILIATION)
            self.assertEqual(status.source, TaskStatus.SOURCE_MASTER)
            self.assertFalse(status.HasField("uuid"))
        return statuses

    def twoTasks(self, info: FrameworkInfo | None = None):
        """
        A framework with task C{t1} running and C{t2} staging on one slave.
        """
        framework, frameworkId = self.addFramework(info=info)
        slave, slaveId = self.addSlave()
        [offer] = self.offers(framework)
        framework.send(accept(
            frameworkId, [offer.id.value],
            [
                commandTask("t1", slaveId, "cpus:0.5"),
                commandTask("t2", slaveId, "cpus:0.5"),
            ],
        ))
        slave.received()
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_RUNNING))
        framework.received()
        return framework, frameworkId, slave, slaveId

    def test_implicit(self) -> None:
        """
        Reconciling no tasks answers the latest state of each known task.
        """
        framework, frameworkId, _, slaveId = self.twoTasks()
        statuses = self.reconcile(framework, frameworkId)
        self.assertEqual(
            sorted((s.task_id.value, s.state, s.slave_id.value) for s in statuses),
            [
                ("t1", mesos_pb2.TASK_RUNNING, slaveId),
                ("t2", mesos_pb2.TASK_STAGING, slaveId),
            ],
        )

    def test_implicitUnacknowledgedTerminal(self) -> None:
        """
        Implicit reconciliation includes finished tasks whose update is not
        acknowledged yet, with that update's state.
        """
        framework, frameworkId, slave, slaveId = self.twoTasks()
        slave.send(slaveUpdate(frameworkId, slaveId, "t2", mesos_pb2.TASK_FINISHED))
        [status] = self.updates(framework)
        states = {s.task_id.value: s.state for s in self.reconcile(framework, frameworkId)}
        self.assertEqual(
            states, {"t1": mesos_pb2.TASK_RUNNING, "t2": mesos_pb2.TASK_FINISHED}
        )
        framework.send(acknowledgement(frameworkId, slaveId, "t2", status.uuid))
        states = {s.task_id.value: s.state for s in self.reconcile(framework, frameworkId)}
        self.assertEqual(states, {"t1": mesos_pb2.TASK_RUNNING})

    def test_implicitNoTasks(self) -> None:
        """
        A framework without tasks gets no answer to implicit reconciliation.
        """
        framework, frameworkId = self.addFramework()
        self.assertEqual(self.reconcile(framework, frameworkId), [])

    def test_explicit(self) -> None:
        """
        Explicit reconciliation answers the named tasks only: known ones with
        their latest state, unknown ones as TASK_LOST.
        """
        framework, frameworkId, _, slaveId = self.twoTasks()
        statuses = self.reconcile(
            framework, frameworkId,
            "t1", "gone", ("gone2", slaveId), ("gone3", "unknown-S9"),
        )
        self.assertEqual(
            [(s.task_id.value, s.state) for s in statuses],
            [
                ("t1", mesos_pb2.TASK_RUNNING),
                ("gone", mesos_pb2.TASK_LOST),
                ("gone2", mesos_pb2.TASK_LOST),
                ("gone3", mesos_pb2.TASK_LOST),
            ],
        )
        self.assertEqual(statuses[0].slave_id.value, slaveId)
        self.assertEqual(statuses[2].slave_id.value, slaveId)

    def test_explicitPartitionAware(self) -> None:
        """
        A PARTITION_AWARE framework is told TASK_GONE for unknown tasks on
        known slaves and TASK_UNKNOWN for unknown (or unnamed) slaves.
        """
        info = frameworkInfo()
        info.capabilities.add(type=PARTITION_AWARE)
        framework, frameworkId, _, slaveId = self.twoTasks(info)
        statuses = self.reconcile(
            framework, frameworkId,
            "t2", "gone", ("gone2", slaveId), ("gone3", "unknown-S9"),
        )
        self.assertEqual(
            [(s.task_id.value, s.state) for s in statuses],
            [
                ("t2", mesos_pb2.TASK_STAGING),
                ("gone", mesos_pb2.TASK_UNKNOWN),
                ("gone2", mesos_pb2.TASK_GONE),
                ("gone3", mesos_pb2.TASK_UNKNOWN),
            ],
        )
        self.assertEqual(statuses[3].slave_id.value, "unknown-S9")


def reregister(
    info: FrameworkInfo, failover: bool = False
) -> msgs.ReregisterFrameworkMessage:
    """
    A L{msgs.ReregisterFrameworkMessage}.
    """
    return msgs.ReregisterFrameworkMessage(framework=info, failover=failover)


class TeardownTests(MasterTestCase):
    """
    Tests for L{Master.unregisterFramework} and L{Master.removeFramework}.
    """

    def test_teardown(self) -> None:
        """
        A framework that tears itself down has its tasks killed with
        REASON_FRAMEWORK_REMOVED, its slaves told to shut it down, and it
        moves to the completed frameworks.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        other, _ = self.addSlave("slave2", "host2")
        self.assertEqual(len(self.offers(framework)), 1)
        self.clock.advance(7)
        framework.send(withFramework(msgs.UnregisterFrameworkMessage, frameworkId))
        shutdown = withFramework(msgs.ShutdownFrameworkMessage, frameworkId)
        self.assertEqual(slave.received(), [shutdown])
        self.assertEqual(
            ofType(other.received(), msgs.ShutdownFrameworkMessage), [shutdown]
        )
        self.assertEqual(framework.received(), [])
        self.assertNotIn(frameworkId, self.master.frameworks)
        [record] = self.master.completedFrameworks
        self.assertEqual(record.id, frameworkId)
        self.assertFalse(record.active)
        self.assertFalse(record.connected)
        self.assertEqual(record.unregisteredTime, 1007)
        self.assertEqual(record.tasks, {})
        [completed] = record.completedTasks
        self.assertEqual(completed.task.state, mesos_pb2.TASK_KILLED)
        status = completed.task.statuses[-1]
        self.assertEqual(status.state, mesos_pb2.TASK_KILLED)
        self.assertEqual(status.reason, TaskStatus.REASON_FRAMEWORK_REMOVED)
        self.assertEqual(status.source, TaskStatus.SOURCE_MASTER)

    def test_teardownFreesResources(self) -> None:
        """
        After a teardown, the framework's resources, in use and offered, go
        to other frameworks.
        """
        framework, frameworkId, slave, slaveId = self.launched(refuseSeconds=0)
        self.master.allocate()
        self.offers(framework, allocate=False)
        framework.send(withFramework(msgs.UnregisterFrameworkMessage, frameworkId))
        self.assertEqual(self.master.offers, {})
        other, _ = self.addFramework("fw2")
        [offer] = self.offers(other)
        self.assertEqual(offerResources(offer), parse(RESOURCES))
        self.assertEqual(framework.received(), [])

    def test_noReregistration(self) -> None:
        """
        A framework that was torn down may not re-register.
        """
        framework, frameworkId = self.addFramework()
        framework.send(withFramework(msgs.UnregisterFrameworkMessage, frameworkId))
        for failover in [False, True]:
            again = self.connect("framework", "fw1")
            again.send(reregister(frameworkInfo(frameworkId=frameworkId), failover))
            self.assertEqual(
                again.received(),
                [msgs.FrameworkErrorMessage(
                    message=f"Framework {frameworkId} has been removed"
                )],
            )
        self.assertEqual(self.master.frameworks, {})

    def test_noMoreMessages(self) -> None:
        """
        After its teardown the connection is no longer the framework's:
        its messages are refused, and its loss changes nothing.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        framework.send(withFramework(msgs.UnregisterFrameworkMessage, frameworkId))
        slave.received()
        kill = withFramework(msgs.KillTaskMessage, frameworkId)
        kill.task_id.value = "t1"
        framework.send(kill)
        self.assertEqual(slave.received(), [])
        self.refusals(framework, msgs.MessageRefused.NOT_REGISTERED, msgs.KillTaskMessage)
        framework.lose()
        self.assertEqual(len(self.master.completedFrameworks), 1)

    def test_registerAgainOnSameConnection(self) -> None:
        """
        After a teardown, the same connection may register a new framework.
        """
        framework, frameworkId = self.addFramework()
        framework.send(withFramework(msgs.UnregisterFrameworkMessage, frameworkId))
        framework.send(msgs.RegisterFrameworkMessage(framework=frameworkInfo()))
        [reply] = framework.received()
        self.assertIsInstance(reply, msgs.FrameworkRegisteredMessage)
        self.assertEqual(reply.framework_id.value, f"{MASTER_ID}-0001")

    def test_completedBounded(self) -> None:
        """
        Only the latest completed frameworks are kept.
        """
        for _ in range(constants.MAX_COMPLETED_FRAMEWORKS + 2):
            framework, frameworkId = self.addFramework()
            framework.send(withFramework(msgs.UnregisterFrameworkMessage, frameworkId))
        completed = self.master.completedFrameworks
        self.assertEqual(len(completed), constants.MAX_COMPLETED_FRAMEWORKS)
        self.assertEqual(completed[0].id, f"{MASTER_ID}-0002")


class DeactivateTests(MasterTestCase):
    """
    Tests for L{Master.deactivateFramework}.
    """

    def test_deactivate(self) -> None:
        """
        A deactivated framework's offers are rescinded and it is offered
        nothing more; its tasks keep running.
        """
        self.master.start()
        framework, frameworkId, slave, slaveId = self.launched(refuseSeconds=0)
        self.clock.advance(constants.ALLOCATION_INTERVAL)
        [offer] = self.offers(framework, allocate=False)
        framework.send(withFramework(msgs.DeactivateFrameworkMessage, frameworkId))
        self.assertEqual(
            framework.received(), [msgs.RescindResourceOfferMessage(offer_id=offer.id)]
        )
        record = self.master.frameworks[frameworkId]
        self.assertFalse(record.active)
        self.assertTrue(record.connected)
        self.assertIn("t1", record.tasks)
        self.assertEqual(slave.received(), [])
        self.clock.pump([constants.ALLOCATION_INTERVAL] * 10)
        self.assertEqual(framework.received(), [])
        self.assertEqual(self.allocated(frameworkId), parse(TASK))

    def test_othersOffered(self) -> None:
        """
        The resources a deactivated framework gave up go to others.
        """
        framework, frameworkId, _, _, offer = self.offered()
        framework.send(withFramework(msgs.DeactivateFrameworkMessage, frameworkId))
        other, _ = self.addFramework("fw2")
        [offer] = self.offers(other)
        self.assertEqual(offerResources(offer), parse(RESOURCES))

    def test_reregisterActivates(self) -> None:
        """
        A deactivated framework re-registering on its connection is active
        and offered again.
        """
        framework, frameworkId, _, _, _ = self.offered()
        framework.send(withFramework(msgs.DeactivateFrameworkMessage, frameworkId))
        framework.received()
        framework.send(reregister(self.master.frameworks[frameworkId].info))
        messages = framework.received()
        [reply] = ofType(messages, msgs.FrameworkReregisteredMessage)
        self.assertEqual(reply.framework_id.value, frameworkId)
        self.assertTrue(self.master.frameworks[frameworkId].active)
        self.assertEqual(len(self.offers(framework)), 1)


class FailoverTests(MasterTestCase):
    """
    Tests for frameworks that disconnect, come back or fail over.
    """

    def test_removedAtOnce(self) -> None:
        """
        A framework with a failover timeout of 0 is removed as soon as its
        connection ends: its tasks are killed and its slaves told.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        framework.lose()
        self.clock.advance(0)
        self.assertNotIn(frameworkId, self.master.frameworks)
        self.assertEqual(
            slave.received(), [withFramework(msgs.ShutdownFrameworkMessage, frameworkId)]
        )
        [record] = self.master.completedFrameworks
        self.assertEqual(record.completedTasks[0].task.state, mesos_pb2.TASK_KILLED)

    def test_disconnectedInactive(self) -> None:
        """
        A disconnected framework is inactive, its offers are withdrawn, and
        it is kept for its failover timeout.
        """
        info = frameworkInfo(failover_timeout=60)
        framework, frameworkId = self.addFramework(info=info)
        self.addSlave()
        self.offers(framework)
        self.master.start()
        framework.lose()
        record = self.master.frameworks[frameworkId]
        self.assertFalse(record.active)
        self.assertFalse(record.connected)
        self.assertEqual(self.master.offers, {})
        self.assertEqual(self.allocated(frameworkId), Resources())
        self.clock.advance(59)
        self.assertIn(frameworkId, self.master.frameworks)
        self.assertEqual(framework.received(), [])

    def test_reregisterWithinTimeout(self) -> None:
        """
        A framework re-registering (without failover) within its failover
        timeout is kept, with its tasks, and gets
        L{msgs.FrameworkReregisteredMessage}.
        """
        info = frameworkInfo(failover_timeout=60)
        framework, frameworkId = self.addFramework(info=info)
        slave, slaveId = self.addSlave()
        [offer] = self.offers(framework)
        framework.send(accept(frameworkId, [offer.id.value], [commandTask("t1", slaveId)]))
        framework.lose()
        self.clock.advance(30)
        again = self.connect("framework", "fw1")
        again.send(reregister(frameworkInfo(failover_timeout=60, frameworkId=frameworkId)))
        [reply] = again.received()
        self.assertIsInstance(reply, msgs.FrameworkReregisteredMessage)
        self.assertEqual(reply.framework_id.value, frameworkId)
        self.assertEqual(reply.master_info, self.info)
        record = self.master.frameworks[frameworkId]
        self.assertIs(record.connection, again.protocol)
        self.assertTrue(record.active)
        self.assertEqual(record.reregisteredTime, 1030)
        self.clock.advance(100)
        self.assertIn(frameworkId, self.master.frameworks)
        self.assertIn("t1", record.tasks)
        self.assertEqual(ofType(slave.received(), msgs.ShutdownFrameworkMessage), [])
        self.assertEqual(len(self.offers(again, allocate=False)), 1)

    def test_removedAfterTimeout(self) -> None:
        """
        A framework not back within its failover timeout is removed.
        """
        info = frameworkInfo(failover_timeout=60)
        framework, frameworkId = self.addFramework(info=info)
        framework.lose()
        self.clock.advance(60)
        self.assertNotIn(frameworkId, self.master.frameworks)
        self.assertEqual(self.master.completedFrameworks[0].id, frameworkId)
        again = self.connect("framework", "fw1")
        again.send(reregister(frameworkInfo(frameworkId=frameworkId)))
        [error] = again.received()
        self.assertIsInstance(error, msgs.FrameworkErrorMessage)
        self.assertIn("has been removed", error.message)

    def test_timeoutRestartsOnEachDisconnection(self) -> None:
        """
        Each disconnection gets a whole failover timeout.
        """
        info = frameworkInfo(failover_timeout=60)
        framework, frameworkId = self.addFramework(info=info)
        framework.lose()
        self.clock.advance(50)
        again = self.connect("framework", "fw1")
        again.send(reregister(frameworkInfo(failover_timeout=60, frameworkId=frameworkId)))
        again.lose()
        self.clock.advance(59)
        self.assertIn(frameworkId, self.master.frameworks)
        self.clock.advance(1)
        self.assertNotIn(frameworkId, self.master.frameworks)

    def test_failover(self) -> None:
        """
        A framework failing over to a new connection gets
        L{msgs.FrameworkRegisteredMessage} there, while the old connection
        is told "Framework failed over" and is no longer the framework's.
        """
        old, frameworkId = self.addFramework()
        new = self.connect("framework", "fw1")
        new.send(reregister(frameworkInfo(frameworkId=frameworkId), failover=True))
        self.assertEqual(
            old.received(), [msgs.FrameworkErrorMessage(message="Framework failed over")]
        )
        [reply] = ofType(new.received(), msgs.FrameworkRegisteredMessage)
        self.assertEqual(reply.framework_id.value, frameworkId)
        record = self.master.frameworks[frameworkId]
        self.assertIs(record.connection, new.protocol)
        old.send(withFramework(msgs.SuppressOffersMessage, frameworkId))
        self.refusals(old, msgs.MessageRefused.NOT_REGISTERED, msgs.SuppressOffersMessage)
        old.lose()
        self.clock.advance(0)
        self.assertIn(frameworkId, self.master.frameworks)
        self.assertTrue(record.active)
        _, slaveId = self.addSlave()
        [offer] = self.offers(new)
        self.assertEqual(offer.slave_id.value, slaveId)
        self.assertEqual(old.received(), [])

    def test_failoverKeepsTasks(self) -> None:
        """
        After a failover, the new scheduler's acknowledgements and kills for
        tasks launched before go through.
        """
        old, frameworkId, slave, slaveId = self.launched()
        new = self.connect("framework", "fw1")
        new.send(reregister(frameworkInfo(frameworkId=frameworkId), failover=True))
        new.received()
        kill = withFramework(msgs.KillTaskMessage, frameworkId)
        kill.task_id.value = "t1"
        new.send(kill)
        self.assertEqual(slave.received(), [kill])

    def test_failoverWithdrawsOffers(self) -> None:
        """
        Offers made to the old scheduler are withdrawn on failover and the
        resources offered to the new one.
        """
        old, frameworkId, _, slaveId, offer = self.offered()
        new = self.connect("framework", "fw1")
        new.send(reregister(frameworkInfo(frameworkId=frameworkId), failover=True))
        self.assertNotIn(offer.id.value, self.master.offers)
        new.received()
        [again] = self.offers(new)
        self.assertEqual(offerResources(again), parse(RESOURCES))

    def test_noFailoverWhileConnected(self) -> None:
        """
        Re-registering without failover while another connection holds the
        framework is refused with "Framework failed over".
        """
        old, frameworkId = self.addFramework()
        new = self.connect("framework", "fw1")
        new.send(reregister(frameworkInfo(frameworkId=frameworkId)))
        self.assertEqual(
            new.received(), [msgs.FrameworkErrorMessage(message="Framework failed over")]
        )
        self.assertEqual(old.received(), [])
        self.assertIs(self.master.frameworks[frameworkId].connection, old.protocol)

    def test_otherPrincipal(self) -> None:
        """
        A framework may not be re-registered under another certificate name.
        """
        info = frameworkInfo(failover_timeout=60)
        framework, frameworkId = self.addFramework(info=info)
        framework.lose()
        intruder = self.connect("framework", "intruder")
        intruder.send(reregister(frameworkInfo(frameworkId=frameworkId), failover=True))
        [error] = intruder.received()
        self.assertIsInstance(error, msgs.FrameworkErrorMessage)
        self.assertEqual(
            error.message,
            f"framework {frameworkId} belongs to 'fw1', not 'intruder'",
        )
        self.assertFalse(self.master.frameworks[frameworkId].connected)

    def test_reregisterWithoutId(self) -> None:
        """
        A re-registration must name the framework.
        """
        framework = self.connect("framework", "fw1")
        framework.send(reregister(frameworkInfo()))
        self.assertEqual(
            framework.received(),
            [msgs.FrameworkErrorMessage(message="re-registration without a framework id")],
        )

    def test_reregisterInvalid(self) -> None:
        """
        Re-registrations are validated as registrations are.
        """
        _, frameworkId = self.addFramework()
        framework = self.connect("framework", "fw1")
        framework.send(reregister(frameworkInfo(user="", frameworkId=frameworkId)))
        self.assertEqual(
            framework.received(),
            [msgs.FrameworkErrorMessage(message="FrameworkInfo.user is empty")],
        )

    def test_reregisterWithNewMaster(self) -> None:
        """
        A framework unknown to this master (registered with a previous one)
        is admitted under its id.
        """
        framework = self.connect("framework", "fw1")
        framework.send(reregister(frameworkInfo(frameworkId="old-master-0003")))
        [reply] = framework.received()
        self.assertIsInstance(reply, msgs.FrameworkReregisteredMessage)
        self.assertEqual(reply.framework_id.value, "old-master-0003")
        record = self.master.frameworks["old-master-0003"]
        self.assertEqual(record.info.principal, "fw1")
        self.addSlave()
        self.assertEqual(len(self.offers(framework)), 1)


class ForeignFrameworkTests(MasterTestCase):
    """
    Messages naming a framework the connection is not registered as are
    refused with NOT_REGISTERED.
    """

    def test_ignored(self) -> None:
        """
        A framework's connection cannot act for another framework: each of
        its messages is refused and changes nothing.
        """
        victim, victimId, slave, slaveId = self.launched(refuseSeconds=0)
        self.master.allocate()
        [offer] = self.offers(victim, allocate=False)
        attacker, attackerId = self.addFramework("fw2")
        kill = withFramework(msgs.KillTaskMessage, victimId)
        kill.task_id.value = "t1"
        ack = acknowledgement(victimId, slaveId, "t1", b"x" * 16)
        toExecutor = withFramework(msgs.FrameworkToExecutorMessage, victimId)
        toExecutor.slave_id.value = slaveId
        for message in [
            kill,
            ack,
            toExecutor,
            accept(victimId, [offer.id.value], [commandTask("t2", slaveId, "cpus:0.5")]),
            decline(victimId, [offer.id.value]),
            withFramework(msgs.SuppressOffersMessage, victimId),
            withFramework(msgs.ReviveOffersMessage, victimId),
            withFramework(msgs.ReconcileTasksMessage, victimId),
            withFramework(msgs.DeactivateFrameworkMessage, victimId),
            withFramework(msgs.UnregisterFrameworkMessage, victimId),
        ]:
            attacker.send(message)
            [refusal] = attacker.received()
            self.assertEqual(refusal.code, msgs.MessageRefused.NOT_REGISTERED)
            self.assertEqual(refusal.message_type, message.DESCRIPTOR.full_name)
            self.assertEqual(refusal.framework_id.value, victimId)
        self.assertEqual(slave.received(), [])
        self.assertEqual(victim.received(), [])
        self.assertIn(offer.id.value, self.master.offers)
        record = self.master.frameworks[victimId]
        self.assertTrue(record.active)
        self.assertEqual(list(record.tasks), ["t1"])
        self.assertFalse(attacker.transport.disconnecting)

    def test_unregisteredConnection(self) -> None:
        """
        A connection that registered no framework cannot act for one.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        stranger = self.connect("framework", "fw1")
        kill = withFramework(msgs.KillTaskMessage, frameworkId)
        kill.task_id.value = "t1"
        stranger.send(kill)
        self.refusals(stranger, msgs.MessageRefused.NOT_REGISTERED, msgs.KillTaskMessage)
        stranger.send(withFramework(msgs.UnregisterFrameworkMessage, frameworkId))
        self.refusals(
            stranger, msgs.MessageRefused.NOT_REGISTERED, msgs.UnregisterFrameworkMessage
        )
        self.assertEqual(slave.received(), [])
        self.assertIn(frameworkId, self.master.frameworks)


class SlaveRemovalTests(MasterTestCase):
    """
    Tests for what frameworks see when slaves go away.
    """

    def test_missedPings(self) -> None:
        """
        A slave removed for missing pings has its tasks lost with
        REASON_SLAVE_REMOVED, its offers rescinded, and every framework is
        told with L{msgs.LostSlaveMessage}.
        """
        framework, frameworkId, slave, slaveId = self.launched(refuseSeconds=0)
        self.master.allocate()
        [offer] = self.offers(framework, allocate=False)
        other, _ = self.addFramework("fw2")
        self.clock.advance(0)
        self.assertEqual(other.received(), [])
        self.clock.pump([TIMEOUT] * MAX_TIMEOUTS)
        self.assertNotIn(slaveId, self.master.slaves)
        messages = framework.received()
        [update] = ofType(messages, msgs.StatusUpdateMessage)
        status = update.update.status
        self.assertEqual(status.task_id.value, "t1")
        self.assertEqual(status.state, mesos_pb2.TASK_LOST)
        self.assertEqual(status.reason, TaskStatus.REASON_SLAVE_REMOVED)
        self.assertEqual(status.source, TaskStatus.SOURCE_MASTER)
        self.assertFalse(status.HasField("uuid"))
        self.assertEqual(
            ofType(messages, msgs.RescindResourceOfferMessage),
            [msgs.RescindResourceOfferMessage(offer_id=offer.id)],
        )
        lost = msgs.LostSlaveMessage()
        lost.slave_id.value = slaveId
        self.assertEqual(ofType(messages, msgs.LostSlaveMessage), [lost])
        self.assertEqual(other.received(), [lost])
        record = self.master.frameworks[frameworkId]
        self.assertEqual(record.tasks, {})
        self.assertEqual(record.completedTasks[0].task.state, mesos_pb2.TASK_LOST)
        self.assertEqual(self.master.offers, {})
        self.assertEqual(self.allocated(frameworkId), Resources())

    def test_unregistered(self) -> None:
        """
        A slave that unregisters has its tasks lost and its executors
        forgotten.
        """
        framework, frameworkId, slave, slaveId = self.launchedExecutorTask()
        slave.send(msgs.UnregisterSlaveMessage(slave_id=mesos_pb2.SlaveID(value=slaveId)))
        statuses = [
            m.update.status for m in ofType(framework.received(), msgs.StatusUpdateMessage)
        ]
        self.assertEqual([(s.task_id.value, s.state) for s in statuses],
                         [("t1", mesos_pb2.TASK_LOST)])
        self.assertNotIn(slaveId, self.master.frameworks[frameworkId].executors)

    def launchedExecutorTask(self) -> tuple[Connection, str, Connection, str]:
        """
        One framework with one task under an executor on one slave.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        framework.send(accept(frameworkId, [offer.id.value], [executorTask("t1", slaveId)]))
        slave.received()
        return framework, frameworkId, slave, slaveId

    def test_disconnection(self) -> None:
        """
        A slave whose connection ends has its offers rescinded; it is not
        offered until it comes back.
        """
        self.master.start()
        framework, frameworkId, slave, slaveId, offer = self.offered()
        slave.lose()
        self.assertEqual(
            framework.received(), [msgs.RescindResourceOfferMessage(offer_id=offer.id)]
        )
        self.assertEqual(self.master.offers, {})
        self.assertEqual(self.allocated(frameworkId), Resources())
        self.clock.advance(constants.ALLOCATION_INTERVAL * 5)
        self.assertEqual(framework.received(), [])
        again = self.connect("slave", "slave1")
        info = slaveInfo()
        info.id.value = slaveId
        again.send(msgs.ReregisterSlaveMessage(slave=info, version=mesos_tw.__version__))
        [offer] = self.offers(framework)
        self.assertEqual(offer.slave_id.value, slaveId)

    def test_otherSlaveUnaffected(self) -> None:
        """
        Removing one slave leaves the offers and tasks on others.
        """
        framework, frameworkId = self.addFramework()
        first, firstId = self.addSlave("slave1", "host1")
        second, secondId = self.addSlave("slave2", "host2")
        offers = {o.slave_id.value: o for o in self.offers(framework)}
        framework.send(accept(
            frameworkId, [offers[secondId].id.value], [commandTask("t1", secondId)]
        ))
        first.send(msgs.UnregisterSlaveMessage(slave_id=mesos_pb2.SlaveID(value=firstId)))
        messages = framework.received()
        self.assertEqual(
            ofType(messages, msgs.RescindResourceOfferMessage),
            [msgs.RescindResourceOfferMessage(offer_id=offers[firstId].id)],
        )
        self.assertEqual(ofType(messages, msgs.StatusUpdateMessage), [])
        self.assertIn("t1", self.master.frameworks[frameworkId].tasks)


class StateTests(MasterTestCase):
    """
    Tests for frameworks in L{stateJSON}.
    """

    def test_frameworks(self) -> None:
        """
        Each framework is listed with its tasks, used and offered resources
        and outstanding offers.
        """
        framework, frameworkId, slave, slaveId = self.launched(refuseSeconds=0)
        self.master.allocate()
        [offer] = self.offers(framework, allocate=False)
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_RUNNING))
        [state] = stateJSON(self.master)["frameworks"]
        self.assertEqual(state["id"], frameworkId)
        self.assertEqual(state["name"], "fw")
        self.assertEqual(state["user"], "alice")
        self.assertEqual(state["principal"], "fw1")
        self.assertEqual(state["role"], "*")
        self.assertIs(state["active"], True)
        self.assertIs(state["connected"], True)
        self.assertEqual(state["registered_time"], 1000)
        self.assertEqual(state["used_resources"], {"cpus": 1.0, "mem": 256.0})
        self.assertEqual(
            state["offered_resources"],
            {"cpus": 1.0, "mem": 768.0, "ports": "[31000-32000]"},
        )
        self.assertEqual(state["offers"], [offer.id.value])
        [task] = state["tasks"]
        self.assertEqual(task["id"], "t1")
        self.assertEqual(task["name"], "task t1")
        self.assertEqual(task["framework_id"], frameworkId)
        self.assertEqual(task["slave_id"], slaveId)
        self.assertEqual(task["state"], "TASK_RUNNING")
        self.assertEqual(task["resources"], {"cpus": 1.0, "mem": 256.0})
        self.assertEqual(task["statuses"], [{"state": "TASK_RUNNING", "timestamp": 1234.5}])
        self.assertEqual(state["completed_tasks"], [])

    def test_finishedNotUsed(self) -> None:
        """
        A finished task awaiting its acknowledgement is listed but uses no
        resources; once acknowledged it is among the completed tasks.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_FINISHED))
        [status] = self.updates(framework)
        [state] = stateJSON(self.master)["frameworks"]
        self.assertEqual(state["used_resources"], {})
        self.assertEqual([t["state"] for t in state["tasks"]], ["TASK_FINISHED"])
        framework.send(acknowledgement(frameworkId, slaveId, "t1", status.uuid))
        [state] = stateJSON(self.master)["frameworks"]
        self.assertEqual(state["tasks"], [])
        self.assertEqual([t["id"] for t in state["completed_tasks"]], ["t1"])

    def test_completedFrameworks(self) -> None:
        """
        Removed frameworks are listed as completed, inactive and
        disconnected, with their killed tasks.
        """
        framework, frameworkId, slave, slaveId = self.launched()
        framework.send(withFramework(msgs.UnregisterFrameworkMessage, frameworkId))
        state = stateJSON(self.master)
        self.assertEqual(state["frameworks"], [])
        [completed] = state["completed_frameworks"]
        self.assertEqual(completed["id"], frameworkId)
        self.assertIs(completed["active"], False)
        self.assertIs(completed["connected"], False)
        self.assertEqual(completed["unregistered_time"], 1000)
        self.assertEqual(
            [(t["id"], t["state"]) for t in completed["completed_tasks"]],
            [("t1", "TASK_KILLED")],
        )


class RegressionTests(MasterTestCase):
    """
    Bugs found and fixed.
    """

    def test_frameworkIdOfOurRange(self) -> None:
        """
        A framework re-registering with an id this master would issue next
        keeps it; the next new framework gets another id.
        """
        taken = f"{MASTER_ID}-0000"
        first = self.connect("framework", "fw1")
        first.send(reregister(frameworkInfo(frameworkId=taken)))
        _, fresh = self.addFramework("fw2")
        self.assertEqual(fresh, f"{MASTER_ID}-0001")
        self.assertEqual(set(self.master.frameworks), {taken, fresh})

    def test_secondFrameworkOnConnection(self) -> None:
        """
        A connection that is one framework cannot re-register as another.
        """
        framework, frameworkId = self.addFramework()
        framework.send(reregister(frameworkInfo(frameworkId="other-0007")))
        [error] = framework.received()
        self.assertIn(f"this connection is framework {frameworkId}", error.message)
        self.assertNotIn("other-0007", self.master.frameworks)

    def test_failoverDoesNotRescindToNewScheduler(self) -> None:
        """
        On failover the new scheduler is not told of offers it never saw.
        """
        old, frameworkId, _, _, offer = self.offered()
        new = self.connect("framework", "fw1")
        new.send(reregister(frameworkInfo(frameworkId=frameworkId), failover=True))
        self.assertEqual(
            ofType(new.received(), msgs.RescindResourceOfferMessage), []
        )

    def test_reservedOnlySlave(self) -> None:
        """
        A slave whose resources are all reserved for a role is offered to a
        framework of that role.
        """
        framework, _ = self.addFramework(info=frameworkInfo(role="web"))
        self.addSlave(resources="cpus(web):2;mem(web):64")
        [offer] = self.offers(framework)
        self.assertEqual(offerResources(offer), parse("cpus(web):2;mem(web):64"))

    def test_orphanTasksKeepTheirResources(self) -> None:
        """
        Tasks a re-registering slave reports for a framework that has not
        re-registered yet are kept: their resources are not offered to
        others, and the framework finds them when it comes back.
        """
        slave = self.connect("slave", "slave1")
        info = slaveInfo()
        info.id.value = "old-S1"
        task = mesos_pb2.Task(
            name="t1", state=mesos_pb2.TASK_RUNNING,
            resources=parse("cpus:1;mem:128").toProto(),
        )
        task.task_id.value = "t1"
        task.framework_id.value = "old-0001"
        task.slave_id.value = "old-S1"
        slave.send(msgs.ReregisterSlaveMessage(
            slave=info, tasks=[task], version=mesos_tw.__version__
        ))
        other, _ = self.addFramework("fw2")
        [offer] = self.offers(other)
        self.assertEqual(offerResources(offer), parse(RESOURCES) - parse("cpus:1;mem:128"))
        back = self.connect("framework", "fw1")
        back.send(reregister(frameworkInfo(frameworkId="old-0001")))
        self.assertIn("t1", self.master.frameworks["old-0001"].tasks)
        self.assertEqual(self.allocated("old-0001"), parse("cpus:1;mem:128"))


class RoleTests(MasterTestCase):
    """
    Tests for frameworks' roles as the master hands them to the allocator
    and puts them in offers.
    """

    def test_multiRoleOffers(self) -> None:
        """
        A framework of several roles is offered in each, every offer naming
        its allocation role.
        """
        framework, _ = self.addFramework(info=frameworkInfo(roles=["a", "b"]))
        self.addSlave(resources="cpus(a):1;cpus(b):2;mem:64")
        offers = self.offers(framework)
        self.assertEqual(
            {o.allocation_info.role: offerResources(o).reserved(o.allocation_info.role)
             for o in offers},
            {"a": parse("cpus(a):1"), "b": parse("cpus(b):2")},
        )

    def test_roles(self) -> None:
        """
        A framework's roles are its C{roles} without repeats, or its
        C{role}.
        """
        _, first = self.addFramework("fw1", frameworkInfo(role="web"))
        _, second = self.addFramework("fw2", frameworkInfo(roles=["db", "web", "db"]))
        self.assertEqual(self.master.frameworks[first].roles, ["web"])
        self.assertEqual(self.master.frameworks[second].roles, ["db", "web"])

    def test_differentRolesInOneAccept(self) -> None:
        """
        Offers of different roles cannot be accepted together: the tasks
        are lost with REASON_INVALID_OFFERS and the offers go back.
        """
        framework, frameworkId = self.addFramework(info=frameworkInfo(roles=["a", "b"]))
        _, slaveId = self.addSlave(resources="cpus(a):1;cpus(b):2;mem:512")
        offers = self.offers(framework)
        self.assertEqual(len(offers), 2)
        framework.send(accept(
            frameworkId, [o.id.value for o in offers], [commandTask("t1", slaveId)]
        ))
        [status] = self.updates(framework)
        self.assertEqual(status.state, mesos_pb2.TASK_LOST)
        self.assertEqual(status.reason, TaskStatus.REASON_INVALID_OFFERS)
        self.assertIn("different roles", status.message)
        self.assertEqual(self.master.offers, {})
        self.assertEqual(self.allocated(frameworkId), Resources())

    def test_taskRole(self) -> None:
        """
        A task is recorded with the role of the offer it was launched on.
        """
        framework, frameworkId, slave, slaveId = self.launched(
            info=frameworkInfo(role="web")
        )
        self.assertEqual(self.master.frameworks[frameworkId].tasks["t1"].role, "web")
        self.assertEqual(self.master.frameworks[frameworkId].tasks["t1"].startTime, 1000)


class AllocatorCallTests(MasterTestCase):
    """
    What the master tells its allocator, checked on a L{FakeAllocator}.
    """

    allocatorFactory = FakeAllocator

    def calls(self, name: str) -> list[tuple]:
        """
        The arguments of the allocator's calls of method C{name}.
        """
        return [args for method, args in self.master.allocator.calls if method == name]

    def test_addFrameworkRoles(self) -> None:
        """
        Frameworks are added with their roles.
        """
        self.addFramework("fw1", frameworkInfo(roles=["a", "b"]))
        self.addFramework("fw2", frameworkInfo(role="web"))
        self.assertEqual(
            [(roles, active) for _, roles, _, active in self.calls("addFramework")],
            [(["a", "b"], True), (["web"], True)],
        )

    def test_updateRolesOnReregistration(self) -> None:
        """
        A framework that re-registers with other roles has them updated in
        the allocator; the same roles change nothing.
        """
        _, frameworkId = self.addFramework("fw1", frameworkInfo(roles=["a"]))
        again = self.connect("framework", "fw1")
        again.send(msgs.ReregisterFrameworkMessage(
            framework=frameworkInfo(frameworkId=frameworkId, roles=["a"]), failover=True
        ))
        self.assertEqual(self.calls("updateFramework"), [])
        last = self.connect("framework", "fw1")
        last.send(msgs.ReregisterFrameworkMessage(
            framework=frameworkInfo(frameworkId=frameworkId, roles=["b", "a"]),
            failover=True,
        ))
        self.assertEqual(self.calls("updateFramework"), [(frameworkId, ["b", "a"])])

    def test_declineWithRole(self) -> None:
        """
        Declined resources go back with the offer's role and the filter.
        """
        framework, frameworkId, _, slaveId, offer = self.offered(
            frameworkInfo(role="web")
        )
        framework.send(decline(frameworkId, [offer.id.value], refuseSeconds=7))
        [(fid, sid, resources, refuse, now, role)] = self.calls("recoverResources")
        self.assertEqual((fid, sid, refuse, now, role), (frameworkId, slaveId, 7, 1000, "web"))
        self.assertEqual(resources, parse(RESOURCES))

    def test_acceptLeftoverAndTaskEndWithRole(self) -> None:
        """
        What an accept leaves unused, and later the task's resources, go
        back with the offer's role.
        """
        framework, frameworkId, slave, slaveId = self.launched(
            refuseSeconds=3, info=frameworkInfo(role="web")
        )
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_FINISHED))
        recovered = self.calls("recoverResources")
        self.assertEqual(
            [(r, refuse, role) for _, _, r, refuse, _, role in recovered],
            [(parse(RESOURCES) - parse(TASK), 3, "web"), (parse(TASK), None, "web")],
        )

    def test_reviveAndSuppressRoles(self) -> None:
        """
        Revive and suppress pass their roles on, or L{None} for all roles.
        """
        _, frameworkId = self.addFramework(info=frameworkInfo(roles=["a", "b"]))
        framework = self.master.frameworks[frameworkId].connection
        for message in [
            withFramework(msgs.SuppressOffersMessage, frameworkId, roles=["a"]),
            withFramework(msgs.SuppressOffersMessage, frameworkId),
            withFramework(msgs.ReviveOffersMessage, frameworkId, roles=["b"]),
            withFramework(msgs.ReviveOffersMessage, frameworkId),
        ]:
            framework.dataReceived(wire(message))
        self.assertEqual(
            self.calls("suppressOffers"), [(frameworkId, ["a"]), (frameworkId, None)]
        )
        self.assertEqual(
            self.calls("reviveOffers"), [(frameworkId, ["b"]), (frameworkId, None)]
        )

    def test_requestResources(self) -> None:
        """
        Resource requests are handed to the allocator as L{Resources}.
        """
        framework, frameworkId = self.addFramework()
        message = withFramework(msgs.ResourceRequestMessage, frameworkId)
        message.requests.add(resources=parse("cpus:2;mem:64").toProto())
        message.requests.add(resources=parse("cpus:1").toProto())
        framework.send(message)
        self.assertEqual(
            self.calls("requestResources"),
            [(frameworkId, [parse("cpus:2;mem:64"), parse("cpus:1")])],
        )

    def test_invalidRequest(self) -> None:
        """
        A request with invalid resources is dropped whole.
        """
        framework, frameworkId = self.addFramework()
        message = withFramework(msgs.ResourceRequestMessage, frameworkId)
        bad = mesos_pb2.Resource(name="cpus", type=mesos_pb2.Value.SCALAR)
        bad.scalar.value = -1
        message.requests.add(resources=[bad])
        framework.send(message)
        self.assertEqual(self.calls("requestResources"), [])

    def test_updateWeights(self) -> None:
        """
        L{Master.updateWeights} sets weights in the allocator and does not
        allocate.
        """
        self.master.updateWeights({"web": 2.0})
        self.assertEqual(self.master.allocator.weights, {"web": 2.0})
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.assertEqual(self.calls("allocate"), [])

    def test_rejectedAllocationWithRole(self) -> None:
        """
        Resources allocated to a framework that is no longer active go back
        with their role and no filter.
        """
        _, frameworkId = self.addFramework(info=frameworkInfo(role="web"))
        self.master.frameworks[frameworkId].active = False
        _, slaveId = self.addSlave()
        self.clock.advance(0)
        [(fid, sid, _, refuse, _, role)] = self.calls("recoverResources")
        self.assertEqual((fid, sid, refuse, role), (frameworkId, slaveId, None, "web"))


class FrameworkAllocationStateTests(MasterTestCase):
    """
    Tests for the allocation figures in L{stateJSON}.
    """

    def test_frameworkShareAndWeight(self) -> None:
        """
        Each framework shows its roles, allocated scalars, dominant share
        and its role's weight.
        """
        self.master.updateWeights({"web": 2.0})
        framework, frameworkId, slave, slaveId = self.launched(
            refuseSeconds=0, info=frameworkInfo(role="web")
        )
        [state] = stateJSON(self.master)["frameworks"]
        self.assertEqual(state["roles"], ["web"])
        self.assertEqual(state["weight"], 2.0)
        self.assertEqual(state["allocated_resources"], {"cpus": 1.0, "mem": 256.0})
        self.assertEqual(state["dominant_share"], 0.5)

    def test_roles(self) -> None:
        """
        The state lists each role with its weight, priority, guarantee,
        allocation, dominant share and frameworks.
        """
        self.master.updateWeights({"idle": 3.0})
        _, frameworkId = self.addFramework(info=frameworkInfo(role="web"))
        self.addSlave()
        self.clock.advance(0)
        self.assertEqual(
            stateJSON(self.master)["roles"],
            [
                {"name": "idle", "weight": 3.0, "priority": 0.0, "guarantee": {},
                 "allocated": {}, "dominant_share": 0.0, "frameworks": []},
                {"name": "web", "weight": 1.0, "priority": 0.0, "guarantee": {},
                 "allocated": {"cpus": 2.0, "mem": 1024.0}, "dominant_share": 1.0,
                 "frameworks": [frameworkId]},
            ],
        )

