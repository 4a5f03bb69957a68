"""
Tests for L{mesos_tw.leader}: contenders and detectors, standalone and over
L{FakeZooKeeper} on a C{Clock}, the election a master runs, and the
factories for C{--zk} and C{--master}.
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from mesos_tw.interfaces import IContender, IDetector
from mesos_tw.leader import (
    Candidacy,
    DetectionError,
    Election,
    StandaloneContender,
    StandaloneDetector,
    ZooKeeperContender,
    ZooKeeperDetector,
    createContender,
    createDetector,
    isZooKeeper,
    masterInfoFromAddress,
    masterInfoFromBinary,
    masterInfoFromJSON,
    masterInfoFromNode,
    masterInfoFromPID,
    masterInfoToJSON,
)
from mesos_tw.mesos_pb2 import Address, MasterInfo
from mesos_tw.testing.zookeeper import FakeZooKeeperServer
from mesos_tw.zk.events import ConnectionState
from mesos_tw.zk.group import Group
from mesos_tw.zk.url import Credentials, ZooKeeperURLError


def masterInfo(n: int, port: int = 5050) -> MasterInfo:
    ip = f"10.0.0.{n}"
    return MasterInfo(
        id=f"master-{n}",
        ip=(n << 24) | 10,
        port=port,
        pid=f"master@{ip}:{port}",
        hostname=f"master{n}",
        version="0.1.0",
        address=Address(hostname=f"master{n}", ip=ip, port=port),
    )


class MasterInfoTests(SynchronousTestCase):
    def test_json(self) -> None:
        """
        C{MasterInfo} is written as JSON with Mesos's field names, and read
        back.
        """
        info = masterInfo(1)
        data = masterInfoToJSON(info)
        self.assertEqual(
            json.loads(data),
            {
                "id": "master-1", "ip": 16777226, "port": 5050,
                "pid": "master@10.0.0.1:5050", "hostname": "master1", "version": "0.1.0",
                "address": {"hostname": "master1", "ip": "10.0.0.1", "port": 5050},
            },
        )
        self.assertEqual(masterInfoFromJSON(data), info)

    def test_mesosJSON(self) -> None:
        """
        What a Mesos master writes is read, fields unknown here ignored.
        """
        data = json.dumps({
            "address": {"hostname": "m", "ip": "127.0.0.1", "port": 5050},
            "capabilities": [{"type": "AGENT_UPDATE"}],
            "hostname": "m", "id": "abc", "ip": 16777343,
            "pid": "master@127.0.0.1:5050", "port": 5050, "version": "1.11.0",
        }).encode()
        info = masterInfoFromJSON(data)
        self.assertEqual(
            (info.id, info.pid, info.address.port), ("abc", "master@127.0.0.1:5050", 5050)
        )

    def test_badJSON(self) -> None:
        for data in [b"not json", b'{"port": "x"}', b"\xff"]:
            self.assertRaises(ValueError, masterInfoFromJSON, data)

    def test_fromAddress(self) -> None:
        info = masterInfoFromAddress("127.0.0.1:5050")
        self.assertEqual((info.pid, info.port, info.ip), ("master@127.0.0.1:5050", 5050, 16777343))
        self.assertEqual(info.address, Address(hostname="127.0.0.1", ip="127.0.0.1", port=5050))
        self.assertEqual(masterInfoFromAddress("example.com:1").hostname, "example.com")
        for bad in ["nohost", ":5050", "h:x", "h:70000"]:
            self.assertRaises(ValueError, masterInfoFromAddress, bad)


class LegacyMasterInfoTests(SynchronousTestCase):
    """
    The nodes older Mesos masters wrote: binary C{info_} and bare pids.
    """

    def test_binary(self) -> None:
        """
        An C{info_} node holds a serialized C{MasterInfo}.
        """
        data = masterInfo(1).SerializeToString()
        self.assertEqual(masterInfoFromBinary(data), masterInfo(1))

    def test_binaryWithoutAddress(self) -> None:
        """
        A binary C{MasterInfo} without an address or a pid gets them from
        its IP and port.
        """
        data = MasterInfo(id="m", ip=(1 << 24) | 10, port=5050).SerializeToString()
        info = masterInfoFromBinary(data)
        self.assertEqual(info.address, Address(ip="10.0.0.1", port=5050))
        self.assertEqual(info.pid, "master@10.0.0.1:5050")

    def test_badBinary(self) -> None:
        """
        Data that is no C{MasterInfo} with an id, an IP and a port is
        refused.
        """
        for data in [b"garbage", b"\x08\x01", MasterInfo(id="m", port=1).SerializeToString()]:
            self.assertRaises(ValueError, masterInfoFromBinary, data)

    def test_pid(self) -> None:
        """
        An unlabelled node holds a pid, C{master@ip:port}.
        """
        info = masterInfoFromPID(b"master@10.0.0.1:5050\n")
        self.assertEqual(
            (info.id, info.pid, info.ip, info.port),
            ("master@10.0.0.1:5050", "master@10.0.0.1:5050", (1 << 24) | 10, 5050),
        )
        self.assertEqual(info.address, Address(hostname="10.0.0.1", ip="10.0.0.1", port=5050))

    def test_badPID(self) -> None:
        for data in [
            b"", b"10.0.0.1:5050", b"master@", b"@10.0.0.1:5050", b"master@10.0.0.1",
            b"master@10.0.0.1:x", b"master 1@10.0.0.1:5050", b"\xff@10.0.0.1:5050",
        ]:
            self.assertRaises(ValueError, masterInfoFromPID, data)

    def test_byLabel(self) -> None:
        """
        A node is read by its label: JSON, binary or pid; other labels are
        refused.
        """
        info = masterInfo(1)
        self.assertEqual(masterInfoFromNode("json.info", masterInfoToJSON(info)), info)
        self.assertEqual(masterInfoFromNode("info", info.SerializeToString()), info)
        self.assertEqual(masterInfoFromNode(None, b"master@10.0.0.1:5050").port, 5050)
        with self.assertRaises(ValueError) as e:
            masterInfoFromNode("log", b"")
        self.assertIn("unknown label 'log'", str(e.exception))


class StandaloneTests(SynchronousTestCase):
    def test_interfaces(self) -> None:
        self.assertTrue(verifyObject(IContender, StandaloneContender()))
        self.assertTrue(verifyObject(IDetector, StandaloneDetector()))

    def test_contender(self) -> None:
        """
        A standalone candidacy is never lost.
        """
        contender = StandaloneContender(masterInfo(1))
        candidacy = self.successResultOf(contender.contend())
        self.assertIsInstance(candidacy, Candidacy)
        self.assertNoResult(candidacy.lost)
        self.assertTrue(self.successResultOf(contender.withdraw()))
        self.assertFalse(self.successResultOf(contender.withdraw()))
        self.assertNoResult(candidacy.lost)

    def test_detector(self) -> None:
        """
        A standalone detector gives its leader, and follows appointments.
        """
        detector = StandaloneDetector(masterInfo(1))
        self.assertEqual(self.successResultOf(detector.detect()), masterInfo(1))
        d = detector.detect(masterInfo(1))
        self.assertNoResult(d)
        detector.appoint(masterInfo(2))
        self.assertEqual(self.successResultOf(d), masterInfo(2))
        detector.appoint(None)
        self.assertIsNone(self.successResultOf(detector.detect(masterInfo(2))))
        self.assertNoResult(detector.detect(None))

    def test_detectorCopies(self) -> None:
        """
        Detections are copies: changing one changes nothing else.
        """
        detector = StandaloneDetector(masterInfo(1))
        self.successResultOf(detector.detect()).port = 1
        self.assertEqual(self.successResultOf(detector.detect()).port, 5050)


class ZooKeeperTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = FakeZooKeeperServer(self.clock)

    def flush(self) -> None:
        self.server.flush()

    def group(self, timeout: float = 10.0) -> Group:
        client = self.server.client(timeout)
        client.connect()
        self.flush()
        group = Group(client, "/mesos", self.clock)
        self.addCleanup(group.stop)
        return group

    def contender(self, n: int) -> ZooKeeperContender:
        return ZooKeeperContender(self.group(), masterInfo(n))

    def candidacy(self, contender: ZooKeeperContender) -> Candidacy:
        d = contender.contend()
        self.flush()
        return self.successResultOf(d)

    def withdrawn(self, contender: ZooKeeperContender) -> bool:
        d = contender.withdraw()
        self.flush()
        return self.successResultOf(d)

    def detector(self) -> ZooKeeperDetector:
        return ZooKeeperDetector(self.group())

    def detected(self, detector: Any, previous: MasterInfo | None = None) -> MasterInfo | None:
        d = detector.detect(previous)
        self.flush()
        return self.successResultOf(d)


class ZooKeeperContenderTests(ZooKeeperTestCase):
    def test_interface(self) -> None:
        self.assertTrue(verifyObject(IContender, self.contender(1)))

    def test_contend(self) -> None:
        """
        A contender joins the group with a C{json.info_} node holding its
        C{MasterInfo} as JSON.
        """
        contender = self.contender(1)
        candidacy = self.candidacy(contender)
        self.assertEqual(candidacy.membership.path, "/mesos/json.info_0000000000")
        data = self.server.data()["/mesos/json.info_0000000000"]
        self.assertEqual(masterInfoFromJSON(data), masterInfo(1))
        self.assertNoResult(candidacy.lost)

    def test_sessionExpiry(self) -> None:
        """
        The candidacy is lost when the session expires.
        """
        contender = self.contender(1)
        candidacy = self.candidacy(contender)
        self.server.expireSession(contender.group.client)
        self.flush()
        self.assertIsNone(self.successResultOf(candidacy.lost))
        self.assertNotIn("/mesos/json.info_0000000000", self.server.data())

    def test_sessionTimeout(self) -> None:
        """
        The candidacy is lost when the connection stays lost for longer than
        the session timeout.
        """
        contender = self.contender(1)
        candidacy = self.candidacy(contender)
        self.server.disconnect(contender.group.client)
        self.flush()
        self.clock.advance(10)
        self.assertIsNone(self.successResultOf(candidacy.lost))

    def test_withdraw(self) -> None:
        """
        Withdrawing deletes the node; the candidacy is not lost.
        """
        contender = self.contender(1)
        candidacy = self.candidacy(contender)
        d = contender.withdraw()
        self.flush()
        self.assertTrue(self.successResultOf(d))
        self.assertNotIn("/mesos/json.info_0000000000", self.server.data())
        self.assertNoResult(candidacy.lost)
        self.assertFalse(self.successResultOf(contender.withdraw()))

    def test_withdrawWhileJoining(self) -> None:
        """
        Withdrawing while the join is under way cancels it once made.
        """
        contender = self.contender(1)
        self.server.stop()
        contended = contender.contend()
        withdrawn = contender.withdraw()
        self.flush()
        self.assertNoResult(withdrawn)
        self.server.start()
        self.flush()
        self.assertTrue(self.successResultOf(withdrawn))
        self.assertNoResult(self.successResultOf(contended).lost)
        self.assertEqual([p for p in self.server.data() if p.startswith("/mesos/")], [])

    def test_contendAgain(self) -> None:
        """
        Contending again withdraws the previous candidacy first.
        """
        contender = self.contender(1)
        first = self.candidacy(contender)
        second = self.candidacy(contender)
        self.assertEqual(second.membership.sequence, 1)
        self.assertEqual(
            [p for p in self.server.data() if p.startswith("/mesos/")],
            ["/mesos/json.info_0000000001"],
        )
        self.assertNoResult(first.lost)

    def test_close(self) -> None:
        """
        Closing a contender that owns its client closes the client, which
        ends the candidacy.
        """
        group = self.group()
        contender = ZooKeeperContender(group, masterInfo(1), client=group.client)
        self.candidacy(contender)
        contender.close()
        self.flush()
        self.assertIs(group.client.state, ConnectionState.CLOSED)
        self.assertNotIn("/mesos/json.info_0000000000", self.server.data())


class ZooKeeperDetectorTests(ZooKeeperTestCase):
    def test_interface(self) -> None:
        self.assertTrue(verifyObject(IDetector, self.detector()))

    def test_noLeader(self) -> None:
        """
        Without masters there is no leader: detecting from L{None} waits
        for one.
        """
        detector = self.detector()
        d = detector.detect()
        self.flush()
        self.assertNoResult(d)
        self.candidacy(self.contender(1))
        self.flush()
        self.assertEqual(self.successResultOf(d), masterInfo(1))

    def test_lowestLeads(self) -> None:
        """
        The contender with the lowest sequence leads; when it goes, the next
        one does; the detector follows.
        """
        contenders = [self.contender(n) for n in (1, 2, 3)]
        for contender in contenders:
            self.candidacy(contender)
        detector = self.detector()
        self.assertEqual(self.detected(detector), masterInfo(1))
        d = detector.detect(masterInfo(1))
        self.flush()
        self.assertNoResult(d)
        self.assertTrue(self.withdrawn(contenders[1]))  # not the leader: no change
        self.flush()
        self.assertNoResult(d)
        self.server.expireSession(contenders[0].group.client)
        self.flush()
        self.assertEqual(self.successResultOf(d), masterInfo(3))

    def test_leaderDeath(self) -> None:
        """
        When the leader's session ends, the next contender leads.
        """
        first, second = self.contender(1), self.contender(2)
        self.candidacy(first)
        self.candidacy(second)
        detector = self.detector()
        self.assertEqual(self.detected(detector), masterInfo(1))
        first.group.client.close()
        self.flush()
        self.assertEqual(self.detected(detector, masterInfo(1)), masterInfo(2))
        second.group.client.close()
        self.flush()
        self.assertIsNone(self.detected(detector, masterInfo(2)))

    def test_detectDifferentPrevious(self) -> None:
        """
        Detecting from a leader other than the current one fires at once.
        """
        self.candidacy(self.contender(1))
        detector = self.detector()
        self.assertEqual(self.detected(detector, masterInfo(7)), masterInfo(1))
        self.assertEqual(self.detected(detector, None), masterInfo(1))

    def test_cancel(self) -> None:
        """
        A detection can be cancelled.
        """
        detector = self.detector()
        d = detector.detect()
        d.cancel()
        self.failureResultOf(d)
        self.candidacy(self.contender(1))
        self.flush()

    def test_badData(self) -> None:
        """
        A leading node that is no C{MasterInfo} JSON fails detection, then
        and later, as in Mesos.
        """
        group = self.group()
        group.join(b"garbage", "json.info")
        self.flush()
        detector = self.detector()
        d = detector.detect()
        self.flush()
        self.assertIn("not a MasterInfo", str(self.failureResultOf(d, DetectionError).value))
        self.failureResultOf(detector.detect(), DetectionError)

    def test_legacyBinaryLeader(self) -> None:
        """
        A leading C{info_} node of an older Mesos master is read as a binary
        C{MasterInfo}.
        """
        self.group().join(masterInfo(1).SerializeToString(), "info")
        self.flush()
        self.assertEqual(self.detected(self.detector()), masterInfo(1))

    def test_legacyPIDLeader(self) -> None:
        """
        A leading unlabelled node of an older Mesos master is read as a pid;
        when it goes, the next master leads.
        """
        group = self.group()
        d = group.join(b"master@10.0.0.9:5050", None)
        self.flush()
        legacy = self.successResultOf(d)
        self.assertEqual(legacy.path, "/mesos/0000000000")
        contender = self.contender(2)
        self.candidacy(contender)
        detector = self.detector()
        leader = self.detected(detector)
        self.assertEqual(
            (leader.pid, leader.address.ip, leader.port), ("master@10.0.0.9:5050", "10.0.0.9", 5050)
        )
        d = detector.candidates()
        self.flush()
        self.assertEqual(self.successResultOf(d), [masterInfo(2)])
        group.cancel(legacy)
        self.flush()
        self.assertEqual(self.detected(detector, leader), masterInfo(2))

    def test_legacyCandidates(self) -> None:
        """
        Masters in line with legacy nodes are candidates too; unreadable
        nodes are left out.
        """
        self.candidacy(self.contender(1))
        group = self.group()
        group.join(masterInfo(2).SerializeToString(), "info")
        group.join(b"garbage", "info")
        group.join(b"master@10.0.0.3:5050", None)
        self.flush()
        detector = self.detector()
        self.detected(detector)
        d = detector.candidates()
        self.flush()
        self.assertEqual(
            [m.pid for m in self.successResultOf(d)],
            ["master@10.0.0.2:5050", "master@10.0.0.3:5050"],
        )

    def test_badLegacyNode(self) -> None:
        """
        A leading C{info_} node that is no binary C{MasterInfo}, or an
        unlabelled node that is no pid, fails detection, naming the node.
        """
        for label, path in [("info", "/mesos/info_0000000000"), (None, "/mesos/0000000001")]:
            group = self.group()
            d = group.join(b"\x08\x01", label)
            self.flush()
            membership = self.successResultOf(d)
            d = self.detector().detect()
            self.flush()
            message = str(self.failureResultOf(d, DetectionError).value)
            self.assertIn(path, message)
            self.assertIn("holds no master's information", message)
            group.cancel(membership)
            self.flush()

    def test_unknownLabel(self) -> None:
        """
        A leading member with a label no master writes fails detection.
        """
        self.group().join(b"{}", "log")
        self.flush()
        d = self.detector().detect()
        self.flush()
        self.assertIn("unknown label 'log'", str(self.failureResultOf(d, DetectionError).value))

    def test_leaderNodeGone(self) -> None:
        """
        If the leader's node is gone by the time it is read, there is no
        leader until the group tells the next one.
        """
        first, second = self.contender(1), self.contender(2)
        self.candidacy(first)
        self.candidacy(second)
        detector = self.detector()
        d = detector.detect()
        # The detector reads the members, then loses its connection before
        # it reads the leader's node, which goes meanwhile.
        self.server.disconnect(detector.group.client)
        first.withdraw()
        self.flush()
        self.assertNoResult(d)
        self.server.reconnect(detector.group.client)
        self.flush()
        self.assertEqual(self.successResultOf(d), masterInfo(2))

    def test_close(self) -> None:
        group = self.group()
        detector = ZooKeeperDetector(group, client=group.client)
        detector.close()
        self.flush()
        self.assertIs(group.client.state, ConnectionState.CLOSED)


class CandidatesTests(ZooKeeperTestCase):
    def test_candidates(self) -> None:
        """
        A ZooKeeper detector names the masters in line after the leader,
        lowest sequence first, reading their nodes once while the
        membership does not change.
        """
        for n in [1, 2, 3]:
            self.candidacy(self.contender(n))
        detector = self.detector()
        self.assertEqual(self.detected(detector), masterInfo(1))
        d = detector.candidates()
        self.flush()
        self.assertEqual(self.successResultOf(d), [masterInfo(2), masterInfo(3)])
        calls = []
        detector.group.data = lambda m: calls.append(m)  # type: ignore[method-assign]
        d = detector.candidates()
        self.assertEqual(self.successResultOf(d), [masterInfo(2), masterInfo(3)])
        self.assertEqual(calls, [])

    def test_noMembersYet(self) -> None:
        """
        Before the group is read, no master is known to be in line.
        """
        detector = self.detector()
        self.assertEqual(self.successResultOf(detector.candidates()), [])


class ElectionTests(ZooKeeperTestCase):
    def election(self, n: int) -> Election:
        election = Election(self.contender(n), self.detector(), masterInfo(n))
        election.start()
        self.flush()
        return election

    def test_elected(self) -> None:
        """
        The first master is elected; the second is not, and follows it.
        """
        first, second = self.election(1), self.election(2)
        self.successResultOf(first.elected)
        self.assertTrue(first.isLeader)
        self.assertNoResult(second.elected)
        self.assertEqual(second.leader, masterInfo(1))
        self.assertNoResult(first.ended)
        self.assertNoResult(second.ended)

    def test_onLeader(self) -> None:
        """
        C{onLeader} is called with each leader detected, before C{elected}
        fires.
        """
        seen: list[object] = []
        first = Election(self.contender(1), self.detector(), masterInfo(1), seen.append)
        first.elected.addCallback(lambda _: seen.append("elected"))
        first.start()
        self.flush()
        self.assertEqual(seen, [masterInfo(1), "elected"])

    def test_stop(self) -> None:
        """
        A master that stops leaves quietly: its candidacy is withdrawn, the
        next master is elected, and C{ended} never fires.
        """
        first, second = self.election(1), self.election(2)
        d = first.stop()
        self.flush()
        self.assertTrue(self.successResultOf(d))
        self.successResultOf(second.elected)
        first.contender.group.client.close()
        self.flush()
        self.assertNoResult(first.ended)

    def test_nextElected(self) -> None:
        """
        When the leader goes, the next master is elected.
        """
        first, second = self.election(1), self.election(2)
        first.contender.group.client.close()
        first.detector.group.client.close()
        self.flush()
        self.successResultOf(second.elected)
        self.assertTrue(second.isLeader)

    def test_lostLeadership(self) -> None:
        """
        A leader whose session expires loses its candidacy and must exit.
        """
        first, second = self.election(1), self.election(2)
        self.server.expireSession(first.contender.group.client)
        self.flush()
        reason = self.successResultOf(first.ended)
        self.assertIn("committing suicide", reason)
        self.successResultOf(second.elected)

    def test_leaderNodeDeleted(self) -> None:
        """
        A leader whose group node is deleted loses its candidacy and must
        exit.
        """
        first, second = self.election(1), self.election(2)
        d = self.group().client.delete("/mesos/json.info_0000000000")
        self.flush()
        self.successResultOf(d)
        self.assertIn("committing suicide", self.successResultOf(first.ended))
        self.successResultOf(second.elected)

    def members(self) -> list[str]:
        return sorted(p for p in self.server.data() if p.startswith("/mesos/json.info_"))

    def test_standbyLostCandidacy(self) -> None:
        """
        A standby whose session expires contends again with a new node and
        keeps standing by; it is elected when the leader goes.
        """
        first, second = self.election(1), self.election(2)
        self.server.expireSession(second.contender.group.client)
        self.flush()
        self.assertNoResult(second.ended)
        self.assertEqual(
            self.members(), ["/mesos/json.info_0000000000", "/mesos/json.info_0000000002"]
        )
        data = self.server.data()["/mesos/json.info_0000000002"]
        self.assertEqual(masterInfoFromJSON(data), masterInfo(2))
        self.assertFalse(second.isLeader)
        self.assertEqual(second.leader, masterInfo(1))
        first.contender.group.client.close()
        self.flush()
        self.successResultOf(second.elected)
        self.assertNoResult(second.ended)

    def test_standbyNodeDeleted(self) -> None:
        """
        A standby whose group node is deleted contends again.
        """
        first, second = self.election(1), self.election(2)
        d = self.group().client.delete("/mesos/json.info_0000000001")
        self.flush()
        self.successResultOf(d)
        self.assertNoResult(second.ended)
        self.assertNoResult(first.ended)
        self.assertEqual(
            self.members(), ["/mesos/json.info_0000000000", "/mesos/json.info_0000000002"]
        )

    def test_stoppedWhileLost(self) -> None:
        """
        A standby stopped does not contend again when its candidacy goes.
        """
        first, second = self.election(1), self.election(2)
        second.stop()
        self.flush()
        self.server.expireSession(second.contender.group.client)
        self.flush()
        self.assertEqual(self.members(), ["/mesos/json.info_0000000000"])
        self.assertNoResult(second.ended)

    def test_lostLeadershipOnly(self) -> None:
        """
        A leader that sees another master lead must exit.
        """
        first = self.election(1)
        self.successResultOf(first.elected)
        self.assertTrue(self.withdrawn(first.contender))
        self.candidacy(self.contender(2))
        self.flush()
        self.assertEqual(
            self.successResultOf(first.ended), "Lost leadership... committing suicide!"
        )

    def test_detectionFails(self) -> None:
        """
        A master whose detector fails must exit.
        """
        self.group().join(b"garbage", "json.info")
        self.flush()
        election = self.election(1)
        self.assertIn("Failed to detect the leading master", self.successResultOf(election.ended))

    def test_standalone(self) -> None:
        """
        A standalone master is elected at once.
        """
        election = Election(StandaloneContender(), StandaloneDetector(masterInfo(1)), masterInfo(1))
        election.start()
        self.successResultOf(election.elected)


class FactoryTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = FakeZooKeeperServer(self.clock)
        self.made: list[tuple[Any, float]] = []

    def clientFactory(self, url: Any, sessionTimeout: float, reactor: Any) -> Any:
        self.made.append((url, sessionTimeout))
        return self.server.client(sessionTimeout, credentials=url.credentials)

    def test_isZooKeeper(self) -> None:
        self.assertTrue(isZooKeeper("zk://h/m"))
        self.assertTrue(isZooKeeper("file:///etc/mesos/zk"))
        self.assertFalse(isZooKeeper("h:5050"))

    def test_standaloneDetector(self) -> None:
        detector = createDetector("127.0.0.1:5050", self.clock)
        self.assertIsInstance(detector, StandaloneDetector)
        self.assertEqual(self.successResultOf(detector.detect()).pid, "master@127.0.0.1:5050")

    def test_zooKeeperDetector(self) -> None:
        """
        A C{zk://} master makes a detector with its own connected client.
        """
        detector = createDetector(
            "zk://h:2181/mesos", self.clock, Credentials("u", "p"), 5.0, self.clientFactory
        )
        self.assertIsInstance(detector, ZooKeeperDetector)
        [(url, timeout)] = self.made
        self.assertEqual(
            (url.hosts, url.path, url.credentials, timeout),
            ("h:2181", "/mesos", Credentials("u", "p"), 5.0),
        )
        self.server.flush()
        self.assertIs(detector.client.state, ConnectionState.CONNECTED)
        self.assertEqual(detector.group.path, "/mesos")

    def test_badMaster(self) -> None:
        self.assertRaises(ValueError, createDetector, "nonsense", self.clock)
        self.assertRaises(ZooKeeperURLError, createDetector, "zk://h:x/m", self.clock)

    def test_contenders(self) -> None:
        self.assertIsInstance(createContender(None, masterInfo(1), self.clock), StandaloneContender)
        contender = createContender(
            "zk://h/mesos", masterInfo(1), self.clock, clientFactory=self.clientFactory
        )
        self.assertIsInstance(contender, ZooKeeperContender)
        d = contender.contend()
        self.server.flush()
        self.assertEqual(self.successResultOf(d).membership.path, "/mesos/json.info_0000000000")
        self.server.flush()
        contender.close()
        self.server.flush()
        self.assertIs(contender.client.state, ConnectionState.CLOSED)

