"""Writes the seven level/warning/target dashboards (datasets, charts, dashboards) as Superset YAML into
superset_exports/assets/, next to the 数据质量 dashboard that dq_dashboard.py wrote.

    .venv/bin/python -m pipelines.superset.dashboards

Same conventions as dq_dashboard.py: Superset's own export layout, fixed uuid5 UUIDs (a re-import updates
the same objects), a `query_context` on every chart (so `/api/v1/chart/<id>/data/` answers without the
chart having been opened), Chinese titles, chart names, column verbose names, metric labels and formats.

Design (docs/superset.md has the table of datasets):
- Datasets are virtual SQL over the dbt tables (warnings.*, spiral.*, marts.*, ref.*), never over raw.
  Indicator judgements come from `warnings.fct_warnings` (every indicator value with its standard,
  national line, target and tier): the charts filter by `level`, never by a list of indicator codes,
  so new indicators appear without touching the dashboards.
- Row-level security: a dataset that shows rows of a 二级学院 carries `college_code`; one that shows
  warnings a department is responsible for carries `responsible_dept` (provisioning attaches the RLS
  filters to every dataset with such a column). School-level datasets carry neither (the whole school
  sees the school's own indicators).
- Personal data: no 身份证号 / 手机号 (not even masked) in any dataset. Students appear by 学号/姓名 only in
  the dataset `学生预警名单` (column `student_name`), on its own dashboard `学生预警名单`, which
  provisioning restricts to 二级学院负责人 (own college by RLS) and 质量办; every other dataset shows
  students only in aggregate or as "某同学（班级）".
- Every dashboard (and 数据质量) starts with the row 「数据新鲜度提示」: the source tables that are not current, on
  the one dataset of pipelines/superset/freshness_notice.py (`rows()` puts it on top).
- Native filters 学年 / 二级学院 / 专业 (and a few per dashboard) apply by column name to every chart whose
  dataset has that column; trend charts are excluded from the 学年 filter (they show all years).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from pipelines.config import REPO_ROOT
from pipelines.superset import dept_dashboard, freshness_notice
from pipelines.superset.dq_dashboard import _col, _dataset, _dump, _metric, _sql_filter, _uid
from pipelines.superset.manage import ASSETS_DIR


def _tier_colours() -> dict[str, str]:
    """Label → colour for every way a tier is shown (code, name, legend label "2 黄色预警"), from the one
    vocabulary seeds/warning_tiers.csv (the serving model srv_tiers builds the same legend labels)."""
    with open(REPO_ROOT / "seeds" / "warning_tiers.csv", encoding="utf-8") as f:
        tiers = list(csv.DictReader(f))
    out = {}
    for t in tiers:
        out.update({t["tier"]: t["colour"], t["name_zh"]: t["colour"],
                    f"{t['severity_rank']} {t['name_zh']}": t["colour"]})
    return out


TIER_COLOURS = _tier_colours()
TIER_SERIES = "tier_legend"  # series grouped by tier: legend labels sort (by name) in severity order
# 诊改 statuses and target results borrow the tier colours (one palette, seeds/warning_tiers.csv)
STATUS_COLOURS = {status: TIER_COLOURS[tier] for status, tier in {
    "逾期": "红", "已下发": "橙", "诊断中": "黄", "改进中": "达标", "已关闭": "达到目标",
    "达成": "达到目标", "未达成": "红", "无数据": "数据缺失", "定性目标": "无标准"}.items()}
LABEL_COLOURS = {**TIER_COLOURS, **STATUS_COLOURS}


# --- SQL building blocks ------------------------------------------------------------------------------
def _latest(col: str, table: str, where: str = "") -> str:
    """`is_latest_year` as a scalar subquery (computed once; unlike a window it keeps filter push-down)."""
    return f"{col} = (SELECT max(academic_year) FROM {table}{' WHERE ' + where if where else ''}) AS is_latest_year"

LATEST_COL = _col("is_latest_year", "BOOLEAN", "是否最近学年",
                  description="该行的学年是否为数据集中最近的学年（概览数字只看最近学年）")

# columns every indicator-judgement dataset shares (w = serve.srv_indicator_judgements: display texts, is_met
# and the legend label are built in dbt, never here)
_JUDGED_SELECT = """    w.academic_year,
    w.period,
    w.indicator_code,
    w.indicator_name,
    w.vertical_system,
    w.unit,
    w.direction_zh,
    w.value,
    w.numerator,
    w.denominator,
    w.value_display,
    w.standard_display,
    w.baseline_display,
    w.target_display,
    w.tier,
    w.tier_name,
    w.tier_legend,
    w.severity_rank,
    w.is_warning,
    w.is_met,
    w.is_judged,
    w.is_latest_year"""

_JUDGED_COLS = [
    _col("academic_year", "VARCHAR", "学年"),
    _col("period", "VARCHAR", "周期"),
    _col("indicator_code", "VARCHAR", "指标代码"),
    _col("indicator_name", "VARCHAR", "指标"),
    _col("vertical_system", "VARCHAR", "纵向系统"),
    _col("unit", "VARCHAR", "单位"),
    _col("direction_zh", "VARCHAR", "方向"),
    _col("value", "DOUBLE", "指标值"),
    _col("numerator", "DOUBLE", "分子"),
    _col("denominator", "DOUBLE", "分母"),
    _col("value_display", "VARCHAR", "当前值"),
    _col("standard_display", "VARCHAR", "标准值"),
    _col("baseline_display", "VARCHAR", "国家合格线"),
    _col("target_display", "VARCHAR", "目标值"),
    _col("tier", "VARCHAR", "判定代码"),
    _col("tier_name", "VARCHAR", "判定"),
    _col("tier_legend", "VARCHAR", "判定（图例）"),
    _col("severity_rank", "INTEGER", "严重程度"),
    _col("is_warning", "BOOLEAN", "是否预警"),
    _col("is_met", "BOOLEAN", "是否达标"),
    _col("is_judged", "BOOLEAN", "是否已判定"),
    LATEST_COL,
]

_MET = "SUM(CASE WHEN is_met THEN 1 ELSE 0 END)"
_JUDGED = "SUM(CASE WHEN is_judged THEN 1 ELSE 0 END)"
_JUDGED_METRICS = [
    _metric("n_values", "COUNT(*)", "指标值个数"),
    _metric("n_warnings", "SUM(CASE WHEN is_warning THEN 1 ELSE 0 END)", "预警数"),
    _metric("n_red", "SUM(CASE WHEN tier = '红' THEN 1 ELSE 0 END)", "红色预警数"),
    _metric("n_met", _MET, "达标数"),
    _metric("met_rate", f"{_MET} * 1.0 / NULLIF({_JUDGED}, 0)", "达标率", d3format=".1%",
            description="达标（含达到目标）的指标值 ÷ 已判定的指标值（数据缺失、未设标准不计）"),
]


def _ds(key: str, table_name: str, description: str, sql: str, columns: list[dict], metrics: list[dict]) -> dict:
    return _dataset(key, table_name, description, sql, columns, metrics, main_dttm=None)


COLLEGE_COLS = [_col("college_code", "VARCHAR", "二级学院代码"), _col("college_name", "VARCHAR", "二级学院")]
DEPT_COLS = [_col("responsible_dept", "VARCHAR", "责任部门代码"), _col("responsible_dept_name", "VARCHAR", "责任部门")]


def datasets() -> dict[str, dict]:
    d: dict[str, dict] = {}

    # 学校层面指标判定（无 college_code / responsible_dept：全校共享）
    d["zg_school_indicators"] = _ds(
        "zg_school_indicators", "学校概况·学校指标", "学校层面每个指标每学年的值，对照学校标准、国家基本办学条件合格线与规划目标",
        f"""SELECT
{_JUDGED_SELECT},
    w.reason_zh,
    w.responsible_dept_name AS lead_dept_name
FROM serve.srv_indicator_judgements AS w
WHERE w.level = '学校'""",
        _JUDGED_COLS + [_col("reason_zh", "VARCHAR", "判定说明"), _col("lead_dept_name", "VARCHAR", "牵头部门")],
        _JUDGED_METRICS)

    # 预警事项：每个对象每个周期一行（warnings.fct_warning_cases）—— 看板上所有预警数都从这里来；学生匿名
    d["zg_warning_cases"] = _ds(
        "zg_warning_cases", "预警中心·预警事项",
        "每个对象（学校/专业/课程/教师/学生）每个周期一条预警事项：最严重等级、全部原因、责任部门与责任人、优先级；"
        "学生只显示“某同学（班级）”",
        """SELECT
    md5(w.level || '|' || w.entity_id) AS entity_key, w.level, w.level_order, w.entity_label, w.cycle,
    w.academic_year,
    w.worst_tier, w.tier_rank, w.tier_name, w.tier_legend, w.reasons_zh, w.indicator_codes, w.n_reasons,
    w.responsible_dept, w.responsible_dept_name, w.responsible_person_name, w.responsible_person_role,
    w.college_code, w.college_name, w.priority, w.is_latest_year
