"""Department self-diagnosis workbooks: numbers equal the warnings, every warning is listed with its reason, all
departments at once, and what a department filled in is kept when last cycle's workbook is passed back."""

from __future__ import annotations

import math

import pytest
from openpyxl import load_workbook
from report_helpers import read_table, run_cli

from pipelines.cli import main
from pipelines.reports.department import FILL_HEADERS, IMPROVE_SHEET, KEY_HEADER
from pipelines.reports.queries import shift_year

SHEETS = ["基本情况", "诊改现状", "问题诊断", IMPROVE_SHEET]


def close(a, b) -> bool:
    return a == b or (isinstance(a, float | int) and isinstance(b, float | int) and math.isclose(a, b, rel_tol=1e-12))


@pytest.fixture(scope="module")
def d08(warehouse_home, latest_year, tmp_path_factory):
    out = tmp_path_factory.mktemp("dept")
    mp = pytest.MonkeyPatch()
    mp.setenv("ZHENGAI_HOME", str(warehouse_home))
    try:
        assert run_cli(["report", "department", "--dept", "教务处", "--year", latest_year, "--out", str(out)]) == 0
    finally:
        mp.undo()
    (path,) = out.glob("*.xlsx")
    assert path.name == f"D08_教务处_{latest_year}学年_自我诊断报告.xlsx"
    return load_workbook(path)


def test_sheets_and_print_setup(d08, latest_year):
    assert d08.sheetnames == SHEETS
    for ws in d08.worksheets:
        assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1 and ws.print_title_rows
        assert ws.oddHeader.left.text == "江南职业技术学院" and ws.oddHeader.right.text == f"{latest_year}学年"
        assert ws.oddHeader.center.text == "教务处自我诊断报告"


def test_indicator_status_equals_the_warnings(d08, sql, latest_year):
    _, _, rows, _ = read_table(d08, "dept_indicator_status")
    expected = sql("""
        SELECT entity_name, indicator_name, period, value, standard_value, target_value, tier
        FROM warnings.fct_warnings
        WHERE academic_year = ? AND (responsible_dept = 'D08' OR college_code = 'D08') AND level IN ('学校', '专业')
        ORDER BY list_position(['学校', '专业'], level), entity_id, indicator_code, period""", [latest_year])
    assert len(rows) == len(expected) > 0
    word = {"达到目标": "是", "达标": "是", "黄": "否", "橙": "否", "红": "否", "数据缺失": "无数据", "无标准": "未设标准"}
    for r, (entity, name, period, value, std, target, tier) in zip(rows, expected, strict=True):
        assert (r["对象"], r["指标"], r["周期"]) == (entity, name, period)
        assert close(r["当前值"], value) if value is not None else r["当前值"] == "本学年无数据"
        assert close(r["标准值"], std) if std is not None else r["标准值"] == "—"
        assert close(r["目标值"], target) if target is not None else r["目标值"] == "—"
        assert r["是否达标"] == word[tier]


def test_every_warning_is_listed_with_its_reason(d08, sql, latest_year):
    _, _, rows, _ = read_table(d08, "dept_warnings")
    expected = sql("""
        SELECT count(*), count(DISTINCT reason_zh) FROM warnings.fct_warnings
        WHERE academic_year = ? AND is_warning AND (responsible_dept = 'D08' OR college_code = 'D08')
          AND level <> '学生'""", [latest_year])[0]
    assert len(rows) == expected[0] > 0
    reasons = {r[0] for r in sql("SELECT reason_zh FROM warnings.fct_warnings WHERE academic_year = ? AND is_warning "
                                 "AND responsible_dept = 'D08'", [latest_year])}
    assert {r["原因"] for r in rows} <= reasons
    _, _, groups, _ = read_table(d08, "dept_student_warning_groups")
    # students: the student warning rules (学业/考勤), not the per-indicator judgements
    n_students = sql("SELECT count(*) FROM warnings.fct_student_warnings WHERE academic_year = ? "
                     "AND (responsible_dept = 'D08' OR college_code = 'D08')", [latest_year])[0][0]
    assert sum(g["预警次数"] for g in groups if isinstance(g["预警次数"], int)) == n_students


