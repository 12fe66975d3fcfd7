"""Write-audit-publish for the DuckDB warehouse.

A DuckDB file opened read-write by one process cannot be opened by any other, so readers (Superset,
analysts, the report) never share the file the pipeline writes. Each run builds into its own build
file (a copy of the current serving file, so the append-only raw history carries over); only a
successful run is published:

    warehouse/build/<run>/serving.duckdb  --(checkpoint, close)-->  warehouse/versions/<version>/serving.duckdb
    warehouse/serving.duckdb       <--(hard link + os.replace: atomic)--   the newest version

Every copy of the file is named `serving.duckdb` (a run folder, a version folder): DuckDB names a file's catalog
after its name and dbt qualifies view definitions with that catalog, so a build file named `<run>.duckdb`
would publish views that fail for every reader with `Catalog "<run>" does not exist`.

`os.replace` swaps the directory entry atomically: a reader that already opened the old file keeps
reading it; a reader that opens the path afterwards gets the new one. A failed or killed run leaves
only a stray build folder, which the next run deletes.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

SERVING_NAME = "serving.duckdb"
VERSION_SUFFIX = ".duckdb"


class PublishError(RuntimeError):
    """Publishing was refused; the serving file is unchanged."""


# Every dbt relation a reader relies on — the Superset datasets (superset_exports), the reports (pipelines/reports)
# and the digest (pipelines/notify): a build without one of them is not published. tests/test_publish.py checks
# this list against the SQL those readers run.
PUBLISHED_MODELS = [
    # indicators, warnings, the improvement spiral
    "indicators.fct_indicator_values",
    "warnings.fct_warnings", "warnings.fct_student_warnings", "warnings.fct_warning_cases",
    "warnings.agg_warning_shares",
    "spiral.fct_target_achievement", "spiral.fct_target_achievement_items",
    "spiral.fct_improvement_cases", "spiral.fct_digest_items", "spiral.fct_dept_response_rates",
    # what the dashboards read pre-joined
    "serve.srv_indicator_judgements", "serve.srv_course_outcomes", "serve.srv_warning_cases", "serve.srv_tiers",
    "serve.srv_target_items",
    # cross-source reconciliation
    "audit.fct_reconciliation",
    # marts and reference tables read directly
    "marts.dim_college", "marts.dim_major", "marts.dim_course", "marts.dim_teacher", "marts.dim_staff",
    "marts.fct_enrolment", "marts.fct_admission", "marts.fct_employment", "marts.fct_teaching_task",
    "marts.fct_training", "marts.fct_research", "marts.fct_finance", "marts.fct_school_conditions",
    "ref.indicator_catalogue", "ref.warning_tiers", "ref.org_departments", "ref.org_contacts", "ref.school_profile",
    "ref.national_baselines",
]


def published_model_keys(dbt_assets: list) -> list:
    """The Dagster asset keys (`schema/name`) of PUBLISHED_MODELS: what the publish step waits for. The dbt step
    reports these even when it carries them over unchanged; a model no reader relies on is reported only when built
    (each reported output is two events in Dagster's SQLite log, ≈ 11 ms)."""
    import dagster as dg

    keys = {k for a in dbt_assets for k in a.keys}
    return [k for k in (dg.AssetKey(m.split(".")) for m in PUBLISHED_MODELS) if k in keys]


@dataclass(frozen=True)
class Version:
    name: str
    path: Path
    is_serving: bool

    @property
    def published_at(self) -> datetime:
        return datetime.strptime(self.name[:15], "%Y%m%dT%H%M%S")


@dataclass(frozen=True)
class WarehouseLayout:
    """Where the warehouse's files live under one root folder (default `warehouse/`)."""

    root: Path

    @property
    def serving(self) -> Path:
        return self.root / SERVING_NAME

    @property
    def versions_dir(self) -> Path:
        return self.root / "versions"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def versions(self) -> list[Version]:
        """Published versions, oldest first."""
        if not self.versions_dir.exists():
            return []
        serving_inode = self.serving.stat().st_ino if self.serving.exists() else None
        found = [(p.parent.name, p) for p in self.versions_dir.glob(f"*/{SERVING_NAME}") if p.is_file()]
        # versions published before the folder layout: `versions/<version>.duckdb`
        found += [(p.stem, p) for p in self.versions_dir.glob(f"*{VERSION_SUFFIX}") if p.is_file()]
        return [Version(name, p, p.stat().st_ino == serving_inode) for name, p in sorted(found)]


def start_build(layout: WarehouseLayout, run_id: str | None = None) -> Path:
    """Return this run's build file `build/<run>/serving.duckdb`, creating it from the current serving file on
    first call.

    Stray build folders of other (failed or killed) runs are removed: they never became visible (the run lock,
    `pipelines.runlock`, makes sure no other run is still writing one). Calling it again within the same run
    returns the same file, so each step may call it.
    """
    layout.build_dir.mkdir(parents=True, exist_ok=True)
    folder = layout.build_dir / (run_id or uuid.uuid4().hex[:12])
    build = folder / SERVING_NAME
    if build.exists():
        return build
    for stale in layout.build_dir.iterdir():
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink()
    folder.mkdir()
    if layout.serving.exists():
        shutil.copyfile(layout.serving, build)
    return build


def run_name(build: Path) -> str:
    """`build/<run>/serving.duckdb` → `<run>` (also accepts an old-style `build/<run>.duckdb`)."""
    return build.parent.name if build.name == SERVING_NAME else build.stem


def _verify_closed_and_readable(build: Path, required_tables: list[str]) -> None:
    wal = build.with_name(build.name + ".wal")
    if wal.exists():
        raise PublishError(f"构建文件 {build} 仍有未写入的日志（.wal），可能仍被打开，拒绝发布")
    try:
        con = duckdb.connect(str(build), read_only=True)
    except duckdb.Error as exc:  # locked by a writer or corrupt
        raise PublishError(f"构建文件 {build} 无法以只读方式打开：{exc}") from exc
    try:
        present = {
            f"{s}.{t}" for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
    finally:
        con.close()
    missing = [t for t in required_tables if t not in present]
    if missing:
        raise PublishError(f"构建文件缺少必需的表：{'、'.join(missing)}，拒绝发布")


def publish(
    layout: WarehouseLayout,
    build: Path,
    *,
    keep: int = 5,
    required_tables: list[str] | None = None,
    now: datetime | None = None,
) -> Version:
    """Make a finished build file the serving warehouse, atomically. Keeps the newest `keep` versions."""
    if keep < 1:
        raise ValueError("keep must be >= 1")
    _verify_closed_and_readable(build, required_tables or [])
    layout.versions_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%dT%H%M%S")
    name = f"{stamp}_{run_name(build)}"
    version_path = layout.versions_dir / name / SERVING_NAME
    version_path.parent.mkdir()
    os.replace(build, version_path)  # same filesystem: a rename, no copy
    if build.parent != layout.build_dir:
        shutil.rmtree(build.parent, ignore_errors=True)  # the emptied run folder
    _point_serving_at(layout, version_path)
    _prune(layout, keep)
    return Version(name, version_path, True)


def rollback(layout: WarehouseLayout, version_name: str | None = None) -> Version:
    """Serve an earlier published version again (default: the one before the current)."""
    versions = layout.versions()
    if not versions:
        raise PublishError("还没有任何已发布的版本，无法回滚")
    if version_name is None:
        current = [i for i, v in enumerate(versions) if v.is_serving]
        if not current or current[0] == 0:
            raise PublishError("当前版本之前没有更早的已发布版本，无法回滚")
        target = versions[current[0] - 1]
    else:
        matches = [v for v in versions if v.name == version_name or v.name.startswith(version_name)]
        if len(matches) != 1:
            known = "、".join(v.name for v in versions)
            raise PublishError(f"找不到唯一的版本「{version_name}」。可用版本：{known}")
        target = matches[0]
    _point_serving_at(layout, target.path)
    return Version(target.name, target.path, True)


def _point_serving_at(layout: WarehouseLayout, version_path: Path) -> None:
    if layout.serving.exists() and os.path.samefile(layout.serving, version_path):
        return  # already served: os.replace of two links to one file does nothing and would leave `tmp` behind
    tmp = layout.root / f".{SERVING_NAME}.{uuid.uuid4().hex[:8]}"
    os.link(version_path, tmp)  # versions are never written again, so sharing the inode is safe
    try:
        os.replace(tmp, layout.serving)
    finally:
        tmp.unlink(missing_ok=True)  # normally gone (renamed); left only if the replace failed


def _prune(layout: WarehouseLayout, keep: int) -> None:
    versions = layout.versions()
    for old in versions[:-keep]:
        if not old.is_serving:  # never delete what readers are pointed at (after a rollback)
            old.path.unlink()
            if old.path.name == SERVING_NAME:
                shutil.rmtree(old.path.parent, ignore_errors=True)
