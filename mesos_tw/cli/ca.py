# -*- test-case-name: tests.test_ca -*-
"""
C{mesos-tw ca}: create the cluster certificate authority and issue the
certificates masters, slaves and frameworks authenticate with.

Typical use::

    mesos-tw ca init cluster-ca
    mesos-tw ca issue cluster-ca --role master --name master1 \\
        --host master1.example.com --host 10.0.0.1
    twistd mesos-master --tls-dir cluster-ca/master-master1
"""

from __future__ import annotations

import getopt
import sys
from typing import TextIO

from twisted.python import usage

from mesos_tw.ca import (
    CA_CERTIFICATE_FILENAME,
    CA_KEY_FILENAME,
    CERTIFICATE_FILENAME,
    KEY_FILENAME,
    ROLES,
    CAError,
    initCA,
    issue,
)

__all__ = ["Options", "InitOptions", "IssueOptions", "run"]


def _positiveInteger(value: str) -> int:
    """
    Parse a strictly positive integer command line value.

    @param value: The text given on the command line.

    @return: The integer.

    @raise ValueError: If C{value} is not a positive integer.
    """
    result = int(value)
    if result < 1:
        raise ValueError(f"{value} is not a positive integer")
    return result


_positiveInteger.coerceDoc = "Must be a positive integer."  # type: ignore[attr-defined]


class _InterspersedOptions(usage.Options):
    """
    L{usage.Options} accepting options after positional arguments, as in
    C{mesos-tw ca issue DIR --role slave}, like GNU C{getopt} does (plain
    L{usage.Options} stops parsing options at the first argument).  Only for
    commands without subcommands.
    """

    def parseOptions(self, options: list[str] | None = None) -> None:
        """
        Move the positional arguments after the options, then parse.

        @param options: The command line arguments; by default
            C{sys.argv[1:]}.
        """
        if options is None:
            options = sys.argv[1:]
        if "--_shell-completion" not in options:
            try:
                opts, arguments = getopt.gnu_getopt(
                    options, self.shortOpt, self.longOpt
                )
            except getopt.error as e:
                raise usage.UsageError(str(e))
            rearranged: list[str] = []
            for option, value in opts:
                if option.startswith("--"):
                    if option[2:] + "=" in self.longOpt:
                        rearranged.append(f"{option}={value}")
                    else:
                        rearranged.append(option)
                elif option[1] + ":" in self.shortOpt:
                    rearranged += [option, value]
                else:
                    rearranged.append(option)
            options = rearranged + ["--"] + arguments
        super().parseOptions(options)

    def getSynopsis(self) -> str:
        """
        Give our own synopsis only, not prefixed with that of the parent
        command (ours is complete already).

        @return: The synopsis.
        """
        return str(self.synopsis)


class InitOptions(_InterspersedOptions):
    """
    Options of C{mesos-tw ca init}.
    """

    synopsis = "Usage: mesos-tw ca init DIR [--name NAME] [--days N]"

    longdesc = (
        "Create a new cluster certificate authority in DIR: the CA "
        f"certificate {CA_CERTIFICATE_FILENAME} and its private key "
        f"{CA_KEY_FILENAME} (keep it secret).  DIR is created if needed; it "
        "must not already hold a CA."
    )

    optParameters = [
        ["name", None, "mesos_tw", "The name of the cluster (the O of every certificate)."],
        ["days", None, 3650, "How many days the CA is valid for.", _positiveInteger],
    ]

    def parseArgs(self, directory: str) -> None:
        """
        Take the CA directory.

        @param directory: Where to create the CA.
        """
        self["directory"] = directory

    def postOptions(self) -> None:
        """
        Check the cluster name.

        @raise usage.UsageError: If it is empty.
        """
        if not self["name"]:
            raise usage.UsageError("--name must not be empty.")


