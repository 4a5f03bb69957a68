"""
Integration tests of high availability: three real C{twistd} masters
electing a leader in a real ZooKeeper server on loopback, real slaves and a
real scheduler driver following it (C{--master zk://...}).

ZooKeeper comes from Debian's C{zookeeper} package; without it these tests
fail and say how to install it. They poll with deadlines and never sleep.
"""

from __future__ import annotations

import os
import signal

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.error import ProcessTerminated
from twisted.trial.unittest import TestCase

from mesos_tw import mesos_pb2
from mesos_tw.resources import Resources
from mesos_tw.scheduler import SchedulerDriver
from mesos_tw.testing.daemons import HACluster, httpGet, waitFor
from mesos_tw.testing.scheduler import RecordingScheduler
from mesos_tw.testing.zookeeper import ZooKeeperEnsemble, ZooKeeperServer, requireZooKeeper
from mesos_tw.zk.client import ZooKeeperClient

#: Short enough that a killed leader's session (and its group node) goes
#: fast; the server's tick (200 ms) allows it.
SESSION_TIMEOUT = "2"


def sleepTask(offer, taskId: str) -> mesos_pb2.TaskInfo:
    task = mesos_pb2.TaskInfo(
        name=taskId, resources=Resources.parse("cpus:0.5;mem:32").toProto()
    )
    task.task_id.value = taskId
    task.slave_id.CopyFrom(offer.slave_id)
    task.command.value = "sleep 1000"
    return task


class Launcher:
    """
    Launches the tasks it is asked for, one per offer, on slaves not used
    yet by this batch; declines the rest.
    """

    def __init__(self) -> None:
        self.wanted: list[str] = []
        self.slaves: dict[str, str] = {}

    def want(self, *taskIds: str) -> None:
        self.wanted.extend(taskIds)

    def __call__(self, driver, offers) -> None:
        for offer in offers:
            if self.wanted and offer.slave_id.value not in self.slaves.values():
                taskId = self.wanted.pop(0)
                self.slaves[taskId] = offer.slave_id.value
                driver.launchTasks([offer.id], [sleepTask(offer, taskId)])
            else:
                driver.declineOffer(offer.id, mesos_pb2.Filters(refuse_seconds=1))


class HATestCase(TestCase):
    timeout = 240
    masterFlags: list[str] = []

    @inlineCallbacks
    def setUp(self):
        requireZooKeeper()
        base = os.path.abspath(self.mktemp())
        self.zk = ZooKeeperServer(reactor, os.path.join(base, "zookeeper"))
        self.addCleanup(self.zk.kill)
        yield self.zk.start()
        self.cluster = HACluster(
            reactor, base, self.zk.hosts,
            masterFlags=["--zk-session-timeout", SESSION_TIMEOUT,
                         "--allocation-interval", "0.2"] + self.masterFlags,
        )
        self.addCleanup(self.cluster.stop)
        yield self.cluster.start()

    def wait(self, d, what: str, timeout: float = 60):
        """
        C{d}, failing with the daemons' logs after C{timeout} seconds.
        """
        return waitFor(reactor, lambda: d, timeout, what=what, details=self.cluster.logs)

    def driver(self, scheduler) -> SchedulerDriver:
        driver = SchedulerDriver(
            scheduler, mesos_pb2.FrameworkInfo(name="ha", failover_timeout=300),
            self.cluster.url, tlsDir=self.cluster.framework, reactor=reactor,
        )
        self.addCleanup(
            lambda: driver.stop() if driver.status == mesos_pb2.DRIVER_RUNNING else None
        )
        return driver

    def until(self, check, what: str, timeout: float = 60):
        return waitFor(reactor, check, timeout, what=what, details=self.cluster.logs)

    def tasksIn(self, state, frameworkId: str) -> dict[str, str]:
        for framework in state["frameworks"]:
            if framework["id"] == frameworkId:
                return {t["id"]: t["state"] for t in framework["tasks"]}
        return {}


