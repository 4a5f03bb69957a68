"""
Fail-over benchmark: time from SIGKILL of the leading master until every
slave and the framework have re-registered with the new leader.

Starts a real ZooKeeper server and two real masters (twistd, loopback,
mutual TLS, --zk), then, in this process, N emulated slaves that speak the
real protocol (TLS connections of their own, registration, pings, a task
each, re-registration with their tasks) and a real SchedulerDriver with a
task on every slave. The slaves share one ZooKeeper detector (one session);
each follows the leader through its own LeaderLink. Then the leader is
killed; printed per size: the session timeout, the time until the standby
was elected (as the detector saw it), until the last slave and the
framework were re-registered, and the part beyond the session timeout.

    python bench/failover.py [--slaves 10 --slaves 100 --slaves 1000]
                             [--session-timeout 10]

A SIGKILLed master's ZooKeeper session (and with it its group node) lives
until the server expires it: the session timeout is the floor. Target
(issue 7): no more than the session timeout + 1 s at 1,000 slaves.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import tempfile
import time
from typing import Any

from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.endpoints import TCP4ClientEndpoint, wrapClientTLS
from twisted.internet.task import react

import mesos_tw
from mesos_tw import mesos_pb2
from mesos_tw import messages_pb2 as msgs
from mesos_tw.ca import issue
from mesos_tw.leader import createDetector
from mesos_tw.leader.link import LeaderLink
from mesos_tw.mesos_pb2 import SlaveID, SlaveInfo, TaskStatus
from mesos_tw.protocol.dispatch import Dispatcher
from mesos_tw.protocol.framing import MessageFactory
from mesos_tw.protocol.tls import Credentials, clientConnectionCreator
from mesos_tw.resources import Resources
from mesos_tw.scheduler import Scheduler, SchedulerDriver
from mesos_tw.tasks import statusUpdate, taskStatus
from mesos_tw.testing.daemons import HACluster, waitFor
from mesos_tw.testing.zookeeper import ZooKeeperServer

MASTER = ("master",)
SLAVE_RESOURCES = Resources.parse("cpus:2;mem:2048")
TASK = Resources.parse("cpus:1;mem:128")


class SharedDetector:
    """
    One detector for every emulated slave; closed by the benchmark, not by
    the links.
    """

    def __init__(self, detector: Any) -> None:
        self.detector = detector

    def detect(self, previous: Any = None) -> Deferred[Any]:
        return self.detector.detect(previous)


class SharedLineDetector(SharedDetector):
    """
    A shared detector that also names the masters in line, so that links
    connect ahead.
    """

    def candidates(self) -> Deferred[Any]:
        return self.detector.candidates()


class EmulatedSlave:
    """
    A slave without executors: it registers, answers pings, reports its
    tasks running, and re-registers with them on each new connection.
    """

    def __init__(self, n: int, reactor: Any) -> None:
        self.reactor = reactor
        self.info = SlaveInfo(
            hostname=f"emulated{n}", port=1000 + n, resources=SLAVE_RESOURCES.toProto()
        )
        self.id: str | None = None
        self.connection: Any = None
        self.registered = False
        self.reregisteredAt: float | None = None
        self.tasks: dict[str, mesos_pb2.Task] = {}
        self.frameworks: dict[str, mesos_pb2.FrameworkInfo] = {}
        self._retry: Any = None
        d = self.dispatcher = Dispatcher()
        d.register(msgs.SlaveRegisteredMessage, self.slaveRegistered, MASTER)
        d.register(msgs.SlaveReregisteredMessage, self.slaveReregistered, MASTER)
        d.register(msgs.PingSlaveMessage, self.ping, MASTER)
        d.register(msgs.RunTaskMessage, self.runTask, MASTER)
        for ignored in [
            msgs.StatusUpdateAcknowledgementMessage, msgs.KillTaskMessage,
            msgs.ShutdownFrameworkMessage, msgs.ShutdownMessage,
            msgs.FrameworkToExecutorMessage,
        ]:
            d.register(ignored, lambda connection, message: None, MASTER)

    def connected(self, connection: Any) -> None:
        self.connection = connection
        self.registered = False
        self._register()

    def disconnected(self, connection: Any, reason: Any) -> None:
        if connection is self.connection:
            self.connection = None
            self.registered = False

    def _register(self) -> None:
        self._retry = None
        if self.connection is None or self.registered:
            return
        info = SlaveInfo()
        info.CopyFrom(self.info)
        if self.id is None:
            self.connection.send(
                msgs.RegisterSlaveMessage(slave=info, version=mesos_tw.__version__)
            )
        else:
            info.id.value = self.id
            self.connection.send(msgs.ReregisterSlaveMessage(
                slave=info, tasks=list(self.tasks.values()),
                frameworks=list(self.frameworks.values()), version=mesos_tw.__version__,
            ))
        self._retry = self.reactor.callLater(2.0, self._register)

    def _registeredNow(self) -> None:
        self.registered = True
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
        self._retry = None

    def slaveRegistered(self, connection: Any, message: msgs.SlaveRegisteredMessage) -> None:
        self.id = message.slave_id.value
        self._registeredNow()

    def slaveReregistered(self, connection: Any, message: msgs.SlaveReregisteredMessage) -> None:
        self._registeredNow()
        self.reregisteredAt = time.monotonic()

    def ping(self, connection: Any, message: msgs.PingSlaveMessage) -> None:
        connection.send(msgs.PongSlaveMessage())

    def runTask(self, connection: Any, message: msgs.RunTaskMessage) -> None:
        frameworkId = message.framework_id.value
        info = mesos_pb2.FrameworkInfo()
        info.CopyFrom(message.framework)
        info.id.value = frameworkId
        self.frameworks[frameworkId] = info
        task = mesos_pb2.Task(
            name=message.task.name, state=mesos_pb2.TASK_RUNNING,
            resources=message.task.resources,
        )
        task.task_id.CopyFrom(message.task.task_id)
        task.framework_id.value = frameworkId
        task.slave_id.value = self.id
        self.tasks[task.task_id.value] = task
        status = taskStatus(
            task.task_id.value, mesos_pb2.TASK_RUNNING, TaskStatus.SOURCE_EXECUTOR,
            slaveId=self.id,
        )
        connection.send(msgs.StatusUpdateMessage(
            update=statusUpdate(frameworkId, status, self.id)
        ))

    def stop(self) -> None:
        if self._retry is not None and self._retry.active():
            self._retry.cancel()


class OneTaskPerSlave(Scheduler):
    """
    Launches one task on every slave, then declines; records when it
    re-registers.
    """

    def __init__(self, slaves: int) -> None:
        self.slaves = slaves
        self.used: set[str] = set()
        self.running: set[str] = set()
        self.allRunning: Deferred[None] = Deferred()
        self.reregisteredAt: float | None = None
        self.disconnectedAt: float | None = None

    def resourceOffers(self, driver, offers) -> None:
        for offer in offers:
            slaveId = offer.slave_id.value
            if slaveId in self.used:
                driver.declineOffer(offer.id, mesos_pb2.Filters(refuse_seconds=3600))
                continue
            self.used.add(slaveId)
            task = mesos_pb2.TaskInfo(name=f"t-{slaveId}", resources=TASK.toProto())
            task.task_id.value = f"t-{slaveId}"
            task.slave_id.CopyFrom(offer.slave_id)
            task.command.value = "sleep 1000"
            driver.launchTasks([offer.id], [task], mesos_pb2.Filters(refuse_seconds=3600))

    def statusUpdate(self, driver, status) -> None:
        if status.state == mesos_pb2.TASK_RUNNING:
            self.running.add(status.task_id.value)
            if len(self.running) == self.slaves and not self.allRunning.called:
                self.allRunning.callback(None)

    def disconnected(self, driver) -> None:
        self.disconnectedAt = time.monotonic()

    def reregistered(self, driver, masterInfo) -> None:
        self.reregisteredAt = time.monotonic()


async def run(reactor, args, count: int, sessionTimeout: float, base: str) -> dict:
    directory = os.path.join(base, f"slaves-{count}-timeout-{sessionTimeout:g}")
    zk = ZooKeeperServer(reactor, os.path.join(directory, "zookeeper"))
    await zk.start()
    cluster = HACluster(
        reactor, directory, zk.hosts, numMasters=2, numSlaves=0,
        masterFlags=["--zk-session-timeout", f"{sessionTimeout:g}",
                     "--allocation-interval", "0.5",
                     "--slave-reregister-timeout", "600"],
    )
    slaves: list[EmulatedSlave] = []
    links: list[LeaderLink] = []
    detector: Any = None
    driver: SchedulerDriver | None = None
    try:
        await cluster.start()
        credentials = Credentials.fromDirectory(
            issue(cluster.ca, "slave", "emulated", hosts=["127.0.0.1", "localhost"])
        )
        detector = createDetector(cluster.url, reactor, sessionTimeout=sessionTimeout)
        shared = (SharedDetector if args.no_connect_ahead else SharedLineDetector)(detector)
        # One TLS context per master for all emulated slaves (each real
        # slave makes its own, once, on its own machine).
        creators: dict[str, Any] = {}

        def endpointFor(host: str, port: int) -> Any:
            if host not in creators:
                creators[host] = clientConnectionCreator(credentials, host)
            return wrapClientTLS(creators[host], TCP4ClientEndpoint(reactor, host, port))

        for n in range(count):
            slave = EmulatedSlave(n, reactor)
            link = LeaderLink(
                lambda: shared,
                endpointFor,
                MessageFactory(slave.dispatcher, onReady=slave.connected,
                               onLost=slave.disconnected),
                reactor,
                # As a real slave following ZooKeeper: the detector alone.
                followRedirects=False,
            )
            link.startService()
            slaves.append(slave)
            links.append(link)
        await waitFor(reactor, lambda: all(s.registered for s in slaves), 300,
                      what=f"{count} emulated slaves registered")
        scheduler = OneTaskPerSlave(count)
        driver = SchedulerDriver(
            scheduler, mesos_pb2.FrameworkInfo(name="failover-bench", failover_timeout=600),
            cluster.url, tlsDir=cluster.framework, reactor=reactor,
        )
        await driver.start()
        await scheduler.allRunning
        leader = await cluster.leader()
        standby = [m for m in cluster.masters if m is not leader][0]
        leaderInfo = await detector.detect(None)
        elected: dict[str, float] = {}

        def newLeader(info: Any) -> None:
            elected["at"] = time.monotonic()

        detector.detect(leaderInfo).addCallback(newLeader)
        for slave in slaves:
            slave.reregisteredAt = None
        killed = time.monotonic()
        leader.process.signalProcess(signal.SIGKILL)
        await leader.ended
        await waitFor(
            reactor,
            lambda: all(s.reregisteredAt for s in slaves) and scheduler.reregisteredAt,
            sessionTimeout + 120, interval=0.01,
            what="every slave and the framework re-registered",
        )
        lastSlave = max(s.reregisteredAt for s in slaves) - killed
        framework = scheduler.reregisteredAt - killed
        state = await cluster.stateOf(standby)
        tasks = sum(len(f["tasks"]) for f in state["frameworks"])
        result = {
            "slaves": count,
            "session_timeout_s": sessionTimeout,
            "elected_s": round(elected["at"] - killed, 3),
            "last_slave_reregistered_s": round(lastSlave, 3),
            "framework_reregistered_s": round(framework, 3),
            "all_reregistered_s": round(max(lastSlave, framework), 3),
            "after_election_s": round(max(lastSlave, framework) - (elected["at"] - killed), 3),
            "connect_ahead": not args.no_connect_ahead,
            "beyond_session_timeout_s": round(max(lastSlave, framework) - sessionTimeout, 3),
            "tasks_after": tasks,
            "active_slaves_after": sum(s["active"] for s in state["slaves"]),
        }
        print(json.dumps(result), flush=True)
        return result
    finally:
        if driver is not None:
            await driver.stop(failover=True)
        for link in links:
            await link.stopService()
        for slave in slaves:
            slave.stop()
        if detector is not None:
            await detector.close()
        await cluster.stop()
        await zk.kill()


async def main(reactor, args) -> None:
    base = args.directory or tempfile.mkdtemp(prefix="failover-bench-")
    results = []
    for sessionTimeout in args.session_timeout or [10.0]:
        for count in args.slaves or [10, 100, 1000]:
            results.append(await run(reactor, args, count, sessionTimeout, base))
    print()
    print(f"cores: {os.cpu_count()}")
    print("| slaves | session timeout | elected | last slave back | framework back "
          "| all back | after election | beyond timeout |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['slaves']} | {r['session_timeout_s']:g} s | {r['elected_s']:.2f} s "
            f"| {r['last_slave_reregistered_s']:.2f} s | {r['framework_reregistered_s']:.2f} s "
            f"| {r['all_reregistered_s']:.2f} s | {r['after_election_s']:.2f} s "
            f"| {r['beyond_session_timeout_s']:+.2f} s |"
        )
    if args.output:
        with open(args.output, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slaves", type=int, action="append",
                        help="emulated slaves (repeat; default 10, 100 and 1000)")
    parser.add_argument("--session-timeout", type=float, action="append",
                        help="the masters' --zk-session-timeout in seconds (repeat; "
                             "default 10, Mesos's)")
    parser.add_argument("--no-connect-ahead", action="store_true",
                        help="slaves do not connect ahead to the next master in line")
    parser.add_argument("--directory", help="where the daemons run (default: a temp dir)")
    parser.add_argument("--output", help="write the figures as JSON here")
    args = parser.parse_args()
    react(lambda reactor: ensureDeferred(main(reactor, args)))
