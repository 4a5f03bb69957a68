"""
Tests for guarantees and revocation: the pure policy
(L{mesos_tw.master.allocator.revocation}), the allocator's demands
(L{HierarchicalAllocator.revocations}) and the master's notice, grace period
and kill (L{Master.revokeTask}).
"""

from __future__ import annotations

from random import Random

from twisted.trial.unittest import SynchronousTestCase

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.master.allocator import RunningTask
from mesos_tw.master.allocator.hierarchical import HierarchicalAllocator
from mesos_tw.master.allocator.revocation import (
    Demand,
    belowGuarantee,
    dominantShare,
    selectRevocations,
)
from mesos_tw.mesos_pb2 import TaskStatus
from mesos_tw.resources import Resources
from mesos_tw.testing.allocator import FakeAllocator
from mesos_tw.testing.wire import ofType
from tests.test_master_frameworks import (
    MasterTestCase,
    accept,
    commandTask,
    frameworkInfo,
    slaveUpdate,
    withFramework,
)

parse = Resources.parse

TOTALS = {"cpus": 8.0, "mem": 8192.0}


def task(taskId: str, role: str, resources: str = "cpus:2;mem:1024", slaveId: str = "s1",
         startTime: float = 0.0, revoking: bool = False,
         frameworkId: str | None = None) -> RunningTask:
    """
    A L{RunningTask} of a framework named after its role.
    """
    return RunningTask(taskId, frameworkId or f"fw-{role}", role, slaveId,
                       parse(resources), startTime, revoking)


def allocatedBy(tasks: list[RunningTask]) -> dict[str, dict[str, float]]:
    """
    The scalars allocated to each role by C{tasks}.
    """
    result: dict[str, dict[str, float]] = {}
    for t in tasks:
        scalars = result.setdefault(t.role, {})
        for name, value in t.resources.scalars().items():
            scalars[name] = scalars.get(name, 0.0) + value
    return result


class HelperTests(SynchronousTestCase):
    """
    Tests for L{dominantShare} and L{belowGuarantee}.
    """

    def test_dominantShare(self) -> None:
        """
        The dominant share is the largest fraction of any resource; absent
        totals do not count.
        """
        self.assertEqual(dominantShare({"cpus": 2.0, "mem": 6144.0, "gpus": 1}, TOTALS), 0.75)
        self.assertEqual(dominantShare({}, TOTALS), 0.0)

    def test_belowGuarantee(self) -> None:
        """
        A role is below its guarantee if it lacks any guaranteed resource.
        """
        self.assertTrue(belowGuarantee({"cpus": 4.0}, {"cpus": 4.0, "mem": 1.0}))
        self.assertFalse(belowGuarantee({"cpus": 4.0, "mem": 2.0}, {"cpus": 4.0, "mem": 1.0}))
        self.assertFalse(belowGuarantee({}, {}))


