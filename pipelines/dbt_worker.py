"""A dbt process started early, so that a run's dbt step does not wait for dbt to import and parse.

`zhengai run` starts `python -m pipelines.dbt_worker <socket>` as soon as it knows the run will build dbt models.
While the source units are read and gated (on the machine's other core), the worker imports dbt and parses the
project — partially, as the dbt step would (≈ 2.5 s on this machine kind) — with the environment the dbt step will
give dbt (`dbt_env`). dagster-dbt then starts `zhengai-dbt` (`client`) instead of `dbt`: it hands its arguments,
environment, working folder and standard streams to the worker, waits, and exits with dbt's exit code; dagster-dbt
reads dbt's JSON log from the same pipe as ever. When the environment is the one the worker parsed with, dbt runs
on that manifest; otherwise dbt parses as usual (only the import was saved).

Without a worker — a run launched from the Dagster UI or the schedules, or a worker that is gone — `zhengai-dbt`
is plain dbt (`os.execv`). A worker serves one dbt command and exits; it also exits when the run's process does.
dbt opens the run's work file by its name, from its folder as the working folder (`relative_work_db`): the profile
then reads the same path in every home, so dbt's partial-parse state — which hashes the profile's connection values —
carries over between homes, and a new home's first run starts from the checkout's parse state (`seed_parse_state`;
a full parse costs ≈ 7.5 CPU-s, a partial one ≈ 3.3 s, in the run's busiest phase).

The worker drops dbt's debug events before dbt formats them (`quiet_debug_events`): no log of the run writes them.

This module imports only the standard library at the top: `zhengai-dbt` starts in a few milliseconds.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

SOCKET_ENV = "ZHENGAI_DBT_WORKER"
WORK_DB_ENV = "ZHENGAI_WORK_DB"  # the profile's path of the DuckDB file dbt builds
PARSE_STATE = "partial_parse.msgpack"
# what a dbt parse reads from the environment (the profile reads ZHENGAI_*; dbt its flags from DBT_*)
_PARSE_ENV_PREFIXES = ("DBT_", "ZHENGAI_")
# arguments that change what dbt parses: with any of them the worker's manifest is not used
_PARSE_ARGS = ("--vars", "--target", "-t", "--profile", "--project-dir", "--profiles-dir", "--target-path")
_MAX_MESSAGE = 1 << 24  # arguments and environment, as JSON


# where the pipeline's dbt works (pipelines/assets/dbt.py): named here so that `zhengai run` can start the worker
# before it imports Dagster and dagster-dbt
DBT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
HAS_DBT = (DBT_DIR / "dbt_project.yml").exists()
# the checkout's parse (assets.dbt.ensure_manifest): its partial-parse state seeds the dbt target folder of a new home
SHARED_PARSE = DBT_DIR / "target" / "shared-parse"
# the fixed path dbt opens the run's build file under: `build/dbt/serving.duckdb`, so the catalog dbt writes into
# views is "serving", the same as the published file's — views resolve for every reader (pipelines/publish.py)
WORK_DB_DIR, WORK_DB_NAME = "dbt", "serving.duckdb"


def dbt_target(home: Path) -> Path:
    """dbt's target folder, the same for every run (partial parsing, run_results.json)."""
    return home / "dbt" / "target"


def work_db_link(build_dir: Path) -> Path:
    """`build/dbt/serving.duckdb`, where dbt opens the run's build file (the profile's ZHENGAI_WORK_DB)."""
    return build_dir / WORK_DB_DIR / WORK_DB_NAME


def client_path() -> Path:
    """`zhengai-dbt` of this environment (the executable dagster-dbt starts for dbt)."""
    return Path(sys.executable).with_name("zhengai-dbt")


def start_for_run(home: Path, build_dir: Path) -> Worker | None:
    """A dbt process that imports dbt and parses the project while the run reads its sources."""
    if not HAS_DBT or not client_path().exists():
        return None
    return Worker(dbt_target(home), work_db_link(build_dir), DBT_DIR, SHARED_PARSE / PARSE_STATE)


def real_dbt() -> str:
    """The dbt of this environment (the venv is not always on PATH, e.g. `.venv/bin/zhengai run`)."""
    return str(Path(sys.executable).with_name("dbt"))


# ---- the client: the executable dagster-dbt starts

