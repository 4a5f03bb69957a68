# -*- test-case-name: tests.test_cli -*-
"""
C{mesos-tw}: the operator's command line.
"""

from __future__ import annotations

import sys

from twisted.python import usage

from mesos_tw.cli import ca, execute, local, state, weights


class Options(usage.Options):
    synopsis = "mesos-tw COMMAND [options]"
    longdesc = (
        "Tools for a mesos_tw cluster. Run `mesos-tw COMMAND --help` for the "
        "options of each command."
    )
    subCommands = [
        ["ca", None, ca.Options, "Make a cluster CA and issue certificates."],
        ["local", None, local.Options,
         "Run a master and N slaves in this process, on loopback."],
        ["execute", None, execute.Options,
         "Run one command as a task and follow it to its end."],
        ["state", None, state.Options, "Show a master's state."],
        ["weights", None, weights.Options,
         "Show or change the master's role weights."],
    ]

    def postOptions(self) -> None:
        if self.subCommand is None:
            raise usage.UsageError("a command is required")


_RUNNERS = {
    "ca": ca.run,
    "execute": execute.run,
    "local": local.run,
    "state": state.run,
    "weights": weights.run,
}


def main(argv: list[str] | None = None) -> None:
    """
    Parse the command line, run the command and exit with its status.
    """
    options = Options()
    try:
        options.parseOptions(sys.argv[1:] if argv is None else argv)
    except usage.UsageError as e:
        sys.stderr.write(f"{options}\nmesos-tw: error: {e}\n")
        sys.exit(2)
    sys.exit(_RUNNERS[options.subCommand](options.subOptions))
