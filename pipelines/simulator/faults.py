"""Broken copies of one extract, for testing that ingestion notices. `inject_fault(kind, src, out)` copies the
generated folder `src` to `out` and breaks ONE extract there (same relative path, e.g. `out/xuegong/学生学籍.csv`),
so the pipeline can run on `out` as on a real delivery with one bad file; `src` is never changed."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipelines.simulator.source_faults import SOURCE_FAULT_KINDS, inject_source_fault

STUDENT_CSV = Path("xuegong/学生学籍.csv")
ROSTER_XLSX = Path("renshi/教职工名册.xlsx")
ADMISSION_CSV = Path("xuegong/招生.csv")
EMPLOYMENT_CSV = Path("xuegong/毕业就业.csv")
JIAOWU_DB = Path("jiaowu/jiaowu.sqlite")

FAULT_KINDS: dict[str, str] = {
    "wrong_encoding": "学生学籍.csv 改存为 UTF-16 编码（应为 GBK），读取时应拒收",
    "missing_column": "学生学籍.csv 删除必需列「专业代码」",
    "renamed_column": "学生学籍.csv 把列名「学号」改成「学生编号」",
    "duplicate_keys": "学生学籍.csv 中有学号重复（5 个学号各出现两次，姓名不同）",
    "truncated_xlsx": "教职工名册.xlsx 文件被截断（只剩前 60% 字节，zip 结构损坏）",
    "empty_file": "招生.csv 为 0 字节空文件",
    "header_only": "毕业就业.csv 只有表头、没有数据行",
    "out_of_range": "教务库成绩出现 135 分和 -5 分，考勤学时出现负数",
    "orphan_fk": "学生学籍.csv 中 5 名学生的专业代码在教务专业表中不存在（999901 等）",
}
FAULT_KINDS.update(SOURCE_FAULT_KINDS)  # file-level faults of a real delivery (source_faults.py)
# value-level kinds (one function each, below): what a hand-edited or mis-exported file gets wrong in its cells
VALUE_FAULT_KINDS: dict[str, str] = {
    "unit_in_cells": "毕业就业.csv 的「起薪(元)」有 3 个单元格写成「4千」「4000-5000」「5.5万元」（不是数字，应提醒），"
                     "另有 2 个写成「4500元」（单位与列相同，应接受为 4500）",
    "finance_in_yuan": "经费收支.xlsx「收入」表按元导出：标题写「单位：元」，金额都乘以 10000（应阻断）",
    "negative_counts": "招生.csv 有 2 行报到数为负数（-12）（应阻断）",
    "part_exceeds_whole": "招生.csv 有 3 行报到数大于录取数（应阻断）",
}
FAULT_KINDS.update(VALUE_FAULT_KINDS)
FINANCE_XLSX = Path("caiwu/经费收支.xlsx")


@dataclass
class FaultResult:
    kind: str
    path: Path  # the broken file
    message: str  # one Chinese sentence: which file, broken how
    details: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


def _read_gbk_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("gbk"), newline="")))


def _write_gbk_csv(rows: list[list[str]], path: Path) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("gbk"))


def inject_fault(kind: str, src_dir: Path, out_dir: Path, seed: int = 0) -> FaultResult:
    if kind not in FAULT_KINDS:
        raise ValueError(f"未知的错误类型 {kind!r}，可选：{'、'.join(FAULT_KINDS)}")
    src_dir, out_dir = Path(src_dir), Path(out_dir)
    rng = np.random.default_rng([seed, 99])
    if kind in SOURCE_FAULT_KINDS:
        if out_dir.resolve() != src_dir.resolve():
            shutil.copytree(src_dir, out_dir, dirs_exist_ok=True)
        path, details = inject_source_fault(kind, out_dir)
        return FaultResult(kind, path, f"已写出带错误的副本 {path}：{FAULT_KINDS[kind]}。", details)
    rel = {"truncated_xlsx": ROSTER_XLSX, "empty_file": ADMISSION_CSV, "header_only": EMPLOYMENT_CSV,
           "out_of_range": JIAOWU_DB, "unit_in_cells": EMPLOYMENT_CSV, "finance_in_yuan": FINANCE_XLSX,
           "negative_counts": ADMISSION_CSV, "part_exceeds_whole": ADMISSION_CSV}.get(kind, STUDENT_CSV)
    src, dst = src_dir / rel, out_dir / rel
    if not src.exists():
        raise FileNotFoundError(f"找不到源文件 {src}（先运行 simulate 生成数据）")
    if out_dir.resolve() != src_dir.resolve():
        shutil.copytree(src_dir, out_dir, dirs_exist_ok=True)
    dst.unlink(missing_ok=True)
    details: dict = {}
    if kind in VALUE_FAULT_KINDS:
        shutil.copyfile(src, dst)
        details = _VALUE_FAULTS[kind](dst, rng)
    elif kind == "wrong_encoding":
        dst.write_bytes(src.read_bytes().decode("gbk").encode("utf-16"))
    elif kind in ("missing_column", "renamed_column", "duplicate_keys", "orphan_fk"):
        rows = _read_gbk_csv(src)
        header, data = rows[0], rows[1:]
        if kind == "missing_column":
            i = header.index("专业代码")
            rows = [r[:i] + r[i + 1:] for r in rows]
        elif kind == "renamed_column":
            rows[0] = ["学生编号" if h == "学号" else h for h in header]
        elif kind == "duplicate_keys":
            picks = np.sort(rng.choice(len(data), 10, replace=False))
            sid = header.index("学号")
            dupes = []
            for a, b in zip(picks[:5], picks[5:], strict=True):  # another student's row under a's 学号
                row = list(data[b])
                row[sid] = data[a][sid]
                dupes.append(row)
                details.setdefault("duplicated_ids", []).append(data[a][sid].strip())
            rows = rows + dupes
        else:
            mc = header.index("专业代码")
            picks = np.sort(rng.choice(len(data), 5, replace=False))
            for k, p in enumerate(picks):
                data[p][mc] = f"9999{k + 1:02d}"
            details["student_ids"] = [data[p][header.index("学号")].strip() for p in picks]
        _write_gbk_csv(rows, dst)
    elif kind == "truncated_xlsx":
        data = src.read_bytes()
        dst.write_bytes(data[: int(len(data) * 0.6)])
    elif kind == "empty_file":
        dst.write_bytes(b"")
    elif kind == "header_only":
        dst.write_bytes(src.read_bytes().split(b"\r\n", 1)[0] + b"\r\n")
    elif kind == "out_of_range":
        shutil.copyfile(src, dst)  # already copied with the tree unless out == src
        con = sqlite3.connect(dst)
        try:
            ids = [r[0] for r in con.execute("SELECT rowid FROM score ORDER BY rowid LIMIT 5 OFFSET ?",
                                             (int(rng.integers(0, 1000)),))]
            con.executemany("UPDATE score SET total_score = ? WHERE rowid = ?",
                            list(zip([135, 135, 135, -5, -5], ids, strict=True)))
            con.execute("UPDATE attendance_record SET hours = -2 WHERE rowid IN "
                        "(SELECT rowid FROM attendance_record ORDER BY rowid LIMIT 2)")
            con.commit()
        finally:
            con.close()
        details["score_rowids"] = ids
    message = f"已写出带错误的副本 {dst}：{FAULT_KINDS[kind]}。"
    return FaultResult(kind, dst, message, details)


# ---------------------------------------------------------------------------------------------------------
# value-level kinds: each edits the copied file in place and returns details (CSV line / Excel row numbers)
# ---------------------------------------------------------------------------------------------------------
def _csv_edit(path: Path, column: str, rng, values: list[str], where=None) -> dict:
    rows = _read_gbk_csv(path)
    header, data = rows[0], rows[1:]
    col = header.index(column)
    candidates = [i for i, r in enumerate(data) if where is None or where(header, r)]
    picks = sorted(int(i) for i in rng.choice(candidates, len(values), replace=False))
    for i, v in zip(picks, values, strict=True):
        data[i][col] = v
    _write_gbk_csv(rows, path)
    return {"lines": [i + 2 for i in picks], "values": values}


def _unit_in_cells(path: Path, rng) -> dict:
    def employed(header, row):
        return row[header.index("去向")] == "就业" and row[header.index("起薪(元)")].strip() != ""
    return _csv_edit(path, "起薪(元)", rng, ["4千", "4000-5000", "5.5万元", "4500元", "4500元"], employed)


def _negative_counts(path: Path, rng) -> dict:
    return _csv_edit(path, "报到数", rng, ["-12", "-12"])


def _part_exceeds_whole(path: Path, rng) -> dict:
    rows = _read_gbk_csv(path)
    header, data = rows[0], rows[1:]
    adm, enr = header.index("录取数"), header.index("报到数")
    picks = sorted(int(i) for i in rng.choice(len(data), 3, replace=False))
    for i in picks:
        data[i][enr] = str(int(data[i][adm]) + 7)
    _write_gbk_csv(rows, path)
    return {"lines": [i + 2 for i in picks]}


def _finance_in_yuan(path: Path, rng) -> dict:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb["收入"]
    ws["A1"] = str(ws["A1"].value).replace("万元", "元")
    changed = 0
    for row in ws.iter_rows(min_row=4):
        if isinstance(row[0].value, int | float) and not isinstance(row[0].value, bool):  # a year row
            for cell in row[1:]:
                if isinstance(cell.value, int | float):
                    cell.value = round(cell.value * 10000, 2)
                    changed += 1
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and "单位：万元" in cell.value:
                cell.value = cell.value.replace("单位：万元", "单位：元")
    wb.save(path)
    return {"sheet": "收入", "cells": changed}


_VALUE_FAULTS = {"unit_in_cells": _unit_in_cells, "finance_in_yuan": _finance_in_yuan,
                 "negative_counts": _negative_counts, "part_exceeds_whole": _part_exceeds_whole}
