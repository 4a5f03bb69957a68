# -*- test-case-name: tests.test_integration_tasks -*-
"""
A scheduler for tests: it records every callback and lets a test wait for
the one it expects.
"""

from __future__ import annotations

from typing import Any, Callable

from twisted.internet.defer import Deferred

from mesos_tw.scheduler import Scheduler


class RecordingScheduler(Scheduler):
    """
    Records callbacks as C{(name, args)} in L{events}; optional handlers
    (C{onOffers}, C{onUpdate}) decide what to do.

    @ivar events: every callback so far, in order.
    """

    def __init__(
        self,
        onOffers: Callable[[Any, list], object] | None = None,
        onUpdate: Callable[[Any, Any], object] | None = None,
    ) -> None:
        self.events: list[tuple[str, tuple]] = []
        self._waiters: list[tuple[Callable[[str, tuple], bool], Deferred]] = []
        self.onOffers = onOffers
        self.onUpdate = onUpdate

    def _record(self, name: str, *args: Any) -> None:
        self.events.append((name, args))
        for waiter in list(self._waiters):
            match, d = waiter
            if match(name, args):
                self._waiters.remove(waiter)
                d.callback((name, args))

    def waitFor(self, name: str, match: Callable[..., bool] = lambda *a: True) -> Deferred:
        """
        A Deferred firing with C{(name, args)} of the first callback named
        C{name} whose arguments satisfy C{match}, including past ones.
        """

        def matches(eventName: str, args: tuple) -> bool:
            return eventName == name and match(*args)

        for event in self.events:
            if matches(*event):
                d: Deferred = Deferred()
                d.callback(event)
                return d
        d = Deferred()
        self._waiters.append((matches, d))
        return d

    def named(self, name: str) -> list[tuple]:
        """
        The arguments of every callback named C{name}.
        """
        return [args for eventName, args in self.events if eventName == name]

    def updates(self, taskId: str | None = None) -> list:
        """
        The statuses received, for C{taskId} or all tasks.
        """
        return [
            args[1]
            for args in self.named("statusUpdate")
            if taskId is None or args[1].task_id.value == taskId
        ]

    def waitForState(self, taskId: str, state: int) -> Deferred:
        """
        Wait for a status update of C{taskId} in C{state}.
        """
        return self.waitFor(
            "statusUpdate",
            lambda driver, status: status.task_id.value == taskId and status.state == state,
        )

    def registered(self, driver, frameworkId, masterInfo):
        self._record("registered", driver, frameworkId, masterInfo)

    def reregistered(self, driver, masterInfo):
        self._record("reregistered", driver, masterInfo)

    def disconnected(self, driver):
        self._record("disconnected", driver)

    def resourceOffers(self, driver, offers):
        self._record("resourceOffers", driver, offers)
        if self.onOffers is not None:
            return self.onOffers(driver, offers)

    def offerRescinded(self, driver, offerId):
        self._record("offerRescinded", driver, offerId)

    def statusUpdate(self, driver, status):
        self._record("statusUpdate", driver, status)
        if self.onUpdate is not None:
            return self.onUpdate(driver, status)

    def frameworkMessage(self, driver, executorId, slaveId, message):
        self._record("frameworkMessage", driver, executorId, slaveId, message)

    def slaveLost(self, driver, slaveId):
        self._record("slaveLost", driver, slaveId)

    def executorLost(self, driver, executorId, slaveId, status):
        self._record("executorLost", driver, executorId, slaveId, status)

    def error(self, driver, message):
        self._record("error", driver, message)
