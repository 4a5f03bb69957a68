"""
Integration tests of the offer loop: real C{twistd} master and slaves on
loopback over mutual TLS, a real L{SchedulerDriver} in the test process.
"""

from __future__ import annotations

import os
import subprocess
import sys

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.threads import deferToThread
from twisted.trial.unittest import TestCase

from mesos_tw import mesos_pb2
from mesos_tw.mesos_pb2 import TaskStatus
from mesos_tw.resources import Resources
from mesos_tw.scheduler import SchedulerDriver
from mesos_tw.testing.daemons import TwistdCluster, waitFor
from mesos_tw.testing.scheduler import RecordingScheduler

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def commandTask(offer, taskId: str, command: str, resources: str = "cpus:0.1;mem:32"):
    task = mesos_pb2.TaskInfo(name=taskId, resources=Resources.parse(resources).toProto())
    task.task_id.value = taskId
    task.slave_id.CopyFrom(offer.slave_id)
    task.command.value = command
    return task


def executorTask(offer, taskId: str, data: bytes = b"", executorId: str = "echo"):
    task = mesos_pb2.TaskInfo(
        name=taskId, resources=Resources.parse("cpus:0.1;mem:16").toProto(), data=data
    )
    task.task_id.value = taskId
    task.slave_id.CopyFrom(offer.slave_id)
    task.executor.executor_id.value = executorId
    task.executor.command.value = (
        f"'{sys.executable}' '{os.path.join(EXAMPLES, 'echo_executor.py')}'"
    )
    task.executor.resources.extend(Resources.parse("cpus:0.1;mem:32").toProto())
    return task


class ClusterTestCase(TestCase):
    """
    A fresh cluster of real daemons for each test.
    """

    timeout = 120
    masterFlags: list[str] = []
    numSlaves = 1

    @inlineCallbacks
    def setUp(self):
        self.cluster = TwistdCluster(
            reactor, self.mktemp(), numSlaves=self.numSlaves,
            masterFlags=["--allocation-interval", "0.2"] + self.masterFlags,
        )
        self.addCleanup(self.cluster.stop)
        yield self.cluster.start()

    def driver(self, scheduler, name="test", implicit=True, **info):
        framework = mesos_pb2.FrameworkInfo(name=name, **info)
        driver = SchedulerDriver(
            scheduler, framework, self.cluster.address, tlsDir=self.cluster.framework,
            implicitAcknowledgements=implicit, reactor=reactor,
        )
        self.addCleanup(lambda: driver.stop() if driver.status == mesos_pb2.DRIVER_RUNNING else None)
        return driver

    def wait(self, d, what):
        """
        C{d}, failing with the daemons' logs after 30 s.
        """

        def timedOut(failure):
            failure.trap(Exception)
            raise AssertionError(f"timed out waiting for {what}\n{self.cluster.logs()}")

        return d.addTimeout(30, reactor).addErrback(timedOut)

    def launchOnFirstOffer(self, scheduler, *makeTasks):
        """
        Make C{scheduler} launch tasks on its first offer and decline the
        rest for an hour.
        """
        launched = []

        def onOffers(driver, offers):
            for offer in offers:
                if launched:
                    driver.declineOffer(offer.id, mesos_pb2.Filters(refuse_seconds=3600))
                else:
                    launched.append(offer)
                    driver.launchTasks([offer.id], [make(offer) for make in makeTasks])

        scheduler.onOffers = onOffers
        return launched