FROM serve.srv_warning_cases AS w""",
        [_col("entity_key", "VARCHAR", "对象键（散列，不显示学号）"), _col("level", "VARCHAR", "层面"),
         _col("level_order", "INTEGER", "层面序号"),
         _col("entity_label", "VARCHAR", "对象"), _col("cycle", "VARCHAR", "周期"),
         _col("academic_year", "VARCHAR", "学年"), _col("worst_tier", "VARCHAR", "最严重等级代码"),
         _col("tier_rank", "INTEGER", "严重程度"), _col("tier_name", "VARCHAR", "预警等级"),
         _col("tier_legend", "VARCHAR", "预警等级（图例）"), _col("reasons_zh", "VARCHAR", "预警原因（严重在前）"),
         _col("indicator_codes", "VARCHAR", "涉及指标"), _col("n_reasons", "BIGINT", "原因条数"), *DEPT_COLS,
         _col("responsible_person_name", "VARCHAR", "责任人"), _col("responsible_person_role", "VARCHAR", "责任人角色"),
         *COLLEGE_COLS, _col("priority", "INTEGER", "优先级（1 最高）"), LATEST_COL],
        [_metric("n_cases", "COUNT(*)", "预警事项数"),
         _metric("n_entities", "COUNT(DISTINCT entity_key)", "预警对象数"),
         _metric("n_red", "SUM(CASE WHEN worst_tier = '红' THEN 1 ELSE 0 END)", "红色预警事项"),
         _metric("n_top", "SUM(CASE WHEN priority <= 2 THEN 1 ELSE 0 END)", "优先级 1–2 事项",
                 description="优先级 1、2（红色预警）的事项数"),
         _metric("sum_reasons", "SUM(n_reasons)", "预警指标数", description="各预警事项的原因（越线指标或触发的预警规则）条数之和")])

    # 指标层面的预警明细（分析用：一条 = 一个对象一个周期的一个指标；学生层面的逐指标判定不算预警），
    # 诊改状态取它所属的预警事项（spiral.fct_improvement_cases：同一对象同一周期）
    d["zg_warnings"] = _ds(
        "zg_warnings", "预警中心·指标预警明细",
        "学校、专业、课程、教师层面每个越线的指标（黄/橙/红）及其原因、责任部门与所属预警事项的诊改状态"
        "（分析用；预警数看预警事项）",
        """SELECT
    w.warning_id,
    w.level,
    list_position(['学校', '专业', '课程', '教师', '学生'], w.level) AS level_order,
    w.academic_year,
    w.period,
    w.entity_name AS entity_label,
    w.scope_value,
    w.college_code,
    coalesce(co.college_name, '全校') AS college_name,
    w.indicator_name,
    w.value_display,
    w.tier,
    w.tier_name,
    w.tier_legend,
    w.severity_rank,
    w.reason_zh,
    w.responsible_dept,
    w.responsible_dept_name,
    w.assisting_dept_names,
    c.status_zh,
    w.is_latest_year
FROM serve.srv_indicator_judgements AS w
LEFT JOIN marts.dim_college AS co ON co.college_code = w.college_code
LEFT JOIN spiral.fct_improvement_cases AS c
    ON c.level = w.level AND c.entity_id = w.entity_id AND c.cycle = w.period
WHERE w.is_warning""",
        [_col("warning_id", "VARCHAR", "预警编号"), _col("level", "VARCHAR", "层面"),
         _col("level_order", "INTEGER", "层面序号"), _col("academic_year", "VARCHAR", "学年"),
         _col("period", "VARCHAR", "周期"), _col("entity_label", "VARCHAR", "对象"),
         _col("scope_value", "VARCHAR", "层次/职级"), *COLLEGE_COLS,
         _col("indicator_name", "VARCHAR", "指标"), _col("value_display", "VARCHAR", "当前值"),
         _col("tier", "VARCHAR", "预警等级代码"), _col("tier_name", "VARCHAR", "预警等级"),
         _col("tier_legend", "VARCHAR", "预警等级（图例）"),
         _col("severity_rank", "INTEGER", "严重程度"), _col("reason_zh", "VARCHAR", "预警原因"),
         *DEPT_COLS, _col("assisting_dept_names", "VARCHAR", "协助部门"),
         _col("status_zh", "VARCHAR", "诊改状态（所属预警事项）"), LATEST_COL],
        [_metric("n_warnings", "COUNT(*)", "指标预警条数"),
         _metric("n_red", "SUM(CASE WHEN tier = '红' THEN 1 ELSE 0 END)", "红色指标预警条数")])

    # 各层面指标判定（专业/课程/教师/学生）：same columns + entity and scope
    def level_ds(key, table_name, level, entity_label, scope_label, join_sql="", extra_select="", extra_cols=()):
        return _ds(
            key, table_name, f"{level}层面每个指标每周期的值，对照{scope_label}的标准与目标",
            f"""SELECT
{_JUDGED_SELECT},
    w.entity_id,
    w.entity_name,
    w.scope_value,
    w.college_code,
    coalesce(co.college_name, '（未归属）') AS college_name,
    w.reason_zh,
    w.responsible_dept,
    w.responsible_dept_name{extra_select}
FROM serve.srv_indicator_judgements AS w
LEFT JOIN marts.dim_college AS co ON co.college_code = w.college_code{join_sql}
WHERE w.level = '{level}'""",
            _JUDGED_COLS + [_col("entity_id", "VARCHAR", f"{entity_label}代码"),
                            _col("entity_name", "VARCHAR", entity_label), _col("scope_value", "VARCHAR", scope_label),
                            *COLLEGE_COLS, _col("reason_zh", "VARCHAR", "判定说明"), *DEPT_COLS, *extra_cols],
            _JUDGED_METRICS)

    d["zg_major_indicators"] = level_ds(
        "zg_major_indicators", "专业诊改·专业指标", "专业", "专业", "专业层次",
        "\nLEFT JOIN marts.dim_major AS m ON m.major_code = w.entity_id",
        ",\n    w.entity_name AS major_name,\n    w.scope_value AS major_tier,\n    coalesce(m.major_tier_rank, 99) AS major_tier_rank",
        [_col("major_name", "VARCHAR", "专业"), _col("major_tier", "VARCHAR", "专业层次"),
         _col("major_tier_rank", "INTEGER", "专业层次序号")])
    d["zg_course_indicators"] = level_ds(
        "zg_course_indicators", "课程诊改·课程指标", "课程", "课程", "课程级别", "",
        ",\n    w.period AS semester_code,\n    w.scope_value AS course_level",
        [_col("semester_code", "VARCHAR", "学期"), _col("course_level", "VARCHAR", "课程级别")])
    d["zg_teacher_indicators"] = level_ds(
        "zg_teacher_indicators", "教师发展·教师指标", "教师", "教师", "职级", "",
        ",\n    w.scope_value AS teacher_rank", [_col("teacher_rank", "VARCHAR", "发展标准职级")])
    d["zg_student_indicators"] = level_ds(
        "zg_student_indicators", "学生发展·学生指标（匿名）", "学生", "学生", "标准范围", "", "", [])

    # 专业招生、在校、毕业、就业（每专业每学年）
    d["zg_major_flow"] = _ds(
        "zg_major_flow", "学生发展·招生在校毕业就业", "每专业每学年：招生计划/录取/报到、在校生、毕业生、就业与对口就业（学工、教务）",
        f"""WITH adm AS (
    SELECT academic_year, major_code, sum(plan_count) AS plan_count, sum(admitted_count) AS admitted_count,
           sum(enrolled_count) AS enrolled_count, sum(first_choice_count) AS first_choice_count
    FROM marts.fct_admission GROUP BY ALL
),
enr AS (
    SELECT academic_year, major_code, count(*) FILTER (WHERE is_in_school) AS students_in_school
    FROM marts.fct_enrolment GROUP BY ALL
),
emp AS (
    SELECT academic_year, major_code, count(*) AS graduates, count(*) FILTER (WHERE is_placed) AS placed,
           count(*) FILTER (WHERE is_employed) AS employed, count(*) FILTER (WHERE is_related_employed) AS related,
           sum(starting_salary) AS salary_sum, count(starting_salary) AS salary_n
    FROM marts.fct_employment GROUP BY ALL
),
keys AS (SELECT academic_year, major_code FROM adm UNION SELECT academic_year, major_code FROM enr
         UNION SELECT academic_year, major_code FROM emp)
