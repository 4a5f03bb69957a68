"""
Tests for L{mesos_tw.master.validation}.
"""

from __future__ import annotations

from typing import NamedTuple

from twisted.trial.unittest import SynchronousTestCase

from mesos_tw.master.validation import (
    validateRole,
    ValidationError,
    validateId,
    validateOffers,
    validateTask,
)
from mesos_tw.mesos_pb2 import (
    CommandInfo,
    ExecutorInfo,
    Resource,
    TaskInfo,
    Value,
)
from mesos_tw.resources import Resources

parse = Resources.parse

FRAMEWORK = "master-0000"
SLAVE = "master-S0"
OFFERED = parse("cpus:2;mem:1024;ports:[31000-31010]")


class Offer(NamedTuple):
    """
    What L{validateOffers} reads of an outstanding offer.
    """

    frameworkId: str
    slaveId: str


def commandTask(
    taskId: str = "t1", resources: str = "cpus:1;mem:128", slaveId: str = SLAVE
) -> TaskInfo:
    """
    A L{TaskInfo} of a command task.
    """
    task = TaskInfo(
        name=f"task {taskId}",
        resources=parse(resources).toProto(),
        command=CommandInfo(value="sleep 10"),
    )
    task.task_id.value = taskId
    task.slave_id.value = slaveId
    return task


def executorInfo(
    executorId: str = "e1", resources: str = "cpus:0.5;mem:64", command: str = "run"
) -> ExecutorInfo:
    """
    An L{ExecutorInfo} with a command.
    """
    executor = ExecutorInfo(
        command=CommandInfo(value=command), resources=parse(resources).toProto()
    )
    executor.executor_id.value = executorId
    return executor


def executorTask(
    taskId: str = "t1",
    resources: str = "cpus:1;mem:128",
    executor: ExecutorInfo | None = None,
) -> TaskInfo:
    """
    A L{TaskInfo} run by an executor.
    """
    task = TaskInfo(name=f"task {taskId}", resources=parse(resources).toProto())
    task.task_id.value = taskId
    task.slave_id.value = SLAVE
    task.executor.CopyFrom(executor if executor is not None else executorInfo())
    return task


class ValidateIdTests(SynchronousTestCase):
    """
    Tests for L{validateId}.
    """

    def test_valid(self) -> None:
        """
        Ordinary ids, with dots, dashes and colons, are accepted.
        """
        for value in ["t1", "my-task.3", "a:b", "...", ".hidden", "x" * 200]:
            validateId("task", value)

    def test_empty(self) -> None:
        """
        An empty id is refused, naming the kind of id.
        """
        e = self.assertRaises(ValidationError, validateId, "task", "")
        self.assertEqual(str(e), "task id is empty")
        e = self.assertRaises(ValidationError, validateId, "executor", "")
        self.assertEqual(str(e), "executor id is empty")

    def test_whitespaceOrSlash(self) -> None:
        """
        Ids with whitespace or a slash are refused, quoting the id.
        """
        for value in ["a b", " a", "a\tb", "a\nb", "a/b", "/"]:
            e = self.assertRaises(ValidationError, validateId, "task", value)
            self.assertEqual(str(e), f"task id {value!r} contains whitespace or '/'")

    def test_dots(self) -> None:
        """
        C{.} and C{..} are refused.
        """
        for value in [".", ".."]:
            e = self.assertRaises(ValidationError, validateId, "role", value)
            self.assertIn(repr(value), str(e))
            self.assertTrue(str(e).startswith("role id "))


class ValidateOffersTests(SynchronousTestCase):
    """
    Tests for L{validateOffers}.
    """

    def setUp(self) -> None:
        self.offers = {
            "o1": Offer(FRAMEWORK, SLAVE),
            "o2": Offer(FRAMEWORK, SLAVE),
            "o3": Offer(FRAMEWORK, "master-S1"),
            "theirs": Offer("master-0001", SLAVE),
        }

    def assertInvalid(self, offerIds: list[str], message: str) -> None:
        """
        L{validateOffers} refuses C{offerIds} with C{message}.
        """
        e = self.assertRaises(
            ValidationError, validateOffers, offerIds, self.offers, FRAMEWORK
        )
        self.assertEqual(str(e), message)

    def test_one(self) -> None:
        """
        One offer of the framework is valid; its slave is returned.
        """
        self.assertEqual(validateOffers(["o3"], self.offers, FRAMEWORK), "master-S1")

    def test_several(self) -> None:
        """
        Several offers of the framework on one slave are valid together.
        """
        self.assertEqual(validateOffers(["o2", "o1"], self.offers, FRAMEWORK), SLAVE)

    def test_none(self) -> None:
        """
        An accept must name at least one offer.
        """
        self.assertInvalid([], "no offers given")

    def test_unknown(self) -> None:
        """
        An offer that is not outstanding is no longer valid.
        """
        self.assertInvalid(["o1", "gone"], "offer gone is no longer valid")

    def test_foreign(self) -> None:
        """
        An offer made to another framework may not be used.
        """
        self.assertInvalid(["theirs"], "offer theirs belongs to another framework")

    def test_duplicate(self) -> None:
        """
        An offer may not appear twice.
        """
        self.assertInvalid(["o1", "o2", "o1"], "offer o1 appears twice")

    def test_differentSlaves(self) -> None:
        """
        All offers must be on the slave of the first.
        """
        self.assertInvalid(
            ["o1", "o3"], "offers o1 and o3 are on different slaves"
        )


