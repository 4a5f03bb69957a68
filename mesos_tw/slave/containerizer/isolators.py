# -*- test-case-name: tests.test_isolators -*-
"""
The isolators of the Linux launcher (L{IIsolator}s), by Mesos's names:
C{filesystem/linux}, C{posix/cpu}, C{posix/mem}, C{cgroups/cpu},
C{cgroups/mem}, C{cgroups/pids}, C{namespaces/ipc}, C{namespaces/pid},
C{namespaces/uts} and C{network/none}.

Namespace isolators only ask for namespaces (the launch helper creates
them); cgroup isolators create the container's cgroups before it starts,
write its limits, report its usage, and remove the cgroups once it is gone.
The helper moves itself into the cgroups before it runs the executor, so
every process of the container is in them from the start.  A container
recovered from an earlier slave process keeps its cgroups and limits: the
isolators only find its cgroups again (and the memory isolator listens for
its OOM events again).
"""

from __future__ import annotations

import os
from typing import Callable, Iterable

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorFDSet, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer
from zope.interface.verify import verifyClass

from mesos_tw.interfaces import IIsolator
from mesos_tw.mesos_pb2 import TaskStatus
from mesos_tw.resources import Resources
from mesos_tw.slave.containerizer import isolation, procfs
from mesos_tw.slave.containerizer.cgroups import (
    V1,
    CgroupError,
    Cgroups,
    isBusy,
    processes,
    readInt,
    readKeyed,
    removeCgroup,
    writeFile,
)
from mesos_tw.slave.containerizer.common import (
    Credentials,
    LaunchError,
    LaunchInfo,
    Limitation,
)


@implementer(IIsolator)
class Isolator:
    """
    An isolator that does nothing; the others override what they need.
    """

    name = "none"
    _log = Logger()

    def prepare(
        self, containerId: str, resources: Resources, user: Credentials | None
    ) -> LaunchInfo:
        return LaunchInfo()

    def isolate(self, containerId: str, pid: int) -> None:
        pass

    def watch(self, containerId: str) -> Deferred[Limitation]:
        return Deferred()

    def limitation(self, containerId: str) -> Limitation | None:
        return None

    def update(self, containerId: str, resources: Resources) -> None:
        pass

    def usage(self, containerId: str) -> dict[str, float]:
        return {}

    def cleanup(self, containerId: str) -> Deferred[None] | None:
        return None

    def recover(self, containerId: str, resources: Resources) -> None:
        pass

    def forget(self, containerId: str) -> None:
        pass


# --- Namespaces and the filesystem --------------------------------------------


