"""
Destroy the containers that slaves killed in a test left behind, the way a
restarted slave would: a launcher on each slave's runtime directory
recovers nothing and so destroys every container it finds.
"""

from __future__ import annotations

import os
from typing import Iterable

from twisted.internet.defer import inlineCallbacks

from mesos_tw.slave.containerizer.launchers import HostSupport, chooseIsolation, makeLauncher


@inlineCallbacks
def destroyLeftovers(reactor, workDirs: Iterable[str], host: HostSupport, cgroupsRoot: str):
    """
    Destroy every container left under the work directories C{workDirs} of
    slaves that ran with default isolation under C{cgroupsRoot}.
    """
    isolators, _ = chooseIsolation(None, host)
    for workDir in workDirs:
        launcher = makeLauncher(
            reactor, isolators, host, cgroupsRoot=cgroupsRoot,
            runtimeDir=os.path.join(workDir, "containers"),
        )
        yield launcher.recover({})
        yield launcher.close()
