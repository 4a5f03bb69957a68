# -*- test-case-name: tests.test_executor_driver -*-
"""
The callbacks of a custom executor: subclass L{Executor} and override the
events you care about.

The names and arguments are those of the Mesos Python binding
(C{mesos.interface.Executor}).  Every callback may return a L{Deferred}: the
driver delivers the events of one executor strictly in order, so while a
callback's L{Deferred} is pending the later events wait.  An exception or a
failed L{Deferred} is logged and the driver carries on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesos_tw.mesos_pb2 import ExecutorInfo, FrameworkInfo, SlaveInfo, TaskID, TaskInfo

if TYPE_CHECKING:
    from mesos_tw.executor.driver import ExecutorDriver


class Executor:
    """
    An executor that does nothing; subclass it and override the callbacks.

    Each callback receives the L{ExecutorDriver} first; its return value, if
    a L{Deferred}, holds back the following callbacks until it fires.
    """

    def registered(
        self,
        driver: ExecutorDriver,
        executorInfo: ExecutorInfo,
        frameworkInfo: FrameworkInfo,
        slaveInfo: SlaveInfo,
    ) -> object:
        """
        The slave has registered this executor.

        @param executorInfo: this executor, as the framework described it.
        @param frameworkInfo: the framework it runs for.
        @param slaveInfo: the slave it runs on.
        """

    def reregistered(self, driver: ExecutorDriver, slaveInfo: SlaveInfo) -> object:
        """
        The executor has registered again with a restarted slave.

        @param slaveInfo: the slave it runs on.
        """

    def disconnected(self, driver: ExecutorDriver) -> object:
        """
        The connection to the slave is gone (the slave exited or restarts).
        """

    def launchTask(self, driver: ExecutorDriver, task: TaskInfo) -> object:
        """
        Run a task; report its progress with
        L{ExecutorDriver.sendStatusUpdate}, starting with C{TASK_RUNNING}.

        @param task: the task, as the framework described it.
        """

    def killTask(self, driver: ExecutorDriver, taskId: TaskID) -> object:
        """
        Kill a task; the executor itself must then send C{TASK_KILLED}.

        @param taskId: which task.
        """

    def frameworkMessage(self, driver: ExecutorDriver, message: bytes) -> object:
        """
        The scheduler sent this executor a message (best effort, never
        retried).

        @param message: the scheduler's data.
        """

    def shutdown(self, driver: ExecutorDriver) -> object:
        """
        Terminate all tasks: the executor is being shut down.  The driver
        stops once this callback (and its L{Deferred}, if any) completes.
        """

    def error(self, driver: ExecutorDriver, message: str) -> object:
        """
        A fatal error; the driver has already been aborted.

        @param message: what went wrong.
        """
