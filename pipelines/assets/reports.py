"""The annual report as a Dagster asset: after each publish in the annual job, the 人才培养工作状态数据分析报告
of the latest academic year with data is written to `$ZHENGAI_HOME/reports/`.

It reads only the published serving file (read-only), so it needs no writer slot; it is part of the annual job
only (see pipelines/schedules.py).
"""

import time

import dagster as dg

from pipelines.assets.publish import serving_warehouse
from pipelines.resources import WarehouseResource

REPORTS_GROUP = "reports"


@dg.asset(key=["reports", "annual"], deps=[serving_warehouse], group_name=REPORTS_GROUP, kinds={"excel"},
          description="年度人才培养工作状态数据分析报告（最近有数据的学年，Excel），写入 $ZHENGAI_HOME/reports/")
def annual_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from pipelines.reports import ReportError
    from pipelines.reports import queries as q
    from pipelines.reports.annual import write_annual

    layout = warehouse.layout()
    started = time.perf_counter()
    try:
        with q.Warehouse.open(layout.serving) as w:
            year = q.latest_year(w)
        path = write_annual(year, layout.root / "reports", serving=layout.serving)
    except ReportError as exc:
        raise dg.Failure(description=f"年度报告未生成：{exc}") from exc
    seconds = time.perf_counter() - started
    context.log.info(f"已生成年度报告 {path}（{seconds:.1f} 秒）")
    return dg.MaterializeResult(metadata={"文件": str(path), "学年": year,
                                          "耗时(秒)": round(seconds, 2)})
