# -*- test-case-name: tests.test_framing -*-
"""
A registry from message type names to handlers, Mesos's C{install<M>()}.

A handler that will not act on a message raises L{Refused}; the connection
answers with a L{MessageRefused} and stays open. Every L{Dispatcher} logs
the refusals it receives.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from google.protobuf.message import DecodeError, Message
from twisted.logger import Logger

from mesos_tw.messages_pb2 import Envelope, MessageRefused

Handler = Callable[..., object]

_log = Logger()


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


class Refused(Exception):
    """
    A handler refuses the message it was given: the sender gets a
    L{MessageRefused} saying why, and the connection stays open.

    @ivar code: a L{MessageRefused.Code}.
    @ivar reason: why, for humans.
    @ivar ids: the ids the refusal is about (C{frameworkId}, C{slaveId},
        C{taskId}, C{executorId} as strings, C{uuid} as bytes).
    """

    _FIELDS = {
        "frameworkId": "framework_id",
        "slaveId": "slave_id",
        "taskId": "task_id",
        "executorId": "executor_id",
    }

    def __init__(
        self,
        code: int,
        reason: str,
        *,
        frameworkId: str | None = None,
        slaveId: str | None = None,
        taskId: str | None = None,
        executorId: str | None = None,
        uuid: bytes | None = None,
    ) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason
        self.ids: dict[str, Any] = {
            name: value
            for name, value in [
                ("frameworkId", frameworkId),
                ("slaveId", slaveId),
                ("taskId", taskId),
                ("executorId", executorId),
                ("uuid", uuid),
            ]
            if value
        }

    @property
    def codeName(self) -> str:
        """
        The name of L{code}, such as C{"UNKNOWN_TASK"}.
        """
        return MessageRefused.Code.Name(self.code)

    def toMessage(self, messageType: str) -> MessageRefused:
        """
        The L{MessageRefused} telling the sender of a C{messageType} (a full
        type name) about this refusal.
        """
        message = MessageRefused(
            message_type=messageType, code=self.code, reason=self.reason
        )
        for name, value in self.ids.items():
            if name == "uuid":
                message.uuid = value
            else:
                getattr(message, self._FIELDS[name]).value = value
        return message

    def __str__(self) -> str:
        return f"{self.codeName}: {self.reason}"


def logRefusal(connection: Any, message: MessageRefused) -> None:
    """
    The default handler of L{MessageRefused}: log it as a warning with the
    peer and the ids it names.
    """
    _log.warn(
        "{peer} refused our {messageType}: {code}: {reason}",
        peer=getattr(connection, "peer", None),
        messageType=message.message_type,
        code=MessageRefused.Code.Name(message.code),
        reason=message.reason,
        frameworkId=message.framework_id.value or None,
        slaveId=message.slave_id.value or None,
        taskId=message.task_id.value or None,
        executorId=message.executor_id.value or None,
    )


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

    Handlers are called as C{handler(connection, message)}. A
    L{MessageRefused} from any peer is logged by L{logRefusal} unless
    another handler is registered for it.
    """

    def __init__(self) -> None:
        self._routes: dict[str, tuple[type[Message], Handler, frozenset[str] | None]] = {}
        self.register(MessageRefused, logRefusal)

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
