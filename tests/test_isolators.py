"""
Unit tests of isolation without real cgroups: the isolation policy
(L{mesos_tw.slave.containerizer.isolation}), cgroup discovery and
directories (L{mesos_tw.slave.containerizer.cgroups}) and the isolators
(L{mesos_tw.slave.containerizer.isolators}) against fake cgroup v1 and
cgroup2 trees in temporary directories, with a L{Clock}.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal

from twisted.internet.error import ProcessDone, ProcessTerminated
from twisted.internet.task import Clock
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw.mesos_pb2 import TaskStatus
from mesos_tw.resources import Resources
from mesos_tw.slave.containerizer import isolation, isolators, linux, procfs
from mesos_tw.slave.containerizer.cgroups import (
    V1,
    V2,
    CgroupError,
    CgroupLayout,
    Cgroups,
    Mount,
    killCgroup,
    layoutFrom,
    parseMountInfo,
    parseProcCgroup,
)
from mesos_tw.slave.containerizer.common import (
    ContainerTerminated,
    Credentials,
    LaunchError,
    LaunchInfo,
    Limitation,
    limitationOf,
    resolveUser,
    splitLoaderVariables,
)
from mesos_tw.slave.containerizer.isolators import (
    CgroupsCpuIsolator,
    CgroupsMemIsolator,
    CgroupsPidsIsolator,
    FilesystemIsolator,
    NamespacesIsolator,
    PosixIsolator,
    makeIsolators,
)
from mesos_tw.slave.containerizer.launchers import HostSupport, chooseIsolation
from mesos_tw.slave.containerizer.linux import Tools
from mesos_tw.testing.fakes import FakeIsolator

MB = 1024 * 1024

#: /proc/self/mountinfo of a cgroup v1 host with a unified mount beside.
MOUNTINFO_V1 = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
50 23 0:40 / /mnt/with\\040space rw - ext4 /dev/sda rw
"""

PROC_CGROUP_V1 = """\
9:name=systemd:/
4:memory:/process_api/abc
2:cpu,cpuacct:/
1:pids:/
0::/
"""

MOUNTINFO_V2 = """\
30 23 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
"""


def resources(text: str = "cpus:0.5;mem:64") -> Resources:
    return Resources.parse(text)


def write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(path: str) -> str:
    with open(path) as f:
        return f.read()


def fakeV1(testCase: SynchronousTestCase, own: str = "/") -> CgroupLayout:
    """
    A cgroup v1 tree in a temporary directory: one directory per
    controller, C{cpu} and C{cpuacct} apart.
    """
    top = os.path.abspath(testCase.mktemp())
    mounts = {}
    for controller in ("cpu", "cpuacct", "memory", "pids", "freezer"):
        mounts[controller] = os.path.join(top, controller)
        os.makedirs(mounts[controller])
    return CgroupLayout(V1, mounts, {c: own for c in mounts}, frozenset(mounts))


def fakeV2(testCase: SynchronousTestCase, own: str = "/") -> CgroupLayout:
    """
    A cgroup2 tree in a temporary directory with the cpu, memory and pids
    controllers.
    """
    top = os.path.abspath(testCase.mktemp())
    write(os.path.join(top, "cgroup.controllers"), "cpu memory pids\n")
    write(os.path.join(top, "cgroup.subtree_control"), "")
    return CgroupLayout(V2, {"": top}, {"": own}, frozenset(["cpu", "memory", "pids"]))


# --- Policy -------------------------------------------------------------------


class IsolationFlagTests(SynchronousTestCase):
    """
    Tests for L{isolation.parseIsolation} and what follows from its names.
    """

    def test_order(self) -> None:
        """
        Names come back in Mesos's table order, once each.
        """
        self.assertEqual(
            isolation.parseIsolation("namespaces/pid, cgroups/mem,filesystem/linux,cgroups/mem"),
            ("filesystem/linux", "cgroups/mem", "namespaces/pid"),
        )

    def test_aliases(self) -> None:
        """
        C{posix}, C{process} and C{cgroups} stand for two isolators each.
        """
        self.assertEqual(isolation.parseIsolation("posix"), ("posix/cpu", "posix/mem"))
        self.assertEqual(isolation.parseIsolation("process"), ("posix/cpu", "posix/mem"))
        self.assertEqual(isolation.parseIsolation("cgroups"), ("cgroups/cpu", "cgroups/mem"))

    def test_unknown(self) -> None:
        """
        An unknown name is a L{ValueError} naming it; so is nothing.
        """
        e = self.assertRaises(ValueError, isolation.parseIsolation, "posix/cpu,gpu/nvidia")
        self.assertIn("'gpu/nvidia'", str(e))
        self.assertRaises(ValueError, isolation.parseIsolation, " , ")

    def test_launcher(self) -> None:
        """
        Only posix isolators run on the posix launcher.
        """
        self.assertFalse(isolation.needsLinuxLauncher(("posix/cpu", "posix/mem")))
        self.assertTrue(isolation.needsLinuxLauncher(("posix/cpu", "cgroups/mem")))
        self.assertTrue(isolation.needsLinuxLauncher(("namespaces/uts",)))

    def test_namespaces(self) -> None:
        """
        A PID namespace comes with a mount namespace (for its C{/proc}).
        """
        self.assertEqual(isolation.namespacesOf(("namespaces/pid",)), {"pid", "mount"})
        self.assertEqual(isolation.namespacesOf(isolation.LINUX_ISOLATION),
                         {"pid", "mount", "ipc", "uts"})
        self.assertEqual(isolation.namespacesOf(("network/none", "cgroups/cpu")), {"net"})

    def test_controllers(self) -> None:
        """
        cgroups/cpu needs cpuacct on v1 only.
        """
        names = ("cgroups/cpu", "cgroups/mem", "cgroups/pids")
        self.assertEqual(isolation.controllersOf(names, 1),
                         ("cpu", "cpuacct", "memory", "pids"))
        self.assertEqual(isolation.controllersOf(names, 2), ("cpu", "memory", "pids"))


