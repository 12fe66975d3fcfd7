"""Superset end to end: provisioning (idempotent), every chart's query, roles, RLS, personal data, the
browser (every dashboard), publishing.

One Superset per session (conftest.py) on an XS warehouse built through ingest + gate + dbt. Skipped with
the reason when .venv-superset (or, for the browser test, Chromium) is absent. About 4 minutes here.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import DEMO_PASSWORD, TIMINGS, login

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "superset_exports" / "assets"
ARTIFACTS = REPO / "test-artifacts" / "superset"
DQ_DASHBOARD = "data-quality"
PERSONAL_DASHBOARD = "student-warning-list"
PERSONAL_COLUMNS = {"student_id", "student_name"}

pytestmark = pytest.mark.slow


def _assets(kind: str) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ASSETS / kind).rglob("*.yaml"))]


def _chart_rows(client, chart_id: int) -> int:
    result = client.chart_data(chart_id)["result"]
    assert all(not r.get("error") for r in result), result
    return sum(r["rowcount"] for r in result)


@pytest.fixture(scope="module")
def charts(admin):
    """Every chart with its dataset's columns (id → {name, dataset columns, query_context})."""
    datasets = {d["id"]: d for d in admin.list_all("dataset", ["id", "table_name"])}
    cols = {}
    for ds_id in datasets:
        r = admin.get(f"/api/v1/dataset/{ds_id}")
        r.raise_for_status()
        cols[ds_id] = {c["column_name"] for c in r.json()["result"]["columns"]}
    out = []
    for ch in admin.list_all("chart", ["id", "slice_name", "datasource_id"]):
        r = admin.get(f"/api/v1/chart/{ch['id']}")
        r.raise_for_status()
        out.append({**ch, "columns": cols.get(ch["datasource_id"], set()),
                    "query_context": json.loads(r.json()["result"]["query_context"])})
    return out


def test_provision_is_idempotent(superset_env):
    first, second = superset_env["provision"]
    assert first["changes"], "the first run must create things"
    assert second["changes"] == [], f"a second provision changed: {second['changes']}"
    c1, c2 = first["counts"], second["counts"]
    assert c1 == c2
    want = (1, len(_assets("datasets")), len(_assets("charts")), len(_assets("dashboards")))
    assert (c2["databases"], c2["datasets"], c2["charts"], c2["dashboards"]) == want
    assert want[3] == 10  # 数据质量 + the seven dashboards of issue 5 + 学生预警名单 + 本部门诊改
    # the warehouse connection is read-only and SQL Lab cannot write, even after an import
    assert c2["warehouse_extra"]["engine_params"]["connect_args"]["read_only"] is True
    assert c2["warehouse_allow_dml"] is False
    assert c2["warehouse_uri"] == f"duckdb:///{superset_env['home'] / 'serving.duckdb'}"


def test_every_chart_returns_rows(admin, charts):
    empty = []
    for ch in charts:
        t = time.perf_counter()
        if _chart_rows(admin, ch["id"]) <= 0:
            empty.append(ch["slice_name"])
        TIMINGS.setdefault("chart_max", 0.0)
        TIMINGS["chart_max"] = max(TIMINGS["chart_max"], time.perf_counter() - t)
    assert not empty, f"{len(empty)} charts return no rows on the demo college: {empty}"
    titles = {d["slug"]: d["dashboard_title"] for d in admin.list_all("dashboard", ["slug", "dashboard_title"])}
    assert titles == {"data-quality": "数据质量", "school-overview": "学校概况", "major-diagnosis": "专业诊改",
                      "course-diagnosis": "课程诊改", "teacher-development": "教师发展",
                      "student-development": "学生发展", "warning-center": "预警中心",
                      "target-achievement": "目标达成", "student-warning-list": "学生预警名单",
                      "dept-improvement": "本部门诊改"}
    for slug in titles:
        meta = json.loads(admin.get(f"/api/v1/dashboard/{slug}").json()["result"]["json_metadata"])
        names = [f["name"] for f in meta["native_filter_configuration"]]
        if slug == DQ_DASHBOARD:
            assert names == ["来源系统"]
        else:
            assert "学年" in names, (slug, names)
            if slug not in ("school-overview", "target-achievement"):
                assert "二级学院" in names, (slug, names)


