# -*- test-case-name: tests.test_slave_tap -*-
"""
C{twistd mesos-slave}: options and the slave's service tree.
"""

from __future__ import annotations

import os
import socket
from typing import Callable

from twisted.application.service import IService, MultiService, Service
from twisted.internet.defer import Deferred, maybeDeferred
from twisted.logger import Logger, LogLevel
from twisted.python import usage
from twisted.python.failure import Failure
from twisted.web.server import Site

from mesos_tw.daemon import ShutdownSignals, exitProcess
from mesos_tw.interfaces import ILauncher
from mesos_tw.mesos_pb2 import SlaveInfo
from mesos_tw.leader.factory import masterSpec
from mesos_tw.protocol.framing import MAX_FRAME_SIZE
from mesos_tw.protocol.listen import ListenerService
from mesos_tw.protocol.tls import (
    Credentials,
    TLSConfigurationError,
    serverEndpoint,
)
from mesos_tw.resources import Resources, ResourcesError
from mesos_tw.slave import constants, recovery, state
from mesos_tw.slave.containerizer.cgroups import CgroupError, Cgroups
from mesos_tw.slave.containerizer.isolation import ISOLATORS
from mesos_tw.slave.containerizer.launchers import (
    chooseIsolation,
    makeLauncher,
    probeHost,
)
from mesos_tw.slave.detect import detectResources
from mesos_tw.slave.http import makeRoot
from mesos_tw.slave.monitor import USAGE_REPORT_INTERVAL, UsageReporter
from mesos_tw.slave.slave import Slave
from mesos_tw.slave.link import makeMasterLink
from mesos_tw.util import port, positive


def nonNegative(kind):
    """
    A coercer for C{usage.Options} that accepts zero and above.
    """

    def coerce(text: str) -> float:
        value = kind(text)
        if not value >= 0:
            raise ValueError(f"{text!r} is negative")
        return value

    coerce.coerceDoc = "Must not be negative."
    return coerce


def boolean(text: str) -> bool:
    """
    A coercer for C{usage.Options}: C{true}/C{false} (also C{1}/C{0},
    C{yes}/C{no}).
    """
    value = text.strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"{text!r} is neither true nor false")


boolean.coerceDoc = "true or false."


def recoverMode(text: str) -> str:
    """
    A coercer for C{--recover}.
    """
    if text not in (constants.RECOVER_RECONNECT, constants.RECOVER_CLEANUP):
        raise ValueError(f"{text!r} is neither 'reconnect' nor 'cleanup'")
    return text


recoverMode.coerceDoc = "reconnect or cleanup."


def reregistrationTimeout(text: str) -> float:
    """
    A coercer for C{--executor-reregistration-timeout}.
    """
    value = float(text)
    if not 0 < value <= constants.MAX_EXECUTOR_REREGISTRATION_TIMEOUT:
        raise ValueError(
            f"{text!r} is not in (0, {constants.MAX_EXECUTOR_REREGISTRATION_TIMEOUT:g}]"
        )
    return value


