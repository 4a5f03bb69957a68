# -*- test-case-name: tests.test_master_tap -*-
"""
Small helpers for command-line options.
"""

from __future__ import annotations

from typing import Callable


def positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    """
    A coercer for C{usage.Options} that accepts only values above zero.
    """

    def coerce(text: str) -> float:
        value = kind(text)
        if not value > 0:
            raise ValueError(f"{text!r} is not greater than zero")
        return value

    coerce.coerceDoc = "Must be greater than zero."
    return coerce


def port(text: str) -> int:
    """
    A coercer for TCP ports, 0 to 65535.
    """
    value = int(text)
    if not 0 <= value <= 65535:
        raise ValueError(f"{text!r} is not a port number (0-65535)")
    return value


port.coerceDoc = "A TCP port, 0 to 65535."


def hostPort(text: str) -> tuple[str, int]:
    """
    Parse C{host:port} (C{[v6addr]:port} for IPv6).

    @raise ValueError: naming what is wrong.
    """
    host, sep, portText = text.rpartition(":")
    if not sep or not host:
        raise ValueError(f"{text!r} is not host:port")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, port(portText)
