# -*- test-case-name: tests.test_cli -*-
"""
What every command that talks to a master needs: its address and our
credentials, from the options or from C{$MESOS_MASTER} and C{$MESOS_TLS_DIR}
(which C{mesos-tw local} sets).
"""

from __future__ import annotations

import os

from twisted.python import usage

from mesos_tw.protocol.tls import Credentials, TLSConfigurationError
from mesos_tw.util import hostPort


def resolveMaster(options: usage.Options) -> None:
    """
    Fill in C{options["master"]} (C{(host, port)}) and
    C{options["credentials"]}, defaulting to the environment.

    @raise usage.UsageError: naming what is missing or wrong.
    """
    if options["master"] is None:
        if "MESOS_MASTER" not in os.environ:
            raise usage.UsageError("--master (or $MESOS_MASTER) is required")
        try:
            options["master"] = hostPort(os.environ["MESOS_MASTER"])
        except ValueError as e:
            raise usage.UsageError(f"$MESOS_MASTER: {e}")
    tlsDir = options["tls-dir"] or os.environ.get("MESOS_TLS_DIR")
    if not tlsDir:
        raise usage.UsageError("--tls-dir (or $MESOS_TLS_DIR) is required")
    try:
        options["credentials"] = Credentials.fromDirectory(tlsDir)
    except TLSConfigurationError as e:
        raise usage.UsageError(str(e))
