from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.ingest.contract import find_table, load_contract, map_columns
from pipelines.ingest.errors import SourceDataError

# our own small contract (the real one is seeds/source_columns.csv, written by the simulator)
CONTRACT = """\
system,table,table_zh,file,column_zh,column,type,required,primary_key,aliases
xuegong,student,学生学籍,学生学籍.csv,学号,student_id,str,1,1,
xuegong,student,学生学籍,学生学籍.csv,姓名,name,str,1,0,
xuegong,student,学生学籍,学生学籍.csv,身份证号,id_card_no,str,1,0,身份证号码|公民身份号码
xuegong,student,学生学籍,学生学籍.csv,专业代码,major_code,str,0,0,
xuegong,student,学生学籍,学生学籍.csv,金额（万元）,amount,decimal,0,0,
caiwu,expense,经费支出,经费支出.xlsx/经费支出,部门,dept_name,str,1,1,
caiwu,expense,经费支出,经费支出.xlsx/经费支出,日常教学经费,teaching,decimal,0,0,
caiwu,expense,经费支出,经费支出.xlsx/经费支出,支出项目_其他,other,decimal,0,0,
"""


@pytest.fixture
def contract(tmp_path: Path):
    path = tmp_path / "source_columns.csv"
    path.write_text(CONTRACT, encoding="utf-8")
    return load_contract(path)


def test_load_contract(contract):
    t = contract["xuegong.student"]
    assert t.raw_name == "xuegong__student" and t.primary_key == ["student_id"]
    assert t.column("id_card_no").aliases == ("身份证号码", "公民身份号码")
    assert [c.id for c in t.columns if c.required] == ["student_id", "name", "id_card_no"]


def test_find_table(contract):
    assert find_table(contract, "xuegong", "/x/学生学籍.csv").key == "xuegong.student"
    assert find_table(contract, "caiwu", "经费支出.xlsx", sheet="经费支出").key == "caiwu.expense"
    assert find_table(contract, "caiwu", "其他.xlsx") is None


def test_map_columns_tolerant(contract):
    df = pd.DataFrame({" 学 号": ["1"], "姓名\u3000": ["张三"], "身份证号码": ["x"], "金额(万元)": ["1"],
                       "_source_row": [2]})
    out = map_columns(df, contract["xuegong.student"], file="学工/学生学籍.csv")
    assert list(out.columns) == ["student_id", "name", "id_card_no", "amount", "_source_row"]
    [warn] = out.attrs["column_problems"]  # the optional 专业代码 is missing: a warning only
    assert warn.severity == "warning" and "专业代码" in warn.message


def test_map_columns_flattened_header_leaf(contract):
    df = pd.DataFrame({"部门": ["机电"], "支出项目_日常教学经费": ["1"], "其他": ["2"]})
    out = map_columns(df, contract["caiwu.expense"])
    assert list(out.columns) == ["dept_name", "teaching", "other"]


def test_missing_required_and_unknown_reported_in_chinese(contract):
    df = pd.DataFrame({"学号": ["1"], "姓名": ["张三"], "身份证": ["x"], "专业代码": ["1"], "金额（万元）": ["1"],
                       "备注": [""]})
    with pytest.raises(SourceDataError) as info:
        map_columns(df, contract["xuegong.student"], file="学工/学生学籍.csv")
    msg = str(info.value)
    assert "学工/学生学籍.csv" in msg
    assert "缺少必需列「身份证号」；发现未知列「身份证」" in msg
    assert "发现未知列「备注」" in msg


def test_unknown_columns_kept_or_dropped(contract):
    df = pd.DataFrame({"学号": ["1"], "姓名": ["张三"], "身份证号": ["x"], "新增列": ["?"]})
    kept = map_columns(df, contract["xuegong.student"])
    assert "新增列" in kept.columns
    assert any(p.rule == "column_unknown" for p in kept.attrs["column_problems"])
    assert "新增列" not in map_columns(df, contract["xuegong.student"], unknown="drop").columns
    with pytest.raises(SourceDataError, match="未知列「新增列」"):
        map_columns(df, contract["xuegong.student"], unknown="error")


def test_two_headers_for_one_column(contract):
    df = pd.DataFrame({"学号": ["1"], "姓名": ["张三"], "身份证号": ["x"], "身份证号码": ["y"]})
    with pytest.raises(SourceDataError, match="都对应「身份证号」"):
        map_columns(df, contract["xuegong.student"])
