"""Where each process keeps its metrics' files (config/settings/metrics.py): the operator's
PROMETHEUS_MULTIPROC_DIR as given, else a directory of its own per started process."""

from __future__ import annotations

import os
import subprocess
import sys

from config.settings import metrics as chosen


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_operators_directory_is_used_as_given_and_never_emptied(tmp_path, monkeypatch):
    given = tmp_path / "shared"
    given.mkdir()
    (given / "counter_1.db").write_bytes(b"x")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(given))
    monkeypatch.delenv("STEPWISE_METRICS_DIR_OF", raising=False)
    assert chosen._directory() == given
    assert (given / "counter_1.db").exists()


def test_a_process_started_by_one_that_chose_its_own_directory_makes_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr(chosen, "VAR_DIR", tmp_path)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics" / "1"))
    monkeypatch.setenv("STEPWISE_METRICS_DIR_OF", "1")  # the parent's, inherited through exec
    mine = chosen._directory()
    assert mine == tmp_path / "metrics" / str(os.getpid())
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(mine)
    assert os.environ["STEPWISE_METRICS_DIR_OF"] == str(os.getpid())
    # Asked again in the same process (or a fork of it, which keeps os.environ): the same one.
    assert chosen._directory() == mine


def test_its_own_directory_starts_empty_and_those_of_exited_processes_go(tmp_path):
    root = tmp_path / "metrics"
    stale, exited, alive = root / str(os.getpid()), root / str(_dead_pid()), root / str(os.getppid())
    for directory in (stale, exited, alive):
        directory.mkdir(parents=True)
        (directory / "counter_9.db").write_bytes(b"x")
    assert chosen._own_directory(root) == stale
    assert list(stale.iterdir()) == []
    assert not exited.exists()
    assert (alive / "counter_9.db").exists()  # a running process keeps its files
