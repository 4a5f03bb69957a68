# -*- test-case-name: tests.test_master_standby,tests.test_taps -*-
"""
The service that runs a master: alone, it serves at once; with ZooKeeper
(C{--zk}) it contends for leadership once its listener knows its port,
redirects as a standby, and serves only once elected and recovered from
the registry. A master that loses its ZooKeeper session, its candidacy or
its leadership, or whose registry fails, exits with a non-zero status
(Mesos masters "commit suicide"; see L{mesos_tw.daemon.exitProcess}) so
that its supervisor restarts it as a standby: a master keeps state only
while it leads. A lone master with a registry in its work directory
recovers it before it serves.
"""

from __future__ import annotations

from typing import Any, Callable

from twisted.application.service import Service
from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from mesos_tw.interfaces import IZooKeeperClient
from mesos_tw.leader.contender import ZooKeeperContender
from mesos_tw.leader.detector import ZooKeeperDetector
from mesos_tw.leader.election import Election
from mesos_tw.master.master import Master
from mesos_tw.master.registry import Registry
from mesos_tw.master.standby import Leadership, StandbyGate
from mesos_tw.mesos_pb2 import MasterInfo
from mesos_tw.protocol.listen import ListenerService
from mesos_tw.zk.group import Group

_log = Logger()


class ZooKeeperLeadership:
    """
    How a master takes part in the election over ZooKeeper: its client, the
    group's path and the session timeout.
    """

    def __init__(
        self, client: IZooKeeperClient, path: str, sessionTimeout: float, reactor: Any
    ) -> None:
        self.client = client
        self.path = path
        self.sessionTimeout = sessionTimeout
        self.reactor = reactor
        self.group: Group | None = None

    def election(
        self, info: MasterInfo, onLeader: Callable[[MasterInfo | None], object]
    ) -> Election:
        """
        The election of the master C{info}: one group for its contender and
        its detector, on the client.
        """
        group = self.group = Group(self.client, self.path, self.reactor, self.sessionTimeout)
        return Election(
            ZooKeeperContender(group, info), ZooKeeperDetector(group), info, onLeader
        )


class MasterService(Service):
    """
    Runs a L{Master}: it learns its port from the listener (for C{--port
    0}), then serves at once (alone) or contends (with ZooKeeper), and
    stops the master's timers when the service stops.

    @ivar leadership: what the master knows of the election.
    @ivar election: the L{Election} once started, with ZooKeeper.
    """

    def __init__(
        self,
        master: Master,
        listener: ListenerService,
        gate: StandbyGate,
        zooKeeper: ZooKeeperLeadership | None = None,
        exit: Callable[[str], object] = lambda reason: None,
    ) -> None:
        """
        @param gate: the L{StandbyGate} of the master's listener.
        @param zooKeeper: how to contend, or L{None} for a lone master.
        @param exit: called with the reason when the master must exit.
        """
        self.master = master
        self.listener = listener
        self.gate = gate
        self.leadership = gate.leadership
        self.zooKeeper = zooKeeper
        self.election: Election | None = None
        self._exit = exit
        self._exiting = False
        self._stopping = False
        if master.registrar is not None:
            master.registrar.onFailure = self._registrarFailed

    def startService(self) -> None:
        Service.startService(self)
        self._stopping = False
        info = self.master.info
        if self.listener.port is not None and info.port == 0:
            info.port = info.address.port = self.listener.port.getHost().port
            info.pid = f"master@{info.address.ip}:{info.port}"
        if self.zooKeeper is None:
            self.leadership.leader = info
            if self.master.registrar is None:
                self.leadership.serving = self.leadership.elected = True
                self.master.start()
            else:
                # Alone, with a registry in its work directory.
                self._elected(None)
            return
        _log.info(
            "Master {pid} (id {id}) contends for leadership in ZooKeeper at {hosts}{path}",
            pid=info.pid, id=info.id, hosts=getattr(self.zooKeeper.client, "hosts", "?"),
            path=self.zooKeeper.path,
        )
        self.zooKeeper.client.connect().addErrback(self._connectFailed)
        self.election = self.zooKeeper.election(info, self._leaderDetected)
        self.election.elected.addCallback(self._elected)
        self.election.ended.addCallback(self.mustExit)
        self.election.start()

    def stopService(self) -> Deferred[None]:
        Service.stopService(self)
        self._stopping = True
        self.master.stop()
        if self.zooKeeper is None:
            if self.master.registrar is not None:
                self.master.registrar.close()
            return succeed(None)
        client = self.zooKeeper.client
        if self.election is None:
            return client.close()
        # Leave the group first, so that a standby takes over at once.
        withdrawn = self.election.stop()
        withdrawn.addTimeout(2.0, self.zooKeeper.reactor)

        def close(_: object) -> Deferred[None]:
            if self.zooKeeper.group is not None:
                self.zooKeeper.group.stop()
            return client.close()

        return withdrawn.addBoth(close)

    def _connectFailed(self, failure: Failure) -> None:
        if not self._stopping:
            _log.error(
                "Cannot connect to ZooKeeper: {error}", error=failure.getErrorMessage()
            )

    def _leaderDetected(self, leader: MasterInfo | None) -> None:
        self.leadership.leader = leader

    def _elected(self, _: object) -> None:
        if self._stopping:
            return
        info = self.master.info
        self.leadership.elected = True
        self.leadership.electedTime = self.master._clock.seconds()
        registrar = self.master.registrar
        if registrar is None:
            self._recovered(Registry())
            return
        _log.info("Recovering the registry before serving")
        d = registrar.recover(info)
        d.addCallbacks(
            self._recovered,
            lambda f: self.mustExit(f"Cannot recover the registry: {f.getErrorMessage()}"),
        )

    def _recovered(self, registry: Registry) -> None:
        if self._stopping or self._exiting:
            return
        self.master.recover(registry)
        self.master.start()
        self.leadership.serving = True
        _log.info(
            "Serving as the leading master {pid} ({held} message(s) held meanwhile)",
            pid=self.master.info.pid, held=self.gate.held,
        )
        self.gate.serve()

    def _registrarFailed(self, failure: Failure) -> None:
        self.mustExit(f"The registry failed: {failure.getErrorMessage()}")

    def mustExit(self, reason: str) -> None:
        """
        The master cannot go on: log why and exit (unless the service is
        stopping anyway).
        """
        if self._stopping or self._exiting:
            return
        self._exiting = True
        self.leadership.serving = False
        _log.critical(
            "{reason}; exiting with status 1 so that a supervisor restarts this master",
            reason=reason,
        )
        self._exit(reason)
