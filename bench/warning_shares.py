"""Prints the share of objects warned per level in the latest 学年 (warnings.agg_warning_shares) as the markdown
table of docs/calibration.md.

    .venv/bin/python bench/warning_shares.py [path/to/serving.duckdb]   # default: $ZHENGAI_HOME/serving.duckdb
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

LIMITS = {"学生": "≤ 15 %（红 ≤ 3 %）", "教师": "≤ 25 %", "课程": "≤ 30 %", "专业": "橙/红 ≤ 40 %", "学校": "—"}


def main(argv: list[str]) -> int:
    if argv:
        db = Path(argv[0])
    else:
        from pipelines.config import load_settings

        db = Path(load_settings().home) / "serving.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("""
            SELECT level, academic_year, n_entities, n_cases, n_warned, warned_share, n_orange_red, orange_red_share,
                   n_red, red_share
            FROM warnings.agg_warning_shares
            WHERE academic_year = (SELECT max(academic_year) FROM warnings.agg_warning_shares)
            ORDER BY list_position(['学校', '专业', '课程', '教师', '学生'], level)""").fetchall()
    print("| 层面 | 学年 | 对象 | 预警事项 | 有预警 | 占比 | 有橙/红 | 占比 | 有红 | 占比 | 上限 |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for lv, y, n, cases, w, ws, o, os_, r, rs in rows:
        print(f"| {lv} | {y} | {n:,} | {cases:,} | {w:,} | {ws:.1%} | {o:,} | {os_:.1%} | {r:,} | {rs:.1%} | {LIMITS[lv]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
