# -*- test-case-name: tests.test_posix_launcher -*-
"""
The posix launcher: a container is a process session.

The first process is started through C{setsid}, so that it and everything it
forks share a new session and process group whose id is its pid; destroying
the container kills that process group.  There is no isolation: the
processes run with the slave's limits, as the slave's user unless a user is
given (then through C{setpriv}, which needs the slave to be root).  Usage is
summed over the session's processes from C{/proc}.

Where C{env -C} (GNU coreutils 8.28 and later) can change the directory,
the process is started as C{env -C SANDBOX setsid ARGV...}, which lets
Twisted use C{posix_spawn} instead of forking the slave (about twice as
fast); otherwise the slave forks and changes directory itself.

With a runtime directory (see L{mesos_tw.slave.containerizer.runtime}) the
container can outlive the slave process and be recovered by the next one.
Its first process is then a minimal init, C{setsid /bin/sh -c POSIX_INIT
mesos-tw-init ARGV...} (L{POSIX_INIT}), which runs the executor as its
child with the status file's descriptor 4 closed, and writes the
executor's exit status to that descriptor when it ends (C{128+N} for a
death by signal C{N}, which the launcher reports as that signal).  Like the
Linux launcher's init, its traps only keep it alive when the container is
signalled.  A recovered container is watched through a pidfd (its init is
no longer the slave's child); its end comes from the status file.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from typing import Iterable, Mapping, Sequence

from twisted.internet.defer import Deferred, DeferredList, succeed
from twisted.internet.error import ProcessTerminated
from twisted.internet.interfaces import IProcessProtocol, IProcessTransport
from twisted.internet.protocol import ProcessProtocol
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer
from zope.interface.verify import verifyClass

from mesos_tw.interfaces import ILauncher
from mesos_tw.resources import Resources
from mesos_tw.slave.containerizer import isolation, procfs
from mesos_tw.slave.containerizer.common import (
    ContainerLost,
    Credentials,
    LaunchError,
    ProcessWatch,
    chownSandbox,
    describeExit,
    findProgram,
    resolveUser,
    splitLoaderVariables,
    statusReason,
    translateExit,
)
from mesos_tw.slave.containerizer.runtime import (
    STATUS_FD,
    ExitWatch,
    ProcessIdentity,
    RuntimeDirectory,
    bootId,
    isRunning,
    settle,
    waitUntilGone,
)

__all__ = [
    "LaunchError", "PosixLauncher", "ProcessWatch", "describeExit", "findProgram",
    "envChdir", "POSIX_INIT",
]

#: The init of a container with a runtime directory, run by C{/bin/sh -c
#: POSIX_INIT mesos-tw-init COMMAND...}: run COMMAND without descriptor 4,
#: write its exit status to descriptor 4, exit with it.
POSIX_INIT = r"""trap : HUP INT QUIT TERM USR1 USR2
"$@" 4>&-
s=$?
echo "$s" >&4
exit "$s"
"""


def envChdir() -> str | None:
    """
    The path of an C{env} that takes C{-C DIR}, or L{None}.
    """
    env = shutil.which("env")
    if env is None:
        return None
    try:
        result = subprocess.run(
            [env, "-C", "/", "true"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return env if result.returncode == 0 else None


class _Container:
    """
    One container: its first process and who waits for its end.

    @ivar init: whether its first process is L{POSIX_INIT}.
    @ivar recovered: whether an earlier slave process launched it; its end
        is then watched by C{exitWatch} and told to C{protocol}.
    @ivar destroying: whether L{PosixLauncher.destroy} killed it.
    @ivar detached: whether it was left running for the next slave process.
    """

    def __init__(self, containerId: str) -> None:
        self.id = containerId
        self.transport: IProcessTransport | None = None
        self.pid: int | None = None
        self.reaped = False
        self.waiting: list[Deferred[None]] = []
        self.resources: Resources = Resources()
        self.init = False
        self.recovered = False
        self.protocol = None
        self.exitWatch: ExitWatch | None = None
        self.destroying = False
        self.detached = False


@implementer(IProcessProtocol)
class _Watch(ProcessProtocol):
    """
    Passes a process's events to the caller's protocol, then notes the end
    of the container's first process.

    An end reported while C{spawnProcess} has not returned (a process that
    exits at once) is held back and delivered on the next reactor turn, so
    that callers always see C{launch} return first.

    @ivar launching: whether C{spawnProcess} is running.
    @ivar early: the reason of an end held back.
    """

    launching = False
    early: Failure | None = None

    def __init__(self, launcher: PosixLauncher, container: _Container, wrapped) -> None:
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

    def _translate(self, reason: Failure) -> Failure:
        return translateExit(reason) if self._container.init else reason

    def processExited(self, reason: Failure) -> None:
        if not self.launching and not self._container.detached:
            self._wrapped.processExited(self._translate(reason))

    def processEnded(self, reason: Failure) -> None:
        if self.launching:
            self.early = reason
            self._container.reaped = True
            return
        if self._container.detached:
            return
        reason = self._translate(reason)
        waiting = self._launcher._ended(self._container)
        try:
            self._wrapped.processEnded(reason)
        finally:
            for d in waiting:
                d.callback(None)


@implementer(ILauncher)
class PosixLauncher:
    """
    Runs each container as a process session with C{reactor.spawnProcess}.
    """

    name = "posix"
    _log = Logger()

    def __init__(
        self,
        reactor,
        setsid: str | None = None,
        env: str | None | bool = True,
        setpriv: str | None = None,
        runtimeDir: str | None = None,
        sh: str = "/bin/sh",
    ) -> None:
        """
        @param reactor: an L{IReactorProcess} and L{IReactorTime} (and an
            L{IReactorFDSet} to watch recovered containers through pidfds).
        @param setsid: the C{setsid} program (util-linux); found on the
            slave's C{PATH} by default.
        @param env: an C{env} program that takes C{-C DIR}; C{True} to look
            for one at the first launch, L{None} to fork instead.
        @param setpriv: the C{setpriv} program (util-linux), to run
            processes as another user.
        @param runtimeDir: where containers are recorded for the next slave
            process to recover them, or L{None} for containers that die
            with the slave's launcher (see L{recover}).
        @param sh: the shell that runs L{POSIX_INIT}.
        """
        self._reactor = reactor
        self._setsid = setsid or shutil.which("setsid") or "/usr/bin/setsid"
        self._setpriv = setpriv or shutil.which("setpriv") or "/usr/bin/setpriv"
        self._envProgram = shutil.which("env") or "/usr/bin/env"
        self._env = env
        self._sh = sh
        self._runtime = RuntimeDirectory(runtimeDir) if runtimeDir is not None else None
        self._containers: dict[str, _Container] = {}
        self._recoverable = True

    def _userPrefix(
        self, user: str | None, environment: Mapping[str, str]
    ) -> tuple[Credentials | None, list[str], dict[str, str]]:
        """
        What running as C{user} takes: its credentials, the programs to put
        before the command, and the environment of the privileged ones.
        """
        if user is None:
            return None, [], dict(environment)
        credentials = resolveUser(user)
        if os.geteuid() != 0:
            raise LaunchError(
                f"Cannot run as user {user!r}: the slave does not run as root "
                "(start it with --no-switch-user to run tasks as its own user)"
            )
        safe, held = splitLoaderVariables(environment)
        prefix = [self._setpriv, *credentials.setprivArguments(), "--"]
        if held:
            prefix += [self._envProgram, *held]
        return credentials, prefix, safe

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
        if findProgram(argv[0], environment, sandbox) is None:
            raise LaunchError(f"program {argv[0]!r} not found")
        if self._runtime is not None:
            try:
                self._runtime.directory(containerId)
            except ValueError as e:
                raise LaunchError(str(e)) from None
        credentials, prefix, spawnEnvironment = self._userPrefix(user, environment)
        self._recoverable = False
        container = _Container(containerId)
        container.resources = resources if resources is not None else Resources()
        watch = _Watch(self, container, processProtocol)
        fds: list[int] = []
        try:
            fds.append(os.open(os.devnull, os.O_RDONLY))
            for name in ("stdout", "stderr"):
                fds.append(
                    os.open(
                        os.path.join(sandbox, name),
                        os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                        0o644,
                    )
                )
            if credentials is not None:
                chownSandbox(sandbox, credentials)
            childFDs = {0: fds[0], 1: fds[1], 2: fds[2]}
            init: list[str] = []
            if self._runtime is not None:
                fds.append(self._runtime.create(containerId))
                childFDs[STATUS_FD] = fds[-1]
                init = [self._sh, "-c", POSIX_INIT, "mesos-tw-init"]
                container.init = True
            if self._env is True:
                self._env = envChdir()
            if self._env is None:
                command, path = [self._setsid, *init, *prefix, *argv], sandbox
            else:
                command = [self._env, "-C", sandbox, self._setsid, *init, *prefix, *argv]
                path = None
            watch.launching = True
            transport = self._reactor.spawnProcess(
                watch,
                command[0],
                command,
                env=spawnEnvironment,
                path=path,
                childFDs=childFDs,
            )
        except OSError as e:
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
            self._checkpoint(container)
        if watch.early is not None:
            self._reactor.callLater(0, watch.processExited, watch.early)
            self._reactor.callLater(0, watch.processEnded, watch.early)
        self._log.info(
            "Launched container {containerId} (pid {pid}): {argv}",
            containerId=containerId,
            pid=container.pid,
            argv=list(argv),
        )
        return transport

    def _checkpoint(self, container: _Container) -> None:
        try:
            self._runtime.checkpoint(container.id, ProcessIdentity.of(container.pid))
        except OSError as e:
            self._log.warn(
                "Cannot checkpoint container {containerId}: it will not be "
                "recoverable: {why}", containerId=container.id, why=str(e),
            )

    def signal(self, containerId: str, signum: int) -> None:
        """
        Send C{signum} to every process of a container (its process group).
        """
        container = self._containers.get(containerId)
        if container is None or container.pid is None:
            return
        _killGroup(container.pid, signum, container.reaped)

    def destroy(self, containerId: str) -> Deferred[None]:
        container = self._containers.get(containerId)
        if container is None:
            return succeed(None)
        self._log.info("Destroying container {containerId}", containerId=containerId)
        container.destroying = True
        if container.pid is not None:
            _killGroup(container.pid, signal.SIGKILL, container.reaped)
        d: Deferred[None] = Deferred()
        container.waiting.append(d)
        return d

    def update(self, containerId: str, resources: Resources) -> None:
        """
        Note what the container may use (nothing is enforced).
        """
        container = self._containers.get(containerId)
        if container is not None:
            container.resources = resources

    def usage(self, containerId: str) -> dict[str, float] | None:
        """
        CPU time and resident memory of the container's session, from
        C{/proc}, and what it was given.
        """
        container = self._containers.get(containerId)
        if container is None or container.pid is None:
            return None
        found = procfs.usage(procfs.sessionMembers(container.pid))
        cpus, mem = isolation.limitsOf(container.resources)
        found.update(
            cpus_limit=cpus,
            mem_limit_bytes=isolation.memoryLimitBytes(mem),
            timestamp=self._reactor.seconds(),
        )
        return found

    def close(self, keep: Iterable[str] = ()) -> Deferred[None]:
        """
        Destroy the containers left but those in C{keep}, which are left
        running, untouched, for the next slave process to recover: this
        launcher forgets them (their protocols hear nothing more).  Without
        a runtime directory they could not be recovered: they are destroyed
        too.
        """
        keep = self._keepable(keep)
        for containerId in keep:
            container = self._containers.get(containerId)
            if container is not None and not container.reaped:
                self._detach(container)
        left = [self.destroy(containerId) for containerId in list(self._containers)]
        return DeferredList(left, consumeErrors=True).addCallback(lambda _: None)

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
        self._log.info(
            "Leaving container {containerId} running", containerId=container.id
        )
        container.detached = True
        if container.exitWatch is not None:
            container.exitWatch.stop()
        self._containers.pop(container.id, None)

    def _ended(self, container: _Container) -> list[Deferred[None]]:
        """
        The first process of C{container} has been reaped: kill what is left
        of its process group and forget it.

        @return: the L{Deferred}s of L{destroy} calls to fire.
        """
        if container.pid is not None:
            # The group outlives its leader while other members live; its id
            # cannot be reused before they are gone, so this kills only ours.
            _killGroup(container.pid, signal.SIGKILL, reaped=True)
        self._containers.pop(container.id, None)
        if self._runtime is not None:
            self._runtime.remove(container.id)
        waiting, container.waiting = container.waiting, []
        return waiting

    # --- Recovery ------------------------------------------------------------

    def recover(
        self, containers: Mapping[str, tuple[Resources | None, IProcessProtocol]]
    ) -> Deferred[set[str]]:
        """
        Look after the containers an earlier slave process launched in the
        runtime directory: adopt those in C{containers} that still run,
        report the end of those that ended, and destroy the others.

        @raise RuntimeError: if called twice, or after a launch.
        """
        if not self._recoverable:
            raise RuntimeError("recover() comes once, before any launch")
        self._recoverable = False
        running: set[str] = set()
        ended: list[tuple[IProcessProtocol, Failure]] = []
        work: list[Deferred[None]] = []
        runtime = self._runtime
        for containerId, (resources, protocol) in containers.items():
            identity = runtime.identity(containerId) if runtime is not None else None
            if identity is not None and isRunning(identity):
                self._adopt(containerId, resources, protocol, identity)
                running.add(containerId)
                continue
            code = runtime.status(containerId) if runtime is not None else None
            reason = statusReason(code) if code is not None else Failure(
                ContainerLost(containerId)
            )
            self._log.info(
                "Container {containerId} ended while the slave was down: {how}",
                containerId=containerId, how=describeExit(reason)[1],
            )
            ended.append((protocol, reason))
            work.append(self._sweep(containerId, identity))
        orphans = runtime.containers() - set(containers) if runtime is not None else set()
        for containerId in sorted(orphans):
            self._log.info("Destroying orphan container {containerId}",
                           containerId=containerId)
            work.append(self._sweep(containerId, runtime.identity(containerId)))
        return settle(self._reactor, work, running, ended)

    def _adopt(
        self,
        containerId: str,
        resources: Resources | None,
        protocol: IProcessProtocol,
        identity: ProcessIdentity,
    ) -> None:
        container = _Container(containerId)
        container.pid = identity.pid
        container.resources = resources if resources is not None else Resources()
        container.init = container.recovered = True
        container.protocol = protocol
        self._containers[containerId] = container
        container.exitWatch = ExitWatch(
            self._reactor, identity, lambda: self._recoveredExited(container)
        )
        self._log.info("Recovered container {containerId} (pid {pid})",
                       containerId=containerId, pid=identity.pid)

    def _recoveredExited(self, container: _Container) -> None:
        """
        The init of a recovered container has exited: report the status it
        recorded.
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
        waiting = self._ended(container)
        try:
            container.protocol.processEnded(reason)
        finally:
            for d in waiting:
                d.callback(None)

    def _sweep(self, containerId: str, identity: ProcessIdentity | None) -> Deferred[None]:
        """
        Kill whatever is left of a container that is not looked after, wait
        until it is gone, and forget it.
        """
        session = _leftSession(identity)
        if session is None:
            d: Deferred[None] = succeed(None)
        else:
            _killSession(session)
            d = waitUntilGone(
                self._reactor, lambda: not _liveMembers(session),
                f"container {containerId} (session {session})",
            )

        def forget(result: object) -> object:
            if self._runtime is not None:
                self._runtime.remove(containerId)
            return result

        return d.addBoth(forget)


def _leftSession(identity: ProcessIdentity | None) -> int | None:
    """
    The session of the container's processes that may be left, or L{None}
    if none can be (nothing recorded, another boot, or its pid is now
    another process's: then its session is gone, or the pid could not
    have been reused).
    """
    if identity is None or identity.bootId != bootId():
        return None
    found = procfs.stat(identity.pid)
    if found is None or found.startTime == identity.startTime:
        return identity.pid
    return None


def _liveMembers(session: int) -> list[int]:
    return [s.pid for s in procfs.sessionStats(session) if s.alive]


def _killSession(session: int) -> None:
    """
    Kill every process of a session (those that left its process group
    too).
    """
    _killGroup(session, signal.SIGKILL, reaped=True)
    for pid in _liveMembers(session):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _killGroup(pgid: int, signum: int, reaped: bool) -> None:
    """
    Send C{signum} to process group C{pgid}; if the group does not exist
    yet (before C{setsid} has run) and the process C{pgid} has not been
    reaped, to that process alone.
    """
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        if reaped:
            return
        try:
            os.kill(pgid, signum)
        except ProcessLookupError:
            pass


verifyClass(ILauncher, PosixLauncher)
