"""File-level faults of a real delivery (`zhengai simulate --break KIND`): a dated re-export next to last year's
file, a hand-edited platform workbook (a sheet name with extra spaces, the wrong 采集学年, an old sheet hidden
next to its corrected copy), a broken 教务 SQLite database. Each breaks the copy in `out` only."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

import openpyxl

from pipelines.simulator import writers

SOURCE_FAULT_KINDS: dict[str, str] = {
    "dated_copy": "学工目录中除去年的 学生学籍.csv（修改时间 2024-09-01）外又有新导出 学生学籍_20250901.csv"
                  "（少最后 3 行），应使用带日期的新文件并提醒忽略了旧文件",
    "sheet_name_spaces": "最新一年的状态数据采集表中工作表「A6-1 校内专任教师」被改名为「A6-1  校内专任教师 」（多了空格），"
                         "应照常读取并提醒",
    "year_mismatch": "最新一年的状态数据采集表（文件名学年）中 A1 的「采集学年」被改成上一学年，应阻断并同时指出两个学年",
    "hidden_sheet": "最新一年的状态数据采集表中旧的「A7-6-1 招生」被隐藏（招生数全为 0），旁边是改正后的可见工作表"
                    "「A7-6-1招生」，应读取可见的并提醒",
    "jiaowu_missing_table": "教务数据库中删除了表 course（课程），应报告缺少哪张表",
    "jiaowu_corrupt": "教务数据库文件被覆盖了开头 4 KB（文件损坏），应报告文件损坏且不改动它",
}

STUDENT_CSV = Path("xuegong/学生学籍.csv")
JIAOWU_DB = Path("jiaowu/jiaowu.sqlite")
OLD_EXPORT_TIME = datetime(2024, 9, 1, 8, 0).timestamp()


def latest_platform_workbook(root: Path) -> Path:
    books = sorted((root / "zhuangtai").glob("状态数据采集_*.xlsx"))
    if not books:
        raise FileNotFoundError(f"找不到状态数据平台采集表 {root / 'zhuangtai'}（先运行 simulate 生成数据）")
    return books[-1]


def inject_source_fault(kind: str, out_dir: Path) -> tuple[Path, dict]:
    """Break the already copied tree `out_dir` in place; returns (the broken file, details for tests)."""
    if kind == "dated_copy":
        old = out_dir / STUDENT_CSV
        new = old.with_name("学生学籍_20250901.csv")
        lines = old.read_bytes().split(b"\r\n")
        body = [x for x in lines if x]
        new.write_bytes(b"\r\n".join(body[:-3]) + b"\r\n")
        os.utime(old, (OLD_EXPORT_TIME, OLD_EXPORT_TIME))
        return new, {"used": new.name, "ignored": old.name, "rows": len(body) - 4}
    if kind in ("sheet_name_spaces", "year_mismatch", "hidden_sheet"):
        path = latest_platform_workbook(out_dir)
        wb = openpyxl.load_workbook(path)
        details: dict = {"workbook": path.name}
        if kind == "sheet_name_spaces":
            wb["A6-1 校内专任教师"].title = "A6-1  校内专任教师 "
            details["sheet"] = "A6-1  校内专任教师 "
        elif kind == "year_mismatch":
            ws = wb["A1 院校基本信息"]
            col = [c.value for c in ws[1]].index("采集学年") + 1
            first, second = str(ws.cell(2, col).value).split("-")
            wrong = f"{int(first) - 1}-{int(second) - 1}"
            ws.cell(2, col).value = wrong
            details.update(name_year=f"{first}-{second}", sheet_year=wrong)
        else:
            old = wb["A7-6-1 招生"]
            fixed = wb.copy_worksheet(old)
            fixed.title = "A7-6-1招生"
            header = [c.value for c in old[1]]
            for name in ("招生计划数", "实际录取数", "实际报到数"):
                if name in header:
                    for (c,) in old.iter_rows(min_row=2, min_col=header.index(name) + 1,
                                              max_col=header.index(name) + 1):
                        c.value = 0
            old.sheet_state = "hidden"
            details.update(hidden="A7-6-1 招生", visible="A7-6-1招生")
        writers.save_workbook(wb, path)
        return path, details
    db = out_dir / JIAOWU_DB
    if kind == "jiaowu_missing_table":
        con = sqlite3.connect(db)
        try:
            con.execute("DROP TABLE course")
            con.commit()
        finally:
            con.close()
        return db, {"table": "course"}
    if kind == "jiaowu_corrupt":
        data = bytearray(db.read_bytes())
        data[:4096] = bytes(range(256)) * 16
        db.write_bytes(bytes(data))
        return db, {"size": len(data)}
    raise ValueError(kind)