class NamespacesIsolator(Isolator):
    """
    Puts containers in new namespaces: C{namespaces/pid} (with a C{/proc} of
    their own), C{namespaces/ipc}, C{namespaces/uts} (hostname: the
    container id) and C{network/none} (a network namespace with only a
    loopback device, down).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._namespaces = isolation.namespacesOf((name,))

    def prepare(self, containerId, resources, user) -> LaunchInfo:
        hostname = containerId[:63] if self.name == "namespaces/uts" else None
        return LaunchInfo(namespaces=self._namespaces, hostname=hostname)


class FilesystemIsolator(Isolator):
    """
    C{filesystem/linux}: a mount namespace of its own for each container,
    with an empty, private C{/tmp} that vanishes with the container; the
    sandbox stays where it is (and is the working directory).
    """

    name = "filesystem/linux"

    def prepare(self, containerId, resources, user) -> LaunchInfo:
        return LaunchInfo(namespaces=frozenset(["mount"]), privateTmp=True)


# --- posix ----------------------------------------------------------------------


class PosixIsolator(Isolator):
    """
    C{posix/cpu} and C{posix/mem}: no enforcement, usage only, summed over
    the container's processes from C{/proc}.
    """

    def __init__(self, name: str, pids: Callable[[str], Iterable[int]]) -> None:
        """
        @param pids: the processes of a container, by its id.
        """
        self.name = name
        self._pids = pids
        self._resources: dict[str, Resources] = {}

    def prepare(self, containerId, resources, user) -> LaunchInfo:
        self._resources[containerId] = resources
        return LaunchInfo()

    def update(self, containerId, resources) -> None:
        if containerId in self._resources:
            self._resources[containerId] = resources

    def usage(self, containerId) -> dict[str, float]:
        resources = self._resources.get(containerId)
        if resources is None:
            return {}
        found = procfs.usage(self._pids(containerId))
        cpus, mem = isolation.limitsOf(resources)
        if self.name == "posix/cpu":
            return {
                "cpus_user_time_secs": found["cpus_user_time_secs"],
                "cpus_system_time_secs": found["cpus_system_time_secs"],
                "cpus_limit": cpus,
                "processes": found["processes"],
                "threads": found["threads"],
            }
        return {
            "mem_rss_bytes": found["mem_rss_bytes"],
            "mem_limit_bytes": isolation.memoryLimitBytes(mem),
        }

    def cleanup(self, containerId) -> None:
        self._resources.pop(containerId, None)

    def recover(self, containerId, resources) -> None:
        self._resources[containerId] = resources

    def forget(self, containerId) -> None:
        self._resources.pop(containerId, None)


# --- cgroups ------------------------------------------------------------------


def removeCgroups(
    clock: IReactorTime, directories: Iterable[str], timeout: float = 10.0,
    interval: float = 0.01,
) -> Deferred[None]:
    """
    Remove cgroups, retrying while the kernel still counts exiting
    processes in them (C{EBUSY}), for up to C{timeout} seconds.

    @return: a L{Deferred} firing when they are gone, or failing with
        L{CgroupError}.
    """
    left = list(directories)
    done: Deferred[None] = Deferred()
    deadline = clock.seconds() + timeout

    def attempt() -> None:
        busy = []
        for directory in left:
            try:
                removeCgroup(directory)
            except OSError as e:
                if not isBusy(e):
                    done.errback(CgroupError(f"cannot remove cgroup {directory}: {e}"))
                    return
                busy.append(directory)
        left[:] = busy
        if not left:
            done.callback(None)
        elif clock.seconds() >= deadline:
            done.errback(CgroupError(f"cgroups {left} stay busy"))
        else:
            clock.callLater(interval, attempt)

    attempt()
    return done


class CgroupsIsolator(Isolator):
    """
    The common part of the cgroup isolators: one cgroup per container in
    each hierarchy of C{controllers}.

    @ivar directories: each container's cgroup directories.
    """

    controllers: tuple[str, ...] = ()

    #: Whether the container joins these cgroups last (see
    #: L{LaunchInfo.lastCgroups}).
    joinLast = False

    def __init__(self, cgroups: Cgroups, clock: IReactorTime) -> None:
        self._cgroups = cgroups
        self._clock = clock
        self.directories: dict[str, list[str]] = {}
        self._resources: dict[str, Resources] = {}
        self.controllers = tuple(
            c for c in self.controllers if cgroups.version == V1 or c != "cpuacct"
        )

    def directory(self, containerId: str, controller: str | None = None) -> str:
        """
        The container's cgroup for C{controller} (the first by default).
        """
        return self._cgroups.directory(controller or self.controllers[0], containerId)

    def prepare(self, containerId, resources, user) -> LaunchInfo:
        made: list[str] = []
        try:
            for controller in self.controllers:
                if controller == "cpuacct" and not self._cgroups.has("cpuacct"):
                    continue
                path = self._cgroups.create(controller, containerId)
                if path not in made:
                    made.append(path)
            self.directories[containerId] = made
            self._resources[containerId] = resources
            self.configure(containerId, resources, initial=True)
        except (CgroupError, OSError) as e:
            for path in made:
                try:
                    removeCgroup(path)
                except OSError:
                    pass
            self.directories.pop(containerId, None)
            self._resources.pop(containerId, None)
            raise LaunchError(f"{self.name}: {e}") from e
        if self.joinLast:
            return LaunchInfo(lastCgroups=tuple(made))
        return LaunchInfo(cgroups=tuple(made))

    def configure(self, containerId: str, resources: Resources, initial: bool) -> None:
        """
        Write the container's limits for C{resources}.
        """

    def update(self, containerId, resources) -> None:
        if containerId not in self.directories:
            return
        previous = self._resources[containerId]
        self._resources[containerId] = resources
        try:
            self.configure(containerId, resources, initial=False)
        except OSError as e:
            self._resources[containerId] = previous
            self._log.warn(
                "{isolator}: cannot update container {containerId}: {why}",
                isolator=self.name, containerId=containerId, why=str(e),
            )

    def cleanup(self, containerId) -> Deferred[None]:
        self._resources.pop(containerId, None)
        directories = self.directories.pop(containerId, [])
        return removeCgroups(self._clock, directories)

    def cgroupDirectories(self, containerId: str) -> list[str]:
        """
        The directories a container's cgroups have in this isolator's
        hierarchies, made or not.
        """
        found: list[str] = []
        for controller in self.controllers:
            if self._cgroups.has(controller):
                path = self.directory(containerId, controller)
                if path not in found:
                    found.append(path)
        return found

    def recover(self, containerId, resources) -> None:
        self.directories[containerId] = [
            d for d in self.cgroupDirectories(containerId) if os.path.isdir(d)
        ]
        self._resources[containerId] = resources

    def forget(self, containerId) -> None:
        self.directories.pop(containerId, None)
        self._resources.pop(containerId, None)


class CgroupsCpuIsolator(CgroupsIsolator):
    """
    C{cgroups/cpu}: C{cpu.shares} of 1024 per CPU (C{cpu.weight} on
    cgroup2), and with C{--cgroups-enable-cfs} a hard CFS quota; CPU time
    from C{cpuacct} (v1) or C{cpu.stat} (v2).
    """

    name = "cgroups/cpu"
    controllers = ("cpu", "cpuacct")
    joinLast = True

    def __init__(self, cgroups: Cgroups, clock: IReactorTime, enableCfs: bool = False) -> None:
        CgroupsIsolator.__init__(self, cgroups, clock)
        self.enableCfs = enableCfs

    def configure(self, containerId, resources, initial) -> None:
        cpus = resources.scalar("cpus")
        directory = self.directory(containerId, "cpu")
        shares = isolation.cpuShares(cpus)
        period = isolation.CPU_CFS_PERIOD_US
        if self._cgroups.version == V1:
            writeFile(os.path.join(directory, "cpu.shares"), shares)
            if self.enableCfs:
                writeFile(os.path.join(directory, "cpu.cfs_period_us"), period)
                writeFile(
                    os.path.join(directory, "cpu.cfs_quota_us"), isolation.cfsQuota(cpus)
                )
        else:
            writeFile(os.path.join(directory, "cpu.weight"), isolation.cpuWeight(shares))
            quota = isolation.cfsQuota(cpus) if self.enableCfs else "max"
            writeFile(os.path.join(directory, "cpu.max"), f"{quota} {period}")

    def usage(self, containerId) -> dict[str, float]:
        resources = self._resources.get(containerId)
        if resources is None:
            return {}
        cpu = self.directory(containerId, "cpu")
        result: dict[str, float] = {"cpus_limit": resources.scalar("cpus")}
        stat = readKeyed(os.path.join(cpu, "cpu.stat"))
        if self._cgroups.version == V1:
            acct = self.directory(containerId, "cpuacct") if self._cgroups.has(
                "cpuacct") else cpu
            user = readInt(os.path.join(acct, "cpuacct.usage_user"))
            system = readInt(os.path.join(acct, "cpuacct.usage_sys"))
            if user is not None and system is not None:
                result["cpus_user_time_secs"] = round(user / 1e9, 3)
                result["cpus_system_time_secs"] = round(system / 1e9, 3)
            else:
                ticks = readKeyed(os.path.join(acct, "cpuacct.stat"))
                hz = os.sysconf("SC_CLK_TCK")
                result["cpus_user_time_secs"] = round(ticks.get("user", 0) / hz, 2)
                result["cpus_system_time_secs"] = round(ticks.get("system", 0) / hz, 2)
            throttled = stat.get("throttled_time", 0) / 1e9
        else:
            result["cpus_user_time_secs"] = round(stat.get("user_usec", 0) / 1e6, 3)
            result["cpus_system_time_secs"] = round(stat.get("system_usec", 0) / 1e6, 3)
            throttled = stat.get("throttled_usec", 0) / 1e6
        if self.enableCfs:
            result["cpus_nr_periods"] = stat.get("nr_periods", 0)
            result["cpus_nr_throttled"] = stat.get("nr_throttled", 0)
            result["cpus_throttled_time_secs"] = round(throttled, 3)
        return result


class _OOMListener:
    """
    Reads the eventfd the kernel signals when a cgroup v1 memory cgroup
    runs out of memory (C{cgroup.event_control} on C{memory.oom_control}).
    """

    def __init__(self, reactor, directory: str, onEvent: Callable[[], object]) -> None:
        self._reactor = reactor
        self._onEvent = onEvent
        self._eventfd = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        try:
            self._control = os.open(
                os.path.join(directory, "memory.oom_control"), os.O_RDONLY | os.O_CLOEXEC
            )
            try:
                writeFile(
                    os.path.join(directory, "cgroup.event_control"),
                    f"{self._eventfd} {self._control}",
                )
            except OSError:
                os.close(self._control)
                raise
        except OSError:
            os.close(self._eventfd)
            raise
        reactor.addReader(self)

    def fileno(self) -> int:
        return self._eventfd

    def logPrefix(self) -> str:
        return "OOMListener"

    def doRead(self) -> None:
        try:
            os.eventfd_read(self._eventfd)
        except BlockingIOError:
            return
        self._onEvent()

    def connectionLost(self, reason: Failure) -> None:
        self.stop()

    def stop(self) -> None:
        if self._eventfd < 0:
            return
        self._reactor.removeReader(self)
        os.close(self._eventfd)
        os.close(self._control)
        self._eventfd = self._control = -1


class CgroupsMemIsolator(CgroupsIsolator):
    """
    C{cgroups/mem}: a hard memory limit of what the container was given (at
    least 32 MB), no swap beyond it, and a container that runs out of memory
    is limited with C{REASON_CONTAINER_LIMITATION_MEMORY}: at once through
    an OOM eventfd on cgroup v1, and when its first process ends from the
    cgroup's OOM-kill count on either version.
    """

    name = "cgroups/mem"
    controllers = ("memory",)

    def __init__(self, cgroups: Cgroups, reactor, listen: bool = True) -> None:
        """
        @param reactor: an L{IReactorTime}; if it is also an
            L{IReactorFDSet} and C{listen}, OOM events are read as they
            happen on cgroup v1.
        """
        CgroupsIsolator.__init__(self, cgroups, reactor)
        self._reactor = reactor
        self._listen = listen and IReactorFDSet.providedBy(reactor)
        self._listeners: dict[str, _OOMListener] = {}
        self._watches: dict[str, Deferred[Limitation]] = {}

    def configure(self, containerId, resources, initial) -> None:
        directory = self.directory(containerId)
        limit = isolation.memoryLimitBytes(resources.scalar("mem"))
        if self._cgroups.version == V1:
            current = readInt(os.path.join(directory, "memory.limit_in_bytes"))
            files = ["memory.limit_in_bytes"]
            swap = os.path.join(directory, "memory.memsw.limit_in_bytes")
            if os.path.exists(swap):
                files.append("memory.memsw.limit_in_bytes")
            if current is not None and limit > current:
                # memsw.limit must never be below limit.
                files.reverse()
            for name in files:
                writeFile(os.path.join(directory, name), limit)
            writeFile(os.path.join(directory, "memory.soft_limit_in_bytes"), limit)
            if initial and self._listen:
                self._startListening(containerId, directory)
        else:
            writeFile(os.path.join(directory, "memory.max"), limit)
            swap = os.path.join(directory, "memory.swap.max")
            if os.path.exists(swap):
                writeFile(swap, 0)

    def _startListening(self, containerId: str, directory: str) -> None:
        try:
            self._listeners[containerId] = _OOMListener(
                self._reactor, directory, lambda: self._oomEvent(containerId)
            )
        except OSError as e:
            self._log.warn(
                "Cannot listen for OOM events of container {containerId}: {why}",
                containerId=containerId, why=str(e),
            )

    def _oomEvent(self, containerId: str) -> None:
        limitation = self.limitation(containerId)
        watch = self._watches.get(containerId)
        if limitation is not None and watch is not None and not watch.called:
            watch.callback(limitation)

    def watch(self, containerId) -> Deferred[Limitation]:
        d = self._watches.get(containerId)
        if d is None:
            d = self._watches[containerId] = Deferred(lambda d: None)
        return d

    def limitation(self, containerId) -> Limitation | None:
        resources = self._resources.get(containerId)
        if resources is None:
            return None
        directory = self.directory(containerId)
        if self._cgroups.version == V1:
            control = readKeyed(os.path.join(directory, "memory.oom_control"))
            if not (control.get("oom_kill", 0) > 0 or control.get("under_oom", 0) > 0):
                return None
            peak = readInt(os.path.join(directory, "memory.max_usage_in_bytes"))
        else:
            events = readKeyed(os.path.join(directory, "memory.events"))
            if not events.get("oom_kill", 0) > 0:
                return None
            peak = readInt(os.path.join(directory, "memory.peak"))
            if peak is None:
                peak = readInt(os.path.join(directory, "memory.current"))
        limit = isolation.memoryLimitBytes(resources.scalar("mem"))
        used = f", maximum used {isolation.megabytes(peak)}" if peak else ""
        return Limitation(
            "mem",
            TaskStatus.REASON_CONTAINER_LIMITATION_MEMORY,
            f"Memory limit exceeded: the container's memory limit is "
            f"{isolation.megabytes(limit)} (requested "
            f"{isolation.megabytes(int(resources.scalar('mem') * 1024 * 1024))}"
            f"{used}); a process was killed by the OOM killer",
        )

    def usage(self, containerId) -> dict[str, float]:
        resources = self._resources.get(containerId)
        if resources is None:
            return {}
        directory = self.directory(containerId)
        limit = isolation.memoryLimitBytes(resources.scalar("mem"))
        if self._cgroups.version == V1:
            stat = readKeyed(os.path.join(directory, "memory.stat"))
            total = readInt(os.path.join(directory, "memory.usage_in_bytes")) or 0
            rss = stat.get("total_rss", stat.get("rss", 0))
            cache = stat.get("total_cache", stat.get("cache", 0))
        else:
            stat = readKeyed(os.path.join(directory, "memory.stat"))
            total = readInt(os.path.join(directory, "memory.current")) or 0
            rss = stat.get("anon", 0)
            cache = stat.get("file", 0)
        return {
            "mem_total_bytes": total,
            "mem_rss_bytes": rss,
            "mem_cache_bytes": cache,
            "mem_limit_bytes": limit,
        }

    def cleanup(self, containerId) -> Deferred[None]:
        listener = self._listeners.pop(containerId, None)
        if listener is not None:
            listener.stop()
        watch = self._watches.pop(containerId, None)
        if watch is not None and not watch.called:
            watch.cancel()
        return CgroupsIsolator.cleanup(self, containerId)

    def recover(self, containerId, resources) -> None:
        """
        Find the container's cgroup again, listen for its OOM events, and
        fire its watch at once if it ran out of memory while the slave was
        down.
        """
        CgroupsIsolator.recover(self, containerId, resources)
        directory = self.directory(containerId)
        if not os.path.isdir(directory):
            return
        if self._cgroups.version == V1 and self._listen:
            self._startListening(containerId, directory)
        limitation = self.limitation(containerId)
        if limitation is not None:
            self.watch(containerId).callback(limitation)

    def forget(self, containerId) -> None:
        listener = self._listeners.pop(containerId, None)
        if listener is not None:
            listener.stop()
        self._watches.pop(containerId, None)
        CgroupsIsolator.forget(self, containerId)


class CgroupsPidsIsolator(CgroupsIsolator):
    """
    C{cgroups/pids}: counts the container's processes and threads, and with
    C{--cgroups-max-pids} limits them.
    """

    name = "cgroups/pids"
    controllers = ("pids",)

    def __init__(self, cgroups: Cgroups, clock: IReactorTime, maxPids: int | None = None) -> None:
        CgroupsIsolator.__init__(self, cgroups, clock)
        self.maxPids = maxPids

    def configure(self, containerId, resources, initial) -> None:
        if initial:
            value = "max" if self.maxPids is None else self.maxPids
            writeFile(os.path.join(self.directory(containerId), "pids.max"), value)

    def usage(self, containerId) -> dict[str, float]:
        if containerId not in self.directories:
            return {}
        directory = self.directory(containerId)
        result: dict[str, float] = {"processes": len(processes(directory))}
        threads = readInt(os.path.join(directory, "pids.current"))
        if threads is not None:
            result["threads"] = threads
        if self.maxPids is not None:
            result["pids_limit"] = self.maxPids
        return result


def makeIsolators(
    names: Iterable[str],
    reactor,
    cgroups: Cgroups | None,
    pids: Callable[[str], Iterable[int]],
    enableCfs: bool = False,
    maxPids: int | None = None,
) -> list[Isolator]:
    """
    The isolators called C{names}, in that order.

    @param cgroups: where containers' cgroups go (needed by C{cgroups/*}).
    @param pids: the processes of a container (for C{posix/*}).
    @raise ValueError: for an unknown name, or C{cgroups/*} without
        C{cgroups}.
    """
    made: list[Isolator] = []
    for name in names:
        if name.startswith("cgroups/") and cgroups is None:
            raise ValueError(f"{name} needs cgroups")
        if name == "filesystem/linux":
            made.append(FilesystemIsolator())
        elif name.startswith("posix/"):
            made.append(PosixIsolator(name, pids))
        elif name == "cgroups/cpu":
            made.append(CgroupsCpuIsolator(cgroups, reactor, enableCfs))
        elif name == "cgroups/mem":
            made.append(CgroupsMemIsolator(cgroups, reactor))
        elif name == "cgroups/pids":
            made.append(CgroupsPidsIsolator(cgroups, reactor, maxPids))
        elif name.startswith("namespaces/") or name == "network/none":
            made.append(NamespacesIsolator(name))
        else:
            raise ValueError(f"unknown isolator {name!r}")
    return made


for _class in (Isolator, NamespacesIsolator, FilesystemIsolator, PosixIsolator,
               CgroupsCpuIsolator, CgroupsMemIsolator, CgroupsPidsIsolator):
    verifyClass(IIsolator, _class)

__all__ = [
    "Isolator", "NamespacesIsolator", "FilesystemIsolator", "PosixIsolator",
    "CgroupsIsolator", "CgroupsCpuIsolator", "CgroupsMemIsolator",
    "CgroupsPidsIsolator", "makeIsolators", "removeCgroups",
]
