# -*- test-case-name: tests.test_registry -*-
"""
The registrar: keeps the L{Registry} in a store (a ZooKeeper node, for
masters with C{--zk}; a file, for a lone master with C{--work-dir}),
applying operations in order.

Operations queue while a write is in flight and go together in the next
one, as Mesos batches them. Every write is conditional on the version read
or last written, so a master that is no longer alone cannot overwrite what
another wrote: its write fails, and so does the registrar, for good; the
master must then exit, as Mesos's does when its registrar fails.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any, Callable

from twisted.internet.defer import Deferred, fail, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from mesos_tw.files import writeAtomically
from mesos_tw.interfaces import IZooKeeperClient
from mesos_tw.master.registry import Operation, Recover, Registry
from mesos_tw.mesos_pb2 import MasterInfo
from mesos_tw.zk import errors

_log = Logger()

#: The registry's file in a lone master's work directory, and its lock.
REGISTRY_FILE = "registry"
LOCK_FILE = "master.lock"


class RegistryConflict(Exception):
    """
    The stored registry changed since this master read or wrote it: another
    master writes it.
    """


class RegistrarFailed(Exception):
    """
    The registrar cannot store the registry any more (see its C{failure}).
    """


class MemoryStore:
    """
    A registry store in memory (for tests, and masters without ZooKeeper
    that want one); its operations complete at once.

    @ivar data: the stored bytes, or L{None}.
    @ivar version: the stored version, or L{None}.
    """

    def __init__(self, data: bytes | None = None) -> None:
        self.data = data
        self.version: int | None = None if data is None else 0

    def fetch(self) -> Deferred[tuple[bytes | None, int | None]]:
        return succeed((self.data, self.version))

    def store(self, data: bytes, version: int | None) -> Deferred[int]:
        if version != self.version:
            return fail(RegistryConflict(
                f"the registry is at version {self.version}, not {version}"
            ))
        self.data = data
        self.version = 0 if version is None else version + 1
        return succeed(self.version)

    def close(self) -> None:
        pass


class FileStore:
    """
    A registry store in a file, for a lone master with a work directory:
    replaced atomically on every write, and locked, so that one master at a
    time uses it.

    @ivar path: the registry file.
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.path = os.path.join(directory, REGISTRY_FILE)
        self._version: int | None = None
        self._lock: int | None = None

    def fetch(self) -> Deferred[tuple[bytes | None, int | None]]:
        """
        Lock the work directory and read the file (version 0), or
        C{(None, None)} if there is none yet.

        @return: a L{Deferred} failing with L{RegistryConflict} if another
            master holds the lock, or with the L{OSError} that stopped it.
        """
        try:
            self._acquire()
            with open(self.path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            self._version = None
            return succeed((None, None))
        except (OSError, RegistryConflict) as e:
            return fail(e)
        self._version = 0
        return succeed((data, 0))

    def store(self, data: bytes, version: int | None) -> Deferred[int]:
        """
        Replace the file with C{data}, if this store wrote (or read)
        C{version} last.
        """
        if self._lock is None or version != self._version:
            return fail(RegistryConflict(
                f"{self.path} is at version {self._version}, not {version}"
            ))
        try:
            writeAtomically(self.path, data, durable=True)
        except OSError as e:
            return fail(OSError(e.errno, f"cannot write the registry {self.path}: "
                                         f"{e.strerror}; free space there and restart"))
        self._version = 0 if version is None else version + 1
        return succeed(self._version)

    def close(self) -> None:
        """
        Release the work directory.
        """
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def _acquire(self) -> None:
        if self._lock is not None:
            return
        os.makedirs(self.directory, exist_ok=True)
        fd = os.open(os.path.join(self.directory, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RegistryConflict(
                f"another master uses the work directory {self.directory}"
            ) from None
        self._lock = fd


class ZooKeeperStore:
    """
    A registry store in one ZooKeeper node, written with conditional sets.
    """

    def __init__(self, client: IZooKeeperClient, path: str) -> None:
        self.client = client
        self.path = path

    def fetch(self) -> Deferred[tuple[bytes | None, int | None]]:
        """
        The node's data and version, or C{(None, None)} if it is missing.
        """
        d = self.client.getVersioned(self.path)  # type: ignore[attr-defined]

        def missing(failure: Failure) -> tuple[None, None]:
            failure.trap(errors.NoNodeError)
            return None, None

        return d.addErrback(missing)

    def store(self, data: bytes, version: int | None) -> Deferred[int]:
        """
        Write C{data} if the node is still at C{version} (or missing, for
        L{None}).

        @return: a L{Deferred} firing with the new version, or failing with
            L{RegistryConflict} if the node changed meanwhile.
        """
        if version is None:
            d = self.client.create(self.path, data, makepath=True).addCallback(lambda _: 0)
        else:
            d = self.client.set(self.path, data, version)  # type: ignore[call-arg]
            d.addCallback(lambda _: version + 1)

        def failed(failure: Failure) -> Any:
            if failure.check(errors.NodeExistsError, errors.BadVersionError, errors.NoNodeError):
                raise RegistryConflict(
                    f"{self.path} changed since version {version}: another master "
                    f"writes the registry ({failure.getErrorMessage()})"
                )
            failure.trap(errors.ConnectionLossError)
            # The write may or may not have been applied: look.
            return self.fetch().addCallback(checkApplied)

        def checkApplied(stored: tuple[bytes | None, int | None]) -> Any:
            storedData, storedVersion = stored
            expected = 0 if version is None else version + 1
            if storedVersion == expected and storedData == data:
                return expected
            if storedVersion == version:
                return self.store(data, version)
            raise RegistryConflict(
                f"{self.path} is at version {storedVersion} after a lost write at "
                f"version {version}: another master writes the registry"
            )

        return d.addErrback(failed)

    def close(self) -> None:
        """
        Nothing to release: the client is closed by its owner.
        """


class Registrar:
    """
    Applies operations to the registry in its store, in order.

    @ivar registry: the registry as last stored (L{None} before
        L{recover}).
    @ivar failure: why the registrar failed, or L{None}.
    @ivar onFailure: called once, with the failure, when the registrar
        fails.
    """

    def __init__(
        self,
        store: Any,
        onFailure: Callable[[Failure], object] = lambda failure: None,
    ) -> None:
        """
        @param store: a L{ZooKeeperStore}, L{FileStore} or L{MemoryStore}.
        @param onFailure: called once, with the failure, when the registrar
            fails: the master must then exit.
        """
        self.store = store
        self.registry: Registry | None = None
        self.failure: Failure | None = None
        self.onFailure = onFailure
        self._version: int | None = None
        self._pending: list[tuple[Operation, Deferred[bool]]] = []
        self._writing = False

    def recover(self, master: MasterInfo) -> Deferred[Registry]:
        """
        Read the registry and store it back with C{master} as its writer,
        which claims it: a master that wrote before can no longer write.

        @return: a L{Deferred} firing with the registry read.
        """
        d = self.store.fetch()

        def fetched(stored: tuple[bytes | None, int | None]) -> Deferred[bool]:
            data, self._version = stored
            self.registry = Registry.fromBytes(data or b"")
            _log.info(
                "Recovered the registry (version {version}): {admitted} admitted "
                "slave(s), {unreachable} unreachable; last written by master {previous}",
                version=self._version,
                admitted=len(self.registry.admitted),
                unreachable=len(self.registry.unreachable),
                previous=self.registry.master.pid if self.registry.master else None,
            )
            return self.apply(Recover(master))

        d.addCallback(fetched)
        d.addCallback(lambda _: self.registry.copy())  # type: ignore[union-attr]
        d.addErrback(self._failed)
        return d

    def close(self) -> None:
        """
        Release the store (a lone master's work directory).
        """
        self.store.close()

    def apply(self, operation: Operation) -> Deferred[bool]:
        """
        Apply C{operation} after those applied before it.

        @return: a L{Deferred} firing with whether the registry changed once
            it is stored, or failing with L{RegistrarFailed}.
        """
        if self.failure is not None:
            return fail(RegistrarFailed(self.failure.getErrorMessage()))
        if self.registry is None:
            return fail(RegistrarFailed("the registry is not recovered yet"))
        d: Deferred[bool] = Deferred()
        self._pending.append((operation, d))
        if not self._writing:
            self._write()
        return d

    def _write(self) -> None:
        batch, self._pending = self._pending, []
        assert self.registry is not None
        registry = self.registry.copy()
        changes = [operation.apply(registry) for operation, _ in batch]
        if not any(changes):
            for (_, d), changed in zip(batch, changes):
                d.callback(False)
            return
        self._writing = True
        data = registry.toBytes()

        def stored(version: int) -> None:
            self._writing = False
            self._version = version
            self.registry = registry
            _log.debug(
                "Stored the registry at version {version}: {operations}",
                version=version,
                operations=[repr(operation) for operation, _ in batch],
            )
            for (_, d), changed in zip(batch, changes):
                d.callback(changed)
            if self._pending and self.failure is None:
                self._write()

        def failed(failure: Failure) -> None:
            self._writing = False
            self._failed(failure)
            for _, d in batch:
                d.errback(RegistrarFailed(failure.getErrorMessage()))

        self.store.store(data, self._version).addCallbacks(stored, failed)

    def _failed(self, failure: Failure) -> Failure:
        if self.failure is None:
            self.failure = failure
            _log.critical(
                "The registrar failed: {error}",
                error=failure.getErrorMessage(),
            )
            pending, self._pending = self._pending, []
            for _, d in pending:
                d.errback(RegistrarFailed(failure.getErrorMessage()))
            self.onFailure(failure)
        return failure
