"""
Tests for L{mesos_tw.slave.status_updates}.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.logger import Logger, LogLevel, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.mesos_pb2 import TaskStatus
from mesos_tw.slave.status_updates import StatusUpdateManager
from mesos_tw.tasks import statusUpdate, taskStatus

FRAMEWORK = "fw-0001"


def update(taskId: str, state: int, frameworkId: str = FRAMEWORK) -> msgs.StatusUpdate:
    """
    A status update with a fresh uuid, as an executor sends it.
    """
    return statusUpdate(
        frameworkId,
        taskStatus(taskId, state, TaskStatus.SOURCE_EXECUTOR, timestamp=1.0),
        slaveId="S0",
        executorId=taskId,
    )


class StatusUpdateManagerTests(SynchronousTestCase):
    """
    Tests for L{StatusUpdateManager}.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.sent: list[msgs.StatusUpdate] = []
        self.records: list[tuple[str, str, msgs.StatusUpdateRecord]] = []
        self.manager = StatusUpdateManager(
            self.clock,
            self.sent.append,
            checkpoint=lambda f, t, r: self.records.append((f, t, r)),
        )
        self.addCleanup(self.manager.stop)

    def states(self) -> list[str]:
        """
        The states of the updates sent since the last call, which clears them.
        """
        states = [mesos_pb2.TaskState.Name(u.status.state) for u in self.sent]
        del self.sent[:]
        return states

    def test_headForwarded(self) -> None:
        """
        The first update of a task is sent at once; later ones wait for the
        head's acknowledgement.
        """
        starting = update("t1", mesos_pb2.TASK_STARTING)
        self.assertTrue(self.successResultOf(self.manager.update(starting)))
        running = update("t1", mesos_pb2.TASK_RUNNING)
        self.assertTrue(self.successResultOf(self.manager.update(running)))
        self.assertEqual(self.states(), ["TASK_STARTING"])
        self.assertEqual(len(self.manager.pending(FRAMEWORK, "t1")), 2)

    def test_streamsIndependent(self) -> None:
        """
        Each task has its own stream: heads of different tasks are sent
        together.
        """
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.manager.update(update("t2", mesos_pb2.TASK_RUNNING))
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING, frameworkId="other"))
        self.assertEqual(len(self.sent), 3)

    def test_latestState(self) -> None:
        """
        The forwarded copy carries C{latest_state}, the state of the newest
        update in the stream; the stored update is left alone.
        """
        self.manager.update(update("t1", mesos_pb2.TASK_STARTING))
        [first] = self.sent
        self.assertEqual(first.latest_state, mesos_pb2.TASK_STARTING)
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.manager.update(update("t1", mesos_pb2.TASK_FINISHED))
        self.clock.advance(10)
        resent = self.sent[-1]
        self.assertEqual(resent.status.state, mesos_pb2.TASK_STARTING)
        self.assertEqual(resent.latest_state, mesos_pb2.TASK_FINISHED)
        self.assertFalse(self.manager.pending(FRAMEWORK, "t1")[0].HasField("latest_state"))

    def test_retrySchedule(self) -> None:
        """
        An unacknowledged head is resent after 10 s, the interval doubling up
        to 10 minutes.
        """
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.states()
        delays = []
        for _ in range(9):
            [call] = self.clock.getDelayedCalls()
            delays.append(call.getTime() - self.clock.seconds())
            self.clock.advance(delays[-1])
            self.assertEqual(self.states(), ["TASK_RUNNING"])
        self.assertEqual(delays, [10, 20, 40, 80, 160, 320, 600, 600, 600])

    def test_retryIntervals(self) -> None:
        """
        The bounds of the retry interval are configurable.
        """
        manager = StatusUpdateManager(self.clock, self.sent.append, 1.0, 3.0)
        manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        delays = []
        for _ in range(4):
            [call] = self.clock.getDelayedCalls()
            delays.append(call.getTime() - self.clock.seconds())
            self.clock.advance(delays[-1])
        self.assertEqual(delays, [1.0, 2.0, 3.0, 3.0])
        manager.stop()

    def test_acknowledge(self) -> None:
        """
        Acknowledging the head drops it and sends the next update at once,
        with the retry interval back at its minimum.
        """
        starting = update("t1", mesos_pb2.TASK_STARTING)
        self.manager.update(starting)
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.clock.advance(10)
        self.clock.advance(20)
        self.states()
        self.assertTrue(
            self.manager.acknowledge(FRAMEWORK, "t1", starting.status.uuid)
        )
        self.assertEqual(self.states(), ["TASK_RUNNING"])
        [call] = self.clock.getDelayedCalls()
        self.assertEqual(call.getTime() - self.clock.seconds(), 10)

    def test_acknowledgeNotHead(self) -> None:
        """
        An acknowledgement of an update that is not the head is ignored.
        """
        starting = update("t1", mesos_pb2.TASK_STARTING)
        running = update("t1", mesos_pb2.TASK_RUNNING)
        self.manager.update(starting)
        self.manager.update(running)
        self.states()
        self.assertFalse(self.manager.acknowledge(FRAMEWORK, "t1", running.status.uuid))
        self.assertEqual(self.states(), [])
        self.assertEqual(len(self.manager.pending(FRAMEWORK, "t1")), 2)

    def test_acknowledgeTwice(self) -> None:
        """
        A second acknowledgement of the same update is ignored.
        """
        starting = update("t1", mesos_pb2.TASK_STARTING)
        self.manager.update(starting)
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.assertTrue(self.manager.acknowledge(FRAMEWORK, "t1", starting.status.uuid))
        self.assertFalse(self.manager.acknowledge(FRAMEWORK, "t1", starting.status.uuid))
        self.assertEqual(len(self.manager.pending(FRAMEWORK, "t1")), 1)

    def test_acknowledgeUnknown(self) -> None:
        """
        An acknowledgement for a task without a stream is ignored.
        """
        self.assertFalse(self.manager.acknowledge(FRAMEWORK, "nope", b"x" * 16))

    def test_duplicate(self) -> None:
        """
        An update whose uuid was already received is ignored, before and
        after its acknowledgement.
        """
        starting = update("t1", mesos_pb2.TASK_STARTING)
        self.manager.update(starting)
        self.assertFalse(self.successResultOf(self.manager.update(starting)))
        self.assertEqual(len(self.manager.pending(FRAMEWORK, "t1")), 1)
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.manager.acknowledge(FRAMEWORK, "t1", starting.status.uuid)
        self.states()
        self.assertFalse(self.successResultOf(self.manager.update(starting)))
        self.assertEqual(self.states(), [])
        self.assertEqual(len(self.manager.pending(FRAMEWORK, "t1")), 1)

    def test_noUUID(self) -> None:
        """
        An update without a uuid is refused.
        """
        noUUID = update("t1", mesos_pb2.TASK_RUNNING)
        noUUID.status.ClearField("uuid")
        self.assertRaises(ValueError, self.manager.update, noUUID)
        self.assertEqual(self.sent, [])

    def test_terminalAcknowledged(self) -> None:
        """
        A stream ends once its terminal update is acknowledged: no timer is
        left and later updates after it are dropped.
        """
        finished = update("t1", mesos_pb2.TASK_FINISHED)
        self.manager.update(finished)
        self.manager.update(update("t1", mesos_pb2.TASK_FAILED))
        self.assertTrue(self.manager.acknowledge(FRAMEWORK, "t1", finished.status.uuid))
        self.assertEqual(list(self.manager.streams()), [])
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.assertEqual(self.manager.pending(FRAMEWORK, "t1"), [])

    def test_pause(self) -> None:
        """
        While paused nothing is sent or resent; updates are kept.
        """
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.states()
        self.manager.pause()
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.manager.update(update("t2", mesos_pb2.TASK_RUNNING))
        self.clock.advance(10000)
        self.assertEqual(self.states(), [])
        self.assertEqual(len(list(self.manager.streams())), 2)

    def test_acknowledgeWhilePaused(self) -> None:
        """
        An acknowledgement while paused pops the head without sending the
        next; resuming sends it.
        """
        starting = update("t1", mesos_pb2.TASK_STARTING)
        self.manager.update(starting)
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.states()
        self.manager.pause()
        self.assertTrue(self.manager.acknowledge(FRAMEWORK, "t1", starting.status.uuid))
        self.assertEqual(self.states(), [])
        self.manager.resume()
        self.assertEqual(self.states(), ["TASK_RUNNING"])

    def test_resume(self) -> None:
        """
        Resuming resends every head at once and restarts the retries at the
        minimum interval.
        """
        self.manager.pause()
        self.manager.update(update("t1", mesos_pb2.TASK_STARTING))
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.manager.update(update("t2", mesos_pb2.TASK_FINISHED))
        self.assertEqual(self.states(), [])
        self.manager.resume()
        self.assertEqual(sorted(self.states()), ["TASK_FINISHED", "TASK_STARTING"])
        self.assertEqual(
            [c.getTime() for c in self.clock.getDelayedCalls()], [10.0, 10.0]
        )
        self.clock.advance(10)
        self.assertEqual(len(self.sent), 2)

    def test_startPaused(self) -> None:
        """
        A manager made paused sends nothing until resumed.
        """
        manager = StatusUpdateManager(self.clock, self.sent.append, paused=True)
        manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.assertEqual(self.sent, [])
        manager.resume()
        self.assertEqual(self.states(), ["TASK_RUNNING"])
        manager.stop()

    def test_cleanup(self) -> None:
        """
        Cleaning up a framework drops its streams and their timers only.
        """
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING, frameworkId="other"))
        self.manager.cleanup(FRAMEWORK)
        self.assertEqual(list(self.manager.streams()), [("other", "t1")])
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)

    def test_checkpointHook(self) -> None:
        """
        The checkpoint hook sees every accepted update and acknowledgement,
        and no duplicates.
        """
        starting = update("t1", mesos_pb2.TASK_STARTING)
        self.manager.update(starting)
        self.manager.update(starting)
        self.manager.acknowledge(FRAMEWORK, "t1", b"wrong")
        self.manager.acknowledge(FRAMEWORK, "t1", starting.status.uuid)
        self.assertEqual(
            [(f, t, r.type) for f, t, r in self.records],
            [
                (FRAMEWORK, "t1", msgs.StatusUpdateRecord.UPDATE),
                (FRAMEWORK, "t1", msgs.StatusUpdateRecord.ACK),
            ],
        )
        self.assertEqual(self.records[0][2].update, starting)
        self.assertEqual(self.records[1][2].uuid, starting.status.uuid)

    def test_stop(self) -> None:
        """
        Stopping cancels the timers and keeps the streams.
        """
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.manager.stop()
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.assertEqual(len(self.manager.pending(FRAMEWORK, "t1")), 1)


