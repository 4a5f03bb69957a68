# -*- test-case-name: tests.test_zk_group -*-
"""
A ZooKeeper group, as Mesos's C{zookeeper::Group}: members join with an
ephemeral sequential node under the group's path, C{<label>_<sequence>} (for
masters C{json.info_0000000003} holding their C{MasterInfo} as JSON), and
watchers learn when the membership changes.

The group rides out connection loss: reads and joins wait for the client to
reconnect and are retried. A member's own memberships are lost when its
session expires, when their node is deleted, or when the client stayed
disconnected for longer than the session timeout (by then the server has
expired the session, though the client cannot know before it reconnects;
this keeps a partitioned leader from believing it still leads). That
timeout is the one the server granted if it is shorter than the one asked
for (servers bound it). Their C{cancelled} L{Deferred} then fires with
C{False}.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from mesos_tw.interfaces import IZooKeeperClient
from mesos_tw.zk import errors
from mesos_tw.zk.events import ConnectionState, EventType, WatchedEvent
from mesos_tw.zk.paths import checkPath, joinPath

log = Logger()

#: A member's node: C{[label_]sequence}, with a 10-digit sequence.
_MEMBER = re.compile(r"^(?:(?P<label>.+)_)?(?P<sequence>\d{10})$")

#: Errors after which an operation is retried once connected again.
_RETRIABLE = (errors.ConnectionLossError, errors.SessionExpiredError, errors.ClosedError)


@dataclass(frozen=True)
class Membership:
    """
    A member of a L{Group}: equal memberships have the same sequence and
    label.

    @ivar sequence: the sequence number ZooKeeper gave its node.
    @ivar label: the prefix of its node's name (C{json.info}), or L{None}.
    @ivar path: its node's path.
    @ivar cancelled: for memberships this process joined, a L{Deferred}
        firing with C{True} once L{Group.cancel} removed it, or C{False} if
        it was lost otherwise; L{None} for memberships of others.
    """

    sequence: int
    label: str | None
    path: str = field(compare=False)
    cancelled: Deferred[bool] | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        """
        The node's name.
        """
        return self.path.rsplit("/", 1)[1]


def parseMember(group: str, name: str) -> Membership | None:
    """
    The membership a child C{name} of the group at C{group} stands for, or
    L{None} if C{name} is no member's node.
    """
    match = _MEMBER.match(name)
    if match is None:
        return None
    return Membership(int(match.group("sequence")), match.group("label"), joinPath(group, name))


class Group:
    """
    The members of the group at C{path}, through an L{IZooKeeperClient}.

    The group starts following the membership at its first use and stops at
    L{stop}. It does not connect or close the client.
    """

    def __init__(
        self,
        client: IZooKeeperClient,
        path: str,
        reactor: IReactorTime,
        sessionTimeout: float | None = None,
    ) -> None:
        """
        @param client: the ZooKeeper client, connected or not yet.
        @param path: the group's node; created if missing.
        @param reactor: for the session timeout.
        @param sessionTimeout: how long the client may stay disconnected
            before this process's memberships are considered lost; the
            client's session timeout if L{None}. The session timeout the
            server granted (the client's C{negotiatedSessionTimeout}) is
            used instead when it is shorter.
        """
        self.client = client
        self.path = checkPath(path)
        self._reactor = reactor
        if sessionTimeout is None:
            sessionTimeout = client.sessionTimeout
        self.sessionTimeout = sessionTimeout
        self._started = False
        self._stopped = False
        #: The members, or L{None} before the first successful read.
        self._members: frozenset[Membership] | None = None
        self._watchers: list[tuple[frozenset[Membership], Deferred[frozenset[Membership]]]] = []
        #: This process's memberships by sequence, and the number of reads
        #: issued before each was created.
        self._owned: dict[int, tuple[Membership, int]] = {}
        self._reads = 0
        self._reading = False
        self._readAgain = False
        self._stale = False
        self._connectedWaiters: list[Deferred[None]] = []
        self._timeout: IDelayedCall | None = None
        #: Nodes of memberships given up after a session timeout, with the
        #: session they belong to: deleted if that session comes back.
        self._orphans: list[tuple[int | None, str]] = []

    def __repr__(self) -> str:
        return f"<Group {self.path}>"

    # -- Public API --------------------------------------------------------

    def join(self, data: bytes, label: str | None = None) -> Deferred[Membership]:
        """
        Join the group with an ephemeral sequential node holding C{data},
        retrying through connection loss and session expiry.

        @param label: the prefix of the node's name (Mesos masters use
            C{json.info}).
        @return: a L{Deferred} firing with the L{Membership}, whose
            C{cancelled} fires when it ends.
        """
        self._start()
        if label is not None and ("/" in label or not label):
            return fail(errors.BadArgumentsError(f"bad group label {label!r}"))
        prefix = joinPath(self.path, f"{label}_" if label else "")
        result: Deferred[Membership] = Deferred()

        def attempt(_: object = None) -> None:
            if self._stopped:
                result.errback(errors.ClosedError(f"{self!r} was stopped"))
                return
            session = self.client.sessionId
            d = self.client.create(prefix, data, ephemeral=True, sequence=True, makepath=True)
            d.addCallbacks(created, failed, callbackArgs=(session,), errbackArgs=(session,))

        def created(path: str, session: int | None) -> None:
            membership = parseMember(self.path, path.rsplit("/", 1)[1])
            assert membership is not None, path
            if self.client.sessionId != session:
                # The session that made it ended before we heard.
                self._whenConnected().addCallback(attempt)
                return
            result.callback(self._own(membership))

        def failed(failure: Failure, session: int | None) -> None:
            if not failure.check(*_RETRIABLE) or self._closing(failure):
                result.errback(failure)
                return
            if failure.check(errors.ConnectionLossError):
                # It may have been created before the connection was lost.
                d = self._whenConnected()
                d.addCallback(lambda _: self._findOwn(data, label, session))
                d.addCallbacks(found, failed, errbackArgs=(session,))
                return
            self._whenConnected().addCallback(attempt)

        def found(membership: Membership | None) -> None:
            if membership is None:
                attempt()
            else:
                result.callback(self._own(membership))

        self._whenConnected().addCallback(attempt)
        return result

    def cancel(self, membership: Membership) -> Deferred[bool]:
        """
        Leave the group: delete C{membership}'s node.

        @return: a L{Deferred} firing with C{True} if this process held the
            membership and it is now cancelled, C{False} if it did not hold
            it (or it was already lost).
        """
        if membership.sequence not in self._owned:
            return succeed(False)
        result: Deferred[bool] = Deferred()

        def attempt(_: object = None) -> None:
            if membership.sequence not in self._owned:
                result.callback(False)
                return
            d = self.client.delete(membership.path)
            d.addCallbacks(deleted, failed)

        def deleted(_: object) -> None:
            if self._owned.pop(membership.sequence, None) is not None:
                _fire(membership.cancelled, True)
            result.callback(True)
            self._read()

        def failed(failure: Failure) -> None:
            if failure.check(errors.NoNodeError):
                self._lose(membership, "its node is gone")
                result.callback(False)
            elif self._closing(failure):
                self._lose(membership, "the ZooKeeper client was closed")
                result.callback(False)
            elif failure.check(*_RETRIABLE):
                self._whenConnected().addCallback(attempt)
            else:
                result.errback(failure)

        self._whenConnected().addCallback(attempt)
        return result

    def data(self, membership: Membership) -> Deferred[bytes | None]:
        """
        The data of a member's node, or L{None} if it is gone.
        """
        self._start()
        result: Deferred[bytes | None] = Deferred()

        def attempt(_: object = None) -> None:
            self.client.get(membership.path).addCallbacks(result.callback, failed)

        def failed(failure: Failure) -> None:
            if failure.check(errors.NoNodeError):
                result.callback(None)
            elif self._closing(failure):
                result.errback(failure)
            elif failure.check(*_RETRIABLE):
                self._whenConnected().addCallback(attempt)
            else:
                result.errback(failure)

        self._whenConnected().addCallback(attempt)
        return result

    def watch(self, expected: Iterable[Membership] = ()) -> Deferred[frozenset[Membership]]:
        """
        The members, as soon as they differ from C{expected}.

        @return: a L{Deferred} firing with a C{frozenset} of L{Membership}.
        """
        self._start()
        expected = frozenset(expected)
        if self._members is not None and self._members != expected:
            return succeed(self._members)
        def cancel(d: Deferred[frozenset[Membership]]) -> None:
            if (expected, d) in self._watchers:
                self._watchers.remove((expected, d))

        d: Deferred[frozenset[Membership]] = Deferred(cancel)
        self._watchers.append((expected, d))
        return d

    @property
    def members(self) -> frozenset[Membership] | None:
        """
        The members last read, or L{None} before the first read.
        """
        return self._members

    @property
    def lossTimeout(self) -> float:
        """
        How long the client may stay disconnected before this process's
        memberships are given up, in seconds: the session timeout asked for,
        or the one the server granted if shorter (a server expires the
        session after the timeout it granted).
        """
        granted = self.client.negotiatedSessionTimeout
        if granted is None:
            return self.sessionTimeout
        return min(self.sessionTimeout, granted)

    def stop(self) -> None:
        """
        Stop following the group (the client stays connected and the
        memberships stay). Pending L{watch}es never fire.
        """
        if self._started and not self._stopped:
            self.client.removeStateObserver(self._stateChanged)
        self._stopped = True
        self._watchers = []
        if self._timeout is not None:
            self._timeout.cancel()
            self._timeout = None

    # -- Following the membership ------------------------------------------

    def _start(self) -> None:
        if self._started or self._stopped:
            return
        self._started = True
        self.client.addStateObserver(self._stateChanged)
        if self.client.state is ConnectionState.SUSPENDED:
            self._stateChanged(ConnectionState.SUSPENDED)
        self._read()

    def _closing(self, failure: Failure) -> bool:
        """
        Whether C{failure} says the client is being closed while it still
        says it is connected: retrying at once would spin.
        """
        return (
            failure.check(errors.ClosedError) is not None
            and self.client.state is ConnectionState.CONNECTED
        )

    def _whenConnected(self) -> Deferred[None]:
        if self.client.state is ConnectionState.CONNECTED:
            return succeed(None)
        d: Deferred[None] = Deferred()
        self._connectedWaiters.append(d)
        return d

    def _stateChanged(self, state: ConnectionState) -> None:
        if state is ConnectionState.CONNECTED:
            if self._timeout is not None:
                self._timeout.cancel()
                self._timeout = None
            self._deleteOrphans()
            waiters, self._connectedWaiters = self._connectedWaiters, []
            for d in waiters:
                d.callback(None)
            if self._stale:
                self._read()
        elif state is ConnectionState.SUSPENDED:
            self._stale = True
            if self._timeout is None and self._owned:
                self._timeout = self._reactor.callLater(self.lossTimeout, self._timedOut)
        elif state is ConnectionState.EXPIRED:
            self._stale = True
            self._orphans = []
            if self._timeout is not None:
                self._timeout.cancel()
                self._timeout = None
            for membership, _ in list(self._owned.values()):
                self._lose(membership, "the ZooKeeper session expired")
        elif state is ConnectionState.CLOSED:
            self._stale = True
            for membership, _ in list(self._owned.values()):
                self._lose(membership, "the ZooKeeper client was closed")

    def _timedOut(self) -> None:
        self._timeout = None
        log.warn(
            "Disconnected from ZooKeeper for longer than the session timeout "
            "({timeout:g} s): giving up the memberships of {group}",
            timeout=self.lossTimeout, group=self.path,
        )
        for membership, _ in list(self._owned.values()):
            self._orphans.append((self.client.sessionId, membership.path))
            self._lose(membership, "the ZooKeeper session timed out")

    def _deleteOrphans(self) -> None:
        orphans, self._orphans = self._orphans, []
        for session, path in orphans:
            if session == self.client.sessionId:
                log.info("Deleting {path}, given up after a session timeout", path=path)
                self.client.delete(path).addErrback(lambda f: None)

    def _own(self, membership: Membership) -> Membership:
        owned = Membership(membership.sequence, membership.label, membership.path, Deferred())
        self._owned[owned.sequence] = (owned, self._reads)
        log.info("Joined {group} as {name}", group=self.path, name=owned.name)
        return owned

    def _lose(self, membership: Membership, why: str) -> None:
        if self._owned.pop(membership.sequence, None) is None:
            return
        log.warn(
            "Lost membership {name} of {group}: {why}",
            name=membership.name, group=self.path, why=why,
        )
        _fire(membership.cancelled, False)

    def _findOwn(
        self, data: bytes, label: str | None, session: int | None
    ) -> Deferred[Membership | None]:
        """
        After a create whose answer was lost, find the node it made, if any:
        in the same session, a member with C{label} and C{data} that is not
        already ours.
        """
        if session is None or session != self.client.sessionId:
            return succeed(None)
        owned = set(self._owned)

        def check(children: list[str]) -> Deferred[Membership | None]:
            candidates = [
                m for m in (parseMember(self.path, name) for name in children)
                if m is not None and m.label == label and m.sequence not in owned
            ]

            def next(_: object = None) -> Any:
                if not candidates:
                    return None
                candidate = candidates.pop()
                d = self.client.get(candidate.path)
                d.addCallback(lambda found: candidate if found == data else next())
                d.addErrback(lambda f: f.trap(errors.NoNodeError) and next())
                return d

            return next()

        d = self.client.getChildren(self.path)
        d.addCallback(check)
        d.addErrback(lambda f: f.trap(errors.NoNodeError) and None)
        return d

    def _read(self) -> None:
        """
        Read the members and watch for changes.
        """
        if self._stopped:
            return
        if self._reading:
            self._readAgain = True
            return
        self._reading = True
        self._readAgain = False
        self._stale = False
        self._reads += 1
        read = self._reads
        d = self.client.getChildren(self.path, watch=self._changed)
        d.addCallbacks(self._readDone, self._readFailed, callbackArgs=(read,))
        d.addBoth(self._readEnded)

    def _readEnded(self, _: object) -> None:
        self._reading = False
        if self._readAgain:
            self._read()

    def _readFailed(self, failure: Failure) -> None:
        if failure.check(errors.NoNodeError):
            d = self.client.ensurePath(self.path)
            d.addCallbacks(lambda _: self._read(), self._readFailed)
        elif failure.check(*_RETRIABLE):
            self._stale = True
            # A closing client fails at once: read again when it connects.
            if not self._closing(failure) and self.client.state is ConnectionState.CONNECTED:
                self._read()
        else:
            log.failure("Reading the members of {group}", failure, group=self.path)
            watchers, self._watchers = self._watchers, []
            for _, d in watchers:
                d.errback(failure)

    def _changed(self, event: WatchedEvent) -> None:
        if event.type is EventType.NONE:
            self._stale = True
            if self.client.state is ConnectionState.CONNECTED:
                self._read()
        else:
            self._read()

    def _readDone(self, children: list[str], read: int) -> None:
        members = frozenset(
            m for m in (parseMember(self.path, name) for name in children) if m is not None
        )
        self._members = members
        for sequence, (membership, before) in list(self._owned.items()):
            # Only reads issued after the node was created must see it.
            if before < read and membership not in members:
                self._lose(membership, "its node is gone")
        for watcher in list(self._watchers):
            expected, d = watcher
            if members != expected:
                self._watchers.remove(watcher)
                d.callback(members)


def _fire(d: Deferred[bool] | None, value: bool) -> None:
    if d is not None and not d.called:
        d.callback(value)


__all__ = ["Group", "Membership", "parseMember"]
