"""Dagster resources: where this run writes (its own build file) and what it reads (the configured sources)."""


import os
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.config import Settings, duckdb_memory_limit, load_settings
from pipelines.publish import WarehouseLayout, start_build
from pipelines.runlock import acquire


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse folder (`ZHENGAI_HOME`). Every run writes only its own build file
    `build/<run_id>/serving.duckdb`, a copy of the serving file taken when the run's first step starts."""

    home: str = ""

    def settings(self) -> Settings:
        env = dict(os.environ)
        if self.home:
            env["ZHENGAI_HOME"] = self.home
        return load_settings(env)

    def layout(self) -> WarehouseLayout:
        return WarehouseLayout(self.settings().home)

    def build_file(self, run_id: str) -> Path:
        """The run's build file; takes the run lock first (RunCollision when another run is writing)."""
        acquire(self.settings().home, run_id)
        return start_build(self.layout(), run_id)

    @property
    def audit_db(self) -> Path:
        return self.settings().home / "gate_results.duckdb"

    def build_connection(self, run_id: str) -> duckdb.DuckDBPyConnection:
        """A connection to the run's build file that the ingest steps of the run share (the in-process executor runs
        them one after another). Opening the file reads its whole catalog, ≈ 30 ms, and a run on unchanged sources
        opened it once per source unit. Whoever else opens the file — dbt's process, the publish step — calls
        `close_build_connection()` first; an ingest step calls `settle_build_connection()`."""
        path = str(self.build_file(run_id))
        if _SHARED.get("path") != path:
            close_build_connection()
            _SHARED.update(path=path, con=duckdb.connect(path, config={"memory_limit": duckdb_memory_limit()}))
        return _SHARED["con"]

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        close_build_connection()  # the end of a run, whatever became of it


_SHARED: dict = {}  # the one open build-file connection of this process: path, con


def settle_build_connection() -> None:
    """After an ingest step: the build connection stays open for the next step — closing checkpoints (writes) the
    file and reopening reads its catalog again, ≈ 2 s of a full run on S when done after each of its 24 units —
    unless DuckDB holds more than half its memory limit (a large college's big tables): closing gives it back."""
    con = _SHARED.get("con")
    if con is None:
        return
    used = con.execute("SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()").fetchone()[0]
    limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    if used > size_bytes(limit) / 2:
        close_build_connection()


_UNITS = {"bytes": 1, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
          "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}


def size_bytes(text: str) -> float:
    """DuckDB's way of writing a size (`1.8 GiB`, `512.0 MiB`, `0 bytes`) in bytes."""
    number, _, unit = text.strip().partition(" ")
    return float(number) * _UNITS[unit.strip().lower() or "bytes"]


def close_build_connection() -> None:
    """Closes the run's shared connections: the build file's and the audit file's."""
    con = _SHARED.pop("con", None)
    _SHARED.clear()
    if con is not None:
        con.close()
    audit = _AUDIT.pop("con", None)
    _AUDIT.clear()
    if audit is not None:
        audit.close()


_AUDIT: dict = {}  # the gate's audit file, open for the ingest steps of this process: path, con


def audit_connection(audit_db: Path) -> duckdb.DuckDBPyConnection:
    """The gate's audit file (`gate_results.duckdb`), kept open from one ingest step to the next, as the build file is:
    opening and closing it — a checkpoint and its fsync — for each unit's results cost ≈ 40 ms a unit, ≈ 1 s of a
    full S run's busiest phase. Closed with the build file's (`close_build_connection`): before the dbt step and the
    publish step, which read the audit file, and at the end of the run."""
    path = str(audit_db)
    if _AUDIT.get("path") != path:
        audit = _AUDIT.pop("con", None)
        if audit is not None:
            audit.close()
        _AUDIT.update(path=path, con=duckdb.connect(path))
    return _AUDIT["con"]
