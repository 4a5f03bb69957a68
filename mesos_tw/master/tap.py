# -*- test-case-name: tests.test_taps,tests.test_allocator_options -*-
"""
C{twistd mesos-master}: options and the master's service tree.
"""

from __future__ import annotations

import socket
import struct
import uuid
from typing import Callable

from twisted.application.service import IService, MultiService
from twisted.internet.endpoints import SSL4ServerEndpoint
from twisted.python import usage
from twisted.web.server import Site

import mesos_tw
from mesos_tw.daemon import ShutdownSignals, exitProcess
from mesos_tw.master import constants
from mesos_tw.master.allocator.options import (
    AllocatorOptions,
    makeAllocator,
    parseGuarantee,
    parseMinAllocatable,
    parseMinOfferSize,
    parsePriorities,
    parseRoles,
    parseWeights,
)
from mesos_tw.master.http import makeRoot
from mesos_tw.interfaces import IZooKeeperClient
from mesos_tw.master.master import Master
from mesos_tw.master.registrar import FileStore, Registrar, ZooKeeperStore
from mesos_tw.master.service import MasterService, ZooKeeperLeadership
from mesos_tw.master.standby import Leadership, StandbyGate
from mesos_tw.mesos_pb2 import Address, MasterInfo
from mesos_tw.protocol.framing import MAX_FRAME_SIZE, MessageFactory
from mesos_tw.protocol.listen import ListenerService
from mesos_tw.protocol.sniff import SniffingFactory
from mesos_tw.protocol.tls import Credentials, TLSConfigurationError, serverContextFactory
from mesos_tw.util import positive, port
from mesos_tw.zk.client import ZooKeeperClient
from mesos_tw.zk.paths import joinPath
from mesos_tw.zk.url import Credentials as ZooKeeperCredentials
from mesos_tw.zk.url import ZooKeeperURL, ZooKeeperURLError, parseURL


