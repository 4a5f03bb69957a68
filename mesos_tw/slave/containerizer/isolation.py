# -*- test-case-name: tests.test_isolators -*-
"""
Isolation policy, free of I/O: the C{--isolation} flag, which launcher it
needs, the default for a host, and the cgroup values for a container's
resources (Mesos's C{isolators/cgroups/constants.hpp}).
"""

from __future__ import annotations

import math

from mesos_tw.resources import Resources

#: Every isolator, in the order they prepare a container (Mesos's table
#: order); they clean up in reverse.
ISOLATORS = (
    "filesystem/linux",
    "posix/cpu",
    "posix/mem",
    "cgroups/cpu",
    "cgroups/mem",
    "cgroups/pids",
    "namespaces/ipc",
    "namespaces/pid",
    "namespaces/uts",
    "network/none",
)

#: Names that stand for several isolators.
ALIASES = {
    "posix": ("posix/cpu", "posix/mem"),
    "process": ("posix/cpu", "posix/mem"),
    "cgroups": ("cgroups/cpu", "cgroups/mem"),
}

#: Isolation without isolation: usage reporting only, by the posix launcher.
POSIX_ISOLATION = ("posix/cpu", "posix/mem")

#: Isolation on a Linux host where the slave runs as root.
LINUX_ISOLATION = (
    "filesystem/linux",
    "cgroups/cpu",
    "cgroups/mem",
    "cgroups/pids",
    "namespaces/ipc",
    "namespaces/pid",
    "namespaces/uts",
)

#: The cgroup controllers each isolator needs (v1 names; cgroup2 has no
#: cpuacct, whose figures are in its cpu controller).
CONTROLLERS = {
    "cgroups/cpu": ("cpu", "cpuacct"),
    "cgroups/mem": ("memory",),
    "cgroups/pids": ("pids",),
}

#: cpu.shares per CPU, and the least cpu.shares.
CPU_SHARES_PER_CPU = 1024
MIN_CPU_SHARES = 2

#: The CFS period, and the least CFS quota, in microseconds.
CPU_CFS_PERIOD_US = 100_000
MIN_CPU_CFS_QUOTA_US = 1_000

#: The least memory limit, in MB.
MIN_MEMORY_MB = 32

_MB = 1024 * 1024


def parseIsolation(text: str) -> tuple[str, ...]:
    """
    The isolators named by C{--isolation} (comma-separated; aliases
    expanded), in L{ISOLATORS} order.

    @raise ValueError: naming an unknown isolator.
    """
    names: set[str] = set()
    for word in (w.strip() for w in text.split(",")):
        if not word:
            continue
        if word in ALIASES:
            names.update(ALIASES[word])
        elif word in ISOLATORS:
            names.add(word)
        else:
            raise ValueError(
                f"unknown isolator {word!r}; known: {', '.join(ISOLATORS)} "
                f"(and {', '.join(ALIASES)})"
            )
    if not names:
        raise ValueError("no isolator named")
    return tuple(n for n in ISOLATORS if n in names)


def needsLinuxLauncher(isolators: tuple[str, ...]) -> bool:
    """
    Whether C{isolators} need the Linux launcher (anything beyond posix).
    """
    return any(not name.startswith("posix/") for name in isolators)


def namespacesOf(isolators: tuple[str, ...]) -> frozenset[str]:
    """
    The namespaces C{isolators} put a container in.
    """
    namespaces = set()
    for name in isolators:
        if name == "namespaces/pid":
            namespaces.update(["pid", "mount"])
        elif name == "filesystem/linux":
            namespaces.add("mount")
        elif name.startswith("namespaces/"):
            namespaces.add(name.split("/", 1)[1])
        elif name == "network/none":
            namespaces.add("net")
    return frozenset(namespaces)


def controllersOf(isolators: tuple[str, ...], version: int) -> tuple[str, ...]:
    """
    The cgroup controllers C{isolators} need on a cgroup C{version} host.
    """
    needed: list[str] = []
    for name in isolators:
        for controller in CONTROLLERS.get(name, ()):
            if version == 2 and controller == "cpuacct":
                continue
            if controller not in needed:
                needed.append(controller)
    return tuple(needed)


def linuxProblems(
    isolators: tuple[str, ...],
    platform: str,
    euid: int,
    controllers: frozenset[str] | None,
    version: int | None,
    missingTools: tuple[str, ...] = (),
    cgroupProblem: str | None = None,
) -> list[str]:
    """
    Why this host cannot give C{isolators}; empty if it can.

    @param controllers: the cgroup controllers available, L{None} if no
        cgroup hierarchy was found (C{cgroupProblem} says why).
    @param version: the cgroup version found, or L{None}.
    @param missingTools: helper programs not found.
    """
    if not needsLinuxLauncher(isolators):
        return []
    problems = []
    if not platform.startswith("linux"):
        return [f"isolation needs Linux, this is {platform}"]
    if euid != 0:
        problems.append("isolation needs the slave to run as root")
    if missingTools:
        problems.append("missing programs: " + ", ".join(missingTools))
    if controllers is None:
        problems.append(f"no cgroups: {cgroupProblem or 'no hierarchy found'}")
    else:
        tracking = "freezer" if version == 1 else None
        needed = list(controllersOf(isolators, version or 1))
        if tracking is not None and tracking not in needed:
            needed.append(tracking)
        missing = [c for c in needed if c not in controllers]
        if missing:
            problems.append(
                "cgroup controllers not available: " + ", ".join(missing)
            )
    return problems


def defaultIsolation(problems: list[str]) -> tuple[tuple[str, ...], str | None]:
    """
    The isolation to use when C{--isolation} is not given: full Linux
    isolation, or posix with a warning when C{problems} (from
    L{linuxProblems} for L{LINUX_ISOLATION}) say this host cannot.

    @return: the isolators, and the warning to log at start (or L{None}).
    """
    if not problems:
        return LINUX_ISOLATION, None
    return POSIX_ISOLATION, (
        "Containers are NOT isolated: running with --isolation=posix "
        "(no namespaces, no cgroups; tasks can see and hurt each other and "
        "the slave) because " + "; ".join(problems)
    )


# --- Limits ------------------------------------------------------------------


def cpuShares(cpus: float) -> int:
    """
    C{cpu.shares} for C{cpus}: 1024 per CPU, at least 2.
    """
    return max(int(CPU_SHARES_PER_CPU * cpus), MIN_CPU_SHARES)


def cpuWeight(shares: int) -> int:
    """
    The cgroup2 C{cpu.weight} (1 to 10000) equivalent to C{cpu.shares}
    (2 to 262144), as runc and systemd convert them.
    """
    shares = min(max(shares, 2), 262144)
    return 1 + ((shares - 2) * 9999) // 262142


def cfsQuota(cpus: float) -> int:
    """
    The CFS quota in microseconds per L{CPU_CFS_PERIOD_US} for C{cpus}: at
    least 1 ms.
    """
    return max(int(math.ceil(cpus * CPU_CFS_PERIOD_US)), MIN_CPU_CFS_QUOTA_US)


def memoryLimitBytes(memMB: float) -> int:
    """
    The memory limit for C{mem} MB: at least 32 MB.
    """
    return int(max(memMB, MIN_MEMORY_MB) * _MB)


def limitsOf(resources: Resources) -> tuple[float, float]:
    """
    The cpus and the mem (MB) of C{resources}.
    """
    return resources.scalar("cpus"), resources.scalar("mem")


def megabytes(value: int) -> str:
    """
    A byte count in MB for messages, e.g. C{"64 MB"}.
    """
    mb = value / _MB
    return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"