SELECT
    k.academic_year, m.major_code, m.major_name, m.major_tier, m.college_code, m.college_name,
    adm.plan_count, adm.admitted_count, adm.enrolled_count, adm.first_choice_count,
    enr.students_in_school, emp.graduates, emp.placed, emp.employed, emp.related, emp.salary_sum, emp.salary_n,
    {_latest('k.academic_year', 'marts.fct_enrolment')}
FROM keys AS k
JOIN marts.dim_major AS m USING (major_code)
LEFT JOIN adm USING (academic_year, major_code)
LEFT JOIN enr USING (academic_year, major_code)
LEFT JOIN emp USING (academic_year, major_code)""",
        [_col("academic_year", "VARCHAR", "学年"), _col("major_code", "VARCHAR", "专业代码"),
         _col("major_name", "VARCHAR", "专业"), _col("major_tier", "VARCHAR", "专业层次"), *COLLEGE_COLS,
         _col("plan_count", "BIGINT", "招生计划数"), _col("admitted_count", "BIGINT", "录取数"),
         _col("enrolled_count", "BIGINT", "报到数"), _col("first_choice_count", "BIGINT", "第一志愿录取数"),
         _col("students_in_school", "BIGINT", "在校生数"), _col("graduates", "BIGINT", "毕业生数"),
         _col("placed", "BIGINT", "落实去向人数"), _col("employed", "BIGINT", "就业人数"),
         _col("related", "BIGINT", "对口就业人数"), _col("salary_sum", "DOUBLE", "起薪合计"),
         _col("salary_n", "BIGINT", "有起薪人数"), LATEST_COL],
        [_metric("sum_plan", "SUM(plan_count)", "招生计划数"), _metric("sum_admitted", "SUM(admitted_count)", "录取数"),
         _metric("sum_enrolled", "SUM(enrolled_count)", "报到数"),
         _metric("sum_in_school", "SUM(students_in_school)", "在校生数"),
         _metric("sum_graduates", "SUM(graduates)", "毕业生数"),
         _metric("register_rate", "SUM(enrolled_count) * 1.0 / NULLIF(SUM(admitted_count), 0)", "新生报到率", ".1%"),
         _metric("plan_rate", "SUM(admitted_count) * 1.0 / NULLIF(SUM(plan_count), 0)", "招生计划完成率", ".1%"),
         _metric("placement_rate", "SUM(placed) * 1.0 / NULLIF(SUM(graduates), 0)", "毕业去向落实率", ".1%"),
         _metric("related_rate", "SUM(related) * 1.0 / NULLIF(SUM(employed), 0)", "对口就业率", ".1%"),
         _metric("avg_salary", "SUM(salary_sum) / NULLIF(SUM(salary_n), 0)", "平均起薪（元/月）", ",.0f")])

    # 学生预警统计（无姓名学号）
    d["zg_student_warning_stats"] = _ds(
        "zg_student_warning_stats", "学生发展·学生预警统计",
        "学业预警与考勤预警人次，按学期、班级、专业、二级学院统计（不含学生姓名学号）",
        f"""SELECT
    w.semester_code, w.academic_year, w.warning_type, w.tier, w.tier_name, t.legend_label AS tier_legend,
    w.severity_rank, w.warning_name_zh,
    w.class_code, w.class_name, w.major_code, m.major_name, w.college_code, co.college_name,
    w.failed_courses, w.failed_credits, w.truant_hours,
    {_latest('w.academic_year', 'warnings.fct_student_warnings')}
FROM warnings.fct_student_warnings AS w
JOIN serve.srv_tiers AS t ON t.tier = w.tier
LEFT JOIN marts.dim_major AS m ON m.major_code = w.major_code
LEFT JOIN marts.dim_college AS co ON co.college_code = w.college_code""",
        [_col("semester_code", "VARCHAR", "学期"), _col("academic_year", "VARCHAR", "学年"),
         _col("warning_type", "VARCHAR", "预警类别"), _col("tier", "VARCHAR", "预警等级代码"),
         _col("tier_name", "VARCHAR", "预警等级"), _col("tier_legend", "VARCHAR", "预警等级（图例）"),
         _col("severity_rank", "INTEGER", "严重程度"),
         _col("warning_name_zh", "VARCHAR", "预警名称"), _col("class_code", "VARCHAR", "班级代码"),
         _col("class_name", "VARCHAR", "班级"), _col("major_code", "VARCHAR", "专业代码"),
         _col("major_name", "VARCHAR", "专业"), *COLLEGE_COLS, _col("failed_courses", "INTEGER", "不及格门数"),
         _col("failed_credits", "DOUBLE", "不及格学分"), _col("truant_hours", "DOUBLE", "旷课学时"), LATEST_COL],
        [_metric("n_warnings", "COUNT(*)", "预警人次"),
         _metric("n_academic", "SUM(CASE WHEN warning_type = '学业预警' THEN 1 ELSE 0 END)", "学业预警人次"),
         _metric("n_attendance", "SUM(CASE WHEN warning_type = '考勤预警' THEN 1 ELSE 0 END)", "考勤预警人次"),
         _metric("n_red", "SUM(CASE WHEN tier = '红' THEN 1 ELSE 0 END)", "红色预警人次")])

    # 学生预警名单（含学号、姓名）：只在“学生预警名单”看板，限二级学院负责人（本院）与质量办
    d["zg_student_warning_list"] = _ds(
        "zg_student_warning_list", "学生预警名单（含学号姓名）",
        "个人信息：学号、姓名。只供二级学院负责人（行级权限：本学院）与质量办使用，校领导与其他角色不可见",
        f"""SELECT
    w.student_id, w.student_name, w.class_name, w.major_code, m.major_name, w.college_code, co.college_name,
    w.semester_code, w.academic_year, w.warning_type, w.tier, w.tier_name, w.severity_rank, w.warning_name_zh,
    w.failed_courses, w.failed_credits, w.truant_hours, w.courses_zh, w.action_zh, w.reason_zh,
    w.responsible_dept_name, w.assisting_dept_names,
    {_latest('w.academic_year', 'warnings.fct_student_warnings')}
FROM warnings.fct_student_warnings AS w
LEFT JOIN marts.dim_major AS m ON m.major_code = w.major_code
LEFT JOIN marts.dim_college AS co ON co.college_code = w.college_code""",
        [_col("student_id", "VARCHAR", "学号"), _col("student_name", "VARCHAR", "姓名"),
         _col("class_name", "VARCHAR", "班级"), _col("major_code", "VARCHAR", "专业代码"),
         _col("major_name", "VARCHAR", "专业"), *COLLEGE_COLS, _col("semester_code", "VARCHAR", "学期"),
         _col("academic_year", "VARCHAR", "学年"), _col("warning_type", "VARCHAR", "预警类别"),
         _col("tier", "VARCHAR", "预警等级代码"), _col("tier_name", "VARCHAR", "预警等级"),
         _col("severity_rank", "INTEGER", "严重程度"), _col("warning_name_zh", "VARCHAR", "预警名称"),
         _col("failed_courses", "INTEGER", "不及格门数"), _col("failed_credits", "DOUBLE", "不及格学分"),
         _col("truant_hours", "DOUBLE", "旷课学时"), _col("courses_zh", "VARCHAR", "涉及课程"),
         _col("action_zh", "VARCHAR", "处置措施"), _col("reason_zh", "VARCHAR", "预警原因"),
         _col("responsible_dept_name", "VARCHAR", "责任部门"), _col("assisting_dept_names", "VARCHAR", "协助部门"),
         LATEST_COL],
        [_metric("n_warnings", "COUNT(*)", "预警人次"),
         _metric("n_students", "COUNT(DISTINCT student_id)", "预警学生数")])

    # 课程：每门课程每学期的成绩、到课、评教 —— 分子分母取自课程指标（serve.srv_course_outcomes），不另算
    d["zg_course_tasks"] = _ds(
        "zg_course_tasks", "课程诊改·课程教学质量",
        "每门课程每学期：正考及格/优秀人数、总评合计、应到/实到课次、学生评教（课程指标的分子与分母）",
        """SELECT
    t.course_code, t.course_name, t.course_level, t.course_type_name, t.semester_code, t.academic_year,
    t.major_code, t.major_name, t.college_code, t.college_name,
    t.exam_students, t.passed, t.excellent, t.score_sum, t.sessions, t.attended_sessions, t.eval_sum, t.evaluators,
    t.is_latest_year
