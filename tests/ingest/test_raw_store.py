from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.ingest.raw_store import LINEAGE, create_latest_view, latest_batch_sql, list_batches, load_batch
from pipelines.ingest.readers import read_csv_export

T0 = datetime(2026, 11, 25, 10, 15, 0)


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def _load(con, path: Path, clock):
    df, _ = read_csv_export(path)
    df = df.rename(columns={"学号": "student_id", "姓名": "name", "专业代码": "major_code", "手机号": "phone"})
    return load_batch(con, df, source_system="xuegong", source_table="student", source_file="学工/学生学籍.csv",
                      source_path=path, clock=clock)


def test_reload_noop_then_new_batch_keeps_history(con, tmp_path: Path):
    clock = Clock(T0)
    path = tmp_path / "学生学籍.csv"
    path.write_bytes("学号,姓名,专业代码\n2023001,张三,510201\n2023002,李四,\n".encode("gbk"))
    first = _load(con, path, clock)
    assert first.status == "loaded" and first.rows == 2
    assert first.batch_id == f"{(T0 + timedelta(minutes=1)):%Y%m%dT%H%M%S}_{first.batch_id[-8:]}"
    assert first.raw_table == "raw.xuegong__student"

    again = _load(con, path, clock)
    assert again.status == "unchanged" and again.rows == 0 and again.batch_id == first.batch_id
    assert "未重复加载" in again.message
    assert con.sql("select count(*) from raw.xuegong__student").fetchone()[0] == 2
    assert len(list_batches(con)) == 1

    path.write_bytes("学号,姓名,专业代码\n2023001,张三,510201\n2023002,李四,510202\n2023003,王五,\n".encode("gbk"))
    second = _load(con, path, clock)
    assert second.status == "loaded" and second.rows == 3 and second.batch_id != first.batch_id
    assert second.batch_id > first.batch_id  # sortable
    counts = dict(con.sql("select _batch_id, count(*) from raw.xuegong__student group by 1").fetchall())
    assert counts == {first.batch_id: 2, second.batch_id: 3}  # the first batch is kept

    batches = list_batches(con, "xuegong", "student")
    assert batches["status"].tolist() == ["loaded", "loaded"]
    assert batches["row_count"].tolist() == [2, 3]
    assert batches["file_sha256"].str.len().tolist() == [64, 64]

    # latest batch: the view and the SQL staging will use
    view = create_latest_view(con, "xuegong", "student")
    assert con.sql(f"select count(*) from {view}").fetchone()[0] == 3
    assert con.sql(latest_batch_sql("xuegong", "student")).df()["_batch_id"].unique().tolist() == [second.batch_id]

    # going back to the first content is a real change: loaded again, and it is now the latest
    path.write_bytes("学号,姓名,专业代码\n2023001,张三,510201\n2023002,李四,\n".encode("gbk"))
    third = _load(con, path, clock)
    assert third.status == "loaded"
    assert con.sql(f"select distinct _batch_id from {view}").fetchall() == [(third.batch_id,)]


def test_lineage_columns(con, tmp_path: Path):
    path = tmp_path / "学生学籍.csv"
    path.write_text("学号,姓名,专业代码\n2023001,张三,510201\n\n2023002,,\n", encoding="utf-8")
    res = _load(con, path, lambda: datetime(2026, 11, 25, 18, 15, tzinfo=UTC))
    df = con.sql("select * from raw.xuegong__student order by _source_row").df()
    assert list(df.columns[: len(LINEAGE)]) == LINEAGE
    assert df["_source_system"].unique().tolist() == ["xuegong"]
    assert df["_source_file"].unique().tolist() == ["学工/学生学籍.csv"]
    assert df["_sheet"].isna().all()
    assert df["_source_row"].tolist() == [2, 4]
    assert df["_batch_id"].unique().tolist() == [res.batch_id]
    assert res.batch_id.startswith("20261125T181500_")
    assert (df["_loaded_at"] == pd.Timestamp("2026-11-25 18:15:00")).all()
    assert df["_row_hash"].str.fullmatch(r"[0-9a-f]{32}").all() and df["_row_hash"].nunique() == 2
    types = dict(con.sql("select column_name, data_type from information_schema.columns "
                         "where table_name = 'xuegong__student'").fetchall())
    assert types["student_id"] == types["name"] == "VARCHAR" and types["_source_row"] == "BIGINT"
    assert df.loc[1, "name"] is None or pd.isna(df.loc[1, "name"])


def test_row_hash_is_content_only(con):
    a = pd.DataFrame({"x": ["1", None], "y": ["", "2"], "_source_row": [2, 3]})
    b = pd.DataFrame({"y": ["", "2"], "x": ["1", None], "_source_row": [7, 8]})  # other order, other rows
    load_batch(con, a, source_system="s", source_table="t", source_file="f", loaded_at=T0)
    load_batch(con, b, source_system="s", source_table="u", source_file="f", loaded_at=T0)
    ha = con.sql("select _row_hash from raw.s__t order by _source_row").fetchall()
    hb = con.sql("select _row_hash from raw.s__u order by _source_row").fetchall()
    assert ha == hb and ha[0] != ha[1]
    # NULL and '' are different contents
    c = pd.DataFrame({"x": ["1", ""], "y": [None, "2"]})
    load_batch(con, c, source_system="s", source_table="v", source_file="f", loaded_at=T0)
    hc = con.sql("select _row_hash from raw.s__v order by _source_row").fetchall()
    assert hc[0] != ha[0] and hc[1] != ha[1]


