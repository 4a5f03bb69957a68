# -*- test-case-name: tests.test_scheduler_driver -*-
"""
The framework side of mesos_tw: a scheduler receives resource offers from the
master and decides which tasks to launch on them.

Subclass L{Scheduler}, overriding the callbacks you need, and hand an
instance to a L{SchedulerDriver} along with the framework's
L{FrameworkInfo<mesos_tw.mesos_pb2.FrameworkInfo>} and the master's address::

    driver = SchedulerDriver(MyScheduler(), FrameworkInfo(name="demo"),
                             "127.0.0.1:5050", tlsDir="framework-tls")
    frameworkId = yield driver.start()
    ...
    yield driver.join()

The names and semantics follow Apache Mesos's Python bindings, except that
every driver method returns a L{Deferred<twisted.internet.defer.Deferred>}
and that callbacks may return Deferreds too.
"""

from mesos_tw.scheduler.driver import SchedulerDriver
from mesos_tw.scheduler.scheduler import Scheduler

__all__ = ["Scheduler", "SchedulerDriver"]