FROM serve.srv_course_outcomes AS t""",
        [_col("course_code", "VARCHAR", "课程代码"), _col("course_name", "VARCHAR", "课程"),
         _col("course_level", "VARCHAR", "课程级别"), _col("course_type_name", "VARCHAR", "课程类型"),
         _col("semester_code", "VARCHAR", "学期"), _col("academic_year", "VARCHAR", "学年"),
         _col("major_code", "VARCHAR", "专业代码"), _col("major_name", "VARCHAR", "专业"), *COLLEGE_COLS,
         _col("exam_students", "DOUBLE", "正考人数"), _col("passed", "DOUBLE", "及格人数"),
         _col("excellent", "DOUBLE", "优秀人数"), _col("score_sum", "DOUBLE", "总评合计"),
         _col("sessions", "DOUBLE", "应到课次"), _col("attended_sessions", "DOUBLE", "实到课次"),
         _col("eval_sum", "DOUBLE", "评教得分合计"), _col("evaluators", "DOUBLE", "评教任务数"), LATEST_COL],
        [_metric("n_tasks", "COUNT(*)", "课程门次"),
         _metric("pass_rate", "SUM(passed) * 1.0 / NULLIF(SUM(exam_students), 0)", "及格率", ".1%",
                 description="课程指标“及格率”的分子之和 ÷ 分母之和（正考）"),
         _metric("excellent_rate", "SUM(excellent) * 1.0 / NULLIF(SUM(exam_students), 0)", "优秀率", ".1%",
                 description="课程指标“优秀率”的分子之和 ÷ 分母之和（优秀线见指标目录）"),
         _metric("avg_score", "SUM(score_sum) / NULLIF(SUM(exam_students), 0)", "平均分", ".1f"),
         _metric("attendance_rate", "SUM(attended_sessions) * 1.0 / NULLIF(SUM(sessions), 0)", "到课率", ".1%",
                 description="实到课次 ÷ 应到课次（考勤自 2022-2023 学年起）"),
         _metric("eval_score", "SUM(eval_sum) / NULLIF(SUM(evaluators), 0)", "学生评教均分", ".1f")])

    # 教师：结构（职称、学位、双师）
    d["zg_teacher_profile"] = _ds(
        "zg_teacher_profile", "教师发展·专任教师结构", "专任教师（人事名册快照）：职称、学历学位、双师素质、骨干与专业带头人",
        """SELECT
    t.staff_id, t.staff_name, t.dept_code AS college_code, co.college_name, t.major_code, m.major_name,
    coalesce(t.title, '未定职称') AS title, coalesce(t.title_level, '未定级') AS title_level,
    coalesce(t.degree, '无学位') AS degree, t.education,
    CASE WHEN t.is_dual_qualified THEN '双师素质' ELSE '非双师' END AS dual_zh,
    CASE WHEN t.is_senior_title THEN '高级职称' ELSE '中级及以下' END AS senior_zh,
    CASE WHEN t.has_postgraduate_degree THEN '研究生学历或学位' ELSE '本科及以下' END AS pg_zh,
    t.is_dual_qualified, t.is_senior_title, t.has_postgraduate_degree, t.is_backbone, t.is_major_leader,
    t.industry_years, t.hire_year
FROM marts.dim_teacher AS t
LEFT JOIN marts.dim_college AS co ON co.college_code = t.dept_code
LEFT JOIN marts.dim_major AS m ON m.major_code = t.major_code""",
        [_col("staff_id", "VARCHAR", "工号"), _col("staff_name", "VARCHAR", "教师"),
         _col("college_code", "VARCHAR", "二级学院代码"), _col("college_name", "VARCHAR", "二级学院"),
         _col("major_code", "VARCHAR", "专业代码"), _col("major_name", "VARCHAR", "专业"),
         _col("title", "VARCHAR", "职称"), _col("title_level", "VARCHAR", "职称等级"), _col("degree", "VARCHAR", "学位"),
         _col("education", "VARCHAR", "学历"), _col("dual_zh", "VARCHAR", "双师素质"),
         _col("senior_zh", "VARCHAR", "高级职称"), _col("pg_zh", "VARCHAR", "研究生学历学位"),
         _col("is_dual_qualified", "BOOLEAN", "是否双师"), _col("is_senior_title", "BOOLEAN", "是否高级职称"),
         _col("has_postgraduate_degree", "BOOLEAN", "是否研究生学历学位"), _col("is_backbone", "BOOLEAN", "是否骨干教师"),
         _col("is_major_leader", "BOOLEAN", "是否专业带头人"), _col("industry_years", "INTEGER", "行业企业经历（年）"),
         _col("hire_year", "INTEGER", "入职年份")],
        [_metric("n_teachers", "COUNT(*)", "专任教师数"),
         _metric("dual_ratio", "AVG(CASE WHEN is_dual_qualified THEN 1.0 ELSE 0.0 END)", "双师素质比例", ".1%"),
         _metric("senior_ratio", "AVG(CASE WHEN is_senior_title THEN 1.0 ELSE 0.0 END)", "高级职称比例", ".1%"),
         _metric("pg_ratio", "AVG(CASE WHEN has_postgraduate_degree THEN 1.0 ELSE 0.0 END)", "研究生学位比例", ".1%")])

    # 教师：培训与工作量（每教师每学年）
    d["zg_teacher_year"] = _ds(
        "zg_teacher_year", "教师发展·培训与工作量", "每名专任教师每学年：培训学时（人事培训记录）与教学工作量（教务课表）",
        """WITH wl AS (
    SELECT teacher_id AS staff_id, academic_year, sum(workload_hours) AS workload_hours,
           count(DISTINCT class_code) AS classes, count(*) AS tasks
    FROM marts.fct_teaching_task GROUP BY ALL
),
tr AS (
    SELECT staff_id, academic_year, training_hours, enterprise_hours, national_hours + provincial_hours AS upper_hours
    FROM marts.fct_training
),
k AS (SELECT staff_id, academic_year FROM wl UNION SELECT staff_id, academic_year FROM tr)
SELECT
    k.academic_year, t.staff_id, t.staff_name, t.dept_code AS college_code, co.college_name,
    coalesce(t.title_level, '未定级') AS title_level, coalesce(t.title, '未定职称') AS title,
    coalesce(tr.training_hours, 0) AS training_hours, coalesce(tr.enterprise_hours, 0) AS enterprise_hours,
    coalesce(tr.upper_hours, 0) AS upper_hours, coalesce(wl.workload_hours, 0) AS workload_hours,
    coalesce(wl.classes, 0) AS classes, coalesce(wl.tasks, 0) AS tasks
FROM k
JOIN marts.dim_teacher AS t USING (staff_id)
LEFT JOIN marts.dim_college AS co ON co.college_code = t.dept_code
LEFT JOIN wl USING (staff_id, academic_year)
LEFT JOIN tr USING (staff_id, academic_year)""",
        [_col("academic_year", "VARCHAR", "学年"), _col("staff_id", "VARCHAR", "工号"),
         _col("staff_name", "VARCHAR", "教师"), _col("college_code", "VARCHAR", "二级学院代码"),
         _col("college_name", "VARCHAR", "二级学院"), _col("title_level", "VARCHAR", "职称等级"),
         _col("title", "VARCHAR", "职称"), _col("training_hours", "DOUBLE", "培训学时"),
         _col("enterprise_hours", "DOUBLE", "企业实践学时"), _col("upper_hours", "DOUBLE", "国家级与省级培训学时"),
         _col("workload_hours", "DOUBLE", "教学工作量（学时）"), _col("classes", "BIGINT", "任课班级数"),
         _col("tasks", "BIGINT", "教学任务数")],
        [_metric("n_teachers", "COUNT(DISTINCT staff_id)", "教师数"),
         _metric("avg_training", "AVG(training_hours)", "人均培训学时", ".1f"),
         _metric("avg_enterprise", "AVG(enterprise_hours)", "人均企业实践学时", ".1f"),
         _metric("avg_workload", "AVG(workload_hours)", "人均教学工作量（学时）", ".0f"),
         _metric("sum_workload", "SUM(workload_hours)", "教学工作量合计（学时）", ",.0f")])

    # 目标达成（部门 × 学年）
    rls_cols = """CASE WHEN t.dept_type = '二级学院' THEN t.dept_code END AS college_code,
    CASE WHEN t.dept_type NOT IN ('二级学院', '学校') THEN t.dept_code END AS responsible_dept"""
    d["zg_target_achievement"] = _ds(
        "zg_target_achievement", "目标达成·部门达成度", "每个部门每学年的目标达成度（全校行 = 目标任务完成率）",
        f"""SELECT
    t.dept_code, t.dept_name, t.dept_type, t.academic_year, t.n_targets, t.n_measured, t.n_achieved,
    t.n_not_achieved, t.n_no_data, t.n_qualitative, t.achievement_rate, t.tier,
    coalesce(w.name_zh, t.tier) AS tier_name,
    {_latest('t.academic_year', 'spiral.fct_target_achievement')},
    {rls_cols}
