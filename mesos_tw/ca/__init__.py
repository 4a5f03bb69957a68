# -*- test-case-name: tests.test_ca -*-
"""
The mesos_tw cluster certificate authority: create a CA, issue certificates
for masters, slaves and frameworks.
"""

from mesos_tw.ca._ca import (
    CA_CERTIFICATE_FILENAME,
    CA_KEY_FILENAME,
    CERTIFICATE_FILENAME,
    KEY_FILENAME,
    ROLES,
    CAError,
    initCA,
    issue,
)

__all__ = [
    "CAError",
    "ROLES",
    "CA_CERTIFICATE_FILENAME",
    "CA_KEY_FILENAME",
    "CERTIFICATE_FILENAME",
    "KEY_FILENAME",
    "initCA",
    "issue",
]
