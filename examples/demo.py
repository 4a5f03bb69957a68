"""
The demo's main job, run by `make demo` inside `mesos-tw local`: two
frameworks share the cluster at the same time.

- wordcount: a batch framework running 300 short command tasks that count
  the words of texts it generates;
- primes: a framework with its own long-lived Python executor that runs
  many tasks in one process per slave and talks to its scheduler with
  framework messages.

It shows progress while they run, prints a summary (tasks per framework, per
slave, failures) and exits 0 only if every task finished with the right
answer. `mesos-tw local` sets $MESOS_MASTER and $MESOS_TLS_DIR.
"""

from __future__ import annotations

import os
import sys
import time

from twisted.internet.defer import DeferredList, ensureDeferred
from twisted.internet.task import LoopingCall, react

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import primes  # noqa: E402
import wordcount  # noqa: E402

from mesos_tw.cli.state import describe, fetchState  # noqa: E402
from mesos_tw.protocol.tls import Credentials  # noqa: E402
from mesos_tw.scheduler import SchedulerDriver  # noqa: E402
from mesos_tw.util import hostPort  # noqa: E402

DEADLINE = 100.0


async def main(reactor) -> None:
    master = os.environ["MESOS_MASTER"]
    host, port = hostPort(master)
    state = await fetchState(reactor, Credentials.fromDirectory(os.environ["MESOS_TLS_DIR"]), host, port)
    print(describe(state), flush=True)
    hostnames = {s["id"]: s["hostname"] for s in state["slaves"]}

    frameworks = [wordcount.create(300), primes.create()]
    drivers = [SchedulerDriver(s, info, master, reactor=reactor) for s, info in frameworks]
    started = time.monotonic()
    for driver in drivers:
        await driver.start()

    def progress() -> None:
        elapsed = time.monotonic() - started
        print(f"[{elapsed:5.1f} s] " + "; ".join(s.progress() for s, _ in frameworks),
              flush=True)

    ticker = LoopingCall(progress)
    ticker.clock = reactor
    ticker.start(2.0, now=False)
    timeout = reactor.callLater(DEADLINE, lambda: [s.done.cancel() for s, _ in frameworks])
    results = await DeferredList([s.done for s, _ in frameworks], consumeErrors=True)
    if timeout.active():
        timeout.cancel()
    ticker.stop()
    progress()
    for driver in drivers:
        await driver.stop()

    ok = True
    print("\nSummary")
    for (scheduler, info), (success, summary) in zip(frameworks, results):
        if not success:
            print(f"  {info.name}: did not finish within {DEADLINE:g} s")
            ok = False
            continue
        perSlave = ", ".join(
            f"{hostnames.get(s, s)}: {n}" for s, n in sorted(summary.pop("per_slave").items())
        )
        print(f"  {info.name}: {summary['finished']}/{summary['tasks']} finished, "
              f"{summary['failed']} failed; per slave: {perSlave}")
        if "executors" in summary:
            summary["executors"] = {
                hostnames.get(s, s): e for s, e in sorted(summary["executors"].items())
            }
        extra = {k: v for k, v in summary.items() if k not in ("tasks", "finished", "failed")}
        print(f"    {extra}")
        ok = ok and summary["failed"] == 0 and not summary.get("wrong")
    print(f"\nelapsed {time.monotonic() - started:.1f} s")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    react(lambda reactor: ensureDeferred(main(reactor)))
