"""
Integration tests of fault tolerance: real C{twistd} masters and slaves on
loopback, killed with SIGKILL and restarted; executors and command tasks in
real namespaces and cgroups; schedulers in the test process or, to be
killed, in processes of their own (L{mesos_tw.testing.journaled}).

Each test's slaves use a cgroups root of its own; once the daemons have
stopped, the cluster destroys whatever containers killed slaves left, the
way a restarted slave would, and the test checks that no cgroup is left.
"""

from __future__ import annotations

import glob
import os
import signal
import sys

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.error import ProcessDone
from twisted.internet.protocol import ProcessProtocol

import tests.test_integration_tasks as offerLoop
from mesos_tw import mesos_pb2
from mesos_tw.mesos_pb2 import TaskStatus
from mesos_tw.resources import Resources
from mesos_tw.slave.containerizer.cgroups import Cgroups
from mesos_tw.testing.daemons import TwistdCluster, waitFor
from mesos_tw.testing.journaled import readJournal
from mesos_tw.testing.scheduler import RecordingScheduler
from tests.test_containers import HOST, SKIP, CgroupCleanup

LOST = mesos_pb2.TASK_LOST
RUNNING = mesos_pb2.TASK_RUNNING


def holdTask(offer, taskId: str, executorId: str = "echo"):
    """
    A task of the echo executor that runs until killed.
    """
    return offerLoop.executorTask(offer, taskId, data=b"hold", executorId=executorId)


def waitForFile(taskId: str) -> str:
    """
    A command that runs until the file C{go} appears in its sandbox.
    """
    return "while [ ! -e go ]; do sleep 0.05; done"


class FaultTestCase(CgroupCleanup, offerLoop.ClusterTestCase):
    """
    A cluster whose slaves may be killed: short ping timeouts, fast status
    update retries, and leftover containers destroyed after the test.
    """

    skip = SKIP
    timeout = 180
    masterFlags = ["--slave-ping-timeout", "1", "--max-slave-ping-timeouts", "3"]
    slaveFlags: list[str] = []

    @inlineCallbacks
    def setUp(self):
        self.root = self.useCgroupsRoot()
        self.cluster = TwistdCluster(
            reactor, self.mktemp(), numSlaves=self.numSlaves,
            masterFlags=["--allocation-interval", "0.2"] + self.masterFlags,
            slaveFlags=[
                "--cgroups-root", self.root,
                "--status-update-retry-interval-min", "1",
                "--executor-reregistration-timeout", "5",
            ] + self.slaveFlags,
        )
        self.addCleanup(self.cluster.stop)
        yield self.cluster.start()

    def slaveWork(self, index: int = 0) -> str:
        return os.path.join(self.cluster.slaves[index].directory, "work")

    def sandbox(self, executorId: str, index: int = 0) -> str:
        [latest] = glob.glob(os.path.join(
            self.slaveWork(index), "slaves", "*", "frameworks", "*", "executors",
            executorId, "runs", "latest",
        ))
        return os.path.realpath(latest)

    def cgroupOf(self, executorId: str, index: int = 0) -> str:
        """
        The cgroup that tracks the processes of the latest container of
        C{executorId}.
        """
        containerId = os.path.basename(self.sandbox(executorId, index))
        cgroups = Cgroups(HOST.layout, self.root)
        tracker = "freezer" if cgroups.version == 1 else ""
        return cgroups.directory(tracker, containerId)

    def killContainer(self, executorId: str, index: int = 0) -> None:
        """
        SIGKILL every process of the container of C{executorId}.
        """
        with open(os.path.join(self.cgroupOf(executorId, index), "cgroup.procs")) as f:
            for pid in f.read().split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass

    @inlineCallbacks
    def liveCgroup(self, executorId: str, index: int = 0):
        """
        The tracking cgroup of the latest container of C{executorId}, once
        it holds processes.
        """
        path = self.cgroupOf(executorId, index)

        def populated() -> bool:
            with open(os.path.join(path, "cgroup.procs")) as f:
                return bool(f.read().split())

        yield waitFor(reactor, populated, 30, what=f"processes in {path}")
        return path

    def waitForCgroupGone(self, path: str):
        """
        Wait until the container cgroup C{path} is removed, which it can
        only be once no process is left in it.
        """

        def details() -> str:
            try:
                with open(os.path.join(path, "cgroup.procs")) as f:
                    procs = f.read().split()
            except OSError as e:
                procs = [str(e)]
            return f"processes in {path}: {procs}\n{self.cluster.logs()}"

        return waitFor(
            reactor, lambda: not os.path.exists(path), 30,
            what=f"{path} removed", details=details,
        )

    def slaveResources(self, index: int = 0) -> Resources:
        """
        What C{--resources} gives slave C{index}.
        """
        args = self.cluster.slaves[index].args
        return Resources.parse(args[args.index("--resources") + 1])

    def waitForState(self, scheduler, taskId, state, what=None):
        return self.wait(
            scheduler.waitForState(taskId, state),
            what or f"{taskId} {mesos_pb2.TaskState.Name(state)}",
        )

    @inlineCallbacks
    def masterTask(self, taskId: str):
        """
        The master's view of a task (live or completed), or L{None}.
        """
        state = yield self.cluster.state()
        for framework in state["frameworks"] + state.get("completed_frameworks", []):
            for task in framework["tasks"] + framework["completed_tasks"]:
                if task["id"] == taskId:
                    return task
        return None

    @inlineCallbacks
    def restartSlave(self, index: int = 0, how: int = signal.SIGKILL, flags=()):
        slave = self.cluster.slaves[index]
        yield slave.signal(how)
        args = slave.args
        slave.args = args + list(flags)
        try:
            slave.start()
        finally:
            slave.args = args

    @inlineCallbacks
    def slaveActive(self, slaveId: str, index: int = 0):
        def check(state):
            return any(s["id"] == slaveId and s["active"] for s in state["slaves"])

        yield waitFor(
            reactor, lambda: self.cluster.state().addCallback(check), 60,
            what=f"slave {slaveId} active", details=self.cluster.logs,
        )


