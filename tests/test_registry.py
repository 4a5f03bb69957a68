"""
Tests for the registry (L{mesos_tw.master.registry}) and the registrar that
stores it (L{mesos_tw.master.registrar}), in memory, in a fake ZooKeeper
and in a file.
"""

from __future__ import annotations

import os
import zlib
from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from mesos_tw import messages_pb2 as msgs
from mesos_tw.master.registrar import (
    FileStore,
    MemoryStore,
    Registrar,
    RegistrarFailed,
    RegistryConflict,
    ZooKeeperStore,
)
from mesos_tw.master.registry import (
    AdmitSlave,
    MarkSlaveReachable,
    MarkSlaveUnreachable,
    Recover,
    Registry,
    RegistryError,
    RemoveSlave,
    Unreachable,
)
from mesos_tw.testing.zookeeper import FakeZooKeeperServer
from mesos_tw.zk import errors
from tests.test_leader import masterInfo


class RegistryTests(SynchronousTestCase):
    """
    The registry's operations and its stored form.
    """

    def test_admit(self) -> None:
        """
        Admitting a slave records its principal; admitting it again changes
        nothing.
        """
        registry = Registry()
        self.assertTrue(AdmitSlave("S1", "slave1").apply(registry))
        self.assertFalse(AdmitSlave("S1", "slave1").apply(registry))
        self.assertEqual(registry.admitted, {"S1": "slave1"})

    def test_unreachable(self) -> None:
        """
        A slave marked unreachable is no longer admitted but remembered with
        the time; marked reachable, it is admitted again.
        """
        registry = Registry(admitted={"S1": "slave1", "S2": "slave2"})
        self.assertTrue(MarkSlaveUnreachable("S1", "slave1", 12.5).apply(registry))
        self.assertEqual(registry.admitted, {"S2": "slave2"})
        self.assertEqual(registry.unreachable, {"S1": Unreachable("slave1", 12.5)})
        self.assertTrue(MarkSlaveReachable("S1", "slave1").apply(registry))
        self.assertFalse(MarkSlaveReachable("S1", "slave1").apply(registry))
        self.assertEqual(registry.admitted, {"S2": "slave2", "S1": "slave1"})
        self.assertEqual(registry.unreachable, {})

    def test_unreachableLimit(self) -> None:
        """
        Beyond the limit, the oldest unreachable slaves are forgotten.
        """
        registry = Registry()
        for n in range(5):
            MarkSlaveUnreachable(f"S{n}", "s", float(n), limit=3).apply(registry)
        self.assertEqual(list(registry.unreachable), ["S2", "S3", "S4"])

    def test_remove(self) -> None:
        """
        A slave that left cleanly is forgotten.
        """
        registry = Registry(admitted={"S1": "slave1"})
        self.assertTrue(RemoveSlave("S1").apply(registry))
        self.assertFalse(RemoveSlave("S1").apply(registry))
        self.assertEqual(registry, Registry())

    def test_recover(self) -> None:
        """
        Recovering records the new master.
        """
        registry = Registry()
        self.assertTrue(Recover(masterInfo(1)).apply(registry))
        self.assertEqual(registry.master, masterInfo(1))

    def test_roundTrip(self) -> None:
        """
        The stored form is a compressed L{msgs.Registry} that reads back the
        same.
        """
        registry = Registry(
            masterInfo(2),
            {"M-S1": "slave1", "M-S2": "slave2"},
            {"M-S0": Unreachable("slave0", 1700000000.25)},
        )
        data = registry.toBytes()
        proto = msgs.Registry.FromString(zlib.decompress(data))
        self.assertEqual([s.id.value for s in proto.slaves], ["M-S1", "M-S2"])
        self.assertEqual(proto.unreachable[0].timestamp.nanoseconds, 1700000000250000000)
        self.assertEqual(Registry.fromBytes(data), registry)
        self.assertEqual(Registry.fromBytes(b""), Registry())

    def test_compact(self) -> None:
        """
        A thousand slaves take a few kilobytes.
        """
        registry = Registry(
            admitted={f"0b1c6e8a-8d7e-4a4e-9c39-2a8f7c1d3e5f-S{n}": f"slave{n}" for n in range(1000)}
        )
        self.assertLess(len(registry.toBytes()), 16 * 1024)

    def test_garbage(self) -> None:
        """
        Data that is not a registry is an error naming its size.
        """
        error = self.assertRaises(RegistryError, Registry.fromBytes, b"garbage")
        self.assertIn("7 bytes", str(error))


