"""
Tests for the master's fault tolerance: slaves that disconnect, are removed
and come back (L{mesos_tw.master.slaves}, L{mesos_tw.master.reregistration}),
frameworks that fail over, reconciliation
(L{mesos_tw.master.reconciliation}) and refused messages
(L{mesos_tw.master.taskupdates}), driven through the real dispatch path on
fake connections with a L{Clock}.
"""

from __future__ import annotations

import uuid

from twisted.trial.unittest import SynchronousTestCase

import mesos_tw
from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.master import reconciliation, reports, reregistration
from mesos_tw.master.http import stateJSON
from mesos_tw.master.reconciliation import Answer, SlaveView
from mesos_tw.mesos_pb2 import ExecutorInfo, FrameworkInfo, TaskStatus
from mesos_tw.messages_pb2 import MessageRefused
from mesos_tw.resources import Resources
from mesos_tw.testing.wire import ofType
from tests.test_master_frameworks import (
    MAX_TIMEOUTS,
    PARTITION_AWARE,
    RESOURCES,
    TASK,
    TIMEOUT,
    Connection,
    MasterTestCase,
    accept,
    acknowledgement,
    commandTask,
    executorTask,
    frameworkInfo,
    offerResources,
    slaveInfo,
    slaveUpdate,
    withFramework,
)

parse = Resources.parse

LOST = mesos_pb2.TASK_LOST
RUNNING = mesos_pb2.TASK_RUNNING
STAGING = mesos_pb2.TASK_STAGING
FINISHED = mesos_pb2.TASK_FINISHED


def task(
    frameworkId: str,
    taskId: str,
    state: int = RUNNING,
    slaveId: str = "s1",
    resources: str = TASK,
    pendingState: int | None = None,
    pendingUuid: bytes = b"",
    executorId: str = "",
) -> mesos_pb2.Task:
    """
    A L{mesos_pb2.Task} as a slave reports it when it re-registers.
    """
    result = mesos_pb2.Task(
        name=f"task {taskId}", state=state, resources=parse(resources).toProto()
    )
    result.task_id.value = taskId
    result.framework_id.value = frameworkId
    result.slave_id.value = slaveId
    if pendingState is not None:
        result.status_update_state = pendingState
        result.status_update_uuid = pendingUuid
    if executorId:
        result.executor_id.value = executorId
    return result


def executor(executorId: str, frameworkId: str = "", resources: str = "cpus:0.5;mem:64"):
    """
    An L{ExecutorInfo} as a slave reports it.
    """
    info = ExecutorInfo(resources=parse(resources).toProto())
    info.executor_id.value = executorId
    if frameworkId:
        info.framework_id.value = frameworkId
    return info


def partitionAware(**kw) -> FrameworkInfo:
    """
    The L{FrameworkInfo} of a PARTITION_AWARE framework.
    """
    info = frameworkInfo(**kw)
    info.capabilities.add(type=PARTITION_AWARE)
    return info


class ReconciliationPolicyTests(SynchronousTestCase):
    """
    Tests for L{reconciliation.explicit}, L{reconciliation.implicit} and
    L{reconciliation.reconcile}: Mesos's answers, table by table.
    """

    slaves = SlaveView(
        registered={"reg-S1"}, unreachable={"gone-S2": 1234.5}, recovering=set()
    )
    recovering = SlaveView(
        registered={"reg-S1"}, unreachable={"gone-S2": 1234.5}, recovering={"rec-S3"}
    )

    def test_knownTask(self) -> None:
        """
        A task the master knows is answered with its latest state: the state
        of the latest update sent towards the framework if any (even
        terminal, not acknowledged yet), else its state; on its own slave,
        whatever slave was named, even while slaves are recovering.
        """
        running = task("f1", "t1", RUNNING, slaveId="reg-S1")
        finishedUnacked = task(
            "f1", "t2", FINISHED, slaveId="reg-S1", pendingState=FINISHED,
            pendingUuid=b"u" * 16,
        )
        olderPending = task(
            "f1", "t3", FINISHED, slaveId="reg-S1", pendingState=RUNNING,
            pendingUuid=b"v" * 16,
        )
        table = [
            (running, "", False, self.slaves, RUNNING),
            (running, "reg-S1", True, self.slaves, RUNNING),
            (running, "other-S9", False, self.slaves, RUNNING),
            (running, "", True, self.recovering, RUNNING),
            (finishedUnacked, "", False, self.slaves, FINISHED),
            (olderPending, "", True, self.slaves, RUNNING),
        ]
        for known, slaveId, aware, view, state in table:
            answer = reconciliation.explicit(
                known.task_id.value, slaveId, known, aware, view
            )
            self.assertEqual(
                answer,
                Answer(known.task_id.value, state, "reg-S1", reconciliation.LATEST),
                (known.task_id.value, slaveId, aware),
            )

    def test_unknownTask(self) -> None:
        """
        A task the master does not know: TASK_GONE on a registered slave,
        TASK_UNREACHABLE (with the time) on one removed for not answering,
        TASK_UNKNOWN on an unknown slave or none, for partition-aware
        frameworks; TASK_LOST for the others. No answer while the named
        slave is recovering, or, naming none, while any slave is.
        """
        GONE, UNKNOWN = mesos_pb2.TASK_GONE, mesos_pb2.TASK_UNKNOWN
        UNREACHABLE = mesos_pb2.TASK_UNREACHABLE
        table = [
            # slave id, partition-aware, view, expected (state, time) or None
            ("reg-S1", True, self.slaves, (GONE, None)),
            ("reg-S1", False, self.slaves, (LOST, None)),
            ("gone-S2", True, self.slaves, (UNREACHABLE, 1234.5)),
            ("gone-S2", False, self.slaves, (LOST, None)),
            ("other-S9", True, self.slaves, (UNKNOWN, None)),
            ("other-S9", False, self.slaves, (LOST, None)),
            ("", True, self.slaves, (UNKNOWN, None)),
            ("", False, self.slaves, (LOST, None)),
            ("rec-S3", True, self.recovering, None),
            ("rec-S3", False, self.recovering, None),
            ("", True, self.recovering, None),
            ("", False, self.recovering, None),
            ("reg-S1", True, self.recovering, (GONE, None)),
            ("gone-S2", True, self.recovering, (UNREACHABLE, 1234.5)),
            ("other-S9", False, self.recovering, (LOST, None)),
        ]
        for slaveId, aware, view, expected in table:
            answer = reconciliation.explicit("t9", slaveId, None, aware, view)
            row = (slaveId, aware, sorted(view.recovering))
            if expected is None:
                self.assertIsNone(answer, row)
                continue
            state, unreachableTime = expected
            self.assertEqual(answer.taskId, "t9", row)
            self.assertEqual(
                mesos_pb2.TaskState.Name(answer.state), mesos_pb2.TaskState.Name(state), row
            )
            self.assertEqual(answer.slaveId, slaveId, row)
            self.assertEqual(answer.unreachableTime, unreachableTime, row)
            self.assertNotEqual(answer.message, reconciliation.LATEST, row)

    def test_implicit(self) -> None:
        """
        Implicit reconciliation answers every task given, each with its
        latest state and slave.
        """
        tasks = [
            task("f1", "t1", RUNNING, slaveId="s1"),
            task("f1", "t2", FINISHED, slaveId="s2", pendingState=FINISHED,
                 pendingUuid=b"u" * 16),
        ]
        self.assertEqual(
            reconciliation.implicit(tasks),
            [Answer("t1", RUNNING, "s1"), Answer("t2", FINISHED, "s2")],
        )
        self.assertEqual(reconciliation.implicit([]), [])

    def test_reconcile(self) -> None:
        """
        L{reconciliation.reconcile} answers all the framework's tasks when
        none is named, else the named ones in order, leaving out those it
        cannot answer.
        """
        tasks = {"t1": task("f1", "t1", slaveId="reg-S1")}
        self.assertEqual(
            reconciliation.reconcile([], tasks, False, self.recovering),
            [Answer("t1", RUNNING, "reg-S1")],
        )
        answers = reconciliation.reconcile(
            [("x", "rec-S3"), ("t1", ""), ("y", "reg-S1"), ("z", "")],
            tasks, False, self.recovering,
        )
        self.assertEqual(
            [(a.taskId, a.state) for a in answers], [("t1", RUNNING), ("y", LOST)]
        )


