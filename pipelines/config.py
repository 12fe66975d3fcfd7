"""Where the platform finds its sources and keeps its files — the one place to configure a college.

Every setting is an environment variable with a default that runs the demo college. Secrets (database
passwords) go only into the environment, inside the SQLAlchemy URL, never into the repository.

| variable | default | meaning |
|---|---|---|
| ZHENGAI_HOME | <repo>/warehouse | run-time folder: build/, versions/, serving.duckdb, quarantine/ |
| ZHENGAI_SOURCES | $ZHENGAI_HOME/sources | parent folder of the drop folders below |
| ZHENGAI_JIAOWU_URL | sqlite:///$ZHENGAI_SOURCES/jiaowu/jiaowu.sqlite | 教务 database (SQLAlchemy URL: sqlite, postgresql+psycopg2, mysql+pymysql) |
| ZHENGAI_RENSHI_DIR | $ZHENGAI_SOURCES/renshi | 人事 xlsx drop folder |
| ZHENGAI_XUEGONG_DIR | $ZHENGAI_SOURCES/xuegong | 学工 CSV drop folder |
| ZHENGAI_CAIWU_DIR | $ZHENGAI_SOURCES/caiwu | 财务 xlsx drop folder |
| ZHENGAI_ZHUANGTAI_DIR | $ZHENGAI_SOURCES/zhuangtai | 状态数据平台 workbook drop folder |
| ZHENGAI_RETURNS_DIR | $ZHENGAI_SOURCES/returns | 诊改反馈: the departments' returned self-diagnosis workbooks (source `fankui`) |
| ZHENGAI_KEEP_VERSIONS | 5 | published warehouse versions kept for rollback |
| ZHENGAI_TODAY | (today) | the day deadlines are judged against (gate: 完成时限 not in the past; dbt: 逾期), YYYY-MM-DD |
| ZHENGAI_DUCKDB_MEMORY | 2GB | DuckDB memory limit of the ingestion and dbt connections (larger work spills to disk) |
| ZHENGAI_DBT_THREADS | (by size) | dbt threads of the pipeline's dbt step: models built side by side in dbt's one DuckDB connection, sharing its memory limit. Unset: 2 while the largest raw table has at most 500,000 rows per GB of ZHENGAI_DUCKDB_MEMORY, else 1 (on L, 6.5 M 成绩 rows, 2 threads ran out of 2GB) |
| ZHENGAI_DBT_FILE_LOG | none | dbt's own log file `$ZHENGAI_HOME/dbt/target/dbt.log` in a run: none, or a level (`debug`: every SQL statement dbt sends; dbt formats each of its ≈ 9,000 events a full run for it whatever the level, ≈ 3 s of dbt's time on S). The run's dbt output is in `$ZHENGAI_HOME/logs/dbt-<run>.log` either way |
| ZHENGAI_PREFETCH_PROCS | 1 | processes that read and type the changed sources ahead of the ingest steps (`zhengai run` only; 0: none) — pipelines/ingest/prefetch.py |
| ZHENGAI_PREFETCH_SPOOL_MB | 1024 | how much prepared data the prefetch may hold on disk before it waits for the steps |

Notification channels (ZHENGAI_SMTP_*, ZHENGAI_WEBHOOK_*) are read by pipelines/notify/settings.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    home: Path
    sources: Path
    jiaowu_url: str
    drop_dirs: dict[str, Path]
    keep_versions: int

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"


def duckdb_memory_limit() -> str:
    """The memory a DuckDB connection of a run may take (ZHENGAI_DUCKDB_MEMORY; dbt reads it in profiles.yml)."""
    return os.environ.get("ZHENGAI_DUCKDB_MEMORY", "2GB")


def dbt_file_log_level() -> str:
    """dbt's `--log-level-file` in a run (ZHENGAI_DBT_FILE_LOG). dbt formats every event (≈ 9,000 a full run, JSON)
    for each of its logs before the level drops it: its default file log at debug made dbt ≈ 3 s slower on S, at
    info ≈ 0.6 s, measured on one build file; the run's dbt output is kept in logs/dbt-<run>.log anyway."""
    return os.environ.get("ZHENGAI_DBT_FILE_LOG", "none")


ROWS_PER_GB_FOR_TWO_DBT_THREADS = 500_000  # S (0.65 M 成绩 rows) builds with 2 threads in 2 GB; L (6.5 M) does not


def dbt_threads(largest_raw_rows: int, memory_limit_bytes: float) -> int:
    """The dbt step's threads: ZHENGAI_DBT_THREADS when set; else 2 while the largest raw table is small next to
    DuckDB's memory limit, which the threads share (two large fact tables built at once ran out of it), else 1."""
    if os.environ.get("ZHENGAI_DBT_THREADS"):
        return int(os.environ["ZHENGAI_DBT_THREADS"])
    return 2 if largest_raw_rows <= ROWS_PER_GB_FOR_TWO_DBT_THREADS * memory_limit_bytes / 2**30 else 1


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    home = Path(env.get("ZHENGAI_HOME", REPO_ROOT / "warehouse")).resolve()
    sources = Path(env.get("ZHENGAI_SOURCES", home / "sources")).resolve()
    drop_dirs = {
        system: Path(env.get(f"ZHENGAI_{system.upper()}_DIR", sources / system)).resolve()
        for system in ("renshi", "xuegong", "caiwu", "zhuangtai")
    }
    drop_dirs["fankui"] = Path(env.get("ZHENGAI_RETURNS_DIR", sources / "returns")).resolve()
    return Settings(
        home=home,
        sources=sources,
        jiaowu_url=env.get("ZHENGAI_JIAOWU_URL", f"sqlite:///{sources / 'jiaowu' / 'jiaowu.sqlite'}"),
        drop_dirs=drop_dirs,
        keep_versions=int(env.get("ZHENGAI_KEEP_VERSIONS", "5")),
    )