class _ManualStore:
    """
    A store whose writes complete when the test says.
    """

    def __init__(self) -> None:
        self.writes: list[tuple[bytes, int | None, Deferred[int]]] = []

    def fetch(self) -> Deferred[tuple[bytes | None, int | None]]:
        d: Deferred[tuple[bytes | None, int | None]] = Deferred()
        d.callback((None, None))
        return d

    def store(self, data: bytes, version: int | None) -> Deferred[int]:
        d: Deferred[int] = Deferred()
        self.writes.append((data, version, d))
        return d

    def complete(self) -> None:
        data, version, d = self.writes.pop(0)
        d.callback(0 if version is None else version + 1)


class RegistrarTests(SynchronousTestCase):
    """
    The registrar applies operations in order, batching those that wait.
    """

    def test_recoverEmpty(self) -> None:
        """
        Recovering from an empty store writes a registry naming the master.
        """
        store = MemoryStore()
        registrar = Registrar(store)
        registry = self.successResultOf(registrar.recover(masterInfo(1)))
        self.assertEqual(registry.admitted, {})
        self.assertEqual(store.version, 0)
        self.assertEqual(Registry.fromBytes(store.data).master, masterInfo(1))

    def test_recoverExisting(self) -> None:
        """
        Recovering reads what a previous master stored.
        """
        store = MemoryStore(Registry(masterInfo(1), {"S1": "slave1"}).toBytes())
        registrar = Registrar(store)
        registry = self.successResultOf(registrar.recover(masterInfo(2)))
        self.assertEqual(registry.admitted, {"S1": "slave1"})
        self.assertEqual(registry.master, masterInfo(2))
        self.assertEqual(Registry.fromBytes(store.data).master, masterInfo(2))

    def test_apply(self) -> None:
        """
        An operation fires with whether it changed the registry, once
        stored.
        """
        store = MemoryStore()
        registrar = Registrar(store)
        registrar.recover(masterInfo(1))
        self.assertTrue(self.successResultOf(registrar.apply(AdmitSlave("S1", "s"))))
        self.assertFalse(self.successResultOf(registrar.apply(AdmitSlave("S1", "s"))))
        self.assertEqual(store.version, 1)
        self.assertEqual(Registry.fromBytes(store.data).admitted, {"S1": "s"})

    def test_batches(self) -> None:
        """
        Operations made while a write is in flight go together in the next
        write, in order.
        """
        store = _ManualStore()
        registrar = Registrar(store)
        recovered = registrar.recover(masterInfo(1))
        store.complete()
        self.successResultOf(recovered)
        first = registrar.apply(AdmitSlave("S1", "s1"))
        second = registrar.apply(AdmitSlave("S2", "s2"))
        third = registrar.apply(MarkSlaveUnreachable("S2", "s2", 3.0))
        self.assertEqual(len(store.writes), 1)
        self.assertNoResult(first)
        store.complete()
        self.assertTrue(self.successResultOf(first))
        self.assertNoResult(second)
        self.assertEqual(len(store.writes), 1)
        written = Registry.fromBytes(store.writes[0][0])
        self.assertEqual(written.admitted, {"S1": "s1"})
        self.assertEqual(list(written.unreachable), ["S2"])
        store.complete()
        self.assertTrue(self.successResultOf(second))
        self.assertTrue(self.successResultOf(third))
        self.assertEqual(registrar.registry.admitted, {"S1": "s1"})

    def test_conflict(self) -> None:
        """
        When another master wrote meanwhile, the write fails, and so does the
        registrar, for good, telling its owner once.
        """
        store = MemoryStore()
        failures: list[Any] = []
        registrar = Registrar(store, failures.append)
        self.successResultOf(registrar.recover(masterInfo(1)))
        other = Registrar(store)
        self.successResultOf(other.recover(masterInfo(2)))
        self.failureResultOf(registrar.apply(AdmitSlave("S1", "s")), RegistrarFailed)
        self.failureResultOf(registrar.apply(AdmitSlave("S2", "s")), RegistrarFailed)
        self.assertEqual(len(failures), 1)
        failures[0].trap(RegistryConflict)
        self.assertEqual(Registry.fromBytes(store.data).master, masterInfo(2))

    def test_notRecovered(self) -> None:
        """
        Operations before recovery fail.
        """
        registrar = Registrar(MemoryStore())
        self.failureResultOf(registrar.apply(AdmitSlave("S1", "s")), RegistrarFailed)

    def test_fetchFails(self) -> None:
        """
        A registry that cannot be read fails the recovery and the registrar.
        """
        store = MemoryStore(b"garbage")
        failures: list[Any] = []
        registrar = Registrar(store, failures.append)
        self.failureResultOf(registrar.recover(masterInfo(1)), RegistryError)
        self.assertEqual(len(failures), 1)


