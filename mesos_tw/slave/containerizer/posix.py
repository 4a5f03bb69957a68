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
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from typing import Mapping, Sequence

from twisted.internet.defer import Deferred, DeferredList, succeed
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
    Credentials,
    LaunchError,
    ProcessWatch,
    chownSandbox,
    describeExit,
    findProgram,
    resolveUser,
    splitLoaderVariables,
)

__all__ = [
    "LaunchError", "PosixLauncher", "ProcessWatch", "describeExit", "findProgram",
    "envChdir",
]


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
    One launched container: its first process and who waits for its end.
    """

    def __init__(self, containerId: str) -> None:
        self.id = containerId
        self.transport: IProcessTransport | None = None
        self.pid: int | None = None
        self.reaped = False
        self.waiting: list[Deferred[None]] = []
        self.resources: Resources = Resources()


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

    def processExited(self, reason: Failure) -> None:
        if not self.launching:
            self._wrapped.processExited(reason)

    def processEnded(self, reason: Failure) -> None:
        if self.launching:
            self.early = reason
            self._container.reaped = True
            return
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
    ) -> None:
        """
        @param reactor: an L{IReactorProcess}.
        @param setsid: the C{setsid} program (util-linux); found on the
            slave's C{PATH} by default.
        @param env: an C{env} program that takes C{-C DIR}; C{True} to look
            for one at the first launch, L{None} to fork instead.
        @param setpriv: the C{setpriv} program (util-linux), to run
            processes as another user.
        """
        self._reactor = reactor
        self._setsid = setsid or shutil.which("setsid") or "/usr/bin/setsid"
        self._setpriv = setpriv or shutil.which("setpriv") or "/usr/bin/setpriv"
        self._envProgram = shutil.which("env") or "/usr/bin/env"
        self._env = env
        self._containers: dict[str, _Container] = {}

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
        credentials, prefix, spawnEnvironment = self._userPrefix(user, environment)
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
            if self._env is True:
                self._env = envChdir()
            if self._env is None:
                command, path = [self._setsid, *prefix, *argv], sandbox
            else:
                command = [self._env, "-C", sandbox, self._setsid, *prefix, *argv]
                path = None
            watch.launching = True
            transport = self._reactor.spawnProcess(
                watch,
                command[0],
                command,
                env=spawnEnvironment,
                path=path,
                childFDs={0: fds[0], 1: fds[1], 2: fds[2]},
            )
        except OSError as e:
            raise LaunchError(f"cannot start {argv[0]!r}: {e}") from e
        finally:
            watch.launching = False
            for fd in fds:
                os.close(fd)
        container.transport = transport
        self._containers[containerId] = container
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

    def close(self) -> Deferred[None]:
        """
        Destroy the containers left.
        """
        left = [self.destroy(containerId) for containerId in list(self._containers)]
        return DeferredList(left, consumeErrors=True).addCallback(lambda _: None)

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
        waiting, container.waiting = container.waiting, []
        return waiting


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
