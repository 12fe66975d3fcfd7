"""Every fault kind really breaks what it says — checked with plain readers, not with the ingestion."""

from __future__ import annotations

import csv
import io
import sqlite3
import zipfile

import openpyxl
import pytest

from pipelines.simulator import FAULT_KINDS, inject_fault


def _rows(path):
    return list(csv.reader(io.StringIO(path.read_bytes().decode("gbk"))))


@pytest.fixture
def broken(college_s, tmp_path):
    src, _ = college_s

    def make(kind):
        result = inject_fault(kind, src, tmp_path / kind, seed=1)
        assert result.path.exists() and result.path.is_relative_to(tmp_path / kind)
        assert FAULT_KINDS[kind] in result.message
        # everything else is copied unchanged, so the pipeline can run on the broken folder
        others = [p.relative_to(src) for p in src.rglob("*") if p.is_file()]
        assert all((tmp_path / kind / p).exists() for p in others)
        return src, result

    return make


def test_every_kind_is_tested():
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert set(FAULT_KINDS) <= tested


def test_wrong_encoding(broken):
    src, r = broken("wrong_encoding")
    data = r.path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("gbk")
    assert data.decode("utf-16") == (src / "xuegong/学生学籍.csv").read_bytes().decode("gbk")


def test_missing_column(broken):
    src, r = broken("missing_column")
    header = _rows(r.path)[0]
    assert "专业代码" not in header and len(header) == len(_rows(src / "xuegong/学生学籍.csv")[0]) - 1


def test_renamed_column(broken):
    _, r = broken("renamed_column")
    header = _rows(r.path)[0]
    assert "学号" not in header and header[0] == "学生编号"


def test_duplicate_keys(broken):
    _, r = broken("duplicate_keys")
    ids = [row[0].strip() for row in _rows(r.path)[1:]]
    assert len(ids) - len(set(ids)) == 5
    assert set(r.details["duplicated_ids"]) <= set(ids)


def test_truncated_xlsx(broken):
    src, r = broken("truncated_xlsx")
    assert 0 < r.path.stat().st_size < (src / "renshi/教职工名册.xlsx").stat().st_size
    with pytest.raises(zipfile.BadZipFile):
        openpyxl.load_workbook(r.path)


def test_empty_file(broken):
    _, r = broken("empty_file")
    assert r.path.stat().st_size == 0


def test_header_only(broken):
    _, r = broken("header_only")
    rows = _rows(r.path)
    assert len(rows) == 1 and rows[0][0] == "学号"


def test_out_of_range(broken):
    src, r = broken("out_of_range")
    con = sqlite3.connect(r.path)
    assert con.execute("select count(*) from score where total_score > 100").fetchone()[0] == 3
    assert con.execute("select count(*) from score where total_score < 0").fetchone()[0] == 2
    assert con.execute("select count(*) from attendance_record where hours < 0").fetchone()[0] == 2
    clean = sqlite3.connect(src / "jiaowu/jiaowu.sqlite")
    assert clean.execute("select count(*) from score where total_score > 100 or total_score < 0").fetchone()[0] == 0


def test_orphan_fk(broken):
    src, r = broken("orphan_fk")
    majors = {m for (m,) in sqlite3.connect(src / "jiaowu/jiaowu.sqlite").execute("select major_code from major")}
    rows = _rows(r.path)
    col = rows[0].index("专业代码")
    orphans = [row for row in rows[1:] if row[col].strip() not in majors and row[col].strip().isascii()]
    assert len(orphans) == 5


def test_unknown_kind_is_refused(college_s, tmp_path):
    with pytest.raises(ValueError, match="未知的错误类型"):
        inject_fault("nonsense", college_s[0], tmp_path)


# ---- file-level kinds (pipelines/simulator/source_faults.py); the ingestion's answers: tests/faults
def test_dated_copy(broken):
    src, r = broken("dated_copy")
    old = r.path.with_name("学生学籍.csv")
    assert r.path.name == "学生学籍_20250901.csv" and old.read_bytes() == (src / "xuegong/学生学籍.csv").read_bytes()
    assert len(_rows(r.path)) == len(_rows(old)) - 3
    assert old.stat().st_mtime < r.path.stat().st_mtime


def _platform_sheets(path):
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: ws.sheet_state for ws in wb.worksheets}
    finally:
        wb.close()


def test_sheet_name_spaces(broken):
    _src, r = broken("sheet_name_spaces")
    sheets = _platform_sheets(r.path)
    assert "A6-1  校内专任教师 " in sheets and "A6-1 校内专任教师" not in sheets


def test_year_mismatch(broken):
    _src, r = broken("year_mismatch")
    ws = openpyxl.load_workbook(r.path, read_only=True)["A1 院校基本信息"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][rows[0].index("采集学年")] == r.details["sheet_year"] != r.details["name_year"]
    assert r.details["name_year"] in r.path.name


def test_hidden_sheet(broken):
    _src, r = broken("hidden_sheet")
    assert _platform_sheets(r.path) | {} == {**_platform_sheets(r.path), "A7-6-1 招生": "hidden",
                                              "A7-6-1招生": "visible"}


def test_jiaowu_missing_table(broken):
    _src, r = broken("jiaowu_missing_table")
    con = sqlite3.connect(r.path)
    tables = {t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    con.close()
    assert "course" not in tables and "score" in tables


def test_jiaowu_corrupt(broken):
    _src, r = broken("jiaowu_corrupt")
    con = sqlite3.connect(r.path)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        con.execute("SELECT count(*) FROM course").fetchall()
    con.close()


# value-level kinds (pipelines/simulator/faults.py VALUE_FAULT_KINDS); that the gate catches them: tests/faults
def test_unit_in_cells(broken):
    _, r = broken("unit_in_cells")
    rows = _rows(r.path)
    col = rows[0].index("起薪(元)")
    assert [rows[line - 1][col] for line in r.details["lines"]] == r.details["values"]
    assert {"4千", "4000-5000", "5.5万元", "4500元"} == set(r.details["values"])


def test_finance_in_yuan(broken):
    src, r = broken("finance_in_yuan")
    before = openpyxl.load_workbook(src / "caiwu" / "经费收支.xlsx")["收入"]
    after = openpyxl.load_workbook(r.path)["收入"]
    assert "单位：元" in after["A1"].value and "万元" not in after["A1"].value
    assert after["B4"].value == pytest.approx(before["B4"].value * 10000)


def test_negative_counts(broken):
    _, r = broken("negative_counts")
    rows = _rows(r.path)
    col = rows[0].index("报到数")
    assert [rows[line - 1][col] for line in r.details["lines"]] == ["-12", "-12"]


def test_part_exceeds_whole(broken):
    _, r = broken("part_exceeds_whole")
    rows = _rows(r.path)
    adm, enr = rows[0].index("录取数"), rows[0].index("报到数")
    assert all(int(rows[line - 1][enr]) > int(rows[line - 1][adm]) for line in r.details["lines"])