def _cjk(text) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


def test_assets_are_chinese_and_carry_no_personal_ids():
    """Static checks of superset_exports/assets (what provisioning imports)."""
    for d in _assets("dashboards"):
        assert _cjk(d["dashboard_title"]), d["dashboard_title"]
    for c in _assets("charts"):
        assert _cjk(c["slice_name"]), c["slice_name"]
        assert c.get("query_context"), f"{c['slice_name']}: no query_context"
    personal = set()
    for ds in _assets("datasets"):
        assert _cjk(ds["table_name"]), ds["table_name"]
        for col in ds["columns"]:
            assert _cjk(col["verbose_name"]), f"{ds['table_name']}.{col['column_name']}: no Chinese name"
            name = col["column_name"].lower()
            assert not any(k in name for k in ("id_card", "phone", "mobile")), f"{ds['table_name']}.{name}"
        for m in ds["metrics"]:
            assert _cjk(m["verbose_name"]), f"{ds['table_name']}.{m['metric_name']}: no Chinese label"
        sql = (ds.get("sql") or "").lower()
        assert "id_card" not in sql and "phone" not in sql, ds["table_name"]
        if PERSONAL_COLUMNS & {c["column_name"] for c in ds["columns"]}:
            personal.add(ds["uuid"])
    # 学号/姓名 only on the restricted dashboard
    personal_charts = {c["uuid"] for c in _assets("charts") if c["dataset_uuid"] in personal}
    for d in _assets("dashboards"):
        on_it = {v["meta"]["uuid"] for v in d["position"].values() if isinstance(v, dict) and v.get("type") == "CHART"}
        if d["slug"] != PERSONAL_DASHBOARD:
            assert not on_it & personal_charts, f"{d['slug']} shows students by 学号/姓名"


def test_dataset_columns_match_their_sql(superset_env):
    """Every virtual dataset's SQL runs on the warehouse and yields exactly the columns its YAML declares
    (a renamed mart column shows up here, not as a broken chart)."""
    serving = superset_env["home"] / "serving.duckdb"
    with duckdb.connect(str(serving), read_only=True) as con:
        for ds in _assets("datasets"):
            if not ds.get("sql"):
                continue
            got = [c for (c, *_) in con.sql(f"DESCRIBE SELECT * FROM ({ds['sql']}) AS v").fetchall()]
            assert sorted(got) == sorted(c["column_name"] for c in ds["columns"]), ds["table_name"]


def test_leader_has_no_sql_lab_but_analyst_reads_only(superset_env):
    leader = login(superset_env, "leader")
    r = leader.post("/api/v1/sqllab/execute/", json={"database_id": 1, "sql": "select 1", "runAsync": False})
    assert r.status_code in (401, 403), r.text[:300]
    perms = {tuple(p) for ps in leader.get("/api/v1/me/roles/").json()["result"]["roles"].values() for p in ps}
    sql_lab = {p for p in perms if p[1] == "SQL Lab" or p in {("can_read", "SQLLab"), ("can_execute_sql_query", "SQLLab"),
                                                            ("can_sqllab", "Superset")}}
    assert not sql_lab, sql_lab  # no menu entry, no page, no query execution
    # but the dashboards open
    assert leader.get(f"/api/v1/dashboard/{DQ_DASHBOARD}").status_code == 200
    assert leader.get("/api/v1/dashboard/school-overview").status_code == 200

    analyst = login(superset_env, "analyst")
    db_id = analyst.list_all("database", ["id", "database_name"])[0]["id"]
    ok = analyst.post("/api/v1/sqllab/execute/", json={
        "database_id": db_id, "sql": "select count(*) as n from audit.validation_runs", "runAsync": False})
    assert ok.status_code == 200, ok.text[:300]
    assert ok.json()["data"][0]["n"] > 0
    bad = analyst.post("/api/v1/sqllab/execute/", json={
        "database_id": db_id, "sql": "create table main.x as select 1 as a", "runAsync": False})
    assert bad.status_code != 200 and bad.json()["errors"][0]["error_type"] == "DML_NOT_ALLOWED_ERROR", bad.text[:300]