class SlaveRecoveryTests(FaultTestCase):
    """
    A slave killed with SIGKILL and restarted takes back the executors and
    command tasks of checkpointing frameworks.
    """

    @inlineCallbacks
    def start(self, scheduler, *makeTasks, checkpoint=True):
        offers = self.launchOnFirstOffer(scheduler, *makeTasks)
        driver = self.driver(scheduler, checkpoint=checkpoint, failover_timeout=300)
        yield driver.start()
        return driver, offers

    @inlineCallbacks
    def test_reconnect(self):
        """
        Tasks keep running across the restart, under the same slave id; a
        command task that ended while the slave was down reports its real
        end; the executor re-registers and answers messages; kills work.
        """
        scheduler = RecordingScheduler()
        driver, offers = yield self.start(
            scheduler,
            lambda o: offerLoop.commandTask(o, "sleeper", "sleep 600"),
            lambda o: offerLoop.commandTask(o, "waiter", waitForFile("waiter")),
            lambda o: holdTask(o, "held"),
        )
        for taskId in ("sleeper", "waiter", "held"):
            yield self.waitForState(scheduler, taskId, RUNNING)
        slaveId = offers[0].slave_id.value
        yield self.cluster.slaves[0].signal(signal.SIGKILL)
        with open(os.path.join(self.sandbox("waiter"), "go"), "w"):
            pass
        self.cluster.slaves[0].start()
        yield self.waitForState(scheduler, "waiter", mesos_pb2.TASK_FINISHED)
        yield self.slaveActive(slaveId)
        for taskId in ("sleeper", "held"):
            task = yield self.masterTask(taskId)
            self.assertEqual((task["state"], task["slave_id"]), ("TASK_RUNNING", slaveId))
        driver.sendFrameworkMessage("echo", slaveId, b"olleh")
        _, (_, _, _, message) = yield self.wait(
            scheduler.waitFor("frameworkMessage"), "the executor's answer"
        )
        self.assertEqual(message, b"hello")
        driver.killTask("sleeper")
        driver.killTask("held")
        yield self.waitForState(scheduler, "sleeper", mesos_pb2.TASK_KILLED)
        yield self.waitForState(scheduler, "held", mesos_pb2.TASK_KILLED)
        self.assertEqual(
            [s.state for s in scheduler.updates("sleeper")],
            [mesos_pb2.TASK_STARTING, RUNNING, mesos_pb2.TASK_KILLED],
        )

    @inlineCallbacks
    def test_diedWhileDown(self):
        """
        Executors and command tasks that died while the slave was down end
        their tasks TASK_LOST with REASON_EXECUTOR_REREGISTRATION_TIMEOUT,
        and the slave's whole resources are offered again.
        """
        scheduler = RecordingScheduler()
        _, offers = yield self.start(
            scheduler,
            lambda o: offerLoop.commandTask(o, "sleeper", "sleep 600"),
            lambda o: holdTask(o, "held"),
        )
        for taskId in ("sleeper", "held"):
            yield self.waitForState(scheduler, taskId, RUNNING)
        yield self.cluster.slaves[0].signal(signal.SIGKILL)
        self.killContainer("echo")
        self.killContainer("sleeper")
        offered = len(scheduler.named("resourceOffers"))
        scheduler.onOffers = lambda driver, offers: None
        self.cluster.slaves[0].start()
        for taskId in ("sleeper", "held"):
            yield self.waitForState(scheduler, taskId, LOST)
            [status] = [s for s in scheduler.updates(taskId) if s.state == LOST]
            self.assertEqual(status.reason, TaskStatus.REASON_EXECUTOR_REREGISTRATION_TIMEOUT)
        state = yield self.cluster.state()
        [slave] = [s for s in state["slaves"] if s["id"] == offers[0].slave_id.value]
        total = slave["resources"]

        def held() -> Resources:
            """
            The resources of the offers made since the restart and not
            rescinded (the scheduler keeps them all).
            """
            kept = {}
            for _, made in scheduler.named("resourceOffers")[offered:]:
                for offer in made:
                    kept[offer.id.value] = Resources.fromProto(offer.resources)
            for _, offerId in scheduler.named("offerRescinded"):
                kept.pop(offerId.value, None)
            return sum(kept.values(), Resources())

        yield waitFor(
            reactor, lambda: held().toJSON() == total, 60,
            what=f"offers of the whole slave ({total})",
            details=lambda: f"offered {held()}\n{self.cluster.logs()}",
        )
        self.assertTrue(held().contains(self.slaveResources()), held())

    @inlineCallbacks
    def test_cleanup(self):
        """
        With C{--recover=cleanup} the restarted slave kills what the previous
        one left and exits (status 0) without registering; started again
        normally, it re-registers under its id and reports the tasks lost
        with REASON_SLAVE_RESTARTED.
        """
        scheduler = RecordingScheduler()
        _, offers = yield self.start(
            scheduler,
            lambda o: offerLoop.commandTask(o, "sleeper", "sleep 600"),
            lambda o: holdTask(o, "held"),
        )
        for taskId in ("sleeper", "held"):
            yield self.waitForState(scheduler, taskId, RUNNING)
        cgroups = []
        for executorId in ("sleeper", "echo"):
            cgroups.append((yield self.liveCgroup(executorId)))
        slave = self.cluster.slaves[0]
        yield self.restartSlave(flags=["--recover", "cleanup"])
        ended = yield self.wait(slave.ended, "the cleaning slave to exit")
        self.assertIsInstance(ended, ProcessDone, slave.log())
        self.assertIn("restart this slave without --recover=cleanup", slave.log())
        for path in cgroups:
            self.assertFalse(os.path.exists(path), path)
        self.assertEqual([s.state for s in scheduler.updates("held")][-1], RUNNING)
        slave.start()
        yield self.slaveActive(offers[0].slave_id.value)
        for taskId in ("sleeper", "held"):
            yield self.waitForState(scheduler, taskId, LOST)
            [status] = [s for s in scheduler.updates(taskId) if s.state == LOST]
            self.assertEqual(status.reason, TaskStatus.REASON_SLAVE_RESTARTED)

    @inlineCallbacks
    def test_cleanStop(self):
        """
        A slave stopped with SIGTERM kills the tasks of frameworks that do
        not checkpoint and leaves those of frameworks that do.
        """
        keeper = RecordingScheduler()
        yield self.start(keeper, lambda o: offerLoop.commandTask(o, "kept", "sleep 600"))
        yield self.waitForState(keeper, "kept", RUNNING)
        other = RecordingScheduler()
        offers = self.launchOnFirstOffer(
            other, lambda o: offerLoop.commandTask(o, "gone", "sleep 600")
        )
        yield self.driver(other, name="other").start()
        yield self.waitForState(other, "gone", RUNNING)
        slaveId = offers[0].slave_id.value
        yield self.restartSlave(how=signal.SIGTERM)
        yield self.waitForState(other, "gone", LOST)
        yield self.slaveActive(slaveId)
        task = yield self.masterTask("kept")
        self.assertEqual(task["state"], "TASK_RUNNING")
        self.assertEqual(
            [s.state for s in keeper.updates("kept")], [mesos_pb2.TASK_STARTING, RUNNING]
        )


