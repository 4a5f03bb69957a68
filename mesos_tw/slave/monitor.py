# -*- test-case-name: tests.test_slave_containers -*-
"""
Containers' usage: the statistics of C{/monitor/statistics}, and the
reports a slave sends its master so that the master's state shows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from google.protobuf import json_format
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from mesos_tw import messages_pb2 as msgs
from mesos_tw.slave.executors import TERMINATED

if TYPE_CHECKING:
    from mesos_tw.slave.slave import Slave

#: Seconds between usage reports to the master.
USAGE_REPORT_INTERVAL = 5.0


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


def usageMessage(slaveId: str, entries: list[dict[str, Any]]) -> msgs.SlaveUsageMessage:
    """
    The message reporting C{entries} (from L{containerStatistics}) to the
    master; statistics the schema lacks are left out.
    """
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
        msgs.SlaveUsageMessage(),
        ignore_unknown_fields=True,
    )


class UsageReporter:
    """
    Sends the master the usage of a slave's containers every C{interval}
    seconds while any run (and once more when the last has ended).
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
        Report every interval.
        """
        if self._interval <= 0:
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
        self._reported = bool(entries)
        slave.master.send(usageMessage(slave.id, entries))
        return True
