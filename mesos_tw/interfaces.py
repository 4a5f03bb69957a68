"""
The seams of mesos_tw: interfaces with more than one implementation (real
ones, and fakes for tests that pass the same conformance suites).
"""

from __future__ import annotations

from zope.interface import Attribute, Interface


class ILauncher(Interface):
    """
    Starts and destroys containers on a slave: the executor (or a command
    task) is the first process of its container, and destroying the
    container ends every process in it.
    """

    name = Attribute("A short name for logs and state, e.g. 'posix'.")

    def launch(containerId, argv, environment, sandbox, user, resources, processProtocol):
        """
        Start C{argv} as the first process of a new container.

        @param containerId: a unique id for the container (C{str}).
        @param argv: the program and its arguments; C{argv[0]} is looked up
            on the C{PATH} of C{environment}.
        @param environment: the process's whole environment (C{dict}).
        @param sandbox: the working directory; the process's standard output
            and error go to the files C{stdout} and C{stderr} in it.
        @param user: the Unix user to run as, or L{None} for the slave's.
        @param resources: the L{mesos_tw.resources.Resources} the container
            may use.
        @param processProtocol: an L{IProcessProtocol} told when the process
            ends.

        @return: the L{IProcessTransport} of the first process.
        @raise LaunchError: if the container cannot be started.
        """

    def signal(containerId, signum):
        """
        Send C{signum} to every process of the container.
        """

    def destroy(containerId):
        """
        Kill every process of the container and release what it holds.

        @return: a L{Deferred} firing when nothing of it is left.
        """


class IAllocator(Interface):
    """
    Decides which framework is offered which free resources.

    Allocators are pure, synchronous code: the master tells them what
    happens (slaves and frameworks come and go, resources come back, filters,
    revive and suppress) and asks them for allocations; time is passed in as
    C{now} (seconds) rather than read from a clock.
    """

    def addSlave(slaveId, total, used):
        """
        A slave joined with C{total} L{Resources}, of which C{used} (a
        mapping of framework id to L{Resources}) are already in use.
        """

    def removeSlave(slaveId):
        """
        A slave is gone; its resources no longer exist.
        """

    def activateSlave(slaveId):
        """
        Offer the slave's resources again (it reconnected).
        """

    def deactivateSlave(slaveId):
        """
        Stop offering the slave's resources (it disconnected).
        """

    def addFramework(frameworkId, role, used, active):
        """
        A framework of C{role} joined; C{used} maps slave ids to the
        L{Resources} it already uses there.
        """

    def removeFramework(frameworkId):
        """
        A framework is gone; everything allocated to it is free again.
        """

    def activateFramework(frameworkId):
        """
        Offer to the framework again (its scheduler is connected).
        """

    def deactivateFramework(frameworkId):
        """
        Stop offering to the framework (its scheduler went away).
        """

    def recoverResources(frameworkId, slaveId, resources, refuseSeconds, now):
        """
        C{resources} allocated to the framework on the slave are free again
        (declined, rescinded, unused, or a task ended).

        @param refuseSeconds: if positive, do not offer the framework a subset
            of these resources on that slave for that long (a decline filter);
            L{None} or 0 for no filter.
        """

    def reviveOffers(frameworkId):
        """
        Remove the framework's filters and end its suppression.
        """

    def suppressOffers(frameworkId):
        """
        Offer nothing to the framework until it revives.
        """

    def allocate(now, slaveIds=None):
        """
        Allocate free resources.

        @param slaveIds: only these slaves, or all if L{None}.
        @return: a list of L{mesos_tw.master.allocator.Allocation}.
        """