FROM spiral.fct_target_achievement AS t
LEFT JOIN ref.warning_tiers AS w ON w.tier = t.tier""",
        [_col("dept_code", "VARCHAR", "部门代码"), _col("dept_name", "VARCHAR", "部门"), _col("dept_type", "VARCHAR", "部门类型"),
         _col("academic_year", "VARCHAR", "学年"), _col("n_targets", "BIGINT", "目标数"),
         _col("n_measured", "BIGINT", "有数据的量化目标数"), _col("n_achieved", "BIGINT", "达成数"),
         _col("n_not_achieved", "BIGINT", "未达成数"), _col("n_no_data", "BIGINT", "无数据目标数"),
         _col("n_qualitative", "BIGINT", "定性目标数"), _col("achievement_rate", "DOUBLE", "目标达成度"),
         _col("tier", "VARCHAR", "等级代码"), _col("tier_name", "VARCHAR", "等级"), LATEST_COL,
         _col("college_code", "VARCHAR", "二级学院代码"), _col("responsible_dept", "VARCHAR", "职能部门代码")],
        [_metric("rate", "SUM(n_achieved) * 1.0 / NULLIF(SUM(n_measured), 0)", "目标达成度", ".1%",
                 description="达成数 ÷ 有数据的量化目标数"),
         _metric("sum_targets", "SUM(n_targets)", "目标数"), _metric("sum_achieved", "SUM(n_achieved)", "达成数"),
         _metric("sum_not_achieved", "SUM(n_not_achieved)", "未达成数"),
         _metric("sum_no_data", "SUM(n_no_data)", "无数据"), _metric("sum_qualitative", "SUM(n_qualitative)", "定性目标")])
    d["zg_target_items"] = _ds(
        "zg_target_items", "目标达成·目标明细", "部门 × 学年 × 目标：目标值、实际值、是否达成",
        f"""SELECT
    t.dept_code, t.dept_name, t.dept_type, t.academic_year, coalesce(t.indicator_name, '定性目标') AS indicator_name,
    t.indicator_level,
    t.target_kind, t.plan_item_id,
    t.target_display,
    t.actual_display,
    t.achievement_ratio, t.is_achieved, t.status_zh,
    {rls_cols}
FROM serve.srv_target_items AS t""",
        [_col("dept_code", "VARCHAR", "部门代码"), _col("dept_name", "VARCHAR", "部门"), _col("dept_type", "VARCHAR", "部门类型"),
         _col("academic_year", "VARCHAR", "学年"), _col("indicator_name", "VARCHAR", "目标（指标）"),
         _col("indicator_level", "VARCHAR", "指标层面"), _col("target_kind", "VARCHAR", "目标类别"),
         _col("plan_item_id", "VARCHAR", "规划事项编号"), _col("target_display", "VARCHAR", "目标值"),
         _col("actual_display", "VARCHAR", "实际值"), _col("achievement_ratio", "DOUBLE", "达成比"),
         _col("is_achieved", "BOOLEAN", "是否达成"), _col("status_zh", "VARCHAR", "状态"),
         _col("college_code", "VARCHAR", "二级学院代码"), _col("responsible_dept", "VARCHAR", "职能部门代码")],
        [_metric("n_items", "COUNT(*)", "目标数"),
         _metric("n_achieved", "SUM(CASE WHEN is_achieved THEN 1 ELSE 0 END)", "达成数")])
    d.update(dept_dashboard.datasets(_ds, _latest))  # 本部门诊改
    d[freshness_notice.DATASET] = freshness_notice.dataset()  # 数据新鲜度提示, on every dashboard
    return d


# --- charts -------------------------------------------------------------------------------------------
class Chart(dict):
    """A chart YAML (a dict) that remembers its dashboard-layout wishes."""


def _chart(dash: str, name: str, viz: str, ds_key: str, params: dict, query: dict, where=(), description=None,
           trend=False) -> Chart:
    # the tier colours travel with every chart too (explore and standalone views do not read the dashboard's)
    params = {"viz_type": viz, "datasource": "0__table", "extra_form_data": {}, "dashboards": [],
              "adhoc_filters": [_sql_filter(w) for w in where], "label_colors": LABEL_COLOURS, **params}
    query = {"filters": [], "extras": {"having": "", "where": " AND ".join(f"({w})" for w in where)},
             "applied_time_extras": {}, "annotation_layers": [], "series_limit": 0, "order_desc": True,
             "url_params": {}, "custom_params": {}, "custom_form_data": {}, "post_processing": [], **query}
    qc = {"datasource": {"id": 0, "type": "table"}, "force": False, "queries": [query],
          "form_data": params, "result_format": "json", "result_type": "full"}
    c = Chart({"slice_name": name, "description": description, "certified_by": None, "certification_details": None,
               "viz_type": viz, "params": params, "query_context": json.dumps(qc, ensure_ascii=False),
               "cache_timeout": None, "uuid": _uid("chart", f"{dash}:{name}"), "version": "1.0.0",
               "dataset_uuid": _uid("dataset", ds_key)})
    c.trend = trend
    return c


def big(dash, name, ds, metric, where=(), fmt="SMART_NUMBER", subheader="", latest=True):
    """A headline number. latest=True: only the latest 学年 of the dataset (is_latest_year), and the chart
    is outside the 学年 filter's scope, so the headline always means 'the latest year'."""
    where = [*where, "is_latest_year"] if latest else list(where)
    if latest:
        subheader = f"{subheader}（最近学年）" if subheader else "最近学年"
    return _chart(dash, name, "big_number_total", ds,
                  {"metric": metric, "header_font_size": 0.4, "subheader_font_size": 0.15, "y_axis_format": fmt,
                   "time_format": "smart_date", "subheader": subheader, "force_timestamp_formatting": False},
                  {"columns": [], "metrics": [metric]}, where, trend=latest)


def table(dash, name, ds, groupby, metrics, order_by, ascending=False, where=(), row_limit=1000, page=20):
    return _chart(dash, name, "table", ds,
                  {"query_mode": "aggregate", "groupby": groupby, "metrics": metrics, "all_columns": [],
                   "percent_metrics": [], "timeseries_limit_metric": order_by, "order_desc": not ascending,
                   "row_limit": row_limit, "server_page_length": page, "include_search": True,
                   "show_cell_bars": True, "color_pn": True, "temporal_columns_lookup": {},
                   "allow_render_html": False, "column_config": {}},
                  {"columns": groupby, "metrics": metrics, "orderby": [[order_by, ascending]], "row_limit": row_limit},
                  where)


def raw(dash, name, ds, columns, order_by, ascending=False, where=(), row_limit=1000, page=20):
    order = order_by if isinstance(order_by, list) else [(order_by, ascending)]
    return _chart(dash, name, "table", ds,
                  {"query_mode": "raw", "groupby": [], "metrics": [], "all_columns": columns, "percent_metrics": [],
                   "order_by_cols": [json.dumps([c, a]) for c, a in order], "row_limit": row_limit,
                   "server_page_length": page, "include_search": True, "show_cell_bars": False,
                   "temporal_columns_lookup": {}, "allow_render_html": False, "column_config": {}},
                  {"columns": columns, "orderby": [[c, a] for c, a in order], "row_limit": row_limit}, where)


