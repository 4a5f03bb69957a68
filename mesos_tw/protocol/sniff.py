# -*- test-case-name: tests.test_sniff -*-
"""
One port for both the wire protocol and HTTP, as Mesos serves both on 5050.

Wire frames start with a 4-byte length below L{MAX_FRAME_SIZE}, so their
first byte is small; an HTTP request starts with an upper-case method name.
"""

from __future__ import annotations

from twisted.internet.interfaces import IHandshakeListener, IProtocolFactory
from twisted.internet.protocol import Factory, Protocol
from twisted.python.failure import Failure
from zope.interface import implementer


@implementer(IHandshakeListener)
class _SniffingProtocol(Protocol):
    """
    Picks the real protocol from the first byte, then steps aside.
    """

    def __init__(self, factory: SniffingFactory, addr: object) -> None:
        self._factory = factory
        self._addr = addr
        self._wrapped: Protocol | None = None
        self._handshaken = False

    def handshakeCompleted(self) -> None:
        self._handshaken = True
        if IHandshakeListener.providedBy(self._wrapped):
            self._wrapped.handshakeCompleted()

    def dataReceived(self, data: bytes) -> None:
        if self._wrapped is None:
            first = data[:1]
            factory = self._factory.http if first.isupper() else self._factory.wire
            self._wrapped = factory.buildProtocol(self._addr)
            self._wrapped.makeConnection(self.transport)
            if self._handshaken and IHandshakeListener.providedBy(self._wrapped):
                self._wrapped.handshakeCompleted()
        self._wrapped.dataReceived(data)

    def connectionLost(self, reason: Failure) -> None:
        if self._wrapped is not None:
            self._wrapped.connectionLost(reason)


class SniffingFactory(Factory):
    """
    Serves HTTP requests with C{http} and everything else with C{wire}.
    """

    def __init__(self, wire: IProtocolFactory, http: IProtocolFactory) -> None:
        self.wire = wire
        self.http = http

    def buildProtocol(self, addr: object) -> Protocol:
        return _SniffingProtocol(self, addr)

    def doStart(self) -> None:
        self.wire.doStart()
        self.http.doStart()

    def doStop(self) -> None:
        self.wire.doStop()
        self.http.doStop()
