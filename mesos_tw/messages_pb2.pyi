from mesos_tw import mesos_pb2 as _mesos_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Envelope(_message.Message):
    __slots__ = ("type", "payload")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    type: str
    payload: bytes
    def __init__(self, type: _Optional[str] = ..., payload: _Optional[bytes] = ...) -> None: ...

class MessageRefused(_message.Message):
    __slots__ = ("message_type", "code", "reason", "framework_id", "slave_id", "task_id", "executor_id", "uuid")
    class Code(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        UNSPECIFIED: _ClassVar[MessageRefused.Code]
        NOT_REGISTERED: _ClassVar[MessageRefused.Code]
        UNKNOWN_FRAMEWORK: _ClassVar[MessageRefused.Code]
        UNKNOWN_SLAVE: _ClassVar[MessageRefused.Code]
        UNKNOWN_TASK: _ClassVar[MessageRefused.Code]
        UNKNOWN_UPDATE: _ClassVar[MessageRefused.Code]
        SLAVE_DISCONNECTED: _ClassVar[MessageRefused.Code]
        FRAMEWORK_DISCONNECTED: _ClassVar[MessageRefused.Code]
        FRAMEWORK_REMOVED: _ClassVar[MessageRefused.Code]
        ID_IN_USE: _ClassVar[MessageRefused.Code]
        INVALID: _ClassVar[MessageRefused.Code]
    UNSPECIFIED: MessageRefused.Code
    NOT_REGISTERED: MessageRefused.Code
    UNKNOWN_FRAMEWORK: MessageRefused.Code
    UNKNOWN_SLAVE: MessageRefused.Code
    UNKNOWN_TASK: MessageRefused.Code
    UNKNOWN_UPDATE: MessageRefused.Code
    SLAVE_DISCONNECTED: MessageRefused.Code
    FRAMEWORK_DISCONNECTED: MessageRefused.Code
    FRAMEWORK_REMOVED: MessageRefused.Code
    ID_IN_USE: MessageRefused.Code
    INVALID: MessageRefused.Code
    MESSAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    UUID_FIELD_NUMBER: _ClassVar[int]
    message_type: str
    code: MessageRefused.Code
    reason: str
    framework_id: _mesos_pb2.FrameworkID
    slave_id: _mesos_pb2.SlaveID
    task_id: _mesos_pb2.TaskID
    executor_id: _mesos_pb2.ExecutorID
    uuid: bytes
    def __init__(self, message_type: _Optional[str] = ..., code: _Optional[_Union[MessageRefused.Code, str]] = ..., reason: _Optional[str] = ..., framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ..., task_id: _Optional[_Union[_mesos_pb2.TaskID, _Mapping]] = ..., executor_id: _Optional[_Union[_mesos_pb2.ExecutorID, _Mapping]] = ..., uuid: _Optional[bytes] = ...) -> None: ...

class StatusUpdate(_message.Message):
    __slots__ = ("framework_id", "executor_id", "slave_id", "status", "timestamp", "latest_state", "unreachable_time")
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    LATEST_STATE_FIELD_NUMBER: _ClassVar[int]
    UNREACHABLE_TIME_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    executor_id: _mesos_pb2.ExecutorID
    slave_id: _mesos_pb2.SlaveID
    status: _mesos_pb2.TaskStatus
    timestamp: float
    latest_state: _mesos_pb2.TaskState
    unreachable_time: _mesos_pb2.TimeInfo
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., executor_id: _Optional[_Union[_mesos_pb2.ExecutorID, _Mapping]] = ..., slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ..., status: _Optional[_Union[_mesos_pb2.TaskStatus, _Mapping]] = ..., timestamp: _Optional[float] = ..., latest_state: _Optional[_Union[_mesos_pb2.TaskState, str]] = ..., unreachable_time: _Optional[_Union[_mesos_pb2.TimeInfo, _Mapping]] = ...) -> None: ...

