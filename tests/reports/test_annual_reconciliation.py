"""The annual report's 跨系统对账 table (一、数据采集 （四）) on the XS college: one row per rule with the values of
audit.fct_reconciliation, and the demo's one slip (2020-2021: A1 折合在校生数 reported without the 函授 students)
shown as 不一致 with the difference a clerk can check against the platform workbook."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest
from report_helpers import read_table, run_cli

SLIP_YEAR = "2020-2021"


def _report(home: Path, year: str, out: Path):
    mp = pytest.MonkeyPatch()
    mp.setenv("ZHENGAI_HOME", str(home))
    try:
        assert run_cli(["report", "annual", "--year", year, "--out", str(out)]) == 0
    finally:
        mp.undo()
    return openpyxl.load_workbook(out)


@pytest.fixture(scope="module")
def slip_year_report(warehouse_home, tmp_path_factory):
    return _report(warehouse_home, SLIP_YEAR, tmp_path_factory.mktemp("annual_recon") / "annual.xlsx")


def test_every_rule_has_a_row_with_the_warehouse_values(slip_year_report, sql):
    _, _, rows, _ = read_table(slip_year_report, "collection_reconciliation")
    want = sql("SELECT rule_id, sum(left_value), sum(right_value), count(*) FILTER (WHERE verdict = '不一致') "
               "FROM audit.fct_reconciliation WHERE academic_year = ? GROUP BY rule_id ORDER BY rule_id", [SLIP_YEAR])
    names = dict(sql("SELECT rule_id, rule_name_zh FROM ref.reconciliation_rules"))
    assert len(rows) == len(want) == len(names) >= 5
    for row, (rule, left, right, bad) in zip(rows, want, strict=True):
        assert row["对账规则"].startswith(names[rule])
        assert math.isclose(row["一方的值"], left) and math.isclose(row["对照的值"], right), rule
        assert row["结论"] == ("不一致" if bad else "一致"), rule


def test_the_slip_in_the_reported_equivalent_students_is_shown(slip_year_report, warehouse_home):
    # what the platform workbook says (read here with openpyxl, not through the pipeline)
    ws = openpyxl.load_workbook(warehouse_home / "sources" / "zhuangtai" / f"状态数据采集_{SLIP_YEAR}.xlsx")["A1 院校基本信息"]
    a1 = dict(zip([c.value for c in ws[1]], [c.value for c in ws[2]], strict=True))
    computed = (a1["普通专科生数"] + a1["进修生数"] + a1["成人脱产班学生数"] + a1["预科生数"] + 3 * a1["留学生数"]
                + 0.3 * a1["夜大(业余)学生数"] + 0.1 * a1["函授学生数"])
    ws_report, _, rows, numbers = read_table(slip_year_report, "collection_reconciliation")
    [row] = [r for r in rows if r["对账规则"].startswith("A1 折合在校生数")]
    assert (row["结论"], row["性质"]) == ("不一致", "提醒")
    assert math.isclose(row["一方的值"], float(a1["折合在校生数"]))
    assert math.isclose(row["对照的值"], computed)
    assert math.isclose(row["差值"], -0.1 * a1["函授学生数"], abs_tol=1e-9)  # the 函授 students left out
    notes = [c.value for r in ws_report.iter_rows(min_row=numbers[-1] + 1) for c in r if isinstance(c.value, str)]
    assert any(n.startswith("R04 ") and "超出容差" in n for n in notes), notes
    # the other rules agree that year
    assert {r["结论"] for r in rows if r is not row} == {"一致"}