class Options(usage.Options):
    synopsis = "[options]"
    longdesc = (
        "Run a mesos_tw master: it registers slaves and frameworks, offers "
        "the slaves' resources to frameworks and relays their tasks. Every "
        "connection is mutual TLS against the cluster CA in --tls-dir (make "
        "one with `mesos-tw ca init` and `mesos-tw ca issue --role master`). "
        "The same port serves the wire protocol and HTTP (/state, /health, "
        "/roles, /weights). Allocation is pluggable (--allocator): hierarchical "
        "DRF over roles and their frameworks by default, with role weights, "
        "guarantees enforced by revoking tasks of roles above their fair share, "
        "and a minimum offer size. With --zk, masters elect a leader in "
        "ZooKeeper: standbys redirect slaves and frameworks to it, and a new "
        "leader takes over from the registry kept there."
    )
    optParameters = [
        ["ip", None, "127.0.0.1", "Address to listen on."],
        ["port", None, constants.DEFAULT_PORT, "Port to listen on.", port],
        ["tls-dir", None, None,
         "Directory with ca.pem, cert.pem and key.pem of a master certificate "
         "(required)."],
        ["work-dir", None, None,
         "Directory where a master without --zk keeps its registry (the slaves "
         "it admitted and those removed as unreachable): restarted, it expects "
         "those slaves back within --slave-reregister-timeout, and "
         "reconciliation says nothing of their tasks meanwhile. Without it a "
         "restarted lone master knows no slave."],
        ["hostname", None, None,
         "Hostname the master advertises (default: this host's name)."],
        ["slave-ping-timeout", None, constants.SLAVE_PING_TIMEOUT,
         "Seconds between pings to each slave.", positive(float)],
        ["max-slave-ping-timeouts", None, constants.MAX_SLAVE_PING_TIMEOUTS,
         "Missed pongs in a row after which a slave is removed.", positive(int)],
        ["allocation-interval", None, constants.ALLOCATION_INTERVAL,
         "Seconds between batch allocations.", positive(float)],
        ["offer-timeout", None, None,
         "Seconds after which an unused offer is rescinded (default: never)",
         positive(float)],
        ["max-frame-size", None, MAX_FRAME_SIZE,
         "Largest frame accepted from a peer, in bytes.", positive(int)],
        ["allocator", None, constants.DEFAULT_ALLOCATOR,
         "The allocation module: 'drf' (hierarchical dominant resource "
         "fairness over roles, then frameworks), 'priority' (strict priority "
         "between roles, DRF among equal priorities) or package.module.Class, "
         "an IAllocator built with Class.fromOptions(options) if it has that "
         "class method, else with Class()."],
        ["weights", None, None,
         "Role weights as role=2,other=1 (1 for roles not named): a role's "
         "share is divided by its weight. Change them at run time with "
         "`mesos-tw weights` (PUT /weights).", parseWeights],
        ["priorities", None, None,
         "Role priorities for --allocator=priority, as role=10,other=1 (0 for "
         "roles not named): higher priorities are always offered first.",
         parsePriorities],
        ["non-revocable-roles", None, None,
         "Roles whose tasks are never revoked, as a,b (interdependent jobs "
         "such as MPI).", parseRoles],
        ["revocation-grace-period", None, constants.REVOCATION_GRACE_PERIOD,
         "Seconds between telling a framework that a task will be revoked and "
         "killing it.", positive(float)],
        ["min-offer-size", None, None,
         "Hold back a slave's free resources until at least this much of each "
         "is free (or all the slave has of it), as cpus:2;mem:2048 (default: "
         "no minimum).", parseMinOfferSize],
        ["zk", None, None,
         "ZooKeeper for leader election and the registry: "
         "zk://[user:password@]host:port[,host:port...]/path, or file:///FILE "
         "holding one. Without it the master leads alone, without a registry."],
        ["zk-credentials", None, None,
         "A file holding user:password, digest credentials for ZooKeeper "
         "(instead of putting them in the --zk URL)."],
        ["zk-session-timeout", None, constants.ZOOKEEPER_SESSION_TIMEOUT,
         "Seconds the ZooKeeper session survives without a connection; a "
         "leader cut off longer exits.", positive(float)],
        ["slave-reregister-timeout", None, constants.SLAVE_REREGISTER_TIMEOUT,
         "Seconds the slaves of the registry have to re-register with a new "
         "leader before they are marked unreachable and their tasks lost.",
         positive(float)],
        ["min-allocatable-resources", None, None,
         "An offer holds at least one of these sets of resources, separated "
         f"by '|' (default: {constants.MIN_ALLOCATABLE_RESOURCES}).",
         parseMinAllocatable],
    ]

    def __init__(self) -> None:
        super().__init__()
        self["guarantees"] = {}

    def opt_guarantees(self, value: str) -> None:
        try:
            role, resources = parseGuarantee(value)
        except ValueError as e:
            raise usage.UsageError(f"--guarantees: {e}")
        if role in self["guarantees"]:
            raise usage.UsageError(f"--guarantees: role {role!r} is given twice")
        self["guarantees"][role] = resources

    opt_guarantees.__doc__ = (
        "Resources guaranteed to a role, as ROLE:RESOURCES such as "
        "'web:cpus:4;mem:4096'; repeat for other roles. A role below its "
        "guarantee is offered first; if it requested resources (a framework's "
        "requestResources) that fit on no slave, tasks of revocable roles above "
        "their fair share are revoked for it."
    )

    def postOptions(self) -> None:
        if not self["tls-dir"]:
            raise usage.UsageError(
                "--tls-dir is required: create one with "
                "`mesos-tw ca issue CA_DIR --role master --name master --host HOST`"
            )
        try:
            self["credentials"] = Credentials.fromDirectory(self["tls-dir"])
        except TLSConfigurationError as e:
            raise usage.UsageError(str(e))
        if self["credentials"].role != "master":
            raise usage.UsageError(
                f"the certificate in {self['tls-dir']} is for role "
                f"{self['credentials'].role!r}; a master needs role 'master'"
            )
        if self["hostname"] is None:
            self["hostname"] = socket.gethostname()
        self["zkURL"] = None
        if self["zk-credentials"] and not self["zk"]:
            raise usage.UsageError("--zk-credentials needs --zk")
        if self["zk"]:
            try:
                credentials = (
                    ZooKeeperCredentials.fromFile(self["zk-credentials"])
                    if self["zk-credentials"] else None
                )
                self["zkURL"] = parseURL(self["zk"], credentials)
            except ZooKeeperURLError as e:
                raise usage.UsageError(f"--zk: {e}")
        if self["priorities"] and self["allocator"] in ("drf", "hierarchical"):
            raise usage.UsageError("--priorities needs --allocator=priority")
        self["allocatorOptions"] = AllocatorOptions(
            allocationInterval=self["allocation-interval"],
            minAllocatable=self["min-allocatable-resources"]
            or parseMinAllocatable(constants.MIN_ALLOCATABLE_RESOURCES),
            weights=self["weights"] or {},
            priorities=self["priorities"] or {},
            guarantees=self["guarantees"],
            nonRevocable=self["non-revocable-roles"] or frozenset(),
            minOfferSize=self["min-offer-size"],
        )
        try:
            self["allocatorInstance"] = makeAllocator(
                self["allocator"], self["allocatorOptions"]
            )
        except ValueError as e:
            raise usage.UsageError(f"--allocator: {e}")