def test_students_by_name_only_for_roles_that_need_them(superset_env, admin, charts):
    """学生预警名单 (学号/姓名): 二级学院负责人 sees his own college's students, 质量办 all; 校领导 and 职能部门
    can neither open the dashboard nor query its charts."""
    list_charts = [c for c in charts if PERSONAL_COLUMNS & c["columns"]]
    assert list_charts, "no chart on the personal dataset"
    table_chart = next(c for c in list_charts if "student_name" in json.dumps(c["query_context"]))
    for user in ("leader", "dept_d08"):
        client = login(superset_env, user)
        assert client.get(f"/api/v1/dashboard/{PERSONAL_DASHBOARD}").status_code in (403, 404), user
        r = client.get(f"/api/v1/chart/{table_chart['id']}/data/", params={"force": "true"})
        assert r.status_code in (403, 404), (user, r.status_code, r.text[:200])
    qa = login(superset_env, "qa")
    assert qa.get(f"/api/v1/dashboard/{PERSONAL_DASHBOARD}").status_code == 200
    c01 = login(superset_env, "college_c01")
    assert c01.get(f"/api/v1/dashboard/{PERSONAL_DASHBOARD}").status_code == 200
    assert _chart_rows(c01, table_chart["id"]) > 0


def _probe_query(client, dataset_id: int) -> list[dict]:
    qc = {"datasource": {"id": dataset_id, "type": "table"}, "force": True, "result_format": "json",
          "result_type": "full",
          "queries": [{"columns": ["college_code", "responsible_dept"], "metrics": [], "row_limit": 100,
                       "orderby": [], "filters": [], "extras": {}}]}
    r = client.post("/api/v1/chart/data", json=qc)
    assert r.status_code == 200, r.text[:300]
    return r.json()["result"][0]["data"]


