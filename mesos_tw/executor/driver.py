# -*- test-case-name: tests.test_executor_driver -*-
"""
The executor's side of its conversation with the slave.

A slave launches each executor with the environment of
L{mesos_tw.executor.environment}.  L{ExecutorDriver} reads it, connects to the
slave's Unix socket in the sandbox, registers with the executor's secret and
turns the slave's messages into calls of an L{Executor}'s callbacks; the
executor answers through the driver's methods (L{ExecutorDriver.
sendStatusUpdate}, L{ExecutorDriver.sendFrameworkMessage}, ...).  L{run} is
the whole C{main} of an executor script.
"""

from __future__ import annotations

import os
import sys
import uuid as _uuid
from collections import deque
from contextlib import ExitStack
from typing import Mapping, NoReturn, Sequence

from twisted.internet.defer import Deferred, fail, maybeDeferred, succeed
from twisted.internet.endpoints import UNIXClientEndpoint
from twisted.internet.interfaces import (
    IDelayedCall,
    IReactorTime,
    IStreamClientEndpoint,
)
from twisted.logger import Logger, globalLogBeginner, textFileLogObserver
from twisted.python.failure import Failure

from mesos_tw import mesos_pb2, messages_pb2 as msgs, tasks
from mesos_tw.daemon import installShutdownHandlers
from mesos_tw.executor import environment
from mesos_tw.executor.executor import Executor
from mesos_tw.mesos_pb2 import (
    ExecutorInfo,
    FrameworkInfo,
    SlaveInfo,
    TaskInfo,
    TaskStatus,
)
from mesos_tw.protocol.dispatch import Dispatcher
from mesos_tw.protocol.framing import MessageFactory, MessageProtocol
from mesos_tw.protocol.unix import shortPath

#: Seconds the executor of a checkpointing framework waits for its slave to
#: come back after losing the connection, before shutting down (Mesos's
#: C{MESOS_RECOVERY_TIMEOUT} default).
RECOVERY_TIMEOUT = 15 * 60.0

#: Seconds between attempts to reach a slave that went away, meanwhile.
RECONNECT_INTERVAL = 0.25

_FINISHED = (mesos_pb2.DRIVER_STOPPED, mesos_pb2.DRIVER_ABORTED)


class ExecutorEnvironmentError(RuntimeError):
    """
    The process lacks part of the environment a slave gives its executors.
    """


class SlaveConnectionError(RuntimeError):
    """
    The slave could not be reached, or went away.
    """


class DriverNotRunning(RuntimeError):
    """
    The driver cannot do this in its current state (not started, stopped or
    aborted).
    """


class StatusUpdateRefused(ValueError):
    """
    An executor may not send this status update (C{TASK_STAGING}).
    """


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "")
    if not value:
        raise ExecutorEnvironmentError(
            f"Environment variable {name} is not set: an executor must be "
            f"launched by a mesos_tw slave"
        )
    return value


def _statusName(status: int) -> str:
    return mesos_pb2.Status.Name(status)