class LeaderFailoverTests(HATestCase):
    """
    The leading master is killed; a standby takes over.
    """

    @inlineCallbacks
    def test_leaderKilled(self):
        """
        With a framework running a task on each of two slaves, SIGKILL the
        leader: a standby takes over; the slaves and the framework
        re-register (the scheduler is told it was disconnected, then
        re-registered); the tasks keep running and new ones launch; the
        killed master, restarted, joins as a standby.
        """
        cluster = self.cluster
        launcher = Launcher()
        launcher.want("t1", "t2")
        scheduler = RecordingScheduler(onOffers=launcher)
        driver = self.driver(scheduler)
        frameworkId = (yield self.wait(driver.start(), "registration")).value
        for taskId in ["t1", "t2"]:
            yield self.wait(scheduler.waitForState(taskId, mesos_pb2.TASK_RUNNING),
                            f"{taskId} running")
        old = cluster.masters[0]
        started = reactor.seconds()
        old.process.signalProcess(signal.SIGKILL)
        yield old.ended

        def failedOver():
            d = cluster.leader()

            def check(leader):
                if leader is None or leader is old:
                    return None
                return cluster.stateOf(leader).addCallback(
                    lambda state: (leader, state)
                    if sum(s["active"] for s in state["slaves"]) == 2
                    and self.tasksIn(state, frameworkId) == {
                        "t1": "TASK_RUNNING", "t2": "TASK_RUNNING"
                    }
                    else None
                )

            return d.addCallback(check)

        leader, state = yield self.until(failedOver, "a new leader with everything back")
        elapsed = reactor.seconds() - started
        yield self.wait(scheduler.waitFor("reregistered"), "the scheduler re-registered")
        names = [name for name, _ in scheduler.events]
        after = names[names.index("disconnected"):]
        self.assertEqual(after[:2], ["disconnected", "reregistered"], names)
        self.assertEqual(state["recovering_slaves"], [])
        self.assertEqual(state["leader"], f"master@127.0.0.1:{cluster.ports[cluster.masters.index(leader)]}")
        [framework] = state["frameworks"]
        self.assertTrue(framework["connected"])
        self.assertLess(elapsed, 30, "fail-over took too long")

        launcher.slaves.clear()
        launcher.want("t3")
        driver.reviveOffers()
        yield self.wait(scheduler.waitForState("t3", mesos_pb2.TASK_RUNNING), "t3 running")

        old.start()
        yield self.until(
            lambda: httpGet(reactor, cluster.credentials(), "127.0.0.1", cluster.ports[0],
                            "/health").addCallbacks(lambda r: r[0] == 200, lambda _: False),
            "the restarted master answering",
        )
        code, headers, _ = yield httpGet(
            reactor, cluster.credentials(), "127.0.0.1", cluster.ports[0], "/state"
        )
        self.assertEqual(code, 307)
        self.assertEqual(
            headers.getRawHeaders(b"location"),
            [f"https://127.0.0.1:{cluster.ports[cluster.masters.index(leader)]}/state".encode()],
        )
        self.assertIs((yield cluster.leader()), leader)
        restarted = yield cluster.stateOf(old)
        self.assertEqual(restarted["id"], state["id"])

        reader = ZooKeeperClient(self.zk.hosts, 10.0, reactor)
        self.addCleanup(reader.close)
        yield reader.connect()
        children = yield reader.getChildren("/mesos")
        self.assertIn("registry", children)
        self.assertEqual(len([c for c in children if c.startswith("json.info_")]), 3)

    @inlineCallbacks
    def test_sessionExpired(self):
        """
        A leader cut off from ZooKeeper longer than its session timeout (here
        frozen with SIGSTOP) loses its session: a standby takes over, and
        the old leader, once it runs again, exits with status 1 saying why.
        """
        cluster = self.cluster
        old = cluster.masters[0]
        old.process.signalProcess(signal.SIGSTOP)
        self.addCleanup(lambda: old.running and old.process.signalProcess(signal.SIGCONT))

        def newLeader():
            return cluster.leader().addCallback(
                lambda leader: leader if leader is not None and leader is not old else None
            )

        leader = yield self.until(newLeader, "a standby to take over")
        yield cluster.waitForSlaves(60, leader)
        old.process.signalProcess(signal.SIGCONT)
        reason = yield self.wait(old.ended, "the old leader to exit")
        self.assertIsInstance(reason, ProcessTerminated)
        self.assertEqual(reason.exitCode, 1)
        log = old.log(200)
        self.assertIn("exiting with status 1 so that a supervisor restarts this master", log)
        self.assertTrue(
            "committing suicide" in log or "Lost leadership" in log, log
        )
        self.assertIs((yield cluster.leader()), leader)


class ZooKeeperRestartTests(HATestCase):
    """
    ZooKeeper restarts within the session timeout: nothing changes.
    """

    masterFlags = ["--zk-session-timeout", "20"]

    @inlineCallbacks
    def test_restart(self):
        """
        Killing and restarting the ZooKeeper server keeps the sessions: the
        leader keeps leading, no master exits, the slaves stay registered,
        and a framework registers afterwards.
        """
        cluster = self.cluster
        leader = yield cluster.leader()
        yield self.zk.kill()
        yield self.zk.start()
        yield cluster.waitForSlaves(60, leader)
        self.assertTrue(all(m.running for m in cluster.masters))
        self.assertIs((yield cluster.leader()), leader)
        scheduler = RecordingScheduler()
        driver = self.driver(scheduler)
        yield self.wait(driver.start(), "registration after the restart")
        self.assertTrue(all(m.running for m in cluster.masters))


