"""The evaluator process: reads evaluation requests on stdin, answers on stdout.

    python -m catalog.expressions.evaluator <memory_mb>

Started and stopped by catalog.expressions.sandbox, never by hand. It imports JSONata and
nothing of Django, holds no database connection and no lock, and runs at a lower priority
than the server. Its limits are the operating system's: an address-space limit of its
own size at start plus `memory_mb` (an allocation past it fails: MemoryError, answered,
and the process then exits so that the next request finds a clean heap), and a CPU-time
limit set before each request (past it the kernel ends the process with SIGXCPU). The
wall-clock limit is the caller's: it kills the process when no answer came in time.

Frames both ways: a 4-byte big-endian length, then that many bytes of JSON. After start
the process writes one byte when it is ready, so that its import time never counts
against an evaluation's time."""

from __future__ import annotations

import json
import math
import os
import resource
import struct
import sys
from typing import Any, BinaryIO

from catalog.expressions.bounds import ExpressionError, Limits
from catalog.expressions.local import evaluate_here

READY = b"R"
HEADER = struct.Struct(">I")


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
    answers.write(READY)
    answers.flush()
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


def main() -> None:
    memory_mb = int(sys.argv[1]) if len(sys.argv) > 1 else Limits().memory_mb
    os.nice(10)  # the server and the workers' other work come first
    # Answers go on a copy of stdout; anything a library prints goes to stderr instead.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(memory_mb, sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
