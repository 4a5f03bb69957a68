# -*- test-case-name: tests.test_zk_client -*-
"""
ZooKeeper node paths.
"""

from __future__ import annotations

from mesos_tw.zk.errors import BadArgumentsError


def pathProblem(path: object, sequence: bool = False) -> str | None:
    """
    What is wrong with a node path, if anything: it must be an absolute
    C{str} with no trailing C{/} (but C{/} itself, or the prefix of a
    sequential node), no empty, C{.} or C{..} components and no NUL.

    @param sequence: whether C{path} is the prefix of a sequential node, which
        may end in C{/}.
    @return: a description of the problem, or L{None} if there is none.
    """
    if not isinstance(path, str) or not path.startswith("/"):
        return f"{path!r} must be absolute (start with '/')"
    if "\0" in path:
        return f"{path!r} contains a NUL character"
    if path == "/" or (sequence and path.endswith("/") and path.count("/") == 1):
        return None
    body = path[1:-1] if sequence and path.endswith("/") else path[1:]
    for part in body.split("/"):
        if part in ("", ".", ".."):
            return f"{path!r} has an empty, '.' or '..' component (no trailing or doubled '/')"
    return None


def checkPath(path: object, sequence: bool = False) -> str:
    """
    Check a node path with L{pathProblem}.

    @return: C{path}.
    @raise BadArgumentsError: if it is invalid.
    """
    problem = pathProblem(path, sequence)
    if problem is not None:
        raise BadArgumentsError(f"bad ZooKeeper path: {problem}")
    return path  # type: ignore[return-value]


def parentOf(path: str) -> str:
    """
    The parent of a node: C{/a} for C{/a/b}, C{/} for C{/a}.
    """
    parent = path.rsplit("/", 1)[0]
    return parent or "/"


def joinPath(parent: str, name: str) -> str:
    """
    The path of child C{name} of C{parent}.
    """
    return ("" if parent == "/" else parent) + "/" + name
