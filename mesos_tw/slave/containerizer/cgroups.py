# -*- test-case-name: tests.test_isolators -*-
"""
Control groups: finding the hierarchies (cgroup v1 controllers, or one
unified cgroup2 hierarchy), the cgroups of containers in them, and killing
every process of a cgroup.

Parsing is pure (L{parseMountInfo}, L{parseProcCgroup}, L{layoutFrom}); the
rest acts on a directory tree, which is C{/sys/fs/cgroup} on a real host and
a temporary directory in unit tests.

Containers' cgroups live under a root cgroup, C{--cgroups-root}: a relative
root (the default, C{mesos_tw}) is nested under the slave's own cgroup of
each hierarchy, so containers stay inside whatever limits the slave runs
under; an absolute one starts at the top of the hierarchy, as Mesos's
C{--cgroups_root} does.  On cgroup2, a nested root needs the slave's own
cgroup to be delegated (no processes of its own besides the slave's
children), or the controllers cannot be enabled for it.
"""

from __future__ import annotations

import errno
import os
import re
import signal
from typing import Callable, Iterable, Mapping

import attr
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

V1 = 1
V2 = 2

#: Controllers a cgroup v1 mount may carry; other mount options are not.
V1_CONTROLLERS = frozenset([
    "blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "hugetlb",
    "memory", "misc", "net_cls", "net_prio", "perf_event", "pids", "rdma",
])

#: The key of the unified hierarchy in L{CgroupLayout.mounts}.
UNIFIED = ""


class CgroupError(Exception):
    """
    The cgroups this slave needs are missing or unusable.
    """


@attr.s(auto_attribs=True, frozen=True)
class Mount:
    """
    One line of C{/proc/self/mountinfo}.
    """

    mountPoint: str
    root: str
    fsType: str
    superOptions: tuple


