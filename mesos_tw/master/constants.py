"""
The master's defaults, with Apache Mesos's names and values.
"""

DEFAULT_PORT = 5050

#: Seconds between pings to a slave; a ping unanswered by the next counts.
SLAVE_PING_TIMEOUT = 15.0

#: Missed pongs in a row after which a slave is removed.
MAX_SLAVE_PING_TIMEOUTS = 5

#: Seconds between batch allocation runs.
ALLOCATION_INTERVAL = 1.0

#: Slaves must speak at least this version of our protocol.
MINIMUM_SLAVE_VERSION = "0.1.0"

#: Frameworks removed, kept for the state endpoint.
MAX_COMPLETED_FRAMEWORKS = 50

#: Finished tasks kept per framework for the state endpoint.
MAX_COMPLETED_TASKS_PER_FRAMEWORK = 1000

#: Status updates kept per task.
MAX_STATUSES_PER_TASK = 10

#: The allocator used unless --allocator names another.
DEFAULT_ALLOCATOR = "drf"

#: Mesos's --min_allocatable_resources: an offer holds at least one of these.
MIN_ALLOCATABLE_RESOURCES = "cpus:0.01|mem:32"

#: Seconds between telling a framework a task will be revoked and killing it.
REVOCATION_GRACE_PERIOD = 30.0

#: Slaves removed for not answering that are remembered (for reconciliation
#: and to let them come back), oldest forgotten first.
MAX_UNREACHABLE_SLAVES = 10000

#: Seconds the slaves of the registry have to re-register with a new
#: leader before they are marked unreachable (Mesos's
#: --agent_reregister_timeout, 10 minutes).
SLAVE_REREGISTER_TIMEOUT = 600.0

#: Seconds a ZooKeeper session survives without a connection (Mesos's
#: --zk_session_timeout).
ZOOKEEPER_SESSION_TIMEOUT = 10.0

#: The node under the --zk path that holds the registry.
REGISTRY_NODE = "registry"

#: Connections waiting to be accepted (the kernel caps it at somaxconn): a
#: new leader gets every slave's and framework's connection at once.
LISTEN_BACKLOG = 4096