class RecoverTests(SynchronousTestCase):
    """
    Tests for L{StatusUpdateManager.recover}: streams rebuilt from their
    checkpointed records.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.sent: list[msgs.StatusUpdate] = []
        self.records: list[msgs.StatusUpdateRecord] = []
        self.manager = StatusUpdateManager(
            self.clock,
            self.sent.append,
            checkpoint=lambda f, t, r: self.records.append(r),
            paused=True,
        )
        self.addCleanup(self.manager.stop)

    def checkpointed(self, *updates: msgs.StatusUpdate, acked: int = 0) -> list:
        """
        The records a manager writes for C{updates}, the first C{acked} of
        them acknowledged.
        """
        writer = StatusUpdateManager(
            Clock(), lambda u: None, checkpoint=lambda f, t, r: records.append(r)
        )
        records: list[msgs.StatusUpdateRecord] = []
        for u in updates:
            writer.update(u)
        for u in updates[:acked]:
            writer.acknowledge(FRAMEWORK, "t1", u.status.uuid)
        writer.stop()
        return records

    def test_pendingResent(self) -> None:
        """
        The updates not acknowledged are pending again, the head is sent
        on resume with the latest state, and nothing is checkpointed twice.
        """
        running = update("t1", mesos_pb2.TASK_RUNNING)
        finished = update("t1", mesos_pb2.TASK_FINISHED)
        starting = update("t1", mesos_pb2.TASK_STARTING)
        records = self.checkpointed(starting, running, finished, acked=1)
        self.assertTrue(self.manager.recover(FRAMEWORK, "t1", records))
        self.assertEqual(self.manager.pending(FRAMEWORK, "t1"), [running, finished])
        self.assertEqual(self.sent, [])
        self.manager.resume()
        [sent] = self.sent
        self.assertEqual(sent.status.uuid, running.status.uuid)
        self.assertEqual(sent.latest_state, mesos_pb2.TASK_FINISHED)
        self.assertEqual(self.records, [])

    def test_duplicatesAfterRecovery(self) -> None:
        """
        An update recovered, acknowledged or not, is a duplicate if the
        executor sends it again.
        """
        running = update("t1", mesos_pb2.TASK_RUNNING)
        starting = update("t1", mesos_pb2.TASK_STARTING)
        self.manager.recover(FRAMEWORK, "t1", self.checkpointed(starting, running, acked=1))
        self.assertFalse(self.successResultOf(self.manager.update(starting)))
        self.assertFalse(self.successResultOf(self.manager.update(running)))

    def test_terminalAcknowledged(self) -> None:
        """
        A stream whose terminal update was acknowledged is over: it is not
        kept.
        """
        finished = update("t1", mesos_pb2.TASK_FINISHED)
        self.assertFalse(
            self.manager.recover(FRAMEWORK, "t1", self.checkpointed(finished, acked=1))
        )
        self.assertEqual(list(self.manager.streams()), [])


class Disk:
    """
    A checkpoint hook that keeps records, or refuses them while full.
    """

    def __init__(self) -> None:
        self.full = False
        self.records: list[msgs.StatusUpdateRecord] = []

    def __call__(self, frameworkId: str, taskId: str, record) -> None:
        if self.full:
            raise OSError(28, "No space left on device", "/work/meta/task.updates")
        self.records.append(record)

    def kinds(self) -> list[str]:
        """
        The type of every record kept.
        """
        return [msgs.StatusUpdateRecord.Type.Name(r.type) for r in self.records]


class CheckpointFailureTests(SynchronousTestCase):
    """
    An update or acknowledgement whose checkpoint the disk refuses is not
    acted on until the checkpoint is written.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.sent: list[msgs.StatusUpdate] = []
        self.disk = Disk()
        self.events: list[dict] = []
        self.manager = StatusUpdateManager(
            self.clock, self.sent.append, checkpoint=self.disk
        )
        self.manager._log = Logger(observer=self.events.append)
        self.addCleanup(self.manager.stop)

    def errors(self) -> list[str]:
        """
        The errors logged since the last call, which clears them.
        """
        texts = [
            formatEvent(e) for e in self.events if e["log_level"] == LogLevel.error
        ]
        del self.events[:]
        return texts

    def test_notAcceptedUntilWritten(self) -> None:
        """
        A refused update is neither sent nor reported written; the
        checkpoint is retried after 1, 2, 4 ... seconds, and once written
        the update is sent and its L{Deferred} fires with C{True}.
        """
        self.disk.full = True
        running = update("t1", mesos_pb2.TASK_RUNNING)
        written = self.manager.update(running)
        self.assertNoResult(written)
        self.assertEqual(self.sent, [])
        self.assertEqual(self.manager.pending(FRAMEWORK, "t1"), [running])
        delays = []
        for _ in range(3):
            [call] = self.clock.getDelayedCalls()
            delays.append(call.getTime() - self.clock.seconds())
            self.clock.advance(delays[-1])
        self.assertEqual(delays, [1.0, 2.0, 4.0])
        self.assertNoResult(written)
        self.disk.full = False
        self.clock.advance(8)
        self.assertTrue(self.successResultOf(written))
        self.assertEqual(self.disk.kinds(), ["UPDATE"])
        self.assertEqual([u.status.uuid for u in self.sent], [running.status.uuid])

    def test_errorSaysWhatToDo(self) -> None:
        """
        Each refusal is logged as an error naming the task, the file, and
        telling to free space under the work directory.
        """
        self.disk.full = True
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        [error] = self.errors()
        for part in ["task t1", FRAMEWORK, "No space left on device",
                     "/work/meta/task.updates", "Free space", "--work-dir",
                     "not acknowledged to the executor", "1.0 s"]:
            self.assertIn(part, error)
        self.clock.advance(1)
        [error] = self.errors()
        self.assertIn("2.0 s", error)

    def test_orderKept(self) -> None:
        """
        Updates of a task that arrive while an earlier one waits for its
        checkpoint wait behind it, even if the disk would take them.
        """
        self.disk.full = True
        running = update("t1", mesos_pb2.TASK_RUNNING)
        finished = update("t1", mesos_pb2.TASK_FINISHED)
        first = self.manager.update(running)
        self.disk.full = False
        second = self.manager.update(finished)
        other = self.manager.update(update("t2", mesos_pb2.TASK_RUNNING))
        self.assertNoResult(second)
        self.assertTrue(self.successResultOf(other))
        self.clock.advance(1)
        self.assertTrue(self.successResultOf(first))
        self.assertTrue(self.successResultOf(second))
        [t2, *t1] = self.disk.records
        self.assertEqual(
            [r.update.status.uuid for r in t1],
            [running.status.uuid, finished.status.uuid],
        )
        self.assertEqual(
            self.manager.pending(FRAMEWORK, "t1"), [running, finished]
        )

    def test_duplicateWaits(self) -> None:
        """
        The same update received again while its checkpoint is refused is
        a duplicate, reported as such once the first copy is written.
        """
        self.disk.full = True
        running = update("t1", mesos_pb2.TASK_RUNNING)
        self.manager.update(running)
        again = self.manager.update(running)
        self.assertNoResult(again)
        self.disk.full = False
        self.clock.advance(1)
        self.assertFalse(self.successResultOf(again))
        self.assertEqual(len(self.disk.records), 1)

    def test_acknowledgementRefused(self) -> None:
        """
        An acknowledgement whose checkpoint is refused is ignored: the
        update stays in flight, and a later acknowledgement is taken.
        """
        starting = update("t1", mesos_pb2.TASK_STARTING)
        self.manager.update(starting)
        self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        del self.sent[:]
        self.disk.full = True
        self.assertFalse(self.manager.acknowledge(FRAMEWORK, "t1", starting.status.uuid))
        [error] = self.errors()
        self.assertIn("acknowledgement of status update TASK_STARTING", error)
        self.assertEqual(self.sent, [])
        self.clock.advance(10)
        self.assertEqual([u.status.uuid for u in self.sent], [starting.status.uuid])
        self.disk.full = False
        self.assertTrue(self.manager.acknowledge(FRAMEWORK, "t1", starting.status.uuid))
        self.assertEqual(self.disk.kinds(), ["UPDATE", "UPDATE", "ACK"])

    def test_cleanup(self) -> None:
        """
        Cleaning up a framework gives up the updates waiting for their
        checkpoint: their L{Deferred}s fire with C{False}, and nothing is
        retried.
        """
        self.disk.full = True
        written = self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.manager.cleanup(FRAMEWORK)
        self.assertFalse(self.successResultOf(written))
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_stop(self) -> None:
        """
        Stopping cancels the checkpoint retries too.
        """
        self.disk.full = True
        written = self.manager.update(update("t1", mesos_pb2.TASK_RUNNING))
        self.manager.stop()
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.assertNoResult(written)


