"""
Launch benchmark: N command tasks (`true`) through one slave.

Starts a real master and slave (twistd, loopback, mutual TLS) and a scheduler
in this process that keeps up to --concurrency tasks in flight. Prints p50
and p99 latency from accept to TASK_RUNNING and to TASK_FINISHED as the
scheduler sees them, tasks per second, and beside them the cost of a bare
fork/exec of `true` measured in the same run.

    python bench/launch.py [--tasks 1000] [--concurrency 16]

With --isolation (repeatable) the benchmark runs once per isolation, side by
side: `posix` (the posix launcher), `linux` (full isolation: namespaces,
cgroups, private /tmp) or any --isolation value of the slave; each run also
measures the launcher alone (launch of `true` to its end, and to its
container being destroyed, one at a time, in this process):

    python bench/launch.py --isolation posix --isolation linux

Targets: p50 <= 50 ms and p99 <= 200 ms to RUNNING; >= 100 tasks/s
(issue 3); full isolation adds <= 10 ms per container at p50 (issue 5).
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


#: Full Linux isolation, as the slave's default on a root Linux host.
LINUX = (
    "filesystem/linux,cgroups/cpu,cgroups/mem,cgroups/pids,"
    "namespaces/ipc,namespaces/pid,namespaces/uts"
)


def isolationFlag(name: str) -> str:
    return LINUX if name == "linux" else name


class _Ended(ProcessProtocol):
    def __init__(self) -> None:
        self.ended: Deferred[None] = Deferred()

    def processEnded(self, reason) -> None:
        self.ended.callback(None)


async def launchersAlone(reactor, isolations: list[str], count: int, base: str) -> dict:
    """
    Launch `true` COUNT times per isolation with its launcher in this
    process, one at a time, the isolations taking turns (so that they share
    whatever else the machine does): milliseconds from launch() to the end
    of the process, and to its container being destroyed.
    """
    from mesos_tw.slave.containerizer.launchers import (
        chooseIsolation,
        makeLauncher,
        probeHost,
    )

    host = probeHost()
    launchers = {}
    for isolation in isolations:
        names, _ = chooseIsolation(isolationFlag(isolation), host)
        launchers[isolation] = makeLauncher(
            reactor, names, host, cgroupsRoot=f"bench_launch_{os.getpid()}"
        )
    sandbox = tempfile.mkdtemp(prefix="launcher-", dir=base)
    env = {"PATH": os.environ["PATH"]}
    ended = {i: [] for i in isolations}
    destroyed = {i: [] for i in isolations}
    try:
        for n in range(count):
            for isolation, launcher in launchers.items():
                protocol = _Ended()
                start = time.monotonic()
                launcher.launch(f"c{n}", ["true"], env, sandbox, None, TASK, protocol)
                await protocol.ended
                ended[isolation].append(time.monotonic() - start)
                await launcher.destroy(f"c{n}")
                destroyed[isolation].append(time.monotonic() - start)
    finally:
        for launcher in launchers.values():
            await launcher.close()
    return {
        isolation: {
            "launch_to_end_ms": {"p50": ms(percentile(ended[isolation], 50)),
                                 "p99": ms(percentile(ended[isolation], 99))},
            "launch_to_destroyed_ms": {"p50": ms(percentile(destroyed[isolation], 50)),
                                       "p99": ms(percentile(destroyed[isolation], 99))},
        }
        for isolation in isolations
    }


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def combine(runs: list[dict]) -> dict:
    """
    Rounds of one isolation as one result: the median of each figure.
    """
    result = dict(runs[-1])
    result["rounds"] = len(runs)
    for key in ("accept_to_running_ms", "accept_to_finished_ms", "fork_exec_ms"):
        result[key] = {p: median([r[key][p] for r in runs]) for p in runs[0][key]}
    result["tasks_per_second"] = median([r["tasks_per_second"] for r in runs])
    result["failed"] = sum(r["failed"] for r in runs)
    return result


async def main(reactor, args) -> None:
    if args.isolation:
        base = args.directory or tempfile.gettempdir()
        os.makedirs(base, exist_ok=True)
        print("launchers alone, taking turns", flush=True)
        alone = await launchersAlone(reactor, args.isolation, args.launches, base)
        runs: dict[str, list[dict]] = {i: [] for i in args.isolation}
        for round in range(args.rounds):
            for isolation in args.isolation:
                print(f"=== round {round + 1}, isolation {isolation}", flush=True)
                runs[isolation].append(await run(reactor, args, isolation))
        results = []
        for isolation in args.isolation:
            result = combine(runs[isolation])
            result["launcher"] = alone[isolation]
            results.append(result)
        print(json.dumps(results, indent=1))
        print(table(results))
        if args.output:
            with open(args.output, "w") as f:
                json.dump(results, f, indent=1)
        return
    result = await run(reactor, args, None)
    print(json.dumps(result, indent=1))
    if args.output:
        with open(args.output, "w") as f:
            json.dump(result, f, indent=1)


def table(results: list[dict]) -> str:
    """
    The runs side by side, as a Markdown table, with what each adds to the
    first.
    """
    lines = [
        "| isolation | launcher: launch→end p50 / p99 | launch→destroyed p50 / p99 "
        "| accept→RUNNING p50 / p99 | accept→FINISHED p50 / p99 | tasks/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        alone = r["launcher"]
        lines.append(
            f"| {r['isolation']} "
            f"| {alone['launch_to_end_ms']['p50']} / {alone['launch_to_end_ms']['p99']} ms "
            f"| {alone['launch_to_destroyed_ms']['p50']} / "
            f"{alone['launch_to_destroyed_ms']['p99']} ms "
            f"| {r['accept_to_running_ms']['p50']} / {r['accept_to_running_ms']['p99']} ms "
            f"| {r['accept_to_finished_ms']['p50']} / {r['accept_to_finished_ms']['p99']} ms "
            f"| {r['tasks_per_second']} |"
        )
    first = results[0]
    for r in results[1:]:
        lines.append(
            f"\n{r['isolation']} adds over {first['isolation']} at p50: launcher "
            f"{r['launcher']['launch_to_end_ms']['p50'] - first['launcher']['launch_to_end_ms']['p50']:.2f} ms "
            f"to the end, "
            f"{r['launcher']['launch_to_destroyed_ms']['p50'] - first['launcher']['launch_to_destroyed_ms']['p50']:.2f} ms "
            f"with the release; accept→FINISHED "
            f"{r['accept_to_finished_ms']['p50'] - first['accept_to_finished_ms']['p50']:.2f} ms"
        )
    return "\n".join(lines)


async def run(reactor, args, isolation: str | None) -> dict:
    base = args.directory or tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    directory = tempfile.mkdtemp(prefix="bench-launch-", dir=base)
    flags = list(args.slave_flag)
    if isolation is not None:
        flags += [f"--isolation={isolationFlag(isolation)}",
                  f"--cgroups-root=bench_{os.getpid()}"]
    cluster = TwistdCluster(
        reactor, directory, numSlaves=1,
        masterFlags=["--allocation-interval", str(args.allocation_interval)],
        slaveFlags=flags,
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
        "isolation": isolation,
        "tasks": args.tasks,
        "concurrency": args.concurrency,
        "allocation_interval_s": args.allocation_interval,
        "slave_flags": flags,
        "directory": directory,
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
    if scheduler.failed:
        raise SystemExit(f"{len(scheduler.failed)} task(s) failed, e.g. "
                         f"{next(iter(scheduler.failed.values()))}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16,
                        help="most tasks in flight at once")
    parser.add_argument("--allocation-interval", type=float, default=1.0)
    parser.add_argument("--slave-flag", action="append", default=[],
                        help="extra flag for the slave, e.g. --slave-flag=--isolation=posix")
    parser.add_argument("--isolation", action="append", default=[],
                        help="run once per isolation, side by side: posix, linux "
                             "(full) or an --isolation value of the slave")
    parser.add_argument("--launches", type=int, default=300,
                        help="launches of the launcher alone, per isolation")
    parser.add_argument("--rounds", type=int, default=1,
                        help="end-to-end runs per isolation, taking turns; the "
                             "figures are their medians")
    parser.add_argument("--directory",
                        help="where work directories go (default: the temporary "
                             "directory); under /tmp, full isolation also re-binds "
                             "the sandbox inside the private /tmp")
    parser.add_argument("--output", help="write the figures as JSON here")
    args = parser.parse_args()
    react(lambda reactor: ensureDeferred(main(reactor, args)))
