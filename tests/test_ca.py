# -*- test-case-name: tests.test_ca -*-
"""
Tests for L{mesos_tw.ca} and the C{mesos-tw ca} command line,
L{mesos_tw.cli.ca}.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import stat
from io import StringIO

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from twisted.python.filepath import FilePath
from twisted.python.usage import UsageError
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw.ca import ROLES, CAError, initCA, issue
from mesos_tw.cli import ca as cli


def loadCertificate(path: str) -> x509.Certificate:
    """
    Load a PEM certificate.

    @param path: The file.

    @return: The certificate.
    """
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def loadKey(path: str) -> ec.EllipticCurvePrivateKey:
    """
    Load a PEM private key.

    @param path: The file.

    @return: The key.
    """
    with open(path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def subjectValue(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    """
    Get the only value of one attribute of a certificate's subject.

    @param certificate: The certificate.

    @param oid: The attribute.

    @return: Its value.
    """
    [attribute] = certificate.subject.get_attributes_for_oid(oid)
    return str(attribute.value)


def mode(path: str) -> int:
    """
    @param path: A file.

    @return: Its permission bits.
    """
    return stat.S_IMODE(os.stat(path).st_mode)


class InitCATests(SynchronousTestCase):
    """
    Tests for L{initCA}.
    """

    def test_writesFiles(self) -> None:
        """
        L{initCA} creates the directory with a public C{ca.pem} and a
        C{ca-key.pem} readable by its owner only.
        """
        directory = self.mktemp()
        initCA(directory)
        self.assertEqual(sorted(os.listdir(directory)), ["ca-key.pem", "ca.pem"])
        self.assertEqual(mode(os.path.join(directory, "ca-key.pem")), 0o600)
        self.assertEqual(mode(os.path.join(directory, "ca.pem")) & 0o077 & ~0o044, 0)

    def test_existingEmptyDirectory(self) -> None:
        """
        L{initCA} accepts an existing directory that holds no CA.
        """
        directory = self.mktemp()
        os.makedirs(directory)
        initCA(directory)
        self.assertTrue(os.path.exists(os.path.join(directory, "ca.pem")))

    def test_filePath(self) -> None:
        """
        L{initCA} accepts a L{FilePath}.
        """
        directory = FilePath(self.mktemp())
        initCA(directory)
        self.assertTrue(directory.child("ca.pem").exists())

    def test_certificate(self) -> None:
        """
        The CA certificate is a self-signed EC P-256, SHA-256 CA certificate
        named after the cluster, which may sign certificates and CRLs.
        """
        directory = self.mktemp()
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        initCA(directory, name="prod", days=10)
        certificate = loadCertificate(os.path.join(directory, "ca.pem"))
        key = loadKey(os.path.join(directory, "ca-key.pem"))

        self.assertEqual(subjectValue(certificate, NameOID.ORGANIZATION_NAME), "prod")
        self.assertEqual(
            subjectValue(certificate, NameOID.COMMON_NAME), "prod cluster CA"
        )
        self.assertEqual(certificate.issuer, certificate.subject)
        certificate.verify_directly_issued_by(certificate)
        self.assertIsInstance(certificate.signature_hash_algorithm, hashes.SHA256)
        self.assertIsInstance(key.curve, ec.SECP256R1)
        self.assertEqual(key.public_key(), certificate.public_key())

        basic = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        self.assertTrue(basic.critical)
        self.assertTrue(basic.value.ca)
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        self.assertTrue(usage.key_cert_sign)
        self.assertTrue(usage.crl_sign)
        self.assertFalse(usage.digital_signature)

        self.assertLessEqual(certificate.not_valid_before_utc, before)
        self.assertGreaterEqual(
            certificate.not_valid_after_utc, before + datetime.timedelta(days=10)
        )
        self.assertLess(
            certificate.not_valid_after_utc, before + datetime.timedelta(days=11)
        )

    def test_twice(self) -> None:
        """
        L{initCA} refuses to overwrite an existing CA, and says so.
        """
        directory = self.mktemp()
        initCA(directory)
        with open(os.path.join(directory, "ca.pem"), "rb") as f:
            original = f.read()
        error = self.assertRaises(CAError, initCA, directory)
        self.assertIn("already exists", str(error))
        self.assertIn(directory, str(error))
        with open(os.path.join(directory, "ca.pem"), "rb") as f:
            self.assertEqual(f.read(), original)

    def test_invalidDays(self) -> None:
        """
        L{initCA} refuses a validity shorter than one day.
        """
        self.assertRaises(CAError, initCA, self.mktemp(), days=0)


class IssueTests(SynchronousTestCase):
    """
    Tests for L{issue}.
    """

    def setUp(self) -> None:
        """
        Create a CA.
        """
        self.caDirectory = self.mktemp()
        initCA(self.caDirectory, name="testcluster")
        self.caCertificate = loadCertificate(
            os.path.join(self.caDirectory, "ca.pem")
        )

    def test_writesFiles(self) -> None:
        """
        L{issue} creates C{caDirectory/<role>-<name>} with C{ca.pem} (a copy
        of the CA certificate), C{cert.pem} and C{key.pem} (mode 0600), and
        returns its path.
        """
        out = issue(self.caDirectory, "master", "m1", hosts=["127.0.0.1"])
        self.assertEqual(out, os.path.join(self.caDirectory, "master-m1"))
        self.assertEqual(sorted(os.listdir(out)), ["ca.pem", "cert.pem", "key.pem"])
        self.assertEqual(mode(os.path.join(out, "key.pem")), 0o600)
        with open(os.path.join(out, "ca.pem"), "rb") as f:
            copied = f.read()
        with open(os.path.join(self.caDirectory, "ca.pem"), "rb") as f:
            self.assertEqual(copied, f.read())
        certificate = loadCertificate(os.path.join(out, "cert.pem"))
        key = loadKey(os.path.join(out, "key.pem"))
        self.assertEqual(key.public_key(), certificate.public_key())
        self.assertIsInstance(key.curve, ec.SECP256R1)

    def test_out(self) -> None:
        """
        L{issue} writes to C{out} when given, creating its parents.
        """
        out = os.path.join(self.mktemp(), "deep", "slave")
        self.assertEqual(issue(self.caDirectory, "slave", "s1", out=out), out)
        self.assertTrue(os.path.exists(os.path.join(out, "cert.pem")))
        self.assertEqual(
            [name for name in os.listdir(os.path.dirname(out))], ["slave"]
        )

    def test_outExists(self) -> None:
        """
        L{issue} refuses to write into an existing directory, and says how
        to proceed.
        """
        out = self.mktemp()
        os.makedirs(out)
        error = self.assertRaises(
            CAError, issue, self.caDirectory, "slave", "s1", out=out
        )
        self.assertIn(out, str(error))
        self.assertIn("--out", str(error))
        self.assertEqual(os.listdir(out), [])

    def test_subject(self) -> None:
        """
        The certificate's C{CN} is the name, its C{OU} the role and its C{O}
        that of the CA; it is issued by the CA, with SHA-256.
        """
        out = issue(self.caDirectory, "framework", "analytics")
        certificate = loadCertificate(os.path.join(out, "cert.pem"))
        self.assertEqual(subjectValue(certificate, NameOID.COMMON_NAME), "analytics")
        self.assertEqual(
            subjectValue(certificate, NameOID.ORGANIZATIONAL_UNIT_NAME), "framework"
        )
        self.assertEqual(
            subjectValue(certificate, NameOID.ORGANIZATION_NAME), "testcluster"
        )
        self.assertEqual(certificate.issuer, self.caCertificate.subject)
        certificate.verify_directly_issued_by(self.caCertificate)
        self.assertIsInstance(certificate.signature_hash_algorithm, hashes.SHA256)

    def test_extensions(self) -> None:
        """
        The certificate is not a CA and may be used by TLS servers and
        clients.
        """
        out = issue(self.caDirectory, "slave", "s1")
        certificate = loadCertificate(os.path.join(out, "cert.pem"))
        basic = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        self.assertFalse(basic.value.ca)
        extended = certificate.extensions.get_extension_for_class(
            x509.ExtendedKeyUsage
        ).value
        self.assertEqual(
            set(extended),
            {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH},
        )

    def test_subjectAlternativeNames(self) -> None:
        """
        Each host becomes an IP address alternative name if it is an IPv4 or
        IPv6 address, a DNS name otherwise.
        """
        out = issue(
            self.caDirectory,
            "master",
            "m1",
            hosts=["10.0.0.1", "::1", "master1.example.com", "localhost"],
        )
        certificate = loadCertificate(os.path.join(out, "cert.pem"))
        names = certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value
        self.assertEqual(
            names.get_values_for_type(x509.IPAddress),
            [ipaddress.ip_address("10.0.0.1"), ipaddress.ip_address("::1")],
        )
        self.assertEqual(
            names.get_values_for_type(x509.DNSName),
            ["master1.example.com", "localhost"],
        )

    def test_defaultSubjectAlternativeName(self) -> None:
        """
        Without hosts, the name is the only (DNS) alternative name.
        """
        out = issue(self.caDirectory, "slave", "node7")
        certificate = loadCertificate(os.path.join(out, "cert.pem"))
        names = certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value
        self.assertEqual(list(names), [x509.DNSName("node7")])

    def test_validity(self) -> None:
        """
        The certificate is valid from about now for C{days} days.
        """
        before = datetime.datetime.now(datetime.timezone.utc)
        out = issue(self.caDirectory, "slave", "s1", days=30)
        after = datetime.datetime.now(datetime.timezone.utc)
        certificate = loadCertificate(os.path.join(out, "cert.pem"))
        self.assertLessEqual(certificate.not_valid_before_utc, before)
        self.assertGreater(
            certificate.not_valid_before_utc, before - datetime.timedelta(days=1)
        )
        lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
        self.assertEqual(lifetime, datetime.timedelta(days=30))
        self.assertGreater(certificate.not_valid_after_utc, after)

    def test_explicitValidity(self) -> None:
        """
        C{notBefore} and C{notAfter} set the validity period exactly, even in
        the past.
        """
        notBefore = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
        notAfter = datetime.datetime(2020, 1, 2, tzinfo=datetime.timezone.utc)
        out = issue(
            self.caDirectory, "slave", "old", notBefore=notBefore, notAfter=notAfter
        )
        certificate = loadCertificate(os.path.join(out, "cert.pem"))
        self.assertEqual(certificate.not_valid_before_utc, notBefore)
        self.assertEqual(certificate.not_valid_after_utc, notAfter)

    def test_badRole(self) -> None:
        """
        L{issue} refuses a role that is not one of L{ROLES}, listing them.
        """
        error = self.assertRaises(CAError, issue, self.caDirectory, "admin", "x")
        for role in ROLES:
            self.assertIn(role, str(error))
        self.assertEqual(sorted(os.listdir(self.caDirectory)), ["ca-key.pem", "ca.pem"])

    def test_badName(self) -> None:
        """
        L{issue} refuses an empty name and a name with a slash.
        """
        self.assertRaises(CAError, issue, self.caDirectory, "slave", "")
        self.assertRaises(CAError, issue, self.caDirectory, "slave", "a/b")

    def test_missingCA(self) -> None:
        """
        L{issue} without a CA says to create one with C{mesos-tw ca init}.
        """
        missing = self.mktemp()
        error = self.assertRaises(CAError, issue, missing, "slave", "s1")
        self.assertIn(f"run `mesos-tw ca init {missing}` first", str(error))
        self.assertFalse(os.path.exists(missing))


class CommandLineTests(SynchronousTestCase):
    """
    Tests for L{mesos_tw.cli.ca}.
    """

    def parse(self, *argv: str) -> cli.Options:
        """
        Parse a C{mesos-tw ca} command line.

        @param argv: The arguments after C{mesos-tw ca}.

        @return: The parsed options.
        """
        options = cli.Options()
        options.parseOptions(list(argv))
        return options

    def runCommand(self, *argv: str) -> tuple[int, str, str]:
        """
        Parse and run a C{mesos-tw ca} command line.

        @param argv: The arguments after C{mesos-tw ca}.

        @return: The exit status, standard output and standard error.
        """
        stdout, stderr = StringIO(), StringIO()
        status = cli.run(self.parse(*argv), stdout=stdout, stderr=stderr)
        return status, stdout.getvalue(), stderr.getvalue()

    def test_init(self) -> None:
        """
        C{mesos-tw ca init DIR} creates the CA, prints the files it wrote
        and what to do next, and exits with 0.
        """
        directory = self.mktemp()
        status, out, err = self.runCommand("init", directory, "--name", "prod")
        self.assertEqual((status, err), (0, ""))
        self.assertIn(os.path.join(directory, "ca.pem"), out)
        self.assertIn(os.path.join(directory, "ca-key.pem"), out)
        self.assertIn(f"mesos-tw ca issue {directory}", out)
        certificate = loadCertificate(os.path.join(directory, "ca.pem"))
        self.assertEqual(subjectValue(certificate, NameOID.ORGANIZATION_NAME), "prod")

    def test_initTwice(self) -> None:
        """
        C{mesos-tw ca init} on an existing CA prints the error to standard
        error and exits with 1.
        """
        directory = self.mktemp()
        self.runCommand("init", directory)
        status, out, err = self.runCommand("init", directory)
        self.assertEqual((status, out), (1, ""))
        self.assertIn("already exists", err)

    def test_issue(self) -> None:
        """
        C{mesos-tw ca issue} writes the credentials, prints their paths and
        how to use them, and exits with 0.
        """
        directory = self.mktemp()
        self.runCommand("init", directory)
        out = os.path.join(self.mktemp(), "master")
        status, stdout, err = self.runCommand(
            "issue", directory, "--role", "master", "--name", "m1",
            "--host", "10.1.1.1", "--host", "m1.example.com", "--out", out,
            "--days", "7",
        )
        self.assertEqual((status, err), (0, ""))
        for name in ("ca.pem", "cert.pem", "key.pem"):
            self.assertIn(os.path.join(out, name), stdout)
        self.assertIn(f"twistd mesos-master --tls-dir {out}", stdout)
        certificate = loadCertificate(os.path.join(out, "cert.pem"))
        names = certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value
        self.assertEqual(
            names.get_values_for_type(x509.IPAddress),
            [ipaddress.ip_address("10.1.1.1")],
        )
        self.assertEqual(names.get_values_for_type(x509.DNSName), ["m1.example.com"])
        lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
        self.assertEqual(lifetime, datetime.timedelta(days=7))

    def test_issueDefaultOut(self) -> None:
        """
        Without C{--out}, C{mesos-tw ca issue} writes to C{DIR/ROLE-NAME}.
        """
        directory = self.mktemp()
        self.runCommand("init", directory)
        status, stdout, err = self.runCommand(
            "issue", directory, "--role", "slave", "--name", "s1"
        )
        self.assertEqual(status, 0)
        self.assertIn(os.path.join(directory, "slave-s1", "cert.pem"), stdout)
        self.assertIn("twistd mesos-slave", stdout)

    def test_issueMissingCA(self) -> None:
        """
        C{mesos-tw ca issue} without a CA tells to run C{mesos-tw ca init} on
        standard error and exits with 1.
        """
        directory = self.mktemp()
        status, stdout, err = self.runCommand(
            "issue", directory, "--role", "slave", "--name", "s1"
        )
        self.assertEqual((status, stdout), (1, ""))
        self.assertIn(f"mesos-tw ca init {directory}", err)

    def test_badRole(self) -> None:
        """
        An unknown C{--role} is a usage error listing the roles.
        """
        error = self.assertRaises(
            UsageError, self.parse, "issue", "ca", "--role", "admin", "--name", "x"
        )
        self.assertIn("master, slave, framework", str(error))

    def test_missingRole(self) -> None:
        """
        A missing C{--role} is a usage error.
        """
        error = self.assertRaises(UsageError, self.parse, "issue", "ca", "--name", "x")
        self.assertIn("--role", str(error))

    def test_missingName(self) -> None:
        """
        A missing C{--name} is a usage error.
        """
        error = self.assertRaises(
            UsageError, self.parse, "issue", "ca", "--role", "slave"
        )
        self.assertIn("--name", str(error))

    def test_badDays(self) -> None:
        """
        C{--days} must be a positive integer.
        """
        self.assertRaises(UsageError, self.parse, "init", "ca", "--days", "0")
        self.assertRaises(UsageError, self.parse, "init", "ca", "--days", "x")

    def test_missingDirectory(self) -> None:
        """
        The CA directory is a required argument.
        """
        self.assertRaises(UsageError, self.parse, "init")
        self.assertRaises(
            UsageError, self.parse, "issue", "--role", "slave", "--name", "s"
        )

    def test_optionsFirst(self) -> None:
        """
        Options may come before or after the directory, in C{--opt value}
        or C{--opt=value} form.
        """
        options = self.parse(
            "issue", "--role=slave", "--name", "s1", "ca", "--host", "h",
            "--out=o",
        )
        self.assertEqual(
            (
                options.subOptions["directory"],
                options.subOptions["role"],
                options.subOptions["name"],
                options.subOptions["hosts"],
                options.subOptions["out"],
            ),
            ("ca", "slave", "s1", ["h"], "o"),
        )

    def test_missingCommand(self) -> None:
        """
        C{mesos-tw ca} without a command is a usage error naming the
        commands.
        """
        error = self.assertRaises(UsageError, self.parse)
        self.assertIn("init or issue", str(error))

    def test_hosts(self) -> None:
        """
        C{--host} may be repeated; the hosts are kept in order.
        """
        options = self.parse(
            "issue", "ca", "--role", "master", "--name", "m",
            "--host", "a", "--host", "b",
        )
        self.assertEqual(options.subOptions["hosts"], ["a", "b"])
        self.assertEqual(
            self.parse("issue", "ca", "--role", "slave", "--name", "s")
            .subOptions["hosts"],
            [],
        )

    def test_help(self) -> None:
        """
        The help of C{mesos-tw ca} lists the C{init} and C{issue} commands;
        that of C{issue} documents its options.
        """
        text = str(cli.Options())
        self.assertIn("init", text)
        self.assertIn("issue", text)
        self.assertIn("Create a new cluster certificate authority", text)
        issueText = str(cli.IssueOptions())
        for option in ("--role", "--name", "--host", "--out", "--days"):
            self.assertIn(option, issueText)
