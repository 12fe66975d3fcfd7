"""File writers that give byte-identical output for identical data: xlsx with fixed document times and zip
entry dates, GBK CSV with CRLF as Windows tools export it."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

FIXED_TIME = datetime(2025, 9, 1, 8, 0, 0)
ZIP_TIME = (2025, 9, 1, 8, 0, 0)
_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
_STAMP = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()


def cell(v):
    """numpy / pandas values → what openpyxl writes (None for missing)."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime().date()
    if isinstance(v, datetime):
        return v.date()
    return v


def frame_rows(df: pd.DataFrame) -> Iterable[list]:
    cols = [df[c].astype(object).to_numpy() for c in df.columns]
    for i in range(len(df)):
        yield [cell(col[i]) for col in cols]


def new_workbook() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "江南职业技术学院"
    wb.properties.created = FIXED_TIME
    return wb


def add_table_sheet(wb: openpyxl.Workbook, title: str, df: pd.DataFrame, *, date_columns: Iterable[str] = ()) -> None:
    """A plain sheet: header row, then data; date cells shown as yyyy-mm-dd."""
    ws = wb.create_sheet(title)
    ws.append(list(df.columns))
    for row in frame_rows(df):
        ws.append(row)
    date_idx = [list(df.columns).index(c) + 1 for c in date_columns]
    for col in date_idx:
        for (c,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            if isinstance(c.value, date):
                c.number_format = "yyyy-mm-dd"
    for i, name in enumerate(df.columns, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(8, 2 * len(str(name)) + 2)
    ws.freeze_panes = "A2"


def save_workbook(wb: openpyxl.Workbook, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    normalize_zip(tmp, path)
    tmp.unlink()


def normalize_zip(src: Path, dst: Path) -> None:
    """Rewrite a zip with fixed entry dates and fixed document times in docProps/core.xml (openpyxl stamps now)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(lambda m: m.group(1) + _STAMP + m.group(3), data)
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, data)


def write_gbk_csv(df: pd.DataFrame, path: Path) -> None:
    """GBK, CRLF, no BOM, comma-separated — what a Windows 学工 system exports."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = df.to_csv(index=False, lineterminator="\r\n")
    path.write_bytes(text.encode("gbk"))