def test_schema_drift_new_and_missing_columns(con):
    clock = Clock(T0)
    b1 = pd.DataFrame({"student_id": ["1"], "name": ["张三"]})
    b2 = pd.DataFrame({"student_id": ["2"], "phone": ["138"]})  # name gone, phone new
    load_batch(con, b1, source_system="xuegong", source_table="student", source_file="a.csv", clock=clock)
    res = load_batch(con, b2, source_system="xuegong", source_table="student", source_file="a.csv", clock=clock)
    assert res.new_columns == ["phone"] and "新增列：phone" in res.message
    rows = con.sql("select student_id, name, phone from raw.xuegong__student order by _loaded_at").fetchall()
    assert rows == [("1", "张三", None), ("2", None, "138")]


def test_database_source_without_file_and_non_text_values(con):
    df = pd.DataFrame({"course_code": ["C01", "C02"], "credits": [2.0, 3.5], "hours": [32, 48],
                       "start": [pd.Timestamp("2024-09-02"), pd.NaT]})
    res = load_batch(con, df, source_system="jiaowu", source_table="course", source_file="jiaowu.course",
                     loaded_at=T0)
    assert res.status == "loaded" and len(res.file_sha256) == 64
    rows = con.sql("select credits, hours, start, _source_row from raw.jiaowu__course order by 4").fetchall()
    assert rows == [("2", "32", "2024-09-02", 1), ("3.5", "48", None, 2)]
    again = load_batch(con, df, source_system="jiaowu", source_table="course", source_file="jiaowu.course",
                       loaded_at=T0 + timedelta(hours=1))
    assert again.status == "unchanged"


class FailOnce:
    """A connection whose first `INSERT INTO raw._batches` fails: the last statement of a batch."""

    def __init__(self, con):
        self.con, self.failed = con, False

    def execute(self, sql, *args):
        if "INSERT INTO raw._batches" in sql and not self.failed:
            self.failed = True
            raise duckdb.IOException("disk full")
        return self.con.execute(sql, *args)

    def register(self, *args):
        return self.con.register(*args)

    def unregister(self, *args):
        return self.con.unregister(*args)


def test_failed_batch_rolls_back_everything(con):
    load_batch(con, pd.DataFrame({"a": ["1"]}), source_system="s", source_table="t", source_file="f", loaded_at=T0)
    with pytest.raises(duckdb.IOException):
        load_batch(FailOnce(con), pd.DataFrame({"a": ["2"], "b": ["x"]}), source_system="s", source_table="t",
                   source_file="f", loaded_at=T0 + timedelta(minutes=1))
    assert con.sql("select count(*) from raw.s__t").fetchone()[0] == 1  # no rows of the failed batch
    assert [c[0] for c in con.sql("describe raw.s__t").fetchall()][-1] == "a"  # no half-added column
    assert list_batches(con)["status"].tolist() == ["loaded", "failed"]
    assert "disk full" in list_batches(con)["message"].iloc[-1]
    # the failed attempt is not "the latest": loading the same content again works
    res = load_batch(con, pd.DataFrame({"a": ["2"], "b": ["x"]}), source_system="s", source_table="t",
                     source_file="f", loaded_at=T0 + timedelta(minutes=2))
    assert res.status == "loaded"


def test_names_validated(con):
    with pytest.raises(ValueError):
        load_batch(con, pd.DataFrame({"a": ["1"]}), source_system="学工", source_table="t", source_file="f")
    with pytest.raises(ValueError, match="reserved"):
        load_batch(con, pd.DataFrame({"_a": ["1"]}), source_system="s", source_table="t", source_file="f")


def test_database_file_named_raw_is_refused(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "raw.duckdb")) as c, pytest.raises(ValueError, match="raw.duckdb"):
        load_batch(c, pd.DataFrame({"a": ["1"]}), source_system="s", source_table="t", source_file="f")


def test_text_array_writes_every_kind_of_value_as_cell_text_does():
    """The fast paths of text_array (whole columns of text, integers, floats) give exactly cell_text's text."""
    import math
    from datetime import date

    from pipelines.ingest.raw_store import text_array
    from pipelines.ingest.readers import cell_text

    columns = {
        "text": ["计算机应用技术", None, " 02 ", ""],
        "ints": [2023, None, -5, 0, 10**15],
        "big_ints": [2**70, 3],
        "floats": [85.5, 2023.0, None, float("nan"), float("inf"), 1e-07, -0.0, 1e17, 0.1 + 0.2, 123456789.125],
        "mixed": [1, 2.5, "三", True, date(2024, 9, 1), datetime(2024, 9, 1, 8, 30), None],
        "bools": [True, False, None],
    }
    for name, values in columns.items():
        got = text_array(pd.Series(values, dtype=object)).to_pylist()
        want = [None if v is None or (isinstance(v, float) and math.isnan(v)) else cell_text(v) for v in values]
        assert got == want, name
    # numpy-typed columns as pandas reads them
    assert text_array(pd.Series([1, 2, 3])).to_pylist() == ["1", "2", "3"]
    assert text_array(pd.Series([1.0, 2.5, None])).to_pylist() == ["1", "2.5", None]