class ReregistrationPlanTests(SynchronousTestCase):
    """
    Tests for L{reregistration.plan}.
    """

    def plan(self, reported=(), known=(), frameworks=(), executors=(),
             removed=(), kills=()) -> reregistration.Plan:
        """
        Plan with C{known} given as a list of tasks.
        """
        return reregistration.plan(
            list(reported),
            [frameworkInfo(frameworkId=f) for f in frameworks],
            list(executors),
            {reregistration.taskKey(t): t for t in known},
            set(removed),
            set(kills),
        )

    def test_tasks(self) -> None:
        """
        Reported tasks the master knows are updated, others added; the
        master's tasks not reported are missing if unfinished, forgotten if
        finished.
        """
        plan = self.plan(
            reported=[task("f1", "t1"), task("f1", "new"), task("f2", "t1")],
            known=[
                task("f1", "t1", STAGING),
                task("f1", "gone", RUNNING),
                task("f1", "done", FINISHED),
            ],
        )
        self.assertEqual([t.task_id.value for t in plan.update], ["t1"])
        self.assertEqual(
            [reregistration.taskKey(t) for t in plan.add], [("f1", "new"), ("f2", "t1")]
        )
        self.assertEqual(plan.missing, [("f1", "gone")])
        self.assertEqual(plan.forget, [("f1", "done")])
        self.assertEqual(plan.shutdown, [])
        self.assertEqual(plan.kills, [])

    def test_removedFrameworks(self) -> None:
        """
        Tasks, executors and framework entries of removed frameworks are
        not taken: those frameworks are shut down on the slave, each once.
        """
        plan = self.plan(
            reported=[task("dead", "t1"), task("dead", "t2"), task("live", "t3")],
            frameworks=["dead", "dead2", "live"],
            executors=[executor("e1", "dead3")],
            removed=["dead", "dead2", "dead3", "other"],
        )
        self.assertEqual(plan.shutdown, ["dead", "dead2", "dead3"])
        self.assertEqual([t.task_id.value for t in plan.add], ["t3"])
        self.assertEqual(plan.executors, {})

    def test_kills(self) -> None:
        """
        Remembered kills are sent for reported unfinished tasks only; reported
        tasks the master no longer has and meant to kill are not taken back.
        """
        plan = self.plan(
            reported=[task("f1", "t0"), task("f1", "t1"), task("f1", "t2", FINISHED)],
            known=[task("f1", "t0")],
            kills=[("f1", "t0"), ("f1", "t1"), ("f1", "t2"), ("f1", "t3")],
        )
        self.assertEqual(plan.kills, [("f1", "t0"), ("f1", "t1")])
        self.assertEqual([t.task_id.value for t in plan.update], ["t0"])
        self.assertEqual(plan.add, [])
        self.assertEqual(plan.ended, [("f1", "t1"), ("f1", "t2")])

    def test_executors(self) -> None:
        """
        Executors go to the framework they name, else to the one framework
        with a reported task on them; others are left out.
        """
        plan = self.plan(
            reported=[
                task("f1", "t1", executorId="e1"),
                task("f2", "t2", executorId="shared"),
                task("f3", "t3", executorId="shared"),
            ],
            executors=[
                executor("named", "f2"), executor("e1"), executor("shared"),
                executor("orphan"),
            ],
        )
        self.assertEqual(
            {f: sorted(e) for f, e in plan.executors.items()},
            {"f1": ["e1"], "f2": ["named"]},
        )


class FaultTestCase(MasterTestCase):
    """
    The framework tests' harness, with helpers for slaves that come and go
    and a check of the master's books.
    """

    def pong(self, slave: Connection) -> None:
        """
        The slave answers the latest ping.
        """
        slave.send(msgs.PongSlaveMessage())

    def reregister(
        self,
        slaveId: str,
        tasks=(),
        executors=(),
        frameworks=(),
        name: str = "slave1",
        resources: str = RESOURCES,
    ) -> Connection:
        """
        A slave re-registers as C{slaveId} on a new connection, reporting
        C{tasks}, C{executors} and C{frameworks} (ids); return the
        connection, checking that the first message is
        L{msgs.SlaveReregisteredMessage} and leaving the rest.
        """
        slave = self.connect("slave", name)
        info = slaveInfo(resources=resources)
        info.id.value = slaveId
        slave.send(msgs.ReregisterSlaveMessage(
            slave=info, tasks=list(tasks), executor_infos=list(executors),
            frameworks=[frameworkInfo(frameworkId=f) for f in frameworks],
            version=mesos_tw.__version__,
        ))
        self.received = slave.received()
        self.assertIsInstance(self.received[0], msgs.SlaveReregisteredMessage)
        self.assertEqual(self.received[0].slave_id.value, slaveId)
        return slave

    def refusal(self, connection: Connection, code: int, messageType: type):
        """
        The one message C{connection} received: a refusal of a
        C{messageType} with C{code}; the connection stays open.
        """
        [message] = self.refusals(connection, code, messageType)
        return message

    def statuses(self, framework: Connection) -> list:
        """
        The statuses of the updates C{framework} received, ignoring other
        messages.
        """
        return [
            m.update.status for m in ofType(framework.received(), msgs.StatusUpdateMessage)
        ]

    def assertMasterStatus(self, status, taskId: str, state: int, reason: int) -> None:
        """
        C{status} is the master's word on C{taskId}: C{state}, C{reason},
        from the master, without uuid.
        """
        self.assertEqual(status.task_id.value, taskId)
        self.assertEqual(
            mesos_pb2.TaskState.Name(status.state), mesos_pb2.TaskState.Name(state)
        )
        self.assertEqual(
            TaskStatus.Reason.Name(status.reason), TaskStatus.Reason.Name(reason)
        )
        self.assertEqual(status.source, TaskStatus.SOURCE_MASTER)
        self.assertFalse(status.HasField("uuid"))

    def assertConsistent(self) -> None:
        """
        The master's books agree: each framework's allocation is what its
        unfinished tasks, executors and offers hold; tasks are on known
        slaves; offers on connected, active ones; connections map to their
        owners.
        """
        master = self.master
        for framework in master.frameworks.values():
            held = Resources()
            for record in framework.tasks.values():
                self.assertIn(record.slaveId, master.slaves, record.id)
                if not record.recovered:
                    held = held + record.resources
            for slaveId, executors in framework.executors.items():
                self.assertIn(slaveId, master.slaves)
                for info in executors.values():
                    held = held + Resources.fromProto(info.resources)
            for offerId in framework.offers:
                held = held + master.offers[offerId].resources
            self.assertEqual(self.allocated(framework.id), held, framework.id)
        for offer in master.offers.values():
            slave = master.slaves[offer.slaveId]
            self.assertTrue(slave.connected and slave.active, offer.id)
        for connection, slave in master._slaveByConnection.items():
            self.assertIs(slave.connection, connection)
            self.assertIs(master.slaves[slave.id], slave)
        for slave in master.slaves.values():
            self.assertEqual(slave.active, slave.connected, slave.id)
            self.assertNotIn(slave.id, master.unreachableSlaves)

    def launchedOn(
        self, info: FrameworkInfo | None = None, tasks=("t1",), name: str = "fw1",
        slave: tuple[Connection, str] | None = None,
    ) -> tuple[Connection, str, Connection, str]:
        """
        A framework (registered with C{info}) with command tasks C{tasks}
        running on a slave (a new one, or C{slave}); connections cleared.
        """
        framework, frameworkId = self.addFramework(name, info=info)
        slave, slaveId = slave if slave is not None else self.addSlave()
        [offer] = self.offers(framework)
        framework.send(accept(
            frameworkId, [offer.id.value],
            [commandTask(t, slaveId, "cpus:0.5;mem:128") for t in tasks],
        ))
        self.assertEqual(
            len(ofType(slave.received(), msgs.RunTaskMessage)), len(tasks)
        )
        for taskId in tasks:
            slave.send(slaveUpdate(frameworkId, slaveId, taskId, RUNNING))
        framework.received()
        return framework, frameworkId, slave, slaveId


