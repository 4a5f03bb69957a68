# -*- test-case-name: tests.test_slave_runtime -*-
"""
Custom executors: a framework's own executor process, which registers with
the slave over a Unix socket in its sandbox and runs many tasks; after a
slave restart, a recovered one re-registers there.
"""

from __future__ import annotations

import hmac
import os
import secrets
from contextlib import ExitStack
from typing import TYPE_CHECKING, Mapping

from twisted.internet.defer import maybeDeferred
from twisted.internet.interfaces import IDelayedCall, IListeningPort
from twisted.python.failure import Failure

from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.executor import environment as names
from mesos_tw.mesos_pb2 import ExecutorInfo, TaskInfo, TaskStatus
from mesos_tw.protocol.dispatch import Dispatcher
from mesos_tw.protocol.framing import MessageFactory, MessageProtocol
from mesos_tw.protocol.unix import shortPath
from mesos_tw.resources import Resources
from mesos_tw.slave import constants, paths
from mesos_tw.slave.containerizer.common import (
    LaunchError,
    ProcessWatch,
    describeExit,
    limitationOf,
    resolveUser,
)
from mesos_tw.slave.executors import (
    LAUNCHING,
    RUNNING,
    TERMINATED,
    TERMINATING,
    ExecutorBase,
    Framework,
    TaskRecord,
    commandArgv,
    commandEnvironment,
    seconds,
)
from mesos_tw.tasks import stateName

if TYPE_CHECKING:
    from mesos_tw.slave.slave import Slave


def _cancel(timer: IDelayedCall | None) -> None:
    if timer is not None and timer.active():
        timer.cancel()


