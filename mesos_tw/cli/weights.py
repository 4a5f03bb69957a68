# -*- test-case-name: tests.test_allocator_weights -*-
"""
C{mesos-tw weights}: show or change the master's role weights at run time
(C{GET} and C{PUT /weights} over mutual TLS).

Changing weights needs a master certificate: an operator holding the
cluster's master credentials (C{mesos-tw ca issue CA_DIR --role master
--name operator}).
"""

from __future__ import annotations

import json
import sys
from io import BytesIO
from typing import Any

from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import react
from twisted.python import usage
from twisted.web.client import Agent, FileBodyProducer, readBody
from twisted.web.http_headers import Headers

from mesos_tw.cli.state import ClusterPolicy
from mesos_tw.master.allocator.options import parseWeights
from mesos_tw.cli._client import findLeader, resolveMaster
from mesos_tw.leader.factory import masterSpec
from mesos_tw.protocol.tls import Credentials


class Options(usage.Options):
    synopsis = "[--master HOST:PORT|zk://...] [--tls-dir DIR] [--json] [ROLE=WEIGHT ...]"
    longdesc = (
        "Without ROLE=WEIGHT arguments, print the weight of every role the "
        "master knows. With them (e.g. `web=2 batch=1` or `web=2,batch=1`), set "
        "those roles' weights; other roles keep theirs, and nothing is "
        "allocated because of the change. Setting weights needs a master "
        "certificate in --tls-dir. --master and --tls-dir default to "
        "$MESOS_MASTER and $MESOS_TLS_DIR."
    )
    optFlags = [["json", None, "Print the weights as JSON."]]
    optParameters = [
        ["master", None, None,
         "The master, as HOST:PORT, or the masters' zk:// URL.", masterSpec],
        ["tls-dir", None, None, "A directory made by `mesos-tw ca issue`."],
    ]

    def parseArgs(self, *weights: str) -> None:
        self["weights"] = {}
        for text in weights:
            try:
                parsed = parseWeights(text)
            except ValueError as e:
                raise usage.UsageError(str(e))
            for role in parsed:
                if role in self["weights"]:
                    raise usage.UsageError(f"role {role!r} is given twice")
            self["weights"].update(parsed)

    def postOptions(self) -> None:
        resolveMaster(self)


@inlineCallbacks
def requestWeights(
    reactor, credentials: Credentials, host: str, port: int,
    weights: dict[str, float] | None = None,
):
    """
    C{GET /weights}, or C{PUT} C{weights} there if given.

    @return: a Deferred firing with the master's weights afterwards, as
        a list of C{{"role": NAME, "weight": NUMBER}}.
    """
    agent = Agent(reactor, contextFactory=ClusterPolicy(credentials))
    url = f"https://{host}:{port}/weights".encode()
    if weights is None:
        response = yield agent.request(b"GET", url)
    else:
        body = json.dumps([{"role": r, "weight": w} for r, w in weights.items()])
        response = yield agent.request(
            b"PUT", url, Headers({b"content-type": [b"application/json"]}),
            FileBodyProducer(BytesIO(body.encode())),
        )
    data = yield readBody(response)
    if response.code != 200:
        try:
            error = json.loads(data)["error"]
        except (ValueError, KeyError, TypeError):
            error = repr(data[:200])
        raise RuntimeError(f"the master answered {response.code}: {error}")
    return json.loads(data)


def describe(weights: list[dict[str, Any]]) -> str:
    """
    The weights as a two-column table.
    """
    if not weights:
        return "no roles"
    width = max(len(w["role"]) for w in weights)
    return "\n".join(f"{w['role']:<{width}}  {w['weight']:g}" for w in weights)


def run(options: Options) -> int:
    """
    Print (after changing, if asked) the weights; exit 1 on failure.
    """
    master = options["master"]

    def show(weights: list[dict[str, Any]]) -> None:
        print(json.dumps(weights, indent=1) if options["json"] else describe(weights))

    def failed(f):
        print(f"mesos-tw weights: {master}: {f.getErrorMessage()}", file=sys.stderr)
        raise SystemExit(1)

    react(
        lambda reactor: findLeader(reactor, master).addCallback(
            lambda address: requestWeights(
                reactor, options["credentials"], *address, options["weights"] or None
            )
        ).addCallbacks(show, failed)
    )
    return 0
