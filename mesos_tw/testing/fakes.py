# -*- test-case-name: tests.test_posix_launcher -*-
"""
Test doubles for the seams of L{mesos_tw.interfaces}.

L{FakeLauncher} passes the same L{ILauncher} conformance suite as
L{mesos_tw.slave.containerizer.PosixLauncher} and
L{mesos_tw.slave.containerizer.LinuxLauncher} (see
C{tests.test_posix_launcher}), recovery included: what a previous slave
process left is given as L{FakeLauncher.recoverable}, e.g. from
L{FakeLauncher.abandon} or L{FakeLauncher.leftBehind} of the launcher of
that process.
"""

from __future__ import annotations

import os
import signal as _signal
from typing import Callable, Iterable, Mapping, Sequence, Union

from twisted.internet.defer import Deferred, succeed
from twisted.internet.error import ProcessDone, ProcessTerminated
from twisted.internet.interfaces import IProcessTransport, IReactorTime
from twisted.python.failure import Failure
from zope.interface import implementer
from zope.interface.verify import verifyClass

from mesos_tw.interfaces import IIsolator, ILauncher
from mesos_tw.slave.containerizer.common import (
    ContainerLost,
    LaunchError,
    LaunchInfo,
    Limitation,
    findProgram,
    resolveUser,
    statusReason,
)
from mesos_tw.slave.containerizer.isolation import limitsOf, memoryLimitBytes


@implementer(IProcessTransport)
class FakeProcessTransport:
    """
    The transport of a L{FakeProcess}: it records what is done to it.

    @ivar signals: the signals sent with L{signalProcess}, as given.
    """

    def __init__(self, process: FakeProcess, pid: int) -> None:
        self.process = process
        self.pid: int | None = pid
        self.signals: list[object] = []

    def signalProcess(self, signalID: object) -> None:
        self.signals.append(signalID)

    def closeStdin(self) -> None:
        pass

    def closeStdout(self) -> None:
        pass

    def closeStderr(self) -> None:
        pass

    def closeChildFD(self, descriptor: int) -> None:
        pass

    def writeToChild(self, childFD: int, data: bytes) -> None:
        pass

    def write(self, data: bytes) -> None:
        pass

    def writeSequence(self, data: list[bytes]) -> None:
        pass

    def loseConnection(self) -> None:
        pass

    def getPeer(self) -> object:
        return None

    def getHost(self) -> object:
        return None


class FakeProcess:
    """
    A process a L{FakeLauncher} pretends to run; the test ends it.

    It is looked after by one launcher at a time: the one that launched it,
    or one that recovered it.  While none does (after L{FakeLauncher.abandon}
    or L{FakeLauncher.close} with C{keep}), its end is told to nobody and
    kept for the next launcher to recover.

    @ivar signals: the signal numbers sent to its container.
    @ivar ended: the reason it ended, once it has.
    @ivar recorded: whether its end was recorded (as a container's init
        records the exit status): not if it was L{lost <lose>}.
    @ivar onSignal: if set, called with each signal number sent to its
        container (e.g. to end it), after it is recorded in L{signals}.
    """

    def __init__(
        self,
        launcher: FakeLauncher,
        containerId: str,
        argv: Sequence[str],
        environment: Mapping[str, str],
        sandbox: str,
        user: str | None,
        resources: object,
        protocol,
        pid: int,
    ) -> None:
        self._launcher = launcher
        self.containerId = containerId
        self.argv = list(argv)
        self.environment = dict(environment)
        self.sandbox = sandbox
        self.user = user
        self.resources = resources
        self.protocol = protocol
        self.transport = FakeProcessTransport(self, pid)
        self.signals: list[int] = []
        self.ended: Failure | None = None
        self.recorded = True
        self.onSignal: Callable[[int], object] | None = None

    def write(self, text: str, name: str = "stdout") -> None:
        """
        Append C{text} to the sandbox file C{name}, as the process would.
        """
        with open(os.path.join(self.sandbox, name), "a") as f:
            f.write(text)

    def exit(self, code: int = 0) -> None:
        """
        The process exits with status C{code}.
        """
        if code == 0:
            self._end(Failure(ProcessDone(0)))
        else:
            self._end(Failure(ProcessTerminated(exitCode=code, status=code << 8)))

    def kill(self, signum: int) -> None:
        """
        The process dies of signal C{signum}.
        """
        self._end(Failure(ProcessTerminated(signal=signum, status=signum)))

    def limit(self, limitation, signum: int = _signal.SIGKILL) -> None:
        """
        The container hit C{limitation} (a
        L{mesos_tw.slave.containerizer.common.Limitation}): its process is
        killed with C{signum} and its end carries the limitation.
        """
        from mesos_tw.slave.containerizer.common import ContainerTerminated

        ended = ProcessTerminated(signal=signum, status=signum)
        self._end(Failure(ContainerTerminated(ended, limitation)))

    def lose(self) -> None:
        """
        The whole container is killed at once (its init too), so that its
        exit status is not recorded: a launcher recovering it reports it
        as a L{ContainerLost}.
        """
        self.recorded = False
        self._end(Failure(ProcessTerminated(signal=_signal.SIGKILL, status=_signal.SIGKILL)))

    @property
    def running(self) -> bool:
        """
        Whether the process has not ended.
        """
        return self.ended is None

    def _end(self, reason: Failure) -> None:
        if self.ended is not None:
            raise RuntimeError(f"process of {self.containerId} already ended")
        self.ended = reason
        self.transport.pid = None
        launcher = self._launcher
        if launcher is None:
            return
        launcher._ended(self)
        self.protocol.processExited(reason)
        self.protocol.processEnded(reason)

    def _lookedAfterBy(self, launcher: FakeLauncher | None, protocol=None) -> None:
        self._launcher = launcher
        if protocol is not None:
            self.protocol = protocol


