# -*- test-case-name: tests.test_executor_driver -*-
"""
Writing executors: subclass L{Executor}, override its callbacks, and end the
script with C{run(MyExecutor())}.

An executor is a process a slave launches for a framework, with the
environment of L{mesos_tw.executor.environment}; L{ExecutorDriver} connects it
to that slave, delivers the slave's requests (launch and kill tasks,
framework messages, shutdown) to the L{Executor} and carries its status
updates and messages back.
"""

from mesos_tw.executor.driver import (
    DriverNotRunning,
    ExecutorDriver,
    ExecutorEnvironmentError,
    SlaveConnectionError,
    StatusUpdateRefused,
    run,
)
from mesos_tw.executor.executor import Executor

__all__ = [
    "Executor",
    "ExecutorDriver",
    "run",
    "ExecutorEnvironmentError",
    "SlaveConnectionError",
    "DriverNotRunning",
    "StatusUpdateRefused",
]
