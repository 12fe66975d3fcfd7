"""One pipeline run at a time per warehouse folder (`$ZHENGAI_HOME/run.lock`).

Two runs writing at once would fight over `gate_results.duckdb` (one writer per DuckDB file) and over the build
folder. Whoever starts a run first — `zhengai run`, a schedule, the drop-folder sensor — writes the lock file
with its run id, start time, host and process id; any other run stops at once with
「另一个运行正在进行（运行 …，开始于 …）」.

    acquire(home, run_id)   # raises RunCollision when another live run holds the lock
    release(home, run_id)   # only the holder's own lock is removed

A lock is stale, and taken over, when its process is gone (a killed `zhengai run`) or when Dagster records its
run as finished (a failed scheduled run whose worker never released it).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

LOCK_NAME = "run.lock"


class RunCollision(RuntimeError):
    """Another run holds the warehouse; `str(e)` is the Chinese sentence for the user."""


@dataclass(frozen=True)
class LockInfo:
    run_id: str
    started_at: str
    pid: int
    host: str

    @property
    def message(self) -> str:
        return f"另一个运行正在进行（运行 {self.run_id}，开始于 {self.started_at}，进程 {self.pid}）"


def lock_path(home: Path) -> Path:
    return Path(home) / LOCK_NAME


def current(home: Path) -> LockInfo | None:
    """The lock as written, or None (no lock, or an unreadable one left by a crash while writing it)."""
    try:
        data = json.loads(lock_path(home).read_text(encoding="utf-8"))
        return LockInfo(str(data["run_id"]), str(data["started_at"]), int(data["pid"]), str(data.get("host", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _run_finished(run_id: str) -> bool:
    """True when the Dagster instance knows the run and it has ended (success, failure, cancel)."""
    try:
        import dagster as dg

        if not os.environ.get("DAGSTER_HOME"):
            return False
        with dg.DagsterInstance.get() as instance:
            run = instance.get_run_by_id(run_id)
            return run is not None and run.is_finished
    except Exception:  # noqa: BLE001 - no instance to ask: only the process check decides
        return False


def is_stale(info: LockInfo) -> bool:
    if info.host and info.host != socket.gethostname():
        return _run_finished(info.run_id)  # another machine's process cannot be checked
    if info.pid == os.getpid():
        return True  # this process runs one in-process run at a time: its earlier run has ended
    return not _pid_alive(info.pid) or _run_finished(info.run_id)


def held_by_other(home: Path, run_id: str | None = None) -> LockInfo | None:
    """The live lock of another run, else None."""
    info = current(home)
    if info is None or info.run_id == run_id or is_stale(info):
        return None
    return info


def acquire(home: Path, run_id: str, *, pid: int | None = None) -> None:
    """Take the lock for `run_id` (again: a no-op). Raises RunCollision when another live run holds it."""
    path = lock_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            info = current(home)
            if info is not None and info.run_id == run_id:
                return
            if info is not None and not is_stale(info):
                raise RunCollision(info.message) from None
            path.unlink(missing_ok=True)  # stale or unreadable: take it over
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"run_id": run_id, "started_at": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
                       "pid": pid or owner_pid(), "host": socket.gethostname()}, fh, ensure_ascii=False)
        return
    raise RunCollision(f"无法取得运行锁 {path}（反复被其他运行抢占）")


def owner_pid() -> int:
    """The process that lives as long as the run: this one for an in-process run (`zhengai run`), the run
    worker for a step that Dagster's multiprocess executor started in a child process (schedules, sensor, UI)."""
    import multiprocessing

    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None and parent.pid else os.getpid()


def release(home: Path, run_id: str) -> None:
    info = current(home)
    if info is not None and info.run_id == run_id:
        lock_path(home).unlink(missing_ok=True)
