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
           "out_of_range": JIAOWU_DB}.get(kind, STUDENT_CSV)
    src, dst = src_dir / rel, out_dir / rel
    if not src.exists():
        raise FileNotFoundError(f"找不到源文件 {src}（先运行 simulate 生成数据）")
    if out_dir.resolve() != src_dir.resolve():
        shutil.copytree(src_dir, out_dir, dirs_exist_ok=True)
    dst.unlink(missing_ok=True)
    details: dict = {}
    if kind == "wrong_encoding":
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
