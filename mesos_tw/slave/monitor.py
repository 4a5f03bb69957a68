# -*- test-case-name: tests.test_slave_containers -*-
"""
Containers' usage: the statistics of C{/monitor/statistics}, and the
reports a slave sends its master so that the master's state shows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from google.protobuf import json_format
from google.protobuf.message import Message
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from mesos_tw import messages_pb2 as msgs
from mesos_tw.slave.executors import TERMINATED

if TYPE_CHECKING:
    from mesos_tw.slave.slave import Slave

#: The name of the message carrying containers' usage to the master.
USAGE_MESSAGE = "SlaveUsageMessage"

#: Seconds between usage reports to the master.
USAGE_REPORT_INTERVAL = 5.0


def usageMessageType() -> type[Message] | None:
    """
    The message class of usage reports, if the schema has one.
    """
    return getattr(msgs, USAGE_MESSAGE, None)


def containerStatistics(slave: Slave) -> list[dict[str, Any]]:
    """
    The usage of every running container of C{slave}, as Mesos's
    C{/monitor/statistics}: executor and framework ids, the container id,
    and the launcher's statistics (C{cpus_user_time_secs},
    C{cpus_system_time_secs}, C{cpus_limit}, C{mem_rss_bytes},
    C{mem_limit_bytes}, C{timestamp}, ...).
    """
    entries: list[dict[str, Any]] = []
    if slave.launcher is None:
        return entries
    for framework in slave.frameworks.values():
        for executor in framework.executors.values():
            if executor.state == TERMINATED:
                continue
            statistics = slave.launcher.usage(executor.containerId)
            if statistics is None:
                continue
            entries.append({
                "executor_id": executor.id,
                "executor_name": executor.name,
                "framework_id": framework.id,
                "container_id": executor.containerId,
                "source": executor.source,
                "statistics": statistics,
            })
    return entries


def usageMessage(slaveId: str, entries: list[dict[str, Any]]) -> Message | None:
    """
    The message reporting C{entries} (from L{containerStatistics}) to the
    master, or L{None} while the schema has no L{USAGE_MESSAGE}.

    It is filled by field name, for a schema such as::

        message SlaveUsageMessage {
          message Executor {
            optional FrameworkID framework_id = 1;
            optional ExecutorID executor_id = 2;
            optional ContainerID container_id = 3;
            optional ResourceStatistics statistics = 4;  // Mesos's fields
          }
          optional SlaveID slave_id = 1;
          repeated Executor executors = 2;
        }

    Statistics the schema lacks are left out.
    """
    kind = usageMessageType()
    if kind is None:
        return None
    return json_format.ParseDict(
        {
            "slave_id": {"value": slaveId},
            "executors": [
                {
                    "framework_id": {"value": e["framework_id"]},
                    "executor_id": {"value": e["executor_id"]},
                    "container_id": {"value": e["container_id"]},
                    "statistics": e["statistics"],
                }
                for e in entries
            ],
        },
        kind(),
        ignore_unknown_fields=True,
    )


class UsageReporter:
    """
    Sends the master the usage of a slave's containers every C{interval}
    seconds while any run (and once more when the last has ended), if the
    schema has a L{USAGE_MESSAGE}.
    """

    _log = Logger()

    def __init__(
        self, slave: Slave, clock: IReactorTime, interval: float = USAGE_REPORT_INTERVAL
    ) -> None:
        self._slave = slave
        self._interval = interval
        self._loop = LoopingCall(self.report)
        self._loop.clock = clock
        self._reported = False

    def start(self) -> None:
        """
        Report every interval, if the schema allows it.
        """
        if usageMessageType() is None or self._interval <= 0:
            return
        self._loop.start(self._interval, now=False)

    def stop(self) -> None:
        if self._loop.running:
            self._loop.stop()

    def report(self) -> bool:
        """
        Send one report now.

        @return: whether it was sent.
        """
        slave = self._slave
        if slave.master is None or not slave.registered or slave.id is None:
            return False
        entries = containerStatistics(slave)
        if not entries and not self._reported:
            return False
        message = usageMessage(slave.id, entries)
        if message is None:
            return False
        self._reported = bool(entries)
        slave.master.send(message)
        return True