class SlaveLostTests(FaultTestCase):
    """
    A slave killed for good.
    """

    @inlineCallbacks
    def test_neverBack(self):
        """
        Tasks of a framework that does not checkpoint are lost as soon as
        the connection breaks (REASON_SLAVE_DISCONNECTED); once the slave
        misses its pings, it is removed: the others are lost too
        (REASON_SLAVE_REMOVED) and every framework hears C{slaveLost}.
        """
        keeper = RecordingScheduler()
        offers = self.launchOnFirstOffer(
            keeper, lambda o: offerLoop.commandTask(o, "kept", "sleep 600")
        )
        yield self.driver(keeper, checkpoint=True).start()
        yield self.waitForState(keeper, "kept", RUNNING)
        other = RecordingScheduler()
        self.launchOnFirstOffer(other, lambda o: offerLoop.commandTask(o, "gone", "sleep 600"))
        yield self.driver(other, name="other").start()
        yield self.waitForState(other, "gone", RUNNING)
        yield self.cluster.slaves[0].signal(signal.SIGKILL)
        yield self.waitForState(other, "gone", LOST)
        [status] = other.updates("gone")[-1:]
        self.assertEqual(status.reason, TaskStatus.REASON_SLAVE_DISCONNECTED)
        self.assertEqual(keeper.updates("kept")[-1].state, RUNNING)
        yield self.waitForState(keeper, "kept", LOST)
        self.assertEqual(keeper.updates("kept")[-1].reason, TaskStatus.REASON_SLAVE_REMOVED)
        slaveId = offers[0].slave_id.value
        for scheduler in (keeper, other):
            _, (_, lost) = yield self.wait(scheduler.waitFor("slaveLost"), "slaveLost")
            self.assertEqual(lost.value, slaveId)
        state = yield self.cluster.state()
        self.assertNotIn(slaveId, [s["id"] for s in state["slaves"]])