def bars(dash, name, ds, x, metrics, groupby=(), where=(), fmt="SMART_NUMBER", stack=True, line=False,
         horizontal=False, trend=False, rotate=0, sort_by_value=False):
    """Bar (or line) chart over a categorical x axis (学年, 学期, 二级学院 …)."""
    groupby = list(groupby)
    viz = "echarts_timeseries_line" if line else "echarts_timeseries_bar"
    params = {"x_axis": x, "metrics": metrics, "groupby": groupby, "row_limit": 10000, "order_desc": True,
              "color_scheme": "supersetColors", "show_legend": True, "legendType": "scroll",
              "legendOrientation": "top", "rich_tooltip": True, "y_axis_format": fmt, "truncateYAxis": False,
              "y_axis_bounds": [None, None], "x_axis_sort_asc": True, "series_limit": 0,
              "xAxisLabelRotation": rotate, "comparison_type": "values",
              "only_total": True, "zoomable": False, "truncateXAxis": True}
    # series of tiers in severity order: their legend labels ("2 黄色预警" …) sorted by name; others by size
    by_tier = TIER_SERIES in groupby
    params.update({"sort_series_type": None if by_tier else "sum", "sort_series_ascending": by_tier})
    if line:
        params.update({"seriesType": "line", "markerEnabled": True, "markerSize": 6})
    else:
        params.update({"stack": "Stack" if stack and groupby else None,
                       "orientation": "horizontal" if horizontal else "vertical", "show_value": False})
    if sort_by_value:
        params.update({"x_axis_sort": metrics[0], "x_axis_sort_asc": False})
    axis = {"columnType": "BASE_AXIS", "sqlExpression": x, "label": x, "expressionType": "SQL"}
    post = [{"operation": "pivot", "options": {"index": [x], "columns": groupby,
                                               "aggregates": {m: {"operator": "mean"} for m in metrics},
                                               "drop_missing_columns": False}}]
    if groupby and len(metrics) == 1:
        post.append({"operation": "rename", "options": {"columns": {metrics[0]: None}, "level": 0, "inplace": True}})
    post.append({"operation": "flatten"})
    return _chart(dash, name, viz, ds, params,
                  {"columns": [axis, *groupby], "metrics": metrics, "series_columns": groupby,
                   "orderby": [[metrics[0], False]], "row_limit": 10000, "time_offsets": [],
                   "post_processing": post}, where, trend=trend)


def pie(dash, name, ds, groupby, metric, where=(), fmt="SMART_NUMBER"):
    return _chart(dash, name, "pie", ds,
                  {"groupby": [groupby], "metric": metric, "row_limit": 100, "sort_by_metric": True,
                   "color_scheme": "supersetColors", "show_labels": True, "label_type": "key_percent",
                   "number_format": fmt, "donut": True, "show_legend": True, "legendType": "scroll",
                   "legendOrientation": "top", "labels_outside": True, "outerRadius": 70, "innerRadius": 35,
                   "show_labels_threshold": 3, "date_format": "smart_date"},
                  {"columns": [groupby], "metrics": [metric], "orderby": [[metric, False]], "row_limit": 100}, where)


# --- dashboards ---------------------------------------------------------------------------------------
# filter specs: (filter name, column, dataset key, options)
YEAR = ("学年", "academic_year")
COLLEGE = ("二级学院", "college_name")
MAJOR = ("专业", "major_name")


def _school(dash="school-overview"):
    S, W = "zg_school_indicators", "zg_warning_cases"
    return {
        "title": "学校概况", "slug": dash,
        "description": "学校层面关键指标对照学校标准、国家基本办学条件与规划目标；五年趋势；各层面预警",
        "filters": [(*YEAR, S, {})],
        "rows": [
            [(big(dash, "学校层面预警指标数", W, "sum_reasons", where=["level = '学校'"], subheader="个指标预警"), 3, 28),
             (big(dash, "学校指标达标率", S, "met_rate", fmt=".1%", subheader="达标（含达到目标）"), 3, 28),
             # the leader's landing numbers: the units' cases (tens); students are followed by 辅导员 and 二级学院
             # (「学生发展」, 「学生预警名单」), their count is on the bar chart below
             (big(dash, "红色预警：学校/专业/课程/教师", W, "n_red", where=["level <> '学生'"],
                  subheader="项（学生预警见「学生发展」）"), 3, 28),
             (big(dash, "橙色预警：学校/专业/课程/教师", W, "n_cases", where=["level <> '学生'", "worst_tier = '橙'"],
                  subheader="项（每个对象每个周期一项）"), 3, 28)],
            [(raw(dash, "学校关键指标对照（标准 / 国家线 / 目标）", S,
                  ["academic_year", "indicator_name", "value_display", "standard_display", "baseline_display",
                   "target_display", "tier_name", "lead_dept_name", "reason_zh"],
                  [("academic_year", False), ("severity_rank", False), ("indicator_code", True)]), 12, 70)],
            [(bars(dash, "学校指标判定五年趋势", S, "academic_year", ["n_values"], [TIER_SERIES], trend=True), 6, 55),
             (bars(dash, "学校指标达标率五年趋势", S, "academic_year", ["met_rate"], [], line=True, fmt=".1%",
                   trend=True), 6, 55)],
            [(bars(dash, "各层面预警事项（按等级）", W, "level", ["n_cases"], [TIER_SERIES]), 6, 55),
             (bars(dash, "各学年预警事项（按等级）", W, "academic_year", ["n_cases"], [TIER_SERIES], trend=True), 6, 55)],
        ],
    }


def _major(dash="major-diagnosis"):
    M, F, W = "zg_major_indicators", "zg_major_flow", "zg_warning_cases"
    return {
        "title": "专业诊改", "slug": dash,
        "description": "每个专业的指标对照其层次标准、达标排名、趋势与预警",
        "filters": [(*YEAR, M, {}), (*COLLEGE, M, {}), ("专业层次", "major_tier", M, {}), (*MAJOR, M, {})],
        "rows": [
            [(big(dash, "有预警的专业", W, "n_cases", where=["level = '专业'"], subheader="个专业（黄/橙/红）"), 3, 28),
             (big(dash, "专业指标达标率", M, "met_rate", fmt=".1%", subheader="达标（含达到目标）"), 3, 28),
             (big(dash, "红色预警专业", W, "n_red", where=["level = '专业'"], subheader="个专业"), 3, 28),
             (big(dash, "在校生数", F, "sum_in_school", fmt=",d", subheader="人"), 3, 28)],
            [(table(dash, "专业达标排名", M, ["major_name", "college_name", "major_tier"],
                    ["met_rate", "n_warnings", "n_red", "n_values"], "met_rate"), 6, 70),
             (raw(dash, "专业指标对照层次标准", M,
                  ["academic_year", "major_name", "major_tier", "indicator_name", "value_display", "standard_display",
                   "target_display", "tier_name", "reason_zh"],
                  [("academic_year", False), ("severity_rank", False), ("major_name", True)]), 6, 70)],
            [(bars(dash, "专业指标判定趋势", M, "academic_year", ["n_values"], [TIER_SERIES], trend=True), 6, 50),
             (bars(dash, "各二级学院专业预警（按等级）", M, "college_name", ["n_warnings"], [TIER_SERIES], rotate=30), 6, 50)],
            [(bars(dash, "各专业层次达标率", M, "major_tier", ["met_rate"], [], fmt=".1%", stack=False), 6, 45),
             (table(dash, "各专业指标预警数", M, ["indicator_name", "responsible_dept_name"],
                    ["n_warnings", "n_red", "met_rate"], "n_warnings"), 6, 45)],
        ],
    }


def _course(dash="course-diagnosis"):
    T, C = "zg_course_tasks", "zg_course_indicators"
    return {
        "title": "课程诊改", "slug": dash,
        "description": "及格率、优秀率、到课率、学生评教，按学期与课程级别；课程指标对照课程标准",
        "filters": [(*YEAR, T, {}), ("学期", "semester_code", T, {}), (*COLLEGE, T, {}),
                    ("课程级别", "course_level", T, {}), (*MAJOR, T, {})],
        "rows": [
            [(big(dash, "及格率", T, "pass_rate", fmt=".1%", subheader="正考总评及格"), 3, 28),
             (big(dash, "优秀率", T, "excellent_rate", fmt=".1%", subheader="正考总评 ≥ 90"), 3, 28),
             (big(dash, "到课率", T, "attendance_rate", fmt=".1%", subheader="实到 ÷ 应到课次"), 3, 28),
             (big(dash, "学生评教均分", T, "eval_score", fmt=".1f", subheader="分（百分制）"), 3, 28)],
            [(bars(dash, "各学期及格率、优秀率、到课率", T, "semester_code",
                   ["pass_rate", "excellent_rate", "attendance_rate"], [], fmt=".1%", line=True, trend=True), 6, 50),
             (bars(dash, "各学期学生评教均分", T, "semester_code", ["eval_score"], [], fmt=".1f", line=True,
                   trend=True), 6, 50)],
            [(table(dash, "各课程级别教学质量", T, ["course_level"],
                    ["n_tasks", "pass_rate", "excellent_rate", "attendance_rate", "eval_score"], "n_tasks"), 6, 40),
             (table(dash, "各二级学院教学质量", T, ["college_name"],
                    ["n_tasks", "pass_rate", "excellent_rate", "attendance_rate", "eval_score"], "pass_rate"), 6, 40)],
            [(table(dash, "及格率最低的课程", T, ["course_name", "course_level", "semester_code"],
                    ["pass_rate", "excellent_rate", "avg_score", "attendance_rate", "eval_score", "n_tasks"],
                    "pass_rate", ascending=True, row_limit=100), 12, 60)],
            [(raw(dash, "课程指标对照课程标准", C,
                  ["period", "entity_name", "course_level", "college_name", "indicator_name", "value_display",
                   "standard_display", "tier_name", "reason_zh"],
                  [("period", False), ("severity_rank", False), ("entity_name", True)]), 8, 60),
             (bars(dash, "课程指标判定（按课程级别）", C, "course_level", ["n_values"], [TIER_SERIES]), 4, 60)],
        ],
    }


