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
| ZHENGAI_DBT_THREADS | 1 | dbt threads: models built side by side in dbt's one DuckDB connection, sharing its memory limit (4 ran out of 2GB on L) |

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


def dbt_threads() -> str:
    """dbt's threads (ZHENGAI_DBT_THREADS; dbt reads it in profiles.yml, with the same default)."""
    return os.environ.get("ZHENGAI_DBT_THREADS", "1")


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