class IssueOptions(_InterspersedOptions):
    """
    Options of C{mesos-tw ca issue}.
    """

    synopsis = (
        "Usage: mesos-tw ca issue DIR --role master|slave|framework --name NAME "
        "[--host HOST ...] [--out OUT] [--days N]"
    )

    longdesc = (
        "Issue a certificate signed by the CA in DIR to a master, slave or "
        "framework.  OUT (by default DIR/ROLE-NAME) is created with "
        f"{CA_CERTIFICATE_FILENAME}, {CERTIFICATE_FILENAME} and {KEY_FILENAME}; "
        "give it to the daemon or framework with --tls-dir OUT.  Masters and "
        "slaves need a --host for every host name or IP address they are "
        "reached at (clients check it); without any, NAME is used."
    )

    optParameters = [
        ["role", None, None, f"The role of the owner: {', '.join(ROLES)}."],
        ["name", None, None, "The name of the master, slave or framework."],
        ["out", None, None, "The directory to create (default: DIR/ROLE-NAME)."],
        ["days", None, 365, "How many days the certificate is valid for.", _positiveInteger],
    ]

    def __init__(self) -> None:
        """
        Start with no hosts.
        """
        super().__init__()
        self["hosts"] = []

    def opt_host(self, host: str) -> None:
        """
        A host name or IP address the owner is reached at (repeatable).
        """
        self["hosts"].append(host)

    def parseArgs(self, directory: str) -> None:
        """
        Take the CA directory.

        @param directory: The directory of the CA made by C{mesos-tw ca init}.
        """
        self["directory"] = directory

    def postOptions(self) -> None:
        """
        Check the role and the name.

        @raise usage.UsageError: If the role is missing or unknown, or the
            name is missing.
        """
        role = self["role"]
        if role is None:
            raise usage.UsageError(
                f"--role is required: one of {', '.join(ROLES)}."
            )
        if role not in ROLES:
            raise usage.UsageError(
                f"Unknown role {role!r}: --role must be one of {', '.join(ROLES)}."
            )
        if not self["name"]:
            raise usage.UsageError(
                "--name is required: the name of the master, slave or framework."
            )


class Options(usage.Options):
    """
    Options of C{mesos-tw ca}.
    """

    synopsis = "Usage: mesos-tw ca {init,issue} [options]"

    longdesc = (
        "Manage the cluster certificate authority.  Every master, slave and "
        "framework authenticates with a certificate issued by it, which says "
        "its role and name.  Run `mesos-tw ca init DIR` once, then "
        "`mesos-tw ca issue DIR ...` for each of them.  "
        "Use `mesos-tw ca COMMAND --help` for the options of each command."
    )

    subCommands = [
        ("init", None, InitOptions, "Create a new cluster certificate authority."),
        ("issue", None, IssueOptions, "Issue a certificate to a master, slave or framework."),
    ]

    def postOptions(self) -> None:
        """
        Require a command.

        @raise usage.UsageError: If none was given.
        """
        if self.subCommand is None:
            raise usage.UsageError("Choose a command: init or issue.")


def _usageHint(role: str, out: str) -> str:
    """
    Describe how to use a credentials directory.

    @param role: The role it was issued for.

    @param out: The directory.

    @return: A hint for a human.
    """
    if role == "master":
        return f"Start the master with: twistd mesos-master --tls-dir {out}"
    if role == "slave":
        return (
            f"Start the slave with: twistd mesos-slave --tls-dir {out} "
            "--master HOST:PORT"
        )
    return (
        f"Give the framework (or the mesos-tw command) --tls-dir {out}, or "
        f"load it with mesos_tw.protocol.tls.Credentials.fromDirectory({out!r})."
    )


def run(
    options: Options,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """
    Carry out a parsed C{mesos-tw ca} command.

    @param options: The parsed command line.

    @param stdout: Where to report what was done; L{sys.stdout} by default.

    @param stderr: Where to report errors; L{sys.stderr} by default.

    @return: The process exit status: 0 on success, 1 on failure.
    """
    if stdout is None:
        stdout = sys.stdout
    if stderr is None:
        stderr = sys.stderr
    sub = options.subOptions
    try:
        if options.subCommand == "init":
            directory = sub["directory"]
            initCA(directory, name=sub["name"], days=sub["days"])
            print(f"Created a certificate authority in {directory}:", file=stdout)
            print(f"  {directory}/{CA_CERTIFICATE_FILENAME}  CA certificate", file=stdout)
            print(
                f"  {directory}/{CA_KEY_FILENAME}  CA private key (keep it secret)",
                file=stdout,
            )
            print(
                f"Next: mesos-tw ca issue {directory} --role master --name NAME "
                "--host HOST",
                file=stdout,
            )
        elif options.subCommand == "issue":
            out = issue(
                sub["directory"],
                sub["role"],
                sub["name"],
                hosts=sub["hosts"],
                out=sub["out"],
                days=sub["days"],
            )
            print(
                f"Issued a {sub['role']} certificate for {sub['name']!r} in {out}:",
                file=stdout,
            )
            print(f"  {out}/{CA_CERTIFICATE_FILENAME}  CA certificate", file=stdout)
            print(f"  {out}/{CERTIFICATE_FILENAME}  certificate", file=stdout)
            print(f"  {out}/{KEY_FILENAME}  private key (keep it secret)", file=stdout)
            print(_usageHint(sub["role"], out), file=stdout)
        else:
            print(f"mesos-tw ca: unknown command {options.subCommand!r}", file=stderr)
            return 1
    except CAError as e:
        print(f"mesos-tw ca {options.subCommand}: {e}", file=stderr)
        return 1
    return 0