def relative_work_db(env: dict[str, str], cwd: str) -> tuple[dict[str, str], str]:
    """(environment, working folder) for dbt with the work file named relative to its own folder: the same profile
    path in every home. The project folder, found from the working folder before, is named in DBT_PROJECT_DIR."""
    path = env.get(WORK_DB_ENV, "")
    if not os.path.isabs(path) or not os.path.isdir(os.path.dirname(path)):  # no folder yet: dbt as given
        return env, cwd
    return {**env, WORK_DB_ENV: os.path.basename(path), "DBT_PROJECT_DIR": env.get("DBT_PROJECT_DIR", cwd)}, \
        os.path.dirname(path)


def seed_parse_state(target: Path, seed: Path) -> None:
    """A target folder without dbt's partial-parse state gets a copy of `seed` (the checkout's, from the parse of
    the definitions): dbt checks it against the project files and the profile, and reparses what differs."""
    state = target / PARSE_STATE
    if state.exists() or not seed.exists():
        return
    part = state.with_name(f"{PARSE_STATE}.{os.getpid()}")
    shutil.copyfile(seed, part)
    os.replace(part, state)


def client() -> None:
    """`zhengai-dbt <dbt arguments>`: the command run by the worker when there is one, else plain dbt."""
    args = sys.argv[1:]
    env, cwd = relative_work_db(dict(os.environ), os.getcwd())
    path = env.get(SOCKET_ENV)
    conn = None
    if path:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(path)
        except OSError:  # the worker is gone (or served its one command): dbt as usual
            conn.close()
            conn = None
    if conn is None:
        os.chdir(cwd)
        os.execve(real_dbt(), [real_dbt(), *args], env)
    message = json.dumps({"args": args, "env": env, "cwd": cwd}).encode()
    socket.send_fds(conn, [len(message).to_bytes(8, "big") + message], [0, 1, 2])
    reader = conn.makefile("r", encoding="utf-8")
    try:
        pid = reader.readline().strip()
        if pid.isdigit():
            for sig in (signal.SIGINT, signal.SIGTERM):  # dagster-dbt stops a cancelled step's dbt by signal
                signal.signal(sig, lambda s, _f: os.kill(int(pid), s))
            code = reader.readline().strip()
            if code.lstrip("-").isdigit():
                sys.exit(int(code))
    except OSError:  # the connection reset: the worker is gone
        pass
    print("zhengai-dbt: dbt 工作进程意外退出，未给出结果 / the dbt worker ended without an exit code", file=sys.stderr)
    sys.exit(2)


# ---- the worker

def dbt_env(target: Path, work_db: Path, dbt_dir: Path) -> dict[str, str]:
    """The environment dagster-dbt gives dbt (DbtCliResource.cli) in the dbt step, before `relative_work_db`."""
    return {**os.environ, "PYTHONUNBUFFERED": "1", "DAGSTER_DBT_CLI": "true",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_LOG_FORMAT": "json",
            "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target),
            "DBT_PROFILES_DIR": str(dbt_dir), "DBT_PROJECT_DIR": str(dbt_dir), "ZHENGAI_WORK_DB": str(work_db)}


def _parse_inputs(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(_PARSE_ENV_PREFIXES) and k != SOCKET_ENV}