class DisconnectionTests(FaultTestCase):
    """
    Tests for slaves whose connection breaks.
    """

    def test_nonCheckpointingTasksLost(self) -> None:
        """
        When a slave disconnects, the tasks of a framework that does not
        checkpoint are lost at once (REASON_SLAVE_DISCONNECTED, from the
        master) and their resources freed; a checkpointing framework keeps
        its tasks and hears nothing.
        """
        volatile, volatileId, slave, slaveId = self.launchedOn(name="fw1")
        keeper, keeperId = self.addFramework("fw2", info=frameworkInfo(checkpoint=True))
        self.master.allocate()
        [offer] = self.offers(keeper, allocate=False)
        keeper.send(accept(keeperId, [offer.id.value], [commandTask("k1", slaveId)]))
        slave.received()
        slave.lose()
        [status] = self.statuses(volatile)
        self.assertMasterStatus(
            status, "t1", LOST, TaskStatus.REASON_SLAVE_DISCONNECTED
        )
        self.assertEqual(status.slave_id.value, slaveId)
        record = self.master.frameworks[volatileId]
        self.assertEqual(record.tasks, {})
        self.assertEqual([t.id for t in record.completedTasks], ["t1"])
        self.assertEqual(self.allocated(volatileId), Resources())
        self.assertEqual(keeper.received(), [])
        self.assertEqual(list(self.master.frameworks[keeperId].tasks), ["k1"])
        self.assertEqual(self.allocated(keeperId), parse(TASK))
        self.assertConsistent()

    def test_nonCheckpointingKilledWhenBack(self) -> None:
        """
        A slave that comes back with a task the master lost at its
        disconnection is told to kill it; the task is not taken back, and
        its end reaches the framework no more: the master acknowledges it.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn()
        slave.lose()
        [lost] = self.statuses(framework)
        back = self.reregister(slaveId, [
            task(frameworkId, "t1", RUNNING, slaveId, "cpus:0.5;mem:128"),
        ])
        kill = reports.killTaskMessage(frameworkId, "t1")
        self.assertEqual(ofType(self.received, msgs.KillTaskMessage), [kill])
        record = self.master.frameworks[frameworkId]
        self.assertEqual(record.tasks, {})
        self.assertEqual([t.task.state for t in record.completedTasks], [LOST])
        self.assertEqual(self.master.slaves[slaveId].pendingKills, {})
        killed = slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_KILLED)
        back.send(killed)
        [ack] = back.received()
        self.assertEqual(
            ack, acknowledgement(frameworkId, slaveId, "t1", killed.update.status.uuid)
        )
        self.assertEqual(framework.received(), [])
        self.assertEqual(self.allocated(frameworkId), Resources())
        self.assertConsistent()
        # Reconciliation keeps saying what the framework was told.
        framework.send(msgs.ReconcileTasksMessage(
            framework_id=mesos_pb2.FrameworkID(value=frameworkId),
            statuses=[TaskStatus(task_id=lost.task_id, slave_id=lost.slave_id)],
        ))
        [answer] = self.statuses(framework)
        self.assertEqual(answer.state, LOST)

    def test_nonCheckpointingEndedWhileAway(self) -> None:
        """
        A task lost at the slave's disconnection that ended while the slave
        was away is not killed, and its end is acknowledged by the master.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn()
        slave.lose()
        framework.received()
        pending = uuid.uuid4().bytes
        back = self.reregister(slaveId, [
            task(frameworkId, "t1", FINISHED, slaveId, "cpus:0.5;mem:128",
                 pendingState=FINISHED, pendingUuid=pending),
        ])
        self.assertEqual(ofType(self.received, msgs.KillTaskMessage), [])
        finished = slaveUpdate(frameworkId, slaveId, "t1", FINISHED)
        back.send(finished)
        self.assertEqual(
            back.received(),
            [acknowledgement(frameworkId, slaveId, "t1", finished.update.status.uuid)],
        )
        self.assertEqual(framework.received(), [])
        self.assertConsistent()

    def test_inactive(self) -> None:
        """
        A disconnected slave's offers are rescinded and it is offered to
        no one, but it is kept, shown disconnected and inactive.
        """
        self.master.start()
        framework, frameworkId, slave, slaveId, offer = self.offered()
        slave.lose()
        self.assertEqual(
            framework.received(), [msgs.RescindResourceOfferMessage(offer_id=offer.id)]
        )
        self.clock.advance(5)
        self.assertEqual(framework.received(), [])
        [state] = stateJSON(self.master)["slaves"]
        self.assertEqual((state["connected"], state["active"]), (False, False))
        self.assertConsistent()

    def test_executorsOfNonCheckpointingDropped(self) -> None:
        """
        The executors of frameworks that do not checkpoint are forgotten
        with the slave's disconnection and their resources freed.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        framework.send(accept(frameworkId, [offer.id.value], [executorTask("t1", slaveId)]))
        slave.lose()
        self.assertNotIn(slaveId, self.master.frameworks[frameworkId].executors)
        self.assertEqual(self.allocated(frameworkId), Resources())
        self.assertConsistent()

    def test_removedAfterPingTimeouts(self) -> None:
        """
        A slave that does not come back is removed the ping timeout times
        the maximum missed pings after its last pong: its tasks are lost
        with REASON_SLAVE_REMOVED, every connected framework gets
        L{msgs.LostSlaveMessage}, and it is remembered as unreachable.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(checkpoint=True)
        )
        other, _ = self.addFramework("fw2")
        self.pong(slave)
        slave.lose()
        self.clock.pump([TIMEOUT] * MAX_TIMEOUTS)
        self.assertIn(slaveId, self.master.slaves)
        self.assertEqual(framework.received(), [])
        self.clock.advance(TIMEOUT)
        removedAt = 1000 + TIMEOUT * (MAX_TIMEOUTS + 1)
        self.assertNotIn(slaveId, self.master.slaves)
        messages = framework.received()
        [update] = ofType(messages, msgs.StatusUpdateMessage)
        self.assertMasterStatus(
            update.update.status, "t1", LOST, TaskStatus.REASON_SLAVE_REMOVED
        )
        self.assertFalse(update.update.HasField("unreachable_time"))
        lost = msgs.LostSlaveMessage()
        lost.slave_id.value = slaveId
        self.assertEqual(ofType(messages, msgs.LostSlaveMessage), [lost])
        self.assertEqual(ofType(other.received(), msgs.LostSlaveMessage), [lost])
        self.assertEqual(self.master.unreachableSlaves[slaveId].time, removedAt)
        self.assertEqual(self.master.frameworks[frameworkId].tasks, {})
        self.assertEqual(self.allocated(frameworkId), Resources())
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.assertConsistent()

    def test_partitionAwareUnreachable(self) -> None:
        """
        A partition-aware framework is told its tasks on a slave removed
        for not answering are TASK_UNREACHABLE, with the time.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            partitionAware(checkpoint=True)
        )
        slave.lose()
        self.clock.pump([TIMEOUT] * (MAX_TIMEOUTS + 1))
        [update] = ofType(framework.received(), msgs.StatusUpdateMessage)
        self.assertMasterStatus(
            update.update.status, "t1", mesos_pb2.TASK_UNREACHABLE,
            TaskStatus.REASON_SLAVE_REMOVED,
        )
        removedAt = self.master.unreachableSlaves[slaveId].time
        self.assertEqual(update.update.unreachable_time.nanoseconds, int(removedAt * 1e9))
        record = self.master.frameworks[frameworkId]
        self.assertEqual(record.tasks, {})
        self.assertEqual(record.completedTasks[-1].task.state, mesos_pb2.TASK_UNREACHABLE)
        self.assertConsistent()

    def test_unregisteredNotUnreachable(self) -> None:
        """
        A slave that unregisters is not remembered as unreachable: its
        tasks are lost even for partition-aware frameworks.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(partitionAware())
        slave.send(msgs.UnregisterSlaveMessage(slave_id=mesos_pb2.SlaveID(value=slaveId)))
        [status] = self.statuses(framework)
        self.assertMasterStatus(status, "t1", LOST, TaskStatus.REASON_SLAVE_REMOVED)
        self.assertEqual(self.master.unreachableSlaves, {})
        self.assertConsistent()

    def test_backInTime(self) -> None:
        """
        A slave that re-registers in time is kept and pinged on its new
        connection; it is active again and offered.
        """
        framework, frameworkId = self.addFramework(info=frameworkInfo(checkpoint=True))
        slave, slaveId = self.addSlave()
        self.offers(framework)
        slave.lose()
        framework.received()
        self.clock.advance(TIMEOUT * 3)
        again = self.reregister(slaveId)
        self.assertEqual(ofType(self.received, msgs.PingSlaveMessage),
                         [msgs.PingSlaveMessage(connected=True)])
        for _ in range(MAX_TIMEOUTS * 3):
            self.clock.advance(TIMEOUT)
            self.pong(again)
        self.assertIn(slaveId, self.master.slaves)
        record = self.master.slaves[slaveId]
        self.assertTrue(record.connected and record.active)
        self.master.allocate()
        [offer] = self.offers(framework, allocate=False)
        self.assertEqual(offer.slave_id.value, slaveId)
        self.assertConsistent()


