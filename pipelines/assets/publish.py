"""The last step: copy the audit history into the build and publish it as the serving warehouse.

Runs only when every upstream step succeeded and no blocking gate failed (blocking checks stop it);
a run that stops anywhere before leaves `serving.duckdb` exactly as it was.
"""


from datetime import UTC, datetime

import dagster as dg
import duckdb

from pipelines.assets.dbt import DBT_ASSETS, models_are_current
from pipelines.assets.ingest import RAW_KEYS
from pipelines.freshness import write_freshness_table
from pipelines.ingest.extract import OPTIONAL_SYSTEMS
from pipelines.publish import PUBLISHED_MODELS, publish, published_model_keys
from pipelines.resources import WarehouseResource, close_build_connection
from pipelines.runlock import release

AUDIT_TABLES = ["expectation_results", "validation_runs"]
FRESHNESS_TABLE = "audit.source_freshness"  # written here, just before publishing (pipelines/freshness.py)


def copy_audit(con: duckdb.DuckDBPyConnection, audit_db: str) -> None:
    """The gate's result history (`gate_results.duckdb`) into the build `con` is connected to."""
    con.execute(f"ATTACH '{audit_db}' AS audit_src (READ_ONLY)")
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    for t in AUDIT_TABLES:
        con.execute(f"CREATE OR REPLACE TABLE audit.{t} AS SELECT * FROM audit_src.audit.{t}")
    con.execute("DETACH audit_src")


def required_tables(with_audit: bool) -> list[str]:
    """What a build must hold to be published: every raw table, the dbt relations readers rely on, the audit."""
    # a source that may have delivered nothing yet (诊改反馈) has no raw table until its first workbook
    required = [f"raw.{k.path[1]}" for k in RAW_KEYS if k.path[1].split("__")[0] not in OPTIONAL_SYSTEMS]
    required += ["raw._batches", "raw._latest_batches", FRESHNESS_TABLE]
    required += [f"audit.{t}" for t in AUDIT_TABLES] if with_audit else []
    return required + (PUBLISHED_MODELS if DBT_ASSETS else [])


@dg.asset(key=["serving", "warehouse"], deps=[*RAW_KEYS, *published_model_keys(DBT_ASSETS)], group_name="publish",
          description="发布：把本次构建的仓库原子替换为对外服务的 serving.duckdb（保留最近若干版本，可回滚）",
          pool="warehouse_writer", kinds={"duckdb"})
def serving_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    close_build_connection()  # publishing checkpoints and moves the build file
    layout, settings = warehouse.layout(), warehouse.settings()
    build = warehouse.build_file(context.run.run_id)
    with duckdb.connect(str(build)) as con:  # one connection (each opening reads the catalog; each close checkpoints)
        if not models_are_current(con):  # e.g. a source changed after `zhengai run` left dbt out of the run
            raise dg.Failure(description="数据源有 dbt 尚未计算的新批次（或 dbt 项目已改动），模型未随之更新：本次不发布，"
                                         "请再运行一次")
        if warehouse.audit_db.exists():
            copy_audit(con, str(warehouse.audit_db))
        write_freshness_table(con, warehouse.audit_db, datetime.now(UTC).replace(tzinfo=None))
        con.execute("CHECKPOINT")
    version = publish(layout, build, keep=settings.keep_versions,
                      required_tables=required_tables(warehouse.audit_db.exists()))
    release(settings.home, context.run.run_id)  # a scheduled run frees the warehouse as soon as it is served
    context.log.info(f"已发布版本 {version.name} → {layout.serving}")
    return dg.MaterializeResult(metadata={"版本": version.name, "文件": str(layout.serving)})
