# -*- test-case-name: tests.test_slave -*-
"""
The slave's defaults, with Apache Mesos's names and values.
"""

DEFAULT_PORT = 5051

#: First registration attempt after a random delay in [0, factor] seconds.
REGISTRATION_BACKOFF_FACTOR = 1.0

#: Registration retries back off up to this many seconds.
REGISTER_RETRY_INTERVAL_MAX = 60.0

#: Ports offered when --resources does not name any.
DEFAULT_PORTS = "[31000-32000]"

#: Memory and disk the slave keeps for the machine when it detects them (MB).
MEMORY_RESERVED_MB = 1024
DISK_RESERVED_MB = 5 * 1024

#: Seconds an executor has to register before its container is destroyed.
EXECUTOR_REGISTRATION_TIMEOUT = 60.0

#: Seconds an executor told to shut down has before its container is
#: destroyed.
EXECUTOR_SHUTDOWN_GRACE_PERIOD = 5.0

#: An unacknowledged status update is resent after this many seconds, the
#: interval doubling up to STATUS_UPDATE_RETRY_INTERVAL_MAX.
STATUS_UPDATE_RETRY_INTERVAL_MIN = 10.0
STATUS_UPDATE_RETRY_INTERVAL_MAX = 10 * 60.0

#: Seconds between SIGTERM and SIGKILL when a task is killed and neither the
#: task nor the kill names a grace period.
DEFAULT_KILL_GRACE_PERIOD = 3.0

#: The Unix socket, in an executor's sandbox, where the slave listens for it.
EXECUTOR_SOCKET_NAME = "slave.sock"

#: PATH for tasks when the slave has none.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#: What a restarted slave does with the executors of checkpointing frameworks
#: that outlived the previous slave process: take them back, or kill them.
RECOVER_RECONNECT = "reconnect"
RECOVER_CLEANUP = "cleanup"

#: Seconds a recovered executor has to re-register with the new slave
#: process (Mesos: 2 s by default, at most 15 s).
EXECUTOR_REREGISTRATION_TIMEOUT = 2.0
MAX_EXECUTOR_REREGISTRATION_TIMEOUT = 15.0

#: A status update record the disk refused (full, read-only) is written
#: again after this many seconds, the interval doubling up to the maximum
#: (not a Mesos flag: a Mesos agent aborts instead).
CHECKPOINT_RETRY_INTERVAL_MIN = 1.0
CHECKPOINT_RETRY_INTERVAL_MAX = 60.0