def test_targets_equal_the_target_chain(d08, sql, latest_year):
    _, _, rows, _ = read_table(d08, "dept_targets")
    expected = sql("SELECT status_zh, actual_value FROM spiral.fct_target_achievement_items "
                   "WHERE dept_code = 'D08' AND academic_year = ? ORDER BY target_kind, plan_item_id, indicator_code",
                   [latest_year])
    assert [r["状态"] for r in rows] == [s for s, _ in expected]
    for r, (_s, actual) in zip(rows, expected, strict=True):
        assert close(r["实际值"], actual) if actual is not None else r["实际值"] == "—"


def test_all_departments(env, tmp_path, sql, latest_year):
    assert main(["report", "department", "--all", "--year", latest_year, "--out", str(tmp_path)]) == 0
    codes = sorted(c for c, in sql("SELECT dept_code FROM ref.org_departments"))
    assert sorted(p.name.split("_")[0] for p in tmp_path.glob("*.xlsx")) == codes
    c01 = load_workbook(next(tmp_path.glob("C01_*.xlsx")))
    assert c01.sheetnames == [*SHEETS, "附：学生预警名单"]
    _, _, rows, _ = read_table(c01, "dept_student_warnings")
    n = sql("SELECT count(*) FROM warnings.fct_student_warnings WHERE academic_year = ? AND college_code = 'C01'",
            [latest_year])[0][0]
    assert len(rows) == n


def test_unknown_department_and_year_without_data(env, tmp_path, capsys, latest_year):
    assert main(["report", "department", "--dept", "D99", "--year", latest_year, "--out", str(tmp_path)]) == 1
    assert "未知部门" in capsys.readouterr().err
    assert main(["report", "department", "--dept", "D08", "--year", "2035-2036", "--out", str(tmp_path)]) == 1
    assert "没有数据" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.xlsx"))


def test_filled_in_column_is_kept_next_cycle(env, tmp_path, latest_year, capsys):
    """C01 fills in last cycle's workbook; this cycle's workbook, given --previous, carries every value over."""
    prev_year = shift_year(latest_year, -1)
    first = tmp_path / "first.xlsx"
    assert main(["report", "department", "--dept", "C01", "--year", prev_year, "--out", str(first)]) == 0
    wb = load_workbook(first)
    ws, headers, rows, numbers = read_table(wb, "dept_improvements")
    assert len(rows) >= 3
    typed = {}
    for k, (row, r) in enumerate(zip(rows, numbers, strict=True)):
        if k % 2:  # every other row filled in, the rest left empty
            continue
        values = {h: f"{h[:4]} {k}" for h in FILL_HEADERS}
        for h, v in values.items():
            ws.cell(row=r, column=headers.index(h) + 1, value=v)
        typed[row[KEY_HEADER]] = values
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)

    second = tmp_path / "second.xlsx"
    assert main(["report", "department", "--dept", "C01", "--year", latest_year, "--out", str(second),
                 "--previous", str(filled)]) == 0
    assert "沿用上一周期填写" in capsys.readouterr().out
    wb2 = load_workbook(second)
    _, _, rows2, _ = read_table(wb2, "dept_improvements")
    now = {r[KEY_HEADER]: r for r in rows2}
    kept = {k for k in typed if k in now}
    assert kept, "some 事项 of last cycle are still open this cycle"
    for k in kept:
        assert {h: now[k][h] for h in FILL_HEADERS} == typed[k]
    for k, r in now.items():
        if k not in typed:
            assert all(r[h] is None for h in FILL_HEADERS)
    gone = set(typed) - kept
    if gone:  # closed 事项: their text is kept at the bottom of the sheet
        _, _, orphans, _ = read_table(wb2, "dept_improvements_previous")
        assert {o[KEY_HEADER] for o in orphans} == gone
    # and the same once more: the workbook that carried values over carries them again
    third = tmp_path / "third.xlsx"
    assert main(["report", "department", "--dept", "C01", "--year", latest_year, "--out", str(third),
                 "--previous", str(second)]) == 0
    _, _, rows3, _ = read_table(load_workbook(third), "dept_improvements")
    assert [[r[h] for h in FILL_HEADERS] for r in rows3] == [[r[h] for h in FILL_HEADERS] for r in rows2]
