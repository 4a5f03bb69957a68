"""
A framework with its own long-lived Python executor (primes_executor.py):
many tasks run in one executor process per slave, results come back as
framework messages, and the scheduler asks each executor for its statistics
at the end.
"""

from __future__ import annotations

import json
import os
import sys

from twisted.internet.defer import Deferred

from mesos_tw import mesos_pb2
from mesos_tw.resources import Resources
from mesos_tw.scheduler import Scheduler
from mesos_tw.tasks import isTerminal

TASK_RESOURCES = Resources.parse("cpus:0.1;mem:16")
EXECUTOR_RESOURCES = Resources.parse("cpus:0.1;mem:64")
EXECUTOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "primes_executor.py")


class Primes(Scheduler):
    """
    Counts the primes below C{limit} in C{chunks} tasks.

    @ivar done: fires with a summary once every task ended and every
        executor answered "stats".
    """

    def __init__(self, limit: int = 2_000_000, chunks: int = 40) -> None:
        self.limit = limit
        step = limit // chunks
        self.ranges = {f"primes-{i:03d}": (i * step, (i + 1) * step) for i in range(chunks)}
        self.pending = sorted(self.ranges)
        self.running: set[str] = set()
        self.counts: dict[str, int] = {}
        self.failed: dict[str, str] = {}
        self.executors: dict[str, dict] = {}
        self.slavesUsed: set[str] = set()
        self.perSlave: dict[str, int] = {}
        self.done: Deferred[dict] = Deferred()

    def executorInfo(self) -> mesos_pb2.ExecutorInfo:
        info = mesos_pb2.ExecutorInfo(name="primes executor", resources=EXECUTOR_RESOURCES.toProto())
        info.executor_id.value = "primes-executor"
        info.command.value = f"'{sys.executable}' '{EXECUTOR}'"
        return info

    def resourceOffers(self, driver, offers) -> None:
        for offer in offers:
            available = Resources.fromProto(offer.resources)
            if not offer.executor_ids:
                available = available - EXECUTOR_RESOURCES
            tasks = []
            while self.pending and available.contains(TASK_RESOURCES):
                taskId = self.pending.pop()
                task = mesos_pb2.TaskInfo(
                    name=taskId, resources=TASK_RESOURCES.toProto(),
                    data=json.dumps(self.ranges[taskId]).encode(),
                )
                task.task_id.value = taskId
                task.slave_id.CopyFrom(offer.slave_id)
                task.executor.CopyFrom(self.executorInfo())
                tasks.append(task)
                self.running.add(taskId)
                available = available - TASK_RESOURCES
            if tasks:
                self.slavesUsed.add(offer.slave_id.value)
                driver.launchTasks([offer.id], tasks, mesos_pb2.Filters(refuse_seconds=1))
            else:
                driver.declineOffer(offer.id, mesos_pb2.Filters(refuse_seconds=60))

    def statusUpdate(self, driver, status) -> None:
        taskId = status.task_id.value
        if not isTerminal(status.state) or taskId not in self.running:
            return
        self.running.discard(taskId)
        slave = status.slave_id.value
        self.perSlave[slave] = self.perSlave.get(slave, 0) + 1
        if status.state != mesos_pb2.TASK_FINISHED:
            self.failed[taskId] = f"{mesos_pb2.TaskState.Name(status.state)}: {status.message}"
        if not self.pending and not self.running:
            executorId = mesos_pb2.ExecutorID(value="primes-executor")
            for slaveId in self.slavesUsed:
                driver.sendFrameworkMessage(
                    executorId, mesos_pb2.SlaveID(value=slaveId), b"stats"
                )
            self._maybeDone()

    def frameworkMessage(self, driver, executorId, slaveId, message) -> None:
        data = json.loads(message)
        if "primes" in data:
            self.counts[data["task"]] = data["primes"]
        elif "stats" in data:
            self.executors[slaveId.value] = data["stats"]
            self._maybeDone()

    def _maybeDone(self) -> None:
        if (
            not self.pending and not self.running
            and set(self.executors) >= self.slavesUsed and not self.done.called
        ):
            self.done.callback(self.summary())

    def summary(self) -> dict:
        from primes_executor import countPrimes

        found = sum(self.counts.values())
        return {
            "tasks": len(self.ranges),
            "finished": len(self.ranges) - len(self.failed),
            "failed": len(self.failed),
            "primes": found,
            "wrong": found != countPrimes(0, self.limit),
            "executors": {s: e for s, e in self.executors.items()},
            "per_slave": dict(self.perSlave),
        }

    def progress(self) -> str:
        done = len(self.ranges) - len(self.pending) - len(self.running)
        return f"primes {done}/{len(self.ranges)} done, {len(self.running)} running"


def create() -> tuple[Primes, mesos_pb2.FrameworkInfo]:
    """
    A primes scheduler and its FrameworkInfo.
    """
    return Primes(), mesos_pb2.FrameworkInfo(name="primes", role="service")
