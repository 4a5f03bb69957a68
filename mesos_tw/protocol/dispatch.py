# -*- test-case-name: tests.test_framing -*-
"""
A registry from message type names to handlers, Mesos's C{install<M>()}.
"""

from __future__ import annotations

from typing import Callable, Iterable

from google.protobuf.message import DecodeError, Message

from mesos_tw.messages_pb2 import Envelope

Handler = Callable[..., object]


class ProtocolError(Exception):
    """
    A frame this side cannot accept; the connection that sent it is closed.
    """


class UnknownMessage(ProtocolError):
    """
    The envelope names a message type that has no handler here.
    """


class UndecodableMessage(ProtocolError):
    """
    The frame or its payload is not valid protobuf for the named type.
    """


class RoleRefused(ProtocolError):
    """
    The peer's certificate role may not send this message type.
    """


def encode(message: Message) -> bytes:
    """
    Wrap C{message} in an L{Envelope} and serialize it.
    """
    return Envelope(
        type=message.DESCRIPTOR.full_name, payload=message.SerializeToString()
    ).SerializeToString()


class Dispatcher:
    """
    Handlers by message type, each optionally limited to certain peer roles.

    Handlers are called as C{handler(connection, message)}.
    """

    def __init__(self) -> None:
        self._routes: dict[str, tuple[type[Message], Handler, frozenset[str] | None]] = {}

    def register(
        self,
        messageType: type[Message],
        handler: Handler,
        roles: Iterable[str] | None = None,
    ) -> None:
        """
        Route messages of C{messageType} to C{handler}.

        @param roles: the certificate roles allowed to send it; L{None} for any.
        """
        self._routes[messageType.DESCRIPTOR.full_name] = (
            messageType,
            handler,
            None if roles is None else frozenset(roles),
        )

    def decode(self, frame: bytes, role: str | None) -> tuple[Handler, Message]:
        """
        Parse one frame sent by a peer of C{role}.

        @return: the handler and the decoded message.
        @raise ProtocolError: if the frame cannot be accepted.
        """
        try:
            envelope = Envelope.FromString(frame)
        except DecodeError as e:
            raise UndecodableMessage(f"not an envelope: {e}") from None
        route = self._routes.get(envelope.type)
        if route is None:
            raise UnknownMessage(f"unknown message type {envelope.type!r}")
        messageType, handler, roles = route
        if roles is not None and role not in roles:
            raise RoleRefused(
                f"a peer with role {role!r} may not send {envelope.type}"
            )
        try:
            message = messageType.FromString(envelope.payload)
        except DecodeError as e:
            raise UndecodableMessage(f"bad {envelope.type} payload: {e}") from None
        return handler, message
