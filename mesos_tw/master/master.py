# -*- test-case-name: tests.test_master -*-
"""
The master's message handlers.

The master holds soft state only: everything here is rebuilt from slaves and
frameworks that (re-)register.
"""

from __future__ import annotations

import itertools
from typing import Any

import attr
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from mesos_tw import messages_pb2 as msgs
from mesos_tw.master import constants
from mesos_tw.master.observer import SlaveObserver
from mesos_tw.mesos_pb2 import MasterInfo, SlaveID
from mesos_tw.protocol.dispatch import Dispatcher
from mesos_tw.protocol.framing import MessageProtocol
from mesos_tw.resources import Resources, ResourcesError

SLAVE = ("slave",)


@attr.s(auto_attribs=True, eq=False)
class Slave:
    """
    The master's record of one slave.

    @ivar principal: the name in the certificate the slave registered with.
    """

    id: str
    info: Any
    resources: Resources
    principal: str
    connection: MessageProtocol | None
    observer: SlaveObserver | None = None
    registeredTime: float = 0.0
    reregisteredTime: float | None = None

    @property
    def connected(self) -> bool:
        return self.connection is not None


class Master:
    """
    Registers slaves and watches their health.

    @ivar slaves: registered slaves by id.
    """

    _log = Logger()

    def __init__(
        self,
        info: MasterInfo,
        clock: IReactorTime,
        pingTimeout: float = constants.SLAVE_PING_TIMEOUT,
        maxPingTimeouts: int = constants.MAX_SLAVE_PING_TIMEOUTS,
    ) -> None:
        self.info = info
        self._clock = clock
        self._pingTimeout = pingTimeout
        self._maxPingTimeouts = maxPingTimeouts
        self._slaveIds = itertools.count()
        self.startTime = clock.seconds()
        self.slaves: dict[str, Slave] = {}
        self._slaveByConnection: dict[MessageProtocol, Slave] = {}
        self.dispatcher = d = Dispatcher()
        d.register(msgs.RegisterSlaveMessage, self.registerSlave, SLAVE)
        d.register(msgs.ReregisterSlaveMessage, self.reregisterSlave, SLAVE)
        d.register(msgs.UnregisterSlaveMessage, self.unregisterSlave, SLAVE)
        d.register(msgs.PongSlaveMessage, self.pongSlave, SLAVE)

    # --- Slaves --------------------------------------------------------------

    def registerSlave(
        self, connection: MessageProtocol, message: msgs.RegisterSlaveMessage
    ) -> None:
        """
        Admit a new slave and give it a fresh id.
        """
        known = self._slaveByConnection.get(connection)
        if known is not None:
            # A retried registration that crossed our reply.
            self._sendRegistered(known)
            return
        resources = self._validateSlave(connection, message.slave, message.version)
        if resources is None:
            return
        slaveId = f"{self.info.id}-S{next(self._slaveIds)}"
        while slaveId in self.slaves:
            # Taken by a slave that re-registered with an id of our range.
            slaveId = f"{self.info.id}-S{next(self._slaveIds)}"
        slave = self._addSlave(slaveId, message.slave, resources, connection)
        self._log.info(
            "Registered slave {slaveId} at {peer} ({hostname}) with {resources}",
            slaveId=slaveId,
            peer=connection.peer,
            hostname=message.slave.hostname,
            resources=str(resources),
        )
        self._sendRegistered(slave)
        slave.observer.start()

    def reregisterSlave(
        self, connection: MessageProtocol, message: msgs.ReregisterSlaveMessage
    ) -> None:
        """
        Take back a slave that was registered before, with this master or a
        previous one.
        """
        slaveId = message.slave.id.value
        if not slaveId:
            self._refuseSlave(connection, "re-registration without a slave id")
            return
        current = self._slaveByConnection.get(connection)
        if current is not None and current.id != slaveId:
            self._refuseSlave(
                connection, f"this connection is slave {current.id}, not {slaveId}"
            )
            return
        resources = self._validateSlave(connection, message.slave, message.version)
        if resources is None:
            return
        slave = self.slaves.get(slaveId)
        if slave is not None:
            if slave.principal != connection.peer.name:
                self._refuseSlave(
                    connection,
                    f"slave {slaveId} belongs to {slave.principal!r}, "
                    f"not {connection.peer.name!r}",
                )
                return
            self._detach(slave)
            slave.info.CopyFrom(message.slave)
            slave.resources = resources
            self._attach(slave, connection)
        else:
            slave = self._addSlave(slaveId, message.slave, resources, connection)
        slave.reregisteredTime = self._clock.seconds()
        self._log.info(
            "Re-registered slave {slaveId} at {peer}",
            slaveId=slaveId,
            peer=connection.peer,
        )
        connection.send(
            msgs.SlaveReregisteredMessage(
                slave_id=SlaveID(value=slaveId), connection=self._slaveConnection()
            )
        )
        slave.observer.start()

    def unregisterSlave(
        self, connection: MessageProtocol, message: msgs.UnregisterSlaveMessage
    ) -> None:
        """
        A slave shuts down cleanly.
        """
        slave = self._slaveByConnection.get(connection)
        if slave is None or slave.id != message.slave_id.value:
            self._log.warn(
                "Ignoring unregistration of unknown slave {slaveId} from {peer}",
                slaveId=message.slave_id.value,
                peer=connection.peer,
            )
            return
        self.removeSlave(slave, "unregistered")

    def pongSlave(self, connection: MessageProtocol, message: msgs.PongSlaveMessage) -> None:
        """
        A slave answered a ping.
        """
        slave = self._slaveByConnection.get(connection)
        if slave is not None and slave.observer is not None:
            slave.observer.pong()

    def removeSlave(self, slave: Slave, why: str) -> None:
        """
        Forget a slave.
        """
        self._log.warn("Removing slave {slaveId}: {why}", slaveId=slave.id, why=why)
        connection = slave.connection
        self._detach(slave)
        if connection is not None:
            connection.transport.loseConnection()
        if self.slaves.get(slave.id) is slave:
            del self.slaves[slave.id]

    # --- Connections ---------------------------------------------------------

    def connectionLost(self, connection: MessageProtocol, reason: Failure) -> None:
        """
        A peer went away.
        """
        slave = self._slaveByConnection.get(connection)
        if slave is not None:
            self._log.warn(
                "Slave {slaveId} at {peer} disconnected",
                slaveId=slave.id,
                peer=connection.peer,
            )
            self._detach(slave)

    def stop(self) -> None:
        """
        Stop all timers.
        """
        for slave in list(self.slaves.values()):
            self._detach(slave)

    # --- Helpers -------------------------------------------------------------

    def _validateSlave(
        self, connection: MessageProtocol, info: Any, version: str
    ) -> Resources | None:
        if _versionTuple(version) < _versionTuple(constants.MINIMUM_SLAVE_VERSION):
            self._refuseSlave(
                connection,
                f"slave version {version!r} is older than "
                f"{constants.MINIMUM_SLAVE_VERSION}",
            )
            return None
        if not info.hostname:
            self._refuseSlave(connection, "SlaveInfo has no hostname")
            return None
        try:
            return Resources.fromProto(info.resources)
        except ResourcesError as e:
            self._refuseSlave(connection, f"invalid resources: {e}")
            return None

    def _refuseSlave(self, connection: MessageProtocol, why: str) -> None:
        self._log.warn(
            "Refusing slave at {peer}: {why}", peer=connection.peer, why=why
        )
        connection.send(msgs.ShutdownMessage(message=f"Refused by the master: {why}"))
        connection.transport.loseConnection()

    def _addSlave(
        self, slaveId: str, info: Any, resources: Resources, connection: MessageProtocol
    ) -> Slave:
        record = type(info)()
        record.CopyFrom(info)
        slave = Slave(
            id=slaveId,
            info=record,
            resources=resources,
            principal=connection.peer.name,
            connection=None,
            registeredTime=self._clock.seconds(),
        )
        slave.info.id.value = slaveId
        self.slaves[slaveId] = slave
        self._attach(slave, connection)
        return slave

    def _attach(self, slave: Slave, connection: MessageProtocol) -> None:
        slave.connection = connection
        self._slaveByConnection[connection] = slave
        slave.observer = SlaveObserver(
            self._clock,
            lambda: connection.send(msgs.PingSlaveMessage(connected=True)),
            lambda: self.removeSlave(slave, "health check timed out"),
            self._pingTimeout,
            self._maxPingTimeouts,
        )

    def _detach(self, slave: Slave) -> None:
        if slave.observer is not None:
            slave.observer.stop()
            slave.observer = None
        if slave.connection is not None:
            self._slaveByConnection.pop(slave.connection, None)
            slave.connection = None

    def _slaveConnection(self) -> msgs.SlaveConnection:
        return msgs.SlaveConnection(
            total_ping_timeout_seconds=self._pingTimeout * self._maxPingTimeouts
        )

    def _sendRegistered(self, slave: Slave) -> None:
        slave.connection.send(
            msgs.SlaveRegisteredMessage(
                slave_id=SlaveID(value=slave.id), connection=self._slaveConnection()
            )
        )


def _versionTuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return ()
