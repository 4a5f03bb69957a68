# -*- test-case-name: tests.test_tls -*-
"""
Tests for L{mesos_tw.protocol.tls}: mutual TLS over real loopback sockets,
and loading credentials.
"""

from __future__ import annotations

import datetime
import os
from typing import Any

import attrs
from cryptography import x509
from OpenSSL import SSL, crypto
from service_identity import VerificationError
from twisted.internet.defer import Deferred, gatherResults, inlineCallbacks
from twisted.internet.endpoints import TCP4ClientEndpoint, wrapClientTLS
from twisted.internet.error import ConnectionClosed
from twisted.internet.interfaces import IStreamClientEndpoint, IStreamServerEndpoint
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.ssl import optionsForClientTLS
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase, TestCase
from zope.interface.verify import verifyObject

from mesos_tw.ca import initCA, issue
from mesos_tw.protocol.tls import (
    Credentials,
    Peer,
    TLSConfigurationError,
    clientConnectionCreator,
    clientEndpoint,
    peerFromCertificate,
    peerFromTransport,
    serverContextFactory,
    serverEndpoint,
)
from mesos_tw.testing.certs import ClusterCertificates, makeCluster

# Generous: only reached if a connection hangs, which is a bug.
TIMEOUT = 10


def describe(peer: Peer | None) -> bytes:
    """
    Encode a peer identity for the wire.

    @param peer: The peer, or L{None}.

    @return: C{b"role name address"}, or C{b"anonymous"}.
    """
    if peer is None:
        return b"anonymous"
    return f"{peer.role} {peer.name} {peer.address}".encode()


class IdentityEcho(Protocol):
    """
    Server protocol answering any data with the identity of the client,
    according to L{peerFromTransport}.

    @ivar lost: Fires with L{None} when the connection is lost.

    @ivar reason: Why the connection was lost, once it is.
    """

    def __init__(self) -> None:
        self.lost: Deferred[None] = Deferred()
        self.reason: Failure | None = None
        self.received = b""

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        self.transport.write(describe(peerFromTransport(self.transport)))

    def connectionLost(self, reason: Failure) -> None:
        self.reason = reason
        self.lost.callback(None)


class IdentityEchoFactory(Factory):
    """
    Factory of L{IdentityEcho}, remembering every protocol it built.
    """

    protocol = IdentityEcho

    def __init__(self) -> None:
        self.built: list[IdentityEcho] = []

    def buildProtocol(self, addr: Any) -> IdentityEcho:
        protocol = IdentityEcho()
        protocol.factory = self
        self.built.append(protocol)
        return protocol


class AskingClient(Protocol):
    """
    Client protocol sending a question once connected, and collecting the
    answer until the connection is lost.

    @ivar lost: Fires with C{(data, reason)} when the connection is lost.

    @ivar serverPeer: The server's identity according to
        L{peerFromTransport}, once data arrived.

    @ivar localPort: The client's port number, once connected.
    """

    def __init__(self) -> None:
        self.lost: Deferred[tuple[bytes, Failure]] = Deferred()
        self.data = b""
        self.serverPeer: Peer | None = None
        self.localPort = 0

    def connectionMade(self) -> None:
        self.localPort = self.transport.getHost().port
        self.transport.write(b"who am I?")

    def dataReceived(self, data: bytes) -> None:
        self.serverPeer = peerFromTransport(self.transport)
        self.data += data
        self.transport.loseConnection()

    def connectionLost(self, reason: Failure) -> None:
        self.lost.callback((self.data, reason))


