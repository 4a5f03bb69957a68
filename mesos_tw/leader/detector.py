# -*- test-case-name: tests.test_leader,tests.test_leader_zookeeper -*-
"""
Detectors of the leading master, as Mesos's C{MasterDetector}s.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, fail, gatherResults, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from mesos_tw.interfaces import IDetector
from mesos_tw.leader.info import masterInfoFromNode
from mesos_tw.mesos_pb2 import MasterInfo
from mesos_tw.zk.group import Group, Membership

log = Logger()


class DetectionError(Exception):
    """
    The leader cannot be detected: its group node holds no C{MasterInfo}
    (in JSON, binary, or as a pid, by its label). As in Mesos, the detector
    then fails every detection, and whoever relies on it should exit.
    """


def _copy(info: MasterInfo | None) -> MasterInfo | None:
    if info is None:
        return None
    copy = MasterInfo()
    copy.CopyFrom(info)
    return copy


def _same(a: MasterInfo | None, b: MasterInfo | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b


class _Pending:
    """
    Detections waiting for the leader to differ from what they know.
    """

    def __init__(self) -> None:
        self._waiting: list[tuple[MasterInfo | None, Deferred[MasterInfo | None]]] = []

    def add(self, previous: MasterInfo | None) -> Deferred[MasterInfo | None]:
        entry: tuple[MasterInfo | None, Deferred[MasterInfo | None]]

        def cancel(d: Deferred[MasterInfo | None]) -> None:
            if entry in self._waiting:
                self._waiting.remove(entry)

        d: Deferred[MasterInfo | None] = Deferred(cancel)
        entry = (_copy(previous), d)
        self._waiting.append(entry)
        return d

    def notify(self, leader: MasterInfo | None) -> None:
        for entry in list(self._waiting):
            previous, d = entry
            if not _same(previous, leader):
                self._waiting.remove(entry)
                d.callback(_copy(leader))

    def fail(self, error: Exception) -> None:
        waiting, self._waiting = self._waiting, []
        for _, d in waiting:
            d.errback(Failure(error))


@implementer(IDetector)
class StandaloneDetector:
    """
    The detector of a lone master: the leader is the one it was given or
    last appointed.
    """

    def __init__(self, leader: MasterInfo | None = None) -> None:
        self.leader = _copy(leader)
        self._pending = _Pending()

    def detect(self, previous: MasterInfo | None = None) -> Deferred[MasterInfo | None]:
        if not _same(self.leader, previous):
            return succeed(_copy(self.leader))
        return self._pending.add(previous)

    def appoint(self, leader: MasterInfo | None) -> None:
        """
        Make C{leader} the leader (or L{None}: no leader).
        """
        self.leader = _copy(leader)
        self._pending.notify(self.leader)


@implementer(IDetector)
class ZooKeeperDetector:
    """
    Follows the masters' ZooKeeper L{Group}: the leader is the member with
    the lowest sequence, whatever its label, and its node holds its
    C{MasterInfo}: as JSON in a C{json.info_} node, or as older Mesos masters
    wrote it, binary in an C{info_} node or a pid in an unlabelled one.

    @ivar client: the ZooKeeper client if this detector owns it (then
        L{close} closes it), else L{None}.
    @ivar leader: the leader last detected.
    """

    def __init__(self, group: Group, client: Any = None) -> None:
        self.group = group
        self.client = client
        self.leader: MasterInfo | None = None
        self._leading: Membership | None = None
        self._known = False
        self._started = False
        self._error: DetectionError | None = None
        self._pending = _Pending()
        self._candidates: tuple[frozenset[Membership], Deferred[list[MasterInfo]]] | None = None

    def detect(self, previous: MasterInfo | None = None) -> Deferred[MasterInfo | None]:
        if self._error is not None:
            return fail(self._error)
        if not self._started:
            self._started = True
            self._watch(frozenset())
        if self._known and not _same(self.leader, previous):
            return succeed(_copy(self.leader))
        return self._pending.add(previous)

    def candidates(self) -> Deferred[list[MasterInfo]]:
        """
        The masters in line after the leader, lowest sequence first (not an
        L{IDetector} method): a link whose leader vanished may connect to
        the next one ahead of its election. Reads are shared while the
        membership does not change.
        """
        members = self.group.members
        if members is None:
            return succeed([])
        if self._candidates is not None and self._candidates[0] == members:
            return _chain(self._candidates[1])
        ordered = sorted((m for m in members if m != self._leading), key=lambda m: m.sequence)

        def read(membership: Membership) -> Deferred[MasterInfo | None]:
            def parse(data: bytes | None) -> MasterInfo | None:
                return None if data is None else masterInfoFromNode(membership.label, data)

            return self.group.data(membership).addCallback(parse).addErrback(lambda _: None)

        d = gatherResults([read(m) for m in ordered])
        d.addCallback(lambda infos: [i for i in infos if i is not None])
        self._candidates = (members, d)
        return _chain(d)

    def close(self) -> Deferred[None]:
        """
        Stop following the group, and close the client if this detector
        owns it.
        """
        self.group.stop()
        if self.client is not None:
            return self.client.close()
        return succeed(None)

    def _watch(self, members: frozenset[Membership]) -> None:
        self.group.watch(members).addCallbacks(self._membersChanged, self._failed)

    def _membersChanged(self, members: frozenset[Membership]) -> None:
        if self._error is not None:
            return
        self._watch(members)
        leading = min(members, key=lambda m: m.sequence, default=None)
        if self._known and leading == self._leading:
            return
        self._leading = leading
        if leading is None:
            self._detected(None)
        else:
            self.group.data(leading).addCallbacks(
                self._fetched, self._failed, callbackArgs=(leading,)
            )

    def _fetched(self, data: bytes | None, membership: Membership) -> None:
        if membership != self._leading or self._error is not None:
            return
        if data is None:
            # Gone already: no leader until the group says who is next.
            self._detected(None)
            return
        try:
            info = masterInfoFromNode(membership.label, data)
        except ValueError as e:
            self._fail(DetectionError(
                f"the leading member {membership.path} holds no master's information: {e}"
            ))
            return
        self._detected(info)

    def _detected(self, leader: MasterInfo | None) -> None:
        changed = not self._known or not _same(self.leader, leader)
        self._known = True
        self.leader = leader
        if changed:
            if leader is None:
                log.info("No leading master in {group}", group=self.group.path)
            else:
                log.info(
                    "Detected the leading master {pid} (id {id}) in {group}",
                    pid=leader.pid, id=leader.id, group=self.group.path,
                )
        self._pending.notify(leader)

    def _failed(self, failure: Failure) -> None:
        self._fail(DetectionError(f"following {self.group.path}: {failure.getErrorMessage()}"))

    def _fail(self, error: DetectionError) -> None:
        if self._error is not None:
            return
        log.error("Failed to detect the leading master: {error}", error=error)
        self._error = error
        self._pending.fail(error)


def _chain(d: Deferred[list[MasterInfo]]) -> Deferred[list[MasterInfo]]:
    """
    A new L{Deferred} with (a copy of) C{d}'s result, leaving C{d} as it
    is.
    """
    result: Deferred[list[MasterInfo]] = Deferred()

    def fired(value: object) -> object:
        if isinstance(value, list):
            result.callback(list(value))
        else:
            result.callback([])
        return value

    d.addBoth(fired)
    return result
