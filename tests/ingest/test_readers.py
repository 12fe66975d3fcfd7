from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipelines.ingest.errors import SourceDataError
from pipelines.ingest.readers import ROW_COLUMN, decode_export, read_csv_export, read_xlsx_export


# --------------------------------------------------------------------------------------------- encodings
@pytest.mark.parametrize("encoding, reported", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gbk")])
def test_csv_encodings(xuegong_dir: Path, student_csv: str, encoding: str, reported: str):
    path = xuegong_dir / "学生学籍.csv"
    path.write_bytes(student_csv.encode(encoding))
    df, enc = read_csv_export(path)
    assert enc == reported
    assert list(df.columns) == ["学号", "姓名", "身份证号", "专业代码", "入学日期", ROW_COLUMN]
    assert df["姓名"].tolist() == ["张三", "李四 ", "王　五"]  # raw text kept as is (cleaning comes later)
    assert df[ROW_COLUMN].tolist() == [2, 3, 5]  # editor lines; the blank line 4 is dropped, not renumbered
    assert df["身份证号"].isna().tolist() == [False, True, True]
    assert all(str(t) == "str" for t in df.dtypes[:-1])
    assert df.attrs["source_file"] == "学工/学生学籍.csv"


def test_gb18030_only_characters(xuegong_dir: Path):
    # 𠀀 (U+20000, CJK Ext. B) and € are not in GBK: GBK cannot even encode the text
    text = "学号,姓名,备注\n2023001,𠀀明,费用€100\n2023002,张三,\n"
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    path = xuegong_dir / "学生.csv"
    path.write_bytes(text.encode("gb18030"))
    df, enc = read_csv_export(path)
    assert enc == "gb18030"
    assert df["姓名"].tolist() == ["𠀀明", "张三"]
    assert df.loc[0, "备注"] == "费用€100"


def test_gb18030_file_with_only_gbk_characters_is_reported_as_gbk(xuegong_dir: Path, student_csv: str):
    path = xuegong_dir / "学生.csv"
    path.write_bytes(student_csv.encode("gb18030"))
    assert read_csv_export(path)[1] == "gbk"


def test_utf16_rejected_with_file_name(xuegong_dir: Path, student_csv: str):
    path = xuegong_dir / "学生学籍.csv"
    path.write_bytes(student_csv.encode("utf-16"))
    with pytest.raises(SourceDataError, match=r"学工/学生学籍\.csv.*UTF-16"):
        read_csv_export(path)
    path.write_bytes(student_csv.encode("utf-16-le"))  # no BOM: NUL bytes give it away
    with pytest.raises(SourceDataError, match=r"学工/学生学籍\.csv.*空字节"):
        read_csv_export(path)


def test_big5_rejected_not_loaded_as_mojibake(xuegong_dir: Path):
    path = xuegong_dir / "學生.csv"
    path.write_bytes("學號,姓名,專業\n2023001,陳大文,計算機應用技術\n2023002,林小華,會計學\n".encode("big5"))
    with pytest.raises(SourceDataError) as info:
        read_csv_export(path)
    assert "學生.csv" in str(info.value) and "编码" in str(info.value)


def test_latin1_rejected_with_offset(xuegong_dir: Path):
    path = xuegong_dir / "names.csv"
    path.write_bytes("name,city\nJosé,São Paulo\nMüller,Zürich\n".encode("latin-1"))
    with pytest.raises(SourceDataError) as info:
        read_csv_export(path)
    msg = str(info.value)
    assert "学工/names.csv" in msg and "第 2 行" in msg and "字节" in msg
    assert info.value.row == 2


def test_latin1_that_decodes_as_gbk_is_still_rejected():
    # Latin-1 accents followed by letters form valid GBK pairs (ü+l → a rare character): plausibility refuses
    data = "name,city\nMüller,Köln\nGößl,Wörgl\nBäcker,Düren\n".encode("latin-1")
    data.decode("gbk")  # really does decode
    with pytest.raises(SourceDataError, match="编码"):
        decode_export(data, "x.csv")


def test_binary_and_empty_rejected(xuegong_dir: Path):
    path = xuegong_dir / "a.csv"
    path.write_bytes(b"")
    with pytest.raises(SourceDataError, match=r"学工/a\.csv.*文件为空"):
        read_csv_export(path)
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(SourceDataError, match="文件为空"):
        read_csv_export(path)
    path.write_bytes(bytes(range(1, 256)) * 4)
    with pytest.raises(SourceDataError, match="学工/a.csv"):
        read_csv_export(path)


# --------------------------------------------------------------------------------------------- CSV shape
def test_csv_lf_title_quoted_newline_and_total(xuegong_dir: Path):
    text = ("学生学籍信息导出（2024-09-01）\n"
            "学号,姓名,备注\n"
            "2023001,张三,\"第一行\n第二行\"\n"
            "2023002,李四,\n"
            "合计,2,\n")
    path = xuegong_dir / "学生.csv"
    path.write_bytes(text.encode("gbk"))
    df, _ = read_csv_export(path)
    assert df.attrs["title_lines"] == ["学生学籍信息导出（2024-09-01）"]
    assert df["学号"].tolist() == ["2023001", "2023002"]
    assert df[ROW_COLUMN].tolist() == [3, 5]  # the record on line 3 spans two lines
    assert df.attrs["dropped_rows"] == [(6, "合计 2")]


def test_csv_no_type_inference(xuegong_dir: Path):
    path = xuegong_dir / "a.csv"
    path.write_text("学号,成绩,日期\n000123,90.0,2023-09-01\n1e5,NA,\n", encoding="utf-8")
    df, _ = read_csv_export(path)
    assert df["学号"].tolist() == ["000123", "1e5"]
    assert df["成绩"].tolist() == ["90.0", "NA"]  # "NA" is text, not a missing value


def test_csv_too_many_fields_names_the_line(xuegong_dir: Path):
    path = xuegong_dir / "a.csv"
    path.write_text("学号,姓名\n1,张三\n2,李四,多余\n", encoding="utf-8")
    with pytest.raises(SourceDataError, match=r"学工/a\.csv 第 3 行.*3 个字段"):
        read_csv_export(path)
    path.write_text("学号,姓名,\n1,张三,\n2,李四,\n", encoding="utf-8")  # trailing commas are fine
    df, _ = read_csv_export(path)
    assert list(df.columns) == ["学号", "姓名", ROW_COLUMN]


# --------------------------------------------------------------------------------------------- xlsx
def test_xlsx_title_multirow_header_total(finance_xlsx: Path):
    df = read_xlsx_export(finance_xlsx)
    assert list(df.columns) == ["部门", "支出项目_日常教学经费", "支出项目_实验实训经费", "支出项目_其他",
                                "支出日期", "备注", ROW_COLUMN]
    assert df[ROW_COLUMN].tolist() == [4, 5, 7]  # Excel row numbers; empty row 6 dropped
    assert df["部门"].tolist() == ["机电工程学院", "机电工程学院", "信息工程学院"]  # merged A4:A5 filled
    assert df["支出项目_日常教学经费"].tolist() == ["12.5", "1", "0.0000001"]
    assert df["支出项目_实验实训经费"].tolist() == ["3", "2", "123456789012"]  # no 2.0 / 1.23e11
    assert df["支出项目_其他"].tolist() == ["0.1", "3", "2"]
    assert df["支出日期"].tolist()[:2] == ["2024-03-01", "2024-03-01 08:30:00"]
    assert df.loc[0, "备注"] == "45170"  # a serial typed as text stays text
    assert df.attrs["title_lines"] == ["2024年度经费支出明细表（单位：万元）"]
    assert df.attrs["header_rows"] == [2, 3]
    assert [r for r, _ in df.attrs["dropped_rows"]] == [8, 9]
    assert df.attrs["sheet"] == "经费支出"


def test_xlsx_header_whose_fullest_row_is_the_lower_one(tmp_path: Path):
    """财务 exports: 年度 merged A2:A3 beside a group 收入来源 over six columns — the fuller row 3 is not the
    first header row; the header starts where the merged cell starts."""
    path = tmp_path / "income.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["经费收入统计表（单位：万元）"])
    ws.append(["年度", "收入来源", None, None, "合计"])
    ws.append([None, "学费", "财政补助", "其他", None])
    ws.append([2024, 1.5, 2.5, 0.5, 4.5])
    for rng in ("A1:E1", "A2:A3", "B2:D2", "E2:E3"):
        ws.merge_cells(rng)
    wb.save(path)
    df = read_xlsx_export(path)
    assert list(df.columns) == ["年度", "收入来源_学费", "收入来源_财政补助", "收入来源_其他", "合计", ROW_COLUMN]
    assert df.to_dict("records")[0] == {"年度": "2024", "收入来源_学费": "1.5", "收入来源_财政补助": "2.5",
                                        "收入来源_其他": "0.5", "合计": "4.5", ROW_COLUMN: 4}


def test_xlsx_explicit_counts_and_sheet_choice(tmp_path: Path):
    path = tmp_path / "a.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本工作簿由人事系统导出"])
    ws = wb.create_sheet("教职工")
    ws.append(["工号", "姓名", "职称代码"])
    ws.append(["T001", "张三", "zc-01"])
    wb.save(path)
    df = read_xlsx_export(path, sheet="教职工", header_rows=1, title_rows=0)
    assert df.to_dict("records") == [{"工号": "T001", "姓名": "张三", "职称代码": "zc-01", ROW_COLUMN: 2}]
    assert read_xlsx_export(path, sheet=1)["工号"].tolist() == ["T001"]
    with pytest.raises(SourceDataError, match="没有名为「学生」的工作表"):
        read_xlsx_export(path, sheet="学生")


