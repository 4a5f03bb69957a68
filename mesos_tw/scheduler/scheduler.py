# -*- test-case-name: tests.test_scheduler_driver -*-
"""
The callbacks a framework's scheduler receives from its L{SchedulerDriver
<mesos_tw.scheduler.driver.SchedulerDriver>}.

The names and arguments are those of Apache Mesos's Python bindings
(C{mesos.interface.Scheduler}).  Every callback may return a
L{Deferred<twisted.internet.defer.Deferred>}: the driver delivers no further
callback until it fires, so the callbacks of one driver never overlap.  An
exception raised by a callback, or a failed Deferred, is logged and does not
stop the driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mesos_tw.mesos_pb2 import (
        ExecutorID,
        FrameworkID,
        MasterInfo,
        Offer,
        OfferID,
        SlaveID,
        TaskStatus,
    )
    from mesos_tw.scheduler.driver import SchedulerDriver


class Scheduler:
    """
    A framework's scheduler: subclass it and override the callbacks you need.
    Every callback here does nothing.
    """

    def registered(
        self, driver: SchedulerDriver, frameworkId: FrameworkID, masterInfo: MasterInfo
    ) -> object:
        """
        The master registered the framework: it is new and was given
        C{frameworkId}, or this scheduler took over a framework that already
        had an id (failover).

        @param driver: The driver that registered.
        @param frameworkId: The framework's id.
        @param masterInfo: The master that registered the framework.
        """

    def reregistered(self, driver: SchedulerDriver, masterInfo: MasterInfo) -> object:
        """
        The master took the framework back after the driver lost its
        connection and reconnected.

        @param driver: The driver that re-registered.
        @param masterInfo: The master that re-registered the framework.
        """

    def disconnected(self, driver: SchedulerDriver) -> object:
        """
        The driver lost the master it was registered with.  It reconnects and
        re-registers by itself; until then, tasks launched are reported lost
        and other calls are dropped.

        @param driver: The disconnected driver.
        """

    def resourceOffers(self, driver: SchedulerDriver, offers: list[Offer]) -> object:
        """
        The master offers resources, each offer on one slave.  The resources
        of an offer are offered to no other framework until this one
        launches tasks on them, declines them, or the offer is rescinded.

        @param driver: The driver that received the offers.
        @param offers: The offers.
        """

    def offerRescinded(self, driver: SchedulerDriver, offerId: OfferID) -> object:
        """
        An offer is no longer valid (its slave was lost, it timed out, ...);
        tasks launched on it will be reported lost.

        @param driver: The driver.
        @param offerId: The rescinded offer.
        """

    def statusUpdate(self, driver: SchedulerDriver, status: TaskStatus) -> object:
        """
        A task changed state.  With implicit acknowledgements (the default)
        the driver acknowledges the update once this callback has returned,
        or once the Deferred it returned has fired successfully; otherwise
        call L{SchedulerDriver.acknowledgeStatusUpdate
        <mesos_tw.scheduler.driver.SchedulerDriver.acknowledgeStatusUpdate>}.

        @param driver: The driver.
        @param status: The task's new status.
        """

    def frameworkMessage(
        self,
        driver: SchedulerDriver,
        executorId: ExecutorID,
        slaveId: SlaveID,
        message: bytes,
    ) -> object:
        """
        An executor of the framework sent a message (best effort: messages
        may be lost).

        @param driver: The driver.
        @param executorId: The executor that sent the message.
        @param slaveId: The slave the executor runs on.
        @param message: The message.
        """

    def slaveLost(self, driver: SchedulerDriver, slaveId: SlaveID) -> object:
        """
        A slave was removed; its tasks are reported lost separately.  Not
        reliable: a scheduler must not rely on receiving it.

        @param driver: The driver.
        @param slaveId: The lost slave.
        """

    def executorLost(
        self,
        driver: SchedulerDriver,
        executorId: ExecutorID,
        slaveId: SlaveID,
        status: int,
    ) -> object:
        """
        An executor of the framework exited.  Not reliable.

        @param driver: The driver.
        @param executorId: The executor.
        @param slaveId: The slave it ran on.
        @param status: Its exit status, as C{wait(2)} reports it.
        """

    def error(self, driver: SchedulerDriver, message: str) -> object:
        """
        An unrecoverable error occurred (the master refused the framework,
        another scheduler took over, ...).  The driver has already aborted
        when this is called.

        @param driver: The aborted driver.
        @param message: What went wrong.
        """