class HostProblemTests(SynchronousTestCase):
    """
    Tests for L{isolation.linuxProblems} and L{isolation.defaultIsolation}.
    """

    ALL = frozenset(["cpu", "cpuacct", "memory", "pids", "freezer"])

    def problems(self, **kwargs) -> list[str]:
        arguments = dict(isolators=isolation.LINUX_ISOLATION, platform="linux", euid=0,
                         controllers=self.ALL, version=1)
        arguments.update(kwargs)
        return isolation.linuxProblems(**arguments)

    def test_fine(self) -> None:
        """
        Root on Linux with the controllers has no problem.
        """
        self.assertEqual(self.problems(), [])
        self.assertEqual(self.problems(controllers=frozenset(["cpu", "memory", "pids"]),
                                       version=2), [])

    def test_posixAnywhere(self) -> None:
        """
        Posix isolation works anywhere.
        """
        self.assertEqual(self.problems(isolators=isolation.POSIX_ISOLATION,
                                       platform="darwin", euid=501), [])

    def test_problems(self) -> None:
        """
        Other platforms, other users, missing controllers (freezer tracks
        processes on v1), missing tools and missing cgroups are problems.
        """
        self.assertIn("needs Linux", self.problems(platform="darwin")[0])
        self.assertIn("root", self.problems(euid=1000)[0])
        [problem] = self.problems(controllers=frozenset(["cpu", "cpuacct", "memory"]))
        self.assertIn("pids, freezer", problem)
        self.assertIn("unshare", self.problems(missingTools=("unshare",))[0])
        [problem] = self.problems(controllers=None, cgroupProblem="nothing mounted")
        self.assertIn("nothing mounted", problem)

    def test_default(self) -> None:
        """
        The default is full isolation, or posix with a warning that says
        why.
        """
        self.assertEqual(isolation.defaultIsolation([]),
                         (isolation.LINUX_ISOLATION, None))
        names, warning = isolation.defaultIsolation(["isolation needs root"])
        self.assertEqual(names, ("posix/cpu", "posix/mem"))
        self.assertIn("NOT isolated", warning)
        self.assertIn("isolation needs root", warning)


class ChooseIsolationTests(SynchronousTestCase):
    """
    Tests for L{chooseIsolation}.
    """

    def host(self, euid: int = 0) -> HostSupport:
        layout = CgroupLayout(V1, {}, {}, frozenset(["cpu", "cpuacct", "memory", "pids",
                                                     "freezer"]))
        return HostSupport("linux", euid, layout, None, Tools(), ())

    def test_default(self) -> None:
        """
        Without C{--isolation}: full isolation as root, else posix with a
        warning.
        """
        self.assertEqual(chooseIsolation(None, self.host()), (isolation.LINUX_ISOLATION, None))
        names, warning = chooseIsolation(None, self.host(euid=1000))
        self.assertEqual(names, isolation.POSIX_ISOLATION)
        self.assertIn("root", warning)

    def test_explicit(self) -> None:
        """
        Asked-for isolation this host cannot give is a L{ValueError}; posix
        is always possible, without a warning.
        """
        self.assertEqual(chooseIsolation("posix", self.host(euid=1000)),
                         (isolation.POSIX_ISOLATION, None))
        e = self.assertRaises(ValueError, chooseIsolation, "cgroups/mem", self.host(1000))
        self.assertIn("root", str(e))