class MasterRestartTests(FaultTestCase):
    """
    A standalone master killed and restarted while updates are in flight.
    """

    @inlineCallbacks
    def test_updatesInFlight(self):
        """
        Tasks that end while the master is down are reported once it is
        back: the slave and the framework re-register, and the slave resends
        the updates; the new master's state agrees.
        """
        scheduler = RecordingScheduler()
        taskIds = [f"w{i}" for i in range(3)]
        self.launchOnFirstOffer(
            scheduler,
            *[lambda o, t=t: offerLoop.commandTask(o, t, waitForFile(t)) for t in taskIds],
        )
        yield self.driver(scheduler, checkpoint=True, failover_timeout=300).start()
        for taskId in taskIds:
            yield self.waitForState(scheduler, taskId, RUNNING)
        yield self.cluster.master.signal(signal.SIGKILL)
        for taskId in taskIds:
            with open(os.path.join(self.sandbox(taskId), "go"), "w"):
                pass
        self.cluster.master.start()
        for taskId in taskIds:
            yield self.waitForState(scheduler, taskId, mesos_pb2.TASK_FINISHED)
            task = yield waitFor(
                reactor, lambda t=taskId: self.masterTask(t), 30, what=f"{taskId} known"
            )
            self.assertEqual(task["state"], "TASK_FINISHED")
            states = [s.state for s in scheduler.updates(taskId)]
            self.assertEqual(states.count(mesos_pb2.TASK_FINISHED), 1, states)


class _Output(ProcessProtocol):
    def __init__(self):
        from twisted.internet.defer import Deferred

        self.ended = Deferred()

    def processEnded(self, reason):
        self.ended.callback(reason.value.exitCode)


