"""The error every layer raises for something a person can act on, and the JSON body every
refusal has: {"detail": str, "problems": [...]}. core/api/errors.py maps them to HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from core.problems import Problem

# Paths whose every answer is JSON, errors included (never Django's HTML pages).
JSON_PREFIXES = ("/api/", "/hooks/")


class DomainError(Exception):
    """An error a person can act on: an HTTP status, a sentence, and the problems by
    node/edge/field. Designer and engine errors subclass it; core/api/errors.py maps it once."""

    status = 400
    # Headers HTTP has for the refusal (Retry-After on a 429); none by default.
    headers: Mapping[str, str] = MappingProxyType({})

    def __init__(self, detail: str, problems: list[Problem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or []


def error_body(detail: str, problems: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "problems": problems or []}


def body_too_large(limit: int, length: int | None) -> dict[str, Any]:
    """The 413's body, wherever the limit is met: the length a request announced, or (read
    while it arrived) only that it passed the limit."""
    said = f"is {length} bytes" if length is not None else f"is over {limit} bytes"
    return error_body(f"The request body {said}; the limit is {limit}.")
