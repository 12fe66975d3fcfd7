"""Writes the 数据质量 dashboard (datasets, charts, dashboard) as Superset YAML into superset_exports/assets/.

The YAML under superset_exports/assets/ is what `zhengai superset provision` imports, in the layout
Superset's own export writes. This module wrote its first version and can write it again
(`.venv/bin/python -m pipelines.superset.dq_dashboard`); after editing in the Superset UI,
`zhengai superset export` writes the edited version back instead. UUIDs are fixed (uuid5 of the
names) so a re-import updates the same objects instead of adding new ones.

Every chart carries a `query_context` (what the UI saves on "Save"), so `/api/v1/chart/<id>/data/`
answers without the chart having been opened in the browser first.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import yaml

from pipelines.superset.manage import ASSETS_DIR

NS = uuid.UUID("6f1d2c0e-5a43-4c1b-9a51-7a6e0d2b9c11")
DB_UUID = str(uuid.uuid5(NS, "database:zhengai_warehouse"))
DB_NAME = "诊改数据仓库"
SERVING_PLACEHOLDER = "__ZHENGAI_SERVING__"

SYSTEM_ZH = {"jiaowu": "教务", "renshi": "人事", "xuegong": "学工", "caiwu": "财务", "zhuangtai": "状态数据平台"}


def _uid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NS, f"{kind}:{name}"))


def _labels_cte() -> str:
    from pipelines.ingest.contract import load_contract

    rows = []
    for t in load_contract().values():
        sys_zh = SYSTEM_ZH.get(t.system, t.system)
        rows.append(f"('{t.system}', '{t.table}', '{sys_zh}', '{sys_zh}·{t.table_zh}')")
    return "labels(source_system, source_table, system_name, table_label) AS (VALUES\n    " + ",\n    ".join(rows) + ")"


def _col(name, type_, verbose, *, dttm=False, description=None):
    return {"advanced_data_type": None, "column_name": name, "description": description, "expression": None,
            "extra": None, "filterable": True, "groupby": True, "is_active": True, "is_dttm": dttm,
            "python_date_format": None, "type": type_, "verbose_name": verbose}


def _metric(name, expression, verbose, d3format=None, description=None):
    return {"currency": None, "d3format": d3format, "description": description, "expression": expression,
            "extra": None, "metric_name": name, "metric_type": None, "verbose_name": verbose, "warning_text": None}


def _dataset(key, table_name, description, sql, columns, metrics, main_dttm):
    return {
        "table_name": table_name, "main_dttm_col": main_dttm, "description": description,
        "default_endpoint": None, "offset": 0, "cache_timeout": None, "catalog": None, "schema": None,
        "sql": sql, "params": None, "template_params": None, "filter_select_enabled": True,
        "fetch_values_predicate": None, "extra": None, "normalize_columns": False,
        "always_filter_main_dttm": False, "folders": None,
        "uuid": _uid("dataset", key), "metrics": metrics, "columns": columns, "version": "1.0.0",
        "database_uuid": DB_UUID,
    }


def _source_select(alias: str, file_alias: str | None = None) -> str:
    """Which source table and file a row is about, with its Chinese labels (`labels AS l` joined)."""
    return f"""    {alias}.source_system,
    coalesce(l.system_name, {alias}.source_system) AS system_name,
    {alias}.source_table,
    coalesce(l.table_label, {alias}.source_system || '.' || {alias}.source_table) AS table_label,
    {file_alias or alias}.source_file,
"""


def _source_cols() -> list[dict]:
    return [
        _col("source_system", "VARCHAR", "来源系统代码"),
        _col("system_name", "VARCHAR", "来源系统"),
        _col("source_table", "VARCHAR", "源表代码"),
        _col("table_label", "VARCHAR", "源表"),
        _col("source_file", "VARCHAR", "源文件"),
    ]


def _run_select(alias: str) -> str:
    """The leading columns of every check dataset: which run, when (北京时间), which source table and file."""
    return f"""    {alias}.run_id,
    {alias}.validated_at + INTERVAL 8 HOUR AS validated_at,
{_source_select(alias)}"""


def _run_cols() -> list[dict]:
    return [
        _col("run_id", "VARCHAR", "运行编号"),
        _col("validated_at", "TIMESTAMP", "检查时间（北京时间）", dttm=True),
        *_source_cols(),
    ]


def datasets() -> dict[str, dict]:
    labels = _labels_cte()
    results_sql = f"""WITH {labels},
