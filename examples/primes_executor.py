"""
A long-lived executor for examples/primes.py: one process runs every task the
framework sends to its slave, counts the primes of each task's range, and
talks to the scheduler with framework messages.
"""

from __future__ import annotations

import json
import os

from mesos_tw import mesos_pb2
from mesos_tw.executor import Executor, run


def countPrimes(low: int, high: int) -> int:
    """
    The number of primes in [low, high).
    """
    if high <= 2:
        return 0
    sieve = bytearray([1]) * high
    sieve[0:2] = b"\x00\x00"
    for i in range(2, int(high**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytearray(len(range(i * i, high, i)))
    return sum(sieve[max(low, 0) :])


class PrimesExecutor(Executor):
    """
    Counts primes per task; answers "stats" with how many tasks it ran.
    """

    def __init__(self) -> None:
        self.tasks = 0

    def _update(self, driver, task, state, message=""):
        status = mesos_pb2.TaskStatus(state=state, message=message)
        status.task_id.CopyFrom(task.task_id)
        return driver.sendStatusUpdate(status)

    def launchTask(self, driver, task):
        # Its acknowledgement is not waited for; the final update's is.
        self._update(driver, task, mesos_pb2.TASK_RUNNING).addErrback(lambda f: None)
        low, high = json.loads(task.data)
        count = countPrimes(low, high)
        self.tasks += 1
        driver.sendFrameworkMessage(
            json.dumps({"task": task.task_id.value, "primes": count}).encode()
        )
        return self._update(driver, task, mesos_pb2.TASK_FINISHED, f"{count} primes")

    def killTask(self, driver, taskId):
        status = mesos_pb2.TaskStatus(state=mesos_pb2.TASK_KILLED)
        status.task_id.CopyFrom(taskId)
        return driver.sendStatusUpdate(status)

    def frameworkMessage(self, driver, message):
        if message == b"stats":
            driver.sendFrameworkMessage(
                json.dumps({"stats": {"tasks": self.tasks, "pid": os.getpid()}}).encode()
            )


if __name__ == "__main__":
    run(PrimesExecutor())
