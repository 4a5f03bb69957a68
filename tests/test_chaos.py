"""
A chaos test: a framework keeps 50 tasks of random length running across 3
slaves while a bounded loop kills and restarts slaves and the scheduler at
random; it launches tasks until the loop is over.  At the end every task
launched has exactly one terminal state in the scheduler's journal, the
master's state agrees, and the slaves themselves left no container, cgroup
or process behind.

The seed is printed (and named in every failure); replay a run with
C{MESOS_TW_CHAOS_SEED=N python -m twisted.trial tests.test_chaos}.
"""

from __future__ import annotations

import os
import random
import signal
import sys

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater
from twisted.logger import Logger

from mesos_tw.slave.containerizer.cgroups import processes
from mesos_tw.testing.daemons import waitFor
from mesos_tw.testing.journaled import readJournal
from tests.test_containers import rootDirectories
from tests.test_integration_faults import FaultTestCase, SchedulerFailoverTests

#: Actions of the chaos loop.
ROUNDS = 12
#: Tasks running at once, and a bound on the tasks launched in all.
CONCURRENCY = 50
MAX_TASKS = 2000


class ChaosTests(FaultTestCase):
    """
    Random SIGKILLs and restarts of slaves and of the scheduler.
    """

    numSlaves = 3
    timeout = 290
    # Slaves come back well within the default ping window: a slave removed
    # and back would make its tasks LOST and then end again (as in Mesos).
    masterFlags: list[str] = []
    spawnScheduler = SchedulerFailoverTests.spawnScheduler
    _log = Logger()

    @inlineCallbacks
    def test_chaos(self):
        """
        Every launched task ends exactly once, as the master says.
        """
        seed = int(os.environ.get("MESOS_TW_CHAOS_SEED") or random.SystemRandom().randrange(2**31))
        replay = f"chaos seed {seed}; replay with MESOS_TW_CHAOS_SEED={seed}"
        sys.__stderr__.write(f"\n{replay}\n")
        self._log.info("{replay}", replay=replay)
        rng = random.Random(seed)
        journal = os.path.abspath(self.mktemp())
        stop = journal + ".stop"
        flags = ["--tasks", str(MAX_TASKS), "--concurrency", str(CONCURRENCY),
                 "--min-seconds", "0.5", "--max-seconds", "4", "--seed", str(seed),
                 "--failover-timeout", "120", "--until", stop]
        process, ended = self.spawnScheduler(journal, *flags)
        actions = []
        for _ in range(ROUNDS):
            yield deferLater(reactor, rng.uniform(0.5, 3.0), lambda: None)
            action = rng.choice(["kill slave", "kill slave", "stop slave", "kill scheduler"])
            if action == "kill scheduler":
                if not ended.called:
                    process.signalProcess("KILL")
                    yield ended
                    process, ended = self.spawnScheduler(journal, *flags)
                actions.append(action)
                continue
            index = rng.randrange(len(self.cluster.slaves))
            slave = self.cluster.slaves[index]
            yield slave.signal(signal.SIGKILL if action == "kill slave" else signal.SIGTERM)
            yield deferLater(reactor, rng.uniform(0, 2.0), lambda: None)
            slave.start()
            actions.append(f"{action} {index + 1}")
        self._log.info("Chaos done: {actions}", actions=actions)
        # The scheduler launched all along; now it lets its tasks end.
        launchedDuring = len(readJournal(journal).launched)
        open(stop, "w").close()
        code = yield self.wait(ended, f"the scheduler to finish ({replay})")
        result = readJournal(journal)
        details = f"{replay}; actions {actions}"
        self.assertEqual((code, result.errors), (0, []), details)
        self.assertGreater(launchedDuring, 2 * CONCURRENCY, details)
        self.assertLess(len(result.launched), MAX_TASKS, details)
        for taskId in result.launched:
            ends = result.terminal(taskId)
            self.assertEqual(len(ends), 1, f"{taskId}: {result.states[taskId]}; {details}")
            task = yield self.masterTask(taskId)
            if task is None:
                # Never reached the master: reconciliation said so.
                self.assertEqual(ends, ["TASK_LOST"], f"{taskId}; {details}")
                self.assertIn("REASON_RECONCILIATION", result.reasons[taskId], details)
            else:
                self.assertEqual(task["state"], ends[0], f"{taskId}: {task}; {details}")
        # Every task ended and was acknowledged: the slaves release every
        # container by themselves.
        yield waitFor(
            reactor, lambda: not self.containersLeft(), 30,
            what=f"the slaves to release every container ({details})",
            details=lambda: f"left: {self.containersLeft()}\n{self.cluster.logs()}",
        )
        yield self.cluster.stop()
        self.assertEqual(self.processesLeft(), [], details)

    def containersLeft(self) -> list[str]:
        """
        The container cgroups under this test's cgroups root, with their
        processes.
        """
        left = []
        for top in rootDirectories(self.root):
            if not os.path.isdir(top):
                continue
            for name in sorted(os.listdir(top)):
                path = os.path.join(top, name)
                if os.path.isdir(path):
                    left.append(f"{path} {processes(path)}")
        return left

    def processesLeft(self) -> list[str]:
        """
        Processes whose command line names this test's directory.
        """
        left = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    command = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if self.cluster.directory in command:
                left.append(f"{pid}: {command}")
        return left


del FaultTestCase, SchedulerFailoverTests
