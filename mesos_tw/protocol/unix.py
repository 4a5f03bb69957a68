# -*- test-case-name: tests.test_unix -*-
"""
Unix socket paths of any length.

A C{sockaddr_un} holds about 107 bytes, less than sandbox paths often are.
A long path is reached through C{/proc/self/fd/N/NAME}, where C{N} is an open
descriptor of its directory.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

_LIMIT = 100


@contextmanager
def shortPath(path: str) -> Iterator[str]:
    """
    A path naming the same socket as C{path}, short enough for C{bind} and
    C{connect}; valid inside the C{with} block.
    """
    if len(os.fsencode(path)) < _LIMIT:
        yield path
        return
    directory, name = os.path.split(os.path.abspath(path))
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{name}"
    finally:
        os.close(fd)
