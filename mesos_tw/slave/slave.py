# -*- test-case-name: tests.test_slave -*-
"""
The slave: its conversation with the master, and the frameworks, executors
and tasks it runs.
"""

from __future__ import annotations

import os
import random
import uuid
from typing import Any, Callable, Mapping

from google.protobuf.message import Message
from twisted.internet.defer import Deferred, DeferredList, maybeDeferred, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

import mesos_tw
from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.interfaces import ILauncher
from mesos_tw.mesos_pb2 import CommandInfo, ExecutorInfo, FrameworkInfo, SlaveInfo
from mesos_tw.mesos_pb2 import TaskInfo
from mesos_tw.mesos_pb2 import TaskStatus
from mesos_tw.protocol.dispatch import Dispatcher, logRefusal
from mesos_tw.protocol.framing import MessageProtocol
from mesos_tw.slave import constants, paths, state
from mesos_tw.slave.checkpointing import Checkpointing
from mesos_tw.slave.command import CommandTask
from mesos_tw.slave.containerizer.common import LaunchError, ownUser
from mesos_tw.slave.custom import Executor
from mesos_tw.slave.executors import TERMINATED, TERMINATING, ExecutorBase, Framework
from mesos_tw.slave.status_updates import StatusUpdateManager
from mesos_tw.tasks import stateName, statusUpdate, taskStatus

MASTER = ("master",)


