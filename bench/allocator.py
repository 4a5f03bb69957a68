"""
Allocator benchmark: the time of allocation passes of the hierarchical DRF
allocator, driven directly through its API (no master, no I/O).

For each size (slaves x frameworks; frameworks are spread over roles,
--frameworks-per-role to a role) it measures:

  - full pass, idle cluster: every slave entirely free; each gets offered
    to one framework (one allocation per slave);
  - full pass, busy cluster: every slave runs tasks of random frameworks on
    about half of it, the rest is free (one allocation per slave);
  - full pass, nothing free: every slave allocated; the pass finds nothing;
  - after one task ends: one task's resources come back on one slave; the
    incremental pass over that slave, and a batch pass over all slaves.

Each figure is the best of --repeat runs, in milliseconds of CPU time of
this (single-threaded) process, so that other processes on the machine
count as little as possible; the median wall-clock time is also written to
--json. State is rebuilt before each full pass and not timed, except that
the first pass after slaves are added re-sorts every share (as it does in
the master).

    python bench/allocator.py [--slaves 1000,10000,50000]
        [--frameworks 100,1000] [--frameworks-per-role 10] [--repeat 5]
        [--allocator drf|priority] [--json FILE]

Target (issue 4): a full pass over 10k slaves x 1k frameworks in <= 100 ms
on one core.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time

from mesos_tw.master.allocator.hierarchical import HierarchicalAllocator
from mesos_tw.master.allocator.priority import PriorityAllocator
from mesos_tw.resources import Resources

SLAVE = Resources.parse("cpus:32;mem:131072;disk:1000000;ports:[31000-32000]")
TASK = Resources.parse("cpus:1;mem:4096;disk:1024")


def build(args, slaves: int, frameworks: int, busy: bool, seed: int):
    """
    An allocator with C{frameworks} frameworks and C{slaves} slaves.
    """
    rng = random.Random(seed)
    if args.allocator == "priority":
        roles = (frameworks + args.frameworks_per_role - 1) // args.frameworks_per_role
        allocator = PriorityAllocator(
            1.0, random=random.Random(seed),
            priorities={f"role{i}": i % 3 for i in range(roles)},
        )
    else:
        allocator = HierarchicalAllocator(1.0, random=random.Random(seed))
    frameworkIds = [f"framework-{i:05d}" for i in range(frameworks)]
    for i, frameworkId in enumerate(frameworkIds):
        allocator.addFramework(
            frameworkId, [f"role{i // args.frameworks_per_role}"], {}, True
        )
    tasks = []
    for i in range(slaves):
        slaveId = f"slave-{i:06d}"
        used = {}
        if busy:
            # 16 tasks of random frameworks: half the cpus, half the memory.
            for _ in range(16):
                frameworkId = rng.choice(frameworkIds)
                used[frameworkId] = used.get(frameworkId, Resources()) + TASK
                tasks.append((frameworkId, slaveId))
        allocator.addSlave(slaveId, SLAVE, used)
    return allocator, tasks


def timed(function, *args):
    """
    Call C{function}; return the CPU and wall-clock milliseconds it took,
    and its result.
    """
    gc.collect()
    wall = time.perf_counter()
    cpu = time.process_time()
    result = function(*args)
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    return (cpu * 1000, wall * 1000), result


def measure(args, slaves: int, frameworks: int) -> dict:
    figures: dict[str, list[float]] = {
        "idle": [], "busy": [], "nothing": [], "incremental": [], "batch_after_one": [],
    }
    counts = {}
    for run in range(args.repeat):
        allocator, _ = build(args, slaves, frameworks, busy=False, seed=run)
        ms, allocations = timed(allocator.allocate, 0.0)
        figures["idle"].append(ms)
        counts["idle"] = len(allocations)
        allocator, tasks = build(args, slaves, frameworks, busy=True, seed=run)
        ms, allocations = timed(allocator.allocate, 0.0)
        figures["busy"].append(ms)
        counts["busy"] = len(allocations)
        ms, allocations = timed(allocator.allocate, 1.0)
        figures["nothing"].append(ms)
        counts["nothing"] = len(allocations)
        # One task ends; its resources come back on its slave.
        frameworkId, slaveId = tasks[len(tasks) // 2]
        allocator.recoverResources(frameworkId, slaveId, TASK, None, 2.0)
        ms, allocations = timed(allocator.allocate, 2.0, [slaveId])
        figures["incremental"].append(ms)
        counts["incremental"] = len(allocations)
        frameworkId, slaveId = tasks[len(tasks) // 3]
        allocator.recoverResources(frameworkId, slaveId, TASK, None, 3.0)
        ms, allocations = timed(allocator.allocate, 3.0)
        figures["batch_after_one"].append(ms)
        counts["batch_after_one"] = len(allocations)
    result = {"slaves": slaves, "frameworks": frameworks,
              "roles": (frameworks + args.frameworks_per_role - 1) // args.frameworks_per_role}
    for name, values in figures.items():
        result[name + "_ms"] = round(min(cpu for cpu, _ in values), 3)
        result[name + "_wall_median_ms"] = round(
            statistics.median(wall for _, wall in values), 3
        )
        result[name + "_allocations"] = counts[name]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slaves", default="1000,10000,50000")
    parser.add_argument("--frameworks", default="100,1000")
    parser.add_argument("--frameworks-per-role", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--allocator", choices=["drf", "priority"], default="drf")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores, {platform.machine()}, allocator {args.allocator}, "
          f"{args.frameworks_per_role} frameworks per role, best of {args.repeat} "
          f"(CPU time)")
    print(f"{'slaves':>7} {'fwks':>5} {'roles':>5} | {'idle':>8} {'busy':>8} "
          f"{'nothing':>8} | {'1 slave':>8} {'batch':>8}   (ms)")
    results = []
    for slaves in [int(s) for s in args.slaves.split(",")]:
        for frameworks in [int(f) for f in args.frameworks.split(",")]:
            r = measure(args, slaves, frameworks)
            results.append(r)
            print(f"{slaves:>7} {frameworks:>5} {r['roles']:>5} | {r['idle_ms']:>8.1f} "
                  f"{r['busy_ms']:>8.1f} {r['nothing_ms']:>8.2f} | "
                  f"{r['incremental_ms']:>8.3f} {r['batch_after_one_ms']:>8.2f}")
            sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
