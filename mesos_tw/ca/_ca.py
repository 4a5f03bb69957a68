# -*- test-case-name: tests.test_ca -*-
"""
A tiny certificate authority for a mesos_tw cluster.

Every daemon and client in a cluster authenticates with a certificate signed
by the cluster CA.  The certificate tells who the peer is: its I{role}
(C{OU}, one of L{ROLES}) and its I{name} (C{CN}).

The layout on disk is::

    CA_DIR/ca.pem              the CA certificate (public)
    CA_DIR/ca-key.pem          the CA private key (mode 0600, keep it secret)
    OUT/ca.pem                 a copy of the CA certificate
    OUT/cert.pem               the certificate of one master, slave or framework
    OUT/key.pem                its private key (mode 0600)

This module is pure: it uses C{cryptography} only and knows nothing of
Twisted.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Iterable, Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CAError",
    "ROLES",
    "CA_CERTIFICATE_FILENAME",
    "CA_KEY_FILENAME",
    "CERTIFICATE_FILENAME",
    "KEY_FILENAME",
    "initCA",
    "issue",
]

#: The roles a certificate may carry, stored in its C{OU} attribute.
ROLES = ("master", "slave", "framework")

#: File name of the CA certificate, both in the CA directory and in every
#: issued credentials directory.
CA_CERTIFICATE_FILENAME = "ca.pem"

#: File name of the CA private key in the CA directory.
CA_KEY_FILENAME = "ca-key.pem"

#: File name of an issued certificate.
CERTIFICATE_FILENAME = "cert.pem"

#: File name of an issued certificate's private key.
KEY_FILENAME = "key.pem"

# Longest value X.509 allows for a common name (RFC 5280, ub-common-name).
_MAX_NAME_LENGTH = 64

# Issued certificates are valid from a little in the past, so that peers
# whose clocks lag somewhat behind the CA's still accept them.
_CLOCK_SKEW = datetime.timedelta(hours=1)

if TYPE_CHECKING:
    from twisted.python.filepath import FilePath

    _PathLike = Union[str, "os.PathLike[str]", "FilePath[str]"]
else:
    _PathLike = object


class CAError(Exception):
    """
    A certificate authority operation could not be carried out.  The message
    says why, and what to do about it; it is meant for a human.
    """


def _toPath(path: _PathLike) -> str:
    """
    Turn a path given as text, L{os.PathLike} or
    L{twisted.python.filepath.FilePath} (without importing Twisted) into text.

    @param path: The path.

    @return: The path as text.
    """
    filePath = getattr(path, "path", None)
    if isinstance(filePath, str):
        return filePath
    if isinstance(filePath, bytes):
        return os.fsdecode(filePath)
    return os.fsdecode(os.fspath(path))  # type: ignore[arg-type, call-overload]


def _now() -> datetime.datetime:
    """
    @return: The current time, in UTC, without microseconds.
    """
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _newKey() -> ec.EllipticCurvePrivateKey:
    """
    @return: A new EC P-256 private key.
    """
    return ec.generate_private_key(ec.SECP256R1())


def _keyPEM(key: ec.EllipticCurvePrivateKey) -> bytes:
    """
    @param key: A private key.

    @return: C{key} as unencrypted PKCS#8 PEM.
    """
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def _certificatePEM(certificate: x509.Certificate) -> bytes:
    """
    @param certificate: A certificate.

    @return: C{certificate} as PEM.
    """
    return certificate.public_bytes(serialization.Encoding.PEM)


def _writeFile(path: str, data: bytes, mode: int) -> None:
    """
    Create a new file, failing if it exists, with the given permissions from
    the very start (so a private key is never readable by others, not even
    briefly).

    @param path: The file to create.

    @param data: Its content.

    @param mode: Its permission bits.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)


