# -*- test-case-name: tests.test_daemon -*-
"""
How the daemons end: L{exitProcess} for one that must exit (for its
supervisor to restart it), and shutdown signals that cannot deadlock the
logger.

The reactor handles SIGTERM and SIGINT by logging "Received SIGTERM,
shutting down." from inside the signal handler. Python runs a handler
between two bytecodes of the reactor thread, and the lock of Twisted's file
log observer (L{twisted.python.threadable.XLock}, a pure-Python C{RLock})
may then be half taken by that same thread: the handler waits for it
forever, and the daemon ignores every later SIGTERM until it is SIGKILLed.
L{ShutdownSignals} replaces those two handlers with ones that only schedule
the shutdown; the reactor thread logs it.
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType
from typing import Any, Callable

from twisted.application.service import Service
from twisted.internet.error import ReactorNotRunning
from twisted.logger import Logger

_log = Logger()


def exitProcess(reactor: Any, status: int = 1, grace: float = 10.0) -> Callable[[str], None]:
    """
    What a daemon does when it must exit: stop the reactor (the services
    stop, a ZooKeeper session closes), then end the process with
    C{status}; if stopping takes more than C{grace} seconds, end it anyway.
    """

    def exit(reason: str) -> None:
        def now() -> None:
            os._exit(status)

        timer = threading.Timer(grace, now)
        timer.daemon = True
        timer.start()
        reactor.addSystemEventTrigger("after", "shutdown", now)
        if reactor.running:
            reactor.stop()
        else:
            reactor.callWhenRunning(reactor.stop)

    return exit

#: The signals handled, with the name of the reactor's own handler.
SIGNALS = ((signal.SIGTERM, "sigTerm"), (signal.SIGINT, "sigInt"))


def installShutdownHandlers(reactor) -> list[int]:
    """
    Replace the reactor's own SIGTERM and SIGINT handlers (others, such as
    a debugger's, are left alone) with handlers that do not log.

    @return: the signals whose handlers were replaced.
    """
    replaced = []
    for signum, name in SIGNALS:
        own = getattr(reactor, name, None)
        if own is not None and signal.getsignal(signum) == own:
            signal.signal(signum, _Handler(reactor))
            replaced.append(signum)
    return replaced


class _Handler:
    """
    A signal handler that asks the reactor thread to shut down, and nothing
    else.
    """

    def __init__(self, reactor) -> None:
        self.reactor = reactor

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        # twistd ends the process with this signal once the reactor stops,
        # as it does after the reactor's own handlers.
        self.reactor._exitSignal = signum
        self.reactor.callFromThread(_stop, self.reactor, signum)


def _stop(reactor, signum: int) -> None:
    _log.info("Received {signal}, shutting down.", signal=signal.Signals(signum).name)
    try:
        reactor.stop()
    except ReactorNotRunning:
        pass


class ShutdownSignals(Service):
    """
    Installs the handlers of L{installShutdownHandlers} once the reactor
    runs (it installs its own as it starts).
    """

    name = "shutdown-signals"

    def __init__(self, reactor) -> None:
        self._reactor = reactor

    def startService(self) -> None:
        Service.startService(self)
        self._reactor.callWhenRunning(installShutdownHandlers, self._reactor)
