"""Value-level faults of real exports, built by code on a copy of the simulated college (no committed binaries).

Each `ValueCase` writes ONE cell of one export as a clerk or an export tool gets it wrong (or merely writes it
oddly) and says what must happen: `reject` — the gate reports the cell with file, sheet, row, column and the value
as written, with the given severity and reason — or `clean` — the value is accepted and staging publishes
`expected`. Cases touch distinct cells, so all of them are applied to one copy (`apply_all`).
"""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import openpyxl

PLATFORM_BOOK = "zhuangtai/状态数据采集_2024-2025.xlsx"


@dataclass(frozen=True)
class ValueCase:
    id: str
    table: str          # contract key, e.g. "xuegong.employment"
    path: str           # export relative to the sources folder ("jiaowu/jiaowu.sqlite" for the database)
    column_zh: str      # the header as exported (database: the column id)
    data_index: int     # 0-based data row
    written: str        # the cell as written
    expect: str         # "reject" | "clean"
    severity: str = ""  # reject: 阻断 / 提醒
    reason: str = ""    # reject: part of the reason the clerk reads
    expected: object = None  # clean: the value staging publishes
    column: str = ""    # staging column (clean cases)
    sheet: str | None = None

    @property
    def system(self) -> str:
        return self.table.split(".")[0]


R, C = "reject", "clean"
CASES: list[ValueCase] = [
    # 学工 CSV (GBK)
    ValueCase("salary_unit_yuan", "xuegong.employment", "xuegong/毕业就业.csv", "起薪(元)", 3, "4500元", C,
              expected=4500, column="starting_salary"),
    ValueCase("salary_thousand", "xuegong.employment", "xuegong/毕业就业.csv", "起薪(元)", 4, "4千", R, "提醒",
              "用汉字写了数量级"),
    ValueCase("salary_range", "xuegong.employment", "xuegong/毕业就业.csv", "起薪(元)", 5, "4000-5000", R, "提醒",
              "是一个范围"),
    ValueCase("salary_currency", "xuegong.employment", "xuegong/毕业就业.csv", "起薪(元)", 6, "￥5,200.00", C,
              expected=5200, column="starting_salary"),
    ValueCase("year_fullwidth", "xuegong.employment", "xuegong/毕业就业.csv", "毕业年份", 7, "２０２４", C,
              expected=2024, column="graduation_year"),
    ValueCase("related_grade", "xuegong.employment", "xuegong/毕业就业.csv", "是否对口", 8, "优秀", R, "提醒",
              "不是“是/否”"),
    ValueCase("enrolled_persons", "xuegong.admission", "xuegong/招生.csv", "报到数", 2, "35.0人", C,
              expected=35, column="enrolled_count"),
    ValueCase("admitted_ref_error", "xuegong.admission", "xuegong/招生.csv", "录取数", 3, "#REF!", R, "阻断",
              "Excel 的错误值"),
    ValueCase("incident_compact_date", "xuegong.discipline", "xuegong/违纪处分.csv", "违纪日期", 1, "20240901", C,
              expected="2024-09-01", column="incident_date"),
    ValueCase("incident_month_only", "xuegong.discipline", "xuegong/违纪处分.csv", "违纪日期", 2, "2024年9月", R,
              "阻断", "只有年月"),
    ValueCase("incident_dotted_date", "xuegong.discipline", "xuegong/违纪处分.csv", "违纪日期", 3, "2023.9.1", C,
              expected="2023-09-01", column="incident_date"),
    ValueCase("birth_serial_text", "xuegong.student", "xuegong/学生学籍.csv", "出生日期", 5, "38425", C,
              expected="2005-03-14", column="birth_date"),
    # a spreadsheet placeholder for an empty cell is no code: reported, never published as a silent NULL
    ValueCase("class_code_nan", "xuegong.student", "xuegong/学生学籍.csv", "班级代码", 6, "nan", R, "阻断",
              "是表示空值的占位文字"),
    # 人事 xlsx
    ValueCase("industry_years_unit", "renshi.staff", "renshi/教职工名册.xlsx", "行业企业经历(年)", 4, "3年", C,
              expected=3, column="industry_years"),
    ValueCase("industry_years_fraction", "renshi.staff", "renshi/教职工名册.xlsx", "行业企业经历(年)", 5, "3.5", R,
              "阻断", "不是整数"),
    ValueCase("hire_date_impossible", "renshi.staff", "renshi/教职工名册.xlsx", "入职日期", 6, "2010-02-30", R,
              "阻断", "不是存在的日期"),
    ValueCase("dual_flag_y", "renshi.staff", "renshi/教职工名册.xlsx", "是否双师素质", 7, "Y", C, expected=True,
              column="is_dual_qualified"),
    ValueCase("major_code_none", "renshi.staff", "renshi/教职工名册.xlsx", "所属专业代码", 8, "None", R, "提醒",
              "是表示空值的占位文字"),
    ValueCase("training_hours_unit", "renshi.training", "renshi/培训记录.xlsx", "学时", 2, "16学时", C,
              expected=16, column="hours"),
    ValueCase("teaching_hours_total_word", "renshi.external_teacher", "renshi/校外兼职教师.xlsx", "授课学时", 1,
              "合计", R, "阻断", "不是数字"),
    # 财务 xlsx (title row, two-row header)
    ValueCase("income_accounting_negative", "caiwu.income", "caiwu/经费收支.xlsx", "其他收入", 1, "(2.18)", C,
              expected=-2.18, column="other", sheet="收入"),
    ValueCase("income_thousands", "caiwu.income", "caiwu/经费收支.xlsx", "学费", 2, "1,234.50", C,
              expected=1234.5, column="tuition", sheet="收入"),
    ValueCase("income_unit_in_cell", "caiwu.income", "caiwu/经费收支.xlsx", "财政经常性补助", 3, "12.5万元", R,
              "阻断", "带单位「万元」，本列只应填数字", sheet="收入"),
    ValueCase("expense_dash", "caiwu.expense", "caiwu/经费收支.xlsx", "日常教学经费", 4, "—", R, "阻断",
              "没有数据请留空", sheet="支出"),
    # 状态数据平台 workbooks
    ValueCase("books_thousands_unit", "zhuangtai.a3_conditions", PLATFORM_BOOK, "纸质图书(册)", 0, "1,200,000册", C,
              expected=1200000, column="books", sheet="A3 基本办学条件"),
    ValueCase("area_wrong_unit", "zhuangtai.a3_conditions", PLATFORM_BOOK, "占地面积(㎡)", 0, "35.0人", R, "阻断",
              "与本列的单位「㎡」不符", sheet="A3 基本办学条件"),
    ValueCase("employed_percent", "zhuangtai.a7_6_2_employment", PLATFORM_BOOK, "就业数", 1, "95%", R, "阻断",
              "带百分号", sheet="A7-6-2 就业"),
    ValueCase("tuition_wan_in_cell", "zhuangtai.a5_1_income", PLATFORM_BOOK, "学费(万元)", 0, "1234.5万元", C,
              expected=1234.5, column="tuition", sheet="A5-1 经费收入"),
    ValueCase("fulltime_fullwidth", "zhuangtai.a1_school", PLATFORM_BOOK, "全日制在校生数", 0, "１５０００", C,
              expected=15000, column="fulltime_students", sheet="A1 院校基本信息"),
    # 教务 SQLite (database cells; the column id is the header)
    ValueCase("score_absent_word", "jiaowu.score", "jiaowu/jiaowu.sqlite", "total_score", 10, "缺考", R, "阻断",
              "不是数字"),
    ValueCase("makeup_na", "jiaowu.score", "jiaowu/jiaowu.sqlite", "makeup_score", 11, "#N/A", R, "提醒",
              "Excel 的错误值"),
    ValueCase("credits_fullwidth", "jiaowu.course", "jiaowu/jiaowu.sqlite", "credits", 2, "２.５", C,
              expected=2.5, column="credits"),
    ValueCase("semester_chinese_date", "jiaowu.semester", "jiaowu/jiaowu.sqlite", "start_date", 1, "2023年9月1日", C,
              expected="2023-09-01", column="start_date"),
    ValueCase("expected_persons", "jiaowu.attendance_session", "jiaowu/jiaowu.sqlite", "expected_count", 3, "45人",
              C, expected=45, column="expected_count"),
    ValueCase("weekly_hours_range", "jiaowu.teaching_task", "jiaowu/jiaowu.sqlite", "weekly_hours", 4, "4-6", R,
              "阻断", "是一个范围"),
    ValueCase("teacher_id_null", "jiaowu.teaching_task", "jiaowu/jiaowu.sqlite", "teacher_id", 5, "NULL", R, "阻断",
              "是表示空值的占位文字"),
    ValueCase("head_teacher_na", "jiaowu.class", "jiaowu/jiaowu.sqlite", "head_teacher_id", 2, "<NA>", R, "提醒",
              "是表示空值的占位文字"),
]


