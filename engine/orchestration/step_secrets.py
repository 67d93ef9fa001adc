"""The credentials a step's config names, decrypted for the step's context only while it
runs, and the masking of their values in everything the step records (its output, its
error): a server that echoes a header back must not put the secret in a step row, an
event or a websocket frame."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol

from catalog.credentials import credential_fields, mask, secret_values
from catalog.nodes.base import NodeResult, StepFailed
from credentials.runtime import step_credential


class Runner(Protocol):
    """Whom a node's evaluation acts for: a run, or a test of one step (whose `pk` is 0)."""

    @property
    def pk(self) -> Any: ...

    @property
    def owner_id(self) -> int: ...


@functools.cache
def _fields_of(cls: Any) -> dict[str, tuple[str, ...]]:
    return credential_fields(cls.config_schema)


def step_secrets(run: Runner, cls: Any, config: Any, until: float | None) -> Mapping[str, Mapping[str, Any]]:
    """{config field: {"type": ..., **the credential's fields}} of the run's owner for the credential fields
    the step's config sets (a node type's fields read once per process: this is on every
    step's path)."""
    fields = _fields_of(cls)
    if not fields or not isinstance(config, dict):
        return MappingProxyType({})
    found = {}
    for name, types in fields.items():
        if config.get(name) is not None:
            found[name] = MappingProxyType(
                step_credential(owner_id=run.owner_id, credential_id=config[name], types=types, field=name, until=until)
            )
    return MappingProxyType(found)


def values_of(secrets: Mapping[str, Mapping[str, Any]]) -> list[str]:
    return [value for data in secrets.values() for value in secret_values(str(data.get("type")), data)]


def masked_result(result: NodeResult, values: list[str]) -> NodeResult:
    if values and result.output is not None:
        result.output = mask(result.output, values)
    return result


def masked_failure(exc: StepFailed, values: list[str]) -> StepFailed:
    if values:
        exc.message = str(mask(exc.message, values))
        exc.args = (exc.message,)
        if exc.details is not None:
            exc.details = mask(exc.details, values)
    return exc