class ExecutorDriver:
    """
    Connects an L{Executor} to the slave that launched it.

    The executor's callbacks run strictly in order: if one returns a pending
    L{Deferred}, the following events wait for it.  A callback that raises or
    fails is logged and the driver carries on.  Once the driver is stopped or
    aborted, no further callbacks run (except C{error} after an abort).

    @ivar executor: the L{Executor} called back.
    @ivar frameworkId: the framework the executor runs for.
    @ivar executorId: this executor's id.
    @ivar slaveId: the slave it runs on.
    @ivar directory: the sandbox.
    @ivar socketPath: the slave's Unix socket for this executor.
    @ivar checkpoint: whether the framework checkpoints (then a lost slave is
        waited for, up to L{RECOVERY_TIMEOUT} seconds).
    @ivar status: a C{mesos_pb2.DRIVER_*} value.
    @ivar connected: whether the executor is registered over a live
        connection.
    @ivar executorInfo: the L{ExecutorInfo} from the registration, or L{None}.
    @ivar frameworkInfo: the L{FrameworkInfo} from the registration, or
        L{None}.
    @ivar slaveInfo: the L{SlaveInfo} from the last (re)registration, or
        L{None}.
    @ivar tasks: the launched tasks, by task id, for which no status update
        has been acknowledged yet.
    @ivar updates: the status updates sent and not yet acknowledged, by uuid.
    """

    _log = Logger()

    def __init__(
        self,
        executor: Executor,
        reactor: IReactorTime | None = None,
        environ: Mapping[str, str] | None = None,
        endpoint: IStreamClientEndpoint | None = None,
    ) -> None:
        """
        @param executor: the callbacks.
        @param reactor: the reactor (for time and Unix sockets); the global
            one by default.
        @param environ: the environment to read; L{os.environ} by default.
        @param endpoint: how to reach the slave; by default a Unix socket
            client to the environment's C{MESOS_SLAVE_SOCKET}.
        @raise ExecutorEnvironmentError: if a variable the slave always sets
            is missing.
        """
        if reactor is None:
            from twisted.internet import reactor as globalReactor

            reactor = globalReactor  # type: ignore[assignment]
        if environ is None:
            environ = os.environ
        self.executor = executor
        self.frameworkId = _required(environ, environment.FRAMEWORK_ID)
        self.executorId = _required(environ, environment.EXECUTOR_ID)
        self.slaveId = _required(environ, environment.SLAVE_ID)
        self.directory = _required(environ, environment.DIRECTORY)
        self.socketPath = _required(environ, environment.SLAVE_SOCKET)
        self._secret = _required(environ, environment.EXECUTOR_SECRET)
        self.checkpoint = environ.get(environment.CHECKPOINT, "0") == "1"
        self.status: int = mesos_pb2.DRIVER_NOT_STARTED
        self.connected = False
        self.executorInfo: ExecutorInfo | None = None
        self.frameworkInfo: FrameworkInfo | None = None
        self.slaveInfo: SlaveInfo | None = None
        self.tasks: dict[str, TaskInfo] = {}
        self.updates: dict[bytes, msgs.StatusUpdate] = {}
        self._reactor = reactor
        self._endpoint = endpoint
        self._acks: dict[bytes, list[Deferred[None]]] = {}
        self._slaveGone: str | None = None
        self._connection: MessageProtocol | None = None
        self._connecting: Deferred[MessageProtocol] | None = None
        self._started: Deferred[int] | None = None
        self._closed = False
        self._joins: list[Deferred[int]] = []
        self._recoveryTimer: IDelayedCall | None = None
        self._reconnectTimer: IDelayedCall | None = None
        self._queue: deque[tuple[str, tuple[object, ...], bool, Deferred[None]]]
        self._queue = deque()
        self._busy = False
        self._draining = False
        self.dispatcher = d = Dispatcher()
        d.register(msgs.ExecutorRegisteredMessage, self._executorRegistered)
        d.register(msgs.ExecutorReregisteredMessage, self._executorReregistered)
        d.register(msgs.RunTaskMessage, self._runTask)
        d.register(msgs.KillTaskMessage, self._killTask)
        d.register(msgs.FrameworkToExecutorMessage, self._frameworkToExecutor)
        d.register(msgs.ShutdownExecutorMessage, self._shutdownExecutor)
        d.register(
            msgs.StatusUpdateAcknowledgementMessage, self._statusUpdateAcknowledged
        )

    # --- Public API ----------------------------------------------------------

    def start(self) -> Deferred[int]:
        """
        Connect to the slave and register the executor.

        @return: a L{Deferred} that fires with C{DRIVER_RUNNING} once the
            slave has registered the executor, or fails with
            L{SlaveConnectionError} if the slave cannot be reached or goes
            away first (or L{DriverNotRunning} if the driver ends first).
        """
        if self.status != mesos_pb2.DRIVER_NOT_STARTED:
            return fail(
                DriverNotRunning(
                    f"the driver was already started "
                    f"(status {_statusName(self.status)})"
                )
            )
        self.status = mesos_pb2.DRIVER_RUNNING
        self._started = started = Deferred()
        factory = MessageFactory(
            self.dispatcher, onReady=self._connectionMade, onLost=self._connectionLost
        )
        self._log.info(
            "Executor {executorId} of framework {frameworkId} connecting to the "
            "slave at {path}",
            executorId=self.executorId,
            frameworkId=self.frameworkId,
            path=self.socketPath,
        )
        self._connecting = connecting = maybeDeferred(self._connect, factory)
        connecting.addCallbacks(self._connectSucceeded, self._connectFailed)
        return started

    def stop(self) -> Deferred[int]:
        """
        Stop the driver: no more callbacks; the connection to the slave is
        closed once everything sent has been written.

        @return: a L{Deferred} that fires with the final status (as L{join}),
            C{DRIVER_STOPPED}, or C{DRIVER_ABORTED} if the driver had been
            aborted; C{DRIVER_NOT_STARTED} at once if it was never started.
        """
        if self.status == mesos_pb2.DRIVER_NOT_STARTED:
            return succeed(self.status)
        return self._finish(mesos_pb2.DRIVER_STOPPED)

    def abort(self) -> Deferred[int]:
        """
        Abort the driver: no more callbacks, the connection is closed, and
        L{join} fires with C{DRIVER_ABORTED}.

        @return: a L{Deferred} that fires with the final status, as L{join}.
        """
        if self.status == mesos_pb2.DRIVER_NOT_STARTED:
            return succeed(self.status)
        return self._finish(mesos_pb2.DRIVER_ABORTED)

    def join(self) -> Deferred[int]:
        """
        Wait until the driver has stopped or aborted and its connection is
        closed.

        @return: a L{Deferred} that fires with C{DRIVER_STOPPED} or
            C{DRIVER_ABORTED}; with C{DRIVER_NOT_STARTED} at once if the
            driver was never started.
        """
        if self.status == mesos_pb2.DRIVER_NOT_STARTED or self._closed:
            return succeed(self.status)
        d: Deferred[int] = Deferred()
        self._joins.append(d)
        return d

    def sendStatusUpdate(self, status: TaskStatus) -> Deferred[None]:
        """
        Send a task's status update to the slave, which forwards it reliably
        to the framework.

        A copy of C{status} is sent, with C{uuid} (a fresh UUID),
        C{timestamp}, C{executor_id}, C{slave_id} and C{source}
        (C{SOURCE_EXECUTOR}) filled in where unset.  A C{TASK_STAGING} update
        is refused: the driver aborts and the executor's C{error} is called,
        as in Mesos.  The update is kept in L{updates} until acknowledged.

        @return: a L{Deferred} that fires with L{None} when the slave
            acknowledges the update; fails with L{StatusUpdateRefused} for
            C{TASK_STAGING}, with L{DriverNotRunning} if the driver is not
            running, or with L{SlaveConnectionError} once the slave is gone for
            good (it stays pending if the driver is stopped meanwhile).
        """
        if self.status != mesos_pb2.DRIVER_RUNNING:
            return fail(
                DriverNotRunning(
                    f"cannot send a status update: the driver is "
                    f"{_statusName(self.status)}"
                )
            )
        if status.state == mesos_pb2.TASK_STAGING:
            message = "Attempted to send TASK_STAGING status update"
            self._log.error(
                "Executor {executorId} sent TASK_STAGING for task {taskId}; "
                "aborting the driver",
                executorId=self.executorId,
                taskId=status.task_id.value,
            )
            self.abort()
            self._deliver("error", message, evenIfFinished=True)
            return fail(StatusUpdateRefused(message))
        if self._slaveGone is not None:
            return fail(SlaveConnectionError(self._slaveGone))
        update = self._statusUpdate(status)
        uuid = update.status.uuid
        self.updates[uuid] = update
        acknowledged: Deferred[None] = Deferred()
        self._acks.setdefault(uuid, []).append(acknowledged)
        if self._connection is not None:
            self._connection.send(msgs.StatusUpdateMessage(update=update))
        else:
            self._log.warn(
                "Not connected to the slave; keeping the {state} update of task "
                "{taskId} until it is back",
                state=tasks.stateName(update.status.state),
                taskId=update.status.task_id.value,
            )
        return acknowledged

    def sendFrameworkMessage(self, data: bytes) -> Deferred[None]:
        """
        Send the framework's scheduler a message through the slave (best
        effort, never retried).

        @return: a L{Deferred} that fires with L{None} at once; fails with
            L{DriverNotRunning} if the driver is not running.
        """
        if self.status != mesos_pb2.DRIVER_RUNNING:
            return fail(
                DriverNotRunning(
                    f"cannot send a framework message: the driver is "
                    f"{_statusName(self.status)}"
                )
            )
        message = msgs.ExecutorToFrameworkMessage(data=data)
        message.slave_id.value = self.slaveId
        message.framework_id.value = self.frameworkId
        message.executor_id.value = self.executorId
        if self._connection is None:
            self._log.warn("Not connected to the slave; dropping a framework message")
        else:
            self._connection.send(message)
        return succeed(None)

    # --- Connection ----------------------------------------------------------

    def _connect(self, factory: MessageFactory) -> Deferred[MessageProtocol]:
        """
        Connect to the slave's socket, through L{shortPath} if its path is
        long; the descriptor it needs stays open until the attempt ends.
        """
        if self._endpoint is not None:
            return self._endpoint.connect(factory)
        resources = ExitStack()
        try:
            path = resources.enter_context(shortPath(self.socketPath))
            connecting = UNIXClientEndpoint(self._reactor, path).connect(factory)
        except BaseException:
            resources.close()
            raise

        def release(result: object) -> object:
            resources.close()
            return result

        return connecting.addBoth(release)

    def _connectSucceeded(self, connection: MessageProtocol) -> None:
        self._connecting = None

    def _connectFailed(self, reason: Failure) -> None:
        self._connecting = None
        if self.status in _FINISHED:
            return
        why = (
            f"could not connect to the slave at {self.socketPath}: "
            f"{reason.getErrorMessage()}"
        )
        self._log.error("{why}", why=why)
        self._failStart(SlaveConnectionError(why))
        self._finish(mesos_pb2.DRIVER_ABORTED)

    def _connectionMade(self, connection: MessageProtocol) -> None:
        """
        The connection is up: register with the secret.
        """
        if self.status in _FINISHED:
            connection.transport.loseConnection()
            return
        self._connection = connection
        message = msgs.RegisterExecutorMessage(secret=self._secret)
        message.framework_id.value = self.frameworkId
        message.executor_id.value = self.executorId
        connection.send(message)

    def _connectionLost(self, connection: MessageProtocol, reason: Failure) -> None:
        if connection is not self._connection:
            return
        self._connection = None
        self.connected = False
        if self.status in _FINISHED:
            self._closedNow()
            return
        if self._started is not None:
            why = (
                f"the connection to the slave at {self.socketPath} was lost "
                f"before it registered the executor: {reason.getErrorMessage()}"
            )
            self._log.error("{why}", why=why)
            self._failStart(SlaveConnectionError(why))
            self._finish(mesos_pb2.DRIVER_ABORTED)
            return
        if not self.checkpoint:
            self._log.warn(
                "Lost the connection to slave {slaveId}: {reason}",
                slaveId=self.slaveId,
                reason=reason.getErrorMessage(),
            )
            self._deliver("disconnected")
            self._giveUp("slave exited and the framework does not checkpoint")
            return
        if self._recoveryTimer is None:
            self._log.warn(
                "Lost the connection to slave {slaveId}: {reason}; the framework "
                "checkpoints: waiting {timeout} seconds for the slave to come back",
                slaveId=self.slaveId,
                reason=reason.getErrorMessage(),
                timeout=RECOVERY_TIMEOUT,
            )
            self._deliver("disconnected")
            self._recoveryTimer = self._reactor.callLater(
                RECOVERY_TIMEOUT, self._recoveryTimedOut
            )
        self._reconnectTimer = self._reactor.callLater(
            RECONNECT_INTERVAL, self._reconnect
        )

    def _reconnect(self) -> None:
        """
        Try to reach the slave again (a new slave process recovering this
        executor listens on the same socket).
        """
        self._reconnectTimer = None
        if self.status in _FINISHED or self._slaveGone is not None:
            return
        factory = MessageFactory(
            self.dispatcher, onReady=self._reconnected, onLost=self._connectionLost
        )
        self._connecting = connecting = maybeDeferred(self._connect, factory)
        connecting.addCallbacks(self._connectSucceeded, self._reconnectFailed)

    def _reconnectFailed(self, reason: Failure) -> None:
        self._connecting = None
        if self.status in _FINISHED or self._slaveGone is not None:
            return
        self._reconnectTimer = self._reactor.callLater(
            RECONNECT_INTERVAL, self._reconnect
        )

    def _reconnected(self, connection: MessageProtocol) -> None:
        """
        The slave is back: re-register with the tasks and updates it has
        not acknowledged.
        """
        if self.status in _FINISHED:
            connection.transport.loseConnection()
            return
        self._connection = connection
        message = msgs.ReregisterExecutorMessage(
            secret=self._secret,
            tasks=list(self.tasks.values()),
            updates=list(self.updates.values()),
        )
        message.framework_id.value = self.frameworkId
        message.executor_id.value = self.executorId
        self._log.info(
            "Re-registering with slave {slaveId} with {count} unacknowledged "
            "update(s)",
            slaveId=self.slaveId,
            count=len(self.updates),
        )
        connection.send(message)

    def _recoveryTimedOut(self) -> None:
        self._recoveryTimer = None
        self._giveUp(
            f"slave {self.slaveId} did not come back within {RECOVERY_TIMEOUT} "
            f"seconds"
        )

    def _giveUp(self, why: str) -> None:
        """
        The slave is gone for good: fail the unacknowledged updates, shut the
        executor down, then stop.
        """
        self._log.warn("Shutting down the executor: {why}", why=why)
        self._slaveGone = why
        acks, self._acks = self._acks, {}
        self.updates.clear()
        for waiting in acks.values():
            for d in waiting:
                if not d.called:
                    d.errback(SlaveConnectionError(f"update not acknowledged: {why}"))
        self._deliver("shutdown").addCallback(lambda _: self.stop())

    def _finish(self, status: int) -> Deferred[int]:
        """
        Stop or abort: drop pending callbacks, close the connection, then
        fire L{join}'s L{Deferred}s.
        """
        if self.status in _FINISHED:
            return self.join()
        self.status = status
        self._log.info(
            "Executor driver {status}", status=_statusName(status).split("_")[1].lower()
        )
        for timer in (self._recoveryTimer, self._reconnectTimer):
            if timer is not None and timer.active():
                timer.cancel()
        self._recoveryTimer = self._reconnectTimer = None
        self._failStart(
            DriverNotRunning(
                f"the driver was {_statusName(status)} before the slave registered "
                f"the executor"
            )
        )
        if self._connecting is not None:
            self._connecting.cancel()
        joined = self.join()
        if self._connection is not None:
            self._connection.transport.loseConnection()
        else:
            self._closedNow()
        self._drain()
        return joined

    def _closedNow(self) -> None:
        self._closed = True
        joins, self._joins = self._joins, []
        for d in joins:
            d.callback(self.status)

    def _failStart(self, error: Exception) -> None:
        started, self._started = self._started, None
        if started is not None:
            started.errback(error)

    # --- Messages from the slave ---------------------------------------------

    def _accept(self, connection: MessageProtocol) -> bool:
        return (
            connection is self._connection
            and self.status == mesos_pb2.DRIVER_RUNNING
        )

    def _executorRegistered(
        self, connection: MessageProtocol, message: msgs.ExecutorRegisteredMessage
    ) -> None:
        if not self._accept(connection):
            return
        if self.connected:
            self._log.warn("Ignoring a second registration from the slave")
            return
        self.connected = True
        if message.slave_id.value:
            self.slaveId = message.slave_id.value
        self.executorInfo = message.executor_info
        self.frameworkInfo = message.framework_info
        self.slaveInfo = message.slave_info
        self._log.info(
            "Executor {executorId} of framework {frameworkId} registered on "
            "slave {slaveId}",
            executorId=self.executorId,
            frameworkId=self.frameworkId,
            slaveId=self.slaveId,
        )
        self._deliver(
            "registered",
            message.executor_info,
            message.framework_info,
            message.slave_info,
        )
        started, self._started = self._started, None
        if started is not None:
            started.callback(self.status)

    def _executorReregistered(
        self, connection: MessageProtocol, message: msgs.ExecutorReregisteredMessage
    ) -> None:
        if not self._accept(connection):
            return
        self.connected = True
        self.slaveInfo = message.slave_info
        if self._recoveryTimer is not None and self._recoveryTimer.active():
            self._recoveryTimer.cancel()
        self._recoveryTimer = None
        self._log.info(
            "Executor re-registered with slave {slaveId}", slaveId=self.slaveId
        )
        self._deliver("reregistered", message.slave_info)

    def _runTask(
        self, connection: MessageProtocol, message: msgs.RunTaskMessage
    ) -> None:
        if not self._accept(connection):
            return
        self.tasks[message.task.task_id.value] = message.task
        self._deliver("launchTask", message.task)

    def _killTask(
        self, connection: MessageProtocol, message: msgs.KillTaskMessage
    ) -> None:
        if self._accept(connection):
            self._deliver("killTask", message.task_id)

    def _frameworkToExecutor(
        self, connection: MessageProtocol, message: msgs.FrameworkToExecutorMessage
    ) -> None:
        if self._accept(connection):
            self._deliver("frameworkMessage", message.data)

    def _shutdownExecutor(
        self, connection: MessageProtocol, message: msgs.ShutdownExecutorMessage
    ) -> None:
        if not self._accept(connection):
            return
        self._log.info(
            "The slave shuts executor {executorId} down", executorId=self.executorId
        )
        self._deliver("shutdown").addCallback(lambda _: self.stop())

    def _statusUpdateAcknowledged(
        self,
        connection: MessageProtocol,
        message: msgs.StatusUpdateAcknowledgementMessage,
    ) -> None:
        if not self._accept(connection):
            return
        update = self.updates.pop(message.uuid, None)
        waiting = self._acks.pop(message.uuid, [])
        if update is None:
            self._log.warn(
                "Ignoring an acknowledgement of unknown update {uuid} of task {taskId}",
                uuid=message.uuid.hex(),
                taskId=message.task_id.value,
            )
            return
        self.tasks.pop(update.status.task_id.value, None)
        for d in waiting:
            if not d.called:
                d.callback(None)

    # --- Helpers -------------------------------------------------------------

    def _statusUpdate(self, status: TaskStatus) -> msgs.StatusUpdate:
        """
        A copy of C{status} with the driver's fields filled in, wrapped in a
        L{msgs.StatusUpdate}.
        """
        filled = TaskStatus()
        filled.CopyFrom(status)
        if not filled.uuid:
            filled.uuid = _uuid.uuid4().bytes
        if not filled.HasField("timestamp"):
            filled.timestamp = self._reactor.seconds()
        if not filled.HasField("executor_id"):
            filled.executor_id.value = self.executorId
        if not filled.HasField("slave_id"):
            filled.slave_id.value = self.slaveId
        if not filled.HasField("source"):
            filled.source = TaskStatus.SOURCE_EXECUTOR
        return tasks.statusUpdate(
            self.frameworkId, filled, self.slaveId, self.executorId
        )

    def _deliver(
        self, callback: str, *args: object, evenIfFinished: bool = False
    ) -> Deferred[None]:
        """
        Queue a call of the executor's C{callback}.

        @param evenIfFinished: call it even if the driver has been stopped or
            aborted by then.
        @return: a L{Deferred} that fires with L{None} when the callback has
            completed (or been dropped because the driver ended).
        """
        done: Deferred[None] = Deferred()
        self._queue.append((callback, args, evenIfFinished, done))
        self._drain()
        return done

    def _drain(self) -> None:
        """
        Run queued callbacks, one at a time, until one is pending.
        """
        if self._draining:
            return
        self._draining = True
        try:
            while self._queue and not self._busy:
                callback, args, evenIfFinished, done = self._queue.popleft()
                if self.status in _FINISHED and not evenIfFinished:
                    self._log.debug(
                        "Not calling {callback}: the driver has ended",
                        callback=callback,
                    )
                    done.callback(None)
                    continue
                self._busy = True
                result = maybeDeferred(getattr(self.executor, callback), self, *args)
                result.addErrback(self._callbackFailed, callback)
                result.addBoth(self._callbackDone, done)
        finally:
            self._draining = False

    def _callbackFailed(self, reason: Failure, callback: str) -> None:
        self._log.failure(
            "Executor callback {callback} of executor {executorId} failed",
            reason,
            callback=callback,
            executorId=self.executorId,
        )

    def _callbackDone(self, result: object, done: Deferred[None]) -> None:
        self._busy = False
        done.callback(None)
        self._drain()