class MissingSlaveTests(HATestCase):
    """
    A slave that does not come back after a fail-over is marked unreachable
    after --slave-reregister-timeout.
    """

    masterFlags = ["--slave-reregister-timeout", "4"]

    @inlineCallbacks
    def test_missingSlave(self):
        """
        Kill the leader and one slave: the new leader expects both slaves;
        reconciliation says nothing of the missing one's task until the
        timeout, after which the slave is unreachable (in the registry too)
        and its task is lost.
        """
        cluster = self.cluster
        launcher = Launcher()
        launcher.want("t1", "t2")
        scheduler = RecordingScheduler(onOffers=launcher)
        driver = self.driver(scheduler)
        yield self.wait(driver.start(), "registration")
        for taskId in ["t1", "t2"]:
            yield self.wait(scheduler.waitForState(taskId, mesos_pb2.TASK_RUNNING),
                            f"{taskId} running")
        state = yield cluster.state()
        slaveIds = {s["hostname"]: s["id"] for s in state["slaves"]}
        gone = cluster.slaves[1]
        goneId = slaveIds["slave2"]
        goneTask = [t for t, s in launcher.slaves.items() if s == goneId][0]
        gone.process.signalProcess(signal.SIGKILL)
        yield gone.ended
        old = cluster.masters[0]
        old.process.signalProcess(signal.SIGKILL)
        yield old.ended

        def unreachable():
            d = cluster.state()
            return d.addCallback(
                lambda state: state
                if goneId in [s["id"] for s in state["unreachable_slaves"]] else None
            )

        state = yield self.until(unreachable, "the missing slave marked unreachable")
        self.assertEqual(state["recovering_slaves"], [])
        self.assertEqual([s["id"] for s in state["slaves"]], [slaveIds["slave1"]])
        yield self.wait(scheduler.waitFor("reregistered"), "the framework re-registered")
        before = len(scheduler.updates(goneTask))
        status = mesos_pb2.TaskStatus(state=mesos_pb2.TASK_RUNNING)
        status.task_id.value = goneTask
        status.slave_id.value = goneId

        def lost():
            updates = scheduler.updates(goneTask)[before:]
            found = [u for u in updates if u.state == mesos_pb2.TASK_LOST]
            if not found:
                # As frameworks do: ask again until answered.
                driver.reconcileTasks([status])
            return found

        updates = yield waitFor(reactor, lost, 60, interval=0.5,
                                what="TASK_LOST for the missing slave's task",
                                details=cluster.logs)
        self.assertEqual(updates[0].reason, mesos_pb2.TaskStatus.REASON_RECONCILIATION)


class EnsembleTests(TestCase):
    """
    Masters on a three-server ZooKeeper ensemble keep electing through the
    remaining quorum when a server is killed.
    """

    timeout = 240

    @inlineCallbacks
    def test_serverKilled(self):
        """
        Killing one ZooKeeper server changes nothing for the masters (their
        sessions move to the others); killing the leading master then
        elects the standby through the remaining two servers.
        """
        requireZooKeeper()
        base = os.path.abspath(self.mktemp())
        ensemble = ZooKeeperEnsemble(reactor, os.path.join(base, "zookeeper"))
        self.addCleanup(ensemble.kill)
        yield ensemble.start()
        cluster = HACluster(
            reactor, base, ensemble.hosts, numMasters=2, numSlaves=1,
            masterFlags=["--zk-session-timeout", "6", "--allocation-interval", "0.2"],
        )
        self.addCleanup(cluster.stop)
        yield cluster.start()

        @inlineCallbacks
        def sessions(servers):
            found = set()
            for server in servers:
                found |= yield server.sessions()
            return found

        before = yield sessions(ensemble.servers)
        # The masters' and the slave's.
        self.assertGreaterEqual(len(before), 3)
        yield ensemble.servers[0].kill()

        @inlineCallbacks
        def moved():
            return before <= (yield sessions(ensemble.servers[1:]))

        yield waitFor(reactor, moved, 60, what="the sessions on the other servers",
                      details=cluster.logs)
        self.assertTrue(all(m.running for m in cluster.masters), cluster.logs())
        self.assertIs((yield cluster.leader()), cluster.masters[0])
        cluster.masters[0].process.signalProcess(signal.SIGKILL)
        yield cluster.masters[0].ended

        def standbyLeads():
            return cluster.leader().addCallback(lambda m: m is cluster.masters[1])

        yield waitFor(reactor, standbyLeads, 60, what="the standby to lead",
                      details=cluster.logs)
        yield cluster.waitForSlaves(60, cluster.masters[1])
