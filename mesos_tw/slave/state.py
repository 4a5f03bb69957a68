# -*- test-case-name: tests.test_slave_state -*-
"""
The slave's checkpoints, for frameworks that ask for them
(C{FrameworkInfo.checkpoint}), and reading them back when a new slave
process recovers (Mesos's C{src/slave/state.cpp})::

    WORK_DIR/meta/
      boot_id                           the boot the checkpoints belong to
      slaves/latest                     the id of the slave that wrote them
      slaves/SLAVE_ID/slave.info        its SlaveInfo
        frameworks/FRAMEWORK_ID/framework.info
          executors/EXECUTOR_ID/runs/CONTAINER_ID/
            executor.info               a framework's executor (absent for a
                                        command task, whose task.info tells)
            secret                      what the executor registers with
            tasks/TASK_ID/task.info     the TaskInfo
            tasks/TASK_ID/task.updates  StatusUpdateRecords, each after a
                                        4-byte big-endian length

Files are replaced atomically and synced; records are appended and synced.
A record cut short by a crash is dropped when read.  Nothing here runs in
the reactor's way for long: each write is one small file.
"""

from __future__ import annotations

import os
import shutil
import struct
from typing import Iterator

import attr
from google.protobuf.message import DecodeError, Message

from mesos_tw import messages_pb2 as msgs
from mesos_tw.files import writeAll, writeAtomically
from mesos_tw.mesos_pb2 import ExecutorInfo, FrameworkInfo, SlaveInfo, TaskInfo

_LENGTH = struct.Struct(">I")


class RecoveryError(Exception):
    """
    The checkpoints cannot be read back.
    """


def bootId(path: str = "/proc/sys/kernel/random/boot_id") -> str:
    """
    This boot's id; empty where the system has none.
    """
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def metaDirectory(workDir: str) -> str:
    """
    Where the checkpoints of the slave with work directory C{workDir} live.
    """
    return os.path.join(workDir, "meta")


# --- Read back ---------------------------------------------------------------


@attr.s(auto_attribs=True)
class TaskState:
    """
    A checkpointed task and its status update records, oldest first.
    """

    info: TaskInfo
    records: list = attr.ib(factory=list)


@attr.s(auto_attribs=True)
class RunState:
    """
    The latest run (container) of an executor.

    @ivar executorInfo: the framework's executor, or L{None} for a command
        task.
    """

    containerId: str
    executorInfo: ExecutorInfo | None
    secret: str
    tasks: dict = attr.ib(factory=dict)


@attr.s(auto_attribs=True)
class FrameworkState:
    id: str
    info: FrameworkInfo
    executors: dict = attr.ib(factory=dict)


@attr.s(auto_attribs=True)
class SlaveState:
    id: str
    info: SlaveInfo
    frameworks: dict = attr.ib(factory=dict)


def recover(workDir: str, boot: str) -> SlaveState | None:
    """
    Read the checkpoints of the slave that last used C{workDir}.

    @param boot: this boot's id: checkpoints of another boot are stale (their
        containers died with it) and are removed.
    @return: the state, or L{None} if there is nothing to recover.
    @raise RecoveryError: if a checkpoint cannot be read, naming it.
    """
    meta = metaDirectory(workDir)
    latest = os.path.join(meta, "slaves", "latest")
    if not os.path.exists(latest):
        return None
    recorded = _readText(os.path.join(meta, "boot_id"))
    if recorded != boot:
        shutil.rmtree(meta, ignore_errors=True)
        return None
    slaveId = _readText(latest)
    slaveDir = os.path.join(meta, "slaves", slaveId)
    state = SlaveState(slaveId, _readMessage(os.path.join(slaveDir, "slave.info"), SlaveInfo))
    for frameworkId in _listdir(os.path.join(slaveDir, "frameworks")):
        frameworkDir = os.path.join(slaveDir, "frameworks", frameworkId)
        info = _readMessage(os.path.join(frameworkDir, "framework.info"), FrameworkInfo)
        framework = state.frameworks[frameworkId] = FrameworkState(frameworkId, info)
        for executorId in _listdir(os.path.join(frameworkDir, "executors")):
            run = _latestRun(os.path.join(frameworkDir, "executors", executorId, "runs"))
            if run is not None:
                framework.executors[executorId] = run
    return state


def _latestRun(runs: str) -> RunState | None:
    try:
        containerId = os.readlink(os.path.join(runs, "latest"))
    except OSError:
        return None
    runDir = os.path.join(runs, containerId)
    infoPath = os.path.join(runDir, "executor.info")
    secretPath = os.path.join(runDir, "secret")
    run = RunState(
        containerId,
        _readMessage(infoPath, ExecutorInfo) if os.path.exists(infoPath) else None,
        _readText(secretPath) if os.path.exists(secretPath) else "",
    )
    for taskId in _listdir(os.path.join(runDir, "tasks")):
        taskDir = os.path.join(runDir, "tasks", taskId)
        if not os.path.exists(os.path.join(taskDir, "task.info")):
            continue
        run.tasks[taskId] = TaskState(
            _readMessage(os.path.join(taskDir, "task.info"), TaskInfo),
            list(readRecords(os.path.join(taskDir, "task.updates"))),
        )
    return run


