# -*- test-case-name: tests.test_cli -*-
"""
C{mesos-tw local}: a master and N slaves on loopback, optionally running
one command against them.
"""

from __future__ import annotations

import os
import tempfile

from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.protocol import ProcessProtocol
from twisted.internet.task import react
from twisted.logger import globalLogBeginner, textFileLogObserver
from twisted.python import usage

from mesos_tw.local import LocalCluster
from mesos_tw.util import port, positive


class Options(usage.Options):
    synopsis = "[options] [-- COMMAND [ARG ...]]"
    longdesc = (
        "Run a master and --num-slaves slaves in this process on loopback, "
        "with a cluster CA made under --work-dir. With a COMMAND, run it once "
        "every slave has registered, with $MESOS_MASTER, $MESOS_TLS_DIR (a "
        "framework certificate) and $MESOS_CA_DIR set, then shut the cluster "
        "down and exit with the command's status. Without one, run until "
        "interrupted. Daemon logs go to WORK_DIR/local.log."
    )
    optParameters = [
        ["num-slaves", "n", 1, "Number of slaves.", positive(int)],
        ["work-dir", None, None,
         "Directory for the CA, sandboxes and logs (default: a new temporary "
         "directory)."],
        ["ip", None, "127.0.0.1", "Loopback address to listen on."],
        ["port", None, 5050, "The master's port.", port],
        ["resources", None, "",
         "Resources of each slave, e.g. 'cpus:2;mem:2048' (default: detected)."],
        ["timeout", None, 60.0,
         "Seconds to wait for every slave to register.", positive(float)],
    ]

    def parseArgs(self, *command: str) -> None:
        self["command"] = list(command)

    def postOptions(self) -> None:
        if self["work-dir"] is None:
            self["work-dir"] = tempfile.mkdtemp(prefix="mesos-tw-local-")


class _Passthrough(ProcessProtocol):
    def __init__(self) -> None:
        self.ended: Deferred[int] = Deferred()

    def processEnded(self, reason) -> None:
        self.ended.callback(reason.value.exitCode or 0)


def _say(text: str) -> None:
    print(f"mesos-tw local: {text}", flush=True)


@inlineCallbacks
def _main(reactor, options: Options):
    workDir = os.path.abspath(options["work-dir"])
    os.makedirs(workDir, exist_ok=True)
    logPath = os.path.join(workDir, "local.log")
    globalLogBeginner.beginLoggingTo(
        [textFileLogObserver(open(logPath, "a"))], redirectStandardIO=False
    )
    cluster = LocalCluster(
        reactor,
        workDir,
        numSlaves=options["num-slaves"],
        ip=options["ip"],
        port=options["port"],
        resources=options["resources"],
    )
    _say(f"work directory {workDir}, logs in {logPath}")
    try:
        yield cluster.start(timeout=options["timeout"], progress=_say)
    except Exception as e:
        _say(f"failed to start: {e}")
        yield cluster.stop()
        raise SystemExit(1)
    env = dict(
        os.environ,
        MESOS_MASTER=cluster.master,
        MESOS_TLS_DIR=cluster.frameworkTLSDir,
        MESOS_CA_DIR=cluster.caDir,
    )
    if options["command"]:
        _say(f"running {' '.join(options['command'])}")
        child = _Passthrough()
        executable = options["command"][0]
        reactor.spawnProcess(
            child, executable, options["command"], env=env,
            childFDs={0: 0, 1: 1, 2: 2},
        )
        status = yield child.ended
    else:
        _say("the cluster is up; connect frameworks and tools with:")
        print(f"  export MESOS_MASTER={cluster.master}")
        print(f"  export MESOS_TLS_DIR={cluster.frameworkTLSDir}")
        print(f"  export MESOS_CA_DIR={cluster.caDir}")
        print("  mesos-tw state")
        _say("press Ctrl-C to stop")
        interrupted: Deferred[None] = Deferred()
        reactor.addSystemEventTrigger("before", "shutdown", interrupted.callback, None)
        yield interrupted
        status = 0
    _say("stopping the cluster")
    yield cluster.stop()
    _say("stopped")
    if status:
        raise SystemExit(status)


def run(options: Options) -> int:
    """
    Run the cluster (and the command); exit with the command's status.
    """
    react(_main, [options])
    return 0
