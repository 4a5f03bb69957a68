# -*- test-case-name: tests.test_leader -*-
"""
C{MasterInfo} as the JSON of Mesos's C{json.info_} group nodes, and from a
C{host:port} address.
"""

from __future__ import annotations

import socket
import struct

from google.protobuf import json_format

from mesos_tw.mesos_pb2 import Address, MasterInfo

#: The label of masters' group nodes: C{json.info_0000000001}.
MASTER_INFO_LABEL = "json.info"


def masterInfoToJSON(info: MasterInfo) -> bytes:
    """
    C{info} as Mesos writes it into its group node: JSON with the fields'
    protobuf names (C{id, ip, port, pid, hostname, version,
    address{hostname, ip, port}}).
    """
    return json_format.MessageToJson(
        info, preserving_proto_field_name=True, indent=None, sort_keys=True
    ).encode("utf-8")


def masterInfoFromJSON(data: bytes) -> MasterInfo:
    """
    Parse a C{json.info_} node; fields unknown here (newer Mesos versions
    add some) are ignored.

    @raise ValueError: if C{data} is no C{MasterInfo} JSON.
    """
    try:
        return json_format.Parse(data.decode("utf-8"), MasterInfo(), ignore_unknown_fields=True)
    except (json_format.ParseError, UnicodeDecodeError) as e:
        raise ValueError(f"not a MasterInfo in JSON: {e}; data {data[:200]!r}") from e


def masterInfoFromAddress(address: str) -> MasterInfo:
    """
    The C{MasterInfo} of a master known only by C{host:port} (a
    C{--master=host:port} flag), as Mesos's standalone detector makes it.

    @raise ValueError: if C{address} is not C{host:port}.
    """
    host, colon, portText = address.strip().rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not portText.isdigit() or not 0 < int(portText) < 65536:
        raise ValueError(f"{address!r} is not a master address host:port")
    port = int(portText)
    try:
        packed = struct.unpack("=I", socket.inet_aton(host))[0]
    except OSError:
        packed = 0
    return MasterInfo(
        id="",
        ip=packed,
        port=port,
        pid=f"master@{host}:{port}",
        hostname=host,
        address=Address(hostname=host, ip=host if packed else "", port=port),
    )
