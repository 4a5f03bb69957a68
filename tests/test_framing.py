"""
Tests for L{mesos_tw.protocol.framing} and L{mesos_tw.protocol.dispatch}.
"""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.address import IPv4Address
from twisted.internet.testing import EventLoggingObserver, StringTransport
from twisted.logger import globalLogPublisher
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw import mesos_pb2, messages_pb2 as msgs
from twisted.internet.defer import fail

from mesos_tw.protocol.dispatch import Dispatcher, Refused, encode
from mesos_tw.protocol.framing import MAX_FRAME_SIZE, MessageFactory
from mesos_tw.protocol.tls import Peer
from mesos_tw.resources import Resources
from mesos_tw.testing.wire import frame, sent



def connect(dispatcher: Dispatcher, maxFrameSize: int = MAX_FRAME_SIZE):
    """
    A protocol connected to a L{StringTransport}, and lists of what the
    factory's C{onReady} and C{onLost} saw.
    """
    ready, lost = [], []
    factory = MessageFactory(
        dispatcher,
        maxFrameSize,
        onReady=ready.append,
        onLost=lambda c, r: lost.append((c, r)),
    )
    protocol = factory.buildProtocol(None)
    transport = StringTransport(peerAddress=IPv4Address("TCP", "192.0.2.7", 4321))
    protocol.makeConnection(transport)
    return protocol, transport, ready, lost


class Recorder:
    """
    A handler that records what it is given.
    """

    def __init__(self) -> None:
        self.received: list = []

    def __call__(self, connection, message) -> None:
        self.received.append((connection, message))


