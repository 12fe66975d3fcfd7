"""One Dagster asset per source table (`raw/<system>__<table>`), one step per source unit.

A unit (a 教务 table, an export file, the 状态数据平台 folder — see `pipelines.ingest.units`) is read,
checked by its expectation suites and loaded into the run's build file in one step; each table gets a
blocking asset check `gate` (质量闸门). A failed gate stops everything downstream (dbt, publish), so
the serving warehouse stays as it was; the other units still load, so the run shows every problem at once.
"""


import os

import dagster as dg

from pipelines.ingest.errors import SYSTEM_ZH
from pipelines.ingest.extract import SourceUnavailable
from pipelines.ingest.units import SourceUnit, UnitOutcome, ingest_unit, source_units
from pipelines.resources import WarehouseResource, close_build_connection, settle_build_connection

RETRIES = 3  # a source that cannot be reached (database down, share not mounted) is retried
RETRY_WAIT = float(os.environ.get("ZHENGAI_RETRY_WAIT", "10"))  # seconds between attempts


def raw_key(system: str, table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", f"{system}__{table}"])


def _unit_asset(unit: SourceUnit) -> dg.AssetsDefinition:
    deps = [raw_key(*ref.split(".")) for ref in sorted(unit.depends_on())]
    specs = [
        dg.AssetSpec(
            raw_key(t.system, t.table), deps=deps, group_name=f"ingest_{unit.system}", kinds={"duckdb"},
            description=f"{SYSTEM_ZH[t.system]}·{t.table_zh}：原始数据（仅追加，保留批次与来源行号）。来源：{unit.label_zh}",
            tags={"system": t.system},
        )
        for t in unit.tables
    ]
    checks = [
        dg.AssetCheckSpec("gate", asset=raw_key(t.system, t.table), blocking=True,
                          description=f"质量闸门：{t.table_zh} 的期望套件（阻断项不通过则本次不发布）")
        for t in unit.tables
    ]

    @dg.multi_asset(name=f"ingest__{unit.name}", specs=specs, check_specs=checks,
                    description=f"采集并检查 {unit.label_zh}", pool="warehouse_writer")
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        settings = warehouse.settings()
        outcome = None
        try:
            outcome = ingest_unit(warehouse.build_connection(context.run.run_id), unit, settings, context.run.run_id,
                                  warehouse.audit_db, keep_audit_open=True)
        except SourceUnavailable as exc:
            if context.retry_number >= RETRIES:  # still unreachable: fail with the reason, not "retries exceeded"
                raise dg.Failure(description=f"{unit.label_zh}：{exc}（已重试 {RETRIES} 次）") from exc
            raise dg.RetryRequested(max_retries=RETRIES, seconds_to_wait=RETRY_WAIT) from exc
        finally:
            if outcome is None:
                close_build_connection()
            else:  # kept open for the next unit, unless DuckDB holds much memory
                settle_build_connection()
        yield from _events(context, outcome)

    return _ingest


def _events(context: dg.AssetExecutionContext, outcome: UnitOutcome):
    for to in outcome.tables.values():
        t = to.table
        key = raw_key(t.system, t.table)
        failed = [o for r in to.results for o in r.failed("blocking")]
        warnings = [o for r in to.results for o in r.failed("warning")]
        status = "未通过（未加载）" if outcome.blocked else (to.batch.message if to.batch else "")
        meta = {"状态": status, "行数": to.rows, "阻断问题": len(failed) + (to.read_error is not None),
                "提醒问题": len(warnings), "耗时(秒)": round(outcome.seconds, 2)}
        if to.batch is not None:
            meta["批次"] = to.batch.batch_id
        if outcome.quarantined:
            meta["隔离文件"] = "、".join(str(p) for p in outcome.quarantined)
        yield dg.MaterializeResult(asset_key=key, metadata=meta)
        report = to.report_zh()
        if to.blocked:
            context.log.error(report)
        yield dg.AssetCheckResult(
            asset_key=key, check_name="gate", passed=not to.blocked,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"报告": dg.MetadataValue.md(f"```\n{report[:20000]}\n```") if report else "全部通过",
                      "阻断问题": len(failed) + (to.read_error is not None), "提醒问题": len(warnings)},
            description=("未通过：" + report.splitlines()[0]) if to.blocked else "通过",
        )


UNITS = source_units()
INGEST_ASSETS = [_unit_asset(u) for u in UNITS]
RAW_KEYS = [raw_key(t.system, t.table) for u in UNITS for t in u.tables]