class StatusUpdateRecord(_message.Message):
    __slots__ = ("type", "update", "uuid")
    class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        UPDATE: _ClassVar[StatusUpdateRecord.Type]
        ACK: _ClassVar[StatusUpdateRecord.Type]
    UPDATE: StatusUpdateRecord.Type
    ACK: StatusUpdateRecord.Type
    TYPE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FIELD_NUMBER: _ClassVar[int]
    UUID_FIELD_NUMBER: _ClassVar[int]
    type: StatusUpdateRecord.Type
    update: StatusUpdate
    uuid: bytes
    def __init__(self, type: _Optional[_Union[StatusUpdateRecord.Type, str]] = ..., update: _Optional[_Union[StatusUpdate, _Mapping]] = ..., uuid: _Optional[bytes] = ...) -> None: ...

class RegisterFrameworkMessage(_message.Message):
    __slots__ = ("framework",)
    FRAMEWORK_FIELD_NUMBER: _ClassVar[int]
    framework: _mesos_pb2.FrameworkInfo
    def __init__(self, framework: _Optional[_Union[_mesos_pb2.FrameworkInfo, _Mapping]] = ...) -> None: ...

class ReregisterFrameworkMessage(_message.Message):
    __slots__ = ("framework", "failover")
    FRAMEWORK_FIELD_NUMBER: _ClassVar[int]
    FAILOVER_FIELD_NUMBER: _ClassVar[int]
    framework: _mesos_pb2.FrameworkInfo
    failover: bool
    def __init__(self, framework: _Optional[_Union[_mesos_pb2.FrameworkInfo, _Mapping]] = ..., failover: _Optional[bool] = ...) -> None: ...

class FrameworkRegisteredMessage(_message.Message):
    __slots__ = ("framework_id", "master_info")
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    MASTER_INFO_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    master_info: _mesos_pb2.MasterInfo
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., master_info: _Optional[_Union[_mesos_pb2.MasterInfo, _Mapping]] = ...) -> None: ...

class FrameworkReregisteredMessage(_message.Message):
    __slots__ = ("framework_id", "master_info")
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    MASTER_INFO_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    master_info: _mesos_pb2.MasterInfo
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., master_info: _Optional[_Union[_mesos_pb2.MasterInfo, _Mapping]] = ...) -> None: ...

class UnregisterFrameworkMessage(_message.Message):
    __slots__ = ("framework_id",)
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ...) -> None: ...

class DeactivateFrameworkMessage(_message.Message):
    __slots__ = ("framework_id",)
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ...) -> None: ...

class ResourceRequestMessage(_message.Message):
    __slots__ = ("framework_id", "requests")
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    requests: _containers.RepeatedCompositeFieldContainer[_mesos_pb2.Request]
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., requests: _Optional[_Iterable[_Union[_mesos_pb2.Request, _Mapping]]] = ...) -> None: ...

class ResourceOffersMessage(_message.Message):
    __slots__ = ("offers",)
    OFFERS_FIELD_NUMBER: _ClassVar[int]
    offers: _containers.RepeatedCompositeFieldContainer[_mesos_pb2.Offer]
    def __init__(self, offers: _Optional[_Iterable[_Union[_mesos_pb2.Offer, _Mapping]]] = ...) -> None: ...

class RescindResourceOfferMessage(_message.Message):
    __slots__ = ("offer_id",)
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    offer_id: _mesos_pb2.OfferID
    def __init__(self, offer_id: _Optional[_Union[_mesos_pb2.OfferID, _Mapping]] = ...) -> None: ...

