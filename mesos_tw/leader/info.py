# -*- test-case-name: tests.test_leader -*-
"""
C{MasterInfo} as the JSON of Mesos's C{json.info_} group nodes, from the
nodes older Mesos masters wrote (binary C{info_}, or a bare pid), and from a
C{host:port} address.
"""

from __future__ import annotations

import socket
import struct

from google.protobuf import json_format
from google.protobuf.message import DecodeError

from mesos_tw.mesos_pb2 import Address, MasterInfo

#: The label of masters' group nodes: C{json.info_0000000001}.
MASTER_INFO_LABEL = "json.info"

#: The label of the nodes of older Mesos masters, holding a binary
#: C{MasterInfo}: C{info_0000000001}.
LEGACY_MASTER_INFO_LABEL = "info"

#: The fields a binary C{MasterInfo} must have (those Mesos requires).
_REQUIRED = ("id", "ip", "port")


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


def masterInfoFromBinary(data: bytes) -> MasterInfo:
    """
    Parse a legacy C{info_} node: a serialized C{MasterInfo}. Without an
    address or a pid, it gets them from its C{ip} and C{port}.

    @raise ValueError: if C{data} is no C{MasterInfo} with an id, an IP and
        a port.
    """
    info = MasterInfo()
    try:
        info.ParseFromString(data)
    except DecodeError as e:
        raise ValueError(f"not a binary MasterInfo: {e}; data {data[:200]!r}") from e
    missing = [name for name in _REQUIRED if not info.HasField(name)]
    if missing:
        raise ValueError(
            f"not a binary MasterInfo: no {', '.join(missing)}; data {data[:200]!r}"
        )
    ip = socket.inet_ntoa(struct.pack("=I", info.ip))
    if not info.HasField("address"):
        info.address.ip = ip
        info.address.port = info.port
        if info.hostname:
            info.address.hostname = info.hostname
    if not info.pid:
        info.pid = f"master@{ip}:{info.port}"
    return info


def masterInfoFromPID(data: bytes) -> MasterInfo:
    """
    Parse an unlabelled node of the oldest Mesos masters: their pid,
    C{master@10.0.0.1:5050}. The C{id} is the pid (Mesos makes one up too).

    @raise ValueError: if C{data} is no pid C{name@ip:port}.
    """
    try:
        pid = data.decode("ascii").strip()
    except UnicodeDecodeError:
        pid = ""
    name, at, address = pid.partition("@")
    try:
        if not name or not at or any(c.isspace() for c in pid):
            raise ValueError("no name@")
        info = masterInfoFromAddress(address)
    except ValueError:
        raise ValueError(f"not a master's pid name@ip:port: {data[:200]!r}") from None
    info.id = info.pid = pid
    return info


def masterInfoFromNode(label: str | None, data: bytes) -> MasterInfo:
    """
    The C{MasterInfo} in a master's group node, by the node's label: JSON
    (C{json.info}), binary (C{info}) or a pid (no label), as Mesos's
    detector reads them.

    @raise ValueError: if the data does not parse, or the label is unknown.
    """
    if label == MASTER_INFO_LABEL:
        return masterInfoFromJSON(data)
    if label == LEGACY_MASTER_INFO_LABEL:
        return masterInfoFromBinary(data)
    if label is None:
        return masterInfoFromPID(data)
    raise ValueError(f"unknown label {label!r}: not a master's node")


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
