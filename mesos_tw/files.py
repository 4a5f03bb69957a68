"""
Files that must survive a crash: written whole or not at all.
"""

from __future__ import annotations

import os


def writeAll(fd: int, data: bytes) -> None:
    """
    Write all of C{data} to C{fd}.
    """
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def writeAtomically(path: str, data: bytes, mode: int = 0o644, durable: bool = False) -> None:
    """
    Replace the file at C{path} with C{data}: a reader sees the old content
    or the new, never a part; the new content is on disk before it replaces
    the old.

    @param durable: also sync the directory, so that the replacement itself
        survives a crash once this returns.
    @raise OSError: if it cannot be written (the old content stays).
    """
    temporary = f"{path}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        writeAll(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    if durable:
        directory = os.open(os.path.dirname(path) or ".", os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
