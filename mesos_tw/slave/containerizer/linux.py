# -*- test-case-name: tests.test_containers -*-
"""
The Linux launcher: containers in namespaces and cgroups.

A container starts as a chain of small programs, each exec'ing the next, so
that launching costs a few milliseconds over a bare fork (no Python
interpreter starts)::

    setsid unshare --fork --kill-child [--pid --mount-proc] [--mount]
        [--uts] [--ipc] [--net] --wd=SANDBOX
      /bin/sh -c INIT mesos-tw-init [status] [cgroup=DIR ...] [hostname=NAME]
          [mount=MOUNT tmp] [mkdir=MKDIR rebind=SANDBOX] [cgroup=CPU ...] --
        [setpriv --reuid=U --regid=G --groups=... --] [env LD_...=...] ARGV...

C{setsid} gives the container a session of its own; C{unshare(1)} creates
the namespaces and forks the container's first process, which is PID 1 of
a new PID namespace (with its own C{/proc}) and dies with C{unshare} (so
killing C{unshare} kills the container); the init script (L{INIT}) joins the
container's cgroups first thing (so that every process of the container is
counted in them; the CPU cgroups last, so that setting up runs with the
slave's CPU weight), sets the hostname, mounts a private C{/tmp}, and runs the
executor as its only child, in the foreground (an asynchronous command of a
non-interactive shell would start with SIGINT and SIGQUIT ignored), as the
task's user, without descriptor 4.  Its traps only keep it alive: it
forwards nothing (the slave signals every process of the container
itself), reaps orphans while it waits, and exits with its child's status
(C{128+N} for a death by signal C{N}, which the launcher reports as that
signal); with C{status} it first writes that status to descriptor 4.  When
PID 1 exits, the kernel kills whatever else is left in the namespace.

The slave watches C{unshare}, outside the namespaces, through a
C{ProcessProtocol}.  Every process of the container is in its tracking
cgroup (C{freezer} on cgroup v1, the container's cgroup on cgroup2), which
is how L{LinuxLauncher.signal} and L{LinuxLauncher.destroy} reach them all,
daemonized grandchildren included.  The task's environment never reaches
the privileged helpers' dynamic loader: loader variables (C{LD_*} and the
like) are given to the final C{env} as arguments.

With a runtime directory (L{mesos_tw.slave.containerizer.runtime}),
containers outlive the slave process: nothing in the chain dies with the
slave.  The launcher records C{unshare}'s pid, start time and the boot id,
and gives the chain the container's status file as descriptor 4 (the init
runs with C{status}).  The next slave process L{recovers
<LinuxLauncher.recover>} them: it watches C{unshare} through a pidfd, its
isolators find the container's cgroups again (limits untouched), and the
end is the status the init recorded.  Containers it is not told about
(records, or cgroups under its cgroups root) are destroyed.
"""

from __future__ import annotations

import os
import sys
import shutil
import signal
from typing import Callable, Iterable, Mapping, Sequence

import attr
from twisted.internet.defer import Deferred, DeferredList, DeferredLock, succeed
from twisted.internet.error import ProcessTerminated
from twisted.internet.interfaces import IProcessProtocol, IProcessTransport
from twisted.internet.protocol import ProcessProtocol
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer
from zope.interface.verify import verifyClass

from mesos_tw.interfaces import IIsolator, ILauncher
from mesos_tw.resources import Resources
from mesos_tw.slave.containerizer import isolation
from mesos_tw.slave.containerizer.cgroups import (
    V1,
    CgroupError,
    Cgroups,
    killCgroup,
    processes,
    removeCgroup,
    signalCgroup,
)
from mesos_tw.slave.containerizer.common import (
    ContainerLost,
    ContainerTerminated,
    Credentials,
    LaunchError,
    LaunchInfo,
    Limitation,
    chownSandbox,
    describeExit,
    findProgram,
    resolveUser,
    splitLoaderVariables,
    statusReason,
    translateExit,
)
from mesos_tw.slave.containerizer.isolators import removeCgroups
from mesos_tw.slave.containerizer.runtime import (
    STATUS_FD,
    ExitWatch,
    ProcessIdentity,
    RuntimeDirectory,
    isRunning,
    settle,
    waitUntilGone,
)

