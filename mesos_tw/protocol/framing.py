# -*- test-case-name: tests.test_framing -*-
"""
Frames on the wire: a 4-byte big-endian length, then one protobuf Envelope.

A connection carries messages both ways.  A frame over the size limit,
garbage, an unknown type, an undecodable payload or a message the peer's role
may not send is logged with the peer's identity and closes that connection
only. A message its handler refuses (by raising L{Refused}) is logged and
answered with a L{MessageRefused}; the connection stays open.
"""

from __future__ import annotations

from typing import Callable

from google.protobuf.message import Message
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IHandshakeListener, ISSLTransport
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.protocols.basic import Int32StringReceiver
from twisted.python.failure import Failure
from zope.interface import implementer

from mesos_tw.messages_pb2 import MessageRefused
from mesos_tw.protocol.dispatch import Dispatcher, ProtocolError, Refused, encode
from mesos_tw.protocol.tls import Peer, peerFromTransport

#: Large enough for one offer burst to 10,000 slaves (about 3 MB, see the
#: tests), with room to spare.
MAX_FRAME_SIZE = 64 * 1024 * 1024


@implementer(IHandshakeListener)
class MessageProtocol(Int32StringReceiver):
    """
    One framed connection.

    @ivar peer: who is on the other side; known once L{MessageFactory}'s
        C{onReady} has been called (after the TLS handshake, on TLS).
    """

    _log = Logger()
    peer: Peer | None = None

    def __init__(self, factory: MessageFactory) -> None:
        self.factory = factory
        self.MAX_LENGTH = factory.maxFrameSize

    def connectionMade(self) -> None:
        _noDelay(self.transport)
        if not ISSLTransport.providedBy(self.transport):
            address = self.transport.getPeer()
            self.peer = Peer("", "", _formatAddress(address))
            self.factory.ready(self)

    def handshakeCompleted(self) -> None:
        self.peer = peerFromTransport(self.transport)
        self.factory.ready(self)

    def connectionLost(self, reason: Failure) -> None:
        if self.peer is not None:
            self.factory.lost(self, reason)

    def send(self, message: Message) -> None:
        """
        Send one message to the peer.
        """
        self.sendString(encode(message))

    def stringReceived(self, frame: bytes) -> None:
        role = self.peer.role if self.peer is not None else None
        try:
            handler, message = self.factory.dispatcher.decode(frame, role)
        except ProtocolError as e:
            self._refuse(str(e))
            return
        try:
            result = handler(self, message)
        except Refused as refusal:
            self.refused(message, refusal)
            return
        except Exception:
            self._log.failure(
                "Handler for {messageType} from {peer} failed",
                messageType=message.DESCRIPTOR.full_name,
                peer=self.peer,
            )
            return
        if isinstance(result, Deferred):
            result.addErrback(self._handlerFailed, message)

    def _handlerFailed(self, failure: Failure, message: Message) -> None:
        if failure.check(Refused):
            self.refused(message, failure.value)
            return
        self._log.failure(
            "Handler for {messageType} from {peer} failed",
            failure,
            messageType=message.DESCRIPTOR.full_name,
            peer=self.peer,
        )

    def refused(self, message: Message, refusal: Refused) -> None:
        """
        Log that C{message} from the peer was refused and tell the peer with
        a L{MessageRefused}, unless C{message} is itself a refusal.
        """
        messageType = message.DESCRIPTOR.full_name
        self._log.warn(
            "Refused {messageType} from {peer}: {code}: {reason}",
            messageType=messageType,
            peer=self.peer,
            code=refusal.codeName,
            reason=refusal.reason,
            **refusal.ids,
        )
        if not isinstance(message, MessageRefused):
            self.send(refusal.toMessage(messageType))

    def lengthLimitExceeded(self, length: int) -> None:
        self._refuse(f"frame of {length} bytes exceeds the limit of {self.MAX_LENGTH}")

    def _refuse(self, why: str) -> None:
        """
        Log a protocol violation, stop parsing and close the connection.
        """
        self._log.warn(
            "Closing connection from {peer}: {why}",
            peer=self.peer or _formatAddress(self.transport.getPeer()),
            why=why,
        )
        self.paused = True
        self.transport.loseConnection()


class MessageFactory(Factory):
    """
    Builds L{MessageProtocol}s that dispatch to one L{Dispatcher}.

    @ivar onReady: called with each connection once its peer is known.
    @ivar onLost: called with each ready connection and the reason it ended.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        maxFrameSize: int = MAX_FRAME_SIZE,
        onReady: Callable[[MessageProtocol], object] | None = None,
        onLost: Callable[[MessageProtocol, Failure], object] | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.maxFrameSize = maxFrameSize
        self.onReady = onReady
        self.onLost = onLost

    def buildProtocol(self, addr: object) -> MessageProtocol:
        return MessageProtocol(self)

    def ready(self, connection: MessageProtocol) -> None:
        if self.onReady is not None:
            self.onReady(connection)

    def lost(self, connection: MessageProtocol, reason: Failure) -> None:
        if self.onLost is not None:
            self.onLost(connection, reason)


def _noDelay(transport: object) -> None:
    """
    Turn off Nagle's algorithm on the TCP connection under C{transport}
    (through TLS): small messages go at once rather than after the peer's
    delayed acknowledgement.
    """
    for _ in range(3):
        setter = getattr(transport, "setTcpNoDelay", None)
        if setter is not None:
            setter(True)
            return
        transport = getattr(transport, "transport", None)
        if transport is None:
            return


def _formatAddress(address: object) -> str:
    host, port = getattr(address, "host", None), getattr(address, "port", None)
    if host is None:
        return str(getattr(address, "name", "") or "")
    return f"{host}:{port}"
