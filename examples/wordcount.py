"""
A batch framework: count the words of generated files, one short command
task per file, as many at a time as the offers allow.

Run it alone against a cluster (`mesos-tw local` sets the variables):

    MESOS_MASTER=127.0.0.1:5050 MESOS_TLS_DIR=... python examples/wordcount.py
"""

from __future__ import annotations

import os
import random
import sys
import tempfile

from twisted.internet.defer import Deferred

from mesos_tw import mesos_pb2
from mesos_tw.resources import Resources
from mesos_tw.scheduler import Scheduler
from mesos_tw.tasks import isTerminal

TASK_RESOURCES = Resources.parse("cpus:0.1;mem:32")
WORDS = "offer accept decline task slave master framework executor share fair".split()


def makeFiles(directory: str, count: int, seed: int = 1) -> dict[str, int]:
    """
    Write C{count} text files of random words; return each file's word count.
    """
    rng = random.Random(seed)
    expected = {}
    for i in range(count):
        n = rng.randint(100, 5000)
        path = os.path.join(directory, f"input-{i:04d}.txt")
        with open(path, "w") as f:
            f.write(" ".join(rng.choice(WORDS) for _ in range(n)))
        expected[path] = n
    return expected


class WordCount(Scheduler):
    """
    Launches one `wc -w` task per file and checks every count.

    @ivar done: fires with a summary dict when every task has ended.
    """

    def __init__(self, files: dict[str, int], results: str) -> None:
        self.pending = list(sorted(files))
        self.expected = files
        self.results = results
        self.running: dict[str, str] = {}
        self.finished: dict[str, str] = {}
        self.failed: dict[str, str] = {}
        self.wrong: list[str] = []
        self.perSlave: dict[str, int] = {}
        self.done: Deferred[dict] = Deferred()

    def resourceOffers(self, driver, offers) -> None:
        for offer in offers:
            available = Resources.fromProto(offer.resources)
            tasks = []
            while self.pending and available.contains(TASK_RESOURCES):
                path = self.pending.pop()
                taskId = os.path.basename(path)
                task = mesos_pb2.TaskInfo(name=f"wc {taskId}", resources=TASK_RESOURCES.toProto())
                task.task_id.value = taskId
                task.slave_id.CopyFrom(offer.slave_id)
                out = os.path.join(self.results, taskId + ".count")
                task.command.value = f"wc -w < '{path}' > '{out}'"
                tasks.append(task)
                self.running[taskId] = path
                available = available - TASK_RESOURCES
            if tasks:
                driver.launchTasks([offer.id], tasks, mesos_pb2.Filters(refuse_seconds=1))
            else:
                driver.declineOffer(offer.id, mesos_pb2.Filters(refuse_seconds=60))

    def statusUpdate(self, driver, status) -> None:
        taskId = status.task_id.value
        if not isTerminal(status.state) or taskId not in self.running:
            return
        path = self.running.pop(taskId)
        slave = status.slave_id.value
        self.perSlave[slave] = self.perSlave.get(slave, 0) + 1
        if status.state == mesos_pb2.TASK_FINISHED:
            self.finished[taskId] = slave
            with open(os.path.join(self.results, taskId + ".count")) as f:
                if int(f.read()) != self.expected[path]:
                    self.wrong.append(taskId)
        else:
            self.failed[taskId] = status.message
        if not self.pending and not self.running and not self.done.called:
            self.done.callback(self.summary())

    def summary(self) -> dict:
        return {
            "tasks": len(self.expected),
            "finished": len(self.finished),
            "failed": len(self.failed),
            "wrong": len(self.wrong),
            "words": sum(self.expected.values()),
            "per_slave": dict(self.perSlave),
        }

    def progress(self) -> str:
        return (
            f"wordcount {len(self.finished) + len(self.failed)}/{len(self.expected)} "
            f"done, {len(self.running)} running"
        )


def create(count: int = 300) -> tuple[WordCount, mesos_pb2.FrameworkInfo]:
    """
    A word count scheduler over C{count} fresh files, and its FrameworkInfo.
    """
    base = tempfile.mkdtemp(prefix="wordcount-")
    inputs = os.path.join(base, "inputs")
    results = os.path.join(base, "results")
    os.makedirs(inputs)
    os.makedirs(results)
    scheduler = WordCount(makeFiles(inputs, count), results)
    return scheduler, mesos_pb2.FrameworkInfo(name="wordcount", role="batch")


async def main(reactor) -> None:
    from mesos_tw.scheduler import SchedulerDriver

    scheduler, info = create(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
    driver = SchedulerDriver(scheduler, info, os.environ["MESOS_MASTER"])
    await driver.start()
    summary = await scheduler.done
    await driver.stop()
    print(summary)
    if summary["failed"] or summary["wrong"]:
        raise SystemExit(1)


if __name__ == "__main__":
    from twisted.internet.defer import ensureDeferred
    from twisted.internet.task import react

    react(lambda reactor: ensureDeferred(main(reactor)))
