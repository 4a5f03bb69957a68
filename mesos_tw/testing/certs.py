# -*- test-case-name: tests.test_tls -*-
"""
Certificates for tests: a whole cluster's worth, made in a temporary
directory.
"""

from __future__ import annotations

import os
from typing import Iterable

from attrs import frozen

from mesos_tw.ca import initCA, issue

__all__ = ["ClusterCertificates", "makeCluster"]


@frozen
class ClusterCertificates:
    """
    The credentials directories of a test cluster, each loadable with
    L{mesos_tw.protocol.tls.Credentials.fromDirectory}.

    @ivar ca: The CA directory (C{ca.pem}, C{ca-key.pem}); issue more
        certificates with L{mesos_tw.ca.issue}.

    @ivar master: The credentials of the master named C{"master"}.

    @ivar slave: The credentials of the slave named C{"slave1"}.

    @ivar framework: The credentials of the framework named C{"framework1"}.
    """

    ca: str
    master: str
    slave: str
    framework: str


def makeCluster(
    directory: str | os.PathLike[str],
    hosts: Iterable[str] = ("127.0.0.1", "localhost"),
) -> ClusterCertificates:
    """
    Create a CA and issue certificates for a master, a slave and a framework.

    Nothing is cached: each call makes new keys (which takes milliseconds, EC
    P-256 keys being cheap).

    @param directory: Where to put everything (typically C{self.mktemp()});
        created if needed.

    @param hosts: The host names and IP addresses in the master's and
        slave's certificates.

    @return: The paths of the directories made.
    """
    hosts = tuple(hosts)
    caDirectory = os.path.join(os.fsdecode(os.fspath(directory)), "ca")
    initCA(caDirectory)
    return ClusterCertificates(
        ca=caDirectory,
        master=issue(caDirectory, "master", "master", hosts=hosts),
        slave=issue(caDirectory, "slave", "slave1", hosts=hosts),
        framework=issue(caDirectory, "framework", "framework1"),
    )
