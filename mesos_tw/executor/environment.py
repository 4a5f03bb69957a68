"""
The environment a slave gives each executor it launches (Mesos's names where
Mesos has them).
"""

#: The framework and executor the process runs for.
FRAMEWORK_ID = "MESOS_FRAMEWORK_ID"
EXECUTOR_ID = "MESOS_EXECUTOR_ID"
SLAVE_ID = "MESOS_SLAVE_ID"

#: The sandbox: the executor's working directory.
DIRECTORY = "MESOS_DIRECTORY"

#: Path of the Unix socket in the sandbox where the slave listens for this
#: executor only.
SLAVE_SOCKET = "MESOS_SLAVE_SOCKET"

#: Secret the executor presents when it registers; it proves which executor
#: it is.
EXECUTOR_SECRET = "MESOS_EXECUTOR_SECRET"

#: Whether the framework checkpoints ("1" or "0").
CHECKPOINT = "MESOS_CHECKPOINT"

#: Seconds an executor may take to shut down after being told to.
SHUTDOWN_GRACE_PERIOD = "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"
