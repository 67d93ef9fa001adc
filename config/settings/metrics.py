"""Prometheus metrics (monitoring/, docs/operations-metrics.md): where they are served and
the directory prometheus-client's multiprocess mode keeps each process's values in.

The directory is chosen here, while the settings load, because prometheus-client decides
once, when it is first imported (after the settings), whether it runs in multiprocess mode.

- PROMETHEUS_MULTIPROC_DIR set by the operator: every process given it writes there and
  /metrics sums them all (web processes, Celery workers and their pool processes, the
  tick). Stepwise never empties it: the process manager does, before the processes start.
- Unset: this process makes a directory of its own, var/metrics/<pid>/, empty, and uses it
  for itself and the processes it forks (a Celery worker's pool); a process it starts
  with exec (it finds STEPWISE_METRICS_DIR_OF naming another pid) makes its own. Those of
  processes that have exited are removed then. So a fresh `make run` needs no setting.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from config.env import env_int, env_str
from config.settings.base import VAR_DIR

# A Bearer token that /metrics asks for; unset, /metrics answers 404.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# A port on which the process that serves it (the web server; a Celery worker's parent
# process on a host without one) answers every path with the metrics, without a token.
METRICS_PORT = env_int("METRICS_PORT", 0, minimum=0)
METRICS_ADDRESS = env_str("METRICS_ADDRESS", "127.0.0.1")

_OWNER = "STEPWISE_METRICS_DIR_OF"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _own_directory(root: Path) -> Path:
    """var/metrics/<pid>/, emptied; the directories of processes that have exited, removed."""
    mine = root / str(os.getpid())
    with contextlib.suppress(FileNotFoundError):
        for other in root.iterdir():
            if other.name.isdigit() and other != mine and not _alive(int(other.name)):
                shutil.rmtree(other, ignore_errors=True)
    shutil.rmtree(mine, ignore_errors=True)
    mine.mkdir(parents=True)
    return mine


def _directory() -> Path:
    given, owner = os.environ.get("PROMETHEUS_MULTIPROC_DIR"), os.environ.get(_OWNER)
    if given and owner in (None, "", str(os.getpid())):
        Path(given).mkdir(parents=True, exist_ok=True)
        return Path(given)
    mine = _own_directory(VAR_DIR / "metrics")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(mine)
    os.environ[_OWNER] = str(os.getpid())
    return mine


METRICS_DIR = _directory()
