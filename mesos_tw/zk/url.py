# -*- test-case-name: tests.test_zk_url -*-
"""
ZooKeeper URLs as Mesos takes them for C{--zk} and C{--master}::

    zk://host1:2181,host2:2181/mesos
    zk://user:password@host1:2181,host2:2181/mesos
    file:///path/to/file            (the file holds one of the above)

and digest credentials (C{user:password}) from a file, for
C{--zk-credentials FILE} rather than a password on the command line.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from mesos_tw.zk.paths import pathProblem

#: ZooKeeper's client port when a server names none.
DEFAULT_PORT = 2181


class ZooKeeperURLError(ValueError):
    """
    A ZooKeeper URL or credentials file is malformed; the message quotes the
    bad part.
    """


@dataclass(frozen=True)
class Credentials:
    """
    Digest credentials for ZooKeeper (the C{digest} scheme).

    @ivar username: the user name (no C{:}).
    @ivar password: the password; left out of C{repr}.
    """

    username: str
    password: str = field(repr=False)

    @property
    def digest(self) -> str:
        """
        C{user:password}, as ZooKeeper's C{addAuth("digest", ...)} takes it.
        """
        return f"{self.username}:{self.password}"

    @classmethod
    def parse(cls, text: str, where: str = "credentials") -> Credentials:
        """
        Parse C{user:password}.

        @param where: what to name in errors (never the password).
        @raise ZooKeeperURLError: without a C{:} or with an empty user name.
        """
        username, colon, password = text.partition(":")
        if not colon:
            raise ZooKeeperURLError(
                f"{where} must be 'user:password'; found no ':' in it"
            )
        if not username:
            raise ZooKeeperURLError(f"{where} must be 'user:password'; the user is empty")
        return cls(username, password)

    @classmethod
    def fromFile(cls, path: str) -> Credentials:
        """
        Read C{user:password} from the file at C{path} (one line; a trailing
        newline is ignored).

        @raise ZooKeeperURLError: if the file cannot be read or is malformed.
        """
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise ZooKeeperURLError(f"cannot read ZooKeeper credentials file {path!r}: {e}")
        text = text.rstrip("\r\n")
        if "\n" in text:
            raise ZooKeeperURLError(
                f"ZooKeeper credentials file {path!r} must hold one line 'user:password'"
            )
        return cls.parse(text, f"ZooKeeper credentials file {path!r}")


@dataclass(frozen=True)
class ZooKeeperURL:
    """
    Where a ZooKeeper group lives.

    @ivar servers: the ensemble's C{(host, port)} pairs, in order.
    @ivar path: the group's node, e.g. C{/mesos}.
    @ivar credentials: L{Credentials}, or L{None} to connect without.
    """

    servers: tuple[tuple[str, int], ...]
    path: str
    credentials: Credentials | None = None

    @property
    def hosts(self) -> str:
        """
        The connect string of the servers, C{host1:2181,host2:2181}.
        """
        return ",".join(
            f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            for host, port in self.servers
        )

    def __str__(self) -> str:
        """
        The URL with the password masked, for logs.
        """
        user = f"{self.credentials.username}:***@" if self.credentials else ""
        return f"zk://{user}{self.hosts}{self.path}"


def validatePath(path: str, what: str = "path") -> str:
    """
    Check a ZooKeeper node path with L{mesos_tw.zk.paths.pathProblem}.

    @return: C{path}.
    @raise ZooKeeperURLError: quoting the path.
    """
    problem = pathProblem(path)
    if problem is not None:
        raise ZooKeeperURLError(f"{what} {problem}")
    return path


def _parseServer(server: str, url: str) -> tuple[str, int]:
    if not server:
        raise ZooKeeperURLError(f"empty server in ZooKeeper URL {url!r}")
    if server.startswith("["):
        host, bracket, rest = server[1:].partition("]")
        if not bracket:
            raise ZooKeeperURLError(f"unclosed '[' in server {server!r} of {url!r}")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ZooKeeperURLError(f"{host!r} in server {server!r} is no IPv6 address")
        if rest and not rest.startswith(":"):
            raise ZooKeeperURLError(f"expected ':port' after ']' in server {server!r} of {url!r}")
        portText = rest[1:] if rest else None
    else:
        host, colon, portText = server.partition(":")
        if not colon:
            portText = None
        if ":" in (portText or ""):
            raise ZooKeeperURLError(
                f"server {server!r} of {url!r} has more than one ':'; "
                f"write IPv6 addresses as [address]:port"
            )
    if not host:
        raise ZooKeeperURLError(f"server {server!r} of {url!r} has no host")
    if any(c.isspace() or c in "/@?#" for c in host):
        raise ZooKeeperURLError(f"bad host {host!r} in server {server!r} of {url!r}")
    if portText is None:
        return host, DEFAULT_PORT
    if not portText.isdigit() or not 0 < int(portText) < 65536:
        raise ZooKeeperURLError(
            f"bad port {portText!r} in server {server!r} of {url!r} "
            f"(expected a number from 1 to 65535)"
        )
    return host, int(portText)


def parseURL(text: str, credentials: Credentials | None = None) -> ZooKeeperURL:
    """
    Parse a ZooKeeper URL (see the module's docstring).

    @param credentials: L{Credentials} from elsewhere (C{--zk-credentials});
        a URL that also has C{user:password@} is an error.
    @raise ZooKeeperURLError: if it is malformed, quoting the bad part.
    """
    text = text.strip()
    if text.startswith("file://"):
        filePath = text[len("file://"):]
        try:
            with open(filePath, encoding="utf-8") as f:
                contents = f.read().strip()
        except (OSError, UnicodeDecodeError) as e:
            raise ZooKeeperURLError(f"cannot read the ZooKeeper URL from {text!r}: {e}")
        if not contents.startswith("zk://"):
            raise ZooKeeperURLError(
                f"the file of {text!r} must hold a zk:// URL, not {contents[:40]!r}"
            )
        return parseURL(contents, credentials)
    scheme, sep, rest = text.partition("://")
    if not sep or scheme != "zk":
        raise ZooKeeperURLError(
            f"{text!r} is not a ZooKeeper URL: expected "
            f"zk://host:port[,host:port...]/path or file:///path/to/file"
        )
    authority, slash, path = rest.partition("/")
    if not slash:
        raise ZooKeeperURLError(
            f"ZooKeeper URL {text!r} has no path: expected e.g. zk://host:2181/mesos"
        )
    path = "/" + path
    userinfo, at, hosts = authority.rpartition("@")
    if at:
        if credentials is not None:
            raise ZooKeeperURLError(
                f"ZooKeeper URL {str(_masked(text))!r} has credentials, "
                f"and credentials were also given from a file: use one"
            )
        credentials = Credentials.parse(userinfo, "the credentials of the ZooKeeper URL")
    else:
        hosts = authority
    if not hosts:
        raise ZooKeeperURLError(f"ZooKeeper URL {_masked(text)!r} names no server")
    servers = tuple(_parseServer(s, _masked(text)) for s in hosts.split(","))
    validatePath(path, f"the path of ZooKeeper URL {_masked(text)!r}:")
    if path == "/":
        raise ZooKeeperURLError(
            f"the path of ZooKeeper URL {_masked(text)!r} is '/': name the group's "
            f"node, e.g. /mesos"
        )
    return ZooKeeperURL(servers, path, credentials)


def _masked(text: str) -> str:
    """
    C{text} with the password of C{zk://user:password@...} masked.
    """
    scheme, sep, rest = text.partition("://")
    authority, slash, path = rest.partition("/")
    userinfo, at, hosts = authority.rpartition("@")
    if not at:
        return text
    user = userinfo.partition(":")[0]
    return f"{scheme}{sep}{user}:***@{hosts}{slash}{path}"
