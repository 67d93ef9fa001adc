"""Node types the engine has never heard of, each one module's worth of code and its
registration, each declaring a policy through NodeType's attributes and hooks (no engine
edit): tests/engine/test_node_policy.py runs them."""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone

from catalog.nodes.base import JSONDict, NodeResult, NodeType, StepContext, TimerFired, literal, obj


class Deadline(NodeType):
    """Parks until a deadline; when it comes, the step takes its `expired` port with an
    output of its own (a timer policy no built-in type has)."""

    type = "test.deadline"
    title = "Deadline"
    category = "Test"
    description = "Waits until its deadline, then goes on through `expired`."
    output_ports = ("expired",)
    config_schema = obj({"after_s": literal({"type": "number", "minimum": 0})}, required=("after_s",))

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        until = timezone.now() + timedelta(seconds=float(ctx.config["after_s"]))
        return NodeResult(output={"armed": True}, wait_until=until)

    @classmethod
    def timer_fired(cls, config: JSONDict) -> TimerFired:
        return TimerFired(ports=("expired",), output={"expired": True, "after_s": config["after_s"]})


class FirstWins(NodeType):
    """A pure join that goes on with the first branch to arrive (a join policy of its own,
    not the built-in `join`'s mode)."""

    type = "test.first_wins"
    title = "First wins"
    category = "Test"
    description = "Goes on with whichever branch arrives first."
    inline = True

    @classmethod
    def ready_on_first(cls, config: JSONDict) -> bool:
        return True

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        return NodeResult(output={"first": sorted(ctx.inputs)})


class Stuck(NodeType):
    """Blocks in a call that ignores every timeout: guarded, so the engine holds its
    timeout from the outside."""

    type = "test.stuck"
    title = "Stuck"
    category = "Test"
    description = "Sleeps far past its timeout."
    guarded = True

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        time.sleep(30)
        return NodeResult(output="never")


class Reads(NodeType):
    """Evaluates an expression over the run's data itself (a source string, not a `{{ }}`
    config): it declares so, and sees every step's output, not only its inputs."""

    type = "test.reads"
    title = "Reads"
    category = "Test"
    description = "Evaluates its JSONata source over the run's data."
    inline = True
    evaluates_expressions = True
    config_schema = obj({"source": literal({"type": "string", "x-jsonata": True})}, required=("source",))

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        return NodeResult(output=ctx.evaluate(str(ctx.config["source"])))


class Punctual(NodeType):
    """Can block, but keeps the step's deadline itself (as the HTTP node does): it declares
    so and runs on the step's own thread, not a guard thread; it answers where it ran."""

    type = "test.punctual"
    title = "Punctual"
    category = "Test"
    description = "Answers the thread it ran on."
    guarded = True
    keeps_deadline = True

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        import threading

        return NodeResult(output={"thread": threading.current_thread().name, "deadline": ctx.deadline is not None})


class Guarded(Punctual):
    """The same, without keeping the deadline itself: it runs on a guard thread."""

    type = "test.guarded"
    title = "Guarded"
    keeps_deadline = False


TYPES = (Deadline, FirstWins, Stuck, Reads, Punctual, Guarded)
