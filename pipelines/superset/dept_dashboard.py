"""「本部门诊改」: the dashboard a 职能部门 or 二级学院 acts on — its open 诊改事项 by priority, overdue measures,
预警处理率 per department and 改进成效 (spiral.fct_improvement_cases, spiral.fct_dept_response_rates).

Its two datasets are the 诊改事项 datasets of every dashboard: 预警中心 counts its open 诊改事项 and 改进成效 from
them too (one case = one 诊改事项, never a per-indicator item).

Registered in pipelines/superset/dashboards.py (DASHBOARDS, datasets); written with the others by
`.venv/bin/python -m pipelines.superset.dashboards`. Row-level security as everywhere: both datasets carry
`college_code` (二级学院负责人 see their college's objects) and `responsible_dept` (职能部门 see what they are
responsible for). No student is named: a student case shows as 某同学 with its class's college, and its
事项编号 (which holds the 学号) is left out; the department's own workbook lists them.
"""

from __future__ import annotations

from pipelines.superset.dq_dashboard import _col, _metric

CASES, RATES = "zg_dept_cases", "zg_dept_response"
SLUG = "dept-improvement"


def datasets(ds, latest) -> dict[str, dict]:
    """`ds`, `latest`: the dataset builders of dashboards.py (passed in to avoid a circular import)."""
    cases_sql = f"""SELECT
    c.academic_year, c.cycle, c.level,
    CASE WHEN c.level = '学生' THEN '（学生事项见本部门自我诊断报告）' ELSE c.case_id END AS case_label,
    CASE WHEN c.level = '学生' THEN '某同学' ELSE coalesce(c.entity_name, c.entity_id) END AS entity_label,
    c.college_code, coalesce(col.college_name, c.college_code) AS college_name,
    c.responsible_dept_code AS responsible_dept, c.responsible_dept_name,
    c.worst_tier, t.name_zh AS tier_name, c.tier_rank, c.priority, '优先级 ' || c.priority AS priority_zh,
    -- a student's reasons name the student (姓名、学号): here only how many rules fired
    CASE WHEN c.level = '学生' THEN '学生预警 ' || c.n_reasons || ' 项（名单见本部门自我诊断报告 / 学生预警名单）'
         ELSE c.reasons_zh END AS reasons_zh, c.status_zh, c.is_open, c.is_overdue, coalesce(c.overdue_reason_zh, '') AS overdue_reason_zh,
    CAST(c.answer_due AS DATE) AS answer_due, c.deadline, c.owner, c.cause, c.measure, c.next_cycle, c.recheck_zh,
    c.is_improved, c.is_answered,
    {latest('c.academic_year', 'spiral.fct_improvement_cases')}
FROM spiral.fct_improvement_cases AS c
LEFT JOIN ref.warning_tiers AS t ON t.tier = c.worst_tier
LEFT JOIN marts.dim_college AS col ON col.college_code = c.college_code"""
    cases_cols = [
        _col("academic_year", "VARCHAR", "学年"), _col("cycle", "VARCHAR", "周期"), _col("level", "VARCHAR", "层面"),
        _col("case_label", "VARCHAR", "事项编号"), _col("entity_label", "VARCHAR", "对象"),
        _col("college_code", "VARCHAR", "二级学院代码"), _col("college_name", "VARCHAR", "二级学院"),
        _col("responsible_dept", "VARCHAR", "责任部门代码"), _col("responsible_dept_name", "VARCHAR", "责任部门"),
        _col("worst_tier", "VARCHAR", "等级代码"), _col("tier_name", "VARCHAR", "预警等级"),
        _col("tier_rank", "INTEGER", "等级序号"), _col("priority", "INTEGER", "优先级（1 最高）"),
        _col("priority_zh", "VARCHAR", "优先级"), _col("reasons_zh", "VARCHAR", "预警原因"),
        _col("status_zh", "VARCHAR", "状态"), _col("is_open", "BOOLEAN", "是否未关闭"),
        _col("is_overdue", "BOOLEAN", "是否逾期"), _col("overdue_reason_zh", "VARCHAR", "逾期原因"),
        _col("answer_due", "DATE", "答复期限"), _col("deadline", "DATE", "完成时限"), _col("owner", "VARCHAR", "措施责任人"),
        _col("cause", "VARCHAR", "原因分析"), _col("measure", "VARCHAR", "改进措施"),
        _col("next_cycle", "VARCHAR", "复核周期"), _col("recheck_zh", "VARCHAR", "复核结果"), _col("is_improved", "BOOLEAN", "复核是否改善"),
        _col("is_answered", "BOOLEAN", "是否已答复"),
        _col("is_latest_year", "BOOLEAN", "是否最近学年"),
    ]
    cases_metrics = [
        _metric("n_items", "COUNT(*)", "诊改事项数"),
        _metric("n_open", "SUM(CASE WHEN is_open THEN 1 ELSE 0 END)", "未关闭事项"),
        _metric("n_overdue", "SUM(CASE WHEN is_overdue THEN 1 ELSE 0 END)", "逾期事项"),
        _metric("n_answered", "SUM(CASE WHEN is_answered THEN 1 ELSE 0 END)", "已答复事项"),
        _metric("n_rechecked", "COUNT(is_improved)", "已复核事项", description="已有下一周期（复核结果不是待复核）的事项"),
        _metric("n_improved", "SUM(CASE WHEN is_improved THEN 1 ELSE 0 END)", "复核已改善（已关闭）"),
        _metric("improvement_rate", "SUM(CASE WHEN is_improved THEN 1 ELSE 0 END) * 1.0 / NULLIF(COUNT(is_improved), 0)",
                "改进成效", ".1%", description="下一周期复核已改善（不再预警或等级降低）÷ 已复核"),
    ]
    rates_sql = f"""SELECT
    r.responsible_dept_code AS responsible_dept, r.responsible_dept_name, r.college_code,
    coalesce(r.college_name, '（全校）') AS college_name, r.academic_year,
    r.n_issued, r.n_answered, r.n_with_measure, r.n_overdue, r.n_open, r.n_rechecked, r.n_improved,
    {latest('r.academic_year', 'spiral.fct_dept_response_rates')}
FROM spiral.fct_dept_response_rates AS r"""
    rates_cols = [
        _col("responsible_dept", "VARCHAR", "责任部门代码"), _col("responsible_dept_name", "VARCHAR", "责任部门"),
        _col("college_code", "VARCHAR", "二级学院代码"), _col("college_name", "VARCHAR", "二级学院"),
        _col("academic_year", "VARCHAR", "学年"), _col("n_issued", "BIGINT", "下发事项"),
        _col("n_answered", "BIGINT", "已答复"), _col("n_with_measure", "BIGINT", "已填措施"),
        _col("n_overdue", "BIGINT", "逾期"), _col("n_open", "BIGINT", "未关闭"), _col("n_rechecked", "BIGINT", "已复核"),
        _col("n_improved", "BIGINT", "复核已改善"), _col("is_latest_year", "BOOLEAN", "是否最近学年"),
    ]
    # the rates of spiral.fct_dept_response_rates, summed over the rows a user may see (RLS) before dividing
    rates_metrics = [
        _metric("response_rate", "SUM(n_answered) * 1.0 / NULLIF(SUM(n_issued), 0)", "预警处理率", ".1%",
                description="已答复（交回原因或措施）÷ 已下发"),
        _metric("improvement_rate", "SUM(n_improved) * 1.0 / NULLIF(SUM(n_rechecked), 0)", "改进成效", ".1%",
                description="下一周期复核已改善（不再预警或等级降低）÷ 已复核"),
        _metric("sum_issued", "SUM(n_issued)", "下发事项"), _metric("sum_answered", "SUM(n_answered)", "已答复"),
        _metric("sum_overdue", "SUM(n_overdue)", "逾期"), _metric("sum_rechecked", "SUM(n_rechecked)", "已复核"),
        _metric("sum_improved", "SUM(n_improved)", "复核已改善"),
    ]
    return {
        CASES: ds(CASES, "诊改事项·闭环状态", "每个预警事项的闭环状态：下发、答复、措施、期限、复核、逾期（学生不具名）",
                  cases_sql, cases_cols, cases_metrics),
        RATES: ds(RATES, "诊改事项·处理率与成效", "责任部门 × 二级学院 × 学年：下发、答复、逾期、复核改善",
                  rates_sql, rates_cols, rates_metrics),
    }