class OfferLoopTests(ClusterTestCase):
    """
    Frameworks launch tasks on offered resources and follow them.
    """

    @inlineCallbacks
    def test_finished(self):
        """
        A command task goes STARTING, RUNNING, FINISHED; the master's state
        agrees and its output is in the sandbox.
        """
        scheduler = RecordingScheduler()
        self.launchOnFirstOffer(scheduler, lambda o: commandTask(o, "t1", "echo hello"))
        driver = self.driver(scheduler)
        yield driver.start()
        yield self.wait(scheduler.waitForState("t1", mesos_pb2.TASK_FINISHED), "FINISHED")
        states = [s.state for s in scheduler.updates("t1")]
        self.assertEqual(
            states,
            [mesos_pb2.TASK_STARTING, mesos_pb2.TASK_RUNNING, mesos_pb2.TASK_FINISHED],
        )

        def completed(state):
            [framework] = state["frameworks"]
            return [t["state"] for t in framework["completed_tasks"]] == ["TASK_FINISHED"]

        yield waitFor(reactor, lambda: self.cluster.state().addCallback(completed),
                      what="the task to complete in the master")
        work = os.path.join(self.cluster.slaves[0].directory, "work")
        outputs = [
            os.path.join(d, "stdout") for d, _, files in os.walk(work) if "stdout" in files
        ]
        self.assertTrue(any(open(p).read() == "hello\n" for p in outputs), outputs)

    @inlineCallbacks
    def test_failed(self):
        """
        A failing command ends TASK_FAILED with its exit status.
        """
        scheduler = RecordingScheduler()
        self.launchOnFirstOffer(scheduler, lambda o: commandTask(o, "t1", "exit 3"))
        yield self.driver(scheduler).start()
        _, (_, status) = yield self.wait(
            scheduler.waitForState("t1", mesos_pb2.TASK_FAILED), "FAILED"
        )
        self.assertIn("exited with status 3", status.message)

    @inlineCallbacks
    def test_kill(self):
        """
        Killing a running task ends it TASK_KILLED.
        """
        scheduler = RecordingScheduler()
        self.launchOnFirstOffer(scheduler, lambda o: commandTask(o, "t1", "sleep 100.25"))
        driver = self.driver(scheduler)
        yield driver.start()
        yield self.wait(scheduler.waitForState("t1", mesos_pb2.TASK_RUNNING), "RUNNING")
        driver.killTask(mesos_pb2.TaskID(value="t1"))
        yield self.wait(scheduler.waitForState("t1", mesos_pb2.TASK_KILLED), "KILLED")

    @inlineCallbacks
    def test_declineWithFilter(self):
        """
        Declined resources come back to the framework only after the filter's
        refuse_seconds have passed.
        """
        scheduler = RecordingScheduler()
        times = []

        def onOffers(driver, offers):
            times.append(reactor.seconds())
            for offer in offers:
                driver.declineOffer(offer.id, mesos_pb2.Filters(refuse_seconds=2))

        scheduler.onOffers = onOffers
        yield self.driver(scheduler).start()
        yield self.wait(
            waitFor(reactor, lambda: len(times) >= 2, timeout=30, what="a second offer"),
            "a second offer",
        )
        self.assertGreaterEqual(times[1] - times[0], 2.0)

    @inlineCallbacks
    def test_teardown(self):
        """
        Stopping the driver without failover kills the framework's tasks.
        """
        scheduler = RecordingScheduler()
        self.launchOnFirstOffer(scheduler, lambda o: commandTask(o, "t1", "sleep 100.25"))
        driver = self.driver(scheduler)
        yield driver.start()
        yield self.wait(scheduler.waitForState("t1", mesos_pb2.TASK_RUNNING), "RUNNING")
        yield driver.stop()

        def gone(state):
            return state if not state["frameworks"] and state["completed_frameworks"] else None

        state = yield waitFor(reactor, lambda: self.cluster.state().addCallback(gone),
                              what="the framework to be removed")
        [framework] = state["completed_frameworks"]
        self.assertEqual([t["state"] for t in framework["completed_tasks"]], ["TASK_KILLED"])

        def killed():
            out = subprocess.run(["pgrep", "-f", "sleep 100.25"], capture_output=True)
            return out.returncode == 1

        yield waitFor(reactor, killed, what="the task's process to end")

    @inlineCallbacks
    def test_frameworkMessages(self):
        """
        A custom executor runs a task and exchanges framework messages with
        the scheduler.
        """
        scheduler = RecordingScheduler()
        self.launchOnFirstOffer(scheduler, lambda o: executorTask(o, "t1", b"ping"))
        driver = self.driver(scheduler)
        yield driver.start()
        _, (_, executorId, slaveId, data) = yield self.wait(
            scheduler.waitFor("frameworkMessage"), "the echoed data"
        )
        self.assertEqual(data, b"ping")
        driver.sendFrameworkMessage(executorId, slaveId, b"abc")
        _, args = yield self.wait(
            scheduler.waitFor("frameworkMessage", lambda d, e, s, m: m == b"cba"),
            "the reversed message",
        )
        yield self.wait(scheduler.waitForState("t1", mesos_pb2.TASK_FINISHED), "FINISHED")

    @inlineCallbacks
    def test_executorCrash(self):
        """
        An executor that dies fails its running tasks and the scheduler gets
        executorLost.
        """
        scheduler = RecordingScheduler()

        def task(offer):
            t = executorTask(offer, "t1", executorId="crasher")
            t.executor.command.value = "sleep 0.5; exit 7"
            return t

        self.launchOnFirstOffer(scheduler, task)
        yield self.driver(scheduler).start()
        _, (_, status) = yield self.wait(
            scheduler.waitForState("t1", mesos_pb2.TASK_FAILED), "FAILED"
        )
        self.assertEqual(status.reason, TaskStatus.REASON_EXECUTOR_TERMINATED)
        _, (_, executorId, slaveId, code) = yield self.wait(
            scheduler.waitFor("executorLost"), "executorLost"
        )
        self.assertEqual(executorId.value, "crasher")

    @inlineCallbacks
    def test_explicitAcknowledgements(self):
        """
        In explicit mode the slave keeps resending an update until the
        scheduler acknowledges it.
        """
        scheduler = RecordingScheduler()
        self.launchOnFirstOffer(scheduler, lambda o: commandTask(o, "t1", "true"))
        driver = self.driver(scheduler, implicit=False)
        yield driver.start()
        _, (_, starting) = yield self.wait(
            scheduler.waitForState("t1", mesos_pb2.TASK_STARTING), "STARTING"
        )
        # Unacknowledged, nothing more arrives, until we acknowledge.
        self.assertEqual(len(scheduler.updates("t1")), 1)
        driver.acknowledgeStatusUpdate(starting)
        _, (_, running) = yield self.wait(
            scheduler.waitForState("t1", mesos_pb2.TASK_RUNNING), "RUNNING"
        )
        driver.acknowledgeStatusUpdate(running)
        _, (_, finished) = yield self.wait(
            scheduler.waitForState("t1", mesos_pb2.TASK_FINISHED), "FINISHED"
        )
        driver.acknowledgeStatusUpdate(finished)

        def completed(state):
            [framework] = state["frameworks"]
            return not framework["tasks"] and framework["completed_tasks"]

        yield waitFor(reactor, lambda: self.cluster.state().addCallback(completed),
                      what="the acknowledged task to complete")


