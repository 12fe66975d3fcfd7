"""Every headline count of warnings and open 诊改事项 — on the 预警中心 dashboard, in the annual report and in a
department's self-diagnosis workbook — is a count of warning cases (warnings.fct_warning_cases, one per object ×
cycle), checked against a count made by hand from that table on the XS warehouse of the report tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from report_helpers import cases_by_hand, read_table, run_cli

ASSETS = Path(__file__).resolve().parents[2] / "superset_exports" / "assets"


@pytest.fixture(scope="module")
def cases(sql):
    return cases_by_hand(sql)


@pytest.fixture(scope="module")
def annual(warehouse_home, latest_year, tmp_path_factory):
    out = tmp_path_factory.mktemp("headline") / "annual.xlsx"
    mp = pytest.MonkeyPatch()
    mp.setenv("ZHENGAI_HOME", str(warehouse_home))
    try:
        assert run_cli(["report", "annual", "--year", latest_year, "--out", str(out)]) == 0
        assert run_cli(["report", "department", "--dept", "C01", "--year", latest_year,
                        "--out", str(out.with_name("c01.xlsx"))]) == 0
    finally:
        mp.undo()
    return load_workbook(out), load_workbook(out.with_name("c01.xlsx"))


def _dashboard_headlines(slug: str) -> dict[str, tuple[str, str, str]]:
    """Big-number charts of a dashboard: title → (dataset SQL, metric expression, WHERE of the chart)."""
    datasets = {d["uuid"]: d for d in (yaml.safe_load(p.read_text(encoding="utf-8"))
                                       for p in (ASSETS / "datasets").rglob("*.yaml"))}
    dash = yaml.safe_load((ASSETS / "dashboards" / f"{slug}.yaml").read_text(encoding="utf-8"))
    on_it = {v["meta"]["uuid"] for v in dash["position"].values() if isinstance(v, dict) and v.get("type") == "CHART"}
    out = {}
    for p in (ASSETS / "charts").glob("*.yaml"):
        c = yaml.safe_load(p.read_text(encoding="utf-8"))
        if c["uuid"] not in on_it or c["viz_type"] != "big_number_total":
            continue
        ds = datasets[c["dataset_uuid"]]
        metric = {m["metric_name"]: m["expression"] for m in ds["metrics"]}[c["params"]["metric"]]
        where = json.loads(c["query_context"])["queries"][0]["extras"]["where"] or "TRUE"
        out[c["slice_name"]] = (ds["sql"], metric, where)
    return out


def test_warning_center_headlines_are_case_counts(sql, cases):
    heads = _dashboard_headlines("warning-center")

    def value(title):
        ds_sql, metric, where = heads[title]
        return sql(f"SELECT {metric} FROM ({ds_sql}) AS v WHERE {where}")[0][0]

    latest = max(c["academic_year"] for c in cases)
    year = [c for c in cases if c["academic_year"] == latest]
    assert value("预警事项") == len(year) > 0
    assert value("红色预警事项") == sum(c["worst_tier"] == "红" for c in year)
    assert value("预警对象") == len({(c["level"], c["entity_id"]) for c in year})
    assert value("未关闭的诊改事项") == sum(c["is_open"] for c in cases) > 0
    # consolidated: far fewer than the indicator judgements over a line that the old headline counted
    n_lines = sql("SELECT count(*) FROM warnings.fct_warnings WHERE is_warning AND academic_year = ?", [latest])[0][0]
    n_student_rules = sql("SELECT count(*) FROM warnings.fct_student_warnings WHERE academic_year = ?", [latest])[0][0]
    assert value("预警事项") < n_lines + n_student_rules


def test_the_leaders_landing_counts_the_units_cases_not_the_students(sql, cases):
    """学校概况: red and orange cases of 学校/专业/课程/教师 in the latest year (students are followed elsewhere)."""
    heads = _dashboard_headlines("school-overview")
    latest = max(c["academic_year"] for c in cases)
    units = [c for c in cases if c["academic_year"] == latest and c["level"] != "学生"]
    got = {}
    for title in ("红色预警：学校/专业/课程/教师", "橙色预警：学校/专业/课程/教师"):
        ds_sql, metric, where = heads[title]
        got[title] = sql(f"SELECT {metric} FROM ({ds_sql}) AS v WHERE {where} AND academic_year = ?", [latest])[0][0]
    assert got["红色预警：学校/专业/课程/教师"] == sum(c["worst_tier"] == "红" for c in units)
    assert got["橙色预警：学校/专业/课程/教师"] == sum(c["worst_tier"] == "橙" for c in units)


def test_no_dataset_reads_a_per_indicator_item_table():
    for p in (ASSETS / "datasets").rglob("*.yaml"):
        assert "fct_improvement_items" not in p.read_text(encoding="utf-8"), p.name


def test_annual_report_loop_table_counts_cases(annual, cases, latest_year):
    wb, _ = annual
    _, _, rows, _ = read_table(wb, "issues_items")
    for r in rows:
        mine = [c for c in cases if c["level"] == r["层面"]]
        year = [c for c in mine if c["academic_year"] == latest_year]
        assert r["本学年预警事项"] == len(year), r["层面"]
        assert r["未关闭"] == sum(c["is_open"] for c in year), r["层面"]
        assert r["往年未关闭"] == sum(c["is_open"] for c in mine if c["academic_year"] < latest_year), r["层面"]
    assert sum(r["本学年预警事项"] for r in rows) == sum(c["academic_year"] == latest_year for c in cases) > 0
    ws = wb["四、问题与改进建议"]
    text = next(c.value for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("本学年五个层面共有预警事项"))
    assert f"预警事项 {sum(c['academic_year'] == latest_year for c in cases):,} 项" in text


def test_department_headlines_count_the_departments_cases(annual, cases, latest_year):
    _, c01 = annual
    _, _, rows, _ = read_table(c01, "dept_info")
    info = {r["项目"]: r["内容"] for r in rows}
    scope = [c for c in cases if "C01" in (c["responsible_dept_code"], c["college_code"])
             and c["academic_year"] <= latest_year]
    year = [c for c in scope if c["academic_year"] == latest_year]
    assert info["本学年预警事项（责任或所属对象）"] == len(year) > 0
    assert info["其中红色预警事项"] == sum(c["worst_tier"] == "红" for c in year)
    assert info["未关闭的诊改事项（含往年）"] == sum(c["is_open"] for c in scope)
    # every warning listed under 问题诊断 shows the status of the case it belongs to
    _, _, warns, _ = read_table(c01, "dept_warnings")
    assert warns and all(w["事项状态"] not in (None, "—") for w in warns)