def masterInfo(options: Options) -> MasterInfo:
    """
    Who this master is, as it tells slaves and frameworks.
    """
    ip, listenPort = options["ip"], options["port"]
    try:
        packed = struct.unpack("=I", socket.inet_aton(ip))[0]
    except OSError:
        packed = 0
    return MasterInfo(
        id=str(uuid.uuid4()),
        ip=packed,
        port=listenPort,
        pid=f"master@{ip}:{listenPort}",
        hostname=options["hostname"],
        version=mesos_tw.__version__,
        address=Address(hostname=options["hostname"], ip=ip, port=listenPort),
    )


def makeService(
    options: Options, reactor=None, exit: Callable[[str], object] | None = None,
    zooKeeperClient: Callable[[ZooKeeperURL, float], IZooKeeperClient] | None = None,
) -> IService:
    """
    The master's service tree: the master, its TLS listener and, with
    C{--zk}, its part in the election and the registry.

    @param exit: what the master does when it must exit (lost leadership);
        by default it stops the reactor and ends the process with status 1.
    @param zooKeeperClient: makes the ZooKeeper client from the URL and
        session timeout (for tests); a L{ZooKeeperClient} by default.
    """
    if reactor is None:
        from twisted.internet import reactor
    url = options.get("zkURL")
    sessionTimeout = options.get("zk-session-timeout", constants.ZOOKEEPER_SESSION_TIMEOUT)
    zooKeeper = None
    registrar = None
    if url is not None:
        if zooKeeperClient is None:
            client = ZooKeeperClient(
                url.hosts, sessionTimeout, reactor, credentials=url.credentials
            )
        else:
            client = zooKeeperClient(url, sessionTimeout)
        zooKeeper = ZooKeeperLeadership(client, url.path, sessionTimeout, reactor)
        registrar = Registrar(
            ZooKeeperStore(client, joinPath(url.path, constants.REGISTRY_NODE))
        )
    elif options.get("work-dir"):
        registrar = Registrar(FileStore(options["work-dir"]))
    info = masterInfo(options)
    master = Master(
        info,
        reactor,
        pingTimeout=options["slave-ping-timeout"],
        maxPingTimeouts=options["max-slave-ping-timeouts"],
        allocator=options["allocatorInstance"],
        allocationInterval=options["allocation-interval"],
        offerTimeout=options["offer-timeout"],
        revocationGracePeriod=options["revocation-grace-period"],
        registrar=registrar,
        slaveReregisterTimeout=options.get(
            "slave-reregister-timeout", constants.SLAVE_REREGISTER_TIMEOUT
        ),
    )
    # A lone master without a registry serves from the start.
    gate = StandbyGate(
        master.dispatcher, Leadership(info, serving=registrar is None), reactor
    )

    def lost(connection, reason) -> None:
        gate.connectionLost(connection)
        master.connectionLost(connection, reason)

    top = MultiService()
    ShutdownSignals(reactor).setServiceParent(top)
    wire = MessageFactory(gate, options["max-frame-size"], onLost=lost)
    factory = SniffingFactory(wire, Site(makeRoot(master, leadership=gate.leadership)))
    # A new leader takes every slave's connection at once: a short accept
    # queue would drop their SYNs, and TCP retries them only after 1, 3, 7 s...
    endpoint = SSL4ServerEndpoint(
        reactor, options["port"], serverContextFactory(options["credentials"]),
        backlog=constants.LISTEN_BACKLOG, interface=options["ip"],
    )
    listener = ListenerService(endpoint, factory)
    listener.setName("listener")
    listener.setServiceParent(top)
    service = MasterService(
        master, listener, gate, zooKeeper,
        exit if exit is not None else exitProcess(reactor),
    )
    service.setName("master")
    service.setServiceParent(top)
    top.master = master
    return top
