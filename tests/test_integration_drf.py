"""
Integration test of dominant resource fairness with real daemons: the
example of the DRF paper (Ghodsi et al., NSDI 2011) through a C{twistd}
master and slave and two L{SchedulerDriver}s.
"""

from __future__ import annotations

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.trial.unittest import TestCase

from mesos_tw import mesos_pb2
from mesos_tw.resources import Resources
from mesos_tw.scheduler import SchedulerDriver
from mesos_tw.testing.daemons import TwistdCluster, waitFor
from mesos_tw.testing.scheduler import RecordingScheduler

NO_FILTER = mesos_pb2.Filters(refuse_seconds=0)


class PaperFramework(RecordingScheduler):
    """
    Launches one task of C{demand} per offer that holds it, declining the
    rest without a filter; until C{gate[0]} is true it declines everything.

    @ivar launched: ids of the tasks launched.
    @ivar declinedAfter: how many offers it declined after its last launch.
    """

    def __init__(self, name: str, demand: str, gate: list[bool]) -> None:
        super().__init__()
        self.name = name
        self.demand = Resources.parse(demand)
        self.gate = gate
        self.launched: list[str] = []
        self.declinedAfter = 0
        self.onOffers = self.offered

    def offered(self, driver, offers) -> None:
        for offer in offers:
            available = Resources.fromProto(offer.resources)
            if self.gate[0] and available.contains(self.demand):
                taskId = f"{self.name}{len(self.launched) + 1}"
                task = mesos_pb2.TaskInfo(name=taskId, resources=self.demand.toProto())
                task.task_id.value = taskId
                task.slave_id.CopyFrom(offer.slave_id)
                task.command.value = "sleep 1000"
                self.launched.append(taskId)
                self.declinedAfter = 0
                driver.launchTasks([offer.id], [task], NO_FILTER)
            else:
                self.declinedAfter += 1
                driver.declineOffer(offer.id, NO_FILTER)

    def running(self) -> set[str]:
        """
        The tasks whose latest update is TASK_RUNNING.
        """
        latest = {}
        for status in self.updates():
            latest[status.task_id.value] = status.state
        return {t for t, state in latest.items() if state == mesos_pb2.TASK_RUNNING}


class DRFPaperTests(TestCase):
    """
    The DRF paper's example: one slave of 9 cpus and 18 GB; framework A runs
    tasks of <1 cpu, 4 GB>, framework B tasks of <3 cpus, 1 GB>.
    """

    timeout = 120

    @inlineCallbacks
    def setUp(self):
        self.cluster = TwistdCluster(
            reactor, self.mktemp(), numSlaves=1,
            masterFlags=["--allocation-interval", "0.1"],
            slaveResources=["cpus:9;mem:18432"],
        )
        self.addCleanup(self.cluster.stop)
        yield self.cluster.start()

    def driver(self, scheduler: PaperFramework, role: str) -> SchedulerDriver:
        """
        A driver for C{scheduler}, in C{role}, stopped at the end.
        """
        info = mesos_pb2.FrameworkInfo(name=f"paper-{scheduler.name}", role=role)
        driver = SchedulerDriver(
            scheduler, info, self.cluster.address, tlsDir=self.cluster.framework,
            reactor=reactor,
        )
        self.addCleanup(
            lambda: driver.stop() if driver.status == mesos_pb2.DRIVER_RUNNING else None
        )
        return driver

    @inlineCallbacks
    def test_paperExample(self):
        """
        Each framework accepts one task per offer and declines the rest with
        refuse_seconds=0: A ends with 3 running tasks and B with 2, both at a
        dominant share of 2/3, and the 4 GB left is offered and declined
        without more tasks.
        """
        gate = [False]
        a = PaperFramework("A", "cpus:1;mem:4096", gate)
        b = PaperFramework("B", "cpus:3;mem:1024", gate)
        yield self.driver(a, "a").start()
        yield self.driver(b, "b").start()
        # Both are registered: from now on they launch.
        gate[0] = True

        def details() -> str:
            return (f"A launched {a.launched}, running {sorted(a.running())}; "
                    f"B launched {b.launched}, running {sorted(b.running())}\n"
                    f"{self.cluster.logs()}")

        yield waitFor(
            reactor,
            lambda: len(a.running()) == 3 and len(b.running()) == 2,
            timeout=60, what="A to run 3 tasks and B 2", details=details,
        )
        # The rest keeps being offered and declined: no more tasks.
        yield waitFor(
            reactor, lambda: a.declinedAfter >= 3 and b.declinedAfter >= 3,
            timeout=30, what="the leftover to be declined by both", details=details,
        )
        self.assertEqual((len(a.launched), len(b.launched)), (3, 2), details())
        state = yield self.cluster.state()
        byName = {f["name"]: f for f in state["frameworks"]}
        self.assertEqual(
            byName["paper-A"]["used_resources"], {"cpus": 3.0, "mem": 12288.0}
        )
        self.assertEqual(
            byName["paper-B"]["used_resources"], {"cpus": 6.0, "mem": 2048.0}
        )
        roles = {r["name"]: r for r in state["roles"]}
        self.assertAlmostEqual(roles["a"]["dominant_share"], 2 / 3, places=3)
        self.assertAlmostEqual(roles["b"]["dominant_share"], 2 / 3, places=3)