@implementer(ILauncher)
class FakeLauncher:
    """
    An L{ILauncher} that runs nothing: it records each launch as a
    L{FakeProcess} that the test ends with L{FakeProcess.exit} or
    L{FakeProcess.kill}.

    @ivar launches: every process launched, in order.
    @ivar processes: the processes not yet ended, by container id.
    @ivar destroyed: the container ids passed to L{destroy}, in order.
    @ivar failure: if set, the next launch raises it (and clears it).
    @ivar programs: pretend programs by C{argv[0]}: each is called with the
        L{FakeProcess} on the clock right after its launch, and may write
        output and end it.
    @ivar updates: C{(containerId, resources)} passed to L{update}, in
        order.
    @ivar statistics: extra statistics L{usage} reports, by container id.
    @ivar closed: whether L{close} was called.
    @ivar kept: the ids of the containers L{close} left running.
    @ivar recoverable: what a previous slave process left, for L{recover}:
        by container id, a L{FakeProcess} (running: it is adopted; ended:
        its end is reported, as a L{ContainerLost} if it was L{lost
        <FakeProcess.lose>}), an C{int} (it ended while the slave was down
        and its init recorded this exit status; C{128+N} for a death by
        signal C{N}), a L{Failure} (its end, as reported), or L{None} (its
        status is unknown: L{ContainerLost}).  Those not given to
        L{recover} are orphans: a running one is killed.
    @ivar recovered: the ids L{recover} found running, once called.
    @ivar orphans: the ids of the orphans L{recover} destroyed.
    """

    name = "fake"

    def __init__(
        self,
        clock: IReactorTime | None = None,
        programs: Mapping[str, Callable[[FakeProcess], object]] | None = None,
        recoverable: Mapping[str, Recoverable] | None = None,
    ) -> None:
        """
        @param clock: runs L{programs} and reports ended containers after
            L{recover}.
        @param recoverable: see L{recoverable}.
        """
        self._clock = clock
        self.programs = dict(programs or {})
        self.launches: list[FakeProcess] = []
        self.processes: dict[str, FakeProcess] = {}
        self.destroyed: list[str] = []
        self.failure: Exception | None = None
        self.updates: list[tuple[str, object]] = []
        self.statistics: dict[str, dict[str, float]] = {}
        self.closed = False
        self.kept: list[str] = []
        self.recoverable: dict[str, Recoverable] = dict(recoverable or {})
        self.recovered: set[str] | None = None
        self.orphans: list[str] = []
        self._left: dict[str, FakeProcess] = {}
        self._nextPid = 1000

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
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure
        if containerId in self.processes:
            raise LaunchError(f"container {containerId} already exists")
        if not argv:
            raise LaunchError("nothing to run: the command is empty")
        program = self.programs.get(argv[0])
        if program is None and findProgram(argv[0], environment, sandbox) is None:
            raise LaunchError(f"program {argv[0]!r} not found")
        if user is not None:
            resolveUser(user)
        self._nextPid += 1
        process = FakeProcess(
            self, containerId, argv, environment, sandbox, user, resources,
            processProtocol, self._nextPid,
        )
        self.launches.append(process)
        self.processes[containerId] = process
        self._left[containerId] = process
        processProtocol.makeConnection(process.transport)
        if program is not None:
            if self._clock is None:
                raise RuntimeError("FakeLauncher needs a clock to run programs")
            self._clock.callLater(0, program, process)
        return process.transport

    def signal(self, containerId: str, signum: int) -> None:
        """
        Record C{signum} as sent to the container; the process ignores it
        unless it has an L{onSignal <FakeProcess.onSignal>}.
        """
        process = self.processes.get(containerId)
        if process is not None:
            process.signals.append(signum)
            if process.onSignal is not None:
                process.onSignal(signum)

    def destroy(self, containerId: str) -> Deferred[None]:
        self.destroyed.append(containerId)
        process = self.processes.get(containerId)
        if process is not None:
            process.signals.append(_signal.SIGKILL)
            process.kill(_signal.SIGKILL)
        return succeed(None)

    def update(self, containerId: str, resources) -> None:
        """
        Record C{resources} as the container's.
        """
        self.updates.append((containerId, resources))
        process = self.processes.get(containerId)
        if process is not None:
            process.resources = resources

    def usage(self, containerId: str) -> dict[str, float] | None:
        """
        The container's limits, what L{statistics} holds for it, and the
        time.
        """
        process = self.processes.get(containerId)
        if process is None:
            return None
        result: dict[str, float] = {}
        if process.resources is not None:
            cpus, mem = limitsOf(process.resources)
            result.update(cpus_limit=cpus, mem_limit_bytes=memoryLimitBytes(mem))
        result.update(self.statistics.get(containerId, {}))
        result["timestamp"] = self._clock.seconds() if self._clock is not None else 0.0
        return result

    def close(self, keep: Iterable[str] = ()) -> Deferred[None]:
        """
        Destroy the containers left but those in C{keep}, which are left
        running for the next launcher (see L{leftBehind}); note that it
        was called.
        """
        for containerId in keep:
            process = self.processes.pop(containerId, None)
            if process is not None:
                process._lookedAfterBy(None)
                self.kept.append(containerId)
        for containerId in list(self.processes):
            self.destroy(containerId)
        self.closed = True
        return succeed(None)

    def abandon(self) -> dict[str, FakeProcess]:
        """
        The slave process dies: this launcher looks after nothing any more,
        and its processes' ends are told to nobody.

        @return: L{leftBehind}, for the next launcher's L{recoverable}.
        """
        for process in self.processes.values():
            process._lookedAfterBy(None)
        self.processes.clear()
        return self.leftBehind()

    def leftBehind(self) -> dict[str, FakeProcess]:
        """
        What a launcher recovering after this one finds: the processes this
        one launched or recovered that it has not released (those running,
        those it left running, and those that ended since).
        """
        return dict(self._left)

    def recover(self, containers: Mapping[str, tuple]) -> Deferred[set[str]]:
        """
        Adopt the processes of L{recoverable} still running that are in
        C{containers}, report the end of the others of C{containers} on the
        clock's next turn, and kill the running orphans.

        @raise RuntimeError: if called twice or after a launch, or without
            a clock when there are ends to report.
        """
        if self.recovered is not None or self.launches:
            raise RuntimeError("recover() comes once, before any launch")
        running: set[str] = set()
        ended = []
        for containerId, (resources, protocol) in containers.items():
            found = self.recoverable.pop(containerId, None)
            if isinstance(found, FakeProcess) and found.running:
                found._lookedAfterBy(self, protocol)
                found.resources = resources
                self.processes[containerId] = found
                self._left[containerId] = found
                running.add(containerId)
            else:
                ended.append((protocol, _endOf(containerId, found)))
        for containerId, found in sorted(self.recoverable.items()):
            self.orphans.append(containerId)
            if isinstance(found, FakeProcess) and found.running:
                found.kill(_signal.SIGKILL)
        self.recoverable = {}
        self.recovered = running
        if ended and self._clock is None:
            raise RuntimeError("FakeLauncher needs a clock to report ended containers")
        for protocol, reason in ended:
            self._clock.callLater(0, protocol.processEnded, reason)
        return succeed(running)

    def _ended(self, process: FakeProcess) -> None:
        self.processes.pop(process.containerId, None)
        self._left.pop(process.containerId, None)

    def process(self, containerId: str) -> FakeProcess:
        """
        The last process launched in a container.

        @raise KeyError: if there is none.
        """
        for process in reversed(self.launches):
            if process.containerId == containerId:
                return process
        raise KeyError(containerId)


