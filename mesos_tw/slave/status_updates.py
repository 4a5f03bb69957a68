# -*- test-case-name: tests.test_status_updates -*-
"""
Reliable delivery of task status updates from the slave to the master:
Mesos's C{TaskStatusUpdateManager}.

Each task has a stream of updates, delivered in order, one at a time: only
the head of a stream is sent, and it is resent with a growing interval until
the framework acknowledges it (through the master); then the next one is
sent.  A stream ends once its terminal update is acknowledged.

Nothing is acted on before it is checkpointed: an update joins its stream,
and the slave acknowledges it to the executor, only once its record is
written.  An update whose record the disk refuses waits in memory (with the
later updates of its task, to keep their order) while the checkpoint is
retried; the executor, not acknowledged meanwhile, keeps it too, and gives
it to the next slave process if this one dies.
"""

from __future__ import annotations

from collections import deque
from typing import Callable, Iterable, Iterator

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from mesos_tw import messages_pb2 as msgs
from mesos_tw.slave import constants
from mesos_tw.tasks import isTerminal, stateName

StreamKey = tuple[str, str]


class _Stream:
    """
    The updates of one task.

    @ivar pending: updates checkpointed and not yet acknowledged, oldest
        first; the head is the one in flight.
    @ivar unrecorded: updates whose checkpoint failed, oldest first, each
        with the L{Deferred}s waiting for it to be written.
    @ivar seen: the uuids of every update received, to drop duplicates.
    @ivar interval: the delay before the next resend of the head.
    @ivar recordInterval: the delay before the next checkpoint attempt.
    """

    def __init__(self, frameworkId: str, taskId: str, interval: float) -> None:
        self.frameworkId = frameworkId
        self.taskId = taskId
        self.pending: deque[msgs.StatusUpdate] = deque()
        self.unrecorded: deque[tuple[msgs.StatusUpdate, list[Deferred[bool]]]] = deque()
        self.seen: set[bytes] = set()
        self.interval = interval
        self.timer: IDelayedCall | None = None
        self.recordInterval = 0.0
        self.recordTimer: IDelayedCall | None = None

    def cancel(self) -> None:
        """
        Stop resending the head.
        """
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None

    def close(self) -> None:
        """
        The stream is over: stop every timer; updates still waiting for
        their checkpoint will never be kept.
        """
        self.cancel()
        if self.recordTimer is not None and self.recordTimer.active():
            self.recordTimer.cancel()
        self.recordTimer = None
        unrecorded, self.unrecorded = self.unrecorded, deque()
        for _, waiting in unrecorded:
            for d in waiting:
                d.callback(False)


