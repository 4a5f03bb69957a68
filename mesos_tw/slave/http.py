# -*- test-case-name: tests.test_slave -*-
"""
The slave's HTTP endpoints: C{/state}, and C{/monitor/statistics} (the
usage of every running container, as Mesos's endpoint of that name).
"""

from __future__ import annotations

import json
from typing import Any

from twisted.web.resource import Resource
from twisted.web.server import Request

from mesos_tw.resources import Resources
from mesos_tw.slave.monitor import containerStatistics
from mesos_tw.slave.slave import Slave


def stateJSON(slave: Slave) -> dict[str, Any]:
    """
    The slave's state, in the shape of Mesos's C{/slave(1)/state}.
    """
    master = slave.master.peer if slave.master is not None else None
    return {
        "id": slave.id,
        "hostname": slave.info.hostname,
        "resources": Resources.fromProto(slave.info.resources).toJSON(),
        "master_hostname": master.address if master else None,
        "registered": slave.registered,
        "frameworks": [f.toJSON() for f in slave.frameworks.values()],
    }


class _State(Resource):
    isLeaf = True

    def __init__(self, slave: Slave) -> None:
        super().__init__()
        self._slave = slave

    def render_GET(self, request: Request) -> bytes:
        request.setHeader(b"content-type", b"application/json")
        return json.dumps(stateJSON(self._slave), indent=1).encode() + b"\n"


class _Statistics(Resource):
    isLeaf = True

    def __init__(self, slave: Slave) -> None:
        super().__init__()
        self._slave = slave

    def render_GET(self, request: Request) -> bytes:
        request.setHeader(b"content-type", b"application/json")
        return json.dumps(containerStatistics(self._slave), indent=1).encode() + b"\n"


def makeRoot(slave: Slave) -> Resource:
    """
    The resource tree: C{/state}, C{/monitor/statistics} (also as
    C{/monitor/statistics.json}).
    """
    root = Resource()
    root.putChild(b"state", _State(slave))
    monitor = Resource()
    monitor.putChild(b"statistics", _Statistics(slave))
    monitor.putChild(b"statistics.json", _Statistics(slave))
    root.putChild(b"monitor", monitor)
    return root
