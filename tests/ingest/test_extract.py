"""Every contract table of the simulated college is read from where its system keeps it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines import simulator
from pipelines.config import load_settings
from pipelines.ingest.contract import load_contract
from pipelines.ingest.errors import SourceDataError
from pipelines.ingest.extract import OPTIONAL_SYSTEMS, SourceUnavailable, gate_frame, read_extract
from pipelines.ingest.raw_store import load_batch

# the simulated college's sources (诊改反馈 are returned later by the departments: tests/loop)
CONTRACT = {k: t for k, t in load_contract().items() if t.system not in OPTIONAL_SYSTEMS}


@pytest.fixture(scope="module")
def college(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("college")
    simulator.simulate(size="XS", seed=5, out=root)
    return root


def _settings(root: Path, **extra):
    return load_settings({"ZHENGAI_SOURCES": str(root), **extra})


def test_every_contract_table_reads_with_all_its_columns(college):
    settings = _settings(college)
    for key, table in CONTRACT.items():
        ext = read_extract(table, settings)
        assert len(ext.frame) > 0, key
        assert ext.column_errors == [], key
        assert {c.id for c in table.columns} <= set(ext.frame.columns), key
        assert ext.content_hash, key


def test_platform_tables_stack_every_collection_year_and_keep_the_workbook_per_row(college, tmp_path):
    ext = read_extract(CONTRACT["zhuangtai.a7_1_1_major"], _settings(college))
    workbooks = sorted(p.name for p in (college / "zhuangtai").glob("*.xlsx"))
    assert len(workbooks) == 5
    assert sorted(ext.frame["_source_file"].str.split("/").str[-1].unique()) == workbooks
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        load_batch(con, ext.frame, source_system="zhuangtai", source_table="a7_1_1_major",
                   source_file=ext.source_file, sheet=ext.sheet, content_hash=ext.content_hash)
        per_file = con.execute("SELECT count(DISTINCT _source_file), count(*) FROM raw.zhuangtai__a7_1_1_major").fetchone()
    assert per_file == (5, len(ext.frame))


def test_gate_frame_cleans_mixed_case_codes_and_parses_numbers(college):
    ext = read_extract(CONTRACT["renshi.training"], _settings(college))
    assert ext.frame["staff_id"].str.startswith("jn").any()  # the simulator's dirt is there in raw
    typed = gate_frame(ext)
    assert not typed["staff_id"].str.contains("[a-z]").any()
    assert typed["hours"].dtype.kind in "iu"  # 学时 is an integer column


def test_missing_export_names_the_folder(college, tmp_path):
    root = tmp_path / "src"
    shutil.copytree(college, root)
    (root / "xuegong" / "学生学籍.csv").unlink()
    with pytest.raises(SourceDataError, match="找不到学工导出文件（学生学籍）.*xuegong"):
        read_extract(CONTRACT["xuegong.student"], _settings(root))


def test_unreachable_database_is_a_transient_error(college, tmp_path):
    settings = _settings(college, ZHENGAI_JIAOWU_URL="postgresql+psycopg2://nobody@127.0.0.1:1/none")
    with pytest.raises(SourceUnavailable, match="无法连接教务数据库"):
        read_extract(CONTRACT["jiaowu.major"], settings)


def test_a_database_table_read_in_chunks_is_the_table_read_at_once(college, tmp_path, monkeypatch):
    """教务 is fetched in chunks (memory); the chunks must not show: same text, same order, same content hash —
    also when a column is empty in one chunk, whole numbers in the next, and mixed with text in another."""
    import sqlite3

    from pipelines.ingest import extract

    db = tmp_path / "jiaowu.sqlite"
    shutil.copy(college / "jiaowu" / "jiaowu.sqlite", db)
    with sqlite3.connect(db) as lite:
        rowid = lite.execute("SELECT min(rowid) FROM score").fetchone()[0]
        lite.execute("UPDATE score SET makeup_score = NULL WHERE rowid BETWEEN ? AND ?", [rowid, rowid + 6])
        lite.execute("UPDATE score SET makeup_score = 60 + rowid - ? WHERE rowid BETWEEN ? AND ?",
                     [rowid, rowid + 7, rowid + 12])
        lite.execute("UPDATE score SET makeup_score = '缺考' WHERE rowid = ?", [rowid + 9])
        lite.execute("UPDATE score SET makeup_score = 85.5 WHERE rowid = ?", [rowid + 12])
    settings = _settings(college, ZHENGAI_JIAOWU_URL=f"sqlite:///{db}")
    whole = read_extract(CONTRACT["jiaowu.score"], settings)
    monkeypatch.setattr(extract, "DATABASE_CHUNK_ROWS", 7)
    chunked = read_extract(CONTRACT["jiaowu.score"], settings)
    assert chunked.content_hash == whole.content_hash
    assert chunked.frame.equals(whole.frame)
    scores = whole.frame["makeup_score"].head(13).tolist()
    assert [None if pd.isna(v) else v for v in scores] == [None] * 7 + ["67", "68", "缺考", "70", "71", "85.5"]
    with sqlite3.connect(db) as lite:
        lite.execute("UPDATE score SET makeup_score = 86 WHERE rowid = ?", [rowid + 12])
    assert read_extract(CONTRACT["jiaowu.score"], settings).content_hash != whole.content_hash


SERVERS = {  # as in tests/simulator/test_simulator_databases.py
    "postgres": ("postgresql+psycopg2://postgres@127.0.0.1:5432/test", "PostgreSQL 127.0.0.1:5432"),
    "mariadb": ("mysql+pymysql://root@127.0.0.1:3306/test", "MariaDB 127.0.0.1:3306"),
}


@pytest.mark.parametrize("server", [pytest.param("postgres", marks=pytest.mark.postgres),
                                    pytest.param("mariadb", marks=pytest.mark.mariadb)])
def test_a_server_database_reads_in_chunks_to_the_values_sqlite_gives(college, tmp_path, monkeypatch, server):
    """教务 on PostgreSQL / MariaDB (a server-side cursor, fetched in chunks): every table, typed as the gate and
    staging type it, equals the same college read from SQLite."""
    import sqlalchemy as sa

    from pipelines.ingest import extract

    url, label = SERVERS[server]
    try:
        sa.create_engine(url, connect_args={"connect_timeout": 3}).connect().close()
    except Exception as exc:  # noqa: BLE001 - any connection failure means: skip
        pytest.skip(f"{label} 不可用：{str(exc).splitlines()[0]}")
    simulator.simulate(size="XS", seed=5, out=tmp_path / "files", target=url)
    monkeypatch.setattr(extract, "DATABASE_CHUNK_ROWS", 500)
    on_server, on_file = _settings(college, ZHENGAI_JIAOWU_URL=url), _settings(college)
    for key, table in CONTRACT.items():
        if table.system != "jiaowu":
            continue
        a, b = read_extract(table, on_server), read_extract(table, on_file)
        keys = [c.id for c in table.columns if c.primary_key]
        typed_a = gate_frame(a).drop(columns="_source_row").sort_values(keys, ignore_index=True)
        typed_b = gate_frame(b).drop(columns="_source_row").sort_values(keys, ignore_index=True)
        assert len(typed_a) == len(typed_b) > 0, key
        pd.testing.assert_frame_equal(typed_a[typed_b.columns], typed_b, check_dtype=False, obj=key)