class ReregistrationTests(FaultTestCase):
    """
    Tests for what a re-registering slave's report does to the master's
    view.
    """

    def test_unreportedTaskLost(self) -> None:
        """
        A task the master has on the slave that the slave does not report
        ends as TASK_LOST, REASON_RECONCILIATION, from the master; reported
        tasks stay, with the state and pending update the slave reports.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(checkpoint=True), tasks=("t1", "t2")
        )
        slave.lose()
        pending = uuid.uuid4().bytes
        back = self.reregister(slaveId, [
            task(frameworkId, "t1", FINISHED, slaveId, "cpus:0.5;mem:128",
                 pendingState=FINISHED, pendingUuid=pending),
        ])
        [status] = self.statuses(framework)
        self.assertMasterStatus(status, "t2", LOST, TaskStatus.REASON_RECONCILIATION)
        record = self.master.frameworks[frameworkId]
        self.assertEqual(list(record.tasks), ["t1"])
        t1 = record.tasks["t1"]
        self.assertEqual(t1.task.state, FINISHED)
        self.assertEqual(t1.task.status_update_uuid, pending)
        self.assertTrue(t1.recovered)
        self.assertEqual(self.allocated(frameworkId), Resources())
        self.assertConsistent()
        # The acknowledgement of the pending update now passes.
        ack = acknowledgement(frameworkId, slaveId, "t1", pending)
        framework.send(ack)
        self.assertEqual(back.received(), [ack])
        self.assertNotIn("t1", record.tasks)

    def test_unreportedTaskDroppedForPartitionAware(self) -> None:
        """
        A partition-aware framework is told TASK_DROPPED instead.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            partitionAware(checkpoint=True)
        )
        slave.lose()
        self.reregister(slaveId)
        [status] = self.statuses(framework)
        self.assertMasterStatus(
            status, "t1", mesos_pb2.TASK_DROPPED, TaskStatus.REASON_RECONCILIATION
        )
        self.assertConsistent()

    def test_newTaskAdded(self) -> None:
        """
        A task the slave reports that the master did not know is added, and
        its resources are not offered.
        """
        framework, frameworkId = self.addFramework(info=frameworkInfo(checkpoint=True))
        slave, slaveId = self.addSlave()
        self.offers(framework)
        slave.lose()
        framework.received()
        self.reregister(slaveId, [task(frameworkId, "x1", RUNNING, slaveId)])
        self.assertEqual(
            self.master.frameworks[frameworkId].tasks["x1"].task.state, RUNNING
        )
        [offer] = self.offers(framework)
        self.assertEqual(offerResources(offer), parse(RESOURCES) - parse(TASK))
        self.assertConsistent()

    def test_resourcesUpdated(self) -> None:
        """
        The slave's resources are those it reports now, for the allocator
        too.
        """
        framework, frameworkId = self.addFramework()
        slave, slaveId = self.addSlave()
        self.offers(framework)
        slave.lose()
        framework.received()
        self.reregister(slaveId, resources="cpus:8;mem:2048")
        [offer] = self.offers(framework)
        self.assertEqual(offerResources(offer), parse("cpus:8;mem:2048"))
        self.assertConsistent()

    def test_removedSlaveComesBack(self) -> None:
        """
        A slave removed for not answering that comes back is admitted again
        with its tasks: a task the master had ended as lost is running
        again (as in Mesos 1.5+), no longer among the completed ones, and
        the slave is no longer unreachable.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(checkpoint=True)
        )
        slave.lose()
        self.clock.pump([TIMEOUT] * (MAX_TIMEOUTS + 1))
        self.assertIn(slaveId, self.master.unreachableSlaves)
        framework.received()
        back = self.reregister(slaveId, [task(frameworkId, "t1", RUNNING, slaveId,
                                              "cpus:0.5;mem:128")])
        self.assertEqual(self.master.unreachableSlaves, {})
        record = self.master.frameworks[frameworkId]
        self.assertEqual(record.tasks["t1"].task.state, RUNNING)
        self.assertEqual(record.completedTasks, [])
        self.assertEqual(self.allocated(frameworkId), parse("cpus:0.5;mem:128"))
        self.assertEqual(framework.received(), [])
        self.assertTrue(self.master.slaves[slaveId].connected)
        self.assertEqual(stateJSON(self.master)["unreachable_slaves"], [])
        # Its updates go through again.
        message = slaveUpdate(frameworkId, slaveId, "t1", FINISHED)
        back.send(message)
        self.assertEqual(framework.received(), [message])
        self.assertConsistent()

    def test_removedSlaveOtherPrincipal(self) -> None:
        """
        Only the certificate name a removed slave had may bring it back.
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
        self.assertIn("belongs to 'slave1'", shutdown.message)
        self.assertTrue(intruder.transport.disconnecting)
        self.assertIn(slaveId, self.master.unreachableSlaves)
        self.assertNotIn(slaveId, self.master.slaves)

    def test_removedIdNotReissued(self) -> None:
        """
        A new slave never gets the id of an unreachable one.
        """
        first, firstId = self.addSlave()
        first.lose()
        self.clock.pump([TIMEOUT] * (MAX_TIMEOUTS + 1))
        self.master._slaveIds = iter(range(10))
        _, secondId = self.addSlave("slave2", "host2")
        self.assertNotEqual(secondId, firstId)

    def test_pendingKillSent(self) -> None:
        """
        A kill asked while the slave was disconnected is refused, and sent
        after the slave's re-registration if the slave still has the task.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(checkpoint=True), tasks=("t1", "t2")
        )
        slave.lose()
        for taskId in ("t1", "t2"):
            kill = withFramework(msgs.KillTaskMessage, frameworkId)
            kill.task_id.value = taskId
            framework.send(kill)
            self.refusal(framework, MessageRefused.SLAVE_DISCONNECTED, msgs.KillTaskMessage)
        self.reregister(slaveId, [task(frameworkId, "t1", RUNNING, slaveId,
                                       "cpus:0.5;mem:128")])
        kills = ofType(self.received, msgs.KillTaskMessage)
        self.assertEqual([k.task_id.value for k in kills], ["t1"])
        self.assertIsInstance(self.received[0], msgs.SlaveReregisteredMessage)
        self.assertEqual(self.master.slaves[slaveId].pendingKills, {})
        self.assertConsistent()

    def test_pendingKillSurvivesRemoval(self) -> None:
        """
        A kill not delivered before the slave was removed is sent if the
        slave comes back with the task, which the master lost with the slave
        and does not take back.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(checkpoint=True)
        )
        slave.lose()
        kill = withFramework(msgs.KillTaskMessage, frameworkId)
        kill.task_id.value = "t1"
        framework.send(kill)
        self.clock.pump([TIMEOUT] * (MAX_TIMEOUTS + 1))
        self.reregister(slaveId, [task(frameworkId, "t1", RUNNING, slaveId,
                                       "cpus:0.5;mem:128")])
        self.assertEqual(ofType(self.received, msgs.KillTaskMessage), [kill])
        record = self.master.frameworks[frameworkId]
        self.assertEqual(record.tasks, {})
        self.assertEqual([t.task.state for t in record.completedTasks], [LOST])
        self.assertConsistent()

    def test_removedFrameworkShutDown(self) -> None:
        """
        A framework removed while its slave was disconnected is shut down
        there when the slave re-registers; its tasks are not taken back.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(checkpoint=True)
        )
        other, otherId = self.addSlave("slave2", "host2")
        slave.lose()
        framework.send(withFramework(msgs.UnregisterFrameworkMessage, frameworkId))
        self.assertEqual(
            other.received(), [withFramework(msgs.ShutdownFrameworkMessage, frameworkId)]
        )
        self.reregister(
            slaveId, [task(frameworkId, "t1", RUNNING, slaveId)],
            executors=[executor("e1", frameworkId)], frameworks=[frameworkId],
        )
        self.assertEqual(
            ofType(self.received, msgs.ShutdownFrameworkMessage),
            [withFramework(msgs.ShutdownFrameworkMessage, frameworkId)],
        )
        self.assertNotIn(frameworkId, self.master._orphanTasks)
        self.assertNotIn(frameworkId, self.master._orphanExecutors)
        newcomer, _ = self.addFramework("fw2")
        [offer] = [o for o in self.offers(newcomer) if o.slave_id.value == slaveId]
        self.assertEqual(offerResources(offer), parse(RESOURCES))
        self.assertConsistent()

    def test_orphansStillAdopted(self) -> None:
        """
        Tasks and executors a slave reports for a framework not registered
        yet (after a master restart) are kept, their updates recorded
        rather than refused, and the framework finds them when it comes
        back, with their resources.
        """
        slave = self.reregister(
            "old-S1",
            [task("old-0001", "t1", RUNNING, "old-S1", executorId="e1"),
             task("old-0001", "t2", RUNNING, "old-S1", "cpus:0.25")],
            executors=[executor("e1")],
        )
        slave.send(slaveUpdate("old-0001", "old-S1", "t2", FINISHED))
        self.assertEqual(slave.received(), [])
        back = self.connect("framework", "fw1")
        back.send(msgs.ReregisterFrameworkMessage(
            framework=frameworkInfo(frameworkId="old-0001")
        ))
        record = self.master.frameworks["old-0001"]
        self.assertEqual(sorted(record.tasks), ["t1", "t2"])
        self.assertTrue(record.tasks["t2"].recovered)
        self.assertEqual(list(record.executors["old-S1"]), ["e1"])
        self.assertEqual(self.allocated("old-0001"), parse(TASK) + parse("cpus:0.5;mem:64"))
        self.assertConsistent()

    def test_executorsCorrected(self) -> None:
        """
        The slave's executors replace the master's: an executor it does
        not report is forgotten (its resources freed), one it reports is
        known.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered(
            frameworkInfo(checkpoint=True)
        )
        framework.send(accept(frameworkId, [offer.id.value], [executorTask("t1", slaveId)]))
        slave.lose()
        self.reregister(
            slaveId, [task(frameworkId, "t1", RUNNING, slaveId, executorId="e2")],
            executors=[executor("e2", frameworkId, "cpus:0.25")],
        )
        record = self.master.frameworks[frameworkId]
        self.assertEqual(list(record.executors[slaveId]), ["e2"])
        self.assertEqual(self.allocated(frameworkId), parse(TASK) + parse("cpus:0.25"))
        self.assertConsistent()

    def test_unreportedExecutorForgotten(self) -> None:
        """
        When the slave reports no executor for a framework, the master
        forgets the ones it had there and frees their resources.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered(
            frameworkInfo(checkpoint=True)
        )
        framework.send(accept(frameworkId, [offer.id.value], [executorTask("t1", slaveId)]))
        slave.lose()
        self.reregister(slaveId, [task(frameworkId, "t1", RUNNING, slaveId, executorId="e1")])
        self.assertNotIn(slaveId, self.master.frameworks[frameworkId].executors)
        self.assertEqual(self.allocated(frameworkId), parse(TASK))
        self.assertConsistent()

    def test_unreportedFinishedForgotten(self) -> None:
        """
        A finished task the slave no longer reports is completed without
        a word.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(checkpoint=True)
        )
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", FINISHED))
        framework.received()
        slave.lose()
        self.reregister(slaveId)
        self.assertEqual(framework.received(), [])
        record = self.master.frameworks[frameworkId]
        self.assertEqual(record.tasks, {})
        self.assertEqual(record.completedTasks[-1].task.state, FINISHED)

    def test_crossedRetry(self) -> None:
        """
        A re-registration repeated on the connection the slave is already
        registered on is only answered again: nothing is reconciled.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn()
        info = slaveInfo()
        info.id.value = slaveId
        slave.send(msgs.ReregisterSlaveMessage(slave=info, version=mesos_tw.__version__))
        [reply] = slave.received()
        self.assertIsInstance(reply, msgs.SlaveReregisteredMessage)
        self.assertEqual(framework.received(), [])
        self.assertIn("t1", self.master.frameworks[frameworkId].tasks)
        self.assertConsistent()

    def test_whileConnected(self) -> None:
        """
        A slave re-registering on a new connection before the old one is
        noticed gone has its offers rescinded and re-made.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered()
        self.reregister(slaveId)
        self.assertEqual(
            framework.received(), [msgs.RescindResourceOfferMessage(offer_id=offer.id)]
        )
        [again] = self.offers(framework)
        self.assertEqual(offerResources(again), parse(RESOURCES))
        slave.lose()
        self.assertTrue(self.master.slaves[slaveId].connected)
        self.assertConsistent()


