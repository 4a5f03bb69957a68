# -*- test-case-name: tests.test_master_failover -*-
"""
A new leader's recovery (a part of L{mesos_tw.master.master.Master}), as
Mesos's C{Master::_recover} and C{recoveredSlavesTimeout}: the slaves the
registry admitted are expected to re-register within the slave
re-registration timeout; meanwhile reconciliation says nothing of their
tasks; those that do not come back are marked unreachable, through the
registry, and every framework is told they are lost.

Also the master's side of the registry: L{Failover._whenStored} runs what
follows a registry operation once it is stored (at once without a
registry).
"""

from __future__ import annotations

from typing import Any, Callable

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from mesos_tw.master.records import Slave, UnreachableSlave
from mesos_tw.master.registrar import Registrar, RegistrarFailed
from mesos_tw.master.registry import MarkSlaveUnreachable, Operation, Registry


class Failover:
    """
    Recovery from the registry, a mixin of L{mesos_tw.master.master.Master};
    it uses the master's slave books and C{_rememberUnreachable},
    C{_sendSlaveLost}.

    @ivar registrar: the L{Registrar}, or L{None} for a master without a
        registry (a lone master: every slave may re-register).
    """

    _log: Logger
    _clock: IReactorTime
    registrar: Registrar | None
    slaves: dict[str, Slave]
    unreachableSlaves: dict[str, UnreachableSlave]
    recoveringSlaves: set[str]
    _slaveReregisterTimeout: float
    _recoveredSlaves: dict[str, str]
    _removing: set[str]
    _recoveryTimer: IDelayedCall | None

    def recover(self, registry: Registry) -> None:
        """
        Take over from a previous leader: expect the slaves C{registry}
        admitted, and remember those it has as unreachable.
        """
        for slaveId, gone in registry.unreachable.items():
            if slaveId not in self.slaves:
                self._rememberUnreachable(  # type: ignore[attr-defined]
                    UnreachableSlave(slaveId, gone.principal, gone.time)
                )
        for slaveId, principal in registry.admitted.items():
            if slaveId not in self.slaves:
                self._recoveredSlaves[slaveId] = principal
                self.recoveringSlaves.add(slaveId)
        if not self.recoveringSlaves:
            self._log.info("Recovered from the registry: no slave to wait for")
            return
        self._log.info(
            "Recovered from the registry: waiting {timeout} s for {count} slave(s) "
            "to re-register",
            timeout=self._slaveReregisterTimeout,
            count=len(self.recoveringSlaves),
        )
        self._recoveryTimer = self._clock.callLater(
            self._slaveReregisterTimeout, self._recoveryTimedOut
        )

    def _slaveRecovered(self, slaveId: str) -> None:
        """
        A slave re-registered: if it was expected after a failover, it is
        no longer.
        """
        if self._recoveredSlaves.pop(slaveId, None) is None:
            return
        self.recoveringSlaves.discard(slaveId)
        if not self.recoveringSlaves:
            self._log.info("Every slave of the registry re-registered")
            self._cancelRecovery()

    def _cancelRecovery(self) -> None:
        if self._recoveryTimer is not None and self._recoveryTimer.active():
            self._recoveryTimer.cancel()
        self._recoveryTimer = None

    def _recoveryTimedOut(self) -> None:
        self._recoveryTimer = None
        missing = sorted(self.recoveringSlaves)
        self._log.warn(
            "{count} slave(s) did not re-register within {timeout} s of the failover; "
            "marking them unreachable: {slaveIds}",
            count=len(missing),
            timeout=self._slaveReregisterTimeout,
            slaveIds=missing,
        )
        now = self._clock.seconds()
        for slaveId in missing:
            principal = self._recoveredSlaves[slaveId]
            self._removing.add(slaveId)
            self._whenStored(
                MarkSlaveUnreachable(slaveId, principal, now),
                self._recoveredSlaveLost, slaveId, principal, now,
            )

    def _recoveredSlaveLost(self, slaveId: str, principal: str, now: float) -> None:
        """
        The registry has an expected slave that did not come back as
        unreachable: its tasks are lost (frameworks learn of each when they
        reconcile it).
        """
        self._removing.discard(slaveId)
        self._recoveredSlaves.pop(slaveId, None)
        self.recoveringSlaves.discard(slaveId)
        self._rememberUnreachable(UnreachableSlave(slaveId, principal, now))  # type: ignore[attr-defined]
        self._sendSlaveLost(slaveId)  # type: ignore[attr-defined]

    def _whenStored(
        self, operation: Operation, then: Callable[..., object], *args: Any
    ) -> None:
        """
        Call C{then(*args)} once the registry has stored C{operation} (at
        once without a registry). If the registry fails, C{then} is never
        called: the master is about to exit.
        """
        if self.registrar is None:
            then(*args)
            return

        def failed(failure: Failure) -> None:
            if failure.check(RegistrarFailed):
                self._log.error(
                    "Cannot store {operation} in the registry: {error}",
                    operation=repr(operation),
                    error=failure.getErrorMessage(),
                )
            else:
                self._log.failure(
                    "After storing {operation} in the registry", failure,
                    operation=repr(operation),
                )

        d = self.registrar.apply(operation)
        d.addCallback(lambda _: then(*args))
        d.addErrback(failed)
