# -*- test-case-name: tests.test_slave_runtime -*-
"""
The layout of a slave's work directory, as Mesos's C{src/slave/paths.hpp}::

    WORK_DIR/slaves/SLAVE_ID/frameworks/FRAMEWORK_ID/executors/EXECUTOR_ID/
        runs/CONTAINER_ID/          the sandbox of one run of the executor
            stdout, stderr          the output of its processes
            slave.sock              where the slave listens for the executor
        runs/latest -> CONTAINER_ID
"""

from __future__ import annotations

import os

from mesos_tw.slave import constants

#: Name of the symlink to the newest run of an executor.
LATEST = "latest"


def validateID(kind: str, value: str) -> None:
    """
    Check that C{value} can name a directory of its own.

    @param kind: what C{value} is, for the error, e.g. C{"task id"}.
    @raise ValueError: if C{value} is empty, C{.} or C{..}, or holds a
        slash, a NUL or a control character.
    """
    if value in ("", ".", ".."):
        raise ValueError(f"invalid {kind} {value!r}")
    if "/" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"invalid {kind} {value!r}: no '/' or control characters")


def frameworkDirectory(workDir: str, slaveId: str, frameworkId: str) -> str:
    """
    The directory of a framework's executors on this slave.
    """
    return os.path.join(workDir, "slaves", slaveId, "frameworks", frameworkId)


def executorDirectory(
    workDir: str, slaveId: str, frameworkId: str, executorId: str
) -> str:
    """
    The directory of every run of one executor.
    """
    return os.path.join(
        frameworkDirectory(workDir, slaveId, frameworkId), "executors", executorId
    )


def sandboxDirectory(
    workDir: str, slaveId: str, frameworkId: str, executorId: str, containerId: str
) -> str:
    """
    The sandbox of one run (container) of an executor.
    """
    return os.path.join(
        executorDirectory(workDir, slaveId, frameworkId, executorId), "runs", containerId
    )


def socketPath(sandbox: str) -> str:
    """
    The Unix socket where the slave listens for the executor of C{sandbox}.
    """
    return os.path.join(sandbox, constants.EXECUTOR_SOCKET_NAME)


def createSandbox(
    workDir: str, slaveId: str, frameworkId: str, executorId: str, containerId: str
) -> str:
    """
    Create the sandbox of a new run with empty C{stdout} and C{stderr}, and
    point C{runs/latest} at it.

    @return: the sandbox's path.
    @raise ValueError: if an id cannot name a directory.
    @raise OSError: if the directories cannot be made.
    """
    for kind, value in [
        ("slave id", slaveId),
        ("framework id", frameworkId),
        ("executor id", executorId),
        ("container id", containerId),
    ]:
        validateID(kind, value)
    sandbox = sandboxDirectory(workDir, slaveId, frameworkId, executorId, containerId)
    os.makedirs(sandbox)
    for name in ("stdout", "stderr"):
        os.close(os.open(os.path.join(sandbox, name), os.O_WRONLY | os.O_CREAT, 0o644))
    runs = os.path.dirname(sandbox)
    temporary = os.path.join(runs, f".{LATEST}.{containerId}")
    os.symlink(containerId, temporary)
    os.replace(temporary, os.path.join(runs, LATEST))
    return sandbox
