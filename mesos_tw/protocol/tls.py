# -*- test-case-name: tests.test_tls -*-
"""
Mutual TLS between the members of a cluster.

Every daemon listens with TLS and requires the client to present a
certificate signed by the cluster CA; every client checks that the server's
certificate is signed by the same CA and names the host it connected to.  The
certificate of a peer tells who it is: its role (C{OU}) and its name
(C{CN}), see L{mesos_tw.ca}.

Credentials are read from a directory made by C{mesos-tw ca issue}; see
L{Credentials.fromDirectory}.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Union

from attrs import frozen
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from OpenSSL import crypto
from twisted.internet.endpoints import (
    SSL4ServerEndpoint,
    TCP4ClientEndpoint,
    wrapClientTLS,
)
from twisted.internet.interfaces import (
    IOpenSSLClientConnectionCreator,
    IReactorSSL,
    IReactorTCP,
    IStreamClientEndpoint,
    IStreamServerEndpoint,
)
from twisted.internet.ssl import (
    Certificate,
    CertificateOptions,
    KeyPair,
    PrivateCertificate,
    TLSVersion,
    optionsForClientTLS,
)

from mesos_tw.ca import (
    CA_CERTIFICATE_FILENAME,
    CERTIFICATE_FILENAME,
    KEY_FILENAME,
    ROLES,
)

if TYPE_CHECKING:
    from twisted.python.filepath import FilePath

__all__ = [
    "Peer",
    "Credentials",
    "TLSConfigurationError",
    "serverContextFactory",
    "clientConnectionCreator",
    "serverEndpoint",
    "clientEndpoint",
    "peerFromCertificate",
    "peerFromTransport",
]

_ISSUE_HINT = (
    "create it with `mesos-tw ca issue CA_DIR --role ROLE --name NAME "
    "--out {directory}` (after `mesos-tw ca init CA_DIR` if there is no CA yet)"
)


class TLSConfigurationError(Exception):
    """
    The TLS credentials of this process are missing or unusable.  The message
    names the file at fault and says how to fix it.
    """


@frozen
class Peer:
    """
    Who is at the other end of a connection, according to its certificate.

    @ivar role: The role of the peer, one of L{mesos_tw.ca.ROLES} (the
        certificate's C{OU}), or C{""} if its certificate has none.

    @ivar name: The name of the peer (the certificate's C{CN}), or C{""} if
        its certificate has none.

    @ivar address: The network address of the peer as C{"host:port"}, or
        C{""} if unknown.
    """

    role: str
    name: str
    address: str = ""


def _subjectAttribute(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    """
    Get one attribute of the subject of a certificate.

    @param certificate: The certificate.

    @param oid: The attribute's identifier.

    @return: The first value of the attribute, or C{""} if there is none.
    """
    attributes = certificate.subject.get_attributes_for_oid(oid)
    if not attributes:
        return ""
    value = attributes[0].value
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _toPath(path: Union[str, "os.PathLike[str]", "FilePath[str]"]) -> str:
    """
    Turn a path given as text, L{os.PathLike} or L{FilePath} into text.

    @param path: The path.

    @return: The path as text.
    """
    filePath = getattr(path, "path", None)
    if isinstance(filePath, (str, bytes)):
        return os.fsdecode(filePath)
    return os.fsdecode(os.fspath(path))  # type: ignore[arg-type]


@frozen
class Credentials:
    """
    What this process needs to take part in the cluster's mutual TLS.

    @ivar ca: The cluster CA certificate, the only one peers are trusted by.

    @ivar certificate: This process's certificate, with its private key.

    @ivar role: The role in this process's certificate.

    @ivar name: The name in this process's certificate.
    """

    ca: Certificate
    certificate: PrivateCertificate
    role: str
    name: str

    @classmethod
    def fromDirectory(
        cls, path: Union[str, "os.PathLike[str]", "FilePath[str]"]
    ) -> Credentials:
        """
        Load the credentials in a directory made by C{mesos-tw ca issue}:
        C{ca.pem}, C{cert.pem} and C{key.pem}.

        @param path: The directory.

        @return: The credentials.

        @raise TLSConfigurationError: If a file is missing, garbled, or does
            not fit with the others; the message names the file.
        """
        directory = _toPath(path)
        hint = _ISSUE_HINT.format(directory=directory)

        def read(filename: str) -> tuple[str, bytes]:
            filePath = os.path.join(directory, filename)
            try:
                with open(filePath, "rb") as f:
                    return filePath, f.read()
            except FileNotFoundError:
                raise TLSConfigurationError(
                    f"TLS file {filePath} does not exist: {hint}."
                ) from None
            except OSError as e:
                raise TLSConfigurationError(
                    f"Cannot read TLS file {filePath}: {e.strerror}."
                ) from e

        caPath, caPEM = read(CA_CERTIFICATE_FILENAME)
        certificatePath, certificatePEM = read(CERTIFICATE_FILENAME)
        keyPath, keyPEM = read(KEY_FILENAME)

        def garbled(filePath: str, what: str) -> TLSConfigurationError:
            return TLSConfigurationError(
                f"TLS file {filePath} does not hold {what}: replace it, or "
                f"{hint}."
            )

        try:
            caCertificate = x509.load_pem_x509_certificate(caPEM)
        except ValueError:
            raise garbled(caPath, "a PEM certificate") from None
        try:
            ownCertificate = x509.load_pem_x509_certificate(certificatePEM)
        except ValueError:
            raise garbled(certificatePath, "a PEM certificate") from None
        try:
            privateKey = serialization.load_pem_private_key(keyPEM, password=None)
        except (ValueError, TypeError):
            raise garbled(keyPath, "an unencrypted PEM private key") from None

        if privateKey.public_key() != ownCertificate.public_key():
            raise TLSConfigurationError(
                f"TLS file {keyPath} is not the private key of the "
                f"certificate {certificatePath}: replace them, or {hint}."
            )
        try:
            ownCertificate.verify_directly_issued_by(caCertificate)
        except (ValueError, TypeError, InvalidSignature) as e:
            raise TLSConfigurationError(
                f"TLS file {certificatePath} was not issued by the CA in "
                f"{caPath} ({e or e.__class__.__name__}): copy the right "
                f"ca.pem, or {hint}."
            ) from None

        role = _subjectAttribute(ownCertificate, NameOID.ORGANIZATIONAL_UNIT_NAME)
        name = _subjectAttribute(ownCertificate, NameOID.COMMON_NAME)
        if role not in ROLES or not name:
            raise TLSConfigurationError(
                f"TLS file {certificatePath} is not a mesos_tw certificate "
                f"(role {role!r}, name {name!r}; the role must be one of "
                f"{', '.join(ROLES)}): {hint}."
            )

        ca = Certificate(crypto.X509.from_cryptography(caCertificate))
        certificate = PrivateCertificate.fromCertificateAndKeyPair(
            Certificate(crypto.X509.from_cryptography(ownCertificate)),
            KeyPair(crypto.PKey.from_cryptography_key(privateKey)),  # type: ignore[arg-type]
        )
        return cls(ca=ca, certificate=certificate, role=role, name=name)


def _ownCertificateOptions(credentials: Credentials) -> dict[str, Any]:
    """
    Give L{CertificateOptions} our certificate and key.

    pyOpenSSL deprecates passing its own C{X509} and C{PKey} objects to
    C{Context.use_certificate} and C{Context.use_privatekey}, which is what
    L{CertificateOptions} does with what L{PrivateCertificate} holds: hand it
    C{cryptography} objects instead.

    @param credentials: Our credentials.

    @return: The C{certificate} and C{privateKey} keyword arguments of
        L{CertificateOptions}.
    """
    return dict(
        certificate=credentials.certificate.original.to_cryptography(),
        privateKey=credentials.certificate.privateKey.original.to_cryptography_key(),
    )


def serverContextFactory(credentials: Credentials) -> CertificateOptions:
    """
    Make the TLS options of a server of the cluster.

    The server presents C{credentials.certificate}, speaks TLS 1.2 or newer,
    and refuses any client that does not present a certificate signed by the
    cluster CA (passing C{trustRoot} to L{CertificateOptions} both verifies
    the peer and requires it to present a certificate).

    @param credentials: The server's credentials.

    @return: The TLS options, for C{listenSSL} or L{SSL4ServerEndpoint}.
    """
    return CertificateOptions(
        trustRoot=credentials.ca,
        raiseMinimumTo=TLSVersion.TLSv1_2,
        **_ownCertificateOptions(credentials),
    )


def clientConnectionCreator(
    credentials: Credentials, hostname: str
) -> IOpenSSLClientConnectionCreator:
    """
    Make the TLS options of a client connecting to a member of the cluster.

    The client presents C{credentials.certificate}, and accepts only a server
    whose certificate is signed by the cluster CA and names C{hostname}
    among its subject alternative names (as a DNS name, or as an IP address
    if C{hostname} is one).

    @param credentials: The client's credentials.

    @param hostname: The host name or IP address the client connects to.

    @return: A client connection creator, for L{wrapClientTLS} or
        C{connectSSL}.
    """
    # Same as clientCertificate=credentials.certificate, without the
    # deprecation warnings.
    return optionsForClientTLS(
        hostname,
        trustRoot=credentials.ca,
        extraCertificateOptions=_ownCertificateOptions(credentials),
    )


def serverEndpoint(
    reactor: IReactorSSL,
    credentials: Credentials,
    port: int,
    interface: str = "",
) -> IStreamServerEndpoint:
    """
    Make the endpoint a daemon of the cluster listens on.

    @param reactor: The reactor to listen with.

    @param credentials: The daemon's credentials.

    @param port: The TCP port to listen on, 0 for any free one.

    @param interface: The local address to listen on, C{""} for all.

    @return: An endpoint requiring mutual TLS, see L{serverContextFactory}.
    """
    return SSL4ServerEndpoint(
        reactor, port, serverContextFactory(credentials), interface=interface
    )


def clientEndpoint(
    reactor: IReactorTCP,
    credentials: Credentials,
    host: str,
    port: int,
) -> IStreamClientEndpoint:
    """
    Make an endpoint connecting to a daemon of the cluster.

    @param reactor: The reactor to connect with.

    @param credentials: The client's credentials.

    @param host: The host name or IP address of the daemon; the daemon's
        certificate must name it.

    @param port: The TCP port of the daemon.

    @return: An endpoint doing mutual TLS, see L{clientConnectionCreator}.
    """
    return wrapClientTLS(
        clientConnectionCreator(credentials, host),
        TCP4ClientEndpoint(reactor, host, port),
    )


def peerFromCertificate(
    certificate: crypto.X509 | x509.Certificate | Certificate, address: str = ""
) -> Peer:
    """
    Tell who a peer is from its certificate.

    @param certificate: The peer's certificate, as returned by
        L{ISSLTransport.getPeerCertificate
        <twisted.internet.interfaces.ISSLTransport.getPeerCertificate>}
        (or as a C{cryptography} or Twisted certificate).

    @param address: The peer's address, C{"host:port"}.

    @return: The peer, whose role is the certificate's C{OU} and whose name is
        its C{CN}.
    """
    if isinstance(certificate, Certificate):
        certificate = certificate.original
    if isinstance(certificate, crypto.X509):
        certificate = certificate.to_cryptography()
    return Peer(
        role=_subjectAttribute(certificate, NameOID.ORGANIZATIONAL_UNIT_NAME),
        name=_subjectAttribute(certificate, NameOID.COMMON_NAME),
        address=address,
    )


def _formatAddress(address: Any) -> str:
    """
    Format a transport address.

    @param address: An L{IAddress} provider.

    @return: C{"host:port"} (C{"[host]:port"} for IPv6) if C{address} has a
        host and a port, else C{""}.
    """
    host = getattr(address, "host", None)
    port = getattr(address, "port", None)
    if not isinstance(host, str) or not isinstance(port, int):
        return ""
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def peerFromTransport(transport: Any) -> Peer | None:
    """
    Tell who is at the other end of a TLS connection.

    @param transport: The transport of a connected protocol.

    @return: The peer, or L{None} if the transport is not TLS or the peer
        presented no certificate (yet: the handshake is only done when the
        first data arrives, or when C{handshakeCompleted} is called).
    """
    getPeerCertificate = getattr(transport, "getPeerCertificate", None)
    if getPeerCertificate is None:
        return None
    try:
        certificate = getPeerCertificate()
    except AttributeError:
        # The TLS connection is already gone: the transport was disconnected.
        return None
    if certificate is None:
        return None
    getPeer = getattr(transport, "getPeer", None)
    address = _formatAddress(getPeer()) if getPeer is not None else ""
    return peerFromCertificate(certificate, address)
