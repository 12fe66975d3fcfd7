"""「数据新鲜度提示」: one small table at the top of every dashboard — which source tables are not current in the
served warehouse (被拦截 / 待发布), since when, and why; one row 「全部数据源均为最新」 when all are.

One dataset (`zg_freshness_notice`, over `audit.source_freshness`, which pipelines/freshness.py writes into every
published serving.duckdb) and one chart per dashboard (same query, a per-dashboard UUID). Used by
pipelines/superset/dashboards.py (the level/warning/target dashboards and 本部门诊改) and
pipelines/superset/dq_dashboard.py (数据质量); the files are written by `python -m pipelines.generate`.

The dataset has no college_code / responsible_dept (source freshness is school-wide, no row-level filter) and no
student column, so provisioning grants it to every role like any other non-personal dataset.
"""

from __future__ import annotations

import json

from pipelines.freshness import BLOCKED, PENDING
from pipelines.ingest.errors import SYSTEM_ZH
from pipelines.superset.dq_dashboard import _chart, _col, _dataset, _metric, _uid

DATASET = "zg_freshness_notice"
TITLE = "数据新鲜度提示"
ALL_CURRENT = "全部数据源均为最新"
WIDTH, HEIGHT = 12, 26  # a full-width row, a few table lines high
COLUMNS = ["source_system_zh", "source_table_zh", "freshness_zh", "data_as_of", "blocked_since", "reason_zh"]


def _systems_cte() -> str:
    rows = ",\n    ".join(f"('{code}', '{name}')" for code, name in SYSTEM_ZH.items())
    return f"systems(source_system, system_zh) AS (VALUES\n    {rows})"


def sql() -> str:
    # audit.source_freshness keeps times in UTC (typed when written, pipelines/freshness.py): + 8 h is 北京时间
    return f"""WITH {_systems_cte()},
stale AS (
    SELECT
        coalesce(y.system_zh, f.source_system) AS source_system_zh,
        coalesce(f.table_zh, f.source_table) AS source_table_zh,
        f.status_zh AS freshness_zh,
        f.data_as_of,
        f.blocked_since,
        coalesce(f.blocked_reason, CASE f.status_zh
            WHEN '{PENDING}' THEN '已有通过检查的新数据，但整次运行未发布，尚未生效'
            WHEN '{BLOCKED}' THEN '未通过质量闸门' END) AS reason_zh,
        CASE f.status_zh WHEN '{BLOCKED}' THEN 1 WHEN '{PENDING}' THEN 2 ELSE 3 END AS sort_order
    FROM audit.source_freshness AS f
    LEFT JOIN systems AS y ON y.source_system = f.source_system
    -- 从未加载 is no stale number (nothing is shown for it; an optional source such as 诊改反馈 may never come):
    -- the 数据质量 dashboard lists it
    WHERE f.status_zh IN ('{BLOCKED}', '{PENDING}')
)
SELECT
    source_system_zh,
    source_table_zh,
    freshness_zh,
    data_as_of + INTERVAL 8 HOUR AS data_as_of,
    blocked_since + INTERVAL 8 HOUR AS blocked_since,
    reason_zh,
    sort_order
FROM stale
UNION ALL
SELECT '全部', '全部源表', '{ALL_CURRENT}', NULL, NULL, NULL, 0
WHERE NOT EXISTS (SELECT 1 FROM stale)"""


def dataset() -> dict:
    columns = [
        _col("source_system_zh", "VARCHAR", "系统"),
        _col("source_table_zh", "VARCHAR", "源表"),
        _col("freshness_zh", "VARCHAR", "状态"),
        _col("data_as_of", "TIMESTAMP", "数据截至（北京时间）", dttm=True,
             description="看板上该源表的数据是何时读入的（最近一次加载的批次）"),
        _col("blocked_since", "TIMESTAMP", "被拦截自（北京时间）", dttm=True,
             description="上次通过质量闸门之后第一次被拦截的时间"),
        _col("reason_zh", "VARCHAR", "原因"),
        _col("sort_order", "INTEGER", "排序（被拦截在前）"),
    ]
    return _dataset(DATASET, "数据新鲜度提示",
                    f"不是最新的源表（{BLOCKED}、{PENDING}）及其数据截至、被拦截时间与原因（audit.source_freshness）；"
                    f"全部最新时为一行「{ALL_CURRENT}」",
                    sql(), columns, [_metric("n_rows", "COUNT(*)", "行数")], None)


def chart(slug: str) -> dict:
    """The notice table for the dashboard `slug` (its own UUID: a chart belongs to one dashboard here)."""
    order = [["sort_order", True], ["source_system_zh", True], ["source_table_zh", True]]
    params = {"query_mode": "raw", "groupby": [], "metrics": [], "all_columns": COLUMNS, "percent_metrics": [],
              "adhoc_filters": [], "order_by_cols": [json.dumps(o) for o in order], "row_limit": 200,
              "server_page_length": 0, "include_search": False, "show_cell_bars": False,
              "table_timestamp_format": "%Y-%m-%d %H:%M", "temporal_columns_lookup": {},
              "allow_render_html": False, "column_config": {}}
    query = {"filters": [], "extras": {"having": "", "where": ""}, "applied_time_extras": {},
             "annotation_layers": [], "series_limit": 0, "order_desc": True, "url_params": {}, "custom_params": {},
             "custom_form_data": {}, "columns": COLUMNS, "orderby": order, "row_limit": 200, "post_processing": []}
    c = _chart(TITLE, "table", DATASET, params, query,
               description="整次运行被质量闸门拦截时，看板仍显示各源表上次通过的数据：这里列出哪些源表不是最新的、"
                           "数据截至何时、自何时被拦截及原因")
    c["uuid"] = _uid("chart", f"{slug}:{TITLE}")
    return c


def files(slug: str) -> dict[str, dict]:
    """The chart file of dashboard `slug` (relative path → YAML object), named like the generated charts."""
    c = chart(slug)
    return {f"charts/{slug}_00_{c['uuid'][:8]}.yaml": c}


def dataset_file() -> dict[str, dict]:
    return {f"datasets/zhengai_warehouse/{DATASET}.yaml": dataset()}
