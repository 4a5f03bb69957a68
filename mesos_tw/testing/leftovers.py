"""
Destroy the containers that slaves killed in a test left behind, the way a
restarted slave would: a launcher on each slave's runtime directory
recovers nothing and so destroys every container recorded there.
"""

from __future__ import annotations

import os
from typing import Iterable, Sequence

from twisted.internet.defer import inlineCallbacks

from mesos_tw.slave.containerizer.launchers import (
    HostSupport,
    chooseIsolation,
    makeLauncher,
    probeHost,
)


@inlineCallbacks
def destroyLeftovers(
    reactor,
    workDirs: Iterable[str],
    host: HostSupport,
    cgroupsRoot: str,
    isolation: str | None = None,
):
    """
    Destroy every container left under the work directories C{workDirs} of
    slaves that ran with C{isolation} (the default if L{None}) under
    C{cgroupsRoot}.
    """
    isolators, _ = chooseIsolation(isolation, host)
    for workDir in workDirs:
        runtimeDir = os.path.join(workDir, "containers")
        if not os.path.isdir(runtimeDir):
            continue
        launcher = makeLauncher(
            reactor, isolators, host, cgroupsRoot=cgroupsRoot, runtimeDir=runtimeDir
        )
        yield launcher.recover({})
        yield launcher.close()


def slaveLeftovers(reactor, args: Sequence[str]):
    """
    Destroy what a C{twistd mesos-slave} started with C{args} left, reading
    its C{--work-dir}, C{--cgroups-root} and C{--isolation}.
    """

    def flag(name: str, default: str | None) -> str | None:
        for i, arg in enumerate(args):
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
        return default

    workDir = flag("--work-dir", None)
    if workDir is None:
        from twisted.internet.defer import succeed

        return succeed(None)
    host = probeHost(flag("--cgroups-hierarchy", "/sys/fs/cgroup"))
    return destroyLeftovers(
        reactor, [workDir], host, flag("--cgroups-root", "mesos_tw"), flag("--isolation", None)
    )