class AcceptOffersMessage(_message.Message):
    __slots__ = ("framework_id", "offer_ids", "operations", "filters")
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    OFFER_IDS_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    offer_ids: _containers.RepeatedCompositeFieldContainer[_mesos_pb2.OfferID]
    operations: _containers.RepeatedCompositeFieldContainer[_mesos_pb2.Offer.Operation]
    filters: _mesos_pb2.Filters
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., offer_ids: _Optional[_Iterable[_Union[_mesos_pb2.OfferID, _Mapping]]] = ..., operations: _Optional[_Iterable[_Union[_mesos_pb2.Offer.Operation, _Mapping]]] = ..., filters: _Optional[_Union[_mesos_pb2.Filters, _Mapping]] = ...) -> None: ...

class DeclineOffersMessage(_message.Message):
    __slots__ = ("framework_id", "offer_ids", "filters")
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    OFFER_IDS_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    offer_ids: _containers.RepeatedCompositeFieldContainer[_mesos_pb2.OfferID]
    filters: _mesos_pb2.Filters
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., offer_ids: _Optional[_Iterable[_Union[_mesos_pb2.OfferID, _Mapping]]] = ..., filters: _Optional[_Union[_mesos_pb2.Filters, _Mapping]] = ...) -> None: ...

class ReviveOffersMessage(_message.Message):
    __slots__ = ("framework_id", "roles")
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    roles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., roles: _Optional[_Iterable[str]] = ...) -> None: ...

class SuppressOffersMessage(_message.Message):
    __slots__ = ("framework_id", "roles")
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    roles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., roles: _Optional[_Iterable[str]] = ...) -> None: ...

class KillTaskMessage(_message.Message):
    __slots__ = ("framework_id", "task_id", "kill_policy")
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    KILL_POLICY_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    task_id: _mesos_pb2.TaskID
    kill_policy: _mesos_pb2.KillPolicy
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., task_id: _Optional[_Union[_mesos_pb2.TaskID, _Mapping]] = ..., kill_policy: _Optional[_Union[_mesos_pb2.KillPolicy, _Mapping]] = ...) -> None: ...

class StatusUpdateMessage(_message.Message):
    __slots__ = ("update",)
    UPDATE_FIELD_NUMBER: _ClassVar[int]
    update: StatusUpdate
    def __init__(self, update: _Optional[_Union[StatusUpdate, _Mapping]] = ...) -> None: ...

class StatusUpdateAcknowledgementMessage(_message.Message):
    __slots__ = ("slave_id", "framework_id", "task_id", "uuid")
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    UUID_FIELD_NUMBER: _ClassVar[int]
    slave_id: _mesos_pb2.SlaveID
    framework_id: _mesos_pb2.FrameworkID
    task_id: _mesos_pb2.TaskID
    uuid: bytes
    def __init__(self, slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ..., framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., task_id: _Optional[_Union[_mesos_pb2.TaskID, _Mapping]] = ..., uuid: _Optional[bytes] = ...) -> None: ...

class LostSlaveMessage(_message.Message):
    __slots__ = ("slave_id",)
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    slave_id: _mesos_pb2.SlaveID
    def __init__(self, slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ...) -> None: ...

class ReconcileTasksMessage(_message.Message):
    __slots__ = ("framework_id", "statuses")
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    statuses: _containers.RepeatedCompositeFieldContainer[_mesos_pb2.TaskStatus]
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., statuses: _Optional[_Iterable[_Union[_mesos_pb2.TaskStatus, _Mapping]]] = ...) -> None: ...

