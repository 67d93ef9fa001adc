"""The evaluator processes: a zygote that forks evaluators, and the evaluators, which read
evaluation requests on a socket and answer on it.

    python -m catalog.expressions.evaluator <control fd> <memory_mb>

Started and stopped by catalog.expressions.sandbox, never by hand. The zygote imports
JSONata once and then only forks: a new evaluator costs a fork (about a millisecond), not
an interpreter's start (100 ms here, several times that with the CPU busy). For each
request on its control socket (one byte and a socket's descriptor) it forks an evaluator
that serves that socket, and answers with the evaluator's pid.

An evaluator imports nothing of Django, holds no database connection and no lock, and
runs at a lower priority than the server. Its limits are the operating system's: an
address-space limit of its size at the fork plus `memory_mb` (an allocation past it fails:
MemoryError, answered, and the process then exits so that the next request finds a clean
heap), and a CPU-time limit set before each request (past it the kernel ends the process
with SIGXCPU). The wall-clock limit is the caller's: it kills the evaluator when no answer
came in time.

Frames both ways: a 4-byte big-endian length, then that many bytes of JSON."""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import socket
import struct
import sys
from typing import Any, BinaryIO

from catalog.expressions.bounds import ExpressionError, Limits
from catalog.expressions.local import evaluate_here

FORK = b"F"
HEADER = struct.Struct(">I")
PID = struct.Struct(">q")


def _address_space_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1])
    return 0


def _read(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def _answer(stream: BinaryIO, payload: dict[str, Any]) -> None:
    body = json.dumps(payload, default=str, allow_nan=False).encode()
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


def _set_cpu_limit(cpu_s: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(used + cpu_s)
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def serve(memory_mb: int, requests: BinaryIO, answers: BinaryIO) -> None:
    limit = (_address_space_kb() * 1024) + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        header = _read(requests, HEADER.size)
        if header is None:
            return  # the caller went away
        body = _read(requests, HEADER.unpack(header)[0])
        if body is None:
            return
        request = json.loads(body)
        limits = Limits(**request["limits"])
        _set_cpu_limit(limits.cpu_s)
        out_of_memory = False
        try:
            value = evaluate_here(request["source"], request["context"], limits, request["timeout_ms"])
            payload: dict[str, Any] = {"value": value}
        except ExpressionError as exc:
            payload = {"error": exc.as_dict()}
            out_of_memory = exc.code == "memory"
        except MemoryError:
            payload = {"error": {"reason": f"needed more than {memory_mb} MB of memory", "code": "memory"}}
            out_of_memory = True
        try:
            _answer(answers, payload)
        except (MemoryError, ValueError):
            _answer(
                answers, {"error": {"reason": "the result cannot be returned (too large, or not a JSON value)", "code": "output_too_large"}}
            )
        if out_of_memory:
            return


def _evaluator(channel: socket.socket, memory_mb: int) -> None:
    """In the forked child: serve one caller until it goes away or a limit ends it."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.nice(10)  # the server and the workers' other work come first
    try:
        serve(memory_mb, channel.makefile("rb"), channel.makefile("wb"))
    finally:
        os._exit(0)  # never back into the zygote's loop


def zygote(control: socket.socket, memory_mb: int) -> None:
    """Fork an evaluator for every socket the caller sends; reap them as they end."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the evaluators
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C to the server is the server's to handle
    evaluate_here('$string($sum([1, 2])) & "x"', None)  # JSONata's code paths warm before the first fork
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1, 1)
        except (ConnectionError, OSError):
            return
        if message != FORK or not fds:
            return  # the caller went away (or spoke nonsense): so do we
        channel = socket.socket(fileno=fds[0])
        pid = os.fork()
        if pid == 0:
            control.close()
            _evaluator(channel, memory_mb)
        channel.close()
        control.sendall(PID.pack(pid))


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    memory_mb = int(sys.argv[2])
    os.dup2(2, 1)  # nothing a library prints may pass for an answer: stdout goes to stderr
    zygote(control, memory_mb)


if __name__ == "__main__":
    main()