class SelectRevocationsTests(SynchronousTestCase):
    """
    Tests for L{selectRevocations}, the pure revocation policy.
    """

    def select(self, demands, tasks, free=None, guarantees=None, weights=None,
               nonRevocable=()) -> list[str]:
        """
        The ids of the tasks L{selectRevocations} picks, with the roles'
        allocations those of C{tasks}.
        """
        free = {"s1": Resources(), "s2": Resources()} if free is None else free
        chosen = selectRevocations(
            demands, free, tasks, allocatedBy(tasks), TOTALS, weights,
            {"prod": {"cpus": 4.0}} if guarantees is None else guarantees, nonRevocable,
        )
        return [t.taskId for t in chosen]

    def test_revokeYoungestAboveFairShare(self) -> None:
        """
        For a role below its guarantee whose demand fits nowhere, the
        youngest task of a role above its fair share is revoked.
        """
        tasks = [task(f"b{i}", "batch", startTime=i) for i in range(4)]
        demand = Demand("prod", "fw-prod", parse("cpus:2"))
        self.assertEqual(self.select([demand], tasks), ["b3"])

    def test_enoughTasksForTheDemand(self) -> None:
        """
        As many tasks as the demand needs are revoked, all on one slave.
        """
        tasks = [task(f"b{i}", "batch", "cpus:1;mem:512", slaveId=f"s{i % 2 + 1}",
                      startTime=i) for i in range(8)]
        demand = Demand("prod", "fw-prod", parse("cpus:3"))
        chosen = self.select([demand], tasks)
        self.assertEqual(len(chosen), 3)
        self.assertEqual({t.slaveId for t in tasks if t.taskId in chosen}, {"s1"})
        self.assertEqual(chosen, ["b6", "b4", "b2"])

    def test_notBelowGuarantee(self) -> None:
        """
        A role at its guarantee revokes nothing, whatever it requests.
        """
        tasks = [task("p0", "prod", "cpus:4"), task("b0", "batch", "cpus:4")]
        self.assertEqual(
            self.select([Demand("prod", "fw-prod", parse("cpus:2"))], tasks), []
        )

    def test_noGuarantee(self) -> None:
        """
        A role without a guarantee revokes nothing.
        """
        tasks = [task("b0", "batch", "cpus:4")]
        self.assertEqual(self.select([Demand("dev", "fw-dev", parse("cpus:2"))], tasks), [])

    def test_fitsInFree(self) -> None:
        """
        Nothing is revoked while the demand fits in some slave's free
        resources.
        """
        tasks = [task("b0", "batch", "cpus:4")]
        free = {"s1": Resources(), "s2": parse("cpus:2;mem:100")}
        self.assertEqual(
            self.select([Demand("prod", "fw-prod", parse("cpus:2"))], tasks, free), []
        )

    def test_reservedFreeForOthers(self) -> None:
        """
        Free resources reserved for another role do not count as fitting.
        """
        tasks = [task("b0", "batch", "cpus:4;mem:6144")]
        free = {"s1": parse("cpus(dev):4")}
        self.assertEqual(
            self.select([Demand("prod", "fw-prod", parse("cpus:2"))], tasks, free), ["b0"]
        )

    def test_pendingRevocationsCount(self) -> None:
        """
        Resources of tasks already being revoked count as freed: no more is
        revoked while they cover the demand, and their role's share is
        judged without them.
        """
        tasks = [task("b0", "batch", "cpus:2", revoking=True),
                 task("b1", "batch", "cpus:4", startTime=1),
                 task("b2", "batch", "cpus:2", startTime=2)]
        self.assertEqual(
            self.select([Demand("prod", "fw-prod", parse("cpus:2"))], tasks), []
        )
        self.assertEqual(
            self.select([Demand("prod", "fw-prod", parse("cpus:4"))], tasks), ["b2"]
        )
        # Without b0, batch holds 6 of 8 cpus; taking b1 too would leave it
        # at 1/4, below its fair share of 1/2: a demand of 8 cpus fails.
        self.assertEqual(
            self.select([Demand("prod", "fw-prod", parse("cpus:8"))], tasks), []
        )

    def test_nonRevocable(self) -> None:
        """
        Tasks of non-revocable roles are never revoked.
        """
        tasks = [task("m0", "mpi", "cpus:4", startTime=5),
                 task("b0", "batch", "cpus:4", startTime=1)]
        self.assertEqual(
            self.select([Demand("prod", "fw-prod", parse("cpus:2"))], tasks,
                        nonRevocable={"mpi"}),
            ["b0"],
        )
        self.assertEqual(
            self.select([Demand("prod", "fw-prod", parse("cpus:2"))], tasks[:1],
                        nonRevocable={"mpi"}),
            [],
        )

    def test_victimKeepsItsGuarantee(self) -> None:
        """
        A task is not revoked if that would take its role below its own
        guarantee.
        """
        tasks = [task("b0", "batch", "cpus:3"), task("b1", "batch", "cpus:3")]
        guarantees = {"prod": {"cpus": 4.0}, "batch": {"cpus": 6.0}}
        self.assertEqual(
            self.select([Demand("prod", "fw-prod", parse("cpus:2"))], tasks,
                        guarantees=guarantees),
            [],
        )
        guarantees["batch"] = {"cpus": 3.0}
        self.assertEqual(
            len(self.select([Demand("prod", "fw-prod", parse("cpus:2"))], tasks,
                            guarantees=guarantees)),
            1,
        )

    def test_onlyAboveFairShare(self) -> None:
        """
        Roles at or below their fair share (weight over the total weight of
        active roles) are not revoked from; weights change fair shares.
        """
        tasks = [task("b0", "batch", "cpus:2", startTime=2),
                 task("c0", "etl", "cpus:3", slaveId="s2", startTime=1),
                 task("c1", "etl", "cpus:3", slaveId="s2", startTime=0)]
        demand = Demand("prod", "fw-prod", parse("cpus:2"))
        # Three active roles: the fair share is 1/3 each; batch holds 1/4.
        self.assertEqual(self.select([demand], tasks), ["c0"])
        # With etl's weight 6 its fair share is 6/8: it holds 3/4, not above;
        # batch's is 1/8 and it holds 1/4.
        self.assertEqual(self.select([demand], tasks, weights={"etl": 6}), ["b0"])

    def test_furthestAboveFirst(self) -> None:
        """
        On a slave, tasks of the role furthest above its fair share go
        first.
        """
        tasks = [task("b0", "batch", "cpus:1", startTime=9),
                 task("c0", "etl", "cpus:2", startTime=0),
                 task("c1", "etl", "cpus:2", slaveId="s2", startTime=0),
                 task("c2", "etl", "cpus:2", slaveId="s2", startTime=0)]
        self.assertEqual(
            self.select([Demand("prod", "fw-prod", parse("cpus:2"))], tasks,
                        free={"s1": Resources()}),
            ["c0"],
        )

    def test_reservedTaskUseless(self) -> None:
        """
        A task whose resources are reserved for its own role frees nothing
        another role could use: it is not revoked.
        """
        tasks = [task("b0", "batch", "cpus(batch):4;mem(batch):1024")]
        self.assertEqual(
            self.select([Demand("prod", "fw-prod", parse("cpus:2"))], tasks), []
        )

    def test_inactiveSlaves(self) -> None:
        """
        Tasks on slaves that are not active (not in C{free}) are not
        revoked.
        """
        tasks = [task("b0", "batch", slaveId="gone")]
        self.assertEqual(
            self.select([Demand("prod", "fw-prod", parse("cpus:2"))], tasks), []
        )

    def test_severalDemands(self) -> None:
        """
        Each starving role gets its own victims; one demand per role.
        """
        tasks = [task(f"b{i}", "batch", "cpus:2", startTime=i) for i in range(4)]
        demands = [Demand("prod", "fw-prod", parse("cpus:2")),
                   Demand("prod", "fw-prod2", parse("cpus:2")),
                   Demand("web", "fw-web", parse("cpus:2"))]
        chosen = self.select(
            demands, tasks, guarantees={"prod": {"cpus": 2.0}, "web": {"cpus": 2.0}}
        )
        self.assertEqual(chosen, ["b3", "b2"])

    def test_demandTooLarge(self) -> None:
        """
        A demand no slave could hold even with all its tasks gone revokes
        nothing.
        """
        tasks = [task("b0", "batch", "cpus:4")]
        self.assertEqual(
            self.select([Demand("prod", "fw-prod", parse("cpus:9"))], tasks), []
        )


