# -*- test-case-name: tests.test_cli -*-
"""
C{mesos-tw execute}: run one command as a task on the cluster and follow it.
"""

from __future__ import annotations

import json
import sys

from twisted.internet.defer import Deferred
from twisted.internet.task import react
from twisted.python import usage

from mesos_tw import mesos_pb2
from mesos_tw.mesos_pb2 import TaskStatus
from mesos_tw.resources import Resources, ResourcesError
from mesos_tw.scheduler import Scheduler, SchedulerDriver
from mesos_tw.tasks import isTerminal, reasonName, stateName
from mesos_tw.cli._client import resolveMaster
from mesos_tw.leader.factory import masterSpec
from mesos_tw.util import positive


class Options(usage.Options):
    synopsis = "--name NAME --command CMD [options]"
    longdesc = (
        "Launch CMD as one task on the first offer with enough resources, "
        "print each status update, and exit 0 only if the task finishes "
        "(TASK_FINISHED). --master and --tls-dir default to $MESOS_MASTER and "
        "$MESOS_TLS_DIR."
    )
    optFlags = [
        ["no-shell", None, "Run CMD as a program and arguments (split on "
                           "whitespace) instead of with /bin/sh -c."],
        ["checkpoint", None, "Ask slaves to checkpoint the task."],
    ]
    optParameters = [
        ["master", None, None,
         "The master, as HOST:PORT, or the masters' zk:// URL.", masterSpec],
        ["tls-dir", None, None, "A framework certificate from `mesos-tw ca issue`."],
        ["name", None, None, "The task's name and id (required)."],
        ["command", None, None, "The command to run (required)."],
        ["resources", None, "cpus:1;mem:128", "Resources the task needs."],
        ["role", None, "*", "The framework's role."],
        ["env", None, None, 'Environment as a JSON object, e.g. \'{"A": "1"}\'.'],
        ["kill-after", None, None,
         "Kill the task this many seconds after it runs.", positive(float)],
    ]

    def postOptions(self) -> None:
        for name in ["name", "command"]:
            if not self[name]:
                raise usage.UsageError(f"--{name} is required")
        resolveMaster(self)
        try:
            self["resources"] = Resources.parse(self["resources"])
        except ResourcesError as e:
            raise usage.UsageError(f"--resources: {e}")
        if self["env"] is not None:
            try:
                env = json.loads(self["env"])
            except ValueError as e:
                raise usage.UsageError(f"--env is not JSON: {e}")
            if not isinstance(env, dict):
                raise usage.UsageError("--env must be a JSON object")
            self["env"] = {str(k): str(v) for k, v in env.items()}


class ExecuteScheduler(Scheduler):
    """
    Launches one task and follows it to its end.

    @ivar finalState: the task's terminal state, once seen.
    """

    def __init__(self, options: Options, reactor, out=sys.stdout) -> None:
        self._options = options
        self._reactor = reactor
        self._out = out
        self.launched = False
        self.finalState: int | None = None
        self.done: Deferred[int] = Deferred()

    def _say(self, text: str) -> None:
        print(text, file=self._out, flush=True)

    def registered(self, driver, frameworkId, masterInfo) -> None:
        self._say(f"Subscribed with ID {frameworkId.value}")

    def resourceOffers(self, driver, offers) -> None:
        need = self._options["resources"]
        for offer in offers:
            if self.launched or not Resources.fromProto(offer.resources).contains(need):
                driver.declineOffer(offer.id, mesos_pb2.Filters(refuse_seconds=3600))
                continue
            self.launched = True
            driver.launchTasks([offer.id], [self._task(offer)])
            self._say(f"Submitted task '{self._options['name']}' to slave {offer.slave_id.value}")

    def _task(self, offer) -> mesos_pb2.TaskInfo:
        options = self._options
        task = mesos_pb2.TaskInfo(name=options["name"], resources=options["resources"].toProto())
        task.task_id.value = options["name"]
        task.slave_id.CopyFrom(offer.slave_id)
        command = task.command
        if options["no-shell"]:
            argv = options["command"].split()
            command.shell = False
            command.value = argv[0]
            command.arguments.extend(argv)
        else:
            command.value = options["command"]
        for name, value in (options["env"] or {}).items():
            command.environment.variables.add(name=name, value=value)
        return task

    def statusUpdate(self, driver, status) -> None:
        self._say(
            f"Received status update {stateName(status.state)} for task "
            f"'{status.task_id.value}'"
        )
        if status.message:
            self._say(f"  message: '{status.message}'")
        self._say(f"  source: {TaskStatus.Source.Name(status.source)}")
        if status.HasField("reason"):
            self._say(f"  reason: {reasonName(status.reason)}")
        if status.state == mesos_pb2.TASK_RUNNING and self._options["kill-after"]:
            self._reactor.callLater(
                self._options["kill-after"], driver.killTask, status.task_id
            )
        if isTerminal(status.state) and self.finalState is None:
            self.finalState = status.state
            self.done.callback(status.state)

    def error(self, driver, message) -> None:
        self._say(f"Error: {message}")
        if not self.done.called:
            self.done.callback(None)


def run(options: Options) -> int:
    """
    Run the task; exit 0 only if it finished.
    """

    async def main(reactor):
        framework = mesos_pb2.FrameworkInfo(name=f"mesos-tw execute ({options['name']})",
                                            role=options["role"],
                                            checkpoint=options["checkpoint"])
        scheduler = ExecuteScheduler(options, reactor)
        driver = SchedulerDriver(scheduler, framework, options["master"],
                                 credentials=options["credentials"], reactor=reactor)
        def refused(failure):
            print(f"mesos-tw execute: {failure.getErrorMessage()}", file=sys.stderr)
            if not scheduler.done.called:
                scheduler.done.callback(None)

        driver.start().addErrback(refused)
        state = await scheduler.done
        await driver.stop()
        if state != mesos_pb2.TASK_FINISHED:
            raise SystemExit(1)

    from twisted.internet.defer import ensureDeferred

    react(lambda reactor: ensureDeferred(main(reactor)))
    return 0