r AS (
    SELECT e.*, max(e.validated_at) OVER (PARTITION BY e.source_system, e.source_table) AS latest_at
    FROM audit.expectation_results AS e
)
SELECT
{_run_select('r')}    r.column_name,
    r.column_label_zh,
    r.expectation_type,
    r.rule_zh,
    r.severity,
    CASE r.severity WHEN 'blocking' THEN '阻断' WHEN 'warning' THEN '警告' ELSE r.severity END AS severity_zh,
    r.success,
    CASE WHEN r.success THEN '通过' WHEN NOT r.success THEN '未通过' ELSE '未执行' END AS result_zh,
    r.element_count,
    r.unexpected_count,
    r.unexpected_percent / 100.0 AS unexpected_ratio,
    CAST(r.sample_values AS VARCHAR) AS sample_values,
    r.skipped_reason,
    r.validated_at = r.latest_at AS is_latest
FROM r LEFT JOIN labels AS l USING (source_system, source_table)"""
    results_cols = [
        *_run_cols(),
        _col("column_name", "VARCHAR", "字段代码"),
        _col("column_label_zh", "VARCHAR", "字段"),
        _col("expectation_type", "VARCHAR", "检查类型"),
        _col("rule_zh", "VARCHAR", "检查规则"),
        _col("severity", "VARCHAR", "级别代码"),
        _col("severity_zh", "VARCHAR", "级别"),
        _col("success", "BOOLEAN", "是否通过"),
        _col("result_zh", "VARCHAR", "检查结果"),
        _col("element_count", "BIGINT", "检查行数"),
        _col("unexpected_count", "BIGINT", "问题行数"),
        _col("unexpected_ratio", "DOUBLE", "问题行占比"),
        _col("sample_values", "VARCHAR", "问题样例（行号与值）"),
        _col("skipped_reason", "VARCHAR", "未执行原因"),
        _col("is_latest", "BOOLEAN", "是否该表最近一次检查"),
    ]
    ok = "SUM(CASE WHEN success THEN 1 ELSE 0 END)"
    results_metrics = [
        _metric("n_checks", "COUNT(*)", "检查项数"),
        _metric("n_passed", ok, "通过项数"),
        _metric("n_failed", "SUM(CASE WHEN success = false THEN 1 ELSE 0 END)", "未通过项数"),
        _metric("n_failed_blocking", "SUM(CASE WHEN success = false AND severity = 'blocking' THEN 1 ELSE 0 END)",
                "阻断性未通过项数"),
        _metric("n_failed_warning", "SUM(CASE WHEN success = false AND severity = 'warning' THEN 1 ELSE 0 END)",
                "警告性未通过项数"),
        _metric("n_skipped", "SUM(CASE WHEN success IS NULL THEN 1 ELSE 0 END)", "未执行项数"),
        _metric("pass_rate", f"{ok} * 1.0 / NULLIF(SUM(CASE WHEN success IS NOT NULL THEN 1 ELSE 0 END), 0)",
                "通过率", d3format=".1%", description="通过项数 ÷ 已执行的检查项数（未执行的不计）"),
        _metric("n_problem_rows", "SUM(CASE WHEN success = false THEN unexpected_count ELSE 0 END)", "问题行数"),
    ]

    runs_sql = f"""WITH {labels}
SELECT
{_run_select('v')}    v.batch_id,
    v.n_rows,
    v.blocking_failed,
    CASE WHEN v.blocking_failed THEN '阻断（未发布）' WHEN v.n_failed_warning > 0 THEN '有警告' ELSE '通过' END AS outcome_zh,
    v.n_expectations,
    v.n_failed_blocking,
    v.n_failed_warning,
    v.n_skipped,
    v.seconds,
    v.report_zh