class Executor(ExecutorBase):
    """
    A framework's executor process, talking to the slave over the Unix socket
    C{slave.sock} in its sandbox.

    @ivar info: its L{ExecutorInfo}.
    @ivar secret: what it must present to register.
    @ivar queued: tasks waiting for it to register, in order.
    @ivar connection: its connection once registered.
    """

    def __init__(
        self,
        slave: Slave,
        framework: Framework,
        info: ExecutorInfo,
        containerId: str,
        directory: str,
        secret: str | None = None,
    ) -> None:
        """
        @param secret: what the executor registers with: a new one for a new
            run, the checkpointed one for a recovered run.
        """
        ExecutorBase.__init__(
            self, slave, framework, info.executor_id.value, containerId, directory
        )
        self.info = info
        self.secret = secret or secrets.token_urlsafe(32)
        self.recovered = False
        self.socketPath = paths.socketPath(directory)
        self.queued: dict[str, TaskInfo] = {}
        self.connection: MessageProtocol | None = None
        self._port: IListeningPort | None = None
        self._paths = ExitStack()
        self._registrationTimer: IDelayedCall | None = None
        self._shutdownTimer: IDelayedCall | None = None
        self._state = mesos_pb2.TASK_FAILED
        self._reason = TaskStatus.REASON_EXECUTOR_TERMINATED
        self._message: str | None = None
        self._launched = False
        self.dispatcher = d = Dispatcher()
        d.register(msgs.RegisterExecutorMessage, self.registerExecutor)
        d.register(msgs.ReregisterExecutorMessage, self.reregisterExecutor)
        d.register(msgs.StatusUpdateMessage, self.statusUpdate)
        d.register(msgs.ExecutorToFrameworkMessage, self.executorToFramework)

    @property
    def name(self) -> str:
        return self.info.name

    # --- Launch --------------------------------------------------------------

    def shutdownGracePeriod(self) -> float:
        """
        Seconds the executor has to end once told to shut down.
        """
        if self.info.HasField("shutdown_grace_period"):
            return seconds(self.info.shutdown_grace_period)
        return self._slave.executorShutdownGracePeriod

    def environment(self) -> dict[str, str]:
        """
        The executor's environment: C{PATH}, C{HOME} and C{PYTHONPATH} of the
        slave, the command's variables, then the slave's C{MESOS_*}.
        """
        inherited: Mapping[str, str] = self._slave.environ
        env = {k: inherited[k] for k in ("PATH", "HOME", "PYTHONPATH") if k in inherited}
        env.setdefault("PATH", constants.DEFAULT_PATH)
        env.update(commandEnvironment(self.info.command))
        env.update(
            {
                names.FRAMEWORK_ID: self.frameworkId,
                names.EXECUTOR_ID: self.id,
                names.SLAVE_ID: self._slave.id or "",
                names.DIRECTORY: self.directory,
                "MESOS_SANDBOX": self.directory,
                names.SLAVE_SOCKET: self.socketPath,
                names.EXECUTOR_SECRET: self.secret,
                names.CHECKPOINT: "1" if self.framework.info.checkpoint else "0",
                names.SHUTDOWN_GRACE_PERIOD: repr(self.shutdownGracePeriod()),
            }
        )
        return env

    def launch(self) -> None:
        """
        Listen on the executor's socket, start its process and its
        registration timer.

        @raise LaunchError: if it cannot be started.
        """
        try:
            self._listen()
            self._slave.launcher.launch(
                self.containerId,
                commandArgv(self.info.command),
                self.environment(),
                self.directory,
                self._slave.containerUser(self.framework, self.info.command),
                self.allocated(),
                ProcessWatch(self._processEnded),
            )
            self._launched = True
        except Exception as e:
            self._stopListening()
            if isinstance(e, LaunchError):
                raise
            raise LaunchError(str(e)) from e
        self._registrationTimer = self._slave.reactor.callLater(
            self._slave.executorRegistrationTimeout, self._registrationTimedOut
        )
        self._info(
            "Launched executor {executorId} of framework {frameworkId} in container "
            "{containerId}",
            containerId=self.containerId,
        )

    def _listen(self) -> None:
        """
        Listen on the executor's socket.
        """
        factory = MessageFactory(self.dispatcher, onLost=self._lost)
        # The directory descriptor behind a short path must stay open until
        # the port has removed its socket file.
        short = self._paths.enter_context(shortPath(self.socketPath))
        self._port = self._slave.reactor.listenUNIX(short, factory, mode=0o600)

    def recover(self) -> None:
        """
        The executor's container outlived the previous slave process: listen
        on its socket again and wait for it to re-register, up to the
        slave's C{executorReregistrationTimeout}.
        """
        self.recovered = True
        self._launched = True
        try:
            if os.path.lexists(self.socketPath):
                os.unlink(self.socketPath)
            self._listen()
            user = self._slave.containerUser(self.framework, self.info.command)
            if user is not None:
                credentials = resolveUser(user)
                os.chown(self.socketPath, credentials.uid, credentials.gid)
        except Exception as e:
            self._stopListening()
            self._warn(
                "Cannot listen for executor {executorId} of framework {frameworkId} "
                "again: {why}; destroying it",
                why=str(e),
            )
            self.lose(
                TaskStatus.REASON_EXECUTOR_REREGISTRATION_TIMEOUT,
                f"Cannot listen for the executor again: {e}",
            )
            return
        self._registrationTimer = self._slave.reactor.callLater(
            self._slave.executorReregistrationTimeout, self._registrationTimedOut
        )
        self._info(
            "Waiting {timeout} s for executor {executorId} of framework {frameworkId} "
            "to re-register",
            timeout=self._slave.executorReregistrationTimeout,
        )

    def lose(self, reason: int, why: str) -> None:
        """
        Destroy the executor's container; its tasks end TASK_LOST with
        C{reason}.
        """
        _cancel(self._registrationTimer)
        self._registrationTimer = None
        self._state = mesos_pb2.TASK_LOST
        self._reason = reason
        self._message = why
        self.state = TERMINATING
        self.destroyContainer()

    def launchFailed(self, why: str) -> None:
        """
        The executor could not be started: fail its tasks.
        """
        self._reason = TaskStatus.REASON_CONTAINER_LAUNCH_FAILED
        self._message = f"Failed to launch executor {self.id}: {why}"
        self._terminated(None)

    def _registrationTimedOut(self) -> None:
        self._registrationTimer = None
        if self.state != LAUNCHING:
            return
        if self.recovered:
            timeout = self._slave.executorReregistrationTimeout
            self._warn(
                "Executor {executorId} of framework {frameworkId} did not re-register "
                "within {timeout} s; destroying it",
                timeout=timeout,
            )
            self.lose(
                TaskStatus.REASON_EXECUTOR_REREGISTRATION_TIMEOUT,
                f"Executor did not re-register within {timeout:g} s",
            )
            return
        timeout = self._slave.executorRegistrationTimeout
        self._warn(
            "Executor {executorId} of framework {frameworkId} did not register within "
            "{timeout} s; destroying it",
            timeout=timeout,
        )
        self._reason = TaskStatus.REASON_EXECUTOR_REGISTRATION_TIMEOUT
        self._message = f"Executor did not register within {timeout:g} s"
        self.state = TERMINATING
        self.destroyContainer()

    # --- Tasks ---------------------------------------------------------------

    def allocated(self) -> Resources:
        """
        What the executor's container may use: the executor's resources and
        those of its tasks not yet ended.
        """
        total = Resources.fromProto(self.info.resources)
        for task in self.liveTasks():
            total = total + Resources.fromProto(task.info.resources)
        return total

    def addTask(self, task: TaskInfo) -> None:
        """
        Run C{task}: now if the executor is registered, else once it is; its
        container grows by the task's resources.
        """
        self.tasks[task.task_id.value] = TaskRecord(task, self.frameworkId, self.id)
        if self._launched and self.state != TERMINATED:
            self._slave.launcher.update(self.containerId, self.allocated())
        if self.connection is None:
            self.queued[task.task_id.value] = task
        else:
            self._sendTask(task)

    def _sendTask(self, task: TaskInfo) -> None:
        message = msgs.RunTaskMessage(framework=self.framework.info, task=task)
        message.framework_id.value = self.frameworkId
        self.connection.send(message)

    def killTask(self, taskId: str, message: msgs.KillTaskMessage) -> None:
        """
        Kill a task: the slave kills it if the executor has not had it yet,
        else the executor does.
        """
        if taskId in self.queued:
            del self.queued[taskId]
            self._info(
                "Killing task {taskId} of framework {frameworkId} before executor "
                "{executorId} registered",
                taskId=taskId,
            )
            self.sendStatus(
                taskId,
                mesos_pb2.TASK_KILLED,
                TaskStatus.SOURCE_SLAVE,
                reason=TaskStatus.REASON_TASK_KILLED_DURING_LAUNCH,
                message="Killed before the executor registered",
            )
        elif self.state == RUNNING and self.connection is not None:
            self.connection.send(message)
        else:
            self._warn(
                "Not killing task {taskId}: executor {executorId} of framework "
                "{frameworkId} is {state}",
                taskId=taskId, state=self.state,
            )

    def frameworkMessage(self, message: msgs.FrameworkToExecutorMessage) -> None:
        """
        Pass a framework message to the executor, if it is registered.
        """
        if self.connection is None or self.state != RUNNING:
            self._warn(
                "Dropping a framework message for executor {executorId} of framework "
                "{frameworkId}: it is not registered",
            )
            return
        self.connection.send(message)

    def shutdown(self) -> None:
        """
        Tell the executor to shut down; destroy its container after the
        grace period, or now if it has not registered.
        """
        if self.state in (TERMINATING, TERMINATED):
            return
        _cancel(self._registrationTimer)
        self.state = TERMINATING
        if self.connection is None:
            self.destroyContainer()
            return
        self._info("Shutting down executor {executorId} of framework {frameworkId}")
        self.connection.send(self._shutdownMessage())
        self._shutdownTimer = self._slave.reactor.callLater(
            self.shutdownGracePeriod(), self._shutdownTimedOut
        )

    def _shutdownMessage(self) -> msgs.ShutdownExecutorMessage:
        message = msgs.ShutdownExecutorMessage()
        message.executor_id.value = self.id
        message.framework_id.value = self.frameworkId
        return message

    def _shutdownTimedOut(self) -> None:
        self._shutdownTimer = None
        if self.state == TERMINATED:
            return
        self._warn(
            "Executor {executorId} of framework {frameworkId} did not shut down in "
            "time; destroying it",
        )
        self.destroyContainer()

    # --- The executor's connection -------------------------------------------

    def _refuse(self, connection: MessageProtocol, why: str) -> None:
        self._warn(
            "Closing a connection to executor {executorId} of framework {frameworkId}: "
            "{why}",
            why=why,
        )
        connection.transport.loseConnection()

    def registerExecutor(
        self, connection: MessageProtocol, message: msgs.RegisterExecutorMessage
    ) -> None:
        """
        The executor registers: check who it is, answer, send its tasks.
        """
        if not self._authentic(message):
            self._refuse(connection, "registration with wrong ids or secret")
            return
        if self.recovered:
            self._refuse(connection, "a recovered executor must re-register")
            return
        if self.connection is not None or self.state == TERMINATED:
            self._refuse(connection, "it is already registered or has ended")
            return
        self.connection = connection
        if self.state == TERMINATING:
            connection.send(self._shutdownMessage())
            return
        _cancel(self._registrationTimer)
        self._registrationTimer = None
        self.state = RUNNING
        self._info("Executor {executorId} of framework {frameworkId} registered")
        registered = msgs.ExecutorRegisteredMessage(
            executor_info=self.info,
            framework_info=self.framework.info,
            slave_info=self._slave.info,
        )
        registered.framework_id.value = self.frameworkId
        registered.slave_id.value = self._slave.id or ""
        registered.slave_info.id.value = self._slave.id or ""
        connection.send(registered)
        queued, self.queued = self.queued, {}
        for task in queued.values():
            self._sendTask(task)
        if not self.liveTasks():
            self._info(
                "Executor {executorId} of framework {frameworkId} has no tasks left; "
                "shutting it down",
            )
            self.shutdown()

    def _authentic(
        self, message: msgs.RegisterExecutorMessage | msgs.ReregisterExecutorMessage
    ) -> bool:
        return (
            message.framework_id.value == self.frameworkId
            and message.executor_id.value == self.id
            and hmac.compare_digest(message.secret.encode(), self.secret.encode())
        )

    def reregisterExecutor(
        self, connection: MessageProtocol, message: msgs.ReregisterExecutorMessage
    ) -> None:
        """
        A recovered executor comes back: take its unacknowledged updates;
        tasks it never received are lost.
        """
        if not self._authentic(message):
            self._refuse(connection, "re-registration with wrong ids or secret")
            return
        if not self.recovered or self.state != LAUNCHING or self.connection is not None:
            self._refuse(connection, "it is not waiting to re-register")
            return
        self.connection = connection
        _cancel(self._registrationTimer)
        self._registrationTimer = None
        self.state = RUNNING
        self._info(
            "Executor {executorId} of framework {frameworkId} re-registered with "
            "{count} unacknowledged update(s)",
            count=len(message.updates),
        )
        reply = msgs.ExecutorReregisteredMessage(slave_info=self._slave.info)
        reply.slave_id.value = self._slave.id or ""
        connection.send(reply)
        known = {t.task_id.value for t in message.tasks}
        for update in message.updates:
            known.add(update.status.task_id.value)
            self.statusUpdate(connection, msgs.StatusUpdateMessage(update=update))
        for task in self.liveTasks():
            if task.id not in known and task.state == mesos_pb2.TASK_STAGING:
                self.sendStatus(
                    task.id,
                    mesos_pb2.TASK_LOST,
                    TaskStatus.SOURCE_SLAVE,
                    reason=TaskStatus.REASON_SLAVE_RESTARTED,
                    message="The slave restarted before the executor received the task",
                )
        self._slave.executorReregistered(self)

    def _fromRegistered(self, connection: MessageProtocol, what: str) -> bool:
        if connection is self.connection:
            return True
        self._refuse(connection, f"{what} before registering")
        return False

    def statusUpdate(
        self, connection: MessageProtocol, message: msgs.StatusUpdateMessage
    ) -> None:
        """
        A status update from the executor: check it, hand it to the slave,
        and acknowledge it to the executor once the slave has checkpointed
        it (if the disk refuses, the executor keeps it meanwhile).
        """
        if not self._fromRegistered(connection, "status update"):
            return
        update = message.update
        status = update.status
        taskId = status.task_id.value
        why = None
        if update.framework_id.value != self.frameworkId:
            why = f"it names framework {update.framework_id.value!r}"
        elif taskId not in self.tasks or taskId in self.queued:
            why = "the task is not one of this executor's"
        elif not status.uuid:
            why = "it has no uuid"
        if why is not None:
            self._warn(
                "Ignoring status update {state} for task {taskId} from executor "
                "{executorId} of framework {frameworkId}: {why}",
                state=stateName(status.state), taskId=taskId, why=why,
            )
            return
        slaveId = self._slave.id or ""
        update.slave_id.value = status.slave_id.value = slaveId
        update.executor_id.value = status.executor_id.value = self.id
        if not update.timestamp:
            update.timestamp = status.timestamp
        ack = msgs.StatusUpdateAcknowledgementMessage(uuid=status.uuid)
        ack.slave_id.value = slaveId
        ack.framework_id.value = self.frameworkId
        ack.task_id.value = taskId
        checkpointed = self._slave.executorStatusUpdate(self, update)
        checkpointed.addCallback(lambda _: self._acknowledge(connection, ack))

    def _acknowledge(
        self, connection: MessageProtocol, ack: msgs.StatusUpdateAcknowledgementMessage
    ) -> None:
        """
        Acknowledge an update to the executor, if it is still connected
        (else it sends the update again when it re-registers).
        """
        if connection is self.connection:
            connection.send(ack)

    def executorToFramework(
        self, connection: MessageProtocol, message: msgs.ExecutorToFrameworkMessage
    ) -> None:
        """
        Pass the executor's message on to its framework, best effort.
        """
        if not self._fromRegistered(connection, "framework message"):
            return
        message.slave_id.value = self._slave.id or ""
        message.framework_id.value = self.frameworkId
        message.executor_id.value = self.id
        self._slave.sendToMaster(message)

    def _lost(self, connection: MessageProtocol, reason: Failure) -> None:
        if connection is not self.connection:
            return
        self.connection = None
        if self.state == TERMINATED:
            return
        if self.framework.info.checkpoint:
            self._warn("Executor {executorId} of framework {frameworkId} disconnected")
            return
        self._warn(
            "Executor {executorId} of framework {frameworkId} disconnected; "
            "destroying it unless it exits within {grace} s",
            grace=self.shutdownGracePeriod(),
        )
        self.state = TERMINATING
        _cancel(self._shutdownTimer)
        self._shutdownTimer = self._slave.reactor.callLater(
            self.shutdownGracePeriod(), self._shutdownTimedOut
        )

    # --- The end -------------------------------------------------------------

    def _processEnded(self, reason: Failure) -> None:
        status, how = describeExit(reason)
        limitation = limitationOf(reason)
        if limitation is not None:
            self._reason = limitation.reason
            self._message = limitation.message
        elif self.recovered and self.state == LAUNCHING:
            self._state = mesos_pb2.TASK_LOST
            self._reason = TaskStatus.REASON_EXECUTOR_REREGISTRATION_TIMEOUT
            self._message = "Executor ended while the slave was down"
        self._info(
            "Executor {executorId} of framework {frameworkId} {how}{limited}",
            how=how, limited=f" ({limitation.message})" if limitation else "",
        )
        self._terminated(status, f"Executor {how}")

    def _terminated(self, status: int | None, how: str = "") -> None:
        """
        The executor is gone: fail its unfinished tasks, tell the master,
        destroy its container and close its socket.
        """
        if self.state == TERMINATED:
            return
        self.state = TERMINATED
        self.stopTimers()
        if self.connection is not None:
            self.connection.transport.loseConnection()
            self.connection = None
        self._stopListening()
        self.queued.clear()
        if not self.framework.terminating:
            for task in self.liveTasks():
                self.sendStatus(
                    task.id,
                    self._state,
                    TaskStatus.SOURCE_SLAVE,
                    reason=self._reason,
                    message=self._message or how,
                )
            exited = msgs.ExitedExecutorMessage()
            exited.slave_id.value = self._slave.id or ""
            exited.framework_id.value = self.frameworkId
            exited.executor_id.value = self.id
            if status is not None:
                exited.status = status
            self._slave.sendToMaster(exited)
        self.destroyContainer()
        self._slave.executorEnded(self)

    def _stopListening(self) -> None:
        port, self._port = self._port, None
        if port is None:
            self._paths.close()
            return
        def closed(result: object) -> object:
            self._paths.close()
            return result

        d = maybeDeferred(port.stopListening).addBoth(closed)
        d.addErrback(
            lambda f: self._log.failure(
                "Closing the socket of executor {executorId} of framework "
                "{frameworkId} failed",
                f,
                executorId=self.id,
                frameworkId=self.frameworkId,
            )
        )

    def stopTimers(self) -> None:
        _cancel(self._registrationTimer)
        _cancel(self._shutdownTimer)
        self._registrationTimer = self._shutdownTimer = None
