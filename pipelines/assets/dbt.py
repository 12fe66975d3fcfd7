"""The dbt project as Dagster assets (dagster-dbt): staging → marts → indicators → warnings.

dbt writes into the same per-run build file as ingestion (`ZHENGAI_WORK_DB`, read by
`dbt_project/profiles.yml`); dbt tests become asset checks. Sources `raw.<system>__<table>` map to the
ingestion assets' keys, so the UI shows one lineage from each source table to each warning.
"""


import os
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.config import REPO_ROOT
from pipelines.resources import WarehouseResource

DBT_DIR = REPO_ROOT / "dbt_project"
HAS_DBT = (DBT_DIR / "dbt_project.yml").exists()
PROJECT = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR) if HAS_DBT else None


def ensure_manifest() -> Path:
    """`dbt parse` when the manifest is missing or older than the project files (a fresh checkout)."""
    manifest = PROJECT.manifest_path
    newest = max((p.stat().st_mtime for p in DBT_DIR.rglob("*") if p.suffix in {".sql", ".yml", ".csv"}
                  and "target" not in p.parts), default=0)
    seeds_newest = max((p.stat().st_mtime for p in (REPO_ROOT / "seeds").glob("*")), default=0)
    if not manifest.exists() or manifest.stat().st_mtime < max(newest, seeds_newest):
        from dbt.cli.main import dbtRunner

        os.environ.setdefault("ZHENGAI_WORK_DB", str(REPO_ROOT / "warehouse" / "parse-only.duckdb"))
        res = dbtRunner().invoke(["parse", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
                                  "--quiet"])
        if not res.success:
            raise RuntimeError(f"dbt parse failed: {res.exception}")
    return manifest


class Translator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "rules"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


def build_dbt_assets() -> list[dg.AssetsDefinition]:
    if not HAS_DBT:
        return []

    @dbt_assets(manifest=ensure_manifest(), project=PROJECT, dagster_dbt_translator=Translator(),
                pool="warehouse_writer")
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        os.environ["ZHENGAI_WORK_DB"] = str(warehouse.build_file(context.run.run_id))
        yield from dbt.cli(["build"], context=context).stream()

    return [dbt_models]


DBT_ASSETS = build_dbt_assets()
# the dbt installed in this environment (the venv is not always on PATH, e.g. `.venv/bin/zhengai run`)
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))
RESOURCES = ({"dbt": DbtCliResource(project_dir=PROJECT, profiles_dir=str(DBT_DIR), dbt_executable=DBT_EXECUTABLE)}
             if HAS_DBT else {})