__all__ = ["INIT", "LinuxLauncher", "Tools", "helperArgv", "translateExit"]

#: The container's init, run by C{/bin/sh -c INIT mesos-tw-init PARAMS --
#: COMMAND...}: set up, run COMMAND as its only child, exit with its status
#: (with the C{status} parameter, written to descriptor 4 first).
INIT = r"""m=/bin/mount; k=/bin/mkdir
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
  case "$1" in
    status) S=1 ;;
    cgroup=*) echo 0 > "${1#cgroup=}/cgroup.procs" || exit 125 ;;
    hostname=*) echo "${1#hostname=}" > /proc/sys/kernel/hostname || exit 125 ;;
    mount=*) m="${1#mount=}" ;;
    mkdir=*) k="${1#mkdir=}" ;;
    keep=*) K="${1#keep=}"; exec 3<"$K" || exit 125 ;;
    tmp) "$m" -n -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp || exit 125
      if [ -n "$K" ]; then
        "$k" -p "$K" && "$m" -n --no-canonicalize --bind /proc/self/fd/3 "$K" || exit 125
        exec 3<&-
      fi ;;
    rebind=*) "$k" -p "${1#rebind=}" &&
      "$m" -n --no-canonicalize --bind . "${1#rebind=}" || exit 125 ;;
  esac
  shift
done
shift
trap : HUP INT QUIT TERM USR1 USR2
"$@" 4>&-
s=$?
[ -z "$S" ] || echo "$s" >&4
exit "$s"
"""


@attr.s(auto_attribs=True, frozen=True)
class Tools:
    """
    The programs of the launch chain.
    """

    setsid: str = "/usr/bin/setsid"
    unshare: str = "/usr/bin/unshare"
    sh: str = "/bin/sh"
    env: str = "/usr/bin/env"
    setpriv: str = "/usr/bin/setpriv"
    mount: str = "/usr/bin/mount"
    mkdir: str = "/usr/bin/mkdir"

    @classmethod
    def find(
        cls, which: Callable[[str], str | None] = shutil.which
    ) -> tuple[Tools, tuple[str, ...]]:
        """
        The programs on this host's C{PATH}, and the names of those missing.
        """
        found = {}
        missing = []
        for field in attr.fields(cls):
            path = which(field.name)
            if path is None:
                missing.append(field.name)
            else:
                found[field.name] = path
        return cls(**found), tuple(missing)


def helperArgv(
    tools: Tools,
    info: LaunchInfo,
    sandbox: str,
    argv: Sequence[str],
    user: Credentials | None = None,
    held: Sequence[str] = (),
    status: bool = False,
) -> list[str]:
    """
    The command line that starts a container (see the module docstring).

    @param info: what the isolators asked for.
    @param sandbox: the working directory.
    @param argv: the executor's command.
    @param user: who the executor runs as, or L{None} for root.
    @param held: C{NAME=VALUE} assignments for the executor only.
    @param status: whether the init writes the executor's exit status to
        descriptor 4.
    """
    command = [tools.setsid, tools.unshare, "--fork", "--kill-child"]
    namespaces = info.namespaces
    if "pid" in namespaces:
        command += ["--pid", "--mount-proc"]
    elif "mount" in namespaces:
        command.append("--mount")
    for name in ("uts", "ipc", "net"):
        if name in namespaces:
            command.append(f"--{name}")
    command += [f"--wd={sandbox}", tools.sh, "-c", INIT, "mesos-tw-init"]
    if status:
        command.append("status")
    command += [f"cgroup={c}" for c in info.cgroups]
    if info.hostname is not None and "uts" in namespaces:
        command.append(f"hostname={info.hostname}")
    if info.privateTmp and "mount" in namespaces:
        command += [f"mount={tools.mount}", f"mkdir={tools.mkdir}"]
        keep = _slaveTmpDirectory()
        if keep is not None:
            command.append(f"keep={keep}")
        command.append("tmp")
        real = os.path.realpath(sandbox)
        if real == "/tmp" or real.startswith("/tmp/") or sandbox.startswith("/tmp/"):
            command.append(f"rebind={sandbox}")
    command += [f"cgroup={c}" for c in info.lastCgroups if c not in info.cgroups]
    command.append("--")
    if user is not None:
        command += [tools.setpriv, *user.setprivArguments(), "--"]
    if held:
        command += [tools.env, *held]
    command += argv
    return command


