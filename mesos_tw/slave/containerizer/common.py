# -*- test-case-name: tests.test_isolators -*-
"""
What every launcher shares: launch errors, the records isolators and
launchers exchange (L{LaunchInfo}, L{Limitation}), how a container's end is
described (and recorded by its init as an exit status), and resolving the
Unix user a container runs as.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
from typing import Callable, Mapping

import attr
from twisted.internet.error import ProcessDone, ProcessTerminated
from twisted.internet.protocol import ProcessProtocol
from twisted.python.failure import Failure

#: Namespaces a L{LaunchInfo} may ask for, as C{unshare(1)} names them.
NAMESPACES = frozenset(["pid", "mount", "uts", "ipc", "net"])


class LaunchError(Exception):
    """
    A container could not be started.
    """


@attr.s(auto_attribs=True, frozen=True)
class LaunchInfo:
    """
    What isolators ask of a container's launch; L{merge} combines them.

    @ivar namespaces: namespaces to create (names from L{NAMESPACES}).
    @ivar cgroups: cgroup directories every process of the container
        joins before the executor runs.
    @ivar hostname: the container's hostname (with the C{uts} namespace).
    @ivar privateTmp: whether the container gets an empty C{/tmp} of its
        own (with the C{mount} namespace).
    @ivar lastCgroups: cgroup directories joined last, just before the
        executor starts: the CPU cgroups, so that setting the container up
        runs with the slave's CPU weight, not the container's.
    """

    namespaces: frozenset = frozenset()
    cgroups: tuple = ()
    hostname: str | None = None
    privateTmp: bool = False
    lastCgroups: tuple = ()

    def merge(self, other: LaunchInfo) -> LaunchInfo:
        """
        Both contributions; C{other}'s hostname wins if both name one.
        """
        def union(mine: tuple, theirs: tuple) -> tuple:
            return mine + tuple(c for c in theirs if c not in mine)

        return LaunchInfo(
            namespaces=self.namespaces | other.namespaces,
            cgroups=union(self.cgroups, other.cgroups),
            hostname=other.hostname if other.hostname is not None else self.hostname,
            privateTmp=self.privateTmp or other.privateTmp,
            lastCgroups=union(self.lastCgroups, other.lastCgroups),
        )


@attr.s(auto_attribs=True, frozen=True)
class Limitation:
    """
    A container went past what it was given, e.g. its memory.

    @ivar resource: the resource's name, e.g. C{"mem"}.
    @ivar reason: the C{TaskStatus.Reason} its tasks fail with.
    @ivar message: what happened, naming the limit.
    """

    resource: str
    reason: int
    message: str


class ContainerTerminated(ProcessTerminated):
    """
    The end of a container's first process when the container hit a
    L{Limitation}: how the process ended, and the limitation.

    @ivar limitation: the L{Limitation}.
    """

    def __init__(self, ended: Exception, limitation: Limitation) -> None:
        if isinstance(ended, ProcessTerminated):
            ProcessTerminated.__init__(self, ended.exitCode, ended.signal, ended.status)
        else:
            ProcessTerminated.__init__(self, 0, None, 0)
        self.limitation = limitation


class ContainerLost(ProcessTerminated):
    """
    The end of a container whose exit status is unknown: it ended while the
    slave was down and recorded no status (its init was killed too, its
    checkpoint is missing, or the host rebooted), or its init was killed
    outright.

    @ivar containerId: the container's id.
    @ivar how: what happened, as a phrase (see L{describeExit}).
    @ivar limitation: a L{Limitation} the container hit, or L{None}.
    """

    def __init__(
        self,
        containerId: str,
        how: str = "ended while the slave was down, with its exit status unknown",
        limitation: Limitation | None = None,
    ) -> None:
        ProcessTerminated.__init__(self, None, None, None)
        self.containerId = containerId
        self.how = how
        self.limitation = limitation

    def __str__(self) -> str:
        return f"Container {self.containerId} {self.how}"


def limitationOf(reason: Failure) -> Limitation | None:
    """
    The L{Limitation} a container's end carries, if any.
    """
    return getattr(reason.value, "limitation", None)


def findProgram(name: str, environment: Mapping[str, str], cwd: str) -> str | None:
    """
    Where C{name} would be found by C{execvp} with C{environment}'s C{PATH},
    or L{None}; a name with a slash is taken relative to C{cwd}.
    """
    if "/" in name:
        path = os.path.join(cwd, name)
        return path if os.path.isfile(path) and os.access(path, os.X_OK) else None
    return shutil.which(name, path=environment.get("PATH", os.defpath))


def describeExit(reason: Failure) -> tuple[int | None, str]:
    """
    The wait status of a process that ended and a phrase saying how, e.g.
    C{"exited with status 3"}.
    """
    value = reason.value
    if isinstance(value, ProcessDone):
        return 0, "exited with status 0"
    if isinstance(value, ContainerLost):
        return None, value.how
    if isinstance(value, ProcessTerminated):
        if value.signal is not None:
            try:
                name = signal.Signals(value.signal).name
            except ValueError:
                name = str(value.signal)
            return value.status, f"terminated by signal {name}"
        return value.status, f"exited with status {value.exitCode}"
    return None, f"ended: {value}"


def translateExit(reason: Failure) -> Failure:
    """
    The end of a container's init as its executor's: the init reports a
    death by signal C{N} as exit status C{128+N}.
    """
    value = reason.value
    if isinstance(value, ProcessTerminated) and value.signal is None:
        code = value.exitCode
        if code is not None and 128 < code < 128 + signal.NSIG:
            return Failure(ProcessTerminated(signal=code - 128, status=code - 128))
    return reason


def statusReason(code: int) -> Failure:
    """
    The end of an executor whose init recorded exit status C{code}
    (C{128+N} for a death by signal C{N}), as Twisted reports the end of a
    child.
    """
    if code == 0:
        return Failure(ProcessDone(0))
    return translateExit(Failure(ProcessTerminated(exitCode=code, status=code << 8)))


class ProcessWatch(ProcessProtocol):
    """
    Calls C{onEnded} with the reason when the process ends.
    """

    def __init__(self, onEnded: Callable[[Failure], object]) -> None:
        self._onEnded = onEnded

    def processEnded(self, reason: Failure) -> None:
        self._onEnded(reason)


@attr.s(auto_attribs=True, frozen=True)
class Credentials:
    """
    Who a container's processes run as.

    @ivar name: the user's name.
    @ivar uid: its user id.
    @ivar gid: its primary group id.
    @ivar groups: all its group ids, the primary one included.
    """

    name: str
    uid: int
    gid: int
    groups: tuple

    def setprivArguments(self) -> list[str]:
        """
        The options of C{setpriv(1)} that become this user.
        """
        return [
            f"--reuid={self.uid}",
            f"--regid={self.gid}",
            "--groups=" + ",".join(str(g) for g in self.groups),
        ]


def resolveUser(
    name: str,
    getpwnam: Callable[[str], pwd.struct_passwd] = pwd.getpwnam,
    getgrouplist: Callable[[str, int], list[int]] = os.getgrouplist,
) -> Credentials:
    """
    The L{Credentials} of user C{name}.

    @raise LaunchError: if there is no such user.
    """
    try:
        entry = getpwnam(name)
    except KeyError:
        raise LaunchError(f"Unknown user {name!r}: no such user on this slave") from None
    try:
        groups = tuple(getgrouplist(name, entry.pw_gid))
    except OSError:
        groups = (entry.pw_gid,)
    return Credentials(name, entry.pw_uid, entry.pw_gid, groups or (entry.pw_gid,))


def chownSandbox(sandbox: str, credentials: Credentials) -> None:
    """
    Give the sandbox and what is in it (output files, the executor's
    socket) to the container's user.
    """
    os.chown(sandbox, credentials.uid, credentials.gid)
    for name in os.listdir(sandbox):
        os.lchown(os.path.join(sandbox, name), credentials.uid, credentials.gid)


#: Variables the dynamic loader or the C library act on: a process running
#: as root before it switches to the task's user must not see the task's.
LOADER_VARIABLES = frozenset([
    "GCONV_PATH", "GETCONF_DIR", "GLIBC_TUNABLES", "HOSTALIASES", "LOCALDOMAIN",
    "LOCPATH", "MALLOC_TRACE", "NIS_PATH", "NLSPATH", "RESOLV_HOST_CONF",
    "RES_OPTIONS", "TMPDIR", "TZDIR", "ENV", "BASH_ENV", "IFS",
])


def splitLoaderVariables(
    environment: Mapping[str, str],
) -> tuple[dict[str, str], list[str]]:
    """
    Split a task's environment into what privileged helpers may see and
    C{NAME=VALUE} assignments to give only the task (via C{env(1)}).
    """
    safe: dict[str, str] = {}
    held: list[str] = []
    for name, value in environment.items():
        if name.startswith("LD_") or name in LOADER_VARIABLES:
            held.append(f"{name}={value}")
        else:
            safe[name] = value
    return safe, held


def ownUser() -> str | None:
    """
    The name of the user this process runs as, if it has one.
    """
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return None


__all__ = [
    "NAMESPACES", "LaunchError", "LaunchInfo", "Limitation", "ContainerTerminated",
    "ContainerLost", "translateExit", "statusReason", "limitationOf", "findProgram",
    "describeExit", "ProcessWatch", "Credentials",
    "resolveUser", "chownSandbox", "splitLoaderVariables", "ownUser",
]
