# -*- test-case-name: tests.test_master_standby -*-
"""
What a master that does not lead does with messages: it redirects.

A master serves (registers slaves and frameworks, allocates) only once it
is elected and has recovered the registry. Until then its listener's
messages go through a L{StandbyGate}: a standby answers every message with
a L{msgs.MasterRedirectMessage} naming the leader it detects (or none) and
closes the connection, so slaves and scheduler drivers go to the leader. A
master elected but still recovering holds the messages it gets and handles
them once it serves.
"""

from __future__ import annotations

from typing import Callable

from google.protobuf.message import Message
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from mesos_tw import messages_pb2 as msgs
from mesos_tw.mesos_pb2 import MasterInfo
from mesos_tw.messages_pb2 import MessageRefused
from mesos_tw.protocol.dispatch import Dispatcher, Refused
from mesos_tw.protocol.framing import MessageProtocol

_log = Logger()

Handler = Callable[[MessageProtocol, Message], object]

#: Seconds a standby holds a connection's message before redirecting it.
REDIRECT_GRACE = 1.0


class Leadership:
    """
    What a master knows of the election.

    @ivar info: this master's C{MasterInfo}.
    @ivar serving: whether this master leads and has recovered: it then
        handles messages.
    @ivar elected: whether this master was elected (it may still be
        recovering).
    @ivar leader: the leading master as last detected, or L{None}.
    @ivar electedTime: when this master was elected, or L{None}.
    """

    def __init__(self, info: MasterInfo, serving: bool = False) -> None:
        self.info = info
        self.serving = serving
        self.elected = serving
        self.leader: MasterInfo | None = info if serving else None
        self.electedTime: float | None = None

    @property
    def leaderElsewhere(self) -> MasterInfo | None:
        """
        The leader if it is another master, else L{None}.
        """
        if self.leader is None or self.leader.id == self.info.id:
            return None
        return self.leader


class StandbyGate:
    """
    Stands for the master's L{Dispatcher} on its listener: while the master
    serves, it hands every message to the master's handler; before, it
    redirects or holds them.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        leadership: Leadership,
        clock: IReactorTime,
        grace: float = REDIRECT_GRACE,
    ) -> None:
        """
        @param grace: how long a standby holds a connection's first message
            before redirecting it, in seconds.
        """
        self.dispatcher = dispatcher
        self.leadership = leadership
        self._clock = clock
        self._grace = grace
        self._held: list[tuple[MessageProtocol, Handler, Message]] = []
        self._redirects: dict[MessageProtocol, IDelayedCall] = {}

    def decode(self, frame: bytes, role: str | None) -> tuple[Handler, Message]:
        """
        Parse a frame as the master's dispatcher does; unless the master
        serves, the handler redirects or holds the message.
        """
        handler, message = self.dispatcher.decode(frame, role)
        if self.leadership.serving or isinstance(message, MessageRefused):
            return handler, message
        return lambda connection, m: self._hold(connection, handler, m), message

    def _hold(self, connection: MessageProtocol, handler: Handler, message: Message) -> None:
        if self.leadership.serving:
            handler(connection, message)
            return
        self._held.append((connection, handler, message))
        if not self.leadership.elected and connection not in self._redirects:
            self._redirects[connection] = self._clock.callLater(
                self._grace, self._graceOver, connection, message
            )

    def _graceOver(self, connection: MessageProtocol, message: Message) -> None:
        del self._redirects[connection]
        if self.leadership.serving or self.leadership.elected:
            # Elected meanwhile: the messages are handled once it serves.
            return
        self._dropHeld(connection)
        self._redirect(connection, message)

    def _redirect(self, connection: MessageProtocol, message: Message) -> None:
        leader = self.leadership.leaderElsewhere
        messageType = message.DESCRIPTOR.full_name
        redirect = msgs.MasterRedirectMessage(message_type=messageType)
        if leader is not None:
            redirect.leader.CopyFrom(leader)
            redirect.message = f"this master does not lead; the leader is {leader.pid}"
        else:
            redirect.message = "this master does not lead, and no leader is known"
        _log.info(
            "Not leading: redirecting {peer} ({messageType}) to {leader}",
            peer=connection.peer,
            messageType=messageType,
            leader=leader.pid if leader is not None else None,
        )
        connection.send(redirect)
        connection.transport.loseConnection()

    def serve(self) -> None:
        """
        The master serves now: handle the messages held meanwhile, in
        order.
        """
        held, self._held = self._held, []
        for timer in self._redirects.values():
            timer.cancel()
        self._redirects.clear()
        for connection, handler, message in held:
            try:
                handler(connection, message)
            except Refused as refusal:
                connection.refused(message, refusal)
            except Exception:
                _log.failure(
                    "Handler for {messageType} from {peer} failed",
                    messageType=message.DESCRIPTOR.full_name,
                    peer=connection.peer,
                )

    def connectionLost(self, connection: MessageProtocol) -> None:
        """
        Drop what C{connection} sent that is held.
        """
        self._dropHeld(connection)
        timer = self._redirects.pop(connection, None)
        if timer is not None:
            timer.cancel()

    def _dropHeld(self, connection: MessageProtocol) -> None:
        self._held = [entry for entry in self._held if entry[0] is not connection]

    @property
    def held(self) -> int:
        """
        How many messages wait for the master to serve.
        """
        return len(self._held)