class FrameworkFailoverTests(FaultTestCase):
    """
    Tests for schedulers that go away and come back, or do not.
    """

    def test_disconnectedTasksKeepRunning(self) -> None:
        """
        A scheduler whose connection breaks is deactivated (no offers), and
        its tasks keep running: their updates are recorded.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(failover_timeout=60)
        )
        framework.lose()
        record = self.master.frameworks[frameworkId]
        self.assertFalse(record.active)
        self.assertEqual(ofType(slave.received(), msgs.ShutdownFrameworkMessage), [])
        self.clock.advance(30)
        self.master.allocate()
        self.assertEqual(self.master.offers, {})
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", FINISHED))
        self.assertEqual(record.tasks["t1"].task.state, FINISHED)
        self.assertConsistent()

    def test_failoverFromNewConnection(self) -> None:
        """
        A new scheduler failing over gets L{msgs.FrameworkRegisteredMessage};
        the old one, still connected, is told "Framework failed over"; the
        tasks are the new one's.
        """
        old, frameworkId, slave, slaveId = self.launchedOn(frameworkInfo(failover_timeout=60))
        new = self.connect("framework", "fw1")
        new.send(msgs.ReregisterFrameworkMessage(
            framework=frameworkInfo(frameworkId=frameworkId, failover_timeout=60),
            failover=True,
        ))
        [registered] = ofType(new.received(), msgs.FrameworkRegisteredMessage)
        self.assertEqual(registered.framework_id.value, frameworkId)
        self.assertEqual(
            old.received(), [msgs.FrameworkErrorMessage(message="Framework failed over")]
        )
        message = slaveUpdate(frameworkId, slaveId, "t1", FINISHED)
        slave.send(message)
        self.assertEqual(new.received(), [message])
        self.assertEqual(old.received(), [])
        self.assertConsistent()

    def test_unacknowledgedResentToSuccessor(self) -> None:
        """
        An update the old scheduler never acknowledged, resent by the slave,
        reaches the scheduler that failed over, whose acknowledgement goes
        to the slave and completes the task.
        """
        old, frameworkId, slave, slaveId = self.launchedOn(frameworkInfo(failover_timeout=60))
        finished = slaveUpdate(frameworkId, slaveId, "t1", FINISHED)
        slave.send(finished)
        self.assertEqual(ofType(old.received(), msgs.StatusUpdateMessage), [finished])
        old.lose()
        new = self.connect("framework", "fw1")
        new.send(msgs.ReregisterFrameworkMessage(
            framework=frameworkInfo(frameworkId=frameworkId, failover_timeout=60),
            failover=True,
        ))
        new.received()
        slave.send(finished)
        self.assertEqual(new.received(), [finished])
        ack = acknowledgement(frameworkId, slaveId, "t1", finished.update.status.uuid)
        new.send(ack)
        self.assertEqual(ofType(slave.received(), msgs.StatusUpdateAcknowledgementMessage), [ack])
        record = self.master.frameworks[frameworkId]
        self.assertEqual(record.tasks, {})
        self.assertEqual([t.task.state for t in record.completedTasks], [FINISHED])
        self.assertConsistent()

    def test_removedKeepsEndedTasks(self) -> None:
        """
        A task that ended before its framework was removed keeps its end,
        even if the framework never acknowledged it.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(failover_timeout=60)
        )
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", FINISHED))
        framework.lose()
        self.clock.advance(60)
        [completed] = self.master.completedFrameworks
        [task] = completed.completedTasks
        self.assertEqual(task.task.state, FINISHED)
        self.assertEqual([s.state for s in task.task.statuses][-1], FINISHED)
        self.assertConsistent()

    def test_removedAfterTimeout(self) -> None:
        """
        A framework not back within its failover timeout is removed: its
        tasks are killed (REASON_FRAMEWORK_REMOVED), connected slaves told
        to shut it down, and disconnected ones when they re-register; it
        may never register again.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(failover_timeout=60, checkpoint=True)
        )
        away, awayId = self.addSlave("slave2", "host2")
        self.master.allocate()
        framework.received()
        away.lose()
        framework.lose()
        self.clock.advance(59)
        self.assertIn(frameworkId, self.master.frameworks)
        self.pong(slave)
        self.clock.advance(1)
        self.assertNotIn(frameworkId, self.master.frameworks)
        shutdown = withFramework(msgs.ShutdownFrameworkMessage, frameworkId)
        self.assertEqual(ofType(slave.received(), msgs.ShutdownFrameworkMessage), [shutdown])
        [completed] = self.master.completedFrameworks
        [killed] = completed.completedTasks
        self.assertEqual(killed.task.state, mesos_pb2.TASK_KILLED)
        self.assertEqual(
            killed.task.statuses[-1].reason, TaskStatus.REASON_FRAMEWORK_REMOVED
        )
        self.reregister(awayId, frameworks=[frameworkId], name="slave2")
        self.assertEqual(ofType(self.received, msgs.ShutdownFrameworkMessage), [shutdown])
        for message in [
            msgs.ReregisterFrameworkMessage(
                framework=frameworkInfo(frameworkId=frameworkId), failover=True
            ),
            msgs.RegisterFrameworkMessage(framework=frameworkInfo(frameworkId=frameworkId)),
        ]:
            again = self.connect("framework", "fw1")
            again.send(message)
            [error] = again.received()
            self.assertIsInstance(error, msgs.FrameworkErrorMessage)
            self.assertEqual(error.message, f"Framework {frameworkId} has been removed")
            self.assertNotIn(frameworkId, self.master.frameworks)
        self.assertConsistent()

    def test_usedFrameworkId(self) -> None:
        """
        A framework id in use by another live connection is refused
        without failover ("Framework failed over"), and nothing changes.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn()
        other = self.connect("framework", "fw1")
        other.send(msgs.ReregisterFrameworkMessage(
            framework=frameworkInfo(frameworkId=frameworkId)
        ))
        self.assertEqual(
            other.received(), [msgs.FrameworkErrorMessage(message="Framework failed over")]
        )
        record = self.master.frameworks[frameworkId]
        self.assertIs(record.connection, framework.protocol)
        self.assertTrue(record.active)
        self.assertEqual(list(record.tasks), ["t1"])
        self.assertConsistent()

    def test_usedSlaveId(self) -> None:
        """
        A slave id owned by another certificate name is refused with
        L{msgs.ShutdownMessage}, and the owner keeps it.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn()
        intruder = self.connect("slave", "intruder")
        info = slaveInfo()
        info.id.value = slaveId
        intruder.send(msgs.ReregisterSlaveMessage(
            slave=info, version=mesos_tw.__version__,
            tasks=[task(frameworkId, "evil", RUNNING, slaveId)],
        ))
        [shutdown] = intruder.received()
        self.assertIsInstance(shutdown, msgs.ShutdownMessage)
        self.assertTrue(intruder.transport.disconnecting)
        self.assertIs(self.master.slaves[slaveId].connection, slave.protocol)
        self.assertEqual(list(self.master.frameworks[frameworkId].tasks), ["t1"])
        self.assertConsistent()


class MasterReconciliationTests(FaultTestCase):
    """
    Tests for reconciliation answers as the master sends them.
    """

    def reconcile(self, framework: Connection, frameworkId: str, *tasks) -> list:
        """
        Ask for C{tasks} (C{(task id, slave id)}) and return the updates
        (not the statuses) received, checking their common fields.
        """
        message = withFramework(msgs.ReconcileTasksMessage, frameworkId)
        for taskId, slaveId in tasks:
            status = message.statuses.add(state=RUNNING)
            status.task_id.value = taskId
            if slaveId:
                status.slave_id.value = slaveId
        framework.send(message)
        updates = [m.update for m in framework.received()]
        for update in updates:
            self.assertEqual(update.status.reason, TaskStatus.REASON_RECONCILIATION)
            self.assertEqual(update.status.source, TaskStatus.SOURCE_MASTER)
            self.assertFalse(update.status.HasField("uuid"))
            self.assertEqual(update.framework_id.value, frameworkId)
        return updates

    def test_unreachableSlave(self) -> None:
        """
        A task on a slave removed for not answering is TASK_UNREACHABLE,
        with the removal time, for a partition-aware framework, and
        TASK_LOST for others.
        """
        aware, awareId = self.addFramework("fw1", info=partitionAware())
        plain, plainId = self.addFramework("fw2")
        slave, slaveId = self.addSlave()
        slave.lose()
        self.clock.pump([TIMEOUT] * (MAX_TIMEOUTS + 1))
        aware.received()
        plain.received()
        removedAt = self.master.unreachableSlaves[slaveId].time
        [update] = self.reconcile(aware, awareId, ("t1", slaveId))
        self.assertEqual(update.status.state, mesos_pb2.TASK_UNREACHABLE)
        self.assertEqual(update.status.slave_id.value, slaveId)
        self.assertEqual(update.unreachable_time.nanoseconds, int(removedAt * 1e9))
        [update] = self.reconcile(plain, plainId, ("t1", slaveId))
        self.assertEqual(update.status.state, LOST)
        self.assertFalse(update.HasField("unreachable_time"))

    def test_recoveringSlaves(self) -> None:
        """
        No answer about an unknown task on a recovering slave, nor about one
        on no named slave while any slave is recovering; tasks the master
        knows, and unknown ones on registered slaves, are answered.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn()
        self.master.recoveringSlaves.add("old-S7")
        updates = self.reconcile(
            framework, frameworkId,
            ("x1", "old-S7"), ("x2", ""), ("t1", ""), ("x3", slaveId),
        )
        self.assertEqual(
            [(u.status.task_id.value, u.status.state, u.status.slave_id.value)
             for u in updates],
            [("t1", RUNNING, slaveId), ("x3", LOST, slaveId)],
        )
        kill = withFramework(msgs.KillTaskMessage, frameworkId)
        kill.task_id.value = "x4"
        framework.send(kill)
        self.assertEqual(framework.received(), [])
        self.master.recoveringSlaves.clear()
        [update] = self.reconcile(framework, frameworkId, ("x2", ""))
        self.assertEqual(update.status.state, LOST)
        self.assertFalse(update.status.HasField("slave_id"))

    def test_implicitAfterReregistration(self) -> None:
        """
        Implicit reconciliation answers every live task and every finished
        one not acknowledged, with the latest update's state.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(checkpoint=True), tasks=("t1", "t2", "t3")
        )
        slave.send(slaveUpdate(frameworkId, slaveId, "t2", FINISHED))
        [finished] = self.statuses(framework)
        slave.send(slaveUpdate(frameworkId, slaveId, "t3", FINISHED))
        [done] = self.statuses(framework)
        framework.send(acknowledgement(frameworkId, slaveId, "t3", done.uuid))
        updates = self.reconcile(framework, frameworkId)
        self.assertEqual(
            sorted((u.status.task_id.value, u.status.state) for u in updates),
            [("t1", RUNNING), ("t2", FINISHED)],
        )
        self.assertTrue(all(u.status.slave_id.value == slaveId for u in updates))


class RefusalTests(FaultTestCase):
    """
    Tests for messages the master refuses: the sender is told, nothing is
    passed on, and the master's books do not change.
    """

    def test_retriedUpdateOfCompletedTask(self) -> None:
        """
        A retried update of a completed task is passed on, and its
        acknowledgement passes to the slave; the task stays completed.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn()
        message = slaveUpdate(frameworkId, slaveId, "t1", FINISHED)
        slave.send(message)
        [status] = self.statuses(framework)
        ack = acknowledgement(frameworkId, slaveId, "t1", status.uuid)
        framework.send(ack)
        self.assertEqual(slave.received(), [ack])
        slave.send(message)
        self.assertEqual(framework.received(), [message])
        framework.send(ack)
        self.assertEqual(slave.received(), [ack])
        record = self.master.frameworks[frameworkId]
        self.assertEqual(record.tasks, {})
        self.assertEqual([t.id for t in record.completedTasks], ["t1"])
        self.assertConsistent()

    def test_updateForRemovedFramework(self) -> None:
        """
        An update for a framework the master removed is refused with
        FRAMEWORK_REMOVED, and the slave is told to shut it down.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn()
        framework.send(withFramework(msgs.UnregisterFrameworkMessage, frameworkId))
        slave.received()
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_KILLED))
        messages = slave.received()
        self.assertEqual(
            messages[0], withFramework(msgs.ShutdownFrameworkMessage, frameworkId)
        )
        self.assertEqual(messages[1].code, MessageRefused.FRAMEWORK_REMOVED)
        self.assertEqual(messages[1].framework_id.value, frameworkId)
        self.assertEqual(len(messages), 2)
        self.assertFalse(slave.transport.disconnecting)
        self.assertEqual(framework.received(), [])
        self.assertEqual(self.master.frameworks, {})
        self.assertConsistent()

    def test_updateForUnknownFramework(self) -> None:
        """
        An update for a framework the master never knew is refused with
        UNKNOWN_FRAMEWORK.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn()
        slave.send(slaveUpdate("nope", slaveId, "t1", RUNNING))
        refusal = self.refusal(slave, MessageRefused.UNKNOWN_FRAMEWORK, msgs.StatusUpdateMessage)
        self.assertEqual(refusal.task_id.value, "t1")
        self.assertEqual(framework.received(), [])
        self.assertEqual(list(self.master.frameworks), [frameworkId])
        self.assertEqual(self.master._orphanTasks, {})
        self.assertConsistent()

    def test_updateFromOtherConnection(self) -> None:
        """
        An update from a connection not registered as the slave it names is
        refused with NOT_REGISTERED and changes nothing.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn()
        stranger = self.connect("slave", "slave9")
        stranger.send(slaveUpdate(frameworkId, slaveId, "t1", mesos_pb2.TASK_FAILED))
        refusal = self.refusal(stranger, MessageRefused.NOT_REGISTERED, msgs.StatusUpdateMessage)
        self.assertEqual(refusal.slave_id.value, slaveId)
        self.assertEqual(
            self.master.frameworks[frameworkId].tasks["t1"].task.state, RUNNING
        )
        self.assertConsistent()

    def test_acknowledgements(self) -> None:
        """
        An acknowledgement of an unknown task, of an update that is not the
        task's latest, or for an unknown or disconnected slave is refused
        with the matching code and not passed on; the task stays.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(checkpoint=True)
        )
        slave.send(slaveUpdate(frameworkId, slaveId, "t1", FINISHED))
        [status] = self.statuses(framework)
        for ack, code in [
            (acknowledgement(frameworkId, slaveId, "nope", status.uuid),
             MessageRefused.UNKNOWN_TASK),
            (acknowledgement(frameworkId, slaveId, "t1", uuid.uuid4().bytes),
             MessageRefused.UNKNOWN_UPDATE),
            (acknowledgement(frameworkId, slaveId, "t1", b""),
             MessageRefused.UNKNOWN_UPDATE),
            (acknowledgement(frameworkId, "other-S9", "t1", status.uuid),
             MessageRefused.UNKNOWN_SLAVE),
        ]:
            framework.send(ack)
            refusal = self.refusal(
                framework, code, msgs.StatusUpdateAcknowledgementMessage
            )
            self.assertEqual(refusal.task_id, ack.task_id)
        slave.lose()
        framework.send(acknowledgement(frameworkId, slaveId, "t1", status.uuid))
        self.refusal(
            framework, MessageRefused.SLAVE_DISCONNECTED,
            msgs.StatusUpdateAcknowledgementMessage,
        )
        self.assertEqual(slave.received(), [])
        self.assertIn("t1", self.master.frameworks[frameworkId].tasks)
        self.assertConsistent()

    def test_frameworkMessages(self) -> None:
        """
        A message for an executor on an unknown or disconnected slave is
        refused.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(checkpoint=True)
        )
        for target, code in [
            ("nope", MessageRefused.UNKNOWN_SLAVE),
            (slaveId, MessageRefused.SLAVE_DISCONNECTED),
        ]:
            if target == slaveId:
                slave.lose()
            message = withFramework(msgs.FrameworkToExecutorMessage, frameworkId)
            message.slave_id.value = target
            message.executor_id.value = "t1"
            framework.send(message)
            refusal = self.refusal(framework, code, msgs.FrameworkToExecutorMessage)
            self.assertEqual(refusal.executor_id.value, "t1")
        self.assertEqual(slave.received(), [])
        self.assertEqual(list(self.master.frameworks[frameworkId].tasks), ["t1"])
        self.assertConsistent()

    def test_executorMessages(self) -> None:
        """
        An executor's message for a disconnected or unknown framework, and
        the exit of an executor of an unknown framework, are refused.
        """
        framework, frameworkId, slave, slaveId = self.launchedOn(
            frameworkInfo(failover_timeout=60)
        )
        framework.lose()
        message = withFramework(msgs.ExecutorToFrameworkMessage, frameworkId)
        message.slave_id.value = slaveId
        slave.send(message)
        self.refusal(
            slave, MessageRefused.FRAMEWORK_DISCONNECTED, msgs.ExecutorToFrameworkMessage
        )
        slave.send(withFramework(msgs.ExecutorToFrameworkMessage, "nope"))
        self.refusal(slave, MessageRefused.UNKNOWN_FRAMEWORK, msgs.ExecutorToFrameworkMessage)
        exited = withFramework(msgs.ExitedExecutorMessage, "nope")
        exited.slave_id.value = slaveId
        slave.send(exited)
        self.refusal(slave, MessageRefused.UNKNOWN_FRAMEWORK, msgs.ExitedExecutorMessage)
        self.assertConsistent()

    def test_usageFromOtherConnection(self) -> None:
        """
        A usage report naming another slave is refused.
        """
        slave, slaveId = self.addSlave()
        report = msgs.SlaveUsageMessage()
        report.slave_id.value = "someone-else"
        slave.send(report)
        self.refusal(slave, MessageRefused.NOT_REGISTERED, msgs.SlaveUsageMessage)
        self.assertEqual(self.master.slaves[slaveId].usage, [])
        self.assertConsistent()

    def launchOnRemovedSlave(self, info: FrameworkInfo, state: int) -> None:
        """
        A framework registered with C{info} launches two tasks on the offer
        of a slave removed since: each is answered with C{state} and
        REASON_INVALID_OFFERS, and nothing is run.
        """
        framework, frameworkId, slave, slaveId, offer = self.offered(info)
        slave.lose()
        self.clock.pump([TIMEOUT] * (MAX_TIMEOUTS + 1))
        framework.received()
        framework.send(accept(
            frameworkId, [offer.id.value],
            [commandTask("t1", slaveId), commandTask("t2", slaveId)],
        ))
        statuses = self.statuses(framework)
        self.assertEqual([s.task_id.value for s in statuses], ["t1", "t2"])
        for status in statuses:
            self.assertMasterStatus(
                status, status.task_id.value, state, TaskStatus.REASON_INVALID_OFFERS
            )
        self.assertEqual(slave.received(), [])
        self.assertEqual(self.master.frameworks[frameworkId].tasks, {})
        self.assertConsistent()

    def test_launchOnRemovedSlave(self) -> None:
        """
        Launching on an offer of a slave removed since is answered, task by
        task, with TASK_LOST and REASON_INVALID_OFFERS.
        """
        self.launchOnRemovedSlave(frameworkInfo(), LOST)

    def test_launchOnRemovedSlavePartitionAware(self) -> None:
        """
        A partition-aware framework is told TASK_DROPPED instead.
        """
        self.launchOnRemovedSlave(partitionAware(), mesos_pb2.TASK_DROPPED)