class MutualTLSTests(TestCase):
    """
    Tests for L{serverEndpoint} and L{clientEndpoint} over loopback TCP,
    with the real reactor.
    """

    def setUp(self) -> None:
        """
        Create the certificates of a cluster.
        """
        from twisted.internet import reactor

        self.reactor = reactor
        self.certificates: ClusterCertificates = makeCluster(self.mktemp())
        self.master = Credentials.fromDirectory(self.certificates.master)
        self.slave = Credentials.fromDirectory(self.certificates.slave)

    @inlineCallbacks
    def listen(self, credentials: Credentials | None = None) -> Any:
        """
        Start an L{IdentityEcho} server on an ephemeral loopback port, to be
        stopped when the test ends.

        @param credentials: The server's credentials, the master's by
            default.

        @return: A L{Deferred} firing with the port's number.
        """
        self.serverFactory = IdentityEchoFactory()
        endpoint = serverEndpoint(
            self.reactor, credentials or self.master, 0, "127.0.0.1"
        )
        port = yield endpoint.listen(self.serverFactory)
        self.addCleanup(port.stopListening)
        return port.getHost().port

    @inlineCallbacks
    def exchange(self, clientEndpoint: IStreamClientEndpoint) -> Any:
        """
        Connect an L{AskingClient}, and wait until both sides of the
        connection are closed.

        @param clientEndpoint: How to connect.

        @return: A L{Deferred} firing with the client protocol, its data and
            the reason its connection was lost.
        """
        connecting = clientEndpoint.connect(Factory.forProtocol(AskingClient))
        connecting.addTimeout(TIMEOUT, self.reactor)
        client = yield connecting
        lost = client.lost.addTimeout(TIMEOUT, self.reactor)
        data, reason = yield lost
        # The server has accepted the connection before the client could see
        # anything from it (data, an alert, or the server's certificate).
        self.assertEqual(len(self.serverFactory.built), 1)
        serverLost = gatherResults(
            [server.lost for server in self.serverFactory.built]
        ).addTimeout(TIMEOUT, self.reactor)
        yield serverLost
        return client, data, reason

    @inlineCallbacks
    def assertRefused(self, endpoint: IStreamClientEndpoint) -> Any:
        """
        Assert the server refuses a client: the client gets no data and its
        connection fails; the server's protocol never gets any data.

        @param endpoint: How the client connects.

        @return: A L{Deferred} firing with the exception the client's
            connection was lost with.
        """
        client, data, reason = yield self.exchange(endpoint)
        self.assertEqual(data, b"")
        self.assertIsNone(client.serverPeer)
        self.assertEqual(self.serverFactory.built[0].received, b"")
        self.assertIsInstance(reason.value, (SSL.Error, ConnectionClosed))
        return reason.value

    def anonymousEndpoint(self, port: int) -> IStreamClientEndpoint:
        """
        Make an endpoint connecting to the server trusting the cluster CA but
        presenting no certificate.

        @param port: The server's port.

        @return: The endpoint.
        """
        return wrapClientTLS(
            optionsForClientTLS("127.0.0.1", trustRoot=self.master.ca),
            TCP4ClientEndpoint(self.reactor, "127.0.0.1", port),
        )

    @inlineCallbacks
    def test_identity(self) -> Any:
        """
        A server sees the role, name and address of a client with a
        certificate from the cluster CA, and the client sees the server's.
        """
        port = yield self.listen()
        client, data, reason = yield self.exchange(
            clientEndpoint(self.reactor, self.slave, "127.0.0.1", port)
        )
        self.assertEqual(data, b"slave slave1 127.0.0.1:%d" % (client.localPort,))
        self.assertEqual(
            client.serverPeer, Peer("master", "master", f"127.0.0.1:{port}")
        )
        self.assertEqual(self.serverFactory.built[0].received, b"who am I?")

    @inlineCallbacks
    def test_identityByHostName(self) -> Any:
        """
        A client connecting by a host name finds it among the DNS names of
        the server's certificate.
        """
        port = yield self.listen()
        framework = Credentials.fromDirectory(self.certificates.framework)
        client, data, reason = yield self.exchange(
            clientEndpoint(self.reactor, framework, "localhost", port)
        )
        self.assertTrue(data.startswith(b"framework framework1 127.0.0.1:"), data)

    @inlineCallbacks
    def test_noClientCertificate(self) -> Any:
        """
        The server refuses a client presenting no certificate.
        """
        port = yield self.listen()
        yield self.assertRefused(self.anonymousEndpoint(port))

    @inlineCallbacks
    def test_otherCA(self) -> Any:
        """
        The server refuses a client whose certificate was issued by another
        CA, even if the client trusts the server.
        """
        port = yield self.listen()
        other = makeCluster(self.mktemp())
        impostor = attrs.evolve(
            Credentials.fromDirectory(other.slave), ca=self.slave.ca
        )
        yield self.assertRefused(
            clientEndpoint(self.reactor, impostor, "127.0.0.1", port)
        )

    @inlineCallbacks
    def test_expiredClientCertificate(self) -> Any:
        """
        The server refuses a client whose certificate has expired.
        """
        port = yield self.listen()
        now = datetime.datetime.now(datetime.timezone.utc)
        expired = issue(
            self.certificates.ca,
            "slave",
            "old",
            hosts=["127.0.0.1"],
            notBefore=now - datetime.timedelta(days=10),
            notAfter=now - datetime.timedelta(days=1),
        )
        yield self.assertRefused(
            clientEndpoint(
                self.reactor, Credentials.fromDirectory(expired), "127.0.0.1", port
            )
        )

    @inlineCallbacks
    def test_serverNameMismatch(self) -> Any:
        """
        A client refuses a server whose certificate does not name the address
        the client connected to, and the server gets no data.
        """
        otherMaster = Credentials.fromDirectory(
            issue(self.certificates.ca, "master", "elsewhere", hosts=["otherhost"])
        )
        port = yield self.listen(otherMaster)
        client, data, reason = yield self.exchange(
            clientEndpoint(self.reactor, self.slave, "127.0.0.1", port)
        )
        self.assertEqual(data, b"")
        self.assertEqual(self.serverFactory.built[0].received, b"")
        self.assertIsInstance(reason.value, VerificationError)

    @inlineCallbacks
    def test_serverFromOtherCA(self) -> Any:
        """
        A client refuses a server whose certificate was issued by another CA.
        """
        other = makeCluster(self.mktemp())
        impostor = attrs.evolve(
            Credentials.fromDirectory(other.master), ca=self.master.ca
        )
        port = yield self.listen(impostor)
        client, data, reason = yield self.exchange(
            clientEndpoint(self.reactor, self.slave, "127.0.0.1", port)
        )
        self.assertEqual(data, b"")
        self.assertEqual(self.serverFactory.built[0].received, b"")
        self.assertIsInstance(reason.value, SSL.Error)


