# -*- test-case-name: tests.test_leader,tests.test_leader_zookeeper -*-
"""
Contenders and detectors for the flags Mesos takes: a master's C{--zk}, and
the C{--master} of slaves and scheduler drivers (C{host:port}, a
C{zk://} URL, or C{file:///path} holding one).
"""

from __future__ import annotations

from typing import Any, Callable

from twisted.logger import Logger
from twisted.python.failure import Failure

from mesos_tw.interfaces import IContender, IDetector, IZooKeeperClient
from mesos_tw.leader.contender import StandaloneContender, ZooKeeperContender
from mesos_tw.leader.detector import StandaloneDetector, ZooKeeperDetector
from mesos_tw.leader.info import masterInfoFromAddress
from mesos_tw.mesos_pb2 import MasterInfo
from mesos_tw.zk import errors
from mesos_tw.zk.group import Group
from mesos_tw.zk.url import Credentials, ZooKeeperURL, parseURL

log = Logger()

#: Mesos's default C{--zk_session_timeout}.
DEFAULT_SESSION_TIMEOUT = 10.0

def isZooKeeper(spec: str) -> bool:
    """
    Whether a C{--master} or C{--zk} value names ZooKeeper.
    """
    return spec.strip().startswith(("zk://", "file://"))


def masterSpec(text: str) -> str:
    """
    A coercer for the C{--master} option of slaves and tools: C{host:port},
    C{zk://...} or C{file:///...} (checked, returned as given).

    @raise ValueError: naming what is wrong.
    """
    text = text.strip()
    if isZooKeeper(text):
        if text.startswith("zk://"):
            parseURL(text)
        return text
    masterInfoFromAddress(text)
    return text


masterSpec.coerceDoc = (  # type: ignore[attr-defined]
    "HOST:PORT, zk://[user:password@]HOST:PORT[,...]/PATH or file:///FILE."
)


def _defaultClient(url: ZooKeeperURL, sessionTimeout: float, reactor: Any) -> IZooKeeperClient:
    from mesos_tw.zk.client import ZooKeeperClient

    return ZooKeeperClient(url.hosts, sessionTimeout, reactor, credentials=url.credentials)


def _group(
    url: ZooKeeperURL, reactor: Any, sessionTimeout: float,
    clientFactory: Callable[[ZooKeeperURL, float, Any], IZooKeeperClient],
) -> Group:
    client = clientFactory(url, sessionTimeout, reactor)

    def failed(failure: Failure) -> None:
        if not failure.check(errors.ClosedError):
            log.failure("Connecting to ZooKeeper at {url}", failure, url=str(url))

    client.connect().addErrback(failed)
    return Group(client, url.path, reactor, sessionTimeout)


def createDetector(
    master: str,
    reactor: Any,
    credentials: Credentials | None = None,
    sessionTimeout: float = DEFAULT_SESSION_TIMEOUT,
    clientFactory: Callable[[ZooKeeperURL, float, Any], IZooKeeperClient] = _defaultClient,
) -> IDetector:
    """
    The detector for a C{--master} value: a L{StandaloneDetector} for
    C{host:port}, else a L{ZooKeeperDetector} with a client of its own,
    connecting now (close it with the detector's C{close}).

    @raise ValueError: if C{master} is malformed (a
        L{mesos_tw.zk.url.ZooKeeperURLError} for URLs).
    """
    if not isZooKeeper(master):
        return StandaloneDetector(masterInfoFromAddress(master))
    url = parseURL(master, credentials)
    group = _group(url, reactor, sessionTimeout, clientFactory)
    return ZooKeeperDetector(group, client=group.client)


def createContender(
    zk: str | None,
    masterInfo: MasterInfo,
    reactor: Any,
    credentials: Credentials | None = None,
    sessionTimeout: float = DEFAULT_SESSION_TIMEOUT,
    clientFactory: Callable[[ZooKeeperURL, float, Any], IZooKeeperClient] = _defaultClient,
) -> IContender:
    """
    The contender for a master's C{--zk} value: a L{StandaloneContender}
    without one, else a L{ZooKeeperContender} with a client of its own,
    connecting now (close it with the contender's C{close}).

    @raise mesos_tw.zk.url.ZooKeeperURLError: if C{zk} is malformed.
    """
    if not zk:
        return StandaloneContender(masterInfo)
    url = parseURL(zk, credentials)
    group = _group(url, reactor, sessionTimeout, clientFactory)
    return ZooKeeperContender(group, masterInfo, client=group.client)
