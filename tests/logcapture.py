"""The log as LOG_FORMAT=json writes it, captured in the test's process: a handler with
the very formatter the settings give (core.logging.formatter), on the root logger."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Iterator
from typing import Any


class JsonLog:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[dict[str, Any]]:
        """Every line, each parsed as JSON (a line that is not JSON fails the test)."""
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@contextlib.contextmanager
def json_log(level: int = logging.INFO) -> Iterator[JsonLog]:
    from core.logging import formatter

    log = JsonLog()
    handler = logging.StreamHandler(log.stream)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield log
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