FROM audit.validation_runs AS v LEFT JOIN labels AS l USING (source_system, source_table)"""
    runs_cols = [
        *_run_cols(),
        _col("batch_id", "VARCHAR", "批次编号"),
        _col("n_rows", "BIGINT", "数据行数"),
        _col("blocking_failed", "BOOLEAN", "是否被阻断"),
        _col("outcome_zh", "VARCHAR", "检查结论"),
        _col("n_expectations", "INTEGER", "检查项数"),
        _col("n_failed_blocking", "INTEGER", "阻断性未通过项数"),
        _col("n_failed_warning", "INTEGER", "警告性未通过项数"),
        _col("n_skipped", "INTEGER", "未执行项数"),
        _col("seconds", "DOUBLE", "检查用时（秒）"),
        _col("report_zh", "VARCHAR", "检查报告"),
    ]
    runs_metrics = [
        _metric("n_validations", "COUNT(*)", "检查次数"),
        _metric("sum_failed_blocking", "SUM(n_failed_blocking)", "阻断性未通过项数"),
        _metric("sum_failed_warning", "SUM(n_failed_warning)", "警告性未通过项数"),
        _metric("n_blocked", "SUM(CASE WHEN blocking_failed THEN 1 ELSE 0 END)", "被阻断的表次"),
        _metric("sum_rows", "SUM(n_rows)", "检查数据行数"),
    ]

    fresh_sql = f"""WITH {labels},
b AS (SELECT * FROM raw._batches),
agg AS (
    SELECT source_system, source_table,
           max(CASE WHEN status = 'loaded' THEN seq END) AS last_seq,
           count(*) FILTER (WHERE status = 'loaded') AS n_batches,
           count(*) FILTER (WHERE status <> 'loaded') AS n_failed_batches,
           max(loaded_at) AS last_attempt_at
    FROM b GROUP BY source_system, source_table
)
SELECT
{_source_select('a', file_alias='b')}    b.sheet,
    b.batch_id,
    b.loaded_at + INTERVAL 8 HOUR AS last_loaded_at,
    round(date_diff('minute', b.loaded_at, CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP)) / 1440.0, 1) AS days_since,
    b.row_count AS last_row_count,
    a.n_batches,
    a.n_failed_batches,
    a.last_attempt_at + INTERVAL 8 HOUR AS last_attempt_at
FROM agg AS a
LEFT JOIN b ON b.source_system = a.source_system AND b.source_table = a.source_table AND b.seq = a.last_seq
LEFT JOIN labels AS l ON l.source_system = a.source_system AND l.source_table = a.source_table"""
    fresh_cols = [
        *_source_cols(),
        _col("sheet", "VARCHAR", "工作表"),
        _col("batch_id", "VARCHAR", "最近批次编号"),
        _col("last_loaded_at", "TIMESTAMP", "最近加载时间（北京时间）", dttm=True),
        _col("days_since", "DOUBLE", "距今天数"),
        _col("last_row_count", "BIGINT", "最近批次行数"),
        _col("n_batches", "BIGINT", "已加载批次数"),
        _col("n_failed_batches", "BIGINT", "失败批次数"),
        _col("last_attempt_at", "TIMESTAMP", "最近尝试时间（北京时间）", dttm=True),
    ]
    fresh_metrics = [
        _metric("n_tables", "COUNT(*)", "源表数"),
        _metric("max_days_since", "MAX(days_since)", "最久未更新（天）", d3format=".1f"),
    ]
    return {
        "dq_expectation_results": _dataset(
            "dq_expectation_results", "数据质量·检查结果", "质量闸门每项检查的结果（audit.expectation_results），时间为北京时间",
            results_sql, results_cols, results_metrics, "validated_at"),
        "dq_validation_runs": _dataset(
            "dq_validation_runs", "数据质量·检查运行", "每张源表每次检查一行（audit.validation_runs）", runs_sql, runs_cols, runs_metrics,
            "validated_at"),
        "dq_source_freshness": _dataset(
            "dq_source_freshness", "数据质量·数据新鲜度", "每张源表最近一次成功加载的批次（raw._batches）", fresh_sql, fresh_cols,
            fresh_metrics, "last_loaded_at"),
        **reconciliation_datasets(),
    }


# --- 跨系统对账 (audit.fct_reconciliation, rules in seeds/reconciliation_rules.csv) -------------------------
RECON = "dq_reconciliation"
RECON_CHART = "跨系统对账"


def reconciliation_datasets() -> dict[str, dict]:
    """Every school-level comparison, and the per-专业 ones that disagree (the agreeing ones would bury them):
    不一致 first, then the latest 学年 first."""
    sql = """SELECT
    r.rule_id,
    r.rule_name_zh,
    r.academic_year,
    r.entity_name,
    r.left_label_zh,
    r.left_value,
    r.right_label_zh,
    r.right_value,
    r.difference,
    r.relative_difference,
    r.verdict,
    r.severity,
    r.responsible_dept,
    r.responsible_dept_name,
    r.message_zh,
    CASE WHEN r.verdict = '不一致' THEN '0' ELSE '1' END || (9999 - CAST(left(r.academic_year, 4) AS INTEGER))
        || r.rule_id || r.entity_id AS sort_key