def _differing(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """The parse-relevant environment variables whose values differ between `a` and `b`."""
    a, b = _parse_inputs(a), _parse_inputs(b)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def serve(path: str, listening_fd: int) -> int:
    """Import dbt, parse, then run the one dbt command a client sends on the socket at `path` (bound and listening
    already: `Worker` binds it before starting this process, so a client never finds it missing)."""
    server = socket.socket(fileno=listening_fd)
    parsed_env = dict(os.environ)
    quiet_debug_events()
    manifest = _parse()
    server.settimeout(1.0)
    parent = os.getppid()
    while True:
        try:
            conn, _ = server.accept()
            break
        except TimeoutError:
            if os.getppid() != parent:  # the run's process is gone
                return 0
    server.close()
    os.unlink(path)  # one command: a second client runs dbt itself
    conn.settimeout(None)
    head, fds, _, _ = socket.recv_fds(conn, 8, 3)
    size = int.from_bytes(head, "big")
    if len(fds) != 3 or size > _MAX_MESSAGE:
        return 2
    body = b""
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            return 2
        body += chunk
    request = json.loads(body)
    conn.sendall(f"{os.getpid()}\n".encode())
    reuse = (manifest is not None and _parse_inputs(request["env"]) == _parse_inputs(parsed_env)
             and not any(a.split("=")[0] in _PARSE_ARGS for a in request["args"]))
    how = ("on the manifest parsed in advance" if reuse else
           f"parsing again (environment or arguments differ: {', '.join(_differing(request['env'], parsed_env))})")
    print(f"dbt {' '.join(request['args'])}: {how}", flush=True)  # in worker.log, beside the warm-up's own output
    sys.stderr.flush()
    for target, fd in zip((0, 1, 2), fds, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    code = _run(request["args"], manifest if reuse else None)
    sys.stdout.flush()
    sys.stderr.flush()
    conn.sendall(f"{code}\n".encode())
    conn.close()
    return 0


_QUIET_CALLBACKS = {"track_behavior_change_warn"}  # dbt's own callback: it reads behaviour-change warnings only


def quiet_debug_events() -> None:
    """dbt turns every event into a message (protobuf, then a JSON line for the pipe to dagster-dbt) before its loggers
    drop what is below their level: ≈ 9,000 debug events a full build — each SQL statement, connection and cache
    action — held the interpreter ≈ 2 s of a full S build that two dbt threads share. In this process, an event of
    level debug that no logger writes and no callback but dbt's own reads is dropped before that; every other event
    takes dbt's way. Without this (dbt not run by the worker) the output is the same."""
    try:
        from dbt_common.events.base_types import EventLevel
        from dbt_common.events.event_manager import EventManager
        from dbt_common.events.logger import _log_level_map
    except ImportError:  # another dbt: its own way
        return
    fire = EventManager.fire_event
    if getattr(fire, "quiet", False):
        return

    def fire_event(self, e, level=None, node=None, force_warn_or_error_handling=False):
        if ((level or e.level_tag()) == EventLevel.DEBUG and not force_warn_or_error_handling
                and all(getattr(cb, "__name__", "") in _QUIET_CALLBACKS for cb in self.callbacks)
                and all(_log_level_map[lg.level] > _log_level_map[EventLevel.DEBUG] for lg in self.loggers)):
            return None
        return fire(self, e, level=level, node=node, force_warn_or_error_handling=force_warn_or_error_handling)

    fire_event.quiet = True
    EventManager.fire_event = fire_event


def _parse():
    """dbt imported and the project parsed (partially, from the target folder's partial_parse.msgpack), or None."""
    from dbt.cli.main import dbtRunner

    from pipelines.config import dbt_file_log_level

    try:
        # no manifest.json (≈ 0.35 CPU-s while the sources are read): the manifest is handed to the build in memory,
        # and the build writes its own
        res = dbtRunner().invoke(["parse", "--quiet", "--log-level-file", dbt_file_log_level(), "--no-write-json"])
    except Exception:  # noqa: BLE001 - the dbt command will parse itself and report what is wrong
        return None
    return res.result if res.success else None


def _run(args: list[str], manifest) -> int:
    """dbt's exit code as its command line gives it: 0 success, 1 a node failed, 2 dbt could not run."""
    from dbt.cli.main import dbtRunner

    res = dbtRunner(manifest=manifest).invoke(list(args))
    if res.success:
        return 0
    return 2 if res.exception is not None else 1


class Worker:
    """The worker process of one run (`start`), stopped and its socket removed at the end of the run (`stop`)."""

    def __init__(self, target: Path, work_db: Path, dbt_dir: Path, seed_state: Path):
        target.mkdir(parents=True, exist_ok=True)
        seed_parse_state(target, seed_state)
        work_db.parent.mkdir(parents=True, exist_ok=True)  # the folder dbt will work in (relative_work_db)
        self.path = target.parent / f"worker-{os.getpid()}.sock"
        self.path.unlink(missing_ok=True)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.path))
        server.listen(1)
        log = (target.parent / "worker.log").open("w", encoding="utf-8")  # the warm-up parse's own output
        env, _ = relative_work_db(dbt_env(target, work_db, dbt_dir), str(dbt_dir))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.dbt_worker", str(self.path), str(server.fileno())],
            env=env, cwd=dbt_dir, pass_fds=(server.fileno(),),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        server.close()  # the worker holds the only listening copy: once it is gone, a client is refused, not left waiting
        os.environ[SOCKET_ENV] = str(self.path)

    def stop(self) -> None:
        os.environ.pop(SOCKET_ENV, None)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.path.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], int(sys.argv[2])))