class ZooKeeperStoreTests(SynchronousTestCase):
    """
    The registry in a (fake) ZooKeeper node.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = FakeZooKeeperServer(self.clock)

    def client(self) -> Any:
        client = self.server.client()
        client.connect()
        self.server.flush()
        return client

    def result(self, d: Deferred[Any]) -> Any:
        self.server.flush()
        self.clock.advance(0)
        return self.successResultOf(d)

    def test_createThenSet(self) -> None:
        """
        The first write creates the node (and its parents); later ones set
        it at the version they expect.
        """
        store = ZooKeeperStore(self.client(), "/mesos/registry")
        self.assertEqual(self.result(store.fetch()), (None, None))
        self.assertEqual(self.result(store.store(b"one", None)), 0)
        self.assertEqual(self.result(store.store(b"two", 0)), 1)
        self.assertEqual(self.result(store.fetch()), (b"two", 1))
        self.assertEqual(self.server.data()["/mesos/registry"], b"two")

    def test_conflicts(self) -> None:
        """
        A write at a version that is no longer current, or a creation of a
        node that exists, fails with L{RegistryConflict}.
        """
        store = ZooKeeperStore(self.client(), "/mesos/registry")
        other = ZooKeeperStore(self.client(), "/mesos/registry")
        self.result(store.store(b"one", None))
        d = other.store(b"other", None)
        self.server.flush()
        self.failureResultOf(d, RegistryConflict)
        self.result(other.store(b"other", 0))
        d = store.store(b"two", 0)
        self.server.flush()
        self.failureResultOf(d, RegistryConflict)

    def test_twoRegistrars(self) -> None:
        """
        Of two masters, the one that recovered last owns the registry: the
        other's next write fails.
        """
        first = Registrar(ZooKeeperStore(self.client(), "/mesos/registry"))
        self.result(first.recover(masterInfo(1)))
        self.assertTrue(self.result(first.apply(AdmitSlave("S1", "s1"))))
        second = Registrar(ZooKeeperStore(self.client(), "/mesos/registry"))
        registry = self.result(second.recover(masterInfo(2)))
        self.assertEqual(registry.admitted, {"S1": "s1"})
        d = first.apply(AdmitSlave("S2", "s2"))
        self.server.flush()
        self.failureResultOf(d, RegistrarFailed)
        self.assertIsNotNone(first.failure)

    def test_lostWriteApplied(self) -> None:
        """
        A write whose answer was lost with the connection is found applied,
        and succeeds.
        """
        client = _LosingClient(self.client())
        store = ZooKeeperStore(client, "/r")
        self.result(store.store(b"one", None))
        client.lose = True
        self.assertEqual(self.result(store.store(b"two", 0)), 1)
        self.assertEqual(self.server.data()["/r"], b"two")

    def test_lostWriteNotApplied(self) -> None:
        """
        A write lost before it was applied is made again.
        """
        client = _LosingClient(self.client())
        store = ZooKeeperStore(client, "/r")
        self.result(store.store(b"one", None))
        client.lose = True
        client.apply = False
        self.assertEqual(self.result(store.store(b"two", 0)), 1)
        self.assertEqual(self.server.data()["/r"], b"two")


class _LosingClient:
    """
    A client whose next C{set} loses its answer (applied or not).
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self.lose = False
        self.apply = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def set(self, path: str, value: bytes, version: int = -1) -> Deferred[None]:
        if not self.lose:
            return self._client.set(path, value, version)
        self.lose = False
        if not self.apply:
            return fail(errors.ConnectionLossError("lost"))
        d = self._client.set(path, value, version)

        def lost(_: object) -> None:
            raise errors.ConnectionLossError("lost")

        return d.addCallback(lost)


