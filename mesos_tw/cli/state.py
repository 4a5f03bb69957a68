# -*- test-case-name: tests.test_cli -*-
"""
C{mesos-tw state}: ask a master for its state over mutual TLS.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import react
from twisted.python import usage
from twisted.web.client import Agent, RedirectAgent, readBody
from twisted.web.iweb import IPolicyForHTTPS
from zope.interface import implementer

from mesos_tw.cli._client import findLeader, resolveMaster
from mesos_tw.leader.factory import masterSpec
from mesos_tw.protocol.tls import Credentials, clientConnectionCreator


@implementer(IPolicyForHTTPS)
class ClusterPolicy:
    """
    HTTPS to cluster members: their CA, our certificate, their name checked.
    """

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    def creatorForNetloc(self, hostname: bytes, port: int):
        return clientConnectionCreator(self._credentials, hostname.decode("ascii"))


class Options(usage.Options):
    synopsis = "[--master HOST:PORT|zk://...] [--tls-dir DIR] [--json]"
    longdesc = (
        "Print the registered slaves (and, with --json, the whole state) of "
        "the leading master. --master and --tls-dir default to $MESOS_MASTER "
        "and $MESOS_TLS_DIR, which `mesos-tw local` sets for its command."
    )
    optFlags = [["json", None, "Print the state as JSON."]]
    optParameters = [
        ["master", None, None,
         "The master, as HOST:PORT, or the masters' zk:// URL.", masterSpec],
        ["tls-dir", None, None, "A directory made by `mesos-tw ca issue`."],
    ]

    def postOptions(self) -> None:
        resolveMaster(self)


@inlineCallbacks
def fetchState(reactor, credentials: Credentials, host: str, port: int):
    """
    GET the master's C{/state}; a master that does not lead redirects to
    the leader (once).

    @return: a Deferred firing with the decoded JSON.
    """
    agent = RedirectAgent(Agent(reactor, contextFactory=ClusterPolicy(credentials)), 1)
    url = f"https://{host}:{port}/state".encode()
    response = yield agent.request(b"GET", url)
    body = yield readBody(response)
    if response.code != 200:
        raise RuntimeError(f"{url.decode()} answered {response.code}: {body[:200]!r}")
    return json.loads(body)


def describe(state: dict[str, Any]) -> str:
    """
    A short human summary of a master's state.
    """
    lines = [f"master {state['id']} at {state['pid']}"]
    lines.append(f"{len(state['slaves'])} slave(s):")
    for slave in state["slaves"]:
        resources = ";".join(
            f"{k}:{v:g}" if isinstance(v, float) else f"{k}:{v}"
            for k, v in sorted(slave["resources"].items())
        )
        status = "active" if slave["active"] else "disconnected"
        lines.append(f"  {slave['id']}  {slave['hostname']}  {status}  {resources}")
    return "\n".join(lines)


def run(options: Options) -> int:
    """
    Print the state; exit 1 if the master cannot be reached.
    """
    master = options["master"]

    def show(state: dict[str, Any]) -> None:
        print(json.dumps(state, indent=1) if options["json"] else describe(state))

    def failed(f):
        print(f"mesos-tw state: cannot read {master}: {f.getErrorMessage()}",
              file=sys.stderr)
        raise SystemExit(1)

    react(
        lambda reactor: findLeader(reactor, master)
        .addCallback(lambda address: fetchState(reactor, options["credentials"], *address))
        .addCallbacks(show, failed)
    )
    return 0
