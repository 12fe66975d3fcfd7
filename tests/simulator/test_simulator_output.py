"""What the simulator writes: determinism, sizes, integrity inside the college, file formats as documented."""

from __future__ import annotations

import csv
import hashlib
import io
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipelines.simulator import contract, simulate


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _students(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "xuegong/学生学籍.csv", encoding="gbk", dtype=str, keep_default_na=False)


def _norm(s: pd.Series) -> pd.Series:
    import unicodedata
    return s.map(lambda v: unicodedata.normalize("NFKC", v).strip())


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path, college_xs):
    out, _ = college_xs
    again = tmp_path / "again"
    simulate(size="XS", seed=3, out=again)
    assert _digests(again) == _digests(out)
    other = tmp_path / "other"
    simulate(size="XS", seed=4, out=other)
    a, b = _digests(out), _digests(other)
    assert a.keys() == b.keys()
    assert all(a[k] != b[k] for k in a if "经费收支" not in k and "状态数据" not in k)


def test_row_counts_of_size_s(college_s):
    out, result = college_s
    rows = {i.name: i.rows for i in result.items}
    students = _students(out)
    in_school = students[students["学籍状态"].isin(["在读", "休学"])]
    assert 30_000 <= len(students) <= 40_000
    assert 8_000 <= len(in_school) <= 12_000  # cohorts 2023–2024 at the end of 2024-2025
    assert 750 <= rows["教职工名册.xlsx"] <= 1000
    assert rows["jiaowu.sqlite: major"] == 50
    assert 400_000 <= rows["jiaowu.sqlite: score"] <= 1_200_000
    assert rows["jiaowu.sqlite: attendance_record"] > 50_000
    wb = openpyxl.load_workbook(out / "zhuangtai/状态数据采集_2024-2025.xlsx", read_only=True)
    header, a1 = list(wb["A1 院校基本信息"].iter_rows(values_only=True))[:2]
    a1 = dict(zip(header, a1, strict=True))
    assert 14_000 <= a1["普通专科生数"] < a1["全日制在校生数"] <= 17_000  # 全日制在校生 ≈ 15,000


def test_referential_integrity(college_s):
    out, _ = college_s
    con = sqlite3.connect(out / "jiaowu/jiaowu.sqlite")
    q = lambda sql: pd.read_sql_query(sql, con)  # noqa: E731
    students = _students(out)
    ids = set(_norm(students["学号"]))
    roster = pd.read_excel(out / "renshi/教职工名册.xlsx", dtype=str)
    staff = set(roster["工号"].str.strip())
    assert set(q("select distinct student_id from score")["student_id"]) <= ids
    assert set(q("select distinct student_id from attendance_record")["student_id"]) <= ids
    assert set(q("select distinct teacher_id from teaching_task")["teacher_id"]) <= staff
    classes = q("select * from class")
    assert set(classes["counselor_id"]) | set(classes["head_teacher_id"]) <= staff
    assert set(roster.loc[roster["岗位类别"] == "辅导员", "工号"]) >= set(classes["counselor_id"])
    assert set(students["班级代码"]) <= set(classes["class_code"])
    majors = set(q("select major_code from major")["major_code"])
    assert set(classes["major_code"]) <= majors
    assert set(_norm(students["专业代码"])) <= majors
    orphans = q("select count(*) n from score s left join teaching_task t on t.task_id = s.task_id "
                "where t.task_id is null")
    assert orphans["n"][0] == 0
    employment = pd.read_csv(out / "xuegong/毕业就业.csv", encoding="gbk", dtype=str)
    assert set(employment["学号"]) <= ids | set(students["学号"])


def test_student_id_cards_have_valid_check_digits_and_birth_dates(college_s):
    out, _ = college_s
    st = _students(out)
    cards = st["身份证号"][st["身份证号"] != ""].str.upper()
    assert 0.005 < (st["身份证号"] == "").mean() < 0.05  # a few missing on purpose
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"
    bad = [c for c in cards if check[sum(int(d) * w for d, w in zip(c[:17], weights, strict=True)) % 11] != c[17]]
    assert bad == []
    clean = st[(st["身份证号"] != "") & st["出生日期"].str.fullmatch(r"\d{4}-\d{2}-\d{2}")]
    assert (clean["身份证号"].str[6:14] == clean["出生日期"].str.replace("-", "")).all()


def test_dirty_values_are_present_but_a_minority(college_s):
    out, _ = college_s
    st = _students(out)
    padded = (st["学号"] != st["学号"].str.strip()).mean()
    odd_dates = (~st["出生日期"].str.fullmatch(r"\d{4}-\d{2}-\d{2}")).mean()
    fullwidth = st["入学年份"].str.contains("[０-９]").mean()
    for share in (padded, odd_dates, fullwidth):
        assert 0.002 < share < 0.05
    assert st["出生日期"].str.contains("年").any() and st["出生日期"].str.contains(r"\.").any()


def test_gbk_csv_with_crlf(college_s):
    out, _ = college_s
    for path in sorted((out / "xuegong").glob("*.csv")):
        data = path.read_bytes()
        data.decode("gbk")
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert data.count(b"\r\n") == data.count(b"\n") > 1
        header = next(csv.reader(io.StringIO(data.decode("gbk"))))
        assert header == contract.labels("xuegong", _table_of(path.name))


