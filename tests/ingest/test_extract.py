"""Every contract table of the simulated college is read from where its system keeps it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
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