def _teacher(dash="teacher-development"):
    P, Y, IND = "zg_teacher_profile", "zg_teacher_year", "zg_teacher_indicators"
    return {
        "title": "教师发展", "slug": dash,
        "description": "专任教师对照职级发展标准；双师、职称、学位结构；培训学时与教学工作量",
        "filters": [(*YEAR, Y, {}), (*COLLEGE, P, {}), ("职称等级", "title_level", P, {})],
        "rows": [
            [(big(dash, "专任教师数", P, "n_teachers", fmt=",d", subheader="人（人事名册）", latest=False), 3, 28),
             (big(dash, "双师素质比例", P, "dual_ratio", fmt=".1%", latest=False), 3, 28),
             (big(dash, "高级职称比例", P, "senior_ratio", fmt=".1%", latest=False), 3, 28),
             (big(dash, "研究生学位比例", P, "pg_ratio", fmt=".1%", latest=False), 3, 28)],
            [(pie(dash, "职称结构", P, "title", "n_teachers"), 4, 50),
             (pie(dash, "学位结构", P, "degree", "n_teachers"), 4, 50),
             (pie(dash, "双师素质结构", P, "dual_zh", "n_teachers"), 4, 50)],
            [(table(dash, "各二级学院师资结构", P, ["college_name"],
                    ["n_teachers", "dual_ratio", "senior_ratio", "pg_ratio"], "n_teachers"), 6, 50),
             (table(dash, "各职称培训与工作量", Y, ["title_level"],
                    ["n_teachers", "avg_training", "avg_enterprise", "avg_workload"], "n_teachers"), 6, 50)],
            [(bars(dash, "人均培训学时趋势（按职称等级）", Y, "academic_year", ["avg_training"], ["title_level"],
                   fmt=".1f", line=True, trend=True), 6, 50),
             (bars(dash, "人均教学工作量趋势（按职称等级）", Y, "academic_year", ["avg_workload"], ["title_level"],
                   fmt=".0f", line=True, trend=True), 6, 50)],
            [(raw(dash, "教师对照职级发展标准", IND,
                  ["academic_year", "entity_name", "teacher_rank", "college_name", "indicator_name", "value_display",
                   "standard_display", "tier_name", "reason_zh"],
                  [("academic_year", False), ("severity_rank", False), ("entity_name", True)]), 8, 60),
             (bars(dash, "各职级发展标准达标率", IND, "teacher_rank", ["met_rate"], [], fmt=".1%", stack=False), 4, 60)],
        ],
    }


def _student(dash="student-development"):
    S, F, IND = "zg_student_warning_stats", "zg_major_flow", "zg_student_indicators"
    return {
        "title": "学生发展", "slug": dash,
        "description": "学业与考勤预警（按班级、专业）；招生、在校、毕业与就业。本看板不显示学生姓名学号",
        "filters": [(*YEAR, S, {}), ("学期", "semester_code", S, {}), (*COLLEGE, S, {}), (*MAJOR, S, {}),
                    ("预警类别", "warning_type", S, {})],
        "rows": [
            [(big(dash, "学业预警人次", S, "n_academic"), 3, 28),
             (big(dash, "考勤预警人次", S, "n_attendance"), 3, 28),
             (big(dash, "在校生数", F, "sum_in_school", fmt=",d", subheader="人"), 3, 28),
             (big(dash, "毕业去向落实率", F, "placement_rate", fmt=".1%"), 3, 28)],
            [(bars(dash, "各学期学生预警人次（按等级）", S, "semester_code", ["n_warnings"], [TIER_SERIES], trend=True,
                   rotate=30), 6, 50),
             (bars(dash, "各二级学院学生预警人次（按类别）", S, "college_name", ["n_warnings"], ["warning_type"],
                   rotate=30), 6, 50)],
            [(table(dash, "预警人次最多的班级", S, ["class_name", "major_name", "college_name"],
                    ["n_warnings", "n_academic", "n_attendance", "n_red"], "n_warnings", row_limit=200), 6, 60),
             (table(dash, "各专业学生预警", S, ["major_name", "college_name"],
                    ["n_warnings", "n_academic", "n_attendance", "n_red"], "n_warnings"), 6, 60)],
            [(bars(dash, "招生与报到趋势", F, "academic_year", ["sum_plan", "sum_admitted", "sum_enrolled"], [],
                   stack=False, trend=True), 6, 50),
             (bars(dash, "毕业生与就业趋势", F, "academic_year", ["placement_rate", "related_rate"], [], fmt=".1%",
                   line=True, trend=True), 6, 50)],
            [(table(dash, "各专业招生、在校、毕业与就业", F, ["major_name", "college_name"],
                    ["sum_plan", "sum_enrolled", "register_rate", "sum_in_school", "sum_graduates", "placement_rate",
                     "related_rate", "avg_salary"], "sum_in_school"), 8, 60),
             (bars(dash, "学生指标判定（匿名）", IND, "indicator_name", ["n_values"], [TIER_SERIES], rotate=30), 4, 60)],
        ],
    }


def _warnings(dash="warning-center"):
    # every count here is a count of cases: 预警事项 (warnings.fct_warning_cases) and 诊改事项 — the same cases
    # followed through the loop (spiral.fct_improvement_cases, the datasets of 本部门诊改)
    C, W = "zg_warning_cases", "zg_warnings"
    CASES, RATES = dept_dashboard.CASES, dept_dashboard.RATES
    return {
        "title": "预警中心", "slug": dash,
        "description": "预警事项（每个对象每个周期一项）：等级、优先级、责任部门与责任人、原因；诊改事项的闭环与改进成效；"
                       "指标预警明细（分析用）",
        "filters": [(*YEAR, C, {}), ("层面", "level", C, {}), ("预警等级", "tier_name", C, {}), (*COLLEGE, C, {}),
                    ("责任部门", "responsible_dept_name", C, {}), ("优先级", "priority", C, {})],
        "rows": [
            [(big(dash, "预警事项", C, "n_cases", subheader="项（黄/橙/红）"), 3, 28),
             (big(dash, "红色预警事项", C, "n_red", subheader="项"), 2, 28),
             (big(dash, "预警对象", C, "n_entities", subheader="个（人、课程、专业）"), 2, 28),
             (big(dash, "未关闭的诊改事项", CASES, "n_open", subheader="项（所有学年）", latest=False), 3, 28),
             (big(dash, "改进成效", RATES, "improvement_rate", fmt=".1%", subheader="复核已改善 ÷ 已复核",
                  latest=False), 2, 28)],
            [(bars(dash, "各层面预警事项（按等级）", C, "level", ["n_cases"], [TIER_SERIES]), 4, 50),
             (bars(dash, "各责任部门预警事项（按等级）", C, "responsible_dept_name", ["n_cases"], [TIER_SERIES],
                   rotate=30), 5, 50),
             (bars(dash, "各二级学院预警事项（按等级）", C, "college_name", ["n_cases"], [TIER_SERIES], rotate=30), 3, 50)],
            [(raw(dash, "预警事项（按优先级）", C,
                  ["priority", "cycle", "level", "entity_label", "college_name", "tier_name", "n_reasons",
                   "responsible_dept_name", "responsible_person_name", "reasons_zh"],
                  [("priority", True), ("cycle", False)], row_limit=5000, page=25), 12, 80)],
            [(table(dash, "改进成效（各层面诊改事项）", CASES, ["level"],
                    ["n_items", "n_answered", "n_open", "n_overdue", "n_rechecked", "n_improved", "improvement_rate"],
                    "n_items"), 6, 50),
             (bars(dash, "诊改事项状态（按学年）", CASES, "academic_year", ["n_items"], ["status_zh"], trend=True), 6, 50)],
            [(raw(dash, "复核已改善的诊改事项", CASES,
                  ["level", "entity_label", "cycle", "tier_name", "next_cycle", "recheck_zh", "status_zh",
                   "responsible_dept_name", "reasons_zh"],
                  [("cycle", False), ("priority", True)], where=["is_improved"]), 12, 60)],
            [(raw(dash, "指标预警明细（分析用）", W,
                  ["period", "level", "entity_label", "college_name", "indicator_name", "value_display", "tier_name",
                   "status_zh", "responsible_dept_name", "reason_zh"],
                  [("severity_rank", False), ("period", False)], row_limit=5000, page=25), 12, 60)],
        ],
    }