class AllocatorRevocationTests(SynchronousTestCase):
    """
    Tests for L{HierarchicalAllocator.revocations}: demands come from
    requests of frameworks in roles below their guarantee.
    """

    def setUp(self) -> None:
        self.allocator = HierarchicalAllocator(
            1.0, random=Random(0), guarantees={"prod": parse("cpus:2")},
            nonRevocable=["mpi"],
        )
        self.allocator.addFramework("batch", ["batch"], {}, True)
        self.allocator.addSlave("s1", parse("cpus:4;mem:1024"), {})
        [self.allocation] = self.allocator.allocate(0)
        self.tasks = [task("b0", "batch", "cpus:2;mem:512", startTime=0),
                      task("b1", "batch", "cpus:2;mem:512", startTime=1)]
        self.allocator.addFramework("prod", ["prod"], {}, True)

    def test_noRequestNoRevocation(self) -> None:
        """
        A role below its guarantee with no request revokes nothing.
        """
        self.assertEqual(self.allocator.revocations(self.tasks, 1), [])

    def test_request(self) -> None:
        """
        A request that fits nowhere revokes for it.
        """
        self.allocator.requestResources("prod", [parse("cpus:1")])
        self.assertEqual(
            [t.taskId for t in self.allocator.revocations(self.tasks, 1)], ["b1"]
        )

    def test_requestSatisfiedByOffer(self) -> None:
        """
        Once an offer contains a request, the request is satisfied: it calls
        for no more revocation.
        """
        self.allocator.requestResources("prod", [parse("cpus:1")])
        self.allocator.recoverResources("batch", "s1", parse("cpus:2;mem:512"), 100, 1)
        [offer] = self.allocator.allocate(1)
        self.assertEqual(offer.frameworkId, "prod")
        self.allocator.recoverResources("prod", "s1", offer.resources, 100, 1)
        self.allocator.allocate(2)
        self.assertEqual(self.allocator.revocations(self.tasks, 2), [])

    def test_suppressedFrameworkHasNoDemand(self) -> None:
        """
        A suppressed framework's requests do not count.
        """
        self.allocator.requestResources("prod", [parse("cpus:1")])
        self.allocator.suppressOffers("prod")
        self.assertEqual(self.allocator.revocations(self.tasks, 1), [])

    def test_withdrawn(self) -> None:
        """
        An empty request withdraws earlier ones.
        """
        self.allocator.requestResources("prod", [parse("cpus:1")])
        self.allocator.requestResources("prod", [])
        self.assertEqual(self.allocator.revocations(self.tasks, 1), [])

    def test_nonRevocableRole(self) -> None:
        """
        Tasks of roles marked non-revocable are kept.
        """
        self.allocator.requestResources("prod", [parse("cpus:1")])
        tasks = [t._replace(role="mpi") for t in self.tasks]
        self.assertEqual(self.allocator.revocations(tasks, 1), [])

    def test_guaranteedRoleServedFirst(self) -> None:
        """
        Freed resources go to the role below its guarantee before any
        other, whatever the shares.
        """
        self.allocator.addFramework("idle", ["idle"], {}, True)
        self.allocator.recoverResources("batch", "s1", parse("cpus:2;mem:512"), None, 1)
        [offer] = self.allocator.allocate(1)
        self.assertEqual(offer.role, "prod")