def spec(big, bars, raw, table) -> dict:
    """`big`, `bars`, `raw`, `table`: the chart builders of dashboards.py."""
    d = SLUG
    return {
        "title": "本部门诊改", "slug": d,
        "description": "本部门（本学院）的诊改事项：未关闭事项按优先级、逾期措施、预警处理率与改进成效",
        "filters": [("学年", "academic_year", CASES, {}), ("二级学院", "college_name", CASES, {}), ("层面", "level", CASES, {}),
                    ("状态", "status_zh", CASES, {}), ("责任部门", "responsible_dept_name", CASES, {})],
        "rows": [
            [(big(d, "未关闭的诊改事项", CASES, "n_open", subheader="项（所有学年）", latest=False), 3, 28),
             (big(d, "逾期事项", CASES, "n_overdue", subheader="项：过期未答复或未改善", latest=False), 3, 28),
             (big(d, "预警处理率", RATES, "response_rate", fmt=".1%", subheader="已答复 ÷ 已下发"), 3, 28),
             (big(d, "改进成效", RATES, "improvement_rate", fmt=".1%", subheader="复核已改善 ÷ 已复核",
                  latest=False), 3, 28)],
            [(bars(d, "未关闭事项（按优先级与等级）", CASES, "priority_zh", ["n_open"], ["tier_name"],
                   where=["is_open"]), 6, 50),
             (bars(d, "各部门预警处理率", RATES, "responsible_dept_name", ["response_rate"], [], fmt=".1%",
                   stack=False, rotate=30), 6, 50)],
            [(raw(d, "我的未关闭事项（按优先级）", CASES,
                  ["priority", "tier_name", "level", "entity_label", "college_name", "cycle", "reasons_zh", "status_zh",
                   "answer_due", "owner", "deadline", "responsible_dept_name", "case_label"],
                  [("priority", True), ("cycle", False)], where=["is_open"], row_limit=5000, page=25), 12, 80)],
            [(raw(d, "逾期的改进措施", CASES,
                  ["overdue_reason_zh", "tier_name", "level", "entity_label", "cycle", "measure", "owner", "deadline",
                   "answer_due", "recheck_zh", "responsible_dept_name", "case_label"],
                  [("priority", True)], where=["is_overdue"], row_limit=5000), 12, 60)],
            [(table(d, "改进成效（各部门各学年）", RATES, ["responsible_dept_name", "academic_year"],
                    ["sum_issued", "sum_answered", "response_rate", "sum_overdue", "sum_rechecked", "sum_improved",
                     "improvement_rate"], "sum_issued"), 12, 60)],
        ],
    }
