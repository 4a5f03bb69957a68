"""
Tests for L{mesos_tw.daemon}: shutdown signals handled without logging in
the signal handler, and L{ShutdownSignals} installing them once the reactor
runs.
"""

from __future__ import annotations

import signal

from twisted.internet.error import ReactorNotRunning
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import capturedLogs
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw.daemon import ShutdownSignals, installShutdownHandlers


class _Reactor(MemoryReactorClock):
    """
    A reactor with the reactor's own signal handlers and callFromThread.
    """

    def __init__(self) -> None:
        super().__init__()
        self.fromThread: list[tuple] = []
        self.stops = 0

    def sigTerm(self, number, frame=None) -> None:
        raise AssertionError("the reactor's own handler ran")

    sigInt = sigTerm

    def callFromThread(self, f, *args, **kwargs) -> None:
        self.fromThread.append((f, args, kwargs))

    def stop(self) -> None:
        self.stops += 1
        if self.stops > 1:
            raise ReactorNotRunning()


class ShutdownHandlerTests(SynchronousTestCase):
    """
    Tests for L{installShutdownHandlers}.
    """

    def setUp(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            self.addCleanup(signal.signal, signum, signal.getsignal(signum))
        self.reactor = _Reactor()

    def test_replacesReactorHandlers(self) -> None:
        """
        The reactor's own SIGTERM and SIGINT handlers are replaced; another
        handler is left alone.
        """
        signal.signal(signal.SIGTERM, self.reactor.sigTerm)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        self.assertEqual(installShutdownHandlers(self.reactor), [signal.SIGTERM])
        self.assertNotEqual(signal.getsignal(signal.SIGTERM), self.reactor.sigTerm)
        self.assertIs(signal.getsignal(signal.SIGINT), signal.default_int_handler)

    def test_handlerOnlySchedules(self) -> None:
        """
        The handler logs nothing: it notes the signal for twistd's exit and
        asks the reactor thread to shut down, which logs it and stops the
        reactor once.
        """
        signal.signal(signal.SIGTERM, self.reactor.sigTerm)
        installShutdownHandlers(self.reactor)
        handler = signal.getsignal(signal.SIGTERM)
        with capturedLogs() as events:
            handler(signal.SIGTERM, None)
            handler(signal.SIGTERM, None)
        self.assertEqual(list(events), [])
        self.assertEqual(self.reactor._exitSignal, signal.SIGTERM)
        self.assertEqual(len(self.reactor.fromThread), 2)
        with capturedLogs() as events:
            for f, args, kwargs in self.reactor.fromThread:
                f(*args, **kwargs)
        self.assertEqual(self.reactor.stops, 2)
        self.assertEqual(
            [e["log_format"] for e in events], ["Received {signal}, shutting down."] * 2
        )
        self.assertEqual(events[0]["signal"], "SIGTERM")


class ShutdownSignalsTests(SynchronousTestCase):
    """
    Tests for L{ShutdownSignals}.
    """

    def test_installsWhenRunning(self) -> None:
        """
        The handlers are installed once the reactor runs, after it installed
        its own.
        """
        self.addCleanup(signal.signal, signal.SIGTERM, signal.getsignal(signal.SIGTERM))
        reactor = _Reactor()
        signal.signal(signal.SIGTERM, reactor.sigTerm)
        ShutdownSignals(reactor).startService()
        self.assertEqual(signal.getsignal(signal.SIGTERM), reactor.sigTerm)
        reactor.run()
        self.assertNotEqual(signal.getsignal(signal.SIGTERM), reactor.sigTerm)
