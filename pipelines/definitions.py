"""The Dagster code location: `dagster dev -m pipelines.definitions` (or `make demo`, which starts it).

sources → raw (ingest assets + gate checks) → dbt (staging → marts → indicators → warnings) → publish.
One writer at a time: every step that writes the build file is in the `warehouse_writer` pool and the
jobs use the in-process executor (DuckDB allows one writing process per file).
"""

from __future__ import annotations

import dagster as dg

from pipelines.assets.dbt import DBT_ASSETS, RESOURCES
from pipelines.assets.ingest import INGEST_ASSETS
from pipelines.assets.notify import notify_digests
from pipelines.assets.publish import serving_warehouse
from pipelines.assets.reports import annual_report
from pipelines.ingest.memory import freeze_imports
from pipelines.resources import WarehouseResource
from pipelines.run import progress_logger_def
from pipelines.schedules import (
    SCHEDULES,
    annual_job,
    daily_refresh,
    drop_folder_sensor,
    semester_job,
    status_after_failed_run,
)

defs = dg.Definitions(
    assets=[*INGEST_ASSETS, *DBT_ASSETS, serving_warehouse, annual_report, notify_digests],
    jobs=[daily_refresh, semester_job, annual_job],
    schedules=SCHEDULES,
    sensors=[drop_folder_sensor, status_after_failed_run],
    resources={"warehouse": WarehouseResource(), **RESOURCES},
    executor=dg.in_process_executor,
    loggers={"console": dg.colored_console_logger, "progress": progress_logger_def()},
)

freeze_imports()  # the imports and definitions live as long as the process: keep them out of every collection