def initCA(directory: _PathLike, name: str = "mesos_tw", days: int = 3650) -> None:
    """
    Create a new cluster certificate authority in C{directory}.

    The directory is created if needed; C{ca.pem} (the self-signed CA
    certificate) and C{ca-key.pem} (its private key, mode 0600) are written
    into it.

    @param directory: Where to put the CA.

    @param name: The name of the cluster; it becomes the C{O} of the CA and of
        every certificate it issues.

    @param days: How many days the CA certificate is valid for.

    @raise CAError: If a CA already exists in C{directory}, if C{name} or
        C{days} are unusable, or the files cannot be written.
    """
    path = _toPath(directory)
    if not name or len(name) > _MAX_NAME_LENGTH - len(" cluster CA"):
        raise CAError(
            f"Invalid cluster name {name!r}: it must be between 1 and "
            f"{_MAX_NAME_LENGTH - len(' cluster CA')} characters long."
        )
    if days < 1:
        raise CAError(f"Invalid validity {days!r}: --days must be at least 1.")
    certificatePath = os.path.join(path, CA_CERTIFICATE_FILENAME)
    keyPath = os.path.join(path, CA_KEY_FILENAME)
    for existing in (certificatePath, keyPath):
        if os.path.lexists(existing):
            raise CAError(
                f"A certificate authority already exists in {path} "
                f"({existing} is present).  Use it as it is, or remove "
                f"{certificatePath} and {keyPath} (every certificate it "
                f"issued will stop working) or choose another directory."
            )

    key = _newKey()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} cluster CA"),
        ]
    )
    notBefore = _now() - _CLOCK_SKEW
    publicKey = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(publicKey)
        .serial_number(x509.random_serial_number())
        .not_valid_before(notBefore)
        .not_valid_after(notBefore + _CLOCK_SKEW + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(publicKey), critical=False
        )
        .sign(key, hashes.SHA256())
    )

    try:
        os.makedirs(path, exist_ok=True)
        _writeFile(keyPath, _keyPEM(key), 0o600)
        _writeFile(certificatePath, _certificatePEM(certificate), 0o644)
    except OSError as e:
        raise CAError(
            f"Could not create the certificate authority in {path}: {e}"
        ) from e


