"""The node-type contract shared by the catalog (designer), the canvas and the engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

import httpx

from catalog.credentials import credential_fields
from catalog.nodes.net import http_client

JSONDict = dict[str, Any]


class StepFailed(Exception):
    """A node's execution failed. `retryable` False skips the retry policy (e.g. `fail`).
    `outcome_unknown`: the effect may have happened (a timeout after the request was sent,
    a connection lost mid-call), so an at-most-once step must not be sent again.
    `retry_after_s`: the far side said when to try again (HTTP Retry-After)."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "step_failed",
        retryable: bool = True,
        details: Any = None,
        outcome_unknown: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable
        self.details = details
        self.outcome_unknown = outcome_unknown
        self.retry_after_s = retry_after_s

    def as_dict(self) -> JSONDict:
        error: JSONDict = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return error


@dataclass
class StepContext:
    """What an executor sees: its rendered config, the expression data and its identity.

    `http`: the process's pooled HTTP client, guarded against private, loopback and
    metadata addresses (catalog.nodes.net); give `timeout=` and `follow_redirects=` with
    each request. It keeps no cookies. `secrets`: the credentials the config names, by
    config field ({"credential": {"type": "http.bearer", "token": ...}}, read-only),
    decrypted for this call only (catalog.credentials: how a node applies one). Whatever
    the node returns or raises is masked of their values before it is stored.
    `recent_successes(node_type, since, limit)`: when the steps of that node type in the
    run's owner's runs succeeded since `since` (aware datetimes, newest first, at most
    `limit`): what a node acting on the owner's behalf counts its rate by (the email node)."""

    run_id: int
    node_id: str
    iteration: int
    attempt: int
    config: JSONDict
    data: JSONDict  # trigger, steps.<id>.output, vars, run
    inputs: JSONDict = field(default_factory=dict)  # outputs of the predecessors whose edges were taken
    timeout_s: float | None = None
    # When the step's time is up (a time.monotonic() value): a node waiting on I/O ends its
    # call by then (the HTTP node: catalog.nodes.net.deadline), so its thread is free again.
    deadline: float | None = None
    evaluate: Callable[[str], Any] = lambda source: None
    # A value's templates rendered against the step's data plus `extra` (a map's `item`).
    render: Callable[[Any, JSONDict], Any] = lambda value, extra: value
    http: httpx.Client = field(default_factory=http_client)
    recent_successes: Callable[[str, datetime, int], list[datetime]] = lambda node_type, since, limit: []
    secrets: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    # A test of one step, outside any run (run_id 0): the idempotency key it sends, its own,
    # so that a far side deduplicating by key never takes a real run's call for a test's.
    test_key: str | None = None

    @property
    def idempotency_key(self) -> str:
        if self.test_key is not None:
            return self.test_key
        return f"{self.run_id}:{self.node_id}:{self.iteration}"


@dataclass(frozen=True)
class ChildRuns:
    """A request to run another workflow once per input, the step waiting for them all.
    `single`: the step's output is the one child's output (workflow.call), else a list in
    input order (map)."""

    workflow_id: int
    inputs: list[Any]
    max_concurrency: int = 1
    failure_policy: str = "fail"  # "fail": the step fails with the first failed child; "continue": errors in the output
    single: bool = False


@dataclass
class NodeResult:
    output: Any = None
    ports: tuple[str, ...] = ("out",)
    # Park the step: until a time (wait), or until a person answers (approval; the time is then a timeout).
    wait_until: datetime | None = None
    wait_for_person: bool = False
    # Park the step until child runs end (workflow.call, map).
    children: ChildRuns | None = None


@dataclass(frozen=True)
class TimerFired:
    """What a parked step becomes when its timer fires: succeeded on `ports` with `output`
    (None: the output it parked with is kept), or failed with `error`."""

    ports: tuple[str, ...] = ("out",)
    output: Any = None
    error: JSONDict | None = None


