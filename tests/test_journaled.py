"""
Tests for L{mesos_tw.testing.journaled}, the journaled framework of the
fault tests: its journal and when it launches and is done.
"""

from __future__ import annotations

import json
import os

from twisted.internet.defer import Deferred
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw.testing.journaled import JournaledScheduler, Options, readJournal


def event(**fields: object) -> str:
    return json.dumps(fields) + "\n"


class JournalTests(SynchronousTestCase):
    """
    Tests for L{readJournal}.
    """

    def test_read(self) -> None:
        """
        The journal gives the framework id, the tasks launched in order, the
        states and reasons of each, the errors and whether it is done; a
        last line cut short is ignored.
        """
        path = self.mktemp()
        with open(path, "w") as f:
            f.write(event(event="registered", framework_id="fw-1"))
            f.write(event(event="launch", task="t0", slave="s1"))
            f.write(event(event="launch", task="t1", slave="s1"))
            f.write(event(event="update", task="t0", state="TASK_RUNNING", reason=""))
            f.write(event(event="update", task="t0", state="TASK_FINISHED", reason=""))
            f.write(event(event="update", task="t0", state="TASK_FINISHED", reason=""))
            f.write(event(event="update", task="t1", state="TASK_LOST",
                          reason="REASON_RECONCILIATION"))
            f.write(event(event="error", message="boom"))
            f.write('{"event": "upd')
        journal = readJournal(path)
        self.assertEqual(journal.frameworkId, "fw-1")
        self.assertEqual(journal.launched, ["t0", "t1"])
        self.assertEqual(journal.terminal("t0"), ["TASK_FINISHED"])
        self.assertEqual(journal.reasons["t1"], ["REASON_RECONCILIATION"])
        self.assertEqual(journal.errors, ["boom"])
        self.assertEqual(journal.open(), [])
        self.assertFalse(journal.done)

    def test_missing(self) -> None:
        """
        A journal not written yet is empty.
        """
        journal = readJournal(self.mktemp())
        self.assertEqual((journal.frameworkId, journal.launched), (None, []))


class LaunchingTests(SynchronousTestCase):
    """
    Tests for when L{JournaledScheduler} launches and is done.
    """

    def scheduler(self, *args: str) -> JournaledScheduler:
        options = Options()
        self.path = os.path.abspath(self.mktemp())
        options.parseOptions(
            ["--master", "127.0.0.1:1", "--tls-dir", "x", "--journal", self.path, *args]
        )
        scheduler = JournaledScheduler(options, readJournal(self.path), Deferred())
        self.addCleanup(scheduler._file.close)
        return scheduler

    def test_tasks(self) -> None:
        """
        Without --until it launches --tasks tasks, and is done once they
        have all ended.
        """
        scheduler = self.scheduler("--tasks", "1")
        self.assertTrue(scheduler.launching())
        scheduler.journal.launched.append("t0")
        self.assertFalse(scheduler.launching())
        scheduler.checkDone()
        self.assertFalse(scheduler.done.called)
        scheduler.journal.states["t0"] = ["TASK_FINISHED"]
        scheduler.checkDone()
        self.assertEqual(self.successResultOf(scheduler.done), 0)
        self.assertTrue(readJournal(self.path).done)

    def test_until(self) -> None:
        """
        With --until it launches until the file exists, and is done once it
        does and no task is left.
        """
        stop = self.mktemp()
        scheduler = self.scheduler("--until", stop)
        scheduler.checkDone()
        self.assertTrue(scheduler.launching())
        self.assertFalse(scheduler.done.called)
        open(stop, "w").close()
        self.assertFalse(scheduler.launching())
        scheduler.checkDone()
        self.assertEqual(self.successResultOf(scheduler.done), 0)
