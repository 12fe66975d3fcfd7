"""dbt on hand-built inputs: indicator formulas and every warning-tier boundary, computed by hand.

The real dbt project runs against a small DuckDB whose raw tables are written here by hand, so every
expected number below can be checked with pencil and paper.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipelines.config import REPO_ROOT
from pipelines.ingest.contract import load_contract
from pipelines.ingest.raw_store import load_batch

DBT_DIR = REPO_ROOT / "dbt_project"


def _load(con, system, table, rows: list[dict]):
    """Rows as the export would have them: every contract column present, the ones not given empty."""
    columns = [c.id for c in load_contract()[f"{system}.{table}"].columns]
    load_batch(con, pd.DataFrame(rows, dtype=object).reindex(columns=columns), source_system=system, source_table=table,
               source_file=f"{system}/{table}", content_hash=f"{system}.{table}")


# 省特色 major-tier lines for 报到率 (seeds/indicator_standards.csv): standard 0.93, yellow 0.88, orange 0.83;
# target 2024-2025 (seeds/indicator_targets.csv): 0.94.
ADMISSIONS = {  # major → (admitted, enrolled) in 2024 → 报到率
    "510201": (100, 94),   # 0.94 ≥ target 0.94 → 达到目标
    "510202": (100, 93),   # exactly on the standard 0.93 → 达标
    "510203": (100, 92),   # just below the standard, above yellow 0.88 → 黄
    "510204": (100, 88),   # exactly on the yellow line → 黄
    "510205": (100, 87),   # just below yellow, above orange 0.83 → 橙
    "510206": (100, 83),   # exactly on the orange line → 橙
    "510207": (100, 82),   # below orange → 红
    "510208": (0, 0),      # nothing admitted → 数据缺失, not 0
}
EXPECTED = {"510201": "达到目标", "510202": "达标", "510203": "黄", "510204": "黄", "510205": "橙",
            "510206": "橙", "510207": "红", "510208": "数据缺失"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from dbt.cli.main import dbtRunner

    db = tmp_path_factory.mktemp("dbt") / "work.duckdb"
    with duckdb.connect(str(db)) as con:
        _load(con, "jiaowu", "college", [{"college_code": "c02", "college_name": "信息工程学院"}])
        _load(con, "jiaowu", "major", [
            {"major_code": m, "major_name": f"专业{m[-1]}", "college_code": "C02", "major_tier": "省特色",
             "duration_years": "3", "established_year": "2015"} for m in ADMISSIONS])
        _load(con, "xuegong", "admission", [
            {"year": "2024", "major_code": f" {m} ", "plan_count": "100", "admitted_count": str(a),
             "first_choice_count": str(a), "enrolled_count": str(e)} for m, (a, e) in ADMISSIONS.items()])
        _load(con, "xuegong", "employment", [  # 510201: 4 graduates, 2 就业 (1 对口), 1 升学, 1 未就业
            {"student_id": "S1", "graduation_year": "2025", "major_code": "510201", "destination": "就业",
             "is_related": "是", "starting_salary": "4000"},
            {"student_id": "S2", "graduation_year": "2025", "major_code": "510201", "destination": "就业",
             "is_related": "否", "starting_salary": "3500"},
            {"student_id": "S3", "graduation_year": "2025", "major_code": "510201", "destination": "升学",
             "is_related": "", "starting_salary": ""},
            {"student_id": "S4", "graduation_year": "2025", "major_code": "510201", "destination": "未就业",
             "is_related": "", "starting_salary": ""}])
        _load(con, "renshi", "staff", [  # 510201: 3 专任教师, 2 双师 (one id in lower case, full-width code)
            {"staff_id": "jn0001", "name": "甲", "post_type": "专任教师", "is_dual_qualified": "是",
             "major_code": "５１０２０１", "birth_date": "1980.9.1", "hire_date": "45170"},
            {"staff_id": "JN0002", "name": "乙", "post_type": "专任教师", "is_dual_qualified": "TRUE",
             "major_code": "510201", "birth_date": "1985年3月2日", "hire_date": "2010-09-01"},
            {"staff_id": "JN0003", "name": "丙", "post_type": "专任教师", "is_dual_qualified": "否",
             "major_code": "510201", "birth_date": "1990/1/5", "hire_date": "2015-09-01"},
            {"staff_id": "JN0004", "name": "丁", "post_type": "行政", "is_dual_qualified": "否",
             "major_code": "", "birth_date": "1975-01-01", "hire_date": "2000-09-01"}])
    mp = pytest.MonkeyPatch()
    mp.setenv("ZHENGAI_WORK_DB", str(db))
    try:
        res = dbtRunner().invoke(["build", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
                                  "--target-path", str(db.parent / "target"), "--quiet"])
    finally:
        mp.undo()
    failed = [f"{r.node.name}: {r.message}" for r in (res.result or []) if r.status not in ("success", "pass")]
    assert res.success, failed or res.exception
    return db


def _q(db, sql):
    # same configuration as dbt-duckdb's connection, which dbt keeps open in this process
    with duckdb.connect(str(db)) as con:
        return con.execute(sql).fetchall()


def test_every_tier_boundary_of_the_register_rate(built):
    got = dict(_q(built, "SELECT entity_id, tier FROM warnings.fct_warnings "
                         "WHERE indicator_code = 'MAJ_REGISTER_RATE' AND academic_year = '2024-2025'"))
    assert got == EXPECTED


def test_reason_sentence_names_entity_value_line_and_standard(built):
    [(reason, dept)] = _q(built, "SELECT reason_zh, responsible_dept_name FROM warnings.fct_warnings "
                                 "WHERE entity_id = '510207' AND indicator_code = 'MAJ_REGISTER_RATE'")
    assert reason == "专业7专业 2024-2025学年 新生报到率 82.0%，低于省特色专业标准 93.0%（红色预警）"
    assert dept == "招生与就业处"
    [(missing,)] = _q(built, "SELECT value FROM indicators.fct_indicator_values "
                             "WHERE entity_id = '510208' AND indicator_code = 'MAJ_REGISTER_RATE'")
    assert missing is None


def test_employment_and_dual_teacher_formulas(built):
    values = dict(_q(built, "SELECT indicator_code, value FROM indicators.fct_indicator_values "
                            "WHERE entity_id = '510201'"))
    assert values["MAJ_EMPLOY_RATE"] == pytest.approx(3 / 4)          # (2 就业 + 1 升学) / 4
    assert values["MAJ_RELATED_EMPLOY_RATE"] == pytest.approx(1 / 2)  # 1 对口 / 2 就业
    assert values["MAJ_DUAL_TEACHER_RATIO"] == pytest.approx(2 / 3)   # 2 双师 / 3 专任教师


def test_dirty_source_values_are_cleaned_in_staging(built):
    rows = dict(_q(built, "SELECT staff_id, birth_date::varchar || ' ' || hire_date::varchar "
                          "FROM staging.stg_renshi__staff"))
    assert rows["JN0001"] == "1980-09-01 2023-09-01"  # 2023.9.1-style date and Excel serial 45170
    assert rows["JN0002"].startswith("1985-03-02")
    assert _q(built, "SELECT major_code FROM marts.dim_teacher WHERE staff_id = 'JN0001'") == [("510201",)]