def _unescape(text: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def parseMountInfo(text: str) -> list[Mount]:
    """
    The mounts listed in C{text}, in the format of C{/proc/self/mountinfo}.
    """
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if "-" not in fields:
            continue
        separator = fields.index("-")
        if separator < 5 or len(fields) < separator + 3:
            continue
        options = fields[separator + 3] if len(fields) > separator + 3 else ""
        mounts.append(Mount(
            mountPoint=_unescape(fields[4]),
            root=_unescape(fields[3]),
            fsType=fields[separator + 1],
            superOptions=tuple(options.split(",")),
        ))
    return mounts


def parseProcCgroup(text: str) -> dict[str, str]:
    """
    The cgroup of each controller in C{text}, in the format of
    C{/proc/self/cgroup}; the unified hierarchy's is under L{UNIFIED}.
    """
    cgroups: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if not controllers:
            cgroups[UNIFIED] = path
        for name in controllers.split(","):
            if name:
                cgroups[name] = path
    return cgroups


def _relative(path: str, mountRoot: str) -> str:
    """
    C{path} (a cgroup as C{/proc/self/cgroup} shows it) relative to the
    cgroup mounted at a mount point whose root is C{mountRoot}.
    """
    if mountRoot in ("", "/"):
        return path or "/"
    if path == mountRoot or path.startswith(mountRoot.rstrip("/") + "/"):
        return "/" + path[len(mountRoot):].lstrip("/")
    return "/"


@attr.s(auto_attribs=True, frozen=True)
class CgroupLayout:
    """
    The cgroup hierarchies of a host.

    @ivar version: L{V1} or L{V2}.
    @ivar mounts: where each controller's hierarchy is mounted (v1), or the
        unified hierarchy under L{UNIFIED} (v2).
    @ivar own: the slave's own cgroup in each of them, relative to the
        mount point.
    @ivar controllers: the controllers available.
    """

    version: int
    mounts: Mapping[str, str]
    own: Mapping[str, str]
    controllers: frozenset

    def key(self, controller: str) -> str:
        """
        The key of C{controller}'s hierarchy in L{mounts}.
        """
        return UNIFIED if self.version == V2 else controller


def layoutFrom(
    hierarchy: str,
    mounts: Iterable[Mount],
    procCgroup: Mapping[str, str],
    readFile: Callable[[str], str],
) -> CgroupLayout:
    """
    The L{CgroupLayout} under C{hierarchy} (e.g. C{/sys/fs/cgroup}): the
    unified hierarchy if C{hierarchy} is a cgroup2 mount, else the cgroup v1
    controllers mounted below it.

    @param readFile: reads a file (for C{cgroup.controllers}).
    @raise CgroupError: if there is neither.
    """
    hierarchy = os.path.normpath(hierarchy)
    mounts = list(mounts)
    for mount in mounts:
        if mount.fsType == "cgroup2" and os.path.normpath(mount.mountPoint) == hierarchy:
            try:
                controllers = frozenset(
                    readFile(os.path.join(hierarchy, "cgroup.controllers")).split()
                )
            except OSError as e:
                raise CgroupError(f"cannot read the controllers of {hierarchy}: {e}")
            own = _relative(procCgroup.get(UNIFIED, "/"), mount.root)
            return CgroupLayout(V2, {UNIFIED: hierarchy}, {UNIFIED: own}, controllers)
    found: dict[str, str] = {}
    own = {}
    for mount in mounts:
        point = os.path.normpath(mount.mountPoint)
        if mount.fsType != "cgroup" or os.path.dirname(point) != hierarchy:
            continue
        for controller in V1_CONTROLLERS.intersection(mount.superOptions):
            found.setdefault(controller, point)
            own.setdefault(controller, _relative(procCgroup.get(controller, "/"), mount.root))
    if not found:
        raise CgroupError(
            f"no cgroup hierarchy at {hierarchy}: neither a cgroup2 mount nor "
            "cgroup v1 controllers mounted below it"
        )
    return CgroupLayout(V1, found, own, frozenset(found))


def _readText(path: str) -> str:
    with open(path) as f:
        return f.read()


def detectLayout(hierarchy: str = "/sys/fs/cgroup") -> CgroupLayout:
    """
    The L{CgroupLayout} of this host, from C{/proc/self/mountinfo} and
    C{/proc/self/cgroup}.

    @raise CgroupError: if there is no usable hierarchy.
    """
    try:
        mounts = parseMountInfo(_readText("/proc/self/mountinfo"))
        own = parseProcCgroup(_readText("/proc/self/cgroup"))
    except OSError as e:
        raise CgroupError(f"cannot read this process's mounts and cgroups: {e}")
    return layoutFrom(hierarchy, mounts, own, _readText)


class Cgroups:
    """
    The cgroups of containers: C{ROOT/CONTAINER_ID} in each hierarchy a
    controller needs.

    @ivar layout: the host's L{CgroupLayout}.
    @ivar root: the C{--cgroups-root}.
    """

    def __init__(self, layout: CgroupLayout, root: str = "mesos_tw") -> None:
        if not root.strip("/") or ".." in root.split("/"):
            raise CgroupError(f"invalid cgroups root {root!r}")
        self.layout = layout
        self.root = root
        self._enabled: set[str] = set()

    @property
    def version(self) -> int:
        return self.layout.version

    def has(self, controller: str) -> bool:
        """
        Whether C{controller} is available; on cgroup2, C{""} (no controller,
        as for tracking processes) always is.
        """
        if controller == UNIFIED:
            return self.version == V2
        return controller in self.layout.controllers

    def rootDirectory(self, controller: str) -> str:
        """
        The directory of the root cgroup of containers for C{controller}.
        """
        key = self.layout.key(controller)
        base = "/" if self.root.startswith("/") else self.layout.own.get(key, "/")
        return os.path.normpath(
            os.path.join(self.layout.mounts[key], base.lstrip("/"), self.root.strip("/"))
        )

    def directory(self, controller: str, containerId: str) -> str:
        """
        The directory of a container's cgroup for C{controller}.
        """
        return os.path.join(self.rootDirectory(controller), containerId)

    def create(self, controller: str, containerId: str) -> str:
        """
        Create a container's cgroup for C{controller} (and the root above
        it); on cgroup2, enable C{controller} for it first (C{""} enables
        none).

        @return: its directory.
        @raise CgroupError: if it cannot be made.
        """
        if not self.has(controller):
            raise CgroupError(f"the {controller} controller is not available")
        if self.version == V2 and controller and controller not in self._enabled:
            self._enable(controller)
        path = self.directory(controller, containerId)
        for attempt in range(3):
            try:
                os.makedirs(path)
                return path
            except FileExistsError:
                if attempt or not os.path.isdir(path):
                    raise CgroupError(f"cgroup {path} exists already")
                # Made by another controller sharing the hierarchy.
                return path
            except FileNotFoundError:
                # Another slave removed the (empty) root meanwhile.
                continue
            except OSError as e:
                raise CgroupError(f"cannot create cgroup {path}: {e}")
        raise CgroupError(f"cannot create cgroup {path}: its parent keeps vanishing")

    def _enable(self, controller: str) -> None:
        """
        Enable C{controller} in every cgroup from the top of the unified
        hierarchy down to the root of containers.
        """
        top = self.layout.mounts[UNIFIED]
        root = self.rootDirectory(controller)
        try:
            os.makedirs(root, exist_ok=True)
        except OSError as e:
            raise CgroupError(f"cannot create cgroup {root}: {e}")
        relative = os.path.relpath(root, top)
        parts = [] if relative == "." else relative.split(os.sep)
        directory = top
        for part in [None] + parts:
            if part is not None:
                directory = os.path.join(directory, part)
            control = os.path.join(directory, "cgroup.subtree_control")
            try:
                enabled = _readText(control).split()
            except OSError:
                enabled = []
            if controller in enabled:
                continue
            try:
                writeFile(control, f"+{controller}")
            except OSError as e:
                raise CgroupError(
                    f"cannot enable the {controller} controller in {directory}: {e} "
                    "(a cgroup2 cgroup with processes of its own cannot enable "
                    "controllers for its children; use an absolute --cgroups-root "
                    "or run the slave in a delegated cgroup)"
                )
        self._enabled.add(controller)

    def removeRoots(self, controllers: Iterable[str]) -> None:
        """
        Remove the roots of C{controllers}' hierarchies if no container
        cgroup is left in them.
        """
        for path in {self.rootDirectory(c) for c in controllers if self.has(c)}:
            try:
                os.rmdir(path)
            except OSError:
                pass


def writeFile(path: str, value: object) -> None:
    """
    Write C{value} to the control file C{path}.
    """
    with open(path, "w") as f:
        f.write(str(value))


def readFile(path: str) -> str | None:
    """
    The content of the control file C{path}, or L{None} if there is none.
    """
    try:
        return _readText(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def readKeyed(path: str) -> dict[str, int]:
    """
    A flat-keyed control file (C{memory.stat}, C{cpu.stat}, ...) as a
    C{dict}; empty if there is none.
    """
    values: dict[str, int] = {}
    for line in (readFile(path) or "").splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                values[parts[0]] = int(parts[1])
            except ValueError:
                pass
    return values


def readInt(path: str) -> int | None:
    """
    A control file holding one integer, or L{None} (missing, or C{max}).
    """
    text = readFile(path)
    try:
        return int(text.split()[0]) if text else None
    except ValueError:
        return None


def processes(directory: str) -> list[int]:
    """
    The processes in the cgroup at C{directory}.
    """
    return [int(line) for line in (readFile(os.path.join(directory, "cgroup.procs")) or "").split()]


def removeCgroup(directory: str) -> None:
    """
    Remove an empty cgroup; a missing one is fine.

    @raise OSError: if it cannot be removed (e.g. C{EBUSY}).
    """
    try:
        os.rmdir(directory)
    except FileNotFoundError:
        pass


def killCgroup(
    clock: IReactorTime,
    directory: str,
    version: int,
    kill: Callable[[int, int], None] = os.kill,
    interval: float = 0.002,
    timeout: float = 30.0,
) -> Deferred[None]:
    """
    Kill every process in the cgroup at C{directory} and wait until none
    is left.

    On cgroup2 with C{cgroup.kill} the kernel kills them all at once.
    Otherwise each round freezes the cgroup (C{freezer.state} on v1,
    C{cgroup.freeze} on v2, where present), sends C{SIGKILL} to every
    process listed and thaws it; rounds repeat until the cgroup is empty,
    which catches processes forked while it was read.

    @return: a L{Deferred} firing when the cgroup is empty, or failing with
        L{CgroupError} after C{timeout} seconds.
    """
    done: Deferred[None] = Deferred()
    deadline = clock.seconds() + timeout
    if version == V2:
        freezer = os.path.join(directory, "cgroup.freeze")
        frozen, thawed = "1", "0"
        killFile = os.path.join(directory, "cgroup.kill")
    else:
        freezer = os.path.join(directory, "freezer.state")
        frozen, thawed = "FROZEN", "THAWED"
        killFile = None

    def control(path: str, value: str) -> bool:
        try:
            writeFile(path, value)
            return True
        except (FileNotFoundError, PermissionError, NotADirectoryError):
            return False
        except OSError:
            return False

    def round() -> None:
        try:
            pids = processes(directory)
        except OSError as e:
            done.errback(CgroupError(f"cannot list the processes of {directory}: {e}"))
            return
        if not pids:
            done.callback(None)
            return
        if clock.seconds() > deadline:
            done.errback(CgroupError(
                f"processes {pids} of {directory} outlived {timeout:g} s of SIGKILL"
            ))
            return
        if killFile is None or not (os.path.exists(killFile) and control(killFile, "1")):
            froze = os.path.exists(freezer) and control(freezer, frozen)
            for pid in pids:
                try:
                    kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if froze:
                control(freezer, thawed)
        clock.callLater(interval, round)

    round()
    return done


def signalCgroup(
    directory: str, signum: int, kill: Callable[[int, int], None] = os.kill
) -> list[int]:
    """
    Send C{signum} to every process in the cgroup at C{directory}.

    @return: the processes signalled.
    """
    pids = processes(directory)
    for pid in pids:
        try:
            kill(pid, signum)
        except ProcessLookupError:
            pass
    return pids


def isBusy(error: OSError) -> bool:
    """
    Whether C{error} says a cgroup still has processes.
    """
    return error.errno == errno.EBUSY
