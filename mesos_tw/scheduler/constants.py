# -*- test-case-name: tests.test_scheduler_driver -*-
"""
The scheduler driver's defaults, with Apache Mesos's names and values
(C{src/sched/constants.hpp}).
"""

#: The first registration retry comes after a random delay in [0, factor]
#: seconds; the bound doubles with every retry.
REGISTRATION_BACKOFF_FACTOR = 2.0

#: The bound on the registration retry delay never grows past this many
#: seconds.
REGISTRATION_RETRY_INTERVAL_MAX = 60.0

#: Seconds before the first attempt to reconnect to a lost master (before
#: jitter); later attempts back off.
CONNECT_INITIAL_DELAY = 0.5

#: Reconnection attempts back off up to this many seconds (before jitter).
CONNECT_MAX_DELAY = 60.0

#: The environment variable naming the directory of the framework's TLS
#: credentials, when none is given to the driver.
TLS_DIR_ENVIRONMENT_VARIABLE = "MESOS_TLS_DIR"