class SchedulerFailoverTests(FaultTestCase):
    """
    A scheduler replaced while its framework runs.
    """

    @inlineCallbacks
    def test_connectedSchedulerReplaced(self):
        """
        A second scheduler with the framework's id takes over: it is
        registered, and the first one hears C{error("Framework failed
        over")}.
        """
        first = RecordingScheduler()
        driver = self.driver(first, failover_timeout=60)
        frameworkId = yield driver.start()
        second = RecordingScheduler()
        info = {"id": frameworkId, "failover_timeout": 60}
        yield self.driver(second, **info).start()
        _, (_, message) = yield self.wait(first.waitFor("error"), "the error")
        self.assertEqual(message, "Framework failed over")
        self.assertEqual(len(second.named("registered")), 1)

    def spawnScheduler(self, journal: str, *flags: str):
        protocol = _Output()
        argv = [
            sys.executable, "-m", "mesos_tw.testing.journaled",
            "--master", self.cluster.address, "--tls-dir", self.cluster.framework,
            "--journal", journal, "--checkpoint", *flags,
        ]
        log = open(journal + ".log", "ab")
        self.addCleanup(log.close)
        process = reactor.spawnProcess(
            protocol, sys.executable, argv, env=dict(os.environ),
            childFDs={0: "w", 1: log.fileno(), 2: log.fileno()},
        )
        self.addCleanup(lambda: protocol.ended.called or process.signalProcess("KILL"))
        return process, protocol.ended

    @inlineCallbacks
    def test_killedWithinTimeout(self):
        """
        A scheduler process killed with SIGKILL and started again before its
        failover timeout takes its framework back: the tasks ran on, and
        every task ends exactly once in its journal.
        """
        journal = os.path.abspath(self.mktemp())
        flags = ["--tasks", "6", "--concurrency", "6", "--min-seconds", "2",
                 "--max-seconds", "4", "--failover-timeout", "60"]
        process, ended = self.spawnScheduler(journal, *flags)
        yield waitFor(
            reactor, lambda: len(readJournal(journal).launched) == 6, 60,
            what="the launches",
        )
        process.signalProcess("KILL")
        yield ended
        frameworkId = readJournal(journal).frameworkId
        process, ended = self.spawnScheduler(journal, *flags)
        code = yield self.wait(ended, "the second scheduler")
        result = readJournal(journal)
        self.assertEqual((code, result.errors, result.frameworkId), (0, [], frameworkId))
        for taskId in result.launched:
            self.assertEqual(len(result.terminal(taskId)), 1, (taskId, result.states[taskId]))

    @inlineCallbacks
    def test_killedPastTimeout(self):
        """
        Once the failover timeout has passed, the framework is removed and
        its tasks killed (their processes are gone); a scheduler coming back
        with its id gets an error.
        """
        journal = os.path.abspath(self.mktemp())
        flags = ["--tasks", "2", "--min-seconds", "600", "--max-seconds", "600",
                 "--failover-timeout", "1"]
        process, ended = self.spawnScheduler(journal, *flags)
        yield waitFor(
            reactor, lambda: len(readJournal(journal).states) == 2, 60, what="the tasks",
        )
        cgroups = []
        for taskId in readJournal(journal).launched:
            cgroups.append((yield self.liveCgroup(taskId)))
        process.signalProcess("KILL")
        yield ended
        frameworkId = readJournal(journal).frameworkId

        def removed(state):
            return any(f["id"] == frameworkId for f in state["completed_frameworks"])

        yield waitFor(
            reactor, lambda: self.cluster.state().addCallback(removed), 30,
            what="the framework removed",
        )
        for taskId in readJournal(journal).launched:
            task = yield self.masterTask(taskId)
            self.assertEqual(task["state"], "TASK_KILLED")
        for path in cgroups:
            yield self.waitForCgroupGone(path)
        process, ended = self.spawnScheduler(journal, *flags)
        code = yield self.wait(ended, "the refused scheduler")
        result = readJournal(journal)
        self.assertEqual(code, 1)
        self.assertEqual(len(result.errors), 1)
        self.assertIn("removed", result.errors[0])