class Options(usage.Options):
    synopsis = "--master HOST:PORT --tls-dir DIR --work-dir DIR [options]"
    longdesc = (
        "Run a mesos_tw slave: it offers this machine's resources to the "
        "master at --master and runs the tasks frameworks launch on them. "
        "It connects with mutual TLS using the slave certificate in --tls-dir "
        "(make one with `mesos-tw ca issue CA_DIR --role slave`). Its own "
        "port serves HTTP (/state, /monitor/statistics) to holders of cluster "
        "certificates. Tasks run in containers: as root on Linux, in "
        "namespaces and cgroups by default; elsewhere only as process "
        "sessions (--isolation=posix)."
    )
    optFlags = [
        ["cgroups-enable-cfs", None,
         "Cap each container's CPU time at its cpus with a CFS quota (by "
         "default cpu shares only weigh containers against each other)."],
        ["no-switch-user", None,
         "Run every task as the slave's user (same as --switch-user=false)."],
    ]
    optParameters = [
        ["master", None, None,
         "The master, as HOST:PORT, or zk://HOST:PORT[,HOST:PORT...]/PATH (or "
         "file:///FILE holding one) to follow the masters' election "
         "(required).", masterSpec],
        ["ip", None, "127.0.0.1", "Address to listen on."],
        ["port", None, constants.DEFAULT_PORT, "Port to listen on.", port],
        ["tls-dir", None, None,
         "Directory with ca.pem, cert.pem and key.pem of a slave certificate "
         "(required)."],
        ["work-dir", None, None,
         "Directory for sandboxes and checkpoints (required)."],
        ["resources", None, "",
         "Resources to offer, e.g. 'cpus:4;mem:2048;ports:[31000-32000]'; "
         "cpus, mem, disk and ports not given are detected."],
        ["hostname", None, None,
         "Hostname the slave reports (default: this host's name)."],
        ["registration-backoff-factor", None,
         constants.REGISTRATION_BACKOFF_FACTOR,
         "First registration after a random delay up to this many seconds; "
         "retries back off up to 60 s.", positive(float)],
        ["max-frame-size", None, MAX_FRAME_SIZE,
         "Largest frame accepted from the master, in bytes.", positive(int)],
        ["executor-registration-timeout", None,
         constants.EXECUTOR_REGISTRATION_TIMEOUT,
         "Seconds an executor has to register before it is destroyed and its "
         "tasks fail.", positive(float)],
        ["executor-shutdown-grace-period", None,
         constants.EXECUTOR_SHUTDOWN_GRACE_PERIOD,
         "Seconds an executor told to shut down has before it is destroyed "
         "(unless its ExecutorInfo gives its own).", nonNegative(float)],
        ["status-update-retry-interval-min", None,
         constants.STATUS_UPDATE_RETRY_INTERVAL_MIN,
         "Seconds before an unacknowledged status update is first resent; "
         "the interval doubles on each resend.", positive(float)],
        ["status-update-retry-interval-max", None,
         constants.STATUS_UPDATE_RETRY_INTERVAL_MAX,
         "Longest interval between resends of a status update, in seconds.",
         positive(float)],
        ["isolation", None, None,
         "Comma-separated isolators: " + ", ".join(ISOLATORS) + "; 'posix' "
         "and 'cgroups' stand for posix/cpu,posix/mem and "
         "cgroups/cpu,cgroups/mem. Default: filesystem/linux,cgroups/cpu,"
         "cgroups/mem,cgroups/pids,namespaces/ipc,namespaces/pid,"
         "namespaces/uts as root on Linux with cgroups, else posix (with a "
         "warning)."],
        ["cgroups-hierarchy", None, "/sys/fs/cgroup",
         "Where the cgroup hierarchies are mounted: a cgroup2 mount (unified), "
         "or a directory with cgroup v1 controllers mounted below it."],
        ["cgroups-root", None, "mesos_tw",
         "The cgroup containers' cgroups go under: relative to the slave's own "
         "cgroup in each hierarchy, or from the top if absolute."],
        ["cgroups-max-pids", None, None,
         "Most processes and threads a container may have (cgroups/pids); "
         "unlimited by default.", positive(int)],
        ["switch-user", None, True,
         "Run tasks as their CommandInfo.user or their framework's user "
         "(true or false).", boolean],
        ["recover", None, constants.RECOVER_RECONNECT,
         "What to do at start with the executors of checkpointing frameworks "
         "that outlived the previous slave process: 'reconnect' (take them "
         "back) or 'cleanup' (kill them, their tasks are lost, and exit "
         "without registering: for incompatible upgrades; then start the "
         "slave again without --recover=cleanup).", recoverMode],
        ["executor-reregistration-timeout", None,
         constants.EXECUTOR_REREGISTRATION_TIMEOUT,
         "Seconds recovered executors have to re-register before they are "
         f"destroyed and their tasks lost (at most "
         f"{constants.MAX_EXECUTOR_REREGISTRATION_TIMEOUT:g}).",
         reregistrationTimeout],
        ["usage-report-interval", None, USAGE_REPORT_INTERVAL,
         "Seconds between reports of containers' usage to the master; 0 for "
         "none.", nonNegative(float)],
    ]

    def postOptions(self) -> None:
        for required, hint in [
            ("master", "the master's HOST:PORT or the masters' zk:// URL"),
            ("tls-dir", "create one with `mesos-tw ca issue CA_DIR --role slave "
                        "--name NAME --host HOST`"),
            ("work-dir", "a directory the slave may write to"),
        ]:
            if not self[required]:
                raise usage.UsageError(f"--{required} is required: {hint}")
        try:
            self["credentials"] = Credentials.fromDirectory(self["tls-dir"])
        except TLSConfigurationError as e:
            raise usage.UsageError(str(e))
        if self["credentials"].role != "slave":
            raise usage.UsageError(
                f"the certificate in {self['tls-dir']} is for role "
                f"{self['credentials'].role!r}; a slave needs role 'slave'"
            )
        try:
            given = Resources.parse(self["resources"])
        except ResourcesError as e:
            raise usage.UsageError(f"--resources: {e}")
        if (self["status-update-retry-interval-max"]
                < self["status-update-retry-interval-min"]):
            raise usage.UsageError(
                "--status-update-retry-interval-max must not be less than "
                "--status-update-retry-interval-min"
            )
        if self["no-switch-user"]:
            self["switch-user"] = False
        self["host"] = probeHost(self["cgroups-hierarchy"])
        try:
            self["isolators"], self["isolation-warning"] = chooseIsolation(
                self["isolation"], self["host"]
            )
        except ValueError as e:
            raise usage.UsageError(f"--isolation: {e}")
        if self["host"].layout is not None:
            try:
                Cgroups(self["host"].layout, self["cgroups-root"])
            except CgroupError as e:
                raise usage.UsageError(f"--cgroups-root: {e}")
        os.makedirs(self["work-dir"], exist_ok=True)
        self["work-dir"] = os.path.abspath(self["work-dir"])
        self["resources"] = detectResources(given, self["work-dir"])
        if self["hostname"] is None:
            self["hostname"] = socket.gethostname()
        info = SlaveInfo(hostname=self["hostname"], resources=self["resources"].toProto())
        try:
            self["recovered"] = recovery.load(self["work-dir"], state.bootId(), info)
        except state.RecoveryError as e:
            raise usage.UsageError(f"cannot recover: {e}")