class OfferTimeoutTests(ClusterTestCase):
    """
    With --offer-timeout, unused offers are rescinded.
    """

    masterFlags = ["--offer-timeout", "1"]

    @inlineCallbacks
    def test_rescinded(self):
        """
        An offer left alone is rescinded and its resources offered again.
        """
        scheduler = RecordingScheduler()
        yield self.driver(scheduler).start()
        _, (_, offers) = yield self.wait(scheduler.waitFor("resourceOffers"), "an offer")
        _, (_, offerId) = yield self.wait(scheduler.waitFor("offerRescinded"), "a rescind")
        self.assertEqual(offerId.value, offers[0].id.value)
        yield self.wait(
            scheduler.waitFor("resourceOffers", lambda d, o: o[0].id != offerId),
            "a new offer",
        )


class ExecuteCommandTests(ClusterTestCase):
    """
    C{mesos-tw execute}.
    """

    def execute(self, command: str):
        return deferToThread(
            subprocess.run,
            [sys.executable, "-m", "mesos_tw.cli", "execute", "--master",
             self.cluster.address, "--tls-dir", self.cluster.framework,
             "--name", "hello", "--command", command, "--resources", "cpus:0.5;mem:64"],
            capture_output=True, text=True, timeout=60,
        )

    @inlineCallbacks
    def test_echo(self):
        """
        `mesos-tw execute --command 'echo hello'` prints TASK_FINISHED and
        exits 0.
        """
        out = yield self.execute("echo hello")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("Received status update TASK_FINISHED for task 'hello'", out.stdout)

    @inlineCallbacks
    def test_failure(self):
        """
        A failing command makes `mesos-tw execute` exit 1.
        """
        out = yield self.execute("exit 2")
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("TASK_FAILED", out.stdout)