#: What a previous slave process may leave of a container (see
#: L{FakeLauncher.recoverable}).
Recoverable = Union[FakeProcess, int, Failure, None]


def _endOf(containerId: str, found: Recoverable) -> Failure:
    """
    How a container that is not running ended, from what was left of it.
    """
    if isinstance(found, FakeProcess):
        if found.recorded and found.ended is not None:
            return found.ended
        return Failure(ContainerLost(containerId))
    if isinstance(found, Failure):
        return found
    if isinstance(found, int):
        return statusReason(found)
    return Failure(ContainerLost(containerId))


@implementer(IIsolator)
class FakeIsolator:
    """
    An L{IIsolator} that records what it is asked and contributes a fixed
    L{LaunchInfo}; the test decides its limitations.

    @ivar calls: C{(method, containerId, ...)} for every call, in order.
    @ivar info: what L{prepare} contributes.
    @ivar failure: if set, the next L{prepare} raises it (and clears it).
    @ivar limitations: what L{limitation} answers, by container id.
    @ivar statistics: what L{usage} answers.
    """

    def __init__(self, name: str = "fake/isolator", info: LaunchInfo | None = None) -> None:
        self.name = name
        self.info = info if info is not None else LaunchInfo()
        self.calls: list[tuple] = []
        self.failure: Exception | None = None
        self.limitations: dict[str, Limitation] = {}
        self.statistics: dict[str, float] = {}
        self._watches: dict[str, Deferred[Limitation]] = {}

    def prepare(self, containerId, resources, user) -> LaunchInfo:
        self.calls.append(("prepare", containerId, resources, user))
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure
        return self.info

    def isolate(self, containerId, pid) -> None:
        self.calls.append(("isolate", containerId, pid))

    def watch(self, containerId) -> Deferred[Limitation]:
        self.calls.append(("watch", containerId))
        return self._watches.setdefault(containerId, Deferred(lambda d: None))

    def limit(self, containerId: str, limitation: Limitation) -> None:
        """
        The container goes past its limits while it runs: fire its watch.
        """
        self.limitations[containerId] = limitation
        self._watches.setdefault(containerId, Deferred()).callback(limitation)

    def limitation(self, containerId) -> Limitation | None:
        self.calls.append(("limitation", containerId))
        return self.limitations.get(containerId)

    def update(self, containerId, resources) -> None:
        self.calls.append(("update", containerId, resources))

    def usage(self, containerId) -> dict[str, float]:
        self.calls.append(("usage", containerId))
        return dict(self.statistics)

    def cleanup(self, containerId) -> Deferred[None]:
        self.calls.append(("cleanup", containerId))
        watch = self._watches.pop(containerId, None)
        if watch is not None and not watch.called:
            watch.cancel()
        return succeed(None)

    def recover(self, containerId, resources) -> None:
        self.calls.append(("recover", containerId, resources))

    def forget(self, containerId) -> None:
        self.calls.append(("forget", containerId))
        self._watches.pop(containerId, None)

    def methods(self, containerId: str | None = None) -> list[str]:
        """
        The names of the methods called (for C{containerId} only if given).
        """
        return [c[0] for c in self.calls if containerId is None or c[1] == containerId]


verifyClass(IProcessTransport, FakeProcessTransport)
verifyClass(ILauncher, FakeLauncher)
verifyClass(IIsolator, FakeIsolator)