class RefusedTests(SynchronousTestCase):
    """
    Tests for L{StatusUpdateManager.refused}: an update the master refuses
    because it does not know the task.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.sent: list[msgs.StatusUpdate] = []
        self.disk = Disk()
        self.manager = StatusUpdateManager(
            self.clock, self.sent.append, checkpoint=self.disk
        )
        self.addCleanup(self.manager.stop)

    def test_headDropped(self) -> None:
        """
        The update in flight is dropped, checkpointed as acknowledged, and
        the next one is sent at once.
        """
        starting = update("t1", mesos_pb2.TASK_STARTING)
        running = update("t1", mesos_pb2.TASK_RUNNING)
        self.manager.update(starting)
        self.manager.update(running)
        del self.sent[:]
        self.assertTrue(self.manager.refused(FRAMEWORK, "t1", starting.status.uuid))
        self.assertEqual([u.status.uuid for u in self.sent], [running.status.uuid])
        self.assertEqual(self.manager.pending(FRAMEWORK, "t1"), [running])
        self.assertEqual(self.disk.records[-1].uuid, starting.status.uuid)

    def test_terminalDropped(self) -> None:
        """
        Dropping a terminal update ends the stream.
        """
        finished = update("t1", mesos_pb2.TASK_FINISHED)
        self.manager.update(finished)
        self.assertTrue(self.manager.refused(FRAMEWORK, "t1", finished.status.uuid))
        self.assertEqual(list(self.manager.streams()), [])
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_notHead(self) -> None:
        """
        A refusal of an update that is not in flight (already acknowledged,
        or not sent yet) drops nothing.
        """
        starting = update("t1", mesos_pb2.TASK_STARTING)
        running = update("t1", mesos_pb2.TASK_RUNNING)
        self.manager.update(starting)
        self.manager.update(running)
        self.assertFalse(self.manager.refused(FRAMEWORK, "t1", running.status.uuid))
        self.assertFalse(self.manager.refused(FRAMEWORK, "other", starting.status.uuid))
        self.assertEqual(self.manager.pending(FRAMEWORK, "t1"), [starting, running])

    def test_checkpointRefused(self) -> None:
        """
        If the disk refuses the record of the drop, the update stays in
        flight.
        """
        running = update("t1", mesos_pb2.TASK_RUNNING)
        self.manager.update(running)
        self.disk.full = True
        self.assertFalse(self.manager.refused(FRAMEWORK, "t1", running.status.uuid))
        self.assertEqual(self.manager.pending(FRAMEWORK, "t1"), [running])
