"""
A batch framework: count the words of generated texts, one short command
task per text, as many at a time as the offers allow.

Each task gets its text in its environment (tasks run in containers with
their own /tmp, so they share no files with the scheduler), counts the
words with `wc -w`, prints the count to its sandbox's stdout and exits 0
only if the count is what the scheduler expects.

Run it alone against a cluster (`mesos-tw local` sets the variables):

    MESOS_MASTER=127.0.0.1:5050 MESOS_TLS_DIR=... python examples/wordcount.py
"""

from __future__ import annotations

import os
import random
import sys

from twisted.internet.defer import Deferred

from mesos_tw import mesos_pb2
from mesos_tw.resources import Resources
from mesos_tw.scheduler import Scheduler
from mesos_tw.tasks import isTerminal

TASK_RESOURCES = Resources.parse("cpus:0.1;mem:32")
WORDS = "offer accept decline task slave master framework executor share fair".split()


def makeTexts(count: int, seed: int = 1) -> dict[str, tuple[str, int]]:
    """
    C{count} texts of random words by task id, each with its word count.
    """
    rng = random.Random(seed)
    texts = {}
    for i in range(count):
        n = rng.randint(100, 5000)
        texts[f"text-{i:04d}"] = (" ".join(rng.choice(WORDS) for _ in range(n)), n)
    return texts


COMMAND = 'n=$(printf "%s" "$WORDS" | wc -w); echo "$n words"; [ "$n" -eq "$EXPECTED" ]'



class WordCount(Scheduler):
    """
    Launches one `wc -w` task per file and checks every count.

    @ivar done: fires with a summary dict when every task has ended.
    """

    def __init__(self, texts: dict[str, tuple[str, int]]) -> None:
        self.pending = sorted(texts, reverse=True)
        self.texts = texts
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
                taskId = self.pending.pop()
                text, expected = self.texts[taskId]
                task = mesos_pb2.TaskInfo(name=f"wc {taskId}", resources=TASK_RESOURCES.toProto())
                task.task_id.value = taskId
                task.slave_id.CopyFrom(offer.slave_id)
                task.command.value = COMMAND
                variables = task.command.environment.variables
                variables.add(name="WORDS", value=text)
                variables.add(name="EXPECTED", value=str(expected))
                tasks.append(task)
                self.running[taskId] = task.slave_id.value
                available = available - TASK_RESOURCES
            if tasks:
                driver.launchTasks([offer.id], tasks, mesos_pb2.Filters(refuse_seconds=1))
            else:
                driver.declineOffer(offer.id, mesos_pb2.Filters(refuse_seconds=60))

    def statusUpdate(self, driver, status) -> None:
        taskId = status.task_id.value
        if not isTerminal(status.state) or taskId not in self.running:
            return
        del self.running[taskId]
        slave = status.slave_id.value
        self.perSlave[slave] = self.perSlave.get(slave, 0) + 1
        if status.state == mesos_pb2.TASK_FINISHED:
            self.finished[taskId] = slave
        elif "exited with status 1" in status.message:
            self.wrong.append(taskId)
        else:
            self.failed[taskId] = status.message
        if not self.pending and not self.running and not self.done.called:
            self.done.callback(self.summary())

    def summary(self) -> dict:
        return {
            "tasks": len(self.texts),
            "finished": len(self.finished),
            "failed": len(self.failed) + len(self.wrong),
            "wrong": len(self.wrong),
            "words": sum(n for _, n in self.texts.values()),
            "per_slave": dict(self.perSlave),
        }

    def progress(self) -> str:
        return (
            f"wordcount {len(self.finished) + len(self.failed) + len(self.wrong)}"
            f"/{len(self.texts)} "
            f"done, {len(self.running)} running"
        )


def create(count: int = 300) -> tuple[WordCount, mesos_pb2.FrameworkInfo]:
    """
    A word count scheduler over C{count} fresh texts, and its FrameworkInfo.
    """
    scheduler = WordCount(makeTexts(count))
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
