"""
Tests for a master with a registry (L{mesos_tw.master.failover} and the
registry's part in L{mesos_tw.master.slaves}): slaves are admitted and
removed through it, only admitted ones re-register, and a new leader
expects the registry's slaves back within the re-registration timeout
while reconciliation says nothing of their tasks.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.internet.testing import StringTransport

import mesos_tw
from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.master.master import Master
from mesos_tw.master.registrar import MemoryStore, Registrar, RegistryConflict
from mesos_tw.master.registry import Registry
from mesos_tw.mesos_pb2 import MasterInfo, TaskStatus
from mesos_tw.protocol.framing import MessageFactory
from mesos_tw.protocol.tls import Peer
from mesos_tw.testing.wire import ofType
from tests.test_master_faults import (
    FaultTestCase,
    partitionAware,
    task,
)
from tests.test_master_frameworks import (
    MAX_TIMEOUTS,
    TIMEOUT,
    Connection,
    accept,
    commandTask,
    frameworkInfo,
    slaveInfo,
    withFramework,
)

REREGISTER_TIMEOUT = 60.0


class _ManualStore(MemoryStore):
    """
    A memory store whose writes wait for L{complete} while C{hold} is set.
    """

    def __init__(self) -> None:
        super().__init__()
        self.hold = False
        self.waiting: list[tuple[bytes, int | None, Deferred[int]]] = []
        self.broken = False

    def store(self, data: bytes, version: int | None) -> Deferred[int]:
        if self.broken:
            return fail(RegistryConflict("another master wrote"))
        if not self.hold:
            return super().store(data, version)
        d: Deferred[int] = Deferred()
        self.waiting.append((data, version, d))
        return d

    def complete(self) -> None:
        """
        Complete the writes waiting, and those they lead to.
        """
        while self.waiting:
            data, version, d = self.waiting.pop(0)
            super().store(data, version).chainDeferred(d)

    @property
    def registry(self) -> Registry:
        return Registry.fromBytes(self.data or b"")


class RegistryTestCase(FaultTestCase):
    """
    The fault tests' harness with a master that has a registry (in memory).
    """

    def setUp(self) -> None:
        super().setUp()
        self.master.stop()
        self.store = _ManualStore()
        self.failures: list[Any] = []
        self.master = self.newMaster(self.info)
        self.addCleanup(self.master.stop)

    def newMaster(self, info: MasterInfo) -> Master:
        """
        A master elected with the shared registry: it has recovered it.
        """
        registrar = Registrar(self.store, self.failures.append)
        master = Master(
            info, self.clock, TIMEOUT, MAX_TIMEOUTS, registrar=registrar,
            slaveReregisterTimeout=REREGISTER_TIMEOUT,
        )
        registry = self.successResultOf(registrar.recover(info))
        master.recover(registry)
        return master

    def failOver(self) -> Master:
        """
        Another master takes over the registry, as a new leader does.
        """
        self.master.stop()
        info = MasterInfo()
        info.CopyFrom(self.info)
        info.id = "second-master"
        self.master = self.newMaster(info)
        self.addCleanup(self.master.stop)
        return self.master

    def connectTo(self, master: Master, role: str, name: str) -> Connection:
        """
        A connection to C{master} from a peer with the given identity.
        """
        factory = MessageFactory(master.dispatcher, onLost=master.connectionLost)
        protocol = factory.buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.peer = Peer(role, name, "127.0.0.1:4000")
        return Connection(protocol, transport)

    def registerSlave(self, name: str = "slave1") -> Connection:
        slave = self.connect("slave", name)
        slave.send(msgs.RegisterSlaveMessage(slave=slaveInfo(), version=mesos_tw.__version__))
        return slave


class AdmissionTests(RegistryTestCase):
    """
    Slaves are admitted through the registry before the master adds them.
    """

    def test_admittedFirst(self) -> None:
        """
        A new slave is registered only once the registry has admitted it.
        """
        self.store.hold = True
        slave = self.registerSlave()
        self.assertEqual(slave.received(), [])
        self.assertEqual(self.master.slaves, {})
        self.store.complete()
        [reply] = ofType(slave.received(), msgs.SlaveRegisteredMessage)
        slaveId = reply.slave_id.value
        self.assertEqual(list(self.master.slaves), [slaveId])
        self.assertEqual(self.store.registry.admitted, {slaveId: "slave1"})
        self.assertConsistent()

    def test_retriedWhileAdmitting(self) -> None:
        """
        A registration retried while the registry admits the slave is
        ignored: one id is admitted.
        """
        self.store.hold = True
        slave = self.registerSlave()
        slave.send(msgs.RegisterSlaveMessage(slave=slaveInfo(), version=mesos_tw.__version__))
        self.store.complete()
        self.assertEqual(len(ofType(slave.received(), msgs.SlaveRegisteredMessage)), 1)
        self.assertEqual(len(self.store.registry.admitted), 1)

    def test_lostWhileAdmitting(self) -> None:
        """
        A slave whose connection closes while the registry admits it is not
        added (it registers again on a new connection).
        """
        self.store.hold = True
        slave = self.registerSlave()
        slave.lose()
        self.store.complete()
        self.assertEqual(self.master.slaves, {})
        self.assertEqual(len(self.store.registry.admitted), 1)
        self.assertConsistent()

    def test_registrarFails(self) -> None:
        """
        If the registry cannot be written, the slave is not added and the
        master's owner is told (it exits).
        """
        self.store.broken = True
        slave = self.registerSlave()
        self.assertEqual(slave.received(), [])
        self.assertEqual(self.master.slaves, {})
        self.assertEqual(len(self.failures), 1)
        self.flushLoggedErrors()

    def test_notAdmitted(self) -> None:
        """
        A slave re-registering with an id the registry does not know (a reset
        registry) is admitted through it, with its tasks.
        """
        framework, frameworkId = self.addFramework()
        slave = self.connect("slave", "slave1")
        info = slaveInfo()
        info.id.value = "stranger-S7"
        slave.send(msgs.ReregisterSlaveMessage(
            slave=info, tasks=[task(frameworkId, "t1", slaveId="stranger-S7")],
            version=mesos_tw.__version__,
        ))
        [reregistered] = ofType(slave.received(), msgs.SlaveReregisteredMessage)
        self.assertEqual(reregistered.slave_id.value, "stranger-S7")
        self.assertEqual(self.store.registry.admitted, {"stranger-S7": "slave1"})
        self.assertIn("stranger-S7", self.master.slaves)
        self.assertEqual(
            self.master.frameworks[frameworkId].tasks["t1"].task.state,
            mesos_pb2.TASK_RUNNING,
        )

    def test_unregisterForgets(self) -> None:
        """
        A slave that leaves cleanly leaves the registry.
        """
        slave, slaveId = self.addSlave()
        slave.send(msgs.UnregisterSlaveMessage(slave_id=mesos_pb2.SlaveID(value=slaveId)))
        self.assertEqual(self.store.registry.admitted, {})
        self.assertEqual(self.store.registry.unreachable, {})
        self.assertEqual(self.master.slaves, {})


class RemovalTests(RegistryTestCase):
    """
    Slaves removed as unreachable are marked so in the registry first.
    """

    def test_removedThroughRegistry(self) -> None:
        """
        A slave that stops answering is offered no more at once, and
        removed (its tasks lost, frameworks told) once the registry has it
        unreachable.
        """
        framework, frameworkId, slave, slaveId = self.launched(
            info=frameworkInfo(checkpoint=True)
        )
        self.store.hold = True
        slave.lose()
        self.clock.pump([TIMEOUT] * (MAX_TIMEOUTS + 1))
        self.assertIn(slaveId, self.master.slaves)
        self.assertEqual(ofType(framework.received(), msgs.LostSlaveMessage), [])
        self.store.complete()
        self.assertNotIn(slaveId, self.master.slaves)
        self.assertIn(slaveId, self.master.unreachableSlaves)
        self.assertEqual(list(self.store.registry.unreachable), [slaveId])
        messages = framework.received()
        self.assertEqual(len(ofType(messages, msgs.LostSlaveMessage)), 1)
        [update] = ofType(messages, msgs.StatusUpdateMessage)
        self.assertEqual(update.update.status.state, mesos_pb2.TASK_LOST)
        self.assertConsistent()

    def test_reregisterWhileRemoving(self) -> None:
        """
        A slave re-registering while the registry removes it is ignored (it
        retries, and is then admitted again).
        """
        slave, slaveId = self.addSlave()
        self.store.hold = True
        slave.lose()
        self.clock.pump([TIMEOUT] * (MAX_TIMEOUTS + 1))
        again = self.connect("slave", "slave1")
        info = slaveInfo()
        info.id.value = slaveId
        again.send(msgs.ReregisterSlaveMessage(slave=info, version=mesos_tw.__version__))
        self.assertEqual(again.received(), [])
        self.store.complete()
        self.store.hold = False
        self.reregister(slaveId)
        self.assertEqual(self.store.registry.admitted, {slaveId: "slave1"})
        self.assertConsistent()

    def test_unreachableReadmitted(self) -> None:
        """
        A slave the registry has as unreachable is admitted again through
        it before it re-registers, with its tasks.
        """
        framework, frameworkId, slave, slaveId = self.launched(
            info=frameworkInfo(checkpoint=True)
        )
        slave.lose()
        self.clock.pump([TIMEOUT] * (MAX_TIMEOUTS + 1))
        framework.received()
        self.store.hold = True
        again = self.connect("slave", "slave1")
        info = slaveInfo()
        info.id.value = slaveId
        again.send(msgs.ReregisterSlaveMessage(
            slave=info, tasks=[task(frameworkId, "t1", slaveId=slaveId)],
            version=mesos_tw.__version__,
        ))
        self.assertEqual(again.received(), [])
        self.store.complete()
        [reply] = ofType(again.received(), msgs.SlaveReregisteredMessage)
        self.assertEqual(self.store.registry.admitted, {slaveId: "slave1"})
        self.assertEqual(self.store.registry.unreachable, {})
        self.assertEqual(
            self.master.frameworks[frameworkId].tasks["t1"].task.state, mesos_pb2.TASK_RUNNING
        )
        self.assertConsistent()

    def test_unreachableOtherPrincipal(self) -> None:
        """
        Only the slave's own principal may bring an unreachable slave back.
        """
        slave, slaveId = self.addSlave()
        slave.lose()
        self.clock.pump([TIMEOUT] * (MAX_TIMEOUTS + 1))
        intruder = self.connect("slave", "intruder")
        info = slaveInfo()
        info.id.value = slaveId
        intruder.send(msgs.ReregisterSlaveMessage(slave=info, version=mesos_tw.__version__))
        [shutdown] = intruder.received()
        self.assertIsInstance(shutdown, msgs.ShutdownMessage)
        self.assertEqual(list(self.store.registry.unreachable), [slaveId])


class FailoverTests(RegistryTestCase):
    """
    A new leader rebuilds its view from the registry and re-registrations.
    """

    def setUpCluster(self) -> tuple[str, str, str]:
        """
        A framework with a task on each of two slaves, with the first
        master.

        @return: the framework's id and the slaves' ids.
        """
        framework, frameworkId = self.addFramework(info=frameworkInfo(checkpoint=True))
        ids = []
        for name in ["slave1", "slave2"]:
            slave, slaveId = self.addSlave(name, hostname=name)
            ids.append(slaveId)
            [offer] = self.offers(framework)
            framework.send(accept(frameworkId, [offer.id.value], [commandTask(f"t-{name}", slaveId)]))
        return frameworkId, ids[0], ids[1]

    def test_expectsRegistrySlaves(self) -> None:
        """
        After a failover, the registry's slaves are expected back;
        reconciliation says nothing of tasks on them, or of tasks without a
        slave, until they are back.
        """
        frameworkId, first, second = self.setUpCluster()
        master = self.failOver()
        self.assertEqual(master.recoveringSlaves, {first, second})
        framework = self.connect("framework", "fw1")
        framework.send(msgs.ReregisterFrameworkMessage(
            framework=frameworkInfo(frameworkId=frameworkId, checkpoint=True)
        ))
        [reply] = framework.received()
        self.assertIsInstance(reply, msgs.FrameworkReregisteredMessage)
        message = withFramework(msgs.ReconcileTasksMessage, frameworkId)
        for taskId, slaveId in [("t-slave1", first), ("t-other", "")]:
            status = message.statuses.add(state=mesos_pb2.TASK_RUNNING)
            status.task_id.value = taskId
            if slaveId:
                status.slave_id.value = slaveId
        framework.send(message)
        self.assertEqual(framework.received(), [])

    def test_rebuilds(self) -> None:
        """
        Slaves re-registering with their tasks and the framework
        re-registering rebuild the view: the tasks run, offers go on, and
        the slaves are no longer expected.
        """
        frameworkId, first, second = self.setUpCluster()
        master = self.failOver()
        for name, slaveId in [("slave1", first), ("slave2", second)]:
            self.reregister(
                slaveId, tasks=[task(frameworkId, f"t-{name}", slaveId=slaveId)],
                frameworks=[frameworkId], name=name,
            )
        self.assertEqual(master.recoveringSlaves, set())
        self.assertEqual(
            [c for c in self.clock.getDelayedCalls() if c.func == master._recoveryTimedOut], []
        )
        framework = self.connect("framework", "fw1")
        framework.send(msgs.ReregisterFrameworkMessage(
            framework=frameworkInfo(frameworkId=frameworkId, checkpoint=True)
        ))
        self.assertIsInstance(framework.received()[0], msgs.FrameworkReregisteredMessage)
        tasks = master.frameworks[frameworkId].tasks
        self.assertEqual(sorted(tasks), ["t-slave1", "t-slave2"])
        self.assertEqual({t.task.state for t in tasks.values()}, {mesos_pb2.TASK_RUNNING})
        self.assertEqual(self.store.registry.master.id, "second-master")
        self.assertConsistent()

    def test_missingSlavesUnreachable(self) -> None:
        """
        Slaves that do not re-register within the timeout are marked
        unreachable through the registry; frameworks are told they are
        lost, and reconciliation answers TASK_LOST (TASK_UNREACHABLE for
        partition-aware frameworks) for their tasks.
        """
        frameworkId, first, second = self.setUpCluster()
        master = self.failOver()
        self.reregister(
            first, tasks=[task(frameworkId, "t-slave1", slaveId=first)],
            frameworks=[frameworkId],
        )
        plain = self.connect("framework", "fw1")
        plain.send(msgs.ReregisterFrameworkMessage(
            framework=frameworkInfo(frameworkId=frameworkId, checkpoint=True)
        ))
        aware, awareId = self.addFramework("fw2", info=partitionAware())
        plain.received()
        self.clock.advance(REREGISTER_TIMEOUT)
        self.assertEqual(master.recoveringSlaves, set())
        self.assertIn(second, master.unreachableSlaves)
        self.assertEqual(list(self.store.registry.unreachable), [second])
        self.assertEqual(list(self.store.registry.admitted), [first])
        [lost] = ofType(plain.received(), msgs.LostSlaveMessage)
        self.assertEqual(lost.slave_id.value, second)
        self.assertEqual(len(ofType(aware.received(), msgs.LostSlaveMessage)), 1)
        for connection, fid, state in [
            (plain, frameworkId, mesos_pb2.TASK_LOST),
            (aware, awareId, mesos_pb2.TASK_UNREACHABLE),
        ]:
            message = withFramework(msgs.ReconcileTasksMessage, fid)
            status = message.statuses.add(state=mesos_pb2.TASK_RUNNING)
            status.task_id.value = "t-slave2"
            status.slave_id.value = second
            connection.send(message)
            [update] = [m.update for m in connection.received()]
            self.assertEqual(update.status.state, state)
            self.assertEqual(update.status.reason, TaskStatus.REASON_RECONCILIATION)
        self.assertConsistent()

    def test_lateSlaveReadmitted(self) -> None:
        """
        A slave back after the timeout is admitted again through the
        registry, with its tasks.
        """
        frameworkId, first, second = self.setUpCluster()
        master = self.failOver()
        self.clock.advance(REREGISTER_TIMEOUT)
        self.reregister(
            second, tasks=[task(frameworkId, "t-slave2", slaveId=second)],
            frameworks=[frameworkId], name="slave2",
        )
        self.assertIn(second, master.slaves)
        self.assertEqual(self.store.registry.admitted, {second: "slave2"})
        self.assertEqual(list(self.store.registry.unreachable), [first])

    def test_backWhileMarking(self) -> None:
        """
        A slave re-registering while the registry marks it unreachable at
        the timeout is ignored; it retries and is admitted again.
        """
        frameworkId, first, second = self.setUpCluster()
        master = self.failOver()
        self.store.hold = True
        self.clock.advance(REREGISTER_TIMEOUT)
        late = self.connect("slave", "slave1")
        info = slaveInfo()
        info.id.value = first
        late.send(msgs.ReregisterSlaveMessage(slave=info, version=mesos_tw.__version__))
        self.assertEqual(late.received(), [])
        self.store.complete()
        self.assertEqual(master.recoveringSlaves, set())
        self.store.hold = False
        self.reregister(first)
        self.assertEqual(self.store.registry.admitted, {first: "slave1"})

    def test_otherPrincipal(self) -> None:
        """
        Only an expected slave's own principal may bring it back.
        """
        frameworkId, first, second = self.setUpCluster()
        master = self.failOver()
        intruder = self.connect("slave", "intruder")
        info = slaveInfo()
        info.id.value = first
        intruder.send(msgs.ReregisterSlaveMessage(slave=info, version=mesos_tw.__version__))
        [shutdown] = intruder.received()
        self.assertIsInstance(shutdown, msgs.ShutdownMessage)
        self.assertIn(first, master.recoveringSlaves)

    def test_stopCancelsTimeout(self) -> None:
        """
        Stopping the master cancels the re-registration timeout.
        """
        self.setUpCluster()
        master = self.failOver()
        master.stop()
        self.assertEqual(
            [c for c in self.clock.getDelayedCalls() if c.func == master._recoveryTimedOut], []
        )

    def test_oldLeaderCannotWrite(self) -> None:
        """
        Once a new leader recovered the registry, the old one cannot admit
        slaves any more: its write fails, and its owner is told (it exits).
        """
        old = self.master
        self.failOver()
        slave = self.connectTo(old, "slave", "slave9")
        slave.send(msgs.RegisterSlaveMessage(slave=slaveInfo(), version=mesos_tw.__version__))
        self.assertEqual(slave.received(), [])
        self.assertEqual(old.slaves, {})
        self.assertEqual(len(self.failures), 1)
        self.flushLoggedErrors()