class StatusUpdateManager:
    """
    Status update streams, one per (framework, task).

    Checkpointing is done through C{checkpoint}: it is called as
    C{checkpoint(frameworkId, taskId, record)} with a
    L{msgs.StatusUpdateRecord} for every update accepted and every
    acknowledgement accepted, before the manager acts on it (so before the
    slave acknowledges the update to the executor), and raises L{OSError}
    if the record cannot be written.  L{recover} rebuilds a stream from
    those records.

    @ivar paused: whether sending is suspended (while the slave has no
        master).
    """

    _log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        forward: Callable[[msgs.StatusUpdate], object],
        retryIntervalMin: float = constants.STATUS_UPDATE_RETRY_INTERVAL_MIN,
        retryIntervalMax: float = constants.STATUS_UPDATE_RETRY_INTERVAL_MAX,
        checkpoint: Callable[[str, str, msgs.StatusUpdateRecord], object]
        | None = None,
        paused: bool = False,
        checkpointRetryIntervalMin: float = constants.CHECKPOINT_RETRY_INTERVAL_MIN,
        checkpointRetryIntervalMax: float = constants.CHECKPOINT_RETRY_INTERVAL_MAX,
    ) -> None:
        """
        @param forward: sends one update to the master.
        @param checkpoint: persists a record, or L{None} to keep nothing.
        @param paused: whether to start paused.
        @param checkpointRetryIntervalMin: seconds before a refused checkpoint
            of an update is tried again, the interval doubling up to
            C{checkpointRetryIntervalMax}.
        """
        self._clock = clock
        self._forward = forward
        self._min = retryIntervalMin
        self._max = retryIntervalMax
        self._checkpoint = checkpoint
        self._recordMin = checkpointRetryIntervalMin
        self._recordMax = checkpointRetryIntervalMax
        self.paused = paused
        self._streams: dict[StreamKey, _Stream] = {}

    # --- Updates -------------------------------------------------------------

    def update(self, update: msgs.StatusUpdate) -> Deferred[bool]:
        """
        Checkpoint C{update} and add it to its task's stream; send it if it
        is the head.

        @return: a L{Deferred} that fires with C{True} once the update is
            checkpointed and in its stream (at once if the disk takes it),
            or with C{False} if it is not kept: a duplicate (at once), or an
            update whose stream ended before its checkpoint could be
            written.  Either way the executor may then be acknowledged.
        @raise ValueError: if the update has no uuid.
        """
        status = update.status
        if not status.uuid:
            raise ValueError(
                f"status update for task {status.task_id.value} has no uuid"
            )
        key = (update.framework_id.value, status.task_id.value)
        stream = self._streams.get(key)
        if stream is None:
            stream = self._streams[key] = _Stream(*key, self._min)
        if status.uuid in stream.seen:
            return self._duplicate(stream, update)
        stream.seen.add(status.uuid)
        copy = msgs.StatusUpdate()
        copy.CopyFrom(update)
        if stream.unrecorded or not self._record(
            stream, msgs.StatusUpdateRecord.UPDATE, copy
        ):
            written: Deferred[bool] = Deferred()
            stream.unrecorded.append((copy, [written]))
            self._retryRecordLater(stream)
            return written
        self._accept(stream, copy)
        return succeed(True)

    def _duplicate(self, stream: _Stream, update: msgs.StatusUpdate) -> Deferred[bool]:
        """
        An update received before: ignore it, but let its acknowledgement
        wait for its checkpoint if that is not written yet.
        """
        self._log.info(
            "Ignoring duplicate status update {state} for task {taskId} of "
            "framework {frameworkId}",
            state=stateName(update.status.state),
            taskId=stream.taskId,
            frameworkId=stream.frameworkId,
        )
        for queued, waiting in stream.unrecorded:
            if queued.status.uuid == update.status.uuid:
                written: Deferred[bool] = Deferred()
                waiting.append(written)
                return written.addCallback(lambda _: False)
        return succeed(False)

    def _accept(self, stream: _Stream, update: msgs.StatusUpdate) -> None:
        """
        A checkpointed update joins its stream.
        """
        stream.pending.append(update)
        if len(stream.pending) == 1 and not self.paused:
            self._send(stream, self._min)

    def _retryRecordLater(self, stream: _Stream) -> None:
        if stream.recordTimer is not None:
            return
        stream.recordInterval = min(
            max(stream.recordInterval * 2, self._recordMin), self._recordMax
        )
        stream.recordTimer = self._clock.callLater(
            stream.recordInterval, self._retryRecord, stream
        )

    def _retryRecord(self, stream: _Stream) -> None:
        """
        Try again to checkpoint the updates the disk refused, in order.
        """
        stream.recordTimer = None
        while stream.unrecorded:
            update, waiting = stream.unrecorded[0]
            if not self._record(stream, msgs.StatusUpdateRecord.UPDATE, update):
                self._retryRecordLater(stream)
                return
            stream.unrecorded.popleft()
            self._log.info(
                "Checkpointed status update {state} for task {taskId} of "
                "framework {frameworkId} after all",
                state=stateName(update.status.state),
                taskId=stream.taskId,
                frameworkId=stream.frameworkId,
            )
            self._accept(stream, update)
            for d in waiting:
                d.callback(True)
        stream.recordInterval = 0.0

    def acknowledge(self, frameworkId: str, taskId: str, uuid: bytes) -> bool:
        """
        The framework acknowledged the update C{uuid} of a task: drop it and
        send the next one.

        @return: whether C{uuid} was the update in flight; other
            acknowledgements are ignored.
        """
        stream = self._streams.get((frameworkId, taskId))
        if stream is None or not stream.pending:
            self._log.warn(
                "Ignoring acknowledgement for task {taskId} of framework "
                "{frameworkId}: no update is pending",
                taskId=taskId,
                frameworkId=frameworkId,
            )
            return False
        head = stream.pending[0]
        if head.status.uuid != uuid:
            self._log.warn(
                "Ignoring acknowledgement for task {taskId} of framework "
                "{frameworkId}: it is not for the update in flight ({state})",
                taskId=taskId,
                frameworkId=frameworkId,
                state=stateName(head.status.state),
            )
            return False
        if not self._record(stream, msgs.StatusUpdateRecord.ACK, head, uuid):
            return False
        self._popHead(stream)
        return True

    def refused(self, frameworkId: str, taskId: str, uuid: bytes) -> bool:
        """
        The master refused the update C{uuid} of a task because it does not
        know the task: if that update is in flight, drop it (checkpointed as
        if acknowledged, so that a restarted slave does not send it again)
        and go on with the next.  Refusals of other updates are ignored.

        @return: whether the update was dropped.
        """
        stream = self._streams.get((frameworkId, taskId))
        if stream is None or not stream.pending:
            return False
        head = stream.pending[0]
        if head.status.uuid != uuid:
            return False
        self._log.warn(
            "The master does not know task {taskId} of framework {frameworkId}: "
            "dropping its status update {state}",
            taskId=taskId,
            frameworkId=frameworkId,
            state=stateName(head.status.state),
        )
        if not self._record(stream, msgs.StatusUpdateRecord.ACK, head, uuid):
            return False
        self._popHead(stream)
        return True

    def _popHead(self, stream: _Stream) -> None:
        """
        The head is done with: end the stream if it was terminal, else send
        the next update.
        """
        head = stream.pending.popleft()
        stream.cancel()
        if isTerminal(head.status.state):
            later = len(stream.pending) + len(stream.unrecorded)
            if later:
                self._log.warn(
                    "Task {taskId} of framework {frameworkId} ended; dropping "
                    "{count} later updates",
                    taskId=stream.taskId,
                    frameworkId=stream.frameworkId,
                    count=later,
                )
            del self._streams[(stream.frameworkId, stream.taskId)]
            stream.close()
        elif stream.pending and not self.paused:
            self._send(stream, self._min)

    def recover(
        self, frameworkId: str, taskId: str, records: Iterable[msgs.StatusUpdateRecord]
    ) -> bool:
        """
        Rebuild a task's stream from its checkpointed records, without
        checkpointing or sending anything (L{resume} sends).

        @return: whether the stream is still open, i.e. its terminal update
            (if any) has not been acknowledged.
        """
        key = (frameworkId, taskId)
        stream = _Stream(frameworkId, taskId, self._min)
        for record in records:
            if record.type == msgs.StatusUpdateRecord.UPDATE:
                uuid = record.update.status.uuid
                if uuid and uuid not in stream.seen:
                    stream.seen.add(uuid)
                    copy = msgs.StatusUpdate()
                    copy.CopyFrom(record.update)
                    stream.pending.append(copy)
            elif stream.pending and stream.pending[0].status.uuid == record.uuid:
                head = stream.pending.popleft()
                if isTerminal(head.status.state):
                    self._streams.pop(key, None)
                    return False
        self._streams[key] = stream
        if stream.pending and not self.paused:
            self._send(stream, self._min)
        return True

    # --- Sending -------------------------------------------------------------

    def _send(self, stream: _Stream, interval: float) -> None:
        """
        Forward the head of C{stream} and resend it after C{interval}.
        """
        stream.cancel()
        head = stream.pending[0]
        copy = msgs.StatusUpdate()
        copy.CopyFrom(head)
        copy.latest_state = stream.pending[-1].status.state
        stream.interval = interval
        stream.timer = self._clock.callLater(interval, self._retry, stream)
        self._forward(copy)

    def _retry(self, stream: _Stream) -> None:
        stream.timer = None
        if self.paused or not stream.pending:
            return
        head = stream.pending[0]
        self._log.info(
            "Resending status update {state} for task {taskId} of framework "
            "{frameworkId}",
            state=stateName(head.status.state),
            taskId=stream.taskId,
            frameworkId=stream.frameworkId,
        )
        self._send(stream, min(stream.interval * 2, self._max))

    def pause(self) -> None:
        """
        Stop sending and resending until L{resume}.
        """
        self.paused = True
        for stream in self._streams.values():
            stream.cancel()

    def resume(self) -> None:
        """
        Send the head of every stream now, and resume the retries.
        """
        self.paused = False
        for stream in list(self._streams.values()):
            if stream.pending:
                self._send(stream, self._min)

    # --- Bookkeeping ---------------------------------------------------------

    def cleanup(self, frameworkId: str) -> None:
        """
        Forget every stream of a framework.
        """
        for key in [k for k in self._streams if k[0] == frameworkId]:
            self._streams.pop(key).close()

    def stop(self) -> None:
        """
        Cancel every timer (resends and checkpoint retries); the streams are
        kept.
        """
        for stream in self._streams.values():
            stream.cancel()
            if stream.recordTimer is not None and stream.recordTimer.active():
                stream.recordTimer.cancel()
            stream.recordTimer = None

    def pending(self, frameworkId: str, taskId: str) -> list[msgs.StatusUpdate]:
        """
        The unacknowledged updates of a task, oldest (in flight) first;
        those still waiting for their checkpoint come last.
        """
        stream = self._streams.get((frameworkId, taskId))
        if stream is None:
            return []
        return list(stream.pending) + [u for u, _ in stream.unrecorded]

    def streams(self) -> Iterator[StreamKey]:
        """
        The (framework id, task id) of every open stream.
        """
        return iter(list(self._streams))

    def _record(
        self,
        stream: _Stream,
        kind: int,
        update: msgs.StatusUpdate,
        uuid: bytes | None = None,
    ) -> bool:
        """
        Checkpoint an update or an acknowledgement of C{stream}.

        @return: whether it is written (or nothing is kept); if the disk
            refused it, the error is logged.
        """
        if self._checkpoint is None:
            return True
        record = msgs.StatusUpdateRecord(type=kind)
        if kind == msgs.StatusUpdateRecord.UPDATE:
            record.update.CopyFrom(update)
            then = (
                "it is kept in memory, not acknowledged to the executor, and "
                "written again in {delay} s"
            )
        else:
            record.uuid = uuid
            then = (
                "the update stays in flight and is resent; it is done with once "
                "the disk takes the record"
            )
        try:
            self._checkpoint(stream.frameworkId, stream.taskId, record)
        except OSError as e:
            self._log.error(
                "Cannot checkpoint {what} {state} of task {taskId} of framework "
                "{frameworkId}: {why}. Free space on the disk of the slave's "
                "--work-dir (or make it writable): " + then,
                what="status update" if record.HasField("update")
                else "the acknowledgement of status update",
                state=stateName(update.status.state),
                taskId=stream.taskId,
                frameworkId=stream.frameworkId,
                why=str(e),
                delay=min(max(stream.recordInterval * 2, self._recordMin), self._recordMax),
            )
            return False
        return True
