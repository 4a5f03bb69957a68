# -*- test-case-name: tests.test_leader,tests.test_leader_zookeeper -*-
"""
Contenders for leadership, as Mesos's C{MasterContender}s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from mesos_tw.interfaces import IContender
from mesos_tw.mesos_pb2 import MasterInfo
from mesos_tw.leader.info import MASTER_INFO_LABEL, masterInfoToJSON
from mesos_tw.zk.group import Group, Membership

log = Logger()


@dataclass
class Candidacy:
    """
    A registered candidacy, what L{IContender.contend} fires with.

    @ivar lost: fires with L{None} when the candidacy is lost (not when it
        is withdrawn): a leading master must then exit, a standby contends
        again.
    @ivar membership: the group membership of a ZooKeeper candidacy, or
        L{None}.
    """

    lost: Deferred[None] = field(default_factory=Deferred)
    membership: Membership | None = None


@implementer(IContender)
class StandaloneContender:
    """
    The contender of a lone master: its candidacy is never lost.
    """

    def __init__(self, masterInfo: MasterInfo | None = None) -> None:
        self.masterInfo = masterInfo
        self._candidacy: Candidacy | None = None

    def contend(self) -> Deferred[Candidacy]:
        self._candidacy = Candidacy()
        return succeed(self._candidacy)

    def withdraw(self) -> Deferred[bool]:
        had, self._candidacy = self._candidacy is not None, None
        return succeed(had)


@implementer(IContender)
class ZooKeeperContender:
    """
    Contends by joining a ZooKeeper L{Group} with an ephemeral sequential
    C{json.info_} node holding the master's C{MasterInfo} as JSON; the
    member with the lowest sequence leads.

    @ivar client: the ZooKeeper client if this contender owns it (then
        L{close} closes it), else L{None}.
    """

    def __init__(self, group: Group, masterInfo: MasterInfo, client: Any = None) -> None:
        self.group = group
        self.masterInfo = masterInfo
        self.client = client
        self._candidacy: Candidacy | None = None
        self._joining: _Joining | None = None

    def contend(self) -> Deferred[Candidacy]:
        """
        Join the group (withdrawing a previous candidacy first).
        """
        withdrawn = self.withdraw()
        data = masterInfoToJSON(self.masterInfo)
        joining = self._joining = _Joining()

        def joined(membership: Membership) -> Candidacy:
            candidacy = Candidacy(Deferred(), membership)
            if joining.withdrawals:
                # Withdrawn while joining.
                self.group.cancel(membership).addBoth(_fireAll, joining.withdrawals)
                return candidacy
            if self._joining is joining:
                self._joining = None
            self._candidacy = candidacy

            def ended(byUs: bool) -> None:
                if self._candidacy is candidacy:
                    self._candidacy = None
                if not byUs:
                    log.warn(
                        "Lost the candidacy {name} in {group}",
                        name=membership.name, group=self.group.path,
                    )
                    candidacy.lost.callback(None)

            assert membership.cancelled is not None
            membership.cancelled.addCallback(ended)
            return candidacy

        def failed(failure: Any) -> Any:
            if self._joining is joining:
                self._joining = None
            for withdrawal in joining.withdrawals:
                withdrawal.callback(False)
            return failure

        d = withdrawn.addCallback(lambda _: self.group.join(data, MASTER_INFO_LABEL))
        return d.addCallbacks(joined, failed)

    def withdraw(self) -> Deferred[bool]:
        """
        Leave the group; the candidacy's C{lost} then never fires.
        """
        if self._joining is not None:
            joining, self._joining = self._joining, None
            withdrawal: Deferred[bool] = Deferred()
            joining.withdrawals.append(withdrawal)
            return withdrawal
        candidacy, self._candidacy = self._candidacy, None
        if candidacy is None or candidacy.membership is None:
            return succeed(False)
        return self.group.cancel(candidacy.membership)

    def close(self) -> Deferred[None]:
        """
        Stop following the group, and close the client if this contender
        owns it (its membership goes with the session).
        """
        self.group.stop()
        if self.client is not None:
            return self.client.close()
        return succeed(None)


class _Joining:
    """
    A join in progress, and the withdrawals waiting for it to end.
    """

    def __init__(self) -> None:
        self.withdrawals: list[Deferred[bool]] = []


def _fireAll(result: Any, ds: list[Deferred[Any]]) -> None:
    for d in ds:
        if isinstance(result, Failure):
            d.errback(result)
        else:
            d.callback(result)