class LimitTests(SynchronousTestCase):
    """
    Tests for the cgroup values of L{isolation}.
    """

    def test_shares(self) -> None:
        """
        1024 shares per CPU, at least 2.
        """
        self.assertEqual(isolation.cpuShares(1), 1024)
        self.assertEqual(isolation.cpuShares(0.5), 512)
        self.assertEqual(isolation.cpuShares(0.001), 2)

    def test_weight(self) -> None:
        """
        Shares convert to cgroup2 weights as runc does: 2 to 1, 1024 to 39,
        262144 to 10000.
        """
        self.assertEqual(isolation.cpuWeight(2), 1)
        self.assertEqual(isolation.cpuWeight(1024), 39)
        self.assertEqual(isolation.cpuWeight(262144), 10000)
        self.assertEqual(isolation.cpuWeight(10 ** 6), 10000)

    def test_quota(self) -> None:
        """
        The CFS quota is cpus times 100 ms, at least 1 ms.
        """
        self.assertEqual(isolation.cfsQuota(1.5), 150_000)
        self.assertEqual(isolation.cfsQuota(0.001), 1_000)

    def test_memory(self) -> None:
        """
        The memory limit is what was given, at least 32 MB.
        """
        self.assertEqual(isolation.memoryLimitBytes(64), 64 * MB)
        self.assertEqual(isolation.memoryLimitBytes(0), 32 * MB)
        self.assertEqual(isolation.megabytes(64 * MB), "64 MB")
        self.assertEqual(isolation.megabytes(MB + MB // 2), "1.5 MB")


# --- Discovery ----------------------------------------------------------------


class LayoutTests(SynchronousTestCase):
    """
    Tests for L{parseMountInfo}, L{parseProcCgroup} and L{layoutFrom}.
    """

    def test_mountInfo(self) -> None:
        """
        Mount points, roots, types and options are parsed; octal escapes
        are undone.
        """
        mounts = parseMountInfo(MOUNTINFO_V1)
        self.assertEqual(mounts[1], Mount("/sys/fs/cgroup/cpu,cpuacct", "/", "cgroup",
                                          ("rw", "cpu", "cpuacct")))
        self.assertEqual(mounts[-1].mountPoint, "/mnt/with space")

    def test_procCgroup(self) -> None:
        """
        Each controller of a line gets its path; the unified one is C{""}.
        """
        own = parseProcCgroup(PROC_CGROUP_V1)
        self.assertEqual(own["memory"], "/process_api/abc")
        self.assertEqual(own["cpuacct"], "/")
        self.assertEqual(own[""], "/")

    def test_v1(self) -> None:
        """
        Without a cgroup2 mount at the hierarchy, the v1 controllers below
        it are used (the unified mount beside them is not).
        """
        layout = layoutFrom("/sys/fs/cgroup/", parseMountInfo(MOUNTINFO_V1),
                            parseProcCgroup(PROC_CGROUP_V1), read)
        self.assertEqual(layout.version, V1)
        self.assertEqual(layout.mounts["cpuacct"], "/sys/fs/cgroup/cpu,cpuacct")
        self.assertEqual(layout.own["memory"], "/process_api/abc")
        self.assertEqual(layout.controllers,
                         {"cpu", "cpuacct", "cpuset", "memory", "freezer", "pids"})

    def test_v2(self) -> None:
        """
        A cgroup2 mount at the hierarchy is used with its controllers.
        """
        layout = layoutFrom("/sys/fs/cgroup", parseMountInfo(MOUNTINFO_V2),
                            {"": "/slave.slice"}, lambda path: "cpu memory pids io\n")
        self.assertEqual(layout, CgroupLayout(V2, {"": "/sys/fs/cgroup"},
                                              {"": "/slave.slice"},
                                              frozenset(["cpu", "memory", "pids", "io"])))

    def test_unifiedHierarchy(self) -> None:
        """
        C{--cgroups-hierarchy} may point at a cgroup2 mount elsewhere.
        """
        layout = layoutFrom("/sys/fs/cgroup/unified", parseMountInfo(MOUNTINFO_V1),
                            {"": "/"}, lambda path: "")
        self.assertEqual(layout.version, V2)
        self.assertEqual(layout.controllers, frozenset())

    def test_namespaceRoot(self) -> None:
        """
        Own cgroups are taken relative to the root of the mounted cgroup.
        """
        mounts = [Mount("/sys/fs/cgroup/memory", "/outer", "cgroup", ("rw", "memory"))]
        layout = layoutFrom("/sys/fs/cgroup", mounts, {"memory": "/outer/inner"}, read)
        self.assertEqual(layout.own["memory"], "/inner")

    def test_nothing(self) -> None:
        """
        No cgroups at all is a L{CgroupError} naming the hierarchy.
        """
        e = self.assertRaises(CgroupError, layoutFrom, "/sys/fs/cgroup", [], {}, read)
        self.assertIn("/sys/fs/cgroup", str(e))


class CgroupsTests(SynchronousTestCase):
    """
    Tests for L{Cgroups} on fake trees.
    """

    def test_rootNested(self) -> None:
        """
        A relative root nests under the slave's own cgroup; an absolute one
        starts at the top.
        """
        layout = fakeV1(self, own="/")
        layout = CgroupLayout(V1, layout.mounts, dict(layout.own, memory="/job/1"),
                              layout.controllers)
        nested = Cgroups(layout, "mesos_tw")
        self.assertEqual(nested.directory("memory", "c1"),
                         os.path.join(layout.mounts["memory"], "job/1/mesos_tw/c1"))
        self.assertEqual(nested.directory("cpu", "c1"),
                         os.path.join(layout.mounts["cpu"], "mesos_tw/c1"))
        absolute = Cgroups(layout, "/mesos")
        self.assertEqual(absolute.directory("memory", "c1"),
                         os.path.join(layout.mounts["memory"], "mesos/c1"))

    def test_badRoot(self) -> None:
        """
        An empty root or one with C{..} is refused.
        """
        layout = fakeV1(self)
        for root in ["", "/", "a/../b"]:
            self.assertRaises(CgroupError, Cgroups, layout, root)

    def test_createV1(self) -> None:
        """
        On v1 each controller's cgroup is made in its hierarchy; the roots
        go once empty.
        """
        cgroups = Cgroups(fakeV1(self), "root")
        path = cgroups.create("memory", "c1")
        self.assertTrue(os.path.isdir(path))
        self.assertRaises(CgroupError, cgroups.create, "blkio", "c1")
        os.rmdir(path)
        cgroups.removeRoots(["memory", "cpu"])
        self.assertFalse(os.path.exists(os.path.dirname(path)))

    def test_createV2(self) -> None:
        """
        On cgroup2 the controllers are enabled from the top down to the root
        of containers, once; every controller shares one cgroup.
        """
        layout = fakeV2(self, own="/slave")
        top = layout.mounts[""]
        cgroups = Cgroups(layout, "mesos_tw")
        memory = cgroups.create("memory", "c1")
        self.assertEqual(memory, os.path.join(top, "slave/mesos_tw/c1"))
        self.assertEqual(cgroups.create("pids", "c1"), memory)
        self.assertEqual(cgroups.create("", "c1"), memory)
        for directory in (top, os.path.join(top, "slave"), os.path.join(top, "slave/mesos_tw")):
            self.assertEqual(read(os.path.join(directory, "cgroup.subtree_control")), "+pids")
        write(os.path.join(top, "cgroup.subtree_control"), "memory pids")
        cgroups.create("memory", "c2")
        self.assertEqual(read(os.path.join(top, "cgroup.subtree_control")), "memory pids")

    def test_enableFails(self) -> None:
        """
        A controller that cannot be enabled is a L{CgroupError} that says
        why and what to do.
        """
        layout = fakeV2(self)
        os.chmod(layout.mounts[""], 0o755)
        os.makedirs(os.path.join(layout.mounts[""], "mesos_tw", "cgroup.subtree_control"))
        e = self.assertRaises(CgroupError, Cgroups(layout).create, "cpu", "c1")
        self.assertIn("absolute --cgroups-root", str(e))


class KillCgroupTests(SynchronousTestCase):
    """
    Tests for L{killCgroup}.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.directory = os.path.abspath(self.mktemp())
        os.makedirs(self.directory)
        self.procs = os.path.join(self.directory, "cgroup.procs")
        self.killed: list[tuple[int, int]] = []

    def kill(self, pid: int, signum: int) -> None:
        self.killed.append((pid, signum))
        if pid == 404:
            raise ProcessLookupError()

    def test_empty(self) -> None:
        """
        An empty cgroup is done at once.
        """
        self.successResultOf(killCgroup(self.clock, self.directory, V1, self.kill))
        self.assertEqual(self.killed, [])

    def test_v1Rounds(self) -> None:
        """
        On v1 each round freezes, kills what is listed and thaws, until the
        cgroup is empty.
        """
        write(self.procs, "12\n404\n")
        write(os.path.join(self.directory, "freezer.state"), "THAWED")
        d = killCgroup(self.clock, self.directory, V1, self.kill)
        self.assertNoResult(d)
        self.assertEqual(self.killed, [(12, signal.SIGKILL), (404, signal.SIGKILL)])
        self.assertEqual(read(os.path.join(self.directory, "freezer.state")), "THAWED")
        write(self.procs, "13\n")
        self.clock.advance(0.01)
        self.assertEqual(self.killed[-1], (13, signal.SIGKILL))
        write(self.procs, "")
        self.clock.advance(0.01)
        self.successResultOf(d)

    def test_v2Kill(self) -> None:
        """
        On cgroup2 with C{cgroup.kill} the kernel does the killing.
        """
        write(self.procs, "12\n")
        write(os.path.join(self.directory, "cgroup.kill"), "")
        d = killCgroup(self.clock, self.directory, V2, self.kill)
        self.assertEqual(read(os.path.join(self.directory, "cgroup.kill")), "1")
        self.assertEqual(self.killed, [])
        write(self.procs, "")
        self.clock.advance(0.01)
        self.successResultOf(d)

    def test_timeout(self) -> None:
        """
        Processes that never go fail the L{Deferred} after the timeout.
        """
        write(self.procs, "12\n")
        d = killCgroup(self.clock, self.directory, V2, self.kill, timeout=1)
        self.clock.pump([0.1] * 20)
        self.failureResultOf(d, CgroupError)


# --- Isolators ------------------------------------------------------------------


def removeFakeCgroup(directory: str) -> None:
    """
    Remove a cgroup of a fake tree, whose control files are plain files the
    kernel's C{rmdir} would ignore.
    """
    for name in os.listdir(directory) if os.path.isdir(directory) else []:
        if os.path.isdir(os.path.join(directory, name)):
            raise OSError(errno.EBUSY, "has children", directory)
    shutil.rmtree(directory, ignore_errors=True)


class IsolatorTestCase(SynchronousTestCase):
    """
    Isolators on fake trees of both versions.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.patch(isolators, "removeCgroup", removeFakeCgroup)

    def cgroups(self, version: int) -> Cgroups:
        return Cgroups(fakeV1(self) if version == V1 else fakeV2(self), "mesos_tw")


class CpuIsolatorTests(IsolatorTestCase):
    """
    Tests for L{CgroupsCpuIsolator}.
    """

    def test_v1(self) -> None:
        """
        On v1: cpu.shares, the CFS period and quota; cpuacct's cgroup is
        joined too, both last.
        """
        cgroups = self.cgroups(V1)
        isolator = CgroupsCpuIsolator(cgroups, self.clock, enableCfs=True)
        info = isolator.prepare("c1", resources("cpus:1.5"), None)
        cpu = cgroups.directory("cpu", "c1")
        self.assertEqual(info, LaunchInfo(lastCgroups=(cpu, cgroups.directory("cpuacct", "c1"))))
        self.assertEqual(read(os.path.join(cpu, "cpu.shares")), "1536")
        self.assertEqual(read(os.path.join(cpu, "cpu.cfs_period_us")), "100000")
        self.assertEqual(read(os.path.join(cpu, "cpu.cfs_quota_us")), "150000")
        isolator.update("c1", resources("cpus:0.25"))
        self.assertEqual(read(os.path.join(cpu, "cpu.shares")), "256")
        self.assertEqual(read(os.path.join(cpu, "cpu.cfs_quota_us")), "25000")

    def test_v1NoCfs(self) -> None:
        """
        Without C{--cgroups-enable-cfs} there is no quota.
        """
        cgroups = self.cgroups(V1)
        CgroupsCpuIsolator(cgroups, self.clock).prepare("c1", resources("cpus:1"), None)
        self.assertFalse(os.path.exists(os.path.join(cgroups.directory("cpu", "c1"),
                                                     "cpu.cfs_quota_us")))

    def test_v2(self) -> None:
        """
        On cgroup2: cpu.weight and cpu.max.
        """
        cgroups = self.cgroups(V2)
        isolator = CgroupsCpuIsolator(cgroups, self.clock, enableCfs=True)
        info = isolator.prepare("c1", resources("cpus:1"), None)
        [directory] = info.lastCgroups
        self.assertEqual(read(os.path.join(directory, "cpu.weight")), "39")
        self.assertEqual(read(os.path.join(directory, "cpu.max")), "100000 100000")
        plain = CgroupsCpuIsolator(cgroups, self.clock)
        [other] = plain.prepare("c2", resources("cpus:1"), None).lastCgroups
        self.assertEqual(read(os.path.join(other, "cpu.max")), "max 100000")

    def test_usageV1(self) -> None:
        """
        CPU time comes from cpuacct (nanoseconds), throttling from cpu.stat.
        """
        cgroups = self.cgroups(V1)
        isolator = CgroupsCpuIsolator(cgroups, self.clock, enableCfs=True)
        isolator.prepare("c1", resources("cpus:2"), None)
        acct = cgroups.directory("cpuacct", "c1")
        write(os.path.join(acct, "cpuacct.usage_user"), "1500000000\n")
        write(os.path.join(acct, "cpuacct.usage_sys"), "250000000\n")
        write(os.path.join(cgroups.directory("cpu", "c1"), "cpu.stat"),
              "nr_periods 10\nnr_throttled 3\nthrottled_time 2000000000\n")
        self.assertEqual(isolator.usage("c1"), {
            "cpus_limit": 2, "cpus_user_time_secs": 1.5, "cpus_system_time_secs": 0.25,
            "cpus_nr_periods": 10, "cpus_nr_throttled": 3, "cpus_throttled_time_secs": 2.0,
        })
        self.assertEqual(isolator.usage("unknown"), {})

    def test_usageV2(self) -> None:
        """
        On cgroup2, CPU time is in cpu.stat (microseconds).
        """
        cgroups = self.cgroups(V2)
        isolator = CgroupsCpuIsolator(cgroups, self.clock)
        [directory] = isolator.prepare("c1", resources("cpus:1"), None).lastCgroups
        write(os.path.join(directory, "cpu.stat"), "usage_usec 3000000\nuser_usec 2000000\n"
              "system_usec 1000000\n")
        usage = isolator.usage("c1")
        self.assertEqual((usage["cpus_user_time_secs"], usage["cpus_system_time_secs"]),
                         (2.0, 1.0))

    def test_cleanup(self) -> None:
        """
        Cleanup removes the container's cgroups.
        """
        cgroups = self.cgroups(V1)
        isolator = CgroupsCpuIsolator(cgroups, self.clock)
        info = isolator.prepare("c1", resources(), None)
        self.successResultOf(isolator.cleanup("c1"))
        self.assertEqual(len(info.lastCgroups), 2)
        self.assertFalse(any(os.path.exists(d) for d in info.lastCgroups))


class MemIsolatorTests(IsolatorTestCase):
    """
    Tests for L{CgroupsMemIsolator}.
    """

    def test_limitV1(self) -> None:
        """
        On v1 the hard and soft limits are what was given, at least 32 MB.
        """
        cgroups = self.cgroups(V1)
        isolator = CgroupsMemIsolator(cgroups, self.clock)
        [directory] = isolator.prepare("c1", resources("cpus:1;mem:16"), None).cgroups
        self.assertEqual(read(os.path.join(directory, "memory.limit_in_bytes")), str(32 * MB))
        self.assertEqual(read(os.path.join(directory, "memory.soft_limit_in_bytes")),
                         str(32 * MB))

    def test_swapOrder(self) -> None:
        """
        memory.memsw.limit_in_bytes follows the limit, written before it
        when growing and after it when shrinking, so it is never below.
        """
        cgroups = self.cgroups(V1)
        isolator = CgroupsMemIsolator(cgroups, self.clock)
        [directory] = isolator.prepare("c1", resources("mem:64"), None).cgroups
        write(os.path.join(directory, "memory.memsw.limit_in_bytes"), str(64 * MB))
        written: list[str] = []
        original = isolators.writeFile

        def recording(path, value):
            written.append(os.path.basename(path))
            original(path, value)

        self.patch(isolators, "writeFile", recording)
        isolator.update("c1", resources("mem:128"))
        self.assertEqual(written[:2], ["memory.memsw.limit_in_bytes", "memory.limit_in_bytes"])
        del written[:]
        isolator.update("c1", resources("mem:48"))
        self.assertEqual(written[:2], ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"])
        self.assertEqual(read(os.path.join(directory, "memory.memsw.limit_in_bytes")),
                         str(48 * MB))

    def test_limitV2(self) -> None:
        """
        On cgroup2: memory.max, and no swap where swap is accounted.
        """
        cgroups = self.cgroups(V2)
        cgroups.create("", "c1")
        write(os.path.join(cgroups.directory("", "c1"), "memory.swap.max"), "max")
        isolator = CgroupsMemIsolator(cgroups, self.clock)
        [directory] = isolator.prepare("c1", resources("mem:100"), None).cgroups
        self.assertEqual(read(os.path.join(directory, "memory.max")), str(100 * MB))
        self.assertEqual(read(os.path.join(directory, "memory.swap.max")), "0")

    def test_oomV1(self) -> None:
        """
        An OOM kill counted in memory.oom_control is a memory limitation
        naming the limit and the peak.
        """
        cgroups = self.cgroups(V1)
        isolator = CgroupsMemIsolator(cgroups, self.clock)
        [directory] = isolator.prepare("c1", resources("mem:64"), None).cgroups
        write(os.path.join(directory, "memory.oom_control"),
              "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n")
        self.assertIsNone(isolator.limitation("c1"))
        write(os.path.join(directory, "memory.oom_control"),
              "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
        write(os.path.join(directory, "memory.max_usage_in_bytes"), str(64 * MB))
        limitation = isolator.limitation("c1")
        self.assertEqual(limitation.reason, TaskStatus.REASON_CONTAINER_LIMITATION_MEMORY)
        self.assertEqual(limitation.resource, "mem")
        self.assertIn("memory limit is 64 MB", limitation.message)
        self.assertIn("maximum used 64 MB", limitation.message)
        self.assertIsNone(isolator.limitation("unknown"))

    def test_oomV2(self) -> None:
        """
        On cgroup2, memory.events counts OOM kills.
        """
        cgroups = self.cgroups(V2)
        isolator = CgroupsMemIsolator(cgroups, self.clock)
        [directory] = isolator.prepare("c1", resources("mem:32"), None).cgroups
        write(os.path.join(directory, "memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n")
        self.assertIsNone(isolator.limitation("c1"))
        write(os.path.join(directory, "memory.events"), "max 3\noom 1\noom_kill 1\n")
        write(os.path.join(directory, "memory.peak"), str(32 * MB))
        self.assertIn("32 MB", isolator.limitation("c1").message)

    def test_usage(self) -> None:
        """
        Usage has the total, resident and cache bytes and the limit, from
        v1 and v2 files.
        """
        v1 = self.cgroups(V1)
        isolator = CgroupsMemIsolator(v1, self.clock)
        [directory] = isolator.prepare("c1", resources("mem:64"), None).cgroups
        write(os.path.join(directory, "memory.usage_in_bytes"), "5000\n")
        write(os.path.join(directory, "memory.stat"), "cache 10\nrss 20\ntotal_cache 100\n"
              "total_rss 200\n")
        self.assertEqual(isolator.usage("c1"), {
            "mem_total_bytes": 5000, "mem_rss_bytes": 200, "mem_cache_bytes": 100,
            "mem_limit_bytes": 64 * MB,
        })
        v2 = self.cgroups(V2)
        isolator = CgroupsMemIsolator(v2, self.clock)
        [directory] = isolator.prepare("c1", resources("mem:64"), None).cgroups
        write(os.path.join(directory, "memory.current"), "7000\n")
        write(os.path.join(directory, "memory.stat"), "anon 300\nfile 400\n")
        usage = isolator.usage("c1")
        self.assertEqual((usage["mem_total_bytes"], usage["mem_rss_bytes"],
                          usage["mem_cache_bytes"]), (7000, 300, 400))

    def test_watchCancelled(self) -> None:
        """
        A container's watch never fires on its own and is cancelled by its
        cleanup, which removes its cgroup.
        """
        cgroups = self.cgroups(V1)
        isolator = CgroupsMemIsolator(cgroups, self.clock)
        [directory] = isolator.prepare("c1", resources(), None).cgroups
        watch = isolator.watch("c1")
        self.assertNoResult(watch)
        self.successResultOf(isolator.cleanup("c1"))
        self.failureResultOf(watch)
        self.assertFalse(os.path.exists(directory))

    def test_prepareFails(self) -> None:
        """
        A cgroup that cannot be configured is a L{LaunchError}, and the
        cgroup made is removed.
        """
        cgroups = self.cgroups(V1)
        directory = cgroups.directory("memory", "c1")
        self.patch(isolators, "writeFile", lambda path, value: (_ for _ in ()).throw(
            OSError(errno.EINVAL, "Invalid argument")))
        e = self.assertRaises(LaunchError, CgroupsMemIsolator(cgroups, self.clock).prepare,
                              "c1", resources(), None)
        self.assertIn("cgroups/mem", str(e))
        self.assertFalse(os.path.exists(directory))


class PidsIsolatorTests(IsolatorTestCase):
    """
    Tests for L{CgroupsPidsIsolator}.
    """

    def test_limit(self) -> None:
        """
        pids.max is the limit, or C{max}.
        """
        for version in (V1, V2):
            cgroups = self.cgroups(version)
            [limited] = CgroupsPidsIsolator(cgroups, self.clock, 10).prepare(
                "c1", resources(), None).cgroups
            self.assertEqual(read(os.path.join(limited, "pids.max")), "10")
            [free] = CgroupsPidsIsolator(cgroups, self.clock).prepare(
                "c2", resources(), None).cgroups
            self.assertEqual(read(os.path.join(free, "pids.max")), "max")

    def test_usage(self) -> None:
        """
        Usage counts processes (cgroup.procs) and threads (pids.current).
        """
        cgroups = self.cgroups(V1)
        isolator = CgroupsPidsIsolator(cgroups, self.clock, 10)
        [directory] = isolator.prepare("c1", resources(), None).cgroups
        write(os.path.join(directory, "cgroup.procs"), "1\n2\n")
        write(os.path.join(directory, "pids.current"), "5\n")
        self.assertEqual(isolator.usage("c1"),
                         {"processes": 2, "threads": 5, "pids_limit": 10})


class RemoveCgroupsTests(SynchronousTestCase):
    """
    Tests for L{isolators.removeCgroups}.
    """

    def test_busyRetried(self) -> None:
        """
        A cgroup still busy is removed again later, until it goes.
        """
        clock = Clock()
        busy = [2]

        def remove(directory):
            if busy[0]:
                busy[0] -= 1
                raise OSError(errno.EBUSY, "busy")

        self.patch(isolators, "removeCgroup", remove)
        d = isolators.removeCgroups(clock, ["/x"])
        self.assertNoResult(d)
        clock.pump([0.01, 0.01])
        self.successResultOf(d)

    def test_givesUp(self) -> None:
        """
        A cgroup busy for good, or another error, fails.
        """
        clock = Clock()

        def remove(directory):
            raise OSError(errno.EBUSY if directory == "/busy" else errno.EPERM, "no")

        self.patch(isolators, "removeCgroup", remove)
        d = isolators.removeCgroups(clock, ["/busy"], timeout=0.03)
        clock.pump([0.01] * 5)
        self.failureResultOf(d, CgroupError)
        self.failureResultOf(isolators.removeCgroups(clock, ["/denied"]), CgroupError)


class OtherIsolatorTests(IsolatorTestCase):
    """
    Tests for the namespace, filesystem and posix isolators, and
    L{makeIsolators}.
    """

    def test_namespaces(self) -> None:
        """
        Namespace isolators ask for their namespaces; uts names the host
        after the container.
        """
        self.assertEqual(NamespacesIsolator("namespaces/pid").prepare("c1", resources(), None),
                         LaunchInfo(namespaces=frozenset(["pid", "mount"])))
        self.assertEqual(NamespacesIsolator("namespaces/uts").prepare("c1", resources(), None),
                         LaunchInfo(namespaces=frozenset(["uts"]), hostname="c1"))
        self.assertEqual(FilesystemIsolator().prepare("c1", resources(), None),
                         LaunchInfo(namespaces=frozenset(["mount"]), privateTmp=True))

    def test_posix(self) -> None:
        """
        Posix isolators report usage of the container's processes and the
        limits it was given.
        """
        cpu = PosixIsolator("posix/cpu", lambda c: [os.getpid()])
        mem = PosixIsolator("posix/mem", lambda c: [os.getpid()])
        for isolator in (cpu, mem):
            isolator.prepare("c1", resources("cpus:2;mem:100"), None)
        self.assertEqual(cpu.usage("c1")["cpus_limit"], 2)
        self.assertEqual(cpu.usage("c1")["processes"], 1)
        self.assertGreater(mem.usage("c1")["mem_rss_bytes"], 0)
        self.assertEqual(mem.usage("c1")["mem_limit_bytes"], 100 * MB)
        mem.update("c1", resources("mem:200"))
        self.assertEqual(mem.usage("c1")["mem_limit_bytes"], 200 * MB)
        mem.cleanup("c1")
        self.assertEqual(mem.usage("c1"), {})

    def test_make(self) -> None:
        """
        L{makeIsolators} builds isolators in the order named; cgroup ones
        need cgroups.
        """
        cgroups = self.cgroups(V1)
        made = makeIsolators(isolation.LINUX_ISOLATION + ("posix/cpu", "network/none"),
                             self.clock, cgroups, lambda c: [])
        self.assertEqual([i.name for i in made],
                         list(isolation.LINUX_ISOLATION) + ["posix/cpu", "network/none"])
        self.assertRaises(ValueError, makeIsolators, ["cgroups/cpu"], self.clock, None,
                          lambda c: [])
        self.assertRaises(ValueError, makeIsolators, ["gpu/nvidia"], self.clock, None,
                          lambda c: [])


class LaunchInfoTests(SynchronousTestCase):
    """
    Tests for L{LaunchInfo.merge}.
    """

    def test_merge(self) -> None:
        """
        Namespaces and cgroups add up (each cgroup once, in order); the
        later hostname wins; a private C{/tmp} sticks.
        """
        a = LaunchInfo(frozenset(["pid"]), ("/a", "/b"), "one", True, ("/x",))
        b = LaunchInfo(frozenset(["uts"]), ("/b", "/c"), "two", False, ("/x", "/y"))
        self.assertEqual(a.merge(b),
                         LaunchInfo(frozenset(["pid", "uts"]), ("/a", "/b", "/c"), "two", True,
                                    ("/x", "/y")))
        self.assertEqual(a.merge(LaunchInfo()).hostname, "one")


class UserTests(SynchronousTestCase):
    """
    Tests for L{resolveUser} and L{splitLoaderVariables}.
    """

    def test_resolve(self) -> None:
        """
        A user's ids and groups become C{setpriv} options.
        """
        class Entry:
            pw_uid, pw_gid = 1001, 100

        credentials = resolveUser("alice", lambda name: Entry(), lambda n, g: [100, 27])
        self.assertEqual(credentials, Credentials("alice", 1001, 100, (100, 27)))
        self.assertEqual(credentials.setprivArguments(),
                         ["--reuid=1001", "--regid=100", "--groups=100,27"])

    def test_unknown(self) -> None:
        """
        An unknown user is a L{LaunchError} naming it.
        """
        def missing(name):
            raise KeyError(name)

        e = self.assertRaises(LaunchError, resolveUser, "mallory", missing)
        self.assertEqual(str(e), "Unknown user 'mallory': no such user on this slave")

    def test_loaderVariables(self) -> None:
        """
        Loader variables are held back for the task alone.
        """
        safe, held = splitLoaderVariables({"PATH": "/bin", "LD_PRELOAD": "x.so",
                                           "GCONV_PATH": "/g", "HOME": "/h"})
        self.assertEqual(safe, {"PATH": "/bin", "HOME": "/h"})
        self.assertEqual(held, ["LD_PRELOAD=x.so", "GCONV_PATH=/g"])


class ProcfsTests(SynchronousTestCase):
    """
    Tests for L{procfs}.
    """

    def test_parse(self) -> None:
        """
        A command name with spaces and parentheses does not confuse the
        parser.
        """
        text = ("42 (a) b (c)) S 1 42 40 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 "
                "100 1000 10 18446744073709551615")
        stat = procfs.parseStat(text)
        ticks = os.sysconf("SC_CLK_TCK")
        self.assertEqual(
            stat, procfs.ProcessStat(42, 40, 250 / ticks, 50 / ticks, 3, "S", 100)
        )
        self.assertTrue(stat.alive)
        self.assertFalse(procfs.parseStat(text.replace(") S ", ") Z ")).alive)

    def test_self(self) -> None:
        """
        This process is found in its session and has CPU time and memory.
        """
        me = procfs.stat(os.getpid())
        self.assertIn(os.getpid(), procfs.sessionMembers(me.session))
        usage = procfs.usage([os.getpid(), 2 ** 30])
        self.assertEqual(usage["processes"], 1)
        self.assertGreater(usage["mem_rss_bytes"], 0)


# --- The Linux launcher, with a fake reactor ---------------------------------


class FakeProcessReactor(Clock):
    """
    A clock whose C{spawnProcess} starts nothing and records what it was
    asked.
    """

    def __init__(self) -> None:
        Clock.__init__(self)
        self.spawned: list[tuple] = []
        self.endAtOnce = False

    def spawnProcess(self, protocol, executable, args, env, path, childFDs):
        from mesos_tw.testing.fakes import FakeProcessTransport

        transport = FakeProcessTransport(None, 4242)
        self.spawned.append((protocol, args, env))
        protocol.makeConnection(transport)
        if self.endAtOnce:
            protocol.processEnded(Failure(ProcessDone(0)))
        return transport


class LinuxLauncherUnitTests(SynchronousTestCase):
    """
    Tests for L{LinuxLauncher}'s bookkeeping, without processes: the helper
    it spawns, the order of events, limitations and failures.
    """

    def setUp(self) -> None:
        self.patch(isolators, "removeCgroup", removeFakeCgroup)
        self.patch(linux, "removeCgroup", removeFakeCgroup)
        self.reactor = FakeProcessReactor()
        self.cgroups = Cgroups(fakeV1(self), "mesos_tw")
        self.first = FakeIsolator("fake/one", LaunchInfo(namespaces=frozenset(["pid", "mount"])))
        self.second = FakeIsolator("fake/two", LaunchInfo(cgroups=("/cg/two",), hostname="h"))
        self.killed: list[tuple[int, int]] = []
        self.launcher = linux.LinuxLauncher(
            self.reactor, self.cgroups, [self.first, self.second], tools=Tools(),
            kill=lambda pid, signum: self.killed.append((pid, signum)),
        )
        self.sandbox = os.path.abspath(self.mktemp())
        os.makedirs(self.sandbox)
        self.events: list[str] = []

    def launch(self, env=None, user=None):
        from tests.test_posix_launcher import RecordingProtocol

        protocol = RecordingProtocol(self.events)
        self.launcher.launch("c1", ["true"], env or {"PATH": os.defpath}, self.sandbox,
                             user, resources("cpus:1;mem:64"), protocol)
        return protocol

    def end(self, reason) -> None:
        protocol = self.reactor.spawned[-1][0]
        protocol.processEnded(Failure(reason))

    def test_helper(self) -> None:
        """
        The helper joins the tracking cgroup first, then the isolators',
        with their namespaces and hostname; loader variables go to the final
        C{env} only.
        """
        self.launch(env={"PATH": os.defpath, "LD_PRELOAD": "x.so"})
        [(_, args, env)] = self.reactor.spawned
        tracking = self.cgroups.directory("freezer", "c1")
        self.assertEqual(args[:6], ["/usr/bin/setsid", "/usr/bin/unshare", "--fork",
                                    "--kill-child", "--pid", "--mount-proc"])
        self.assertIn(f"--wd={self.sandbox}", args)
        params = args[args.index("mesos-tw-init") + 1:args.index("--")]
        self.assertEqual(params, [f"cgroup={tracking}", "cgroup=/cg/two"])
        self.assertEqual(args[args.index("--") + 1:], ["/usr/bin/env", "LD_PRELOAD=x.so", "true"])
        self.assertEqual(env, {"PATH": os.defpath})
        self.assertEqual(self.first.methods(), ["prepare", "isolate", "watch"])

    def test_helperArgv(self) -> None:
        """
        The hostname needs a UTS namespace, a private C{/tmp} a mount
        namespace (and the sandbox put back if it is under C{/tmp}), a user
        C{setpriv}; CPU cgroups are joined after setting up (once each).
        """
        info = LaunchInfo(frozenset(["uts", "mount", "net"]), ("/cg",), "box", True,
                          ("/cpu", "/cg"))
        user = Credentials("u", 7, 8, (8,))
        args = linux.helperArgv(Tools(), info, "/tmp/s", ["a"], user)
        self.assertIn("--mount", args)
        self.assertIn("--uts", args)
        self.assertIn("--net", args)
        self.assertNotIn("--pid", args)
        self.patch(linux, "_slaveTmpDirectory", lambda: None)
        params = linux.helperArgv(Tools(), info, "/tmp/s", ["a"], user)
        params = params[params.index("mesos-tw-init") + 1:params.index("--")]
        self.assertEqual(params, ["cgroup=/cg", "hostname=box", "mount=/usr/bin/mount",
                                  "mkdir=/usr/bin/mkdir", "tmp", "rebind=/tmp/s",
                                  "cgroup=/cpu"])
        self.assertEqual(args[args.index("--") + 1:],
                         ["/usr/bin/setpriv", "--reuid=7", "--regid=8", "--groups=8", "--", "a"])
        bare = linux.helperArgv(Tools(), LaunchInfo(hostname="box"), "/s", ["a"])
        self.assertNotIn("hostname=box", bare)

    def test_keepSlaveInstallation(self) -> None:
        """
        When the slave's Python lives under C{/tmp}, the directory there that
        holds it is kept visible in the private C{/tmp}, before it is made.
        """
        self.patch(linux.sys, "prefix", "/tmp/checkout/.venv")
        self.patch(linux.sys, "base_prefix", "/usr")
        self.patch(linux.sys, "executable", "/usr/bin/python3")
        info = LaunchInfo(frozenset(["mount"]), (), None, True, ())
        args = linux.helperArgv(Tools(), info, "/work/s", ["a"])
        params = args[args.index("mesos-tw-init") + 1:args.index("--")]
        self.assertLess(params.index("keep=/tmp/checkout"), params.index("tmp"))

    def test_endBeforeDestroyed(self) -> None:
        """
        The protocol hears of the end before a pending destroy fires, even
        when releasing the container finishes at once; the isolators clean
        up in reverse order and the tracking cgroup goes.
        """
        self.launch()
        destroyed = self.launcher.destroy("c1")
        destroyed.addCallback(lambda _: self.events.append("destroyed"))
        self.assertEqual(self.killed, [(4242, signal.SIGKILL)])
        self.end(ProcessTerminated(signal=signal.SIGKILL, status=9))
        self.reactor.advance(0)
        self.assertEqual(self.events, ["connected", "ended", "destroyed"])
        self.assertEqual([c[0] for c in self.first.calls + self.second.calls
                          if c[0] == "cleanup"], ["cleanup", "cleanup"])
        self.assertFalse(os.path.exists(self.cgroups.directory("freezer", "c1")))
        self.successResultOf(self.launcher.destroy("c1"))

    def test_endAtOnce(self) -> None:
        """
        A process that ends during C{spawnProcess} is reported on the next
        turn.
        """
        self.reactor.endAtOnce = True
        self.launch()
        self.assertEqual(self.events, ["connected"])
        self.reactor.advance(0)
        self.assertEqual(self.events, ["connected", "ended"])

    def test_signalStatus(self) -> None:
        """
        The init's exit status 128+N is reported as death by signal N.
        """
        protocol = self.launch()
        self.end(ProcessTerminated(exitCode=143, status=143 << 8))
        [reason] = self.successResultOf(protocol.ended)
        self.assertEqual(reason.value.signal, signal.SIGTERM)
        self.assertIsNone(limitationOf(reason))

    def test_limitationWhileRunning(self) -> None:
        """
        An isolator's limitation destroys the container, whose end carries
        it.
        """
        protocol = self.launch()
        limitation = Limitation("mem", 8, "Memory limit exceeded")
        self.second.limit("c1", limitation)
        self.assertEqual(self.killed, [(4242, signal.SIGKILL)])
        self.end(ProcessTerminated(signal=signal.SIGKILL, status=9))
        [reason] = self.successResultOf(protocol.ended)
        self.assertIsInstance(reason.value, ContainerTerminated)
        self.assertEqual(reason.value.signal, signal.SIGKILL)
        self.assertEqual(limitationOf(reason), limitation)

    def test_limitationAtEnd(self) -> None:
        """
        A limitation found when the process has ended comes with its end.
        """
        protocol = self.launch()
        self.first.limitations["c1"] = Limitation("mem", 8, "OOM")
        self.end(ProcessDone(0))
        [reason] = self.successResultOf(protocol.ended)
        self.assertEqual(limitationOf(reason).message, "OOM")

    def test_prepareFails(self) -> None:
        """
        An isolator that cannot prepare fails the launch; those before it
        clean up and the tracking cgroup goes.
        """
        self.second.failure = LaunchError("no way")
        e = self.assertRaises(LaunchError, self.launch)
        self.assertEqual(str(e), "no way")
        self.assertEqual(self.first.methods(), ["prepare", "cleanup"])
        self.assertEqual(self.reactor.spawned, [])
        self.assertFalse(os.path.exists(self.cgroups.directory("freezer", "c1")))

    def test_updateAndUsage(self) -> None:
        """
        Updates reach the isolators; usage merges theirs over the limits.
        """
        self.launch()
        self.second.statistics = {"mem_rss_bytes": 5}
        self.launcher.update("c1", resources("cpus:2;mem:128"))
        self.assertEqual(self.first.calls[-1], ("update", "c1", resources("cpus:2;mem:128")))
        usage = self.launcher.usage("c1")
        self.assertEqual((usage["cpus_limit"], usage["mem_limit_bytes"],
                          usage["mem_rss_bytes"]), (2, 128 * MB, 5))
        self.assertEqual(usage["timestamp"], self.reactor.seconds())
