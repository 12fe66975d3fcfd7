"""财务 export `经费收支.xlsx`: sheets 收入 and 支出 by calendar year, amounts in 万元 (2 decimals), laid out
as finance systems print them — a merged title row, a TWO-ROW merged header, the data, a 合计 row, and a
制表 footer line.

收入 sheet:  A1:H1 title | row 2: 年度 (A2:A3 merged) · 收入来源 (B2:G2 merged) · 合计 (H2:H3 merged)
             row 3: 学费 · 财政经常性补助 · 中央专项 · 地方专项 · 社会捐赠 · 其他收入 (under 收入来源)
支出 sheet:  A1:K1 title | row 2: 年度 (A2:A3) · 部门 (B2:B3) · 支出项目 (C2:J2) · 合计 (K2:K3)
             row 3: 日常教学经费 … 其他支出 (the eight categories)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font

from pipelines.simulator import contract, writers
from pipelines.simulator.academic_calendar import YEARS
from pipelines.simulator.college import College, in_school

SYSTEM = "caiwu"
FILE = "经费收支.xlsx"
INCOME_GROUP = "收入来源"
EXPENSE_GROUP = "支出项目"
# spending profile per department: shares of the eight categories (日常教学 … 其他)
DEPT_PROFILE = {
    "teaching": [0.34, 0.08, 0.04, 0.01, 0.25, 0.22, 0.03, 0.03],
    "D08": [0.30, 0.35, 0.05, 0.00, 0.05, 0.15, 0.00, 0.10],  # 教务处
    "D09": [0.00, 0.05, 0.85, 0.00, 0.00, 0.00, 0.00, 0.10],  # 人事处
    "D10": [0.00, 0.05, 0.05, 0.00, 0.00, 0.00, 0.80, 0.10],  # 学生工作处
    "D14": [0.10, 0.05, 0.00, 0.00, 0.75, 0.00, 0.00, 0.10],  # 信息化建设与管理处
    "D16": [0.00, 0.00, 0.00, 0.00, 0.95, 0.00, 0.00, 0.05],  # 资产与设备管理处
    "D19": [0.05, 0.00, 0.00, 0.85, 0.05, 0.00, 0.00, 0.05],  # 图书馆
}
FINANCE_DEPTS = ["C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C09", "C10",
                 "D08", "D09", "D10", "D14", "D16", "D19"]


def build(seed: int, college: College) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Income by source and expense by department × category, per calendar year 2020–2024."""
    rng = np.random.default_rng([seed, 50])
    st = college.students
    income_rows, expense_rows = [], []
    depts = college.extra["departments"]
    # 生均财政拨款 hovers around the 12,000 元 line: some years below
    per_student_subsidy = {2020: 11600, 2021: 12300, 2022: 11800, 2023: 12600, 2024: 13100}
    for y in YEARS:
        n = int(in_school(st, y).sum())
        inc = {"year": y, "tuition": n * 5200 / 1e4, "regular_subsidy": n * per_student_subsidy[y] / 1e4,
               "central_special": rng.uniform(300, 900) * college.size.scale,
               "local_special": rng.uniform(1200, 2600) * college.size.scale,
               "donation": rng.uniform(20, 160) * college.size.scale, "other": rng.uniform(300, 800) * college.size.scale}
        for k in list(inc)[1:]:
            inc[k] = round(inc[k], 2)
        inc["total"] = round(sum(v for k, v in inc.items() if k != "year"), 2)
        income_rows.append(inc)
        budget = inc["total"] * rng.uniform(0.30, 0.36)  # the rest is salaries and running costs, not listed here
        weight = np.array([2.0 if d.startswith("C0") and d not in ("C09",) else 1.0 for d in FINANCE_DEPTS])
        weight = weight * rng.uniform(0.8, 1.2, len(weight))
        for d, w in zip(FINANCE_DEPTS, weight / weight.sum(), strict=True):
            shares = np.array(DEPT_PROFILE.get(d, DEPT_PROFILE["teaching"])) * rng.uniform(0.8, 1.2, 8)
            amounts = np.round(budget * w * shares / shares.sum(), 2)
            row = {"year": y, "dept_name": depts[d], **dict(zip(EXPENSE_IDS, amounts, strict=True))}
            row["total"] = round(float(amounts.sum()), 2)
            expense_rows.append(row)
    return pd.DataFrame(income_rows), pd.DataFrame(expense_rows)


EXPENSE_IDS = ["daily_teaching", "teaching_reform", "faculty_development", "books", "equipment",
               "practice_teaching", "student_activities", "other"]


def _sheet(wb: openpyxl.Workbook, title: str, caption: str, df: pd.DataFrame, system_table: str,
           leading: int, group: str) -> None:
    """Title row, two-row header (leading columns and 合计 merged vertically, the rest under `group`), data,
    合计 row, footer."""
    labels = contract.labels(SYSTEM, system_table)
    ws = wb.create_sheet(title)
    width = len(labels)
    last = openpyxl.utils.get_column_letter(width)
    ws["A1"] = caption
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    for i, label in enumerate(labels, start=1):
        col = openpyxl.utils.get_column_letter(i)
        if i <= leading or i == width:
            ws[f"{col}2"] = label
            ws.merge_cells(f"{col}2:{col}3")
        else:
            ws[f"{col}3"] = label
        ws.column_dimensions[col].width = 14
    first_group = openpyxl.utils.get_column_letter(leading + 1)
    last_group = openpyxl.utils.get_column_letter(width - 1)
    ws[f"{first_group}2"] = group
    ws.merge_cells(f"{first_group}2:{last_group}2")
    for row in ws.iter_rows(min_row=2, max_row=3):
        for c in row:
            c.font = Font(bold=True)
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    export = contract.to_export(df, SYSTEM, system_table)
    for r in writers.frame_rows(export):
        ws.append(r)
    totals = ["合计"] + [""] * (leading - 1) + [round(float(export[c].sum()), 2) for c in export.columns[leading:]]
    ws.append(totals)
    ws.append(["制表：财务处　　审核：　　　　单位：万元"])
    for row in ws.iter_rows(min_row=4, max_row=ws.max_row - 1, min_col=leading + 1):
        for c in row:
            c.number_format = "#,##0.00"


def write(out: Path, seed: int, college: College) -> dict[str, tuple[Path, int]]:
    income, expense = build(seed, college)
    college.extra["income"], college.extra["expense"] = income, expense
    wb = writers.new_workbook()
    years = f"{YEARS[0]}—{YEARS[-1]}"
    _sheet(wb, "收入", f"江南职业技术学院{years}年度经费收入统计表（单位：万元）", income, "income", 1, INCOME_GROUP)
    _sheet(wb, "支出", f"江南职业技术学院{years}年度经费支出明细表（单位：万元）", expense, "expense", 2, EXPENSE_GROUP)
    path = out / SYSTEM / FILE
    writers.save_workbook(wb, path)
    return {"income": (path, len(income)), "expense": (path, len(expense))}