class FramingTests(SynchronousTestCase):
    """
    Tests for L{MessageProtocol}.
    """

    def setUp(self) -> None:
        self.recorder = Recorder()
        self.dispatcher = Dispatcher()
        self.dispatcher.register(msgs.PingSlaveMessage, self.recorder)
        self.dispatcher.register(
            msgs.RegisterSlaveMessage, self.recorder, roles=["slave"]
        )
        self.protocol, self.transport, self.ready, self.lost = connect(self.dispatcher)
        self.log = EventLoggingObserver.createWithCleanup(self, globalLogPublisher)
        self.messages = [msgs.PingSlaveMessage(connected=bool(i % 2)) for i in range(3)]
        self.wire = b"".join(frame(encode(m)) for m in self.messages)

    def assertClosedWith(self, text: str) -> None:
        """
        The connection is closing and a warning containing C{text} and the
        peer's address was logged.
        """
        self.assertTrue(self.transport.disconnecting)
        warnings = [e for e in self.log if e.get("why") and text in e["why"]]
        self.assertEqual(len(warnings), 1, [e.get("why") for e in self.log])
        self.assertIn("192.0.2.7:4321", str(warnings[0]["peer"]))

    def test_peerWithoutTLS(self) -> None:
        """
        On a transport without TLS the peer has no role and is ready at once.
        """
        self.assertEqual(self.ready, [self.protocol])
        self.assertEqual(self.protocol.peer, Peer("", "", "192.0.2.7:4321"))

    def test_send(self) -> None:
        """
        C{send} writes one length-prefixed envelope naming the message type.
        """
        self.protocol.send(self.messages[1])
        data = self.transport.value()
        (length,) = struct.unpack("!I", data[:4])
        self.assertEqual(length, len(data) - 4)
        envelope = msgs.Envelope.FromString(data[4:])
        self.assertEqual(envelope.type, "mesos_tw.internal.PingSlaveMessage")
        self.assertEqual(
            msgs.PingSlaveMessage.FromString(envelope.payload), self.messages[1]
        )

    def test_byteByByte(self) -> None:
        """
        Frames fed one byte at a time are delivered whole, in order.
        """
        for i in range(len(self.wire)):
            self.protocol.dataReceived(self.wire[i : i + 1])
        self.assertEqual([m for _, m in self.recorder.received], self.messages)
        self.assertFalse(self.transport.disconnecting)

    def test_everySplit(self) -> None:
        """
        However the bytes are split in two, every message arrives once.
        """
        for cut in range(len(self.wire) + 1):
            recorder = Recorder()
            dispatcher = Dispatcher()
            dispatcher.register(msgs.PingSlaveMessage, recorder)
            protocol, transport, _, _ = connect(dispatcher)
            protocol.dataReceived(self.wire[:cut])
            protocol.dataReceived(self.wire[cut:])
            self.assertEqual([m for _, m in recorder.received], self.messages, cut)

    def test_handlerGetsConnection(self) -> None:
        """
        Handlers are called with the connection, whose peer is known.
        """
        self.protocol.dataReceived(self.wire)
        self.assertIs(self.recorder.received[0][0], self.protocol)

    def test_oversized(self) -> None:
        """
        A length over the limit closes the connection, and nothing after it
        is parsed.
        """
        protocol, transport, _, _ = connect(self.dispatcher, maxFrameSize=10)
        self.transport = transport
        protocol.dataReceived(struct.pack("!I", 11) + b"x" * 11 + self.wire)
        self.assertClosedWith("frame of 11 bytes exceeds the limit of 10")
        self.assertEqual(self.recorder.received, [])

    def test_garbage(self) -> None:
        """
        A frame that is not an envelope closes the connection.
        """
        self.protocol.dataReceived(frame(b"\xff\xff\xff") + self.wire)
        self.assertClosedWith("not an envelope")
        self.assertEqual(self.recorder.received, [])

    def test_unknownType(self) -> None:
        """
        An envelope naming a type without a handler closes the connection.
        """
        envelope = msgs.Envelope(type="mesos_tw.internal.Nonsense", payload=b"")
        self.protocol.dataReceived(frame(envelope.SerializeToString()))
        self.assertClosedWith("unknown message type 'mesos_tw.internal.Nonsense'")

    def test_undecodablePayload(self) -> None:
        """
        A payload that does not parse as the named type closes the connection.
        """
        envelope = msgs.Envelope(
            type="mesos_tw.internal.PingSlaveMessage", payload=b"\x08\x80"
        )
        self.protocol.dataReceived(frame(envelope.SerializeToString()))
        self.assertClosedWith("bad mesos_tw.internal.PingSlaveMessage payload")

    def test_roleRefused(self) -> None:
        """
        A message the peer's role may not send closes the connection.
        """
        self.protocol.dataReceived(frame(encode(msgs.RegisterSlaveMessage())))
        self.assertClosedWith("role '' may not send")
        self.assertEqual(self.recorder.received, [])

    def test_handlerFailureKeepsConnection(self) -> None:
        """
        A handler that raises is logged; the connection keeps serving.
        """

        def broken(connection, message):
            raise ZeroDivisionError()

        self.dispatcher.register(msgs.PongSlaveMessage, broken)
        self.protocol.dataReceived(frame(encode(msgs.PongSlaveMessage())) + self.wire)
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.assertEqual(len(self.recorder.received), 3)
        self.assertFalse(self.transport.disconnecting)

    def refusing(self, refusal: Refused, deferred: bool = False) -> None:
        """
        Make L{msgs.PongSlaveMessage}'s handler refuse with C{refusal}
        (raised, or as the failure of a returned L{Deferred}).
        """

        def refuse(connection, message):
            if deferred:
                return fail(refusal)
            raise refusal

        self.dispatcher.register(msgs.PongSlaveMessage, refuse)

    def assertRefusalLogged(self, code: str, reason: str) -> dict:
        """
        One warning about a refused PongSlaveMessage with C{code} and
        C{reason}, naming the peer, was logged; return it.
        """
        [event] = [e for e in self.log if e.get("code") == code]
        self.assertEqual(event["reason"], reason)
        self.assertEqual(event["messageType"], "mesos_tw.internal.PongSlaveMessage")
        self.assertIn("192.0.2.7:4321", str(event["peer"]))
        return event

    def test_refused(self) -> None:
        """
        A handler raising L{Refused} gets a L{msgs.MessageRefused} sent back
        with the message's type, the code, the reason and the ids; the
        refusal is logged with the peer and the connection keeps serving.
        """
        self.refusing(Refused(
            msgs.MessageRefused.UNKNOWN_TASK, "no such task",
            frameworkId="f1", slaveId="s1", taskId="t1", executorId="e1",
            uuid=b"u" * 16,
        ))
        self.protocol.dataReceived(frame(encode(msgs.PongSlaveMessage())) + self.wire)
        [refusal] = sent(self.transport)
        expected = msgs.MessageRefused(
            message_type="mesos_tw.internal.PongSlaveMessage",
            code=msgs.MessageRefused.UNKNOWN_TASK,
            reason="no such task",
            uuid=b"u" * 16,
        )
        expected.framework_id.value = "f1"
        expected.slave_id.value = "s1"
        expected.task_id.value = "t1"
        expected.executor_id.value = "e1"
        self.assertEqual(refusal, expected)
        event = self.assertRefusalLogged("UNKNOWN_TASK", "no such task")
        self.assertEqual(event["taskId"], "t1")
        self.assertEqual(len(self.recorder.received), 3)
        self.assertFalse(self.transport.disconnecting)
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_refusedWithoutIds(self) -> None:
        """
        A refusal without ids leaves the id fields unset.
        """
        self.refusing(Refused(msgs.MessageRefused.NOT_REGISTERED, "who are you"))
        self.protocol.dataReceived(frame(encode(msgs.PongSlaveMessage())))
        [refusal] = sent(self.transport)
        self.assertEqual(refusal.code, msgs.MessageRefused.NOT_REGISTERED)
        for field in ("framework_id", "slave_id", "task_id", "executor_id", "uuid"):
            self.assertFalse(refusal.HasField(field), field)

    def test_refusedLater(self) -> None:
        """
        A handler whose L{Deferred} fails with L{Refused} is answered the
        same way.
        """
        self.refusing(
            Refused(msgs.MessageRefused.SLAVE_DISCONNECTED, "later"), deferred=True
        )
        self.protocol.dataReceived(frame(encode(msgs.PongSlaveMessage())))
        [refusal] = sent(self.transport)
        self.assertEqual(refusal.code, msgs.MessageRefused.SLAVE_DISCONNECTED)
        self.assertEqual(refusal.reason, "later")
        self.assertRefusalLogged("SLAVE_DISCONNECTED", "later")
        self.assertFalse(self.transport.disconnecting)
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_refusalLogged(self) -> None:
        """
        Every dispatcher understands L{msgs.MessageRefused}: it is logged as
        a warning with the peer, the refused type, the code and the reason,
        and the connection stays open.
        """
        refusal = msgs.MessageRefused(
            message_type="mesos_tw.internal.KillTaskMessage",
            code=msgs.MessageRefused.UNKNOWN_SLAVE,
            reason="slave s9 is not registered",
        )
        refusal.slave_id.value = "s9"
        self.protocol.dataReceived(frame(encode(refusal)) + self.wire)
        [event] = [e for e in self.log if e.get("code") == "UNKNOWN_SLAVE"]
        self.assertEqual(event["log_level"].name, "warn")
        self.assertEqual(event["messageType"], "mesos_tw.internal.KillTaskMessage")
        self.assertEqual(event["reason"], "slave s9 is not registered")
        self.assertEqual(event["slaveId"], "s9")
        self.assertIn("192.0.2.7:4321", str(event["peer"]))
        self.assertEqual(len(self.recorder.received), 3)
        self.assertFalse(self.transport.disconnecting)
        self.assertEqual(self.transport.value(), b"")

    def test_refusalHandlerReplaceable(self) -> None:
        """
        A party may handle refusals itself.
        """
        recorder = Recorder()
        self.dispatcher.register(msgs.MessageRefused, recorder)
        refusal = msgs.MessageRefused(code=msgs.MessageRefused.UNKNOWN_TASK)
        self.protocol.dataReceived(frame(encode(refusal)))
        self.assertEqual([m for _, m in recorder.received], [refusal])

    def test_refusalNotAnsweredWithRefusal(self) -> None:
        """
        A handler refusing a refusal is logged, but nothing is sent back, so
        two parties cannot refuse each other forever.
        """

        def refuse(connection, message):
            raise Refused(msgs.MessageRefused.INVALID, "no thanks")

        self.dispatcher.register(msgs.MessageRefused, refuse)
        self.protocol.dataReceived(frame(encode(msgs.MessageRefused())))
        self.assertEqual(self.transport.value(), b"")
        [event] = [e for e in self.log if e.get("code") == "INVALID"]
        self.assertEqual(event["reason"], "no thanks")
        self.assertFalse(self.transport.disconnecting)

    def test_refusedStr(self) -> None:
        """
        A L{Refused} reads as its code's name and its reason.
        """
        self.assertEqual(
            str(Refused(msgs.MessageRefused.UNKNOWN_UPDATE, "stale uuid")),
            "UNKNOWN_UPDATE: stale uuid",
        )

    def test_lost(self) -> None:
        """
        Losing the connection is reported with the reason.
        """
        self.protocol.connectionLost(ConnectionError("gone"))
        self.assertEqual(self.lost[0][0], self.protocol)

    def test_offerBurstFits(self) -> None:
        """
        An offer to each of 10,000 slaves fits in one frame of the default
        maximum size.
        """
        resources = Resources.parse(
            "cpus:32;mem:257000;disk:1900000;ports:[31000-32000];gpus:4"
        ).toProto()
        offers = msgs.ResourceOffersMessage()
        for i in range(10_000):
            offers.offers.add(
                id=mesos_pb2.OfferID(value=f"5b9ad6a2-8c1c-4cf5-a0c2-2e0a2c8d3f1e-O{i}"),
                framework_id=mesos_pb2.FrameworkID(
                    value="5b9ad6a2-8c1c-4cf5-a0c2-2e0a2c8d3f1e-0001"
                ),
                slave_id=mesos_pb2.SlaveID(
                    value=f"5b9ad6a2-8c1c-4cf5-a0c2-2e0a2c8d3f1e-S{i}"
                ),
                hostname=f"node-{i:05d}.rack-{i % 100:02d}.example.com",
                resources=resources,
            )
        size = len(encode(offers))
        self.assertLess(size * 4, MAX_FRAME_SIZE)