class ValidateTaskTests(SynchronousTestCase):
    """
    Tests for L{validateTask}.
    """

    def validate(
        self,
        task: TaskInfo,
        available: Resources = OFFERED,
        taskIds: set[str] | None = None,
        executors: dict[str, ExecutorInfo] | None = None,
    ) -> Resources:
        """
        Validate C{task} for L{FRAMEWORK} on L{SLAVE}.
        """
        return validateTask(
            task, FRAMEWORK, SLAVE, available, taskIds or set(), executors or {}
        )

    def assertInvalid(self, task: TaskInfo, message: str, **kw) -> None:
        """
        C{task} is refused with exactly C{message}.
        """
        e = self.assertRaises(ValidationError, self.validate, task, **kw)
        self.assertEqual(str(e), message)

    def test_commandTask(self) -> None:
        """
        A command task within its offers is valid and takes its resources.
        """
        self.assertEqual(self.validate(commandTask()), parse("cpus:1;mem:128"))

    def test_allOffered(self) -> None:
        """
        A task may use everything offered, ports included.
        """
        task = commandTask(resources=str(OFFERED))
        self.assertEqual(self.validate(task), OFFERED)

    def test_emptyId(self) -> None:
        """
        A task needs an id.
        """
        self.assertInvalid(commandTask(taskId=""), "task id is empty")

    def test_badId(self) -> None:
        """
        A task id with whitespace is refused.
        """
        self.assertInvalid(
            commandTask(taskId="my task"),
            "task id 'my task' contains whitespace or '/'",
        )

    def test_duplicateId(self) -> None:
        """
        A task id already in use by the framework is refused.
        """
        self.assertInvalid(
            commandTask(taskId="t1"),
            "task id 't1' is already in use",
            taskIds={"t0", "t1"},
        )

    def test_duplicateIdMapping(self) -> None:
        """
        The ids in use may also be given as a mapping.
        """
        e = self.assertRaises(
            ValidationError,
            validateTask,
            commandTask(taskId="t1"),
            FRAMEWORK,
            SLAVE,
            OFFERED,
            {"t1": object()},
            {},
        )
        self.assertEqual(str(e), "task id 't1' is already in use")

    def test_wrongSlave(self) -> None:
        """
        A task must be for the slave its offers are on.
        """
        self.assertInvalid(
            commandTask(slaveId="master-S9"),
            f"task is for slave 'master-S9' but its offers are on {SLAVE}",
        )

    def test_noSlave(self) -> None:
        """
        A task naming no slave is refused as well.
        """
        self.assertInvalid(
            commandTask(slaveId=""),
            f"task is for slave '' but its offers are on {SLAVE}",
        )

    def test_executorAndCommand(self) -> None:
        """
        A task may not have both an executor and a command.
        """
        task = executorTask()
        task.command.value = "sleep 1"
        self.assertInvalid(task, "task must have exactly one of executor and command")

    def test_neitherExecutorNorCommand(self) -> None:
        """
        A task must have an executor or a command.
        """
        task = commandTask()
        task.ClearField("command")
        self.assertInvalid(task, "task must have exactly one of executor and command")

    def test_invalidResources(self) -> None:
        """
        Invalid task resources are refused, saying why.
        """
        task = commandTask()
        task.resources.append(
            Resource(name="cpus", type=Value.SCALAR, scalar=Value.Scalar(value=-1))
        )
        e = self.assertRaises(ValidationError, self.validate, task)
        self.assertTrue(str(e).startswith("task has invalid resources: "), str(e))
        self.assertIn("value must not be negative", str(e))

    def test_noResources(self) -> None:
        """
        A task must use some resources.
        """
        self.assertInvalid(commandTask(resources=""), "task uses no resources")

    def test_zeroResources(self) -> None:
        """
        Resources of zero count as none.
        """
        self.assertInvalid(commandTask(resources="cpus:0"), "task uses no resources")

    def test_executorTask(self) -> None:
        """
        A task with a new executor takes its resources and the executor's.
        """
        self.assertEqual(
            self.validate(executorTask()), parse("cpus:1.5;mem:192")
        )

    def test_executorBadId(self) -> None:
        """
        An executor needs a valid id.
        """
        self.assertInvalid(
            executorTask(executor=executorInfo(executorId="")), "executor id is empty"
        )
        self.assertInvalid(
            executorTask(executor=executorInfo(executorId="a/b")),
            "executor id 'a/b' contains whitespace or '/'",
        )

    def test_executorWithoutCommand(self) -> None:
        """
        An executor needs a command.
        """
        executor = executorInfo()
        executor.ClearField("command")
        self.assertInvalid(
            executorTask(executor=executor), "executor 'e1' has no command"
        )

    def test_executorOfAnotherFramework(self) -> None:
        """
        An executor may not name another framework.
        """
        executor = executorInfo()
        executor.framework_id.value = "master-0001"
        self.assertInvalid(
            executorTask(executor=executor), "executor belongs to another framework"
        )

    def test_executorOfThisFramework(self) -> None:
        """
        An executor may name its own framework.
        """
        executor = executorInfo()
        executor.framework_id.value = FRAMEWORK
        self.assertEqual(
            self.validate(executorTask(executor=executor)), parse("cpus:1.5;mem:192")
        )

    def test_executorInvalidResources(self) -> None:
        """
        Invalid executor resources are refused, saying why.
        """
        executor = executorInfo()
        executor.resources.append(Resource(name="mem", type=Value.SCALAR))
        e = self.assertRaises(
            ValidationError, self.validate, executorTask(executor=executor)
        )
        self.assertTrue(str(e).startswith("executor has invalid resources: "), str(e))
        self.assertIn("payload does not match type", str(e))

    def test_runningExecutor(self) -> None:
        """
        A task for an executor already running takes only its own resources.
        """
        self.assertEqual(
            self.validate(executorTask(), executors={"e1": executorInfo()}),
            parse("cpus:1;mem:128"),
        )

    def test_runningExecutorFits(self) -> None:
        """
        A task that fits only without its executor's resources is valid when
        the executor is already running.
        """
        available = parse("cpus:1;mem:128")
        self.assertEqual(
            self.validate(
                executorTask(), available=available, executors={"e1": executorInfo()}
            ),
            available,
        )

    def test_newExecutorDoesNotFit(self) -> None:
        """
        A new executor's resources count against the offers.
        """
        self.assertInvalid(
            executorTask(),
            "task uses more resources (cpus:1.5;mem:192) than its offers have "
            "left (cpus:1;mem:128)",
            available=parse("cpus:1;mem:128"),
        )

    def test_otherExecutorIsNew(self) -> None:
        """
        Another executor id running does not spare the new executor's
        resources.
        """
        self.assertEqual(
            self.validate(executorTask(), executors={"e2": executorInfo("e2")}),
            parse("cpus:1.5;mem:192"),
        )

    def test_incompatibleCommand(self) -> None:
        """
        A task may not bring an executor with a running executor's id but
        another command.
        """
        self.assertInvalid(
            executorTask(),
            "executor 'e1' differs from the one already running with that id",
            executors={"e1": executorInfo(command="other")},
        )

    def test_incompatibleResources(self) -> None:
        """
        A task may not bring an executor with a running executor's id but
        other resources.
        """
        self.assertInvalid(
            executorTask(),
            "executor 'e1' differs from the one already running with that id",
            executors={"e1": executorInfo(resources="cpus:1;mem:64")},
        )

    def test_beyondLeft(self) -> None:
        """
        A task may not use more than its offers have left.
        """
        self.assertInvalid(
            commandTask(resources="cpus:3;mem:128"),
            "task uses more resources (cpus:3;mem:128) than its offers have left "
            "(cpus:2;mem:1024;ports:[31000-31010])",
        )

    def test_beyondLeftOtherResource(self) -> None:
        """
        A task may not use a resource its offers do not have at all.
        """
        self.assertInvalid(
            commandTask(resources="cpus:1;gpus:1"),
            "task uses more resources (cpus:1;gpus:1) than its offers have left "
            "(cpus:2;mem:1024;ports:[31000-31010])",
        )

    def test_portsNotOffered(self) -> None:
        """
        A task may not use ports outside the offered ranges.
        """
        e = self.assertRaises(
            ValidationError,
            self.validate,
            commandTask(resources="cpus:1;ports:[31005-31020]"),
        )
        self.assertIn("than its offers have left", str(e))

    def test_reservedNotOffered(self) -> None:
        """
        A task may not use resources of a role its offers do not hold.
        """
        e = self.assertRaises(
            ValidationError, self.validate, commandTask(resources="cpus(web):1")
        )
        self.assertIn("than its offers have left", str(e))

    def test_orderOfChecks(self) -> None:
        """
        The id is checked before anything else: a task wrong in every way is
        refused for its id.
        """
        task = TaskInfo()
        self.assertInvalid(task, "task id is empty")


class ValidateRoleTests(SynchronousTestCase):
    """
    Tests for L{validateRole}.
    """

    def test_valid(self) -> None:
        """
        C{*}, plain names and hierarchical names are roles.
        """
        for role in ["*", "web", "a/b", "eng/ml/train"]:
            validateRole(role)

    def test_invalid(self) -> None:
        """
        Empty parts, dots, a leading '-' and whitespace are refused.
        """
        for role in ["", ".", "..", "a//b", "/a", "-a", "a b", "a/../b"]:
            e = self.assertRaises(ValidationError, validateRole, role)
            self.assertEqual(str(e), f"invalid role {role!r}")
