"""`zhengai-dbt`: dbt run by a worker started early (pipelines/dbt_worker.py), or plain dbt without one.

Real dbt, real processes: the worker imports dbt and parses the project, the client hands it a command and its
standard streams, and the command's output and exit code come back through the client as from dbt itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.assets.dbt import SHARED_PARSE
from pipelines.config import REPO_ROOT
from pipelines.dbt_worker import PARSE_STATE, SOCKET_ENV, Worker, dbt_env

DBT_DIR = REPO_ROOT / "dbt_project"
CLIENT = Path(sys.executable).with_name("zhengai-dbt")
pytestmark = pytest.mark.skipif(not CLIENT.exists(), reason="zhengai-dbt is not installed: run `make setup`")


def _messages(stdout: str) -> list[str]:
    """dbt's JSON log lines (DBT_LOG_FORMAT=json, as dagster-dbt reads them): their messages."""
    return [json.loads(line)["info"]["msg"] for line in stdout.splitlines() if line.startswith("{")]


@pytest.fixture
def worker(tmp_path, monkeypatch):
    target, work_db = tmp_path / "dbt" / "target", tmp_path / "build" / "dbt" / "serving.duckdb"
    w = Worker(target, work_db, DBT_DIR, SHARED_PARSE / PARSE_STATE)
    env = {**dbt_env(target, work_db, DBT_DIR), SOCKET_ENV: str(w.path)}
    yield w, env, tmp_path / "dbt" / "worker.log"
    w.stop()
    monkeypatch.delenv(SOCKET_ENV, raising=False)


def test_the_worker_runs_the_command_on_its_parsed_project_with_the_callers_output(worker):
    w, env, log = worker
    proc = subprocess.run([str(CLIENT), "ls", "--select", "fct_warnings", "--resource-type", "model",
                           "--output", "name"], env=env, cwd=DBT_DIR, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "fct_warnings" in _messages(proc.stdout)
    assert "on the manifest parsed in advance" in log.read_text(encoding="utf-8")
    assert w.process.wait(timeout=30) == 0  # one command, then the worker is gone
    assert not w.path.exists()


def test_the_worker_drops_only_the_debug_events_no_log_writes(worker):
    """The worker skips formatting dbt's debug events when no log writes them (`quiet_debug_events`); a command asking
    for debug output still gets every event, beside the info ones."""
    _, env, log = worker
    proc = subprocess.run([str(CLIENT), "--log-level", "debug", "ls", "--select", "fct_warnings", "--resource-type",
                           "model", "--output", "name"], env=env, cwd=DBT_DIR, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    levels = [json.loads(line)["info"]["level"] for line in proc.stdout.splitlines() if line.startswith("{")]
    assert "on the manifest parsed in advance" in log.read_text(encoding="utf-8")
    assert "debug" in levels and "info" in levels, levels


def test_a_new_homes_worker_parses_nothing_again_from_the_checkouts_parse_state(worker):
    """The first run of a new home: the dbt target folder starts from the checkout's partial-parse state, and,
    since dbt reads the work file by the same relative name in every home, dbt reparses no file."""
    w, _, _ = worker
    assert (SHARED_PARSE / PARSE_STATE).exists()  # left by the definitions' parse (ensure_manifest)
    perf = w.path.parent / "target" / "perf_info.json"
    deadline = time.monotonic() + 300
    while not perf.exists() and w.process.poll() is None and time.monotonic() < deadline:  # the worker's parse
        time.sleep(0.2)
    info = json.loads(perf.read_text(encoding="utf-8"))
    assert info["path_count"] > 200 and info["parsed_path_count"] == 0, info


def test_a_failing_command_gives_dbts_exit_code_and_error(worker):
    _, env, _ = worker
    proc = subprocess.run([str(CLIENT), "run-operation", "no_such_macro"], env=env, cwd=DBT_DIR,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert any("no_such_macro" in m for m in _messages(proc.stdout)), proc.stdout[-2000:]


def test_without_a_worker_zhengai_dbt_is_dbt(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != SOCKET_ENV}
    plain = subprocess.run([str(CLIENT), "--version"], env=env, capture_output=True, text=True, timeout=120)
    gone = subprocess.run([str(CLIENT), "--version"], env={**env, SOCKET_ENV: str(tmp_path / "gone.sock")},
                          capture_output=True, text=True, timeout=120)
    for proc in (plain, gone):
        assert proc.returncode == 0 and "installed" in proc.stdout.lower(), proc.stdout + proc.stderr


def test_a_worker_that_ends_without_an_answer_fails_the_command_with_a_message(tmp_path):
    import socket
    import threading

    path = tmp_path / "dying.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def accept_and_die():
        conn, _ = server.accept()
        _, fds, _, _ = socket.recv_fds(conn, 8, 3)
        for fd in fds:  # the caller's streams: held, the caller's reader would never see their end
            os.close(fd)
        conn.close()

    threading.Thread(target=accept_and_die, daemon=True).start()
    env = {**os.environ, SOCKET_ENV: str(path)}
    proc = subprocess.run([str(CLIENT), "build"], env=env, capture_output=True, text=True, timeout=60)
    server.close()
    assert proc.returncode == 2
    assert "dbt 工作进程意外退出" in proc.stderr