def _targets(dash="target-achievement"):
    A, T = "zg_target_achievement", "zg_target_items"
    return {
        "title": "目标达成", "slug": dash,
        "description": "目标链完成情况：各部门各学年的目标达成度与目标明细",
        "filters": [(*YEAR, A, {}), ("部门", "dept_name", A, {}), ("部门类型", "dept_type", A, {})],
        "rows": [
            [(big(dash, "全校目标任务完成率", A, "rate", where=["dept_code = '全校'"], fmt=".1%",
                  subheader="达成数 ÷ 有数据的量化目标数"), 4, 28),
             (big(dash, "达成的目标数", A, "sum_achieved", where=["dept_code <> '全校'"]), 4, 28),
             (big(dash, "未达成的目标数", A, "sum_not_achieved", where=["dept_code <> '全校'"]), 4, 28)],
            [(bars(dash, "各部门目标达成度", A, "dept_name", ["rate"], [], fmt=".1%", stack=False, rotate=30,
                   where=["dept_code <> '全校'"]), 12, 50)],
            [(bars(dash, "目标达成度趋势（按部门类型）", A, "academic_year", ["rate"], ["dept_type"], fmt=".1%",
                   line=True, trend=True), 6, 50),
             (table(dash, "各部门各学年目标达成", A, ["dept_name", "academic_year"],
                    ["rate", "sum_targets", "sum_achieved", "sum_not_achieved", "sum_no_data", "sum_qualitative"],
                    "rate", ascending=True, where=["dept_code <> '全校'"]), 6, 50)],
            [(raw(dash, "目标明细（目标值 / 实际值）", T,
                  ["academic_year", "dept_name", "indicator_name", "target_kind", "target_display", "actual_display",
                   "status_zh"], [("academic_year", False), ("dept_name", True)], row_limit=2000), 12, 60)],
        ],
    }


def _student_list(dash="student-warning-list"):
    L = "zg_student_warning_list"
    return {
        "title": "学生预警名单", "slug": dash,
        "description": "含学号、姓名：仅二级学院负责人（本学院）与质量办可见",
        "roles": ["二级学院负责人", "质量办"],
        "filters": [(*YEAR, L, {}), ("学期", "semester_code", L, {}), (*COLLEGE, L, {}), (*MAJOR, L, {}),
                    ("班级", "class_name", L, {}), ("预警类别", "warning_type", L, {}), ("预警等级", "tier_name", L, {})],
        "rows": [
            [(big(dash, "预警学生数", L, "n_students", subheader="人"), 6, 25),
             (big(dash, "预警人次", L, "n_warnings", subheader="人次"), 6, 25)],
            [(raw(dash, "学生预警名单", L,
                  ["semester_code", "student_id", "student_name", "class_name", "major_name", "warning_type",
                   "tier_name", "warning_name_zh", "reason_zh", "action_zh"],
                  [("severity_rank", False), ("semester_code", False)], row_limit=5000, page=25), 12, 90)],
        ],
    }


def _dept_improvement():
    return dept_dashboard.spec(big, bars, raw, table)


DASHBOARDS = [_school, _major, _course, _teacher, _student, _warnings, _targets, _student_list, _dept_improvement]


def rows(spec: dict) -> list[list[tuple]]:
    """The dashboard's rows under one row with its 「数据新鲜度提示」 (pipelines/superset/freshness_notice.py)."""
    notice = Chart(freshness_notice.chart(spec["slug"]))
    notice.trend = False
    return [[(notice, freshness_notice.WIDTH, freshness_notice.HEIGHT)], *spec["rows"]]


def dashboard(spec: dict) -> dict:
    slug = spec["slug"]
    position = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"children": ["GRID_ID"], "id": "ROOT_ID", "type": "ROOT"},
        "HEADER_ID": {"id": "HEADER_ID", "meta": {"text": spec["title"]}, "type": "HEADER"},
        "GRID_ID": {"children": [], "id": "GRID_ID", "parents": ["ROOT_ID"], "type": "GRID"},
    }
    trend_ids, n = [], 0
    for i, row in enumerate(rows(spec)):
        row_id = f"ROW-{slug}-{i}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {"children": [], "id": row_id, "meta": {"background": "BACKGROUND_TRANSPARENT"},
                            "parents": ["ROOT_ID", "GRID_ID"], "type": "ROW"}
        for j, (chart, width, height) in enumerate(row):
            n += 1  # a placeholder chart id, unique in this dashboard: the import maps it to the real id
            cid = f"CHART-{slug}-{i}-{j}"
            position[row_id]["children"].append(cid)
            position[cid] = {"children": [], "id": cid, "parents": ["ROOT_ID", "GRID_ID", row_id], "type": "CHART",
                             "meta": {"chartId": n, "height": height, "width": width,
                                      "sliceName": chart["slice_name"], "uuid": chart["uuid"]}}
            if chart.trend:
                trend_ids.append(n)
    filters = []
    for name, column, ds_key, _opts in spec["filters"]:
        is_year = column == "academic_year"
        filters.append({
            "id": f"NATIVE_FILTER-{slug}-{column}", "name": name, "filterType": "filter_select",
            "type": "NATIVE_FILTER",
            "description": ("只看所选学年；趋势图与“最近学年”概览数字不受此筛选影响" if is_year else f"只看所选{name}"),
            "targets": [{"datasetUuid": _uid("dataset", ds_key), "column": {"name": column}}],
            "controlValues": {"enableEmptyFilter": False, "defaultToFirstItem": False, "multiSelect": True,
                              "searchAllOptions": False, "inverseSelection": False, "sortAscending": not is_year},
            "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
            "cascadeParentIds": [], "scope": {"rootPath": ["ROOT_ID"], "excluded": trend_ids if is_year else []},
            "tabsInScope": [],
        })
    label_colors = LABEL_COLOURS
    return {
        "dashboard_title": spec["title"], "description": spec.get("description"), "css": "", "slug": slug,
        "certified_by": "", "certification_details": "", "published": True,
        "uuid": _uid("dashboard", slug), "version": "1.0.0", "position": position,
        "metadata": {"color_scheme": "supersetColors", "refresh_frequency": 0, "expanded_slices": {},
                     "label_colors": label_colors, "shared_label_colors": [], "map_label_colors": {},
                     "color_scheme_domain": [], "cross_filters_enabled": False, "default_filters": "{}",
                     "timed_refresh_immune_slices": [], "chart_configuration": {},
                     "global_chart_configuration": {"scope": {"rootPath": ["ROOT_ID"], "excluded": []},
                                                    "chartsInScope": []},
                     "native_filter_configuration": filters},
    }


def specs() -> list[dict]:
    return [f() for f in DASHBOARDS]


# dashboards (by slug) and the only roles that may open them (DASHBOARD_RBAC; admin always can)
RESTRICTED_DASHBOARDS = {s["slug"]: s["roles"] for s in specs() if s.get("roles")}


def write(out: Path = ASSETS_DIR) -> list[Path]:
    written = []

    def put(rel: str, obj: dict) -> None:
        _dump(out / rel, obj)
        written.append(out / rel)

    for key, ds in datasets().items():
        put(f"datasets/zhengai_warehouse/{key}.yaml", ds)
    for spec in specs():
        charts = [c for row in rows(spec) for c, _, _ in row]
        for i, c in enumerate(charts):  # 00: the 数据新鲜度提示 of the top row
            put(f"charts/{spec['slug']}_{i:02d}_{c['uuid'][:8]}.yaml", dict(c))
        put(f"dashboards/{spec['slug']}.yaml", dashboard(spec))
    # the 数据质量 dashboard's YAML is exported (not generated here) but shows the same notice: its chart is here
    from pipelines.superset.dq_dashboard import DASHBOARD_SLUG

    for rel, obj in freshness_notice.files(DASHBOARD_SLUG).items():
        put(rel, obj)
    return written


if __name__ == "__main__":
    for p in write():
        print(p)
