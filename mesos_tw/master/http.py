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
from mesos_tw.master.records import Framework, TaskRecord
from mesos_tw.resources import Resources
from mesos_tw.tasks import stateName


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
    return {
        "id": framework.id,
        "name": info.name,
        "user": info.user,
        "principal": info.principal,
        "role": framework.role,
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
        "frameworks": [frameworkJSON(master, f) for f in master.frameworks.values()],
        "completed_frameworks": [
            frameworkJSON(master, f) for f in master.completedFrameworks
        ],
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
