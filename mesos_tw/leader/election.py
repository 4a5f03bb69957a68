# -*- test-case-name: tests.test_leader,tests.test_leader_zookeeper -*-
"""
A master's part in leader election, as Mesos's master plays it: contend,
follow the detected leader, and learn when it must exit.
"""

from __future__ import annotations

from typing import Callable

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from mesos_tw.interfaces import IContender, IDetector
from mesos_tw.leader.contender import Candidacy
from mesos_tw.mesos_pb2 import MasterInfo

log = Logger()


class Election:
    """
    Runs a master's candidacy.

    A master elected once that loses its leadership or its candidacy, or
    any master whose contending or detecting fails, must exit so its
    supervisor restarts it (it cannot simply step down: Mesos masters keep
    state only while they lead): L{ended} then fires with the log line to
    exit with. A standby that loses its candidacy contends again.

    @ivar elected: fires when this master becomes the leader.
    @ivar ended: fires with the reason (a C{str}) when the master must exit.
    @ivar leader: the leader last detected (a C{MasterInfo}) or L{None}.
    """

    def __init__(
        self,
        contender: IContender,
        detector: IDetector,
        info: MasterInfo,
        onLeader: Callable[[MasterInfo | None], object] = lambda leader: None,
    ) -> None:
        """
        @param info: this master's C{MasterInfo}; a detected leader with its
            C{id} is this master.
        @param onLeader: called with each leader detected (L{None}: none),
            before L{elected} fires for this master.
        """
        self._onLeader = onLeader
        self.contender = contender
        self.detector = detector
        self.info = info
        self.leader: MasterInfo | None = None
        self.isLeader = False
        self.elected: Deferred[None] = Deferred()
        self.ended: Deferred[str] = Deferred()
        self._stopped = False

    def start(self) -> None:
        """
        Contend and detect.
        """
        self._contend()
        self._detect()

    def stop(self) -> Deferred[bool]:
        """
        Leave the election quietly (the master stops): withdraw the
        candidacy; L{ended} never fires.

        @return: the withdrawal's L{Deferred}.
        """
        self._stopped = True
        return self.contender.withdraw()

    def _contend(self) -> None:
        self.contender.contend().addCallbacks(
            self._contended, self._failed, errbackArgs=("contend",)
        )

    def _contended(self, candidacy: Candidacy) -> None:
        if self.ended.called or self._stopped:
            return
        log.info("Contending for leadership as {pid}", pid=self.info.pid)
        candidacy.lost.addCallback(self._lostCandidacy)

    def _lostCandidacy(self, _: object) -> None:
        """
        The candidacy is lost (the ZooKeeper session expired, timed out, or
        the group node vanished): a master elected must exit, a standby
        contends again.
        """
        if self.ended.called or self._stopped:
            return
        if self.isLeader or self.elected.called:
            self._end(
                "Lost the candidacy as the leading master (the ZooKeeper session "
                "expired, timed out, or the group node vanished): committing suicide!"
            )
            return
        log.warn(
            "Lost the candidacy of {pid} as a standby (the ZooKeeper session expired, "
            "timed out, or the group node vanished): contending again",
            pid=self.info.pid,
        )
        self._contend()

    def _detect(self) -> None:
        if self.ended.called or self._stopped:
            return
        self.detector.detect(self.leader).addCallbacks(
            self._detected, self._failed, errbackArgs=("detect the leading master",)
        )

    def _detected(self, leader: MasterInfo | None) -> None:
        if self.ended.called or self._stopped:
            return
        self.leader = leader
        self._onLeader(leader)
        wasLeader = self.isLeader
        self.isLeader = leader is not None and leader.id == self.info.id
        if self.isLeader and not wasLeader:
            log.info("Elected as the leading master!")
            self.elected.callback(None)
        elif wasLeader and not self.isLeader:
            self._end("Lost leadership... committing suicide!")
            return
        elif leader is not None:
            log.info("The leading master is {pid}", pid=leader.pid)
        self._detect()

    def _failed(self, failure: Failure, what: str) -> None:
        self._end(f"Failed to {what}: {failure.getErrorMessage()}")

    def _end(self, reason: str) -> None:
        if not self.ended.called and not self._stopped:
            log.critical("{reason}", reason=reason)
            self.ended.callback(reason)
