"""「数据新鲜度提示」 on every dashboard: the committed dashboard YAML has it in its top row, and its dataset's SQL
(as committed, what Superset runs) lists exactly the source tables that are not current, in 北京时间."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import yaml

from pipelines.freshness import BLOCKED, COLUMNS, CURRENT, write_freshness_table
from pipelines.superset import dashboards, freshness_notice
from pipelines.superset.dq_dashboard import DASHBOARD_SLUG, _uid
from pipelines.superset.manage import ASSETS_DIR

T0 = datetime(2026, 9, 1, 2, 30)  # UTC


def _load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _notice_sql() -> str:
    return _load(ASSETS_DIR / "datasets" / "zhengai_warehouse" / f"{freshness_notice.DATASET}.yaml")["sql"]


def test_every_dashboard_has_the_notice_in_its_top_row_on_the_one_shared_dataset():
    slugs = {s["slug"] for s in dashboards.specs()} | {DASHBOARD_SLUG}
    files = {p.stem: _load(p) for p in (ASSETS_DIR / "dashboards").glob("*.yaml")}
    assert set(files) == slugs and len(slugs) == 10
    charts = {c["uuid"]: c for c in map(_load, (ASSETS_DIR / "charts").glob("*.yaml"))}
    dataset_uuid = _uid("dataset", freshness_notice.DATASET)
    for slug, d in files.items():
        pos = d["position"]
        top_row = pos[pos["GRID_ID"]["children"][0]]
        assert len(top_row["children"]) == 1, slug
        meta = pos[top_row["children"][0]]["meta"]
        assert meta["sliceName"] == "数据新鲜度提示", slug
        chart = charts[meta["uuid"]]
        assert chart["slice_name"] == "数据新鲜度提示" and chart["dataset_uuid"] == dataset_uuid, slug
        assert chart["params"]["all_columns"] == freshness_notice.COLUMNS
    # one notice chart per dashboard, all on the one dataset; no other chart uses it
    on_notice = [c for c in charts.values() if c["dataset_uuid"] == dataset_uuid]
    assert len(on_notice) == len(slugs)
    assert len({c["uuid"] for c in on_notice}) == len(slugs)


def _freshness_db(tmp_path, rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "serving.duckdb"))
    con.execute("CREATE SCHEMA audit")
    con.execute("""CREATE TABLE audit.source_freshness (source_system VARCHAR, source_table VARCHAR, table_zh VARCHAR,
        source_file VARCHAR, row_count BIGINT, data_as_of TIMESTAMP, last_attempt_at TIMESTAMP,
        last_passed_at TIMESTAMP, blocked_since TIMESTAMP, blocked_reason VARCHAR, status_zh VARCHAR,
        data_published_at TIMESTAMP)""")
    for r in rows:
        con.execute(f"INSERT INTO audit.source_freshness ({', '.join(r)}) VALUES ({', '.join('?' * len(r))})",
                    list(r.values()))
    return con


def _rows(con) -> list[dict]:
    cur = con.execute(f"SELECT {', '.join(freshness_notice.COLUMNS)} FROM ({_notice_sql()}) ORDER BY sort_order")
    return [dict(zip(freshness_notice.COLUMNS, r, strict=True)) for r in cur.fetchall()]


def test_the_notice_lists_the_blocked_source_in_beijing_time_and_not_the_current_one(tmp_path):
    blocked = {"source_system": "xuegong", "source_table": "student", "table_zh": "学生学籍",
               "data_as_of": T0, "last_passed_at": T0, "blocked_since": T0 + timedelta(days=1, hours=20),
               "blocked_reason": "学生学籍：第 3 行「学号」重复", "status_zh": BLOCKED}
    current = {"source_system": "jiaowu", "source_table": "course", "table_zh": "课程",
               "data_as_of": T0 + timedelta(days=2), "status_zh": CURRENT}
    with _freshness_db(tmp_path, [blocked, current]) as con:
        assert _rows(con) == [{
            "source_system_zh": "学工", "source_table_zh": "学生学籍", "freshness_zh": BLOCKED,
            "data_as_of": datetime(2026, 9, 1, 10, 30), "blocked_since": datetime(2026, 9, 3, 6, 30),
            "reason_zh": "学生学籍：第 3 行「学号」重复"}]
        # everything current again: one row says so (the chart is never blank)
        con.execute(f"UPDATE audit.source_freshness SET status_zh = '{CURRENT}', blocked_since = NULL, "
                    "blocked_reason = NULL")
        [row] = _rows(con)
        assert row["freshness_zh"] == freshness_notice.ALL_CURRENT == "全部数据源均为最新"
        assert row["data_as_of"] is None and row["blocked_since"] is None


def test_the_notice_reads_the_table_as_the_publish_step_writes_it(tmp_path):
    """Nothing loaded, nothing checked: every column but the labels is NULL (DuckDB may type those as INTEGER)."""
    with duckdb.connect(str(tmp_path / "serving.duckdb")) as con:
        n = write_freshness_table(con, None)
        rows = _rows(con)
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'source_freshness'").fetchall())
    assert n > 0 and types["blocked_since"] == "TIMESTAMP" and types["blocked_reason"] == "VARCHAR"
    # never loaded is not stale data: the notice says all is current (the 数据质量 dashboard lists such sources)
    assert [r["freshness_zh"] for r in rows] == [freshness_notice.ALL_CURRENT]


def test_the_test_table_has_the_columns_the_publish_step_writes(tmp_path):
    with _freshness_db(tmp_path, []) as con:
        assert [c[0] for c in con.execute("DESCRIBE audit.source_freshness").fetchall()] == COLUMNS
