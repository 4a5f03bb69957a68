# -*- test-case-name: tests.test_taps,tests.test_allocator_options -*-
"""
C{twistd mesos-master}: options and the master's service tree.
"""

from __future__ import annotations

import socket
import struct
import uuid

from twisted.application.service import IService, MultiService, Service
from twisted.python import usage
from twisted.web.server import Site

import mesos_tw
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
from mesos_tw.master.master import Master
from mesos_tw.mesos_pb2 import Address, MasterInfo
from mesos_tw.protocol.framing import MAX_FRAME_SIZE, MessageFactory
from mesos_tw.protocol.listen import ListenerService
from mesos_tw.protocol.sniff import SniffingFactory
from mesos_tw.protocol.tls import Credentials, TLSConfigurationError, serverEndpoint
from mesos_tw.util import positive, port


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
        "and a minimum offer size."
    )
    optParameters = [
        ["ip", None, "127.0.0.1", "Address to listen on."],
        ["port", None, constants.DEFAULT_PORT, "Port to listen on.", port],
        ["tls-dir", None, None,
         "Directory with ca.pem, cert.pem and key.pem of a master certificate "
         "(required)."],
        ["work-dir", None, None, "Directory for the master's files."],
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


class MasterService(Service):
    """
    Runs a L{Master}: it learns its port from the listener (for C{--port 0})
    and stops its timers when the service stops.
    """

    def __init__(self, master: Master, listener: ListenerService) -> None:
        self.master = master
        self.listener = listener

    def startService(self) -> None:
        Service.startService(self)
        self.master.start()
        info = self.master.info
        if self.listener.port is not None and info.port == 0:
            info.port = info.address.port = self.listener.port.getHost().port
            info.pid = f"master@{info.address.ip}:{info.port}"

    def stopService(self) -> None:
        Service.stopService(self)
        self.master.stop()


def makeService(options: Options, reactor=None) -> IService:
    """
    The master's service tree: the master and its TLS listener.
    """
    if reactor is None:
        from twisted.internet import reactor
    master = Master(
        masterInfo(options),
        reactor,
        pingTimeout=options["slave-ping-timeout"],
        maxPingTimeouts=options["max-slave-ping-timeouts"],
        allocator=options["allocatorInstance"],
        allocationInterval=options["allocation-interval"],
        offerTimeout=options["offer-timeout"],
        revocationGracePeriod=options["revocation-grace-period"],
    )
    top = MultiService()
    wire = MessageFactory(
        master.dispatcher,
        options["max-frame-size"],
        onLost=master.connectionLost,
    )
    factory = SniffingFactory(wire, Site(makeRoot(master)))
    endpoint = serverEndpoint(
        reactor, options["credentials"], options["port"], options["ip"]
    )
    listener = ListenerService(endpoint, factory)
    listener.setName("listener")
    listener.setServiceParent(top)
    MasterService(master, listener).setServiceParent(top)
    top.master = master
    return top