class RevocationFlowTests(MasterTestCase):
    """
    Tests for the master's side of revocation: notice, grace period, kill
    and the final status, with a L{FakeAllocator} choosing the tasks.
    """

    allocatorFactory = FakeAllocator

    def setUp(self) -> None:
        super().setUp()
        self.framework, self.frameworkId, self.slave, self.slaveId = self.launched()
        self.slave.send(
            slaveUpdate(self.frameworkId, self.slaveId, "t1", mesos_pb2.TASK_RUNNING)
        )
        self.updates(self.framework)
        self.master.allocator.toRevoke = {"t1"}

    def test_notice(self) -> None:
        """
        A batch allocation that revokes a task tells its framework at once:
        a status update in its current state, from the master, with reason
        REASON_TASK_REVOKED, saying when, without a uuid.
        """
        self.master.allocate()
        [notice] = self.updates(self.framework)
        self.assertEqual(notice.task_id.value, "t1")
        self.assertEqual(notice.state, mesos_pb2.TASK_RUNNING)
        self.assertEqual(notice.source, TaskStatus.SOURCE_MASTER)
        self.assertEqual(notice.reason, TaskStatus.REASON_TASK_REVOKED)
        self.assertIn("will be revoked in 30 s", notice.message)
        self.assertEqual(notice.uuid, b"")
        self.assertEqual(ofType(self.slave.received(), msgs.KillTaskMessage), [])
        self.assertTrue(self.master.frameworks[self.frameworkId].tasks["t1"].revoked)

    def test_onlyBatchPasses(self) -> None:
        """
        Incremental allocations (for some slaves) do not revoke.
        """
        self.master.allocate([self.slaveId])
        self.assertEqual(self.updates(self.framework), [])

    def test_killAfterGrace(self) -> None:
        """
        At the end of the grace period the task is killed on its slave.
        """
        self.master.allocate()
        self.clock.advance(29.9)
        self.assertEqual(ofType(self.slave.received(), msgs.KillTaskMessage), [])
        self.clock.advance(0.1)
        [kill] = ofType(self.slave.received(), msgs.KillTaskMessage)
        self.assertEqual(kill.task_id.value, "t1")
        self.assertEqual(kill.framework_id.value, self.frameworkId)

    def test_finalStatusSaysRevoked(self) -> None:
        """
        The terminal update of a revoked task reaches its framework with
        reason REASON_TASK_REVOKED.
        """
        self.master.allocate()
        self.clock.advance(30)
        self.updates(self.framework)
        self.slave.send(
            slaveUpdate(self.frameworkId, self.slaveId, "t1", mesos_pb2.TASK_KILLED)
        )
        [final] = self.updates(self.framework)
        self.assertEqual(final.state, mesos_pb2.TASK_KILLED)
        self.assertEqual(final.reason, TaskStatus.REASON_TASK_REVOKED)
        self.assertIn("Revoked by the master", final.message)
        self.assertNotEqual(final.uuid, b"")

    def test_ownEndDuringGraceKeepsReason(self) -> None:
        """
        A task that finishes by itself during its grace period is reported
        as it ended, not as revoked.
        """
        self.master.allocate()
        self.updates(self.framework)
        self.slave.send(
            slaveUpdate(self.frameworkId, self.slaveId, "t1", mesos_pb2.TASK_FINISHED)
        )
        [final] = self.updates(self.framework)
        self.assertEqual(final.state, mesos_pb2.TASK_FINISHED)
        self.assertNotEqual(final.reason, TaskStatus.REASON_TASK_REVOKED)

    def test_notRevokedTwice(self) -> None:
        """
        A task being revoked is not chosen again.
        """
        self.master.allocate()
        self.updates(self.framework)
        self.master.allocate()
        self.assertEqual(self.updates(self.framework), [])

    def test_endsDuringGrace(self) -> None:
        """
        A task that ends during its grace period is not killed.
        """
        self.master.allocate()
        self.slave.send(
            slaveUpdate(self.frameworkId, self.slaveId, "t1", mesos_pb2.TASK_FINISHED)
        )
        self.clock.advance(60)
        self.assertEqual(ofType(self.slave.received(), msgs.KillTaskMessage), [])
        self.assertEqual(
            [c for c in self.clock.getDelayedCalls() if c.func == self.master._killRevoked],
            [],
        )

    def test_slaveGoneAtDeadline(self) -> None:
        """
        If its slave is disconnected at the deadline, the task (of a
        checkpointing framework, which keeps its tasks meanwhile) is not
        killed and may be chosen again later.
        """
        self.master.frameworks[self.frameworkId].info.checkpoint = True
        self.master.allocate()
        self.slave.lose()
        self.clock.advance(30)
        record = self.master.frameworks[self.frameworkId].tasks["t1"]
        self.assertFalse(record.revoked)

    def test_stopCancels(self) -> None:
        """
        Stopping the master cancels pending revocations.
        """
        self.master.allocate()
        self.master.stop()
        self.assertEqual(
            [c for c in self.clock.getDelayedCalls() if c.func == self.master._killRevoked],
            [],
        )