class ContextTests(SynchronousTestCase):
    """
    Tests for L{serverContextFactory}, L{clientConnectionCreator},
    L{serverEndpoint} and L{clientEndpoint} without the network.
    """

    def setUp(self) -> None:
        """
        Load a master's credentials.
        """
        certificates = makeCluster(self.mktemp())
        self.master = Credentials.fromDirectory(certificates.master)

    def test_serverRequiresClientCertificate(self) -> None:
        """
        The server context verifies the client and fails without a client
        certificate.
        """
        context = serverContextFactory(self.master).getContext()
        required = SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT
        self.assertEqual(context.get_verify_mode() & required, required)

    def test_serverMinimumVersion(self) -> None:
        """
        The server context disables the TLS versions before 1.2.
        """
        # Setting no new option returns the options in force.
        options = serverContextFactory(self.master).getContext().set_options(0)
        for flag in (SSL.OP_NO_SSLv3, SSL.OP_NO_TLSv1, SSL.OP_NO_TLSv1_1):
            self.assertTrue(options & flag)
        self.assertFalse(options & SSL.OP_NO_TLSv1_2)

    def test_clientConnectionCreator(self) -> None:
        """
        L{clientConnectionCreator} verifies the server's name as given, as
        an IP address or as a DNS name.
        """
        byAddress = clientConnectionCreator(self.master, "127.0.0.1")
        byName = clientConnectionCreator(self.master, "localhost")
        self.assertFalse(byAddress._hostnameIsDnsName)  # type: ignore[attr-defined]
        self.assertTrue(byName._hostnameIsDnsName)  # type: ignore[attr-defined]

    def test_endpoints(self) -> None:
        """
        L{serverEndpoint} and L{clientEndpoint} make stream endpoints, without
        touching the network.
        """
        from twisted.internet import reactor

        self.assertTrue(
            verifyObject(
                IStreamServerEndpoint, serverEndpoint(reactor, self.master, 0)
            )
        )
        self.assertTrue(
            verifyObject(
                IStreamClientEndpoint,
                clientEndpoint(reactor, self.master, "127.0.0.1", 5050),
            )
        )


