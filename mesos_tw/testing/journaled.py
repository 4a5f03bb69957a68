# -*- test-case-name: tests.test_journaled -*-
"""
A framework whose scheduler keeps a journal, for tests that kill it.

Run as C{python -m mesos_tw.testing.journaled --master HOST:PORT --tls-dir
DIR --journal FILE [options]}.  It launches C{--tasks} command tasks of
random length (seeded), at most C{--concurrency} at a time (or, with
C{--until FILE}, keeps launching them until that file exists), and writes every
event to the journal as one JSON line, flushed and synced before the driver
acknowledges anything: a launch before it is sent, an update before it is
acknowledged.  Started again with the same journal it is the same framework:
it fails over to the framework id of the journal, reconciles the tasks it
launched and has no end for, and carries on.  It exits 0 once every task has
ended, 1 on a framework error.

L{readJournal} gives tests the scheduler's view: the tasks launched and the
states each reached.
"""

from __future__ import annotations

import json
import os
import random
import sys
from typing import Any, Sequence

import attr
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall
from twisted.python import usage

from mesos_tw import mesos_pb2
from mesos_tw.mesos_pb2 import Filters, FrameworkInfo, TaskInfo, TaskStatus
from mesos_tw.resources import Resources
from mesos_tw.scheduler import Scheduler, SchedulerDriver
from mesos_tw.tasks import isTerminal, stateName


@attr.s(auto_attribs=True)
class Journal:
    """
    What a journal says.

    @ivar frameworkId: the framework's id, once registered.
    @ivar launched: the ids of the tasks launched, in order.
    @ivar states: every state each task was reported in, in order.
    @ivar reasons: the reason of each update, parallel to C{states}.
    @ivar errors: the framework errors received.
    @ivar done: whether an incarnation saw every task end.
    """

    frameworkId: str | None = None
    launched: list = attr.ib(factory=list)
    states: dict = attr.ib(factory=dict)
    reasons: dict = attr.ib(factory=dict)
    errors: list = attr.ib(factory=list)
    done: bool = False

    def terminal(self, taskId: str) -> list[str]:
        """
        The distinct terminal states task C{taskId} was reported in.
        """
        seen: list[str] = []
        for state in self.states.get(taskId, []):
            if isTerminal(mesos_pb2.TaskState.Value(state)) and state not in seen:
                seen.append(state)
        return seen

    def open(self) -> list[str]:
        """
        The tasks launched that have no terminal state.
        """
        return [t for t in self.launched if not self.terminal(t)]


def readJournal(path: str) -> Journal:
    """
    Read a journal; a last line cut short by a kill is ignored.
    """
    journal = Journal()
    try:
        with open(path) as f:
            lines = f.read().split("\n")
    except FileNotFoundError:
        return journal
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        kind = event["event"]
        if kind == "registered":
            journal.frameworkId = event["framework_id"]
        elif kind == "launch":
            journal.launched.append(event["task"])
        elif kind == "update":
            journal.states.setdefault(event["task"], []).append(event["state"])
            journal.reasons.setdefault(event["task"], []).append(event["reason"])
        elif kind == "error":
            journal.errors.append(event["message"])
        elif kind == "done":
            journal.done = True
    return journal


class Options(usage.Options):
    optParameters = [
        ["master", None, None, "The master, HOST:PORT."],
        ["tls-dir", None, None, "A framework certificate directory."],
        ["journal", None, None, "The journal file."],
        ["tasks", None, 50, "Tasks to launch in all.", int],
        ["concurrency", None, 50, "Most tasks running at once.", int],
        ["min-seconds", None, 0.5, "Shortest task.", float],
        ["max-seconds", None, 3.0, "Longest task.", float],
        ["failover-timeout", None, 120.0, "FrameworkInfo.failover_timeout.", float],
        ["seed", None, 0, "Seed of the task lengths.", int],
        ["until", None, None,
         "Keep launching tasks (at most --tasks) until this file exists."],
    ]
    optFlags = [["checkpoint", None, "Ask slaves to checkpoint."]]

    def postOptions(self) -> None:
        for name in ("master", "tls-dir", "journal"):
            if not self[name]:
                raise usage.UsageError(f"--{name} is required")


