# -*- test-case-name: tests.test_posix_launcher -*-
"""
Containers on a slave: launchers start an executor (or a command task) as
the first process of a container and destroy the container with everything
in it.  The posix launcher only groups processes; the Linux launcher puts
them in namespaces and cgroups, through isolators.  With a runtime
directory (L{runtime}), containers outlive the slave process and the next
one recovers them.
"""

from mesos_tw.slave.containerizer.common import (
    ContainerLost,
    ContainerTerminated,
    LaunchError,
    LaunchInfo,
    Limitation,
    ProcessWatch,
    describeExit,
    limitationOf,
)
from mesos_tw.slave.containerizer.linux import LinuxLauncher
from mesos_tw.slave.containerizer.posix import PosixLauncher

__all__ = [
    "ContainerLost",
    "ContainerTerminated",
    "LaunchError",
    "LaunchInfo",
    "Limitation",
    "LinuxLauncher",
    "PosixLauncher",
    "ProcessWatch",
    "describeExit",
    "limitationOf",
]
