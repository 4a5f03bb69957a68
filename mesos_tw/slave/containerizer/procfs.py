# -*- test-case-name: tests.test_isolators -*-
"""
Usage of processes from C{/proc}, for containers without cgroups (the
posix launcher and the C{posix/cpu} and C{posix/mem} isolators).
"""

from __future__ import annotations

import os
from typing import Iterable

import attr

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@attr.s(auto_attribs=True, frozen=True)
class ProcessStat:
    """
    The fields of C{/proc/PID/stat} this module uses.
    """

    pid: int
    session: int
    userSeconds: float
    systemSeconds: float
    threads: int
    #: Field 3: C{R}, C{S}, ..., C{Z} for a zombie.
    state: str = "R"
    #: Field 22: when the process started, in clock ticks after boot.
    startTime: int = 0

    @property
    def alive(self) -> bool:
        """
        Whether the process has not exited (it is not a zombie).
        """
        return self.state not in ("Z", "X", "x")


def parseStat(text: str) -> ProcessStat:
    """
    Parse the content of C{/proc/PID/stat}.

    @raise ValueError: if it is malformed.
    """
    pid = int(text.split(" ", 1)[0])
    fields = text.rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state) of proc(5).
    return ProcessStat(
        pid=pid,
        session=int(fields[3]),
        userSeconds=int(fields[11]) / _TICKS,
        systemSeconds=int(fields[12]) / _TICKS,
        threads=int(fields[17]),
        state=fields[0],
        startTime=int(fields[19]),
    )


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def stat(pid: int, proc: str = "/proc") -> ProcessStat | None:
    """
    The L{ProcessStat} of C{pid}, or L{None} if it is gone.
    """
    text = _read(f"{proc}/{pid}/stat")
    try:
        return parseStat(text) if text else None
    except (ValueError, IndexError):
        return None


def sessionStats(session: int, proc: str = "/proc") -> list[ProcessStat]:
    """
    The L{ProcessStat}s of the processes of session C{session}, zombies
    included.
    """
    members = []
    for name in os.listdir(proc):
        if name.isdigit():
            s = stat(int(name), proc)
            if s is not None and s.session == session:
                members.append(s)
    return members


def sessionMembers(session: int, proc: str = "/proc") -> list[int]:
    """
    The processes of session C{session}.
    """
    return [s.pid for s in sessionStats(session, proc)]


def usage(pids: Iterable[int], proc: str = "/proc") -> dict[str, float]:
    """
    CPU time, resident memory, processes and threads of C{pids}, as Mesos
    C{ResourceStatistics} fields.
    """
    user = system = 0.0
    rss = processes = threads = 0
    for pid in pids:
        s = stat(pid, proc)
        if s is None:
            continue
        statm = _read(f"{proc}/{pid}/statm")
        if statm:
            try:
                rss += int(statm.split()[1]) * _PAGE
            except (ValueError, IndexError):
                pass
        user += s.userSeconds
        system += s.systemSeconds
        processes += 1
        threads += s.threads
    return {
        "cpus_user_time_secs": round(user, 2),
        "cpus_system_time_secs": round(system, 2),
        "mem_rss_bytes": rss,
        "processes": processes,
        "threads": threads,
    }
