"""
Tests for L{mesos_tw.zk.url}.
"""

from __future__ import annotations

import os

from twisted.trial.unittest import SynchronousTestCase

from mesos_tw.zk.url import Credentials, ZooKeeperURL, ZooKeeperURLError, parseURL


class ParseURLTests(SynchronousTestCase):
    def assertBad(self, text: str, *fragments: str, **kwargs: object) -> ZooKeeperURLError:
        e = self.assertRaises(ZooKeeperURLError, parseURL, text, **kwargs)
        for fragment in fragments:
            self.assertIn(fragment, str(e))
        return e

    def test_servers(self) -> None:
        """
        A URL names servers (port 2181 by default) and a path.
        """
        url = parseURL("zk://host1:2181,host2:2182,host3/mesos")
        self.assertEqual(
            url, ZooKeeperURL((("host1", 2181), ("host2", 2182), ("host3", 2181)), "/mesos")
        )
        self.assertEqual(url.hosts, "host1:2181,host2:2182,host3:2181")
        self.assertEqual(str(url), "zk://host1:2181,host2:2182,host3:2181/mesos")

    def test_nestedPath(self) -> None:
        self.assertEqual(parseURL(" zk://h:1/a/b/c\n").path, "/a/b/c")

    def test_ipv6(self) -> None:
        url = parseURL("zk://[::1]:2181,[fe80::1]/mesos")
        self.assertEqual(url.servers, (("::1", 2181), ("fe80::1", 2181)))
        self.assertEqual(url.hosts, "[::1]:2181,[fe80::1]:2181")

    def test_credentials(self) -> None:
        """
        C{user:password@} gives digest credentials, masked when printed.
        """
        url = parseURL("zk://alice:s3:cr@t@h:2181/mesos")
        self.assertEqual(url.credentials, Credentials("alice", "s3:cr@t"))
        self.assertEqual(url.credentials.digest, "alice:s3:cr@t")
        self.assertEqual(url.servers, (("h", 2181),))
        self.assertEqual(str(url), "zk://alice:***@h:2181/mesos")
        self.assertNotIn("s3", repr(url))

    def test_credentialsGiven(self) -> None:
        credentials = Credentials("bob", "pw")
        self.assertEqual(parseURL("zk://h/m", credentials).credentials, credentials)
        e = self.assertBad("zk://a:secret@h/m", "credentials", credentials=credentials)
        self.assertNotIn("secret", str(e))

    def test_file(self) -> None:
        """
        C{file:///path} reads the URL from a file.
        """
        path = os.path.abspath(self.mktemp())
        with open(path, "w") as f:
            f.write("zk://h1:1,h2:2/mesos\n")
        self.assertEqual(parseURL(f"file://{path}").servers, (("h1", 1), ("h2", 2)))

    def test_badFile(self) -> None:
        missing = os.path.abspath(self.mktemp())
        self.assertBad(f"file://{missing}", "cannot read", missing)
        with open(missing, "w") as f:
            f.write("file:///etc/passwd")
        self.assertBad(f"file://{missing}", "must hold a zk:// URL")

    def test_notZooKeeper(self) -> None:
        self.assertBad("http://h:1/m", "'http://h:1/m' is not a ZooKeeper URL")
        self.assertBad("h:2181", "'h:2181' is not a ZooKeeper URL")

    def test_noPath(self) -> None:
        self.assertBad("zk://h:2181", "has no path")

    def test_badPath(self) -> None:
        self.assertBad("zk://h:2181/", "'/'")
        self.assertBad("zk://h:2181/mesos/", "'/mesos/'")
        self.assertBad("zk://h:2181/a//b", "'/a//b'")

    def test_badPort(self) -> None:
        self.assertBad("zk://h:21x81/m", "bad port '21x81'", "'h:21x81'")
        self.assertBad("zk://h:0/m", "bad port '0'")
        self.assertBad("zk://h:65536/m", "bad port '65536'")
        self.assertBad("zk://h:/m", "bad port ''")

    def test_badServers(self) -> None:
        self.assertBad("zk://a:1,,b:2/m", "empty server")
        self.assertBad("zk:///m", "names no server")
        self.assertBad("zk://:2181/m", "has no host")
        self.assertBad("zk://::1:2181/m", "more than one ':'")
        self.assertBad("zk://[::1/m", "unclosed '['")
        self.assertBad("zk://[nope]:1/m", "'nope'", "no IPv6 address")

    def test_badCredentials(self) -> None:
        self.assertBad("zk://alice@h/m", "'user:password'")
        self.assertBad("zk://:pw@h/m", "the user is empty")


class CredentialsTests(SynchronousTestCase):
    def write(self, text: str) -> str:
        path = os.path.abspath(self.mktemp())
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_fromFile(self) -> None:
        """
        A credentials file holds C{user:password} on one line.
        """
        self.assertEqual(
            Credentials.fromFile(self.write("mesos:pa:ss\n")), Credentials("mesos", "pa:ss")
        )

    def test_badFile(self) -> None:
        path = self.write("no colon here")
        e = self.assertRaises(ZooKeeperURLError, Credentials.fromFile, path)
        self.assertIn(path, str(e))
        self.assertNotIn("no colon here", str(e))
        self.assertRaises(ZooKeeperURLError, Credentials.fromFile, self.write("a:b\nc:d\n"))
        self.assertRaises(ZooKeeperURLError, Credentials.fromFile, os.path.abspath(self.mktemp()))

    def test_repr(self) -> None:
        self.assertNotIn("secret", repr(Credentials("u", "secret")))
