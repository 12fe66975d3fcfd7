"""Every indicator formula on a tiny hand-built college (tests/dbt/fixtures/indicator_inputs.py), real dbt + DuckDB.

The expected values are worked out by hand from the fixture rows; the arithmetic is in the comments.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.dbt.conftest import run_dbt
from tests.dbt.fixtures.indicator_inputs import write_college

Y = "2024-2025"


@pytest.fixture(scope="module")
def values(tmp_path_factory):
    db = tmp_path_factory.mktemp("indicators") / "work.duckdb"
    write_college(db)
    run_dbt(db, "build", "--select", "resource_type:seed", "path:models/indicators", "--indirect-selection", "cautious")
    # (not read_only: dbt keeps its in-process connection to the file open)
    with duckdb.connect(str(db)) as con:
        rows = con.execute("select level, entity_id, period, indicator_code, value, scope_value, college_code, "
                           "entity_name from indicators.fct_indicator_values").fetchall()
        wide = con.execute("select entity_id, period, scope_value, tch_teaching_hours, tch_weekly_hours, tch_incidents "
                           "from indicators.fct_teacher_indicators order by entity_id").fetchall()
    values = {(r[1], r[2], r[3]): r for r in rows}
    values["wide_teacher"] = wide
    return values


def v(values, entity, period, code):
    return values[(entity, period, code)][4]


SCHOOL = {
    "SCH_STU_TEACHER_RATIO": 1100 / (50 + 20 * 0.5),   # 折合在校生 ÷ (专任 + 兼职 × 0.5)
    "SCH_DUAL_TEACHER_RATIO": 30 / 50,
    "SCH_SENIOR_TITLE_RATIO": 20 / 50,
    "SCH_PG_DEGREE_RATIO": 25 / 50,
    "SCH_PARTTIME_TEACHER_RATIO": 20 / 50,
    "SCH_EQUIP_VALUE_PER_STU": 500 * 10000 / 1100,      # 万元 → 元, ÷ 折合在校生
    "SCH_NEW_EQUIP_RATIO": 100 / (500 - 100),
    "SCH_TEACH_ADMIN_AREA_PER_STU": (12000 + 3000) / 1000,
    "SCH_LAND_AREA_PER_STU": 60000 / 1000,
    "SCH_DORM_AREA_PER_STU": 6500 / 1000,
    "SCH_BOOKS_PER_STU": 66000 / 1100,
    "SCH_NEW_BOOKS_PER_STU": 3300 / 1100,
    "SCH_COMPUTERS_PER_100_STU": 110 * 100 / 1000,
    "SCH_FUNDING_PER_STU": (1100 + 100) * 10000 / 1100,  # only 财政经常性补助, not 学费
    "SCH_COUNSELOR_RATIO": 4 / 2,                        # 4 in school (S5 休学), 2 辅导员
    "SCH_ENROL_PLAN_RATE": (9 + 10) / (10 + 10),
    "SCH_REGISTER_RATE": (8 + 10) / (9 + 10),
    "SCH_GRADUATION_RATE": 3 / 4,                        # G1 G2 G4 毕业, G3 退学; S* graduate in 2026
    "SCH_EMPLOY_RATE": 3 / 4,
    "SCH_RELATED_EMPLOY_RATE": 1 / 2,                    # of the 2 employed, 1 related
}


@pytest.mark.parametrize("code,expected", SCHOOL.items())
def test_school_indicator(values, code, expected):
    assert v(values, "10001", Y, code) == pytest.approx(expected)


def test_school_is_named_from_the_profile_and_judged_against_the_school_standard(values):
    level, _, _, _, _, scope, college, name = values[("10001", Y, "SCH_DUAL_TEACHER_RATIO")]
    assert (level, scope, college, name) == ("学校", "全校", None, "江南职业技术学院")


MAJOR = {
    ("M1", "MAJ_STUDENTS"): 3, ("M2", "MAJ_STUDENTS"): 1,
    ("M1", "MAJ_ENROL_PLAN_RATE"): 9 / 10, ("M1", "MAJ_REGISTER_RATE"): 8 / 9, ("M1", "MAJ_FIRST_CHOICE_RATE"): 6 / 9,
    ("M1", "MAJ_STUDENT_TEACHER_RATIO"): 3 / 3, ("M2", "MAJ_STUDENT_TEACHER_RATIO"): 1 / 1,
    ("M1", "MAJ_DUAL_TEACHER_RATIO"): 2 / 3, ("M2", "MAJ_DUAL_TEACHER_RATIO"): 0.0,
    ("M1", "MAJ_HAS_LEADER"): 1, ("M2", "MAJ_HAS_LEADER"): 0,
    ("M1", "MAJ_EQUIP_VALUE_PER_STU"): (30 + 15) * 10000 / 3,
    # distinct courses taught to M1: K1 16/64, K3 32/32, K2 0/32 (K1 twice counts once)
    ("M1", "MAJ_PRACTICE_HOURS_RATIO"): (16 + 32 + 0) / (64 + 32 + 32),
    ("M2", "MAJ_PRACTICE_HOURS_RATIO"): 16 / 64,
    # M1 正考: S1 K1 ✓, S2 K1 ✓, S3 K1 ✗, S1 K2 ✗, S1 K3 ✓
    ("M1", "MAJ_COURSE_PASS_RATE"): 3 / 5, ("M2", "MAJ_COURSE_PASS_RATE"): 0.0,
    ("M1", "MAJ_GRADUATION_RATE"): 2 / 3, ("M2", "MAJ_GRADUATION_RATE"): 1.0,
    ("M1", "MAJ_EMPLOY_RATE"): 3 / 4, ("M1", "MAJ_RELATED_EMPLOY_RATE"): 1 / 2,
}


@pytest.mark.parametrize("entity,code", MAJOR.keys())
def test_major_indicator(values, entity, code):
    assert v(values, entity, Y, code) == pytest.approx(MAJOR[(entity, code)])


def test_major_without_employment_data_has_no_row_rather_than_zero(values):
    assert ("M2", Y, "MAJ_EMPLOY_RATE") not in values
    assert values[("M1", Y, "MAJ_DUAL_TEACHER_RATIO")][5:7] == ("省特色", "C01")


S1 = "2024-2025-1"
COURSE = {
    # K1 正考: 95, 80, 50 (补考后仍不及格), 0 (缺考, 补考通过)
    "CRS_PASS_RATE": 2 / 4, "CRS_EXCELLENT_RATE": 1 / 4, "CRS_AVG_SCORE": (95 + 80 + 50 + 0) / 4,
    "CRS_MAKEUP_RATE": 2 / 4, "CRS_ABSENT_EXAM_RATE": 1 / 4, "CRS_FINAL_FAIL_RATE": 1 / 4,
    "CRS_ATTENDANCE_RATE": (9 + 8) / (10 + 10), "CRS_TRUANCY_RATE": (1 + 1) / (10 + 10),
    "CRS_STUDENT_EVAL_SCORE": (90 + 80) / 2, "CRS_SUPERVISOR_SCORE": 70,
}


@pytest.mark.parametrize("code,expected", COURSE.items())
def test_course_indicator(values, code, expected):
    assert v(values, "K1", S1, code) == pytest.approx(expected)


def test_course_is_judged_at_its_level_and_belongs_to_its_college(values):
    assert values[("K1", S1, "CRS_PASS_RATE")][5:7] == ("省级", "C01")


TEACHER = {
    # T1: TA (4 周学时, 64) + TB (6, 96) in the 2 semesters of the year
    ("T1", "TCH_TEACHING_HOURS"): 64 + 96, ("T1", "TCH_CLASS_COUNT"): 2, ("T1", "TCH_WEEKLY_HOURS"): (4 + 6) / 2,
    ("T2", "TCH_TEACHING_HOURS"): 0, ("T2", "TCH_CLASS_COUNT"): 0, ("T2", "TCH_WEEKLY_HOURS"): 0,
    ("T4", "TCH_TEACHING_HOURS"): 32 + 32, ("T4", "TCH_WEEKLY_HOURS"): (2 + 2) / 2,
    ("T1", "TCH_STUDENT_EVAL_SCORE"): 90, ("T4", "TCH_STUDENT_EVAL_SCORE"): 80, ("T1", "TCH_SUPERVISOR_SCORE"): 70,
    ("T1", "TCH_COURSE_ATTENDANCE_RATE"): 17 / 20,
    # T1's 正考 records: S1 K1 ✓, S2 K1 ✓, S3 K1 ✗, S4 K1 ✗, S1 K3 ✓
    ("T1", "TCH_COURSE_PASS_RATE"): 3 / 5, ("T3", "TCH_COURSE_PASS_RATE"): 0.0,
    ("T1", "TCH_TRAINING_HOURS"): 40, ("T1", "TCH_ENTERPRISE_DAYS"): 24 / 8,
    ("T2", "TCH_TRAINING_HOURS"): 0, ("T2", "TCH_ENTERPRISE_DAYS"): 0,
    ("T1", "TCH_RESEARCH_COUNT"): 2, ("T2", "TCH_RESEARCH_COUNT"): 0,   # research of 2025 → 2024-2025
}


@pytest.mark.parametrize("entity,code", TEACHER.keys())
def test_teacher_indicator(values, entity, code):
    assert v(values, entity, Y, code) == pytest.approx(TEACHER[(entity, code)])


def test_teacher_rank_follows_the_rank_rules(values):
    ranks = {t: values[(t, Y, "TCH_TEACHING_HOURS")][5] for t in ("T1", "T2", "T3", "T4")}
    # T1 带头人 beats his 副教授 title; T2 hired this year; T3 骨干 beats 教授; T4 讲师 by title
    assert ranks == {"T1": "专业带头人", "T2": "新任教师", "T3": "骨干教师", "T4": "讲师"}


def test_teacher_without_evaluation_has_no_evaluation_row(values):
    assert ("T2", Y, "TCH_STUDENT_EVAL_SCORE") not in values


S2 = "2024-2025-2"
STUDENT = {
    # S1 semester 1: K1 95 (4 学分) ✓, K2 50 (2 学分) still failed after resits
    ("S1", S1, "STU_FAILED_COURSES"): 1, ("S1", S1, "STU_FAILED_CREDITS"): 2,
    ("S1", S1, "STU_CREDIT_COMPLETION_RATE"): 4 / 6, ("S1", S1, "STU_FIRST_PASS_RATE"): 1 / 2,
    ("S1", S1, "STU_AVG_SCORE"): (95 * 4 + 50 * 2) / 6,
    # S1 semester 2: K3 70 (3 学分) ✓; the failure of semester 1 is carried
    ("S1", S2, "STU_FAILED_COURSES"): 1, ("S1", S2, "STU_FAILED_CREDITS"): 2,
    ("S1", S2, "STU_CREDIT_COMPLETION_RATE"): (4 + 3) / (6 + 3), ("S1", S2, "STU_FIRST_PASS_RATE"): 1.0,
    ("S1", S2, "STU_AVG_SCORE"): 70,
    # attendance: 9 of 10; 2 hours truant + (2 late + 2 early) // 3 per hour (student_warning_rules)
    ("S1", S1, "STU_ATTENDANCE_RATE"): 9 / 10, ("S1", S1, "STU_TRUANT_HOURS"): 2 + 1,
    ("S1", S1, "STU_LATE_EARLY_COUNT"): 4, ("S2", S1, "STU_TRUANT_HOURS"): 2,
    # the incident of 2025-02-10 falls in the winter break → the semester that had started
    ("S1", S1, "STU_DISCIPLINE_COUNT"): 1, ("S1", S2, "STU_DISCIPLINE_COUNT"): 0,
    ("S1", S1, "STU_PSYCH_RISK_LEVEL"): 2,   # 重点关注
    ("S3", S1, "STU_CREDIT_COMPLETION_RATE"): 0.0, ("S3", S1, "STU_AVG_SCORE"): 55,  # the final score counts
}


@pytest.mark.parametrize("entity,period,code", STUDENT.keys())
def test_student_indicator(values, entity, period, code):
    assert v(values, entity, period, code) == pytest.approx(STUDENT[(entity, period, code)])


def test_student_without_attendance_or_psych_test_has_no_such_row(values):
    assert ("S3", S1, "STU_ATTENDANCE_RATE") not in values
    assert ("S1", S2, "STU_PSYCH_RISK_LEVEL") not in values


def test_every_level_has_at_least_ten_indicators(values):
    per_level: dict[str, set[str]] = {}
    for level, _, _, code, *_ in (r for k, r in values.items() if k != "wide_teacher"):
        per_level.setdefault(level, set()).add(code)
    assert {lvl: len(c) >= 10 for lvl, c in per_level.items()} == dict.fromkeys(["学校", "专业", "课程", "教师", "学生"], True)


def test_wide_table_has_a_column_per_catalogue_indicator(values):
    # tch_incidents has no source yet: the column exists (from the catalogue) and is empty
    assert values["wide_teacher"] == [("T1", Y, "专业带头人", 160, 5, None), ("T2", Y, "新任教师", 0, 0, None),
                                      ("T3", Y, "骨干教师", 32, 1, None), ("T4", Y, "讲师", 64, 2, None)]