def readRecords(path: str) -> Iterator[msgs.StatusUpdateRecord]:
    """
    The status update records of a C{task.updates} file, dropping a last
    one cut short.

    @raise RecoveryError: if a whole record does not parse.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return
    except OSError as e:
        raise RecoveryError(f"cannot read {path}: {e}") from e
    offset = 0
    while offset + _LENGTH.size <= len(data):
        (length,) = _LENGTH.unpack_from(data, offset)
        start = offset + _LENGTH.size
        if start + length > len(data):
            break
        try:
            yield msgs.StatusUpdateRecord.FromString(data[start:start + length])
        except DecodeError as e:
            raise RecoveryError(f"corrupt record at byte {offset} of {path}: {e}") from e
        offset = start + length


def _listdir(path: str) -> list[str]:
    try:
        return sorted(n for n in os.listdir(path) if not n.startswith("."))
    except FileNotFoundError:
        return []


def _readText(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError as e:
        raise RecoveryError(f"cannot read checkpoint {path}: {e}") from e


def _readMessage(path: str, kind: type[Message]) -> Message:
    try:
        with open(path, "rb") as f:
            return kind.FromString(f.read())
    except (OSError, DecodeError) as e:
        raise RecoveryError(f"cannot read checkpoint {path}: {e}") from e


# --- Write -------------------------------------------------------------------


class Checkpointer:
    """
    Writes the checkpoints of one slave.

    Every method raises L{OSError} if the disk refuses (full, read-only).
    """

    def __init__(self, workDir: str, slaveId: str) -> None:
        self.meta = metaDirectory(workDir)
        self.slaveDir = os.path.join(self.meta, "slaves", slaveId)
        self.slaveId = slaveId

    def slave(self, info: SlaveInfo, boot: str) -> None:
        """
        Checkpoint the slave itself: its info, this boot and its id.
        """
        os.makedirs(self.slaveDir, exist_ok=True)
        writeAtomically(os.path.join(self.slaveDir, "slave.info"), info.SerializeToString())
        writeAtomically(os.path.join(self.meta, "boot_id"), boot.encode())
        writeAtomically(
            os.path.join(self.meta, "slaves", "latest"), self.slaveId.encode()
        )

    def frameworkDir(self, frameworkId: str) -> str:
        return os.path.join(self.slaveDir, "frameworks", frameworkId)

    def runDir(self, frameworkId: str, executorId: str, containerId: str) -> str:
        return os.path.join(
            self.frameworkDir(frameworkId), "executors", executorId, "runs", containerId
        )

    def taskDir(self, frameworkId: str, executorId: str, containerId: str, taskId: str) -> str:
        return os.path.join(self.runDir(frameworkId, executorId, containerId), "tasks", taskId)

    def framework(self, frameworkId: str, info: FrameworkInfo) -> None:
        directory = self.frameworkDir(frameworkId)
        os.makedirs(directory, exist_ok=True)
        writeAtomically(os.path.join(directory, "framework.info"), info.SerializeToString())

    def run(
        self,
        frameworkId: str,
        executorId: str,
        containerId: str,
        info: ExecutorInfo | None,
        secret: str,
    ) -> None:
        """
        Checkpoint a new run of an executor and make it the latest.
        """
        directory = self.runDir(frameworkId, executorId, containerId)
        os.makedirs(directory, exist_ok=True)
        if info is not None:
            writeAtomically(os.path.join(directory, "executor.info"), info.SerializeToString())
        if secret:
            writeAtomically(os.path.join(directory, "secret"), secret.encode(), 0o600)
        runs = os.path.dirname(directory)
        temporary = os.path.join(runs, f".latest.{containerId}")
        if os.path.lexists(temporary):
            os.unlink(temporary)
        os.symlink(containerId, temporary)
        os.replace(temporary, os.path.join(runs, "latest"))

    def task(self, frameworkId: str, executorId: str, containerId: str, task: TaskInfo) -> None:
        directory = self.taskDir(frameworkId, executorId, containerId, task.task_id.value)
        os.makedirs(directory, exist_ok=True)
        writeAtomically(os.path.join(directory, "task.info"), task.SerializeToString())

    def record(
        self,
        frameworkId: str,
        executorId: str,
        containerId: str,
        taskId: str,
        record: msgs.StatusUpdateRecord,
    ) -> None:
        """
        Append a status update record to the task's C{task.updates}.  If
        the disk refuses it, whatever part of it was written is cut off
        again, so that a later record can follow.

        @raise OSError: naming the file.
        """
        directory = self.taskDir(frameworkId, executorId, containerId, taskId)
        path = os.path.join(directory, "task.updates")
        data = record.SerializeToString()
        try:
            os.makedirs(directory, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as e:
            raise _naming(e, path) from e
        try:
            size = os.fstat(fd).st_size
            try:
                writeAll(fd, _LENGTH.pack(len(data)) + data)
                os.fsync(fd)
            except OSError as e:
                try:
                    os.ftruncate(fd, size)
                except OSError:
                    pass
                raise _naming(e, path) from e
        finally:
            os.close(fd)

    def removeExecutor(self, frameworkId: str, executorId: str) -> None:
        """
        Forget an executor that ended and whose tasks are complete.
        """
        shutil.rmtree(
            os.path.join(self.frameworkDir(frameworkId), "executors", executorId),
            ignore_errors=True,
        )

    def removeFramework(self, frameworkId: str) -> None:
        shutil.rmtree(self.frameworkDir(frameworkId), ignore_errors=True)


def _naming(error: OSError, path: str) -> OSError:
    """
    C{error}, with C{path} as its file name if it names none (as a failed
    C{write} or C{fsync} does not).
    """
    if error.filename is not None or error.errno is None:
        return error
    return type(error)(error.errno, error.strerror, path)
