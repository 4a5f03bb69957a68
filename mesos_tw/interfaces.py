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

    def update(containerId, resources):
        """
        The container may now use C{resources} (a
        L{mesos_tw.resources.Resources}), e.g. because its executor was
        given another task.
        """

    def usage(containerId):
        """
        What the container uses and may use, as Mesos's
        C{ResourceStatistics} in JSON (C{cpus_user_time_secs},
        C{cpus_system_time_secs}, C{cpus_limit}, C{mem_rss_bytes},
        C{mem_limit_bytes}, C{timestamp}, ...).

        @return: a C{dict}, or L{None} for an unknown container.
        """

    def recover(containers):
        """
        Look after the containers an earlier slave process launched (with
        the same runtime directory), once, before any launch.

        @param containers: the containers the slave knows from its own
            checkpoints: a mapping of container id to C{(resources,
            processProtocol)}.  C{resources} is what the container may use
            (as L{usage} reports it); its limits are left as they are until
            L{update}.
        @return: a L{Deferred} firing with the C{set} of the ids of
            C{containers} found still running (their process alive, with
            the start time and boot recorded), once every orphan (a
            container the launcher finds that is not in C{containers}) has
            been destroyed with everything it held, and what the containers
            that ended left has been released.

            A running container is then like a launched one (L{signal},
            L{destroy}, L{update}, L{usage}); its
            C{processProtocol.processEnded(reason)} is called once when it
            ends, with the exit status its init recorded (C{SIGKILL} if
            L{destroy} killed it; with the container's limitation, if any).

            For each container that ended, C{processEnded} is called on a
            later reactor turn with the exit status its init recorded, or
            a L{mesos_tw.slave.containerizer.common.ContainerLost} if none
            was (killed outright, no records, no runtime directory).
        @raise RuntimeError: if called twice, or after a launch.
        """

    def close(keep=()):
        """
        Destroy the containers left (e.g. when the slave stops) but those
        whose ids are in C{keep}, wait until those being released are gone,
        then release what the launcher holds beyond its containers (e.g.
        the parent cgroups, if no container is left in them).

        The containers of C{keep} are left running, untouched (processes,
        cgroups, records), for the next slave process to L{recover}; this
        launcher forgets them: their protocols hear nothing more.  A
        launcher that could not recover them (one without a runtime
        directory) destroys them too.

        @return: a L{Deferred} firing when done.
        """


class IIsolator(Interface):
    """
    Isolates one kind of resource or one view of the system for the
    containers of a L{ILauncher} (Mesos's C{Isolator}).

    The launcher calls L{prepare} before the container's first process
    starts, L{isolate} once it has, L{watch} for limitations while it runs,
    and L{cleanup} when its last process is gone; L{recover} for a
    container an earlier slave process launched, and L{forget} for one left
    running for the next.
    """

    name = Attribute("Mesos's name for the isolator, e.g. 'cgroups/mem'.")

    def prepare(containerId, resources, user):
        """
        Get ready to isolate a new container.

        @param resources: the L{mesos_tw.resources.Resources} it may use.
        @param user: its L{mesos_tw.slave.containerizer.common.Credentials},
            or L{None} for the slave's user.
        @return: the L{mesos_tw.slave.containerizer.common.LaunchInfo} this
            isolator contributes (namespaces, cgroups to join, ...).
        @raise mesos_tw.slave.containerizer.common.LaunchError: if it
            cannot.
        """

    def isolate(containerId, pid):
        """
        The container's first process started as C{pid}.
        """

    def watch(containerId):
        """
        @return: a L{Deferred} firing with a
            L{mesos_tw.slave.containerizer.common.Limitation} if the
            container goes past what it was given while it runs; it never
            fires otherwise, and is cancelled by L{cleanup}.
        """

    def limitation(containerId):
        """
        Check, now, whether the container went past what it was given (e.g.
        when its first process has ended).

        @return: a L{mesos_tw.slave.containerizer.common.Limitation} or
            L{None}.
        """

    def update(containerId, resources):
        """
        The container may now use C{resources}.
        """

    def usage(containerId):
        """
        @return: this isolator's part of the container's statistics (a
            C{dict} of Mesos C{ResourceStatistics} fields).
        """

    def cleanup(containerId):
        """
        Release what the container held; its processes are gone.

        @return: L{None}, or a L{Deferred} firing when done.
        """

    def recover(containerId, resources):
        """
        A container this isolator prepared in an earlier slave process runs
        (or has just ended): rebuild what it knows of it from what the
        container holds (its cgroups), creating and changing nothing, and
        watch it again (e.g. for OOM events).  L{watch}, L{limitation},
        L{update}, L{usage} and L{cleanup} then work as for a container it
        prepared.

        @param resources: the L{mesos_tw.resources.Resources} it may use.
        """

    def forget(containerId):
        """
        The container is left running for the next slave process: drop
        what this isolator holds for it in this process (watches, open
        descriptors), and leave it and its cgroups as they are.  Its watch
        never fires.
        """