class FuzzTests(SynchronousTestCase):
    """
    Random bytes against a live protocol.
    """

    @settings(max_examples=500, deadline=None)
    @given(chunks=st.lists(st.binary(max_size=64), max_size=8))
    def test_randomBytesNeverRaise(self, chunks: list[bytes]) -> None:
        """
        Whatever arrives, C{dataReceived} returns normally; the connection is
        either still open or closing.
        """
        dispatcher = Dispatcher()
        dispatcher.register(msgs.PingSlaveMessage, lambda c, m: None)
        dispatcher.register(msgs.RegisterSlaveMessage, lambda c, m: None, ["slave"])
        protocol, transport, _, _ = connect(dispatcher, maxFrameSize=4096)
        for chunk in chunks:
            protocol.dataReceived(chunk)

    @settings(max_examples=300, deadline=None)
    @given(
        payloads=st.lists(
            st.one_of(
                st.binary(max_size=40),
                st.builds(
                    lambda t, p: msgs.Envelope(type=t, payload=p).SerializeToString(),
                    st.sampled_from(
                        ["mesos_tw.internal.PingSlaveMessage",
                         "mesos_tw.internal.RegisterSlaveMessage", "", "x"]
                    ),
                    st.binary(max_size=40),
                ),
            ),
            max_size=6,
        )
    )
    def test_randomFramesNeverRaise(self, payloads: list[bytes]) -> None:
        """
        Well-framed random envelopes and payloads never raise either.
        """
        dispatcher = Dispatcher()
        dispatcher.register(msgs.PingSlaveMessage, lambda c, m: None)
        dispatcher.register(msgs.RegisterSlaveMessage, lambda c, m: None, ["slave"])
        protocol, transport, _, _ = connect(dispatcher)
        protocol.dataReceived(b"".join(frame(p) for p in payloads))