class PeerTests(SynchronousTestCase):
    """
    Tests for L{peerFromCertificate} and L{peerFromTransport}.
    """

    def setUp(self) -> None:
        """
        Load a slave's credentials.
        """
        certificates = makeCluster(self.mktemp())
        self.slave = Credentials.fromDirectory(certificates.slave)

    def test_fromX509(self) -> None:
        """
        L{peerFromCertificate} takes the role from the C{OU} and the name from
        the C{CN} of a pyOpenSSL certificate.
        """
        x509Certificate = self.slave.certificate.original
        self.assertIsInstance(x509Certificate, crypto.X509)
        self.assertEqual(
            peerFromCertificate(x509Certificate, "10.0.0.1:5051"),
            Peer(role="slave", name="slave1", address="10.0.0.1:5051"),
        )

    def test_fromCryptography(self) -> None:
        """
        L{peerFromCertificate} also accepts C{cryptography} certificates, and
        the address defaults to C{""}.
        """
        certificate = self.slave.certificate.original.to_cryptography()
        self.assertIsInstance(certificate, x509.Certificate)
        self.assertEqual(
            peerFromCertificate(certificate), Peer("slave", "slave1", "")
        )

    def test_noTLS(self) -> None:
        """
        L{peerFromTransport} gives L{None} for a transport without TLS.
        """
        self.assertIsNone(peerFromTransport(StringTransport()))

    def test_noCertificate(self) -> None:
        """
        L{peerFromTransport} gives L{None} when the peer has not presented a
        certificate.
        """
        transport = StringTransport()
        transport.getPeerCertificate = lambda: None  # type: ignore[attr-defined]
        self.assertIsNone(peerFromTransport(transport))

    def test_fromTransport(self) -> None:
        """
        L{peerFromTransport} reads the certificate and the address of the
        peer of a TLS transport.
        """
        transport = StringTransport()
        transport.getPeerCertificate = (  # type: ignore[attr-defined]
            lambda: self.slave.certificate.original
        )
        self.assertEqual(
            peerFromTransport(transport), Peer("slave", "slave1", "192.168.1.1:54321")
        )


