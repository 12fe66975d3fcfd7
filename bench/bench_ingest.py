"""How fast the readers, normalisers and raw store are (not asserted in tests, not collected by pytest).

    .venv/bin/python bench/bench_ingest.py [csv_rows] [xlsx_rows] [raw_rows]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.ingest.cleaning import ColumnSpec, clean_frame  # noqa: E402
from pipelines.ingest.normalize import validate_id_card_series  # noqa: E402
from pipelines.ingest.raw_store import load_batch  # noqa: E402
from pipelines.ingest.readers import read_csv_export, read_xlsx_export  # noqa: E402

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕")
MAJORS = ["计算机应用技术", "软件技术", "电子信息工程技术", "机电一体化技术", "会计", "市场营销", "物流管理"]


def student_frame(n: int, rng: np.random.Generator) -> pd.DataFrame:
    name = (pd.Series(rng.choice(SURNAMES, n)) + pd.Series(rng.choice(GIVEN, n)) + pd.Series(rng.choice(GIVEN, n)))
    return pd.DataFrame({
        "学号": [f"2023{i:07d}" for i in range(n)],
        "姓名": name,
        "性别": rng.choice(["男", "女"], n),
        "身份证号": [f"32010220050101{i % 10000:04d}" for i in range(n)],
        "专业名称": rng.choice(MAJORS, n),
        "班级": [f"{m}{i % 6 + 1}班" for i, m in enumerate(rng.choice(["计应", "软件", "电子", "机电"], n))],
        "入学日期": rng.choice(["2023-09-01", "2023/9/1", "2023年9月1日", "45170"], n),
        "学籍状态": rng.choice(["在籍", "休学", "退学"], n, p=[0.95, 0.03, 0.02]),
        "联系电话": [f"138{i:08d}" for i in range(n)],
        "家庭住址": rng.choice(["江苏省南京市玄武区中山路1号", "浙江省杭州市西湖区文三路90号", "安徽省合肥市蜀山区"], n),
        "奖学金": rng.choice(["1,000.00", "500", "", "2,000"], n),
        "备注": "",
    })


def timed(label: str, rows: int, fn):
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    print(f"{label:<46} {rows:>9,} rows  {dt:6.2f} s  {rows / dt:>12,.0f} rows/s")
    return out


def main(csv_rows: int = 500_000, xlsx_rows: int = 50_000, raw_rows: int = 1_000_000) -> None:
    root = Path(tempfile.mkdtemp())
    rng = np.random.default_rng(1)
    df = student_frame(csv_rows, rng)
    path = root / "xuegong" / "学生学籍.csv"
    path.parent.mkdir()
    path.write_bytes(df.to_csv(index=False, lineterminator="\r\n").encode("gbk"))
    print(f"CSV {path.stat().st_size / 1e6:.1f} MB GBK")
    out, enc = timed("read_csv_export (GBK, detect + parse)", csv_rows, lambda: read_csv_export(path))
    assert enc == "gbk" and len(out) == csv_rows
    timed("clean_text (姓名, SQL macros)", csv_rows,
          lambda: clean_frame(out, [ColumnSpec("姓名", "姓名", "str", None, True)]))
    timed("clean_date (入学日期, 4 formats, SQL macros)", csv_rows,
          lambda: clean_frame(out, [ColumnSpec("入学日期", "入学日期", "date", None, True)]))
    timed("clean_decimal (奖学金, SQL macros)", csv_rows,
          lambda: clean_frame(out, [ColumnSpec("奖学金", "奖学金", "decimal", "元", True)]))
    timed("validate_id_card_series (身份证号)", csv_rows, lambda: validate_id_card_series(out["身份证号"]))

    xdf = student_frame(xlsx_rows, rng)
    xpath = root / "caiwu" / "学生.xlsx"
    xpath.parent.mkdir()
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("学生")
    ws.append(["2024年学生名单"])
    ws.append(list(xdf.columns))
    for rec in xdf.itertuples(index=False):
        ws.append(list(rec))
    wb.save(xpath)
    print(f"xlsx {xpath.stat().st_size / 1e6:.1f} MB, {len(xdf.columns)} columns")
    xout = timed("read_xlsx_export (read-only + merges from XML)", xlsx_rows, lambda: read_xlsx_export(xpath))
    assert len(xout) == xlsx_rows
    timed("openpyxl full load (merged_cells API), for contrast", xlsx_rows,
          lambda: [list(r) for r in openpyxl.load_workbook(xpath, data_only=True).active.iter_rows(values_only=True)])

    big = pd.concat([out] * (raw_rows // len(out) + 1), ignore_index=True).iloc[:raw_rows]
    con = duckdb.connect(str(root / "build.duckdb"))
    t0 = datetime(2026, 11, 25, 10, 0)
    timed("load_batch (DuckDB file, 1st batch)", raw_rows, lambda: load_batch(
        con, big, source_system="xuegong", source_table="student", source_file="学工/学生学籍.csv",
        content_hash="a" * 64, loaded_at=t0))
    timed("load_batch (2nd batch, +1 column)", raw_rows, lambda: load_batch(
        con, big.assign(新列="x"), source_system="xuegong", source_table="student",
        source_file="学工/学生学籍.csv", content_hash="b" * 64, loaded_at=t0 + timedelta(hours=1)))
    con.close()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
