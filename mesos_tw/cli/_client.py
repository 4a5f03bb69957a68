# -*- test-case-name: tests.test_cli -*-
"""
What every command that talks to a master needs: its address and our
credentials, from the options or from C{$MESOS_MASTER} and C{$MESOS_TLS_DIR}
(which C{mesos-tw local} sets). The master is C{host:port}, or the
masters' C{zk://} URL: the command then asks ZooKeeper for the leader.
"""

from __future__ import annotations

import os
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.python import usage

from mesos_tw.leader.factory import createDetector, isZooKeeper, masterSpec
from mesos_tw.leader.link import masterAddress
from mesos_tw.mesos_pb2 import MasterInfo
from mesos_tw.protocol.tls import Credentials, TLSConfigurationError
from mesos_tw.util import hostPort

#: How long a command waits for ZooKeeper to name the leading master.
LEADER_TIMEOUT = 15.0


def resolveMaster(options: usage.Options) -> None:
    """
    Fill in C{options["master"]} (C{host:port} or a ZooKeeper URL, checked)
    and C{options["credentials"]}, defaulting to the environment.

    @raise usage.UsageError: naming what is missing or wrong.
    """
    if options["master"] is None:
        if "MESOS_MASTER" not in os.environ:
            raise usage.UsageError("--master (or $MESOS_MASTER) is required")
        try:
            options["master"] = masterSpec(os.environ["MESOS_MASTER"])
        except ValueError as e:
            raise usage.UsageError(f"$MESOS_MASTER: {e}")
    tlsDir = options["tls-dir"] or os.environ.get("MESOS_TLS_DIR")
    if not tlsDir:
        raise usage.UsageError("--tls-dir (or $MESOS_TLS_DIR) is required")
    try:
        options["credentials"] = Credentials.fromDirectory(tlsDir)
    except TLSConfigurationError as e:
        raise usage.UsageError(str(e))


def findLeader(reactor: Any, master: str, timeout: float = LEADER_TIMEOUT) -> Deferred[tuple[str, int]]:
    """
    Where the leading master is: C{master} itself if it is C{host:port},
    else the leader ZooKeeper names.

    @return: a L{Deferred} firing with C{(host, port)}, or failing with
        L{LookupError} if no master leads within C{timeout} seconds.
    """
    if not isZooKeeper(master):
        return succeed(hostPort(master))
    detector: Any = createDetector(master, reactor)
    d = detector.detect(None)

    def found(leader: MasterInfo | None) -> Any:
        if leader is None:
            return detector.detect(None).addCallback(found)
        return masterAddress(leader)

    def timedOut(failure: Any) -> Any:
        from twisted.internet.defer import TimeoutError

        if failure.check(TimeoutError):
            raise LookupError(f"no master leads in {master} (waited {timeout:g} s)")
        return failure

    d.addCallback(found)
    d.addTimeout(timeout, reactor)
    d.addErrback(timedOut)

    def closed(result: Any) -> Deferred[Any]:
        return detector.close().addBoth(lambda _: result)

    return d.addBoth(closed)