#: How a slave ends its process: C{exit(reason, status)}.
Exit = Callable[[str, int], object]


class SlaveService(Service):
    """
    Runs a L{Slave}: it learns its port from the listener, says how it
    isolates containers, recovers what the previous slave process left,
    reports the containers' usage, and stops its timers when the service
    stops.

    A slave whose recovery fails exits (status 1), as does one started with
    C{--recover=cleanup} once the cleanup is done (status 0).
    """

    _log = Logger()

    def __init__(
        self,
        slave: Slave,
        listener: ListenerService,
        isolation: tuple[str, ...] = (),
        warning: str | None = None,
        reporter: UsageReporter | None = None,
        recovered: state.SlaveState | None = None,
        exit: Exit = lambda reason, status: None,
    ) -> None:
        """
        @param recovered: the checkpoints to recover, as read by
            L{recovery.load}; read at start if not given.
        @param exit: ends the slave's process, called as C{exit(reason,
            status)}.
        """
        self.recovered = recovered
        self._exit = exit
        self.slave = slave
        self.listener = listener
        self.isolation = isolation
        self.warning = warning
        self.reporter = reporter

    def startService(self) -> None:
        Service.startService(self)
        if self.listener.port is not None:
            self.slave.info.port = self.listener.port.getHost().port
        launcher = self.slave.launcher
        self._log.info(
            "Containers: {launcher} launcher, isolation {isolation}",
            launcher=getattr(launcher, "name", None),
            isolation=",".join(self.isolation) or "(given launcher)",
        )
        if self.warning:
            self._log.warn("{isolationWarning}", isolationWarning=self.warning)
        if self.reporter is not None:
            self.reporter.start()
        recovering = maybeDeferred(self.slave.recover, self.recovered)
        recovering.addCallbacks(self._recoveryDone, self._recoveryFailed)

    def _recoveryDone(self, _: object) -> None:
        """
        With C{--recover=cleanup}, the slave's work is done once recovery
        is: exit.
        """
        if not self.running or self.slave.recoverMode != constants.RECOVER_CLEANUP:
            return
        self._log.warn(
            "Cleanup done: the executors the previous slave process left are "
            "killed and their tasks lost. Exiting: restart this slave without "
            "--recover=cleanup to register again (it then reports those tasks)"
        )
        self._exit("cleanup done", 0)

    def _recoveryFailed(self, failure: Failure) -> None:
        """
        Recovery errors are fatal (Mesos's C{--strict}): say what failed
        and what to do, then exit.
        """
        if not self.running:
            return
        if failure.check(state.RecoveryError):
            why = failure.getErrorMessage()
        else:
            self._log.failure("Slave recovery failed", failure, level=LogLevel.error)
            why = (
                f"{failure.getErrorMessage()}; restart the slave once the cause is "
                f"fixed (the executors left keep running meanwhile), or "
                f"{recovery.startAfresh(self.slave.workDir or 'WORK_DIR')}"
            )
        self._log.critical(
            "Slave recovery failed: {why}. Exiting with status 1", why=why
        )
        self._exit(f"recovery failed: {why}", 1)

    def stopService(self) -> Deferred[None]:
        """
        Stop the slave's timers and destroy the containers of frameworks that
        do not checkpoint; those of frameworks that do keep running for the
        next slave process to recover.  Then the launcher releases what it
        holds (its parent cgroups, if empty).
        """
        Service.stopService(self)
        if self.reporter is not None:
            self.reporter.stop()
        self.slave.stop()
        keep = self.slave.checkpointedContainers()
        if keep:
            self._log.info(
                "Leaving {count} container(s) of checkpointing frameworks running "
                "for the next slave process",
                count=len(keep),
            )
        d = self.slave.destroyContainers(keep)
        launcher = self.slave.launcher
        if launcher is not None:
            d.addCallback(lambda _: maybeDeferred(launcher.close, keep=keep))
            d.addErrback(lambda f: self._log.failure("Cannot close the launcher", f))
        return d