# ---------------------------------------------------------------------------------------------------------
# writing one cell; each returns the row number the clerk sees (CSV line, Excel row, database row ordinal)
# ---------------------------------------------------------------------------------------------------------
def _set_csv(path: Path, label: str, index: int, value: str) -> int:
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("gbk"), newline="")))
    rows[index + 1][rows[0].index(label)] = value
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("gbk"))
    return index + 2


def _set_xlsx(path: Path, sheet: str | None, label: str, index: int, value: str) -> int:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    header_row, col = next((c.row, c.column) for row in ws.iter_rows(min_row=1, max_row=5) for c in row
                           if isinstance(c.value, str) and c.value.strip() == label)
    first = header_row + 1
    while ws.cell(first, 1).value is None and first < header_row + 3:  # a two-row header: data below its last row
        first += 1
    ws.cell(first + index, col).value = value
    wb.save(path)
    return first + index


def _set_sqlite(path: Path, table: str, column: str, index: int, value: str) -> int:
    con = sqlite3.connect(path)
    try:
        con.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = (SELECT rowid FROM {table} ORDER BY rowid "
                    "LIMIT 1 OFFSET ?)", (value, index))
        con.commit()
    finally:
        con.close()
    return index + 1


def apply(case: ValueCase, root: Path) -> int:
    path = root / case.path
    if path.suffix == ".csv":
        return _set_csv(path, case.column_zh, case.data_index, case.written)
    if path.suffix == ".sqlite":
        return _set_sqlite(path, case.table.split(".")[1], case.column_zh, case.data_index, case.written)
    return _set_xlsx(path, case.sheet, case.column_zh, case.data_index, case.written)


def apply_all(root: Path, cases: list[ValueCase] = CASES) -> dict[str, int]:
    """Write every case into the sources under `root`; {case id: row number}."""
    return {case.id: apply(case, root) for case in cases}
