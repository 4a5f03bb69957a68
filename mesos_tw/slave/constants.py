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