def _slaveTmpDirectory() -> str | None:
    """
    The directory directly under C{/tmp} that holds this slave's Python
    installation, if it is there (a checkout or virtual environment under
    C{/tmp}): containers with a private C{/tmp} keep it visible, so that
    executors can run the slave's interpreter and what it runs.
    """
    for path in (sys.prefix, sys.base_prefix, sys.executable):
        real = os.path.realpath(path)
        if real.startswith("/tmp/"):
            return "/tmp/" + real[len("/tmp/"):].split("/", 1)[0]
    return None


class _Container:
    """
    One container of a L{LinuxLauncher}.

    @ivar tracking: the cgroup that holds every process of the container.
    @ivar prepared: the isolators that prepared it.
    @ivar ended: whether its first process has ended.
    @ivar cleaning: fires once everything is released.
    @ivar limitation: the first L{Limitation} it hit.
    @ivar recovered: whether an earlier slave process launched it; its end
        is then watched by C{exitWatch} and told to C{protocol}.
    @ivar destroying: whether L{LinuxLauncher.destroy} killed it.
    @ivar detached: whether it was left running for the next slave process.
    """

    def __init__(self, containerId: str, resources: Resources) -> None:
        self.id = containerId
        self.resources = resources
        self.transport: IProcessTransport | None = None
        self.pid: int | None = None
        self.tracking: str | None = None
        self.prepared: list[IIsolator] = []
        self.ended = False
        self.cleaning: Deferred[None] | None = None
        self.waiting: list[Deferred[None]] = []
        self.limitation: Limitation | None = None
        self.killing = DeferredLock()
        self.recovered = False
        self.protocol = None
        self.exitWatch: ExitWatch | None = None
        self.destroying = False
        self.detached = False


@implementer(IProcessProtocol)
class _Watch(ProcessProtocol):
    """
    Passes the events of a container's first process to the caller's
    protocol; its end carries the container's limitation, if any.

    An end reported while C{spawnProcess} has not returned is held back and
    delivered on the next reactor turn, so that callers always see
    C{launch} return first.
    """

    launching = False
    early: Failure | None = None

    def __init__(self, launcher: LinuxLauncher, container: _Container, wrapped) -> None:
        self._launcher = launcher
        self._container = container
        self._wrapped = wrapped

    def makeConnection(self, transport: IProcessTransport) -> None:
        self._container.pid = transport.pid
        ProcessProtocol.makeConnection(self, transport)
        self._wrapped.makeConnection(transport)

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        self._wrapped.childDataReceived(childFD, data)

    def childConnectionLost(self, childFD: int) -> None:
        self._wrapped.childConnectionLost(childFD)

    def processExited(self, reason: Failure) -> None:
        if not self.launching and not self._container.detached:
            self._wrapped.processExited(translateExit(reason))

    def processEnded(self, reason: Failure) -> None:
        if self.launching:
            self.early = reason
            return
        if self._container.detached:
            return
        reason = self._launcher._ended(self._container, translateExit(reason))
        try:
            self._wrapped.processEnded(reason)
        finally:
            # Only now: releasing may finish at once and fire destroy()s.
            self._launcher._release(self._container)