class IAllocator(Interface):
    """
    Decides which framework is offered which free resources.

    Allocators are pure, synchronous code: the master tells them what
    happens (slaves and frameworks come and go, resources come back, filters,
    revive and suppress, requests, weights) and asks them for allocations;
    time is passed in as C{now} (seconds) rather than read from a clock.

    Everything an allocator hands out counts as allocated to the framework
    and role it went to until the master recovers it: offered resources and
    resources in use alike. Events for unknown slaves or frameworks are
    ignored, except that recovered resources always return to their slave.
    """

    def addSlave(slaveId, total, used):
        """
        A slave joined with C{total} L{Resources}, of which C{used} (a
        mapping of framework id to L{Resources}) are already in use, also by
        frameworks not added yet (they bring them with L{addFramework}).
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

    def addFramework(frameworkId, roles, used, active):
        """
        A framework subscribed to C{roles} (a non-empty sequence of role
        names) joined; C{used} maps slave ids to the L{Resources} it already
        uses there, which the slave's C{used} already counted, and which go
        to its first role.

        @param active: whether it may be offered resources now.
        """

    def updateFramework(frameworkId, roles):
        """
        The framework is now subscribed to C{roles}: it is offered resources
        in those roles only; what it holds in other roles stays allocated
        until recovered.
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

    def recoverResources(frameworkId, slaveId, resources, refuseSeconds, now, role=None):
        """
        C{resources} allocated to the framework on the slave are free again
        (declined, rescinded, unused, or a task ended).

        @param refuseSeconds: if positive, do not offer the framework a subset
            of these resources on that slave for that long (a decline filter),
            and at least one allocation interval; negative means Mesos's
            default of 5 s; L{None} or 0 for no filter.
        @param role: the role they were allocated to, if known (the
            allocation role of an offer); a filter then applies to that
            role only.
        """

    def reviveOffers(frameworkId, roles=None):
        """
        Remove the framework's filters and end its suppression, in C{roles}
        or, if L{None} or empty, in all its roles.
        """

    def suppressOffers(frameworkId, roles=None):
        """
        Offer nothing to the framework in C{roles} (all its roles if L{None}
        or empty) until it revives.
        """

    def requestResources(frameworkId, requests):
        """
        The framework has work waiting: each of C{requests} (L{Resources})
        is what one unit of it needs. The latest requests replace earlier
        ones (an empty sequence withdraws them); a request is satisfied, and
        forgotten, when the framework is offered resources that contain it.
        Allocators with guarantees revoke tasks for unsatisfied requests.
        """

    def updateWeights(weights):
        """
        Set the weights of the roles in C{weights} (role name to a positive
        float); other roles keep theirs. Does not allocate by itself.
        """

    def allocate(now, slaveIds=None):
        """
        Allocate free resources.

        @param slaveIds: only these slaves, or all if L{None}.
        @return: a list of L{mesos_tw.master.allocator.Allocation}.
        """

    def revocations(tasks, now):
        """
        Which running tasks to revoke now so that roles below their
        guarantee can run their waiting work.

        @param tasks: an iterable of
            L{mesos_tw.master.allocator.RunningTask}, read only if needed.
        @return: a list of those to revoke (empty without guarantees).
        """

    def roleSummaries():
        """
        The roles known to the allocator (those with frameworks, with
        allocations, or configured), sorted by name.

        @return: a list of L{mesos_tw.master.allocator.RoleSummary}.
        """

    def frameworkSummary(frameworkId):
        """
        What is allocated to a framework.

        @return: a L{mesos_tw.master.allocator.FrameworkSummary}, or L{None}
            for an unknown framework.
        """