class Slave(Checkpointing):
    """
    Registers with the master, re-registers after reconnecting, answers
    pings, and runs the tasks the master sends.

    @ivar id: the slave id the master gave, or L{None} before the first
        registration.
    @ivar registered: whether the current connection has registered.
    @ivar frameworks: the frameworks with executors here, by id.
    @ivar statusUpdates: the L{StatusUpdateManager} that delivers task
        status updates to the master.
    @ivar launcher: the L{ILauncher} that starts containers.
    @ivar reactor: the reactor executors' timers and sockets use.
    """

    _log = Logger()

    def __init__(
        self,
        info: SlaveInfo,
        clock: IReactorTime,
        backoffFactor: float = constants.REGISTRATION_BACKOFF_FACTOR,
        onShutdown: Callable[[str], object] = lambda why: None,
        random: Callable[[], float] = random.random,
        *,
        launcher: ILauncher | None = None,
        workDir: str | None = None,
        reactor: Any = None,
        environ: Mapping[str, str] | None = None,
        executorRegistrationTimeout: float = constants.EXECUTOR_REGISTRATION_TIMEOUT,
        executorShutdownGracePeriod: float = constants.EXECUTOR_SHUTDOWN_GRACE_PERIOD,
        statusUpdateRetryIntervalMin: float = constants.STATUS_UPDATE_RETRY_INTERVAL_MIN,
        statusUpdateRetryIntervalMax: float = constants.STATUS_UPDATE_RETRY_INTERVAL_MAX,
        switchUser: bool = True,
        recover: str = constants.RECOVER_RECONNECT,
        executorReregistrationTimeout: float = constants.EXECUTOR_REREGISTRATION_TIMEOUT,
        boot: str | None = None,
    ) -> None:
        """
        @param launcher: starts executors and command tasks; without one,
            every task fails to launch.
        @param switchUser: whether tasks run as their C{CommandInfo.user}
            or their framework's user (else as the slave's user).
        @param workDir: where sandboxes go.
        @param reactor: an L{IReactorTime} and L{IReactorUNIX} for executors
            (their timers and sockets); C{clock} by default.
        @param environ: the slave's environment, which executors inherit
            C{PATH}, C{HOME} and C{PYTHONPATH} from; L{os.environ} by
            default.
        @param recover: what L{recover} does with the executors of
            checkpointing frameworks left by the previous slave process:
            C{"reconnect"} or C{"cleanup"} (kill them; the slave then never
            registers).
        @param boot: this boot's id (read from the kernel by default).
        """
        self.info = info
        self.id: str | None = None
        self.registered = False
        self.master: MessageProtocol | None = None
        self._clock = clock
        self._backoffFactor = backoffFactor
        self._backoff = backoffFactor
        self._random = random
        self._onShutdown = onShutdown
        self._retry: IDelayedCall | None = None
        self._pingTimer: IDelayedCall | None = None
        self._pingTimeout: float | None = None
        self.launcher = launcher
        self.workDir = workDir
        self.reactor = reactor if reactor is not None else clock
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.executorRegistrationTimeout = executorRegistrationTimeout
        self.executorShutdownGracePeriod = executorShutdownGracePeriod
        self.switchUser = switchUser
        self.recoverMode = recover
        self.executorReregistrationTimeout = executorReregistrationTimeout
        self.boot = state.bootId() if boot is None else boot
        self.recovering = False
        self._recovery: dict[ExecutorBase, Deferred[None]] = {}
        self._checkpointer: state.Checkpointer | None = None
        self._ownUser = ownUser()
        self.frameworks: dict[str, Framework] = {}
        self.statusUpdates = StatusUpdateManager(
            clock,
            self._forwardUpdate,
            statusUpdateRetryIntervalMin,
            statusUpdateRetryIntervalMax,
            checkpoint=self._checkpointRecord,
            paused=True,
        )
        self.dispatcher = d = Dispatcher()
        d.register(msgs.SlaveRegisteredMessage, self.slaveRegistered, MASTER)
        d.register(msgs.SlaveReregisteredMessage, self.slaveReregistered, MASTER)
        d.register(msgs.PingSlaveMessage, self.ping, MASTER)
        d.register(msgs.ShutdownMessage, self.shutdown, MASTER)
        d.register(msgs.RunTaskMessage, self.runTask, MASTER)
        d.register(msgs.KillTaskMessage, self.killTask, MASTER)
        d.register(
            msgs.StatusUpdateAcknowledgementMessage,
            self.statusUpdateAcknowledgement,
            MASTER,
        )
        d.register(msgs.FrameworkToExecutorMessage, self.frameworkToExecutor, MASTER)
        d.register(msgs.ShutdownFrameworkMessage, self.shutdownFramework, MASTER)
        d.register(msgs.MessageRefused, self.refused, MASTER)

    # --- Connection ----------------------------------------------------------

    def connected(self, connection: MessageProtocol) -> None:
        """
        A connection to the master is up: register after a random delay.
        """
        if connection.peer.role != "master":
            self._log.error(
                "Peer {peer} is not a master; closing the connection",
                peer=connection.peer,
            )
            connection.transport.loseConnection()
            return
        self._log.info("Connected to master {peer}", peer=connection.peer)
        self.master = connection
        self.registered = False
        self._backoff = self._backoffFactor
        self._schedule(self._random() * self._backoff)

    def disconnected(self, connection: MessageProtocol, reason: Failure) -> None:
        """
        The connection to the master is gone; the client service reconnects.
        """
        if connection is not self.master:
            return
        self._log.warn(
            "Lost the master {peer}: {reason}",
            peer=connection.peer,
            reason=reason.getErrorMessage(),
        )
        self.master = None
        self.registered = False
        self.statusUpdates.pause()
        self._cancel()

    # --- Registration --------------------------------------------------------

    def _register(self) -> None:
        self._retry = None
        if self.master is None or self.registered or self.recovering:
            return
        if self.recoverMode == constants.RECOVER_CLEANUP:
            # It only kills what the previous slave process left, then exits.
            return
        info = SlaveInfo()
        info.CopyFrom(self.info)
        version = mesos_tw.__version__
        if self.id is None:
            self._log.info("Registering with the master")
            self.master.send(msgs.RegisterSlaveMessage(slave=info, version=version))
        else:
            self._log.info("Re-registering slave {slaveId}", slaveId=self.id)
            info.id.value = self.id
            self.master.send(self._reregistration(info, version))
        self._backoff = min(self._backoff * 2, constants.REGISTER_RETRY_INTERVAL_MAX)
        self._schedule(self._random() * self._backoff)

    def slaveRegistered(
        self, connection: MessageProtocol, message: msgs.SlaveRegisteredMessage
    ) -> None:
        """
        The master admitted us with a fresh id.
        """
        if self.id is not None and self.id != message.slave_id.value:
            self._log.error(
                "The master registered us as {new}, but we are {old}; ignoring",
                new=message.slave_id.value,
                old=self.id,
            )
            return
        self.id = message.slave_id.value
        self.checkpointSlave()
        self._registeredWith(message.connection, "Registered as slave {slaveId}")

    def slaveReregistered(
        self, connection: MessageProtocol, message: msgs.SlaveReregisteredMessage
    ) -> None:
        """
        The master took us back.
        """
        if message.slave_id.value != self.id:
            self._log.error(
                "The master re-registered {new}, but we are {old}; ignoring",
                new=message.slave_id.value,
                old=self.id,
            )
            return
        self._registeredWith(message.connection, "Re-registered as slave {slaveId}")

    def _registeredWith(self, connection: msgs.SlaveConnection, text: str) -> None:
        self.registered = True
        self._cancel()
        self._log.info(text, slaveId=self.id)
        self.statusUpdates.resume()
        if connection.total_ping_timeout_seconds > 0:
            self._pingTimeout = connection.total_ping_timeout_seconds
            self._resetPingTimer()

    # --- Recovery ------------------------------------------------------------

    def recovered(self) -> None:
        """
        Recovery is over: register (again) if connected.
        """
        if self.master is not None and not self.registered:
            self._backoff = self._backoffFactor
            self._schedule(self._random() * self._backoff)

    # --- Health --------------------------------------------------------------

    def ping(self, connection: MessageProtocol, message: msgs.PingSlaveMessage) -> None:
        """
        Answer the master's ping; if it no longer knows us, register again.
        """
        connection.send(msgs.PongSlaveMessage())
        self._resetPingTimer()
        if self.registered and not message.connected:
            self._log.warn("The master thinks we are disconnected; re-registering")
            self.registered = False
            self.statusUpdates.pause()
            self._backoff = self._backoffFactor
            self._schedule(0)

    def _resetPingTimer(self) -> None:
        if self._pingTimeout is None:
            return
        if self._pingTimer is not None and self._pingTimer.active():
            self._pingTimer.reset(self._pingTimeout)
        else:
            self._pingTimer = self._clock.callLater(self._pingTimeout, self._noPings)

    def _noPings(self) -> None:
        self._pingTimer = None
        if self.master is not None:
            self._log.warn(
                "No ping from the master for {timeout} s; reconnecting",
                timeout=self._pingTimeout,
            )
            self.master.transport.abortConnection()

    def shutdown(self, connection: MessageProtocol, message: msgs.ShutdownMessage) -> None:
        """
        The master told us to shut down.
        """
        self._log.error("The master shut us down: {why}", why=message.message)
        self._onShutdown(message.message)

    # --- Timers --------------------------------------------------------------

    def _schedule(self, delay: float) -> None:
        self._cancel(ping=False)
        self._retry = self._clock.callLater(delay, self._register)

    def _cancel(self, ping: bool = True) -> None:
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
        self._retry = None
        if ping and self._pingTimer is not None and self._pingTimer.active():
            self._pingTimer.cancel()
            self._pingTimer = None

    def stop(self) -> None:
        """
        Stop all timers.
        """
        self._cancel()
        self.statusUpdates.pause()
        self.statusUpdates.stop()
        for framework in self.frameworks.values():
            for executor in framework.executors.values():
                executor.stopTimers()

    def destroyContainers(self, keep: set[str] = frozenset()) -> Deferred[None]:
        """
        Destroy every container but those in C{keep}, e.g. when the slave
        stops.

        @return: a L{Deferred} firing when they are all gone.
        """
        if self.launcher is None:
            return succeed(None)
        ds = [
            maybeDeferred(self.launcher.destroy, executor.containerId)
            for framework in self.frameworks.values()
            for executor in framework.executors.values()
            if executor.state != TERMINATED and executor.containerId not in keep
        ]
        return DeferredList(ds, consumeErrors=True).addCallback(lambda _: None)

    # --- Containers ----------------------------------------------------------

    def containerUser(self, framework: Framework, command: CommandInfo) -> str | None:
        """
        The user a container runs as: the command's user, else the
        framework's, with C{--switch-user}; L{None} for the slave's own.
        """
        if not self.switchUser:
            return None
        user = command.user or framework.info.user
        if not user or user == self._ownUser:
            return None
        return user

    # --- Re-registration -----------------------------------------------------

    def _reregistration(self, info: SlaveInfo, version: str) -> msgs.ReregisterSlaveMessage:
        """
        A L{msgs.ReregisterSlaveMessage} with our frameworks, their executors
        (command tasks aside) and their tasks.
        """
        message = msgs.ReregisterSlaveMessage(slave=info, version=version)
        for framework in self.frameworks.values():
            if framework.terminating:
                continue
            message.frameworks.append(framework.info)
            for executor in framework.executors.values():
                if isinstance(executor, Executor) and executor.state != TERMINATED:
                    message.executor_infos.append(executor.info)
                for task in executor.tasks.values():
                    pending = self.statusUpdates.pending(framework.id, task.id)
                    message.tasks.append(task.toProto(self.id, pending))
        return message

    # --- Tasks ---------------------------------------------------------------

    def runTask(self, connection: MessageProtocol, message: msgs.RunTaskMessage) -> None:
        """
        Run a task: as a command task, or on its executor (launched first if
        it is not running).
        """
        frameworkId = message.framework_id.value
        task = message.task
        taskId = task.task_id.value
        fields = {"taskId": taskId, "frameworkId": frameworkId}
        framework = self.frameworks.get(frameworkId)
        if self.id is None:
            why = "the slave is not registered"
        elif framework is not None and framework.terminating:
            why = "the framework is shutting down"
        elif framework is not None and taskId in framework.taskExecutors:
            why = "the task is already known"
        else:
            why = None
        if why is not None:
            self._log.warn(
                "Ignoring task {taskId} of framework {frameworkId}: {why}", why=why, **fields
            )
            return
        self._log.info("Got task {taskId} of framework {frameworkId}", **fields)
        if framework is None:
            framework = self.frameworks[frameworkId] = Framework(
                frameworkId, message.framework
            )
        else:
            framework.updateInfo(message.framework)
        why = _invalid(task)
        if why is not None:
            self._fail(framework, taskId, mesos_pb2.TASK_ERROR,
                       TaskStatus.REASON_TASK_INVALID, why)
        elif self.launcher is None or self.workDir is None:
            self._fail(framework, taskId, mesos_pb2.TASK_FAILED,
                       TaskStatus.REASON_CONTAINER_LAUNCH_FAILED,
                       "This slave has no launcher")
        elif task.HasField("command"):
            self._runCommandTask(framework, task)
        else:
            self._runExecutorTask(framework, task)
        self._dropIfEmpty(framework)

    def _fail(
        self, framework: Framework, taskId: str, state: int, reason: int, why: str,
        executorId: str | None = None,
    ) -> None:
        self._log.warn(
            "Task {taskId} of framework {frameworkId}: {state}: {why}",
            taskId=taskId,
            frameworkId=framework.id,
            state=stateName(state),
            why=why,
        )
        self.sendStatusUpdate(
            framework.id, taskId, state, TaskStatus.SOURCE_SLAVE,
            reason=reason, message=why, executorId=executorId,
        )

    def _sandbox(self, framework: Framework, taskId: str, executorId: str) -> tuple[str, str] | None:
        """
        A new container id and its sandbox; or L{None}, having failed the
        task, if the sandbox cannot be made.
        """
        containerId = str(uuid.uuid4())
        try:
            return containerId, paths.createSandbox(
                self.workDir, self.id, framework.id, executorId, containerId
            )
        except OSError as e:
            self._fail(framework, taskId, mesos_pb2.TASK_FAILED,
                       TaskStatus.REASON_CONTAINER_LAUNCH_FAILED,
                       f"Cannot create the sandbox: {e}")
            return None

    def _runCommandTask(self, framework: Framework, task: TaskInfo) -> None:
        taskId = task.task_id.value
        if taskId in framework.executors:
            self._fail(framework, taskId, mesos_pb2.TASK_ERROR,
                       TaskStatus.REASON_TASK_INVALID,
                       f"An executor with id {taskId!r} exists")
            return
        sandbox = self._sandbox(framework, taskId, taskId)
        if sandbox is None:
            return
        executor = CommandTask(self, framework, task, *sandbox)
        why = self._checkpointLaunch(framework, executor, task, newRun=True)
        if why is not None:
            self._fail(framework, taskId, mesos_pb2.TASK_FAILED,
                       TaskStatus.REASON_CONTAINER_LAUNCH_FAILED, why)
            return
        framework.executors[taskId] = executor
        framework.taskExecutors[taskId] = taskId
        executor.start()

    def _runExecutorTask(self, framework: Framework, task: TaskInfo) -> None:
        taskId = task.task_id.value
        info = ExecutorInfo()
        info.CopyFrom(task.executor)
        info.framework_id.value = framework.id
        executorId = info.executor_id.value
        executor = framework.executors.get(executorId)
        if executor is not None:
            if not isinstance(executor, Executor):
                self._fail(framework, taskId, mesos_pb2.TASK_ERROR,
                           TaskStatus.REASON_TASK_INVALID,
                           f"Executor id {executorId!r} is a command task's")
            elif executor.state in (TERMINATING, TERMINATED):
                state = (
                    mesos_pb2.TASK_DROPPED
                    if framework.hasCapability(FrameworkInfo.Capability.PARTITION_AWARE)
                    else mesos_pb2.TASK_LOST
                )
                self._fail(framework, taskId, state,
                           TaskStatus.REASON_EXECUTOR_TERMINATED,
                           f"Executor {executorId} is {executor.state.lower()}",
                           executorId)
            else:
                why = self._checkpointLaunch(framework, executor, task, newRun=False)
                if why is not None:
                    self._fail(framework, taskId, mesos_pb2.TASK_FAILED,
                               TaskStatus.REASON_CONTAINER_LAUNCH_FAILED, why, executorId)
                    return
                framework.taskExecutors[taskId] = executorId
                executor.addTask(task)
            return
        sandbox = self._sandbox(framework, taskId, executorId)
        if sandbox is None:
            return
        executor = Executor(self, framework, info, *sandbox)
        why = self._checkpointLaunch(framework, executor, task, newRun=True)
        if why is not None:
            self._fail(framework, taskId, mesos_pb2.TASK_FAILED,
                       TaskStatus.REASON_CONTAINER_LAUNCH_FAILED, why, executorId)
            return
        framework.executors[executorId] = executor
        framework.taskExecutors[taskId] = executorId
        executor.addTask(task)
        try:
            executor.launch()
        except LaunchError as e:
            self._log.warn(
                "Cannot launch executor {executorId} of framework {frameworkId}: {why}",
                executorId=executorId,
                frameworkId=framework.id,
                why=str(e),
            )
            executor.launchFailed(str(e))

    def killTask(self, connection: MessageProtocol, message: msgs.KillTaskMessage) -> None:
        """
        Kill a task: the slave kills command tasks and tasks still waiting
        for their executor; other kills go to the executor.
        """
        frameworkId = message.framework_id.value
        taskId = message.task_id.value
        framework = self.frameworks.get(frameworkId)
        if framework is None:
            self._log.warn(
                "Ignoring kill of task {taskId}: no framework {frameworkId} here",
                taskId=taskId,
                frameworkId=frameworkId,
            )
            return
        executor = framework.executorOf(taskId)
        if executor is None:
            state = (
                mesos_pb2.TASK_DROPPED
                if framework.hasCapability(FrameworkInfo.Capability.PARTITION_AWARE)
                else mesos_pb2.TASK_LOST
            )
            self._fail(framework, taskId, state,
                       TaskStatus.REASON_EXECUTOR_TERMINATED, "Cannot find executor")
            return
        task = executor.tasks.get(taskId)
        if task is None or task.terminal:
            self._log.info(
                "Ignoring kill of task {taskId} of framework {frameworkId}: it "
                "has ended",
                taskId=taskId,
                frameworkId=frameworkId,
            )
            return
        policy = message.kill_policy if message.HasField("kill_policy") else None
        if isinstance(executor, CommandTask):
            executor.kill(policy)
        else:
            executor.killTask(taskId, message)

    # --- Status updates ------------------------------------------------------

    def sendStatusUpdate(
        self,
        frameworkId: str,
        taskId: str,
        state: int,
        source: int,
        reason: int | None = None,
        message: str = "",
        executorId: str | None = None,
    ) -> None:
        """
        Send a status update made by the slave (for itself or as a command
        task's executor) through the status update manager.
        """
        status = taskStatus(
            taskId, state, source, reason=reason, message=message,
            slaveId=self.id, executorId=executorId,
            timestamp=self._clock.seconds(),
        )
        self._update(statusUpdate(frameworkId, status, self.id, executorId))

    def executorStatusUpdate(
        self, executor: ExecutorBase, update: msgs.StatusUpdate
    ) -> Deferred[object]:
        """
        A status update from C{executor}, already checked.

        @return: a L{Deferred} that fires once the update may be
            acknowledged to the executor: once checkpointed (see
            L{StatusUpdateManager.update}).
        """
        return self._update(update)

    def _update(self, update: msgs.StatusUpdate) -> Deferred[object]:
        """
        Note the task's new state and hand the update to the manager, unless
        the framework is going away.

        @return: a L{Deferred} that fires once the update is checkpointed,
            or is not to be kept.
        """
        frameworkId = update.framework_id.value
        taskId = update.status.task_id.value
        framework = self.frameworks.get(frameworkId)
        if framework is not None:
            executor = framework.executorOf(taskId)
            if executor is not None and taskId in executor.tasks:
                executor.tasks[taskId].update(update.status)
            if framework.terminating:
                return succeed(None)
        self._log.info(
            "Status update {state} for task {taskId} of framework {frameworkId}",
            state=stateName(update.status.state),
            taskId=taskId,
            frameworkId=frameworkId,
        )
        return self.statusUpdates.update(update)

    def _forwardUpdate(self, update: msgs.StatusUpdate) -> None:
        if self.master is not None and self.registered:
            self.master.send(msgs.StatusUpdateMessage(update=update))

    def statusUpdateAcknowledgement(
        self, connection: MessageProtocol, message: msgs.StatusUpdateAcknowledgementMessage
    ) -> None:
        """
        The framework acknowledged a status update; a task whose terminal
        update is acknowledged is complete.
        """
        frameworkId = message.framework_id.value
        taskId = message.task_id.value
        if self.statusUpdates.acknowledge(frameworkId, taskId, message.uuid):
            self._updateDone(frameworkId, taskId)

    def refused(self, connection: MessageProtocol, message: msgs.MessageRefused) -> None:
        """
        The master refused a message.  A status update refused because the
        master does not know its task is dropped (if it is the one in
        flight), so that its task's stream moves on; other refusals are only
        logged.
        """
        logRefusal(connection, message)
        if (
            message.code == msgs.MessageRefused.UNKNOWN_TASK
            and message.message_type == msgs.StatusUpdateMessage.DESCRIPTOR.full_name
            and message.uuid
        ):
            frameworkId = message.framework_id.value
            taskId = message.task_id.value
            if self.statusUpdates.refused(frameworkId, taskId, message.uuid):
                self._updateDone(frameworkId, taskId)

    def _updateDone(self, frameworkId: str, taskId: str) -> None:
        """
        A task's update in flight is done with: a task whose terminal update
        it was is complete.
        """
        framework = self.frameworks.get(frameworkId)
        executor = framework.executorOf(taskId) if framework is not None else None
        if executor is None:
            return
        task = executor.tasks.get(taskId)
        if task is not None and task.terminal and not self.statusUpdates.pending(
            frameworkId, taskId
        ):
            del executor.tasks[taskId]
            del framework.taskExecutors[taskId]
            self._removeIfDone(framework, executor)

    # --- Executors and frameworks --------------------------------------------

    def sendToMaster(self, message: Message) -> None:
        """
        Send C{message} to the master if we are registered; drop it if not.
        """
        if self.master is not None and self.registered:
            self.master.send(message)
        else:
            self._log.warn(
                "Not connected to the master; dropping {messageType}",
                messageType=message.DESCRIPTOR.name,
            )

    def executorEnded(self, executor: ExecutorBase) -> None:
        """
        C{executor} has terminated.
        """
        self._settle(executor)
        self._removeIfDone(executor.framework, executor)

    def _removeIfDone(self, framework: Framework, executor: ExecutorBase) -> None:
        """
        Forget a terminated executor once its tasks are complete (at once if
        its framework is going away), and its framework once empty.
        """
        if executor.state != TERMINATED:
            return
        if executor.tasks and not framework.terminating:
            return
        if framework.executors.get(executor.id) is executor:
            del framework.executors[executor.id]
            checkpointer = self._checkpoints(framework)
            if checkpointer is not None:
                checkpointer.removeExecutor(framework.id, executor.id)
        for taskId in list(executor.tasks):
            framework.taskExecutors.pop(taskId, None)
        self._dropIfEmpty(framework)

    def _dropIfEmpty(self, framework: Framework) -> None:
        if not framework.executors and self.frameworks.get(framework.id) is framework:
            self._log.info("Removing framework {frameworkId}", frameworkId=framework.id)
            del self.frameworks[framework.id]
            checkpointer = self._checkpoints(framework)
            if checkpointer is not None:
                checkpointer.removeFramework(framework.id)

    def frameworkToExecutor(
        self, connection: MessageProtocol, message: msgs.FrameworkToExecutorMessage
    ) -> None:
        """
        Pass a framework's message to its executor, best effort.
        """
        framework = self.frameworks.get(message.framework_id.value)
        executor = (
            framework.executors.get(message.executor_id.value)
            if framework is not None
            else None
        )
        if not isinstance(executor, Executor):
            self._log.warn(
                "Dropping a message for executor {executorId} of framework "
                "{frameworkId}: no such executor",
                executorId=message.executor_id.value,
                frameworkId=message.framework_id.value,
            )
            return
        executor.frameworkMessage(message)

    def shutdownFramework(
        self, connection: MessageProtocol, message: msgs.ShutdownFrameworkMessage
    ) -> None:
        """
        Shut down all of a framework's executors and forget it.
        """
        frameworkId = message.framework_id.value
        self.statusUpdates.cleanup(frameworkId)
        framework = self.frameworks.get(frameworkId)
        if framework is None:
            self._log.info(
                "Nothing to shut down for framework {frameworkId}",
                frameworkId=frameworkId,
            )
            return
        self._log.info("Shutting down framework {frameworkId}", frameworkId=frameworkId)
        framework.terminating = True
        for executor in list(framework.executors.values()):
            executor.shutdown()
        for executor in list(framework.executors.values()):
            self._removeIfDone(framework, executor)


def _invalid(task: TaskInfo) -> str | None:
    """
    Why the slave cannot run C{task}, or L{None}.
    """
    if task.HasField("executor") == task.HasField("command"):
        return "A task needs exactly one of executor and command"
    try:
        paths.validateID("task id", task.task_id.value)
        if task.HasField("executor"):
            paths.validateID("executor id", task.executor.executor_id.value)
    except ValueError as e:
        return str(e)
    return None

