"""全日制/折合在校生 from the A1 counts by 学生类型, and the cross-source reconciliation (audit.fct_reconciliation),
with the real dbt project on DuckDB.

- a hand-built A1 row: the two totals worked out with pencil and paper (教发〔2004〕2号);
- the XS college with one source broken (the 2023-2024 A1 sheet says 8 × the 学工 roster): the mismatch rows carry
  the values as written, the difference and the verdict; the other years agree;
- the same mismatch under a rule made 阻断 in its data stops the build (so nothing is published);
- a rule naming an unknown column fails the configuration check with the rule's id in the message.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.config import REPO_ROOT
from tests.dbt.conftest import build_raw

DBT_DIR = REPO_ROOT / "dbt_project"
SEEDS = REPO_ROOT / "seeds"
BROKEN_YEAR = "2023-2024"


def _dbt(project: Path, db: Path, *args: str):
    from dbt.cli.main import dbtRunner

    mp = pytest.MonkeyPatch()
    mp.setenv("ZHENGAI_WORK_DB", str(db))
    try:
        return dbtRunner().invoke(["build", "--project-dir", str(project), "--profiles-dir", str(project),
                                   "--target-path", str(db.parent / "target"), "--log-path", str(db.parent / "logs"),
                                   "--quiet", *args])
    finally:
        mp.undo()


def _copy_project(tmp: Path, rules_edit) -> Path:
    """A copy of the dbt project and seeds with seeds/reconciliation_rules.csv edited by `rules_edit(text)`."""
    shutil.copytree(DBT_DIR, tmp / "dbt_project", ignore=shutil.ignore_patterns("target", "logs"))
    shutil.copytree(SEEDS, tmp / "seeds")
    rules = tmp / "seeds" / "reconciliation_rules.csv"
    rules.write_text(rules_edit(rules.read_text(encoding="utf-8")), encoding="utf-8")
    return tmp / "dbt_project"


def test_totals_are_computed_from_the_parts_by_the_official_formula(tmp_path):
    db = tmp_path / "work.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema staging")
        con.execute("create table staging.stg_zhuangtai__a1_school (academic_year varchar, "
                    "students_regular_junior bigint, students_further_study bigint, students_adult_fulltime bigint, "
                    "students_evening bigint, students_correspondence bigint, students_international bigint, "
                    "students_preparatory bigint, fulltime_students bigint, equivalent_students decimal(18,3), "
                    "_batch_id varchar)")
        # 预科生 left empty: not counted (not a zero that hides a gap, not a failure)
        con.execute("insert into staging.stg_zhuangtai__a1_school values "
                    "('2024-2025', 1000, 20, 10, 100, 50, 2, null, 1030, 1060.5, 'b1')")
    res = _dbt(DBT_DIR, db, "--select", "resource_type:seed", "int_student_equivalents",
               "--indirect-selection", "cautious")
    assert res.success, [f"{r.node.name}: {r.message}" for r in res.result or [] if r.status not in ("success", "pass")]
    with duckdb.connect(str(db)) as con:
        row = con.execute("select fulltime_students, equivalent_students, reported_fulltime_students, "
                          "reported_equivalent_students from intermediate.int_student_equivalents").fetchone()
    # 全日制 = 普通专科 1000 + 进修 20 + 成人脱产 10 + 留学生 2 = 1032 (夜大 and 函授 are part-time)
    # 折合 = 1000 + 20 + 10 + 夜大 100 × 0.3 + 函授 50 × 0.1 + 留学生 2 × 3 = 1071
    assert (row[0], float(row[1])) == (1032, 1071.0)
    assert (row[2], float(row[3])) == (1030, 1060.5)  # the reported ones are kept as written


EXTRA_DUAL = 5  # teachers added to the broken year's A6-1, all 双师


@pytest.fixture(scope="module")
def broken(xs_college, tmp_path_factory):
    """The XS college with its 2023-2024 A1 全日制在校生数 set to 8 × the 普通专科生 (= the 学工 roster), and its
    2023-2024 A6-1 with every teacher marked 双师 plus EXTRA_DUAL more 双师 teachers than the 人事 roster has."""
    sources, _ = xs_college
    base = tmp_path_factory.mktemp("reconciliation")
    shutil.copytree(sources, base / "sources")
    path = base / "sources" / "zhuangtai" / f"状态数据采集_{BROKEN_YEAR}.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["A1 院校基本信息"]
    header = [c.value for c in ws[1]]
    roster = ws.cell(2, header.index("普通专科生数") + 1).value
    ws.cell(2, header.index("全日制在校生数") + 1).value = roster * 8
    ws = wb["A6-1 校内专任教师"]
    header = [c.value for c in ws[1]]
    dual, staff_id = header.index("是否双师素质") + 1, header.index("工号") + 1
    for row in range(2, ws.max_row + 1):
        ws.cell(row, dual).value = "是"
    last = [c.value for c in ws[ws.max_row]]
    for k in range(EXTRA_DUAL):
        ws.append([f"JN2099{k:04d}" if i + 1 == staff_id else v for i, v in enumerate(last)])
    wb.save(path)
    db = build_raw(base / "sources", base / "work.duckdb")
    res = _dbt(DBT_DIR, db, "--select", "resource_type:seed", "+fct_reconciliation", "--indirect-selection", "cautious")
    assert res.success, [f"{r.node.name}: {r.message}" for r in res.result or [] if r.status not in ("success", "pass", "warn")]
    return db, roster


def _rows(db, where, *params):  # (not read_only: dbt keeps its in-process connection to the file open)
    with duckdb.connect(str(db)) as con:
        return con.execute("select rule_id, academic_year, entity_id, left_value, right_value, difference, "
                           "relative_difference, verdict, severity, message_zh from audit.fct_reconciliation "
                           f"where {where} order by rule_id, academic_year, entity_id", list(params)).fetchall()


def test_a_platform_total_eight_times_the_roster_is_a_mismatch(broken):
    db, roster = broken
    [r02] = _rows(db, "rule_id = 'R02' and academic_year = ?", BROKEN_YEAR)
    assert r02[:9] == ("R02", BROKEN_YEAR, "全校", roster * 8, roster, roster * 7, pytest.approx(7.0), "不一致", "提醒")
    assert f"{roster * 8}" in r02[9] and f"{roster}" in r02[9] and "+700.0%" in r02[9]
    # the reported total also disagrees with its own parts (R03); the roster and 普通专科生 still agree (R01)
    assert [r[7] for r in _rows(db, "rule_id in ('R01', 'R03') and academic_year = ?", BROKEN_YEAR)] == ["一致", "不一致"]
    # the other years of R02 agree
    assert {r[7] for r in _rows(db, "rule_id = 'R02' and academic_year <> ?", BROKEN_YEAR)} == {"一致"}


def test_more_dual_qualified_teachers_on_the_platform_than_fulltime_teachers_in_the_roster_is_reported(broken):
    """双师素质教师 ≤ 专任教师 across two sources (rule R15, comparison 不超过): fewer is agreement, not a mismatch."""
    db, _ = broken
    [r15] = _rows(db, "rule_id = 'R15' and academic_year = ?", BROKEN_YEAR)
    [r06] = _rows(db, "rule_id = 'R06' and academic_year = ?", BROKEN_YEAR)
    teachers = r06[3]  # every A6-1 teacher of the broken year is marked 双师
    assert r15[3] == teachers and r15[3] - r15[4] > 0 and r15[7:9] == ("不一致", "提醒")
    assert r15[9] == (f"状态数据平台 A6-1 双师素质教师人数 {teachers:g}，超过人事名册 专任教师人数（9 月 1 日前入职） "
                      f"{r15[4]:g}（多 {r15[5]:g}），部分不能多于总数")
    # the other years: fewer 双师 than 专任教师 — a difference, yet in agreement (the rule is ≤, not =)
    others = _rows(db, "rule_id = 'R15' and academic_year <> ?", BROKEN_YEAR)
    assert len(others) == 4 and all(r[5] < 0 and r[7] == "一致" and r[9] is None for r in others)


def test_every_rule_compares_every_year_of_the_demo_college(broken):
    db, _ = broken
    with duckdb.connect(str(db)) as con:
        years = dict(con.execute("select rule_id, count(distinct academic_year) from audit.fct_reconciliation "
                                 "group by rule_id").fetchall())
        rules = [r for (r,) in con.execute("select rule_id from ref.reconciliation_rules").fetchall()]
    assert {r: years.get(r) for r in rules} == dict.fromkeys(rules, 5)


def test_a_blocking_rule_that_disagrees_stops_the_build(broken, tmp_path):
    db, _ = broken
    project = _copy_project(tmp_path, lambda t: t.replace(",学年,0,0.03,提醒,D10,", ",学年,0,0.03,阻断,D10,"))
    res = _dbt(project, db, "--select", "reconciliation_rules", "fct_reconciliation")
    assert not res.success
    failed = {r.node.name: r.failures for r in res.result if r.status == "fail"}
    assert failed == {"reconciliation_blocking_rules_agree": 1}  # R02 of 2023-2024; the 提醒 rules only warn


def test_a_rule_naming_an_unknown_column_fails_the_config_check_naming_the_rule(tmp_path):
    project = _copy_project(tmp_path, lambda t: t.replace("renshi.external_teacher,external_id,",
                                                          "renshi.external_teacher,external_no,"))
    res = _dbt(project, tmp_path / "t.duckdb", "--select", "resource_type:seed", "reconciliation_rules_are_known",
               "--indirect-selection", "cautious")
    assert not res.success
    [msg] = [r.message for r in res.result if r.node.name == "reconciliation_rules_are_known"]
    assert "对账规则 R07 的右方「renshi.external_teacher.external_no」不是源数据契约中的表和列" in msg


def test_a_rule_with_an_unknown_comparison_fails_the_config_check_naming_the_rule(tmp_path):
    project = _copy_project(tmp_path, lambda t: t.replace(",不超过,学年,", ",小于,学年,"))
    res = _dbt(project, tmp_path / "t.duckdb", "--select", "resource_type:seed", "reconciliation_rules_are_known",
               "--indirect-selection", "cautious")
    assert not res.success
    [msg] = [r.message for r in res.result if r.node.name == "reconciliation_rules_are_known"]
    assert "对账规则 R15 的比法、粒度、严重程度、容差或负责部门不合法" in msg
