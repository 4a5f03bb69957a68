"""
The demo's main job, run by `make demo` inside `mesos-tw local`.

It reads the cluster's address and credentials from $MESOS_MASTER and
$MESOS_TLS_DIR, which `mesos-tw local` sets, and shows the registered slaves.
"""

import os

from twisted.internet.task import react

from mesos_tw.cli.state import describe, fetchState
from mesos_tw.protocol.tls import Credentials
from mesos_tw.util import hostPort


async def main(reactor):
    host, port = hostPort(os.environ["MESOS_MASTER"])
    credentials = Credentials.fromDirectory(os.environ["MESOS_TLS_DIR"])
    state = await fetchState(reactor, credentials, host, port)
    print(describe(state))
    if not all(s["active"] for s in state["slaves"]):
        raise SystemExit("demo: some slaves are not active")


if __name__ == "__main__":
    from twisted.internet.defer import ensureDeferred

    react(lambda reactor: ensureDeferred(main(reactor)))