def run(executor: Executor, argv: Sequence[str] | None = None) -> NoReturn:
    """
    The C{main} of an executor script: log to standard error (the slave keeps
    it in the sandbox), create an L{ExecutorDriver} from the environment,
    start it and exit when it ends.

    The exit code is 0 if the driver stopped, 1 if it aborted or could not
    start (the reason is printed on standard error).

    @param executor: the callbacks.
    @param argv: the command line (L{sys.argv} by default); its first element
        names the program in error messages.
    """
    from twisted.internet.task import react

    if argv is None:
        argv = sys.argv
    globalLogBeginner.beginLoggingTo(
        [textFileLogObserver(sys.stderr)], redirectStandardIO=False
    )
    react(_runDriver, (executor, argv))
    raise AssertionError("react() returned")  # pragma: no cover


async def _runDriver(
    reactor: IReactorTime, executor: Executor, argv: Sequence[str]
) -> None:
    """
    Start a driver for C{executor} and wait for it to end.

    @raise SystemExit: with the process's exit code.
    """
    # SIGTERM (the slave's kill) must not deadlock on the log observer.
    installShutdownHandlers(reactor)
    name = os.path.basename(argv[0]) if argv else "executor"
    try:
        driver = ExecutorDriver(executor, reactor)
    except ExecutorEnvironmentError as e:
        print(f"{name}: {e}", file=sys.stderr)
        raise SystemExit(1)
    try:
        await driver.start()
    except Exception as e:
        print(f"{name}: {e}", file=sys.stderr)
        await driver.join()
        raise SystemExit(1)
    status = await driver.join()
    raise SystemExit(0 if status == mesos_pb2.DRIVER_STOPPED else 1)
