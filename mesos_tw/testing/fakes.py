# -*- test-case-name: tests.test_posix_launcher -*-
"""
Test doubles for the seams of L{mesos_tw.interfaces}.

L{FakeLauncher} passes the same L{ILauncher} conformance suite as
L{mesos_tw.slave.containerizer.PosixLauncher} (see
C{tests.test_posix_launcher}).
"""

from __future__ import annotations

import os
import signal as _signal
from typing import Callable, Mapping, Sequence

from twisted.internet.defer import Deferred, succeed
from twisted.internet.error import ProcessDone, ProcessTerminated
from twisted.internet.interfaces import IProcessTransport, IReactorTime
from twisted.python.failure import Failure
from zope.interface import implementer
from zope.interface.verify import verifyClass

from mesos_tw.interfaces import ILauncher
from mesos_tw.slave.containerizer.posix import LaunchError, findProgram


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

    @ivar signals: the signal numbers sent to its container.
    @ivar ended: the reason it ended, once it has.
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
        self._launcher._ended(self)
        self.protocol.processExited(reason)
        self.protocol.processEnded(reason)


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
    """

    name = "fake"

    def __init__(
        self,
        clock: IReactorTime | None = None,
        programs: Mapping[str, Callable[[FakeProcess], object]] | None = None,
    ) -> None:
        self._clock = clock
        self.programs = dict(programs or {})
        self.launches: list[FakeProcess] = []
        self.processes: dict[str, FakeProcess] = {}
        self.destroyed: list[str] = []
        self.failure: Exception | None = None
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
        if user is not None:
            raise LaunchError("--switch-user is not supported by the fake launcher")
        if containerId in self.processes:
            raise LaunchError(f"container {containerId} already exists")
        if not argv:
            raise LaunchError("nothing to run: the command is empty")
        program = self.programs.get(argv[0])
        if program is None and findProgram(argv[0], environment, sandbox) is None:
            raise LaunchError(f"program {argv[0]!r} not found")
        self._nextPid += 1
        process = FakeProcess(
            self, containerId, argv, environment, sandbox, user, resources,
            processProtocol, self._nextPid,
        )
        self.launches.append(process)
        self.processes[containerId] = process
        processProtocol.makeConnection(process.transport)
        if program is not None:
            if self._clock is None:
                raise RuntimeError("FakeLauncher needs a clock to run programs")
            self._clock.callLater(0, program, process)
        return process.transport

    def signal(self, containerId: str, signum: int) -> None:
        """
        Record C{signum} as sent to the container; the process ignores it.
        """
        process = self.processes.get(containerId)
        if process is not None:
            process.signals.append(signum)

    def destroy(self, containerId: str) -> Deferred[None]:
        self.destroyed.append(containerId)
        process = self.processes.get(containerId)
        if process is not None:
            process.signals.append(_signal.SIGKILL)
            process.kill(_signal.SIGKILL)
        return succeed(None)

    def _ended(self, process: FakeProcess) -> None:
        self.processes.pop(process.containerId, None)

    def process(self, containerId: str) -> FakeProcess:
        """
        The last process launched in a container.

        @raise KeyError: if there is none.
        """
        for process in reversed(self.launches):
            if process.containerId == containerId:
                return process
        raise KeyError(containerId)


verifyClass(IProcessTransport, FakeProcessTransport)
verifyClass(ILauncher, FakeLauncher)
