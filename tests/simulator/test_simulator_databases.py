"""The 教务 schema and data load the same into SQLite, PostgreSQL and MariaDB (size XS to stay quick).
Skipped with a reason when a server is not running."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from pipelines.simulator import jiaowu_db, simulate

SERVERS = {
    "postgres": ("postgresql+psycopg2://postgres@127.0.0.1:5432/test", "PostgreSQL 127.0.0.1:5432"),
    "mariadb": ("mysql+pymysql://root@127.0.0.1:3306/test", "MariaDB 127.0.0.1:3306"),
}


def _sqlite_counts(out) -> dict[str, int]:
    con = sqlite3.connect(out / "jiaowu/jiaowu.sqlite")
    return {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in jiaowu_db.TABLE_ORDER}


def _require(url: str, label: str) -> None:
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any connection failure means: skip
        pytest.skip(f"{label} 不可用：{str(exc).splitlines()[0]}")


def _load_and_compare(url: str, label: str, college_xs, tmp_path) -> None:
    _require(url, label)
    out, _ = college_xs
    result = simulate(size="XS", seed=3, out=tmp_path / "files", target=url)
    assert result.target == url
    counts = jiaowu_db.row_counts(url)
    assert counts == _sqlite_counts(out)
    # re-running drops and re-creates: still the same counts, no duplicates
    simulate(size="XS", seed=3, out=tmp_path / "files", target=url)
    assert jiaowu_db.row_counts(url) == counts
    insp = sa.inspect(sa.create_engine(url))
    assert insp.get_pk_constraint("score")["constrained_columns"] == ["student_id", "task_id"]
    assert any(fk["referred_table"] == "teaching_task" for fk in insp.get_foreign_keys("score"))


@pytest.mark.postgres
def test_postgres_matches_sqlite(college_xs, tmp_path):
    _load_and_compare(*SERVERS["postgres"], college_xs, tmp_path)


@pytest.mark.mariadb
def test_mariadb_matches_sqlite(college_xs, tmp_path):
    _load_and_compare(*SERVERS["mariadb"], college_xs, tmp_path)