def _table_of(file: str) -> str:
    return next(t for t in contract.tables("xuegong") if contract.source("xuegong", t) == file)


def test_xlsx_headers_match_the_contract(college_s):
    out, _ = college_s
    for table in contract.tables("renshi"):
        wb = openpyxl.load_workbook(out / "renshi" / contract.source("renshi", table), read_only=True)
        header = next(wb.active.iter_rows(max_row=1, values_only=True))
        assert list(header) == contract.labels("renshi", table)
    wb = openpyxl.load_workbook(out / "zhuangtai/状态数据采集_2022-2023.xlsx", read_only=True)
    for table in contract.tables("zhuangtai"):
        sheet = contract.source("zhuangtai", table)
        header = next(wb[sheet].iter_rows(max_row=1, values_only=True))
        assert list(header) == contract.labels("zhuangtai", table), sheet


def test_finance_two_row_merged_header_and_totals(college_s):
    out, _ = college_s
    wb = openpyxl.load_workbook(out / "caiwu/经费收支.xlsx")
    ws = wb["支出"]
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:K1", "A2:A3", "B2:B3", "C2:J2", "K2:K3"}
    assert (ws["A2"].value, ws["B2"].value, ws["C2"].value, ws["K2"].value) == ("年度", "部门", "支出项目", "合计")
    assert [c.value for c in ws[3]][2:10] == contract.labels("caiwu", "expense")[2:10]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    total = next(r for r in rows if r[0] == "合计")
    data = [r for r in rows if isinstance(r[0], int)]
    assert abs(sum(r[10] for r in data) - total[10]) < 0.05
    inc = wb["收入"]
    assert {str(r) for r in inc.merged_cells.ranges} == {"A1:H1", "A2:A3", "B2:G2", "H2:H3"}
    # A5-1 in the status platform = the finance income of that calendar year
    zt = openpyxl.load_workbook(out / "zhuangtai/状态数据采集_2023-2024.xlsx", read_only=True)
    a51 = list(zt["A5-1 经费收入"].iter_rows(values_only=True))[1]
    fin = next(r for r in inc.iter_rows(min_row=4, values_only=True) if r[0] == 2023)
    assert list(a51) == list(fin)


def test_status_platform_agrees_with_hr_and_admissions(college_s):
    out, _ = college_s
    zt = openpyxl.load_workbook(out / "zhuangtai/状态数据采集_2024-2025.xlsx", read_only=True)
    a61 = pd.DataFrame(list(zt["A6-1 校内专任教师"].iter_rows(values_only=True))[1:])
    roster = pd.read_excel(out / "renshi/教职工名册.xlsx", dtype=str)
    fulltime = roster[roster["岗位类别"] == "专任教师"]
    assert set(a61[0]) <= set(fulltime["工号"]) and len(a61) > 0.9 * len(fulltime)
    a761 = pd.DataFrame(list(zt["A7-6-1 招生"].iter_rows(values_only=True))[1:], columns=["code", "name", "p", "a", "e"])
    adm = pd.read_csv(out / "xuegong/招生.csv", encoding="gbk", dtype={"专业代码": str})
    adm = adm[adm["年份"] == 2024]
    assert a761["e"].sum() == adm["报到数"].sum() and a761["p"].sum() == adm["计划数"].sum()


def test_majors_below_standard_exist(college_s):
    out, _ = college_s
    adm = pd.read_csv(out / "xuegong/招生.csv", encoding="gbk", dtype={"专业代码": str})
    rate = adm.groupby("专业代码")[["报到数", "录取数"]].sum()
    rate = rate["报到数"] / rate["录取数"]
    assert rate.min() < 0.8 < rate.max()
    roster = pd.read_excel(out / "renshi/教职工名册.xlsx", dtype=str)
    teachers = roster[roster["所属专业代码"].notna()]
    dual = (teachers["是否双师素质"] == "是").groupby(_norm(teachers["所属专业代码"])).mean()
    assert dual.min() < 0.4 and dual.max() > 0.6
    training = pd.read_excel(out / "renshi/培训记录.xlsx", dtype=str)
    trained = set(_norm(training["工号"]).str.upper())
    assert (~roster["工号"].isin(trained)).sum() > 0  # some staff have no training at all


def test_no_file_holds_a_python_placeholder_for_a_blank(college_s):
    """A blank cell stays blank: never the text 'nan' or 'None' (as 教职工名册 所属专业代码 once did)."""
    import csv as _csv

    from openpyxl import load_workbook

    folder, _ = college_s
    found = []
    for path in sorted(folder.rglob("*.xlsx")):
        for ws in load_workbook(path, read_only=True).worksheets:
            for row in ws.iter_rows(values_only=True):
                found += [(path.name, ws.title, v) for v in row if v in ("nan", "None", "NaN")]
    for path in sorted(folder.rglob("*.csv")):
        with open(path, encoding="gbk", newline="") as f:
            found += [(path.name, v) for row in _csv.reader(f) for v in row if v in ("nan", "None", "NaN")]
    assert not found[:5]