class GuaranteeEndToEndTests(MasterTestCase):
    """
    A role below its guarantee gets resources back from a greedy role,
    through the master with the real allocator.
    """

    def allocatorFactory(self=None):
        return HierarchicalAllocator(
            1.0, random=Random(0), guarantees={"prod": parse("cpus:1;mem:256")}
        )

    def test_revokeForGuarantee(self) -> None:
        """
        A batch framework holds the whole slave; a prod framework with a
        guarantee requests resources; a batch task is revoked after the
        grace period, and the freed resources are offered to prod.
        """
        batch, batchId, slave, slaveId, offer = self.offered(frameworkInfo(role="batch"))
        batch.send(accept(
            batchId, [offer.id.value],
            [commandTask("t1", slaveId, "cpus:1;mem:512"),
             commandTask("t2", slaveId, "cpus:1;mem:512")],
            refuseSeconds=1000,
        ))
        slave.received()
        self.master.allocate()
        self.assertEqual(self.offers(batch, allocate=False), [])
        prod, prodId = self.addFramework("fw2", frameworkInfo(role="prod"))
        self.assertEqual(self.offers(prod), [])
        request = withFramework(msgs.ResourceRequestMessage, prodId)
        request.requests.add(resources=parse("cpus:1;mem:128").toProto())
        prod.send(request)
        self.master.allocate()
        [notice] = self.updates(batch)
        self.assertEqual(notice.reason, TaskStatus.REASON_TASK_REVOKED)
        self.clock.advance(30)
        [kill] = ofType(slave.received(), msgs.KillTaskMessage)
        self.assertEqual(kill.task_id, notice.task_id)
        slave.send(slaveUpdate(batchId, slaveId, kill.task_id.value, mesos_pb2.TASK_KILLED))
        [final] = self.updates(batch)
        self.assertEqual(final.reason, TaskStatus.REASON_TASK_REVOKED)
        self.master.allocate()
        [offer] = self.offers(prod, allocate=False)
        self.assertEqual(offer.allocation_info.role, "prod")
        self.assertTrue(Resources.fromProto(offer.resources).contains(parse("cpus:1;mem:128")))
        prod.send(accept(
            prodId, [offer.id.value], [commandTask("p1", slaveId, "cpus:1;mem:128")]
        ))
        self.master.allocate()
        # The offer satisfied prod's request: nothing more is revoked.
        self.assertEqual(ofType(batch.received(), msgs.StatusUpdateMessage), [])
