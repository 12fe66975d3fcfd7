"""Run Superset's side of the work from the pipeline environment (subprocesses of `.venv-superset`).

| variable | default | meaning |
|---|---|---|
| ZHENGAI_HOME | <repo>/warehouse | the served warehouse is `$ZHENGAI_HOME/serving.duckdb` |
| ZHENGAI_SUPERSET_HOME | $ZHENGAI_HOME/superset | metadata DB (SQLite), secret_key, pid and log files |
| ZHENGAI_SUPERSET_VENV | <repo>/.venv-superset | the Superset environment |
| ZHENGAI_SUPERSET_ADMIN_PASSWORD | (required unless --demo) | password of the `admin` user |
| SUPERSET_SECRET_KEY | (else generated once into $ZHENGAI_SUPERSET_HOME/secret_key) | Flask secret |
| ZHENGAI_SUPERSET_DB / ZHENGAI_REDIS_URL | SQLite / none | production metadata DB and cache |
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EXPORTS_DIR = REPO_ROOT / "superset_exports"
ASSETS_DIR = EXPORTS_DIR / "assets"
CONFIG_PATH = EXPORTS_DIR / "superset_config.py"
SIDE_SCRIPT = Path(__file__).resolve().with_name("superset_side.py")
ORG_SEED = REPO_ROOT / "seeds" / "org_departments.csv"

# Documented demo password (docs/superset.md): used ONLY with --demo, for admin and the demo users.
DEMO_PASSWORD = "zhengai-demo-2025"


class SupersetError(RuntimeError):
    """A Superset step failed; the message says which and why (in Chinese)."""


@dataclass(frozen=True)
class SupersetPaths:
    venv: Path
    home: Path  # ZHENGAI_SUPERSET_HOME
    warehouse_home: Path  # ZHENGAI_HOME

    @property
    def serving(self) -> Path:
        return self.warehouse_home / "serving.duckdb"

    @property
    def superset_bin(self) -> Path:
        return self.venv / "bin" / "superset"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def gunicorn(self) -> Path:
        return self.venv / "bin" / "gunicorn"

    @property
    def pid_file(self) -> Path:
        return self.home / "superset.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "superset.log"

    @property
    def port_file(self) -> Path:
        return self.home / "superset.port"


def paths_from_env(env: dict[str, str] | None = None) -> SupersetPaths:
    env = dict(os.environ if env is None else env)
    warehouse_home = Path(env.get("ZHENGAI_HOME", REPO_ROOT / "warehouse")).resolve()
    home = Path(env.get("ZHENGAI_SUPERSET_HOME", warehouse_home / "superset")).resolve()
    venv = Path(env.get("ZHENGAI_SUPERSET_VENV", REPO_ROOT / ".venv-superset")).resolve()
    return SupersetPaths(venv=venv, home=home, warehouse_home=warehouse_home)


def available(paths: SupersetPaths | None = None) -> bool:
    paths = paths or paths_from_env()
    return paths.superset_bin.exists() and paths.python.exists()


def superset_env(paths: SupersetPaths, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a `.venv-superset` subprocess: nothing of this (pipeline) venv leaks in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{paths.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(paths.venv)
    env["SUPERSET_CONFIG_PATH"] = str(CONFIG_PATH)
    env["FLASK_APP"] = "superset.app:create_app()"
    env["ZHENGAI_HOME"] = str(paths.warehouse_home)
    env["ZHENGAI_SUPERSET_HOME"] = str(paths.home)
    env.setdefault("SUPERSET_LOAD_EXAMPLES", "no")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def ensure_secret_key(paths: SupersetPaths) -> None:
    """Write a random secret key once (mode 0600) unless SUPERSET_SECRET_KEY is set. Never rewritten:
    a new key would make stored database passwords unreadable."""
    if os.environ.get("SUPERSET_SECRET_KEY"):
        return
    paths.home.mkdir(parents=True, exist_ok=True)
    key_file = paths.home / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))


def _run(cmd: list[str], paths: SupersetPaths, step: str, extra_env: dict[str, str] | None = None,
         echo=print) -> str:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=superset_env(paths, extra_env), capture_output=True, text=True,
                          cwd=str(REPO_ROOT))
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise SupersetError(f"{step} 失败（退出码 {proc.returncode}）：\n{tail}")
    echo(f"  ✓ {step}（{time.perf_counter() - started:.1f} 秒）")
    return proc.stdout


def provision(*, demo: bool = False, skip_upgrade: bool = False, paths: SupersetPaths | None = None,
              assets: Path = ASSETS_DIR, echo=print) -> dict:
    """Idempotent: db upgrade, init, admin, roles, the read-only warehouse connection, the assets, RLS,
    demo users (demo only). Returns the object counts Superset holds afterwards."""
    paths = paths or paths_from_env()
    if not available(paths):
        raise SupersetError(f"找不到 Superset 环境 {paths.venv}（先运行 make setup）")
    password = os.environ.get("ZHENGAI_SUPERSET_ADMIN_PASSWORD") or (DEMO_PASSWORD if demo else "")
    if not password:
        raise SupersetError("请设置环境变量 ZHENGAI_SUPERSET_ADMIN_PASSWORD（管理员密码），或用 --demo 使用演示密码")
    ensure_secret_key(paths)
    echo(f"Superset 目录 / home: {paths.home}；数据仓库 / warehouse: {paths.serving}")
    if not skip_upgrade:
        _run([str(paths.superset_bin), "db", "upgrade"], paths, "superset db upgrade（元数据库迁移）", echo=echo)
        _run([str(paths.superset_bin), "init"], paths, "superset init（内置角色与权限）", echo=echo)
    cmd = [str(paths.python), str(SIDE_SCRIPT), "provision", "--serving", str(paths.serving),
           "--assets", str(assets), "--org-seed", str(ORG_SEED)]
    if demo:
        cmd += ["--demo", "--demo-password", DEMO_PASSWORD]
    out = _run(cmd, paths, "管理员、角色、只读数据库连接、数据集/图表/看板、行级权限",
               extra_env={"ZHENGAI_SUPERSET_ADMIN_PASSWORD": password}, echo=echo)
    return _last_json(out)


def counts(paths: SupersetPaths | None = None) -> dict:
    paths = paths or paths_from_env()
    return _last_json(_run([str(paths.python), str(SIDE_SCRIPT), "counts"], paths, "统计对象", echo=lambda *_: None))


def export(out_dir: Path = ASSETS_DIR, paths: SupersetPaths | None = None, echo=print) -> list[str]:
    """Write every dashboard (with its charts, datasets and the database) as YAML into out_dir, the same
    layout `provision` imports. The database file path is replaced by a placeholder, read_only kept."""
    paths = paths or paths_from_env()
    out = _run([str(paths.python), str(SIDE_SCRIPT), "export", "--out", str(out_dir),
                "--serving", str(paths.serving)], paths, f"导出到 {out_dir}", echo=echo)
    return _last_json(out)["files"]


def _last_json(stdout: str) -> dict:
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise SupersetError(f"Superset 脚本没有输出结果：{stdout[-2000:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start(*, port: int = 8088, host: str = "127.0.0.1", workers: int = 2, paths: SupersetPaths | None = None,
          wait: float = 120.0, echo=print) -> str:
    """Start Superset (gunicorn) in the background; pid in $ZHENGAI_SUPERSET_HOME/superset.pid."""
    paths = paths or paths_from_env()
    if not available(paths):
        raise SupersetError(f"找不到 Superset 环境 {paths.venv}")
    ensure_secret_key(paths)
    url = f"http://{host}:{port}"
    if paths.pid_file.exists() and _alive(int(paths.pid_file.read_text())):
        echo(f"Superset 已在运行 / already running: {url}")
        return url
    paths.home.mkdir(parents=True, exist_ok=True)
    log = open(paths.log_file, "ab")
    proc = subprocess.Popen(
        [str(paths.gunicorn), "-w", str(workers), "-k", "gthread", "--threads", "4", "--timeout", "120",
         "-b", f"{host}:{port}", "--access-logfile", "-", "superset.app:create_app()"],
        env=superset_env(paths), stdout=log, stderr=subprocess.STDOUT, cwd=str(REPO_ROOT),
        start_new_session=True,
    )
    paths.pid_file.write_text(str(proc.pid))
    paths.port_file.write_text(str(port))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SupersetError(f"Superset 启动失败（退出码 {proc.returncode}），见日志 {paths.log_file}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    echo(f"Superset 已启动 / started: {url}  （日志 {paths.log_file}；停止: zhengai superset stop）")
                    return url
        except OSError:
            pass
        time.sleep(0.5)
    stop(paths=paths, echo=lambda *_: None)
    raise SupersetError(f"Superset 在 {wait:.0f} 秒内没有就绪，见日志 {paths.log_file}")


def _reap(pid: int) -> None:
    """Collect our own child's exit status (when start() ran in this process) so it is not a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def stop(paths: SupersetPaths | None = None, echo=print) -> bool:
    """Stop the gunicorn this module started (by its pid file only)."""
    paths = paths or paths_from_env()
    if not paths.pid_file.exists():
        echo("Superset 没有在运行 / not running")
        return False
    pid = int(paths.pid_file.read_text())
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)  # gunicorn master stops its workers
        for _ in range(150):
            _reap(pid)
            if not _alive(pid):
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)  # its own session (start_new_session): master and workers
            _reap(pid)
    paths.pid_file.unlink(missing_ok=True)
    echo("Superset 已停止 / stopped")
    return True
