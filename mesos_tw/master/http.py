# -*- test-case-name: tests.test_master -*-
"""
The master's HTTP endpoints: JSON state for operators and tools.
"""

from __future__ import annotations

import json
from typing import Any

from twisted.web.resource import Resource
from twisted.web.server import Request

from mesos_tw.master.master import Master, Slave


def slaveJSON(slave: Slave) -> dict[str, Any]:
    """
    One slave in the state.
    """
    return {
        "id": slave.id,
        "hostname": slave.info.hostname,
        "port": slave.info.port,
        "principal": slave.principal,
        "resources": slave.resources.toJSON(),
        "registered_time": slave.registeredTime,
        "reregistered_time": slave.reregisteredTime,
        "active": slave.connected,
    }


def stateJSON(master: Master) -> dict[str, Any]:
    """
    The master's state, in the shape of Mesos's C{/master/state}.
    """
    slaves = [slaveJSON(s) for s in master.slaves.values()]
    return {
        "id": master.info.id,
        "pid": master.info.pid,
        "hostname": master.info.hostname,
        "version": master.info.version,
        "start_time": master.startTime,
        "activated_slaves": sum(1 for s in slaves if s["active"]),
        "deactivated_slaves": sum(1 for s in slaves if not s["active"]),
        "slaves": slaves,
    }


class _JSON(Resource):
    isLeaf = True

    def __init__(self, master: Master, render: Any) -> None:
        super().__init__()
        self._master = master
        self._render = render

    def render_GET(self, request: Request) -> bytes:
        request.setHeader(b"content-type", b"application/json")
        return json.dumps(self._render(self._master), indent=1).encode() + b"\n"


def makeRoot(master: Master) -> Resource:
    """
    The resource tree: C{/state}, C{/master/state} and C{/health}.
    """
    root = Resource()
    state = _JSON(master, stateJSON)
    health = _JSON(master, lambda m: {"healthy": True})
    sub = Resource()
    for parent in (root, sub):
        parent.putChild(b"state", state)
        parent.putChild(b"health", health)
    root.putChild(b"master", sub)
    return root