def _units_seen(client, chart: dict, column: str) -> dict[str, int]:
    """The chart's own query (its dataset, WHERE and filters) grouped by `column`: {unit code: rows}."""
    qc = json.loads(json.dumps(chart["query_context"]))
    qc.update({"force": True, "result_type": "full", "datasource": {"id": chart["datasource_id"], "type": "table"}})
    q = qc["queries"][0]
    q.update({"columns": [column], "metrics": [{"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "n"}],
              "orderby": [], "post_processing": [], "row_limit": 1000, "series_columns": [], "is_timeseries": False})
    r = client.post("/api/v1/chart/data", json=qc)
    assert r.status_code == 200, (chart["slice_name"], r.text[:300])
    return {row[column]: row["n"] for row in r.json()["result"][0]["data"]}


def _probe_key(chart: dict) -> str:
    q = chart["query_context"]["queries"][0]
    return json.dumps([chart["datasource_id"], q.get("extras", {}).get("where"), q.get("filters")], sort_keys=True)


def test_row_level_security_in_every_chart(superset_env, admin, charts):
    """As the 二级学院 demo user (C01), no chart query returns a row of another 二级学院; as the 职能部门 user
    (D08), none returns a warning another department is responsible for. Charts with the same dataset, WHERE
    and filters share one probe. Datasets without a unit column are school-wide (学校概况's school
    indicators, 数据质量)."""
    c01, d08 = login(superset_env, "college_c01"), login(superset_env, "dept_d08")
    leaks, own_rows, probes = [], 0, {}
    t = time.perf_counter()
    for ch in charts:
        key = _probe_key(ch)
        if key in probes:
            continue
        probes[key] = ch["slice_name"]
        if "college_code" in ch["columns"]:
            seen = _units_seen(c01, ch, "college_code")
            own_rows += seen.get("C01", 0)
            leaks += [("college_c01", ch["slice_name"], code, n) for code, n in seen.items() if code != "C01"]
        if "responsible_dept" in ch["columns"]:
            seen = _units_seen(d08, ch, "responsible_dept")
            leaks += [("dept_d08", ch["slice_name"], code, n) for code, n in seen.items() if code != "D08"]
    TIMINGS["rls_all_charts"] = time.perf_counter() - t
    assert not leaks, leaks
    assert own_rows > 0, "the 二级学院 user should see rows of his own college"
    # the probe would catch a leak: as 校领导 the same probes see several colleges
    leader = login(superset_env, "leader")
    ch = next(c for c in charts if "college_code" in c["columns"] and "student_id" not in c["columns"])
    assert len(_units_seen(leader, ch, "college_code")) > 1
    # and the school-wide datasets are the only ones without a unit column
    no_unit = {c["slice_name"] for c in charts if not {"college_code", "responsible_dept"} & c["columns"]}
    dq = {c["slice_name"] for c in _assets("charts") if c["uuid"] in _dashboard_chart_uuids(DQ_DASHBOARD)}
    school = {c["slice_name"] for c in _assets("charts") if c["uuid"] in _dashboard_chart_uuids("school-overview")}
    assert no_unit <= dq | school, no_unit - dq - school


def _dashboard_chart_uuids(slug: str) -> set[str]:
    d = yaml.safe_load((ASSETS / "dashboards" / f"{slug}.yaml").read_text(encoding="utf-8"))
    return {v["meta"]["uuid"] for v in d["position"].values() if isinstance(v, dict) and v.get("type") == "CHART"}


def test_row_level_security_probe_table(superset_env, admin):
    """A dataset added later (rls_probe.college_rows: 5 rows, colleges C01-C03, departments D08/D10) gets the
    RLS filters when provisioning (--skip-upgrade) runs again."""
    from pipelines.superset import manage

    db_id = admin.list_all("database", ["id"])[0]["id"]
    r = admin.post("/api/v1/dataset/", json={"database": db_id, "schema": "rls_probe", "table_name": "college_rows"})
    assert r.status_code == 201, r.text[:300]
    ds_id = r.json()["id"]
    result = manage.provision(demo=True, skip_upgrade=True, paths=superset_env["paths"], echo=lambda *_: None)
    assert "college_rows" in result["rls"]["college_datasets"]
    assert "college_rows" in result["rls"]["dept_datasets"]
    with_college = {d["table_name"] for d in _assets("datasets") if any(c["column_name"] == "college_code"
                                                                          for c in d["columns"])}
    assert with_college <= set(result["rls"]["college_datasets"])

    assert len(_probe_query(admin, ds_id)) == 5
    assert len(_probe_query(login(superset_env, "leader"), ds_id)) == 5
    c01 = _probe_query(login(superset_env, "college_c01"), ds_id)
    assert c01 and {row["college_code"] for row in c01} == {"C01"}
    c02 = _probe_query(login(superset_env, "college_c02"), ds_id)
    assert c02 and {row["college_code"] for row in c02} == {"C02"}
    d08 = _probe_query(login(superset_env, "dept_d08"), ds_id)
    assert d08 and {row["responsible_dept"] for row in d08} == {"D08"}


def test_browser_renders_every_dashboard(superset_env, admin, chromium):
    """质量办 (the role that may open all nine) loads every dashboard; a screenshot of each is saved in
    test-artifacts/superset/<slug>.png; any error box or empty chart fails."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    slugs = [d["slug"] for d in sorted(admin.list_all("dashboard", ["id", "slug"]), key=lambda d: d["id"])]
    paths = superset_env["paths"]
    t = time.perf_counter()
    proc = subprocess.run(
        [str(paths.python), str(Path(__file__).with_name("browser_check.py")), "--url", superset_env["url"],
         "--user", "qa", "--password", DEMO_PASSWORD, "--out-dir", str(ARTIFACTS), "--timeout", "90",
         *[a for s in slugs for a in ("--dashboard", s)]], capture_output=True, text=True, timeout=600)
    TIMINGS["browser"] = time.perf_counter() - t
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["login"], out
    problems = {}
    for slug in slugs:
        res = out["dashboards"][slug]
        shot = ARTIFACTS / f"{slug}.png"
        assert shot.exists() and shot.stat().st_size > 20_000, slug
        want = len(_dashboard_chart_uuids(slug))
        bad = [c for c in res["charts"] if c["error"] or c["empty"] or not c["rendered"]]
        if res["timed_out"] or len(res["charts"]) != want or bad:
            problems[slug] = {"timed_out": res["timed_out"], "charts": len(res["charts"]), "want": want, "bad": bad}
    assert not problems, problems


def test_readers_never_break_during_publish(superset_env, admin, charts):
    from pipelines.publish import WarehouseLayout, publish, start_build

    # the first chart of every dashboard-sized group of datasets: a sample across all datasets
    sample, seen = [], set()
    for ch in charts:
        if ch["datasource_id"] not in seen:
            seen.add(ch["datasource_id"])
            sample.append(ch)
    failures, done, n = [], threading.Event(), [0]

    def reader():
        while not done.is_set():
            for ch in sample:
                if done.is_set():
                    break
                try:
                    if _chart_rows(admin, ch["id"]) <= 0:
                        failures.append((ch["id"], "no rows"))
                except Exception as exc:  # noqa: BLE001 — every failure counts
                    failures.append((ch["id"], repr(exc)[:300]))
                n[0] += 1
                first_query.set()

    first_query = threading.Event()  # publish only while readers are really reading (no count asserted)
    threads = [threading.Thread(target=reader) for _ in range(2)]
    for th in threads:
        th.start()
    assert first_query.wait(timeout=300), "no chart query finished before the publishes"
    layout = WarehouseLayout(superset_env["home"])
    try:
        for i in range(5):
            build = start_build(layout, f"p{i}")
            with duckdb.connect(str(build)) as con:  # a visible change per version
                con.execute("INSERT INTO rls_probe.college_rows VALUES ('C04', 'D08', ?)", [10 + i])
                con.execute("CHECKPOINT")
            publish(layout, build, keep=3)
            time.sleep(0.3)
    finally:
        time.sleep(1.0)
        done.set()
        for th in threads:
            th.join(timeout=60)
    assert not failures, failures[:5]
    with duckdb.connect(str(layout.serving), read_only=True) as con:
        assert con.sql("select count(*) from rls_probe.college_rows").fetchone()[0] == 10


def test_dept_dashboard_as_college_user_in_the_browser(superset_env, admin, chromium):
    """「本部门诊改」 opened in Chromium by the 二级学院 demo user of C01: every chart renders, the table of open
    items lists only 机电工程学院 (C01) — RLS, not a filter — and overdue items are there to act on.
    The screenshot is test-artifacts/superset/college_c01/dept-improvement.png (docs/img/ has a copy)."""
    slug = "dept-improvement"
    out_dir = ARTIFACTS / "college_c01"
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = superset_env["paths"]
    proc = subprocess.run(
        [str(paths.python), str(Path(__file__).with_name("browser_check.py")), "--url", superset_env["url"],
         "--user", "college_c01", "--password", DEMO_PASSWORD, "--out-dir", str(out_dir), "--timeout", "90",
         "--dashboard", slug], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["login"], out
    res = out["dashboards"][slug]
    assert not res["timed_out"] and len(res["charts"]) == len(_dashboard_chart_uuids(slug)), res
    bad = [c["title"] for c in res["charts"] if c["error"] or c["empty"] or not c["rendered"]]
    assert not bad, bad
    open_items = next(c for c in res["charts"] if c["title"].startswith("我的未关闭事项"))
    col = open_items["headers"].index("二级学院")
    colleges = {r[col] for r in open_items["rows"] if len(r) > col}
    assert colleges == {"机电工程学院"}, colleges
    with duckdb.connect(str(superset_env["home"] / "serving.duckdb"), read_only=True) as con:
        n_other = con.execute("SELECT count(*) FROM spiral.fct_improvement_cases WHERE is_open "
                              "AND college_code <> 'C01'").fetchone()[0]
    assert n_other > 0, "other colleges have open items the C01 user must not see"
    assert (out_dir / f"{slug}.png").stat().st_size > 20_000
