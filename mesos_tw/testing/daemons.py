# -*- test-case-name: tests.test_integration,tests.test_integration_ha -*-
"""
Real daemons for integration tests: C{twistd mesos-master} and
C{twistd mesos-slave} as child processes on loopback.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from typing import Callable, Sequence

from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.protocol import ProcessProtocol
from twisted.internet.task import deferLater
from twisted.python.failure import Failure

#: Runs twistd with the interpreter of the tests, so the same install is used.
#: With C{--logfile}, SIGUSR2 makes it write every thread's Python stack to
#: its log (see L{Daemon.stop}).
TWISTD = [sys.executable, "-c", """if 1:
    import faulthandler, signal, sys
    if "--logfile" in sys.argv:
        log = open(sys.argv[sys.argv.index("--logfile") + 1], "a")
        faulthandler.register(signal.SIGUSR2, log, all_threads=True)
    from twisted.scripts.twistd import run
    run()
"""]


def freePort(host: str = "127.0.0.1") -> int:
    """
    A TCP port that nothing listens on right now.
    """
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class _Watch(ProcessProtocol):
    def __init__(self) -> None:
        self.ended: Deferred[Exception] = Deferred()

    def processEnded(self, reason: Failure) -> None:
        self.ended.callback(reason.value)


def kernelStacks(pid: int) -> str:
    """
    What each thread of process C{pid} is doing in the kernel: its state,
    wait channel, system call and kernel stack, as far as C{/proc} tells.
    """
    lines = []
    try:
        threads = sorted(os.listdir(f"/proc/{pid}/task"), key=int)
    except OSError as e:
        return f"  (cannot list the threads of {pid}: {e})\n"
    for tid in threads:
        base = f"/proc/{pid}/task/{tid}"
        parts = []
        for name in ("stat", "wchan", "syscall", "stack"):
            try:
                with open(os.path.join(base, name)) as f:
                    parts.append(f"{name}: {f.read().strip()}")
            except OSError as e:
                parts.append(f"{name}: ({e.strerror})")
        lines.append(f"  thread {tid}\n    " + "\n    ".join(parts) + "\n")
    return "".join(lines)


class Daemon:
    """
    One C{twistd -n PLUGIN ...} process, logging to C{directory/twistd.log}.

    @ivar ended: fires when the process ends, with the
        L{twisted.internet.error.ProcessDone} or C{ProcessTerminated} that
        says how.
    """

    def __init__(self, reactor, directory: str, plugin: str, args: Sequence[str]) -> None:
        self._reactor = reactor
        self.directory = directory
        self.plugin = plugin
        self.args = list(args)
        self.logPath = os.path.join(directory, "twistd.log")
        self.process = None
        self.ended: Deferred | None = None
        os.makedirs(directory, exist_ok=True)

    def start(self) -> None:
        """
        Spawn the process.
        """
        watch = _Watch()
        argv = TWISTD + [
            "--nodaemon",
            "--logfile", self.logPath,
            "--pidfile", os.path.join(self.directory, "twistd.pid"),
            self.plugin,
        ] + self.args
        self.process = self._reactor.spawnProcess(
            watch, argv[0], argv, env=dict(os.environ), path=self.directory
        )
        self.ended = watch.ended

    @property
    def running(self) -> bool:
        return self.ended is not None and not self.ended.called

    def signal(self, signum: int = signal.SIGTERM) -> Deferred:
        """
        Send C{signum} and wait for the process to end.
        """
        if self.running:
            self.process.signalProcess(signum)
        return self.ended

    def stop(self, timeout: float = 30.0) -> Deferred:
        """
        Stop the process if it runs (SIGTERM) and wait for it; if it has not
        ended after C{timeout} seconds, say so on standard error with the
        end of its log, and SIGKILL it.
        """
        if not self.running:
            d = Deferred()
            d.callback(None)
            return d

        def tooSlow() -> None:
            kernel = kernelStacks(self.process.pid)
            self.process.signalProcess(signal.SIGUSR2)
            self._reactor.callLater(1, kill, kernel)

        def kill(kernel: str) -> None:
            if not self.running:
                return
            sys.stderr.write(
                f"\n{self.plugin} in {self.directory} did not stop within "
                f"{timeout:g} s of SIGTERM; killing it. Its threads in the kernel:\n"
                f"{kernel}Its log ends:\n{self.log(80)}\n"
            )
            self.process.signalProcess(signal.SIGKILL)

        killer = self._reactor.callLater(timeout, tooSlow)
        ended = self.signal(signal.SIGTERM)
        ended.addBoth(lambda result: (killer.active() and killer.cancel(), result)[1])
        return ended

    def log(self, lines: int = 40) -> str:
        """
        The end of the daemon's log, for failure messages.
        """
        try:
            with open(self.logPath) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"


@inlineCallbacks
def waitFor(
    reactor,
    check: Callable[[], object],
    timeout: float = 30.0,
    interval: float = 0.05,
    what: str = "the condition",
    details: Callable[[], str] = lambda: "",
):
    """
    Poll C{check} (which may return a Deferred) until it returns something
    true, or fail after C{timeout} seconds.

    @return: a Deferred firing with the true value.
    """
    deadline = reactor.seconds() + timeout
    last: object = None
    while True:
        try:
            last = yield check()
        except Exception as e:
            last = e
        else:
            if last:
                return last
        if reactor.seconds() > deadline:
            raise AssertionError(
                f"timed out after {timeout:g} s waiting for {what}; "
                f"last result {last!r}\n{details()}"
            )
        yield deferLater(reactor, interval, lambda: None)


class TwistdCluster:
    """
    A master and slaves as real C{twistd} processes on loopback, with a
    fresh CA under C{directory}.

    @ivar master: the master's L{Daemon} (its registry in its work directory);
        C{slaves} the slaves'.
    @ivar address: the master's C{host:port}.
    @ivar framework: credentials directory of a framework certificate.
    """

    def __init__(
        self,
        reactor,
        directory: str,
        numSlaves: int = 1,
        masterFlags: Sequence[str] = (),
        slaveFlags: Sequence[str] = (),
        slaveResources: Sequence[str] | None = None,
    ) -> None:
        from mesos_tw.ca import initCA, issue

        self._reactor = reactor
        self.directory = os.path.abspath(directory)
        ca = os.path.join(self.directory, "ca")
        initCA(ca)
        hosts = ["127.0.0.1", "localhost"]
        self.port = freePort()
        self.address = f"127.0.0.1:{self.port}"
        self.framework = issue(ca, "framework", "framework1")
        self.ca = ca
        home = os.path.join(self.directory, "master")
        self.master = Daemon(
            reactor, home, "mesos-master",
            ["--ip", "127.0.0.1", "--port", str(self.port),
             "--tls-dir", issue(ca, "master", "master", hosts=hosts),
             "--work-dir", os.path.join(home, "work")]
            + list(masterFlags),
        )
        self.slaves = []
        for i in range(1, numSlaves + 1):
            resources = (
                slaveResources[i - 1] if slaveResources else "cpus:4;mem:4096;disk:4096"
            )
            home = os.path.join(self.directory, f"slave{i}")
            self.slaves.append(Daemon(
                reactor, home, "mesos-slave",
                ["--master", self.address, "--ip", "127.0.0.1",
                 "--port", str(freePort()), "--hostname", f"slave{i}",
                 "--tls-dir", issue(ca, "slave", f"slave{i}", hosts=hosts),
                 "--work-dir", os.path.join(home, "work"),
                 "--resources", resources,
                 "--registration-backoff-factor", "0.1"]
                + list(slaveFlags),
            ))

    @property
    def daemons(self) -> list[Daemon]:
        return [self.master] + self.slaves

    def credentials(self):
        from mesos_tw.protocol.tls import Credentials

        return Credentials.fromDirectory(self.framework)

    def state(self) -> Deferred:
        """
        The master's C{/state}.
        """
        from mesos_tw.cli.state import fetchState

        return fetchState(self._reactor, self.credentials(), "127.0.0.1", self.port)

    def logs(self) -> str:
        """
        The end of every daemon's log, for failure messages.
        """
        return "\n".join(f"--- {d.plugin} {d.directory}\n{d.log()}" for d in self.daemons)

    def start(self, timeout: float = 30.0) -> Deferred:
        """
        Start every daemon and wait until every slave is registered.
        """
        for daemon in self.daemons:
            daemon.start()

        def ready():
            def check(state):
                active = [s for s in state["slaves"] if s["active"]]
                return state if len(active) == len(self.slaves) else None

            return self.state().addCallback(check)

        return waitFor(self._reactor, ready, timeout, what="registered slaves",
                       details=self.logs)

    @inlineCallbacks
    def stop(self):
        """
        Stop every daemon (slaves first), then destroy the containers that
        slaves killed on the way left.
        """
        from mesos_tw.testing.leftovers import slaveLeftovers

        for daemon in reversed(self.daemons):
            yield daemon.stop()
        for slave in self.slaves:
            yield slaveLeftovers(self._reactor, slave.args)


def httpGet(reactor, credentials, host: str, port: int, path: str = "/state") -> Deferred:
    """
    GET C{path} from a daemon over mutual TLS, without following redirects.

    @return: a Deferred firing with C{(code, headers, body)}.
    """
    from twisted.web.client import Agent, readBody

    from mesos_tw.cli.state import ClusterPolicy

    agent = Agent(reactor, contextFactory=ClusterPolicy(credentials))
    d = agent.request(b"GET", f"https://{host}:{port}{path}".encode())

    def read(response):
        return readBody(response).addCallback(
            lambda body: (response.code, response.headers, body)
        )

    return d.addCallback(read)


class HACluster:
    """
    Masters electing a leader in ZooKeeper and slaves following it, as real
    C{twistd} processes on loopback, with a fresh CA under C{directory}.
    ZooKeeper runs apart (L{mesos_tw.testing.zookeeper}): give its connect
    string.

    @ivar masters: the masters' L{Daemon}s, C{slaves} the slaves'.
    @ivar ports: the masters' ports, in the same order.
    @ivar url: the C{zk://} URL of the masters' group.
    @ivar framework: credentials directory of a framework certificate.
    """

    def __init__(
        self,
        reactor,
        directory: str,
        zooKeeper: str,
        numMasters: int = 3,
        numSlaves: int = 2,
        masterFlags: Sequence[str] = (),
        slaveFlags: Sequence[str] = (),
        path: str = "/mesos",
        slaveResources: str = "cpus:4;mem:4096;disk:4096",
    ) -> None:
        from mesos_tw.ca import initCA, issue

        self._reactor = reactor
        self.directory = os.path.abspath(directory)
        self.url = f"zk://{zooKeeper}{path}"
        ca = os.path.join(self.directory, "ca")
        initCA(ca)
        hosts = ["127.0.0.1", "localhost"]
        self.ca = ca
        self.framework = issue(ca, "framework", "framework1")
        self.ports = [freePort() for _ in range(numMasters)]
        self.masters = [
            Daemon(
                reactor, os.path.join(self.directory, f"master{i}"), "mesos-master",
                ["--ip", "127.0.0.1", "--port", str(port), "--hostname", "127.0.0.1",
                 "--tls-dir", issue(ca, "master", f"master{i}", hosts=hosts),
                 "--zk", self.url]
                + list(masterFlags),
            )
            for i, port in enumerate(self.ports, 1)
        ]
        self.slaves = []
        for i in range(1, numSlaves + 1):
            home = os.path.join(self.directory, f"slave{i}")
            self.slaves.append(Daemon(
                reactor, home, "mesos-slave",
                ["--master", self.url, "--ip", "127.0.0.1",
                 "--port", str(freePort()), "--hostname", f"slave{i}",
                 "--tls-dir", issue(ca, "slave", f"slave{i}", hosts=hosts),
                 "--work-dir", os.path.join(home, "work"),
                 "--resources", slaveResources,
                 "--registration-backoff-factor", "0.1"]
                + list(slaveFlags),
            ))

    @property
    def daemons(self) -> list[Daemon]:
        return self.masters + self.slaves

    def credentials(self):
        from mesos_tw.protocol.tls import Credentials

        return Credentials.fromDirectory(self.framework)

    def logs(self) -> str:
        """
        The end of every daemon's log, for failure messages.
        """
        return "\n".join(f"--- {d.plugin} {d.directory}\n{d.log()}" for d in self.daemons)

    def serving(self, master: Daemon) -> Deferred:
        """
        Whether C{master} serves (answers C{/state} itself within 2 s).
        """
        port = self.ports[self.masters.index(master)]
        d = httpGet(self._reactor, self.credentials(), "127.0.0.1", port)
        d.addTimeout(2.0, self._reactor)
        return d.addCallbacks(lambda result: result[0] == 200, lambda _: False)

    def following(self, master: Daemon) -> Deferred:
        """
        Whether C{master} serves or redirects to the leader (it takes part in
        the election).
        """
        port = self.ports[self.masters.index(master)]
        d = httpGet(self._reactor, self.credentials(), "127.0.0.1", port)
        d.addTimeout(2.0, self._reactor)
        return d.addCallbacks(lambda result: result[0] in (200, 307), lambda _: False)

    def leader(self) -> Deferred:
        """
        The master that serves, found by asking each running one; or
        L{None}.
        """

        @inlineCallbacks
        def find():
            for master in self.masters:
                if master.running and (yield self.serving(master)):
                    return master
            return None

        return find()

    def stateOf(self, master: Daemon) -> Deferred:
        """
        The C{/state} of C{master} (a standby's redirects to the leader).
        """
        from mesos_tw.cli.state import fetchState

        port = self.ports[self.masters.index(master)]
        return fetchState(self._reactor, self.credentials(), "127.0.0.1", port)

    def state(self) -> Deferred:
        """
        The leader's C{/state}.
        """

        def got(master):
            if master is None:
                raise AssertionError("no master serves")
            return self.stateOf(master)

        return self.leader().addCallback(got)

    def waitForSlaves(self, timeout: float = 60.0, master: Daemon | None = None) -> Deferred:
        """
        Wait until a master serves with every slave active.
        """

        def ready():
            d = self.state() if master is None else self.stateOf(master)

            def check(state):
                active = [s for s in state["slaves"] if s["active"]]
                return state if len(active) == len(self.slaves) else None

            return d.addCallback(check)

        return waitFor(self._reactor, ready, timeout, what="every slave registered "
                       "with a leading master", details=self.logs)

    @inlineCallbacks
    def start(self, timeout: float = 60.0):
        """
        Start the first master and wait until it serves (so that it leads),
        then the other masters and the slaves; wait until every slave is
        registered with the leader and every master follows the election.
        """
        first = self.masters[0]
        first.start()
        yield waitFor(self._reactor, lambda: self.serving(first), timeout,
                      what="the first master to serve", details=self.logs)
        for daemon in self.masters[1:] + self.slaves:
            daemon.start()
        state = yield self.waitForSlaves(timeout, first)
        for master in self.masters[1:]:
            yield waitFor(self._reactor, lambda: self.following(master), timeout,
                          what="a standby to follow the leader", details=self.logs)
        return state

    @inlineCallbacks
    def stop(self):
        """
        Stop every daemon (slaves first), then destroy the containers that
        slaves killed on the way left.
        """
        from mesos_tw.testing.leftovers import slaveLeftovers

        for daemon in reversed(self.daemons):
            yield daemon.stop()
        for slave in self.slaves:
            yield slaveLeftovers(self._reactor, slave.args)
