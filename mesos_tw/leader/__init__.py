# -*- test-case-name: tests.test_leader -*-
"""
Leader election of masters, as Mesos does it: contenders
(L{mesos_tw.interfaces.IContender}) and detectors
(L{mesos_tw.interfaces.IDetector}), standalone or over a ZooKeeper group.
"""

from mesos_tw.leader.contender import Candidacy, StandaloneContender, ZooKeeperContender
from mesos_tw.leader.detector import DetectionError, StandaloneDetector, ZooKeeperDetector
from mesos_tw.leader.election import Election
from mesos_tw.leader.factory import createContender, createDetector, isZooKeeper, masterSpec
from mesos_tw.leader.link import LeaderChanged, LeaderLink, masterAddress
from mesos_tw.leader.info import (
    LEGACY_MASTER_INFO_LABEL,
    MASTER_INFO_LABEL,
    masterInfoFromAddress,
    masterInfoFromBinary,
    masterInfoFromJSON,
    masterInfoFromNode,
    masterInfoFromPID,
    masterInfoToJSON,
)

__all__ = [
    "Candidacy",
    "DetectionError",
    "Election",
    "LEGACY_MASTER_INFO_LABEL",
    "LeaderChanged",
    "LeaderLink",
    "MASTER_INFO_LABEL",
    "StandaloneContender",
    "StandaloneDetector",
    "ZooKeeperContender",
    "ZooKeeperDetector",
    "createContender",
    "createDetector",
    "isZooKeeper",
    "masterAddress",
    "masterSpec",
    "masterInfoFromAddress",
    "masterInfoFromBinary",
    "masterInfoFromJSON",
    "masterInfoFromNode",
    "masterInfoFromPID",
    "masterInfoToJSON",
]
