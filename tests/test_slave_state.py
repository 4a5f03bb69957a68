"""
Tests for L{mesos_tw.slave.state}: the slave's checkpoints.
"""

from __future__ import annotations

import os

from twisted.trial.unittest import SynchronousTestCase

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.mesos_pb2 import ExecutorInfo, FrameworkInfo, SlaveInfo, TaskInfo
from mesos_tw.slave import state
from mesos_tw.tasks import statusUpdate, taskStatus

BOOT = "boot-1"


def task(taskId: str) -> TaskInfo:
    info = TaskInfo(name=taskId)
    info.task_id.value = taskId
    info.command.value = "true"
    return info


def record(taskId: str, taskState: int) -> msgs.StatusUpdateRecord:
    update = statusUpdate(
        "F1", taskStatus(taskId, taskState, mesos_pb2.TaskStatus.SOURCE_EXECUTOR), "S1"
    )
    return msgs.StatusUpdateRecord(type=msgs.StatusUpdateRecord.UPDATE, update=update)


class CheckpointTests(SynchronousTestCase):
    """
    What L{state.Checkpointer} writes, L{state.recover} reads back.
    """

    def setUp(self) -> None:
        self.workDir = self.mktemp()
        os.makedirs(self.workDir)
        self.checkpointer = state.Checkpointer(self.workDir, "S1")
        self.info = SlaveInfo(hostname="h")
        self.info.id.value = "S1"
        self.checkpointer.slave(self.info, BOOT)

    def test_nothing(self) -> None:
        """
        A work directory without checkpoints has nothing to recover.
        """
        empty = self.mktemp()
        os.makedirs(empty)
        self.assertIsNone(state.recover(empty, BOOT))

    def test_slave(self) -> None:
        """
        The slave's id and info come back.
        """
        found = state.recover(self.workDir, BOOT)
        self.assertEqual(found.id, "S1")
        self.assertEqual(found.info, self.info)
        self.assertEqual(found.frameworks, {})

    def test_otherBoot(self) -> None:
        """
        Checkpoints of another boot are stale: nothing is recovered and they
        are removed.
        """
        self.assertIsNone(state.recover(self.workDir, "boot-2"))
        self.assertFalse(os.path.exists(state.metaDirectory(self.workDir)))

    def test_runsAndTasks(self) -> None:
        """
        Frameworks, the latest run of each executor with its secret, its
        tasks and their records come back in order.
        """
        framework = FrameworkInfo(name="f", checkpoint=True)
        self.checkpointer.framework("F1", framework)
        executor = ExecutorInfo(name="e")
        executor.executor_id.value = "E1"
        self.checkpointer.run("F1", "E1", "C-old", executor, "old")
        self.checkpointer.run("F1", "E1", "C1", executor, "secret")
        self.checkpointer.task("F1", "E1", "C1", task("t1"))
        records = [record("t1", mesos_pb2.TASK_RUNNING), record("t1", mesos_pb2.TASK_FINISHED)]
        for r in records:
            self.checkpointer.record("F1", "E1", "C1", "t1", r)
        self.checkpointer.run("F1", "t2", "C2", None, "")
        self.checkpointer.task("F1", "t2", "C2", task("t2"))

        found = state.recover(self.workDir, BOOT)
        recovered = found.frameworks["F1"]
        self.assertEqual(recovered.info, framework)
        run = recovered.executors["E1"]
        self.assertEqual((run.containerId, run.secret, run.executorInfo), ("C1", "secret", executor))
        self.assertEqual(run.tasks["t1"].info, task("t1"))
        self.assertEqual(run.tasks["t1"].records, records)
        command = recovered.executors["t2"]
        self.assertIsNone(command.executorInfo)
        self.assertEqual(command.tasks["t2"].records, [])
        secret = os.path.join(self.checkpointer.runDir("F1", "E1", "C1"), "secret")
        self.assertEqual(os.stat(secret).st_mode & 0o777, 0o600)

    def test_truncatedRecord(self) -> None:
        """
        A record cut short by a crash is dropped; those before it are kept.
        """
        self.checkpointer.framework("F1", FrameworkInfo(name="f"))
        self.checkpointer.run("F1", "t1", "C1", None, "")
        self.checkpointer.task("F1", "t1", "C1", task("t1"))
        first = record("t1", mesos_pb2.TASK_RUNNING)
        self.checkpointer.record("F1", "t1", "C1", "t1", first)
        path = os.path.join(self.checkpointer.taskDir("F1", "t1", "C1", "t1"), "task.updates")
        with open(path, "ab") as f:
            f.write(b"\x00\x00\x01\x00partial")
        self.assertEqual(list(state.readRecords(path)), [first])

    def test_corrupt(self) -> None:
        """
        An unreadable checkpoint is a L{state.RecoveryError} naming it.
        """
        path = os.path.join(self.checkpointer.slaveDir, "slave.info")
        with open(path, "wb") as f:
            f.write(b"\xff\xff\xff")
        error = self.assertRaises(state.RecoveryError, state.recover, self.workDir, BOOT)
        self.assertIn(path, str(error))

    def test_removeExecutorAndFramework(self) -> None:
        """
        Removed executors and frameworks are not recovered.
        """
        self.checkpointer.framework("F1", FrameworkInfo(name="f"))
        self.checkpointer.run("F1", "t1", "C1", None, "")
        self.checkpointer.run("F1", "t2", "C2", None, "")
        self.checkpointer.removeExecutor("F1", "t1")
        self.assertEqual(
            list(state.recover(self.workDir, BOOT).frameworks["F1"].executors), ["t2"]
        )
        self.checkpointer.removeFramework("F1")
        self.assertEqual(state.recover(self.workDir, BOOT).frameworks, {})

    def test_diskRefuses(self) -> None:
        """
        A write the disk refuses raises L{OSError} and leaves the previous
        checkpoint whole.
        """
        self.checkpointer.framework("F1", FrameworkInfo(name="before"))
        os.chmod(self.checkpointer.frameworkDir("F1"), 0o500)
        self.addCleanup(os.chmod, self.checkpointer.frameworkDir("F1"), 0o700)
        if os.geteuid() == 0:
            # Root ignores permissions: make the temporary name a directory.
            os.mkdir(os.path.join(self.checkpointer.frameworkDir("F1"), "framework.info.tmp"))
        self.assertRaises(OSError, self.checkpointer.framework, "F1", FrameworkInfo(name="after"))
        self.assertEqual(state.recover(self.workDir, BOOT).frameworks["F1"].info.name, "before")

    def test_recordRefused(self) -> None:
        """
        A record the disk refuses partway raises L{OSError} naming the file,
        and is cut off again: a later record reads back after the earlier
        ones.
        """
        self.checkpointer.run("F1", "t1", "C1", None, "")
        first = record("t1", mesos_pb2.TASK_RUNNING)
        self.checkpointer.record("F1", "t1", "C1", "t1", first)
        path = os.path.join(self.checkpointer.taskDir("F1", "t1", "C1", "t1"), "task.updates")
        realWrite = os.write

        def writeHalf(fd: int, data) -> int:
            realWrite(fd, bytes(data[: len(data) // 2]))
            raise OSError(28, "No space left on device")

        self.patch(os, "write", writeHalf)
        error = self.assertRaises(
            OSError, self.checkpointer.record, "F1", "t1", "C1", "t1",
            record("t1", mesos_pb2.TASK_FINISHED),
        )
        self.assertEqual((error.errno, error.filename), (28, path))
        self.patch(os, "write", realWrite)
        second = record("t1", mesos_pb2.TASK_FAILED)
        self.checkpointer.record("F1", "t1", "C1", "t1", second)
        self.assertEqual(list(state.readRecords(path)), [first, second])
