"""The documented production option: Superset's metadata in PostgreSQL and its caches in Redis (docs/superset.md).

Provisions a second Superset against the PostgreSQL and Redis servers of this machine (database
`zhengai_superset_test`, Redis db 5), serves the same published warehouse, and checks that a chart answers,
that the users live in PostgreSQL and that Redis holds Superset's cache keys. Skipped, with the reason, when a
server is absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from pipelines.superset import manage

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "zhengai_superset_test"
REDIS_URL = "redis://127.0.0.1:6379/5"


def _pg(sql: str, db: str = "postgres") -> str:
    import psycopg2

    con = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=db, connect_timeout=3)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else None
    finally:
        con.close()


def _redis(*args: str) -> str:
    proc = subprocess.run(["redis-cli", "-n", "5", *args], capture_output=True, text=True, timeout=10)
    if proc.returncode != 0:
        raise OSError(proc.stderr)
    return proc.stdout


@pytest.fixture(scope="module")
def production(superset_env, tmp_path_factory):
    try:
        _pg("select 1")
    except Exception as exc:  # noqa: BLE001 — any connection failure means: no server here
        pytest.skip(f"PostgreSQL 不可用（127.0.0.1:5432）：{exc}")
    if not shutil.which("redis-cli"):
        pytest.skip("redis-cli 不存在，无法检查 Redis / redis-cli missing")
    try:
        assert _redis("ping").strip() == "PONG"
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis 不可用（127.0.0.1:6379）：{exc}")
    _pg(f"drop database if exists {PG_DB} with (force)")
    _pg(f"create database {PG_DB}")
    _redis("flushdb")
    home = tmp_path_factory.mktemp("superset_pg")
    env = pytest.MonkeyPatch()
    env.setenv("ZHENGAI_SUPERSET_DB", f"postgresql+psycopg2://postgres@127.0.0.1:5432/{PG_DB}")
    env.setenv("ZHENGAI_REDIS_URL", REDIS_URL)
    base = superset_env["paths"]
    paths = manage.SupersetPaths(venv=base.venv, home=home, warehouse_home=base.warehouse_home)
    try:
        result = manage.provision(demo=True, paths=paths, echo=lambda *_: None)
        url = manage.start(port=manage.free_port(), paths=paths, workers=1, echo=lambda *_: None)
        yield {"url": url, "result": result}
    finally:
        manage.stop(paths=paths, echo=lambda *_: None)
        env.undo()
        _pg(f"drop database if exists {PG_DB} with (force)")


def test_metadata_in_postgresql_and_cache_in_redis(production):
    from superset_client import SupersetClient

    client = SupersetClient(production["url"], "leader", manage.DEMO_PASSWORD)
    dashboards = {d["slug"] for d in client.list_all("dashboard", ["slug"])}
    assert "warning-center" in dashboards
    # the admin password comes from ZHENGAI_SUPERSET_ADMIN_PASSWORD (set by the superset_env fixture)
    admin = SupersetClient(production["url"], "admin",
                           os.environ.get("ZHENGAI_SUPERSET_ADMIN_PASSWORD") or manage.DEMO_PASSWORD)
    chart = next(c for c in admin.list_all("chart", ["id", "slice_name"]) if c["slice_name"])
    result = admin.chart_data(chart["id"])["result"]
    assert all(not r.get("error") for r in result) and sum(r["rowcount"] for r in result) > 0, chart
    # the users and dashboards are rows of the PostgreSQL database, not of a SQLite file
    users = {u for (u,) in _pg("select username from ab_user", db=PG_DB)}
    assert {"admin", "leader", "college_c01", "analyst"} <= users
    all_dashboards = {d["slug"] for d in admin.list_all("dashboard", ["slug"])}
    assert _pg("select count(*) from dashboards", db=PG_DB)[0][0] == len(all_dashboards) == len(dashboards) + 1
    assert all_dashboards - dashboards == {"student-warning-list"}  # 校领导 sees no named student list
    # Superset wrote its metadata cache into Redis under the configured prefix
    assert "zhengai_" in _redis("--scan", "--pattern", "zhengai_*")
