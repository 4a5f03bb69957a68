"""
Tests for changing role weights at run time: the master's C{/weights} and
C{/roles} endpoints (L{mesos_tw.master.http}) and C{mesos-tw weights}
(L{mesos_tw.cli.weights}).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import BytesIO

from cryptography import x509
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import Clock
from twisted.internet.threads import deferToThread
from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase, TestCase
from twisted.web.resource import getChildForRequest
from twisted.web.test.requesthelper import DummyRequest

import mesos_tw
from mesos_tw.ca import issue
from mesos_tw.cli import main, weights
from mesos_tw.master import tap as masterTap
from mesos_tw.master.http import makeRoot, parseWeights
from mesos_tw.master.master import Master
from mesos_tw.mesos_pb2 import MasterInfo
from mesos_tw.protocol.tls import Credentials
from mesos_tw.testing.certs import makeCluster

MESOS_TW = [sys.executable, "-m", "mesos_tw.cli"]


class FakeTLSTransport:
    """
    A transport whose peer presented C{certificate}.
    """

    def __init__(self, certificate: x509.Certificate | None) -> None:
        self.certificate = certificate

    def getPeerCertificate(self) -> x509.Certificate | None:
        return self.certificate

    def getPeer(self) -> None:
        return None


def certificate(directory: str) -> x509.Certificate:
    """
    The certificate in a credentials directory.
    """
    with open(os.path.join(directory, "cert.pem"), "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


class ParseWeightsTests(SynchronousTestCase):
    """
    Tests for L{parseWeights}, the body of C{PUT /weights}.
    """

    def test_valid(self) -> None:
        """
        A JSON array of role and weight objects gives the weights.
        """
        body = b'[{"role": "web", "weight": 2}, {"role": "a/b", "weight": 0.5}]'
        self.assertEqual(parseWeights(body), {"web": 2.0, "a/b": 0.5})

    def test_invalid(self) -> None:
        """
        Anything else is refused with a message naming the problem.
        """
        for body, text in [
            (b"{", "not JSON"),
            (b'{"web": 2}', "JSON array"),
            (b'[{"role": "web"}]', "expected"),
            (b'[{"role": 1, "weight": 1}]', "not a string"),
            (b'[{"role": "a b", "weight": 1}]', "invalid role"),
            (b'[{"role": "web", "weight": "2"}]', "not a number"),
            (b'[{"role": "web", "weight": true}]', "not a number"),
            (b'[{"role": "web", "weight": 0}]', "greater than zero"),
            (b'[{"role": "web", "weight": 1}, {"role": "web", "weight": 2}]', "twice"),
        ]:
            e = self.assertRaises(ValueError, parseWeights, body)
            self.assertIn(text, str(e))


class WeightsEndpointTests(SynchronousTestCase):
    """
    Tests for C{/weights} and C{/roles} on a L{Master}.
    """

    def setUp(self) -> None:
        self.certs = makeCluster(self.mktemp())
        info = MasterInfo(id="m1", pid="master@127.0.0.1:5050", hostname="m",
                          version=mesos_tw.__version__)
        self.master = Master(info, Clock())
        self.addCleanup(self.master.stop)
        self.root = makeRoot(self.master)

    def request(self, method: bytes, path: bytes, body: bytes = b"",
                peer: str | None = None) -> tuple[DummyRequest, object]:
        """
        Make a request as the holder of the credentials in C{peer}.
        """
        request = DummyRequest(path.strip(b"/").split(b"/"))
        request.method = method
        request.content = BytesIO(body)
        request.transport = FakeTLSTransport(
            certificate(peer) if peer is not None else None
        )
        resource = getChildForRequest(self.root, request)
        return request, json.loads(resource.render(request))

    def test_get(self) -> None:
        """
        C{GET /weights} lists every known role with its weight.
        """
        self.master.updateWeights({"web": 2.0})
        for path in [b"/weights", b"/master/weights"]:
            _, body = self.request(b"GET", path, peer=self.certs.framework)
            self.assertEqual(body, [{"role": "web", "weight": 2.0}])

    def test_put(self) -> None:
        """
        An operator (master certificate) sets weights with C{PUT}; the
        answer is the weights afterwards, and the roles show them.
        """
        self.master.updateWeights({"web": 2.0})
        request, body = self.request(
            b"PUT", b"/weights", b'[{"role": "batch", "weight": 3}]', self.certs.master
        )
        self.assertEqual(request.responseCode, None)
        self.assertEqual(
            body, [{"role": "batch", "weight": 3.0}, {"role": "web", "weight": 2.0}]
        )
        _, roles = self.request(b"GET", b"/roles", peer=self.certs.framework)
        self.assertEqual(
            [(r["name"], r["weight"]) for r in roles["roles"]],
            [("batch", 3.0), ("web", 2.0)],
        )

    def test_putNeedsMasterCertificate(self) -> None:
        """
        A framework or slave certificate, or none, may not change weights.
        """
        for peer in [self.certs.framework, self.certs.slave, None]:
            request, body = self.request(
                b"PUT", b"/weights", b'[{"role": "web", "weight": 3}]', peer
            )
            self.assertEqual(request.responseCode, 403)
            self.assertIn("needs a master certificate", body["error"])
        self.assertEqual(self.master.allocator.roleSummaries(), [])

    def test_putInvalid(self) -> None:
        """
        An invalid body is answered 400 with the reason, and changes
        nothing.
        """
        request, body = self.request(
            b"PUT", b"/weights", b'[{"role": "web", "weight": -1}]', self.certs.master
        )
        self.assertEqual(request.responseCode, 400)
        self.assertIn("greater than zero", body["error"])
        self.assertEqual(self.master.allocator.roleSummaries(), [])


class WeightsOptionsTests(SynchronousTestCase):
    """
    Tests for L{weights.Options}.
    """

    def setUp(self) -> None:
        self.certs = makeCluster(self.mktemp())

    def parse(self, *args: str) -> weights.Options:
        options = weights.Options()
        options.parseOptions(
            ["--master", "127.0.0.1:5050", "--tls-dir", self.certs.master] + list(args)
        )
        return options

    def test_registered(self) -> None:
        """
        C{mesos-tw weights} is a command.
        """
        self.assertIn("weights", str(main.Options()))

    def test_get(self) -> None:
        """
        Without arguments there are no weights to set.
        """
        self.assertEqual(self.parse()["weights"], {})

    def test_set(self) -> None:
        """
        ROLE=WEIGHT arguments, alone or comma-separated, are the weights to
        set.
        """
        self.assertEqual(
            self.parse("web=2", "batch=1,etl=0.5")["weights"],
            {"web": 2.0, "batch": 1.0, "etl": 0.5},
        )

    def test_invalid(self) -> None:
        """
        Bad weights, repeated roles and bad roles are usage errors.
        """
        for args, text in [
            (["web"], "role=NUMBER"),
            (["web=x"], "not a number"),
            (["web=0"], "greater than zero"),
            (["web=1", "web=2"], "twice"),
            (["a b=1"], "invalid role"),
        ]:
            e = self.assertRaises(usage.UsageError, self.parse, *args)
            self.assertIn(text, str(e))

    def test_describe(self) -> None:
        """
        Weights are printed as a table.
        """
        self.assertEqual(
            weights.describe([{"role": "web", "weight": 2.0}, {"role": "b", "weight": 1}]),
            "web  2\nb    1",
        )
        self.assertEqual(weights.describe([]), "no roles")


class WeightsOverTLSTests(TestCase):
    """
    C{mesos-tw weights} against a master listening with mutual TLS.
    """

    timeout = 60

    def setUp(self) -> None:
        from twisted.internet import reactor

        self.reactor = reactor
        self.certs = makeCluster(self.mktemp())
        options = masterTap.Options()
        options.parseOptions(
            ["--tls-dir", self.certs.master, "--port", "0", "--weights", "web=2"]
        )
        self.service = masterTap.makeService(options, reactor)
        self.service.privilegedStartService()
        self.service.startService()
        self.addCleanup(self.service.stopService)
        self.port = self.service.getServiceNamed("listener").port.getHost().port

    @inlineCallbacks
    def test_requestWeights(self):
        """
        An operator reads and sets weights; a framework may read but not
        set them.
        """
        operator = Credentials.fromDirectory(
            issue(self.certs.ca, "master", "operator", hosts=["127.0.0.1"])
        )
        framework = Credentials.fromDirectory(self.certs.framework)
        got = yield weights.requestWeights(self.reactor, framework, "127.0.0.1", self.port)
        self.assertEqual(got, [{"role": "web", "weight": 2.0}])
        got = yield weights.requestWeights(
            self.reactor, operator, "127.0.0.1", self.port, {"web": 1.5, "etl": 3}
        )
        self.assertEqual(
            got, [{"role": "etl", "weight": 3.0}, {"role": "web", "weight": 1.5}]
        )
        e = yield self.assertFailure(
            weights.requestWeights(self.reactor, framework, "127.0.0.1", self.port,
                                   {"web": 9}),
            RuntimeError,
        )
        self.assertIn("403", str(e))
        self.assertIn("needs a master certificate", str(e))

    @inlineCallbacks
    def test_command(self):
        """
        The command prints the weights, and exits 1 with the master's
        reason when it refuses.
        """
        operator = issue(self.certs.ca, "master", "operator", hosts=["127.0.0.1"])
        address = f"127.0.0.1:{self.port}"
        out = yield deferToThread(
            subprocess.run,
            MESOS_TW + ["weights", "--master", address, "--tls-dir", operator, "batch=4"],
            capture_output=True, text=True, timeout=30,
        )
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout, "batch  4\nweb    2\n")
        out = yield deferToThread(
            subprocess.run,
            MESOS_TW + ["weights", "--master", address, "--tls-dir", self.certs.framework,
                        "batch=1"],
            capture_output=True, text=True, timeout=30,
        )
        self.assertEqual(out.returncode, 1)
        self.assertIn("needs a master certificate", out.stderr)
