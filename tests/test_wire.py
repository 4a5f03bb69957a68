"""
Tests for the generated protobuf modules.
"""

from __future__ import annotations

import os

from google.protobuf.internal import api_implementation
from twisted.trial.unittest import SynchronousTestCase

import mesos_tw
from mesos_tw import mesos_pb2, messages_pb2

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(mesos_tw.__file__)))
_GENERATED = ["mesos_pb2.py", "mesos_pb2.pyi", "messages_pb2.py", "messages_pb2.pyi"]


class GeneratedCodeTests(SynchronousTestCase):
    """
    The committed modules match the schema, on protobuf's fast backend.
    """

    def test_upToDate(self) -> None:
        """
        Regenerating from protocols/*.proto gives the committed files; if not,
        run `make proto`.
        """
        from grpc_tools import protoc

        out = self.mktemp()
        os.makedirs(out)
        status = protoc.main(
            [
                "protoc",
                f"-Imesos_tw={os.path.join(_ROOT, 'protocols')}",
                f"--python_out={out}",
                f"--pyi_out={out}",
                "mesos_tw/mesos.proto",
                "mesos_tw/messages.proto",
            ]
        )
        self.assertEqual(status, 0)
        for name in _GENERATED:
            with open(os.path.join(out, "mesos_tw", name), "rb") as f:
                fresh = f.read()
            with open(os.path.join(_ROOT, "mesos_tw", name), "rb") as f:
                committed = f.read()
            self.assertEqual(fresh, committed, f"mesos_tw/{name} is stale: run `make proto`")

    def test_upb(self) -> None:
        """
        protobuf runs on its upb backend, not the slow pure-Python one.
        """
        self.assertEqual(api_implementation.Type(), "upb")


class SchemaTests(SynchronousTestCase):
    """
    The schema keeps Mesos's names and numbers where a Mesos user relies on
    them.
    """

    def test_taskStates(self) -> None:
        """
        Every Mesos task state exists with Mesos's number.
        """
        expected = {
            "TASK_STAGING": 6, "TASK_STARTING": 0, "TASK_RUNNING": 1,
            "TASK_KILLING": 8, "TASK_FINISHED": 2, "TASK_FAILED": 3,
            "TASK_KILLED": 4, "TASK_ERROR": 7, "TASK_LOST": 5, "TASK_DROPPED": 9,
            "TASK_UNREACHABLE": 10, "TASK_GONE": 11, "TASK_GONE_BY_OPERATOR": 12,
            "TASK_UNKNOWN": 13,
        }
        self.assertEqual(dict(mesos_pb2.TaskState.items()), expected)

    def test_defaults(self) -> None:
        """
        Defaults are Mesos's: refuse_seconds 5, shell commands, role "*".
        """
        self.assertEqual(mesos_pb2.Filters().refuse_seconds, 5.0)
        self.assertTrue(mesos_pb2.CommandInfo().shell)
        self.assertEqual(mesos_pb2.FrameworkInfo().role, "*")
        self.assertEqual(mesos_pb2.FrameworkInfo().failover_timeout, 0.0)
        self.assertEqual(mesos_pb2.MasterInfo().port, 5050)
        self.assertEqual(mesos_pb2.SlaveInfo().port, 5051)

    def test_frameworkInfo(self) -> None:
        """
        FrameworkInfo carries the fields frameworks set.
        """
        fields = set(mesos_pb2.FrameworkInfo.DESCRIPTOR.fields_by_name)
        self.assertTrue(
            {"user", "name", "id", "failover_timeout", "checkpoint", "role",
             "roles", "principal", "capabilities"} <= fields
        )

    def test_internalNames(self) -> None:
        """
        Internal messages live in their own package, apart from public types.
        """
        self.assertEqual(
            messages_pb2.RegisterSlaveMessage.DESCRIPTOR.full_name,
            "mesos_tw.internal.RegisterSlaveMessage",
        )
        self.assertEqual(mesos_pb2.TaskInfo.DESCRIPTOR.full_name, "mesos_tw.TaskInfo")
