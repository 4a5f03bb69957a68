# -*- test-case-name: tests.test_executor_driver -*-
"""
A tiny custom executor: it echoes.

Use C{python examples/echo_executor.py} as the command of an ExecutorInfo.
For each task it sends TASK_RUNNING, echoes the task's C{data} back to the
scheduler as a framework message and sends TASK_FINISHED; a task whose data
is C{hold} stays running until it is killed.  It answers a
framework message with the same bytes reversed, and a kill with TASK_KILLED.
It runs until the slave shuts it down.
"""

from twisted.internet.defer import ensureDeferred

from mesos_tw import mesos_pb2
from mesos_tw.executor import Executor, ExecutorDriver, run
from mesos_tw.mesos_pb2 import TaskID, TaskInfo, TaskStatus


#: The data of a task that runs until it is killed.
HOLD = b"hold"


def status(taskId: TaskID, state: int, message: str = "") -> TaskStatus:
    """
    A status update of C{taskId}; the driver fills in the rest.
    """
    return TaskStatus(task_id=taskId, state=state, message=message)


class EchoExecutor(Executor):
    """
    Echoes each task's data, and each framework message reversed.
    """

    def launchTask(self, driver: ExecutorDriver, task: TaskInfo):
        """
        Run the task: report it running, echo its data, report it finished.
        Later events wait until the slave has acknowledged both updates.
        """

        async def echo() -> None:
            await driver.sendStatusUpdate(status(task.task_id, mesos_pb2.TASK_RUNNING))
            if task.data == HOLD:
                return
            await driver.sendFrameworkMessage(task.data)
            await driver.sendStatusUpdate(
                status(task.task_id, mesos_pb2.TASK_FINISHED, "echoed")
            )

        return ensureDeferred(echo())

    def killTask(self, driver: ExecutorDriver, taskId: TaskID):
        """
        Nothing runs for long here: just report the task killed.
        """
        return driver.sendStatusUpdate(status(taskId, mesos_pb2.TASK_KILLED))

    def frameworkMessage(self, driver: ExecutorDriver, message: bytes):
        """
        Answer with the same bytes, reversed.
        """
        return driver.sendFrameworkMessage(message[::-1])


if __name__ == "__main__":
    run(EchoExecutor())
