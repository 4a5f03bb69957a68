# -*- test-case-name: tests.test_isolators -*-
"""
Choosing a slave's launcher: what this host can isolate, and the launcher
(posix or Linux, with its isolators) for the C{--isolation} flags.
"""

from __future__ import annotations

import os
import sys

import attr

from mesos_tw.interfaces import ILauncher
from mesos_tw.slave.containerizer import isolation
from mesos_tw.slave.containerizer.cgroups import (
    CgroupError,
    CgroupLayout,
    Cgroups,
    detectLayout,
)
from mesos_tw.slave.containerizer.isolators import makeIsolators
from mesos_tw.slave.containerizer.linux import LinuxLauncher, Tools
from mesos_tw.slave.containerizer.posix import PosixLauncher


@attr.s(auto_attribs=True, frozen=True)
class HostSupport:
    """
    What this host offers containers.

    @ivar layout: its cgroup hierarchies, or L{None}.
    @ivar cgroupProblem: why there are none.
    @ivar tools: the launch chain's programs.
    @ivar missingTools: the names of those not found.
    """

    platform: str
    euid: int
    layout: CgroupLayout | None
    cgroupProblem: str | None
    tools: Tools
    missingTools: tuple

    def problems(self, isolators: tuple[str, ...]) -> list[str]:
        """
        Why C{isolators} cannot run here; empty if they can.
        """
        return isolation.linuxProblems(
            isolators,
            self.platform,
            self.euid,
            self.layout.controllers if self.layout is not None else None,
            self.layout.version if self.layout is not None else None,
            self.missingTools,
            self.cgroupProblem,
        )


def probeHost(hierarchy: str = "/sys/fs/cgroup") -> HostSupport:
    """
    Look at this host: platform, user, cgroups under C{hierarchy}, tools.
    """
    layout, problem = None, None
    if sys.platform.startswith("linux"):
        try:
            layout = detectLayout(hierarchy)
        except CgroupError as e:
            problem = str(e)
    else:
        problem = "not Linux"
    tools, missing = Tools.find()
    return HostSupport(sys.platform, os.geteuid(), layout, problem, tools, missing)


def chooseIsolation(
    requested: str | None, host: HostSupport
) -> tuple[tuple[str, ...], str | None]:
    """
    The isolators to use and a warning to log at start.

    @param requested: the C{--isolation} flag, or L{None} for the default:
        full Linux isolation where the host allows it, else posix (with a
        warning).
    @raise ValueError: if C{requested} names unknown isolators, or ones
        this host cannot give.
    """
    if requested is None:
        return isolation.defaultIsolation(host.problems(isolation.LINUX_ISOLATION))
    names = isolation.parseIsolation(requested)
    problems = host.problems(names)
    if problems:
        raise ValueError(f"cannot isolate with {','.join(names)}: " + "; ".join(problems))
    return names, None


def makeLauncher(
    reactor,
    isolators: tuple[str, ...],
    host: HostSupport,
    cgroupsRoot: str = "mesos_tw",
    enableCfs: bool = False,
    maxPids: int | None = None,
    runtimeDir: str | None = None,
) -> ILauncher:
    """
    A L{PosixLauncher} for posix isolation, else a L{LinuxLauncher} with
    C{isolators}.

    @param runtimeDir: where the launcher records its containers for the
        next slave process to recover them (see L{ILauncher.recover}), or
        L{None}.
    """
    if not isolation.needsLinuxLauncher(isolators):
        return PosixLauncher(reactor, runtimeDir=runtimeDir)
    assert host.layout is not None
    cgroups = Cgroups(host.layout, cgroupsRoot)
    launcher = LinuxLauncher(reactor, cgroups, [], tools=host.tools, runtimeDir=runtimeDir)
    launcher.isolators = makeIsolators(
        isolators, reactor, cgroups, launcher.pids, enableCfs=enableCfs, maxPids=maxPids,
    )
    return launcher
