"""Files for the ingestion tests are built here, in tmp, by the tests themselves."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

STUDENT_CSV = (
    "学号,姓名,身份证号,专业代码,入学日期\r\n"
    "2023001,张三,11010519491231002X,510201,2023-09-01\r\n"
    "2023002,李四 ,,510202,2023/9/1\r\n"
    "\r\n"
    "2023003,王　五,,510201,45170\r\n"
)


@pytest.fixture
def xuegong_dir(tmp_path: Path) -> Path:
    d = tmp_path / "xuegong"
    d.mkdir()
    return d


def write_finance_workbook(path: Path) -> Path:
    """A 财务-style sheet: merged title row, two-row merged header, a merged 部门 in the data, 合计 + footer."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "经费支出"
    ws["A1"] = "2024年度经费支出明细表（单位：万元）"
    ws.merge_cells("A1:F1")
    ws["A2"] = "部门"
    ws.merge_cells("A2:A3")
    ws["B2"] = "支出项目"
    ws.merge_cells("B2:D2")
    ws["B3"], ws["C3"], ws["D3"] = "日常教学经费", "实验实训\n经费", "其他"
    ws["E2"] = "支出日期"
    ws.merge_cells("E2:E3")
    ws["F2"] = " 备注 "
    ws.merge_cells("F2:F3")
    ws.append(["机电工程学院", 12.5, 3, 0.1, datetime(2024, 3, 1), "45170"])   # row 4
    ws.append([None, 1, 2, 3, datetime(2024, 3, 1, 8, 30), None])           # row 5 (部门 merged A4:A5)
    ws.merge_cells("A4:A5")
    ws.append([])                                                           # row 6 empty
    ws.append(["信息工程学院", 1e-7, 123456789012, 2.0, None, "２０２３"])      # row 7
    ws.append(["合计", "=SUM(B4:B7)", None, None, None, None])               # row 8
    ws.append(["制表人：张三", None, None, "审核人：李四"])                      # row 9
    wb.save(path)
    return path


@pytest.fixture
def student_csv() -> str:
    return STUDENT_CSV


@pytest.fixture
def finance_xlsx(tmp_path: Path) -> Path:
    return write_finance_workbook(tmp_path / "经费支出.xlsx")