FROM audit.fct_reconciliation AS r
WHERE r.grain = '学年' OR r.verdict = '不一致'"""
    cols = [
        _col("rule_id", "VARCHAR", "规则编号"),
        _col("rule_name_zh", "VARCHAR", "对账规则"),
        _col("academic_year", "VARCHAR", "学年"),
        _col("entity_name", "VARCHAR", "对象"),
        _col("left_label_zh", "VARCHAR", "一方数据项"),
        _col("left_value", "DOUBLE", "一方的值"),
        _col("right_label_zh", "VARCHAR", "对照数据项（业务系统）"),
        _col("right_value", "DOUBLE", "对照的值"),
        _col("difference", "DOUBLE", "差值"),
        _col("relative_difference", "DOUBLE", "相对差"),
        _col("verdict", "VARCHAR", "结论"),
        _col("severity", "VARCHAR", "严重程度"),
        _col("responsible_dept", "VARCHAR", "负责部门代码"),
        _col("responsible_dept_name", "VARCHAR", "负责核实部门"),
        _col("message_zh", "VARCHAR", "说明"),
        _col("sort_key", "VARCHAR", "排序键（不一致在前、新学年在前）"),
    ]
    metrics = [
        _metric("n_compared", "COUNT(*)", "对账项数"),
        _metric("n_mismatch", "SUM(CASE WHEN verdict = '不一致' THEN 1 ELSE 0 END)", "不一致项数"),
    ]
    return {RECON: _dataset(RECON, "数据质量·跨系统对账",
                            "状态数据平台与各业务系统同一个数的比对（audit.fct_reconciliation）：全校的各项，及不一致的分专业项",
                            sql, cols, metrics, None)}


def reconciliation_charts() -> list[dict]:
    chart = _table_raw(RECON_CHART, RECON,
                       ["academic_year", "rule_name_zh", "entity_name", "left_label_zh", "left_value", "right_label_zh",
                        "right_value", "difference", "relative_difference", "verdict", "severity",
                        "responsible_dept_name", "message_zh"],
                       [], None, "sort_key", True, pct_columns=["relative_difference"])
    # the dataset has no time column: no time-range filter
    chart["params"]["adhoc_filters"] = []
    qc = json.loads(chart["query_context"])
    qc["form_data"]["adhoc_filters"] = []
    chart["query_context"] = json.dumps(qc, ensure_ascii=False)
    return [chart]


# --- charts -------------------------------------------------------------------------------------------
NO_TIME_FILTER = {"clause": "WHERE", "comparator": "No filter", "expressionType": "SIMPLE",
                  "operator": "TEMPORAL_RANGE", "subject": None}


def _sql_filter(expr: str) -> dict:
    return {"clause": "WHERE", "expressionType": "SQL", "sqlExpression": expr, "subject": None,
            "operator": None, "comparator": None, "filterOptionName": "f_" + uuid.uuid5(NS, expr).hex[:12],
            "isExtra": False, "isNew": False}


def _query_base(time_col, where_exprs, extra=None):
    filters = [{"col": time_col, "op": "TEMPORAL_RANGE", "val": "No filter"}] if time_col else []
    q = {"filters": filters, "extras": {"having": "", "where": " AND ".join(f"({w})" for w in where_exprs)},
         "applied_time_extras": {}, "annotation_layers": [], "series_limit": 0, "order_desc": True,
         "url_params": {}, "custom_params": {}, "custom_form_data": {}}
    q.update(extra or {})
    return q


def _chart(name, viz, ds_key, params, query, description=None):
    params = {"viz_type": viz, "datasource": "0__table", "extra_form_data": {}, "dashboards": [], **params}
    qc = {"datasource": {"id": 0, "type": "table"}, "force": False, "queries": [query],
          "form_data": params, "result_format": "json", "result_type": "full"}
    return {"slice_name": name, "description": description, "certified_by": None, "certification_details": None,
            "viz_type": viz, "params": params, "query_context": json.dumps(qc, ensure_ascii=False),
            "cache_timeout": None, "uuid": _uid("chart", name), "version": "1.0.0",
            "dataset_uuid": _uid("dataset", ds_key)}


def _big_number(name, ds_key, ds_table, metric, where, time_col, fmt="SMART_NUMBER", subheader=""):
    filters = [{**NO_TIME_FILTER, "subject": time_col}] + [_sql_filter(w) for w in where]
    params = {"metric": metric, "adhoc_filters": filters, "header_font_size": 0.4, "subheader_font_size": 0.15,
              "y_axis_format": fmt, "time_format": "smart_date", "subheader": subheader, "force_timestamp_formatting": False}
    query = _query_base(time_col, where, {"columns": [], "metrics": [metric], "post_processing": []})
    return _chart(name, "big_number_total", ds_key, params, query)


def _table_agg(name, ds_key, groupby, metrics, where, time_col, order_by, ascending, pct_metrics=()):
    filters = [{**NO_TIME_FILTER, "subject": time_col}] + [_sql_filter(w) for w in where]
    params = {"query_mode": "aggregate", "groupby": groupby, "metrics": metrics, "all_columns": [],
              "percent_metrics": [], "adhoc_filters": filters, "timeseries_limit_metric": order_by,
              "order_desc": not ascending, "row_limit": 1000, "server_page_length": 20, "include_search": True,
              "show_cell_bars": True, "color_pn": True, "table_timestamp_format": "%Y-%m-%d %H:%M",
              "temporal_columns_lookup": {}, "allow_render_html": False,
              "column_config": {m: {"d3NumberFormat": ".1%"} for m in pct_metrics}}
    query = _query_base(time_col, where, {"columns": groupby, "metrics": metrics,
                                          "orderby": [[order_by, ascending]], "row_limit": 1000,
                                          "post_processing": []})
    return _chart(name, "table", ds_key, params, query)


def _table_raw(name, ds_key, columns, where, time_col, order_by, ascending, pct_columns=()):
    filters = [{**NO_TIME_FILTER, "subject": time_col}] + [_sql_filter(w) for w in where]
    params = {"query_mode": "raw", "groupby": [], "metrics": [], "all_columns": columns, "percent_metrics": [],
              "adhoc_filters": filters, "order_by_cols": [json.dumps([order_by, ascending])], "row_limit": 1000,
              "server_page_length": 20, "include_search": True, "show_cell_bars": False,
              "table_timestamp_format": "%Y-%m-%d %H:%M", "temporal_columns_lookup": {},
              "allow_render_html": False, "column_config": {c: {"d3NumberFormat": ".1%"} for c in pct_columns}}
    query = _query_base(time_col, where, {"columns": columns, "orderby": [[order_by, ascending]],
                                          "row_limit": 1000, "post_processing": []})
    return _chart(name, "table", ds_key, params, query)


def _timeseries(name, viz, ds_key, metrics, groupby, time_col, grain, y_format, extra_params=None):
    filters = [{**NO_TIME_FILTER, "subject": time_col}]
    params = {"x_axis": time_col, "time_grain_sqla": grain, "metrics": metrics, "groupby": groupby,
              "adhoc_filters": filters, "row_limit": 10000, "order_desc": True, "color_scheme": "supersetColors",
              "show_legend": True, "legendType": "scroll", "legendOrientation": "top", "rich_tooltip": True,
              "x_axis_time_format": "%Y-%m-%d", "tooltipTimeFormat": "%Y-%m-%d", "y_axis_format": y_format,
              "truncateYAxis": False, "y_axis_bounds": [None, None], "markerEnabled": True, "markerSize": 6,
              "annotation_layers": [], "comparison_type": "values", "only_total": True,
              "sort_series_type": "sum", "x_axis_sort_asc": True, "series_limit": 0, **(extra_params or {})}
    axis = {"timeGrain": grain, "columnType": "BASE_AXIS", "sqlExpression": time_col, "label": time_col,
            "expressionType": "SQL"}
    post = [
        {"operation": "pivot", "options": {"index": [time_col], "columns": groupby,
                                           "aggregates": {m: {"operator": "mean"} for m in metrics},
                                           "drop_missing_columns": False}},
        {"operation": "flatten"},
    ]
    if not groupby:
        post[0]["options"]["columns"] = []
    query = _query_base(time_col, [], {"columns": [axis, *groupby], "metrics": metrics, "series_columns": groupby,
                                       "orderby": [[metrics[0], False]], "row_limit": 10000,
                                       "time_offsets": [], "post_processing": post})
    query["extras"]["time_grain_sqla"] = grain
    return _chart(name, viz, ds_key, params, query)


def charts() -> list[dict]:
    R, V, F = "dq_expectation_results", "dq_validation_runs", "dq_source_freshness"
    latest = "is_latest"
    return [
        _big_number("阻断性问题（各表最近一次检查）", R, None, "n_failed_blocking", [latest], "validated_at",
                    subheader="项未通过，阻断发布"),
        _big_number("警告性问题（各表最近一次检查）", R, None, "n_failed_warning", [latest], "validated_at",
                    subheader="项未通过，数据照常加载"),
        _big_number("检查通过率（各表最近一次检查）", R, None, "pass_rate", [latest], "validated_at", fmt=".1%"),
        _big_number("最久未更新的源表（天）", F, None, "max_days_since", [], "last_loaded_at", fmt=".1f",
                    subheader="天前最近一次成功加载"),
        _timeseries("各来源系统检查通过率趋势", "echarts_timeseries_line", R, ["pass_rate"], ["system_name"],
                    "validated_at", "P1D", ".1%", {"seriesType": "line"}),
        _timeseries("每日未通过检查项数（阻断 / 警告）", "echarts_timeseries_bar", V,
                    ["sum_failed_blocking", "sum_failed_warning"], [], "validated_at", "P1D", "SMART_NUMBER",
                    {"stack": "Stack", "orientation": "vertical"}),
        _table_agg("各系统各源表检查通过率（最近一次检查）", R, ["system_name", "table_label"],
                   ["n_checks", "n_passed", "n_failed_blocking", "n_failed_warning", "n_skipped", "pass_rate"],
                   [latest], "validated_at", "pass_rate", True, pct_metrics=["pass_rate"]),
        _table_raw("数据新鲜度（各源表最近加载）", F,
                   ["system_name", "table_label", "last_loaded_at", "days_since", "last_row_count", "n_batches",
                    "n_failed_batches", "source_file"], [], "last_loaded_at", "days_since", False),
        _table_raw("待补数据缺口（最近一次检查的警告项）", R,
                   ["system_name", "table_label", "column_label_zh", "rule_zh", "unexpected_count",
                    "unexpected_ratio", "sample_values", "validated_at"],
                   [latest, "severity = 'warning'", "success = false"], "validated_at", "unexpected_count", False,
                   pct_columns=["unexpected_ratio"]),
        *reconciliation_charts(),
    ]


# --- dashboard ----------------------------------------------------------------------------------------
LAYOUT = [  # rows of (chart name, width of 12, height)
    [("阻断性问题（各表最近一次检查）", 3, 30), ("警告性问题（各表最近一次检查）", 3, 30),
     ("检查通过率（各表最近一次检查）", 3, 30), ("最久未更新的源表（天）", 3, 30)],
    [("各来源系统检查通过率趋势", 6, 50), ("每日未通过检查项数（阻断 / 警告）", 6, 50)],
    [("各系统各源表检查通过率（最近一次检查）", 12, 60)],
    [("待补数据缺口（最近一次检查的警告项）", 12, 60)],
    [("数据新鲜度（各源表最近加载）", 12, 60)],
    [(RECON_CHART, 12, 70)],
]
DASHBOARD_TITLE = "数据质量"
DASHBOARD_SLUG = "data-quality"


def dashboard(chart_list: list[dict]) -> dict:
    from pipelines.superset import freshness_notice  # imports this module's helpers

    notice = freshness_notice.chart(DASHBOARD_SLUG)  # 数据新鲜度提示 on top, as on every dashboard
    by_name = {c["slice_name"]: c for c in [*chart_list, notice]}
    position = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"children": ["GRID_ID"], "id": "ROOT_ID", "type": "ROOT"},
        "HEADER_ID": {"id": "HEADER_ID", "meta": {"text": DASHBOARD_TITLE}, "type": "HEADER"},
        "GRID_ID": {"children": [], "id": "GRID_ID", "parents": ["ROOT_ID"], "type": "GRID"},
    }
    for i, row in enumerate([[(notice["slice_name"], freshness_notice.WIDTH, freshness_notice.HEIGHT)], *LAYOUT]):
        row_id = f"ROW-dq{i}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {"children": [], "id": row_id, "meta": {"background": "BACKGROUND_TRANSPARENT"},
                            "parents": ["ROOT_ID", "GRID_ID"], "type": "ROW"}
        for j, (name, width, height) in enumerate(row):
            cid = f"CHART-dq{i}{j}"
            position[row_id]["children"].append(cid)
            position[cid] = {"children": [], "id": cid, "parents": ["ROOT_ID", "GRID_ID", row_id], "type": "CHART",
                             "meta": {"chartId": 0, "height": height, "width": width, "sliceName": name,
                                      "uuid": by_name[name]["uuid"]}}
    native_filter = {
        "id": "NATIVE_FILTER-dq-system", "name": "来源系统", "filterType": "filter_select", "type": "NATIVE_FILTER",
        "description": "只看所选来源系统（教务、人事、学工、财务、状态数据平台）",
        "targets": [{"datasetUuid": _uid("dataset", "dq_expectation_results"), "column": {"name": "system_name"}}],
        "controlValues": {"enableEmptyFilter": False, "defaultToFirstItem": False, "multiSelect": True,
                          "searchAllOptions": False, "inverseSelection": False},
        "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
        "cascadeParentIds": [], "scope": {"rootPath": ["ROOT_ID"], "excluded": []}, "tabsInScope": [],
    }
    return {
        "dashboard_title": DASHBOARD_TITLE, "description": None, "css": "", "slug": DASHBOARD_SLUG,
        "certified_by": "", "certification_details": "", "published": True,
        "uuid": _uid("dashboard", DASHBOARD_SLUG), "version": "1.0.0", "position": position,
        "metadata": {"color_scheme": "supersetColors", "refresh_frequency": 0, "expanded_slices": {},
                     "label_colors": {}, "shared_label_colors": [], "map_label_colors": {},
                     "color_scheme_domain": [], "cross_filters_enabled": True, "default_filters": "{}",
                     "timed_refresh_immune_slices": [], "chart_configuration": {},
                     "global_chart_configuration": {"scope": {"rootPath": ["ROOT_ID"], "excluded": []},
                                                    "chartsInScope": []},
                     "native_filter_configuration": [native_filter]},
    }


def database() -> dict:
    return {
        "database_name": DB_NAME, "sqlalchemy_uri": f"duckdb:///{SERVING_PLACEHOLDER}",
        "cache_timeout": None, "expose_in_sqllab": True, "allow_run_async": False, "allow_ctas": False,
        "allow_cvas": False, "allow_dml": False, "allow_file_upload": False,
        "extra": {"engine_params": {"connect_args": {"read_only": True}}, "metadata_params": {},
                  "metadata_cache_timeout": {}, "schemas_allowed_for_file_upload": [],
                  "allows_virtual_table_explore": True, "disable_data_preview": False},
        "impersonate_user": False, "uuid": DB_UUID, "version": "1.0.0",
    }


def _dump(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(obj, allow_unicode=True, sort_keys=True, width=100), encoding="utf-8")


def write(out: Path = ASSETS_DIR) -> list[Path]:
    written = []
    ds = datasets()
    ch = charts()

    def put(rel: str, obj: dict) -> None:
        _dump(out / rel, obj)
        written.append(out / rel)

    put("metadata.yaml", {"version": "1.0.0", "type": "Dashboard", "timestamp": "2026-11-25T00:00:00+00:00"})
    put("databases/zhengai_warehouse.yaml", database())
    for key, d in ds.items():
        put(f"datasets/zhengai_warehouse/{key}.yaml", d)
    for i, c in enumerate(ch, 1):
        put(f"charts/dq_{i:02d}_{c['uuid'][:8]}.yaml", c)
    from pipelines.superset import freshness_notice  # the shared notice (also written by dashboards.py)

    for rel, obj in {**freshness_notice.dataset_file(), **freshness_notice.files(DASHBOARD_SLUG)}.items():
        put(rel, obj)
    put(f"dashboards/{DASHBOARD_SLUG}.yaml", dashboard(ch))
    return written


if __name__ == "__main__":
    for p in write():
        print(p)