class JournaledScheduler(Scheduler):
    """
    Launches tasks and journals everything.
    """

    def __init__(self, options: Options, journal: Journal, done: Deferred) -> None:
        self.options = options
        self.journal = journal
        self.random = random.Random(options["seed"] * 1000 + len(journal.launched))
        self.done = done
        self._file = open(options["journal"], "a")

    def write(self, **event: Any) -> None:
        self._file.write(json.dumps(event) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def registered(self, driver, frameworkId, masterInfo):
        self.journal.frameworkId = frameworkId.value
        self.write(event="registered", framework_id=frameworkId.value)
        self.reconcile(driver)

    def reregistered(self, driver, masterInfo):
        self.reconcile(driver)

    def reconcile(self, driver) -> None:
        self.checkDone()
        statuses = [
            TaskStatus(task_id=mesos_pb2.TaskID(value=t), state=mesos_pb2.TASK_STAGING)
            for t in self.journal.open()
        ]
        if statuses:
            driver.reconcileTasks(statuses)

    def resourceOffers(self, driver, offers):
        for offer in offers:
            tasks = []
            free = Resources.fromProto(offer.resources)
            need = Resources.parse("cpus:0.1;mem:32")
            while (
                self.launching()
                and len(self.journal.open()) < self.options["concurrency"]
                and free.contains(need)
            ):
                free = free - need
                tasks.append(self.task(offer, need))
            if tasks:
                driver.launchTasks([offer.id], tasks, Filters(refuse_seconds=1))
            else:
                driver.declineOffer(offer.id, Filters(refuse_seconds=1))

    def task(self, offer, resources: Resources) -> TaskInfo:
        taskId = f"task-{len(self.journal.launched)}"
        seconds = self.random.uniform(self.options["min-seconds"], self.options["max-seconds"])
        task = TaskInfo(name=taskId, resources=resources.toProto())
        task.task_id.value = taskId
        task.slave_id.CopyFrom(offer.slave_id)
        task.command.value = f"sleep {seconds:.2f}"
        self.write(event="launch", task=taskId, slave=offer.slave_id.value)
        self.journal.launched.append(taskId)
        return task

    def statusUpdate(self, driver, status):
        taskId = status.task_id.value
        state = stateName(status.state)
        reason = TaskStatus.Reason.Name(status.reason) if status.HasField("reason") else ""
        self.journal.states.setdefault(taskId, []).append(state)
        self.write(event="update", task=taskId, state=state, reason=reason,
                   source=status.source, message=status.message)
        self.checkDone()

    def launching(self) -> bool:
        """
        Whether more tasks are to be launched.
        """
        if len(self.journal.launched) >= self.options["tasks"]:
            return False
        until = self.options["until"]
        return until is None or not os.path.exists(until)

    def checkDone(self) -> None:
        if not self.launching() and not self.journal.open() and not self.done.called:
            self.write(event="done")
            self.done.callback(0)

    def error(self, driver, message):
        self.write(event="error", message=message)
        if not self.done.called:
            self.done.callback(1)


def main(argv: Sequence[str] | None = None) -> int:
    from twisted.internet import reactor

    options = Options()
    try:
        options.parseOptions(sys.argv[1:] if argv is None else argv)
    except usage.UsageError as e:
        print(f"{e}\n{options}", file=sys.stderr)
        return 2
    journal = readJournal(options["journal"])
    if journal.done:
        # An earlier incarnation saw every task end and tore the framework down.
        return 0
    done: Deferred[int] = Deferred()
    scheduler = JournaledScheduler(options, journal, done)
    info = FrameworkInfo(
        name="journaled", checkpoint=options["checkpoint"],
        failover_timeout=options["failover-timeout"],
    )
    if journal.frameworkId:
        info.id.value = journal.frameworkId
    driver = SchedulerDriver(
        scheduler, info, options["master"], tlsDir=options["tls-dir"], reactor=reactor,
        registrationBackoffFactor=0.2,
    )
    result: list[int] = []

    def finish(code: int) -> Deferred:
        result.append(code)
        return driver.stop().addBoth(lambda _: reactor.stop())

    done.addCallback(finish)
    if options["until"] is not None:
        # The file may appear while no task is left to report an end.
        LoopingCall(scheduler.checkDone).start(0.5, now=False)
    driver.start()
    reactor.run()
    return result[0] if result else 1


if __name__ == "__main__":
    sys.exit(main())
