"""
Integration tests of leader election on a real ZooKeeper server on
loopback: masters contend, the lowest sequence leads, detectors follow, and
a leading master whose session expires must exit, a standby contends
again.

Real servers come from Debian's C{zookeeper} package; without it these tests
fail and say how to install it. They poll with deadlines and never sleep.
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet.defer import inlineCallbacks
from twisted.trial.unittest import TestCase

from mesos_tw.leader import Election, createContender, createDetector, masterInfoFromJSON
from mesos_tw.testing.daemons import waitFor
from mesos_tw.testing.zookeeper import ZooKeeperServer, expireSession, requireZooKeeper
from mesos_tw.zk.client import ZooKeeperClient
from tests.test_leader import masterInfo


def theReactor() -> Any:
    from twisted.internet import reactor

    return reactor


class LeaderElectionTests(TestCase):
    timeout = 120

    @inlineCallbacks
    def setUp(self) -> Any:
        requireZooKeeper()
        self.reactor = theReactor()
        self.server = ZooKeeperServer(self.reactor, self.mktemp())
        self.addCleanup(self.server.kill)
        yield self.server.start()
        self.url = f"zk://{self.server.hosts}/mesos"

    def wait(self, d: Any) -> Any:
        return d.addTimeout(30, self.reactor)

    def master(self, n: int) -> Election:
        """
        A master's election, with a contender and a detector as the factories
        make them for C{--zk}.
        """
        contender = createContender(self.url, masterInfo(n), self.reactor)
        detector = createDetector(self.url, self.reactor)
        self.addCleanup(detector.close)
        self.addCleanup(contender.close)
        election = Election(contender, detector, masterInfo(n))
        election.start()
        return election

    @inlineCallbacks
    def test_election(self) -> Any:
        """
        Masters join C{/mesos} with C{json.info_} nodes holding their
        C{MasterInfo} JSON; the first leads; when its session ends the next
        is elected and a slave's detector follows.
        """
        first = self.master(1)
        yield self.wait(first.elected)
        second = self.master(2)
        slave = createDetector(self.url, self.reactor)
        self.addCleanup(slave.close)
        self.assertEqual((yield self.wait(slave.detect())), masterInfo(1))

        reader = ZooKeeperClient(self.server.hosts, 10.0, self.reactor)
        self.addCleanup(reader.close)
        yield self.wait(reader.connect())
        children = yield reader.getChildren("/mesos")
        self.assertEqual(children, ["json.info_0000000000", "json.info_0000000001"])
        data = yield reader.get("/mesos/json.info_0000000000")
        self.assertEqual(json.loads(data)["pid"], "master@10.0.0.1:5050")
        self.assertEqual(masterInfoFromJSON(data), masterInfo(1))

        next = slave.detect(masterInfo(1))
        yield first.contender.close()
        self.assertEqual((yield self.wait(next)), masterInfo(2))
        yield self.wait(second.elected)
        self.assertFalse(second.ended.called)

    @inlineCallbacks
    def test_sessionExpiry(self) -> Any:
        """
        A leading master whose session expires must exit; the next master
        is elected.
        """
        first = self.master(1)
        yield self.wait(first.elected)
        second = self.master(2)
        slave = createDetector(self.url, self.reactor)
        self.addCleanup(slave.close)
        self.assertEqual((yield self.wait(slave.detect())), masterInfo(1))
        yield expireSession(self.reactor, self.server.hosts, first.contender.client)
        # Its detector may see the next leader before its contender hears of
        # the expiry: either way, it must exit.
        reason = yield self.wait(first.ended)
        self.assertIn("committing suicide!", reason)
        yield self.wait(second.elected)
        self.assertEqual((yield self.wait(slave.detect(masterInfo(1)))), masterInfo(2))

    @inlineCallbacks
    def test_standbySessionExpiry(self) -> Any:
        """
        A standby whose session expires joins the group again with a new
        node and is elected when the leader goes.
        """
        first = self.master(1)
        yield self.wait(first.elected)
        second = self.master(2)
        reader = ZooKeeperClient(self.server.hosts, 10.0, self.reactor)
        self.addCleanup(reader.close)
        yield self.wait(reader.connect())

        def members(expected: list[str]) -> Any:
            return reader.getChildren("/mesos").addCallback(
                lambda names: [n for n in names if n.startswith("json.info_")] == expected
            )

        yield waitFor(
            self.reactor, lambda: members(["json.info_0000000000", "json.info_0000000001"]),
            what="the standby's node",
        )
        yield expireSession(self.reactor, self.server.hosts, second.contender.client)
        yield waitFor(
            self.reactor, lambda: members(["json.info_0000000000", "json.info_0000000002"]),
            what="the standby's new node",
        )
        self.assertFalse(second.ended.called)
        yield first.contender.close()
        yield self.wait(second.elected)
        self.assertFalse(second.ended.called)

    @inlineCallbacks
    def test_serverRestart(self) -> Any:
        """
        A ZooKeeper restart within the session timeout changes nothing: the
        leader keeps leading, detectors keep their view.
        """
        first = self.master(1)
        yield self.wait(first.elected)
        slave = createDetector(self.url, self.reactor)
        self.addCleanup(slave.close)
        self.assertEqual((yield self.wait(slave.detect())), masterInfo(1))
        yield self.server.stop()
        yield self.server.start()
        second = self.master(2)
        self.assertEqual((yield self.wait(second.detector.detect())), masterInfo(1))
        self.assertFalse(first.ended.called)
        self.assertTrue(first.isLeader)
        self.assertEqual((yield self.wait(slave.detect())), masterInfo(1))
