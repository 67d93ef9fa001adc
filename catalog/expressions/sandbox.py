"""A pool of evaluator processes (catalog.expressions.evaluator) for the expressions that
are not bounded by construction.

A call takes an idle evaluator (or starts one), sends the expression and its data, and
waits for the answer at most the evaluation's time limit. Past it the evaluator is killed
(SIGKILL) and the call fails with `timeout`; a new evaluator is started in the background
for the next call. An evaluator that dies (its CPU or memory limit) fails the call with
`cpu` or `memory`. Nothing else waits: the caller's thread sleeps on a pipe, holding no
lock of the pool, so the server's event loop and other steps go on.

One pool per process: a forked child (a Celery worker process) starts with an empty one
and never touches the evaluators of its parent."""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any, cast

from catalog.expressions.bounds import DEFAULT_LIMITS, ExpressionError, Limits
from catalog.expressions.evaluator import HEADER, READY

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
MAX_IDLE = 8
START_TIMEOUT_S = 30.0
# How long past its limit a call waits for the evaluator's own answer (jsonata-python's
# time box answers `timeout` itself when the expression yields between nodes) before
# killing it.
GRACE_S = 0.05


class _Dead(Exception):
    """The evaluator ended while it held a request."""

    def __init__(self, returncode: int | None) -> None:
        super().__init__(returncode)
        self.returncode = returncode


class _Evaluator:
    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.process = subprocess.Popen(
            [sys.executable, "-m", "catalog.expressions.evaluator", str(memory_mb)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        self._in = cast(IO[bytes], self.process.stdin)
        self._out = cast(IO[bytes], self.process.stdout).fileno()
        if self._read(1, time.monotonic() + START_TIMEOUT_S) != READY:
            self.kill()
            raise RuntimeError("the expression evaluator did not start")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()

    def _read(self, size: int, deadline: float) -> bytes | None:
        """`size` bytes, or None when the deadline passes first; _Dead at end of file."""
        data = b""
        poller = select.poll()
        poller.register(self._out, select.POLLIN | select.POLLHUP)
        while len(data) < size:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                return None
            chunk = os.read(self._out, size - len(data))
            if not chunk:
                self.process.wait()
                raise _Dead(self.process.returncode)
            data += chunk
        return data

    def ask(self, request: bytes, wait_s: float) -> dict[str, Any] | None:
        """The answer to a request, or None when none came within `wait_s`."""
        try:
            self._in.write(HEADER.pack(len(request)) + request)
            self._in.flush()
        except (BrokenPipeError, OSError):
            self.process.wait()
            raise _Dead(self.process.returncode) from None
        deadline = time.monotonic() + wait_s
        header = self._read(HEADER.size, deadline)
        if header is None:
            return None
        # Once the answer has begun, its body follows at once (it was written in one go).
        body = self._read(HEADER.unpack(header)[0], max(deadline, time.monotonic() + 5))
        if body is None:
            return None
        return cast(dict[str, Any], json.loads(body))


class Sandbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Evaluator] = []
        self._pid = os.getpid()

    def _take(self, memory_mb: int) -> _Evaluator:
        with self._lock:
            if self._pid != os.getpid():  # forked: the evaluators are the parent's
                self._idle, self._pid = [], os.getpid()
            for index, evaluator in enumerate(self._idle):
                if evaluator.memory_mb == memory_mb:
                    del self._idle[index]
                    if evaluator.alive():
                        return evaluator
                    evaluator.kill()
                    break
        return _Evaluator(memory_mb)

    def _give_back(self, evaluator: _Evaluator) -> None:
        with self._lock:
            if self._pid == os.getpid() and evaluator.alive() and len(self._idle) < MAX_IDLE:
                self._idle.append(evaluator)
                return
        evaluator.kill()

    def _replace(self, memory_mb: int) -> None:
        """Start an evaluator in the background, so that the next call finds one warm."""

        def start() -> None:
            try:
                self._give_back(_Evaluator(memory_mb))
            except Exception:  # the next call starts one itself, and reports what fails
                logger.warning("could not start an expression evaluator", exc_info=True)

        threading.Thread(target=start, name="stepwise-evaluator-start", daemon=True).start()

    def warm(self, limits: Limits = DEFAULT_LIMITS, count: int = 1) -> None:
        """Have `count` evaluators idle (a worker process, before its first step)."""
        with self._lock:
            missing = count - sum(1 for e in self._idle if e.memory_mb == limits.memory_mb)
        for _ in range(missing):
            self._give_back(_Evaluator(limits.memory_mb))

    def evaluate(self, source: str, context: Any, limits: Limits, timeout_ms: int) -> Any:
        """The expression's value, evaluated in an evaluator process; ExpressionError when
        it fails, or runs past `timeout_ms`, its CPU time or its memory."""
        request = json.dumps(
            {"source": source, "context": context, "timeout_ms": timeout_ms, "limits": _limits(limits)}, default=str
        ).encode()
        for attempt in (1, 2):
            evaluator = self._take(limits.memory_mb)
            try:
                answer = evaluator.ask(request, timeout_ms / 1000 + GRACE_S)
            except _Dead as dead:
                evaluator.kill()
                if dead.returncode is not None and -dead.returncode == signal.SIGXCPU:
                    self._replace(limits.memory_mb)
                    raise ExpressionError(source, f"used more than {limits.cpu_s:g} s of CPU time", code="cpu") from None
                if attempt == 1 and dead.returncode == 0:
                    continue  # it had exited after a memory error of the previous call: once more on a fresh one
                self._replace(limits.memory_mb)
                raise ExpressionError(source, f"needed more than {limits.memory_mb} MB of memory", code="memory") from None
            if answer is None:
                evaluator.kill()
                self._replace(limits.memory_mb)
                raise ExpressionError(source, f"took longer than {timeout_ms} ms", code="timeout")
            self._give_back(evaluator)
            if "error" in answer:
                error = answer["error"]
                raise ExpressionError(source, str(error.get("reason")), code=error.get("code"), position=error.get("position"))
            return answer.get("value")
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for evaluator in idle:
            evaluator.kill()


def _limits(limits: Limits) -> dict[str, Any]:
    return {
        "timeout_ms": limits.timeout_ms,
        "cpu_s": limits.cpu_s,
        "memory_mb": limits.memory_mb,
        "max_depth": limits.max_depth,
        "max_output_bytes": limits.max_output_bytes,
    }


sandbox = Sandbox()
