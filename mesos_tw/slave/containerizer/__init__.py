# -*- test-case-name: tests.test_posix_launcher -*-
"""
Containers on a slave: launchers start an executor (or a command task) as
the first process of a container and destroy the container with everything
in it.
"""

from mesos_tw.slave.containerizer.posix import (
    LaunchError,
    PosixLauncher,
    ProcessWatch,
    describeExit,
)

__all__ = ["LaunchError", "PosixLauncher", "ProcessWatch", "describeExit"]
