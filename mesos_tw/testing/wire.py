# -*- test-case-name: tests.test_framing -*-
"""
Frames for tests: build what a peer sends and read what a protocol wrote.
"""

from __future__ import annotations

import struct

from google.protobuf.message import Message
from twisted.internet.testing import StringTransport

from mesos_tw import messages_pb2 as msgs
from mesos_tw.protocol.dispatch import encode

__all__ = ["frame", "wire", "parseFrames", "sent", "ofType"]


def frame(payload: bytes) -> bytes:
    """
    A length-prefixed frame holding C{payload}.
    """
    return struct.pack("!I", len(payload)) + payload


def wire(message: Message) -> bytes:
    """
    C{message} as it travels: an envelope in one frame.
    """
    return frame(encode(message))


def parseFrames(data: bytes) -> list[Message]:
    """
    Decode every frame in C{data} into its message.
    """
    messages = []
    while data:
        (length,) = struct.unpack("!I", data[:4])
        envelope = msgs.Envelope.FromString(data[4 : 4 + length])
        data = data[4 + length :]
        messageType = getattr(msgs, envelope.type.rsplit(".", 1)[1])
        messages.append(messageType.FromString(envelope.payload))
    return messages


def sent(transport: StringTransport) -> list[Message]:
    """
    The messages written to C{transport} since the last call, which clears it.
    """
    messages = parseFrames(transport.value())
    transport.clear()
    return messages


def ofType(messages: list[Message], messageType: type) -> list[Message]:
    """
    The messages in C{messages} of C{messageType}.
    """
    return [m for m in messages if isinstance(m, messageType)]