@dataclass(frozen=True)
class ChildPolicy:
    """How a step that started child runs waits for them: at most `max_concurrency` in
    flight; `failure_policy` "fail" (the step fails with the first failed child) or
    "continue" (errors in the output); `single`: its output is the one child's."""

    max_concurrency: int = 1
    failure_policy: str = "fail"
    single: bool = False


class ConfigProblem(tuple[str, str]):
    """A problem `check_config` reports, (JSON Pointer within config, message) like any
    other, with the code that names it: the validation problem's code and, found in a
    rendered config, the failed step's (a plain pair is `invalid_config`)."""

    code: str

    def __new__(cls, pointer: str, message: str, code: str = "invalid_config") -> ConfigProblem:
        problem = super().__new__(cls, (pointer, message))
        problem.code = code
        return problem


# Port every non-trigger node has for incoming edges.
INPUT_PORT = "in"
# Extra output port a node gets when its `on_error` is `route`.
ERROR_PORT = "error"


class NodeType:
    """One kind of node. Subclasses set the class attributes and hooks; the engine reads
    what it must decide about a node from them (its policy), never from its type string,
    so a new node type is one module and its registration.

    `config_schema` is JSON Schema (draft 2020-12). Custom keywords understood by the
    validator and the editor:
      - `x-expression: false` on a property: the value must be literal, never `{{ }}`.
      - `x-jsonata: true` on a string property: the whole value is a JSONata expression.
      - `x-per-item: true` on a property: rendered by the node once per item (with `item`
        and `index` in the context), not with the rest of the config.
      - `x-message` on a string property with a `pattern`: what the pattern wants, in
        words; validation says it instead of quoting the regular expression.
      - `x-credential-types: [...]` on an integer property (made by
        catalog.credentials.credential_field): it names one of the owner's credentials of
        those types by id; the step gets its values in `ctx.secrets`.
      - `x-enum-titles: [...]` beside an `enum`: what a person reads for each value, in the
        same order (`choices()`). The editor's selects show them and a wrong value's message
        names them; validation still checks the `enum` alone.
    """

    type: ClassVar[str]
    title: ClassVar[str]
    category: ClassVar[str]
    description: ClassVar[str]
    config_schema: ClassVar[JSONDict] = {"type": "object", "properties": {}, "additionalProperties": False}
    default_config: ClassVar[JSONDict] = {}
    # JSON Schema of the output `execute` returns, when the type says (a plugin's should):
    # shown by the catalog, checked by the type's own tests, not enforced at run time.
    output_schema: ClassVar[JSONDict | None] = None
    output_ports: ClassVar[tuple[str, ...]] = ("out",)
    # Declarative rule for ports derived from config, so the editor derives them too:
    # {"from": "/cases", "key": "port"} = one port per item of config.cases, named by .port.
    dynamic_ports: ClassVar[JSONDict | None] = None
    is_trigger: ClassVar[bool] = False
    # Pure: the result depends on the run's data alone and running it again is harmless,
    # so the engine may run it inline, under its run's lock (engine.orchestration.inline).
    inline: ClassVar[bool] = False
    # Its work evaluates expressions over the run's data itself (a JSONata source, a list
    # of conditions): a step of it reads every step's output, not only its inputs'.
    evaluates_expressions: ClassVar[bool] = False
    # Its work can block on the outside world: it runs in a guard thread, so its timeout
    # holds even when the library it calls enforces none.
    guarded: ClassVar[bool] = False
    # A guarded type whose work ends by ctx.deadline by itself (every blocking operation cut
    # to the time left): it runs on the step's own thread, with no guard thread to hand over to.
    keeps_deadline: ClassVar[bool] = False
    # For a trigger: the kind of start it answers (manual and API runs, a webhook, a schedule).
    starts_on: ClassVar[str | None] = None
    # A parked step of it waits for a person's decision (approve or reject).
    waits_for_person: ClassVar[bool] = False

    @classmethod
    def ready_on_first(cls, config: JSONDict) -> bool:
        """Join policy: ready as soon as one inbound edge is taken (True), or once every
        inbound edge is resolved and at least one was taken (False, the default)."""
        return False

    @classmethod
    def timer_fired(cls, config: JSONDict) -> TimerFired:
        """What a step of it parked until a time (NodeResult.wait_until) becomes when the
        time comes; a wait succeeds on `out`."""
        return TimerFired()

    @classmethod
    def child_policy(cls, config: JSONDict) -> ChildPolicy | None:
        """For a node type that starts child runs (NodeResult.children): how its step waits
        for them. None: it starts none."""
        return None

    @classmethod
    def ports(cls, config: JSONDict) -> list[str]:
        """Output ports for this config (without the `error` port of on_error=route)."""
        ports = list(cls.output_ports)
        rule = cls.dynamic_ports
        if rule:
            items = config.get(rule["from"].strip("/"), []) if isinstance(config, dict) else []
            if isinstance(items, list):
                dynamic = [item[rule["key"]] for item in items if isinstance(item, dict) and isinstance(item.get(rule["key"]), str)]
                ports = dynamic + ports
        return ports

    @classmethod
    def config_of(cls, node: JSONDict) -> JSONDict:
        """A graph node's config over this type's defaults."""
        return {**cls.default_config, **(node.get("config") or {})}

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        raise StepFailed(f"Node type {cls.type!r} cannot be executed by this version of the engine.", retryable=False)

    @classmethod
    def check_config(cls, config: JSONDict) -> list[tuple[str, str]]:
        """Checks beyond the JSON Schema: (JSON Pointer within config, message) pairs.
        Called only when the config already matches the schema: on the config as written,
        at validation (a value holding `{{ }}` is known only at run time: skip it), and on
        the rendered config before each execution (catalog.schemas.rendered_problems)."""
        return []

    @classmethod
    def referenced_credentials(cls, config: JSONDict) -> list[tuple[str, Any, tuple[str, ...]]]:
        """(pointer, id, the types that fit) of credentials this config names; validation
        checks they are the owner's and of a fitting type."""
        return [(f"/{name}", config.get(name), types) for name, types in credential_fields(cls.config_schema).items() if name in config]

    @classmethod
    def referenced_workflow_ids(cls, config: JSONDict) -> list[tuple[str, Any]]:
        """(pointer, id) of workflows this config names; validation checks they are the owner's."""
        return []

    @classmethod
    def describe(cls) -> JSONDict:
        return {
            "type": cls.type,
            "title": cls.title,
            "category": cls.category,
            "description": cls.description,
            "is_trigger": cls.is_trigger,
            "config_schema": cls.config_schema,
            "default_config": cls.default_config,
            "output_schema": cls.output_schema,
            "output_ports": list(cls.output_ports),
            "dynamic_ports": cls.dynamic_ports,
            "has_input": not cls.is_trigger,
        }


def whole_number(config: JSONDict, key: str, title: str) -> list[tuple[str, str]]:
    """JSON Schema counts 1.0 as an integer; an id is written as one (1). The problem, if any,
    as check_config returns it."""
    value = config.get(key)
    if isinstance(value, float):
        return [(f"/{key}", f"{title}: {value!r} is not a whole number; write it without a decimal point.")]
    return []


def choices(titles: dict[str, str], **schema: Any) -> JSONDict:
    """An enum of `titles`' keys, each shown as its title (`x-enum-titles`)."""
    return {"enum": list(titles), "x-enum-titles": list(titles.values()), **schema}


def literal(schema: JSONDict) -> JSONDict:
    """Mark a property as literal-only (no `{{ }}` expressions)."""
    return {**schema, "x-expression": False}


def obj(properties: JSONDict, *, required: tuple[str, ...] = (), **extra: Any) -> JSONDict:
    schema: JSONDict = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema
