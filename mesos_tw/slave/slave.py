# -*- test-case-name: tests.test_slave -*-
"""
The slave's side of its conversation with the master.
"""

from __future__ import annotations

import random
from typing import Callable

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

import mesos_tw
from mesos_tw import messages_pb2 as msgs
from mesos_tw.mesos_pb2 import SlaveInfo
from mesos_tw.protocol.dispatch import Dispatcher
from mesos_tw.protocol.framing import MessageProtocol
from mesos_tw.slave import constants

MASTER = ("master",)


class Slave:
    """
    Registers with the master, re-registers after reconnecting, answers pings.

    @ivar id: the slave id the master gave, or L{None} before the first
        registration.
    @ivar registered: whether the current connection has registered.
    """

    _log = Logger()

    def __init__(
        self,
        info: SlaveInfo,
        clock: IReactorTime,
        backoffFactor: float = constants.REGISTRATION_BACKOFF_FACTOR,
        onShutdown: Callable[[str], object] = lambda why: None,
        random: Callable[[], float] = random.random,
    ) -> None:
        self.info = info
        self.id: str | None = None
        self.registered = False
        self.master: MessageProtocol | None = None
        self._clock = clock
        self._backoffFactor = backoffFactor
        self._backoff = backoffFactor
        self._random = random
        self._onShutdown = onShutdown
        self._retry: IDelayedCall | None = None
        self._pingTimer: IDelayedCall | None = None
        self._pingTimeout: float | None = None
        self.dispatcher = d = Dispatcher()
        d.register(msgs.SlaveRegisteredMessage, self.slaveRegistered, MASTER)
        d.register(msgs.SlaveReregisteredMessage, self.slaveReregistered, MASTER)
        d.register(msgs.PingSlaveMessage, self.ping, MASTER)
        d.register(msgs.ShutdownMessage, self.shutdown, MASTER)

    # --- Connection ----------------------------------------------------------

    def connected(self, connection: MessageProtocol) -> None:
        """
        A connection to the master is up: register after a random delay.
        """
        if connection.peer.role != "master":
            self._log.error(
                "Peer {peer} is not a master; closing the connection",
                peer=connection.peer,
            )
            connection.transport.loseConnection()
            return
        self._log.info("Connected to master {peer}", peer=connection.peer)
        self.master = connection
        self.registered = False
        self._backoff = self._backoffFactor
        self._schedule(self._random() * self._backoff)

    def disconnected(self, connection: MessageProtocol, reason: Failure) -> None:
        """
        The connection to the master is gone; the client service reconnects.
        """
        if connection is not self.master:
            return
        self._log.warn(
            "Lost the master {peer}: {reason}",
            peer=connection.peer,
            reason=reason.getErrorMessage(),
        )
        self.master = None
        self.registered = False
        self._cancel()

    # --- Registration --------------------------------------------------------

    def _register(self) -> None:
        self._retry = None
        if self.master is None or self.registered:
            return
        info = SlaveInfo()
        info.CopyFrom(self.info)
        version = mesos_tw.__version__
        if self.id is None:
            self._log.info("Registering with the master")
            self.master.send(msgs.RegisterSlaveMessage(slave=info, version=version))
        else:
            self._log.info("Re-registering slave {slaveId}", slaveId=self.id)
            info.id.value = self.id
            self.master.send(msgs.ReregisterSlaveMessage(slave=info, version=version))
        self._backoff = min(self._backoff * 2, constants.REGISTER_RETRY_INTERVAL_MAX)
        self._schedule(self._random() * self._backoff)

    def slaveRegistered(
        self, connection: MessageProtocol, message: msgs.SlaveRegisteredMessage
    ) -> None:
        """
        The master admitted us with a fresh id.
        """
        if self.id is not None and self.id != message.slave_id.value:
            self._log.error(
                "The master registered us as {new}, but we are {old}; ignoring",
                new=message.slave_id.value,
                old=self.id,
            )
            return
        self.id = message.slave_id.value
        self._registeredWith(message.connection, "Registered as slave {slaveId}")

    def slaveReregistered(
        self, connection: MessageProtocol, message: msgs.SlaveReregisteredMessage
    ) -> None:
        """
        The master took us back.
        """
        if message.slave_id.value != self.id:
            self._log.error(
                "The master re-registered {new}, but we are {old}; ignoring",
                new=message.slave_id.value,
                old=self.id,
            )
            return
        self._registeredWith(message.connection, "Re-registered as slave {slaveId}")

    def _registeredWith(self, connection: msgs.SlaveConnection, text: str) -> None:
        self.registered = True
        self._cancel()
        self._log.info(text, slaveId=self.id)
        if connection.total_ping_timeout_seconds > 0:
            self._pingTimeout = connection.total_ping_timeout_seconds
            self._resetPingTimer()

    # --- Health --------------------------------------------------------------

    def ping(self, connection: MessageProtocol, message: msgs.PingSlaveMessage) -> None:
        """
        Answer the master's ping; if it no longer knows us, register again.
        """
        connection.send(msgs.PongSlaveMessage())
        self._resetPingTimer()
        if self.registered and not message.connected:
            self._log.warn("The master thinks we are disconnected; re-registering")
            self.registered = False
            self._backoff = self._backoffFactor
            self._schedule(0)

    def _resetPingTimer(self) -> None:
        if self._pingTimeout is None:
            return
        if self._pingTimer is not None and self._pingTimer.active():
            self._pingTimer.reset(self._pingTimeout)
        else:
            self._pingTimer = self._clock.callLater(self._pingTimeout, self._noPings)

    def _noPings(self) -> None:
        self._pingTimer = None
        if self.master is not None:
            self._log.warn(
                "No ping from the master for {timeout} s; reconnecting",
                timeout=self._pingTimeout,
            )
            self.master.transport.abortConnection()

    def shutdown(self, connection: MessageProtocol, message: msgs.ShutdownMessage) -> None:
        """
        The master told us to shut down.
        """
        self._log.error("The master shut us down: {why}", why=message.message)
        self._onShutdown(message.message)

    # --- Timers --------------------------------------------------------------

    def _schedule(self, delay: float) -> None:
        self._cancel(ping=False)
        self._retry = self._clock.callLater(delay, self._register)

    def _cancel(self, ping: bool = True) -> None:
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
        self._retry = None
        if ping and self._pingTimer is not None and self._pingTimer.active():
            self._pingTimer.cancel()
            self._pingTimer = None

    def stop(self) -> None:
        """
        Stop all timers.
        """
        self._cancel()