class IZooKeeperClient(Interface):
    """
    A ZooKeeper session with a L{Deferred} API: results and watches are
    delivered on the reactor thread.

    Operations fail with the errors of L{mesos_tw.zk.errors}: an operation
    made while the connection is suspended waits for the reconnection, and
    fails with C{SessionExpiredError} if the session expired meanwhile; one
    made while the client is closed fails with C{ClosedError}.

    A watch is a callable taking a L{mesos_tw.zk.events.WatchedEvent}; it
    fires once, on the first change after it was set, or with an event of
    type C{NONE} if the connection is lost first.
    """

    state = Attribute("The L{mesos_tw.zk.events.ConnectionState}.")
    sessionId = Attribute("The current session's id (C{int}), or L{None}.")
    sessionTimeout = Attribute("The session timeout asked for, in seconds.")
    negotiatedSessionTimeout = Attribute(
        "The session timeout the server granted, in seconds (it may be "
        "shorter than asked for), or L{None} before the first connection."
    )

    def connect():
        """
        Connect and open a session.

        @return: a L{Deferred} firing when connected, or failing with
            C{ConnectTimeoutError}.
        """

    def close():
        """
        End the session (its ephemeral nodes go) and disconnect.

        @return: a L{Deferred} firing when closed.
        """

    def addStateObserver(observer):
        """
        Call C{observer(state)} with each new
        L{mesos_tw.zk.events.ConnectionState}.
        """

    def removeStateObserver(observer):
        """
        Stop calling C{observer}.
        """

    def create(path, value=b"", ephemeral=False, sequence=False, makepath=False):
        """
        Create a node.

        @param sequence: append a 10-digit, zero-padded sequence number, the
            count of child changes of the parent, to C{path}.
        @param makepath: create missing ancestors (persistent, empty).
        @return: a L{Deferred} firing with the created path.
        """

    def get(path, watch=None):
        """
        @return: a L{Deferred} firing with the node's data (C{bytes}).
        """

    def set(path, value):
        """
        Replace the node's data.

        @return: a L{Deferred} firing with L{None}.
        """

    def getChildren(path, watch=None):
        """
        @return: a L{Deferred} firing with the sorted names (not paths) of
            the node's children.
        """

    def exists(path, watch=None):
        """
        @param watch: set even if the node does not exist (it then fires
            when the node is created).
        @return: a L{Deferred} firing with whether the node exists.
        """

    def delete(path):
        """
        Delete a node without children.

        @return: a L{Deferred} firing with L{None}.
        """

    def ensurePath(path):
        """
        Create the node and its ancestors unless they exist.

        @return: a L{Deferred} firing with L{None}.
        """


class IContender(Interface):
    """
    Contends for leadership (of masters), as Mesos's C{MasterContender}.
    """

    def contend():
        """
        Enter the election (withdrawing a previous candidacy first).

        @return: a L{Deferred} firing when the candidacy is registered, with
            a L{mesos_tw.leader.Candidacy} whose C{lost} L{Deferred} fires
            when the candidacy is lost (the session expired or the entry
            vanished). Twisted cannot fire a L{Deferred} with a L{Deferred},
            hence Mesos's C{Future<Future<Nothing>>} becomes this.
        """

    def withdraw():
        """
        Leave the election; the C{lost} L{Deferred} of the candidacy then
        never fires.

        @return: a L{Deferred} firing with whether there was a candidacy to
            withdraw.
        """


class IDetector(Interface):
    """
    Detects the leading master, as Mesos's C{MasterDetector}.
    """

    def detect(previous=None):
        """
        @param previous: the leader the caller knows (a C{MasterInfo}), or
            L{None}.
        @return: a L{Deferred} firing with the leading C{MasterInfo}, or
            L{None} if there is no leader, as soon as that differs from
            C{previous}.
        """
