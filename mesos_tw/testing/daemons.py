# -*- test-case-name: tests.test_integration -*-
"""
Real daemons for integration tests: C{twistd mesos-master} and
C{twistd mesos-slave} as child processes on loopback.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from typing import Callable, Sequence

from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.protocol import ProcessProtocol
from twisted.internet.task import deferLater
from twisted.python.failure import Failure

#: Runs twistd with the interpreter of the tests, so the same install is used.
TWISTD = [sys.executable, "-c", "from twisted.scripts.twistd import run; run()"]


def freePort(host: str = "127.0.0.1") -> int:
    """
    A TCP port that nothing listens on right now.
    """
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class _Watch(ProcessProtocol):
    def __init__(self) -> None:
        self.ended: Deferred[Exception] = Deferred()

    def processEnded(self, reason: Failure) -> None:
        self.ended.callback(reason.value)


class Daemon:
    """
    One C{twistd -n PLUGIN ...} process, logging to C{directory/twistd.log}.

    @ivar ended: fires when the process ends, with the
        L{twisted.internet.error.ProcessDone} or C{ProcessTerminated} that
        says how.
    """

    def __init__(self, reactor, directory: str, plugin: str, args: Sequence[str]) -> None:
        self._reactor = reactor
        self.directory = directory
        self.plugin = plugin
        self.args = list(args)
        self.logPath = os.path.join(directory, "twistd.log")
        self.process = None
        self.ended: Deferred | None = None
        os.makedirs(directory, exist_ok=True)

    def start(self) -> None:
        """
        Spawn the process.
        """
        watch = _Watch()
        argv = TWISTD + [
            "--nodaemon",
            "--logfile", self.logPath,
            "--pidfile", os.path.join(self.directory, "twistd.pid"),
            self.plugin,
        ] + self.args
        self.process = self._reactor.spawnProcess(
            watch, argv[0], argv, env=dict(os.environ), path=self.directory
        )
        self.ended = watch.ended

    @property
    def running(self) -> bool:
        return self.ended is not None and not self.ended.called

    def signal(self, signum: int = signal.SIGTERM) -> Deferred:
        """
        Send C{signum} and wait for the process to end.
        """
        if self.running:
            self.process.signalProcess(signum)
        return self.ended

    def stop(self) -> Deferred:
        """
        Stop the process if it runs (SIGTERM) and wait for it.
        """
        if not self.running:
            d = Deferred()
            d.callback(None)
            return d
        return self.signal(signal.SIGTERM)

    def log(self, lines: int = 40) -> str:
        """
        The end of the daemon's log, for failure messages.
        """
        try:
            with open(self.logPath) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"


@inlineCallbacks
def waitFor(
    reactor,
    check: Callable[[], object],
    timeout: float = 30.0,
    interval: float = 0.05,
    what: str = "the condition",
    details: Callable[[], str] = lambda: "",
):
    """
    Poll C{check} (which may return a Deferred) until it returns something
    true, or fail after C{timeout} seconds.

    @return: a Deferred firing with the true value.
    """
    deadline = reactor.seconds() + timeout
    last: object = None
    while True:
        try:
            last = yield check()
        except Exception as e:
            last = e
        else:
            if last:
                return last
        if reactor.seconds() > deadline:
            raise AssertionError(
                f"timed out after {timeout:g} s waiting for {what}; "
                f"last result {last!r}\n{details()}"
            )
        yield deferLater(reactor, interval, lambda: None)
