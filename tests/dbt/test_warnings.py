"""Warnings, student warnings and the improvement spiral on hand-built inputs (real dbt, real DuckDB).

The inputs of the warnings models (indicators.fct_indicator_values, marts.fct_score, …) are written by hand into
a temporary DuckDB (tests/dbt/fixtures/warnings_inputs.py); then the real dbt project loads the rule seeds and
builds only the warnings and spiral models and the configuration tests. Every expected tier below follows from
the boundary rule (docs/rules.md) and the line values in seeds/indicator_standards.csv, which the test reads, so
each case can be checked with pencil and paper:

    higher is better: value >= standard → 达标; orange <= value < standard → 黄; red <= value < orange → 橙; < red → 红
    lower is better:  value <= standard → 达标; standard < value <= orange → 黄; orange < value <= red → 橙; > red → 红
"""

from __future__ import annotations

import csv

import duckdb
import pytest

from pipelines.config import REPO_ROOT
from tests.dbt.conftest import run_dbt, same_rows
from tests.dbt.fixtures.warnings_inputs import indicator_row, insert_rows, write_tables

DBT_DIR = REPO_ROOT / "dbt_project"
SEEDS = REPO_ROOT / "seeds"
EPS = 0.001  # "just above / just below" a line


def _seed(name):
    with open(SEEDS / f"{name}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _lines(indicator, scope_value):
    [row] = [r for r in _seed("indicator_standards") if r["indicator_code"] == indicator and r["scope_value"] == scope_value]
    return {k: float(row[k]) for k in ("standard_value", "yellow_line", "orange_line", "red_line")}


def _target(dept, year, indicator):
    [row] = [r for r in _seed("dept_annual_targets")
             if (r["dept_code"], r["academic_year"], r["indicator_code"]) == (dept, year, indicator)]
    return float(row["target_value"])


# ---- boundary cases: (entity id, value, expected tier); entities of college C09, which has no annual targets
HIGHER = _lines("MAJ_DUAL_TEACHER_RATIO", "省特色")   # 0.60 / 0.60 / 0.40 / 0.35 as shipped
LOWER = _lines("MAJ_STUDENT_TEACHER_RATIO", "省特色")  # 25 / 25 / 27 / 29 as shipped


def _cases(lines, direction):
    s, o, r = lines["standard_value"], lines["orange_line"], lines["red_line"]
    if direction == "higher":
        return [("H_S_ON", s, "达标"), ("H_S_ABOVE", s + EPS, "达标"), ("H_S_BELOW", s - EPS, "黄"),
                ("H_O_ON", o, "黄"), ("H_O_ABOVE", o + EPS, "黄"), ("H_O_BELOW", o - EPS, "橙"),
                ("H_R_ON", r, "橙"), ("H_R_ABOVE", r + EPS, "橙"), ("H_R_BELOW", r - EPS, "红"),
                ("H_ZERO", 0.0, "红"), ("H_MISSING", None, "数据缺失")]
    return [("L_S_ON", s, "达标"), ("L_S_BELOW", s - EPS, "达标"), ("L_S_ABOVE", s + EPS, "黄"),
            ("L_O_ON", o, "黄"), ("L_O_BELOW", o - EPS, "黄"), ("L_O_ABOVE", o + EPS, "橙"),
            ("L_R_ON", r, "橙"), ("L_R_BELOW", r - EPS, "橙"), ("L_R_ABOVE", r + EPS, "红"),
            ("L_MISSING", None, "数据缺失")]


HIGHER_CASES = _cases(HIGHER, "higher")
LOWER_CASES = _cases(LOWER, "lower")
C02_TARGET = _target("C02", "2024-2025", "MAJ_DUAL_TEACHER_RATIO")  # 0.66 as shipped

# the improvement spiral: MAJ_EMPLOY_RATE of 校一般 majors (0.885 / 0.855 / 0.825 as shipped), one 专业 case a year
SPIRAL = {
    # 橙 → 黄 (better) → 达标 (cleared), then a new red warning in the last cycle
    "SP_CLOSE": [("2021-2022", 0.85), ("2022-2023", 0.88), ("2023-2024", 0.91), ("2024-2025", 0.80)],
    # still warned but better than the first cycle
    "SP_IMPROVING": [("2023-2024", 0.85), ("2024-2025", 0.86)],
    # 橙, no data in the middle cycle, 橙 again (two cases; see the note on missing data in docs/rules.md)
    "SP_DIAGNOSING": [("2022-2023", 0.85), ("2023-2024", None), ("2024-2025", 0.845)],
    # 黄 → 橙: re-checked, not improved
    "SP_WORSE": [("2023-2024", 0.86), ("2024-2025", 0.84)],
}


def _indicator_rows():
    rows = [indicator_row(e, "MAJ_DUAL_TEACHER_RATIO", v) for e, v, _ in HIGHER_CASES]
    rows += [indicator_row(e, "MAJ_STUDENT_TEACHER_RATIO", v) for e, v, _ in LOWER_CASES]
    rows += [
        # the sentence of the brief, verbatim
        indicator_row("510201", "MAJ_DUAL_TEACHER_RATIO", 0.33, entity_name="计算机应用技术", college_code="C02"),
        # a second, milder warning of the same major (省特色 enrolment line 0.97 / orange 0.92 → 0.95 is 黄, 招就处)
        indicator_row("510201", "MAJ_ENROL_PLAN_RATE", 0.95, entity_name="计算机应用技术", college_code="C02"),
        # college C02's own target: met → 达到目标; 达标 but short of it → 达标
        indicator_row("T_MET", "MAJ_DUAL_TEACHER_RATIO", C02_TARGET, college_code="C02"),
        indicator_row("T_SHORT", "MAJ_DUAL_TEACHER_RATIO", C02_TARGET - EPS, college_code="C02"),
        # a tier that has no standard
        indicator_row("NO_STD", "MAJ_DUAL_TEACHER_RATIO", 0.9, scope_value="省级示范", college_code="C01"),
        # a course in a semester
        indicator_row("K0001", "CRS_PASS_RATE", 0.60, period="2024-2025-1", entity_type="course",
                      entity_name="高等数学", level="课程", scope_type="course_tier", scope_value="国家级"),
        # a student indicator judged red (average 50 < red line 60) is analysis only: no warning case
        indicator_row("S9", "STU_AVG_SCORE", 50.0, period="2024-2025-1", entity_type="student", entity_name="赵九",
                      level="学生", scope_type="student", scope_value="全体学生", college_code="C02"),
    ]
    school = dict(level="学校", entity_type="school", entity_name="江南职业技术学院", college_code=None,
                  scope_type="school", scope_value="全校")
    rows += [
        indicator_row("SCHOOL", "SCH_TEACH_ADMIN_AREA_PER_STU", 15.5, **school),  # school 红 and national 橙
        indicator_row("SCHOOL", "SCH_NEW_EQUIP_RATIO", 0.09, **school),           # school 黄, national 橙 → 橙
        indicator_row("SCHOOL", "SCH_EMPLOY_RATE", 0.96, **school),               # plan target 0.95 → 达到目标
        indicator_row("SCHOOL", "SCH_STU_TEACHER_RATIO", 16.0, **school),         # on the standard, target 16 → 达到目标
    ]
    for entity, series in SPIRAL.items():
        rows += [indicator_row(entity, "MAJ_EMPLOY_RATE", v, period=p, scope_value="校一般") for p, v in series]
    return rows


def _student_tables():
    stu = [("S1", "张一", "K1"), ("S2", "李二", "K1"), ("S3", "王三", "K2")]
    score = []

    def sc(student, sem, course, failed, credits):
        score.append({"student_id": student, "semester_code": sem, "academic_year": sem[:9], "course_code": course,
                      "exam_type": "正考", "is_failed_after_resits": failed, "credits": credits})
    # S1: two failed in semester 1 (3 + 2 credits) → 黄 by courses; a third in semester 2 (4) → 橙 (3 courses)
    sc("S1", "2024-2025-1", "KA", True, 3.0)
    sc("S1", "2024-2025-1", "KB", True, 2.0)
    sc("S1", "2024-2025-2", "KC", True, 4.0)
    sc("S1", "2024-2025-2", "KD", False, 2.0)
    # S2: one failed 6-credit course → 黄 by credits (exactly on the threshold 6)
    sc("S2", "2024-2025-1", "KE", True, 6.0)
    # S3: one failed 2-credit course → no academic warning
    sc("S3", "2024-2025-1", "KA", True, 2.0)
    # a 重修 row is not counted again
    score.append({"student_id": "S3", "semester_code": "2024-2025-2", "academic_year": "2024-2025",
                  "course_code": "KA", "exam_type": "重修", "is_failed_after_resits": False, "credits": 2.0})

    def att(student, course, hours, late=0, early=0, sem="2024-2025-1"):
        return {"student_id": student, "semester_code": sem, "academic_year": sem[:9], "course_code": course,
                "truant_hours": hours, "late_count": late, "early_leave_count": early}
    attendance = [
        att("S1", "KA", 12, late=3, early=3),  # 12 + 6 // 3 = 14
        att("S1", "KB", 6),                    # total 20 → exactly on the yellow threshold
        att("S2", "KE", 19, late=2),           # 19 + 2 // 3 = 19 → no warning
        att("S3", "KA", 60),                   # 60 → 红
    ]
    return {
        "marts.fct_score": score,
        "marts.fct_attendance": attendance,
        "marts.dim_student": [{"student_id": s, "student_name": n, "class_code": k, "major_code": "510201",
                               "college_code": "C02"} for s, n, k in stu],
        "marts.dim_class": [{"class_code": "K1", "class_name": "计算机应用技术2401班", "counselor_id": "JN0101",
                             "head_teacher_id": "JN0102"},
                            {"class_code": "K2", "class_name": "计算机应用技术2402班", "counselor_id": "JN0103",
                             "head_teacher_id": "JN0104"}],
        "marts.dim_course": [{"course_code": c, "course_name": n} for c, n in
                             [("KA", "高等数学"), ("KB", "大学英语"), ("KC", "C语言程序设计"), ("KD", "体育"),
                              ("KE", "电工电子技术")]],
        "marts.dim_staff": [{"staff_id": i, "staff_name": n} for i, n in
                            [("JN0101", "周辅导"), ("JN0103", "吴辅导"), ("JN0201", "钱带头"), ("JN0205", "孙带头"),
                             ("JN0301", "郑老师"), ("JN0302", "冯老师")]],
        # two 专业带头人 of 510201: the smaller 工号 is the responsible one
        "marts.dim_teacher": [{"staff_id": i, "major_code": "510201", "is_major_leader": lead}
                              for i, lead in [("JN0199", False), ("JN0201", True), ("JN0205", True)]],
        "marts.dim_college": [{"college_code": "C02", "college_name": "信息工程学院"}],
        # K0001 in 2024-2025-1: JN0301 teaches 64 学时, JN0302 32 + 48 = 80 → JN0302 is the 课程负责人;
        # JN0301's 200 学时 in another semester do not count
        "marts.fct_teaching_task": [
            {"course_code": "K0001", "semester_code": "2024-2025-1", "teacher_id": "JN0301", "workload_hours": 64.0},
            {"course_code": "K0001", "semester_code": "2024-2025-1", "teacher_id": "JN0302", "workload_hours": 32.0},
            {"course_code": "K0001", "semester_code": "2024-2025-1", "teacher_id": "JN0302", "workload_hours": 48.0},
            {"course_code": "K0001", "semester_code": "2023-2024-2", "teacher_id": "JN0301", "workload_hours": 200.0},
        ],
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    db = tmp_path_factory.mktemp("warnings") / "work.duckdb"
    write_tables(db, {"indicators.fct_indicator_values": _indicator_rows(), **_student_tables()})
    run_dbt(db, "build", "--select", "resource_type:seed", "path:models/warnings", "path:models/spiral",
            "path:tests/config", "--indirect-selection", "cautious")
    return db


def _q(db, sql, *params):
    with duckdb.connect(str(db)) as con:
        return con.execute(sql, list(params)).fetchall()


def _tiers(db, indicator):
    return dict(_q(db, "select entity_id, tier from warnings.fct_warnings where indicator_code = ? "
                       "and period = '2024-2025' and college_code = 'C09'", indicator))


def test_shipped_lines_are_the_ones_the_comments_describe():
    assert HIGHER == {"standard_value": 0.6, "yellow_line": 0.6, "orange_line": 0.4, "red_line": 0.35}
    assert LOWER == {"standard_value": 25, "yellow_line": 25, "orange_line": 27, "red_line": 29}
    assert C02_TARGET == pytest.approx(0.66)


def test_every_boundary_higher_is_better(built):
    assert _tiers(built, "MAJ_DUAL_TEACHER_RATIO") == {e: t for e, _, t in HIGHER_CASES}


def test_every_boundary_lower_is_better(built):
    assert _tiers(built, "MAJ_STUDENT_TEACHER_RATIO") == {e: t for e, _, t in LOWER_CASES}


def test_missing_value_is_missing_not_zero(built):
    [(tier, value, reason)] = _q(built, "select tier, value, reason_zh from warnings.fct_warnings "
                                        "where entity_id = 'H_MISSING'")
    assert (tier, value) == ("数据缺失", None)
    assert reason == "测试H_MISSING专业 2024-2025学年 双师素质教师比例 无数据（未采集或分母为 0，不按 0 计），请人事处核实补报（数据缺失）"


def test_reason_sentence_verbatim_and_departments(built):
    [row] = _q(built, "select reason_zh, tier, responsible_dept, responsible_dept_name, assisting_depts, "
                      "assisting_dept_names, cycle from warnings.fct_warnings where entity_id = '510201' "
                      "and indicator_code = 'MAJ_DUAL_TEACHER_RATIO'")
    assert row == ("计算机应用技术专业 2024-2025学年 双师素质教师比例 33.0%，低于省特色专业标准 60.0%（红色预警）",
                   "红", "D09", "人事处", "D08;C02", "教务处、信息工程学院", "学年")


def test_target_achieved_and_not(built):
    got = dict(_q(built, "select entity_id, tier from warnings.fct_warnings where entity_id in ('T_MET', 'T_SHORT')"))
    assert got == {"T_MET": "达到目标", "T_SHORT": "达标"}
    # nobody reads a sentence for a met target: it is not written (only warnings and data gaps get one)
    [(reason,)] = _q(built, "select reason_zh from warnings.fct_warnings where entity_id = 'T_MET'")
    assert reason is None


def test_no_standard_for_an_unknown_tier(built):
    [(tier,)] = _q(built, "select tier from warnings.fct_warnings where entity_id = 'NO_STD'")
    assert tier == "无标准"


def test_semester_period_and_course_standard(built):
    [(tier, reason)] = _q(built, "select tier, reason_zh from warnings.fct_warnings where entity_id = 'K0001'")
    assert tier == "橙"  # 国家级: standard 0.709, orange 0.609, red 0.509 → 0.60 is 橙
    assert reason == "高等数学课程 2024-2025学年第1学期 及格率 60.0%，低于国家级在线精品课程标准 70.9%（橙色预警）"


def test_school_standard_national_baseline_and_plan_target(built):
    got = {r[0]: r[1:] for r in _q(built, "select indicator_code, standard_tier, baseline_tier, tier, reason_zh "
                                          "from warnings.fct_warnings where level = '学校'")}
    assert got["SCH_TEACH_ADMIN_AREA_PER_STU"] == (
        "红", "橙", "红",
        "江南职业技术学院 2024-2025学年 生均教学行政用房 15.50㎡，低于学校标准 18.00㎡，"
        "低于国家基本办学条件合格标准 16.00㎡（红色预警）")
    # the national line (0.10, 工科/农林) is worse than the school's own yellow: the worse one wins
    assert got["SCH_NEW_EQUIP_RATIO"][:3] == ("黄", "橙", "橙")
    assert got["SCH_EMPLOY_RATE"][2] == "达到目标"        # plan target 0.95 for 2024-2025
    assert got["SCH_STU_TEACHER_RATIO"][:3] == ("达标", "达标", "达到目标")  # 16.0 ≤ target 16 (lower is better)


def test_academic_warnings_list_the_courses(built):
    rows = {(r[0], r[1]): r[2:] for r in _q(built, """
        select student_id, semester_code, tier, warning_name_zh, failed_courses, failed_credits, courses_zh,
               responsible_dept, counselor_id, reason_zh
        from warnings.fct_student_warnings where warning_type = '学业预警'""")}
    assert set(rows) == {("S1", "2024-2025-1"), ("S1", "2024-2025-2"), ("S2", "2024-2025-1")}
    assert rows[("S1", "2024-2025-1")][:6] == ("黄", "学业预警（初级）", 2, 5.0, "高等数学 3学分、大学英语 2学分", "C02")
    assert rows[("S1", "2024-2025-2")][:4] == ("橙", "留级预警", 3, 9.0)
    assert rows[("S1", "2024-2025-2")][7] == (
        "张一同学（S1，计算机应用技术2401班）截至2024-2025学年第2学期补考、重修后仍有 3 门课程未通过，共 9.0 学分："
        "高等数学 3学分、大学英语 2学分、C语言程序设计 4学分（橙色预警·留级预警）")
    assert rows[("S2", "2024-2025-1")][:4] == ("黄", "学业预警（初级）", 1, 6.0)  # by credits, on the threshold


def test_attendance_warnings_count_lates(built):
    rows = {r[0]: r[1:] for r in _q(built, """
        select student_id, tier, truant_hours, responsible_dept, reason_zh
        from warnings.fct_student_warnings where warning_type = '考勤预警'""")}
    assert set(rows) == {"S1", "S3"}  # S2: 19 h + 2 lates (< 3) = 19 < 20
    assert rows["S1"][:3] == ("黄", 20.0, "C02")
    assert rows["S1"][3] == ("张一同学（S1，计算机应用技术2401班）2024-2025学年第1学期旷课 20 学时（含迟到早退 6 次折 2 学时）："
                             "高等数学 12学时、大学英语 6学时（黄色预警·考勤警告）")
    assert rows["S3"][:3] == ("红", 60.0, "D10")


def _cases(db, where="true"):
    cols = ("worst_tier", "tier_rank", "n_reasons", "indicator_codes", "responsible_dept_code",
            "responsible_person_id", "responsible_person_name", "college_code", "priority", "reasons_zh")
    return {r[0]: dict(zip(cols, r[1:], strict=True)) for r in _q(db, f"select case_id, {', '.join(cols)} "
                                                          f"from warnings.fct_warning_cases where {where}")}


def test_case_per_major_merges_its_indicators(built):
    case = _cases(built)["专业|510201|2024-2025"]
    # 双师 红 (人事处) before 招生计划完成率 黄 (招就处): the worst reason first, and its department is responsible
    assert case == {
        "worst_tier": "红", "tier_rank": 4, "n_reasons": 2,
        "indicator_codes": "MAJ_DUAL_TEACHER_RATIO,MAJ_ENROL_PLAN_RATE", "responsible_dept_code": "D09",
        "responsible_person_id": "JN0201", "responsible_person_name": "钱带头", "college_code": "C02", "priority": 1,
        "reasons_zh": "计算机应用技术专业 2024-2025学年 双师素质教师比例 33.0%，低于省特色专业标准 60.0%（红色预警）；"
                      "计算机应用技术专业 2024-2025学年 招生计划完成率 95.0%，低于省特色专业标准 97.0%（黄色预警）"}


def test_case_per_course_names_the_teacher_with_most_hours(built):
    case = _cases(built)["课程|K0001|2024-2025-1"]
    assert (case["worst_tier"], case["priority"], case["responsible_person_id"], case["responsible_person_name"]) == (
        "橙", 4, "JN0302", "冯老师")


def test_student_indicator_judgements_are_analysis_only(built):
    [row] = _q(built, "select tier, is_warning, reason_zh from warnings.fct_warnings where entity_id = 'S9'")
    assert row == ("红", False, None)


def test_student_cases_use_the_student_rules_only(built):
    cases = _cases(built, "level = '学生'")
    # S9's red average score is an indicator judgement, not a warning; S3's one failed course is not either
    assert set(cases) == {"学生|S1|2024-2025-1", "学生|S1|2024-2025-2", "学生|S2|2024-2025-1", "学生|S3|2024-2025-1"}
    s1 = cases["学生|S1|2024-2025-1"]   # 学业 黄 (2 courses) and 考勤 黄 (20 h): one case, two reasons
    assert (s1["worst_tier"], s1["n_reasons"], s1["indicator_codes"], s1["priority"]) == (
        "黄", 2, "STU_FAILED_COURSES,STU_TRUANT_HOURS", 5)
    assert s1["reasons_zh"].startswith("张一同学（S1，计算机应用技术2401班）截至2024-2025学年第1学期补考、重修后仍有 2 门")
    assert s1["reasons_zh"].split("；")[1].startswith("张一同学（S1，计算机应用技术2401班）2024-2025学年第1学期旷课 20 学时")
    assert (s1["responsible_person_id"], s1["responsible_person_name"], s1["college_code"]) == ("JN0101", "周辅导", "C02")
    s3 = cases["学生|S3|2024-2025-1"]   # 60 h truancy: 红, 学生工作处, counsellor of K2
    assert (s3["worst_tier"], s3["priority"], s3["responsible_dept_code"], s3["responsible_person_id"]) == (
        "红", 2, "D10", "JN0103")
    assert cases["学生|S2|2024-2025-1"]["indicator_codes"] == "STU_FAILED_CREDITS"


def test_one_case_per_entity_and_cycle(built):
    [(n, n_keys)] = _q(built, "select count(*), count(distinct (level, entity_id, cycle)) from warnings.fct_warning_cases")
    assert n == n_keys
    # every non-student entity × cycle with a 黄/橙/红 judgement has exactly one case, and no other has one
    [(n_warned,)] = _q(built, "select count(distinct (level, entity_id, period)) from warnings.fct_warnings "
                              "where is_warning and level <> '学生'")
    [(n_unit_cases,)] = _q(built, "select count(*) from warnings.fct_warning_cases where level <> '学生'")
    assert n_unit_cases == n_warned


def test_every_warning_case_is_one_improvement_case(built):
    """诊改事项 are the warning cases followed through the loop: same keys, so every count of open or answered
    事项 is a count of cases (there is no per-indicator item to count instead)."""
    cases = dict(_q(built, "select case_id, worst_tier from warnings.fct_warning_cases"))
    items = dict(_q(built, "select case_id, worst_tier from spiral.fct_improvement_cases"))
    assert items == cases and len(cases) > 10
    # open by hand: no next cycle of the level yet, or the object is still warned there at the same or a worse tier
    rows = _q(built, "select level, entity_id, cycle, tier_rank from warnings.fct_warning_cases")
    rank = {(lv, e, c): r for lv, e, c, r in rows}
    cycles = {lv: sorted({c for lv2, _, c, _ in rows if lv2 == lv}) for lv, *_ in rows}
    n_open = 0
    for lv, e, c, r in rows:
        later = [x for x in cycles[lv] if x > c]
        n_open += not later or rank.get((lv, e, later[0]), 0) >= r
    [(n_open_model,)] = _q(built, "select count(*) from spiral.fct_improvement_cases where is_open")
    assert n_open_model == n_open > 0


def test_improvement_cases_are_rechecked_in_the_next_cycle(built):
    """The spiral of MAJ_EMPLOY_RATE (SPIRAL above), one 专业 case per major and year: re-checked against the
    level's next cycle — no warning = 已消除, a lower tier = 好转 (both close the case), else 未改善."""
    got = {r[0]: r[1:] for r in _q(built, """
        select entity_id || '|' || cycle, worst_tier, next_cycle, next_tier, recheck_zh, is_improved, is_open
        from spiral.fct_improvement_cases where entity_id like 'SP_%'""")}
    assert got["SP_CLOSE|2021-2022"] == ("橙", "2022-2023", "黄", "好转", True, False)
    assert got["SP_CLOSE|2022-2023"] == ("黄", "2023-2024", None, "已消除", True, False)
    assert got["SP_CLOSE|2024-2025"] == ("红", None, None, "待复核", None, True)
    assert got["SP_IMPROVING|2023-2024"] == ("橙", "2024-2025", "黄", "好转", True, False)
    assert got["SP_WORSE|2023-2024"] == ("黄", "2024-2025", "橙", "未改善", False, True)
    assert "SP_CLOSE|2023-2024" not in got  # 达标: no case


def test_target_achievement(built):
    rows = {(r[0], r[1]): r[2:] for r in _q(built, """
        select dept_code, indicator_code, actual_value, target_value, is_achieved, status_zh
        from spiral.fct_target_achievement_items where academic_year = '2024-2025'""")}
    # D11 carries plan item PI04 (school employment rate 0.95): actual 0.96 → 达成
    assert rows[("D11", "SCH_EMPLOY_RATE")][1:] == (0.95, True, "达成")
    # C02's target on its majors' 双师 ratio: average of 0.33, 0.66 and 0.659 (no numerator/denominator) < 0.66
    actual, target, achieved, status = rows[("C02", "MAJ_DUAL_TEACHER_RATIO")]
    assert actual == pytest.approx((0.33 + C02_TARGET + C02_TARGET - EPS) / 3)
    assert (achieved, status) == (False, "未达成")
    assert rows[("D07", None)][3] == "定性目标"
    [(rate,)] = _q(built, "select achievement_rate from spiral.fct_target_achievement "
                          "where dept_code = 'D11' and academic_year = '2024-2025'")
    assert rate == pytest.approx(1.0)  # SCH_EMPLOY_RATE 达成; the other D11 targets have no data here


def test_config_tests_name_broken_rules(tmp_path):
    """A copy of the project with three planted mistakes: each config test reports exactly its row."""
    import shutil

    from dbt.cli.main import dbtRunner

    shutil.copytree(DBT_DIR, tmp_path / "dbt_project", ignore=shutil.ignore_patterns("target", "logs"))
    shutil.copytree(SEEDS, tmp_path / "seeds")
    std = tmp_path / "seeds" / "indicator_standards.csv"
    lines = [ln for ln in std.read_text(encoding="utf-8").splitlines(keepends=True)
             if not ln.startswith("MAJ_DUAL_TEACHER_RATIO,major_tier,校潜力,")]            # a missing standard
    lines = [ln.replace("SCH_BOOKS_PER_STU,school,全校,80,80,70,60", "SCH_BOOKS_PER_STU,school,全校,80,80,50,60")
             for ln in lines]                                                              # orange below red
    std.write_text("".join(lines), encoding="utf-8")
    items = tmp_path / "seeds" / "plan_items.csv"
    items.write_text(items.read_text(encoding="utf-8").replace(",SCH_EMPLOY_RATE,%,D11,", ",SCH_EMPLOY_RATE,%,D99,"),
                     encoding="utf-8")                                                     # unknown department
    mp = pytest.MonkeyPatch()
    mp.setenv("ZHENGAI_WORK_DB", str(tmp_path / "t.duckdb"))
    try:
        res = dbtRunner().invoke(["build", "--project-dir", str(tmp_path / "dbt_project"),
                                  "--profiles-dir", str(tmp_path / "dbt_project"), "--quiet",
                                  "--select", "resource_type:seed", "path:tests/config", "--indirect-selection", "cautious"])
    finally:
        mp.undo()
    failing = {r.node.name: r.failures for r in res.result if r.status == "fail"}
    assert failing == {"every_indicator_has_a_standard_for_every_scope_value": 1,
                       "lines_are_ordered_with_direction": 1, "departments_are_known": 1}


# ---- fct_warnings judges only the indicator rows that changed (macros/row_sync.sql), and equals a full rebuild

def _warnings_db(path, rows):
    write_tables(path, {"indicators.fct_indicator_values": rows, **_student_tables()})
    run_dbt(path, "build", "--select", "resource_type:seed", "fct_warnings", "--indirect-selection", "cautious")
    return path


def _tier(db, entity, indicator="MAJ_DUAL_TEACHER_RATIO"):
    return _q(db, "select tier, reason_zh from warnings.fct_warnings where entity_id = ? and indicator_code = ? "
                  "and period = '2024-2025'", entity, indicator)


def _changed_inputs(rows):
    """One value worsened (H_S_ON 0.60 → 0.0: 达标 → 红), one row gone (L_MISSING), one new (H_NEW 0.5 → 黄)."""
    changed = [dict(r, value=0.0) if (r["entity_id"], r["indicator_code"]) == ("H_S_ON", "MAJ_DUAL_TEACHER_RATIO")
               else r for r in rows if r["entity_id"] != "L_MISSING"]
    return changed + [indicator_row("H_NEW", "MAJ_DUAL_TEACHER_RATIO", 0.5)]


def test_a_rebuild_judges_only_changed_indicator_rows_and_equals_a_full_rebuild(tmp_path):
    rows = _indicator_rows()
    db = _warnings_db(tmp_path / "incremental.duckdb", rows)
    assert _tier(db, "H_S_ON")[0][0] == "达标"
    with duckdb.connect(str(db)) as con:
        # a mark on an unchanged row: it stays only if the rebuild leaves that row alone
        con.execute("update warnings.fct_warnings set reason_zh = 'untouched' where entity_id = 'H_O_BELOW' "
                    "and indicator_code = 'MAJ_DUAL_TEACHER_RATIO'")
        con.execute("delete from indicators.fct_indicator_values")
        insert_rows(con, "indicators.fct_indicator_values", _changed_inputs(rows))
    run_dbt(db, "build", "--select", "fct_warnings")

    assert _tier(db, "H_S_ON")[0][0] == "红"
    assert _tier(db, "H_NEW")[0][0] == "黄"
    assert _tier(db, "L_MISSING", "MAJ_STUDENT_TEACHER_RATIO") == []
    assert _tier(db, "H_O_BELOW") == [("橙", "untouched")]

    full = _warnings_db(tmp_path / "full.duckdb", _changed_inputs(rows))
    with duckdb.connect(str(db)) as con:  # the mark aside, the two tables hold the same rows
        con.execute("update warnings.fct_warnings set reason_zh = ? where reason_zh = 'untouched'",
                    [_tier(full, "H_O_BELOW")[0][1]])
    assert same_rows(db, full, "warnings.fct_warnings") == (0, 0)


def test_new_rules_or_an_older_table_layout_judge_every_row_again(tmp_path):
    rows = _indicator_rows()
    db = _warnings_db(tmp_path / "incremental.duckdb", rows)
    full = _warnings_db(tmp_path / "full.duckdb", rows)
    with duckdb.connect(str(db)) as con:  # as if seeds/indicator_standards.csv had changed since the last build
        con.execute("update warnings.fct_warnings set rules_version = 'older rules', reason_zh = 'stale'")
    run_dbt(db, "build", "--select", "fct_warnings")
    assert _q(db, "select count(*) from warnings.fct_warnings where reason_zh = 'stale'") == [(0,)]
    assert same_rows(db, full, "warnings.fct_warnings") == (0, 0)

    with duckdb.connect(str(db)) as con:  # a warehouse built before rules_version existed
        con.execute("alter table warnings.fct_warnings drop column rules_version")
        con.execute("update warnings.fct_warnings set reason_zh = 'stale'")
    run_dbt(db, "build", "--select", "fct_warnings")
    assert _q(db, "select count(*) from warnings.fct_warnings where reason_zh = 'stale'") == [(0,)]
    assert same_rows(db, full, "warnings.fct_warnings") == (0, 0)
