# -*- test-case-name: tests.test_master,tests.test_master_faults -*-
"""
Slave health: the master pings each slave and counts missed pongs.

The count goes on while a slave is disconnected (its pings go nowhere), so a
slave that does not come back is removed like one that stopped answering.
"""

from __future__ import annotations

from typing import Callable

from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall


class SlaveObserver:
    """
    Pings one slave every C{timeout} seconds; C{maxTimeouts} pings in a row
    without a pong call C{onLost}.
    """

    def __init__(
        self,
        clock: IReactorTime,
        ping: Callable[[], object],
        onLost: Callable[[], object],
        timeout: float,
        maxTimeouts: int,
    ) -> None:
        self._ping = ping
        self._onLost = onLost
        self._maxTimeouts = maxTimeouts
        self._timeout = timeout
        self._call = LoopingCall(self._tick)
        self._call.clock = clock
        self.missed = 0
        self._pongSinceLastPing = True

    def start(self) -> None:
        """
        Send the first ping now and keep pinging.
        """
        self._call.start(self._timeout, now=True)

    def stop(self) -> None:
        """
        Stop pinging.
        """
        if self._call.running:
            self._call.stop()

    def restart(self) -> None:
        """
        Forget missed pings, ping now and keep pinging (the slave came
        back).
        """
        self.stop()
        self.missed = 0
        self._pongSinceLastPing = True
        self.start()

    def pong(self) -> None:
        """
        The slave answered.
        """
        self._pongSinceLastPing = True
        self.missed = 0

    def _tick(self) -> None:
        if not self._pongSinceLastPing:
            self.missed += 1
            if self.missed >= self._maxTimeouts:
                self.stop()
                self._onLost()
                return
        self._pongSinceLastPing = False
        self._ping()