def makeService(
    options: Options,
    reactor=None,
    stopReactor: bool = True,
    launcher: ILauncher | None = None,
    exit: Exit | None = None,
) -> IService:
    """
    The slave's service tree: the slave, its link to the master and its
    HTTP listener.

    @param stopReactor: whether the master's order to shut down stops the
        reactor (as in a daemon) or only this slave's services.
    @param launcher: what starts containers; by default the launcher of
        C{--isolation} (a L{LinuxLauncher}, or a L{PosixLauncher}) on
        C{reactor}.
    @param exit: called as C{exit(reason, status)} when the slave must end
        (its recovery failed, or C{--recover=cleanup} is done).  By default,
        with C{stopReactor}, the process exits with C{status} once the
        reactor has stopped (as a master does: L{exitProcess}); without,
        only this slave's services stop.
    """
    if reactor is None:
        from twisted.internet import reactor
    info = SlaveInfo(
        hostname=options["hostname"],
        port=options["port"],
        resources=options["resources"].toProto(),
    )
    isolators = options.get("isolators") or ()
    if launcher is None:
        launcher = makeLauncher(
            reactor,
            isolators or ("posix/cpu", "posix/mem"),
            options.get("host") or probeHost(options.get("cgroups-hierarchy", "/sys/fs/cgroup")),
            cgroupsRoot=options.get("cgroups-root", "mesos_tw"),
            enableCfs=bool(options.get("cgroups-enable-cfs")),
            maxPids=options.get("cgroups-max-pids"),
            runtimeDir=os.path.join(options["work-dir"], "containers"),
        )
    else:
        isolators = ()
    top = MultiService()
    ShutdownSignals(reactor).setServiceParent(top)

    def shutdown(why: str) -> None:
        top.stopService()
        if stopReactor and reactor.running:
            reactor.stop()

    def endProcess(reason: str, status: int) -> None:
        exitProcess(reactor, status)(reason)

    def stopServices(reason: str, status: int) -> None:
        top.stopService()

    if exit is None:
        exit = endProcess if stopReactor else stopServices

    slave = Slave(
        info,
        reactor,
        backoffFactor=options["registration-backoff-factor"],
        onShutdown=shutdown,
        launcher=launcher,
        workDir=options["work-dir"],
        reactor=reactor,
        executorRegistrationTimeout=options["executor-registration-timeout"],
        executorShutdownGracePeriod=options["executor-shutdown-grace-period"],
        statusUpdateRetryIntervalMin=options["status-update-retry-interval-min"],
        statusUpdateRetryIntervalMax=options["status-update-retry-interval-max"],
        switchUser=options.get("switch-user", True),
        recover=options.get("recover", constants.RECOVER_RECONNECT),
        executorReregistrationTimeout=options.get(
            "executor-reregistration-timeout", constants.EXECUTOR_REREGISTRATION_TIMEOUT
        ),
    )
    credentials = options["credentials"]
    listener = ListenerService(
        serverEndpoint(reactor, credentials, options["port"], options["ip"]),
        Site(makeRoot(slave)),
    )
    listener.setName("listener")
    listener.setServiceParent(top)
    SlaveService(
        slave, listener, isolators, options.get("isolation-warning"),
        UsageReporter(slave, reactor, options.get("usage-report-interval", USAGE_REPORT_INTERVAL)),
        options.get("recovered"),
        exit,
    ).setServiceParent(top)
    link = makeMasterLink(
        options["master"], slave, credentials, reactor, options["max-frame-size"],
        onDetectionFailed=lambda f: shutdown(f"cannot detect the master: {f.getErrorMessage()}"),
    )
    link.setName("master-link")
    link.setServiceParent(top)
    top.slave = slave
    return top
