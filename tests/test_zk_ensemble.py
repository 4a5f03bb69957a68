"""
Integration tests against a real three-server ZooKeeper ensemble on
loopback: clients, contenders and detectors keep working when a server is
killed, through the remaining quorum, in the same sessions.

Real servers come from Debian's C{zookeeper} package; without it these tests
fail and say how to install it. They poll with deadlines and never sleep.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater
from twisted.trial.unittest import TestCase

from mesos_tw.leader import Election, ZooKeeperContender, ZooKeeperDetector
from mesos_tw.testing.zookeeper import ZooKeeperEnsemble, requireZooKeeper
from mesos_tw.zk import errors
from mesos_tw.zk.client import ZooKeeperClient
from mesos_tw.zk.events import ConnectionState
from mesos_tw.zk.group import Group
from tests.test_leader import masterInfo


def theReactor() -> Any:
    from twisted.internet import reactor

    return reactor


class EnsembleTests(TestCase):
    timeout = 120

    @inlineCallbacks
    def setUp(self) -> Any:
        requireZooKeeper()
        self.reactor = theReactor()
        self.ensemble = ZooKeeperEnsemble(self.reactor, self.mktemp(), size=3)
        self.addCleanup(self.ensemble.kill)
        yield self.ensemble.start()

    @inlineCallbacks
    def connected(
        self, hosts: str | None = None, timeout: float = 10.0, randomize: bool = True
    ) -> Any:
        client = ZooKeeperClient(
            hosts or self.ensemble.hosts, timeout, self.reactor,
            maxReconnectDelay=0.2, randomizeHosts=randomize,
        )
        self.addCleanup(client.close)
        yield client.connect().addTimeout(30, self.reactor)
        return client

    @inlineCallbacks
    def retry(self, operation: Any, timeout: float = 30.0) -> Any:
        """
        Run C{operation} until it does not fail with a connection loss.
        """
        deadline = self.reactor.seconds() + timeout
        while True:
            try:
                result = yield operation()
            except (errors.ConnectionLossError, errors.SessionExpiredError):
                if self.reactor.seconds() > deadline:
                    raise
                yield deferLater(self.reactor, 0.1, lambda: None)
            else:
                return result

    @inlineCallbacks
    def test_serverKilled(self) -> Any:
        """
        With one server of three killed (the leading one, forcing an
        election), each client reconnects to a remaining server in the same
        session: its ephemeral nodes stay and it reads and writes again.
        """
        clients = []
        for server in self.ensemble.servers:
            # One client on each server, its first choice: one of them
            # loses its server.
            others = [s.hosts for s in self.ensemble.servers if s is not server]
            client = yield self.connected(",".join([server.hosts] + others), randomize=False)
            self.assertIn(client.sessionId, (yield server.sessions()))
            yield client.create(f"/e{server.myid}", b"kept", ephemeral=True)
            clients.append((client, client.sessionId))
        leader = yield self.ensemble.leader()
        self.assertIsNotNone(leader)
        yield leader.kill()
        for n, (client, session) in enumerate(clients):
            yield self.retry(lambda: client.create(f"/after{n}"))
            self.assertEqual(client.sessionId, session)
            self.assertIs(client.state, ConnectionState.CONNECTED)
            for server in self.ensemble.servers:
                data = yield self.retry(lambda: client.get(f"/e{server.myid}"))
                self.assertEqual(data, b"kept")
        modes = []
        for server in self.ensemble.servers:
            if server is not leader:
                modes.append((yield server.mode()))
        self.assertEqual(sorted(modes), ["follower", "leader"])

    @inlineCallbacks
    def test_electionSurvives(self) -> Any:
        """
        Masters' elections and a slave's detector ride out the loss of a
        server: the leading master stays the leader and no candidacy is
        lost; when the leading master goes, the next one is elected.
        """
        elections = []
        for n in (1, 2):
            client = yield self.connected()
            election = Election(
                ZooKeeperContender(Group(client, "/mesos", self.reactor), masterInfo(n)),
                ZooKeeperDetector(Group(client, "/mesos", self.reactor)),
                masterInfo(n),
            )
            election.start()
            yield election.elected.addTimeout(30, self.reactor) if n == 1 else None
            elections.append((election, client))
        slaveClient = yield self.connected()
        detector = ZooKeeperDetector(Group(slaveClient, "/mesos", self.reactor))
        self.assertEqual((yield detector.detect().addTimeout(30, self.reactor)), masterInfo(1))

        leader = yield self.ensemble.leader()
        yield leader.kill()
        for _, client in elections + [(None, slaveClient)]:
            yield self.retry(lambda: client.exists("/mesos"))
        self.assertFalse(elections[0][0].ended.called)
        self.assertFalse(elections[1][0].ended.called)
        self.assertEqual((yield detector.detect()), masterInfo(1))

        next = detector.detect(masterInfo(1))
        yield elections[0][1].close()
        self.assertEqual((yield next.addTimeout(30, self.reactor)), masterInfo(2))
        yield elections[1][0].elected.addTimeout(30, self.reactor)

    @inlineCallbacks
    def test_serverRestart(self) -> Any:
        """
        A killed server restarted rejoins the ensemble and serves the
        sessions made while it was away.
        """
        server = self.ensemble.servers[0]
        yield server.kill()
        client = yield self.connected(hosts=",".join(s.hosts for s in self.ensemble.servers[1:]))
        yield client.create("/while-away", b"x", ephemeral=True)
        yield server.start()
        self.assertIn((yield server.mode()), ("follower", "leader"))
        reader = yield self.connected(hosts=server.hosts)
        self.assertEqual((yield self.retry(lambda: reader.get("/while-away"))), b"x")