@implementer(ILauncher)
class LinuxLauncher:
    """
    Runs each container in new namespaces and cgroups, as its isolators
    ask, and destroys it through its cgroup.
    """

    name = "linux"
    _log = Logger()

    def __init__(
        self,
        reactor,
        cgroups: Cgroups,
        isolators: Sequence[IIsolator],
        tools: Tools | None = None,
        kill: Callable[[int, int], None] = os.kill,
        runtimeDir: str | None = None,
    ) -> None:
        """
        @param reactor: an L{IReactorProcess} and L{IReactorTime} (and an
            L{IReactorFDSet} to watch recovered containers through pidfds).
        @param cgroups: where containers' cgroups go; the tracking cgroup
            is in its C{freezer} hierarchy (v1) or the unified one.
        @param isolators: in the order they prepare containers.
        @param tools: the programs of the launch chain; found on the
            slave's C{PATH} by default.
        @param runtimeDir: where containers are recorded for the next slave
            process to recover them, or L{None} (see L{recover}).
        """
        self._reactor = reactor
        self.cgroups = cgroups
        self.isolators = list(isolators)
        self.tools = tools if tools is not None else Tools.find()[0]
        self._kill = kill
        self._runtime = RuntimeDirectory(runtimeDir) if runtimeDir is not None else None
        self._containers: dict[str, _Container] = {}
        self._tracker = "freezer" if cgroups.version == V1 else ""
        self._recoverable = True

    # --- Launch ----------------------------------------------------------------

    def launch(
        self,
        containerId: str,
        argv: Sequence[str],
        environment: Mapping[str, str],
        sandbox: str,
        user: str | None,
        resources,
        processProtocol,
    ) -> IProcessTransport:
        if containerId in self._containers:
            raise LaunchError(f"container {containerId} already exists")
        if not argv:
            raise LaunchError("nothing to run: the command is empty")
        if not os.path.isdir(sandbox):
            raise LaunchError(f"the sandbox {sandbox} is not a directory")
        if findProgram(argv[0], environment, sandbox) is None:
            raise LaunchError(f"program {argv[0]!r} not found")
        if self._runtime is not None:
            try:
                self._runtime.directory(containerId)
            except ValueError as e:
                raise LaunchError(str(e)) from None
        credentials = resolveUser(user) if user is not None else None
        resources = resources if resources is not None else Resources()
        self._recoverable = False
        container = _Container(containerId, resources)
        info = self._prepare(container, credentials)
        safe, held = splitLoaderVariables(environment)
        command = helperArgv(self.tools, info, sandbox, argv, credentials, held,
                             status=self._runtime is not None)
        watch = _Watch(self, container, processProtocol)
        fds: list[int] = []
        try:
            fds.append(os.open(os.devnull, os.O_RDONLY))
            for name in ("stdout", "stderr"):
                fds.append(os.open(
                    os.path.join(sandbox, name), os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                    0o644,
                ))
            if credentials is not None:
                chownSandbox(sandbox, credentials)
            childFDs = {0: fds[0], 1: fds[1], 2: fds[2]}
            if self._runtime is not None:
                fds.append(self._runtime.create(containerId))
                childFDs[STATUS_FD] = fds[-1]
            watch.launching = True
            transport = self._reactor.spawnProcess(
                watch, command[0], command, env=safe, path=None, childFDs=childFDs,
            )
        except OSError as e:
            self._abandon(container)
            if self._runtime is not None:
                self._runtime.remove(containerId)
            raise LaunchError(f"cannot start {argv[0]!r}: {e}") from e
        finally:
            watch.launching = False
            for fd in fds:
                os.close(fd)
        container.transport = transport
        self._containers[containerId] = container
        if self._runtime is not None:
            try:
                self._runtime.checkpoint(containerId, ProcessIdentity.of(container.pid))
            except OSError as e:
                self._log.warn(
                    "Cannot checkpoint container {containerId}: it will not be "
                    "recoverable: {why}", containerId=containerId, why=str(e),
                )
        for isolator in container.prepared:
            isolator.isolate(containerId, container.pid)
            isolator.watch(containerId).addCallbacks(
                lambda limitation: self._limited(container, limitation),
                lambda failure: None,
            )
        if watch.early is not None:
            self._reactor.callLater(0, watch.processExited, watch.early)
            self._reactor.callLater(0, watch.processEnded, watch.early)
        self._log.info(
            "Launched container {containerId} (pid {pid}, namespaces {namespaces}, "
            "user {user}): {argv}",
            containerId=containerId,
            pid=container.pid,
            namespaces=",".join(sorted(info.namespaces)) or "none",
            user=user or "the slave's",
            argv=list(argv),
        )
        return transport

    def _prepare(self, container: _Container, credentials: Credentials | None) -> LaunchInfo:
        """
        Create the tracking cgroup and let every isolator prepare.

        @raise LaunchError: undoing what was done, if one cannot.
        """
        try:
            container.tracking = self.cgroups.create(self._tracker, container.id)
            info = LaunchInfo(cgroups=(container.tracking,))
            for isolator in self.isolators:
                info = info.merge(isolator.prepare(container.id, container.resources, credentials))
                container.prepared.append(isolator)
        except (LaunchError, CgroupError, OSError) as e:
            self._abandon(container)
            if isinstance(e, LaunchError):
                raise
            raise LaunchError(f"cannot prepare container {container.id}: {e}") from e
        return info

    def _abandon(self, container: _Container) -> None:
        """
        Undo the preparation of a container that never started.
        """
        for isolator in reversed(container.prepared):
            d = isolator.cleanup(container.id)
            if isinstance(d, Deferred):
                d.addErrback(lambda f: None)
        container.prepared = []
        if container.tracking is not None:
            try:
                removeCgroup(container.tracking)
            except OSError:
                pass

    # --- Signals and the end ---------------------------------------------------

    def signal(self, containerId: str, signum: int) -> None:
        """
        Send C{signum} to every process of the container.
        """
        container = self._containers.get(containerId)
        if container is None or container.ended:
            return
        if not signalCgroup(container.tracking, signum, self._kill) and container.pid:
            # Not started yet: unshare blocks most signals and dies of the rest.
            self._killHelper(container, signum)

    def _killHelper(self, container: _Container, signum: int) -> None:
        if container.ended or container.pid is None:
            return
        try:
            self._kill(container.pid, signum)
        except ProcessLookupError:
            pass

    def destroy(self, containerId: str) -> Deferred[None]:
        container = self._containers.get(containerId)
        if container is None:
            return succeed(None)
        if not container.ended:
            self._log.info("Destroying container {containerId}", containerId=containerId)
            container.destroying = True
            # unshare first: killed by SIGKILL itself, it reports SIGKILL.
            self._killHelper(container, signal.SIGKILL)
            self._killAll(container)
        d: Deferred[None] = Deferred()
        container.waiting.append(d)
        return d

    def _killAll(self, container: _Container) -> Deferred[None]:
        """
        Kill every process of the container; one round of killing at a
        time, so that the last to finish leaves nothing behind.
        """
        d = container.killing.run(
            killCgroup, self._reactor, container.tracking, self.cgroups.version, self._kill
        )
        d.addErrback(lambda f: self._log.failure(
            "Cannot kill the processes of container {containerId}", f,
            containerId=container.id,
        ))
        return d

    def _limited(self, container: _Container, limitation: Limitation) -> None:
        """
        An isolator saw the container go past its limits: destroy it.
        """
        if container.ended or container.limitation is not None:
            return
        container.limitation = limitation
        self._log.warn(
            "Container {containerId} hit a limitation: {message}",
            containerId=container.id, message=limitation.message,
        )
        self.destroy(container.id)

    def _ended(self, container: _Container, reason: Failure) -> Failure:
        """
        The container's first process ended: note any limitation.

        @return: the reason to report, with the limitation.
        """
        container.ended = True
        limitation = container.limitation
        for isolator in container.prepared:
            if limitation is not None:
                break
            limitation = isolator.limitation(container.id)
        if limitation is not None:
            container.limitation = limitation
            if isinstance(reason.value, ContainerLost):
                reason.value.limitation = limitation
                return reason
            return Failure(ContainerTerminated(reason.value, limitation))
        return reason

    def _release(self, container: _Container) -> None:
        """
        Kill what is left of an ended container and release it, in the
        background; then fire the L{destroy}s waiting for it.
        """
        container.cleaning = self._cleanup(container)

    def _cleanup(self, container: _Container) -> Deferred[None]:
        d = self._killAll(container)

        def release(_: object) -> Deferred[None]:
            ds = []
            for isolator in reversed(container.prepared):
                result = isolator.cleanup(container.id)
                if isinstance(result, Deferred):
                    ds.append(result)
            ds.append(removeCgroups(self._reactor, [container.tracking]))
            return DeferredList(ds, consumeErrors=True).addCallback(self._logFailures, container)

        def done(_: object) -> None:
            self._containers.pop(container.id, None)
            if self._runtime is not None:
                self._runtime.remove(container.id)
            waiting, container.waiting = container.waiting, []
            for w in waiting:
                w.callback(None)

        return d.addCallback(release).addBoth(done)

    def _logFailures(self, results: list, container: _Container) -> None:
        for ok, result in results:
            if not ok:
                self._log.failure(
                    "Cannot release container {containerId}", result,
                    containerId=container.id,
                )

    # --- Resources ---------------------------------------------------------------

    def update(self, containerId: str, resources: Resources) -> None:
        """
        The container may now use C{resources}: its isolators adjust.
        """
        container = self._containers.get(containerId)
        if container is None or container.ended:
            return
        container.resources = resources
        for isolator in container.prepared:
            isolator.update(containerId, resources)

    def usage(self, containerId: str) -> dict[str, float] | None:
        """
        The statistics of the container's isolators, its limits and the
        time.
        """
        container = self._containers.get(containerId)
        if container is None or container.ended:
            return None
        cpus, mem = isolation.limitsOf(container.resources)
        result: dict[str, float] = {
            "cpus_limit": cpus,
            "mem_limit_bytes": isolation.memoryLimitBytes(mem),
        }
        for isolator in container.prepared:
            try:
                result.update(isolator.usage(containerId))
            except OSError as e:
                self._log.warn(
                    "{isolator}: no usage for container {containerId}: {why}",
                    isolator=isolator.name, containerId=containerId, why=str(e),
                )
        result["timestamp"] = self._reactor.seconds()
        return result

    def pids(self, containerId: str) -> list[int]:
        """
        The processes of a container.
        """
        container = self._containers.get(containerId)
        if container is None or container.tracking is None:
            return []
        try:
            return processes(container.tracking)
        except OSError:
            return []

    def close(self, keep: Iterable[str] = ()) -> Deferred[None]:
        """
        Destroy the containers left (those still running, and those whose
        release is under way) but those in C{keep}, which are left running,
        untouched, for the next slave process: this launcher and its
        isolators forget them.  Without a runtime directory they could not
        be recovered: they are destroyed too.  Then remove the root cgroups
        if no container (of another launcher, or kept) is in them.
        """
        keep = self._keepable(keep)
        for containerId in keep:
            container = self._containers.get(containerId)
            if container is not None and not container.ended:
                self._detach(container)
        left = [self.destroy(containerId) for containerId in list(self._containers)]
        d = DeferredList(left, consumeErrors=True)
        d.addCallback(lambda _: self.cgroups.removeRoots(self._controllers()))
        return d

    def _controllers(self) -> list[str]:
        """
        The controllers of every hierarchy this launcher's containers have
        cgroups in, the tracking one first.
        """
        controllers = [self._tracker]
        for isolator in self.isolators:
            for controller in getattr(isolator, "controllers", ()):
                if controller not in controllers:
                    controllers.append(controller)
        return controllers

    def _keepable(self, keep: Iterable[str]) -> list[str]:
        keep = list(keep)
        if keep and self._runtime is None:
            self._log.warn(
                "Cannot leave containers {containerIds} running: without a "
                "runtime directory they could not be recovered",
                containerIds=keep,
            )
            return []
        return keep

    def _detach(self, container: _Container) -> None:
        self._log.info("Leaving container {containerId} running", containerId=container.id)
        container.detached = True
        if container.exitWatch is not None:
            container.exitWatch.stop()
        for isolator in container.prepared:
            isolator.forget(container.id)
        self._containers.pop(container.id, None)

    # --- Recovery ----------------------------------------------------------------

    def recover(
        self, containers: Mapping[str, tuple[Resources | None, IProcessProtocol]]
    ) -> Deferred[set[str]]:
        """
        Look after the containers an earlier slave process launched: adopt
        those of C{containers} still running (their isolators find their
        cgroups again), report the end of those that ended and release what
        they held, and destroy every other container recorded in the
        runtime directory (without one: with a cgroup under the cgroups
        root).

        @raise RuntimeError: if called twice, or after a launch.
        """
        if not self._recoverable:
            raise RuntimeError("recover() comes once, before any launch")
        self._recoverable = False
        runtime = self._runtime
        running: set[str] = set()
        ended: list[tuple[IProcessProtocol, Failure]] = []
        work: list[Deferred[None]] = []
        for containerId, (resources, protocol) in containers.items():
            resources = resources if resources is not None else Resources()
            identity = runtime.identity(containerId) if runtime is not None else None
            if identity is not None and isRunning(identity):
                self._adopt(containerId, resources, protocol, identity)
                running.add(containerId)
                continue
            code = runtime.status(containerId) if runtime is not None else None
            reason = statusReason(code) if code is not None else Failure(
                ContainerLost(containerId)
            )
            limitation = self._recoverIsolators(containerId, resources)
            if limitation is not None:
                if isinstance(reason.value, ContainerLost):
                    reason.value.limitation = limitation
                else:
                    reason = Failure(ContainerTerminated(reason.value, limitation))
            self._log.info(
                "Container {containerId} ended while the slave was down: {how}",
                containerId=containerId, how=describeExit(reason)[1],
            )
            ended.append((protocol, reason))
            work.append(self._sweep(containerId, identity, recovered=True))
        # With records, an orphan is a container recorded here (its record
        # is made before it starts): other slaves' containers under a
        # shared cgroups root are not ours to destroy.
        found = runtime.containers() if runtime is not None else self._cgroupContainers()
        for containerId in sorted(found - set(containers)):
            self._log.info("Destroying orphan container {containerId}",
                           containerId=containerId)
            identity = runtime.identity(containerId) if runtime is not None else None
            work.append(self._sweep(containerId, identity))
        return settle(self._reactor, work, running, ended)

    def _recoverIsolators(self, containerId: str, resources: Resources) -> Limitation | None:
        """
        Let every isolator recover a container.

        @return: the first limitation one of them finds it hit.
        """
        limitation = None
        for isolator in self.isolators:
            try:
                isolator.recover(containerId, resources)
                if limitation is None:
                    limitation = isolator.limitation(containerId)
            except OSError as e:
                self._log.warn(
                    "{isolator}: cannot recover container {containerId}: {why}",
                    isolator=isolator.name, containerId=containerId, why=str(e),
                )
        return limitation

    def _adopt(
        self,
        containerId: str,
        resources: Resources,
        protocol: IProcessProtocol,
        identity: ProcessIdentity,
    ) -> None:
        container = _Container(containerId, resources)
        container.recovered = True
        container.protocol = protocol
        container.pid = identity.pid
        container.tracking = self.cgroups.directory(self._tracker, containerId)
        container.prepared = list(self.isolators)
        self._containers[containerId] = container
        self._recoverIsolators(containerId, resources)
        for isolator in container.prepared:
            isolator.watch(containerId).addCallbacks(
                lambda limitation: self._limited(container, limitation),
                lambda failure: None,
            )
        container.exitWatch = ExitWatch(
            self._reactor, identity, lambda: self._recoveredExited(container)
        )
        self._log.info("Recovered container {containerId} (pid {pid})",
                       containerId=containerId, pid=identity.pid)

    def _recoveredExited(self, container: _Container) -> None:
        """
        The C{unshare} of a recovered container has exited: report the
        status its init recorded, then release the container.
        """
        code = self._runtime.status(container.id)
        if code is not None:
            reason = statusReason(code)
        elif container.destroying:
            reason = Failure(ProcessTerminated(signal=signal.SIGKILL, status=signal.SIGKILL))
        else:
            reason = Failure(ContainerLost(
                container.id, "ended with its exit status unknown (its init was killed)"
            ))
        reason = self._ended(container, reason)
        try:
            container.protocol.processEnded(reason)
        finally:
            self._release(container)

    def _cgroupContainers(self) -> set[str]:
        """
        The ids of the containers with a cgroup under the cgroups root.
        """
        found: set[str] = set()
        for controller in self._controllers():
            if not self.cgroups.has(controller):
                continue
            root = self.cgroups.rootDirectory(controller)
            try:
                names = os.listdir(root)
            except FileNotFoundError:
                continue
            found.update(n for n in names if os.path.isdir(os.path.join(root, n)))
        return found

    def _cgroupDirectories(self, containerId: str) -> list[str]:
        """
        The cgroups of a container that exist, nested ones first.
        """
        found: list[str] = []
        for controller in self._controllers():
            if not self.cgroups.has(controller):
                continue
            top = self.cgroups.directory(controller, containerId)
            for directory in sorted((d for d, _, _ in os.walk(top)), reverse=True):
                if directory not in found:
                    found.append(directory)
        return found

    def _sweep(
        self, containerId: str, identity: ProcessIdentity | None, recovered: bool = False
    ) -> Deferred[None]:
        """
        Destroy what is left of a container nobody looks after: its
        processes, its cgroups (through its isolators if they C{recovered}
        it) and its records.
        """
        tracking = self.cgroups.directory(self._tracker, containerId)
        alive = identity is not None and isRunning(identity)
        if alive:
            try:
                self._kill(identity.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        d: Deferred[None] = (
            killCgroup(self._reactor, tracking, self.cgroups.version, self._kill)
            if os.path.isdir(tracking) else succeed(None)
        )
        if alive:
            d.addCallback(lambda _: waitUntilGone(
                self._reactor, lambda: not isRunning(identity),
                f"process {identity.pid} of container {containerId}",
            ))

        def release(_: object) -> Deferred[None]:
            ds = []
            if recovered:
                for isolator in reversed(self.isolators):
                    result = isolator.cleanup(containerId)
                    if isinstance(result, Deferred):
                        ds.append(result)
            ds.append(removeCgroups(self._reactor, self._cgroupDirectories(containerId)))
            return DeferredList(ds, consumeErrors=True).addCallback(
                self._raiseFirst, containerId
            )

        def forget(result: object) -> object:
            if self._runtime is not None:
                self._runtime.remove(containerId)
            return result

        return d.addCallback(release).addBoth(forget)

    @staticmethod
    def _raiseFirst(results: list, containerId: str) -> None:
        for ok, result in results:
            if not ok:
                result.raiseException()


verifyClass(ILauncher, LinuxLauncher)