def test_xlsx_interior_subtotal_kept_and_reported(tmp_path: Path):
    path = tmp_path / "a.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["部门", "金额"], ["机电", 1], ["小计", 1], ["信息", 2], ["总计", 3]):
        ws.append(row)
    wb.save(path)
    df = read_xlsx_export(path)
    assert df["部门"].tolist() == ["机电", "小计", "信息"]
    assert df.attrs["dropped_rows"] == [(5, "总计 3")]
    assert [p.row for p in df.attrs["problems"] if p.rule == "subtotal_row"] == [3]
    kept = read_xlsx_export(path, drop_total_rows=False)
    assert kept["部门"].tolist()[-1] == "总计"


def test_truncated_xlsx(tmp_path: Path, finance_xlsx: Path):
    good = finance_xlsx
    bad = tmp_path / "caiwu" / "经费支出.xlsx"
    bad.parent.mkdir()
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(SourceDataError) as info:
        read_xlsx_export(bad)
    assert str(info.value).startswith("财务/经费支出.xlsx")
    assert "文件已损坏或不完整（不是有效的 xlsx 压缩包）" in str(info.value)


def test_zip_without_workbook_and_other_formats(tmp_path: Path):
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(SourceDataError, match="x.xlsx.*文件已损坏或不完整"):
        read_xlsx_export(path)
    path.write_bytes(b"")
    with pytest.raises(SourceDataError, match=r"x\.xlsx.*文件为空"):
        read_xlsx_export(path)
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(SourceDataError, match=r"\.xls"):
        read_xlsx_export(path)
    path.write_bytes("<html><table><tr><td>学号</td></tr></table></html>".encode())
    with pytest.raises(SourceDataError, match="HTML"):
        read_xlsx_export(path)


def test_empty_sheet(tmp_path: Path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(SourceDataError, match="empty.xlsx.*工作表是空的"):
        read_xlsx_export(path)


def test_rare_name_characters_in_gbk_are_accepted(xuegong_dir: Path):
    # 喆 堃 玥 昇 are GBK but not GB2312: a few in a real list must not make the file look mis-encoded
    names = ["王喆", "李堃", "张玥", "陈昇"] + [f"学生{i}" for i in range(60)]
    path = xuegong_dir / "学生.csv"
    path.write_bytes(("学号,姓名,专业\n" + "".join(f"{i},{n},计算机应用技术\n" for i, n in enumerate(names))).encode("gbk"))
    df, enc = read_csv_export(path)
    assert enc == "gbk" and df["姓名"].tolist()[:4] == ["王喆", "李堃", "张玥", "陈昇"]
