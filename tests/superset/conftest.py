"""One Superset for the whole test module: a temp ZHENGAI_HOME with a published XS warehouse, a temp
ZHENGAI_SUPERSET_HOME, provisioning, gunicorn on a free port; stopped at the end.

Skipped (with the reason) when .venv-superset is absent; the browser test also needs /usr/bin/chromium.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.superset import manage

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ADMIN_PASSWORD = "test-admin-Pw-1"
DEMO_PASSWORD = manage.DEMO_PASSWORD
TIMINGS: dict[str, float] = {}


def _require_superset() -> manage.SupersetPaths:
    paths = manage.paths_from_env()
    if not manage.available(paths):
        pytest.skip(f"Superset 环境不存在（{paths.venv}）：先运行 make setup / .venv-superset missing")
    return paths


def build_warehouse(root: Path, sources: Path) -> Path:
    """Simulate XS, ingest + gate every source table into a build file, run dbt (marts, indicators,
    warnings, spiral), add the RLS probe table, publish: the same layers the dashboards read in production."""
    from pipelines import simulator
    from pipelines.config import load_settings
    from pipelines.freshness import write_freshness_table
    from pipelines.gate.results_store import store_result
    from pipelines.gate.runner import EXPECTATIONS_DIR, validate_table
    from pipelines.ingest.contract import load_contract
    from pipelines.ingest.extract import OPTIONAL_SYSTEMS, gate_frame, read_extract
    from pipelines.ingest.raw_store import load_batch
    from pipelines.publish import WarehouseLayout, publish, start_build

    t = time.perf_counter()
    simulator.simulate(size="XS", seed=1, out=sources)
    settings = load_settings({"ZHENGAI_SOURCES": str(sources), "ZHENGAI_HOME": str(root)})
    layout = WarehouseLayout(root)
    build = start_build(layout, "t0")
    with duckdb.connect(str(build)) as con:
        for tbl in load_contract().values():
            e = read_extract(tbl, settings)
            if not e.paths and tbl.system in OPTIONAL_SYSTEMS:  # no department has returned its workbook yet
                continue
            load_batch(con, e.frame, source_system=tbl.system, source_table=tbl.table, source_file=e.source_file,
                       sheet=e.sheet, content_hash=e.content_hash)
            r = validate_table(gate_frame(e), EXPECTATIONS_DIR / tbl.system / f"{tbl.table}.json",
                               source_system=tbl.system, source_table=tbl.table, source_file=e.source_file,
                               sheet=e.sheet, run_id="t0")
            store_result(con, r)
        # RLS probe: rows of two colleges and two departments, a table the tests control completely
        con.execute("CREATE SCHEMA rls_probe")
        con.execute("""CREATE TABLE rls_probe.college_rows AS SELECT * FROM (VALUES
            ('C01', 'D08', 1), ('C01', 'D10', 2), ('C02', 'D08', 3), ('C02', 'D10', 4), ('C03', 'D08', 5))
            AS t(college_code, responsible_dept, n)""")
        con.execute("CHECKPOINT")
    TIMINGS["ingest_xs"] = time.perf_counter() - t
    t = time.perf_counter()
    # in a subprocess: dbt-duckdb keeps its connection open for the life of the process, and publishing
    # must open the finished file read-only
    code = ("import sys; from pathlib import Path; from pipelines.dbt_build import dbt_build; "
            "dbt_build(Path(sys.argv[1]), target_path=Path(sys.argv[2]))")
    # the 诊改 loop as of 60 days after issuing: the items nobody answered are overdue (本部门诊改 shows them)
    as_of = (datetime.date.today() + datetime.timedelta(days=60)).isoformat()
    proc = subprocess.run([sys.executable, "-c", code, str(build), str(root / "dbt_target")],
                          cwd=str(REPO_ROOT), capture_output=True, text=True,
                          env={**os.environ, "ZHENGAI_TODAY": as_of})
    assert proc.returncode == 0, f"dbt build failed:\n{(proc.stdout + proc.stderr)[-3000:]}"
    TIMINGS["dbt_build_xs"] = time.perf_counter() - t
    with duckdb.connect(str(build)) as con:  # fold any write-ahead log into the file before publishing
        # what the publish step writes last (pipelines/assets/publish.py): every dashboard's 数据新鲜度提示 reads it
        write_freshness_table(con, None, datetime.datetime.now(datetime.UTC).replace(tzinfo=None))
        con.execute("CHECKPOINT")
    publish(layout, build)
    return layout.serving


@pytest.fixture(scope="session")
def superset_env(tmp_path_factory):
    paths0 = _require_superset()
    tmp = tmp_path_factory.mktemp("superset")
    home, ss_home = tmp / "warehouse", tmp / "superset"
    home.mkdir()
    env = pytest.MonkeyPatch()  # session-wide: the manage.* calls and their subprocesses read these
    for k, v in {"ZHENGAI_HOME": home, "ZHENGAI_SUPERSET_HOME": ss_home,
                 "ZHENGAI_SUPERSET_ADMIN_PASSWORD": ADMIN_PASSWORD}.items():
        env.setenv(k, str(v))
    paths = manage.SupersetPaths(venv=paths0.venv, home=ss_home, warehouse_home=home)
    try:
        build_warehouse(home, tmp / "sources")
        state = {"paths": paths, "home": home, "provision": []}
        for i in range(2):  # from scratch, then again: must change nothing
            t = time.perf_counter()
            state["provision"].append(manage.provision(demo=True, paths=paths, echo=lambda *_: None))
            TIMINGS[f"provision_{i + 1}"] = time.perf_counter() - t
        t = time.perf_counter()
        port = manage.free_port()
        state["url"] = manage.start(port=port, paths=paths, workers=2, echo=lambda *_: None)
        TIMINGS["start"] = time.perf_counter() - t
        yield state
    finally:
        manage.stop(paths=paths, echo=lambda *_: None)
        env.undo()
        print("\nSuperset test timings (s): " + ", ".join(f"{k}={v:.1f}" for k, v in TIMINGS.items()))


@pytest.fixture(scope="session")
def admin(superset_env):
    from superset_client import SupersetClient

    return SupersetClient(superset_env["url"], "admin", ADMIN_PASSWORD)


def login(superset_env, user: str):
    from superset_client import SupersetClient

    return SupersetClient(superset_env["url"], user, DEMO_PASSWORD)


@pytest.fixture(scope="session")
def chromium():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("没有 Chromium（apt-get install -y chromium chromium-driver fonts-noto-cjk） / "
                    "/usr/bin/chromium or chromedriver missing")
    return CHROMIUM


__all__ = ["build_warehouse", "login"]
