# -*- test-case-name: tests.test_recovery -*-
"""
What launchers checkpoint so that the next slave process can recover their
containers, and watching a process that is not the slave's child.

With a runtime directory, each container launched has one of its own::

    RUNTIME_DIR/CONTAINER_ID/
        process   {"pid": P, "startTime": T, "bootId": B} (JSON): the process
                  the launcher watches (the posix init, or the Linux chain's
                  unshare), its start time (field 22 of /proc/P/stat, in
                  clock ticks after boot) and the host's boot id; written
                  right after the spawn, atomically (process.tmp, renamed).
        status    the executor's exit status, in decimal (128+N for a death
                  by signal N), written by the container's init when the
                  executor ends; created empty by the slave, which gives it
                  to the container as descriptor L{STATUS_FD}.  Empty if the
                  init was killed too (e.g. when the container is destroyed).

Nothing is synced to disk: the records must survive the slave process, not
the host (after a reboot the boot id differs and every container is lost).
A container I{runs} if its process is alive (not a zombie) with the same
start time, on the same boot.  Its directory goes when the container is
released.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from functools import lru_cache
from typing import Callable

import attr
from twisted.internet.defer import Deferred, DeferredList
from twisted.internet.interfaces import IProcessProtocol, IReactorFDSet, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from mesos_tw.slave.containerizer import procfs

#: The descriptor on which a container's init finds its status file.
STATUS_FD = 4

PROCESS = "process"
STATUS = "status"

_log = Logger()


@lru_cache(maxsize=None)
def bootId(path: str = "/proc/sys/kernel/random/boot_id") -> str:
    """
    This boot's id.
    """
    with open(path) as f:
        return f.read().strip()


@attr.s(auto_attribs=True, frozen=True)
class ProcessIdentity:
    """
    A process, told apart from later ones with the same pid.

    @ivar pid: its pid.
    @ivar startTime: field 22 of its C{/proc/PID/stat}, or L{None} if it
        had gone before it could be read.
    @ivar bootId: the boot it ran in.
    """

    pid: int
    startTime: int | None
    bootId: str

    @classmethod
    def of(cls, pid: int, proc: str = "/proc") -> ProcessIdentity:
        """
        The identity of the running process C{pid}.
        """
        found = procfs.stat(pid, proc)
        return cls(pid, found.startTime if found is not None else None, bootId())

    def toJSON(self) -> str:
        return json.dumps({"pid": self.pid, "startTime": self.startTime, "bootId": self.bootId})

    @classmethod
    def fromJSON(cls, text: str) -> ProcessIdentity:
        """
        @raise ValueError: if C{text} is not a record of L{toJSON}.
        """
        try:
            record = json.loads(text)
            pid, startTime, boot = record["pid"], record["startTime"], record["bootId"]
        except (TypeError, KeyError) as e:
            raise ValueError(f"not a process record: {text!r}") from e
        if not isinstance(pid, int) or not isinstance(boot, str) or not (
            startTime is None or isinstance(startTime, int)
        ):
            raise ValueError(f"not a process record: {text!r}")
        return cls(pid, startTime, boot)


def isRunning(identity: ProcessIdentity, proc: str = "/proc") -> bool:
    """
    Whether the process C{identity} names is still alive (not a zombie).
    """
    if identity.startTime is None or identity.bootId != bootId():
        return False
    found = procfs.stat(identity.pid, proc)
    return found is not None and found.alive and found.startTime == identity.startTime


class RuntimeDirectory:
    """
    The records of a launcher's containers (see the module docstring).

    @ivar path: the runtime directory.
    """

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self._made = False

    def directory(self, containerId: str) -> str:
        """
        The directory of a container.

        @raise ValueError: for an id that is not a plain file name.
        """
        if not containerId or "/" in containerId or containerId in (".", ".."):
            raise ValueError(f"invalid container id {containerId!r}")
        return os.path.join(self.path, containerId)

    def create(self, containerId: str) -> int:
        """
        Start a container's records (dropping stale ones with its id).

        @return: a descriptor of its empty status file, open for writing,
            for the container's init; the caller closes it.
        @raise OSError: if they cannot be made.
        """
        if not self._made:
            os.makedirs(self.path, exist_ok=True)
            self._made = True
        directory = self.directory(containerId)
        try:
            os.mkdir(directory)
        except FileExistsError:
            shutil.rmtree(directory)
            os.mkdir(directory)
        return os.open(
            os.path.join(directory, STATUS),
            os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC,
            0o644,
        )

    def checkpoint(self, containerId: str, identity: ProcessIdentity) -> None:
        """
        Record the process the launcher watches, atomically.
        """
        directory = self.directory(containerId)
        temporary = os.path.join(directory, PROCESS + ".tmp")
        with open(temporary, "w") as f:
            f.write(identity.toJSON())
        os.rename(temporary, os.path.join(directory, PROCESS))

    def identity(self, containerId: str) -> ProcessIdentity | None:
        """
        The process recorded for a container, or L{None} if there is no
        (valid) record.
        """
        try:
            with open(os.path.join(self.directory(containerId), PROCESS)) as f:
                return ProcessIdentity.fromJSON(f.read())
        except (OSError, ValueError):
            return None

    def status(self, containerId: str) -> int | None:
        """
        The exit status a container's init recorded, or L{None}.
        """
        try:
            with open(os.path.join(self.directory(containerId), STATUS)) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def remove(self, containerId: str) -> None:
        """
        Forget a container.
        """
        shutil.rmtree(self.directory(containerId), ignore_errors=True)

    def containers(self) -> set[str]:
        """
        The ids of the containers recorded.
        """
        try:
            names = os.listdir(self.path)
        except FileNotFoundError:
            return set()
        return {n for n in names if os.path.isdir(os.path.join(self.path, n))}


def _pidfdOpen(pid: int) -> int:
    return os.pidfd_open(pid)  # type: ignore[attr-defined]


class ExitWatch:
    """
    Calls C{onExit()} once the process of a L{ProcessIdentity} has exited,
    although it is not the slave's child: through a pidfd the reactor
    reads, or where there are none (or the reactor cannot read them) by
    polling C{/proc}.

    @ivar pidfd: the pidfd watched, or L{None} when polling.
    """

    def __init__(
        self,
        reactor: IReactorTime,
        identity: ProcessIdentity,
        onExit: Callable[[], object],
        interval: float = 1.0,
        pidfdOpen: Callable[[int], int] | None = (
            _pidfdOpen if hasattr(os, "pidfd_open") else None
        ),
        proc: str = "/proc",
    ) -> None:
        """
        @param interval: seconds between two looks at C{/proc} when polling.
        @param pidfdOpen: C{os.pidfd_open}, or L{None} to poll.
        """
        self._reactor = reactor
        self._identity = identity
        self._onExit = onExit
        self._interval = interval
        self._proc = proc
        self._call = None
        self._done = False
        self._reading = False
        self.pidfd: int | None = None
        if pidfdOpen is not None and IReactorFDSet.providedBy(reactor):
            try:
                self.pidfd = pidfdOpen(identity.pid)
            except ProcessLookupError:
                pass
            except OSError as e:
                _log.warn("Cannot open a pidfd ({why}): polling /proc", why=str(e))
            else:
                # Opened after the check: make sure it is still the same process.
                if isRunning(identity, proc):
                    reactor.addReader(self)
                    self._reading = True
                    return
                self._closePidfd()
        self._call = reactor.callLater(
            interval if isRunning(identity, proc) else 0, self._poll
        )

    def _poll(self) -> None:
        self._call = None
        if isRunning(self._identity, self._proc):
            self._call = self._reactor.callLater(self._interval, self._poll)
        else:
            self._exited()

    def _exited(self) -> None:
        if self._done:
            return
        self.stop()
        self._onExit()

    def stop(self) -> None:
        """
        Stop watching; C{onExit} will not be called.
        """
        self._done = True
        if self._call is not None:
            if self._call.active():
                self._call.cancel()
            self._call = None
        self._closePidfd()

    def _closePidfd(self) -> None:
        if self._reading:
            self._reactor.removeReader(self)
            self._reading = False
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None

    # IReadDescriptor

    def fileno(self) -> int:
        return self.pidfd if self.pidfd is not None else -1

    def doRead(self) -> None:
        self._exited()

    def connectionLost(self, reason: Failure) -> None:
        self.stop()

    def logPrefix(self) -> str:
        return "ExitWatch"


def waitUntilGone(
    clock: IReactorTime,
    gone: Callable[[], bool],
    what: str,
    timeout: float = 10.0,
    interval: float = 0.01,
) -> Deferred[None]:
    """
    Poll C{gone()} until it holds.

    @return: a L{Deferred} firing then, or failing with L{OSError} after
        C{timeout} seconds.
    """
    done: Deferred[None] = Deferred()
    deadline = clock.seconds() + timeout

    def attempt() -> None:
        if gone():
            done.callback(None)
        elif clock.seconds() >= deadline:
            done.errback(OSError(errno.EBUSY, f"{what} outlived {timeout:g} s of SIGKILL"))
        else:
            clock.callLater(interval, attempt)

    attempt()
    return done


def settle(
    reactor: IReactorTime,
    work: list[Deferred[None]],
    running: set[str],
    ended: list[tuple[IProcessProtocol, Failure]],
) -> Deferred[set[str]]:
    """
    The end of a launcher's recovery: once the clean-ups of C{work} are
    done (their failures logged), fire with the ids of the containers found
    C{running}, and on a later reactor turn tell each protocol of C{ended}
    the end of its container.
    """

    def fire(results: list) -> set[str]:
        for ok, result in results:
            if not ok:
                _log.failure("Cannot clean up after a container", result)
        for protocol, reason in ended:
            reactor.callLater(0, protocol.processEnded, reason)
        return running

    return DeferredList(work, consumeErrors=True).addCallback(fire)


__all__ = [
    "STATUS_FD", "ProcessIdentity", "RuntimeDirectory", "ExitWatch", "bootId",
    "isRunning", "waitUntilGone", "settle",
]