class FrameworkErrorMessage(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: str
    def __init__(self, message: _Optional[str] = ...) -> None: ...

class ExecutorToFrameworkMessage(_message.Message):
    __slots__ = ("slave_id", "framework_id", "executor_id", "data")
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    slave_id: _mesos_pb2.SlaveID
    framework_id: _mesos_pb2.FrameworkID
    executor_id: _mesos_pb2.ExecutorID
    data: bytes
    def __init__(self, slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ..., framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., executor_id: _Optional[_Union[_mesos_pb2.ExecutorID, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class FrameworkToExecutorMessage(_message.Message):
    __slots__ = ("slave_id", "framework_id", "executor_id", "data")
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    slave_id: _mesos_pb2.SlaveID
    framework_id: _mesos_pb2.FrameworkID
    executor_id: _mesos_pb2.ExecutorID
    data: bytes
    def __init__(self, slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ..., framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., executor_id: _Optional[_Union[_mesos_pb2.ExecutorID, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class ExitedExecutorMessage(_message.Message):
    __slots__ = ("slave_id", "framework_id", "executor_id", "status")
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    slave_id: _mesos_pb2.SlaveID
    framework_id: _mesos_pb2.FrameworkID
    executor_id: _mesos_pb2.ExecutorID
    status: int
    def __init__(self, slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ..., framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., executor_id: _Optional[_Union[_mesos_pb2.ExecutorID, _Mapping]] = ..., status: _Optional[int] = ...) -> None: ...

class RegisterSlaveMessage(_message.Message):
    __slots__ = ("slave", "version")
    SLAVE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    slave: _mesos_pb2.SlaveInfo
    version: str
    def __init__(self, slave: _Optional[_Union[_mesos_pb2.SlaveInfo, _Mapping]] = ..., version: _Optional[str] = ...) -> None: ...

class ReregisterSlaveMessage(_message.Message):
    __slots__ = ("slave", "executor_infos", "tasks", "frameworks", "version")
    SLAVE_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_INFOS_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORKS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    slave: _mesos_pb2.SlaveInfo
    executor_infos: _containers.RepeatedCompositeFieldContainer[_mesos_pb2.ExecutorInfo]
    tasks: _containers.RepeatedCompositeFieldContainer[_mesos_pb2.Task]
    frameworks: _containers.RepeatedCompositeFieldContainer[_mesos_pb2.FrameworkInfo]
    version: str
    def __init__(self, slave: _Optional[_Union[_mesos_pb2.SlaveInfo, _Mapping]] = ..., executor_infos: _Optional[_Iterable[_Union[_mesos_pb2.ExecutorInfo, _Mapping]]] = ..., tasks: _Optional[_Iterable[_Union[_mesos_pb2.Task, _Mapping]]] = ..., frameworks: _Optional[_Iterable[_Union[_mesos_pb2.FrameworkInfo, _Mapping]]] = ..., version: _Optional[str] = ...) -> None: ...

class SlaveConnection(_message.Message):
    __slots__ = ("total_ping_timeout_seconds",)
    TOTAL_PING_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    total_ping_timeout_seconds: float
    def __init__(self, total_ping_timeout_seconds: _Optional[float] = ...) -> None: ...

class SlaveRegisteredMessage(_message.Message):
    __slots__ = ("slave_id", "connection")
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    slave_id: _mesos_pb2.SlaveID
    connection: SlaveConnection
    def __init__(self, slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ..., connection: _Optional[_Union[SlaveConnection, _Mapping]] = ...) -> None: ...

class SlaveReregisteredMessage(_message.Message):
    __slots__ = ("slave_id", "reconciliations", "connection")
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    RECONCILIATIONS_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    slave_id: _mesos_pb2.SlaveID
    reconciliations: _containers.RepeatedCompositeFieldContainer[ReconcileTasksMessage]
    connection: SlaveConnection
    def __init__(self, slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ..., reconciliations: _Optional[_Iterable[_Union[ReconcileTasksMessage, _Mapping]]] = ..., connection: _Optional[_Union[SlaveConnection, _Mapping]] = ...) -> None: ...

class UnregisterSlaveMessage(_message.Message):
    __slots__ = ("slave_id",)
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    slave_id: _mesos_pb2.SlaveID
    def __init__(self, slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ...) -> None: ...

class PingSlaveMessage(_message.Message):
    __slots__ = ("connected",)
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    connected: bool
    def __init__(self, connected: _Optional[bool] = ...) -> None: ...

class PongSlaveMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RunTaskMessage(_message.Message):
    __slots__ = ("framework_id", "framework", "task")
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORK_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    framework: _mesos_pb2.FrameworkInfo
    task: _mesos_pb2.TaskInfo
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., framework: _Optional[_Union[_mesos_pb2.FrameworkInfo, _Mapping]] = ..., task: _Optional[_Union[_mesos_pb2.TaskInfo, _Mapping]] = ...) -> None: ...

class ShutdownFrameworkMessage(_message.Message):
    __slots__ = ("framework_id",)
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ...) -> None: ...

class ShutdownExecutorMessage(_message.Message):
    __slots__ = ("executor_id", "framework_id")
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    executor_id: _mesos_pb2.ExecutorID
    framework_id: _mesos_pb2.FrameworkID
    def __init__(self, executor_id: _Optional[_Union[_mesos_pb2.ExecutorID, _Mapping]] = ..., framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ...) -> None: ...

class UpdateFrameworkMessage(_message.Message):
    __slots__ = ("framework_id", "framework_info")
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORK_INFO_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    framework_info: _mesos_pb2.FrameworkInfo
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., framework_info: _Optional[_Union[_mesos_pb2.FrameworkInfo, _Mapping]] = ...) -> None: ...

class SlaveUsageMessage(_message.Message):
    __slots__ = ("slave_id", "executors")
    class Executor(_message.Message):
        __slots__ = ("framework_id", "executor_id", "container_id", "statistics")
        FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
        EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
        CONTAINER_ID_FIELD_NUMBER: _ClassVar[int]
        STATISTICS_FIELD_NUMBER: _ClassVar[int]
        framework_id: _mesos_pb2.FrameworkID
        executor_id: _mesos_pb2.ExecutorID
        container_id: _mesos_pb2.ContainerID
        statistics: _mesos_pb2.ResourceStatistics
        def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., executor_id: _Optional[_Union[_mesos_pb2.ExecutorID, _Mapping]] = ..., container_id: _Optional[_Union[_mesos_pb2.ContainerID, _Mapping]] = ..., statistics: _Optional[_Union[_mesos_pb2.ResourceStatistics, _Mapping]] = ...) -> None: ...
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTORS_FIELD_NUMBER: _ClassVar[int]
    slave_id: _mesos_pb2.SlaveID
    executors: _containers.RepeatedCompositeFieldContainer[SlaveUsageMessage.Executor]
    def __init__(self, slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ..., executors: _Optional[_Iterable[_Union[SlaveUsageMessage.Executor, _Mapping]]] = ...) -> None: ...

class ShutdownMessage(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: str
    def __init__(self, message: _Optional[str] = ...) -> None: ...

class MasterRedirectMessage(_message.Message):
    __slots__ = ("leader", "message_type", "message")
    LEADER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    leader: _mesos_pb2.MasterInfo
    message_type: str
    message: str
    def __init__(self, leader: _Optional[_Union[_mesos_pb2.MasterInfo, _Mapping]] = ..., message_type: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Registry(_message.Message):
    __slots__ = ("master", "slaves", "unreachable")
    class Slave(_message.Message):
        __slots__ = ("id", "principal")
        ID_FIELD_NUMBER: _ClassVar[int]
        PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
        id: _mesos_pb2.SlaveID
        principal: str
        def __init__(self, id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ..., principal: _Optional[str] = ...) -> None: ...
    class UnreachableSlave(_message.Message):
        __slots__ = ("id", "principal", "timestamp")
        ID_FIELD_NUMBER: _ClassVar[int]
        PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
        TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        id: _mesos_pb2.SlaveID
        principal: str
        timestamp: _mesos_pb2.TimeInfo
        def __init__(self, id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ..., principal: _Optional[str] = ..., timestamp: _Optional[_Union[_mesos_pb2.TimeInfo, _Mapping]] = ...) -> None: ...
    MASTER_FIELD_NUMBER: _ClassVar[int]
    SLAVES_FIELD_NUMBER: _ClassVar[int]
    UNREACHABLE_FIELD_NUMBER: _ClassVar[int]
    master: _mesos_pb2.MasterInfo
    slaves: _containers.RepeatedCompositeFieldContainer[Registry.Slave]
    unreachable: _containers.RepeatedCompositeFieldContainer[Registry.UnreachableSlave]
    def __init__(self, master: _Optional[_Union[_mesos_pb2.MasterInfo, _Mapping]] = ..., slaves: _Optional[_Iterable[_Union[Registry.Slave, _Mapping]]] = ..., unreachable: _Optional[_Iterable[_Union[Registry.UnreachableSlave, _Mapping]]] = ...) -> None: ...

class RegisterExecutorMessage(_message.Message):
    __slots__ = ("framework_id", "executor_id", "secret")
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    framework_id: _mesos_pb2.FrameworkID
    executor_id: _mesos_pb2.ExecutorID
    secret: str
    def __init__(self, framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., executor_id: _Optional[_Union[_mesos_pb2.ExecutorID, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class ExecutorRegisteredMessage(_message.Message):
    __slots__ = ("executor_info", "framework_id", "framework_info", "slave_id", "slave_info")
    EXECUTOR_INFO_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORK_INFO_FIELD_NUMBER: _ClassVar[int]
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    SLAVE_INFO_FIELD_NUMBER: _ClassVar[int]
    executor_info: _mesos_pb2.ExecutorInfo
    framework_id: _mesos_pb2.FrameworkID
    framework_info: _mesos_pb2.FrameworkInfo
    slave_id: _mesos_pb2.SlaveID
    slave_info: _mesos_pb2.SlaveInfo
    def __init__(self, executor_info: _Optional[_Union[_mesos_pb2.ExecutorInfo, _Mapping]] = ..., framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., framework_info: _Optional[_Union[_mesos_pb2.FrameworkInfo, _Mapping]] = ..., slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ..., slave_info: _Optional[_Union[_mesos_pb2.SlaveInfo, _Mapping]] = ...) -> None: ...

class ReregisterExecutorMessage(_message.Message):
    __slots__ = ("executor_id", "framework_id", "tasks", "updates", "secret")
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORK_ID_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    executor_id: _mesos_pb2.ExecutorID
    framework_id: _mesos_pb2.FrameworkID
    tasks: _containers.RepeatedCompositeFieldContainer[_mesos_pb2.TaskInfo]
    updates: _containers.RepeatedCompositeFieldContainer[StatusUpdate]
    secret: str
    def __init__(self, executor_id: _Optional[_Union[_mesos_pb2.ExecutorID, _Mapping]] = ..., framework_id: _Optional[_Union[_mesos_pb2.FrameworkID, _Mapping]] = ..., tasks: _Optional[_Iterable[_Union[_mesos_pb2.TaskInfo, _Mapping]]] = ..., updates: _Optional[_Iterable[_Union[StatusUpdate, _Mapping]]] = ..., secret: _Optional[str] = ...) -> None: ...

class ExecutorReregisteredMessage(_message.Message):
    __slots__ = ("slave_id", "slave_info")
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    SLAVE_INFO_FIELD_NUMBER: _ClassVar[int]
    slave_id: _mesos_pb2.SlaveID
    slave_info: _mesos_pb2.SlaveInfo
    def __init__(self, slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ..., slave_info: _Optional[_Union[_mesos_pb2.SlaveInfo, _Mapping]] = ...) -> None: ...

class ReconnectExecutorMessage(_message.Message):
    __slots__ = ("slave_id",)
    SLAVE_ID_FIELD_NUMBER: _ClassVar[int]
    slave_id: _mesos_pb2.SlaveID
    def __init__(self, slave_id: _Optional[_Union[_mesos_pb2.SlaveID, _Mapping]] = ...) -> None: ...
