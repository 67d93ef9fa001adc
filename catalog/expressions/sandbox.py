"""A pool of evaluator processes (catalog.expressions.evaluator) for the expressions that
are not bounded by construction.

A call takes an idle evaluator (or has the zygote fork one: a millisecond), sends the
expression and its data, and waits for the answer at most the evaluation's time limit.
Past it the evaluator is killed (SIGKILL) and the call fails with `timeout`; an evaluator
that a CPU or memory limit ended fails the call with `limit` (a memory error it caught
itself: `memory`). Nothing else waits: the caller's thread sleeps on a socket, holding no
lock of the pool, so the server's event loop and the other steps go on.

One pool per process: a forked child (a Celery worker process) starts with an empty one
and never touches the evaluators of its parent."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, cast

from catalog.expressions.bounds import DEFAULT_LIMITS, ExpressionError, Limits
from catalog.expressions.evaluator import FORK, HEADER, PID

ROOT = Path(__file__).resolve().parents[2]
MAX_IDLE = 8
START_TIMEOUT_S = 30.0  # the zygote's start, under a loaded machine
# How long past its limit a call waits for the evaluator's own answer (jsonata-python's
# time box answers `timeout` itself when the expression yields between nodes) before
# killing it.
GRACE_S = 0.05


class _Dead(Exception):
    """The evaluator ended while it held a request: a CPU or memory limit (or a crash)."""


class _Zygote:
    """The process that forks evaluators (catalog.expressions.evaluator): one per memory
    limit, started on first need and again when it is gone."""

    def __init__(self, memory_mb: int) -> None:
        self.control, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "catalog.expressions.evaluator", str(theirs.fileno()), str(memory_mb)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            pass_fds=[theirs.fileno()],
        )
        theirs.close()
        self.control.settimeout(START_TIMEOUT_S)  # its first answer waits for its imports
        self._lock = threading.Lock()

    def alive(self) -> bool:
        return self.process.poll() is None

    def fork(self) -> tuple[socket.socket, int]:
        """A new evaluator: the socket to talk to it and its pid."""
        ours, theirs = socket.socketpair()
        try:
            with self._lock:
                socket.send_fds(self.control, [FORK], [theirs.fileno()])
                answer = b""
                while len(answer) < PID.size:
                    chunk = self.control.recv(PID.size - len(answer))
                    if not chunk:
                        raise RuntimeError("the expression evaluators' zygote ended")
                    answer += chunk
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        return ours, PID.unpack(answer)[0]

    def stop(self) -> None:
        self.control.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class _Evaluator:
    def __init__(self, zygote: _Zygote, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.channel, self.pid = zygote.fork()
        self._fd = self.channel.fileno()
        self.dead = False

    def kill(self) -> None:
        if not self.dead:
            self.dead = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.channel.close()

    def _read(self, size: int, deadline: float) -> bytes | None:
        """`size` bytes, or None when the deadline passes first; _Dead at end of file."""
        data = b""
        poller = select.poll()
        poller.register(self._fd, select.POLLIN | select.POLLHUP)
        while len(data) < size:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                return None
            chunk = os.read(self._fd, size - len(data))
            if not chunk:
                raise _Dead
            data += chunk
        return data

    def ask(self, request: bytes, wait_s: float) -> dict[str, Any] | None:
        """The answer to a request, or None when none came within `wait_s`."""
        try:
            self.channel.sendall(HEADER.pack(len(request)) + request)
        except OSError:
            raise _Dead from None
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
        self._zygotes: dict[int, _Zygote] = {}
        self._pid = os.getpid()

    def _forked(self) -> None:
        """In a forked child (a Celery worker process): the evaluators and zygotes are the
        parent's; forget them (under self._lock)."""
        if self._pid != os.getpid():
            self._idle, self._zygotes, self._pid = [], {}, os.getpid()

    def _zygote(self, memory_mb: int) -> _Zygote:
        with self._lock:
            self._forked()
            zygote = self._zygotes.get(memory_mb)
            if zygote is None or not zygote.alive():
                if zygote is not None:
                    zygote.stop()
                zygote = self._zygotes[memory_mb] = _Zygote(memory_mb)
            return zygote

    def _take(self, memory_mb: int) -> _Evaluator:
        with self._lock:
            self._forked()
            for index, evaluator in enumerate(self._idle):
                if evaluator.memory_mb == memory_mb:
                    del self._idle[index]
                    return evaluator
        return _Evaluator(self._zygote(memory_mb), memory_mb)

    def _give_back(self, evaluator: _Evaluator) -> None:
        with self._lock:
            if self._pid == os.getpid() and not evaluator.dead and len(self._idle) < MAX_IDLE:
                self._idle.append(evaluator)
                return
        evaluator.kill()

    def warm(self, limits: Limits = DEFAULT_LIMITS) -> None:
        """Start the zygote and one evaluator now (a worker process, before its first step),
        rather than at the first expression that needs them."""
        with self._lock:
            self._forked()
            if any(e.memory_mb == limits.memory_mb for e in self._idle):
                return
        self._give_back(_Evaluator(self._zygote(limits.memory_mb), limits.memory_mb))

    def evaluate(self, source: str, context: Any, limits: Limits, timeout_ms: int) -> Any:
        """The expression's value, evaluated in an evaluator process; ExpressionError when
        it fails, or runs past `timeout_ms`, its CPU time or its memory."""
        request = json.dumps(
            {"source": source, "context": context, "timeout_ms": timeout_ms, "limits": _limits(limits)}, default=str
        ).encode()
        evaluator = self._take(limits.memory_mb)
        try:
            answer = evaluator.ask(request, timeout_ms / 1000 + GRACE_S)
        except _Dead:
            evaluator.kill()
            reason = f"was stopped: it needed more than {limits.cpu_s:g} s of CPU time or {limits.memory_mb} MB of memory"
            raise ExpressionError(source, reason, code="limit") from None
        if answer is None:
            evaluator.kill()
            raise ExpressionError(source, f"took longer than {timeout_ms} ms", code="timeout")
        error = answer.get("error")
        if error is not None and error.get("code") == "memory":
            evaluator.kill()  # it exits after a memory error: its heap may be in pieces
        else:
            self._give_back(evaluator)
        if error is not None:
            raise ExpressionError(source, str(error.get("reason")), code=error.get("code"), position=error.get("position"))
        return answer.get("value")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            zygotes, self._zygotes = list(self._zygotes.values()), {}
        for evaluator in idle:
            evaluator.kill()
        for zygote in zygotes:
            zygote.stop()


def _limits(limits: Limits) -> dict[str, Any]:
    return {
        "timeout_ms": limits.timeout_ms,
        "cpu_s": limits.cpu_s,
        "memory_mb": limits.memory_mb,
        "max_depth": limits.max_depth,
        "max_output_bytes": limits.max_output_bytes,
    }


sandbox = Sandbox()