def _loadCA(
    caDirectory: str,
) -> tuple[x509.Certificate, bytes, ec.EllipticCurvePrivateKey]:
    """
    Load the CA found in a directory made by L{initCA}.

    @param caDirectory: The CA directory.

    @return: The CA certificate, its PEM, and its private key.

    @raise CAError: If the CA is missing or cannot be read.
    """
    certificatePath = os.path.join(caDirectory, CA_CERTIFICATE_FILENAME)
    keyPath = os.path.join(caDirectory, CA_KEY_FILENAME)
    for required in (certificatePath, keyPath):
        if not os.path.exists(required):
            raise CAError(
                f"No certificate authority in {caDirectory} ({required} "
                f"does not exist): run `mesos-tw ca init {caDirectory}` first."
            )
    try:
        with open(certificatePath, "rb") as f:
            certificatePEM = f.read()
        certificate = x509.load_pem_x509_certificate(certificatePEM)
    except (OSError, ValueError) as e:
        raise CAError(
            f"Could not read the CA certificate {certificatePath}: {e}.  "
            f"Restore it, or create a new CA with `mesos-tw ca init DIR`."
        ) from e
    try:
        with open(keyPath, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise CAError(
            f"Could not read the CA private key {keyPath}: {e}.  Restore it, "
            f"or create a new CA with `mesos-tw ca init DIR`."
        ) from e
    if not isinstance(key, ec.EllipticCurvePrivateKey) or (
        key.public_key() != certificate.public_key()
    ):
        raise CAError(
            f"The CA private key {keyPath} does not belong to the CA "
            f"certificate {certificatePath}.  Restore the matching pair, or "
            f"create a new CA with `mesos-tw ca init DIR`."
        )
    return certificate, certificatePEM, key


def _subjectAlternativeNames(
    name: str, hosts: Iterable[str]
) -> list[x509.GeneralName]:
    """
    Compute the subject alternative names of a certificate.

    @param name: The name of the certificate's owner, used as the only DNS
        name when no C{hosts} are given.

    @param hosts: Host names or IP addresses the owner is reached at.

    @return: An L{x509.IPAddress} for each host that is an IP address, an
        L{x509.DNSName} for each other one.

    @raise CAError: If a host (or C{name}, used as a host) cannot be put in a
        certificate.
    """
    hosts = list(hosts)
    if not hosts:
        hosts = [name]
    result: list[x509.GeneralName] = []
    for host in hosts:
        try:
            result.append(x509.IPAddress(ipaddress.ip_address(host)))
            continue
        except ValueError:
            pass
        if not host or "/" in host or any(c.isspace() for c in host):
            raise CAError(
                f"Invalid host name {host!r}: pass each host name or IP "
                f"address with --host."
            )
        try:
            dnsName = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise CAError(
                f"{host!r} cannot be used as a DNS name: pass the host names "
                f"or IP addresses the certificate is for with --host."
            ) from None
        result.append(x509.DNSName(dnsName))
    return result


def issue(
    caDirectory: _PathLike,
    role: str,
    name: str,
    hosts: Iterable[str] = (),
    out: _PathLike | None = None,
    days: int = 365,
    notBefore: datetime.datetime | None = None,
    notAfter: datetime.datetime | None = None,
) -> str:
    """
    Issue a certificate for a master, slave or framework.

    The output directory must not exist; it is created with C{ca.pem} (a copy
    of the CA certificate), C{cert.pem} and C{key.pem} (mode 0600) in it.

    @param caDirectory: The CA directory, made by L{initCA}.

    @param role: One of L{ROLES}; it becomes the certificate's C{OU}.

    @param name: The name of the master, slave or framework; it becomes the
        certificate's C{CN}.

    @param hosts: Host names and IP addresses at which the owner of the
        certificate is reached; they become its subject alternative names.
        If empty, C{name} is used as a DNS name.

    @param out: The directory to create; by default
        C{caDirectory/<role>-<name>}.

    @param days: How many days the certificate is valid for.

    @param notBefore: When the certificate starts being valid; by default a
        little before now.  Meant for tests.

    @param notAfter: When the certificate stops being valid; by default
        C{days} after C{notBefore}.  Meant for tests.

    @return: The path of the output directory.

    @raise CAError: If the arguments are invalid, the CA cannot be loaded or
        the output directory exists.
    """
    caPath = _toPath(caDirectory)
    if role not in ROLES:
        raise CAError(f"Invalid role {role!r}: it must be one of {', '.join(ROLES)}.")
    if not name or "/" in name or "\0" in name or name.strip() != name:
        raise CAError(
            f"Invalid name {name!r}: it must be non-empty, contain no '/' and "
            f"not begin or end with white space."
        )
    if len(name) > _MAX_NAME_LENGTH:
        raise CAError(
            f"Invalid name {name!r}: it must be at most {_MAX_NAME_LENGTH} "
            f"characters long."
        )
    if days < 1:
        raise CAError(f"Invalid validity {days!r}: --days must be at least 1.")
    outPath = (
        os.path.join(caPath, f"{role}-{name}") if out is None else _toPath(out)
    )
    if os.path.lexists(outPath):
        raise CAError(
            f"{outPath} already exists: remove it, or choose another "
            f"directory with --out."
        )
    caCertificate, caPEM, caKey = _loadCA(caPath)
    alternativeNames = _subjectAlternativeNames(name, hosts)

    organizations = caCertificate.subject.get_attributes_for_oid(
        NameOID.ORGANIZATION_NAME
    )
    subjectAttributes = [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, str(attribute.value))
        for attribute in organizations[:1]
    ]
    subjectAttributes += [
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
    ]

    if notBefore is None:
        notBefore = _now() - _CLOCK_SKEW
    if notAfter is None:
        notAfter = notBefore + datetime.timedelta(days=days)
    if notAfter <= notBefore:
        raise CAError(f"Invalid validity: {notAfter} is not after {notBefore}.")

    key = _newKey()
    publicKey = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(subjectAttributes))
        .issuer_name(caCertificate.subject)
        .public_key(publicKey)
        .serial_number(x509.random_serial_number())
        .not_valid_before(notBefore)
        .not_valid_after(notAfter)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName(alternativeNames), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(publicKey), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(caKey.public_key()),
            critical=False,
        )
        .sign(caKey, hashes.SHA256())
    )

    # Build the directory next to its destination and rename it into place,
    # so that a failure never leaves a half-written credentials directory.
    parent = os.path.dirname(os.path.abspath(outPath))
    try:
        os.makedirs(parent, exist_ok=True)
        temporary = tempfile.mkdtemp(prefix=".mesos-tw-issue-", dir=parent)
    except OSError as e:
        raise CAError(f"Could not create {outPath}: {e}") from e
    try:
        os.chmod(temporary, 0o755)
        _writeFile(os.path.join(temporary, CA_CERTIFICATE_FILENAME), caPEM, 0o644)
        _writeFile(
            os.path.join(temporary, CERTIFICATE_FILENAME),
            _certificatePEM(certificate),
            0o644,
        )
        _writeFile(os.path.join(temporary, KEY_FILENAME), _keyPEM(key), 0o600)
        os.rename(temporary, outPath)
    except OSError as e:
        shutil.rmtree(temporary, ignore_errors=True)
        if os.path.lexists(outPath):
            raise CAError(
                f"{outPath} already exists: remove it, or choose another "
                f"directory with --out."
            ) from e
        raise CAError(f"Could not create {outPath}: {e}") from e
    return outPath
