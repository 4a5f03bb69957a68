# -*- test-case-name: tests.test_slave -*-
"""
Detect a machine's resources as Mesos does, for those --resources omits.
"""

from __future__ import annotations

import os

from mesos_tw.resources import Resources
from mesos_tw.slave import constants

_MB = 1024 * 1024


def totalMemoryMB() -> float:
    """
    Physical memory of this machine, in MB.
    """
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / _MB


def diskMB(path: str) -> float:
    """
    Size of the filesystem holding C{path}, in MB.
    """
    st = os.statvfs(path)
    return st.f_frsize * st.f_blocks / _MB


def detectResources(
    given: Resources,
    workDir: str,
    cpus: int | None = None,
    memoryMB: float | None = None,
    disk: float | None = None,
) -> Resources:
    """
    Fill in cpus, mem, disk and ports that C{given} does not name.

    cpus is the number of CPUs; mem leaves 1 GB to the machine (half the
    memory on machines below 2 GB); disk leaves 5 GB of the work directory's
    filesystem (half below 10 GB); ports are 31000-32000.
    """
    names = given.names()
    parts = []
    if "cpus" not in names:
        parts.append(f"cpus:{cpus if cpus is not None else (os.cpu_count() or 1)}")
    if "mem" not in names:
        total = totalMemoryMB() if memoryMB is None else memoryMB
        reserved = constants.MEMORY_RESERVED_MB
        parts.append(f"mem:{int(total - reserved if total >= 2 * reserved else total / 2)}")
    if "disk" not in names:
        total = diskMB(workDir) if disk is None else disk
        reserved = constants.DISK_RESERVED_MB
        parts.append(f"disk:{int(total - reserved if total >= 2 * reserved else total / 2)}")
    if "ports" not in names:
        parts.append(f"ports:{constants.DEFAULT_PORTS}")
    return given + Resources.parse(";".join(parts))
