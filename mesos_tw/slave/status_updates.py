# -*- test-case-name: tests.test_status_updates -*-
"""
Reliable delivery of task status updates from the slave to the master:
Mesos's C{TaskStatusUpdateManager}.

Each task has a stream of updates, delivered in order, one at a time: only
the head of a stream is sent, and it is resent with a growing interval until
the framework acknowledges it (through the master); then the next one is
sent.  A stream ends once its terminal update is acknowledged.
"""

from __future__ import annotations

from collections import deque
from typing import Callable, Iterable, Iterator

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from mesos_tw import messages_pb2 as msgs
from mesos_tw.slave import constants
from mesos_tw.tasks import isTerminal, stateName

StreamKey = tuple[str, str]


class _Stream:
    """
    The updates of one task.

    @ivar pending: updates not yet acknowledged, oldest first; the head is
        the one in flight.
    @ivar seen: the uuids of every update received, to drop duplicates.
    @ivar interval: the delay before the next resend of the head.
    """

    def __init__(self, frameworkId: str, taskId: str, interval: float) -> None:
        self.frameworkId = frameworkId
        self.taskId = taskId
        self.pending: deque[msgs.StatusUpdate] = deque()
        self.seen: set[bytes] = set()
        self.interval = interval
        self.timer: IDelayedCall | None = None

    def cancel(self) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None


class StatusUpdateManager:
    """
    Status update streams, one per (framework, task).

    Checkpointing is done through C{checkpoint}: it is called as
    C{checkpoint(frameworkId, taskId, record)} with a
    L{msgs.StatusUpdateRecord} for every update accepted and every
    acknowledgement accepted, before the manager acts on it (so before the
    slave acknowledges the update to the executor).  L{recover} rebuilds a
    stream from those records.

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
    ) -> None:
        """
        @param forward: sends one update to the master.
        @param checkpoint: persists a record, or L{None} to keep nothing.
        @param paused: whether to start paused.
        """
        self._clock = clock
        self._forward = forward
        self._min = retryIntervalMin
        self._max = retryIntervalMax
        self._checkpoint = checkpoint
        self.paused = paused
        self._streams: dict[StreamKey, _Stream] = {}

    # --- Updates -------------------------------------------------------------

    def update(self, update: msgs.StatusUpdate) -> bool:
        """
        Add C{update} to its task's stream; send it if it is the head.

        @return: whether it was new (C{False} for a duplicate).
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
            self._log.info(
                "Ignoring duplicate status update {state} for task {taskId} of "
                "framework {frameworkId}",
                state=stateName(status.state),
                taskId=key[1],
                frameworkId=key[0],
            )
            return False
        self._record(stream, msgs.StatusUpdateRecord.UPDATE, update)
        copy = msgs.StatusUpdate()
        copy.CopyFrom(update)
        stream.seen.add(status.uuid)
        stream.pending.append(copy)
        if len(stream.pending) == 1 and not self.paused:
            self._send(stream, self._min)
        return True

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
        self._record(stream, msgs.StatusUpdateRecord.ACK, head, uuid)
        stream.pending.popleft()
        stream.cancel()
        if isTerminal(head.status.state):
            if stream.pending:
                self._log.warn(
                    "Task {taskId} of framework {frameworkId} ended; dropping "
                    "{count} later updates",
                    taskId=taskId,
                    frameworkId=frameworkId,
                    count=len(stream.pending),
                )
            del self._streams[(frameworkId, taskId)]
        elif stream.pending and not self.paused:
            self._send(stream, self._min)
        return True

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
            self._streams.pop(key).cancel()

    def stop(self) -> None:
        """
        Cancel every timer; the streams are kept.
        """
        for stream in self._streams.values():
            stream.cancel()

    def pending(self, frameworkId: str, taskId: str) -> list[msgs.StatusUpdate]:
        """
        The unacknowledged updates of a task, oldest (in flight) first.
        """
        stream = self._streams.get((frameworkId, taskId))
        return list(stream.pending) if stream is not None else []

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
    ) -> None:
        if self._checkpoint is None:
            return
        record = msgs.StatusUpdateRecord(type=kind)
        if kind == msgs.StatusUpdateRecord.UPDATE:
            record.update.CopyFrom(update)
        else:
            record.uuid = uuid
        try:
            self._checkpoint(stream.frameworkId, stream.taskId, record)
        except OSError as e:
            # Deliver it all the same: only a crash before the disk recovers
            # would lose it.
            self._log.error(
                "Cannot checkpoint a status update record of task {taskId} of "
                "framework {frameworkId}: {why}; free space in the work "
                "directory, it is kept in memory meanwhile",
                taskId=stream.taskId,
                frameworkId=stream.frameworkId,
                why=str(e),
            )
