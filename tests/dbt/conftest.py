"""Fixtures for the dbt tests: a raw layer built from a simulated college, the way the pipeline builds it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines import simulator
from pipelines.config import REPO_ROOT, load_settings
from pipelines.ingest.contract import load_contract
from pipelines.ingest.extract import OPTIONAL_SYSTEMS, read_extract
from pipelines.ingest.raw_store import load_batch

DBT_DIR = REPO_ROOT / "dbt_project"


def build_raw(sources: Path, db: Path) -> Path:
    """Every contract table of the extracts in `sources` loaded as one batch into `db` (schema raw)."""
    settings = load_settings({"ZHENGAI_SOURCES": str(sources)})
    with duckdb.connect(str(db)) as con:
        for t in load_contract().values():
            if t.system in OPTIONAL_SYSTEMS:  # 诊改反馈: returned by the departments later (tests/loop)
                continue
            e = read_extract(t, settings)
            load_batch(con, e.frame, source_system=t.system, source_table=t.table, source_file=e.source_file,
                       sheet=e.sheet, content_hash=e.content_hash)
    return db


@pytest.fixture(scope="module")
def xs_college(tmp_path_factory) -> tuple[Path, Path]:
    """(sources folder, DuckDB file with the raw layer) of the XS college, seed 1."""
    base = tmp_path_factory.mktemp("xs_college")
    sources = base / "sources"
    simulator.simulate(size="XS", seed=1, out=sources)
    return sources, build_raw(sources, base / "work.duckdb")


def run_dbt(db: Path, *args: str) -> None:
    """`dbt <args>` in this process against `db` (target and logs beside it); fails the test naming failed nodes."""
    from dbt.cli.main import dbtRunner

    mp = pytest.MonkeyPatch()
    mp.setenv("ZHENGAI_WORK_DB", str(db))
    try:
        res = dbtRunner().invoke([*args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
                                  "--target-path", str(db.parent / f"target-{db.stem}"),
                                  "--log-path", str(db.parent / "logs"), "--quiet"])
    finally:
        mp.undo()
    failed = [f"{r.node.name}: {r.message}" for r in (res.result or []) if r.status not in ("success", "pass")]
    assert res.success, failed or res.exception


def same_rows(db_a: Path, db_b: Path, table: str) -> tuple[int, int]:
    """(rows only in db_a's table, rows only in db_b's), every column compared, duplicates counted. (Each file is
    read through its own connection: dbt in this process may still hold it open.)"""
    frames = {}
    for name, db in (("a", db_a), ("b", db_b)):
        with duckdb.connect(str(db)) as con:
            frames[name] = con.execute(f"select * from {table}").fetch_arrow_table()
    with duckdb.connect() as con:
        a, b = frames["a"], frames["b"]  # noqa: F841 - read by name in the queries below
        cols = ", ".join(f'"{c}"' for c in sorted(a.column_names))
        assert sorted(a.column_names) == sorted(b.column_names), (a.column_names, b.column_names)
        only_a = con.execute(f"select count(*) from (select {cols} from a except all select {cols} from b)").fetchone()[0]
        only_b = con.execute(f"select count(*) from (select {cols} from b except all select {cols} from a)").fetchone()[0]
    return only_a, only_b
