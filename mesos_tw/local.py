# -*- test-case-name: tests.test_cli -*-
"""
A whole cluster in one process, on loopback: Mesos's C{mesos-local}.

The master and slaves are the same service trees that C{twistd mesos-master}
and C{twistd mesos-slave} build, sharing one reactor.
"""

from __future__ import annotations

import os

from twisted.application.service import MultiService
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.task import deferLater

from mesos_tw.ca import initCA, issue
from mesos_tw.master import tap as masterTap
from mesos_tw.slave import tap as slaveTap


def _credentials(caDir: str, role: str, name: str, hosts=()) -> str:
    out = os.path.join(caDir, f"{role}-{name}")
    if not os.path.exists(out):
        issue(caDir, role, name, hosts=hosts, out=out)
    return out


class LocalCluster:
    """
    A master and C{numSlaves} slaves under C{workDir}, with their own CA.

    @ivar frameworkTLSDir: credentials for frameworks and tools.
    @ivar master: the address of the master, C{host:port}.
    """

    def __init__(
        self,
        reactor,
        workDir: str,
        numSlaves: int = 1,
        ip: str = "127.0.0.1",
        port: int = 5050,
        resources: str = "",
        masterFlags: list[str] = (),
        slaveFlags: list[str] = (),
    ) -> None:
        self._reactor = reactor
        self.workDir = os.path.abspath(workDir)
        self.caDir = os.path.join(self.workDir, "ca")
        self.numSlaves = numSlaves
        self.master = f"{ip}:{port}"
        self._ip = ip
        self._port = port
        self._resources = resources
        self._masterFlags = list(masterFlags)
        self._slaveFlags = list(slaveFlags)
        self.services = MultiService()

    def _build(self) -> None:
        if not os.path.exists(os.path.join(self.caDir, "ca.pem")):
            initCA(self.caDir, name="mesos_tw local")
        hosts = (self._ip, "localhost")
        masterDir = _credentials(self.caDir, "master", "master", hosts)
        self.frameworkTLSDir = _credentials(self.caDir, "framework", "local")
        options = masterTap.Options()
        options.parseOptions(
            ["--ip", self._ip, "--port", str(self._port), "--tls-dir", masterDir,
             "--work-dir", os.path.join(self.workDir, "master")]
            + self._masterFlags
        )
        self.masterService = masterTap.makeService(options, self._reactor)
        self.masterService.setServiceParent(self.services)
        self.slaveServices = []
        for i in range(1, self.numSlaves + 1):
            name = f"slave{i}"
            options = slaveTap.Options()
            options.parseOptions(
                ["--master", self.master, "--ip", self._ip, "--port", "0",
                 "--tls-dir", _credentials(self.caDir, "slave", name, hosts),
                 "--work-dir", os.path.join(self.workDir, "slaves", name),
                 "--resources", self._resources, "--hostname", name]
                + self._slaveFlags
            )
            service = slaveTap.makeService(options, self._reactor, stopReactor=False)
            service.setServiceParent(self.services)
            self.slaveServices.append(service)

    @inlineCallbacks
    def start(self, timeout: float = 60.0, progress=lambda text: None):
        """
        Start everything and wait until every slave has registered.

        @raise RuntimeError: if the slaves are not registered by C{timeout}.
        """
        self._build()
        self.services.privilegedStartService()
        self.services.startService()
        progress(f"master listening on {self.master}")
        deadline = self._reactor.seconds() + timeout
        seen = 0
        while True:
            registered = sum(1 for s in self.slaveServices if s.slave.registered)
            if registered != seen:
                seen = registered
                progress(f"{registered}/{self.numSlaves} slaves registered")
            if registered == self.numSlaves:
                return
            if self._reactor.seconds() > deadline:
                raise RuntimeError(
                    f"only {registered} of {self.numSlaves} slaves registered "
                    f"within {timeout:g} s; see the log for why"
                )
            yield deferLater(self._reactor, 0.05, lambda: None)

    def stop(self) -> Deferred:
        """
        Stop every daemon.
        """
        return self.services.stopService()
