# -*- test-case-name: tests.test_master_tap -*-
"""
A service that listens on an endpoint and fails loudly when it cannot.
"""

from __future__ import annotations

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import (
    IListeningPort,
    IProtocolFactory,
    IStreamServerEndpoint,
)
from twisted.python.failure import Failure


class ListenerService(Service):
    """
    Listens while running.

    Unlike L{twisted.application.internet.StreamServerEndpointService}, a
    failure to bind raises from C{privilegedStartService}, so that twistd
    exits with the error instead of running without a port.

    @ivar port: the listening port once started.
    """

    port: IListeningPort | None = None

    def __init__(self, endpoint: IStreamServerEndpoint, factory: IProtocolFactory) -> None:
        self.endpoint = endpoint
        self.factory = factory

    def privilegedStartService(self) -> None:
        Service.privilegedStartService(self)
        results: list[object] = []
        self.endpoint.listen(self.factory).addBoth(results.append)
        if not results:
            raise RuntimeError(f"{self.endpoint!r} did not listen synchronously")
        if isinstance(results[0], Failure):
            results[0].raiseException()
        self.port = results[0]

    def startService(self) -> None:
        if self.port is None:
            self.privilegedStartService()
        Service.startService(self)

    def stopService(self) -> Deferred | None:
        Service.stopService(self)
        port, self.port = self.port, None
        if port is not None:
            return port.stopListening()
        return None
