# -*- test-case-name: tests.test_master,tests.test_allocator_weights -*-
"""
The master's HTTP endpoints: JSON state for operators and tools, and the
role weights operators may change at run time.

C{PUT /weights} changes the master's behaviour, so only a peer with a
I{master} certificate (an operator holding the cluster's master
credentials) may use it; everyone with a cluster certificate may read.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from google.protobuf import json_format
from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import Request

from mesos_tw.master.master import Master
from mesos_tw.master.records import Framework, Slave, TaskRecord
from mesos_tw.master.standby import Leadership
from mesos_tw.master.validation import ValidationError, validateRole
from mesos_tw.protocol.tls import Peer, peerFromTransport
from mesos_tw.mesos_pb2 import MasterInfo
from mesos_tw.resources import Resources
from mesos_tw.tasks import stateName

_log = Logger()


def slaveJSON(slave: Slave) -> dict[str, Any]:
    """
    One slave in the state: C{connected} says whether its connection is
    up, C{active} whether it is offered (a disconnected slave is neither
    until it re-registers or is removed).
    """
    return {
        "id": slave.id,
        "hostname": slave.info.hostname,
        "port": slave.info.port,
        "principal": slave.principal,
        "resources": slave.resources.toJSON(),
        "registered_time": slave.registeredTime,
        "reregistered_time": slave.reregisteredTime,
        "active": slave.active,
        "connected": slave.connected,
        "usage": slave.usage,
    }


def taskJSON(record: TaskRecord) -> dict[str, Any]:
    """
    One task in the state.
    """
    task = record.task
    return {
        "id": record.id,
        "name": task.name,
        "framework_id": task.framework_id.value,
        "slave_id": record.slaveId,
        "executor_id": task.executor_id.value,
        "state": stateName(task.state),
        "resources": record.resources.toJSON(),
        "statuses": [
            {"state": stateName(s.state), "timestamp": s.timestamp} for s in task.statuses
        ],
    }


def frameworkJSON(master: Master, framework: Framework) -> dict[str, Any]:
    """
    One framework in the state, with its resources in use and offered.
    """
    used = Resources()
    for record in framework.tasks.values():
        if not record.recovered:
            used = used + record.resources
    offered = Resources()
    for offerId in framework.offers:
        offered = offered + master.offers[offerId].resources
    info = framework.info
    summary = master.allocator.frameworkSummary(framework.id)
    return {
        "id": framework.id,
        "name": info.name,
        "user": info.user,
        "principal": info.principal,
        "role": framework.role,
        "roles": framework.roles,
        "weight": summary.weight if summary is not None else None,
        "dominant_share": summary.share if summary is not None else 0.0,
        "allocated_resources": dict(summary.allocated) if summary is not None else {},
        "failover_timeout": info.failover_timeout,
        "checkpoint": info.checkpoint,
        "active": framework.active,
        "connected": framework.connected,
        "registered_time": framework.registeredTime,
        "reregistered_time": framework.reregisteredTime,
        "unregistered_time": framework.unregisteredTime,
        "used_resources": used.toJSON(),
        "offered_resources": offered.toJSON(),
        "tasks": [taskJSON(r) for r in framework.tasks.values()],
        "completed_tasks": [taskJSON(r) for r in framework.completedTasks],
        "offers": sorted(framework.offers),
    }


def rolesJSON(master: Master) -> list[dict[str, Any]]:
    """
    Every role the allocator knows, with its weight, priority, guarantee,
    the scalars allocated to it, its dominant share and its frameworks.
    """
    return [
        {
            "name": role.name,
            "weight": role.weight,
            "priority": role.priority,
            "guarantee": dict(role.guarantee),
            "allocated": dict(role.allocated),
            "dominant_share": role.share,
            "frameworks": list(role.frameworks),
        }
        for role in master.allocator.roleSummaries()
    ]


def weightsJSON(master: Master) -> list[dict[str, Any]]:
    """
    The weight of every role, in the shape of Mesos's C{/weights}.
    """
    return [
        {"role": role.name, "weight": role.weight}
        for role in master.allocator.roleSummaries()
    ]


def parseWeights(body: bytes) -> dict[str, float]:
    """
    Parse a C{PUT /weights} body: a JSON array of C{{"role": NAME,
    "weight": NUMBER}}, as Mesos takes.

    @raise ValueError: saying what is wrong with it.
    """
    try:
        items = json.loads(body)
    except ValueError as e:
        raise ValueError(f"the body is not JSON: {e}") from None
    if not isinstance(items, list):
        raise ValueError('expected a JSON array of {"role": ..., "weight": ...}')
    weights: dict[str, float] = {}
    for item in items:
        if not isinstance(item, dict) or set(item) != {"role", "weight"}:
            raise ValueError(f'expected {{"role": ..., "weight": ...}}, got {item!r}')
        role, weight = item["role"], item["weight"]
        if not isinstance(role, str):
            raise ValueError(f"role {role!r} is not a string")
        try:
            validateRole(role)
        except ValidationError as e:
            raise ValueError(str(e)) from None
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise ValueError(f"the weight of role {role!r} is not a number")
        if not (weight > 0 and weight < float("inf")):
            raise ValueError(f"the weight of role {role!r} must be greater than zero")
        if role in weights:
            raise ValueError(f"role {role!r} appears twice")
        weights[role] = float(weight)
    return weights


def stateJSON(master: Master, leadership: Leadership | None = None) -> dict[str, Any]:
    """
    The master's state, in the shape of Mesos's C{/master/state}, with
    the slaves removed for not answering (which may come back) under
    C{unreachable_slaves}, and those expected back after a failover under
    C{recovering_slaves}.
    """
    slaves = [slaveJSON(s) for s in master.slaves.values()]
    leader = master.info if leadership is None else leadership.leader
    return {
        "id": master.info.id,
        "pid": master.info.pid,
        "hostname": master.info.hostname,
        "version": master.info.version,
        "start_time": master.startTime,
        "elected_time": master.startTime if leadership is None else leadership.electedTime,
        "leader": leader.pid if leader is not None else None,
        "leader_info": leaderJSON(leader),
        "recovering_slaves": sorted(master.recoveringSlaves),
        "activated_slaves": sum(1 for s in slaves if s["active"]),
        "deactivated_slaves": sum(1 for s in slaves if not s["active"]),
        "slaves": slaves,
        "unreachable_slaves": [
            {"id": s.id, "principal": s.principal, "timestamp": s.time}
            for s in master.unreachableSlaves.values()
        ],
        "frameworks": [frameworkJSON(master, f) for f in master.frameworks.values()],
        "completed_frameworks": [
            frameworkJSON(master, f) for f in master.completedFrameworks
        ],
        "roles": rolesJSON(master),
    }


def leaderJSON(leader: MasterInfo | None) -> dict[str, Any] | None:
    """
    A leader's C{MasterInfo} as Mesos's C{leader_info}.
    """
    if leader is None:
        return None
    return json_format.MessageToDict(leader, preserving_proto_field_name=True)


def leaderURL(leader: MasterInfo, path: bytes) -> bytes:
    """
    The URL of C{path} on C{leader}.
    """
    host = leader.address.ip or leader.hostname
    return f"https://{host}:{leader.port}".encode() + path


class _NotLeader(Resource):
    """
    What a master that does not serve answers on C{/state} and the like:
    307 to the same path on the leader, or 503 if no leader is known (as
    Mesos's non-leading masters do).
    """

    isLeaf = True

    def __init__(self, leadership: Leadership) -> None:
        super().__init__()
        self._leadership = leadership

    def render(self, request: Request) -> bytes:
        request.setHeader(b"content-type", b"application/json")
        leader = self._leadership.leaderElsewhere
        if leader is None:
            request.setResponseCode(503)
            why = "not serving yet" if self._leadership.elected else "no leader elected"
            return json.dumps({"error": f"This master does not lead: {why}"}).encode() + b"\n"
        request.setResponseCode(307)
        request.setHeader(b"location", leaderURL(leader, request.uri))
        return json.dumps({"leader": leader.pid}).encode() + b"\n"


class _LeaderOnly(Resource):
    """
    The root of a master that may not lead: C{/health} always answers;
    everything else only while the master serves.
    """

    def __init__(self, root: Resource, leadership: Leadership) -> None:
        super().__init__()
        self._root = root
        self._leadership = leadership

    def getChildWithDefault(self, path: bytes, request: Request) -> Resource:
        if self._leadership.serving or request.path in (b"/health", b"/master/health"):
            return self._root.getChildWithDefault(path, request)
        return _NotLeader(self._leadership)

    def render(self, request: Request) -> bytes:
        return self._root.render(request)


class _JSON(Resource):
    isLeaf = True

    def __init__(self, master: Master, render: Any) -> None:
        super().__init__()
        self._master = master
        self._render = render

    def render_GET(self, request: Request) -> bytes:
        request.setHeader(b"content-type", b"application/json")
        return json.dumps(self._render(self._master), indent=1).encode() + b"\n"


def requestPeer(request: Request) -> Peer | None:
    """
    Who made C{request}, according to the certificate of its TLS connection.
    """
    transport = getattr(request, "transport", None)
    return peerFromTransport(transport) if transport is not None else None


def operatorOnly(request: Request) -> str | None:
    """
    Allow only peers with a master certificate.

    @return: why C{request} is refused, or L{None} if it is allowed.
    """
    peer = requestPeer(request)
    if peer is None or peer.role != "master":
        who = (
            f"a {peer.role} certificate ({peer.name})" if peer is not None
            else "no certificate"
        )
        return (
            f"changing weights needs a master certificate (an operator's); the "
            f"request came with {who}"
        )
    return None


class _Weights(_JSON):
    """
    C{GET /weights}: the roles' weights. C{PUT /weights}: change some.
    """

    def __init__(self, master: Master, authorize: Callable[[Request], str | None]) -> None:
        super().__init__(master, weightsJSON)
        self._authorize = authorize

    def render_PUT(self, request: Request) -> bytes:
        request.setHeader(b"content-type", b"application/json")
        refusal = self._authorize(request)
        if refusal is not None:
            request.setResponseCode(403)
            return json.dumps({"error": refusal}).encode() + b"\n"
        try:
            weights = parseWeights(request.content.read())
            self._master.updateWeights(weights)
        except ValueError as e:
            request.setResponseCode(400)
            return json.dumps({"error": str(e)}).encode() + b"\n"
        _log.info(
            "Weights updated by {peer}: {weights}", peer=requestPeer(request), weights=weights
        )
        return json.dumps(weightsJSON(self._master), indent=1).encode() + b"\n"


def makeRoot(
    master: Master,
    authorize: Callable[[Request], str | None] = operatorOnly,
    leadership: Leadership | None = None,
) -> Resource:
    """
    The resource tree: C{/state}, C{/roles}, C{/weights} and C{/health},
    each also under C{/master/}.

    @param authorize: says why a request that changes something is refused,
        or L{None} to allow it.
    @param leadership: what the master knows of the election, if it may not
        lead: while it does not serve, everything but C{/health} redirects
        to the leader.
    """
    root = Resource()
    state = _JSON(master, lambda m: stateJSON(m, leadership))
    health = _JSON(master, lambda m: {"healthy": True})
    roles = _JSON(master, lambda m: {"roles": rolesJSON(m)})
    weights = _Weights(master, authorize)
    sub = Resource()
    for parent in (root, sub):
        parent.putChild(b"state", state)
        parent.putChild(b"health", health)
        parent.putChild(b"roles", roles)
        parent.putChild(b"weights", weights)
    root.putChild(b"master", sub)
    if leadership is not None:
        return _LeaderOnly(root, leadership)
    return root