class CredentialsTests(SynchronousTestCase):
    """
    Tests for L{Credentials.fromDirectory}.
    """

    def setUp(self) -> None:
        """
        Create the certificates of a cluster.
        """
        self.certificates = makeCluster(self.mktemp())

    def test_load(self) -> None:
        """
        L{Credentials.fromDirectory} loads the CA, the certificate with its
        key, and the role and name of the certificate.
        """
        credentials = Credentials.fromDirectory(self.certificates.framework)
        self.assertEqual(
            (credentials.role, credentials.name), ("framework", "framework1")
        )
        with open(os.path.join(self.certificates.ca, "ca.pem"), "rb") as f:
            self.assertEqual(
                credentials.ca.dumpPEM().strip(), f.read().strip()
            )
        self.assertEqual(
            peerFromCertificate(credentials.certificate).name, "framework1"
        )

    def assertMissing(self, filename: str) -> None:
        """
        Assert that L{Credentials.fromDirectory} names a missing file and
        says how to create it.

        @param filename: The file to remove.
        """
        os.remove(os.path.join(self.certificates.slave, filename))
        error = self.assertRaises(
            TLSConfigurationError, Credentials.fromDirectory, self.certificates.slave
        )
        self.assertIn(os.path.join(self.certificates.slave, filename), str(error))
        self.assertIn("does not exist", str(error))
        self.assertIn("mesos-tw ca issue", str(error))

    def test_missingCA(self) -> None:
        """
        A missing C{ca.pem} is named in the error.
        """
        self.assertMissing("ca.pem")

    def test_missingCertificate(self) -> None:
        """
        A missing C{cert.pem} is named in the error.
        """
        self.assertMissing("cert.pem")

    def test_missingKey(self) -> None:
        """
        A missing C{key.pem} is named in the error.
        """
        self.assertMissing("key.pem")

    def test_missingDirectory(self) -> None:
        """
        A missing directory is reported as its missing C{ca.pem}.
        """
        missing = self.mktemp()
        error = self.assertRaises(
            TLSConfigurationError, Credentials.fromDirectory, missing
        )
        self.assertIn(os.path.join(missing, "ca.pem"), str(error))

    def assertGarbled(self, filename: str) -> None:
        """
        Assert that L{Credentials.fromDirectory} names a garbled file.

        @param filename: The file to garble.
        """
        path = os.path.join(self.certificates.slave, filename)
        with open(path, "wb") as f:
            f.write(b"-----BEGIN GARBAGE-----\nnot PEM\n")
        error = self.assertRaises(
            TLSConfigurationError, Credentials.fromDirectory, self.certificates.slave
        )
        self.assertIn(path, str(error))

    def test_garbledCA(self) -> None:
        """
        A garbled C{ca.pem} is named in the error.
        """
        self.assertGarbled("ca.pem")

    def test_garbledCertificate(self) -> None:
        """
        A garbled C{cert.pem} is named in the error.
        """
        self.assertGarbled("cert.pem")

    def test_garbledKey(self) -> None:
        """
        A garbled C{key.pem} is named in the error.
        """
        self.assertGarbled("key.pem")

    def test_mismatchedKey(self) -> None:
        """
        A C{key.pem} that is not the key of C{cert.pem} is named in the
        error.
        """
        slave, master = self.certificates.slave, self.certificates.master
        with open(os.path.join(master, "key.pem"), "rb") as f:
            masterKey = f.read()
        with open(os.path.join(slave, "key.pem"), "wb") as f:
            f.write(masterKey)
        error = self.assertRaises(
            TLSConfigurationError, Credentials.fromDirectory, slave
        )
        self.assertIn(os.path.join(slave, "key.pem"), str(error))
        self.assertIn("not the private key", str(error))

    def test_wrongCA(self) -> None:
        """
        A C{cert.pem} not issued by the CA in C{ca.pem} is named in the
        error.
        """
        otherCA = self.mktemp()
        initCA(otherCA)
        with open(os.path.join(otherCA, "ca.pem"), "rb") as f:
            otherPEM = f.read()
        with open(os.path.join(self.certificates.slave, "ca.pem"), "wb") as f:
            f.write(otherPEM)
        error = self.assertRaises(
            TLSConfigurationError, Credentials.fromDirectory, self.certificates.slave
        )
        self.assertIn(os.path.join(self.certificates.slave, "cert.pem"), str(error))
        self.assertIn("not issued by the CA", str(error))


class MakeClusterTests(SynchronousTestCase):
    """
    Tests for L{makeCluster}.
    """

    def test_layout(self) -> None:
        """
        L{makeCluster} makes a CA in C{directory/ca} and loadable credentials
        for a master, a slave and a framework.
        """
        directory = self.mktemp()
        certificates = makeCluster(directory, hosts=("10.0.0.1",))
        self.assertEqual(certificates.ca, os.path.join(directory, "ca"))
        found = [
            (credentials.role, credentials.name)
            for credentials in map(
                Credentials.fromDirectory,
                [certificates.master, certificates.slave, certificates.framework],
            )
        ]
        self.assertEqual(
            found,
            [("master", "master"), ("slave", "slave1"), ("framework", "framework1")],
        )
