"""Builders for the source-level fault corpus (tests/faults/test_source_faults.py): each takes a copy of one
system's folder of the simulated college and damages it the way a real delivery does. Nothing is committed
as a binary: every broken file is made here, by code."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import openpyxl

from pipelines.config import load_settings
from pipelines.ingest.contract import load_contract

CONTRACT = load_contract()
OLD = datetime(2024, 9, 1, 8, 0).timestamp()
NEW = datetime(2025, 9, 2, 8, 0).timestamp()


def sources(college: Path, tmp: Path, *systems: str) -> Path:
    """A sources root in `tmp` holding copies of the named systems' folders."""
    root = tmp / "sources"
    for system in systems:
        shutil.copytree(college / system, root / system)
    return root


def settings(root: Path, **env: str):
    return load_settings({"ZHENGAI_SOURCES": str(root), **env})


def touch(path: Path, when: float) -> Path:
    os.utime(path, (when, when))
    return path


def csv_lines(path: Path) -> list[bytes]:
    return [x for x in path.read_bytes().split(b"\r\n") if x]


def platform_book(root: Path, year: str = "2024-2025") -> Path:
    return root / "zhuangtai" / f"状态数据采集_{year}.xlsx"


def edit_workbook(path: Path, edit) -> Path:
    wb = openpyxl.load_workbook(path)
    edit(wb)
    wb.save(path)
    return path


def jiaowu_url(path: Path, **query: str) -> str:
    extra = "".join(f"{'&' if i else '?'}{k}={v}" for i, (k, v) in enumerate(query.items()))
    return f"sqlite:///{path}{extra}"


def drop_table(db: Path, table: str) -> None:
    con = sqlite3.connect(db)
    try:
        con.execute(f"DROP TABLE {table}")
        con.commit()
    finally:
        con.close()