class FileStoreTests(SynchronousTestCase):
    """
    The registry of a lone master, in a file of its work directory.
    """

    def setUp(self) -> None:
        self.directory = os.path.abspath(self.mktemp())
        self.stores: list[FileStore] = []

    def store(self) -> FileStore:
        store = FileStore(self.directory)
        self.stores.append(store)
        self.addCleanup(store.close)
        return store

    def test_createThenReplace(self) -> None:
        """
        The first write creates the file (and the directory); later ones
        replace it; a store opened later reads the last one.
        """
        store = self.store()
        self.assertEqual(self.successResultOf(store.fetch()), (None, None))
        self.assertEqual(self.successResultOf(store.store(b"one", None)), 0)
        self.assertEqual(self.successResultOf(store.store(b"two", 0)), 1)
        with open(os.path.join(self.directory, "registry"), "rb") as f:
            self.assertEqual(f.read(), b"two")
        self.assertFalse(os.path.exists(os.path.join(self.directory, "registry.tmp")))
        store.close()
        self.assertEqual(self.successResultOf(self.store().fetch()), (b"two", 0))

    def test_staleVersion(self) -> None:
        """
        A write at a version this store did not read or write last fails with
        L{RegistryConflict}, and so does one before any read.
        """
        store = self.store()
        self.failureResultOf(store.store(b"early", None), RegistryConflict)
        self.successResultOf(store.fetch())
        self.successResultOf(store.store(b"one", None))
        self.failureResultOf(store.store(b"again", None), RegistryConflict)

    def test_locked(self) -> None:
        """
        Only one master at a time uses a work directory: the second one's
        read fails, naming it, until the first one closes its store.
        """
        first = self.store()
        self.successResultOf(first.fetch())
        failure = self.failureResultOf(self.store().fetch(), RegistryConflict)
        self.assertIn(f"another master uses the work directory {self.directory}",
                      str(failure.value))
        first.close()
        self.assertEqual(self.successResultOf(self.store().fetch()), (None, None))

    def test_writeFails(self) -> None:
        """
        A write that the disk refuses fails with an L{OSError} naming the file
        and what to do; the file keeps what it had.
        """
        store = self.store()
        self.successResultOf(store.fetch())
        self.successResultOf(store.store(b"one", None))
        os.mkdir(os.path.join(self.directory, "registry.tmp"))
        failure = self.failureResultOf(store.store(b"two", 0), OSError)
        self.assertIn(os.path.join(self.directory, "registry"), str(failure.value))
        self.assertIn("free space there and restart", str(failure.value))
        with open(os.path.join(self.directory, "registry"), "rb") as f:
            self.assertEqual(f.read(), b"one")

    def test_registrarRecovers(self) -> None:
        """
        A registrar on a file store finds, after a restart, what it stored
        before.
        """
        first = Registrar(self.store())
        self.successResultOf(first.recover(masterInfo(1)))
        self.assertTrue(self.successResultOf(first.apply(AdmitSlave("S1", "s1"))))
        first.store.close()
        second = Registrar(self.store())
        registry = self.successResultOf(second.recover(masterInfo(2)))
        self.assertEqual(registry.admitted, {"S1": "s1"})
