"""
Launch benchmark: N command tasks (`true`) through one slave.

Starts a real master and slave (twistd, loopback, mutual TLS) and a scheduler
in this process that keeps up to --concurrency tasks in flight. Prints p50
and p99 latency from accept to TASK_RUNNING and to TASK_FINISHED as the
scheduler sees them, tasks per second, and beside them the cost of a bare
fork/exec of `true` measured in the same run.

    python bench/launch.py [--tasks 1000] [--concurrency 16]

Targets (issue 3): p50 <= 50 ms and p99 <= 200 ms to RUNNING; >= 100 tasks/s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.protocol import ProcessProtocol
from twisted.internet.task import react

from mesos_tw import mesos_pb2
from mesos_tw.resources import Resources
from mesos_tw.scheduler import Scheduler, SchedulerDriver
from mesos_tw.tasks import isTerminal
from mesos_tw.testing.daemons import TwistdCluster

TASK = Resources.parse("cpus:0.1;mem:32")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class LaunchScheduler(Scheduler):
    def __init__(self, total: int, concurrency: int) -> None:
        self.total = total
        self.concurrency = concurrency
        self.next = 0
        self.inFlight = 0
        self.accepted: dict[str, float] = {}
        self.running: dict[str, float] = {}
        self.finished: dict[str, float] = {}
        self.failed: dict[str, str] = {}
        self.done: Deferred[None] = Deferred()

    def resourceOffers(self, driver, offers) -> None:
        for offer in offers:
            available = Resources.fromProto(offer.resources)
            tasks = []
            while (
                self.next < self.total
                and self.inFlight < self.concurrency
                and available.contains(TASK)
            ):
                taskId = f"t{self.next:05d}"
                self.next += 1
                self.inFlight += 1
                task = mesos_pb2.TaskInfo(name=taskId, resources=TASK.toProto())
                task.task_id.value = taskId
                task.slave_id.CopyFrom(offer.slave_id)
                task.command.value = "true"
                tasks.append(task)
                available = available - TASK
            now = time.monotonic()
            for task in tasks:
                self.accepted[task.task_id.value] = now
            if tasks:
                driver.launchTasks([offer.id], tasks, mesos_pb2.Filters(refuse_seconds=0))
            else:
                driver.declineOffer(offer.id, mesos_pb2.Filters(refuse_seconds=0))

    def statusUpdate(self, driver, status) -> None:
        taskId = status.task_id.value
        now = time.monotonic()
        if status.state == mesos_pb2.TASK_RUNNING:
            self.running.setdefault(taskId, now)
        elif isTerminal(status.state) and taskId not in self.finished:
            self.finished[taskId] = now
            self.inFlight -= 1
            if status.state != mesos_pb2.TASK_FINISHED:
                self.failed[taskId] = status.message
            if len(self.finished) == self.total:
                self.done.callback(None)
            else:
                driver.reviveOffers()


class _Exit(ProcessProtocol):
    def __init__(self) -> None:
        self.ended: Deferred[None] = Deferred()

    def processEnded(self, reason) -> None:
        self.ended.callback(None)


async def forkExec(reactor, count: int) -> list[float]:
    """
    Seconds from spawnProcess of `true` to its exit, one at a time.
    """
    times = []
    for _ in range(count):
        protocol = _Exit()
        start = time.monotonic()
        reactor.spawnProcess(protocol, "true", ["true"], env={"PATH": os.environ["PATH"]})
        await protocol.ended
        times.append(time.monotonic() - start)
    return times


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


async def main(reactor, args) -> None:
    directory = tempfile.mkdtemp(prefix="bench-launch-")
    cluster = TwistdCluster(
        reactor, directory, numSlaves=1,
        masterFlags=["--allocation-interval", str(args.allocation_interval)],
        slaveFlags=args.slave_flag,
        slaveResources=["cpus:64;mem:65536;disk:65536"],
    )
    print(f"starting master and slave under {directory}", flush=True)
    await cluster.start()
    try:
        scheduler = LaunchScheduler(args.tasks, args.concurrency)
        framework = mesos_pb2.FrameworkInfo(name="bench-launch")
        driver = SchedulerDriver(scheduler, framework, cluster.address,
                                 tlsDir=cluster.framework, reactor=reactor)
        await driver.start()
        started = time.monotonic()
        await scheduler.done
        elapsed = time.monotonic() - started
        await driver.stop()
    finally:
        await cluster.stop()
    baseline = await forkExec(reactor, min(args.tasks, 200))
    toRunning = [scheduler.running[t] - scheduler.accepted[t] for t in scheduler.running]
    toFinished = [scheduler.finished[t] - scheduler.accepted[t] for t in scheduler.finished]
    result = {
        "tasks": args.tasks,
        "concurrency": args.concurrency,
        "allocation_interval_s": args.allocation_interval,
        "slave_flags": args.slave_flag,
        "failed": len(scheduler.failed),
        "accept_to_running_ms": {"p50": ms(percentile(toRunning, 50)),
                                 "p99": ms(percentile(toRunning, 99))},
        "accept_to_finished_ms": {"p50": ms(percentile(toFinished, 50)),
                                  "p99": ms(percentile(toFinished, 99))},
        "tasks_per_second": round(args.tasks / elapsed, 1),
        "fork_exec_ms": {"p50": ms(percentile(baseline, 50)),
                         "p99": ms(percentile(baseline, 99)),
                         "mean": ms(statistics.mean(baseline))},
        "cores": os.cpu_count(),
    }
    print(json.dumps(result, indent=1))
    if args.output:
        with open(args.output, "w") as f:
            json.dump(result, f, indent=1)
    if scheduler.failed:
        raise SystemExit(f"{len(scheduler.failed)} task(s) failed, e.g. "
                         f"{next(iter(scheduler.failed.values()))}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16,
                        help="most tasks in flight at once")
    parser.add_argument("--allocation-interval", type=float, default=1.0)
    parser.add_argument("--slave-flag", action="append", default=[],
                        help="extra flag for the slave, e.g. --slave-flag=--isolation=posix")
    parser.add_argument("--output", help="write the figures as JSON here")
    args = parser.parse_args()
    react(lambda reactor: ensureDeferred(main(reactor, args)))
